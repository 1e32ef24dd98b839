from django.urls import path

from ecobrain.portal.mobile import staff, views

app_name = "mobile"
urlpatterns = [
    path("", views.home, name="home"),
    path("offline/", views.offline, name="offline"),
    path("api/nearby", views.nearby, name="nearby"),
    path("staff/", staff.MobileWorkOrderListView.as_view(), name="staff_home"),
    path("staff/workorders/<int:pk>/", staff.MobileWorkOrderDetailView.as_view(), name="staff_workorder"),
    path(
        "staff/workorders/<int:pk>/<slug:step>/",
        staff.MobileWorkOrderStepView.as_view(),
        name="staff_workorder_step",
    ),
    path("staff/alarms/", staff.MobileAlarmListView.as_view(), name="staff_alarms"),
    path(
        "staff/alarms/<int:pk>/acknowledge/",
        staff.MobileAlarmAcknowledgeView.as_view(),
        name="staff_alarm_acknowledge",
    ),
]
