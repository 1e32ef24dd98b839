"""The registry JSON API under /api/v1/: CRUD per model, the gate's scope on every model, bad input."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pytest
from rest_framework.test import APIClient

from ecobrain.core.api import GatedViewSetMixin
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
from tests import factories

API = "/api/v1"
BEIJING = (116.397, 39.909)  # well outside Xianyang


@dataclass
class Side:
    """One enterprise's file plus a station, all in one district."""

    enterprise: Enterprise
    contact: Contact
    outlet: Outlet
    outlet_factor: OutletFactor
    permit: Permit
    pollutant: PermitPollutant
    station: Station
    station_device: Device
    outlet_device: Device


def build_side(district, enterprise=None) -> Side:
    enterprise = enterprise or factories.enterprise(district)
    outlet = factories.outlet(enterprise)
    permit = factories.permit(enterprise)
    station = factories.station(district)
    station.factors.set(MonitoringFactor.objects.filter(code__in=["a34004", "a21026"]))
    return Side(
        enterprise=enterprise,
        contact=Contact.objects.create(enterprise=enterprise, name="王环保", title="环保专员", phone="13800000000"),
        outlet=outlet,
        outlet_factor=factories.outlet_factor(outlet),
        permit=permit,
        pollutant=PermitPollutant.objects.create(
            permit=permit, factor=MonitoringFactor.objects.get(code="a21026"), annual_cap_t=12
        ),
        station=station,
        station_device=factories.device(station=station),
        outlet_device=factories.device(outlet=outlet),
    )


@dataclass
class World:
    qindu: Side
    binzhou: Side


@pytest.fixture
def world(qindu, binzhou, enterprise_in_qindu, enterprise_in_binzhou) -> World:
    return World(qindu=build_side(qindu, enterprise_in_qindu), binzhou=build_side(binzhou, enterprise_in_binzhou))


@pytest.fixture
def monitor_qindu(qindu):
    """Monitoring staff (may add/change/delete stations and devices) scoped to 秦都区 only."""
    return factories.user("monitor_qindu", "monitoring_staff", districts=[qindu])


@pytest.fixture
def officer_qindu(qindu):
    """An enforcement officer (may edit permits and devices) scoped to 秦都区 only."""
    return factories.user("officer_qindu", "enforcement_officer", districts=[qindu])


