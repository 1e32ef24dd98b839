"""The steps of a work order as a table (CONVENTIONS: one place): for each step its form, its service call and what
the page says when it worked. The desktop detail page (``views.steps.WorkOrderStepView``) and the mobile app's order
page (``portal.mobile.staff``) both post through it, so a step means the same on either."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecobrain.workorders import forms, services
from ecobrain.workorders.choices import ExtensionStatus
from ecobrain.workorders.models import ExtensionRequest


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
    """A service's ValidationError on the step's form: each message on its field when the form has it."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        name = FIELD_ALIASES.get(field, field)
        form.add_error(name if name in form.fields and name != NON_FIELD_ERRORS else None, errors)
