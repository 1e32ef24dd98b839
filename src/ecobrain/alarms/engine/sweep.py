"""The scheduled side of the engine: everything the live path may have missed, and what has no live path.

- :func:`sweep_observations` (job ``alarms.sweep``): each resolution's rows by ``received_at`` since its
  watermark (``obs:<resolution>``), up to ``now − COMMIT_LAG`` (a writer stamps ``received_at`` a moment before
  it commits) and, for minute and hour data, no further than QC's window job has flagged (so flat lines and
  stuck values are judged with their flags). Rows a live evaluator already saw give the same verdicts again:
  nothing changes.
- :func:`check_offline` (``alarms.offline``): device sessions, for absence.
- :func:`sweep_assessment` (``alarms.assessment``): AirQualityHour/Day, WaterQualityMonth and DailyCompleteness
  rows by ``computed_at``, each source with its own watermark, re-reading ``ASSESSMENT_OVERLAP`` before it
  (a recomputation stamps its rows when it starts and commits them later).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q

from ecobrain.alarms.choices import RuleKind
from ecobrain.alarms.engine.core import AMBIENT_KINDS, Engine, get_engine
from ecobrain.alarms.models import EvaluationWatermark
from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.completeness import china_today
from ecobrain.monitoring.models import OBSERVATION_MODELS, QCWatermark
from ecobrain.monitoring.qc.windows import WINDOW_RESOLUTIONS
from ecobrain.standards.hj212 import CHINA_TZ

COMMIT_LAG = timedelta(minutes=2)
MAX_SPAN = timedelta(hours=1)  # of received time per resolution and run: a backlog is worked off over several runs
FIRST_RUN = timedelta(hours=1)  # with no watermark yet, start this far back (not at the beginning of history)
CHUNK_ROWS = 20_000
ASSESSMENT_OVERLAP = timedelta(minutes=10)
COMPLETENESS_DAYS = 7  # device-days this recent are evaluated (complete days only: before today, China time)
WATER_MONTHS = 3
_OBS_FIELDS = ("series_id", "period_start", "value", "value_text", "stats", "device_flag", "qc_flags")


@dataclass
class SweepResult:
    read: dict[str, int] = field(default_factory=dict)
    evaluated: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if not self.read:
            return "nothing new"
        return "; ".join(
            f"{name}: {self.read[name]} read, {self.evaluated.get(name, 0)} evaluated" for name in self.read
        )


def _mark(source: str) -> EvaluationWatermark:
    mark, _ = EvaluationWatermark.objects.get_or_create(source=source)
    return mark


def _advance(mark: EvaluationWatermark, until: datetime) -> None:
    EvaluationWatermark.objects.filter(pk=mark.pk).update(until=until)


def sweep_observations(now: datetime, *, engine: Engine | None = None) -> SweepResult:
    """Evaluate the observations received since each resolution's watermark (see the module docstring)."""
    engine = engine or get_engine()
    engine.refresh()
    result = SweepResult()
    for resolution in Resolution.values:
        mark = _mark(f"obs:{resolution}")
        since = mark.until or now - FIRST_RUN
        until = min(now - COMMIT_LAG, since + MAX_SPAN)
        if resolution in WINDOW_RESOLUTIONS:
            # Behind QC's window job: until it has run, these rows wait (their flat-line flags are not known yet).
            flagged = QCWatermark.objects.filter(resolution=resolution).values_list("received_until", flat=True).first()
            until = min(until, flagged or since)
        if until <= since:
            continue
        read = evaluated = 0
        if engine.observes(resolution):
            model = OBSERVATION_MODELS[resolution]
            window = model.objects.filter(received_at__gt=since, received_at__lte=until).order_by("received_at", "pk")
            after = None
            while True:
                page = (
                    window
                    if after is None
                    else window.filter(Q(received_at__gt=after[0]) | Q(received_at=after[0], pk__gt=after[1]))
                )
                rows = list(page.values_list(*_OBS_FIELDS, "received_at", "pk")[:CHUNK_ROWS])
                if not rows:
                    break
                after = (rows[-1][-2], rows[-1][-1])
                read += len(rows)
                rows.sort(key=lambda row: row[1])  # period order: the states' fast path
                evaluated += engine.evaluate_observations(resolution, rows, final=True, now=now)
                if len(rows) < CHUNK_ROWS:
                    break
        _advance(mark, until)
        result.read[resolution] = read
        result.evaluated[resolution] = evaluated
    return result