@pytest.fixture
def as_user():
    """``as_user(user)``: an APIClient authenticated as that persona."""

    def _as(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return _as


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def url(prefix: str, pk=None) -> str:
    return f"{API}/{prefix}/" if pk is None else f"{API}/{prefix}/{pk}/"


def field_errors(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()


def enterprise_payload(where, **overrides) -> dict:
    lon, lat = factories.point_in(where)
    payload = {
        "name": "咸阳新建化工有限公司",
        "credit_code": factories.credit_code(where),
        "industry": "C26",
        "longitude": lon,
        "latitude": lat,
    }
    return {**payload, **overrides}


def station_payload(where, **overrides) -> dict:
    lon, lat = factories.point_in(where)
    payload = {"code": "API001", "name": "接口测试站", "kind": "air_city", "longitude": lon, "latitude": lat}
    return {**payload, **overrides}


# --- anonymous, roles ---------------------------------------------------------------------------------------

PREFIXES = {
    MonitoringFactor: "factors",
    Station: "stations",
    Enterprise: "enterprises",
    Contact: "contacts",
    Outlet: "outlets",
    OutletFactor: "outlet-factors",
    Permit: "permits",
    PermitPollutant: "permit-pollutants",
    Device: "devices",
}
ALL_PREFIXES = list(PREFIXES.values())


@pytest.mark.parametrize("prefix", ALL_PREFIXES)
def test_anonymous_is_refused_with_401(world, prefix):
    client = APIClient()
    response = client.get(url(prefix))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert client.post(url(prefix), {}, format="json").status_code == 401
    assert "results" not in response.json()


@pytest.mark.parametrize("prefix", ["enterprises", "contacts", "outlets", "outlet-factors", "permits", "devices"])
def test_data_consumer_cannot_see_enterprise_data(as_user, consumer, world, prefix):
    response = as_user(consumer).get(url(prefix))
    assert response.status_code == 403
    assert "无权" in response.json()["detail"]


def test_enterprise_user_cannot_see_stations(as_user, enterprise_user, world):
    assert as_user(enterprise_user).get(url("stations")).status_code == 403


def test_read_only_roles_cannot_write(as_user, handler, leader, enterprise_user, world):
    # district handlers may only read permits, devices and stations; the leader reads everything.
    assert as_user(handler).post(url("permits"), {}, format="json").status_code == 403
    assert as_user(handler).patch(url("devices", world.qindu.outlet_device.pk), {}, format="json").status_code == 403
    assert as_user(handler).post(url("stations"), station_payload(world.qindu.station.district)).status_code == 403
    assert as_user(handler).delete(url("enterprises", world.qindu.enterprise.pk)).status_code == 403
    assert as_user(leader).patch(url("enterprises", world.qindu.enterprise.pk), {"name": "x"}).status_code == 403
    response = as_user(enterprise_user).patch(url("contacts", world.qindu.contact.pk), {"name": "x"}, format="json")
    assert response.status_code == 403
    world.qindu.contact.refresh_from_db()
    assert world.qindu.contact.name == "王环保"
    assert Enterprise.objects.filter(pk=world.qindu.enterprise.pk).exists()


# --- scope: reads -------------------------------------------------------------------------------------------

SCOPED = [
    ("stations", "station"),
    ("enterprises", "enterprise"),
    ("contacts", "contact"),
    ("outlets", "outlet"),
    ("outlet-factors", "outlet_factor"),
    ("permits", "permit"),
    ("permit-pollutants", "pollutant"),
    ("devices", "station_device"),
    ("devices", "outlet_device"),
]


@pytest.mark.parametrize(("prefix", "attr"), SCOPED)
def test_district_handler_sees_only_own_district(as_user, handler, world, prefix, attr):
    client = as_user(handler)
    own, other = getattr(world.qindu, attr), getattr(world.binzhou, attr)
    listed = ids(client.get(url(prefix)))
    assert own.pk in listed
    assert other.pk not in listed
    assert client.get(url(prefix, own.pk)).status_code == 200
    response = client.get(url(prefix, other.pk))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("prefix", "attrs"),
    [
        ("enterprises", ["enterprise"]),
        ("contacts", ["contact"]),
        ("outlets", ["outlet"]),
        ("outlet-factors", ["outlet_factor"]),
        ("permits", ["permit"]),
        ("permit-pollutants", ["pollutant"]),
        ("devices", ["outlet_device"]),  # a station's logger is not the enterprise's
    ],
)
def test_enterprise_user_sees_only_own_enterprise(as_user, enterprise_user, world, qindu, prefix, attrs):
    neighbour = build_side(qindu)  # same district, another enterprise
    client = as_user(enterprise_user)
    assert ids(client.get(url(prefix))) == {getattr(world.qindu, attr).pk for attr in attrs}
    assert client.get(url(prefix, getattr(neighbour, attrs[0]).pk)).status_code == 404
    assert client.get(url(prefix, getattr(world.binzhou, attrs[0]).pk)).status_code == 404


def test_enterprise_user_cannot_see_station_loggers(as_user, enterprise_user, world):
    response = as_user(enterprise_user).get(url("devices", world.qindu.station_device.pk))
    assert response.status_code == 404


def test_factors_are_reference_data_for_every_role(as_user, consumer, enterprise_user, world):
    total = MonitoringFactor.objects.count()
    assert total > 50
    for user in (consumer, enterprise_user):
        response = as_user(user).get(url("factors"), {"page_size": 1000})
        assert response.status_code == 200
        assert response.json()["count"] == total


# --- scope: writes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "prefix", "attr", "change"),
    [
        ("monitor_qindu", "stations", "station", {"name": "改名"}),
        ("handler", "enterprises", "enterprise", {"name": "改名"}),
        ("handler", "contacts", "contact", {"name": "改名"}),
        ("handler", "outlets", "outlet", {"name": "改名"}),
        ("handler", "outlet-factors", "outlet_factor", {"standard": "改名"}),
        ("officer_qindu", "permits", "permit", {"issued_by": "改名"}),
        ("officer_qindu", "permit-pollutants", "pollutant", {"annual_cap_t": "1.0000"}),
        ("officer_qindu", "devices", "outlet_device", {"manufacturer": "改名"}),
        ("officer_qindu", "devices", "station_device", {"manufacturer": "改名"}),
    ],
)
def test_cannot_change_or_delete_out_of_scope(request, as_user, world, persona, prefix, attr, change):
    client = as_user(request.getfixturevalue(persona))
    other = getattr(world.binzhou, attr)
    before = type(other).objects.get(pk=other.pk)
    assert client.patch(url(prefix, other.pk), change, format="json").status_code == 404
    assert client.put(url(prefix, other.pk), change, format="json").status_code == 404
    assert client.delete(url(prefix, other.pk)).status_code in {403, 404}  # 403 where the role may not delete
    after = type(other).objects.get(pk=other.pk)
    assert [getattr(after, key) for key in change] == [getattr(before, key) for key in change]
    # the same change inside the scope works, so the 404 above is the scope, not the payload
    own = getattr(world.qindu, attr)
    response = client.patch(url(prefix, own.pk), change, format="json")
    assert response.status_code == 200, response.content
    assert response.json()[next(iter(change))] == next(iter(change.values()))


