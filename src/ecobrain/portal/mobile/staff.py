"""The staff side of the mobile app: my work orders, handling one on the phone (accept, start, submit the result
with photos, comment), and the open alarms with acknowledgement.

Each page reads through the same gate and querysets as the desktop pages, and each step calls the same service as
the desktop step view (``workorders.steps.STEPS``, ``alarms.services.lifecycle``); an order or alarm outside
the user's scope is a 404, a step the user's side may not take a 403. Pages are per user: never cached.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from ecobrain.alarms.models import Alarm
from ecobrain.alarms.services import lifecycle
from ecobrain.alarms.tables import ALARM_LIST_DEFER, alarm_object, alarm_value
from ecobrain.alarms.views import SEVERITY_STYLES, STATUS_STYLES
from ecobrain.core import gate
from ecobrain.core.object_views import GatedViewMixin
from ecobrain.workorders.attachments import IMAGE_TYPES, MAX_FILES_PER_STEP
from ecobrain.workorders.choices import OPEN_STATES
from ecobrain.workorders.mine import MINE_TABS, mine_filters
from ecobrain.workorders.models import WorkOrder, WorkOrderAttachment, WorkOrderEvent
from ecobrain.workorders.services import available_steps
from ecobrain.workorders.services.access import ensure_step_allowed
from ecobrain.workorders.services.transition import STEP_NAMES
from ecobrain.workorders.steps import STEPS, add_service_errors
from ecobrain.workorders.tables import HEAVY_FIELDS
from ecobrain.workorders.views.detail import get_workorder

PAGE_SIZE = 20
SEARCH_MAX = 100
# The steps a phone offers; the others (assign, transfer, check, extensions …) link to the desktop page.
MOBILE_STEPS = ("accept", "start", "submit", "comment")
STEP_BUTTONS = {
    "accept": gettext_lazy("签收"),
    "start": gettext_lazy("开始办理"),
    "submit": gettext_lazy("提交审核"),
    "comment": gettext_lazy("添加备注"),
}


class StaffPageMixin(GatedViewMixin):
    """Signed-in staff with the grant on the page's model (the desktop rule); never stored by any cache."""

    @method_decorator(never_cache)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- work orders --------------------------------------------------------------------------------------------


def default_tab(user) -> str:
    """The desktop's default tab of 我的任务: the organisation's orders for a branch member, else those I created."""
    return "org" if user.organisation_id and not user.is_city_wide else "created"


class MobileWorkOrderListView(StaffPageMixin, View):
    """我的任务 on the phone: the desktop's tabs, open orders by default (nearest deadline first), search, pages."""

    model = WorkOrder

    def get(self, request):
        user = request.user
        filters = mine_filters(user)
        tab = request.GET.get("tab")
        if tab not in filters:
            tab = default_tab(user)
        show_all = request.GET.get("state") == "all"
        query = request.GET.get("q", "").strip()[:SEARCH_MAX]
        visible = WorkOrder.objects.restrict(user, "view")
        rows = visible.filter(filters[tab])
        if not show_all:
            rows = rows.filter(status__in=OPEN_STATES).order_by("deadline", "pk")
        else:
            rows = rows.order_by("-dispatched_at", "-pk")
        if query:
            rows = rows.filter(Q(number__icontains=query) | Q(title__icontains=query) | Q(location__icontains=query))
        rows = rows.select_related("district", "assignee_org").defer(*HEAVY_FIELDS)
        counts = visible.filter(status__in=OPEN_STATES).aggregate(
            **{key: Count("pk", filter=condition) for key, condition in filters.items()}
        )
        context = {
            "tab": "staff",
            "page": _page(request, rows),
            "tabs": [(key, label, counts[key]) for key, label in MINE_TABS],
            "current": tab,
            "show_all": show_all,
            "query": query,
            "querystring": urlencode({"tab": tab, "state": "all" if show_all else "open", "q": query}),
            "section": "workorders",
            "now": timezone.now(),
        }
        return render(request, "portal/mobile/staff_workorders.html", context)


