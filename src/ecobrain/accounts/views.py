from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from ecobrain.accounts import services
from ecobrain.accounts.choices import SecurityEventKind
from ecobrain.accounts.forms import LoginForm, TokenCreateForm
from ecobrain.accounts.models import APIToken


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.record_security_event(SecurityEventKind.LOGOUT, user=request.user, ip=services.client_ip(request))
        return super().post(request, *args, **kwargs)


class ProfileView(LoginRequiredMixin, View):
    """The signed-in user's account: role, scope and API tokens (create, revoke)."""

    def get(self, request, form=None, new_key=None):
        tokens = APIToken.objects.filter(user=request.user)
        return render(
            request,
            "accounts/profile.html",
            {"tokens": tokens, "form": form or TokenCreateForm(), "new_key": new_key},
        )

    def post(self, request):
        form = TokenCreateForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form)
        _token, key = services.create_token(
            request.user, actor=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
        )
        messages.warning(request, _("令牌只显示这一次，请立即复制保存。"))
        return self.get(request, new_key=key)


class TokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, pk):
        token = get_object_or_404(APIToken, pk=pk, user=request.user)
        services.revoke_token(token, actor=request.user)
        messages.success(request, _("已吊销令牌 %(token)s。") % {"token": token})
        return redirect("accounts:profile")
