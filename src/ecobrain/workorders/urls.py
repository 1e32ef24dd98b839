from django.urls import path

from ecobrain.workorders.views import boards, create, deadlines, detail, lists, steps

app_name = "workorders"
urlpatterns = [
    path("", lists.MyWorkOrdersView.as_view(), name="mine"),
    path("all/", lists.WorkOrderListView.as_view(), name="workorder_list"),
    path("new/", create.WorkOrderCreateView.as_view(), name="workorder_add"),
    path("new/objects/", create.ObjectOptionsView.as_view(), name="object_options"),
    path("<int:pk>/", detail.WorkOrderDetailView.as_view(), name="workorder_detail"),
    path("<int:pk>/<slug:step>/", steps.WorkOrderStepView.as_view(), name="workorder_step"),
    path("attachments/<int:pk>/", detail.AttachmentView.as_view(), name="attachment"),
    path("overdue/", boards.OverdueBoardView.as_view(), name="overdue"),
    path("statistics/", boards.StatisticsView.as_view(), name="statistics"),
    path("deadlines/", deadlines.DeadlineSettingsView.as_view(), name="deadlines"),
]
