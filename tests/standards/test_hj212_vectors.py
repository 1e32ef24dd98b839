"""Every packet in shared/reference/hj212_vectors.txt (copied to tests/standards/data/) and standards.md §1.11.

Persona: the gateway facing real data loggers — valid packets decode to the fields the sources state, and
packets whose CRC does not match are rejected (the host would answer QnRtn=9).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ecobrain.standards.hj212 import CRCError, decode, encode

# A copy of shared/reference/hj212_vectors.txt (real packets from public sources), kept with the tests so
# the suite does not depend on where shared/ sits.
VECTORS = Path(__file__).resolve().parent / "data" / "hj212_vectors.txt"


def _file_vectors() -> dict[int, str]:
    found, source = {}, None
    for line in VECTORS.read_text(encoding="utf-8").splitlines():
        match = re.match(r"# src\[(\d+)\]", line)
        if match:
            source = int(match.group(1))
        elif line.startswith("##"):
            found[source] = line
    return found


FILE_VECTORS = _file_vectors()
BAD_CRC = {2: "3C00", 5: "4980", 8: "2D00", 9: "7340", 12: "D801"}  # source index → the CRC the segment gives
# source index → (version, ST, CN, MN, Flag, a few CP keys and values as sent)
VALID = {
    1: ("2017", "32", "1062", "010000A8900016F000169DC0", 5, {"RtdInterval": "30"}),
    3: ("2005", "32", "2011", "LD130133000015", None, {"DataTime": "20160824003817000", "B01-Rtd": "36.91"}),
    4: ("2005", "32", "2011", "LD130133000015", None, {"011-Rtd": "231.0", "060-Flag": "N"}),
    6: ("2005", "32", "2011", "LD130133000015", None, {"011-Rtd": "231.0", "011-Flag": "N"}),
    7: ("2017", "22", "2011", "Y80110010000010", 4, {"a21005-Rtd": "0.00", "a21002-Rtd": "49.20"}),
    10: ("2017", "22", "2011", "Y80110010000010", 4, {"a2106-Rtd": "0.036"}),
    11: ("2017", "22", "2011", "Y80110010000010", 4, {"a214-Rtd": "0.00"}),
    13: ("2017", "22", "2051", "JLYP01_AIR01_0001", 4, {"a21005-Avg": "0.427", "a01006-Flag": "N"}),
    14: ("2025", "21", "2011", "ZLDSZ20210127", 8, {"w21003-Rtd": "0.09055002", "w01003-Rtd": "13.10"}),
    15: ("2005", "32", "2011", "NJGDKYYC202101q0001w0001", None, {"ele01-Rtd": "1", "ele02-Rtd": "0"}),
}


def test_every_packet_in_the_vector_file_is_classified():
    """HJ 212-2017 §6.3 / Appendix A: each collected packet is either a valid frame or a CRC reject here."""
    assert len(FILE_VECTORS) == 15
    assert set(FILE_VECTORS) == set(VALID) | set(BAD_CRC)


@pytest.mark.parametrize("source", sorted(VALID))
def test_valid_vectors_decode_to_the_stated_fields(source):
    """HJ 212-2017 Table 2 / Table 3 / §1.4 Flag bits: header, fields and CP values exactly as sent."""
    version, st, cn, mn, flag, cp = VALID[source]
    packet = decode(FILE_VECTORS[source] + "\r\n", require_terminator=True)
    assert (packet.version, packet.st, packet.cn, packet.mn, packet.flag) == (version, st, cn, mn, flag)
    for key, value in cp.items():
        assert packet.cp[key] == value


@pytest.mark.parametrize("source", sorted(VALID))
def test_valid_vectors_re_encode_to_the_same_bytes(source):
    """HJ 212-2017 Table 2 / Appendix A: encode(decode(x)) == x (the CRC compared case-insensitively)."""
    frame = FILE_VECTORS[source]
    assert encode(decode(frame)).decode("utf-8").upper() == (frame + "\r\n").upper()


@pytest.mark.parametrize("source", sorted(BAD_CRC))
def test_wrong_crc_vectors_are_rejected(source):
    """HJ 212-2017 Appendix A (CRC16): a mismatching CRC ends execution (QnRtn=9)."""
    with pytest.raises(CRCError) as caught:
        decode(FILE_VECTORS[source])
    assert caught.value.kind == "crc"
    assert f"gives {BAD_CRC[source]}" in caught.value.detail
    assert caught.value.offset == len(FILE_VECTORS[source]) - 4


# standards.md §1.11 vectors 4, 5, 6 and 10 (not in the vector file).
REFERENCE_ONLY = [
    (
        "##0285QN=20190925181031464;ST=22;CN=2061;PW=BF470F88957588DE902D1A52;MN=Z13401000010301;Flag=5;CP=&&"
        "DataTime=20190924220000;a34006-Avg=2.69700,a34006-Flag=N;a34007-Avg=7.96600,a34007-Flag=N;"
        "a34048-Avg=3.30600,a34048-Flag=N;a34047-Avg=7.35700,a34047-Flag=N;a34049-Avg=10.66300,a34049-Flag=N&&C181",
        ("2061", True, "2019-09-24T22:00:00+08:00", {"a34049": {"Avg": "10.66300", "Flag": "N"}}),
    ),
    (
        "##0094QN=20231008125115215;ST=22;CN=9011;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&QnRtn=1&&CC01",
        ("9011", False, None, {}),
    ),
    (
        "##0137QN=20231008130452757;ST=22;CN=2081;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&"
        "DataTime=20231008130452;RestartTime=20231007130452&&3AC0",
        ("2081", True, "2023-10-08T13:04:52+08:00", {}),
    ),
    (
        "##0330QN=20260101080000000;ST=31;CN=2061;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&"
        "DataTime=20260101070000;a00000-Cou=36000.0,a00000-Avg=10.0,a00000-Flag=N;a34013-Avg=8.5,a34013-ZsAvg=9.1,"
        "a34013-Flag=N;a21026-Avg=20.1,a21026-ZsAvg=21.5,a21026-Flag=N;a21002-Avg=45.0,a21002-ZsAvg=48.2,"
        "a21002-Flag=N;a19001-Avg=7.2,a19001-Flag=N&&4E00",
        ("2061", True, "2026-01-01T07:00:00+08:00", {"a34013": {"Avg": "8.5", "ZsAvg": "9.1", "Flag": "N"}}),
    ),
]


@pytest.mark.parametrize(("frame", "expected"), REFERENCE_ONLY)
def test_reference_vectors_decode(frame, expected):
    """HJ 212-2017 Table 3 / §1.8 CP syntax: CN, ack bit, DataTime in UTC+8, factors with -Avg/-ZsAvg/-Cou."""
    cn, ack, data_time, factors = expected
    result = decode(frame).as_json()
    assert (result["cn"], result["ack_required"], result["data_time"]) == (cn, ack, data_time)
    for code, values in factors.items():
        assert result["factors"][code] == values
    assert encode(decode(frame)).decode() == frame + "\r\n"


def test_appendix_a_example_parses_as_the_standard_says():
    """HJ 212-2017 Appendix A: the example packet, Flag=5 = version 1, D=0, A=1; CP {RtdInterval: 30}."""
    packet = decode(FILE_VECTORS[1])
    assert packet.qn == "20160801085857223" and packet.pw == "100000"
    assert packet.ack_required and not packet.is_split
    assert packet.cp == {"RtdInterval": "30"}
