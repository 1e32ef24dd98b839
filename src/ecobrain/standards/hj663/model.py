"""The shape of an HJ 663 edition as data: validity minimums, annual statistics, comprehensive index (no Django)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# The six pollutants HJ 663 assesses, keyed like the AQI inputs; ``o3_8h`` is the daily maximum 8-h mean (MDA8).
POLLUTANTS = ("so2", "no2", "co", "o3_8h", "pm10", "pm2_5")
# Daily series period_statistics accepts: the six, plus ``o3`` (O3 daily maximum 1-h mean, for the 2012 daily AQI).
DAILY_KEYS = (*POLLUTANTS, "o3")
STATISTICS = ("mean", "p90", "p95", "p98")


@dataclass(frozen=True)
class AssessmentEdition:
    """One edition of HJ 663 (环境空气质量评价技术规范) as data.

    Every rule the platform applies is a field here, so a rule the reference marks UNVERIFIED can be corrected by
    editing the edition module, not the code. ``unverified`` names those fields and says why.
    """

    name: str
    year: int
    effective_from: date
    # Validity (数据有效性规定), standards.md §3.1: GB 3095-2026 Table 4 / HJ 663.
    daily_min_hours: int  # a daily mean (日平均) needs at least this many valid hourly values
    o3_8h_window: int  # hours in an O3 8-h moving mean
    o3_8h_min_hours: int  # valid hourly values needed in each 8-h window
    # Hours (period starts, 0–23) at which the 8-h windows counted for the MDA8 end: 7…23 = labels 08:00…24:00.
    mda8_window_ends: tuple[int, ...]
    mda8_min_windows: int  # valid 8-h means needed in a day for a valid MDA8
    mda8_valid_above_limit: bool  # with fewer windows, the MDA8 still counts when it exceeds ``o3_8h_limit``
    o3_8h_limit: Decimal  # the O3 8-h limit that rule compares with (µg/m³)
    month_min_days: int  # valid daily values needed in a calendar month
    february_min_days: int  # … in February
    year_min_days: int  # valid daily values needed in a calendar year (and each month's minimum)
    # Annual statistics (年评价项目), standards.md §3.2: pollutant → percentile of its daily values, and which
    # statistic is its assessment concentration (评价浓度).
    percentiles: dict[str, int]
    concentration_statistic: dict[str, str]
    # Comprehensive index (综合指数), standards.md §3.3: I = Σ w_i · C_i / S_i over the six pollutants.
    index_limits: dict[str, Decimal]
    index_weights: dict[str, int]
    index_decimals: int  # the published index is rounded (GB/T 8170, half to even) to this many decimals
    source: str = ""
    unverified: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key, statistic in self.concentration_statistic.items():
            if statistic not in STATISTICS:
                raise ValueError(f"{self.name}: {key}: unknown statistic {statistic!r}")
            if statistic != "mean" and self.percentiles.get(key) != int(statistic[1:]):
                raise ValueError(f"{self.name}: {key}: {statistic} is not the percentile this edition computes")
        for name in ("index_limits", "index_weights"):
            if set(getattr(self, name)) != set(POLLUTANTS):
                raise ValueError(f"{self.name}: {name} must name exactly {', '.join(POLLUTANTS)}")
        if not self.mda8_window_ends or min(self.mda8_window_ends) < self.o3_8h_window - 1:
            raise ValueError(f"{self.name}: every MDA8 window must lie within the natural day")
        if max(self.mda8_window_ends) > 23 or self.mda8_min_windows > len(self.mda8_window_ends):
            raise ValueError(f"{self.name}: MDA8 windows must end by hour 23 and the minimum must be reachable")
        for name in self.unverified:
            if not hasattr(self, name):
                raise ValueError(f"{self.name}: unverified names an unknown field {name!r}")

    def percentile_name(self, key: str) -> str | None:
        """``"p98"`` etc. for a pollutant this edition computes a percentile of, else None."""
        p = self.percentiles.get(key)
        return None if p is None else f"p{p}"

    def month_minimum(self, month: int) -> int:
        """Valid daily values a calendar month needs (February has its own minimum)."""
        return self.february_min_days if month == 2 else self.month_min_days

    def __str__(self) -> str:
        return self.name
