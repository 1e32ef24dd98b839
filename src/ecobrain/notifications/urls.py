from django.urls import path

from ecobrain.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("stream/", views.StreamView.as_view(), name="stream"),
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("read-all/", views.MarkAllReadView.as_view(), name="read_all"),
    path("<int:pk>/read/", views.MarkReadView.as_view(), name="read"),
    path("<int:pk>/open/", views.OpenView.as_view(), name="open"),
]
