"""GB 3838-2002 single-factor classes and the 环办〔2011〕22号 evaluation rules (reference standards.md §5).

Persona: the bureau's water analyst who classifies monitoring sections and reports exceedances of their targets.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from ecobrain.standards.water import (
    CLASSES,
    STATUS,
    WORSE_THAN_V,
    class_rank,
    evaluate,
    evaluate_period,
    exceedance_multiple,
    factor_class,
    get_standard,
    period_means,
    standard_for,
)

# GB 3838-2002 Table 1 transcribed from the reference (§5.1) independently of the package data: item, waterbody
# ("both" = the same limits for rivers and lakes/reservoirs), Class I … V limits.
TABLE_1 = """
do              both   7.5     6       5       3      2
codmn           both   2       4       6       10     15
cod             both   15      15      20      30     40
bod5            both   3       3       4       6      10
nh3n            both   0.15    0.5     1.0     1.5    2.0
tp              river  0.02    0.1     0.2     0.3    0.4
tp              lake   0.01    0.025   0.05    0.1    0.2
tn              lake   0.2     0.5     1.0     1.5    2.0
cu              both   0.01    1.0     1.0     1.0    1.0
zn              both   0.05    1.0     1.0     2.0    2.0
f               both   1.0     1.0     1.0     1.5    1.5
se              both   0.01    0.01    0.01    0.02   0.02
as              both   0.05    0.05    0.05    0.1    0.1
hg              both   0.00005 0.00005 0.0001  0.001  0.001
cd              both   0.001   0.005   0.005   0.005  0.01
cr6             both   0.01    0.05    0.05    0.05   0.1
pb              both   0.01    0.01    0.05    0.05   0.1
cn              both   0.005   0.05    0.2     0.2    0.2
volatile_phenol both   0.002   0.002   0.005   0.01   0.1
petroleum       both   0.05    0.05    0.05    0.5    1.0
las             both   0.2     0.2     0.2     0.3    0.3
sulfide         both   0.05    0.1     0.2     0.5    1.0
fecal_coliform  both   200     2000    10000   20000  40000
"""
EPSILON = Decimal("1E-9")


def table_rows() -> list[tuple[str, str, tuple[Decimal, ...]]]:
    rows = []
    for line in TABLE_1.strip().splitlines():
        key, body, *limits = line.split()
        for waterbody in ("river", "lake") if body == "both" else (body,):
            rows.append((key, waterbody, tuple(Decimal(limit) for limit in limits)))
    return rows


ROWS = table_rows()
BOUNDARIES = [(key, body, limits, index) for key, body, limits in ROWS for index in range(5)]


def test_table_1_data_matches_the_reference():
    """The packaged GB 3838-2002 Table 1 equals the reference transcription, item by item, waterbody by waterbody."""
    standard = get_standard("GB 3838-2002")
    for key, waterbody, limits in ROWS:
        assert standard.factor(key).limits_for(waterbody) == limits, (key, waterbody)
    assert standard.factor("tn").limits_for("river") is None  # Table 1: TN is a lakes/reservoirs item (湖、库)
    assert standard.factor("ph").limits_for("river") == ((6, 9),) * 5
    assert [f.number for f in standard.factors] == list(range(1, 25))


@pytest.mark.parametrize(("key", "waterbody", "limits", "index"), BOUNDARIES, ids=lambda v: str(v))
def test_class_boundaries_are_inclusive(key, waterbody, limits, index):
    """GB 3838-2002 Table 1: a value equal to the Class N limit is Class N or better; a hair past it is worse."""
    limit = limits[index]
    at, past = (limit, limit - EPSILON) if key == "do" else (limit, limit + EPSILON)
    assert class_rank(factor_class(key, at, waterbody=waterbody)) <= index
    assert class_rank(factor_class(key, past, waterbody=waterbody)) > index


@pytest.mark.parametrize(
    ("key", "value", "waterbody", "expected"),
    [
        ("cod", "15", "river", "I"),  # Classes I and II share 15: the best class it meets
        ("cod", "15.01", "river", "III"),
        ("cu", "0.5", "river", "II"),
        ("cu", "1.0", "lake", "II"),
        ("cu", "1.01", "lake", WORSE_THAN_V),
        ("cd", "0.003", "river", "II"),
        ("fecal_coliform", "40001", "river", WORSE_THAN_V),
        ("nh3n", "0", "river", "I"),
        ("do", "7.5", "river", "I"),
        ("do", "12", "lake", "I"),  # DO is a minimum: more is better
        ("do", "7.49", "river", "II"),
        ("do", "2", "river", "V"),
        ("do", "0", "river", WORSE_THAN_V),
    ],
)
def test_examples_between_and_at_limits(key, value, waterbody, expected):
    assert factor_class(key, value, waterbody=waterbody) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("6", "I"), ("7", "I"), ("9", "I"), ("5.99", WORSE_THAN_V), ("9.01", WORSE_THAN_V)]
)
def test_ph_is_a_range(value, expected):
    """GB 3838-2002 Table 1: pH 6–9 for every class, both ends included; outside is 劣V (reference §5.1 [I: S14])."""
    assert factor_class("ph", value, waterbody="river") == expected
    assert factor_class("ph", value, waterbody="lake") == expected


@pytest.mark.parametrize("value", ["-0.1", "14.5", "nan", "abc"])
def test_impossible_values_are_errors(value):
    with pytest.raises(ValueError):
        factor_class("ph", value, waterbody="river")
    if value != "14.5":
        with pytest.raises(ValueError):
            factor_class("cod", value, waterbody="river")


def test_reference_vector_river_section():
    """§5.3: DO 5.5 → III, CODMn 4.0 → II, NH3-N 1.2 → IV, TP 0.15 → III; the section is IV, limited by NH3-N."""
    result = evaluate({"do": "5.5", "codmn": "4.0", "nh3n": "1.2", "tp": "0.15"}, waterbody="river")
    assert dict(result.factor_classes) == {"do": "III", "codmn": "II", "nh3n": "IV", "tp": "III"}
    assert result.water_class == "IV"
    assert result.worst_factors == ("nh3n",)
    assert result.status == "轻度污染"


def test_reference_vector_lake_tp():
    """§5.3: TP 0.15 in a lake → V (lake Class IV limit 0.1, Class V 0.2); the same value in a river is III."""
    assert factor_class("tp", "0.15", waterbody="lake") == "V"
    assert factor_class("tp", "0.15", waterbody="river") == "III"


def test_reference_vectors_do_hg_fecal_ph():
    """§5.3: DO 1.9 → 劣V; Hg 0.00005 → I (inclusive); fecal coliform 30000 → V; pH 9.2 → fails (劣V)."""
    assert factor_class("do", "1.9", waterbody="river") == WORSE_THAN_V
    assert factor_class("hg", "0.00005", waterbody="river") == "I"
    assert factor_class("fecal_coliform", "30000", waterbody="river") == "V"
    assert factor_class("ph", "9.2", waterbody="river") == WORSE_THAN_V


def test_fecal_coliform_does_not_count_for_the_class():
    """§5.3 and 环办〔2011〕22号: fecal coliform is classed and reported, but the section class ignores it."""
    result = evaluate({"cod": "10", "fecal_coliform": "30000"}, waterbody="river")
    assert result.water_class == "I" and result.worst_factors == ("cod",)
    assert result.factor_classes["fecal_coliform"] == "V"
    assert result.excluded_factors == ("fecal_coliform",)


def test_tn_and_water_temperature_do_not_count():
    """环办〔2011〕22号: Table 1 minus water temperature, TN and fecal coliform; Table 1 has no river TN limit."""
    lake = evaluate({"tn": "3", "tp": "0.02", "water_temperature": "18"}, waterbody="lake")
    assert lake.factor_classes == {"tp": "II", "tn": WORSE_THAN_V}
    assert lake.water_class == "II" and lake.worst_factors == ("tp",)
    assert lake.excluded_factors == ("water_temperature", "tn")
    river = evaluate({"tn": "3", "tp": "0.02"}, waterbody="river")
    assert "tn" not in river.factor_classes and river.excluded_factors == ("tn",)
    assert river.water_class == "I"
    assert factor_class("water_temperature", "18", waterbody="river") is None
    assert get_standard().excluded_from_class == {"water_temperature", "tn", "fecal_coliform"}


def test_only_excluded_items_give_no_class():
    result = evaluate({"fecal_coliform": "100", "ph": None}, waterbody="river")
    assert result.water_class is None and result.worst_factors == () and result.status is None


def test_ties_list_every_worst_factor_in_table_order():
    result = evaluate({"tp": "0.25", "nh3n": "1.2", "do": "4", "cod": "10"}, waterbody="river")
    assert result.water_class == "IV" and result.worst_factors == ("do", "nh3n", "tp")


def test_worst_class_can_be_worse_than_v():
    result = evaluate({"ph": "9.2", "do": "5.5"}, waterbody="river")
    assert result.water_class == WORSE_THAN_V and result.worst_factors == ("ph",) and result.status == "重度污染"


@pytest.mark.parametrize(
    ("water_class", "status"),
    [("I", "优"), ("II", "优"), ("III", "良好"), ("IV", "轻度污染"), ("V", "中度污染"), (WORSE_THAN_V, "重度污染")],
)
def test_section_status(water_class, status):
    """Reference §5.2: I–II 优, III 良好, IV 轻度污染, V 中度污染, 劣V 重度污染."""
    assert STATUS[water_class] == status


def test_exceedance_multiple_against_target():
    """超标倍数 = (value − target class limit) / target class limit, exact (环办〔2011〕22号)."""
    assert exceedance_multiple("nh3n", "1.2", "III", waterbody="river") == Fraction(1, 5)
    assert exceedance_multiple("tp", "0.15", "II", waterbody="river") == Fraction(1, 2)
    assert exceedance_multiple("tp", "0.15", "II", waterbody="lake") == 5  # lake Class II TP 0.025
    assert exceedance_multiple("cod", "25", "II", waterbody="river") == Fraction(2, 3)
    assert exceedance_multiple("hg", "0.0003", "III", waterbody="river") == 2
    assert exceedance_multiple("cod", "20", "III", waterbody="river") == 0  # at the limit: no exceedance
    assert exceedance_multiple("do", "1", "III", waterbody="river") is None
    assert exceedance_multiple("ph", "9.5", "III", waterbody="river") is None
    assert exceedance_multiple("tn", "3", "III", waterbody="river") is None


def test_exceedances_of_a_sample_against_its_target():
    result = evaluate(
        {"do": "4", "ph": "9.2", "cod": "25", "nh3n": "1.0", "fecal_coliform": "30000", "tn": "5"},
        waterbody="lake",
        target="III",
    )
    assert set(result.exceedances) == {"do", "ph", "cod"}  # NH3-N meets III; excluded items are not exceedances
    cod = result.exceedances["cod"]
    assert (cod.value, cod.water_class, cod.limit, cod.multiple) == (25, "IV", Decimal(20), Fraction(1, 4))
    assert result.exceedances["do"].multiple is None and result.exceedances["do"].limit == Decimal(5)
    assert result.exceedances["ph"].limit is None
    assert result.meets_target() is False
    assert result.as_dict()["exceedances"] == {"ph": None, "do": None, "cod": 0.25}


def test_rounded_multiple_is_half_even():
    result = evaluate({"cod": "25"}, waterbody="river", target="II")
    assert result.exceedances["cod"].rounded_multiple() == Decimal("0.67")
    assert result.as_dict()["exceedances"] == {"cod": 0.67}
    assert evaluate({"cod": "20.5"}, waterbody="river", target="III").exceedances["cod"].rounded_multiple() == Decimal(
        "0.02"
    )  # 0.025 → 0.02 (half-even)


def test_meets_target():
    assert evaluate({"cod": "15"}, waterbody="river", target="II").meets_target() is True
    assert evaluate({"cod": "15"}, waterbody="river").meets_target() is None
    assert evaluate({"cod": "15"}, waterbody="river", target="II").exceedances == {}


def test_period_class_is_from_exact_means():
    """A period is classed by each item's mean: TP 0.15, 0.25, 0.2 → 0.2 exactly → III (a float mean gives IV)."""
    samples = [{"tp": "0.15", "nh3n": "0.4"}, {"tp": "0.25", "nh3n": None}, {"tp": Decimal("0.2")}]
    assert period_means(samples) == {"tp": Fraction(1, 5), "nh3n": Fraction(2, 5)}
    result = evaluate_period(samples, waterbody="river", target="II")
    assert result.factor_classes == {"nh3n": "II", "tp": "III"}
    assert result.water_class == "III" and result.exceedances["tp"].multiple == 1
    assert sum([0.15, 0.25, 0.2]) / 3 > 0.2  # the float trap this avoids


def test_bad_arguments():
    with pytest.raises(ValueError, match="waterbody"):
        evaluate({"cod": "1"}, waterbody="sea")
    with pytest.raises(ValueError, match="target"):
        evaluate({"cod": "1"}, waterbody="river", target="VI")
    with pytest.raises(ValueError, match="not GB 3838 Table 1 items: chla"):
        evaluate({"chla": "1"}, waterbody="lake")
    with pytest.raises(ValueError, match="unknown water class"):
        class_rank("VI")


def test_edition_selection():
    assert standard_for(date(2026, 3, 1)).name == "GB 3838-2002"
    assert standard_for(datetime(2002, 6, 1)).effective_from == date(2002, 6, 1)
    with pytest.raises(ValueError, match="no GB 3838 edition"):
        standard_for(date(2002, 5, 31))
    assert get_standard("2002") is get_standard("GB3838-2002") is get_standard()
    with pytest.raises(ValueError):
        get_standard("GB 3838-1988")


def test_results_are_frozen():
    result = evaluate({"cod": "10"}, waterbody="river")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.water_class = "V"  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.factor_classes["cod"] = "V"  # type: ignore[index]
    assert CLASSES == ("I", "II", "III", "IV", "V")
