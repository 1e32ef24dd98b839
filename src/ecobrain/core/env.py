"""Typed helpers that read settings from environment variables and fail loudly when a value is wrong.

No Django import here: settings.py uses these before Django is configured.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse


class ConfigError(RuntimeError):
    """A required setting is missing or malformed; the message says what to set."""


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ConfigError(f"环境变量 {name} 未设置 / {name} is not set: set it in the environment.")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean: use 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not an integer.") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ConfigError(f"{name}={number} is out of range [{minimum}, {maximum}].")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def data_dir() -> Path:
    """ECOBRAIN_DATA_DIR, default ./var relative to the working directory."""
    return Path(env_str("ECOBRAIN_DATA_DIR", "var")).expanduser().resolve()


@dataclass(frozen=True)
class DatabaseConfig:
    engine: str
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""
    options: dict | None = None

    def as_django(self) -> dict:
        config = {
            "ENGINE": self.engine,
            "NAME": self.name,
            "USER": self.user,
            "PASSWORD": self.password,
            "HOST": self.host,
            "PORT": self.port,
            "OPTIONS": dict(self.options or {}),
        }
        if self.engine.endswith("postgresql"):
            # Persistent connections, 60 s by default; 0 closes each after its request (the test suite uses 0,
            # so pytest can drop its database while live-server threads are idle).
            config["CONN_MAX_AGE"] = env_int("ECOBRAIN_DB_CONN_MAX_AGE", 60, minimum=0)
            config["CONN_HEALTH_CHECKS"] = True
        return config


SQLITE_INIT = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;"


def parse_database_url(url: str | None, default_dir: Path) -> DatabaseConfig:
    """Parse ECOBRAIN_DATABASE_URL: ``sqlite:///path/to.db`` or ``postgres://user:pass@host:port/name``.

    Without a URL the database is SQLite in WAL mode at ``<data dir>/ecobrain.sqlite3``.
    """
    sqlite_options = {"init_command": SQLITE_INIT, "transaction_mode": "IMMEDIATE", "timeout": 20}
    if not url:
        return DatabaseConfig(
            "django.db.backends.sqlite3", str(default_dir / "ecobrain.sqlite3"), options=sqlite_options
        )
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative.db  -> relative.db ; sqlite:////abs/path.db -> /abs/path.db
        path = unquote(url.split("://", 1)[1])
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise ConfigError("ECOBRAIN_DATABASE_URL=sqlite:/// needs a file path, e.g. sqlite:///var/ecobrain.sqlite3")
        return DatabaseConfig("django.db.backends.sqlite3", path, options=sqlite_options)
    if scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parsed.path.lstrip("/"))
        if not name:
            raise ConfigError(f"ECOBRAIN_DATABASE_URL={url!r} names no database: postgres://user@host:5432/NAME")
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        return DatabaseConfig(
            "django.db.backends.postgresql",
            name,
            user=unquote(parsed.username or ""),
            password=unquote(parsed.password or ""),
            host=parsed.hostname or "",
            port=str(parsed.port or ""),
            options=options,
        )
    raise ConfigError(
        f"ECOBRAIN_DATABASE_URL scheme {scheme!r} is not supported: use sqlite:///PATH or postgres://USER@HOST:PORT/NAME"
    )


def secret_key(directory: Path, *, allow_generate: bool) -> str:
    """ECOBRAIN_SECRET_KEY, else the key kept in ``<data dir>/secret_key``, else (demo and tests) a new one."""
    value = env_str("ECOBRAIN_SECRET_KEY")
    if value:
        if len(value) < 32:
            raise ConfigError("ECOBRAIN_SECRET_KEY is shorter than 32 characters: use a long random value.")
        return value
    key_file = directory / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    if not allow_generate:
        raise ConfigError(
            "ECOBRAIN_SECRET_KEY is not set and no key is kept in "
            f"{key_file}: set ECOBRAIN_SECRET_KEY (e.g. `python -c 'import secrets;print(secrets.token_urlsafe(50))'`) "
            "or run `ecobrain demo`, which generates one."
        )
    directory.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key + "\n")
    key_file.chmod(0o600)
    return key
