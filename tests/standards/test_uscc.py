"""Unified social credit code (统一社会信用代码), GB 32100-2015, against the reference's test vectors.

Persona: the enforcement officer registering an enterprise, who must be told exactly which character is wrong.
"""

from __future__ import annotations

import pytest

from ecobrain.standards.uscc import (
    ALPHABET,
    WEIGHTS,
    CreditCodeError,
    check_character,
    is_valid_credit_code,
    make_credit_code,
    validate_credit_code,
)

VALID = [
    "91350100M000100Y43",  # standard-style example
    "914403001922038216",  # 华为技术有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91440300708461136T",
]


def test_character_set_and_weights():
    """GB 32100-2015 §4: 31 symbols, 0–9 and A–Z without I, O, S, V, Z; weights 3^(i−1) mod 31."""
    assert len(ALPHABET) == 31
    assert not set("IOSVZ") & set(ALPHABET)
    assert ALPHABET.index("A") == 10 and ALPHABET.index("Y") == 30
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@pytest.mark.parametrize("code", VALID)
def test_valid_vectors(code):
    """GB 32100-2015 §4: the check character of each published code verifies."""
    assert validate_credit_code(code) == code
    assert is_valid_credit_code(code)
    assert check_character(code[:17]) == code[17]


def test_wrong_check_character_names_the_expected_one():
    """GB 32100-2015 §4: 914403001922038217 is invalid, the check character must be 6."""
    code = "914403001922038217"
    assert not is_valid_credit_code(code)
    with pytest.raises(CreditCodeError) as excinfo:
        validate_credit_code(code)
    assert str(excinfo.value) == "校验位错误：第18位应为 '6'，实际为 '7'"


def test_check_character_of_a_body():
    """GB 32100-2015 §4: the check character of 91510100MA0000000 is H."""
    assert check_character("91510100MA0000000") == "H"
    assert make_credit_code("91510100MA0000000") == "91510100MA0000000H"
    assert is_valid_credit_code("91510100MA0000000H")


def test_check_value_31_maps_to_zero():
    """GB 32100-2015 §4: C18 = 31 − (Σ mod 31), and 31 is written as 0."""
    # Find a body whose weighted sum is a multiple of 31 by adjusting position 17.
    body16 = "9161040000000000"

    def weighted_sum(body17: str) -> int:
        return sum(ALPHABET.index(x) * w for x, w in zip(body17, WEIGHTS, strict=True))

    last = next(c for c in ALPHABET if weighted_sum(body16 + c) % 31 == 0)
    assert check_character(body16 + last) == "0"


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_codes_with_excluded_letters_are_invalid(letter):
    """GB 32100-2015 §4: I, O, S, V and Z are not in the character set (confusable with 1, 0, 5, U, 2)."""
    code = "91350100M000100Y43"
    bad = code[:9] + letter + code[10:]
    assert not is_valid_credit_code(bad)
    with pytest.raises(CreditCodeError, match=f"第10位字符 '{letter}' 不允许"):
        validate_credit_code(bad)
    with pytest.raises(CreditCodeError, match="含有非法字符"):
        check_character(bad[:17])


@pytest.mark.parametrize(("code", "length"), [("91350100M000100Y4", 17), ("91350100M000100Y431", 19), ("", 0)])
def test_wrong_length_is_invalid(code, length):
    """GB 32100-2015 §4: a code has exactly 18 characters."""
    with pytest.raises(CreditCodeError, match=f"统一社会信用代码应为18位，实际{length}位"):
        validate_credit_code(code)
    assert not is_valid_credit_code(code)


def test_none_is_invalid_not_a_crash():
    """GB 32100-2015 §4: an empty value is not a code."""
    assert not is_valid_credit_code(None)


def test_lower_case_and_spaces_are_normalised():
    """GB 32100-2015 §4 uses upper-case letters; officers often type lower case."""
    assert validate_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert validate_credit_code("91110108551385082q") == "91110108551385082Q"


def test_division_code_must_be_six_digits():
    """GB 32100-2015 §4: positions 3–8 are the GB/T 2260 administrative division code."""
    code = make_credit_code("91ABCDEFM000100Y4")  # a correct check character, but letters in 3–8
    with pytest.raises(CreditCodeError, match="第3–8位应为行政区划代码（6位数字），实际为 'ABCDEF'"):
        validate_credit_code(code)


def test_check_character_needs_17_characters():
    """GB 32100-2015 §4: the check character is computed over positions 1–17."""
    with pytest.raises(CreditCodeError, match="需要17位主体代码，实际16位"):
        check_character("9135010000000000")