def test_cannot_create_enterprise_in_another_district(as_user, handler, binzhou):
    client = as_user(handler)
    response = client.post(url("enterprises"), enterprise_payload(binzhou), format="json")
    assert response.status_code == 403
    assert "管辖范围" in response.json()["detail"]
    # without coordinates the district is chosen by hand: still out of scope
    payload = enterprise_payload(binzhou, longitude=None, latitude=None, district=binzhou.pk)
    assert client.post(url("enterprises"), payload, format="json").status_code == 403
    assert not Enterprise.objects.filter(name="咸阳新建化工有限公司").exists()


def test_cannot_move_enterprise_out_of_scope(as_user, handler, world, binzhou):
    enterprise = world.qindu.enterprise
    lon, lat = factories.point_in(binzhou)
    response = as_user(handler).patch(
        url("enterprises", enterprise.pk), {"longitude": lon, "latitude": lat}, format="json"
    )
    assert response.status_code == 403
    enterprise.refresh_from_db()
    assert enterprise.district.name == "秦都区"


def test_cannot_create_or_move_station_out_of_scope(as_user, monitor_qindu, world, binzhou):
    client = as_user(monitor_qindu)
    response = client.post(url("stations"), station_payload(binzhou), format="json")
    assert response.status_code == 403
    assert not Station.objects.filter(code="API001").exists()
    lon, lat = factories.point_in(binzhou)
    station = world.qindu.station
    response = client.patch(url("stations", station.pk), {"longitude": lon, "latitude": lat}, format="json")
    assert response.status_code == 403
    station.refresh_from_db()
    assert station.district.name == "秦都区"


@pytest.mark.parametrize(
    ("persona", "model", "payload", "field"),
    [
        ("handler", Contact, lambda w: {"enterprise": w.binzhou.enterprise.pk, "name": "李四"}, "enterprise"),
        (
            "handler",
            Outlet,
            lambda w: {"enterprise": w.binzhou.enterprise.pk, "code": "DA009", "name": "x", "kind": "gas"},
            "enterprise",
        ),
        (
            "handler",
            OutletFactor,
            lambda w: {"outlet": w.binzhou.outlet.pk, "factor": "a21002", "limit_value": 50, "standard": "GB"},
            "outlet",
        ),
        (
            "officer_qindu",
            Permit,
            lambda w: {
                "enterprise": w.binzhou.enterprise.pk,
                "number": "P-OUT-1",
                "category": "key",
                "valid_from": "2025-01-01",
                "valid_to": "2030-01-01",
            },
            "enterprise",
        ),
        ("officer_qindu", PermitPollutant, lambda w: {"permit": w.binzhou.permit.pk, "factor": "a21002"}, "permit"),
        (
            "officer_qindu",
            Device,
            lambda w: {"mn": "OUTOFSCOPE1", "password": "123456", "station": w.binzhou.station.pk},
            "station",
        ),
        (
            "officer_qindu",
            Device,
            lambda w: {"mn": "OUTOFSCOPE2", "password": "123456", "outlet": w.binzhou.outlet.pk},
            "outlet",
        ),
    ],
)
def test_cannot_attach_to_out_of_scope_parent(request, as_user, world, persona, model, payload, field):
    """A parent outside the scope does not exist for the user (as its detail is a 404)."""
    prefix = PREFIXES[model]
    client = as_user(request.getfixturevalue(persona))
    count = model.objects.count()
    errors = field_errors(client.post(url(prefix), payload(world), format="json"))
    assert list(errors) == [field]
    assert "不存在" in errors[field][0]
    assert model.objects.count() == count


def test_factor_writes_need_the_grant(as_user, handler, consumer, monitor, world):
    payload = {"code": "a99901", "name": "测试因子", "medium": "gas"}
    assert as_user(handler).post(url("factors"), payload, format="json").status_code == 403
    assert as_user(consumer).post(url("factors"), payload, format="json").status_code == 403
    assert as_user(monitor).delete(url("factors", MonitoringFactor.objects.get(code="a21026").pk)).status_code == 403
    assert not MonitoringFactor.objects.filter(code="a99901").exists()


