"""Public complaint pages (no login), mounted at /public/complaints/."""

from django.urls import path

from ecobrain.complaints import views_public

app_name = "complaints_public"
urlpatterns = [
    path("new/", views_public.complaint_new, name="new"),
    path("filed/<str:tracking_number>/", views_public.complaint_filed, name="filed"),
    path("track/", views_public.complaint_track, name="track"),
    path("track/<str:tracking_number>/", views_public.complaint_detail, name="detail"),
    path("track/<str:tracking_number>/rate/", views_public.complaint_rate, name="rate"),
    path("published/", views_public.published_list, name="published"),
]
