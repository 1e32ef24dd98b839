"""A water station's waterbody (河流/湖库) and target class (水质目标): form, import, API, detail page, validation.

Persona: monitoring staff who register the city's surface-water sections.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from ecobrain.registry.models import Station
from tests import factories


def form_data(where, **overrides) -> dict:
    lon, lat = factories.point_in(where)
    data = {"code": "WQ-NEW", "name": "渭河新断面", "kind": "water_section", "status": "active"}
    return {**data, "longitude": lon, "latitude": lat, **overrides}


def test_form_saves_waterbody_and_target(login, monitor, qindu):
    response = login(monitor).post(
        "/registry/stations/add/", form_data(qindu, waterbody="lake", water_target_class="II")
    )
    assert response.status_code == 302, response.content.decode()
    station = Station.objects.get(code="WQ-NEW")
    assert (station.waterbody, station.water_target_class) == ("lake", "II")


def test_form_refuses_water_fields_on_an_air_station(login, monitor, qindu):
    response = login(monitor).post(
        "/registry/stations/add/", form_data(qindu, kind="air_city", waterbody="river", water_target_class="III")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "只有水质自动站和地表水断面可以填写水体类型（本站为空气市控站）" in body
    assert "只有水质自动站和地表水断面可以填写水质目标" in body
    assert not Station.objects.filter(code="WQ-NEW").exists()


def test_worse_than_v_is_no_target(qindu):
    station = Station(**{k: v for k, v in form_data(qindu).items() if k != "status"}, water_target_class="劣V")
    with pytest.raises(ValidationError, match="劣Ⅴ类不能作为考核目标"):
        station.full_clean()


def test_import_columns(login, monitor, qindu):
    lon, lat = factories.point_in(qindu)
    text = (
        "站点编码,站点名称,站点类型,经度,纬度,水体类型,水质目标\n"
        f"WQ-A,渭河甲断面,地表水断面,{lon},{lat},河流,Ⅲ类\n"
        f"WQ-B,某水库,water_auto,{lon},{lat},湖库,2\n"
    )
    client = login(monitor)
    preview = client.post(
        "/registry/stations/import/", {"file": SimpleUploadedFile("s.csv", text.encode(), "text/csv")}
    )
    assert "校验通过" in preview.content.decode(), preview.content.decode()
    client.post("/registry/stations/import/", {"token": preview.context["token"], "confirm": "1"})
    assert dict(Station.objects.filter(code__startswith="WQ-").values_list("code", "water_target_class")) == {
        "WQ-A": "III",
        "WQ-B": "II",
    }
    assert Station.objects.get(code="WQ-B").waterbody == "lake"


def test_import_names_bad_water_values(login, monitor, qindu):
    lon, lat = factories.point_in(qindu)
    text = (
        "站点编码,站点名称,站点类型,经度,纬度,水体类型,水质目标\n"
        f"WQ-C,渭河丙断面,地表水断面,{lon},{lat},海洋,Ⅵ\n"
        f"AIR-1,空气站,空气市控站,{lon},{lat},,Ⅲ\n"
    )
    response = login(monitor).post(
        "/registry/stations/import/", {"file": SimpleUploadedFile("s.csv", text.encode(), "text/csv")}
    )
    body = response.content.decode()
    assert "waterbody: “海洋”不是有效选项" in body
    assert "water_target_class: “Ⅵ”不是有效的水质类别" in body
    assert "只有水质自动站和地表水断面可以填写水质目标" in body
    assert not Station.objects.filter(code__in=["WQ-C", "AIR-1"]).exists()


def test_api_reads_and_validates(monitor, qindu):
    client = APIClient()
    client.force_authenticate(monitor)
    lon, lat = factories.point_in(qindu)
    payload = {"code": "WQ-API", "name": "接口断面", "kind": "water_auto", "longitude": lon, "latitude": lat}
    created = client.post("/api/v1/stations/", {**payload, "waterbody": "river", "water_target_class": "IV"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["waterbody_display"] == "河流" and body["water_target_class_display"] == "Ⅳ类"
    refused = client.post("/api/v1/stations/", {**payload, "code": "AIR-API", "kind": "air_city", "waterbody": "lake"})
    assert refused.status_code == 400
    assert "只有水质自动站和地表水断面可以填写水体类型" in str(refused.json())


def test_detail_page_shows_water_fields_for_water_stations_only(login, monitor, qindu):
    water = factories.station(qindu, kind="water_auto", waterbody="lake", water_target_class="III")
    air = factories.station(qindu, kind="air_city")
    client = login(monitor)
    water_body = client.get(f"/registry/stations/{water.pk}/").content.decode()
    assert "水体类型" in water_body and "湖库" in water_body and "Ⅲ类" in water_body
    air_body = client.get(f"/registry/stations/{air.pk}/").content.decode()
    assert "水体类型" not in air_body