# --- CRUD per model for the allowed role -------------------------------------------------------------------


def roundtrip(client, prefix: str, payload: dict, change: dict, deleter) -> dict:
    """POST, GET, PATCH, DELETE one object; returns the created representation."""
    created = client.post(url(prefix), payload, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    pk = body["id"]
    detail = client.get(url(prefix, pk))
    assert detail.status_code == 200
    assert detail.json() == {**body, "updated": detail.json()["updated"]}
    assert pk in ids(client.get(url(prefix), {"page_size": 1000}))
    changed = client.patch(url(prefix, pk), change, format="json")
    assert changed.status_code == 200, changed.content
    for key, value in change.items():
        assert changed.json()[key] == value
    assert deleter.delete(url(prefix, pk)).status_code == 204
    assert client.get(url(prefix, pk)).status_code == 404
    return body


def test_factor_crud(as_user, monitor, admin_user, base_data):
    body = roundtrip(
        as_user(monitor),
        "factors",
        {"code": "a99901", "name": "测试因子", "medium": "gas", "unit": "mg/m³"},
        {"name": "测试因子（改）"},
        as_user(admin_user),
    )
    assert body["medium_display"] == "气"
    assert not MonitoringFactor.objects.filter(code="a99901").exists()


def test_factor_filter_and_ordering(as_user, consumer, base_data):
    response = as_user(consumer).get(url("factors"), {"medium": "water", "ordering": "-code", "page_size": 1000})
    rows = response.json()["results"]
    assert rows
    assert {row["medium"] for row in rows} == {"water"}
    assert [row["code"] for row in rows] == sorted((row["code"] for row in rows), reverse=True)
    assert response.json()["count"] == MonitoringFactor.objects.filter(medium="water").count()


def test_station_crud_with_factor_codes(as_user, monitor, qindu):
    client = as_user(monitor)
    body = roundtrip(
        client,
        "stations",
        station_payload(qindu, factors=["a34004", "a21026"]),
        {"factors": ["a21026"], "status": "suspended"},
        client,
    )
    assert body["district"] == qindu.pk
    assert body["district_name"] == "秦都区"
    assert sorted(body["factors"]) == ["a21026", "a34004"]
    assert body["kind_display"] == "空气市控站"
    assert not Station.objects.filter(code="API001").exists()


def test_station_put_replaces_factors(as_user, monitor, world):
    station = world.qindu.station
    payload = station_payload(station.district, code=station.code, name="整体替换", factors=["a21002"])
    response = as_user(monitor).put(url("stations", station.pk), payload, format="json")
    assert response.status_code == 200, response.content
    station.refresh_from_db()
    assert station.name == "整体替换"
    assert list(station.factors.values_list("code", flat=True)) == ["a21002"]


def test_station_district_is_derived_not_written(as_user, monitor, qindu, binzhou):
    response = as_user(monitor).post(url("stations"), station_payload(qindu, district=binzhou.pk), format="json")
    assert response.status_code == 201
    assert response.json()["district"] == qindu.pk


def test_station_filters(as_user, monitor, world):
    client = as_user(monitor)
    assert ids(client.get(url("stations"), {"district": world.binzhou.station.district_id})) == {
        world.binzhou.station.pk
    }
    assert ids(client.get(url("stations"), {"factor": "a34004"})) == {world.qindu.station.pk, world.binzhou.station.pk}
    assert ids(client.get(url("stations"), {"factor": "w01018"})) == set()


def test_enterprise_crud(as_user, handler, admin_user, qindu):
    payload = enterprise_payload(qindu, legal_representative="张三")
    body = roundtrip(as_user(handler), "enterprises", payload, {"status": "suspended"}, as_user(admin_user))
    assert body["district"] == qindu.pk
    assert body["district_name"] == "秦都区"
    assert body["industry_display"].startswith("化学原料")
    assert body["credit_code"] == payload["credit_code"]
    assert not Enterprise.objects.filter(credit_code=payload["credit_code"]).exists()


def test_enterprise_without_coordinates_keeps_chosen_district(as_user, handler, qindu):
    payload = enterprise_payload(qindu, longitude=None, latitude=None, district=qindu.pk)
    response = as_user(handler).post(url("enterprises"), payload, format="json")
    assert response.status_code == 201, response.content
    assert Enterprise.objects.get(pk=response.json()["id"]).district == qindu


def test_enterprise_credit_code_is_normalised(as_user, handler, qindu):
    payload = enterprise_payload(qindu)
    payload["credit_code"] = f"  {payload['credit_code'].lower()} "
    response = as_user(handler).post(url("enterprises"), payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["credit_code"] == payload["credit_code"].strip().upper()


def test_contact_crud(as_user, handler, admin_user, world):
    body = roundtrip(
        as_user(handler),
        "contacts",
        {"enterprise": world.qindu.enterprise.pk, "name": "李四", "email": "lisi@example.com"},
        {"title": "总经理"},
        as_user(admin_user),
    )
    assert body["enterprise_name"] == "咸阳示范热电有限公司"


def test_outlet_crud(as_user, handler, admin_user, world):
    body = roundtrip(
        as_user(handler),
        "outlets",
        {"enterprise": world.qindu.enterprise.pk, "code": "dw001", "name": "总排口", "kind": "water"},
        {"name": "废水总排口"},
        as_user(admin_user),
    )
    assert body["code"] == "DW001"  # the model normalises the code
    assert body["kind_display"] == "废水排放口"
    assert body["district"] is None  # no coordinates given


def test_outlet_factor_crud(as_user, handler, admin_user, world):
    body = roundtrip(
        as_user(handler),
        "outlet-factors",
        {"outlet": world.qindu.outlet.pk, "factor": "a21002", "limit_value": "50.0000", "standard": "GB 13223-2011"},
        {"limit_value": "100.0000"},
        as_user(admin_user),
    )
    assert body["factor_name"] == "氮氧化物"
    assert body["limit_display"] == "≤ 50"
    assert body["outlet_code"] == "DA001"
    assert body["enterprise"] == world.qindu.enterprise.pk


def test_permit_crud(as_user, officer, admin_user, world):
    body = roundtrip(
        as_user(officer),
        "permits",
        {
            "enterprise": world.binzhou.enterprise.pk,
            "number": "91610482MA0000001P001V",
            "category": "simplified",
            "valid_from": "2024-06-01",
            "valid_to": "2099-12-31",
        },
        {"issued_by": "咸阳市生态环境局"},
        as_user(admin_user),
    )
    assert body["is_valid_today"] is True
    assert body["enterprise_name"] == "彬州示范水泥有限公司"


def test_permit_pollutant_crud(as_user, officer_qindu, admin_user, world):
    body = roundtrip(
        as_user(officer_qindu),
        "permit-pollutants",
        {"permit": world.qindu.permit.pk, "factor": "a21002", "annual_cap_t": "30.5000"},
        {"annual_cap_t": "31.0000"},
        as_user(admin_user),
    )
    assert body["permit_number"] == world.qindu.permit.number
    assert body["factor"] == "a21002"


def test_device_crud(as_user, officer_qindu, monitor, world):
    body = roundtrip(
        as_user(officer_qindu),
        "devices",
        {"mn": "API0000000001", "password": "s3cret!", "outlet": world.qindu.outlet.pk},
        {"status": "maintenance"},
        as_user(monitor),
    )
    assert body["enterprise"] == world.qindu.enterprise.pk
    assert body["outlet_code"] == "DA001"
    assert body["station"] is None


def test_deleting_a_parent_cascades_its_own_children(as_user, admin_user, world):
    permit = world.qindu.permit
    assert as_user(admin_user).delete(url("permits", permit.pk)).status_code == 204
    assert not PermitPollutant.objects.filter(pk=world.qindu.pollutant.pk).exists()


# --- protected deletes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "attr", "blocking"),
    [
        ("enterprises", "enterprise", "排放口"),
        ("outlets", "outlet", "数采仪"),
        ("stations", "station", "数采仪"),
    ],
)
def test_protected_delete_is_409(as_user, admin_user, world, prefix, attr, blocking):
    obj = getattr(world.qindu, attr)
    response = as_user(admin_user).delete(url(prefix, obj.pk))
    assert response.status_code == 409
    assert blocking in response.json()["detail"]
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_used_factor_cannot_be_deleted(as_user, admin_user, world):
    factor = MonitoringFactor.objects.get(code="a21026")
    response = as_user(admin_user).delete(url("factors", factor.pk))
    assert response.status_code == 409
    assert "排放口监测因子" in response.json()["detail"]
    assert MonitoringFactor.objects.filter(pk=factor.pk).exists()


def test_database_constraint_race_is_409_not_500(as_user, officer, world, monkeypatch):
    """If a write slips past the model's validation (a concurrent request), the database refuses it: 409."""
    monkeypatch.setattr(GatedViewSetMixin, "validate_instance", lambda self, instance, extra: None)
    payload = {
        "enterprise": world.qindu.enterprise.pk,
        "number": "P-RACE",
        "category": "key",
        "valid_from": "2025-01-01",
        "valid_to": "2024-01-01",  # violates the permit_valid_range check constraint
    }
    response = as_user(officer).post(url("permits"), payload, format="json")
    assert response.status_code == 409
    assert "冲突" in response.json()["detail"]
    assert not Permit.objects.filter(number="P-RACE").exists()


# --- bad input ----------------------------------------------------------------------------------------------


def test_invalid_credit_code(as_user, handler, qindu):
    payload = enterprise_payload(qindu)
    good = payload["credit_code"]
    payload["credit_code"] = good[:17] + ("0" if good[17] != "0" else "1")
    errors = field_errors(as_user(handler).post(url("enterprises"), payload, format="json"))
    assert list(errors) == ["credit_code"]
    assert "校验位" in errors["credit_code"][0]


def test_duplicate_credit_code(as_user, handler, world, qindu):
    payload = enterprise_payload(qindu, credit_code=world.qindu.enterprise.credit_code)
    errors = field_errors(as_user(handler).post(url("enterprises"), payload, format="json"))
    assert errors["credit_code"] == ["该统一社会信用代码已登记。"]


@pytest.mark.parametrize(("prefix", "persona"), [("enterprises", "handler"), ("stations", "monitor")])
def test_coordinates_outside_the_city(request, as_user, qindu, prefix, persona):
    builder = enterprise_payload if prefix == "enterprises" else station_payload
    payload = builder(qindu, longitude=BEIJING[0], latitude=BEIJING[1])
    errors = field_errors(as_user(request.getfixturevalue(persona)).post(url(prefix), payload, format="json"))
    assert "咸阳市" in errors["longitude"][0]


def test_half_given_coordinates(as_user, handler, qindu):
    payload = enterprise_payload(qindu, latitude=None)
    errors = field_errors(as_user(handler).post(url("enterprises"), payload, format="json"))
    assert "latitude" in errors


def test_enterprise_needs_coordinates_or_district(as_user, handler, qindu):
    payload = enterprise_payload(qindu, longitude=None, latitude=None)
    errors = field_errors(as_user(handler).post(url("enterprises"), payload, format="json"))
    assert errors["district"] == ["请填写经纬度，或选择所属区县。"]


def test_enterprise_district_must_be_a_county(as_user, handler, base_data, qindu):
    payload = enterprise_payload(qindu, longitude=None, latitude=None, district=base_data.pk)  # the city
    assert "district" in field_errors(as_user(handler).post(url("enterprises"), payload, format="json"))


def test_station_needs_coordinates(as_user, monitor, qindu):
    payload = station_payload(qindu, longitude=None, latitude=None)
    errors = field_errors(as_user(monitor).post(url("stations"), payload, format="json"))
    assert "longitude" in errors


def test_unknown_factor_code(as_user, monitor, qindu):
    payload = station_payload(qindu, factors=["a34004", "zz999"])
    errors = field_errors(as_user(monitor).post(url("stations"), payload, format="json"))
    assert "zz999" in errors["factors"][0]
    assert not Station.objects.filter(code="API001").exists()


def test_duplicate_mn(as_user, officer, world):
    payload = {"mn": world.binzhou.outlet_device.mn, "password": "123456", "outlet": world.qindu.outlet.pk}
    errors = field_errors(as_user(officer).post(url("devices"), payload, format="json"))
    assert errors["mn"] == ["该 MN 已被其他设备使用。"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"mn": "GOOD-MN-1", "password": "has space", "outlet": "OUTLET"}, "password"),
        ({"mn": "GOOD-MN-1", "password": "a;b", "outlet": "OUTLET"}, "password"),
        ({"mn": "GOOD-MN-1", "outlet": "OUTLET"}, "password"),
        ({"mn": "bad mn!", "password": "123456", "outlet": "OUTLET"}, "mn"),
        ({"mn": "GOOD-MN-1", "password": "123456"}, "station"),
        ({"mn": "GOOD-MN-1", "password": "123456", "outlet": "OUTLET", "station": "STATION"}, "station"),
        ({"mn": "GOOD-MN-1", "password": "123456", "outlet": "OUTLET", "installed_on": "2024-02-30"}, "installed_on"),
    ],
)
def test_device_bad_input(as_user, officer, world, payload, field):
    payload = {
        key: world.qindu.outlet.pk if value == "OUTLET" else world.qindu.station.pk if value == "STATION" else value
        for key, value in payload.items()
    }
    errors = field_errors(as_user(officer).post(url("devices"), payload, format="json"))
    assert field in errors
    assert not Device.objects.filter(mn__in=["GOOD-MN-1", "bad mn!"]).exists()


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"code": "DA01", "kind": "gas"}, "code", "格式"),
        ({"code": "DW002", "kind": "gas"}, "code", "不符"),
        ({"code": "DW002", "kind": "water", "height_m": "15.0"}, "height_m", "排气筒"),
        ({"code": "DA001", "kind": "gas"}, "non_field_errors", "同编号"),
        ({"code": "DA002", "kind": "smoke"}, "kind", ""),
        ({"code": "DA002", "kind": "gas", "height_m": "-1"}, "height_m", ""),
    ],
)
def test_outlet_bad_input(as_user, handler, world, payload, field, message):
    payload = {"enterprise": world.qindu.enterprise.pk, "name": "新排口", **payload}
    errors = field_errors(as_user(handler).post(url("outlets"), payload, format="json"))
    assert field in errors
    assert message in errors[field][0]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"factor": "w01018", "limit_value": "50", "standard": "GB"}, "factor"),  # a water factor on a gas outlet
        ({"factor": "a21002", "limit_value": "50"}, "standard"),
        ({"factor": "nope", "limit_value": "50", "standard": "GB"}, "factor"),
        ({"factor": "a21026", "limit_value": "50", "standard": "GB"}, "non_field_errors"),  # already there
        ({"factor": "a21002", "limit_value": "-3", "standard": "GB"}, "limit_value"),
        ({"factor": "a21002", "limit_min": "60", "limit_value": "50", "standard": "GB"}, "limit_min"),
    ],
)
def test_outlet_factor_bad_input(as_user, handler, world, payload, field):
    payload = {"outlet": world.qindu.outlet.pk, **payload}
    assert field in field_errors(as_user(handler).post(url("outlet-factors"), payload, format="json"))


