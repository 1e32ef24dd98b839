from django.contrib.auth.backends import ModelBackend

from ecobrain.accounts import services
from ecobrain.accounts.choices import SecurityEventKind


class LoginLocked(Exception):
    """Too many failed logins for this account or address; ``until`` says when to try again."""

    def __init__(self, until):
        super().__init__(f"locked until {until}")
        self.until = until


class ThrottledModelBackend(ModelBackend):
    """Django's model backend with lockout and exponential backoff after repeated failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        ip = services.client_ip(request) if request is not None else None
        until = services.locked_until(username, ip)
        if until is not None:
            services.record_security_event(SecurityEventKind.LOGIN_LOCKED, username=username, ip=ip)
            raise LoginLocked(until)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            services.register_login_failure(username, ip)
            services.record_security_event(SecurityEventKind.LOGIN_FAILED, username=username, ip=ip)
            return None
        services.clear_login_failures(username)
        services.record_security_event(SecurityEventKind.LOGIN_OK, user=user, ip=ip)
        return user
