"""A scratch database for the benchmarks that need Django: SQLite in a temporary directory, or a fresh
PostgreSQL database next to the one ``ECOBRAIN_DATABASE_URL`` names (created and dropped here, so the named
database itself is never touched).

``run_on_each_backend(script, args)`` runs ``script --backend NAME`` in a child process per backend and
collects each child's JSON line; a child calls ``open_scratch(backend)`` before importing models.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from urllib.parse import urlparse, urlunparse


def backends() -> list[str]:
    return ["sqlite", "postgres"] if os.environ.get("ECOBRAIN_DATABASE_URL", "").startswith("postgres") else ["sqlite"]


def run_on_each_backend(script: str, args: list[str]) -> list[dict]:
    results = []
    for backend in backends():
        child = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, script, "--backend", backend, *args], capture_output=True, text=True, check=False
        )
        if child.returncode != 0:
            raise SystemExit(f"{backend} run failed:\n{child.stderr}")
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))
    return results


@contextlib.contextmanager
def open_scratch(backend: str) -> Iterator[None]:
    """Configure Django on a fresh, migrated scratch database of ``backend``; drop it afterwards."""
    os.environ.setdefault("ECOBRAIN_SECRET_KEY", "bench-" + "x" * 40)
    os.environ["ECOBRAIN_DB_CONN_MAX_AGE"] = "0"
    os.environ["ECOBRAIN_LOG_LEVEL"] = "WARNING"
    with tempfile.TemporaryDirectory(prefix="ecobrain-bench-") as tmp:
        os.environ["ECOBRAIN_DATA_DIR"] = tmp
        dropper = None
        if backend == "sqlite":
            os.environ.pop("ECOBRAIN_DATABASE_URL", None)
        else:
            url = urlparse(os.environ["ECOBRAIN_DATABASE_URL"])
            name = f"ecobrain_bench_{os.getpid()}"
            dropper = _create_pg(url, name)
            os.environ["ECOBRAIN_DATABASE_URL"] = urlunparse(url._replace(path=f"/{name}"))
        os.environ["DJANGO_SETTINGS_MODULE"] = "ecobrain.settings"
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        call_command("loadbase", verbosity=0)
        try:
            yield
        finally:
            from django.db import connections

            connections.close_all()
            if dropper:
                dropper()


def _create_pg(url, name: str):
    import psycopg

    admin = urlunparse(url._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')

    return drop


def database_bytes(table: str) -> int:
    """Bytes the table and its indexes take (PostgreSQL), or the whole SQLite file's pages in use."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            return cursor.fetchone()[0]
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA freelist_count")
        free = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        return (pages - free) * cursor.fetchone()[0]