def test_permit_bad_input(as_user, officer, world):
    client = as_user(officer)
    base = {"enterprise": world.qindu.enterprise.pk, "number": "P-NEW", "category": "key"}
    errors = field_errors(
        client.post(url("permits"), {**base, "valid_from": "2025-01-01", "valid_to": "2024-01-01"}, format="json")
    )
    assert errors["valid_to"] == ["有效期止须晚于有效期起。"]
    errors = field_errors(
        client.post(
            url("permits"),
            {**base, "number": world.binzhou.permit.number, "valid_from": "2025-01-01", "valid_to": "2026-01-01"},
            format="json",
        )
    )
    assert errors["number"] == ["该许可证编号已登记。"]
    response = client.patch(url("permits", world.qindu.permit.pk), {"valid_to": "2020-01-01"}, format="json")
    assert "valid_to" in field_errors(response)
    world.qindu.permit.refresh_from_db()
    assert world.qindu.permit.valid_to == date(2029, 1, 1)


def test_duplicate_permit_pollutant(as_user, officer, world):
    payload = {"permit": world.qindu.permit.pk, "factor": "a21026"}
    errors = field_errors(as_user(officer).post(url("permit-pollutants"), payload, format="json"))
    assert errors["non_field_errors"] == ["该许可证已有此污染物。"]


