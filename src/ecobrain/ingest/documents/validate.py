"""Checking records against the registry and the caller's scope: every row comes out valid or with its errors.

A record (one JSON document, one CSV line) names a device, a resolution and a time; a problem with any of
those rejects all its values. A problem with one value (unknown factor, bad number, bad flag) rejects that
value only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from ecobrain.core.gate import scope_filter
from ecobrain.ingest.documents.parse import SUFFIX, Entry, Record, RowError, show
from ecobrain.monitoring.choices import Resolution
from ecobrain.monitoring.models import OBSERVATION_MODELS, VALUE_DECIMAL_PLACES, VALUE_MAX_DIGITS, VALUE_TEXT_MAX
from ecobrain.registry.choices import AIR_STATION_KINDS, FactorMedium, OutletKind, StationKind
from ecobrain.registry.models import MN_PATTERN, Device, MonitoringFactor
from ecobrain.standards.hj212 import CHINA_TZ

# The names of a resolution in a document: ours, or the HJ 212 upload CN (standards.md §1.6, Table 9).
RESOLUTIONS: dict[str, str] = {
    "realtime": Resolution.REALTIME,
    "minute": Resolution.MINUTE,
    "hour": Resolution.HOUR,
    "day": Resolution.DAY,
    "2011": Resolution.REALTIME,
    "2051": Resolution.MINUTE,
    "2061": Resolution.HOUR,
    "2031": Resolution.DAY,
}
# The suffix of the main value (standards.md §1.8): -Rtd for real-time data, -Avg for minute/hour/day data.
MAIN_SUFFIX = {Resolution.REALTIME: "Rtd", Resolution.MINUTE: "Avg", Resolution.HOUR: "Avg", Resolution.DAY: "Avg"}
# A period start later than now by more than this is refused (device clocks drift by seconds, not minutes).
FUTURE_TOLERANCE = timedelta(minutes=5)

NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")
HJ212_TIME = re.compile(r"^\d{14}$")
FLAG = re.compile(r"^[A-Za-z0-9]{1,8}$")
FACTOR_CODE = re.compile(r"^[A-Za-z0-9]{1,16}$")
STAT_TEXT_MAX = 1024  # -Info logs are < 890 bytes (standards.md §1.8)
INTEGER_DIGITS = VALUE_MAX_DIGITS - VALUE_DECIMAL_PLACES  # 14: HJ 212's N14.x
_WATER_STATIONS = {StationKind.WATER_AUTO, StationKind.WATER_SECTION}
# Inserted into a sentence ("不是小时时段的起始时刻"); the context keeps them apart from the resolution labels.
_PERIOD_NAMES = {
    Resolution.MINUTE: pgettext_lazy("data period", "分钟"),
    Resolution.HOUR: pgettext_lazy("data period", "小时"),
    Resolution.DAY: pgettext_lazy("data period", "日"),
}


@dataclass(frozen=True, slots=True)
class ValidRow:
    """One observation ready to store: ``value_text`` exactly as sent, ``period_start`` aware UTC."""

    row: int
    device_id: int
    factor_id: int
    resolution: str
    period_start: datetime
    value_text: str
    stats: dict[str, str]
    device_flag: str

    @property
    def key(self) -> tuple[int, int, str, datetime]:
        return (self.device_id, self.factor_id, self.resolution, self.period_start)


class TimeError(ValueError):
    """A time that cannot be the key of an observation; the message says why."""


class Scope:
    """Which devices and resolutions a caller may write. The base class admits every device (the operator's CLI)."""

    def prefetch(self, devices: list[Device]) -> None:
        """Look up whatever ``admits`` will need for these devices, in as few queries as possible."""

    def admits(self, device: Device, resolution: str) -> tuple[str, str] | None:
        """None when allowed, else (field, message)."""
        return None


class UserScope(Scope):
    """A signed-in user: the ``import`` grant on the resolution's table and the device within their scope."""

    def __init__(self, user) -> None:
        self.user = user
        self._in_scope: dict[int, bool] = {}

    def prefetch(self, devices: list[Device]) -> None:
        unknown = [device.pk for device in devices if device.pk not in self._in_scope]
        if not unknown:
            return
        condition = scope_filter(Device, self.user)
        if condition is None:
            allowed = set(unknown)
        else:
            allowed = set(Device.objects.filter(condition, pk__in=unknown).values_list("pk", flat=True))
        self._in_scope.update({pk: pk in allowed for pk in unknown})

    def admits(self, device: Device, resolution: str) -> tuple[str, str] | None:
        model = OBSERVATION_MODELS[resolution]
        if not self.user.has_grant(model, "import"):
            return "resolution", _("您的角色无权导入%(name)s。") % {"name": model._meta.verbose_name}
        if device.pk not in self._in_scope:
            self.prefetch([device])
        if not self._in_scope[device.pk]:
            return "mn", _("MN %(mn)s 不在您的管辖范围内。") % {"mn": device.mn}
        return None


class DeviceScope(Scope):
    """A device that authenticated itself (MQTT: MN from the topic, its access password): its own rows only."""

    def __init__(self, device: Device) -> None:
        self.device = device

    def admits(self, device: Device, resolution: str) -> tuple[str, str] | None:
        if device.pk != self.device.pk:
            return "mn", _("文档中的 MN %(mn)s 与已认证设备 %(own)s 不一致。") % {
                "mn": device.mn,
                "own": self.device.mn,
            }
        return None


def parse_time(text: str | None) -> datetime:
    """An aware datetime from ISO 8601 with an offset, or HJ 212 ``YYYYMMDDhhmmss`` in China time (UTC+8)."""
    if not text:
        raise TimeError(_("缺少时间 time。"))
    text = text.strip()
    if HJ212_TIME.match(text):
        try:
            return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=CHINA_TZ)
        except ValueError:
            raise TimeError(
                _("时间 %(value)s 不是有效的日期时刻（YYYYMMDDhhmmss）。") % {"value": show(text)}
            ) from None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise TimeError(
            _(
                "时间 %(value)s 无效：应为带时区偏移的 ISO 8601（如 2026-03-01T09:00:00+08:00）"
                "或 HJ 212 的 YYYYMMDDhhmmss（北京时间）。"
            )
            % {"value": show(text)}
        ) from None
    if moment.tzinfo is None:
        raise TimeError(_("时间 %(value)s 缺少时区偏移（如 +08:00 或 Z）。") % {"value": show(text)})
    return moment


