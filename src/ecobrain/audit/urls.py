from django.contrib.auth.decorators import login_required
from django.urls import path

from ecobrain.audit import views

app_name = "audit"
urlpatterns = [
    path("changes/", views.ObjectChangeListView.as_view(), name="objectchange_list"),
    path("changes/<int:pk>/", login_required(views.objectchange_target), name="objectchange_detail"),
    path("security/", views.SecurityEventListView.as_view(), name="securityevent_list"),
]
