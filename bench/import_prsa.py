"""Import one full Beijing PRSA file (26,304 hourly rows × 10 factors) into a fresh database, twice.

The first run inserts every value (and registers the site with --create-stations); the second re-imports the
same file, so every value is an idempotent update (revision 2). Prints one JSON object: rows/s, values/s,
seconds and peak RSS per run. The schema is created in a subprocess, so the RSS is the import's own.

Usage:
    .venv/bin/python bench/import_prsa.py [--file PATH] [--batch-size N]            # SQLite in a temp dir
    .venv/bin/python bench/import_prsa.py --postgres postgres://postgres@127.0.0.1:5432/postgres
The PostgreSQL run creates a database ecobrain_bench_<pid> on that server and drops it afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_FILE = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "beijing_prsa"
DEFAULT_FILE = DEFAULT_FILE / "PRSA_Data_Aotizhongxin_20130301-20160229.csv"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE.resolve())
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server (any database on it) to bench on")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="ecobrain-bench-")
    env = {"ECOBRAIN_DATA_DIR": data_dir, "ECOBRAIN_SECRET_KEY": secrets.token_hex(25), "ECOBRAIN_DB_CONN_MAX_AGE": "0"}
    bench_db = None
    if args.postgres:
        bench_db = f"ecobrain_bench_{os.getpid()}"
        parts = urlsplit(args.postgres)
        _admin(args.postgres, f'CREATE DATABASE "{bench_db}"')
        env["ECOBRAIN_DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{bench_db}"))
    else:
        env["ECOBRAIN_DATABASE_URL"] = f"sqlite:///{data_dir}/bench.sqlite3"
    os.environ.update(env)
    try:
        subprocess.run([sys.executable, "-m", "ecobrain", "migrate", "-v", "0"], check=True, env={**os.environ})
        result = _bench(args)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if bench_db:
            from django.db import connections

            connections.close_all()
            _admin(args.postgres, f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    print(json.dumps(result, ensure_ascii=False))


def _bench(args) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecobrain.settings")
    import django

    django.setup()
    from django.db import connection

    from ecobrain.ingest.fileimport import ObservationFileImport
    from ecobrain.registry.services import load_factor_table

    load_factor_table()
    runs = []
    for name in ("insert", "reimport"):
        importer = ObservationFileImport(create_stations=True, batch_size=args.batch_size)
        started = time.perf_counter()
        summary = importer.run(args.file)
        seconds = time.perf_counter() - started
        values = summary.inserted + summary.updated
        runs.append(
            {
                "run": name,
                "rows": summary.rows,
                "values": values,
                "inserted": summary.inserted,
                "updated": summary.updated,
                "rejected": summary.rejected,
                "missing_na": summary.missing,
                "seconds": round(seconds, 2),
                "rows_per_s": round(summary.rows / seconds),
                "values_per_s": round(values / seconds),
                "peak_rss_mb": round(_peak_rss_mb(), 1),
            }
        )
    return {
        "benchmark": "import_prsa",
        "database": connection.vendor,
        "file": args.file.name,
        "batch_size": args.batch_size,
        "runs": runs,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


if __name__ == "__main__":
    main()
