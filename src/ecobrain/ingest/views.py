"""Ingest pages: the device-status list (设备在线状态) and the session tab of a device's page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from ecobrain.core.object_views import ObjectListView
from ecobrain.ingest.filtersets import DeviceStatusFilterSet, status_condition
from ecobrain.ingest.models import DeviceSession
from ecobrain.ingest.tables import STATUS_LABELS, device_status_table, session_of
from ecobrain.registry.models import Device


class DeviceStatusListView(ObjectListView):
    """Devices in the user's scope with their link: online / offline / never seen, counts at the top."""

    model = Device
    read_only = True
    url_base = "ingest:session"
    table = device_status_table
    filterset_class = DeviceStatusFilterSet
    template_name = "ingest/devicestatus_list.html"
    export_stem = "device-status"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_grant(DeviceSession, "view"):
            raise PermissionDenied(_("您的角色无权查看设备在线状态。"))
        return super().dispatch(request, *args, **kwargs)

    def verbose_name(self) -> str:
        return _("设备在线状态")

    def common_context(self) -> dict:
        return {**super().common_context(), "status_counts": self.status_counts()}

    def status_counts(self) -> dict:
        """Counts per status under the current filters except the status filter itself (one query)."""
        data = self.request.GET.copy()
        data.pop("status", None)
        filterset = self.filterset_class(data or None, queryset=self.base_queryset(), request=self.request)
        queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
        counts = queryset.aggregate(
            total=Count("pk"),
            online=Count("pk", filter=status_condition("online")),
            offline=Count("pk", filter=status_condition("offline")),
            connected=Count("pk", filter=Q(session__connected=True)),
        )
        counts["never"] = counts["total"] - counts["online"] - counts["offline"]
        return counts


def device_session_tab(device, request) -> dict:
    """The device page's 在线状态 tab: its session (None when never seen)."""
    session = session_of(device) if request.user.has_grant(DeviceSession, "view") else None
    status = session.status() if session is not None else "never"
    return {"session": session, "status": status, "status_label": STATUS_LABELS[status]}
