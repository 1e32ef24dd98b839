"""The audit pages over HTTP: the change log and security events, per persona, with search and CSV export.

Personas: the bureau leader and the system admin who review the logs; the district handler who may not.
"""

from __future__ import annotations

import csv
import io

import pytest

from ecobrain.accounts.choices import SecurityEventKind
from ecobrain.accounts.services import record_security_event
from ecobrain.audit.changelog import change_actor
from ecobrain.audit.models import ObjectChange
from tests import factories

CHANGES = "/audit/changes/"
SECURITY = "/audit/security/"


@pytest.fixture
def logged(officer, qindu, binzhou):
    """Two enterprises registered by the officer, one renamed; failed logins of two usernames."""
    with change_actor(officer, source="web"):
        first = factories.enterprise(qindu, name="咸阳审计甲化工有限公司")
        second = factories.enterprise(binzhou, name="彬州审计乙煤业有限公司")
        first.name = "咸阳审计甲化工（集团）有限公司"
        first.save()
    record_security_event(SecurityEventKind.LOGIN_FAILED, username="zhangsan", ip="10.1.2.3")
    record_security_event(SecurityEventKind.LOGIN_FAILED, username="lisi", ip="10.9.9.9")
    return {"first": first, "second": second}


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # BOM, for Excel
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


@pytest.mark.parametrize("persona", ["leader", "admin_user"])
def test_change_log_lists_rows_for_reviewers(request, login, logged, persona):
    response = login(request.getfixturevalue(persona)).get(CHANGES)
    assert response.status_code == 200
    body = response.content.decode()
    assert "咸阳审计甲化工（集团）有限公司" in body
    assert "彬州审计乙煤业有限公司" in body
    assert "officer" in body


@pytest.mark.parametrize("persona", ["leader", "admin_user"])
def test_security_events_list_rows_for_reviewers(request, login, logged, persona):
    response = login(request.getfixturevalue(persona)).get(SECURITY)
    assert response.status_code == 200
    body = response.content.decode()
    assert "zhangsan" in body and "10.1.2.3" in body
    assert "lisi" in body


@pytest.mark.parametrize("url", [CHANGES, SECURITY, f"{CHANGES}?export=csv"])
@pytest.mark.parametrize("persona", ["handler", "enterprise_user", "consumer", "monitor", "officer"])
def test_audit_pages_are_forbidden_to_other_roles(request, login, logged, persona, url):
    user = request.getfixturevalue(persona)
    response = login(user).get(url)
    assert response.status_code == 403
    assert "zhangsan" not in response.content.decode()


def test_forbidden_visit_is_itself_a_security_event(login, logged, handler):
    login(handler).get(SECURITY)
    event = handler.securityevent_set.get(kind="permission_denied")
    assert event.detail["path"] == SECURITY


def test_anonymous_is_sent_to_login(client, logged):
    for url in (CHANGES, SECURITY):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_change_log_search(login, leader, logged):
    body = login(leader).get(CHANGES, {"q": "彬州审计"}).content.decode()
    assert "彬州审计乙煤业有限公司" in body
    assert "咸阳审计甲" not in body


def test_change_log_filter_by_action(login, leader, logged):
    body = login(leader).get(CHANGES, {"action": "update"}).content.decode()
    assert "咸阳审计甲化工（集团）有限公司" in body
    assert "彬州审计乙煤业有限公司" not in body


def test_security_event_search_by_username_and_ip(login, leader, logged):
    client = login(leader)
    body = client.get(SECURITY, {"q": "zhangsan"}).content.decode()
    assert "zhangsan" in body and "lisi" not in body
    body = client.get(SECURITY, {"q": "10.9.9"}).content.decode()
    assert "lisi" in body and "zhangsan" not in body


def test_change_log_csv_export_follows_the_search(login, admin_user, logged):
    response = login(admin_user).get(CHANGES, {"q": "审计", "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="objectchange-')
    header, *rows = csv_rows(response)
    assert header[:6] == ["时间", "操作", "对象类型", "对象", "操作人", "来源"]
    # Each row names the object as it was called at that moment.
    assert sorted((row[1], row[3]) for row in rows) == [
        ("修改", "咸阳审计甲化工（集团）有限公司"),
        ("新增", "咸阳审计甲化工有限公司"),
        ("新增", "彬州审计乙煤业有限公司"),
    ]
    assert {row[4] for row in rows} == {"officer"}
    assert {row[5] for row in rows} == {"web"}
    update = next(row for row in rows if row[1] == "修改")
    assert update[6] == "name"


def test_security_event_csv_export(login, admin_user, logged):
    response = login(admin_user).get(SECURITY, {"q": "zhangsan", "export": "csv"})
    assert response.status_code == 200
    header, *rows = csv_rows(response)
    assert header[:4] == ["时间", "类型", "用户名", "IP地址"]
    assert [(row[1], row[2], row[3]) for row in rows] == [("登录失败", "zhangsan", "10.1.2.3")]


def test_leader_may_read_but_not_export_the_log(login, leader, logged):
    assert login(leader).get(CHANGES, {"export": "csv"}).status_code == 403


def test_change_row_links_to_the_object(login, leader, logged):
    first = logged["first"]
    change = ObjectChange.objects.filter(object_id=str(first.pk), content_type__model="enterprise").first()
    response = login(leader).get(f"{CHANGES}{change.pk}/")
    assert response.status_code == 302
    assert response["Location"] == first.get_absolute_url() == f"/registry/enterprises/{first.pk}/"


def test_change_row_of_a_deleted_object_goes_back_to_the_log(login, admin_user, qindu):
    with change_actor(admin_user, source="web"):
        gone = factories.enterprise(qindu, name="已注销企业")
        pk = gone.pk
        gone.delete()
    change = ObjectChange.objects.filter(object_id=str(pk), action="delete").get()
    response = login(admin_user).get(f"{CHANGES}{change.pk}/")
    assert response.status_code == 302
    assert response["Location"] == CHANGES


def test_change_row_is_not_followed_for_a_role_without_the_log(login, handler, logged):
    change = ObjectChange.objects.filter(object_id=str(logged["first"].pk)).first()
    response = login(handler).get(f"{CHANGES}{change.pk}/")
    assert response.status_code == 302
    assert response["Location"] == CHANGES  # which is then a 403 for them


def test_change_detail_needs_login(client, logged):
    change = ObjectChange.objects.first()
    response = client.get(f"{CHANGES}{change.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_admin_sees_read_only_audit_lists(login, admin_user, enterprise_in_qindu):
    """The admin's grants include add/delete, but logs have no add, import or delete pages."""
    client = login(admin_user)
    for url in ("/audit/changes/", "/audit/security/"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "/add/" not in body and "/import/" not in body
