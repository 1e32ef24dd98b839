"""Open311 GeoReport v2 over HTTP (JSON and XML, errors, what is never exposed) and with the PyPI client `georeport`."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from ecobrain.complaints.choices import ComplaintCategory, ComplaintChannel, ComplaintStatus
from ecobrain.complaints.models import Complaint
from ecobrain.complaints.services import reveal, submit_complaint
from tests import factories

QINDU_POINT = (108.68123, 34.33456)  # inside 秦都区 (610402)
PHONE = "13800295678"
BASE = "/open311/v2"


def post_data(**overrides) -> dict:
    data = {
        "service_code": "noise",
        "lat": str(QINDU_POINT[1]),
        "long": str(QINDU_POINT[0]),
        "address_string": "秦都区人民路工地",
        "description": "工地夜间施工噪声扰民，凌晨两点仍在打桩",
        "phone": PHONE,
        "first_name": "秀兰",
        "last_name": "王",
        "email": "wang@example.com",
        "media_url": "http://example.com/x.jpg",
        "api_key": "anything",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def filed(**overrides) -> Complaint:
    fields = {
        "channel": ComplaintChannel.WEB,
        "category": "air",
        "description": "化工厂夜间排放刺鼻气味，持续两周，联系人王秀兰",
        "longitude": QINDU_POINT[0],
        "latitude": QINDU_POINT[1],
        "phone": PHONE,
        "contact_name": "王秀兰",
    }
    fields.update(overrides)
    return submit_complaint(**fields)


def publish(complaint: Complaint, *, text="某化工厂夜间排放异味", reply="已责令整改") -> Complaint:
    """What the staff side's publish step leaves (written by another module): set directly."""
    now = timezone.now()
    Complaint.objects.filter(pk=complaint.pk).update(
        status=ComplaintStatus.CLOSED,
        reply="王女士您好，已责令整改",
        replied_at=now,
        closed_at=now,
        published=True,
        published_at=now,
        public_text=text,
        public_reply=reply,
    )
    complaint.refresh_from_db()
    return complaint


def xml_items(response, root: str, item: str) -> list[dict]:
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    tree = ET.fromstring(response.content)  # noqa: S314 -- our own response
    assert tree.tag == root
    return [{child.tag: (child.text or "") for child in node} for node in tree.findall(item)]


# --- discovery and services ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_discovery_points_at_the_v2_endpoint_in_both_formats(client):
    data = client.get("/open311/discovery.json").json()
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    tree = ET.fromstring(client.get("/open311/discovery.xml").content)  # noqa: S314
    assert tree.find("endpoints/endpoint/formats/format").text == "text/xml"


@pytest.mark.django_db
def test_the_service_list_has_one_realtime_service_per_category(client):
    services = client.get(f"{BASE}/services.json").json()
    assert [s["service_code"] for s in services] == list(ComplaintCategory.values)
    noise = next(s for s in services if s["service_code"] == "noise")
    assert noise["service_name"] == "噪声污染"
    assert noise["type"] == "realtime" and noise["metadata"] is False and noise["group"]
    xml = xml_items(client.get(f"{BASE}/services.xml"), "services", "service")
    assert xml[1]["service_code"] == "water" and xml[1]["metadata"] == "false"
    english = client.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english[0]["service_code"] == "air"  # names follow the language (English from the catalogue)