def period_start(text: str | None, resolution: str, *, now: datetime) -> datetime:
    """The observation key in UTC: the instant for real-time data, the period start otherwise (standards.md §1.8).

    Minute, hour and day values must name the start of their period in China time (a day starts at 00:00
    UTC+8); a time inside a period is refused rather than moved, because the sender meant something else.
    """
    moment = parse_time(text)
    try:
        utc = moment.astimezone(UTC)
        local = moment.astimezone(CHINA_TZ)
    except OverflowError:
        raise TimeError(_("时间 %(value)s 超出范围。") % {"value": show(text)}) from None
    if resolution != Resolution.REALTIME:
        aligned = local.second == 0 and local.microsecond == 0
        if resolution in (Resolution.HOUR, Resolution.DAY):
            aligned = aligned and local.minute == 0
        if resolution == Resolution.DAY:
            aligned = aligned and local.hour == 0
        if not aligned:
            start = _floor(local, resolution)
            raise TimeError(
                _(
                    "时间 %(value)s 不是%(period)s时段的起始时刻："
                    "%(period)s数据的时间为时段起始（北京时间），如 %(start)s。"
                )
                % {"value": show(text), "period": _PERIOD_NAMES[resolution], "start": start.isoformat()}
            )
    if utc > now + FUTURE_TOLERANCE:
        raise TimeError(
            _("时间 %(value)s 晚于当前时间（允许误差 %(minutes)d 分钟）。")
            % {"value": show(text), "minutes": FUTURE_TOLERANCE.seconds // 60}
        )
    return utc


def _floor(local: datetime, resolution: str) -> datetime:
    local = local.replace(second=0, microsecond=0)
    if resolution in (Resolution.HOUR, Resolution.DAY):
        local = local.replace(minute=0)
    if resolution == Resolution.DAY:
        local = local.replace(hour=0)
    return local


def check_number(text: str) -> str | None:
    """None when ``text`` is a plain decimal that fits the store (N14.x, 32 characters), else the reason."""
    if not NUMBER.match(text):
        return _("数值 %(value)s 不是十进制数。") % {"value": show(text)}
    if len(text) > VALUE_TEXT_MAX:
        return _("数值 %(value)s 超过 %(max)d 个字符。") % {"value": show(text), "max": VALUE_TEXT_MAX}
    if Decimal(text).adjusted() >= INTEGER_DIGITS:
        return _("数值 %(value)s 超过 %(digits)d 位整数。") % {"value": show(text), "digits": INTEGER_DIGITS}
    return None


def device_medium(device: Device) -> str | None:
    """gas / water for the device's outlet or station kind, to tell 2005 old codes apart; None when unknown."""
    if device.outlet_id:
        return FactorMedium.GAS if device.outlet.kind == OutletKind.GAS else FactorMedium.WATER
    if device.station_id:
        kind = device.station.kind
        if kind in _WATER_STATIONS:
            return FactorMedium.WATER
        if kind in AIR_STATION_KINDS or kind == StationKind.VOCS:
            return FactorMedium.GAS
    return None


class Validator:
    """Turns records into valid rows and row errors; caches devices and factors across calls (streaming).

    ``default_mn`` / ``default_resolution`` fill records that leave them out (``--device``, ``--resolution``,
    the MQTT topic). ``assume_mns`` are MNs a dry run treats as registered (stations it would create).
    """

    def __init__(
        self,
        scope: Scope | None = None,
        *,
        default_mn: str | None = None,
        default_resolution: str | None = None,
        now: datetime | None = None,
        assume_mns: set[str] | None = None,
    ) -> None:
        self.scope = scope or Scope()
        self.default_mn = default_mn
        self.default_resolution = default_resolution
        self.now = now
        self.assume_mns = assume_mns if assume_mns is not None else set()
        self._devices: dict[str, Device | None] = {}
        factors = list(MonitoringFactor.objects.values_list("pk", "code", "old_code", "medium"))
        self._codes = {code: pk for pk, code, _old, _medium in factors}
        self._old_codes: dict[str, list[tuple[int, str]]] = {}
        for pk, _code, old, medium in factors:
            if old:
                self._old_codes.setdefault(old, []).append((pk, medium))

    def prefetch(self, records: list[Record]) -> None:
        """Load the devices of a batch of records in one query (streaming callers call this per batch)."""
        wanted = {record.mn or self.default_mn for record in records}
        wanted = {mn for mn in wanted if mn and mn not in self._devices and MN_PATTERN.match(mn)}
        if wanted:
            found = {d.mn: d for d in Device.objects.filter(mn__in=wanted).select_related("station", "outlet")}
            for mn in wanted:
                self._devices[mn] = found.get(mn)
        self.scope.prefetch([d for d in self._devices.values() if d is not None])

    def device(self, mn: str) -> Device | None:
        if mn not in self._devices:
            self._devices[mn] = Device.objects.filter(mn=mn).select_related("station", "outlet").first()
        return self._devices[mn]

    def forget_device(self, mn: str) -> None:
        """Drop a cached lookup (a device registered after it was looked up)."""
        self._devices.pop(mn, None)

    def validate(self, record: Record) -> tuple[list[ValidRow], list[RowError], int]:
        """(valid rows, errors, number of rows rejected) for one record."""
        errors = list(record.errors)
        row = record.row
        if errors:
            return [], errors, record.size
        mn = record.mn or self.default_mn
        device = None
        device_id = 0  # a dry run's assumed device has no id yet
        if not mn:
            errors.append(RowError(row, "mn", _("缺少设备编号 MN。")))
        elif not MN_PATTERN.match(mn):
            errors.append(
                RowError(row, "mn", _("MN %(mn)s 格式无效：应为1–24位字母、数字或连字符。") % {"mn": show(mn)})
            )
        else:
            device = self.device(mn)
            if device is None and mn not in self.assume_mns:
                errors.append(RowError(row, "mn", _("MN %(mn)s 未登记。") % {"mn": mn}))
        resolution = RESOLUTIONS.get((record.resolution or self.default_resolution or "").strip())
        if resolution is None:
            given = record.resolution or self.default_resolution
            message = (
                _("缺少数据类型 resolution。")
                if not given
                else _("数据类型 %(value)s 无效：应为 realtime、minute、hour、day 或 CN 2011、2051、2061、2031。")
                % {"value": show(given)}
            )
            errors.append(RowError(row, "resolution", message))
        if device is not None and resolution is not None:
            refused = self.scope.admits(device, resolution)
            if refused:
                errors.append(RowError(row, *refused))
            device_id = device.pk
        start = None
        if resolution is not None:
            try:
                start = period_start(record.time, resolution, now=self.now or timezone.now())
            except TimeError as exc:
                errors.append(RowError(row, "time", str(exc)))
        if errors:
            return [], errors, record.size
        rows: list[ValidRow] = []
        rejected = 0
        medium = device_medium(device) if device is not None else None
        for entry in record.entries:
            result = self._entry(entry, row, resolution, medium)
            if isinstance(result, RowError):
                errors.append(result)
                rejected += 1
            else:
                factor_id, text, stats, flag = result
                rows.append(ValidRow(row, device_id, factor_id, resolution, start, text, stats, flag))
        return rows, errors, rejected

    def factor_id(self, code: str, medium: str | None) -> int | None:
        """The registry factor for a 2017 code, or a 2005 old code (told apart by medium when ambiguous)."""
        if code in self._codes:
            return self._codes[code]
        candidates = self._old_codes.get(code, [])
        if len(candidates) > 1:
            candidates = [c for c in candidates if c[1] == medium]
        return candidates[0][0] if len(candidates) == 1 else None

    def _entry(self, entry: Entry, row: int, resolution: str, medium: str | None):
        if entry.error:
            return RowError(row, entry.value_field, entry.error)
        if not FACTOR_CODE.match(entry.factor):
            return RowError(row, entry.factor_field, _("因子编码 %(code)s 无效。") % {"code": show(entry.factor)})
        factor_id = self.factor_id(entry.factor, medium)
        if factor_id is None:
            return RowError(row, entry.factor_field, _("未知的因子编码 %(code)s。") % {"code": entry.factor})
        suffixes = dict(entry.suffixes)
        main = MAIN_SUFFIX[resolution]
        if entry.main is not None and main in suffixes:
            return RowError(row, entry.value_field, _("数值重复：同时给出了数值和 %(suffix)s。") % {"suffix": main})
        text = (entry.main if entry.main is not None else suffixes.pop(main, "")).strip()
        flag = suffixes.pop("Flag", "").strip()
        if flag and not FLAG.match(flag):
            return RowError(
                row,
                entry.flag_field,
                _("数据标记 %(value)s 无效：应为1–8位字母或数字（如 N、F、M、D、C、T、B）。") % {"value": show(flag)},
            )
        if not text:
            if not flag:
                return RowError(row, entry.value_field, _("缺少数值（%(suffix)s）。") % {"suffix": main})
        else:
            problem = check_number(text)
            if problem:
                return RowError(row, entry.value_field, problem)
        for suffix, stat in suffixes.items():
            if not SUFFIX.match(suffix) or len(stat) > STAT_TEXT_MAX or not stat.isprintable():
                return RowError(
                    row,
                    entry.value_field,
                    _("后缀 %(suffix)s 的值 %(value)s 无效。") % {"suffix": show(suffix), "value": show(stat)},
                )
        return factor_id, text, suffixes, flag
