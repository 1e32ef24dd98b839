from django.urls import path

from ecobrain.ingest import views

app_name = "ingest"
urlpatterns = [
    path("sessions/", views.DeviceStatusListView.as_view(), name="session_list"),
]
