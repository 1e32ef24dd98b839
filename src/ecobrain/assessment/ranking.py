"""Rankings of districts and stations by the comprehensive index of a month or a year, with their changes.

Reads the `AirQualityPeriod` rows the pipeline stores: three queries per table (the period, the same period a
year before, the month before). Smaller index is better; equal published indices (two decimals, GB/T 8170
half-to-even) share a rank and the next rank is skipped (1, 2, 2, 4), as published rankings do (standards.md §3.3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from ecobrain.assessment.choices import AIR_POLLUTANTS, PeriodKind, Scope
from ecobrain.assessment.models import AirQualityPeriod
from ecobrain.assessment.queries import QueryError, china_now
from ecobrain.registry.choices import AIR_STATION_KINDS
from ecobrain.standards.hj663 import change_rate, get_edition

# The pollutant keys of the comprehensive index's assessment concentrations (O3 is the MDA8 percentile).
INDEX_POLLUTANTS = ("pm2_5", "pm10", "o3_8h", "no2", "so2", "co")
INDEX_DECIMALS = Decimal("0.01")


@dataclass(frozen=True)
class Period:
    """A month or a calendar year, by its first day."""

    kind: str
    start: date

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m}" if self.kind == PeriodKind.MONTH else f"{self.start:%Y}"

    def previous_year(self) -> Period:
        return Period(self.kind, self.start.replace(year=self.start.year - 1))

    def previous_month(self) -> Period | None:
        """The month before (环比); a year has none."""
        if self.kind != PeriodKind.MONTH:
            return None
        year, month = (self.start.year - 1, 12) if self.start.month == 1 else (self.start.year, self.start.month - 1)
        return Period(self.kind, date(year, month, 1))


def default_period(kind: str = PeriodKind.MONTH, *, today: date | None = None) -> Period:
    """The last complete month (China date), or the year that month belongs to."""
    today = today or china_now().date()
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    if kind == PeriodKind.YEAR:
        return Period(PeriodKind.YEAR, date(year, 1, 1))
    return Period(PeriodKind.MONTH, date(year, month, 1))


def parse_period(kind: str | None, text: str | None, *, today: date | None = None) -> Period:
    """``kind=month&period=2026-11`` or ``kind=year&period=2026``; missing values take the defaults."""
    kind = kind or PeriodKind.MONTH
    if kind not in PeriodKind.values:
        raise QueryError(_("周期类型“%(kind)s”无效，应为 month 或 year。") % {"kind": str(kind)[:20]}, "kind")
    if not text:
        return default_period(kind, today=today)
    text = text.strip()
    try:
        if kind == PeriodKind.MONTH:
            year, month = (int(part) for part in text.split("-"))
            start = date(year, month, 1)
        else:
            start = date(int(text), 1, 1)
    except ValueError:
        example = "2026-11" if kind == PeriodKind.MONTH else "2026"
        raise QueryError(
            _("周期“%(value)s”格式不正确，应为 %(example)s。") % {"value": text[:20], "example": example}, "period"
        ) from None
    return Period(kind, start)


def published_index(value: float | None) -> Decimal | None:
    """The index as published, two decimals (GB/T 8170 half-to-even on the exact decimal)."""
    if value is None:
        return None
    return Decimal(repr(value)).quantize(INDEX_DECIMALS, rounding=ROUND_HALF_EVEN)


def pollutant_stats(period: AirQualityPeriod | None, key: str) -> dict:
    """One pollutant's statistics of a period row (``stats["pollutants"][key]``, or ``stats[key]``)."""
    if period is None or not period.stats:
        return {}
    stats = period.stats.get("pollutants", period.stats)
    found = stats.get(key) if isinstance(stats, dict) else None
    return found if isinstance(found, dict) else {}


def concentration(period: AirQualityPeriod | None, key: str) -> float | None:
    """The assessment concentration (评价浓度) of a pollutant in a period row."""
    return pollutant_stats(period, key).get("concentration")


