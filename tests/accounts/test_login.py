"""Signing in and out over HTTP: argon2, lockout with backoff, cookies, CSRF, API tokens on the profile page.

Personas: the district handler who mistypes a password, the attacker who guesses it, the bureau admin
who creates an API key for a script.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from ecobrain.accounts.models import APIToken, LoginThrottle
from ecobrain.audit.models import SecurityEvent
from tests import factories

LOGIN = "/accounts/login/"
WRONG = "wrong-password-123"


def post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def fail(client, username, times):
    for _ in range(times):
        response = post_login(client, username, WRONG)
        assert response.status_code == 200


def expire_locks():
    """Move every lock into the past (freezegun is not installed; the lock is just a timestamp)."""
    LoginThrottle.objects.update(locked_until=timezone.now() - timedelta(seconds=1))


def user_throttle(username) -> LoginThrottle:
    return LoginThrottle.objects.get(key=f"user:{username}")


def lock_seconds(throttle) -> float:
    return (throttle.locked_until - throttle.last_failure).total_seconds()


def test_password_is_stored_with_argon2(handler):
    assert handler.password.startswith("argon2$argon2id$")
    assert factories.PASSWORD not in handler.password


def test_successful_login(client, handler):
    response = post_login(client, "handler", factories.PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/accounts/profile/").status_code == 200
    event = SecurityEvent.objects.get(kind="login_ok")
    assert (event.user, event.ip) == (handler, "127.0.0.1")


def test_wrong_password_shows_the_message_and_is_recorded(client, handler):
    response = post_login(client, "handler", WRONG)
    assert response.status_code == 200
    assert "用户名或密码错误。连续多次失败后账户将被临时锁定。" in response.content.decode()
    event = SecurityEvent.objects.get(kind="login_failed")
    assert (event.username, event.user, event.ip) == ("handler", None, "127.0.0.1")
    assert user_throttle("handler").failures == 1
    assert user_throttle("handler").locked_until is None
    # Not signed in.
    assert client.get("/accounts/profile/").status_code == 302


def test_lockout_after_max_failures_refuses_even_the_right_password(client, handler):
    fail(client, "handler", settings.LOGIN_MAX_FAILURES)
    assert SecurityEvent.objects.filter(kind="login_failed").count() == settings.LOGIN_MAX_FAILURES
    throttle = user_throttle("handler")
    assert throttle.failures == settings.LOGIN_MAX_FAILURES
    assert lock_seconds(throttle) == settings.LOGIN_LOCK_SECONDS

    response = post_login(client, "handler", factories.PASSWORD)
    assert response.status_code == 200
    body = response.content.decode()
    assert "登录失败次数过多，已临时锁定" in body
    assert re.search(r"请 (\d+) 秒后再试", body)
    assert int(re.search(r"请 (\d+) 秒后再试", body).group(1)) <= settings.LOGIN_LOCK_SECONDS
    assert SecurityEvent.objects.filter(kind="login_locked", username="handler").count() == 1
    assert not SecurityEvent.objects.filter(kind="login_ok").exists()
    assert client.get("/accounts/profile/").status_code == 302


def test_one_failure_short_of_the_limit_does_not_lock(client, handler):
    fail(client, "handler", settings.LOGIN_MAX_FAILURES - 1)
    assert user_throttle("handler").locked_until is None
    assert post_login(client, "handler", factories.PASSWORD).status_code == 302


def test_lock_doubles_with_each_further_failure(client, handler):
    fail(client, "handler", settings.LOGIN_MAX_FAILURES)
    assert lock_seconds(user_throttle("handler")) == settings.LOGIN_LOCK_SECONDS
    for doubling in (2, 4, 8):
        expire_locks()
        fail(client, "handler", 1)
        assert lock_seconds(user_throttle("handler")) == settings.LOGIN_LOCK_SECONDS * doubling


def test_lock_is_capped(client, handler, settings):
    settings.LOGIN_LOCK_SECONDS = 60
    settings.LOGIN_LOCK_MAX_SECONDS = 100
    fail(client, "handler", settings.LOGIN_MAX_FAILURES)
    expire_locks()
    fail(client, "handler", 1)
    assert lock_seconds(user_throttle("handler")) == 100


def test_a_locked_attempt_is_not_counted_as_a_failure(client, handler):
    fail(client, "handler", settings.LOGIN_MAX_FAILURES)
    post_login(client, "handler", WRONG)  # refused before the password is checked
    assert user_throttle("handler").failures == settings.LOGIN_MAX_FAILURES
    assert SecurityEvent.objects.filter(kind="login_locked").count() == 1


def test_after_the_lock_passes_login_works_and_failures_reset(client, handler):
    fail(client, "handler", settings.LOGIN_MAX_FAILURES)
    expire_locks()
    response = post_login(client, "handler", factories.PASSWORD)
    assert response.status_code == 302
    assert not LoginThrottle.objects.filter(key="user:handler").exists()
    client.post("/accounts/logout/")
    # The count starts again from zero: one failure does not lock.
    fail(client, "handler", 1)
    assert user_throttle("handler").failures == 1
    assert user_throttle("handler").locked_until is None


def test_lock_is_per_account_not_for_everyone(client, handler, leader):
    fail(client, "handler", settings.LOGIN_MAX_FAILURES)
    assert post_login(Client(), "leader", factories.PASSWORD).status_code == 302


def test_username_case_does_not_escape_the_lock(client, handler):
    for name in ("handler", "Handler", "HANDLER", "handler", "hAndler"):
        post_login(client, name, WRONG)
    assert user_throttle("handler").failures == 5
    assert "已临时锁定" in post_login(client, "handler", factories.PASSWORD).content.decode()


def test_the_address_is_locked_after_many_accounts_fail(client, base_data):
    """Guessing across accounts from one address locks the address (with more room than one account)."""
    limit = settings.LOGIN_MAX_FAILURES * 4
    for number in range(limit):
        post_login(client, f"guess{number}", WRONG)
    assert LoginThrottle.objects.get(key="ip:127.0.0.1").locked_until is not None
    factories.user("fresh", "data_consumer")
    assert "已临时锁定" in post_login(client, "fresh", factories.PASSWORD).content.decode()


def test_session_cookie_is_http_only(client, handler):
    response = post_login(client, "handler", factories.PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_csrf_is_enforced_on_login(handler):
    client = Client(enforce_csrf_checks=True)
    response = post_login(client, "handler", factories.PASSWORD)
    assert response.status_code == 403
    assert not SecurityEvent.objects.filter(kind="login_ok").exists()
    # With the token from the form the same request succeeds.
    page = client.get(LOGIN).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(LOGIN, {"username": "handler", "password": factories.PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_logout_is_post_only(login, handler):
    client = login(handler)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/accounts/profile/").status_code == 200  # still signed in
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert client.get("/accounts/profile/").status_code == 302
    event = SecurityEvent.objects.get(kind="logout")
    assert event.user == handler


def test_signed_in_user_visiting_login_is_sent_home(login, handler):
    response = login(handler).get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == "/"


# --- API tokens on the profile page -----------------------------------------------------------------------


def new_key(body: str) -> str | None:
    match = re.search(r'<code id="new-token"[^>]*>(ebk_[0-9a-f]{12}_[A-Za-z0-9_\-]+)</code>', body)
    return match.group(1) if match else None


def test_profile_creates_a_token_shown_once(login, handler):
    client = login(handler)
    response = client.post("/accounts/profile/", {"name": "数据同步脚本", "days": 30})
    assert response.status_code == 200
    body = response.content.decode()
    key = new_key(body)
    assert key is not None
    assert "令牌只显示这一次" in body
    token = APIToken.objects.get(user=handler)
    assert token.name == "数据同步脚本"
    assert key.startswith(f"ebk_{token.key_id}_")
    assert token.matches(key.split("_", 2)[2])
    assert key.split("_", 2)[2] not in token.digest  # only a digest is stored
    assert abs((token.expires - timezone.now()) - timedelta(days=30)) < timedelta(minutes=1)
    event = SecurityEvent.objects.get(kind="token_created")
    assert (event.user, event.detail["key_id"], event.detail["by"]) == (handler, token.key_id, "handler")
    # The key works against the API ...
    me = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert me.status_code == 200
    # ... and is never shown again.
    again = client.get("/accounts/profile/").content.decode()
    assert new_key(again) is None
    assert key not in again
    assert f"ebk_{token.key_id}_…" in again


def test_profile_rejects_a_bad_lifetime(login, handler):
    response = login(handler).post("/accounts/profile/", {"name": "x", "days": 0})
    assert response.status_code == 200
    assert new_key(response.content.decode()) is None
    assert not APIToken.objects.exists()


def test_revoke_a_token(login, handler):
    client = login(handler)
    key = new_key(client.post("/accounts/profile/", {"name": "脚本"}).content.decode())
    token = APIToken.objects.get(user=handler)
    assert client.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    token.refresh_from_db()
    assert token.revoked is not None
    assert SecurityEvent.objects.filter(kind="token_revoked", user=handler).count() == 1
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert "已吊销" in client.get("/accounts/profile/").content.decode()
    # Revoking twice changes nothing and records nothing more.
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert SecurityEvent.objects.filter(kind="token_revoked").count() == 1


def test_revoking_another_users_token_is_404(login, handler, leader):
    theirs, _ = APIToken.issue(leader, name="领导的令牌")
    response = login(handler).post(f"/accounts/tokens/{theirs.pk}/revoke/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked is None


def test_profile_needs_login(client, db):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    ("header", "recorded"),
    [
        ("Token ebk_nope", 0),  # malformed: refused before any lookup
        ("Bearer abc_def_ghi", 0),  # not our prefix
        ("Token ebk_000000000000_wrongsecret", 1),  # well-formed but unknown: a rejected key is a security event
    ],
)
def test_bad_api_keys_are_refused(db, header, recorded):
    response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert SecurityEvent.objects.filter(kind="token_rejected").count() == recorded
