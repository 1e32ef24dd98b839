"""The step forms of the detail page: each POST reads its form and calls its service; errors re-render the page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views import View

from ecobrain.workorders.services.access import ensure_step_allowed
from ecobrain.workorders.services.transition import STEP_NAMES
from ecobrain.workorders.steps import NEEDS_ORDER, STEPS, add_service_errors
from ecobrain.workorders.views.detail import get_workorder, render_detail


class WorkOrderStepView(LoginRequiredMixin, View):
    def get(self, request, pk, step):
        return HttpResponseRedirect(get_workorder(request.user, pk).get_absolute_url())

    def post(self, request, pk, step):
        if step not in STEPS:
            raise Http404(_("未知的操作。"))
        workorder = get_workorder(request.user, pk)
        # The wrong side is refused (403) before its input is read; the service checks again in its transaction.
        ensure_step_allowed(request.user, workorder, step, str(STEP_NAMES[step]))
        form_class, call, done = STEPS[step]
        kwargs = {"workorder": workorder} if step in NEEDS_ORDER else {}
        form = form_class(request.POST, request.FILES, prefix=step, **kwargs)
        if form.is_valid():
            try:
                call(workorder, request.user, form.cleaned_data, request.POST)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, done)
                return HttpResponseRedirect(workorder.get_absolute_url() + "#timeline")
        workorder = get_workorder(request.user, pk)  # re-read: a failed step wrote nothing
        return render_detail(request, workorder, bound={step: form}, status=400)
