"""Running the platform: the `ecobrain` command fails loudly without a key, `loadbase` is idempotent, /healthz.

Persona: the operator who installs EcoBrain on a bureau server and scripts its start-up.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from io import StringIO

from django.core.management import call_command
from django.db import connection

from ecobrain.core.models import Organisation, OrganisationKind, Region, RegionLevel
from ecobrain.registry.models import MonitoringFactor
from ecobrain.standards.factors import TABLE
from tests import factories


def ecobrain(tmp_path, *args, **extra_env) -> subprocess.CompletedProcess:
    """Run ``python -m ecobrain ARGS`` as an operator would: no pytest marker, no demo flag, a fresh data dir."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"ECOBRAIN_SECRET_KEY", "PYTEST_VERSION", "ECOBRAIN_DEMO", "ECOBRAIN_DATABASE_URL"}
        and not key.startswith("PYTEST_")
    }
    env.update({"ECOBRAIN_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "ecobrain.settings", **extra_env})
    return subprocess.run(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", "ecobrain", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_a_secret_key_the_command_fails_loudly(tmp_path):
    result = ecobrain(tmp_path, "check")
    assert result.returncode == 2, result.stderr
    assert "ecobrain: configuration error:" in result.stderr
    assert "ECOBRAIN_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr  # a message for the operator, not a stack dump
    assert not (tmp_path / "secret_key").exists()  # and no key was made up behind their back


def test_a_short_secret_key_is_refused(tmp_path):
    result = ecobrain(tmp_path, "check", ECOBRAIN_SECRET_KEY="short")
    assert result.returncode == 2
    assert "ECOBRAIN_SECRET_KEY is shorter than 32 characters" in result.stderr


def test_a_bad_database_url_is_refused(tmp_path):
    result = ecobrain(tmp_path, "check", ECOBRAIN_SECRET_KEY="x" * 50, ECOBRAIN_DATABASE_URL="mysql://eco@db/eco")
    assert result.returncode == 2
    assert "ECOBRAIN_DATABASE_URL scheme 'mysql' is not supported" in result.stderr


def test_with_a_secret_key_check_succeeds(tmp_path):
    result = ecobrain(tmp_path, "check", ECOBRAIN_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


# --- loadbase --------------------------------------------------------------------------------------------


def loadbase() -> str:
    out = StringIO()
    call_command("loadbase", stdout=out)
    return out.getvalue()


def test_loadbase_is_idempotent(db):
    factories.clear_base()  # the session database holds the base data already: start from nothing
    with TABLE.open(encoding="utf-8", newline="") as handle:
        csv_codes = [row["code"] for row in csv.DictReader(handle)]

    first = loadbase()
    assert "regions: 15 created, 0 checked" in first
    assert "organisations: 25" in first
    assert f"factors: {len(csv_codes)} created, 0 updated" in first

    second = loadbase()
    assert "regions: 0 created, 15 checked" in second
    assert "organisations: 25" in second
    assert "factors: 0 created, 0 updated" in second

    assert Region.objects.count() == 15
    assert Region.objects.filter(level=RegionLevel.COUNTY).count() == 14
    assert Organisation.objects.filter(kind=OrganisationKind.BRANCH).count() == 14
    assert Organisation.objects.filter(kind=OrganisationKind.BUREAU).count() == 1
    assert Organisation.objects.filter(kind__in=[OrganisationKind.DEPARTMENT, OrganisationKind.CENTRE]).count() == 10
    assert Organisation.objects.count() == 25
    assert MonitoringFactor.objects.count() == len(csv_codes) == 75
    assert sorted(MonitoringFactor.objects.values_list("code", flat=True)) == sorted(csv_codes)
    assert len(set(Organisation.objects.values_list("code", flat=True))) == 25


def test_loadbase_repairs_an_edited_factor(db):
    MonitoringFactor.objects.filter(code="a21026").update(name="SO2（手改）")
    assert "factors: 0 created, 1 updated" in loadbase()
    assert MonitoringFactor.objects.get(code="a21026").name == "二氧化硫"


# --- health check ----------------------------------------------------------------------------------------


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"] == connection.vendor  # "sqlite" or "postgresql", whichever the suite runs on
    assert isinstance(data["db_ms"], float | int)
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_a_dead_database_as_503(client, db, monkeypatch):
    class DeadConnection:
        vendor = "sqlite"

        def cursor(self):
            raise OSError("database is gone")

    monkeypatch.setattr("ecobrain.core.views.connection", DeadConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["database"] == "unavailable"
