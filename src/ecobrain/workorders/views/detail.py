"""One work order: its facts, clock, timeline, attachments, linked alarms, and the step forms the user may use."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from ecobrain.core.object_views import GatedViewMixin
from ecobrain.workorders import forms
from ecobrain.workorders.attachments import IMAGE_TYPES, thumbnail_name
from ecobrain.workorders.choices import ExtensionStatus
from ecobrain.workorders.models import ExtensionRequest, WorkOrder, WorkOrderAttachment, WorkOrderEvent
from ecobrain.workorders.services import available_steps
from ecobrain.workorders.tables import HEAVY_FIELDS

DETAIL_RELATED = ("district", "assignee_org", "dispatcher_org", "assignee", "created_by", "enterprise", "station")


def get_workorder(user, pk) -> WorkOrder:
    """The order if the user may see it; a 404 otherwise (an order outside the scope does not exist for them)."""
    try:
        visible = WorkOrder.objects.restrict(user, "view").select_related(*DETAIL_RELATED, "outlet")
        return visible.defer(*HEAVY_FIELDS).get(pk=pk)
    except (WorkOrder.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("任务单不存在或不在您的权限范围内。")) from None


def step_forms(workorder: WorkOrder, steps: set[str], bound: dict | None = None) -> dict:
    """One unbound form per step the user may take (the bound one, with its errors, after a failed step)."""
    makers = {
        "accept": lambda: forms.MessageForm(prefix="accept"),
        "assign": lambda: forms.AssignForm(prefix="assign", workorder=workorder),
        "start": lambda: forms.MessageForm(prefix="start"),
        "submit": lambda: forms.SubmitForm(prefix="submit"),
        "request_extension": lambda: forms.ExtensionRequestForm(prefix="request_extension"),
        "return": lambda: forms.ReturnForm(prefix="return"),
        "close": lambda: forms.CloseForm(prefix="close"),
        "cancel": lambda: forms.CancelForm(prefix="cancel"),
        "transfer": lambda: forms.TransferForm(prefix="transfer", workorder=workorder),
        "decide_extension": lambda: forms.ExtensionDecisionForm(prefix="decide_extension"),
        "comment": lambda: forms.CommentForm(prefix="comment"),
        "attach": lambda: forms.CommentForm(prefix="attach"),
    }
    made = {step: makers[step]() for step in steps if step in makers}
    made.update(bound or {})
    return made


def _alarm_rows(user, workorder: WorkOrder) -> list[tuple]:
    from ecobrain.alarms.models import Alarm

    rows = []
    for alarm in Alarm.objects.restrict(user, "view").filter(workorder=workorder).order_by("-triggered_at")[:50]:
        try:
            url = alarm.get_absolute_url()
        except NoReverseMatch:  # the alarm pages are not installed in this build
            url = ""
        rows.append((alarm, url))
    return rows


def render_detail(request, workorder: WorkOrder, *, bound: dict | None = None, status: int = 200):
    user = request.user
    steps = available_steps(user, workorder)
    events = list(
        WorkOrderEvent.objects.restrict(user, "view")
        .filter(workorder=workorder)
        .select_related("actor", "actor_org")
        .order_by("at", "pk")
    )
    attachments = list(
        WorkOrderAttachment.objects.restrict(user, "view").filter(workorder=workorder).select_related("uploaded_by")
    )
    by_event = defaultdict(list)
    for attachment in attachments:
        by_event[attachment.event_id].append(attachment)
    extensions = list(
        ExtensionRequest.objects.restrict(user, "view")
        .filter(workorder=workorder)
        .select_related("requested_by", "decided_by")
    )
    pending = next((e for e in extensions if e.status == ExtensionStatus.PENDING), None)
    context = {
        "object": workorder,
        "now": timezone.now(),
        "steps": steps,
        "forms": step_forms(workorder, steps, bound),
        "timeline": [(event, by_event.get(event.pk, [])) for event in events],
        "attachments": attachments,
        "image_types": IMAGE_TYPES,
        "extensions": extensions,
        "pending_extension": pending,
        "alarms": _alarm_rows(user, workorder),
        "failed": next(iter(bound.items())) if bound else None,
    }
    return render(request, "workorders/workorder_detail.html", context, status=status)


class WorkOrderDetailView(GatedViewMixin, View):
    model = WorkOrder
    url_base = "workorders:workorder"

    def get(self, request, pk):
        return render_detail(request, get_workorder(request.user, pk))


def attachment_response(attachment: WorkOrderAttachment, *, thumb: bool = False, download: bool = False):
    """The stored file: images inline (or their small JPEG with ``thumb``), other files as a download; the type
    is the one recognised at upload, the browser may not sniff another, and the file may run nothing."""
    is_image = attachment.content_type in IMAGE_TYPES
    name, content_type = attachment.file.name, attachment.content_type
    if is_image and thumb and default_storage.exists(thumbnail_name(name)):
        name, content_type = thumbnail_name(name), "image/jpeg"
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404(_("附件文件已丢失，请联系管理员。")) from None
    response = FileResponse(
        handle, content_type=content_type, as_attachment=download or not is_image, filename=attachment.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


class AttachmentView(LoginRequiredMixin, View):
    """An attachment through the gate (``?thumb=1`` for an image's thumbnail, ``?download=1`` to save it)."""

    def get(self, request, pk):
        try:
            attachment = WorkOrderAttachment.objects.restrict(request.user, "view").get(pk=pk)
        except (WorkOrderAttachment.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404(_("附件不存在或不在您的权限范围内。")) from None
        return attachment_response(
            attachment, thumb=bool(request.GET.get("thumb")), download=bool(request.GET.get("download"))
        )
