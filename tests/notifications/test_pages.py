"""The inbox and preferences pages over HTTP: tabs, filters, pages, marking read, opening, the navbar badge, and
that nobody ever sees another person's notifications.

Personas: a district handler reading alarms and tasks; another district's handler; an anonymous visitor.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ecobrain.alarms.choices import Severity
from ecobrain.notifications.choices import NotificationKind
from ecobrain.notifications.models import Notification, NotificationPreference
from ecobrain.notifications.services import notify

INBOX = reverse("notifications:inbox")


def make(user, n: int, *, kind=NotificationKind.ALARM, severity=Severity.WARNING, prefix="报警"):
    start = timezone.now() - timedelta(hours=n)
    for i in range(n):
        notify(
            event_key=f"{kind}:{prefix}:{i}",
            recipients=[user],
            kind=kind,
            title=f"{prefix}{i:03d}",
            body=f"第 {i} 条",
            link=f"/alarms/{i}/",
            severity=severity,
            now=start + timedelta(minutes=i),
        )


@pytest.fixture
def inbox(handler, other_user):
    make(handler, 30)
    make(handler, 2, kind=NotificationKind.WORKORDER, severity=Severity.SEVERE, prefix="任务")
    make(other_user, 3, prefix="别人的报警")
    return handler


def titles(response) -> list[str]:
    return [n.title for n in response.context["page"].object_list]


def test_the_unread_tab_pages_newest_first_and_the_badge_counts(login, inbox):
    client = login(inbox)
    response = client.get(INBOX)
    assert response.status_code == 200
    assert response.context["tab"] == "unread"
    assert titles(response)[:3] == ["任务001", "任务000", "报警029"]
    assert len(titles(response)) == 25
    assert response.context["page"].paginator.count == 32
    html = response.content.decode()
    assert 'id="eb-unread-badge"' in html and ">32</span>" in html
    assert "别人的报警" not in html
    second = client.get(INBOX, {"page": 2})
    assert len(titles(second)) == 7
    assert client.get(INBOX, {"page": 99}).context["page"].number == 2  # past the end: the last page


def test_filters_by_kind_severity_and_text(login, inbox):
    client = login(inbox)
    assert titles(client.get(INBOX, {"kind": "workorder"})) == ["任务001", "任务000"]
    assert titles(client.get(INBOX, {"severity": "3"})) == ["任务001", "任务000"]
    assert titles(client.get(INBOX, {"q": "报警007"})) == ["报警007"]
    assert titles(client.get(INBOX, {"q": "别人的报警"})) == []
    bad = client.get(INBOX, {"severity": "9"})
    assert bad.status_code == 200 and titles(bad) == []
    assert "筛选条件有误" in bad.content.decode()


def test_mark_one_and_all_read_move_notifications_between_the_tabs(login, inbox):
    client = login(inbox)
    first = Notification.objects.filter(recipient=inbox, title="报警000").get()
    response = client.post(reverse("notifications:read", args=[first.pk]), {"next": INBOX + "?tab=unread"})
    assert response.status_code == 302 and response.url == INBOX + "?tab=unread"
    first.refresh_from_db()
    assert first.read_at is not None
    assert "报警000" not in titles(client.get(INBOX, {"page": 2}))
    assert "报警000" in titles(client.get(INBOX, {"tab": "all", "page": 2}))
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert "已将 31 条通知标为已读" in response.content.decode()
    assert not Notification.objects.filter(recipient=inbox, read_at=None).exists()
    assert Notification.objects.filter(read_at=None).count() == 3  # the other user's are untouched
    empty = client.get(INBOX)
    assert "没有未读通知" in empty.content.decode()
    assert 'class="badge rounded-pill text-bg-danger d-none"' in empty.content.decode()


def test_opening_a_notification_marks_it_read_and_follows_its_link(login, inbox):
    client = login(inbox)
    notification = Notification.objects.get(recipient=inbox, title="报警005")
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302 and response.url == "/alarms/5/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    Notification.objects.filter(pk=notification.pk).update(link="https://evil.example.com/")
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response.url == INBOX + "?tab=all"  # an off-site link is never followed


def test_another_users_notification_is_not_found(login, inbox, other_user):
    theirs = Notification.objects.filter(recipient=other_user).first()
    client = login(inbox)
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_unsafe_next_is_ignored(login, inbox):
    client = login(inbox)
    response = client.post(reverse("notifications:read_all"), {"next": "https://evil.example.com/"})
    assert response.url == INBOX


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(INBOX)
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    assert client.post(reverse("notifications:read_all")).status_code == 302
    assert client.get(reverse("notifications:stream")).status_code == 204  # EventSource: stop reconnecting


def test_the_inbox_costs_the_same_queries_with_ten_or_a_hundred_rows(login, handler, django_assert_max_num_queries):
    client = login(handler)
    make(handler, 10)
    with django_assert_max_num_queries(8) as few:
        assert client.get(INBOX, {"tab": "all"}).status_code == 200
    make(handler, 90, prefix="更多")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(INBOX, {"tab": "all"}).status_code == 200


def test_every_page_shows_the_badge_with_one_capped_query(login, handler, django_assert_max_num_queries):
    make(handler, 120)
    client = login(handler)
    response = client.get(reverse("accounts:profile"))
    assert ">99+</span>" in response.content.decode()
    with django_assert_max_num_queries(10) as captured:
        client.get(reverse("accounts:profile"))
    badge = [q["sql"] for q in captured.captured_queries if "notifications_notification" in q["sql"]]
    assert len(badge) == 1 and "LIMIT 100" in badge[0]


def test_preferences_are_shown_saved_and_validated(login, handler):
    client = login(handler)
    url = reverse("notifications:preferences")
    page = client.get(url).content.decode()
    assert "未设置（邮件不会发送" in page and "本系统尚未配置邮件服务器" in page and "尚未接入短信网关" in page
    response = client.post(
        url,
        {"email_enabled": "on", "email_min_severity": "3", "sms_min_severity": "4", "kinds_muted": ["reminder"]},
        follow=True,
    )
    assert "通知设置已保存" in response.content.decode()
    preference = NotificationPreference.objects.get(user=handler)
    assert (preference.email_enabled, preference.email_min_severity) == (True, Severity.SEVERE)
    assert (preference.sms_enabled, preference.sms_min_severity) == (False, Severity.CRITICAL)
    assert preference.kinds_muted == ["reminder"]
    bad = client.post(url, {"email_min_severity": "7", "sms_min_severity": "4", "kinds_muted": ["weather"]})
    assert bad.status_code == 200
    errors = bad.context["form"].errors
    assert set(errors) == {"email_min_severity", "kinds_muted"}
    assert NotificationPreference.objects.get(user=handler).email_min_severity == Severity.SEVERE  # unchanged


def test_the_preferences_page_masks_the_phone(login, handler):
    handler.phone = "13812345678"
    handler.save()
    page = login(handler).get(reverse("notifications:preferences")).content.decode()
    assert "138****5678" in page and "13812345678" not in page


def test_inbox_and_preferences_in_english(login, inbox, handler):
    client = login(handler)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    body = client.get(INBOX).content.decode()
    for text in ("Notifications", "Mark all as read", "Unread", "Severity at least", "Alarm", "Warning", "(unread)"):
        assert text in body, text
    for chinese in ("全部标为已读", "级别不低于", "（未读）", "标为已读"):
        assert chinese not in body, chinese
    assert "报警029" in body  # a notification's title is data
    body = client.get(reverse("notifications:preferences")).content.decode()
    for text in ("Notification settings", "Receive email notifications", "Lowest severity by SMS", "Save"):
        assert text in body, text
    for chinese in ("接收邮件通知", "短信最低级别", "只在站内接收的类型"):
        assert chinese not in body, chinese
