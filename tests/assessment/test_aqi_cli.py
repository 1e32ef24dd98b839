"""`ecobrain aqi`: CSV and JSON lines, from a file or stdin, one JSON object per row; bad rows do not stop it.

Persona: the bureau's data analyst who recomputes AQIs from an exported spreadsheet or a pipe.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

from django.core.management import call_command

KEYS = {"aqi", "level", "category", "primary_pollutants", "iaqi", "edition"}


def run(*args: str, stdin: str | None = None) -> list[dict]:
    out = StringIO()
    call_command("aqi", *args, stdout=out, **({"stdin": StringIO(stdin)} if stdin is not None else {}))
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_csv_file_edition_by_time(tmp_path):
    """Reference §0: without --edition each row is judged by the edition in force on its Beijing date."""
    path = tmp_path / "hours.csv"
    path.write_text(
        "time,station,pm2_5,pm10,so2,no2,co,o3\n"
        "2026-02-28T23:00:00+08:00,S1,76,,,,,\n"
        "2026-02-28T16:00:00Z,S1,76,,,,,\n"
        "2026-03-01T01:00:00+08:00,S1,14,31,6,4,0.427,63\n",
        encoding="utf-8",
    )
    rows = run(str(path))
    assert all(set(row) == KEYS for row in rows)
    assert rows[0] == {
        "aqi": 102,
        "level": 3,
        "category": "轻度污染",
        "primary_pollutants": ["pm2_5"],
        "iaqi": {"pm2_5": 102},
        "edition": "HJ 633-2012",
    }
    assert rows[1]["edition"] == "HJ 633-2026" and rows[1]["aqi"] == 115  # 00:00 on 1 March in Beijing
    assert rows[2]["aqi"] == 31 and rows[2]["level"] == 1 and rows[2]["category"] == "优"
    assert rows[2]["primary_pollutants"] == [] and rows[2]["iaqi"]["co"] == 4


def test_json_lines_daily_with_edition(tmp_path):
    """HJ 633-2012 daily report (reference §2.6): --edition and --kind daily from a JSON-lines file."""
    path = tmp_path / "days.jsonl"
    line = {"so2": 10, "no2": 45, "co": 0.8, "o3": 150, "o3_8h": 170, "pm10_24h": 130, "pm2_5_24h": 80}
    path.write_text("\n" + json.dumps(line) + "\n\n", encoding="utf-8")
    (row,) = run("--edition", "2012", "--kind", "daily", str(path))
    assert row["aqi"] == 110 and row["primary_pollutants"] == ["o3_8h"] and row["edition"] == "HJ 633-2012"
    (row26,) = run("--edition", "2026", "--kind", "daily", str(path))
    assert row26["aqi"] == 119 and row26["primary_pollutants"] == ["pm2_5"]


def test_stdin_json_lines_exact_decimals():
    """HJ 633-2026 §4.2.6: JSON numbers are read as decimals, so CO 24-h 2.2 gives IAQI 55, not 56."""
    rows = run("--edition", "2026", "--kind", "daily", stdin='{"co": 2.2, "pm2_5": 200}\n')
    assert rows[0]["iaqi"] == {"co": 55, "pm2_5": 250}


def test_stdin_csv_missing_values_are_na():
    """HJ 633-2026 §5.3.1: empty cells are missing; AQI ≤ 100 from the others gives NA (nulls)."""
    rows = run("--edition", "2026", stdin="pm2_5,pm10\n40,\n")
    assert rows == [
        {"aqi": None, "level": None, "category": None, "primary_pollutants": [], "iaqi": {"pm2_5": 60},
         "edition": "HJ 633-2026"},
    ]  # fmt: skip


def test_bad_rows_report_and_continue():
    """Bad rows give {"error": …} naming the row, column and value; the following rows are still processed."""
    text = (
        "time,pm2_5,co\n"
        "2026-03-01T08:00:00+08:00,abc,1\n"
        "2026-03-01T09:00:00+08:00,-5,1\n"
        ",10,1\n"
        "yesterday,10,1\n"
        "2010-01-01,10,1\n"
        "2026-03-01T10:00:00+08:00,200,1\n"
    )
    rows = run(stdin=text)
    assert len(rows) == 6
    assert rows[0] == {"error": "row 1: column pm2_5: 'abc' is not a non-negative number"}
    assert rows[1]["error"].startswith("row 2: column pm2_5: '-5'")
    assert rows[2]["error"] == "row 3: column time: missing; it is required without --edition"
    assert rows[3]["error"].startswith("row 4: column time: 'yesterday'")
    assert rows[4]["error"].startswith("row 5: column time:")
    assert rows[5]["aqi"] == 250


def test_bad_json_lines_continue():
    """A line that is not a JSON object is an error row; the next lines go on."""
    rows = run("--edition", "2012", stdin='{"pm2_5": 76}\n{broken\n[1]\n{"pm2_5": true}\n{"pm2_5": 151}\n')
    assert rows[0]["aqi"] == 102
    assert rows[1]["error"].startswith("row 2: not valid JSON")
    assert rows[2] == {"error": "row 3: a JSON line must hold an object"}
    assert rows[3]["error"] == "row 4: column pm2_5: True is not a concentration"
    assert rows[4]["aqi"] == 201


def test_daily_pm_columns_must_agree():
    """A daily row may give PM as pm10 or pm10_24h (both daily means); two different values are an error."""
    rows = run("--edition", "2026", "--kind", "daily", stdin="pm10,pm10_24h\n130,131\n,130\n")
    assert rows[0]["error"].startswith("row 1: columns pm10 and pm10_24h disagree")
    assert rows[1]["iaqi"] == {"pm10": 104}


def test_real_command_reads_stdin_and_exits_0(tmp_path):
    """The console command as an operator runs it: stdin in, JSON lines out, exit code 0 despite a bad row."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update({"ECOBRAIN_SECRET_KEY": "k" * 50, "ECOBRAIN_DATA_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "-m", "ecobrain", "aqi", "--edition", "2026"],
        input="pm2_5,so2\n76,900\nx,1\n",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["iaqi"] == {"so2": 200, "pm2_5": 115} and first["aqi"] == 200
    assert "error" in second
