"""The Beijing Multi-Site Air-Quality (PRSA) files as observation records, and their stations in the registry.

The files (UCI dataset 501, CC BY 4.0): one CSV per site, quoted header ``"No","year","month","day","hour",
"PM2.5","PM10","SO2","NO2","CO","O3","TEMP","PRES","DEWP","RAIN","wd","WSPM","station"``, hourly rows in
Beijing local time, pollutants in µg/m³ (CO too), ``NA`` for a missing value. docs/ingest.md explains the
choices made here: which hour a row is, which columns have an HJ 212 code, how units are converted, and how
the sites, which lie outside the configured city, enter the registry.
"""

from __future__ import annotations

import csv
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from ecobrain.audit.changelog import change_actor
from ecobrain.ingest.documents import DocumentError, Entry, Record, RowError
from ecobrain.ingest.documents.validate import NUMBER
from ecobrain.registry.choices import DeviceStatus, StationKind
from ecobrain.registry.models import Device, MonitoringFactor, Station
from ecobrain.registry.services import register_device

MISSING = "NA"
KEY_COLUMNS = ("year", "month", "day", "hour", "station")
ROW_NUMBER = "No"
MN_PREFIX = "PRSA-"
_SITE = re.compile(r"^[A-Za-z0-9]{1,19}$")  # MN: at most 24 characters with the prefix


def _same(text: str) -> str:
    return text


def _decimal_shift(places: int) -> Callable[[str], str]:
    """Exact unit conversion by a power of ten on the decimal text (300 µg/m³ → 0.300 mg/m³); no float."""

    def convert(text: str) -> str:
        if not NUMBER.match(text):
            return text  # the validator reports it as a bad number
        return format(Decimal(text).scaleb(places), "f")

    return convert


# 16-point compass → the centre of its 22.5° sector, clockwise from north (HJ 212 a01008 is in degrees).
COMPASS = {
    point: format((Decimal("22.5") * index).normalize(), "f")
    for index, point in enumerate(
        ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")
    )
}


@dataclass(frozen=True)
class Column:
    """A PRSA column with an HJ 212 code: the factor and how its text becomes the factor's unit."""

    factor: str
    convert: Callable[[str], str]
    note: str


COLUMNS: dict[str, Column] = {
    "PM2.5": Column("a34004", _same, "µg/m³"),
    "PM10": Column("a34002", _same, "µg/m³"),
    "SO2": Column("a21026", _same, "µg/m³"),
    "NO2": Column("a21004", _same, "µg/m³"),
    "CO": Column("a21005", _decimal_shift(-3), "µg/m³ → mg/m³ (÷ 1000)"),
    "O3": Column("a05024", _same, "µg/m³"),
    "TEMP": Column("a01001", _same, "°C"),
    "PRES": Column("a01006", _decimal_shift(-1), "hPa → kPa (÷ 10)"),
    "WSPM": Column("a01007", _same, "m/s"),
    "wd": Column("a01008", COMPASS.get, "16-point direction → degrees (sector centre)"),
}
# Columns read but not imported, with the reason shown in the summary.
NOT_IMPORTED = {
    "DEWP": "dew point (°C): no HJ 212 code in the factor table",
    "RAIN": "precipitation (mm): no HJ 212 code in the factor table",
}
# Chinese names of the twelve sites (the files name them in pinyin), for the station names.
SITE_NAMES = {
    "Aotizhongxin": "奥体中心",
    "Changping": "昌平",
    "Dingling": "定陵",
    "Dongsi": "东四",
    "Guanyuan": "官园",
    "Gucheng": "古城",
    "Huairou": "怀柔",
    "Nongzhanguan": "农展馆",
    "Shunyi": "顺义",
    "Tiantan": "天坛",
    "Wanliu": "万柳",
    "Wanshouxigong": "万寿西宫",
}
STATION_NOTE = (
    "外部导入站点：Beijing Multi-Site Air-Quality (PRSA) 数据集，UCI 501，CC BY 4.0。"
    "位于本市以外，不登记坐标和区县，不参与本市评价；仅全市范围的用户可见。由 `ecobrain import observations "
    "--format beijing-prsa --create-stations` 创建。"
)


def mn_for(site: str) -> str:
    return f"{MN_PREFIX}{site}"


def is_prsa_header(header: list[str]) -> bool:
    names = {name.strip() for name in header}
    return {*KEY_COLUMNS, "PM2.5"} <= names


