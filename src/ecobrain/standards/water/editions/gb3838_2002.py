"""GB 3838-2002 地表水环境质量标准, Table 1 basic items, as data (reference: standards.md §5.1, S13).

The evaluation rules that go with it are those of 地表水环境质量评价办法（试行）, 环办〔2011〕22号 (§5.2, [I]).
"""

from datetime import date
from decimal import Decimal

from ecobrain.standards.water.model import WaterFactor, WaterStandard


def _limits(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(value) for value in values)


def _same(*values: str) -> dict:
    """Limits that are the same for rivers and lakes/reservoirs."""
    return {"river": _limits(*values), "lake": _limits(*values)}


PH_RANGE = (Decimal(6), Decimal(9))

# GB 3838-2002 Table 1 (mg/L unless stated), Class I … V. Keys are the `ecobrain water-class` column names.
FACTORS = (
    WaterFactor("water_temperature", 1, "水温", "water temperature", "°C", "change", {}),
    WaterFactor("ph", 2, "pH值", "pH", "", "range", {"river": (PH_RANGE,) * 5, "lake": (PH_RANGE,) * 5}),
    # Class I is "7.5 (or 90% saturation)": only the concentration is implemented.
    WaterFactor("do", 3, "溶解氧", "dissolved oxygen", "mg/L", "min", _same("7.5", "6", "5", "3", "2")),
    WaterFactor("codmn", 4, "高锰酸盐指数", "permanganate index", "mg/L", "max", _same("2", "4", "6", "10", "15")),
    WaterFactor("cod", 5, "化学需氧量", "COD", "mg/L", "max", _same("15", "15", "20", "30", "40")),
    WaterFactor("bod5", 6, "五日生化需氧量", "BOD5", "mg/L", "max", _same("3", "3", "4", "6", "10")),
    WaterFactor("nh3n", 7, "氨氮", "ammonia nitrogen", "mg/L", "max", _same("0.15", "0.5", "1.0", "1.5", "2.0")),
    WaterFactor(
        "tp",
        8,
        "总磷",
        "total phosphorus",
        "mg/L",
        "max",
        {"river": _limits("0.02", "0.1", "0.2", "0.3", "0.4"), "lake": _limits("0.01", "0.025", "0.05", "0.1", "0.2")},
    ),
    # Table 1 sets TN for lakes and reservoirs only (湖、库，以N计).
    WaterFactor("tn", 9, "总氮", "total nitrogen", "mg/L", "max", {"lake": _limits("0.2", "0.5", "1.0", "1.5", "2.0")}),
    WaterFactor("cu", 10, "铜", "copper", "mg/L", "max", _same("0.01", "1.0", "1.0", "1.0", "1.0")),
    WaterFactor("zn", 11, "锌", "zinc", "mg/L", "max", _same("0.05", "1.0", "1.0", "2.0", "2.0")),
    WaterFactor("f", 12, "氟化物", "fluoride", "mg/L", "max", _same("1.0", "1.0", "1.0", "1.5", "1.5")),
    WaterFactor("se", 13, "硒", "selenium", "mg/L", "max", _same("0.01", "0.01", "0.01", "0.02", "0.02")),
    WaterFactor("as", 14, "砷", "arsenic", "mg/L", "max", _same("0.05", "0.05", "0.05", "0.1", "0.1")),
    WaterFactor("hg", 15, "汞", "mercury", "mg/L", "max", _same("0.00005", "0.00005", "0.0001", "0.001", "0.001")),
    WaterFactor("cd", 16, "镉", "cadmium", "mg/L", "max", _same("0.001", "0.005", "0.005", "0.005", "0.01")),
    WaterFactor("cr6", 17, "铬（六价）", "chromium (VI)", "mg/L", "max", _same("0.01", "0.05", "0.05", "0.05", "0.1")),
    WaterFactor("pb", 18, "铅", "lead", "mg/L", "max", _same("0.01", "0.01", "0.05", "0.05", "0.1")),
    WaterFactor("cn", 19, "氰化物", "cyanide", "mg/L", "max", _same("0.005", "0.05", "0.2", "0.2", "0.2")),
    WaterFactor(
        "volatile_phenol",
        20,
        "挥发酚",
        "volatile phenol",
        "mg/L",
        "max",
        _same("0.002", "0.002", "0.005", "0.01", "0.1"),
    ),
    WaterFactor("petroleum", 21, "石油类", "petroleum", "mg/L", "max", _same("0.05", "0.05", "0.05", "0.5", "1.0")),
    WaterFactor(
        "las", 22, "阴离子表面活性剂", "anionic surfactant", "mg/L", "max", _same("0.2", "0.2", "0.2", "0.3", "0.3")
    ),
    WaterFactor("sulfide", 23, "硫化物", "sulfide", "mg/L", "max", _same("0.05", "0.1", "0.2", "0.5", "1.0")),
    WaterFactor(
        "fecal_coliform",
        24,
        "粪大肠菌群",
        "fecal coliform",
        "个/L",
        "max",
        _same("200", "2000", "10000", "20000", "40000"),
    ),
)

STANDARD = WaterStandard(
    name="GB 3838-2002",
    # Published 2002-04-28, in force 2002-06-01 [UNVERIFIED: not stated in the reference].
    effective_from=date(2002, 6, 1),
    factors=FACTORS,
    method="环办〔2011〕22号",
    # 环办〔2011〕22号: the class is judged on Table 1 minus water temperature, TN and fecal coliform (21 items);
    # TN of lakes/reservoirs serves the nutrient-status evaluation instead (reference §5.2 [I]).
    excluded_from_class=frozenset({"water_temperature", "tn", "fecal_coliform"}),
    # 环办〔2011〕22号: water temperature, pH and DO get no exceedance multiple [UNVERIFIED: not in the reference].
    no_exceedance_multiple=frozenset({"water_temperature", "ph", "do"}),
)
