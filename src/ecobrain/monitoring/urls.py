from django.urls import path

from ecobrain.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("completeness/", views.CompletenessView.as_view(), name="completeness"),
    path("packets/", views.PacketListView.as_view(), name="packet_list"),
    path("packets/<int:pk>/", views.PacketDetailView.as_view(), name="packet_detail"),
    path("data/<str:target>/<int:pk>/", views.DataWindowView.as_view(), name="data_window"),
]
