"""Read windows of the time-series store: a resolution and a half-open time range, capped per resolution.

Pages (the data tab) and the API (``/api/v1/observations/``) parse their parameters here, so both refuse the
same things with the same message: an unknown resolution, a time that is not a date or an ISO 8601 time, an
end before the start, or a window longer than the resolution allows (reads stay bounded, CONVENTIONS §5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecobrain.monitoring.choices import Resolution
from ecobrain.standards.hj212 import CHINA_TZ

# The longest window one read may ask for, per resolution: about 5,760 real-time values (30 s interval),
# 10,080 minute values, 8,784 hours or 3,650 days per series.
MAX_SPAN: dict[str, timedelta] = {
    Resolution.REALTIME: timedelta(days=2),
    Resolution.MINUTE: timedelta(days=7),
    Resolution.HOUR: timedelta(days=366),
    Resolution.DAY: timedelta(days=3660),
}
# The window when only the resolution is given (the API without start/end).
DEFAULT_SPAN: dict[str, timedelta] = {
    Resolution.REALTIME: timedelta(hours=24),
    Resolution.MINUTE: timedelta(hours=24),
    Resolution.HOUR: timedelta(days=7),
    Resolution.DAY: timedelta(days=30),
}
# The preset ranges of the data tab.
RANGES: dict[str, tuple[str, timedelta | None]] = {
    "24h": (gettext_lazy("24 小时"), timedelta(hours=24)),
    "7d": (gettext_lazy("7 天"), timedelta(days=7)),
    "30d": (gettext_lazy("30 天"), timedelta(days=30)),
    "custom": (gettext_lazy("自定义"), None),
}
MAX_SPAN_TEXT: dict[str, str] = {
    Resolution.REALTIME: gettext_lazy("2 天"),
    Resolution.MINUTE: gettext_lazy("7 天"),
    Resolution.HOUR: gettext_lazy("366 天"),
    Resolution.DAY: gettext_lazy("10 年"),
}


class WindowError(ValueError):
    """A window that cannot be read; ``field`` names the parameter at fault, ``message`` says why (Chinese)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Window:
    """``start <= period_start < end`` (aware UTC datetimes) at one resolution."""

    resolution: str
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        fmt = "%Y-%m-%d" if self.resolution == Resolution.DAY else "%Y-%m-%d %H:%M"
        start = timezone.localtime(self.start, CHINA_TZ).strftime(fmt)
        end = timezone.localtime(self.end, CHINA_TZ).strftime(fmt)
        return f"{start} — {end}"


def parse_resolution(text: str | None, default: str = Resolution.HOUR) -> str:
    if not text:
        return default
    if text not in Resolution.values:
        raise WindowError(
            "resolution",
            _("未知的数据类型“%(value)s”：可选 %(choices)s。")
            % {"value": text[:40], "choices": "、".join(f"{v}（{label}）" for v, label in Resolution.choices)},
        )
    return text


def parse_time(text: str, *, field: str, is_end: bool = False) -> datetime:
    """A date (``2026-03-01``, China time; as an end it means through that day) or an ISO 8601 time.

    A time without an offset is China time (Asia/Shanghai). Returns an aware UTC datetime.
    """
    text = (text or "").strip()
    try:
        day = parse_date(text) if len(text) == 10 else None  # parse_datetime would take a date as midnight
        if day is not None:
            moment = datetime.combine(day + timedelta(days=1) if is_end else day, time(0), tzinfo=CHINA_TZ)
        else:
            moment = parse_datetime(text)
            if moment is None:
                raise ValueError
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=CHINA_TZ)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise WindowError(
            field,
            _("“%(value)s”不是有效的日期或时间：请用 2026-03-01 或 2026-03-01T08:00:00+08:00 的格式。")
            % {"value": text[:40]},
        ) from None


def make_window(
    resolution: str,
    *,
    start: str | None = None,
    end: str | None = None,
    range_key: str | None = None,
    now: datetime | None = None,
) -> Window:
    """The window for the parameters, or a :class:`WindowError` naming the parameter and what is wrong.

    ``range_key`` (``24h``, ``7d``, ``30d``) ends now; ``custom`` or no range uses ``start``/``end`` (each
    optional: ``end`` defaults to now, ``start`` to ``end`` minus the resolution's default span).
    """
    resolution = parse_resolution(resolution)
    now = now or timezone.now()
    if range_key and range_key not in RANGES:
        raise WindowError(
            "range",
            _("未知的时间范围“%(value)s”：可选 %(choices)s。")
            % {"value": range_key[:40], "choices": "、".join(RANGES)},
        )
    span = RANGES[range_key][1] if range_key else None
    if span is not None:
        window_end = now
        window_start = now - span
    else:
        window_end = parse_time(end, field="end", is_end=True) if end else now
        window_start = parse_time(start, field="start") if start else window_end - DEFAULT_SPAN[resolution]
    if window_start >= window_end:
        raise WindowError("end", _("结束时间须晚于开始时间。"))
    if window_end - window_start > MAX_SPAN[resolution]:
        raise WindowError(
            "end" if span is None else "range",
            _("%(resolution)s数据每次最多查询 %(limit)s：请缩短时间范围，或改查更粗的数据（小时、日）。")
            % {"resolution": Resolution(resolution).label, "limit": MAX_SPAN_TEXT[resolution]},
        )
    return Window(resolution, window_start, window_end)
