"""Surface-water quality classes (地表水环境质量类别) per GB 3838-2002 with the evaluation method 环办〔2011〕22号:
Table 1 as versioned data, single-factor classes per item, sample and period, exceedance multiples against a target
class. Plain Python: no Django here.
"""

from ecobrain.standards.water.classify import (
    STATUS,
    Exceedance,
    WaterResult,
    evaluate,
    evaluate_period,
    exceedance_multiple,
    factor_class,
    period_means,
    round_multiple,
)
from ecobrain.standards.water.model import (
    ALL_CLASSES,
    CLASSES,
    WATERBODIES,
    WORSE_THAN_V,
    WaterFactor,
    WaterStandard,
    class_rank,
)
from ecobrain.standards.water.selection import STANDARDS, get_standard, standard_for

__all__ = [
    "ALL_CLASSES",
    "CLASSES",
    "STANDARDS",
    "STATUS",
    "WATERBODIES",
    "WORSE_THAN_V",
    "Exceedance",
    "WaterFactor",
    "WaterResult",
    "WaterStandard",
    "class_rank",
    "evaluate",
    "evaluate_period",
    "exceedance_multiple",
    "factor_class",
    "get_standard",
    "period_means",
    "round_multiple",
    "standard_for",
]
