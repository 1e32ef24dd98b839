"""The HJ 212 CRC16 (HJ 212-2017 Appendix A): not CRC-16/MODBUS, see standards.md §1.2.

Each byte is XORed into the *high* byte (``crc >> 8``) and the low byte is dropped, then the value is shifted
eight times with the reflected polynomial 0xA001; initial value 0xFFFF, no final XOR. Because the XORed value
is always < 256, one round is a single lookup: ``crc = TABLE[(crc >> 8) ^ byte]``; ``hj212_crc16`` goes
further (see its docstring) and ``hj212_crc16_reference`` is the standard's loop, for the tests.
"""

from __future__ import annotations

POLY = 0xA001
INIT = 0xFFFF


def _round(value: int) -> int:
    for _ in range(8):
        value = (value >> 1) ^ POLY if value & 1 else value >> 1
    return value


TABLE: tuple[int, ...] = tuple(_round(i) for i in range(256))
_HIGH: tuple[int, ...] = tuple(t >> 8 for t in TABLE)


def hj212_crc16_reference(data: bytes) -> int:
    """The algorithm exactly as written in the standard (bit by bit); the fast paths are tested against it."""
    crc = INIT
    for byte in data:
        crc = (crc >> 8) ^ byte
        for _ in range(8):
            lsb = crc & 1
            crc >>= 1
            if lsb:
                crc ^= POLY
    return crc


def _power_tables() -> tuple[tuple[int, ...], ...]:
    """POWER[r][v] = M^r(v) for r = 0..7, where M(v) = TABLE[v] >> 8 is the per-byte map of the high byte."""
    tables = [tuple(range(256))]
    for _ in range(7):
        tables.append(tuple(_HIGH[v] for v in tables[-1]))
    assert tuple(_HIGH[v] for v in tables[-1]) == tables[0], "M has order 8"
    return tuple(tables)


POWER = _power_tables()
_FOLD_MASKS: dict[int, int] = {}


def hj212_crc16(data: bytes) -> int:
    """HJ 212 CRC16 of ``data`` (the data segment as UTF-8 bytes). Format with ``"%04X"`` (high byte first).

    Why this is fast: only the high byte h carries over, h_i = M(h_{i-1} ^ b_i) with M linear over GF(2)
    and M^8 = identity (checked at import). So after m bytes h_m = M^m(h_0) ^ XOR_i M^(m-i+1)(b_i): the
    bytes can be XOR-folded by their distance from the end modulo 8 — done on one big integer, in C — and
    then 8 table lookups finish it. The last byte gives the full 16-bit value through TABLE.
    """
    m = len(data) - 1
    if m < 0:
        return INIT
    x = int.from_bytes(data, "big") >> 8  # the first m bytes; the last of them is the lowest byte
    bits = 8 * m
    while bits > 64:
        half = ((bits + 127) // 128) * 64  # a multiple of 64 bits, so byte distances keep their residue mod 8
        mask = _FOLD_MASKS.get(half)
        if mask is None:
            mask = _FOLD_MASKS[half] = (1 << half) - 1
        x = (x >> half) ^ (x & mask)
        bits = half
    p = POWER
    h = (
        p[m % 8][INIT >> 8]
        ^ p[1][x & 0xFF]
        ^ p[2][(x >> 8) & 0xFF]
        ^ p[3][(x >> 16) & 0xFF]
        ^ p[4][(x >> 24) & 0xFF]
        ^ p[5][(x >> 32) & 0xFF]
        ^ p[6][(x >> 40) & 0xFF]
        ^ p[7][(x >> 48) & 0xFF]
        ^ (x >> 56)
    )
    return TABLE[h ^ data[-1]]


def modbus_crc16(data: bytes) -> int:
    """Ordinary CRC-16/MODBUS, only to recognise the field bug of loggers that send it (standards.md §1.2)."""
    crc = INIT
    table = TABLE  # the reflected 0xA001 table serves Modbus too: crc = (crc >> 8) ^ TABLE[(crc ^ b) & 0xFF]
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


def format_crc(value: int) -> str:
    return f"{value:04X}"
