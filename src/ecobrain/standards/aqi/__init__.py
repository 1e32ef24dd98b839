"""AQI (环境空气质量指数) per HJ 633-2012 and HJ 633-2026: breakpoint tables as versioned data, an exact scalar path
and a vectorised NumPy path that gives the same results. Plain Python: no Django here.
"""

from ecobrain.standards.aqi.exact import AqiResult, compute_aqi, iaqi, round_concentration, to_decimal
from ecobrain.standards.aqi.model import LEVELS, POLLUTANTS, PRIMARY_ORDER, Edition, Level, LevelText, level_for
from ecobrain.standards.aqi.selection import BEIJING, EDITIONS, beijing_date, edition_for, get_edition

__all__ = [
    "BEIJING",
    "EDITIONS",
    "LEVELS",
    "POLLUTANTS",
    "PRIMARY_ORDER",
    "AqiResult",
    "Edition",
    "Level",
    "LevelText",
    "beijing_date",
    "compute_aqi",
    "edition_for",
    "get_edition",
    "iaqi",
    "level_for",
    "round_concentration",
    "to_decimal",
]
