"""Fixtures for the notification tests: people with addresses, a local SMTP server, the sender's settings."""

from __future__ import annotations

import pytest

from ecobrain.notifications.config import SMTPConfig
from tests import factories
from tests.notifications.smtp_server import SMTPTestServer

BASE_URL = "https://eco.example.gov.cn"
EMAIL_FROM = "咸阳市生态环境局 <noreply@eco.example.gov.cn>"


@pytest.fixture
def handler_with_address(handler):
    """The 秦都区 district handler, with an email address and a mobile number."""
    handler.email = "handler@qindu.example.gov.cn"
    handler.phone = "13800000000"
    handler.last_name = "王办理"
    handler.save()
    return handler


@pytest.fixture
def other_user(binzhou):
    """Another district's handler: must never see the first one's notifications."""
    user = factories.user("other", "district_handler", districts=[binzhou])
    user.email = "other@binzhou.example.gov.cn"
    user.phone = "13900000000"
    user.save()
    return user


@pytest.fixture
def smtp_server():
    server = SMTPTestServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_settings(settings, smtp_server):
    """The platform configured to send email through ``smtp_server``; short timeouts and retries for the tests."""
    settings.SMTP = SMTPConfig(host="127.0.0.1", port=smtp_server.port)
    settings.EMAIL_FROM = EMAIL_FROM
    settings.BASE_URL = BASE_URL
    settings.NOTIFY_SEND_TIMEOUT = 5
    settings.NOTIFY_LEASE_SECONDS = 20
    settings.NOTIFY_RETRY_SECONDS = 30
    settings.NOTIFY_MAX_ATTEMPTS = 3
    return settings


@pytest.fixture
def no_mail_settings(settings):
    settings.SMTP = None
    settings.EMAIL_FROM = ""
    settings.BASE_URL = BASE_URL
    return settings
