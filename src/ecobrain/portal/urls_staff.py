from django.urls import path

from ecobrain.portal.views import staff

app_name = "portal_staff"
urlpatterns = [
    path("notices/", staff.NoticeListView.as_view(), name="notice_list"),
    path("notices/add/", staff.NoticeEditView.as_view(), name="notice_add"),
    path("notices/preview/", staff.NoticePreviewView.as_view(), name="notice_preview"),
    path("notices/<int:pk>/", staff.NoticeDetailView.as_view(), name="notice_detail"),
    path("notices/<int:pk>/edit/", staff.NoticeEditView.as_view(), name="notice_edit"),
    path("notices/<int:pk>/publish/", staff.NoticeStepView.as_view(step="publish"), name="notice_publish"),
    path("notices/<int:pk>/withdraw/", staff.NoticeStepView.as_view(step="withdraw"), name="notice_withdraw"),
]
