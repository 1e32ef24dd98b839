"""HJ 663-2026 环境空气质量评价技术规范 as data (reference: standards.md §0, §3, §4.1), in force 2026-03-01.

The reference could not read the 2026 text [I only]: its exceptional events (例外事件), 3-year moving-average
evaluation and refined rounding are not implemented, and the weighted comprehensive index is UNVERIFIED.
"""

from datetime import date
from decimal import Decimal

from ecobrain.standards.hj663.editions import hj663_2013
from ecobrain.standards.hj663.model import AssessmentEdition

# GB 3095-2026 Table 1, grade II transition limits (2026-03-01 … 2030-12-31) [P]: annual SO2 60, NO2 40, PM10 60,
# PM2.5 30; O3 MDA8 160; CO 24-h 4.
INDEX_LIMITS = {
    "so2": Decimal(60),
    "no2": Decimal(40),
    "pm10": Decimal(60),
    "pm2_5": Decimal(30),
    "o3_8h": Decimal(160),
    "co": Decimal(4),
}
# Weighted index (standards.md §3.3) [UNVERIFIED — one public implementation only].
INDEX_WEIGHTS = {"so2": 1, "no2": 2, "co": 1, "o3_8h": 2, "pm10": 1, "pm2_5": 3}

EDITION = AssessmentEdition(
    name="HJ 663-2026",
    year=2026,
    effective_from=date(2026, 3, 1),
    # GB 3095-2026 Table 4 [P].
    daily_min_hours=20,
    o3_8h_window=8,
    o3_8h_min_hours=6,
    mda8_window_ends=tuple(range(7, 24)),
    mda8_min_windows=14,
    mda8_valid_above_limit=True,
    o3_8h_limit=Decimal(160),  # GB 3095-2026 grade II O3 8-h limit (the same in the transition and final columns)
    month_min_days=27,
    february_min_days=25,
    year_min_days=324,
    # HJ 663-2026 annual evaluation items [I: S11]: the same items as 2013.
    percentiles=dict(hj663_2013.PERCENTILES),
    concentration_statistic=dict(hj663_2013.CONCENTRATION_STATISTIC),
    index_limits=INDEX_LIMITS,
    index_weights=INDEX_WEIGHTS,
    index_decimals=2,
    source="HJ 663-2026 [I]; GB 3095-2026 Table 1 (transition grade II) and Table 4",
    unverified={
        "mda8_min_windows": "≥14 valid 8-h means between 08:00 and 24:00 is carried over from HJ 663-2013 (§3.1)",
        "mda8_valid_above_limit": "'fewer windows but above the limit is still valid' is from memory (§3.1)",
        "index_weights": "weights PM2.5 3, NO2 2, O3 2, others 1 come from one public implementation (§3.3)",
        "index_limits": "the transition annual limits in the index come from that implementation too (§3.3); "
        "from 2031-01-01 GB 3095-2026 has final limits, which may need a new edition here",
        "index_decimals": "HJ 663-2026 refines rounding (§0); the details are unknown",
    },
)
