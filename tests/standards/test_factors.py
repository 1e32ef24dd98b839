"""The HJ 212 monitoring-factor code table (HJ 212-2017 附录B) and the HJ/T 212-2005 old-code mapping.

Persona: the gateway that receives a 2005-protocol packet from an old data logger and must store it under
the 2017 code.
"""

from __future__ import annotations

import csv

import pytest

from ecobrain.standards import factors
from ecobrain.standards.factors import TABLE, factor_table, new_code_for, old_code_map

# (2017 code, 2005 old code, medium, name) from HJ 212-2017 附录B (tables B.1 water and B.2 gas).
APPENDIX_B_OLD_CODES = [
    ("w00000", "B01", "water", "污水"),
    ("w01001", "001", "water", "pH值"),
    ("w01012", "003", "water", "悬浮物"),
    ("w01017", "010", "water", "五日生化需氧量"),
    ("w01018", "011", "water", "化学需氧量"),
    ("w01020", "015", "water", "总有机碳"),
    ("w02003", "550", "water", "粪大肠菌群"),
    ("w20111", "020", "water", "总汞"),
    ("w20115", "022", "water", "总镉"),
    ("w20116", "023", "water", "总铬"),
    ("w20117", "024", "water", "六价铬"),
    ("w20119", "026", "water", "总砷"),
    ("w20120", "027", "water", "总铅"),
    ("w20122", "029", "water", "总铜"),
    ("w20123", "030", "water", "总锌"),
    ("w20128", "035", "water", "总硒"),
    ("w21001", "065", "water", "总氮"),
    ("w21003", "060", "water", "氨氮"),
    ("w21011", "101", "water", "总磷"),
    ("w21016", "070", "water", "氰化物"),
    ("w21017", "072", "water", "氟化物"),
    ("w21019", "071", "water", "硫化物"),
    ("w22001", "080", "water", "石油类"),
    ("w23002", "110", "water", "挥发酚"),
    ("w19002", "520", "water", "阴离子表面活性剂"),
    ("a00000", "B02", "gas", "废气"),
    ("a01010", "37", "gas", "林格曼黑度"),
    ("a01011", "S02", "gas", "烟气流速"),
    ("a01012", "S03", "gas", "烟气温度"),
    ("a01013", "S08", "gas", "烟气压力"),
    ("a01014", "S05", "gas", "烟气湿度"),
    ("a01015", "S06", "gas", "制冷温度"),
    ("a01016", "S07", "gas", "烟道截面积"),
    ("a01017", "S04", "gas", "烟气动压"),
    ("a19001", "S01", "gas", "氧气含量"),
    ("a21001", "10", "gas", "氨"),
    ("a21002", "03", "gas", "氮氧化物"),
    ("a21005", "04", "gas", "一氧化碳"),
    ("a21024", "08", "gas", "氯化氢"),
    ("a21026", "02", "gas", "二氧化硫"),
    ("a21028", "05", "gas", "硫化氢"),
    ("a34013", "01", "gas", "烟尘"),
]
NOISE_CODES = ["LA", "L5", "L10", "L50", "L90", "L95", "Leq", "Ldn", "Ld", "Ln", "LMx", "LMn"]


def csv_rows() -> list[dict]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_row_has_a_code_name_and_medium():
    """HJ 212-2017 附录B: each factor has a code, a name and belongs to water, gas or noise."""
    rows = csv_rows()
    assert len(rows) == 75
    for row in rows:
        assert row["code"].strip() == row["code"] != "", row
        assert row["name"].strip(), row
        assert row["medium"] in {"water", "gas", "noise"}, row
        assert row["source"], row


def test_codes_are_unique():
    """HJ 212-2017 附录B: a code names one factor (a duplicate row would silently overwrite the first)."""
    codes = [row["code"] for row in csv_rows()]
    assert len(codes) == len(set(codes))
    assert len(factor_table()) == len(codes)


