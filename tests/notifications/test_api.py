"""/api/v1/notifications/: the caller's own notifications only, the unread filter, marking read, with API tokens.

Personas: a district handler's script polling their inbox; another district's handler; the system administrator
(who, too, reads only their own inbox here); an anonymous caller.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from ecobrain.accounts import services as account_services
from ecobrain.alarms.choices import Severity
from ecobrain.notifications.choices import NotificationKind
from ecobrain.notifications.models import Notification
from ecobrain.notifications.services import notify

URL = "/api/v1/notifications/"


def tell(user, key, severity=Severity.WARNING, kind=NotificationKind.ALARM):
    return notify(event_key=key, recipients=[user], kind=kind, title=key, link="/x/", severity=severity)[0]


@pytest.fixture
def api():
    def _as(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return _as


@pytest.fixture
def inboxes(handler, other_user, admin_user):
    mine = [tell(handler, f"alarm:{n}") for n in range(3)] + [tell(handler, "task:1", Severity.SEVERE, "workorder")]
    theirs = [tell(other_user, "alarm:0"), tell(admin_user, "system:1", kind="system")]
    return mine, theirs


def test_the_list_holds_only_the_callers_notifications(api, handler, inboxes):
    mine, _theirs = inboxes
    response = api(handler).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [row["id"] for row in body["results"]] == sorted((n.pk for n in mine), reverse=True)
    first = body["results"][0]
    assert first["kind"] == "workorder" and first["kind_display"] == "任务" and first["unread"] is True
    assert first["severity_display"] == "严重"


def test_unread_kind_and_severity_filters(api, handler, inboxes):
    mine, _ = inboxes
    client = api(handler)
    client.post(f"{URL}{mine[0].pk}/read/")
    assert client.get(URL, {"unread": "true"}).json()["count"] == 3
    assert client.get(URL, {"unread": "false"}).json()["count"] == 1
    assert client.get(URL, {"kind": "workorder"}).json()["count"] == 1
    assert client.get(URL, {"severity": 3}).json()["count"] == 1
    bad = client.get(URL, {"kind": "weather"})
    assert bad.status_code == 400 and "kind" in bad.json()


def test_mark_one_read(api, handler, inboxes):
    mine, _ = inboxes
    response = api(handler).post(f"{URL}{mine[1].pk}/read/")
    assert response.status_code == 200
    assert response.json()["unread"] is False and response.json()["read_at"]


def test_mark_read_in_bulk_ignores_other_peoples_ids(api, handler, other_user, inboxes):
    mine, theirs = inboxes
    client = api(handler)
    response = client.post(f"{URL}read-all/", {"ids": [mine[0].pk, theirs[0].pk]}, format="json")
    assert response.json() == {"marked": 1, "unread": 3}
    assert Notification.objects.get(pk=theirs[0].pk).read_at is None
    assert client.post(f"{URL}read-all/", {}, format="json").json() == {"marked": 3, "unread": 0}
    bad = client.post(f"{URL}read-all/", {"ids": ["x"]}, format="json")
    assert bad.status_code == 400 and "ids" in bad.json()


def test_another_persons_notification_is_a_404(api, handler, admin_user, inboxes):
    _mine, theirs = inboxes
    assert api(handler).get(f"{URL}{theirs[0].pk}/").status_code == 404
    assert api(handler).post(f"{URL}{theirs[0].pk}/read/").status_code == 404
    # The administrator holds every grant, and still reads only their own inbox through the API.
    admin_ids = [row["id"] for row in api(admin_user).get(URL).json()["results"]]
    assert admin_ids == [theirs[1].pk]


def test_anonymous_callers_are_refused(inboxes):
    response = APIClient().get(URL)
    assert response.status_code in (401, 403)


def test_an_api_token_reads_its_users_inbox(handler, inboxes):
    _token, key = account_services.create_token(handler, name="inbox script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(URL, {"unread": "true"}).json()["count"] == 4


def test_the_list_costs_a_fixed_number_of_queries(api, handler, django_assert_max_num_queries):
    client = api(handler)
    for n in range(5):
        tell(handler, f"a:{n}")
    with django_assert_max_num_queries(3) as few:
        client.get(URL)
    for n in range(50):
        tell(handler, f"b:{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)
