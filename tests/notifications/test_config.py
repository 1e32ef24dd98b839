"""Notification settings from the environment: the SMTP URL, the sender address, the public base URL, the lease
that must cover a send; phone masking and the words of a text message.

Persona: the operator who configures the bureau's mail server and reads the error when a value is wrong.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ecobrain.core.env import ConfigError
from ecobrain.notifications.config import SMTPConfig, parse_base_url, parse_email_from, parse_smtp_url
from ecobrain.notifications.sms import mask_phone


def test_smtp_urls():
    assert parse_smtp_url(None) is None and parse_smtp_url("") is None
    assert parse_smtp_url("smtp://mail.example.gov.cn") == SMTPConfig(host="mail.example.gov.cn", port=25)
    config = parse_smtp_url("smtp://eco%40example.gov.cn:p%40ss@mail.example.gov.cn:587?starttls=1")
    assert (config.username, config.password, config.port, config.starttls, config.ssl) == (
        "eco@example.gov.cn",
        "p@ss",
        587,
        True,
        False,
    )
    tls = parse_smtp_url("smtps://u:p@smtp.example.gov.cn?cafile=/etc/ssl/bureau-ca.pem")
    assert (tls.port, tls.ssl, tls.cafile) == (465, True, "/etc/ssl/bureau-ca.pem")
    assert tls.describe() == "smtps://u@smtp.example.gov.cn:465"  # never the password


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example.gov.cn", "scheme 'http' is not supported"),
        ("smtp://", "names no host"),
        ("smtp://mail.example.gov.cn:99999", "is not a number between 1 and 65535"),
        ("smtp://mail.example.gov.cn?tls=1", "unknown parameter(s) tls"),
        ("smtp://mail.example.gov.cn?starttls=maybe", "is not a boolean"),
        ("smtps://mail.example.gov.cn?starttls=1", "TLS already"),
    ],
)
def test_bad_smtp_urls_say_what_is_wrong(url, message):
    with pytest.raises(ConfigError) as error:
        parse_smtp_url(url)
    assert message in str(error.value) and "ECOBRAIN_SMTP_URL" in str(error.value)


def test_sender_address_and_base_url():
    assert parse_email_from("咸阳市生态环境局 <noreply@eco.example.gov.cn>").endswith("<noreply@eco.example.gov.cn>")
    with pytest.raises(ConfigError, match="is not an email address"):
        parse_email_from("noreply")
    assert parse_base_url("https://eco.example.gov.cn/") == "https://eco.example.gov.cn"
    assert parse_base_url("http://10.0.0.5:8000/ecobrain") == "http://10.0.0.5:8000/ecobrain"
    for bad in ("eco.example.gov.cn", "ftp://eco.example.gov.cn", "https://eco.example.gov.cn/?a=1"):
        with pytest.raises(ConfigError, match="ECOBRAIN_BASE_URL"):
            parse_base_url(bad)


def _start(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("ECOBRAIN_", "PYTEST_"))}
    environment.update({"ECOBRAIN_SECRET_KEY": "k" * 40, **env})
    return subprocess.run(
        [sys.executable, "-m", "ecobrain", "check"], env=environment, capture_output=True, text=True, timeout=120
    )


def test_a_wrong_setting_stops_the_program_at_start_with_what_to_set(tmp_path):
    lease = _start(
        ECOBRAIN_DATA_DIR=str(tmp_path), ECOBRAIN_NOTIFY_SEND_TIMEOUT="30", ECOBRAIN_NOTIFY_LEASE_SECONDS="40"
    )
    assert lease.returncode == 2
    assert "ECOBRAIN_NOTIFY_LEASE_SECONDS=40 must exceed twice ECOBRAIN_NOTIFY_SEND_TIMEOUT" in lease.stderr
    no_from = _start(ECOBRAIN_DATA_DIR=str(tmp_path), ECOBRAIN_SMTP_URL="smtp://127.0.0.1:2525")
    assert no_from.returncode == 2 and "set the sender address too" in no_from.stderr
    sms = _start(ECOBRAIN_DATA_DIR=str(tmp_path), ECOBRAIN_SMS_BACKEND="nowhere.Gateway")
    assert sms.returncode != 0 and "notifications.E001" in sms.stderr


def test_phone_numbers_are_masked():
    assert mask_phone("13800000000") == "138****0000"
    assert mask_phone("+8613812345678") == "+86*******5678"
    assert mask_phone("12345") == "***45"
    assert mask_phone("") == ""
