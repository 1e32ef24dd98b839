"""The demo registry: counts, validity, positions, determinism and idempotence of `load_demo_registry`."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.db import transaction
from django.db.models import Count, Max

from ecobrain.audit.models import ObjectChange
from ecobrain.core import geo
from ecobrain.registry.choices import KeyUnitCategory, OutletKind, StationKind
from ecobrain.registry.demo import DemoDataError, load_demo_registry
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
from ecobrain.standards.uscc import is_valid_credit_code
from tests import factories

pytestmark = pytest.mark.django_db

NATIONAL = {
    "1918A": ("气象站(对照点)", 108.7197, 34.3956),
    "1919A": ("实验中学", 108.673, 34.3155),
    "1920A": ("师范学院", 108.7233, 34.3617),
    "3165A": ("两寺渡", 108.6594, 34.2969),
}
EXPECTED = {
    "air stations": 141,
    "VOCs stations": 7,
    "water stations": 4,
    "soil points": 49,
    "radiation stations": 1,
    "thermal cameras": 316,
    "enterprises": 120,
    "permits": 120,
    "outlets": 220,
}
DEMO_MODELS = (Station, Enterprise, Contact, Permit, PermitPollutant, Outlet, OutletFactor, Device)


@pytest.fixture
def demo(base_data):
    return load_demo_registry()


def _digest() -> str:
    """Everything a seed decides, independent of primary keys and of the random salt of encryption."""
    rows = [
        *Station.objects.order_by("code").values_list("code", "name", "kind", "longitude", "latitude", "notes"),
        *Enterprise.objects.order_by("credit_code").values_list(
            "credit_code", "name", "industry", "longitude", "latitude", "address", "legal_representative"
        ),
        *Contact.objects.order_by("enterprise__credit_code", "name").values_list("name", "phone"),
        *Permit.objects.order_by("number").values_list("number", "category", "valid_from", "valid_to"),
        *PermitPollutant.objects.order_by("permit__number", "factor__code").values_list("factor__code", "annual_cap_t"),
        *Outlet.objects.order_by("enterprise__credit_code", "code").values_list(
            "code", "name", "height_m", "longitude", "latitude"
        ),
        *OutletFactor.objects.order_by("outlet__enterprise__credit_code", "outlet__code", "factor__code").values_list(
            "factor__code", "limit_value", "standard"
        ),
        *[(d.mn, d.protocol_version, d.access_password(), d.station_id is None) for d in Device.objects.order_by("mn")],
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_counts_and_return_value(demo):
    assert {key: demo[key] for key in EXPECTED} == EXPECTED
    assert demo["devices"] == 220 + 141 + 7 + 4  # every outlet, air, VOCs and water station has a logger
    assert demo["created"] > 0
    by_kind = dict(Station.objects.values_list("kind").annotate(n=Count("id")))
    assert by_kind[StationKind.AIR_NATIONAL] == 4
    assert by_kind[StationKind.AIR_PROVINCIAL] == 14
    assert by_kind[StationKind.AIR_CITY] + by_kind[StationKind.AIR_MICRO] == 141 - 18
    assert Station.objects.filter(is_demo=False).count() == 0


def test_national_stations_have_real_codes_and_coordinates(demo):
    for code, (name, lon, lat) in NATIONAL.items():
        station = Station.objects.get(code=code)
        assert (station.name, station.longitude, station.latitude) == (name, lon, lat)
        assert station.kind == StationKind.AIR_NATIONAL
        # HJ 663 §4: a control point (对照点) is not an assessment point of the city.
        assert station.is_assessment is ("对照点" not in name)
        assert station.factors.count() == 11
        assert station.devices.count() == 1
    demo_positions = Station.objects.exclude(kind=StationKind.AIR_NATIONAL)
    assert not demo_positions.exclude(notes__contains="演示点位，非真实坐标").exists()


def test_every_object_is_valid_and_in_its_district(demo):
    for model in (Station, Enterprise, Outlet, Device, Permit, Contact):
        for obj in model.objects.all():
            obj.full_clean()
    for model in (Station, Enterprise, Outlet):
        for obj in model.objects.exclude(longitude=None):
            assert obj.district_id == geo.locate_district_id(obj.longitude, obj.latitude), obj
    for outlet in Outlet.objects.select_related("enterprise"):
        assert outlet.district_id == outlet.enterprise.district_id


def test_enterprises_have_valid_codes_permits_and_contacts(demo):
    for enterprise in Enterprise.objects.select_related("district").prefetch_related("outlets", "contacts"):
        assert is_valid_credit_code(enterprise.credit_code)
        assert enterprise.credit_code[2:8] == enterprise.district.adcode  # located in the county it registered in
        assert enterprise.is_demo and enterprise.legal_representative and enterprise.address
        assert 1 <= enterprise.contacts.count() <= 2
        kinds = {outlet.kind for outlet in enterprise.outlets.all()}
        assert kinds, enterprise
        expected = {
            frozenset({OutletKind.GAS}): KeyUnitCategory.AIR,
            frozenset({OutletKind.WATER}): KeyUnitCategory.WATER,
            frozenset({OutletKind.GAS, OutletKind.WATER}): KeyUnitCategory.WATER_AIR,
        }[frozenset(kinds)]
        assert enterprise.key_unit_category == expected
    for permit in Permit.objects.prefetch_related("pollutants"):
        assert permit.number.startswith(permit.enterprise.credit_code)
        assert 2022 <= permit.valid_from.year <= 2024 and permit.valid_to.year == permit.valid_from.year + 5
        assert permit.pollutants.exists()
        assert all(p.annual_cap_t > 0 for p in permit.pollutants.all())
    assert Enterprise.objects.values("name").distinct().count() == 120
    coal = Enterprise.objects.filter(industry="B06")
    assert set(coal.values_list("district__adcode", flat=True)) <= {"610482", "610428", "610429"}


def test_outlets_limits_and_devices(demo):
    outlets = Outlet.objects.annotate(n=Count("devices"))
    assert outlets.count() == 220 and set(outlets.values_list("n", flat=True)) == {1}
    assert all(o.is_online_monitored and o.is_demo for o in outlets)
    for outlet in Outlet.objects.filter(kind=OutletKind.GAS):
        assert re.fullmatch(r"DA\d{3}", outlet.code) and 40 <= outlet.height_m <= 240
    assert not Outlet.objects.filter(kind=OutletKind.WATER).exclude(height_m=None).exists()
    limited = OutletFactor.objects.exclude(limit_value=None)
    assert limited.count() > 600
    assert not limited.filter(standard="").exists()
    assert not limited.exclude(factor__code="w01001").filter(limit_unit="").exists()
    # pH is a dimensionless range, 6–9 in GB 8978-1996 and GB 18918-2002.
    ph = OutletFactor.objects.filter(factor__code="w01001")
    assert ph.count() == 103 and set(ph.values_list("limit_min", "limit_value").distinct()) == {(6, 9)}
    assert ph.first().limit_display() == "6–9"
    power_so2 = limited.filter(outlet__enterprise__industry="D4411", factor__code="a21026")
    assert set(power_so2.values_list("limit_value", flat=True)) <= {35, 50}
    assert all(power_so2.values_list("uses_converted_value", flat=True))
    wwtp_cod = limited.filter(outlet__enterprise__industry="D4620", factor__code="w01018")
    assert set(wwtp_cod.values_list("standard", "limit_value")) == {("GB 18918-2002 一级A", 50)}


def test_devices_have_unique_mns_passwords_and_mixed_protocols(demo):
    devices = list(Device.objects.all())
    mns = [d.mn for d in devices]
    assert len(mns) == len(set(mns))
    assert all(re.fullmatch(r"\d{14}(\d{10})?", mn) for mn in mns)
    assert all(len(d.mn) == (14 if d.protocol_version == "2005" else 24) for d in devices)
    assert all(re.fullmatch(r"\d{6}", d.access_password()) for d in devices)
    versions = [d.protocol_version for d in devices]
    assert versions.count("2017") > len(versions) / 2
    assert {"2005", "2025"} <= set(versions)
    with_device = Station.objects.filter(devices__isnull=False).values_list("kind", flat=True)
    assert set(with_device) == {
        StationKind.AIR_NATIONAL,
        StationKind.AIR_PROVINCIAL,
        StationKind.AIR_CITY,
        StationKind.AIR_MICRO,
        StationKind.VOCS,
        StationKind.WATER_AUTO,
        StationKind.WATER_SECTION,
    }


def test_station_factors(demo):
    def codes(station):
        return set(station.factors.values_list("code", flat=True))

    for station in Station.objects.filter(kind=StationKind.AIR_MICRO):
        assert (
            {"a34004", "a34002", "a21004"}
            <= codes(station)
            <= {"a34004", "a34002", "a21026", "a21004", "a21005", "a05024"}
        )
    for station in Station.objects.filter(kind=StationKind.VOCS):
        assert codes(station) == {"a24088", "a25002", "a99054"}
    for station in Station.objects.filter(kind__in=[StationKind.WATER_AUTO, StationKind.WATER_SECTION]):
        assert len(codes(station)) == 9 and "w21003" in codes(station)


def _state() -> dict:
    """Row count and last update of every demo model, with the station–factor links and the change log."""
    state = {model: (model.objects.count(), model.objects.aggregate(m=Max("updated"))["m"]) for model in DEMO_MODELS}
    return {**state, "links": Station.factors.through.objects.count(), "changes": ObjectChange.objects.count()}


def test_second_call_creates_and_changes_nothing(demo):
    before, digest = _state(), _digest()
    again = load_demo_registry()
    assert again == {**demo, "created": 0}
    assert _state() == before
    assert _digest() == digest


def test_a_deleted_demo_object_comes_back(demo):
    outlet = Outlet.objects.order_by("pk").first()
    key = (outlet.enterprise_id, outlet.code)
    outlet.devices.all().delete()
    outlet.delete()
    assert load_demo_registry()["created"] > 1
    assert Outlet.objects.filter(enterprise_id=key[0], code=key[1]).exists()
    assert Outlet.objects.count() == 220


def test_water_sections_have_a_waterbody_and_a_demo_target(demo):
    sections = Station.objects.filter(kind__in=[StationKind.WATER_AUTO, StationKind.WATER_SECTION])
    assert dict(sections.values_list("code", "water_target_class")) == {
        "SXY-WQ-01": "III",
        "SXY-WQ-02": "IV",
        "SXY-WQ-03": "III",
        "SXY-WQ-04": "III",
    }
    assert set(sections.values_list("waterbody", flat=True)) == {"river"}  # 渭河 and 泾河 sections
    assert all("水质目标为演示值" in notes for notes in sections.values_list("notes", flat=True))
    assert not Station.objects.exclude(pk__in=sections).exclude(waterbody="", water_target_class="").exists()


def test_an_older_demo_section_gains_waterbody_and_target(demo):
    """A demo database written before stations had these fields gets them; nothing else changes."""
    Station.objects.filter(code="SXY-WQ-02").update(waterbody="", water_target_class="", notes="旧备注")
    assert load_demo_registry()["created"] == 0
    station = Station.objects.get(code="SXY-WQ-02")
    assert (station.waterbody, station.water_target_class) == ("river", "IV")


def test_a_real_object_holding_a_demo_key_is_left_alone(base_data):
    real = factories.station(factories.region("610404"), code="SXY-VOC-02", kind=StationKind.VOCS, name="真实站")
    summary = load_demo_registry()
    real.refresh_from_db()
    assert (real.name, real.is_demo, real.devices.count(), real.factors.count()) == ("真实站", False, 0, 0)
    assert summary["VOCs stations"] == 6 and summary["devices"] == 220 + 141 + 6 + 4


def test_same_seed_same_data_other_seed_other_data(base_data):
    def load_and_digest(seed):
        with transaction.atomic():
            load_demo_registry(seed=seed)
            digest = _digest()
            transaction.set_rollback(True)
        return digest

    first = load_and_digest(2026)
    assert Station.objects.count() == 0  # rolled back: the next load starts from an empty registry
    assert load_and_digest(2026) == first
    assert load_and_digest(7) != first


def test_other_seed_keeps_station_codes_and_national_stations(base_data):
    load_demo_registry(seed=7)
    assert Station.objects.filter(code="SXY-TC-0316").exists()
    assert Station.objects.get(code="1920A").longitude == 108.7233


def test_requires_base_data(base_data):
    MonitoringFactor.objects.all().delete()  # rolled back with the test
    with pytest.raises(DemoDataError, match="loadbase"):
        load_demo_registry()
