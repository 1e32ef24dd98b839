"""Settings from environment variables (CONVENTIONS §10): typed helpers that fail loudly and say what to set.

Persona: the operator who deploys EcoBrain and reads the error message when a value is missing or wrong.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ecobrain.core import env
from ecobrain.core.env import ConfigError, parse_database_url, secret_key

# --- database URL ------------------------------------------------------------------------------------------


def test_no_url_means_sqlite_in_wal_mode_in_the_data_dir(tmp_path):
    config = parse_database_url(None, tmp_path)
    assert config.engine == "django.db.backends.sqlite3"
    assert config.name == str(tmp_path / "ecobrain.sqlite3")
    init = config.options["init_command"]
    assert "PRAGMA journal_mode=WAL;" in init
    assert "PRAGMA foreign_keys=ON;" in init
    assert "PRAGMA busy_timeout=10000;" in init
    assert config.options["transaction_mode"] == "IMMEDIATE"
    django = config.as_django()
    assert django["ENGINE"] == "django.db.backends.sqlite3"
    assert django["NAME"] == str(tmp_path / "ecobrain.sqlite3")
    assert "CONN_MAX_AGE" not in django  # SQLite keeps Django's per-request connections


def test_empty_url_is_the_default_too(tmp_path):
    assert parse_database_url("", tmp_path).name == str(tmp_path / "ecobrain.sqlite3")


def test_sqlite_relative_path(tmp_path):
    config = parse_database_url("sqlite:///var/eco.sqlite3", tmp_path)
    assert config.engine == "django.db.backends.sqlite3"
    assert config.name == "var/eco.sqlite3"
    assert "journal_mode=WAL" in config.options["init_command"]


def test_sqlite_absolute_path():
    config = parse_database_url("sqlite:////srv/ecobrain/db.sqlite3", Path("/unused"))
    assert config.name == "/srv/ecobrain/db.sqlite3"


def test_sqlite_without_a_path_is_refused():
    with pytest.raises(ConfigError, match="ECOBRAIN_DATABASE_URL=sqlite:/// needs a file path"):
        parse_database_url("sqlite:///", Path("/unused"))


def test_postgres_url_with_options(monkeypatch):
    monkeypatch.delenv("ECOBRAIN_DB_CONN_MAX_AGE", raising=False)
    config = parse_database_url("postgres://eco:s%40cret@db.example:5432/ecobrain?sslmode=require", Path("/unused"))
    assert config.engine == "django.db.backends.postgresql"
    assert (config.name, config.user, config.password) == ("ecobrain", "eco", "s@cret")
    assert (config.host, config.port) == ("db.example", "5432")
    assert config.options == {"sslmode": "require"}
    django = config.as_django()
    assert django["OPTIONS"] == {"sslmode": "require"}
    assert django["CONN_MAX_AGE"] == 60
    assert django["CONN_HEALTH_CHECKS"] is True
    monkeypatch.setenv("ECOBRAIN_DB_CONN_MAX_AGE", "0")
    assert config.as_django()["CONN_MAX_AGE"] == 0


def test_postgresql_scheme_without_port():
    config = parse_database_url("postgresql://eco@localhost/eco", Path("/unused"))
    assert (config.engine, config.name, config.host, config.port, config.password) == (
        "django.db.backends.postgresql",
        "eco",
        "localhost",
        "",
        "",
    )


def test_postgres_url_without_database_name_is_refused():
    with pytest.raises(ConfigError, match="names no database") as excinfo:
        parse_database_url("postgres://eco:pw@db.example:5432/", Path("/unused"))
    assert "ECOBRAIN_DATABASE_URL" in str(excinfo.value)


@pytest.mark.parametrize("url", ["mysql://eco@host/db", "oracle://x/y", "db.sqlite3"])
def test_unsupported_scheme_names_the_variable(url):
    with pytest.raises(ConfigError) as excinfo:
        parse_database_url(url, Path("/unused"))
    message = str(excinfo.value)
    assert "ECOBRAIN_DATABASE_URL" in message
    assert "sqlite:///" in message and "postgres://" in message


# --- typed helpers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("TRUE", True), (" yes ", True), ("on", True), ("0", False), ("Off", False)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("ECOBRAIN_TEST_FLAG", raw)
    assert env.env_bool("ECOBRAIN_TEST_FLAG", default=not expected) is expected


def test_env_bool_default_when_unset_or_empty(monkeypatch):
    monkeypatch.delenv("ECOBRAIN_TEST_FLAG", raising=False)
    assert env.env_bool("ECOBRAIN_TEST_FLAG", default=True) is True
    monkeypatch.setenv("ECOBRAIN_TEST_FLAG", "")
    assert env.env_bool("ECOBRAIN_TEST_FLAG", default=False) is False


def test_env_bool_rejects_anything_else(monkeypatch):
    monkeypatch.setenv("ECOBRAIN_TEST_FLAG", "maybe")
    with pytest.raises(ConfigError, match=r"ECOBRAIN_TEST_FLAG='maybe' is not a boolean"):
        env.env_bool("ECOBRAIN_TEST_FLAG")


def test_env_int_parses_and_checks_the_range(monkeypatch):
    monkeypatch.setenv("ECOBRAIN_TEST_PORT", "8080")
    assert env.env_int("ECOBRAIN_TEST_PORT", 8000, minimum=1, maximum=65535) == 8080
    monkeypatch.setenv("ECOBRAIN_TEST_PORT", "70000")
    with pytest.raises(ConfigError, match=r"ECOBRAIN_TEST_PORT=70000 is out of range \[1, 65535\]"):
        env.env_int("ECOBRAIN_TEST_PORT", 8000, minimum=1, maximum=65535)
    monkeypatch.setenv("ECOBRAIN_TEST_PORT", "0")
    with pytest.raises(ConfigError, match="out of range"):
        env.env_int("ECOBRAIN_TEST_PORT", 8000, minimum=1)


def test_env_int_rejects_a_non_integer(monkeypatch):
    monkeypatch.setenv("ECOBRAIN_TEST_PORT", "80a")
    with pytest.raises(ConfigError, match=r"ECOBRAIN_TEST_PORT='80a' is not an integer"):
        env.env_int("ECOBRAIN_TEST_PORT", 8000)


def test_env_int_default_when_unset(monkeypatch):
    monkeypatch.delenv("ECOBRAIN_TEST_PORT", raising=False)
    assert env.env_int("ECOBRAIN_TEST_PORT", 8000) == 8000


def test_env_str_required_says_what_to_set(monkeypatch):
    monkeypatch.delenv("ECOBRAIN_TEST_VALUE", raising=False)
    with pytest.raises(ConfigError, match="ECOBRAIN_TEST_VALUE is not set"):
        env.env_str("ECOBRAIN_TEST_VALUE", required=True)


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("ECOBRAIN_TEST_HOSTS", " eco.example.cn, ,10.0.0.5 ")
    assert env.env_list("ECOBRAIN_TEST_HOSTS", ["localhost"]) == ["eco.example.cn", "10.0.0.5"]
    monkeypatch.setenv("ECOBRAIN_TEST_HOSTS", "  ")
    assert env.env_list("ECOBRAIN_TEST_HOSTS", ["localhost"]) == ["localhost"]


def test_data_dir_follows_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("ECOBRAIN_DATA_DIR", str(tmp_path / "data"))
    assert env.data_dir() == (tmp_path / "data").resolve()


# --- secret key --------------------------------------------------------------------------------------------


def test_secret_key_from_the_environment(monkeypatch, tmp_path):
    key = "k" * 40
    monkeypatch.setenv("ECOBRAIN_SECRET_KEY", key)
    assert secret_key(tmp_path, allow_generate=False) == key
    assert not (tmp_path / "secret_key").exists()


def test_short_secret_key_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("ECOBRAIN_SECRET_KEY", "too-short-0123456789")
    with pytest.raises(ConfigError, match="ECOBRAIN_SECRET_KEY is shorter than 32 characters"):
        secret_key(tmp_path, allow_generate=True)


def test_missing_secret_key_outside_demo_and_tests_says_what_to_set(monkeypatch, tmp_path):
    monkeypatch.delenv("ECOBRAIN_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError) as excinfo:
        secret_key(tmp_path, allow_generate=False)
    message = str(excinfo.value)
    assert "set ECOBRAIN_SECRET_KEY" in message
    assert str(tmp_path / "secret_key") in message
    assert not (tmp_path / "secret_key").exists()  # nothing was generated behind the operator's back


def test_generated_key_is_kept_and_reused(monkeypatch, tmp_path):
    monkeypatch.delenv("ECOBRAIN_SECRET_KEY", raising=False)
    directory = tmp_path / "fresh"
    first = secret_key(directory, allow_generate=True)
    assert len(first) >= 50
    key_file = directory / "secret_key"
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Later starts (even where generating is not allowed) reuse the kept key, so sessions survive restarts.
    assert secret_key(directory, allow_generate=True) == first
    assert secret_key(directory, allow_generate=False) == first


def test_environment_key_wins_over_the_kept_file(monkeypatch, tmp_path):
    (tmp_path / "secret_key").write_text("f" * 60 + "\n")
    monkeypatch.setenv("ECOBRAIN_SECRET_KEY", "e" * 40)
    assert secret_key(tmp_path, allow_generate=False) == "e" * 40
