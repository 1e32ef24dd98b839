"""The deadline settings as everyone reads them: each source's clock and the holidays and 调休 workdays."""

from __future__ import annotations

from datetime import date

from django.shortcuts import render
from django.utils import timezone
from django.views import View

from ecobrain.core.object_views import GatedViewMixin
from ecobrain.standards.hj212 import CHINA_TZ
from ecobrain.workorders.choices import WorkOrderSource
from ecobrain.workorders.models import DeadlinePolicy, Holiday
from ecobrain.workorders.services import policy_for


class DeadlineSettingsView(GatedViewMixin, View):
    """办理时限与节假日: read here, edited by administrators in the admin (links shown to them)."""

    model = DeadlinePolicy

    def get(self, request):
        policies = {p.source: p for p in DeadlinePolicy.objects.all()}
        rows = []
        for source, label in WorkOrderSource.choices:
            days, day_kind, hours = policy_for(source)
            rows.append(
                {"source": label, "days": days, "day_kind": day_kind, "hours": hours, "row": policies.get(source)}
            )
        year = timezone.now().astimezone(CHINA_TZ).year
        holidays = Holiday.objects.filter(date__gte=date(year, 1, 1), date__lte=date(year + 1, 12, 31))
        return render(
            request,
            "workorders/deadline_settings.html",
            {
                "rows": rows,
                "holidays": list(holidays),
                "year": year,
                # The admin's own rule: staff with the model permission (the superuser has them all).
                "can_edit": request.user.is_staff and request.user.has_perm("workorders.change_holiday"),
            },
        )
