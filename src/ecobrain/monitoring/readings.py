"""Reads for the data pages: the latest value of each series, and one bounded window of many series.

Every read is a fixed number of queries whatever the number of series (factors): the latest value of each
series is a correlated ``ORDER BY period_start DESC LIMIT 1`` subquery that the unique index
``(series_id, period_start)`` answers with one probe, and a window is one ``series_id IN (…) AND period_start
BETWEEN …`` read of the same index.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from ecobrain.monitoring.choices import QC_FLAG_LABELS, Resolution
from ecobrain.monitoring.models import OBSERVATION_MODELS, Observation, Series
from ecobrain.monitoring.packets import translated
from ecobrain.monitoring.windows import Window
from ecobrain.registry.models import Device, Outlet, Station
from ecobrain.standards.hj212 import CHINA_TZ
from ecobrain.standards.hj212.codes import data_flag_meaning, is_normal_flag

# "Latest" looks back this far (a logger silent for longer shows no latest value) and ignores values stamped
# further ahead than this (a logger whose clock runs a day fast must not pin its latest value forever).
LATEST_LOOKBACK = timedelta(days=366)
FUTURE_SLACK = timedelta(days=1)
TABLE_ROWS = 500  # times shown in the window's table; the export has them all

TARGET_MODELS = {"station": Station, "outlet": Outlet, "device": Device}
TARGET_SERIES_FILTER = {"station": "device__station", "outlet": "device__outlet", "device": "device"}


def target_kind(obj) -> str:
    return {Station: "station", Outlet: "outlet", Device: "device"}[type(obj)]


def target_series(obj, user) -> QuerySet[Series]:
    """The series of a station, outlet or device that ``user`` may view, by factor code then MN."""
    kind = target_kind(obj)
    return (
        Series.objects.restrict(user, "view")
        .filter(**{TARGET_SERIES_FILTER[kind]: obj})
        .select_related("factor", "device")
        .order_by("factor__code", "device__mn")
    )


def latest_subquery(resolution: str, now: datetime) -> Subquery:
    """The id of a series' newest row of ``resolution`` (one index probe per series)."""
    model = OBSERVATION_MODELS[resolution]
    return Subquery(
        model.objects.filter(
            series=OuterRef("pk"),
            period_start__gte=now - LATEST_LOOKBACK,
            period_start__lt=now + FUTURE_SLACK,
        )
        .order_by("-period_start")
        .values("pk")[:1]
    )


@dataclass
class Reading:
    """One stored value as the pages show it: exact text, China time, device flag and QC labels."""

    period_start: datetime
    value_text: str
    value: Decimal | None
    device_flag: str
    qc_flags: int
    edition: str = "2017"

    @property
    def flag_meaning(self) -> str:
        if not self.device_flag:
            return ""
        return translated(data_flag_meaning(self.device_flag, self.edition)) or _("本地扩展标记")

    @property
    def flag_normal(self) -> bool:
        return not self.device_flag or is_normal_flag(self.device_flag, self.edition)

    @property
    def qc_labels(self) -> list[str]:
        return [str(label) for flag, label in QC_FLAG_LABELS.items() if self.qc_flags & flag]

    @property
    def local_time(self) -> datetime:
        return timezone.localtime(self.period_start, CHINA_TZ)


@dataclass
class SeriesLine:
    """A series with its label, unit and newest real-time and hourly readings."""

    series: Series
    label: str
    unit: str
    realtime: Reading | None = None
    hour: Reading | None = None

    @property
    def code(self) -> str:
        return self.series.factor.code


def series_unit(series: Series) -> str:
    """Ambient-quality stations report in the ambient unit (µg/m³); sources in the concentration unit."""
    factor = series.factor
    if series.device.station_id and factor.ambient_unit:
        return factor.ambient_unit
    return factor.unit


def label_series(series_list: list[Series]) -> dict[int, str]:
    """Factor name and code; the MN is added where one factor has several loggers (a station's two devices)."""
    per_factor: dict[int, int] = {}
    for s in series_list:
        per_factor[s.factor_id] = per_factor.get(s.factor_id, 0) + 1
    labels = {}
    for s in series_list:
        label = f"{s.factor.name} {s.factor.code}"
        if per_factor[s.factor_id] > 1:
            label += f" [{s.device.mn}]"
        labels[s.pk] = label
    return labels


def _reading(row: Observation | dict, edition: str) -> Reading:
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return Reading(get("period_start"), get("value_text"), get("value"), get("device_flag"), get("qc_flags"), edition)


