"""Rows of the air assessment tables, written directly (the pipeline that computes them is tested elsewhere)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ecobrain.assessment.choices import PeriodKind, Scope
from ecobrain.assessment.models import AirQualityDay, AirQualityHour, AirQualityPeriod
from ecobrain.core.models import RegionLevel
from ecobrain.standards.aqi import level_for

COMPUTED = datetime(2026, 12, 1, tzinfo=UTC)
CONCENTRATIONS = {"so2": 8.0, "no2": 30.0, "co": 0.8, "o3": 60.0, "o3_8h": 70.0, "pm10": 70.0, "pm2_5": 40.0}


def _object(station=None, region=None) -> dict:
    if station is not None:
        return {"scope": Scope.STATION, "station": station}
    scope = Scope.CITY if region.level == RegionLevel.CITY else Scope.DISTRICT
    return {"scope": scope, "region": region}


def _air(aqi, primary, edition, values) -> dict:
    return {
        **CONCENTRATIONS,
        **values,
        "aqi": aqi,
        "level": level_for(aqi).number if aqi is not None else None,
        "primary_pollutants": primary if aqi is not None and aqi > 50 else "",
        "iaqi": {"pm2_5": aqi} if aqi is not None else {},
        "edition": edition,
        "computed_at": COMPUTED,
    }


def hour(
    *, station=None, region=None, at: datetime, aqi: int | None = 57, primary="pm2_5", edition="HJ 633-2026", **values
) -> AirQualityHour:
    return AirQualityHour.objects.create(
        **_object(station, region), period_start=at, **_air(aqi, primary, edition, values)
    )


def day(
    *, station=None, region=None, on: date, aqi: int | None = 57, primary="pm2_5", edition="HJ 633-2026", **values
) -> AirQualityDay:
    return AirQualityDay.objects.create(**_object(station, region), day=on, **_air(aqi, primary, edition, values))


def stats(*, pm2_5: float = 35.0, valid: bool = True, invalid: tuple[str, ...] = (), **concentrations) -> dict:
    """A ``stats`` dict shaped as ``standards.hj663.PeriodStats.as_dict()``."""
    values = {"so2": 9.0, "no2": 30.0, "co": 1.0, "o3_8h": 150.0, "pm10": 70.0, "pm2_5": pm2_5, **concentrations}
    return {
        "edition": "HJ 663-2026",
        "pollutants": {
            key: {
                "days": 30,
                "mean": value,
                "concentration": value,
                "valid": valid and key not in invalid,
            }
            for key, value in values.items()
        },
    }


def period(
    *,
    station=None,
    region=None,
    start: date,
    kind: str = PeriodKind.MONTH,
    index: float | None = 4.0,
    pm2_5: float = 35.0,
    good_days: int = 25,
    valid_days: int = 30,
    invalid: tuple[str, ...] = (),
    edition: str = "HJ 663-2026",
) -> AirQualityPeriod:
    return AirQualityPeriod.objects.create(
        **_object(station, region),
        kind=kind,
        period_start=start,
        stats=stats(pm2_5=pm2_5, invalid=invalid),
        comprehensive_index=index,
        index_primary="pm2_5",
        valid_days=valid_days,
        good_days=good_days,
        good_ratio=good_days / valid_days if valid_days else None,
        days_per_level={"1": 10, "2": good_days - 10, "3": valid_days - good_days},
        edition=edition,
        computed_at=COMPUTED,
    )
