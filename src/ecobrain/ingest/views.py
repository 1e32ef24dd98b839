"""Ingest pages: the device-status list (设备在线状态), and the device page's tab with its session and commands."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecobrain.core.object_views import ObjectListView
from ecobrain.ingest import services
from ecobrain.ingest.filtersets import DeviceStatusFilterSet, status_condition
from ecobrain.ingest.forms import DeviceCommandForm
from ecobrain.ingest.models import DeviceCommand, DeviceSession, DeviceStatusChange
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


HISTORY_SIZE = 20  # commands shown on the device page (the API pages through all of them)
STATUS_HISTORY_SIZE = 20  # online/offline changes shown on the device page (the API has all of them)


def device_session_tab(device, request) -> dict:
    """The device page's 在线状态与命令 tab: its session (None when never seen) and its commands."""
    session = session_of(device) if request.user.has_grant(DeviceSession, "view") else None
    status = session.status() if session is not None else "never"
    changes = (
        list(DeviceStatusChange.objects.filter(device=device).order_by("-at", "-pk")[:STATUS_HISTORY_SIZE])
        if request.user.has_grant(DeviceStatusChange, "view")
        else None
    )
    return {
        "session": session,
        "status_changes": changes,
        "status": status,
        "status_label": STATUS_LABELS[status],
        **command_context(device, request.user),
    }


def command_context(device, user, form: DeviceCommandForm | None = None) -> dict:
    can_view = user.has_grant(DeviceCommand, "view")
    can_command = user.has_grant(DeviceCommand, "add")
    history = (
        DeviceCommand.objects.restrict(user, "view").filter(device=device).select_related("created_by")[:HISTORY_SIZE]
        if can_view
        else []
    )
    return {
        "device": device,
        "can_view_commands": can_view,
        "can_command": can_command,
        "can_cancel": user.has_grant(DeviceCommand, "change"),
        "command_form": form or (DeviceCommandForm() if can_command else None),
        "commands": history,
    }


def _device_in_scope(user, pk: int) -> Device:
    device = Device.objects.restrict(user, "view").select_related("station", "outlet").filter(pk=pk).first()
    if device is None:
        raise Http404(_("数采仪不存在或不在您的权限范围内。"))
    return device


@login_required
@require_http_methods(["GET", "POST"])
def device_commands(request, pk: int):
    """GET: the command history (refreshed by HTMX); POST: queue a command from the form."""
    user = request.user
    if not user.has_grant(DeviceCommand, "view"):
        raise PermissionDenied(_("您的角色无权查看设备命令。"))
    device = _device_in_scope(user, pk)
    if request.method == "GET":
        return render(request, "ingest/partials/command_history.html", {"tab_data": command_context(device, user)})
    if not user.has_grant(DeviceCommand, "add"):
        raise PermissionDenied(_("您的角色无权向设备下发命令。"))
    form = DeviceCommandForm(request.POST)
    if form.is_valid():
        try:
            services.queue_device_command(
                device, form.cleaned_data["cn"], params=form.params(), actor=user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    form.add_error(None, f"{field}: {message}" if field not in ("params", "__all__") else message)
        else:
            form = DeviceCommandForm()
    return render(
        request, "ingest/partials/device_commands.html", {"tab_data": command_context(device, user, form=form)}
    )


@login_required
@require_POST
def cancel_command(request, pk: int):
    command = DeviceCommand.objects.restrict(request.user, "view").select_related("device").filter(pk=pk).first()
    if command is None:
        raise Http404(_("命令不存在或不在您的权限范围内。"))
    error = ""
    try:
        services.cancel_device_command(command, actor=request.user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    context = {"tab_data": command_context(command.device, request.user), "cancel_error": error}
    return render(request, "ingest/partials/command_history.html", context)
