"""A district handler has the platform open when a task is dispatched to them: the bell's badge counts it and a
toast shows it without a reload; opening it marks it read and the badge clears."""

from __future__ import annotations

import pytest

from ecobrain.alarms.choices import Severity
from ecobrain.notifications.models import Notification
from ecobrain.notifications.services import notify
from tests import factories
from tests.notifications.locking import retry_while_locked

pytestmark = pytest.mark.browser


def test_a_new_notification_appears_live_and_reads_on_open(transactional_db, live_server, page, settings, results_dir):
    from playwright.sync_api import expect

    settings.NOTIFY_STREAM_SECONDS = 5  # the browser reconnects in between: nothing may be lost or shown twice
    settings.NOTIFY_STREAMS = 8
    factories.load_base()
    handler = factories.user("handler", "district_handler", districts=[factories.region("610402")])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "handler")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}/notifications/")
    badge = page.locator("#eb-unread-badge")
    expect(badge).to_be_hidden()
    expect(page.locator("body")).to_contain_text("没有未读通知")
    page.wait_for_timeout(1000)  # the stream is open

    retry_while_locked(
        lambda: notify(
            event_key="workorder:1:dispatched",
            recipients=[handler],
            kind="workorder",
            title="新任务：核查秦都区某企业排放",
            body="RW202612020001，办理期限 2026-12-09 18:00",
            link="/notifications/preferences/",
            severity=Severity.SEVERE,
        )
    )
    toast = page.locator("#eb-toasts .toast")
    expect(toast).to_have_count(1)
    expect(toast).to_contain_text("新任务：核查秦都区某企业排放")
    expect(toast).to_contain_text("严重")
    expect(badge).to_have_text("1")
    expect(badge).to_be_visible()
    expect(page.locator("#eb-inbox-new")).to_be_visible()  # the inbox page offers to reload its list
    expect(toast).to_be_visible()
    page.wait_for_timeout(400)  # the fade-in
    page.screenshot(path=str(results_dir / "notification-toast.png"))

    page.wait_for_timeout(6000)  # past one stream lifetime: the reconnect must not show the toast again
    expect(toast).to_have_count(1)

    toast.get_by_role("link", name="新任务：核查秦都区某企业排放").click()
    page.wait_for_url(lambda url: url.endswith("/notifications/preferences/"))
    expect(page.locator("#eb-unread-badge")).to_be_hidden()
    assert Notification.objects.get().read_at is not None
    page.screenshot(path=str(results_dir / "notification-preferences.png"), full_page=True)
    page.goto(f"{live_server.url}/notifications/?tab=all")
    expect(page.locator("#notification-list")).to_contain_text("RW202612020001")
    page.screenshot(path=str(results_dir / "notification-inbox.png"), full_page=True)
    assert page.problems == [], "\n".join(page.problems)
