"""Small builders for test objects with valid data (credit codes, coordinates inside a district)."""

from __future__ import annotations

import itertools
from datetime import date

from ecobrain.accounts.models import User
from ecobrain.core import geo
from ecobrain.core.models import Region
from ecobrain.core.services import ensure_organisations, load_regions
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
from ecobrain.registry.services import load_factor_table
from ecobrain.standards.uscc import make_credit_code

PASSWORD = "correct-horse-battery-staple"
_serial = itertools.count(1)


def load_base():
    """The city's base data; loaded once per test database (see conftest.django_db_setup), reloaded only
    when a test that flushes the database (transactional_db, live_server) removed it."""
    city = Region.objects.filter(adcode="610400").first()
    if city is None or not MonitoringFactor.objects.exists():
        load_regions()
        ensure_organisations()
        load_factor_table()
        city = Region.objects.get(adcode="610400")
    return city


def region(adcode: str) -> Region:
    return Region.objects.get(adcode=adcode)


def point_in(district: Region) -> tuple[float, float]:
    return geo.representative_point(district)


def user(username: str, role: str, *, city_wide: bool = False, districts=(), enterprise=None) -> User:
    obj = User.objects.create_user(
        username=username, password=PASSWORD, role=role, city_wide=city_wide, enterprise=enterprise
    )
    if districts:
        obj.districts.set(districts)
    return obj


def credit_code(district: Region) -> str:
    n = next(_serial)
    return make_credit_code(f"91{district.adcode}MA{n:07d}")


def enterprise(district: Region, *, name: str | None = None, **fields) -> Enterprise:
    lon, lat = point_in(district)
    obj = Enterprise(
        name=name or f"测试企业{next(_serial)}",
        credit_code=fields.pop("credit_code", None) or credit_code(district),
        industry=fields.pop("industry", "D4411"),
        longitude=lon,
        latitude=lat,
        **fields,
    )
    obj.full_clean()
    obj.save()
    return obj


def station(district: Region, *, code: str | None = None, kind: str = "air_city", **fields) -> Station:
    lon, lat = point_in(district)
    obj = Station(
        code=code or f"T{next(_serial):04d}",
        name=fields.pop("name", "测试站"),
        kind=kind,
        longitude=lon,
        latitude=lat,
        **fields,
    )
    obj.full_clean()
    obj.save()
    return obj


def outlet(ent: Enterprise, *, code: str = "DA001", kind: str = "gas", **fields) -> Outlet:
    obj = Outlet(enterprise=ent, code=code, name=fields.pop("name", "1#锅炉排气筒"), kind=kind, **fields)
    obj.full_clean()
    obj.save()
    return obj


def outlet_factor(out: Outlet, factor_code: str = "a21026", **fields) -> OutletFactor:
    obj = OutletFactor(
        outlet=out,
        factor=MonitoringFactor.objects.get(code=factor_code),
        limit_value=fields.pop("limit_value", 35),
        standard=fields.pop("standard", "GB 13223-2011"),
        **fields,
    )
    obj.full_clean()
    obj.save()
    return obj


def permit(ent: Enterprise, *, number: str | None = None, **fields) -> Permit:
    obj = Permit(
        enterprise=ent,
        number=number or f"{ent.credit_code}001P",
        category=fields.pop("category", "key"),
        valid_from=fields.pop("valid_from", date(2024, 1, 1)),
        valid_to=fields.pop("valid_to", date(2029, 1, 1)),
        **fields,
    )
    obj.full_clean()
    obj.save()
    return obj


def device(*, mn: str | None = None, password: str = "123456", station=None, outlet=None, **fields) -> Device:
    obj = Device(mn=mn or f"MN{next(_serial):012d}", station=station, outlet=outlet, **fields)
    obj.set_access_password(password)
    obj.full_clean()
    obj.save()
    return obj


def contact(ent: Enterprise, *, name: str = "王环保", **fields) -> Contact:
    obj = Contact(
        enterprise=ent,
        name=name,
        title=fields.pop("title", "环保专员"),
        phone=fields.pop("phone", "13800000000"),
        **fields,
    )
    obj.full_clean()
    obj.save()
    return obj


def permit_pollutant(pmt: Permit, factor_code: str = "a21026", **fields) -> PermitPollutant:
    obj = PermitPollutant(
        permit=pmt,
        factor=MonitoringFactor.objects.get(code=factor_code),
        annual_cap_t=fields.pop("annual_cap_t", 12),
        **fields,
    )
    obj.full_clean()
    obj.save()
    return obj


def clear_base() -> None:
    """Empty the base-data tables (inside a test's transaction) to test loading into an empty database."""
    from ecobrain.core.models import Organisation

    Organisation.objects.filter(parent__isnull=False).delete()
    Organisation.objects.all().delete()
    Region.objects.filter(parent__isnull=False).delete()
    Region.objects.all().delete()
    MonitoringFactor.objects.all().delete()
