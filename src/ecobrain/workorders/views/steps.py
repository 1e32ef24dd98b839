"""The step forms of the detail page: each POST reads its form and calls its service; errors re-render the page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ecobrain.workorders import forms, services
from ecobrain.workorders.choices import ExtensionStatus
from ecobrain.workorders.models import ExtensionRequest
from ecobrain.workorders.services.access import ensure_step_allowed
from ecobrain.workorders.services.transition import STEP_NAMES
from ecobrain.workorders.views.detail import get_workorder, render_detail


def _accept(wo, user, data, post):
    return services.accept_workorder(wo, actor=user, message=data["message"])


def _assign(wo, user, data, post):
    return services.assign_workorder(wo, actor=user, assignee=data["assignee"], message=data["message"])


def _start(wo, user, data, post):
    return services.start_workorder(wo, actor=user, message=data["message"])


def _submit(wo, user, data, post):
    return services.submit_workorder(wo, actor=user, result=data["result"], attachments=data["attachments"])


def _request_extension(wo, user, data, post):
    return services.request_extension(wo, actor=user, requested_deadline=data["requested_date"], reason=data["reason"])


def _return(wo, user, data, post):
    return services.return_workorder(wo, actor=user, reason=data["reason"])


def _close(wo, user, data, post):
    return services.verify_and_close_workorder(wo, actor=user, note=data["note"])


def _cancel(wo, user, data, post):
    return services.cancel_workorder(wo, actor=user, reason=data["reason"])


def _transfer(wo, user, data, post):
    return services.transfer_workorder(wo, actor=user, assignee_org=data["assignee_org"], reason=data["reason"])


def _decide(wo, user, data, post):
    extension = (
        ExtensionRequest.objects.restrict(user, "view")
        .filter(workorder=wo, pk=post.get("extension") or 0, status=ExtensionStatus.PENDING)
        .first()
    )
    if extension is None:
        raise ValidationError(_("该延期申请不存在或已审批，请刷新页面。"))
    return services.decide_extension(extension, actor=user, approve=data["decision"] == "approve", note=data["note"])


def _comment(wo, user, data, post):
    return services.comment_workorder(wo, actor=user, message=data["message"], attachments=data["attachments"])


def _attach(wo, user, data, post):
    return services.add_attachments(wo, actor=user, attachments=data["attachments"], message=data["message"])


# step → (form class, service call, what the page says when it worked)
STEPS = {
    "accept": (forms.MessageForm, _accept, gettext_lazy("已签收任务。")),
    "assign": (forms.AssignForm, _assign, gettext_lazy("已指派承办人。")),
    "start": (forms.MessageForm, _start, gettext_lazy("已开始办理。")),
    "submit": (forms.SubmitForm, _submit, gettext_lazy("已提交办理结果，等待审核。")),
    "request_extension": (forms.ExtensionRequestForm, _request_extension, gettext_lazy("已提交延期申请。")),
    "return": (forms.ReturnForm, _return, gettext_lazy("已退回重办。")),
    "close": (forms.CloseForm, _close, gettext_lazy("已审核通过，任务办结。")),
    "cancel": (forms.CancelForm, _cancel, gettext_lazy("已撤销任务。")),
    "transfer": (forms.TransferForm, _transfer, gettext_lazy("已转办。")),
    "decide_extension": (forms.ExtensionDecisionForm, _decide, gettext_lazy("已审批延期申请。")),
    "comment": (forms.CommentForm, _comment, gettext_lazy("已添加备注。")),
    "attach": (forms.CommentForm, _attach, gettext_lazy("已上传附件。")),
}
NEEDS_ORDER = {"assign", "transfer"}
# Service error keys that are not the form's own field names.
FIELD_ALIASES = {"requested_deadline": "requested_date"}


def add_service_errors(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        name = FIELD_ALIASES.get(field, field)
        form.add_error(name if name in form.fields and name != NON_FIELD_ERRORS else None, errors)


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
