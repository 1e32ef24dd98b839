"""Rule configuration pages under /alarms/rules/: list, detail (with its open alarms), create/edit with the
kind's parameter fields (switched by htmx when the kind changes), enable/disable, and delete while unused."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View

from ecobrain.alarms.choices import OPEN_ALARM_STATES
from ecobrain.alarms.filtersets import AlarmRuleFilterSet
from ecobrain.alarms.forms import (
    ALL_SCOPE_FIELDS,
    CHECK_LABELS,
    METRIC_LABELS,
    PARAM_FIELD_LABELS,
    TARGET_LABELS,
    AlarmRuleForm,
)
from ecobrain.alarms.models import Alarm, AlarmRule
from ecobrain.alarms.tables import alarm_rows, rule_table
from ecobrain.alarms.views import AlarmListView
from ecobrain.core import gate
from ecobrain.core.object_views import GatedViewMixin, ObjectDeleteView, ObjectEditView, ObjectListView


def alarm_count(**conditions):
    """A rule's number of alarms (meeting ``conditions``) as a correlated subquery: the (rule, …) indexes answer
    it per rule, where a join and GROUP BY over the alarm table would read every alarm (seconds at 100,000)."""
    rows = Alarm.objects.filter(rule=OuterRef("pk"), **conditions).order_by().values("rule").annotate(n=Count("pk"))
    return Coalesce(Subquery(rows.values("n")), 0)


OPEN_ALARMS = alarm_count(status__in=OPEN_ALARM_STATES)
DETAIL_ALARMS = 50


class AlarmRuleListView(ObjectListView):
    model = AlarmRule
    url_base = "alarms:rule"
    table = rule_table
    filterset_class = AlarmRuleFilterSet
    export_stem = "alarm-rules"

    def get_queryset(self):
        return super().get_queryset().annotate(open_alarms=OPEN_ALARMS).defer("district__boundary")


def params_display(rule: AlarmRule) -> list[tuple[str, str]]:
    """(label, value) of the rule's parameters, in words."""
    shown = []
    for name, value in (rule.params or {}).items():
        if name == "target":
            text = TARGET_LABELS.get(value, value)
        elif name == "metric":
            text = METRIC_LABELS.get(value, value)
        elif name == "checks":
            text = pgettext("list separator", "、").join(str(CHECK_LABELS.get(v, v)) for v in value)
        elif name in ("hysteresis", "min_rate") and isinstance(value, int | float):
            text = _("%(ratio)g（%(percent)g%%）") % {"ratio": value, "percent": value * 100}
        else:
            text = value
        shown.append((str(PARAM_FIELD_LABELS.get(name, name)), str(text)))
    return shown


class AlarmRuleDetailView(GatedViewMixin, View):
    model = AlarmRule
    url_base = "alarms:rule"

    def get(self, request, pk):
        try:
            rule = (
                self.base_queryset()
                .select_related("district", "enterprise", "outlet", "station", "factor", "created_by")
                .defer("district__boundary")
                .annotate(open_alarms=OPEN_ALARMS, all_alarms=alarm_count())
                .get(pk=pk)
            )
        except (AlarmRule.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404(_("报警规则不存在或不在您的权限范围内。")) from None
        alarms = alarm_rows(Alarm.objects.restrict(request.user, "view").open().filter(rule=rule)).order_by(
            "-triggered_at", "-pk"
        )
        return render(
            request,
            "alarms/rule_detail.html",
            {
                **self.common_context(),
                "object": rule,
                "object_can_change": gate.is_allowed(request.user, "change", rule),
                "object_can_delete": gate.is_allowed(request.user, "delete", rule),
                "params": params_display(rule),
                "recipients": list(rule.recipients.order_by("username")),
                "rows": [AlarmListView.row(alarm) for alarm in alarms[:DETAIL_ALARMS]],
                "alarms_url": reverse("alarms:alarm_list") + f"?rule={rule.pk}",
                "all_alarms_url": reverse("alarms:alarm_list") + f"?rule={rule.pk}&status=all",
            },
        )


class AlarmRuleEditView(ObjectEditView):
    model = AlarmRule
    url_base = "alarms:rule"
    form_class = AlarmRuleForm
    template_name = "alarms/rule_edit.html"

    def initial(self) -> dict:
        initial = super().initial()
        if "kind" in self.request.GET:
            initial["kind"] = self.request.GET["kind"]
        return initial


class AlarmRuleKindFieldsView(GatedViewMixin, View):
    """The form's kind-dependent part (scope fields and parameters), re-rendered when the kind select changes."""

    model = AlarmRule
    action = "add"
    url_base = "alarms:rule"

    def dispatch(self, request, *args, **kwargs):
        self.action = "change" if request.GET.get("rule") else "add"
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        instance = AlarmRule()
        rule_id = request.GET.get("rule")
        if rule_id:
            try:
                instance = self.base_queryset("change").get(pk=rule_id)
            except (AlarmRule.DoesNotExist, ValueError, TypeError, OverflowError):
                raise Http404(_("报警规则不存在或不在您的权限范围内。")) from None
        # Unbound, with the new kind and the scope chosen so far: the new kind's parameters show their defaults.
        initial = {name: request.GET[name] for name in ("kind", *ALL_SCOPE_FIELDS) if request.GET.get(name)}
        form = AlarmRuleForm(instance=instance, initial=initial, user=request.user)
        return render(request, "alarms/partials/rule_kind_fields.html", {"form": form, "show_errors": False})


class AlarmRuleToggleView(GatedViewMixin, View):
    """POST: enable or disable a rule (a disabled rule raises nothing; its open alarms stay as they are)."""

    model = AlarmRule
    action = "change"
    url_base = "alarms:rule"

    def post(self, request, pk):
        try:
            rule = self.base_queryset("change").get(pk=pk)
        except (AlarmRule.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404(_("报警规则不存在或不在您的权限范围内。")) from None
        rule.enabled = request.POST.get("enabled") == "1"
        rule.save(update_fields=["enabled", "updated"])
        if rule.enabled:
            messages.success(request, _("已启用规则“%(rule)s”。") % {"rule": rule})
        else:
            messages.success(request, _("已停用规则“%(rule)s”：它不再产生新报警，已有报警不受影响。") % {"rule": rule})
        return HttpResponseRedirect(rule.get_absolute_url())


class AlarmRuleDeleteView(ObjectDeleteView):
    """Delete a rule that has never raised an alarm; a rule with alarms is disabled instead (they keep its name)."""

    model = AlarmRule
    url_base = "alarms:rule"
    template_name = "alarms/rule_delete.html"

    def get(self, request, pk):
        rule = self.get_object(pk)
        return render(
            request,
            self.template_name,
            {**self.common_context(), "object": rule, "alarm_count": Alarm.objects.filter(rule=rule).count()},
        )

    def post(self, request, pk):
        rule = self.get_object(pk)
        count = Alarm.objects.filter(rule=rule).count()
        if count:
            messages.error(request, in_use_message(rule, count))
            return HttpResponseRedirect(rule.get_absolute_url())
        return super().post(request, pk)


def in_use_message(rule: AlarmRule, count: int) -> str:
    return _("规则“%(rule)s”已产生 %(count)s 条报警，不能删除：报警记录需要保留它，请改为停用。") % {
        "rule": rule,
        "count": count,
    }
