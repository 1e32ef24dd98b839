"""Air quality assessment (环境空气质量评价) per HJ 663-2013 and HJ 663-2026: editions as data, scalar statistics
(:mod:`.statistics`) and NumPy hour → day aggregation (:mod:`.aggregate`). Plain Python: no Django here.
"""

from ecobrain.standards.hj663.model import DAILY_KEYS, POLLUTANTS, AssessmentEdition
from ecobrain.standards.hj663.selection import EDITIONS, edition_for, get_edition
from ecobrain.standards.hj663.statistics import (
    GoodDays,
    IndexResult,
    PeriodStats,
    PollutantStats,
    change_rate,
    comprehensive_index,
    excellent_good,
    mean,
    percentile,
    period_statistics,
)

__all__ = [
    "DAILY_KEYS",
    "EDITIONS",
    "POLLUTANTS",
    "AssessmentEdition",
    "GoodDays",
    "IndexResult",
    "PeriodStats",
    "PollutantStats",
    "change_rate",
    "comprehensive_index",
    "edition_for",
    "excellent_good",
    "get_edition",
    "mean",
    "percentile",
    "period_statistics",
]