def check_offline(now: datetime, *, engine: Engine | None = None) -> int:
    """Evaluate the device-offline rules on every active data logger's session."""
    from ecobrain.ingest.models import DeviceSession
    from ecobrain.registry.choices import DeviceStatus

    engine = engine or get_engine()
    engine.refresh()
    if not engine.has_rules(RuleKind.DEVICE_OFFLINE):
        return 0
    sessions = DeviceSession.objects.filter(device__status=DeviceStatus.ACTIVE).values_list(
        "device_id", "last_data_at", "connected_at", "expected_interval"
    )
    # A logger that connected but never sent data is judged from its first connection.
    rows = [(device_id, data_at or connected_at, interval) for device_id, data_at, connected_at, interval in sessions]
    return engine.evaluate_offline(rows, now=now)


def sweep_assessment(now: datetime, *, engine: Engine | None = None) -> SweepResult:
    """Evaluate the ambient, water and completeness rules on results computed since their watermarks."""
    engine = engine or get_engine()
    engine.refresh()
    result = SweepResult()
    _sweep_air(now, engine, result, daily=False)
    _sweep_air(now, engine, result, daily=True)
    _sweep_water(now, engine, result)
    _sweep_completeness(now, engine, result)
    return result


def _window(source: str, now: datetime) -> tuple[EvaluationWatermark, datetime]:
    mark = _mark(source)
    since = (mark.until or now - FIRST_RUN) - ASSESSMENT_OVERLAP
    return mark, since


def _sweep_air(now: datetime, engine: Engine, result: SweepResult, *, daily: bool) -> None:
    from ecobrain.alarms.params import AMBIENT_METRICS
    from ecobrain.assessment.models import AirQualityDay, AirQualityHour

    source = "air:day" if daily else "air:hour"
    mark, since = _window(source, now)
    read = evaluated = 0
    if engine.has_rules(*AMBIENT_KINDS):
        oldest = now - engine.max_age
        if daily:
            rows = AirQualityDay.objects.filter(day__gte=oldest.astimezone(CHINA_TZ).date())
        else:
            rows = AirQualityHour.objects.filter(period_start__gte=oldest)
        rows = list(
            rows.filter(computed_at__gt=since, computed_at__lte=now)
            .order_by()
            .values("scope", "station_id", "region_id", "day" if daily else "period_start", *AMBIENT_METRICS)
        )
        read = len(rows)
        evaluated = engine.evaluate_air(rows, daily=daily, now=now)
    _advance(mark, now)
    result.read[source], result.evaluated[source] = read, evaluated


def _sweep_water(now: datetime, engine: Engine, result: SweepResult) -> None:
    from ecobrain.assessment.models import WaterQualityMonth

    mark, since = _window("water:month", now)
    read = evaluated = 0
    if engine.has_rules(RuleKind.WATER_CLASS):
        today = now.astimezone(CHINA_TZ).date()
        first = _months_before(today.replace(day=1), WATER_MONTHS)
        rows = list(
            WaterQualityMonth.objects.filter(month__gte=first, computed_at__gt=since, computed_at__lte=now)
            .order_by("month")
            .values_list("station_id", "month", "water_class", "target_class", "attained")
        )
        read = len(rows)
        evaluated = engine.evaluate_water(rows, now=now)
    _advance(mark, now)
    result.read["water:month"], result.evaluated["water:month"] = read, evaluated


def _months_before(month: date, count: int) -> date:
    year, index = divmod(month.year * 12 + month.month - 1 - count, 12)
    return date(year, index + 1, 1)


def _sweep_completeness(now: datetime, engine: Engine, result: SweepResult) -> None:
    from ecobrain.monitoring.models import DailyCompleteness

    mark, since = _window("completeness:day", now)
    read = evaluated = 0
    if engine.has_rules(RuleKind.LOW_COMPLETENESS):
        today = china_today(now)
        recent = DailyCompleteness.objects.filter(
            resolution=Resolution.HOUR, day__lt=today, day__gte=today - timedelta(days=COMPLETENESS_DAYS)
        )
        touched = set(
            recent.filter(computed_at__gt=since, computed_at__lte=now)
            .order_by()
            .values_list("series__device_id", "day")
            .distinct()
        )
        read = len(touched)
        if touched:
            devices = {device_id for device_id, _ in touched}
            days = {day for _, day in touched}
            factors = {rule.factor_id for rule in engine.by_kind.get(RuleKind.LOW_COMPLETENESS, [])}
            for factor_id in factors:
                queryset = recent.filter(series__device_id__in=devices, day__in=days)
                if factor_id is not None:
                    queryset = queryset.filter(series__factor_id=factor_id)
                rates = queryset.rates_by("series__device", "day")
                rows = [
                    (device_id, day, rate.expected, rate.received, rate.valid)
                    for (device_id, day), rate in rates.items()
                    if (device_id, day) in touched
                ]
                evaluated += engine.evaluate_completeness(rows, factor_id=factor_id, now=now)
    _advance(mark, now)
    result.read["completeness:day"], result.evaluated["completeness:day"] = read, evaluated