def workorder_context(request, workorder: WorkOrder, *, bound: dict | None = None) -> dict:
    """What the phone shows of one order: facts, clock, timeline with files, and the forms of the steps it offers."""
    user = request.user
    steps = available_steps(user, workorder)
    events = list(
        WorkOrderEvent.objects.restrict(user, "view")
        .filter(workorder=workorder)
        .select_related("actor", "actor_org")
        .order_by("-at", "-pk")
    )
    files = defaultdict(list)
    attachments = WorkOrderAttachment.objects.restrict(user, "view").filter(workorder=workorder)
    for attachment in attachments.order_by("uploaded_at", "pk"):
        files[attachment.event_id].append(attachment)
    forms = {}
    for step in MOBILE_STEPS:
        if step in steps:
            form_class = STEPS[step][0]
            forms[step] = (bound or {}).get(step) or form_class(prefix=step)
    return {
        "tab": "staff",
        "section": "workorders",
        "object": workorder,
        "now": timezone.now(),
        "timeline": [(event, files.get(event.pk, [])) for event in events],
        "loose_files": files.get(None, []),
        "image_types": IMAGE_TYPES,
        "forms": forms,
        "buttons": STEP_BUTTONS,
        "other_steps": sorted(str(STEP_NAMES[step]) for step in steps if step not in (*MOBILE_STEPS, "attach")),
        "max_files": MAX_FILES_PER_STEP,
        "failed": next(iter(bound)) if bound else "",
    }


class MobileWorkOrderDetailView(StaffPageMixin, View):
    model = WorkOrder

    def get(self, request, pk):
        workorder = get_workorder(request.user, pk)
        return render(request, "portal/mobile/staff_workorder.html", workorder_context(request, workorder))


class MobileWorkOrderStepView(StaffPageMixin, View):
    """POST one step from the phone: the desktop's form and service (``workorders.steps.STEPS``)."""

    model = WorkOrder

    def get(self, request, pk, step):
        return HttpResponseRedirect(reverse("mobile:staff_workorder", args=[pk]))

    def post(self, request, pk, step):
        if step not in MOBILE_STEPS:
            raise Http404(_("未知的操作。"))
        workorder = get_workorder(request.user, pk)
        ensure_step_allowed(request.user, workorder, step, str(STEP_NAMES[step]))
        form_class, call, done = STEPS[step]
        form = form_class(request.POST, request.FILES, prefix=step)
        if form.is_valid():
            try:
                call(workorder, request.user, form.cleaned_data, request.POST)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, done)
                return HttpResponseRedirect(reverse("mobile:staff_workorder", args=[pk]))
        workorder = get_workorder(request.user, pk)  # re-read: a failed step wrote nothing
        context = workorder_context(request, workorder, bound={step: form})
        return render(request, "portal/mobile/staff_workorder.html", context, status=400)


# --- alarms -------------------------------------------------------------------------------------------------


class MobileAlarmListView(StaffPageMixin, View):
    """报警: the open alarms in the user's scope, newest first, with 确认 where the user may acknowledge."""

    model = Alarm

    def get(self, request):
        user = request.user
        rows = (
            Alarm.objects.restrict(user, "view")
            .open()
            .select_related("district", "enterprise", "outlet", "station")
            .defer(*ALARM_LIST_DEFER)
            .order_by("-triggered_at", "-pk")
        )
        page = _page(request, rows)
        may_change = user.has_grant(Alarm, "change")
        cards = [
            {
                "alarm": alarm,
                "object": alarm_object(alarm),
                "value": alarm_value(alarm),
                "severity_style": SEVERITY_STYLES.get(alarm.severity, "secondary"),
                "status_style": STATUS_STYLES.get(alarm.status, "secondary"),
                "acknowledgeable": may_change
                and alarm.status in lifecycle.ACKNOWLEDGEABLE
                and gate.is_allowed(user, "change", alarm),
            }
            for alarm in page.object_list
        ]
        context = {
            "tab": "staff",
            "section": "alarms",
            "page": page,
            "cards": cards,
            "querystring": "",
            "next_url": request.get_full_path(),
        }
        return render(request, "portal/mobile/staff_alarms.html", context)


class MobileAlarmAcknowledgeView(StaffPageMixin, View):
    """POST: acknowledge one alarm (``lifecycle.acknowledge_alarm``), then back to the list."""

    model = Alarm
    action = "change"

    def post(self, request, pk):
        try:
            alarm = Alarm.objects.restrict(request.user, "view").get(pk=pk)
        except (Alarm.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404(_("报警不存在或不在您的权限范围内。")) from None
        back = request.POST.get("next") or ""
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith("/m/"):
            back = reverse("mobile:staff_alarms")
        try:
            lifecycle.acknowledge_alarm(alarm, actor=request.user, note=request.POST.get("note", ""))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已确认报警：%(title)s") % {"title": alarm.title})
        return HttpResponseRedirect(back)