def test_malformed_json(as_user, handler, world):
    client = as_user(handler)
    response = client.post(url("enterprises"), data='{"name": "x",', content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]
    response = client.patch(url("contacts", world.qindu.contact.pk), data="[1, 2]", content_type="application/json")
    assert response.status_code == 400
    response = client.post(url("contacts"), data="NaN", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "payload",
    [
        {"longitude": "east", "latitude": 34.3},
        {"longitude": "nan", "latitude": "nan"},
        {"longitude": 1e308, "latitude": 34.3},
        {"name": "a\x00b"},
        {"name": None},
        {"name": ["list"]},
        {"industry": {"nested": 1}},
        {"district": 99999999999999999999},
        {"district": "abc"},
    ],
)
def test_garbage_values_are_400_not_500(as_user, handler, world, payload):
    response = as_user(handler).patch(url("enterprises", world.qindu.enterprise.pk), payload, format="json")
    assert response.status_code == 400, response.content


@pytest.mark.parametrize("pk", ["abc", "99999999999999999999999", "-1", "0"])
def test_bad_ids_are_404(as_user, handler, world, pk):
    client = as_user(handler)
    assert client.get(f"{API}/enterprises/{pk}/").status_code == 404
    assert client.patch(f"{API}/enterprises/{pk}/", {"name": "x"}, format="json").status_code == 404


