from django.urls import path

from ecobrain.complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.ComplaintListView.as_view(), name="complaint_list"),
    path("phone/", views.PhoneIntakeView.as_view(), name="complaint_add"),
    path("<int:pk>/", views.ComplaintDetailView.as_view(), name="complaint_detail"),
    path("<int:pk>/<slug:step>/", views.ComplaintStepView.as_view(), name="complaint_step"),
    path("photos/<int:pk>/", views.PhotoView.as_view(), name="photo"),
]
