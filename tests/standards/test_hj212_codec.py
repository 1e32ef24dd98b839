"""The HJ 212 codec: CRC16, framing, length, fields, versions, 2005 codes, DataTime, encode.

Persona: the gateway that must store every value a data logger sends, exactly, under the right code and
time, and say precisely what is wrong with a packet it rejects.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import pytest

from ecobrain.standards.hj212 import (
    CHINA_TZ,
    CRCError,
    FieldError,
    FramingError,
    HJ212Error,
    LengthError,
    Packet,
    VersionError,
    build_frame,
    decode,
    encode,
    hj212_crc16,
    packet_from_json,
)
from ecobrain.standards.hj212.crc import hj212_crc16_reference, modbus_crc16

APPENDIX_A_SEGMENT = (
    "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"
)
HEAD = "QN=20260101080000000;ST=22;CN=2051;PW=123456;MN=AIR0001;Flag=4;"


def frame(segment: str) -> bytes:
    return build_frame(segment, max_length=9999)


# --- CRC16 (HJ 212-2017 Appendix A) -----------------------------------------------------------------------


def test_crc_of_the_appendix_a_example_is_1c80_not_the_modbus_value():
    """HJ 212-2017 Appendix A: the example's CRC is 1C80 (the prose's "1C08" is a typo); Modbus gives 0759."""
    data = APPENDIX_A_SEGMENT.encode()
    assert hj212_crc16(data) == 0x1C80
    assert modbus_crc16(data) == 0x0759


def test_fast_crc_equals_the_standards_bitwise_algorithm():
    """HJ 212-2017 Appendix A: the table/pair-folded CRC equals the bit-by-bit algorithm on every length."""
    for size in [*range(0, 70), 255, 256, 1023, 1024]:
        data = os.urandom(size)
        assert hj212_crc16(data) == hj212_crc16_reference(data), size


def test_crc_low_byte_is_one_of_eight_values():
    """HJ 212-2017 Appendix A (standards.md §1.2): the low byte of every HJ 212 CRC is 00/01/40/41/80/81/C0/C1."""
    assert {hj212_crc16(os.urandom(40)) & 0xFF for _ in range(500)} <= {0x00, 0x01, 0x40, 0x41, 0x80, 0x81, 0xC0, 0xC1}


def test_modbus_crc_is_rejected_and_named():
    """HJ 212-2017 Appendix A: a logger sending the Modbus CRC16 (byte-swapped or not) is rejected by default."""
    swapped = "##0101" + APPENDIX_A_SEGMENT + "5907"
    with pytest.raises(CRCError, match="Modbus"):
        decode(swapped)
    with pytest.raises(CRCError, match="Modbus"):
        decode("##0101" + APPENDIX_A_SEGMENT + "0759")


def test_crc_is_compared_case_insensitively():
    """HJ 212-2017 Table 2: CRC hex arrives in upper and lower case in the field."""
    assert decode("##0101" + APPENDIX_A_SEGMENT + "1c80").cn == "1062"


# --- Framing and length (HJ 212-2017 Table 2) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind", "where"),
    [
        (b"", "framing", "does not start with ##"),
        (b"#0101" + APPENDIX_A_SEGMENT.encode() + b"1C80", "framing", "does not start with ##"),
        (b"##01", "framing", "shorter than"),
        (b"##01a1" + APPENDIX_A_SEGMENT.encode() + b"1C80", "length", "at byte offset 2 is not 4 decimal digits"),
        (b"##0102" + APPENDIX_A_SEGMENT.encode() + b"1C80", "length", "declared length 0102"),
        (b"##0101" + APPENDIX_A_SEGMENT.encode() + b"1CZ0", "crc", "at byte offset 107 is not 4 hex digits"),
        (b"##0101" + APPENDIX_A_SEGMENT.encode() + b"1C81", "crc", "packet says 1C81"),
    ],
)
def test_each_envelope_error_kind_says_what_and_where(data, kind, where):
    """HJ 212-2017 Table 2 (通讯包结构): header, 4-digit length, CRC — each failure has its kind and place."""
    with pytest.raises(HJ212Error) as caught:
        decode(data)
    assert caught.value.kind == kind
    assert where in caught.value.detail


def test_terminator_may_be_required():
    """HJ 212-2017 Table 2: the packet ends with CR LF; the gateway can insist on it."""
    good = b"##0101" + APPENDIX_A_SEGMENT.encode() + b"1C80"
    assert decode(good + b"\r\n", require_terminator=True).cn == "1062"
    assert decode(good + b"\n").cn == "1062"  # LF-only loggers are tolerated by default
    with pytest.raises(FramingError, match="CR LF"):
        decode(good, require_terminator=True)


def test_data_segment_over_the_protocol_maximum_is_rejected():
    """HJ 212-2017 Table 2: the data segment is 0–1024 bytes; larger frames are refused before parsing."""
    segment = HEAD + "CP=&&DataTime=20260101080000;" + ";".join(f"a{n:05d}-Avg=1.0" for n in range(100)) + "&&"
    big = frame(segment)
    assert len(segment) > 1024
    with pytest.raises(LengthError, match="exceeds the maximum 1024"):
        decode(big)
    assert decode(big, max_length=9999).cn == "2051"  # an operator may allow larger frames per device
    with pytest.raises(LengthError):
        build_frame(segment)


def test_length_counts_utf8_bytes_of_chinese_log_text():
    """HJ 212-2017 Table 2 / §6.3 (-Info logs, UTF-8): the length is the UTF-8 byte count of the segment."""
    segment = (
        "QN=20260101080000000;ST=32;CN=3020;PW=123456;MN=W001;Flag=4;CP=&&DataTime=20260101080000;"
        "PolId=w01018;i11001-Info=//清洗管路; 开始,阀门=1//&&"
    )
    data = frame(segment)
    assert int(data[2:6]) == len(segment.encode("utf-8")) == len(segment) + 2 * 8  # 8 Chinese characters, 3 bytes each
    packet = decode(data)
    assert packet.cp["i11001-Info"] == "//清洗管路; 开始,阀门=1//"  # separators inside //…// are text
    assert packet.factors["i11001"] == {"Info": "//清洗管路; 开始,阀门=1//"}
    assert encode(packet) == data


def test_a_character_count_length_is_accepted_when_the_segment_has_chinese():
    """HJ 212-2017 Table 2 (standards.md §1.1 [I]): some loggers count characters; accept that for non-ASCII."""
    segment = "ST=32;CN=3020;PW=123456;MN=W001;Flag=4;CP=&&i11001-Info=//清洗管路//&&"
    body = segment.encode()
    data = b"##%04d%s%04X" % (len(segment), body, hj212_crc16(body))
    assert decode(data).cp["i11001-Info"] == "//清洗管路//"
    with pytest.raises(LengthError):  # but not an arbitrary wrong count
        decode(b"##%04d%s%04X" % (len(segment) + 1, body, hj212_crc16(body)))


# --- Fields (HJ 212-2017 Table 3) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("segment", "field"),
    [
        ("QN=1;ST=22;CN=2011;PW=1;Flag=4;CP=&&&&", "MN"),
        ("ST=22;CN=20X1;PW=1;MN=M;CP=&&&&", "CN"),
        ("QN=abc;ST=22;CN=2011;PW=1;MN=M;CP=&&&&", "QN"),
        ("ST=22;CN=2011;PW=1;MN=M;Flag=x;CP=&&&&", "Flag"),
        ("ST=22;CN=2011;PW=1;MN=M;Flag=6;CP=&&&&", "PNUM"),
        ("ST=22;CN=2011;PW=1;MN=M;Flag=6;PNUM=2;PNO=3;CP=&&&&", "PNO"),
        ("ST=22;CN=2011;PW=1;MN=M;Flag=4;PNUM=2;CP=&&&&", "PNO"),
        ("ST=22;CN=2011;PW=1;MN=M;MN=N;CP=&&&&", "MN"),
        ("ST=22;CN=2011;PW=1;MN=M;Flag=4", "CP"),
        ("ST=22;CN=2011;PW=1;MN=M;Flag=4;CP=&&a-Rtd=1", "CP"),
        ("ST=22;CN=2011;PW=1;MN=M;Flag=4;CP=&&a21026-Rtd&&", "CP"),
        ("ST=22;CN=2011;PW=1;MN=M;Flag=4;CP=&&DataTime=20261301000000&&", "DataTime"),
        ("ST=22;CN=2011;PW=1;MN=M;Flag=4;CP=&&x-Info=//open&&", "CP"),
    ],
)
def test_field_errors_name_the_field_and_byte_offset(segment, field):
    """HJ 212-2017 Table 3 (数据段结构组成): a missing or malformed field is a field error naming it."""
    with pytest.raises(FieldError) as caught:
        decode(frame(segment))
    assert caught.value.kind == "field"
    assert caught.value.field == field
    assert f"field {field}" in caught.value.detail and "byte offset" in caught.value.detail
    assert 6 <= caught.value.offset <= 6 + len(segment.encode())


def test_invalid_utf8_in_the_segment_is_a_field_error_with_offset():
    """HJ 212-2017 Table 2: the data segment is ASCII/UTF-8; other bytes are rejected with their offset."""
    body = b"ST=22;CN=2011;PW=\xff;MN=M;CP=&&&&"
    with pytest.raises(FieldError, match="byte offset 23"):
        decode(b"##%04d%s%04X" % (len(body), body, hj212_crc16(body)))


def test_unknown_version_bits_are_a_version_error():
    """HJ 212-2017 §6.3.3 Flag (standards.md §1.4): version = Flag >> 2; 3 and above name no known edition."""
    with pytest.raises(VersionError) as caught:
        decode(frame("QN=1;ST=22;CN=2011;PW=1;MN=M;Flag=12;CP=&&&&"))
    assert caught.value.kind == "version" and "version bits 3" in caught.value.detail
    assert caught.value.offset == 6 + len("QN=1;ST=22;CN=2011;PW=1;MN=M;")


@pytest.mark.parametrize(
    ("flag", "version", "ack", "split"),
    [(None, "2005", False, False), (0, "2005", False, False), (3, "2005", True, True), (4, "2017", False, False),
     (5, "2017", True, False), (7, "2017", True, True), (8, "2025", False, False), (11, "2025", True, True)],
)  # fmt: skip
def test_flag_bits_give_version_ack_and_split(flag, version, ack, split):
    """HJ 212-2017 §6.3.3 Flag bits V5..V0 D A (2025 = version 2 per standards.md §1.4 [I])."""
    head = "QN=20260101080000000;ST=22;CN=2011;PW=1;MN=M;" + ("" if flag is None else f"Flag={flag};")
    split_fields = "PNUM=1;PNO=1;" if split else ""
    packet = decode(frame(head + split_fields + "CP=&&&&"))
    assert (packet.version, packet.ack_required, packet.is_split) == (version, ack, split)


def test_reversed_zero_padded_pno_pnum_are_tolerated():
    """HJ 212-2017 Table 3 (standards.md §1.3 [I]): PNO before PNUM and zero padding occur in the field."""
    packet = decode(frame("QN=1;ST=31;CN=2051;PW=1;MN=M;PNO=0002;PNUM=0002;CP=&&a01006-Avg=101.85&&"))
    assert (packet.pnum, packet.pno, packet.version) == (2, 2, "2005")


# --- Factors and values (HJ 212-2017 Appendix B, §6.3 CP) -----------------------------------------------------


def test_2005_old_codes_are_mapped_by_the_medium_of_st():
    """HJ 212-2017 Appendix B (old codes) / Table 5 ST: water 001 = pH, gas 01 = smoke; medium from ST."""
    water = decode(frame("ST=32;CN=2011;PW=1;MN=M;CP=&&B01-Rtd=3.0;001-Rtd=7.10;011-Rtd=20.0;060-Rtd=0.5&&"))
    assert list(water.factors) == ["w00000", "w01001", "w01018", "w21003"]
    gas = decode(frame("ST=31;CN=2011;PW=1;MN=M;CP=&&B02-Rtd=3.0;01-Rtd=12;02-Rtd=30.5;03-Rtd=40;S01-Rtd=8.1&&"))
    assert list(gas.factors) == ["a00000", "a34013", "a21026", "a21002", "a19001"]
    assert gas.cp["02-Rtd"] == "30.5"  # cp keeps the codes exactly as sent


def test_unknown_factor_codes_and_suffixes_are_kept():
    """HJ 212-2017 §6.3 CP / Appendix B: codes and suffixes outside the table are kept, not dropped."""
    packet = decode(frame(HEAD + "CP=&&DataTime=20260101080000;xx999-Avg=1,xx999-Weird=2;a21026-ValidNum=10&&"))
    assert packet.factors == {"xx999": {"Avg": "1", "Weird": "2"}, "a21026": {"ValidNum": "10"}}


def test_values_stay_exact_decimal_text_with_all_suffixes():
    """HJ 212-2017 §6.3 CP (N14.2 numbers): values are kept as sent — trailing zeros, signs, exponents."""
    suffixes = ["Rtd", "Min", "Avg", "Max", "Cou", "Flag", "ZsRtd", "ZsMin", "ZsAvg", "ZsMax", "SampleTime", "EFlag"]
    values = ["0.10", "-0.000", "12345678901234.12", "1E3", "N", "20260101080000"]
    items = ",".join(f"a21026-{s}={values[i % len(values)]}" for i, s in enumerate(suffixes))
    packet = decode(frame(HEAD + f"CP=&&DataTime=20260101080000;{items}&&"))
    assert packet.factors["a21026"] == {s: values[i % len(values)] for i, s in enumerate(suffixes)}
    assert all(isinstance(v, str) for v in packet.factors["a21026"].values())


def test_unknown_cn_is_kept():
    """HJ 212-2017 Table 9 (reserved ranges) and 2025 additions: a CN outside the table still decodes."""
    packet = decode(frame("QN=20260101080000000;ST=22;CN=9015;PW=1;MN=M;Flag=8;CP=&&&&"))
    assert (packet.cn, packet.version, packet.cp, packet.data_time_role) == ("9015", "2025", {}, None)


def test_non_factor_keys_stay_in_cp_only():
    """HJ 212-2017 §6.3 CP: DataTime, QnRtn, RestartTime … are not factors."""
    packet = decode(frame(HEAD + "CP=&&DataTime=20260101080000;QnRtn=1;RestartTime=20260101000000&&"))
    assert packet.factors == {} and packet.cp["QnRtn"] == "1"


# --- DataTime (HJ 212-2017 §6.3 CP, DataTime per CN) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("cn", "role", "period"),
    [("2051", "period_start", "minute"), ("2061", "period_start", "hour"), ("2031", "period_start", "day"),
     ("2041", "period_start", "day"), ("2011", "instant", None), ("2021", "instant", None)],
)  # fmt: skip
def test_data_time_is_the_period_start_for_history_data(cn, role, period):
    """HJ 212-2017 §6.3 CP: DataTime is the period start for 2051/2061/2031/2041 and the instant for 2011/2021."""
    packet = decode(frame(f"QN=1;ST=22;CN={cn};PW=1;MN=M;Flag=4;CP=&&DataTime=20160801080000&&"))
    assert (packet.data_time_role, packet.period) == (role, period)
    assert packet.data_time == datetime(2016, 8, 1, 8, tzinfo=CHINA_TZ)
    assert packet.data_time.utcoffset() == timedelta(hours=8)
    assert packet.as_json()["data_time"] == "2016-08-01T08:00:00+08:00"


def test_seventeen_digit_2005_data_time_keeps_milliseconds():
    """HJ/T 212-2005 (standards.md §1.11 vector 8): a 17-digit DataTime with milliseconds is accepted."""
    packet = decode(frame("ST=32;CN=2011;PW=1;MN=M;CP=&&DataTime=20160824003817123&&"))
    assert packet.data_time == datetime(2016, 8, 24, 0, 38, 17, 123000, tzinfo=CHINA_TZ)


# --- Encode (HJ 212-2017 Table 2) -----------------------------------------------------------------------------


def test_encode_computes_length_and_crc():
    """HJ 212-2017 Table 2 / Appendix A: encode writes the UTF-8 length, the data segment, CRC and CR LF."""
    packet = Packet(version="2017", qn="20160801085857223", st="32", cn="1062", pw="100000",
                    mn="010000A8900016F000169DC0", flag=5, cp_groups=((("RtdInterval", "30"),),))  # fmt: skip
    assert encode(packet) == b"##0101" + APPENDIX_A_SEGMENT.encode() + b"1C80\r\n"


def test_packet_from_json_round_trips_the_cli_shape():
    """HJ 212-2017 Table 3: the decode JSON rebuilds the same frame (factors grouped per code)."""
    original = frame(HEAD + "CP=&&DataTime=20260101080000;a21026-Avg=6,a21026-Flag=N;a34004-Avg=14,a34004-Flag=N&&")
    assert encode(packet_from_json(decode(original).as_json())) == original
    document = {"version": "2017", "qn": "1", "st": "22", "cn": "2061", "pw": "p", "mn": "M", "ack_required": True}
    built = packet_from_json({**document, "cp": {"DataTime": "20260101080000", "a21026-Avg": "6.10"}})
    assert (decode(encode(built)).flag, decode(encode(built)).cp["a21026-Avg"]) == (5, "6.10")


@pytest.mark.parametrize(
    "document",
    [{"st": "22"}, {"st": "22", "cn": "2011", "pw": "1", "mn": "M", "cp": {"a-Rtd": 1.5}},
     {"st": "22", "cn": "2011", "pw": "1", "mn": "M", "cp": {"a-Rtd": "1;2"}},
     {"st": "22", "cn": "2011", "pw": "1", "mn": "M", "version": "1999", "cp": {}}],
)  # fmt: skip
def test_packet_from_json_rejects_what_cannot_be_sent(document):
    """HJ 212-2017 §6.3 CP: values are text (no floats) and may not contain the separators."""
    with pytest.raises(HJ212Error):
        packet_from_json(document)


@pytest.mark.parametrize(
    "cp",
    [{"i11001-Info": "//open"}, {"i11001-Info": "//a//b//"}, {"i11001-Info": "//a&&b//"}, {"a-Rtd": "1,2"}],
)
def test_packet_from_json_rejects_values_that_would_break_the_cp_syntax(cp):
    """HJ 212-2017 §6.3 CP (-Info logs between //…//): a value must not change how the CP area splits."""
    with pytest.raises(FieldError):
        packet_from_json({"st": "32", "cn": "3020", "pw": "1", "mn": "M", "cp": cp})
    with pytest.raises(FieldError, match="may not contain"):
        packet_from_json({"st": "32", "cn": "3020", "pw": "1;MN=X", "mn": "M", "cp": {}})
