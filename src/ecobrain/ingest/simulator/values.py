"""Deterministic values of simulated devices: a pure function of (seed, MN, factor, time). Plain Python, no Django.

Nothing here keeps random state: every quantity is drawn from a counter-based hash of the seed, the device, the
factor and a time index, so the value of a factor at an instant is the same whichever order the values are asked
for in, in which process, and whether it is sent live, in a backfill or in answer to a history request.

A value is a smooth level (season, heating season, time of day, multi-day pollution episodes shared by the whole
city, a slower per-station drift) times a small fast noise. Period data (minute, hour, day) are the mean, minimum
and maximum of samples of that same function over the period, so hourly means agree with the real-time values.
Times are epoch seconds; calendar effects use China time (UTC+8, no DST since 1991).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from .noise import smooth, stream_key, uniform
from .profiles import (
    DECIMALS,
    FLOWS,
    GAS_POLLUTANTS,
    NOT_ANALYSED,
    TYPICAL_LEVEL,
    WATER_POLLUTANTS,
    DeviceKind,
    DeviceSpec,
    source_profile,
)
from .timeline import Timeline

CHINA_OFFSET = 8 * 3600
HOUR = 3600
DAY = 86400
_TAU = 2.0 * math.pi
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class DayInfo:
    """Calendar facts of one China-time day that the levels depend on."""

    season: float  # +1 mid-January … -1 mid-July
    heating: bool  # 15 Nov – 15 Mar: the Guanzhong heating season
    dust: bool  # March–May: spring dust raises PM10


@lru_cache(maxsize=4096)
def day_info(day_index: int) -> DayInfo:
    day = _EPOCH + timedelta(days=day_index)
    doy = day.timetuple().tm_yday
    season = math.cos(_TAU * (doy - 15) / 365.25)
    heating = (day.month, day.day) >= (11, 15) or (day.month, day.day) <= (3, 15)
    return DayInfo(season, heating, day.month in (3, 4, 5))


def local_clock(t: float) -> tuple[DayInfo, float]:
    """The day's facts and the hour of day (0–24, fractional) in China time."""
    local = t + CHINA_OFFSET
    return day_info(int(local // DAY)), (local % DAY) / HOUR


def _wave(hour: float, peak: float, period: float = 24.0) -> float:
    """cos(hour − peak): +1 at ``peak`` o'clock, −1 half a period away."""
    return math.cos(_TAU * (hour - peak) / period)


def _bump(hour: float, centre: float, width: float) -> float:
    """A daily bell around ``centre`` o'clock (distance taken round the clock)."""
    d = abs(hour - centre) % 24.0
    d = min(d, 24.0 - d)
    return math.exp(-0.5 * (d / width) ** 2)


class ValueModel:
    """Values of every device for one seed; ``device(spec)`` gives the model of one device (cached)."""

    def __init__(self, seed: int, timeline: Timeline | None = None) -> None:
        self.seed = seed
        self.timeline = timeline or Timeline(seed)
        # City-wide weather: pollution episodes, and meteorology shared by all stations.
        self.k_episode = stream_key(seed, "city", "episode")
        self.k_episode_short = stream_key(seed, "city", "episode-short")
        self.k_ozone = stream_key(seed, "city", "ozone")
        self.k_weather = stream_key(seed, "city", "weather")
        self.k_wind = stream_key(seed, "city", "wind")
        self.k_rain = stream_key(seed, "city", "rain")
        self._devices: dict[str, DeviceModel] = {}
        self._episodes: dict[float, float] = {}  # shared by every station at the same instant

    def device(self, spec: DeviceSpec) -> DeviceModel:
        model = self._devices.get(spec.mn)
        if model is None or model.spec != spec:
            model = self._devices[spec.mn] = DeviceModel(self, spec)
        return model

    def episode(self, t: float) -> float:
        """City-wide pollution multiplier (log-normal around 1; multi-day episodes and half-day swings)."""
        value = self._episodes.get(t)
        if value is None:
            if len(self._episodes) > 100_000:
                self._episodes.clear()
            value = math.exp(
                0.5 * smooth(self.k_episode, t, 40 * HOUR) + 0.2 * smooth(self.k_episode_short, t, 9 * HOUR)
            )
            self._episodes[t] = value
        return value


class DeviceModel:
    """The values of one device; ``instant(t)`` and ``period(start, seconds)`` give factor → value."""

    def __init__(self, model: ValueModel, spec: DeviceSpec) -> None:
        self.city = model
        self.spec = spec
        self.timeline = model.timeline
        seed, mn = model.seed, spec.mn
        self.k_fast = {code: stream_key(seed, mn, code, "fast") for code in spec.factors}
        self.k_drift = {code: stream_key(seed, mn, code, "drift") for code in spec.factors}
        device_key = stream_key(seed, mn, "device")
        self.k_o2 = stream_key(seed, mn, "a19001", "drift")  # O2 drives the conversion even when not sent
        # Per-factor offsets (a station near a road, a plant that runs cleaner than its neighbour).
        self.offset = {code: 0.8 + 0.45 * uniform(stream_key(seed, mn, code, "offset"), 0) for code in spec.factors}
        self.limited = tuple(code for code in spec.factors if code in spec.limits and spec.limits[code].upper)
        self._o2_at = (math.nan, 0.0)  # the last O2 computed: every converted factor at an instant needs it
        self._exceedance_at: tuple[int, tuple[str, float] | None] = (-1, None)
        self._manual: list[tuple[float, float, str, frozenset[str] | None]] = []  # commanded flag windows
        self.source = None
        if spec.kind in (DeviceKind.FLUE_GAS, DeviceKind.WASTEWATER):
            self.source = source_profile(spec)
            low, high = self.source.flow
            self.design_flow = low + (high - low) * uniform(device_key, 1)
            self.o2_mean = self.source.o2[0] + (self.source.o2[1] - self.source.o2[0]) * uniform(device_key, 2)
            t_low, t_high = self.source.temperature
            self.temperature = t_low + (t_high - t_low) * uniform(device_key, 3)
            # How far below its limit each pollutant normally runs: 25–65 % of the limit.
            self.level = {code: 0.25 + 0.4 * uniform(self.k_drift[code], -1) for code in spec.factors}
            self.ph_mean = 7.0 + 0.9 * uniform(device_key, 4)

    # --- flags ----------------------------------------------------------------------------------------

    def add_flag_window(self, start: float, end: float, flag: str, codes: frozenset[str] | None = None) -> None:
        """Flag ``codes`` (all analysed factors when None) with ``flag`` from ``start`` to ``end`` (commanded)."""
        self._manual = [w for w in self._manual if w[1] > start] + [(start, end, flag, codes)]

    def flag(self, code: str, t: float, value: float | None = None) -> str:
        """The HJ 212 data flag (standards.md §1.9): M maintenance, C calibration, T over range, else N."""
        if code in NOT_ANALYSED:
            return "N"
        for start, end, flag, codes in self._manual:
            if start <= t < end and (codes is None or code in codes):
                return flag
        mn = self.spec.mn
        if self.timeline.in_maintenance(mn, t):
            return "M"
        if self.timeline.in_calibration(mn, t):
            return "C"
        if value is not None and value > self.measuring_range(code):
            return "T"
        return "N"

    def measuring_range(self, code: str) -> float:
        """The analyser's upper range: 2.5 × the limit where there is one (values above it are flagged T)."""
        limit = self.spec.limits.get(code)
        if limit is not None and limit.upper and code != "w01001":
            return 2.5 * limit.upper
        return math.inf

    # --- values ---------------------------------------------------------------------------------------

    def fast(self, code: str, t: float, amplitude: float) -> float:
        """1 ± amplitude: the instrument's second-to-second noise."""
        return 1.0 + amplitude * (2.0 * uniform(self.k_fast[code], int(t)) - 1.0)

    def value(self, code: str, t: float) -> float:
        """The measured value of ``code`` at epoch second ``t`` (concentrations dry and unconverted)."""
        kind = self.spec.kind
        if kind == DeviceKind.AIR or kind == DeviceKind.VOCS:
            return self._ambient(code, t)
        if kind == DeviceKind.SURFACE_WATER:
            return self._surface_water(code, t)
        if kind == DeviceKind.FLUE_GAS:
            return self._flue_gas(code, t)
        return self._wastewater(code, t)

    def conversion(self, t: float) -> float:
        """C折/C测 = (21 − O2s)/(21 − O2) at ``t`` (HJ 212-2017 Appendix D, standards.md §1.9)."""
        o2 = min(self._o2(t), 19.5)
        return (21.0 - self.source.reference_o2) / (21.0 - o2)

    def converted(self, code: str) -> bool:
        limit = self.spec.limits.get(code)
        return limit is not None and limit.converted and code in GAS_POLLUTANTS

    # Ambient air and VOCs (µg/m³; CO and VOCs in mg/m³ except TVOC in µg/m³).
    def _ambient(self, code: str, t: float) -> float:
        day, hour = local_clock(t)
        s = day.season
        episode = self.city.episode(t)
        drift = math.exp(0.12 * smooth(self.k_drift[code], t, 3 * HOUR))
        off = self.offset[code]
        if code in ("a34004", "a34002"):
            pm = (32.0 + 12.0 * s) * (1.9 if day.heating else 1.0) * episode
            pm *= 1.0 + 0.25 * _wave(hour, 23.0) + 0.1 * _bump(hour, 8.5, 1.5)
            if code == "a34002":
                ratio = 1.75 + (0.45 if day.dust else 0.0) - (0.25 if day.heating else 0.0)
                pm *= ratio * math.exp(0.15 * smooth(self.k_drift[code], t, 5 * HOUR))
                return pm * off * self.fast(code, t, 0.06)
            return pm * off * drift * self.fast(code, t, 0.06)
        if code == "a21026":
            so2 = (7.0 + 2.0 * s) * (2.3 if day.heating else 1.0) * episode**0.6
            return so2 * (1.0 + 0.25 * _wave(hour, 11.0)) * off * drift * self.fast(code, t, 0.08)
        if code in ("a21004", "a24088", "a99054", "a25002"):
            traffic = 1.0 + 0.35 * _bump(hour, 8.0, 1.5) + 0.4 * _bump(hour, 19.5, 2.0) - 0.3 * _bump(hour, 14.0, 2.5)
            base = {"a21004": 30.0 + 10.0 * s, "a24088": 0.45, "a99054": 180.0, "a25002": 0.0015}[code]
            heating = 1.15 if day.heating else 1.0
            return base * heating * episode**0.5 * traffic * off * drift * self.fast(code, t, 0.07)
        if code == "a21005":
            co = (0.7 + 0.25 * s) * (1.5 if day.heating else 1.0) * episode**0.6
            co *= 1.0 + 0.15 * _wave(hour, 23.0) + 0.2 * _bump(hour, 8.0, 1.5)
            return co * off * drift * self.fast(code, t, 0.05)
        if code == "a05024":
            amplitude = 0.45 - 0.25 * s  # stronger afternoon photochemistry in summer
            o3 = (70.0 - 35.0 * s) * (1.0 + amplitude * _wave(hour, 15.0))
            o3 *= math.exp(0.2 * smooth(self.city.k_ozone, t, 30 * HOUR)) * episode**-0.15
            return max(o3, 2.0) * off * drift * self.fast(code, t, 0.05)
        return self._weather(code, t, day, hour)

    def _weather(self, code: str, t: float, day: DayInfo, hour: float) -> float:
        s, city = day.season, self.city
        if code == "a01001":  # air temperature, °C
            return 13.5 - 14.0 * s + (5.0 - 1.5 * s) * _wave(hour, 15.0) + 3.0 * smooth(city.k_weather, t, 48 * HOUR)
        if code == "a01002":  # relative humidity, %
            rh = 62.0 - 8.0 * s - 18.0 * _wave(hour, 15.0) + 12.0 * smooth(city.k_rain, t, 36 * HOUR)
            return min(max(rh, 12.0), 99.0)
        if code == "a01006":  # pressure, kPa (Xianyang lies about 400 m above sea level)
            return 96.6 + 0.7 * s + 0.4 * smooth(city.k_weather, t + 7 * DAY, 48 * HOUR)
        if code == "a01007":  # wind speed, m/s
            wind = 1.6 + 0.6 * _wave(hour, 15.0) + 1.0 * smooth(city.k_wind, t, 6 * HOUR) + (0.5 if day.dust else 0)
            return max(wind, 0.1) * self.fast(code, t, 0.15)
        if code == "a01008":  # wind direction, degrees: north-easterly valley winds prevail
            return (
                60.0 + 100.0 * smooth(city.k_wind, t + 3 * DAY, 12 * HOUR) + 15.0 * (self.fast(code, t, 1) - 1)
            ) % 360
        raise KeyError(code)

    # Surface water (a river section: pH, DO, CODMn, nutrients, temperature, conductivity, turbidity).
    def _surface_water(self, code: str, t: float) -> float:
        day, hour = local_clock(t)
        s = day.season
        drift = smooth(self.k_drift[code], t, 24 * HOUR)
        off = self.offset[code]
        temperature = 14.0 - 11.0 * s + 1.0 * _wave(hour, 16.0) + 0.8 * drift
        if code == "w01010":
            return temperature
        if code == "w01001":
            return 7.9 + 0.25 * drift + 0.15 * _wave(hour, 15.0) + 0.02 * (self.fast(code, t, 1) - 1)
        if code == "w01009":
            saturation = 14.6 - 0.39 * temperature + 0.007 * temperature**2
            return saturation * 0.85 * (1.0 + 0.08 * _wave(hour, 15.0)) * self.fast(code, t, 0.02)
        rain = math.exp(0.8 * smooth(self.city.k_rain, t, 72 * HOUR))
        base = {
            "w01019": 3.8 * math.exp(0.15 * drift),
            "w21003": 0.4 * (1.0 + 0.5 * s) * math.exp(0.3 * drift),
            "w21011": 0.12 * math.exp(0.2 * drift) * rain**0.3,
            "w21001": 4.5 * (1.0 + 0.15 * s) * math.exp(0.1 * drift),
            "w01014": 750.0 * (1.0 + 0.05 * drift),
            "w01003": 60.0 * rain * (1.0 - 0.4 * s),
        }[code]
        return base * off * self.fast(code, t, 0.03)

    # Flue gas (CEMS): concentrations in mg/m³ dry, O2 %, flow m³/s, temperature °C.
    def _load(self, t: float) -> float:
        day, hour = local_clock(t)
        load = 1.0 if day.heating else self.source.off_season_load
        if self.source.key == "power":  # follows the grid: low at night, high at midday and in the evening
            load *= 0.82 + 0.1 * _wave(hour, 12.0) + 0.08 * _bump(hour, 19.5, 2.0)
        return load

    def _o2(self, t: float) -> float:
        if self._o2_at[0] == t:
            return self._o2_at[1]
        o2 = min(max(self.o2_mean + 0.6 * smooth(self.k_o2, t, 2 * HOUR), 1.0), 20.5)
        self._o2_at = (t, o2)
        return o2

    def _exceedance(self, t: float) -> tuple[str, float] | None:
        hour = int(t // HOUR)
        if self._exceedance_at[0] != hour:
            self._exceedance_at = (hour, self.timeline.exceedance(self.spec.mn, hour, self.limited))
        return self._exceedance_at[1]

    def _target(self, code: str, t: float) -> float:
        """The concentration on the basis its limit is judged on (converted where the limit says so)."""
        limit = self.spec.limits.get(code)
        upper = limit.upper if limit is not None else None
        exceeding = self._exceedance(t)
        if upper and exceeding is not None and exceeding[0] == code:
            return upper * exceeding[1] * self.fast(code, t, 0.03)
        base = upper * self.level[code] if upper else TYPICAL_LEVEL[code] * self.offset[code]
        return base * math.exp(0.18 * smooth(self.k_drift[code], t, 3 * HOUR)) * self.fast(code, t, 0.05)

    def _flue_gas(self, code: str, t: float) -> float:
        if code == "a19001":
            return self._o2(t) * self.fast(code, t, 0.01)
        if code == "a00000":
            return self.design_flow / 3600.0 * self._load(t) * self.fast(code, t, 0.03)
        if code == "a01012":
            return self.temperature + 3.0 * smooth(self.k_drift[code], t, 4 * HOUR) + 0.5 * (self.fast(code, t, 1) - 1)
        target = self._target(code, t)
        return target / self.conversion(t) if self.converted(code) else target

    # Wastewater: concentrations mg/L, pH, flow L/s.
    def _wastewater(self, code: str, t: float) -> float:
        if code == "w00000":
            hour = local_clock(t)[1]
            key = self.source.key
            if key == "wwtp":  # the town's water use: morning and evening peaks reach the plant a few hours later
                pattern = (
                    1.0 + 0.22 * _bump(hour, 11.0, 2.5) + 0.15 * _bump(hour, 21.0, 2.0) - 0.2 * _bump(hour, 4.0, 2.5)
                )
            elif key in ("coal_mine", "leachate"):
                pattern = 1.0
            else:  # a factory's day shift
                pattern = 1.15 if 8.0 <= hour < 20.0 else 0.8
            return self.design_flow / 86.4 * pattern * self.fast(code, t, 0.04)
        if code == "w01001":
            exceeding = self._exceedance(t)
            if exceeding is not None and exceeding[0] == code:
                high = exceeding[1] > 1.8
                return (9.3 + 0.6 * (exceeding[1] - 1.8) if high else 5.9 - 0.5 * (exceeding[1] - 1.15)) * self.fast(
                    code, t, 0.005
                )
            return self.ph_mean + 0.2 * smooth(self.k_drift[code], t, 4 * HOUR) + 0.03 * (self.fast(code, t, 1) - 1)
        return self._target(code, t)

    # --- packets' worth of values ----------------------------------------------------------------------

    def instant(self, t: float) -> dict[str, dict[str, str]]:
        """Real-time data (CN 2011) at epoch second ``t``: code → {"Rtd", ["ZsRtd"], "Flag"} as text."""
        t = float(int(t))
        out: dict[str, dict[str, str]] = {}
        conversion = self.conversion(t) if self.spec.kind == DeviceKind.FLUE_GAS else 1.0
        for code in self.spec.factors:
            value = self.value(code, t)
            decimals = DECIMALS.get(code, 2)
            values = {"Rtd": text(value, decimals)}
            if self.spec.kind == DeviceKind.FLUE_GAS and self.converted(code):
                values["ZsRtd"] = text(value * conversion, decimals)
            values["Flag"] = self.flag(code, t, value)
            out[code] = values
        return out

    def period(self, start: float, seconds: int) -> dict[str, dict[str, str]]:
        """Minute/hour/day data of [start, start + seconds): code → {[Cou], Min, Avg, Max, [ZsAvg], Flag}."""
        # Samples every 2 minutes for minute data, every 5 for hours, hourly for days.
        samples = 24 if seconds >= DAY else min(max(seconds // 120, 1), 12)
        step = seconds / samples
        times = [start + step * (i + 0.5) for i in range(samples)]
        kind = self.spec.kind
        flows: list[float] | None = None
        if kind in (DeviceKind.FLUE_GAS, DeviceKind.WASTEWATER):
            flow_code = "a00000" if kind == DeviceKind.FLUE_GAS else "w00000"
            flows = [self.value(flow_code, t) for t in times]
            conversions = [self.conversion(t) for t in times] if kind == DeviceKind.FLUE_GAS else None
        out: dict[str, dict[str, str]] = {}
        for code in self.spec.factors:
            series = flows if code in FLOWS and flows is not None else [self.value(code, t) for t in times]
            decimals = DECIMALS.get(code, 2)
            mean = sum(series) / samples
            values: dict[str, str] = {}
            if flows is not None and code in FLOWS:
                # Emission volume: m³/s × s for flue gas, L/s × s / 1000 for wastewater.
                volume = sum(series) * step * (1.0 if kind == DeviceKind.FLUE_GAS else 0.001)
                values["Cou"] = text(volume, 1)
            elif flows is not None and code in GAS_POLLUTANTS | WATER_POLLUTANTS:
                # Emission amount, kg: mg/m³ × m³/s × s × 1e-6, or mg/L × L/s × s × 1e-6.
                values["Cou"] = text(sum(c * q for c, q in zip(series, flows, strict=True)) * step * 1e-6, 4)
            values["Min"] = text(min(series), decimals)
            values["Avg"] = text(mean, decimals)
            values["Max"] = text(max(series), decimals)
            if kind == DeviceKind.FLUE_GAS and self.converted(code):
                zs = sum(c * k for c, k in zip(series, conversions, strict=True)) / samples
                values["ZsAvg"] = text(zs, decimals)
            values["Flag"] = self.flag(code, start, mean)
            out[code] = values
        return out


def text(value: float, decimals: int) -> str:
    """A value as HJ 212 decimal text (fixed decimals, never an exponent, never negative zero)."""
    if not math.isfinite(value):  # nothing sensible to send; the models never produce this
        value = 0.0
    result = f"{value:.{decimals}f}"
    if result.startswith("-") and float(result) == 0:
        result = result[1:]
    return result


def epoch(moment: datetime) -> float:
    """Epoch seconds of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return moment.timestamp()