@dataclass
class RankedRow:
    """One district or station in a ranking, with its changes against the year and the month before."""

    period: AirQualityPeriod
    rank: int | None
    index: Decimal | None
    index_yoy: float | None = None
    index_mom: float | None = None
    pm2_5_yoy: float | None = None
    pm2_5_mom: float | None = None
    has_previous_year: bool = False
    invalid: list[str] = field(default_factory=list)  # pollutants whose statistic is not valid (too few days)
    _single_indices: dict | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.period.station.name if self.period.scope == Scope.STATION else self.period.region.name

    @property
    def code(self) -> str:
        return self.period.station.code if self.period.scope == Scope.STATION else self.period.region.adcode

    @property
    def district_name(self) -> str:
        if self.period.scope == Scope.STATION:
            district = self.period.station.district
            return district.name if district else ""
        return self.period.region.name

    def concentration(self, key: str) -> float | None:
        return concentration(self.period, key)

    def single_indices(self) -> dict[str, float]:
        """I_i = w_i·C_i/S_i of each pollutant with an assessment concentration (HJ 663 / standards.md §3.3).

        Floats, for display: the stored comprehensive index is the exact sum (`standards.hj663.comprehensive_index`).
        """
        if self._single_indices is None:
            edition = _index_edition(self.period.edition)
            self._single_indices = {}
            if edition is not None:
                for key in INDEX_POLLUTANTS:
                    value = self.concentration(key)
                    if value is not None:
                        limit = float(edition.index_limits[key])
                        self._single_indices[key] = edition.index_weights[key] * value / limit
        return self._single_indices

    def days_per_level(self) -> list[int]:
        counts = self.period.days_per_level or {}
        return [int(counts.get(str(level), 0) or 0) for level in range(1, 7)]


@lru_cache(maxsize=8)
def _index_edition(name: str):
    """The HJ 663 edition a period row names, or None for a name this code does not know."""
    try:
        return get_edition(name)
    except ValueError:
        return None


def assign_ranks(rows: list[RankedRow]) -> list[RankedRow]:
    """Sort by published index, smaller first; rows without an index go last, unranked. Ties share a rank."""
    ranked = sorted((r for r in rows if r.index is not None), key=lambda r: (r.index, r.code))
    unranked = sorted((r for r in rows if r.index is None), key=lambda r: r.code)
    previous, rank = None, 0
    for position, row in enumerate(ranked, start=1):
        if row.index != previous:
            rank, previous = position, row.index
        row.rank = rank
    return ranked + unranked


def _key(row: AirQualityPeriod) -> int:
    return row.station_id if row.scope == Scope.STATION else row.region_id


def ranking(user, period: Period, *, scope: str, all_stations: bool = False) -> list[RankedRow]:
    """Districts (``scope="district"``) or stations ranked for ``period``: three queries.

    Stations: the assessment stations (``is_assessment``), or every air station with ``all_stations``.
    """
    base = AirQualityPeriod.objects.restrict(user, "view").filter(kind=period.kind, scope=scope)
    if scope == Scope.STATION:
        base = base.filter(station__kind__in=list(AIR_STATION_KINDS))
        if not all_stations:
            base = base.filter(station__is_assessment=True)
        base = base.select_related("station", "station__district").defer("station__district__boundary")
    else:
        base = base.select_related("region").defer("region__boundary")
    current = list(base.filter(period_start=period.start))
    if not current:
        return []
    ids = [_key(row) for row in current]
    id_field = "station_id__in" if scope == Scope.STATION else "region_id__in"
    wanted = [period.previous_year().start]
    before = period.previous_month()
    if before:
        wanted.append(before.start)
    earlier = AirQualityPeriod.objects.filter(kind=period.kind, scope=scope, period_start__in=wanted, **{id_field: ids})
    earlier = earlier.only("scope", "station_id", "region_id", "period_start", "comprehensive_index", "stats")
    by_start: dict[date, dict[int, AirQualityPeriod]] = {}
    for row in earlier:
        by_start.setdefault(row.period_start, {})[_key(row)] = row
    last_year = by_start.get(period.previous_year().start, {})
    last_month = by_start.get(before.start, {}) if before else {}
    rows = []
    for row in current:
        key = _key(row)
        year_ago, month_ago = last_year.get(key), last_month.get(key)
        pm = concentration(row, "pm2_5")
        rows.append(
            RankedRow(
                period=row,
                rank=None,
                index=published_index(row.comprehensive_index),
                index_yoy=change_rate(row.comprehensive_index, year_ago.comprehensive_index if year_ago else None),
                index_mom=change_rate(row.comprehensive_index, month_ago.comprehensive_index if month_ago else None),
                pm2_5_yoy=change_rate(pm, concentration(year_ago, "pm2_5")),
                pm2_5_mom=change_rate(pm, concentration(month_ago, "pm2_5")),
                has_previous_year=year_ago is not None,
                invalid=[k for k in (*AIR_POLLUTANTS, "o3_8h") if pollutant_stats(row, k).get("valid") is False],
            )
        )
    return assign_ranks(rows)
