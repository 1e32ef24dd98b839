"""API tokens over HTTP: ``Authorization: Token <key>``, revocation, expiry, garbage, the ``token`` command."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from ecobrain.accounts.choices import SecurityEventKind
from ecobrain.accounts.models import APIToken
from ecobrain.accounts.services import create_token, revoke_token
from ecobrain.audit.changelog import history_for
from ecobrain.audit.models import SecurityEvent
from ecobrain.registry.models import Enterprise
from tests import factories

ENTERPRISES = "/api/v1/enterprises/"


def client_with(header: str | None) -> APIClient:
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    return client


def secret_of(key: str) -> str:
    """The part after ``ebk_<key_id>_`` (the secret itself may contain underscores)."""
    return key.split("_", 2)[2]


def listed_ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_token_authenticates_as_its_user_with_their_scope(handler, enterprise_in_qindu, enterprise_in_binzhou):
    _, key = create_token(handler, name="etl")
    client = client_with(f"Token {key}")
    assert listed_ids(client.get(ENTERPRISES)) == {enterprise_in_qindu.pk}
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "handler"
    assert me.json()["role"] == "district_handler"
    assert me.json()["districts"] == ["610402"]


def test_bearer_keyword_works_too(handler, enterprise_in_qindu):
    _, key = create_token(handler)
    assert listed_ids(client_with(f"Bearer {key}").get(ENTERPRISES)) == {enterprise_in_qindu.pk}


def test_token_use_is_recorded(handler):
    token, key = create_token(handler)
    assert token.last_used is None
    assert client_with(f"Token {key}").get(ENTERPRISES).status_code == 200
    token.refresh_from_db()
    assert token.last_used is not None
    assert timezone.now() - token.last_used < timedelta(minutes=1)


def test_revoked_token_gets_401(handler):
    token, key = create_token(handler)
    client = client_with(f"Token {key}")
    assert client.get(ENTERPRISES).status_code == 200
    revoke_token(token, actor=handler)
    response = client.get(ENTERPRISES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "吊销" in response.json()["detail"]
    rejected = SecurityEvent.objects.filter(kind=SecurityEventKind.TOKEN_REJECTED).get()
    assert rejected.detail["key_id"] == token.key_id


def test_expired_token_gets_401(handler):
    token, key = create_token(handler, days=30)
    client = client_with(f"Token {key}")
    assert client.get(ENTERPRISES).status_code == 200
    APIToken.objects.filter(pk=token.pk).update(expires=timezone.now() - timedelta(seconds=1))
    assert client.get(ENTERPRISES).status_code == 401


def test_token_of_a_deactivated_user_gets_401(handler):
    _, key = create_token(handler)
    handler.is_active = False
    handler.save()
    assert client_with(f"Token {key}").get(ENTERPRISES).status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "Token garbage",
        "Token",
        "Token two parts",
        "Bearer ebk_",
        "Token ebk_000000000000_notthesecret",
        "Token xyz_abc_def",
        "Basic dXNlcjpwYXNz",
        "",
    ],
)
def test_garbage_header_gets_401(handler, header):
    create_token(handler)  # a real token exists; none of these headers is it
    response = client_with(header).get(ENTERPRISES)
    assert response.status_code == 401
    assert "results" not in response.json()


def test_right_key_id_wrong_secret_gets_401(handler):
    token, key = create_token(handler)
    forged = key.removesuffix(secret_of(key)) + "A" * 43
    assert forged != key
    assert client_with(f"Token {forged}").get(ENTERPRISES).status_code == 401
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.TOKEN_REJECTED, detail__key_id=token.key_id).exists()


def test_only_a_digest_is_stored(handler):
    token, key = create_token(handler)
    secret = secret_of(key)
    token.refresh_from_db()
    assert key.startswith(f"ebk_{token.key_id}_")
    assert secret not in token.digest
    assert token.matches(secret)


def test_writes_with_a_token_are_attributed_to_its_user(handler, qindu):
    _, key = create_token(handler)
    lon, lat = factories.point_in(qindu)
    payload = {
        "name": "令牌写入测试企业",
        "credit_code": factories.credit_code(qindu),
        "industry": "C14",
        "longitude": lon,
        "latitude": lat,
    }
    response = client_with(f"Token {key}").post(ENTERPRISES, payload, format="json")
    assert response.status_code == 201, response.content
    enterprise = Enterprise.objects.get(pk=response.json()["id"])
    change = history_for(enterprise).get(action="create")
    assert change.user == handler
    assert change.source == "api"


# --- the `token` management command -------------------------------------------------------------------------


def run_token(*args) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue().strip()


def test_token_command_prints_a_usable_key(handler, enterprise_in_qindu):
    key = run_token("create", "handler", "--name", "nightly-export")
    assert key.startswith("ebk_")
    token = APIToken.objects.get(user=handler)
    assert token.name == "nightly-export"
    assert token.expires is None
    assert listed_ids(client_with(f"Token {key}").get(ENTERPRISES)) == {enterprise_in_qindu.pk}


def test_token_command_days_sets_expiry(handler):
    run_token("create", "handler", "--days", "7")
    token = APIToken.objects.get(user=handler)
    assert timedelta(days=6, hours=23) < token.expires - timezone.now() <= timedelta(days=7)


def test_token_command_revoke_revokes(handler):
    key = run_token("create", "handler")
    client = client_with(f"Token {key}")
    assert client.get(ENTERPRISES).status_code == 200
    key_id = key.split("_")[1]
    assert run_token("revoke", key_id) == f"revoked {key_id}"
    assert APIToken.objects.get(key_id=key_id).revoked is not None
    assert client.get(ENTERPRISES).status_code == 401
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.TOKEN_REVOKED, detail__key_id=key_id).exists()


def test_token_command_list_never_prints_keys(handler):
    key = run_token("create", "handler")
    listing = run_token("list", "handler")
    key_id = key.split("_")[1]
    assert key_id in listing
    assert "active" in listing
    assert secret_of(key) not in listing


def test_token_command_refuses_unknown_user_and_bad_days(handler):
    with pytest.raises(CommandError, match="不存在"):
        run_token("create", "nobody")
    with pytest.raises(CommandError, match="--days"):
        run_token("create", "handler", "--days", "0")
    with pytest.raises(CommandError, match="不存在"):
        run_token("revoke", "000000000000")
    assert not APIToken.objects.exists()
