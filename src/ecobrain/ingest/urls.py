from django.urls import path

from ecobrain.ingest import views

app_name = "ingest"
urlpatterns = [
    path("sessions/", views.DeviceStatusListView.as_view(), name="session_list"),
    path("devices/<int:pk>/commands/", views.device_commands, name="device_commands"),
    path("commands/<int:pk>/cancel/", views.cancel_command, name="command_cancel"),
]
