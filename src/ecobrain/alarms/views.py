"""Alarm pages: the alarm centre (filters, counts by state, bulk acknowledgement, exports), the alarm page
(facts, objects, timeline, chart, the actions the user may take) and the 报警 tab of registry objects."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from ecobrain.alarms.choices import OPEN_ALARM_STATES, AlarmStatus
from ecobrain.alarms.filtersets import STATUS_ACTIVE, STATUS_ALL, AlarmFilterSet
from ecobrain.alarms.forms import ACTION_FORMS
from ecobrain.alarms.models import Alarm, AlarmEvent
from ecobrain.alarms.services import lifecycle
from ecobrain.alarms.tables import (
    ALARM_LIST_DEFER,
    KeysFirstPaginator,
    alarm_object,
    alarm_rows,
    alarm_table,
    alarm_value,
)
from ecobrain.alarms.views_chart import chart_for
from ecobrain.core import gate
from ecobrain.core.exports import EXPORT_LIMIT, csv_response, xlsx_response
from ecobrain.core.object_views import PAGE_SIZES, GatedViewMixin
from ecobrain.workorders.models import WorkOrder

# The tabs above the alarm table: the open states together first, then each state, then all.
STATUS_TABS = [
    (STATUS_ACTIVE, None),
    *[(status.value, status) for status in AlarmStatus],
    (STATUS_ALL, None),
]
SEVERITY_STYLES = {1: "secondary", 2: "info", 3: "warning", 4: "danger"}
STATUS_STYLES = {
    AlarmStatus.OPEN: "danger",
    AlarmStatus.ACKNOWLEDGED: "warning",
    AlarmStatus.DISPATCHED: "primary",
    AlarmStatus.RESOLVED: "success",
    AlarmStatus.CLOSED: "secondary",
    AlarmStatus.FALSE_ALARM: "light",
}


def workorder_url(workorder) -> str:
    """The work order's page, or "" while the work-order pages are not installed."""
    try:
        return workorder.get_absolute_url()
    except NoReverseMatch:
        return ""


def _per_page(request) -> int:
    try:
        value = int(request.GET.get("per_page", 50))
    except ValueError:
        return 50
    return value if value in PAGE_SIZES else 50


def _status_value(request) -> str:
    values = request.GET.getlist("status")
    return values[0] if len(values) == 1 else (STATUS_ACTIVE if not values else "")


class AlarmListView(GatedViewMixin, View):
    """报警中心: the open alarms by default; filters, counts per state (the tabs), sort, pages, bulk acknowledge."""

    model = Alarm
    url_base = "alarms:alarm"

    def get(self, request):
        user = request.user
        base = self.base_queryset()
        filterset = AlarmFilterSet(request.GET, queryset=base, request=request)
        valid = filterset.is_valid()
        status_filter = filterset.filters["status"]
        if valid:
            queryset = filterset.qs
            # The same filters without the state give the count of every tab in one grouped query.
            unstated = request.GET.copy()
            unstated.setlist("status", [STATUS_ALL])
            others = AlarmFilterSet(unstated, queryset=base, request=request)
            others.is_valid()
            counted = others.qs
        else:
            queryset = status_filter.filter(base, None)
            counted = base
        by_status = dict(counted.order_by().values_list("status").annotate(n=Count("*")))  # COUNT(*): index-only
        counts = self.tab_counts(by_status)
        selected = set(filterset.form.cleaned_data.get("status") or []) if valid else {STATUS_ACTIVE}
        total = self.selected_total(by_status, selected)

        sort, ordering = alarm_table.ordering_for(request.GET.get("sort"))
        descending = ordering.startswith("-")
        queryset = queryset.order_by(ordering, "-pk" if descending else "pk")

        export = request.GET.get("export")
        if export in {"csv", "xlsx"}:
            return self.export(alarm_rows(queryset, export=True), export)

        per_page = _per_page(request)
        paginator = KeysFirstPaginator(alarm_rows(queryset), per_page)
        paginator.count = total  # known from the grouped counts: no second COUNT over the alarms
        page = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        for key in ("page", "export"):
            query.pop(key, None)
        without_sort = query.copy()
        without_sort.pop("sort", None)
        without_status = query.copy()
        without_status.pop("status", None)
        current_status = _status_value(request)
        context = {
            **self.common_context(),
            "filterset": filterset,
            "filter_errors": filterset.errors if not valid else None,
            "page": page,
            "columns": alarm_table.html_columns(),
            "rows": [self.row(alarm) for alarm in page.object_list],
            "sort": sort,
            "querystring": query.urlencode(),
            "querystring_nosort": without_sort.urlencode(),
            "querystring_nostatus": without_status.urlencode(),
            "per_page": per_page,
            "page_sizes": PAGE_SIZES,
            "tabs": counts,
            "current_status": current_status,
            "status_values": request.GET.getlist("status"),
            "can_acknowledge": user.has_grant(Alarm, "change"),
            "can_view_rules": user.has_grant(Alarm.rule.field.related_model, "view"),
            "next_url": request.get_full_path(),
        }
        template = (
            "alarms/partials/alarm_results.html" if request.headers.get("HX-Request") else "alarms/alarm_list.html"
        )
        return render(request, template, context)

    @staticmethod
    def tab_counts(by_status: dict) -> list[dict]:
        tabs = []
        for value, status in STATUS_TABS:
            if value == STATUS_ACTIVE:
                label, count = _("未关闭"), sum(by_status.get(str(s), 0) for s in OPEN_ALARM_STATES)
            elif value == STATUS_ALL:
                label, count = _("全部"), sum(by_status.values())
            else:
                label, count = status.label, by_status.get(value, 0)
            tabs.append({"value": value, "label": label, "count": count, "style": STATUS_STYLES.get(value, "")})
        return tabs

    @staticmethod
    def selected_total(by_status: dict, selected: set) -> int:
        if not selected:
            selected = {STATUS_ACTIVE}
        if STATUS_ALL in selected:
            return sum(by_status.values())
        states = {s for s in selected if s != STATUS_ACTIVE}
        if STATUS_ACTIVE in selected:
            states |= {str(s) for s in OPEN_ALARM_STATES}
        return sum(by_status.get(s, 0) for s in states)

    @staticmethod
    def row(alarm: Alarm) -> dict:
        return {
            "alarm": alarm,
            "object": alarm_object(alarm),
            "value": alarm_value(alarm),
            "severity_style": SEVERITY_STYLES.get(alarm.severity, "secondary"),
            "status_style": STATUS_STYLES.get(alarm.status, "secondary"),
            "acknowledgeable": alarm.status in lifecycle.ACKNOWLEDGEABLE,
        }

    def export(self, queryset, fmt: str):
        if not self.request.user.has_grant(Alarm, "export"):
            raise PermissionDenied(_("您的角色无权导出报警。"))
        columns = alarm_table.export_columns()
        headers = [str(c.header) for c in columns]
        rows = alarm_table.rows(queryset[:EXPORT_LIMIT].iterator(chunk_size=2000), columns)
        if fmt == "csv":
            return csv_response("alarms", headers, rows)
        return xlsx_response("alarms", _("报警"), headers, rows)


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


