"""Registry writes with rules: base reference data, and device registration from scripts."""

from __future__ import annotations

from django.db import transaction

from ecobrain.audit.changelog import change_actor
from ecobrain.registry.models import Device, MonitoringFactor
from ecobrain.standards.factors import factor_table


@transaction.atomic
def load_factor_table() -> dict[str, int]:
    """Create or update the HJ 212 factor-code table (idempotent; a re-run changes nothing)."""
    created = updated = 0
    with change_actor(None, source="system"):
        for factor in factor_table().values():
            values = {
                "old_code": factor.old_code,
                "name": factor.name,
                "name_en": factor.name_en,
                "medium": factor.medium,
                "unit": factor.unit,
                "ambient_unit": factor.ambient_unit,
                "emission_unit": factor.emission_unit,
                "data_type": factor.data_type,
                "source": factor.source,
            }
            obj = MonitoringFactor.objects.filter(code=factor.code).first()
            if obj is None:
                MonitoringFactor.objects.create(code=factor.code, **values)
                created += 1
            elif any(getattr(obj, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(obj, key, value)
                obj.save()
                updated += 1
    return {"created": created, "updated": updated}


@transaction.atomic
def register_device(
    *, actor, mn: str, password: str, station=None, outlet=None, protocol_version: str = "2017", **fields
) -> Device:
    """Register (or re-point and re-key) a data logger by MN; validates like the form does."""
    from ecobrain.core import gate

    device = Device.objects.filter(mn=mn.strip()).first() or Device(mn=mn.strip())
    device.station, device.outlet = station, outlet
    device.protocol_version = protocol_version
    for key, value in fields.items():
        setattr(device, key, value)
    device.set_access_password(password)
    device.full_clean()
    if actor is not None:
        gate.ensure_allowed(actor, "change" if device.pk else "add", device)
    with change_actor(actor, source="cli"):
        device.save()
    return device
