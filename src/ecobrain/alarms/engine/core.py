"""The engine: an index from data to the rules that apply, per-(rule, object) states, and the transitions that
reach the database (docs/alarm-engine.md).

One :class:`Engine` per process (``get_engine()``), shared under a lock by the live evaluator thread and the
periodic jobs. Each ``evaluate_*`` call refreshes the index when the registry version moved (at most every
``refresh_seconds``), binds the rows' objects to their checks (loading what it has not seen, once), primes cold
states from the database with a bounded read, runs the checks, and then applies the transitions the batch
produced: one ``raise_alarm`` or ``clear_alarm`` per changed alarm, however many observations triggered it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone, translation

from ecobrain.alarms.choices import OPEN_ALARM_STATES, AlarmStatus, RuleKind
from ecobrain.alarms.engine.area_checks import (
    AmbientCheck,
    AreaObject,
    CompletenessCheck,
    OfflineCheck,
    WaterClassCheck,
)
from ecobrain.alarms.engine.checks import BASIS_RESOLUTION, EmissionCheck, SuspiciousCheck
from ecobrain.alarms.engine.objects import DeviceContext, load_devices, load_limits, load_series
from ecobrain.alarms.engine.rules import CompiledRule, compile_rules, registry_version
from ecobrain.alarms.engine.state import BAD, NEVER, RuleState
from ecobrain.alarms.models import Alarm
from ecobrain.alarms.params import Target
from ecobrain.alarms.services.raising import _farther, clear_alarm, raise_alarm
from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.completeness import day_bounds
from ecobrain.monitoring.models import OBSERVATION_MODELS

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 5.0  # how often the registry version is checked
OPEN_REFRESH_SECONDS = 30.0  # how often the open alarms are re-read (other processes open and clear them too)
# A cold state is primed from at most depth × this × 3 of data before the batch (bounded by series and time).
NOMINAL_INTERVAL = {
    Resolution.REALTIME: timedelta(minutes=1),
    Resolution.MINUTE: timedelta(minutes=10),
    Resolution.HOUR: timedelta(hours=1),
    Resolution.DAY: timedelta(days=1),
}
AMBIENT_KINDS = (RuleKind.AMBIENT_THRESHOLD, RuleKind.AMBIENT_RISE)
CHUNK = 500

OPEN, REPEAT, CLEAR = "open", "repeat", "clear"


@dataclass(slots=True)
class Action:
    """A transition waiting for the end of the batch (repeats of one alarm coalesce into one)."""

    kind: str
    check: object
    period: datetime
    value: float | None
    count: int = 1
    first_period: datetime | None = None
    first_value: float | None = None
    peak: float | None = None


class Engine:
    """The rule engine of one process. Thread-safe: every entry point takes ``lock``."""

    def __init__(
        self,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        open_refresh_seconds: float = OPEN_REFRESH_SECONDS,
        max_age: timedelta | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.refresh_seconds = refresh_seconds
        self.open_refresh_seconds = open_refresh_seconds
        self.max_age = max_age or timedelta(hours=settings.ALARM_MAX_DATA_AGE_HOURS)
        self.rules: dict[int, CompiledRule] = {}
        self.by_kind: dict[str, list[CompiledRule]] = {}
        self.observed: frozenset[str] = frozenset()
        self.states: dict[tuple[int, str], RuleState] = {}
        self.counts: Counter = Counter()
        self._version: tuple | None = None
        self._checked = -math.inf
        self._open_loaded = -math.inf
        self._open: dict[tuple[int, str], datetime | None] = {}
        self._pending: dict[tuple[int, str], list[Action]] = {}
        self._cold: set[RuleState] = set()  # states that wait for their first (priming) read
        self._reset_index()

    def _reset_index(self) -> None:
        self._devices: dict[int, DeviceContext] = {}
        self._series: dict = {}
        self._limits: dict = {}
        self._limit_outlets: set[int] = set()
        self._plans: dict[str, dict[int, tuple]] = {resolution: {} for resolution in Resolution.values}
        self._checks: dict[tuple[int, str], object] = {}
        self._areas: dict[tuple[str, int], AreaObject | None] = {}

    # --- the index ------------------------------------------------------------------------------------------

    def refresh(self, *, force: bool = False) -> bool:
        """Re-read the rules when the registry version moved (checked at most every ``refresh_seconds``), and the
        open alarms every ``open_refresh_seconds``. True when the index was rebuilt."""
        with self.lock:
            clock = time.monotonic()
            rebuilt = False
            if force or clock - self._checked >= self.refresh_seconds:
                self._checked = clock
                version = registry_version()
                if force or version != self._version:
                    self._rebuild(version)
                    rebuilt = True
            if rebuilt or clock - self._open_loaded >= self.open_refresh_seconds:
                self._load_open(clock)
            return rebuilt

    def _rebuild(self, version: tuple) -> None:
        old = self.rules
        self.rules = compile_rules()
        self.by_kind = defaultdict(list)
        for rule in self.rules.values():
            self.by_kind[rule.kind].append(rule)
        self._version = version
        self._reset_index()
        self.observed = self._observed_resolutions()
        # States survive a rebuild unless their rule went away or was edited (new thresholds, new counts).
        kept = {
            rule_id for rule_id, rule in self.rules.items() if rule_id in old and old[rule_id].updated == rule.updated
        }
        self.states = {key: state for key, state in self.states.items() if key[0] in kept}
        self._cold = {state for state in self._cold if (state.rule_id, state.key) in self.states}
        self.counts["index_builds"] += 1

    def _observed_resolutions(self) -> frozenset[str]:
        """The resolutions some observation rule can apply to (the others are skipped without a look)."""
        from ecobrain.registry.models import OutletFactor

        wanted = set()
        for rule in self.by_kind.get(RuleKind.SUSPICIOUS_DATA, ()):
            wanted |= {rule.resolution} if rule.resolution else set(Resolution.values)
        if self.by_kind.get(RuleKind.EMISSION_EXCEEDANCE):
            bases = (
                OutletFactor.objects.exclude(limit_value__isnull=True, limit_min__isnull=True)
                .order_by()
                .values_list("limit_basis", flat=True)
                .distinct()
            )
            limited = {BASIS_RESOLUTION[basis] for basis in bases if basis in BASIS_RESOLUTION}
            for rule in self.by_kind[RuleKind.EMISSION_EXCEEDANCE]:
                wanted |= limited & ({rule.resolution} if rule.resolution else limited)
        return frozenset(wanted)

    def observes(self, resolution: str) -> bool:
        """Whether an observation rule can apply to data of ``resolution``."""
        return resolution in self.observed

    def _load_open(self, clock: float) -> None:
        """The open alarms of the enabled rules; a dispatched alarm whose condition cleared counts as closed
        here (its work order closes it; a new trigger re-opens its condition)."""
        self._open_loaded = clock
        rows = (
            Alarm.objects.filter(status__in=OPEN_ALARM_STATES, rule_id__in=list(self.rules))
            .exclude(status=AlarmStatus.DISPATCHED, cleared_at__isnull=False)
            .order_by()
            .values_list("rule_id", "object_key", "last_period")
        )
        self._open = {(rule_id, key): last for rule_id, key, last in rows}
        for key, state in self.states.items():
            is_open = key in self._open
            if is_open:
                state.recorded_period = max(state.recorded_period, self._open[key] or NEVER)
            state.open = is_open

    def _state(self, rule: CompiledRule, key: str, *, needs_history: bool) -> RuleState:
        state = self.states.get((rule.id, key))
        if state is None:
            state = RuleState(
                rule.id, key, rule.depth, open_=(rule.id, key) in self._open, recorded=self._open.get((rule.id, key))
            )
            state.primed = not needs_history
            if needs_history:
                self._cold.add(state)
            self.states[(rule.id, key)] = state
        return state

    def has_rules(self, *kinds: str) -> bool:
        return any(self.by_kind.get(kind) for kind in kinds)

    # --- observations ---------------------------------------------------------------------------------------

    def evaluate_observations(
        self, resolution: str, rows: Sequence[tuple], *, final: bool = True, now: datetime | None = None
    ) -> int:
        """Run the observation rules over committed rows (``monitoring.feed`` tuples); returns how many rows had a
        rule. ``final`` False (the live path) means QC's window flags may still come: see SuspiciousCheck."""
        with self.lock:
            self.refresh()
            if not rows or resolution not in self.observed:
                return 0
            plans = self._plans[resolution]
            series_ids = {row[0] for row in rows}
            missing = [pk for pk in series_ids if pk not in plans]
            if missing:
                self._plan_series(resolution, missing)
            if self._cold:  # states created (or reset) and not primed yet: usually only this batch's new series
                cold = [check for pk in series_ids for check in plans[pk] if not check.state.primed]
                if cold:
                    self._prime_observations(resolution, cold, rows)
            now = now or timezone.now()
            oldest = now - self.max_age
            evaluated = 0
            for row in rows:
                checks = plans[row[0]]
                if checks and row[1] >= oldest:
                    evaluated += 1
                    for check in checks:
                        check.observe(row, final)
            self.counts["observations"] += evaluated
            self.flush(now)
            return evaluated

    def _plan_series(self, resolution: str, series_ids: list[int]) -> None:
        unknown = [pk for pk in series_ids if pk not in self._series]
        if unknown:
            found = load_series(unknown, self._devices)
            for pk in unknown:
                self._series[pk] = found.get(pk)
            outlets = {ctx.device.outlet_id for ctx in found.values() if ctx.device.outlet_id is not None}
            outlets -= self._limit_outlets
            if outlets and self.by_kind.get(RuleKind.EMISSION_EXCEEDANCE):
                self._limits.update(load_limits(outlets))
                self._limit_outlets |= outlets
        plans = self._plans[resolution]
        for pk in series_ids:
            ctx = self._series.get(pk)
            plans[pk] = () if ctx is None else tuple(self._observation_checks(resolution, ctx))

    def _observation_checks(self, resolution: str, ctx):
        device = ctx.device
        place = {
            "district_id": device.district_id,
            "enterprise_id": device.enterprise_id,
            "outlet_id": device.outlet_id,
            "station_id": device.station_id,
            "factor_id": ctx.factor_id,
        }
        limit = self._limits.get((device.outlet_id, ctx.factor_id)) if device.outlet_id is not None else None
        if limit is not None and BASIS_RESOLUTION.get(limit.basis) == resolution:
            for rule in self.by_kind.get(RuleKind.EMISSION_EXCEEDANCE, ()):
                if (not rule.resolution or rule.resolution == resolution) and rule.covers(**place):
                    key = f"outlet:{device.outlet_id}/factor:{ctx.factor_id}"
                    state = self._state(rule, key, needs_history=rule.depth > 2)
                    yield EmissionCheck(rule, state, self.judge, ctx, resolution, limit)
        for rule in self.by_kind.get(RuleKind.SUSPICIOUS_DATA, ()):
            if (not rule.resolution or rule.resolution == resolution) and rule.covers(**place):
                key = f"series:{ctx.series_id}/{resolution}"
                history = rule.depth > 2 or "zero_drop" in rule.params.checks
                yield SuspiciousCheck(rule, self._state(rule, key, needs_history=history), self.judge, ctx, resolution)

    def _prime_observations(self, resolution: str, checks: list, rows: Sequence[tuple]) -> None:
        """Fill cold states with the verdicts of the rows just before the batch (no transitions)."""
        by_series: dict[int, list] = defaultdict(list)
        for check in checks:
            by_series[check.ctx.series_id].append(check)
        first: dict[int, datetime] = {}
        for row in rows:
            pk = row[0]
            if pk in by_series and (pk not in first or row[1] < first[pk]):
                first[pk] = row[1]
        depth = max(check.state.depth for check in checks)
        low = min(first.values()) - NOMINAL_INTERVAL[resolution] * depth * 3
        high = max(first.values())
        model = OBSERVATION_MODELS[resolution]
        ids = sorted(first)
        history: dict[int, list[tuple]] = defaultdict(list)
        for at in range(0, len(ids), CHUNK):
            queryset = (
                model.objects.filter(series_id__in=ids[at : at + CHUNK], period_start__gte=low, period_start__lt=high)
                .order_by("series_id", "period_start")
                .values_list("series_id", "period_start", "value", "value_text", "stats", "device_flag", "qc_flags")
            )
            for row in queryset:
                if row[1] < first[row[0]]:
                    history[row[0]].append(row)
        for pk, series_checks in by_series.items():
            for check in series_checks:
                if check.state.primed:
                    continue
                self._priming(check, lambda c, rows=history[pk]: [c.observe(r, True) for r in rows[-c.state.depth :]])
        self.counts["primed"] += len(checks)

    def _priming(self, check, feed) -> None:
        """Run ``feed(check)`` with verdicts recorded but no transitions; the state is primed afterwards."""
        check.judge = self._record
        try:
            feed(check)
        finally:
            check.judge = self.judge
        check.state.primed = True
        self._cold.discard(check.state)

    @staticmethod
    def _record(check, period: datetime, verdict: int, value, tag: int) -> None:
        check.state.update(period, verdict, value, tag)

    # --- verdicts and transitions ---------------------------------------------------------------------------

    def judge(self, check, period: datetime, verdict: int, value: float | None, tag: int) -> None:
        """Record a verdict and queue the transition it causes: open after ``consecutive`` BAD periods, repeat on
        a newer BAD period while open, clear after ``clear_after`` GOOD periods."""
        state = check.state
        if not state.update(period, verdict, value, tag):
            return
        rule = check.rule
        # ``recorded_period`` is the last period a transition was decided on: re-evaluated older periods (another
        # process's rows, a cold engine's overlap) neither repeat, clear nor re-open.
        if state.open:
            if verdict == BAD and period > state.recorded_period:
                state.recorded_period = period
                self._queue(Action(REPEAT, check, period, value, peak=value))
            if state.good_run >= rule.clear_after and state.last_period > state.recorded_period:
                state.open = False
                state.recorded_period = state.last_period
                self._queue(Action(CLEAR, check, period, value))
        elif state.bad_run >= rule.consecutive and state.last_period > state.recorded_period:
            state.open = True
            state.recorded_period = state.last_period
            run = state.bad_run_entries()
            threshold = check.threshold_for(run[-1][2])
            peak = None
            for entry in run:
                if _farther(entry[2], peak, threshold):
                    peak = entry[2]
            self._queue(
                Action(OPEN, check, run[-1][0], run[-1][2], len(run), run[0][0], run[0][2], peak),
            )

    def _queue(self, action: Action) -> None:
        key = (action.check.rule.id, action.check.key)
        actions = self._pending.setdefault(key, [])
        if actions and action.kind == REPEAT and actions[-1].kind in (OPEN, REPEAT):
            last = actions[-1]
            last.count += 1
            last.period, last.value = action.period, action.value
            if _farther(action.value, last.peak, action.check.threshold_for(action.value)):
                last.peak = action.value
            return
        actions.append(action)

    def flush(self, now: datetime | None = None) -> Counter:
        """Apply the queued transitions: one raise/clear per alarm, each in its own transaction."""
        with self.lock:
            pending, self._pending = self._pending, {}
            done: Counter = Counter()
            if not pending:
                return done
            now = now or timezone.now()
            with translation.override(settings.LANGUAGE_CODE):
                for key, actions in pending.items():
                    for action in actions:
                        try:
                            self._apply(action, now, done)
                        except Exception:
                            logger.exception("alarm transition %s of rule %s, %s failed", action.kind, *key)
                            done["failed"] += 1
                            state = action.check.state
                            state.reset(open_=key in self._open, recorded=self._open.get(key))
                            self._cold.add(state)
                            self._open_loaded = -math.inf  # re-read the open alarms before the next batch
                            break
            self.counts.update(done)
            return done

    def _apply(self, action: Action, now: datetime, done: Counter) -> None:
        check = action.check
        rule = check.rule.model
        if action.kind == CLEAR:
            if clear_alarm(rule, check.key, now=now, value=action.value) is not None:
                done["cleared"] += 1
            self._open.pop((check.rule.id, check.key), None)
            return
        result = raise_alarm(
            rule,
            check.describe(action.value, action.period),
            value=action.value,
            threshold=check.threshold_for(action.value),
            period=action.period,
            now=now,
            count=action.count,
            first_value=action.first_value,
            first_period=action.first_period,
            peak=action.peak,
        )
        done["opened" if result.created else "repeated" if result.updated else "unchanged"] += 1
        if result.escalated:
            done["escalated"] += 1
        if result.alarm.is_open():
            self._open[(check.rule.id, check.key)] = result.alarm.last_period
        else:  # the periods belonged to an alarm that was closed meanwhile: nothing is open
            check.state.open = False
            self._open.pop((check.rule.id, check.key), None)

    # --- ambient air (AirQualityHour / AirQualityDay rows) -------------------------------------------------

    def evaluate_air(self, rows: Iterable[dict], *, daily: bool = False, now: datetime | None = None) -> int:
        """Run the ambient rules over assessment rows (dicts with ``scope``, ``station_id``, ``region_id``,
        ``period_start`` or ``day``, and the metric columns)."""
        with self.lock:
            self.refresh()
            # Daily rows: threshold rules with resolution day; hourly rows: rules with resolution blank or hour.
            wanted = (Resolution.DAY,) if daily else ("", Resolution.HOUR)
            rules = [
                rule
                for kind in AMBIENT_KINDS
                for rule in self.by_kind.get(kind, ())
                if rule.resolution in wanted and not (daily and kind == RuleKind.AMBIENT_RISE)
            ]
            rows = list(rows)
            if not rules or not rows:
                return 0
            self._load_areas(rows)
            items = []  # (check, period, value)
            for row in rows:
                obj = self._areas.get(_area_key(row))
                if obj is None:
                    continue
                period = day_bounds(row["day"])[0] if daily else row["period_start"]
                for rule in rules:
                    if rule.params.target != obj.scope or not _area_covers(rule, obj):
                        continue
                    check = self._area_check(rule, obj, daily)
                    items.append((check, period, row.get(rule.params.metric)))
            items.sort(key=lambda item: item[1])
            cold = {check for check, _, _ in items if not check.state.primed}
            if cold:
                self._prime_air(cold, items, daily)
            for check, period, value in items:
                check.observe(value, period)
            self.counts["air_rows"] += len(rows)
            self.flush(now)
            return len(items)

    def _load_areas(self, rows: list[dict]) -> None:
        from ecobrain.core.models import Region
        from ecobrain.registry.models import Station

        stations = {row["station_id"] for row in rows if row.get("station_id")} - {
            pk for scope, pk in self._areas if scope == Target.STATION
        }
        regions = {row["region_id"] for row in rows if row.get("region_id")} - {
            pk for scope, pk in self._areas if scope != Target.STATION
        }
        for pk, name, district_id in Station.objects.filter(pk__in=stations).values_list("pk", "name", "district_id"):
            self._areas[(Target.STATION, pk)] = AreaObject(Target.STATION, pk, name, district_id, station_id=pk)
        for pk, name, level in Region.objects.filter(pk__in=regions).values_list("pk", "name", "level"):
            scope = Target.CITY if level == "city" else Target.DISTRICT
            self._areas[(scope, pk)] = AreaObject(scope, pk, name, pk)

    def _area_check(self, rule: CompiledRule, obj: AreaObject, daily: bool) -> AmbientCheck:
        key = f"{obj.key}/day" if daily else obj.key
        check = self._checks.get((rule.id, key))
        if check is None:
            needs = rule.depth > 2 or rule.kind == RuleKind.AMBIENT_RISE
            state = self._state(rule, key, needs_history=needs)
            check = self._checks[(rule.id, key)] = AmbientCheck(rule, state, self.judge, obj, daily)
        return check

    def _prime_air(self, cold: set, items: list, daily: bool) -> None:
        from ecobrain.assessment.models import AirQualityDay, AirQualityHour

        first: dict = {}
        for check, period, _ in items:
            if check in cold and (check not in first or period < first[check]):
                first[check] = period
        span = timedelta(days=1) if daily else timedelta(hours=1)
        low = min(first.values()) - span * max(check.state.depth for check in cold)
        high = max(first.values())
        model = AirQualityDay if daily else AirQualityHour
        queryset = model.objects.order_by()
        if daily:
            queryset = queryset.filter(day__gte=_local(low), day__lt=_local(high))
        else:
            queryset = queryset.filter(period_start__gte=low, period_start__lt=high)
        stations = {c.obj.object_id for c in cold if c.obj.scope == Target.STATION}
        regions = {c.obj.object_id for c in cold if c.obj.scope != Target.STATION}
        history: dict = defaultdict(list)
        metrics = {check.metric for check in cold}
        fields = ["scope", "station_id", "region_id", "day" if daily else "period_start", *sorted(metrics)]
        for ids, field in ((stations, "station_id"), (regions, "region_id")):
            if ids:
                for row in queryset.filter(**{f"{field}__in": list(ids)}).values(*fields):
                    period = day_bounds(row["day"])[0] if daily else row["period_start"]
                    history[_area_key(row)].append((period, row))
        for check in cold:
            rows = sorted(
                (item for item in history[(check.obj.scope, check.obj.object_id)] if item[0] < first[check]),
                key=lambda item: item[0],
            )
            self._priming(
                check,
                lambda c, rows=rows: [c.observe(row.get(c.metric), period) for period, row in rows[-c.state.depth :]],
            )

    # --- water sections (WaterQualityMonth rows) -----------------------------------------------------------

    def evaluate_water(self, rows: Iterable[tuple], *, now: datetime | None = None) -> int:
        """Rows (station id, month (first day), water class, target class, attained)."""
        from ecobrain.registry.models import Station

        with self.lock:
            self.refresh()
            rules = self.by_kind.get(RuleKind.WATER_CLASS, [])
            rows = sorted(rows, key=lambda row: row[1])
            if not rules or not rows:
                return 0
            stations = {
                pk: (name, district_id)
                for pk, name, district_id in Station.objects.filter(pk__in={row[0] for row in rows}).values_list(
                    "pk", "name", "district_id"
                )
            }
            count = 0
            for station_id, month, water_class, target_class, attained in rows:
                if station_id not in stations:
                    continue
                name, district_id = stations[station_id]
                for rule in rules:
                    if not rule.covers(district_id=district_id, station_id=station_id):
                        continue
                    key = f"station:{station_id}"
                    check = self._checks.get((rule.id, key))
                    if check is None:
                        state = self._state(rule, key, needs_history=rule.depth > 2)
                        check = self._checks[(rule.id, key)] = WaterClassCheck(
                            rule, state, self.judge, station_id=station_id, name=name, district_id=district_id
                        )
                    if not check.state.primed:
                        self._prime_water(check, month)
                    check.observe(day_bounds(month)[0], water_class, target_class, attained)
                    count += 1
            self.flush(now)
            return count

    def _prime_water(self, check: WaterClassCheck, month: date) -> None:
        from ecobrain.assessment.models import WaterQualityMonth

        rows = list(
            WaterQualityMonth.objects.filter(station_id=check.station_id, month__lt=month)
            .order_by("-month")
            .values_list("month", "water_class", "target_class", "attained")[: check.state.depth]
        )[::-1]
        self._priming(check, lambda c: [c.observe(day_bounds(m)[0], w, t, a) for m, w, t, a in rows])

    # --- data loggers: offline, completeness ---------------------------------------------------------------

    def _device_contexts(self, device_ids: Iterable[int]) -> dict[int, DeviceContext]:
        missing = set(device_ids) - self._devices.keys()
        if missing:
            self._devices.update(load_devices(missing))
        return self._devices

    def _device_check(self, cls, rule: CompiledRule, device: DeviceContext, *, needs_history: bool):
        key = f"device:{device.device_id}"
        check = self._checks.get((rule.id, key))
        if check is None:
            state = self._state(rule, key, needs_history=needs_history)
            check = self._checks[(rule.id, key)] = cls(rule, state, self.judge, device)
        return check

    def evaluate_offline(self, sessions: Iterable[tuple], *, now: datetime) -> int:
        """Sessions (device id, last data at, expected interval in seconds) of active data loggers."""
        from ecobrain.registry.choices import DeviceStatus

        with self.lock:
            self.refresh()
            rules = self.by_kind.get(RuleKind.DEVICE_OFFLINE, [])
            sessions = list(sessions)
            if not rules or not sessions:
                return 0
            devices = self._device_contexts(row[0] for row in sessions)
            count = 0
            for device_id, last_data_at, interval in sessions:
                device = devices.get(device_id)
                if device is None or last_data_at is None or device.status != DeviceStatus.ACTIVE:
                    continue
                for rule in rules:
                    if _device_covers(rule, device):
                        # No history to prime: the periods are evaluations, counted from this process's start.
                        check = self._device_check(OfflineCheck, rule, device, needs_history=False)
                        check.observe(now, last_data_at, interval)
                        count += 1
            self.flush(now)
            return count

    def evaluate_completeness(
        self, rows: Iterable[tuple], *, factor_id: int | None = None, now: datetime | None = None
    ) -> int:
        """Device-days (device id, day, expected, received, valid) of hourly values; ``factor_id`` says which
        series were summed (None: all of the device's), and only rules with that factor scope apply."""
        with self.lock:
            self.refresh()
            rules = [rule for rule in self.by_kind.get(RuleKind.LOW_COMPLETENESS, []) if rule.factor_id == factor_id]
            rows = sorted(rows, key=lambda row: row[1])
            if not rules or not rows:
                return 0
            devices = self._device_contexts(row[0] for row in rows)
            count = 0
            cold = []
            items = []
            for device_id, day, expected, received, valid in rows:
                device = devices.get(device_id)
                if device is None:
                    continue
                for rule in rules:
                    if _device_covers(rule, device):
                        check = self._device_check(CompletenessCheck, rule, device, needs_history=rule.depth > 2)
                        if not check.state.primed:
                            cold.append((check, day))
                        items.append((check, day, expected, received, valid))
            if cold:
                self._prime_completeness(cold, factor_id)
            for check, day, expected, received, valid in items:
                check.observe(day_bounds(day)[0], expected, received, valid)
                count += 1
            self.flush(now)
            return count

    def _prime_completeness(self, cold: list, factor_id: int | None) -> None:
        from ecobrain.monitoring.models import DailyCompleteness

        first: dict = {}
        for check, day in cold:
            if check not in first or day < first[check]:
                first[check] = day
        depth = max(check.state.depth for check in first)
        low = min(first.values()) - timedelta(days=depth)
        queryset = DailyCompleteness.objects.filter(
            resolution=Resolution.HOUR,
            day__gte=low,
            day__lt=max(first.values()),
            series__device_id__in={check.device.device_id for check in first},
        )
        if factor_id is not None:
            queryset = queryset.filter(series__factor_id=factor_id)
        rates = queryset.rates_by("series__device", "day")
        for check, day in first.items():
            days = sorted(
                (d, rate) for (device_id, d), rate in rates.items() if device_id == check.device.device_id and d < day
            )
            self._priming(
                check,
                lambda c, days=days: [
                    c.observe(day_bounds(d)[0], r.expected, r.received, r.valid) for d, r in days[-c.state.depth :]
                ],
            )


