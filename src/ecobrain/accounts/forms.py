from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecobrain.accounts.backends import LoginLocked


class LoginForm(AuthenticationForm):
    """Django's login form, with the lockout message when too many attempts failed."""

    error_messages = {
        "invalid_login": _("用户名或密码错误。连续多次失败后账户将被临时锁定。"),
        "inactive": _("该账户已停用。"),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def clean(self):
        try:
            return super().clean()
        except LoginLocked as locked:
            wait = max(1, int((locked.until - timezone.now()).total_seconds()))
            raise forms.ValidationError(
                _("登录失败次数过多，已临时锁定，请 %(seconds)s 秒后再试。") % {"seconds": wait}, code="locked"
            ) from None


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=64, required=False)
    days = forms.IntegerField(label=_("有效天数（留空为长期）"), min_value=1, max_value=3650, required=False)