@pytest.mark.django_db
def test_service_definitions_have_no_attributes_and_unknown_codes_are_404(client):
    assert client.get(f"{BASE}/services/air.json").json() == {"service_code": "air", "attributes": []}
    missing = client.get(f"{BASE}/services/lava.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


# --- POST Service Request --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_posting_a_request_files_a_complaint_on_the_open311_channel(client, qindu):
    response = client.post(f"{BASE}/requests.json", post_data())
    assert response.status_code == 200, response.content
    (created,) = response.json()
    complaint = Complaint.objects.get()
    assert created["service_request_id"] == complaint.tracking_number
    assert complaint.tracking_number in created["service_notice"]
    assert created["account_id"] is None
    assert complaint.channel == ComplaintChannel.OPEN311
    assert complaint.category == "noise" and complaint.district_id == qindu.id
    assert reveal(complaint.phone_encrypted) == PHONE and not complaint.is_anonymous
    assert reveal(complaint.contact_name_encrypted) == "秀兰 王"
    assert complaint.photos.count() == 0  # media_url is not fetched


@pytest.mark.django_db
def test_posting_in_xml_and_without_a_phone_files_an_anonymous_complaint(client, base_data):
    response = client.post(f"{BASE}/requests.xml", post_data(phone=None, lat=None, long=None))
    assert response.status_code == 200
    (created,) = xml_items(response, "service_requests", "request")
    complaint = Complaint.objects.get(tracking_number=created["service_request_id"])
    assert complaint.is_anonymous and complaint.contact_name_encrypted == ""
    assert complaint.address == "秦都区人民路工地" and complaint.longitude is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "status", "mentions"),
    [
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "lava"}, 404, "service_code"),
        ({"lat": None, "long": None, "address_string": None}, 400, "lat/long"),
        ({"lat": "north"}, 400, "lat"),
        ({"long": "nan"}, 400, "long"),
        ({"long": "200"}, 400, "long"),
        ({"description": "吵"}, 400, "description"),
        ({"phone": "12345"}, 400, "phone"),
    ],
)
def test_bad_requests_get_the_specs_error_list(client, base_data, overrides, status, mentions):
    response = client.post(f"{BASE}/requests.json", post_data(**overrides))
    assert response.status_code == status
    errors = response.json()
    assert errors and all(e["code"] == status for e in errors)
    assert any(mentions in e["description"] for e in errors), errors
    assert "12345" not in response.content.decode()  # a phone number is never echoed
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_errors_in_xml(client, base_data):
    response = client.post(f"{BASE}/requests.xml", post_data(service_code="lava"))
    assert response.status_code == 404
    (error,) = xml_items(response, "errors", "error")
    assert error["code"] == "404" and "lava" in error["description"]


@pytest.mark.django_db
def test_posting_needs_no_csrf_token(base_data):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(f"{BASE}/requests.json", post_data())
    assert response.status_code == 200


@pytest.mark.django_db
def test_filing_over_open311_shares_the_web_forms_rate_limit(client, base_data, settings):
    settings.COMPLAINT_RATE_PER_HOUR = 1
    assert client.post(f"{BASE}/requests.json", post_data()).status_code == 200
    limited = client.post(f"{BASE}/requests.json", post_data())
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert limited.json()[0]["code"] == 429
    web = client.post(
        "/public/complaints/new/",
        {"category": "air", "description": "化工厂排放异味", "address": "秦都区", "phone": PHONE},
    )
    assert web.status_code == 429
    assert Complaint.objects.count() == 1


@pytest.mark.django_db
def test_reads_are_rate_limited(client, base_data, settings):
    settings.COMPLAINT_TRACK_RATE_PER_MINUTE = 2
    number = filed().tracking_number
    assert client.get(f"{BASE}/requests/{number}.json").status_code == 200
    assert client.get(f"{BASE}/requests.json").status_code == 200
    assert client.get(f"{BASE}/requests/{number}.json").status_code == 429


# --- GET Service Request(s) ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_read_back_by_id_has_no_personal_data(client, base_data):
    complaint = filed(address="秦都区渭阳西路 88 号王家")
    Complaint.objects.filter(pk=complaint.pk).update(status=ComplaintStatus.REPLIED, reply="已现场检查，责令整改")
    response = client.get(f"{BASE}/requests/{complaint.tracking_number.lower()}.json")
    assert response.status_code == 200
    (row,) = response.json()
    assert row["service_request_id"] == complaint.tracking_number
    assert row["status"] == "open" and row["status_notes"] == "已现场检查，责令整改"
    assert row["service_code"] == "air" and row["service_name"] == "大气污染"
    assert row["description"] == ""  # raw text of an unpublished complaint is never exposed
    assert row["address"] == "秦都区"
    assert (row["lat"], row["long"]) == (34.335, 108.681)
    assert row["media_url"] == ""
    assert row["requested_datetime"].endswith("+08:00")
    body = response.content.decode()
    for personal in (PHONE, complaint.phone_masked, "王秀兰", "王家", "化工厂夜间排放"):
        assert personal not in body, personal
    xml = xml_items(client.get(f"{BASE}/requests/{complaint.tracking_number}.xml"), "service_requests", "request")
    assert xml[0]["lat"] == "34.335" and xml[0]["description"] == ""


@pytest.mark.django_db
def test_an_unknown_request_id_is_404_in_the_specs_form(client, base_data):
    response = client.get(f"{BASE}/requests/TS20990101ZZZZZZ.json")
    assert response.status_code == 404 and response.json()[0]["code"] == 404
    assert client.get(f"{BASE}/requests/TS20990101ZZZZZZ.xml").status_code == 404


