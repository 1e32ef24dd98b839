from django.urls import path

from ecobrain.alarms import views, views_rules

app_name = "alarms"

urlpatterns = [
    path("", views.AlarmListView.as_view(), name="alarm_list"),
    path("acknowledge/", views.AlarmBulkAcknowledgeView.as_view(), name="alarm_acknowledge_bulk"),
    path("badge/", views.OpenAlarmBadgeView.as_view(), name="alarm_badge"),
    path("<int:pk>/", views.AlarmDetailView.as_view(), name="alarm_detail"),
    path("<int:pk>/<str:step>/", views.AlarmActionView.as_view(), name="alarm_action"),
    path("rules/", views_rules.AlarmRuleListView.as_view(), name="rule_list"),
    path("rules/add/", views_rules.AlarmRuleEditView.as_view(), name="rule_add"),
    path("rules/kind-fields/", views_rules.AlarmRuleKindFieldsView.as_view(), name="rule_kind_fields"),
    path("rules/<int:pk>/", views_rules.AlarmRuleDetailView.as_view(), name="rule_detail"),
    path("rules/<int:pk>/edit/", views_rules.AlarmRuleEditView.as_view(), name="rule_edit"),
    path("rules/<int:pk>/toggle/", views_rules.AlarmRuleToggleView.as_view(), name="rule_toggle"),
    path("rules/<int:pk>/delete/", views_rules.AlarmRuleDeleteView.as_view(), name="rule_delete"),
]
