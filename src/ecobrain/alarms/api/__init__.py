"""Alarm API: the alarm centre's list, alarm pages with their timeline and actions, and the rules."""


def register(router) -> None:
    from ecobrain.alarms.api import views

    router.register("alarms", views.AlarmViewSet, basename="alarm")
    router.register("alarm-rules", views.AlarmRuleViewSet, basename="alarmrule")