class PRSAReader:
    """Records of one PRSA file, one per line, with a ``Counter`` of what was not imported.

    ``site_mn(site)`` gives the MN a site's rows go to (it may register the station first). A missing value
    (``NA``) yields no row and is counted in ``missing``; columns without an HJ 212 code are counted in
    ``not_imported`` per column.
    """

    def __init__(self, site_mn: Callable[[str], str]) -> None:
        self.site_mn = site_mn
        self.missing = 0
        self.not_imported: Counter[str] = Counter()
        self._mns: dict[str, str] = {}

    def records(self, lines: Iterable[str]) -> Iterator[Record]:
        reader = csv.reader(lines)
        try:
            header = [name.strip().lstrip("\ufeff") for name in next(reader)]
        except StopIteration:
            raise DocumentError(_("PRSA 文件为空。")) from None
        missing = [name for name in KEY_COLUMNS if name not in header]
        if missing:
            raise DocumentError(_("不是 PRSA 文件：表头缺少 %(columns)s。") % {"columns": ", ".join(missing)})
        index = {name: position for position, name in enumerate(header)}
        imported = [(name, COLUMNS[name], index[name]) for name in header if name in COLUMNS]
        ignored = [
            (name, index[name]) for name in header if name not in COLUMNS and name not in (*KEY_COLUMNS, ROW_NUMBER)
        ]
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Record(reader.line_num, errors=[RowError(reader.line_num, "row", f"CSV: {exc}")])
                continue
            if not cells:
                continue
            yield self._record(reader.line_num, cells, len(header), index, imported, ignored)

    def _record(self, line, cells, width, index, imported, ignored) -> Record:
        if len(cells) != width:
            message = _("该行有 %(cells)d 列，表头有 %(width)d 列。") % {"cells": len(cells), "width": width}
            return Record(line, errors=[RowError(line, "row", message)])
        record = Record(line, resolution="hour")
        parts = []
        for name, width_digits in (("year", 4), ("month", 2), ("day", 2), ("hour", 2)):
            text = cells[index[name]].strip()
            if not text.isdigit() or len(text) > width_digits:
                record.errors.append(
                    RowError(line, name, _("%(name)s %(value)r 不是整数。") % {"name": name, "value": text})
                )
            parts.append(text.zfill(width_digits))
        # "The hour column labels the hour": hour H is the hour that starts at H:00 Beijing time (UTC+8).
        record.time = "".join(parts) + "0000"
        site = cells[index["station"]].strip()
        if not _SITE.match(site):
            record.errors.append(RowError(line, "station", _("站点名 %(value)r 无效。") % {"value": site}))
        else:
            if site not in self._mns:
                self._mns[site] = self.site_mn(site)
            record.mn = self._mns[site]
        for name, position in ignored:
            if cells[position].strip() != MISSING:
                self.not_imported[name] += 1
        for name, column, position in imported:
            text = cells[position].strip()
            if text == MISSING:
                self.missing += 1
                continue
            value = column.convert(text)
            entry = Entry(column.factor, value or "", {}, name, name, name)
            if value is None:
                entry.error = _("%(name)s 的值 %(value)r 不是16方位风向。") % {"name": name, "value": text}
            record.entries.append(entry)
        return record


@transaction.atomic
def register_prsa_site(site: str) -> Device:
    """The station and data logger of a PRSA site, created on first use (idempotent).

    The station is marked as external: code and MN ``PRSA-<site>``, a name saying so, a note with the source,
    no coordinates and so no district (it is on no map and in no district's scope: only city-wide users see
    it), not an assessment station. The registry's location check (a point inside the configured city) is
    the one validation skipped, because these sites are outside the city by definition; every field is
    still validated. The logger gets a random access password (it never connects) and the status 停用.
    """
    code = mn_for(site)
    with change_actor(None, source="cli"):
        station = Station.objects.filter(code=code).first()
        if station is None:
            name = SITE_NAMES.get(site, site)
            station = Station(
                code=code,
                name=f"北京{name}（PRSA 外部数据）",
                kind=StationKind.AIR_NATIONAL,
                address=f"北京市 {site}（本市以外）",
                is_assessment=False,
                notes=STATION_NOTE,
            )
            station.clean_fields()
            station.validate_unique()
            station.validate_constraints()
            station.save()
            codes = [column.factor for column in COLUMNS.values()]
            station.factors.set(MonitoringFactor.objects.filter(code__in=codes))
    device = Device.objects.filter(mn=code).first()
    if device is None:
        device = register_device(
            actor=None,
            mn=code,
            password=secrets.token_hex(16),
            station=station,
            status=DeviceStatus.RETIRED,
            model_name="PRSA 文件导入",
        )
    return device
