"""Which devices to simulate, read from the registry: MN, access password, protocol version, factors, limits."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Prefetch

from ecobrain.registry.choices import AIR_STATION_KINDS, DeviceStatus, OutletKind, StationKind
from ecobrain.registry.models import Device, OutletFactor

from .profiles import DeviceKind, DeviceSpec, Limit, usable_factors


class DeviceSelectionError(ValueError):
    """The devices asked for cannot be simulated (unknown MN, none active)."""


def kind_of(device: Device) -> DeviceKind | None:
    """The simulated kind of a registered logger, or None when the simulator has no model for its target."""
    if device.outlet_id is not None:
        return DeviceKind.FLUE_GAS if device.outlet.kind == OutletKind.GAS else DeviceKind.WASTEWATER
    kind = device.station.kind
    if kind in AIR_STATION_KINDS:
        return DeviceKind.AIR
    if kind == StationKind.VOCS:
        return DeviceKind.VOCS
    if kind in (StationKind.WATER_AUTO, StationKind.WATER_SECTION):
        return DeviceKind.SURFACE_WATER
    return None


def load_device_specs(*, count: int | None = None, mns: Sequence[str] = ()) -> tuple[list[DeviceSpec], list[str]]:
    """The devices to simulate and why others were left out.

    With ``mns``, exactly those devices (an unknown MN is an error); otherwise the first ``count`` active devices
    by MN (all when ``count`` is None). Returns (specs, notes) where each note names a skipped device and why.
    """
    devices = Device.objects.select_related("station", "outlet__enterprise").prefetch_related(
        "station__factors",
        Prefetch("outlet__factor_limits", queryset=OutletFactor.objects.select_related("factor")),
    )
    if mns:
        wanted = list(dict.fromkeys(mns))
        rows = {d.mn: d for d in devices.filter(mn__in=wanted)}
        missing = [mn for mn in wanted if mn not in rows]
        if missing:
            raise DeviceSelectionError(f"MN not registered: {', '.join(missing)}")
        chosen = [rows[mn] for mn in wanted]
    else:
        active = devices.filter(status=DeviceStatus.ACTIVE).order_by("mn")
        chosen = list(active if count is None else active[:count])
    specs, notes = [], []
    for device in chosen:
        spec, reason = _spec(device)
        if spec is None:
            notes.append(f"{device.mn}: {reason}")
        else:
            specs.append(spec)
    return specs, notes


def _spec(device: Device) -> tuple[DeviceSpec | None, str]:
    kind = kind_of(device)
    if kind is None:
        return None, f"no value model for a {device.station.get_kind_display()} station"
    password = device.access_password()
    if not password:
        return None, "no access password can be read (was the encryption key changed?)"
    limits: dict[str, Limit] = {}
    if device.outlet_id is not None:
        rows = list(device.outlet.factor_limits.all())
        registered = [row.factor.code for row in rows]
        for row in rows:
            limits[row.factor.code] = Limit(
                upper=float(row.limit_value) if row.limit_value is not None else None,
                lower=float(row.limit_min) if row.limit_min is not None else None,
                converted=row.uses_converted_value,
                standard=row.standard,
            )
        name = str(device.outlet)
    else:
        registered = [factor.code for factor in device.station.factors.all()]
        name = str(device.station)
    factors = usable_factors(kind, registered)
    if not factors:
        return None, f"none of its factors ({', '.join(registered)}) has a value model"
    return (
        DeviceSpec(
            mn=device.mn,
            password=password,
            version=device.protocol_version,
            kind=kind,
            factors=factors,
            limits=limits,
            name=name,
        ),
        "",
    )