def latest_lines(series_qs: QuerySet[Series], user, *, now: datetime | None = None) -> list[SeriesLine]:
    """Each series with its newest real-time and hourly value: three queries, however many series."""
    now = now or timezone.now()
    resolutions = [r for r in (Resolution.REALTIME, Resolution.HOUR) if user.has_grant(OBSERVATION_MODELS[r], "view")]
    series_qs = series_qs.annotate(**{f"latest_{r}": latest_subquery(r, now) for r in resolutions})
    series_list = list(series_qs)
    labels = label_series(series_list)
    found: dict[str, dict[int, Observation]] = {}
    for resolution in resolutions:
        ids = [getattr(s, f"latest_{resolution}") for s in series_list]
        ids = [i for i in ids if i is not None]
        found[resolution] = OBSERVATION_MODELS[resolution].objects.in_bulk(ids) if ids else {}
    lines = []
    for s in series_list:
        edition = s.device.protocol_version
        line = SeriesLine(s, labels[s.pk], series_unit(s))
        for resolution, attr in ((Resolution.REALTIME, "realtime"), (Resolution.HOUR, "hour")):
            row = found.get(resolution, {}).get(getattr(s, f"latest_{resolution}", None))
            if row is not None:
                setattr(line, attr, _reading(row, edition))
        lines.append(line)
    return lines


# --- one window of many series ------------------------------------------------------------------------------

FIELDS = ("series_id", "period_start", "value", "value_text", "device_flag", "qc_flags")


def window_rows(series_ids: Iterable[int], window: Window) -> QuerySet:
    """(series_id, period_start, value, value_text, device_flag, qc_flags) in index order: one query."""
    model = OBSERVATION_MODELS[window.resolution]
    return (
        model.objects.for_series(list(series_ids))
        .between(window.start, window.end)
        .order_by("series_id", "period_start")
        .values_list(*FIELDS)
    )


CHINA_OFFSET_MS = 8 * 3600 * 1000


def chart_payload(series_list: list[Series], labels: dict[int, str], rows: list[tuple], window: Window) -> dict:
    """ECharts series: ``[china_wall_clock_ms, value]`` pairs (the chart runs with ``useUTC``, so an axis
    tick and a tooltip read China time in any browser); a value that is not a plain number is a gap."""
    data: dict[int, list] = {s.pk: [] for s in series_list}
    for series_id, period_start, value, _text, flag, _qc in rows:
        ms = int(period_start.timestamp() * 1000) + CHINA_OFFSET_MS
        data[series_id].append([ms, float(value) if value is not None else None, flag])
    return {
        "start": int(window.start.timestamp() * 1000) + CHINA_OFFSET_MS,
        "end": int(window.end.timestamp() * 1000) + CHINA_OFFSET_MS,
        "series": [{"id": s.pk, "name": labels[s.pk], "unit": series_unit(s), "data": data[s.pk]} for s in series_list],
    }


@dataclass
class WindowTable:
    columns: list[Series]
    rows: list[tuple[datetime, list[Reading | None]]]
    truncated: bool
    total_times: int


def window_table(series_list: list[Series], rows: list[tuple]) -> WindowTable:
    """Times (newest first, at most ``TABLE_ROWS``) × series: the exact value text with its flags."""
    index = {s.pk: i for i, s in enumerate(series_list)}
    editions = {s.pk: s.device.protocol_version for s in series_list}
    by_time: dict[datetime, list[Reading | None]] = {}
    for series_id, period_start, value, text, flag, qc in rows:
        cells = by_time.setdefault(period_start, [None] * len(series_list))
        cells[index[series_id]] = Reading(period_start, text, value, flag, qc, editions[series_id])
    times = sorted(by_time, reverse=True)
    shown = [(timezone.localtime(t, CHINA_TZ), by_time[t]) for t in times[:TABLE_ROWS]]
    return WindowTable(series_list, shown, len(times) > TABLE_ROWS, len(times))


def export_headers() -> list[str]:
    return [_("时间"), _("因子编码"), _("因子名称"), _("单位"), _("数采仪MN"), _("数值"), _("数据标记"), _("质控标记")]


def export_rows(series_list: list[Series], rows: Iterable[tuple], *, numeric: bool) -> Iterable[list]:
    """Long format, one value per line; CSV keeps the exact text, Excel gets numbers."""
    info = {s.pk: (s.factor.code, s.factor.name, series_unit(s), s.device.mn) for s in series_list}
    for series_id, period_start, value, text, flag, qc in rows:
        code, name, unit, mn = info[series_id]
        labels = "、".join(str(label) for bit, label in QC_FLAG_LABELS.items() if qc & bit)
        shown = (float(value) if value is not None else text) if numeric else text
        yield [timezone.localtime(period_start, CHINA_TZ), code, name, unit, mn, shown, flag, labels]
