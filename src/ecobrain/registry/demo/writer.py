"""Writing a demo plan: create what is missing, keyed by code / credit code / number / MN; change nothing else.

Every instance passes ``full_clean()`` before a ``bulk_create`` (demo rows are not change-logged). Children
are attached only to parents that are themselves demo rows, so a real object that happens to hold a demo
key is never given demo outlets or loggers.
"""

from __future__ import annotations

from collections.abc import Iterable

from ecobrain.registry.demo.plans import DevicePlan, EnterprisePlan, StationPlan
from ecobrain.registry.demo.tables import ISSUED_BY
from ecobrain.registry.models import (
    Contact,
    Device,
    Enterprise,
    MonitoringFactor,
    Outlet,
    OutletFactor,
    Permit,
    PermitPollutant,
    Station,
)


def _create(model, objects: list, *, parents: tuple[str, ...] = ()) -> int:
    # ``parents`` are foreign keys to rows just read back in this transaction: validating each one would
    # cost a query per object for nothing (the constraints these fields take part in stay in the database).
    for obj in objects:
        obj.full_clean(exclude=parents)
    model.objects.bulk_create(objects)
    return len(objects)


def _device(plan: DevicePlan, **target) -> Device:
    device = Device(
        mn=plan.mn,
        protocol_version=plan.protocol_version,
        manufacturer=plan.manufacturer,
        model_name=plan.model_name,
        installed_on=plan.installed_on,
        is_demo=True,
        **target,
    )
    device.set_access_password(plan.password)
    return device


def _create_devices(pairs: Iterable[tuple[DevicePlan, dict]]) -> int:
    pairs = list(pairs)
    taken = set(Device.objects.filter(mn__in=[plan.mn for plan, _ in pairs]).values_list("mn", flat=True))
    devices = [_device(plan, **target) for plan, target in pairs if plan.mn not in taken]
    return _create(Device, devices, parents=("station", "outlet"))


def write_stations(plans: list[StationPlan], factors: dict[str, MonitoringFactor]) -> int:
    codes = [plan.code for plan in plans]
    taken = set(Station.objects.filter(code__in=codes).values_list("code", flat=True))
    created = _create(
        Station,
        [
            Station(
                code=plan.code,
                name=plan.name,
                kind=plan.kind,
                longitude=plan.lon,
                latitude=plan.lat,
                address=plan.address,
                is_assessment=plan.is_assessment,
                waterbody=plan.waterbody,
                water_target_class=plan.water_target_class,
                is_demo=True,
                notes=plan.notes,
            )
            for plan in plans
            if plan.code not in taken
        ],
    )
    stations = {s.code: s for s in Station.objects.filter(code__in=codes, is_demo=True)}
    # Demo sections written before stations had a waterbody and a target gain them (nothing else changes).
    for plan in plans:
        station = stations.get(plan.code)
        if station is not None and plan.waterbody and not station.waterbody and not station.water_target_class:
            Station.objects.filter(pk=station.pk).update(
                waterbody=plan.waterbody, water_target_class=plan.water_target_class, notes=plan.notes
            )
    through = Station.factors.through
    linked = set(through.objects.filter(station__in=stations.values()).values_list("station_id", "monitoringfactor_id"))
    links = [
        through(station_id=stations[plan.code].pk, monitoringfactor_id=factors[code].pk)
        for plan in plans
        if plan.code in stations
        for code in plan.factors
        if (stations[plan.code].pk, factors[code].pk) not in linked
    ]
    through.objects.bulk_create(links)
    created += len(links)
    created += _create_devices(
        (plan.device, {"station": stations[plan.code]}) for plan in plans if plan.device and plan.code in stations
    )
    return created


def write_enterprises(plans: list[EnterprisePlan], factors: dict[str, MonitoringFactor]) -> int:
    codes = [plan.credit_code for plan in plans]
    taken = set(Enterprise.objects.filter(credit_code__in=codes).values_list("credit_code", flat=True))
    created = _create(
        Enterprise,
        [
            Enterprise(
                name=plan.name,
                credit_code=plan.credit_code,
                industry=plan.industry,
                address=plan.address,
                longitude=plan.lon,
                latitude=plan.lat,
                key_unit_category=plan.key_unit_category,
                status=plan.status,
                legal_representative=plan.legal_representative,
                is_demo=True,
            )
            for plan in plans
            if plan.credit_code not in taken
        ],
    )
    enterprises = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes, is_demo=True)}
    plans = [plan for plan in plans if plan.credit_code in enterprises]
    created += _write_contacts(plans, enterprises)
    created += _write_permits(plans, enterprises, factors)
    created += _write_outlets(plans, enterprises, factors)
    return created