def test_bad_query_parameters(as_user, handler, world):
    client = as_user(handler)
    assert client.get(url("enterprises"), {"district": "abc"}).status_code == 400
    assert client.get(url("permits"), {"valid_on": "not-a-date"}).status_code == 400
    assert client.get(url("enterprises"), {"page": 999}).status_code == 404
    assert client.get(url("enterprises"), {"ordering": "no_such_field"}).status_code == 200
    assert client.get(url("enterprises"), {"page_size": "lots"}).status_code == 200


# --- the device password ------------------------------------------------------------------------------------


def test_device_password_is_never_returned(as_user, officer, world):
    client = as_user(officer)
    response = client.post(
        url("devices"), {"mn": "PWTEST0001", "password": "Pa55word", "station": world.qindu.station.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    device = Device.objects.get(mn="PWTEST0001")
    assert device.check_access_password("Pa55word")
    responses = [
        response,
        client.get(url("devices", device.pk)),
        client.get(url("devices")),
        client.patch(url("devices", device.pk), {"password": "N3wPass"}, format="json"),
        client.options(url("devices", device.pk)),
    ]
    device.refresh_from_db()
    for each in responses:
        assert each.status_code in {200, 201}
        text = each.content.decode()
        assert "Pa55word" not in text
        assert "N3wPass" not in text
        assert device.password_encrypted not in text
        assert "password_encrypted" not in text
    for row in responses[2].json()["results"]:
        assert "password" not in row
    assert "password" not in responses[1].json()


def test_device_password_is_optional_on_update(as_user, officer, world):
    device = world.qindu.outlet_device
    client = as_user(officer)
    response = client.patch(url("devices", device.pk), {"manufacturer": "聚光科技"}, format="json")
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.check_access_password("123456")
    assert device.manufacturer == "聚光科技"
    response = client.patch(url("devices", device.pk), {"password": "654321"}, format="json")
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.check_access_password("654321")
    assert not device.check_access_password("123456")


# --- queries and schema -------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ALL_PREFIXES)
def test_lists_have_no_n_plus_one(as_user, admin_user, world, base_data, django_assert_max_num_queries, prefix):
    for adcode in ("610404", "610481", "610422", "610423"):
        build_side(factories.region(adcode))
    client = as_user(admin_user)
    client.get(url(prefix))  # warm caches (content types, geo index) outside the count
    with django_assert_max_num_queries(3):  # count, page (+ one prefetch for station factors)
        response = client.get(url(prefix))
    assert response.status_code == 200
    assert len(response.json()["results"]) >= 6


def test_scoped_list_has_no_n_plus_one(as_user, handler, world, qindu, django_assert_max_num_queries):
    for _ in range(4):
        build_side(qindu)
    client = as_user(handler)
    client.get(url("devices"))
    with django_assert_max_num_queries(3):
        response = client.get(url("devices"))
    assert response.json()["count"] == 10  # 5 sides × (station logger + outlet logger)


def test_schema_and_docs(client, base_data):
    response = client.get(f"{API}/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    for prefix in ALL_PREFIXES:
        assert f"{API}/{prefix}/" in schema["paths"]
        assert f"{API}/{prefix}/{{id}}/" in schema["paths"]
    assert schema["paths"][f"{API}/enterprises/"]["get"]["summary"] == "企业列表"
    assert schema["paths"][f"{API}/devices/{{id}}/"]["delete"]["summary"] == "删除数采仪"
    components = schema["components"]["schemas"]
    assert "password" not in components["Device"]["properties"]
    assert components["DeviceRequest"]["properties"]["password"]["writeOnly"] is True
    assert "password" in components["DeviceRequest"]["required"]
    assert "password" not in components.get("PatchedDeviceRequest", {}).get("required", [])
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    docs = client.get(f"{API}/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


def test_id_filters_too_large_for_the_database_are_400(admin_user):
    """Found by schemathesis: ?outlet=-1e173 reached the database and overflowed (a 500)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(admin_user)
    for url in (
        "/api/v1/outlet-factors/?outlet=-1.07e%2B173",
        "/api/v1/outlets/?enterprise=99999999999999999999999",
        "/api/v1/permit-pollutants/?permit=0",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
