"""Checks: one rule bound to one object, turning a row into a verdict on that object's state.

A check has a ``rule`` (CompiledRule), a ``state`` (RuleState) and ``judge`` (the engine's, which records the
verdict and queues transitions); ``describe(value, period)`` gives the AlarmTarget when the state opens or repeats.

The observation checks (emission exceedance, suspicious data) run once per observation on the hot path: they
read the published row tuple by position (``monitoring.feed.ROW_*``) and do a few float comparisons.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext, gettext_lazy, pgettext

from ecobrain.alarms.engine.objects import Limit, SeriesContext
from ecobrain.alarms.engine.rules import CompiledRule
from ecobrain.alarms.engine.state import BAD, GOOD, HOLD, RuleState
from ecobrain.alarms.services.raising import AlarmTarget
from ecobrain.monitoring.choices import QC_FLAG_LABELS, QCFlag, Resolution
from ecobrain.monitoring.completeness import INVALID_DEVICE_FLAGS
from ecobrain.registry.choices import LimitBasis
from ecobrain.standards.hj212 import CHINA_TZ

# Which data an emission limit is judged on: an hourly limit on hour data, a daily limit on day data, an
# instantaneous limit on real-time data.
BASIS_RESOLUTION = {
    LimitBasis.HOURLY: Resolution.HOUR,
    LimitBasis.DAILY: Resolution.DAY,
    LimitBasis.INSTANT: Resolution.REALTIME,
}
# The suffix HJ 212 sends the main value under, per resolution; the converted value is "Zs" + it.
MAIN_SUFFIX = {Resolution.REALTIME: "Rtd"}
# Values the device itself marks as not valid (stopped, fault, calibration, maintenance, communication, power)
# are not judged against the limit; T (above the analyser's range) is: the true value is at least that high.
EMISSION_SKIP_FLAGS = frozenset(INVALID_DEVICE_FLAGS - {"T"})

SUSPICIOUS_FLAGS = {
    "flat_line": QCFlag.FLAT_LINE,
    "negative": QCFlag.NEGATIVE,
    "stuck": QCFlag.STUCK,
    "maintenance_values": QCFlag.MAINTENANCE,
}
# Set by QC's periodic window job, after the row was stored (monitoring/qc/windows.py).
WINDOW_CHECK_FLAGS = int(QCFlag.FLAT_LINE | QCFlag.STUCK)
ZERO_DROP = 1 << 15  # a tag bit next to the QC bits

RESOLUTION_LABELS = {
    Resolution.REALTIME: gettext_lazy("实时值"),
    Resolution.MINUTE: gettext_lazy("分钟均值"),
    Resolution.HOUR: gettext_lazy("小时均值"),
    Resolution.DAY: gettext_lazy("日均值"),
}


def china_time(period: datetime, resolution: str = Resolution.HOUR) -> str:
    local = period.astimezone(CHINA_TZ)
    if resolution == Resolution.DAY:
        return local.strftime("%Y-%m-%d")
    return local.strftime("%Y-%m-%d %H:%M")


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


class Check:
    """Base: a rule bound to one object's state."""

    __slots__ = ("judge", "key", "rule", "state")

    def __init__(self, rule: CompiledRule, state: RuleState, judge) -> None:
        self.rule = rule
        self.state = state
        self.key = state.key
        self.judge = judge

    threshold: float | None = None

    def threshold_for(self, value: float | None) -> float | None:
        """The threshold the alarm records for ``value``."""
        return self.threshold

    def describe(self, value: float | None, period: datetime) -> AlarmTarget:  # pragma: no cover - abstract
        raise NotImplementedError


class ObservationCheck(Check):
    """A check on observations of one series at one resolution."""

    __slots__ = ("ctx", "resolution")

    def __init__(self, rule, state, judge, ctx: SeriesContext, resolution: str) -> None:
        super().__init__(rule, state, judge)
        self.ctx = ctx
        self.resolution = resolution

    def observe(self, row: tuple, final: bool) -> None:
        """Judge one row: ``self.judge(self, period, verdict, value, tag)``, or nothing when it cannot be judged."""
        raise NotImplementedError  # pragma: no cover - abstract

    def _target(self, title: str, message: str, *, key_unit: str = "") -> AlarmTarget:
        device = self.ctx.device
        return AlarmTarget(
            key=self.key,
            title=title,
            message=message,
            district_id=device.district_id,
            enterprise_id=device.enterprise_id,
            outlet_id=device.outlet_id,
            station_id=device.station_id,
            device_id=device.device_id,
            factor_id=self.ctx.factor_id,
            series_id=self.ctx.series_id,
            unit=key_unit,
            resolution=self.resolution,
        )