def _area_key(row: dict) -> tuple[str, int]:
    if row.get("station_id"):
        return (Target.STATION, row["station_id"])
    return (Target.CITY if row.get("scope") == "city" else Target.DISTRICT, row["region_id"])


def _area_covers(rule: CompiledRule, obj: AreaObject) -> bool:
    if obj.scope == Target.STATION:
        return rule.covers(district_id=obj.district_id, station_id=obj.station_id)
    if rule.station_id is not None or rule.enterprise_id is not None or rule.outlet_id is not None:
        return False
    return rule.districts is None or obj.object_id in rule.districts


def _device_covers(rule: CompiledRule, device: DeviceContext) -> bool:
    return rule.covers(
        district_id=device.district_id,
        enterprise_id=device.enterprise_id,
        outlet_id=device.outlet_id,
        station_id=device.station_id,
    )


def _local(moment: datetime) -> date:
    from ecobrain.standards.hj212 import CHINA_TZ

    return moment.astimezone(CHINA_TZ).date()


_engine: Engine | None = None
_engine_lock = threading.Lock()


def get_engine() -> Engine:
    """The process's engine (created on first use)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = Engine()
        return _engine


def reset_engine() -> None:
    """Forget the process's engine (tests; a new one is built on next use)."""
    global _engine
    with _engine_lock:
        _engine = None