def _write_contacts(plans: list[EnterprisePlan], enterprises: dict[str, Enterprise]) -> int:
    taken = set(Contact.objects.filter(enterprise__in=enterprises.values()).values_list("enterprise_id", "name"))
    contacts = []
    for plan in plans:
        enterprise = enterprises[plan.credit_code]
        for contact in plan.contacts:
            if (enterprise.pk, contact.name) not in taken:
                contacts.append(
                    Contact(
                        enterprise=enterprise,
                        name=contact.name,
                        title=contact.title,
                        phone=contact.phone,
                        email=contact.email,
                    )
                )
    return _create(Contact, contacts, parents=("enterprise",))


def _write_permits(plans: list[EnterprisePlan], enterprises: dict[str, Enterprise], factors: dict) -> int:
    numbers = [plan.permit.number for plan in plans]
    taken = set(Permit.objects.filter(number__in=numbers).values_list("number", flat=True))
    permits = [
        Permit(
            enterprise=enterprises[plan.credit_code],
            number=plan.permit.number,
            category=plan.permit.category,
            issued_by=ISSUED_BY,
            valid_from=plan.permit.valid_from,
            valid_to=plan.permit.valid_to,
        )
        for plan in plans
        if plan.permit.number not in taken
    ]
    created = _create(Permit, permits, parents=("enterprise",))
    saved = {p.number: p for p in Permit.objects.filter(number__in=numbers, enterprise__in=enterprises.values())}
    capped = set(PermitPollutant.objects.filter(permit__in=saved.values()).values_list("permit_id", "factor_id"))
    pollutants = []
    for plan in plans:
        permit = saved.get(plan.permit.number)
        for code, cap in plan.permit.caps.items() if permit else ():
            if (permit.pk, factors[code].pk) not in capped:
                pollutants.append(PermitPollutant(permit=permit, factor=factors[code], annual_cap_t=cap))
    return created + _create(PermitPollutant, pollutants, parents=("permit", "factor"))


def _write_outlets(plans: list[EnterprisePlan], enterprises: dict[str, Enterprise], factors: dict) -> int:
    taken = set(Outlet.objects.filter(enterprise__in=enterprises.values()).values_list("enterprise_id", "code"))
    outlets = [
        Outlet(
            enterprise=enterprises[plan.credit_code],
            code=outlet.code,
            name=outlet.name,
            kind=outlet.kind,
            height_m=outlet.height_m,
            longitude=outlet.lon,
            latitude=outlet.lat,
            is_online_monitored=True,
            is_demo=True,
        )
        for plan in plans
        for outlet in plan.outlets
        if (enterprises[plan.credit_code].pk, outlet.code) not in taken
    ]
    created = _create(Outlet, outlets, parents=("enterprise",))
    rows = Outlet.objects.filter(enterprise__in=enterprises.values(), is_demo=True)
    saved = {(o.enterprise_id, o.code): o for o in rows}
    targets = []  # (saved outlet, its plan)
    for plan in plans:
        for outlet in plan.outlets:
            row = saved.get((enterprises[plan.credit_code].pk, outlet.code))
            if row is not None:
                targets.append((row, outlet))
    limited = set(OutletFactor.objects.filter(outlet__in=saved.values()).values_list("outlet_id", "factor_id"))
    limits = [
        OutletFactor(
            outlet=row,
            factor=factors[limit.factor],
            limit_min=limit.minimum,
            limit_value=limit.value,
            limit_unit=limit.unit,
            limit_basis=limit.basis,
            uses_converted_value=limit.converted,
            standard=limit.standard,
        )
        for row, outlet in targets
        for limit in outlet.limits
        if (row.pk, factors[limit.factor].pk) not in limited
    ]
    created += _create(OutletFactor, limits, parents=("outlet", "factor"))
    return created + _create_devices((outlet.device, {"outlet": row}) for row, outlet in targets)
