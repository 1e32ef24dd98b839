"""Registry pages over HTTP, per persona: lists, filters, exports, detail (the one file), forms, delete."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from ecobrain.audit.models import ObjectChange
from ecobrain.registry.models import Device, Enterprise, Outlet, Station
from tests import factories

LIST_URLS = [
    "/registry/factors/",
    "/registry/stations/",
    "/registry/enterprises/",
    "/registry/contacts/",
    "/registry/outlets/",
    "/registry/outlet-factors/",
    "/registry/permits/",
    "/registry/permit-pollutants/",
    "/registry/devices/",
]


@pytest.fixture
def registry(enterprise_in_qindu, enterprise_in_binzhou, qindu, binzhou):
    """Two enterprises (秦都区, 彬州市), each with an outlet, limit, permit and device; a station in each."""
    objects = {}
    for key, ent in (("qindu", enterprise_in_qindu), ("binzhou", enterprise_in_binzhou)):
        outlet = factories.outlet(ent)
        factories.outlet_factor(outlet)
        factories.permit(ent)
        device = factories.device(outlet=outlet)
        station = factories.station(qindu if key == "qindu" else binzhou, code=f"S-{key}")
        objects[key] = {"enterprise": ent, "outlet": outlet, "device": device, "station": station}
    return objects


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/registry/enterprises/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", LIST_URLS)
def test_admin_sees_every_list(login, admin_user, registry, url):
    response = login(admin_user).get(url)
    assert response.status_code == 200
    assert "共" in response.content.decode()


def test_list_query_count_does_not_grow_with_rows(login, admin_user, qindu, django_assert_max_num_queries):
    for _ in range(30):
        ent = factories.enterprise(qindu)
        factories.device(outlet=factories.outlet(ent))
    client = login(admin_user)
    for url in ("/registry/enterprises/", "/registry/outlets/", "/registry/devices/", "/registry/stations/"):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


def test_district_handler_sees_only_their_district(login, handler, registry):
    client = login(handler)
    body = client.get("/registry/enterprises/").content.decode()
    assert registry["qindu"]["enterprise"].name in body
    assert registry["binzhou"]["enterprise"].name not in body
    devices = client.get("/registry/devices/").content.decode()
    assert registry["qindu"]["device"].mn in devices
    assert registry["binzhou"]["device"].mn not in devices
    # Out of scope: the detail page of another district's objects is a 404, not a leak.
    for key in ("enterprise", "outlet", "device", "station"):
        obj = registry["binzhou"][key]
        assert client.get(obj.get_absolute_url()).status_code == 404, key
        assert client.get(registry["qindu"][key].get_absolute_url()).status_code == 200, key


def test_enterprise_user_sees_only_their_enterprise(login, enterprise_user, registry):
    client = login(enterprise_user)
    body = client.get("/registry/enterprises/").content.decode()
    assert registry["qindu"]["enterprise"].name in body
    assert registry["binzhou"]["enterprise"].name not in body
    assert client.get(registry["binzhou"]["outlet"].get_absolute_url()).status_code == 404
    # Stations are not part of an enterprise user's grants.
    assert client.get("/registry/stations/").status_code == 403
    # Read-only: no edit page.
    assert client.get(f"/registry/enterprises/{registry['qindu']['enterprise'].pk}/edit/").status_code == 403


def test_data_consumer_cannot_open_enterprises(login, consumer, registry):
    client = login(consumer)
    assert client.get("/registry/enterprises/").status_code == 403
    assert client.get("/registry/stations/").status_code == 200


def test_search_filter_and_sort(login, admin_user, registry):
    client = login(admin_user)
    target = registry["qindu"]["enterprise"]
    body = client.get("/registry/enterprises/", {"q": "热电"}).content.decode()
    assert target.name in body and registry["binzhou"]["enterprise"].name not in body
    body = client.get("/registry/enterprises/", {"district": registry["binzhou"]["enterprise"].district_id}).content
    assert registry["binzhou"]["enterprise"].name in body.decode() and target.name not in body.decode()
    body = client.get("/registry/enterprises/", {"sort": "-name"}).content.decode()
    assert body.index("彬州示范") < body.index("咸阳示范") or body.index("咸阳示范") < body.index("彬州示范")
    # An unknown sort key falls back to the default instead of failing.
    assert client.get("/registry/enterprises/", {"sort": "password"}).status_code == 200
    # A bad filter value is reported, not a 500.
    response = client.get("/registry/enterprises/", {"district": "not-a-number"})
    assert response.status_code == 200 and "筛选条件有误" in response.content.decode()
    # HTMX requests get the table only.
    partial = client.get("/registry/enterprises/", {"q": "热电"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and target.name in partial


def test_pagination(login, admin_user, qindu):
    for _ in range(30):
        factories.enterprise(qindu)
    client = login(admin_user)
    first = client.get("/registry/enterprises/", {"per_page": 25}).content.decode()
    assert "第 1/2 页" in first
    second = client.get("/registry/enterprises/", {"per_page": 25, "page": 2}).content.decode()
    assert "第 2/2 页" in second
    assert client.get("/registry/enterprises/", {"page": 999}).status_code == 200


def test_csv_and_excel_exports_follow_the_scope(login, handler, registry):
    client = login(handler)
    response = client.get("/registry/enterprises/", {"export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff企业名称,统一社会信用代码")
    assert registry["qindu"]["enterprise"].credit_code in text
    assert registry["binzhou"]["enterprise"].credit_code not in text
    response = client.get("/registry/outlets/", {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "排放口编号" and len(rows) == 2 and rows[1][0] == "DA001"


def test_enterprise_user_cannot_export(login, enterprise_user, registry):
    assert login(enterprise_user).get("/registry/enterprises/", {"export": "csv"}).status_code == 403


def test_enterprise_file_shows_outlets_permits_devices(login, officer, registry):
    ent = registry["qindu"]["enterprise"]
    body = login(officer).get(ent.get_absolute_url()).content.decode()
    assert f'<h1 class="h3 mb-0 me-auto">{ent.name}</h1>' in body
    assert ent.credit_code in body
    assert "DA001" in body and registry["qindu"]["device"].mn in body
    assert "GB 13223-2011" in body and f"{ent.credit_code}001P" in body
    assert "变更记录" in body


def test_create_enterprise_with_bad_input_names_the_fields(login, officer, base_data):
    client = login(officer)
    response = client.post(
        "/registry/enterprises/add/",
        {
            "name": "坏数据企业",
            "credit_code": "914403001922038217",
            "industry": "D4411",
            "key_unit_category": "none",
            "status": "operating",
            "longitude": "116.4",
            "latitude": "39.9",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "校验位错误：第18位应为 &#x27;6&#x27;" in body or "校验位错误：第18位应为 '6'" in body
    assert "不在咸阳市辖区内" in body
    assert not Enterprise.objects.filter(name="坏数据企业").exists()


def test_create_and_edit_enterprise_records_history(login, officer, qindu):
    client = login(officer)
    lon, lat = factories.point_in(qindu)
    code = factories.credit_code(qindu)
    response = client.post(
        "/registry/enterprises/add/",
        {
            "name": "新登记企业",
            "credit_code": code.lower(),
            "industry": "C3011",
            "key_unit_category": "air",
            "status": "operating",
            "longitude": lon,
            "latitude": lat,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ent = Enterprise.objects.get(credit_code=code)
    assert ent.district == qindu  # derived from the point
    response = client.post(
        f"/registry/enterprises/{ent.pk}/edit/",
        {
            "name": "新登记企业（更名）",
            "credit_code": code,
            "industry": "C3011",
            "key_unit_category": "air",
            "status": "suspended",
            "longitude": lon,
            "latitude": lat,
        },
    )
    assert response.status_code == 302
    changes = ObjectChange.objects.filter(object_id=str(ent.pk), content_type__model="enterprise").order_by("time")
    assert [c.action for c in changes] == ["create", "update"]
    update = changes.last()
    assert update.user == officer and update.source == "web"
    assert update.before["name"] == "新登记企业" and update.after["name"] == "新登记企业（更名）"
    body = client.get(ent.get_absolute_url()).content.decode()
    assert "新登记企业（更名）" in body and "eb-diff-before" in body


def test_handler_cannot_create_outside_scope(login, handler, binzhou, enterprise_in_binzhou):
    client = login(handler)
    lon, lat = factories.point_in(binzhou)
    response = client.post(
        "/registry/enterprises/add/",
        {
            "name": "越权企业",
            "credit_code": factories.credit_code(binzhou),
            "industry": "C3011",
            "key_unit_category": "none",
            "status": "operating",
            "longitude": lon,
            "latitude": lat,
        },
    )
    assert response.status_code == 200
    assert "不在您的管辖范围内" in response.content.decode()
    assert not Enterprise.objects.filter(name="越权企业").exists()
    # Nor edit one there.
    assert client.get(f"/registry/enterprises/{enterprise_in_binzhou.pk}/edit/").status_code == 404


def test_device_password_is_write_only(login, monitor, registry):
    client = login(monitor)
    device = registry["qindu"]["device"]
    body = client.get(device.get_absolute_url()).content.decode()
    assert device.password_encrypted not in body and "123456" not in body
    edit = client.get(f"/registry/devices/{device.pk}/edit/").content.decode()
    assert device.password_encrypted not in edit and 'value="123456"' not in edit
    # Editing without a password keeps the old one.
    response = client.post(
        f"/registry/devices/{device.pk}/edit/",
        {"mn": device.mn, "password": "", "protocol_version": "2017", "outlet": device.outlet_id, "status": "active"},
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.check_access_password("123456") and not device.check_access_password("654321")
    change = ObjectChange.objects.filter(content_type__model="device", object_id=str(device.pk)).first()
    assert change.after["password_encrypted"] == "••••••"


def test_duplicate_mn_is_rejected_with_the_field(login, monitor, registry):
    response = login(monitor).post(
        "/registry/devices/add/",
        {
            "mn": registry["qindu"]["device"].mn,
            "password": "abcdef",
            "protocol_version": "2017",
            "station": registry["qindu"]["station"].pk,
            "status": "active",
        },
    )
    assert response.status_code == 200
    assert "该 MN 已被其他设备使用" in response.content.decode()


def test_device_needs_exactly_one_target(login, monitor, registry):
    response = login(monitor).post(
        "/registry/devices/add/",
        {
            "mn": "NEWMN0001",
            "password": "abcdef",
            "protocol_version": "2017",
            "station": registry["qindu"]["station"].pk,
            "outlet": registry["qindu"]["outlet"].pk,
            "status": "active",
        },
    )
    assert "只关联一个站点或排放口" in response.content.decode()
    assert not Device.objects.filter(mn="NEWMN0001").exists()


def test_station_outside_city_is_rejected(login, monitor, base_data):
    response = login(monitor).post(
        "/registry/stations/add/",
        {"code": "X1", "name": "北京站", "kind": "air_city", "status": "active", "longitude": 116.4, "latitude": 39.9},
    )
    assert "不在咸阳市辖区内" in response.content.decode()
    assert not Station.objects.filter(code="X1").exists()


def test_delete_protected_object_explains_instead_of_failing(login, admin_user, registry):
    client = login(admin_user)
    ent = registry["qindu"]["enterprise"]
    response = client.post(f"/registry/enterprises/{ent.pk}/delete/", follow=True)
    assert response.status_code == 200
    assert "不能删除" in response.content.decode()
    assert Enterprise.objects.filter(pk=ent.pk).exists()


def test_delete_records_the_before_state(login, admin_user, registry):
    client = login(admin_user)
    outlet = factories.outlet(registry["qindu"]["enterprise"], code="DW001", kind="water")
    response = client.post(f"/registry/outlets/{outlet.pk}/delete/")
    assert response.status_code == 302
    assert not Outlet.objects.filter(pk=outlet.pk).exists()
    change = ObjectChange.objects.get(content_type__model="outlet", object_id=str(outlet.pk), action="delete")
    assert change.before["code"] == "DW001" and change.after is None and change.user == admin_user


def test_outlet_code_must_match_kind(login, officer, enterprise_in_qindu):
    response = login(officer).post(
        "/registry/outlets/add/",
        {
            "enterprise": enterprise_in_qindu.pk,
            "code": "DW001",
            "name": "锅炉",
            "kind": "gas",
            "is_online_monitored": "on",
        },
    )
    assert "与类型“废气排放口”不符" in response.content.decode()


def test_home_counts_follow_the_scope(login, handler, registry):
    body = login(handler).get("/").content.decode()
    assert "企业" in body and '<div class="eb-stat">1</div>' in body


def test_ids_too_large_for_the_database_are_not_found(login, admin_user, registry):
    """Found by fuzzing the API: an id past SQLite's 64-bit range raised OverflowError (a 500)."""
    client = login(admin_user)
    huge = "99999999999999999999999"
    assert client.get(f"/registry/enterprises/{huge}/").status_code == 404
    assert client.get(f"/registry/enterprises/{huge}/edit/").status_code == 404
    response = client.get("/registry/outlets/", {"enterprise": huge})
    assert response.status_code == 200 and "筛选条件有误" in response.content.decode()