class EmissionCheck(ObservationCheck):
    """An outlet factor's value against its limit (emission_exceedance).

    BAD above ``high`` or below ``low``; GOOD back inside by the hysteresis: below high × (1 − h) for an upper
    limit alone, above low × (1 + h) for a lower limit alone, and for a range (pH 6–9) within h × its width of
    either end; HOLD in between.
    """

    __slots__ = ("high", "limit", "low", "ok_high", "ok_low", "zs_key")

    def __init__(self, rule, state, judge, ctx, resolution, limit: Limit) -> None:
        super().__init__(rule, state, judge, ctx, resolution)
        self.limit = limit
        self.high, self.low = limit.high, limit.low
        hysteresis = rule.params.hysteresis
        if self.high is not None and self.low is not None:
            band = hysteresis * (self.high - self.low)
            self.ok_high, self.ok_low = self.high - band, self.low + band
        else:
            self.ok_high = None if self.high is None else self.high * (1 - hysteresis)
            self.ok_low = None if self.low is None else self.low * (1 + hysteresis)
        self.zs_key = "Zs" + MAIN_SUFFIX.get(resolution, "Avg") if limit.converted else None

    @property
    def threshold(self) -> float | None:
        return self.high if self.high is not None else self.low

    def observe(self, row: tuple, final: bool) -> None:
        if row[5] in EMISSION_SKIP_FLAGS:
            return
        if self.zs_key is not None:
            text = row[4].get(self.zs_key) if row[4] else None
            if not text:
                return  # the limit is on the converted value, and none was sent
            try:
                value = float(text)
            except ValueError:
                return
        else:
            raw = row[2]
            if raw is None:
                return
            value = float(raw)
        high, low = self.high, self.low
        if (high is not None and value > high) or (low is not None and value < low):
            verdict = BAD
        elif (self.ok_high is None or value <= self.ok_high) and (self.ok_low is None or value >= self.ok_low):
            verdict = GOOD
        else:
            verdict = HOLD
        self.judge(self, row[1], verdict, value, 0)

    def threshold_for(self, value: float | None) -> float | None:
        """The limit the value broke (the lower one for a value below a range)."""
        if value is not None and self.low is not None and value < self.low:
            return self.low
        return self.high if self.high is not None else self.low

    def describe(self, value: float | None, period: datetime) -> AlarmTarget:
        ctx, limit = self.ctx, self.limit
        basis = RESOLUTION_LABELS.get(self.resolution, "")
        # One message for "converted hourly average", so that English can put the word where it belongs.
        measured = gettext("折算%(basis)s") % {"basis": basis} if limit.converted else basis
        title = gettext("%(place)s %(factor)s %(basis)s超标") % {
            "place": ctx.device.place,
            "factor": ctx.factor_name,
            "basis": basis,
        }
        message = gettext("%(time)s %(factor)s%(basis)s %(value)s %(unit)s，排放限值 %(limit)s（%(standard)s）。") % {
            "time": china_time(period, self.resolution),
            "factor": ctx.factor_name,
            "basis": measured,
            "value": number(value),
            "unit": limit.unit or ctx.unit,
            "limit": limit.display,
            "standard": limit.standard or gettext("未注明"),
        }
        return self._target(title, message, key_unit=limit.unit or ctx.unit)


class SuspiciousCheck(ObservationCheck):
    """QC flags and drops to zero on one series (suspicious_data).

    BAD when the row carries one of the rule's QC flags, or is 0 right after a value ≥ ``zero_drop_from`` (and
    stays BAD while the value stays 0); GOOD otherwise. Flat line and stuck values are flagged by QC's window job
    after the row is stored: before that (the live path, ``final`` False) a row without another finding is HOLD,
    and the sweep, which runs behind the window job, gives the final verdict.
    """

    __slots__ = ("mask", "waits_for_window", "zero_drop", "zero_from")

    def __init__(self, rule, state, judge, ctx, resolution) -> None:
        super().__init__(rule, state, judge, ctx, resolution)
        checks = rule.params.checks
        self.mask = 0
        for name in checks:
            self.mask |= int(SUSPICIOUS_FLAGS.get(name, 0))
        self.zero_drop = "zero_drop" in checks
        self.zero_from = float(rule.params.zero_drop_from)
        self.waits_for_window = bool(self.mask & WINDOW_CHECK_FLAGS) and resolution in (
            Resolution.MINUTE,
            Resolution.HOUR,
        )

    def observe(self, row: tuple, final: bool) -> None:
        tag = row[6] & self.mask
        raw = row[2]
        value = None if raw is None else float(raw)
        if self.zero_drop and value == 0:
            before = self.state.previous(row[1])
            # A drop from a real value, or still at zero after one (the run of zeros keeps the finding).
            if (
                before is not None
                and before[2] is not None
                and (before[2] >= self.zero_from or (before[2] == 0 and before[3] & ZERO_DROP))
            ):
                tag |= ZERO_DROP
        if tag:
            self.judge(self, row[1], BAD, value, tag)
        elif value is not None:
            self.judge(self, row[1], HOLD if not final and self.waits_for_window else GOOD, value, 0)

    @staticmethod
    def findings(tag: int) -> str:
        labels = [str(label) for flag, label in QC_FLAG_LABELS.items() if tag & flag]
        if tag & ZERO_DROP:
            labels.append(gettext("骤降为零"))
        return pgettext("list separator", "、").join(labels)

    def describe(self, value: float | None, period: datetime) -> AlarmTarget:
        ctx = self.ctx
        entry = self.state.previous(period + timedelta(microseconds=1))
        tag = entry[3] if entry is not None and entry[0] == period else 0
        title = gettext("%(place)s %(factor)s 数据异常") % {"place": ctx.device.place, "factor": ctx.factor_name}
        message = gettext("%(time)s %(factor)s%(basis)s %(value)s %(unit)s：%(findings)s（数采仪 %(mn)s）。") % {
            "time": china_time(period, self.resolution),
            "factor": ctx.factor_name,
            "basis": RESOLUTION_LABELS.get(self.resolution, ""),
            "value": number(value),
            "unit": ctx.unit,
            "findings": self.findings(tag) or gettext("数据异常"),
            "mn": ctx.device.mn,
        }
        return self._target(title, message, key_unit=ctx.unit)
