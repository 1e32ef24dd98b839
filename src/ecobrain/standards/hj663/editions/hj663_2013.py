"""HJ 663-2013 环境空气质量评价技术规范（试行） as data (reference: standards.md §0, §3, §4.1).

Applied to Beijing dates before 2026-03-01, also before its own effective date (HJ 663 has no earlier edition).
"""

from datetime import date
from decimal import Decimal

from ecobrain.standards.hj663.model import AssessmentEdition

# Annual statistics (standards.md §3.2): the percentile of the daily values computed per pollutant.
PERCENTILES = {"so2": 98, "no2": 98, "pm10": 95, "pm2_5": 95, "co": 95, "o3_8h": 90}
# The assessment concentration (评价浓度): the period mean, or the percentile for CO and O3.
CONCENTRATION_STATISTIC = {"so2": "mean", "no2": "mean", "pm10": "mean", "pm2_5": "mean", "co": "p95", "o3_8h": "p90"}

# Comprehensive index before 2026 (城市环境空气质量排名技术规定, standards.md §3.3 [I]): GB 3095-2012 grade II annual
# limits for SO2, NO2, PM10, PM2.5, the grade II daily limits for O3 (MDA8, on its P90) and CO (on its P95); weights 1.
INDEX_LIMITS = {
    "so2": Decimal(60),
    "no2": Decimal(40),
    "pm10": Decimal(70),
    "pm2_5": Decimal(35),
    "o3_8h": Decimal(160),
    "co": Decimal(4),
}
INDEX_WEIGHTS = dict.fromkeys(INDEX_LIMITS, 1)

EDITION = AssessmentEdition(
    name="HJ 663-2013",
    year=2013,
    effective_from=date(2013, 10, 1),
    # GB 3095-2012 Table 4 has the same minimums as GB 3095-2026 Table 4 (standards.md §3.1).
    daily_min_hours=20,
    o3_8h_window=8,
    o3_8h_min_hours=6,
    mda8_window_ends=tuple(range(7, 24)),  # windows labelled 08:00 … 24:00 (period starts 07:00 … 23:00)
    mda8_min_windows=14,
    mda8_valid_above_limit=True,
    o3_8h_limit=Decimal(160),  # GB 3095-2012 grade II O3 8-h limit
    month_min_days=27,
    february_min_days=25,
    year_min_days=324,
    percentiles=PERCENTILES,
    concentration_statistic=CONCENTRATION_STATISTIC,
    index_limits=INDEX_LIMITS,
    index_weights=INDEX_WEIGHTS,
    index_decimals=2,
    source="HJ 663-2013; GB 3095-2012 Table 4 and grade II limits; 城市环境空气质量排名技术规定",
    unverified={
        "effective_from": "HJ 663-2013 in force 2013-10-01 is from memory; the reference gives no date",
        "daily_min_hours": "GB 3095-2012 Table 4 is said to equal GB 3095-2026 Table 4 (standards.md §3.1)",
        "mda8_min_windows": "≥14 valid 8-h means between 08:00 and 24:00 is from memory of HJ 663-2013 (§3.1)",
        "mda8_valid_above_limit": "'fewer windows but above the limit is still valid' is from memory (§3.1)",
        "percentiles": "the 98th (SO2, NO2) and 95th (PM10, PM2.5) percentiles are unverified for 2013 (§3.2)",
        "index_decimals": "two decimals is the published practice (§3.4), not a quoted clause",
    },
)
