"""`ecobrain hj212 decode|encode`: one JSON object per packet, never a crash.

Persona: the integrator at a bureau who pastes packets from a data logger's log into a shell to see what
they say, and scripts frames for a test device.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command

from ecobrain.standards.hj212 import hj212_crc16

APPENDIX_A = (
    "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80"
)
OLD_2005 = (
    "##0139ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817000;"
    "B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980"
)
KEYS = [
    "ok",
    "version",
    "qn",
    "st",
    "cn",
    "pw",
    "mn",
    "flag",
    "ack_required",
    "pnum",
    "pno",
    "data_time",
    "cp",
    "factors",
]


def run(*args, stdin: bytes = b"") -> list[dict]:
    out = StringIO()
    call_command("hj212", *args, stdin=BytesIO(stdin), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _frame(body: bytes) -> bytes:
    return b"##%04d%s%04X" % (len(body), body, hj212_crc16(body))


def test_decode_prints_the_issue_shape():
    """HJ 212-2017 Appendix A example: the fields as issue 3 names them."""
    [result] = run("decode", APPENDIX_A)
    assert list(result) == KEYS
    assert result == {
        "ok": True, "version": "2017", "qn": "20160801085857223", "st": "32", "cn": "1062", "pw": "100000",
        "mn": "010000A8900016F000169DC0", "flag": 5, "ack_required": True, "pnum": None, "pno": None,
        "data_time": None, "cp": {"RtdInterval": "30"}, "factors": {},
    }  # fmt: skip


def test_decode_2005_maps_old_codes_and_keeps_cp_as_sent():
    """HJ 212-2017 Appendix B old codes (standards.md §1.11 vector 8): B01 → w00000, 011 → w01018, 060 → w21003."""
    [result] = run("decode", OLD_2005)
    assert (result["version"], result["qn"], result["flag"]) == ("2005", None, None)
    assert result["data_time"] == "2016-08-24T00:38:17+08:00"
    assert result["cp"]["011-Rtd"] == "231.0"
    assert result["factors"] == {"w00000": {"Rtd": "36.91"}, "w01018": {"Rtd": "231.0", "Flag": "N"},
                                 "w21003": {"Rtd": "1.803", "Flag": "N"}}  # fmt: skip


def test_decode_reads_stdin_lines_including_garbage_and_invalid_utf8():
    """HJ 212-2017 Table 2: one JSON object per input line, errors typed, nothing crashes."""
    lines = [
        APPENDIX_A.encode(),
        b"\xff\xfe\x00garbage",
        b"",
        OLD_2005[:-1].encode() + b"1",
        b"##9999" + b"x" * 20,
        b"##01a1xxxxxxxx",
        _frame(b"ST=22;CN=2011;PW=\xff;MN=M;CP=&&&&"),
    ]
    stdin = b"\r\n".join(lines)
    results = run("decode", stdin=stdin)
    assert [r["ok"] for r in results] == [True, False, False, False, False, False]
    assert [r.get("error") for r in results[1:]] == ["framing", "crc", "length", "length", "field"]
    assert all(r["detail"] for r in results[1:])
    assert "byte offset" in results[2]["detail"]


def test_encode_builds_a_frame_from_the_decode_json():
    """HJ 212-2017 Table 2 / Appendix A: encode computes length and CRC; decode → encode gives the frame back."""
    [decoded] = run("decode", OLD_2005)
    out = StringIO()
    call_command("hj212", "encode", json.dumps(decoded), stdout=out)
    assert out.getvalue() == OLD_2005 + "\r\n"
    out = StringIO()
    document = json.dumps({"qn": "20160801085857223", "st": "32", "cn": "1062", "pw": "100000", "flag": 5,
                           "mn": "010000A8900016F000169DC0", "cp": {"RtdInterval": "30"}})  # fmt: skip
    call_command("hj212", "encode", stdin=BytesIO(document.encode() + b"\n"), stdout=out)
    assert out.getvalue() == APPENDIX_A + "\r\n"


def test_encode_keeps_json_decimals_as_text():
    """HJ 212-2017 §6.3 CP (N14.2): a JSON number 8.30 is sent as 8.30, not as a float's repr."""
    out = StringIO()
    call_command("hj212", "encode", '{"st":"21","cn":"2011","pw":"1","mn":"M","qn":"1","cp":{"w01001-Rtd":8.30}}',
                 stdout=out)  # fmt: skip
    assert ";CP=&&w01001-Rtd=8.30&&" in out.getvalue()


@pytest.mark.parametrize("document", ["not json", '{"st": "22"}', "[1, 2]"])
def test_encode_reports_bad_input_as_an_error(document):
    """HJ 212-2017 Table 3: what cannot become a packet is reported, with the reason, and exits non-zero."""
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("hj212", "encode", document, stdout=StringIO(), stderr=err)
    assert json.loads(err.getvalue().splitlines()[0])["ok"] is False


def test_the_console_command_reads_bytes_from_stdin(tmp_path):
    """HJ 212-2017 Table 2: the real `ecobrain` entry point, fed raw bytes on stdin, prints JSON lines."""
    env = {**os.environ, "ECOBRAIN_SECRET_KEY": "k" * 50, "ECOBRAIN_DATA_DIR": str(tmp_path)}
    env.pop("ECOBRAIN_DEMO", None)
    result = subprocess.run(
        [sys.executable, "-m", "ecobrain", "hj212", "decode"],
        input=APPENDIX_A.encode() + b"\n\x80\x81\xfe##\n",
        env=env, capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [line["ok"] for line in lines] == [True, False]
