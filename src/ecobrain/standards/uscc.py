"""Unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters: registration authority (1), organisation type (2), administrative division (3–8, GB/T 2260),
organisation identifier (9–17, GB 11714), check character (18). Character set 0–9 and A–Z without
I, O, S, V, Z; weights 3^(i-1) mod 31 (GB 32100-2015 §4, Appendix/check algorithm).
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_VALUES = {c: i for i, c in enumerate(ALPHABET)}


class CreditCodeError(ValueError):
    """The code is not a valid GB 32100 unified social credit code; the message says why."""


def check_character(body17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    body = body17.upper()
    if len(body) != 17:
        raise CreditCodeError(f"需要17位主体代码，实际{len(body)}位")
    try:
        total = sum(_VALUES[c] * w for c, w in zip(body, WEIGHTS, strict=True))
    except KeyError as exc:
        raise CreditCodeError(f"含有非法字符 {exc.args[0]!r}（不得使用 I、O、S、V、Z）") from None
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(code: str) -> str:
    """Return the normalised (upper-case, stripped) code, or raise CreditCodeError saying what is wrong."""
    value = (code or "").strip().upper()
    if len(value) != 18:
        raise CreditCodeError(f"统一社会信用代码应为18位，实际{len(value)}位")
    for position, char in enumerate(value, start=1):
        if char not in _VALUES:
            raise CreditCodeError(f"第{position}位字符 {char!r} 不允许（仅限数字和除 I、O、S、V、Z 外的大写字母）")
    if not value[2:8].isdigit():
        raise CreditCodeError(f"第3–8位应为行政区划代码（6位数字），实际为 {value[2:8]!r}")
    expected = check_character(value[:17])
    if value[17] != expected:
        raise CreditCodeError(f"校验位错误：第18位应为 {expected!r}，实际为 {value[17]!r}")
    return value


def is_valid_credit_code(code: str) -> bool:
    try:
        validate_credit_code(code)
    except CreditCodeError:
        return False
    return True


def make_credit_code(body17: str) -> str:
    """Append the check character (used to generate demo enterprises with valid codes)."""
    return body17.upper() + check_character(body17)
