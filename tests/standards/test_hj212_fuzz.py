"""Property-based fuzzing of the HJ 212 decoder (hypothesis).

Persona: the gateway on the open internet — whatever bytes arrive, the decoder returns a packet or a typed
HJ212Error, never another exception; and frames it builds decode and re-encode to the same bytes.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecobrain.standards.hj212 import HJ212Error, build_frame, decode, encode
from ecobrain.standards.hj212.crc import hj212_crc16

FUZZ = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SAMPLE = (
    b"##0139ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817000;"
    b"B01-Rtd=36.91;011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980\r\n"
)


def _decodes_or_raises_typed(data: bytes | str) -> None:
    try:
        decode(data)
    except HJ212Error as exc:
        assert exc.kind in {"framing", "length", "crc", "field", "version"}
        assert exc.detail


@FUZZ
@given(st.binary(max_size=1200))
def test_any_bytes_give_a_packet_or_a_typed_error(data):
    """HJ 212-2017 Table 2: arbitrary input never raises anything but HJ212Error."""
    _decodes_or_raises_typed(data)


@FUZZ
@given(st.text(max_size=400))
def test_any_text_gives_a_packet_or_a_typed_error(text):
    """HJ 212-2017 Table 2: str input (CLI arguments, with lone surrogates) is handled the same way."""
    _decodes_or_raises_typed(text)


_piece = st.sampled_from(
    [
        b";",
        b",",
        b"=",
        b"&&",
        b"CP=&&",
        b"//",
        b"Flag=",
        b"PNUM=",
        b"PNO=",
        b"DataTime=",
        b"-Rtd",
        b"QN=",
        b"\xe6\xb8\x85",
    ]
)


@FUZZ
@given(st.lists(st.one_of(_piece, st.binary(max_size=6)), max_size=40))
def test_segments_with_valid_framing_and_crc_reach_the_field_parser_safely(pieces):
    """HJ 212-2017 Table 3 / §6.3 CP: a correctly framed, CRC-valid segment of junk still fails only typed."""
    body = b"ST=22;CN=2011;PW=1;MN=M;" + b"".join(pieces)
    _decodes_or_raises_typed(b"##%04d%s%04X\r\n" % (len(body) % 10000, body, hj212_crc16(body)))


@FUZZ
@given(st.integers(min_value=0, max_value=len(SAMPLE) - 1), st.integers(min_value=0, max_value=255))
def test_any_single_byte_corruption_of_a_real_packet_is_caught(position, value):
    """HJ 212-2017 Appendix A: one changed byte is detected (CRC) or gives a typed error, never silence."""
    corrupted = bytearray(SAMPLE)
    if corrupted[position] == value:
        return
    corrupted[position] = value
    try:
        decode(bytes(corrupted))
    except HJ212Error:
        return
    assert position >= len(SAMPLE) - 2  # only the CR LF terminator is optional


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters=";,=&/-\r\n"), min_size=1, max_size=8)
_code = st.from_regex(r"[a-z][0-9]{5}", fullmatch=True) | st.sampled_from(["B01", "011", "060", "01", "S01"])
_suffix = st.sampled_from(["Rtd", "Min", "Avg", "Max", "Cou", "Flag", "ZsRtd", "ZsAvg", "SampleTime", "EFlag"])
_value = st.from_regex(r"-?[0-9]{1,8}(\.[0-9]{1,4})?", fullmatch=True) | st.sampled_from(["N", "F", "M", "D"])
_group = st.tuples(_code, st.lists(st.tuples(_suffix, _value), min_size=1, max_size=4, unique_by=lambda x: x[0]))


@st.composite
def valid_frames(draw) -> bytes:
    flag = draw(st.sampled_from([None, 4, 5, 6, 7, 8, 9]))
    split = flag is not None and flag & 2
    head = []
    if flag is not None or draw(st.booleans()):
        head.append("QN=" + draw(st.from_regex(r"[0-9]{17}", fullmatch=True)))
    head.append(f"ST={draw(st.sampled_from(['21', '22', '31', '32', '91', '101']))}")
    head.append(f"CN={draw(st.from_regex(r'[0-9]{4}', fullmatch=True))}")
    head += [f"PW={draw(_text)}", f"MN={draw(_text)}"]
    if flag is not None:
        head.append(f"Flag={flag}")
    if split:
        pnum = draw(st.integers(1, 20))
        head += [f"PNUM={pnum}", f"PNO={draw(st.integers(1, pnum))}"]
    groups = ["DataTime=20260101080000"] if draw(st.booleans()) else []
    for code, items in draw(st.lists(_group, max_size=6, unique_by=lambda g: g[0])):
        groups.append(",".join(f"{code}-{suffix}={value}" for suffix, value in items))
    if draw(st.booleans()):
        groups.append(f"i11001-Info=//{draw(_text)};{draw(_text)}//")
    return build_frame(";".join([*head, "CP=&&" + ";".join(groups) + "&&"]), max_length=9999)


@FUZZ
@given(valid_frames())
def test_generated_valid_frames_re_encode_to_the_same_bytes(frame):
    """HJ 212-2017 Table 2 / Table 3: encode(decode(x)) == x for frames in the standard's field order."""
    packet = decode(frame, max_length=9999)
    assert encode(packet, max_length=9999) == frame
    assert decode(encode(packet, max_length=9999), max_length=9999) == packet