@pytest.mark.django_db
def test_the_list_holds_published_requests_with_their_cleaned_text_only(client, base_data):
    shown = publish(filed(category="water"), text="某厂向河道排放污水", reply="已立案查处")
    hidden = filed()
    rows = client.get(f"{BASE}/requests.json").json()
    assert [row["service_request_id"] for row in rows] == [shown.tracking_number]
    (row,) = rows
    assert row["status"] == "closed"
    assert row["description"] == "某厂向河道排放污水" and row["status_notes"] == "已立案查处"
    body = client.get(f"{BASE}/requests.xml").content.decode()
    assert hidden.tracking_number not in body and "王女士" not in body and PHONE not in body


@pytest.mark.django_db
def test_listing_by_ids_overrides_the_other_filters_and_includes_unpublished_ones(client, base_data):
    first, second, _other = filed(), filed(category="noise"), filed()
    ids = f"{first.tracking_number}, {second.tracking_number},TSNOTHING"
    rows = client.get(f"{BASE}/requests.json", {"service_request_id": ids, "status": "closed"}).json()
    assert {row["service_request_id"] for row in rows} == {first.tracking_number, second.tracking_number}


@pytest.mark.django_db
def test_list_filters_by_service_code_status_and_dates(client, base_data):
    water = publish(filed(category="water"))
    air = publish(filed(category="air"))
    old = publish(filed(category="air"))
    Complaint.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=120))

    def ids(**params):
        return {row["service_request_id"] for row in client.get(f"{BASE}/requests.json", params).json()}

    assert ids() == {water.tracking_number, air.tracking_number}  # the last 90 days by default
    assert ids(service_code="water") == {water.tracking_number}
    assert ids(service_code="water,air") == {water.tracking_number, air.tracking_number}
    assert ids(status="open") == set()
    assert ids(status="closed") == {water.tracking_number, air.tracking_number}
    start = (timezone.now() - timedelta(days=130)).date().isoformat()
    assert ids(start_date=start) == {old.tracking_number}  # start + 90 days
    end = (timezone.now() - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(end_date=end) == {old.tracking_number}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({"status": "pending"}, "status"),
        ({"service_code": "lava"}, "lava"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, "90"),
        ({"start_date": "2026-06-01", "end_date": "2026-01-01T00:00:00Z"}, "end_date"),
    ],
)
def test_bad_list_parameters_are_400_with_a_reason(client, base_data, params, mentions):
    response = client.get(f"{BASE}/requests.json", params)
    assert response.status_code == 400
    assert any(mentions in error["description"] for error in response.json())


@pytest.mark.django_db
def test_other_formats_and_methods_are_refused(client, base_data):
    assert client.get(f"{BASE}/requests.html").status_code == 404
    assert client.delete(f"{BASE}/requests.json").status_code == 405
    assert client.post(f"{BASE}/services.json").status_code == 405


# --- the PyPI client against a live server ------------------------------------------------------------------------


def test_the_georeport_client_lists_services_files_a_request_and_reads_it_back(transactional_db, live_server):
    import requests
    from georeport import GeoReport

    factories.load_base()
    cache.clear()
    root = f"{live_server.url}{BASE}"
    for output_format in ("json", "xml"):
        client = GeoReport(root, output_format=output_format)
        services = client.get_service_list()
        assert [s["service_code"] for s in services] == list(ComplaintCategory.values)

    # georeport 0.3 reads only (its README: creating requests is not supported); POST as the spec says, form-encoded.
    created = requests.post(f"{root}/requests.json", data=post_data(), timeout=10)
    assert created.status_code == 200, created.text
    number = created.json()[0]["service_request_id"]

    for output_format in ("json", "xml"):
        client = GeoReport(root, output_format=output_format)
        one = client.get_service_request(number)
        assert one["service_request_id"] == number and one["status"] == "open"
        assert one["service_code"] == "noise"
        named = client.get_service_requests(service_request_id=number)
        named = named if isinstance(named, list) else [named]  # xmltodict gives a dict for one item
        assert [row["service_request_id"] for row in named] == [number]
        assert PHONE not in json.dumps(one, ensure_ascii=False)

    complaint = Complaint.objects.get(tracking_number=number)
    assert complaint.channel == ComplaintChannel.OPEN311
    with pytest.raises(requests.HTTPError):
        GeoReport(root).get_service_request("TS20990101ZZZZZZ")


@pytest.mark.django_db
def test_the_list_reads_in_a_bounded_number_of_queries(client, base_data, django_assert_max_num_queries):
    for _index in range(15):
        publish(filed())
    with django_assert_max_num_queries(2):
        rows = client.get(f"{BASE}/requests.json").json()
    assert len(rows) == 15 and all(row["address"] == "秦都区" for row in rows)