def test_old_codes_are_unique_within_a_medium():
    """HJ 212-2017 附录B: the 2005 column maps one old code to one new code per medium."""
    pairs = [(row["medium"], row["old_code"]) for row in csv_rows() if row["old_code"]]
    assert len(pairs) == len(set(pairs)) == len(old_code_map()) == 42


def test_code_prefix_matches_the_medium():
    """HJ 212-2017 附录B: water codes start with w, gas codes with a; noise codes are the B.3 names."""
    for code, factor in factor_table().items():
        if factor.medium == "water":
            assert code.startswith("w"), code
        elif factor.medium == "gas":
            assert code.startswith("a"), code
        else:
            assert code in NOISE_CODES, code
    assert [c for c, f in factor_table().items() if f.medium == "noise"] == NOISE_CODES


@pytest.mark.parametrize(("code", "old", "medium", "name"), APPENDIX_B_OLD_CODES)
def test_appendix_b_rows(code, old, medium, name):
    """HJ 212-2017 附录B: code, 2005 code and name as the standard's tables give them."""
    factor = factor_table()[code]
    assert (factor.old_code, factor.medium, factor.name) == (old, medium, name)
    assert new_code_for(old, medium) == code


@pytest.mark.parametrize(
    ("old", "medium", "new"),
    [("011", "water", "w01018"), ("02", "gas", "a21026"), ("01", "gas", "a34013"), ("B01", "water", "w00000")],
)
def test_2005_codes_map_to_2017_codes(old, medium, new):
    """HJ 212-2017 附录B: COD 011 → w01018, SO2 02 → a21026, smoke 01 → a34013, wastewater B01 → w00000."""
    assert new_code_for(old, medium) == new
    # None of these old codes is used by another medium, so the medium may be left out.
    assert new_code_for(old) == new


def test_old_code_of_one_medium_is_not_found_in_another():
    """HJ 212-2017 附录B: gas 01 (smoke) is not a water code; water 011 (COD) is not a gas code."""
    assert new_code_for("01", "water") is None
    assert new_code_for("011", "gas") is None


def test_unknown_old_code_is_none():
    """HJ 212-2017 附录B: codes without an old code (e.g. PM2.5 a34004) have nothing to map from."""
    assert new_code_for("999") is None
    assert new_code_for("", "gas") is None
    assert factor_table()["a34004"].old_code == ""


def test_ambiguous_old_code_without_medium_is_none(monkeypatch):
    """HJ 212-2017 附录B: an old code used by two media cannot be mapped without the packet's medium.

    The shipped table has no such collision (test_old_codes_are_unique_within_a_medium), so the lookup is
    checked on a table where "01" is both a water and a gas code.
    """
    table = {("gas", "01"): "a34013", ("water", "01"): "w99001", ("water", "011"): "w01018"}
    monkeypatch.setattr(factors, "old_code_map", lambda: table)
    assert new_code_for("01") is None
    assert new_code_for("01", "gas") == "a34013"
    assert new_code_for("01", "water") == "w99001"
    assert new_code_for("011") == "w01018"


def test_units_of_the_main_pollutants():
    """HJ 212-2017 附录B: concentration unit and emission-amount unit (kg) of the key pollutants."""
    table = factor_table()
    assert (table["w01018"].unit, table["w01018"].emission_unit, table["w01018"].data_type) == ("mg/L", "kg", "N5.1")
    assert (table["a21026"].unit, table["a21026"].ambient_unit, table["a21026"].emission_unit) == (
        "mg/m³",
        "µg/m³",
        "kg",
    )
    assert (table["w00000"].unit, table["w00000"].emission_unit) == ("L/s", "m³")


def test_factors_outside_appendix_b_say_so():
    """HJ 212-2017 附录B does not list O3 (a05024, from HJ 524) or turbidity; the source column says where from."""
    table = factor_table()
    for code in ("a05024", "w01003", "w01016", "a99054"):
        assert "附录B" not in table[code].source or "非附录B" in table[code].source, code
    assert table["a21026"].source == "HJ 212-2017 附录B"
