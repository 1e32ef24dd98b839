"""The demo's industries: emission limits of their standards, outlet layouts, and where the enterprises are.

Limits are mg/m³ (gas, hourly) and mg/L (water, daily); each profile names the standard and table it
comes from. Enterprise names are invented (place + brand syllables + a suffix of the trade).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ecobrain.registry.demo.tables import (
    AIR_POLLUTANTS,
    GAS_OUTLET_FACTORS,
    MET_FACTORS,
    VOCS_FACTORS,
    WATER_FACTORS,
    WATER_OUTLET_FACTORS,
)


@dataclass(frozen=True)
class LimitProfile:
    """Emission limits of one standard (mg/m³ for gas, mg/L for water)."""

    standard: str
    limits: dict[str, float]
    converted: bool = False  # limits apply to the O2-converted (折算) concentration
    extra_factors: tuple[str, ...] = ()


GAS_PROFILES = {
    "power_ultra_low": LimitProfile(
        "GB 13223-2011；超低排放（环发〔2015〕164号）", {"a34013": 10, "a21026": 35, "a21002": 50}, True
    ),
    "power_special": LimitProfile("GB 13223-2011 表2 特别排放限值", {"a34013": 20, "a21026": 50, "a21002": 100}, True),
    "boiler_coal": LimitProfile("GB 13271-2014 表3 燃煤锅炉", {"a34013": 30, "a21026": 200, "a21002": 200}, True),
    "boiler_gas": LimitProfile("GB 13271-2014 表3 燃气锅炉", {"a34013": 20, "a21026": 50, "a21002": 150}, True),
    "cement_kiln": LimitProfile("GB 4915-2013 表2 水泥窑", {"a34013": 20, "a21026": 100, "a21002": 320}, True),
    "cement_cooler": LimitProfile("GB 4915-2013 表2 窑头（冷却机）", {"a34013": 20}),
    "coke_oven": LimitProfile("GB 16171-2012 表6 焦炉烟囱", {"a34013": 15, "a21026": 30, "a21002": 150}, True),
    "coke_dust": LimitProfile("GB 16171-2012 表6 装煤地面站", {"a34013": 30, "a21026": 70}),
    "incinerator": LimitProfile(
        "GB 18485-2014 表4（1小时均值）",
        {"a34013": 30, "a21026": 100, "a21002": 300, "a21024": 60, "a21005": 100},
        True,
        ("a21024", "a21005"),
    ),
}
WATER_PROFILES = {
    "wwtp": LimitProfile("GB 18918-2002 一级A", {"w01018": 50, "w21003": 5, "w21011": 0.5, "w21001": 15}),
    "pharma_ferment": LimitProfile("GB 21903-2008 表2", {"w01018": 120, "w21003": 35, "w21011": 1.0, "w21001": 70}),
    "pharma_synthesis": LimitProfile("GB 21904-2008 表2", {"w01018": 120, "w21003": 25, "w21011": 1.0, "w21001": 35}),
    "general": LimitProfile("GB 8978-1996 一级", {"w01018": 100, "w21003": 15, "w21011": 0.5}),
    "coking": LimitProfile("GB 16171-2012 表2", {"w01018": 80, "w21003": 10, "w21011": 1.0, "w21001": 20}),
    "coal_mine": LimitProfile("GB 20426-2006 表2", {"w01018": 50}),
    "leachate": LimitProfile("GB 16889-2008 表2", {"w01018": 100, "w21003": 25, "w21011": 3, "w21001": 40}),
}
FACTOR_CODES = frozenset(
    AIR_POLLUTANTS + MET_FACTORS + VOCS_FACTORS + WATER_FACTORS + GAS_OUTLET_FACTORS + WATER_OUTLET_FACTORS
).union(*(profile.limits for profile in (*GAS_PROFILES.values(), *WATER_PROFILES.values())))
PH_RANGE = (Decimal("6"), Decimal("9"))
# The caps of a permit cover these pollutants when an outlet has a limit for them.
CAPPED_POLLUTANTS = ("a34013", "a21026", "a21002", "w01018", "w21003", "w21001", "w21011")


@dataclass(frozen=True)
class Template:
    """How one kind of enterprise is built: name, outlets, their standards, flows and location."""

    industry: str
    suffixes: tuple[str, ...]
    gas_outlets: tuple[tuple[str, str], ...] = ()  # (name, profile or "main") in order
    gas_profiles: tuple[str, ...] = ()  # "main" profile, one chosen per enterprise
    gas_range: tuple[int, int] = (0, 0)
    water_outlets: tuple[str, ...] = ()
    water_profiles: tuple[str, ...] = ()
    water_range: tuple[int, int] = (0, 0)
    gas_flow: tuple[float, float] = (1e4, 8e4)  # m³/h per outlet
    stack: tuple[int, int] = (40, 60)  # m
    water_flow: tuple[float, float] = (200, 2000)  # m³/d
    hours: int = 7200  # operating hours per year
    spread: float | None = 0.05  # degrees around the county seat; None: anywhere in the county
    permit_weights: tuple[int, int, int] = (1, 0, 0)  # key, simplified, registration


_BOILERS = (("锅炉排气筒", "main"), ("2#锅炉排气筒", "main"))
_WASTEWATER = ("废水总排口", "2#废水排口")
_SMALL = (4, 6, 0)  # permit categories of small plants: key, simplified, registration
TEMPLATES = {
    "power": Template(
        industry="D4411",
        suffixes=("热电有限公司", "发电有限公司"),
        gas_outlets=(("1#机组烟囱", "main"), ("2#机组烟囱", "main"), ("3#机组烟囱", "main")),
        gas_profiles=("power_ultra_low", "power_ultra_low", "power_ultra_low", "power_special"),
        gas_range=(1, 3),
        water_outlets=_WASTEWATER,
        water_profiles=("general",),
        water_range=(1, 1),
        gas_flow=(8e5, 2e6),
        stack=(180, 240),
        water_flow=(1000, 5000),
        hours=7500,
        spread=0.08,
    ),
    "heat": Template(
        industry="D4430",
        suffixes=("热力有限公司", "供热有限责任公司"),
        gas_outlets=(("1#锅炉排气筒", "main"), ("2#锅炉排气筒", "main"), ("3#锅炉排气筒", "main")),
        gas_profiles=("boiler_coal", "boiler_gas"),
        gas_range=(1, 3),
        gas_flow=(5e4, 3e5),
        stack=(45, 100),
        hours=2900,  # the heating season
        spread=0.03,
        permit_weights=(7, 3, 0),
    ),
    "cement": Template(
        industry="C3011",
        suffixes=("水泥有限公司", "建材有限公司"),
        gas_outlets=(("窑尾排气筒", "main"), ("窑头排气筒", "cement_cooler"), ("2#窑尾排气筒", "main")),
        gas_profiles=("cement_kiln",),
        gas_range=(2, 3),
        gas_flow=(3e5, 6e5),
        stack=(60, 120),
        spread=0.12,
    ),
    "coking": Template(
        industry="C2521",
        suffixes=("焦化有限公司", "煤化有限公司"),
        gas_outlets=(("焦炉烟囱", "main"), ("装煤推焦地面站排气筒", "coke_dust"), ("2#焦炉烟囱", "main")),
        gas_profiles=("coke_oven",),
        gas_range=(2, 3),
        water_outlets=("焦化废水总排口",),
        water_profiles=("coking",),
        water_range=(1, 1),
        gas_flow=(1.5e5, 3e5),
        stack=(100, 150),
        water_flow=(1000, 3000),
        hours=8000,
        spread=0.10,
    ),
    "chemicals": Template(
        industry="C26",
        suffixes=("化工有限公司", "精细化工有限公司", "化学有限公司"),
        gas_outlets=_BOILERS,
        gas_profiles=("boiler_gas", "boiler_coal"),
        gas_range=(1, 2),
        water_outlets=_WASTEWATER,
        water_profiles=("general",),
        water_range=(1, 1),
        spread=0.06,
    ),
    "pharma": Template(
        industry="C27",
        suffixes=("制药有限公司", "药业有限公司", "生物制药有限公司"),
        gas_outlets=_BOILERS,
        gas_profiles=("boiler_gas",),
        gas_range=(1, 2),
        water_outlets=_WASTEWATER,
        water_profiles=("pharma_ferment", "pharma_synthesis"),
        water_range=(1, 1),
    ),
    "textiles": Template(
        industry="C17",
        suffixes=("纺织有限公司", "棉纺织有限公司", "印染有限公司"),
        gas_outlets=_BOILERS,
        gas_profiles=("boiler_gas",),
        gas_range=(0, 1),
        water_outlets=_WASTEWATER,
        water_profiles=("general",),
        water_range=(1, 1),
        permit_weights=_SMALL,
    ),
    "food": Template(
        industry="C14",
        suffixes=("食品有限公司", "乳业有限公司", "调味品有限公司"),
        gas_outlets=_BOILERS,
        gas_profiles=("boiler_gas",),
        gas_range=(0, 1),
        water_outlets=_WASTEWATER,
        water_profiles=("general",),
        water_range=(1, 1),
        permit_weights=_SMALL,
    ),
    "agri_food": Template(
        industry="C13",
        suffixes=("面粉有限公司", "淀粉有限公司", "肉类加工有限公司", "果蔬加工有限公司"),
        gas_outlets=_BOILERS,
        gas_profiles=("boiler_gas", "boiler_coal"),
        gas_range=(0, 1),
        water_outlets=_WASTEWATER,
        water_profiles=("general",),
        water_range=(1, 1),
        spread=0.08,
        permit_weights=(3, 6, 1),
    ),
    "beverage": Template(
        industry="C15",
        suffixes=("果汁饮料有限公司", "酒业有限公司", "饮品有限公司"),
        gas_outlets=_BOILERS,
        gas_profiles=("boiler_gas",),
        gas_range=(0, 1),
        water_outlets=_WASTEWATER,
        water_profiles=("general",),
        water_range=(1, 1),
        spread=0.08,
        permit_weights=(4, 5, 1),
    ),
    "wastewater": Template(
        industry="D4620",
        suffixes=("水务有限公司", "污水处理有限公司"),
        water_outlets=("出水总排口",),
        water_profiles=("wwtp",),
        water_range=(1, 1),
        water_flow=(1e4, 8e4),
        hours=8760,
        spread=0.03,
    ),
    "coal": Template(
        industry="B06",
        suffixes=("煤业有限公司", "矿业有限公司"),
        gas_outlets=_BOILERS,
        gas_profiles=("boiler_coal",),
        gas_range=(0, 1),
        water_outlets=("矿井水排口", "2#矿井水排口"),
        water_profiles=("coal_mine",),
        water_range=(1, 2),
        water_flow=(2000, 12000),
        spread=None,  # mines lie in the hills, not around the county seat
    ),
    "incineration": Template(
        industry="N7820",
        suffixes=("环保能源有限公司", "再生能源发电有限公司"),
        gas_outlets=(("1#焚烧线烟囱", "main"), ("2#焚烧线烟囱", "main")),
        gas_profiles=("incinerator",),
        gas_range=(1, 2),
        water_outlets=("渗滤液处理站排口",),
        water_profiles=("leachate",),
        water_range=(0, 1),
        gas_flow=(6e4, 1.2e5),
        stack=(80, 100),
        water_flow=(100, 500),
        hours=8000,
        spread=0.08,
    ),
    "landfill": Template(
        industry="N7820",
        suffixes=("环境卫生服务有限公司", "固废处置有限公司"),
        water_outlets=("渗滤液处理站排口",),
        water_profiles=("leachate",),
        water_range=(1, 1),
        water_flow=(100, 400),
        hours=8760,
        spread=0.10,
    ),
}

# template, counties (one enterprise per entry): 120 enterprises in all.
# fmt: off
ENTERPRISE_PLAN = (
    ("power", ("610402", "610404", "610481", "610482", "610482", "610428", "610429")),
    ("heat", ("610402", "610402", "610404", "610404", "610481", "610422", "610423", "610424", "610425",
              "610431", "610403", "610482")),
    ("cement", ("610425", "610425", "610424", "610423", "610482", "610430")),
    ("coking", ("610482", "610428")),
    ("chemicals", ("610481", "610481", "610481", "610404", "610422", "610423", "610482", "610482", "610428",
                   "610431")),
    ("pharma", ("610402", "610402", "610404", "610404", "610403", "610403", "610422", "610423", "610481",
                "610425", "610431", "610424")),
    ("textiles", ("610402", "610402", "610404", "610404", "610481", "610481", "610431", "610422", "610423")),
    ("food", ("610402", "610404", "610403", "610481", "610431", "610422", "610424", "610425", "610426")),
    ("agri_food", ("610424", "610425", "610425", "610426", "610430", "610428", "610429", "610482", "610423",
                   "610422", "610431")),
    ("beverage", ("610425", "610424", "610429", "610430", "610428", "610482", "610422", "610402")),
    ("wastewater", ("610402", "610402", "610402", "610404", "610404", "610404", "610403", "610422", "610423",
                    "610424", "610425", "610426", "610428", "610429", "610430", "610431", "610481", "610481",
                    "610482", "610482")),
    ("coal", ("610482", "610482", "610482", "610482", "610428", "610428", "610429", "610429")),
    ("incineration", ("610402", "610481", "610482")),
    ("landfill", ("610404", "610422", "610424")),
)
# fmt: on
TOTAL_OUTLETS = 220