def test_detail_pages_map_the_point_and_its_district(login, officer, registry, qindu):
    client = login(officer)
    body = client.get(registry["qindu"]["enterprise"].get_absolute_url()).content.decode()
    assert 'class="eb-map' in body and f'data-boundary="/regions/{qindu.adcode}/boundary.geojson"' in body
    boundary = client.get(f"/regions/{qindu.adcode}/boundary.geojson")
    assert boundary.status_code == 200 and boundary["Content-Type"] == "application/geo+json"
    feature = boundary.json()
    assert feature["properties"]["name"] == "秦都区" and feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert client.get("/regions/999999/boundary.geojson").status_code == 404


def test_boundaries_need_a_login(client, base_data):
    assert client.get("/regions/610402/boundary.geojson").status_code == 302


def test_exports_neutralise_spreadsheet_formulas(login, admin_user, qindu):
    """OWASP CSV injection: a name starting with = must not become a formula in Excel."""
    factories.enterprise(qindu, name='=HYPERLINK("http://evil.example","点击")')
    client = login(admin_user)
    text = b"".join(client.get("/registry/enterprises/", {"export": "csv"}).streaming_content).decode()
    assert "'=HYPERLINK" in text
    sheet = load_workbook(io.BytesIO(client.get("/registry/enterprises/", {"export": "xlsx"}).content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://evil.example","点击")' in names