class AlarmBulkAcknowledgeView(GatedViewMixin, View):
    """POST ids (the alarm centre's checkboxes): acknowledge those still open, say what was skipped and why."""

    model = Alarm
    action = "change"
    url_base = "alarms:alarm"

    def post(self, request):
        back = _safe_next(request, reverse("alarms:alarm_list"))
        try:
            result = lifecycle.acknowledge_alarms(
                request.POST.getlist("ids"), actor=request.user, note=request.POST.get("note", "")
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(back)
        if result.done_count:
            messages.success(request, _("已确认 %(count)s 条报警。") % {"count": result.done_count})
        if result.skipped_count:
            reasons = _("；").join(
                _("%(reason)s（%(count)s 条）") % {"reason": reason, "count": count}
                for reason, count in result.reasons().items()
            )
            messages.warning(
                request, _("跳过 %(count)s 条：%(reasons)s。") % {"count": result.skipped_count, "reasons": reasons}
            )
        return HttpResponseRedirect(back)


class AlarmDetailView(GatedViewMixin, View):
    """One alarm: facts, objects, the rule, the linked work order, the chart, the timeline and the actions."""

    model = Alarm
    url_base = "alarms:alarm"

    def get_object(self, pk) -> Alarm:
        try:
            return (
                self.base_queryset()
                # Few joins (PostgreSQL's planning time grows steeply past five): the rest in small queries.
                .select_related("rule", "district", "enterprise", "outlet")
                .prefetch_related("station", "device", "factor", "workorder__assignee_org", "acknowledged_by")
                .defer(*ALARM_LIST_DEFER)
                .get(pk=pk)
            )
        except (Alarm.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404(_("报警不存在或不在您的权限范围内。")) from None

    def get(self, request, pk):
        alarm = self.get_object(pk)
        return self.render_page(alarm)

    def action_forms(self, alarm: Alarm, bound: dict | None = None) -> dict:
        """The forms of the steps the state allows and the user may take (``bound`` replaces one with errors)."""
        user = self.request.user
        if not gate.is_allowed(user, "change", alarm):
            return {}
        steps = lifecycle.allowed_steps(alarm)
        if "dispatch" in steps and not user.has_grant(WorkOrder, "add"):
            steps.discard("dispatch")
        forms = {}
        for step in ("acknowledge", "dispatch", "resolve", "close", "mark_false", "comment"):
            if step not in steps:
                continue
            if bound and step in bound:
                forms[step] = bound[step]
            else:
                kwargs = {"alarm": alarm} if step == "dispatch" else {}
                forms[step] = ACTION_FORMS[step](prefix=step, **kwargs)
        return forms

    def render_page(self, alarm: Alarm, bound: dict | None = None, status: int = 200):
        user = self.request.user
        events = (
            AlarmEvent.objects.filter(alarm=alarm).select_related("actor").order_by("at", "pk")
            if user.has_grant(AlarmEvent, "view")
            else AlarmEvent.objects.none()
        )
        rule_visible = gate.is_allowed(user, "view", alarm.rule)
        forms = self.action_forms(alarm, bound)
        # A step refused by the state has no form on the page any more: its message goes above the actions.
        refused = [
            message
            for step, form in (bound or {}).items()
            if step not in forms
            for messages_ in form.errors.values()
            for message in messages_
        ]
        context = {
            **self.common_context(),
            "object": alarm,
            "row": AlarmListView.row(alarm),
            "values": [alarm.first_value, alarm.last_value, alarm.peak_value],
            "events": list(events),
            "forms": forms,
            "refused": refused,
            "open_step": next(iter(bound)) if bound else "",
            "rule_visible": rule_visible,
            "workorder_url": workorder_url(alarm.workorder) if alarm.workorder_id else "",
            "chart": chart_for(alarm, user),
            "object_links": self.object_links(alarm),
        }
        return render(self.request, "alarms/alarm_detail.html", context, status=status)

    def object_links(self, alarm: Alarm) -> list[tuple[str, object, str]]:
        """(label, object, url) of the alarm's objects the user may open."""
        user = self.request.user
        links = []
        for label, obj in (
            (_("企业"), alarm.enterprise),
            (_("排放口"), alarm.outlet),
            (_("站点"), alarm.station),
            (_("数采仪"), alarm.device),
        ):
            if obj is not None:
                url = obj.get_absolute_url() if gate.is_allowed(user, "view", obj) else ""
                links.append((label, obj, url))
        return links


class AlarmActionView(AlarmDetailView):
    """POST one step (acknowledge, comment, dispatch, resolve, close, mark_false) from the alarm page."""

    action = "change"

    def get(self, request, pk, step):
        return HttpResponseRedirect(reverse("alarms:alarm_detail", args=[pk]))

    def post(self, request, pk, step):
        if step not in ACTION_FORMS:
            raise Http404(_("未知的报警操作。"))
        alarm = self.get_object(pk)
        kwargs = {"alarm": alarm} if step == "dispatch" else {}
        form = ACTION_FORMS[step](request.POST, prefix=step, **kwargs)
        if not form.is_valid():
            return self.render_page(alarm, {step: form}, status=400)
        data = form.cleaned_data
        try:
            if step == "acknowledge":
                lifecycle.acknowledge_alarm(alarm, actor=request.user, note=data["note"])
                done = _("已确认该报警。")
            elif step == "comment":
                lifecycle.comment_alarm(alarm, actor=request.user, text=data["text"])
                done = _("已添加备注。")
            elif step == "dispatch":
                workorder = lifecycle.dispatch_alarm(
                    alarm,
                    actor=request.user,
                    title=data["title"],
                    description=data["description"],
                    deadline=data["deadline"],
                    priority=data["priority"],
                    assignee_org=data["assignee_org"],
                )
                done = _("已派发任务单 %(number)s 至%(org)s。") % {
                    "number": workorder.number,
                    "org": workorder.assignee_org.name,
                }
            elif step == "resolve":
                lifecycle.resolve_alarm(alarm, actor=request.user, note=data["note"])
                done = _("已标记为已恢复。")
            elif step == "close":
                lifecycle.close_alarm(alarm, actor=request.user, note=data["note"])
                done = _("已关闭该报警。")
            else:
                lifecycle.mark_false_alarm(alarm, actor=request.user, reason=data["reason"])
                done = _("已标记为误报。")
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            return self.render_page(self.get_object(pk), {step: form}, status=400)
        messages.success(request, done)
        return HttpResponseRedirect(reverse("alarms:alarm_detail", args=[pk]))


class OpenAlarmBadgeView(LoginRequiredMixin, View):
    """The navbar's count of open alarms in the user's scope, loaded by htmx after the page (no page pays for it).

    Empty for a user without alarms to see (the badge hides), never a 403: every page asks for it.
    """

    def get(self, request):
        count = (
            Alarm.objects.restrict(request.user, "view").open().count() if request.user.has_grant(Alarm, "view") else 0
        )
        text = "" if not count else (str(count) if count < 1000 else "999+")
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        response["Cache-Control"] = "private, max-age=30"
        return response


# --- the 报警 tab of enterprises, outlets, stations and data loggers -------------------------------------------

TAB_FILTERS = {"enterprise": "enterprise", "outlet": "outlet", "station": "station", "device": "device"}
TAB_ROWS = 10


def object_alarms_tab(obj, request) -> dict:
    """The object's newest alarms and its count of open ones, with a link to all of them in the alarm centre."""
    name = obj._meta.model_name
    field = TAB_FILTERS[name]
    alarms = Alarm.objects.restrict(request.user, "view").filter(**{f"{field}_id": obj.pk})
    rows = list(alarm_rows(alarms).order_by("-triggered_at", "-pk")[:TAB_ROWS])
    return {
        "rows": [AlarmListView.row(alarm) for alarm in rows],
        "open_count": alarms.open().count(),
        "list_url": reverse("alarms:alarm_list") + f"?{field}={obj.pk}&status={STATUS_ALL}",
        "open_url": reverse("alarms:alarm_list") + f"?{field}={obj.pk}",
    }
