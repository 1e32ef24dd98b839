"""`ecobrain water-class`: CSV and JSON lines, from a file or stdin, one JSON object per row; bad rows do not stop it.

Persona: the bureau's water analyst who classifies a month of section samples exported from the lab system.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

from django.core.management import call_command


def run(*args: str, stdin: str | None = None) -> list[dict]:
    out = StringIO()
    call_command("water_class", *args, stdout=out, **({"stdin": StringIO(stdin)} if stdin is not None else {}))
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_csv_file_with_target(tmp_path):
    """Reference §5.3 river vector against target III: class IV, NH3-N limiting and 0.2 times over the III limit."""
    path = tmp_path / "sections.csv"
    path.write_text(
        "section,waterbody,target,time,do,codmn,nh3n,tp,fecal_coliform\n"
        "S1,river,III,2026-03-01T10:00:00+08:00,5.5,4.0,1.2,0.15,30000\n"
        "S2,lake,,,,,,0.15,\n",
        encoding="utf-8",
    )
    first, second = run(str(path))
    assert first == {
        "class": "IV",
        "worst_factors": ["nh3n"],
        "factor_classes": {"do": "III", "codmn": "II", "nh3n": "IV", "tp": "III", "fecal_coliform": "V"},
        "exceedances": {"nh3n": 0.2},
        "excluded_factors": ["fecal_coliform"],
        "standard": "GB 3838-2002",
    }
    assert second == {
        "class": "V",
        "worst_factors": ["tp"],
        "factor_classes": {"tp": "V"},
        "excluded_factors": [],
        "standard": "GB 3838-2002",
    }  # no target: no "exceedances" key


def test_stdin_json_lines_exact_decimals():
    """JSON numbers are read as decimals: Hg 0.00005 is Class I (inclusive), pH 9.2 fails, DO 1.9 is 劣V."""
    rows = run(
        stdin='{"waterbody": "river", "hg": 0.00005}\n'
        '{"waterbody": "reservoir", "ph": 9.2, "target": "ii"}\n'
        '{"waterbody": "river", "do": 1.9, "tn": 4, "target": "III"}\n'
    )
    assert rows[0]["class"] == "I" and rows[0]["factor_classes"] == {"hg": "I"}
    assert rows[1]["class"] == "劣V" and rows[1]["exceedances"] == {"ph": None}
    assert rows[2]["class"] == "劣V" and rows[2]["exceedances"] == {"do": None}
    assert rows[2]["excluded_factors"] == ["tn"] and "tn" not in rows[2]["factor_classes"]


def test_row_with_no_counted_item():
    (row,) = run(stdin="waterbody,fecal_coliform,cod\nriver,100,\n")
    assert row["class"] is None and row["worst_factors"] == [] and row["factor_classes"] == {"fecal_coliform": "I"}


def test_bad_rows_report_and_continue():
    """Bad rows give {"error": …} naming the row, column and value; the following rows are still processed."""
    text = (
        "waterbody,target,time,cod,ph\n"
        ",,,10,\n"
        "sea,,,10,\n"
        "river,VI,,10,\n"
        "river,,,abc,\n"
        "river,,,-1,\n"
        "river,,,,15\n"
        "river,,yesterday,10,\n"
        "river,,1990-01-01,10,\n"
        "river,,,10,7\n"
    )
    rows = run(stdin=text)
    assert len(rows) == 9
    assert rows[0] == {"error": "row 1: column waterbody: missing; expected river or lake"}
    assert rows[1] == {"error": "row 2: column waterbody: 'sea' is not river or lake"}
    assert rows[2] == {"error": "row 3: column target: 'VI' is not a class I–V"}
    assert rows[3] == {"error": "row 4: column cod: 'abc' is not a non-negative number"}
    assert rows[4] == {"error": "row 5: column cod: '-1' is not a non-negative number"}
    assert rows[5] == {"error": "row 6: column ph: '15' is off the pH scale 0–14"}
    assert rows[6]["error"].startswith("row 7: column time: 'yesterday'")
    assert rows[7]["error"].startswith("row 8: column time: '1990-01-01': no GB 3838 edition")
    assert rows[8]["class"] == "I"


def test_bad_json_lines_continue():
    rows = run(stdin='{"waterbody": "lake", "tp": 0.01}\n{broken\n[1]\n{"waterbody": "lake", "tp": true}\n')
    assert rows[0]["class"] == "I"
    assert rows[1]["error"].startswith("row 2: not valid JSON")
    assert rows[2] == {"error": "row 3: a JSON line must hold an object"}
    assert rows[3] == {"error": "row 4: column tp: True is not a measured value"}


def test_real_command_with_hyphen_reads_stdin_and_exits_0(tmp_path):
    """`ecobrain water-class` as an operator types it: the hyphenated name, stdin in, exit 0 despite a bad row."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update({"ECOBRAIN_SECRET_KEY": "k" * 50, "ECOBRAIN_DATA_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "-m", "ecobrain", "water-class"],
        input="waterbody,tp\nlake,0.15\nlake,x\n",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["class"] == "V" and first["standard"] == "GB 3838-2002"
    assert second == {"error": "row 2: column tp: 'x' is not a non-negative number"}
