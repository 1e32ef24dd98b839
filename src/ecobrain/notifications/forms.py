"""The notification preferences form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ecobrain.alarms.choices import Severity
from ecobrain.notifications.choices import NotificationKind


class NotificationPreferenceForm(forms.Form):
    """Email and SMS on or off, the lowest severity each carries, and the kinds sent to the inbox only."""

    email_enabled = forms.BooleanField(label=_("接收邮件通知"), required=False)
    email_min_severity = forms.TypedChoiceField(
        label=_("邮件最低级别"), choices=Severity.choices, coerce=int, help_text=_("低于此级别的通知只进站内信箱")
    )
    sms_enabled = forms.BooleanField(label=_("接收短信通知"), required=False)
    sms_min_severity = forms.TypedChoiceField(
        label=_("短信最低级别"), choices=Severity.choices, coerce=int, help_text=_("短信适合紧急事项，建议“严重”及以上")
    )
    kinds_muted = forms.MultipleChoiceField(
        label=_("只在站内接收的类型"),
        choices=NotificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("勾选的类型不发邮件和短信，仍会出现在站内信箱中"),
    )
