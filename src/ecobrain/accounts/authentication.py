from django.utils import timezone
from rest_framework import authentication, exceptions

from ecobrain.accounts.choices import SecurityEventKind
from ecobrain.accounts.models import TOKEN_PREFIX, APIToken


class APITokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token ebk_<id>_<secret>`` (or ``Bearer``); revoked and expired keys are refused."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization 头格式应为 'Token <key>'。")
        parts = header[1].split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            raise exceptions.AuthenticationFailed("API 令牌格式无效。")
        _, key_id, secret = parts
        token = APIToken.objects.select_related("user").filter(key_id=key_id).first()
        if token is None or not token.matches(secret) or not token.is_usable():
            from ecobrain.accounts.services import client_ip, record_security_event

            record_security_event(SecurityEventKind.TOKEN_REJECTED, ip=client_ip(request), key_id=key_id)
            raise exceptions.AuthenticationFailed("API 令牌无效、已过期或已吊销。")
        now = timezone.now()
        if token.last_used is None or (now - token.last_used).total_seconds() > 60:
            APIToken.objects.filter(pk=token.pk).update(last_used=now)
        return token.user, token

    def authenticate_header(self, request):
        return "Token"
