"""Parsing the notification settings (SMTP server, the site's public address). No Django import: settings.py
uses these before Django is configured, so a malformed value stops the program at start."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import parse_qs, unquote, urlparse

from ecobrain.core.env import ConfigError

SMTP_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


@dataclass(frozen=True)
class SMTPConfig:
    """Where and how to hand email over: ``smtp://`` (optionally upgraded with STARTTLS) or ``smtps://`` (TLS)."""

    host: str
    port: int
    username: str = ""
    password: str = ""
    ssl: bool = False  # smtps://: TLS from the first byte
    starttls: bool = False  # smtp://…?starttls=1: upgrade a plain connection before logging in
    cafile: str = ""  # verify the server against this CA bundle instead of the system's

    def describe(self) -> str:
        """The server without the password, for logs and `ecobrain notifications status`."""
        scheme = "smtps" if self.ssl else "smtp"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}" + (" (STARTTLS)" if self.starttls else "")


def _flag(name: str, value: str, url_name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{url_name}: ?{name}={value!r} is not a boolean: use 1 or 0.")


def parse_smtp_url(url: str | None, *, name: str = "ECOBRAIN_SMTP_URL") -> SMTPConfig | None:
    """``smtp://user:pass@host:587?starttls=1``, ``smtps://user:pass@host:465`` or ``smtp://host:25``; None when unset.

    User name and password are percent-encoded in the URL (``@`` is ``%40``). ``?cafile=/path/ca.pem`` verifies
    the server's certificate against that file.
    """
    if not url:
        return None
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme not in SMTP_DEFAULT_PORTS:
        raise ConfigError(
            f"{name} scheme {scheme or '(none)'!r} is not supported: use smtp://HOST:PORT (add ?starttls=1 for "
            "STARTTLS) or smtps://HOST:465."
        )
    if not parsed.hostname:
        raise ConfigError(f"{name}={url!r} names no host: smtp://user:password@mail.example.gov.cn:587?starttls=1")
    try:
        port = parsed.port or SMTP_DEFAULT_PORTS[scheme]
    except ValueError:
        raise ConfigError(f"{name}: the port of {parsed.netloc!r} is not a number between 1 and 65535.") from None
    options = {key: values[-1] for key, values in parse_qs(parsed.query, keep_blank_values=True).items()}
    unknown = set(options) - {"starttls", "cafile"}
    if unknown:
        raise ConfigError(f"{name}: unknown parameter(s) {', '.join(sorted(unknown))}; known: starttls, cafile.")
    starttls = _flag("starttls", options["starttls"], name) if "starttls" in options else False
    if starttls and scheme == "smtps":
        raise ConfigError(f"{name}: smtps:// is TLS already; ?starttls=1 is for smtp:// only.")
    return SMTPConfig(
        host=parsed.hostname,
        port=port,
        username=unquote(parsed.username or ""),
        password=unquote(parsed.password or ""),
        ssl=scheme == "smtps",
        starttls=starttls,
        cafile=options.get("cafile", ""),
    )


def parse_email_from(value: str | None, *, name: str = "ECOBRAIN_EMAIL_FROM") -> str:
    """The sender address: ``noreply@example.gov.cn`` or ``咸阳市生态环境局 <noreply@example.gov.cn>``; "" if unset."""
    if not value:
        return ""
    _display, address = parseaddr(value)
    local, _at, domain = address.rpartition("@")
    if not local or "." not in domain:
        raise ConfigError(f"{name}={value!r} is not an email address: e.g. 咸阳市生态环境局 <noreply@example.gov.cn>.")
    return value


def parse_base_url(value: str | None, *, name: str = "ECOBRAIN_BASE_URL") -> str:
    """The address people open the platform at (``https://eco.example.gov.cn``), without a trailing slash."""
    if not value:
        return ""
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"{name}={value!r} is not an http(s) address: e.g. https://eco.example.gov.cn")
    if parsed.query or parsed.fragment:
        raise ConfigError(f"{name}={value!r} must not have a query or fragment.")
    return value.rstrip("/")
