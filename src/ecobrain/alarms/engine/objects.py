"""What the engine knows about the objects it watches: each series' device, factor, station or outlet, enterprise
and district, the outlet factors' limits, and the names that go into alarm titles. Loaded in bulk, cached until
the registry version changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ecobrain.monitoring.models import Series
from ecobrain.registry.choices import LimitBasis
from ecobrain.registry.models import Device, OutletFactor

CHUNK = 500


@dataclass(frozen=True, slots=True)
class DeviceContext:
    """A data logger and where it sits."""

    device_id: int
    mn: str
    status: str
    station_id: int | None
    station_name: str
    outlet_id: int | None
    outlet_code: str
    outlet_name: str
    enterprise_id: int | None
    enterprise_name: str
    district_id: int | None

    @property
    def place(self) -> str:
        """The station, or the enterprise and outlet, for titles."""
        if self.station_id is not None:
            return self.station_name
        return f"{self.enterprise_name} {self.outlet_code}".strip()


@dataclass(frozen=True, slots=True)
class SeriesContext:
    """One series: its device's context and its factor."""

    series_id: int
    device: DeviceContext
    factor_id: int
    factor_code: str
    factor_name: str
    unit: str


@dataclass(frozen=True, slots=True)
class Limit:
    """An outlet factor's emission limit: ``high`` (≤) and/or ``low`` (≥, e.g. pH 6 of 6–9)."""

    low: float | None
    high: float | None
    basis: str
    converted: bool
    unit: str
    standard: str
    display: str


_DEVICE_FIELDS = (
    "pk",
    "mn",
    "status",
    "station_id",
    "station__name",
    "station__district_id",
    "outlet_id",
    "outlet__code",
    "outlet__name",
    "outlet__enterprise_id",
    "outlet__enterprise__name",
    "outlet__enterprise__district_id",
)


def _device_context(row: tuple) -> DeviceContext:
    pk, mn, status, station_id, station_name, station_district, outlet_id, code, name, ent_id, ent_name, ent_d = row
    return DeviceContext(
        device_id=pk,
        mn=mn,
        status=status,
        station_id=station_id,
        station_name=station_name or "",
        outlet_id=outlet_id,
        outlet_code=code or "",
        outlet_name=name or "",
        enterprise_id=ent_id,
        enterprise_name=ent_name or "",
        district_id=station_district if station_id is not None else ent_d,
    )


def load_devices(device_ids: Iterable[int] | None = None) -> dict[int, DeviceContext]:
    """Device contexts by id (every device when ``device_ids`` is None)."""
    queryset = Device.objects.order_by()
    if device_ids is None:
        return {row[0]: _device_context(row) for row in queryset.values_list(*_DEVICE_FIELDS)}
    ids = sorted(set(device_ids))
    found = {}
    for at in range(0, len(ids), CHUNK):
        for row in queryset.filter(pk__in=ids[at : at + CHUNK]).values_list(*_DEVICE_FIELDS):
            found[row[0]] = _device_context(row)
    return found


def load_series(series_ids: Iterable[int], devices: dict[int, DeviceContext]) -> dict[int, SeriesContext]:
    """Series contexts by id; ``devices`` is the cache of device contexts, completed here."""
    ids = sorted(set(series_ids))
    rows = []
    for at in range(0, len(ids), CHUNK):
        rows += list(
            Series.objects.filter(pk__in=ids[at : at + CHUNK])
            .order_by()
            .values_list("pk", "device_id", "factor_id", "factor__code", "factor__name", "factor__unit")
        )
    missing = {row[1] for row in rows} - devices.keys()
    if missing:
        devices.update(load_devices(missing))
    return {
        pk: SeriesContext(pk, devices[device_id], factor_id, code, name, unit or "")
        for pk, device_id, factor_id, code, name, unit in rows
        if device_id in devices
    }


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def load_limits(outlet_ids: Iterable[int]) -> dict[tuple[int, int], Limit]:
    """(outlet id, factor id) → its limit, for the outlet factors that have one."""
    ids = sorted(set(outlet_ids))
    limits = {}
    for at in range(0, len(ids), CHUNK):
        for of in OutletFactor.objects.filter(outlet_id__in=ids[at : at + CHUNK]).order_by():
            if of.limit_value is None and of.limit_min is None:
                continue
            limits[(of.outlet_id, of.factor_id)] = Limit(
                low=_number(of.limit_min),
                high=_number(of.limit_value),
                basis=of.limit_basis or LimitBasis.HOURLY,
                converted=of.uses_converted_value,
                unit=of.limit_unit,
                standard=of.standard,
                display=of.limit_display(),
            )
    return limits
