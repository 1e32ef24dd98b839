"""When things happen to a simulated device: calibrations, maintenance, exceedances and outages (no Django).

Like the values, every event is a pure function of the seed, the MN and a day or hour index, so two runs with
one seed see the same events at the same times. Rates are probabilities per device-day (calibration,
maintenance) or per device-hour (exceedance, outage).
"""

from __future__ import annotations

from dataclasses import dataclass

from .noise import stream_key, uniform

HOUR = 3600
DAY = 86400
CHINA_OFFSET = 8 * 3600


@dataclass(frozen=True)
class Rates:
    """How often events happen (defaults: a zero/span check about weekly, maintenance monthly, 1 % of hours over)."""

    calibration: float = 1 / 7  # per device-day: a one-hour automatic zero/span check between 01:00 and 05:00
    maintenance: float = 1 / 30  # per device-day: 1–3 hours of maintenance starting 09:00–15:00
    exceedance: float = 0.01  # per outlet-hour: one limited factor runs 1.15–2.5 × its limit for the hour
    outage: float = 0.004  # per device-hour: the logger goes silent for 5–60 minutes, then re-uploads

    def __post_init__(self) -> None:
        for name in ("calibration", "maintenance", "exceedance", "outage"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} rate {value} is not a probability (0–1)")


class Timeline:
    """The seed-determined events of every device."""

    def __init__(self, seed: int, rates: Rates | None = None) -> None:
        self.seed = seed
        self.rates = rates or Rates()
        self._key_cache: dict[str, tuple[int, ...]] = {}

    def _keys(self, mn: str) -> tuple[int, ...]:
        keys = self._key_cache.get(mn)
        if keys is None:
            purposes = ("calibration", "maintenance", "exceedance", "outage")
            keys = self._key_cache[mn] = tuple(stream_key(self.seed, mn, purpose) for purpose in purposes)
        return keys

    def in_calibration(self, mn: str, t: float) -> bool:
        """Inside the day's automatic zero/span check (one hour between 01:00 and 05:00 China time)?"""
        local = t + CHINA_OFFSET
        day = int(local // DAY)
        key = self._keys(mn)[0]
        if uniform(key, day) >= self.rates.calibration:
            return False
        hour = 1 + int(uniform(key, ~day) * 4)
        return int((local % DAY) // HOUR) == hour

    def in_maintenance(self, mn: str, t: float) -> bool:
        """Inside a maintenance visit (1–3 hours starting between 09:00 and 15:00 China time)?"""
        local = t + CHINA_OFFSET
        day = int(local // DAY)
        key = self._keys(mn)[1]
        if uniform(key, day) >= self.rates.maintenance:
            return False
        start = 9 + int(uniform(key, ~day) * 7)
        length = 1 + int(uniform(key, day + (1 << 40)) * 3)
        return start <= int((local % DAY) // HOUR) < start + length

    def exceedance(self, mn: str, hour_index: int, limited: tuple[str, ...]) -> tuple[str, float] | None:
        """(factor, multiple of its limit) when this epoch hour is one of the outlet's exceedance hours."""
        if not limited:
            return None
        key = self._keys(mn)[2]
        if uniform(key, hour_index) >= self.rates.exceedance:
            return None
        code = limited[int(uniform(key, ~hour_index) * len(limited))]
        return code, 1.15 + 1.35 * uniform(key, hour_index + (1 << 40))

    def outage(self, mn: str, t: float) -> tuple[float, float] | None:
        """The outage window (start, end) containing epoch second ``t``, if any (an outage lasts ≤ 60 minutes)."""
        hour = int(t // HOUR)
        for h in (hour, hour - 1):
            window = self.outage_in_hour(mn, h)
            if window is not None and window[0] <= t < window[1]:
                return window
        return None

    def outage_in_hour(self, mn: str, hour_index: int) -> tuple[float, float] | None:
        key = self._keys(mn)[3]
        if uniform(key, hour_index) >= self.rates.outage:
            return None
        start = hour_index * HOUR + int(uniform(key, ~hour_index) * 60) * 60
        return float(start), float(start + 300 + int(uniform(key, hour_index + (1 << 40)) * 56) * 60)
