"""Creating a work order by hand (手工派单) or from a leader's instruction (领导批示), with a map to pick the place."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from ecobrain.core.models import Region, RegionLevel
from ecobrain.core.object_views import GatedViewMixin
from ecobrain.workorders.choices import DayKind
from ecobrain.workorders.forms import WorkOrderCreateForm
from ecobrain.workorders.models import WorkOrder
from ecobrain.workorders.services import create_workorder, policy_for
from ecobrain.workorders.steps import add_service_errors

PREFILL = ("title", "source", "priority", "district", "enterprise", "station", "location", "longitude", "latitude")


class WorkOrderCreateView(GatedViewMixin, View):
    model = WorkOrder
    action = "add"
    url_base = "workorders:workorder"

    def render_form(self, form, status: int = 200):
        policies = []
        for source, label in form.fields["source"].choices:
            days, day_kind, _hours = policy_for(source)
            policies.append(
                _("%(source)s %(days)d 个%(kind)s") % {"source": label, "days": days, "kind": DayKind(day_kind).label}
            )
        city = Region.objects.filter(level=RegionLevel.CITY).values_list("adcode", flat=True).first()
        return render(
            self.request,
            "workorders/workorder_form.html",
            {
                "form": form,
                "policies": policies,
                "city_adcode": city,
                "district_adcodes": {str(d.pk): d.adcode for d in form.fields["district"].queryset},
            },
            status=status,
        )

    def get(self, request):
        initial = {key: request.GET[key] for key in PREFILL if request.GET.get(key)}
        return self.render_form(WorkOrderCreateForm(initial=initial, user=request.user))

    def post(self, request):
        form = WorkOrderCreateForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                workorder = create_workorder(
                    actor=request.user,
                    title=data["title"],
                    source=data["source"],
                    priority=data["priority"],
                    description=data["description"],
                    district=data["district"],
                    assignee_org=data["assignee_org"],
                    enterprise=data["enterprise"],
                    station=data["station"],
                    location=data["location"],
                    longitude=data["longitude"],
                    latitude=data["latitude"],
                    deadline=data["deadline"],
                    attachments=data["attachments"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已派发任务 %(number)s 至%(org)s。")
                    % {"number": workorder.number, "org": workorder.assignee_org},
                )
                return HttpResponseRedirect(workorder.get_absolute_url())
        return self.render_form(form, status=400)


class ObjectOptionsView(GatedViewMixin, View):
    """The enterprise and station pickers of the create form, for the district just chosen (htmx)."""

    model = WorkOrder
    action = "add"

    def get(self, request):
        district = request.GET.get("district", "")
        form = WorkOrderCreateForm(initial={"district": district if district.isdigit() else None}, user=request.user)
        return render(request, "workorders/partials/object_pickers.html", {"form": form})
