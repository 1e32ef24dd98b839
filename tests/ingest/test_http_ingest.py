"""``POST /api/v1/ingest/observations`` over HTTP: JSON and CSV, tokens and sessions, grants, scope, limits.

Personas: a third-party platform pushing hourly station data with an API token of a monitoring-staff
account; a district handler who may read data but not import it; an anonymous caller; a client that sends
garbage, a wrong Content-Type or a body too large.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from ecobrain.accounts.services import create_token
from ecobrain.monitoring.models import HourObservation
from tests import factories

URL = "/api/v1/ingest/observations"
MN = "MN610402000000000201"
FAR_MN = "MN610482000000000201"


@pytest.fixture
def devices(qindu, binzhou):
    return (
        factories.device(mn=MN, station=factories.station(qindu)),
        factories.device(mn=FAR_MN, station=factories.station(binzhou)),
    )


@pytest.fixture
def monitor_qindu(qindu):
    return factories.user("monitor_qindu", "monitoring_staff", districts=[qindu])


def token_client(user) -> APIClient:
    _, key = create_token(user, name="push")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def document(mn=MN, hour="09", **values) -> dict:
    return {"mn": mn, "resolution": "hour", "time": f"20260301{hour}0000", "values": values or {"a34004": "35"}}


def post_json(client, body, url=URL):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_json_with_a_token_is_stored_and_counted(devices, monitor):
    client = token_client(monitor)
    response = post_json(client, [document(a34004="35", a21026={"Avg": "12.5", "Flag": "N"}), document(hour="10")])
    assert response.status_code == 200, response.content
    assert response.json() == {"inserted": 3, "updated": 0, "rejected": 0, "errors": [], "errors_omitted": 0}
    again = post_json(client, document(a34004="36"), url=URL + "/")  # the trailing slash works too
    assert again.json()["updated"] == 1
    row = HourObservation.objects.get(series__factor__code="a34004", period_start=datetime(2026, 3, 1, 1, tzinfo=UTC))
    assert (row.value_text, row.revision) == ("36", 2)


def test_numbers_keep_their_text_through_the_api(devices, monitor):
    raw = '{"mn": "$MN", "resolution": "hour", "time": "20260301090000", "values": {"a34004": 35.50}}'.replace(
        "$MN", MN
    )
    response = token_client(monitor).post(URL, data=raw, content_type="application/json; charset=utf-8")
    assert response.json()["inserted"] == 1
    assert HourObservation.objects.get().value_text == "35.50"


def test_csv_with_a_session(devices, monitor, login):
    client = login(monitor)
    body = (
        f"mn,resolution,time,factor,value,flag\r\n{MN},hour,20260301090000,a34004,35,N\r\n{MN},2061,bad,a34004,1,\r\n"
    )
    response = client.post(URL, data=body, content_type="text/csv; charset=utf-8")
    assert response.status_code == 200, response.content
    result = response.json()
    assert (result["inserted"], result["rejected"]) == (1, 1)
    assert result["errors"][0]["row"] == 3 and result["errors"][0]["field"] == "time"


def test_rows_outside_the_scope_are_rejected_row_by_row(devices, monitor_qindu):
    response = post_json(token_client(monitor_qindu), [document(), document(mn=FAR_MN)])
    result = response.json()
    assert (result["inserted"], result["rejected"]) == (1, 1)
    assert result["errors"] == [{"row": 1, "field": "mn", "message": f"MN {FAR_MN} 不在您的管辖范围内。"}]
    assert not HourObservation.objects.filter(series__device__mn=FAR_MN).exists()


def test_roles_without_the_import_grant_get_403_and_anonymous_401(devices, handler, leader, enterprise_user):
    for user in (handler, leader, enterprise_user):
        response = post_json(token_client(user), document())
        assert response.status_code == 403, user.role
    assert post_json(APIClient(), document()).status_code == 401
    assert not HourObservation.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "status", "needle"),
    [
        (b"{nope", "application/json", 400, "不是有效的 JSON"),
        (b"42", "application/json", 400, "JSON 对象"),
        (b"mn,time\n", "text/csv", 400, "缺少列"),
        (b"mn,resolution,time,factor,value\n\xff\xfe", "text/csv", 400, "UTF-8"),
        (b"<xml/>", "application/xml", 415, "application/xml"),
        (b"", "", 415, "none"),
    ],
)
def test_unreadable_bodies_are_4xx_with_a_reason(devices, monitor, body, content_type, status, needle):
    response = token_client(monitor).generic("POST", URL, body, content_type=content_type)
    assert response.status_code == status
    assert needle in response.json()["detail"]


def test_a_body_over_the_upload_limit_is_413(devices, monitor, settings):
    settings.MAX_UPLOAD_BYTES = 2048
    body = [document(hour=f"{h:02d}") for h in range(24)]
    response = post_json(token_client(monitor), body)
    assert response.status_code == 413
    assert "ECOBRAIN_MAX_UPLOAD_BYTES" in response.json()["detail"]
    assert not HourObservation.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        '{"mn": "MN\\u0000X", "resolution": "hour", "time": "20260301090000", "values": {"a34004": "1"}}',
        '{"mn": "$MN", "resolution": "hour", "time": "20260301090000", "values": {"\\ud800": "1"}}',
        '{"mn": "$MN", "resolution": "hour", "time": "2026-03-01T09:00:00\\u0000", "values": {"a34004": "1"}}',
        '{"mn": "$MN", "resolution": "hour", "time": "20260301090000",'
        ' "values": {"a34004": {"Avg": "1", "Info": "\\u0000"}}}',
        '{"mn": "$MN", "resolution": "hour", "time": "99991231230000", "values": {"a34004": "1"}}',
        '{"mn": "$MN", "resolution": "hour", "time": "0001-01-01T00:00:00+08:00", "values": {"a34004": "1"}}',
        '{"mn": ["x"], "resolution": 2061, "time": {}, "values": {"a34004": [1]}}',
    ],
)
def test_hostile_documents_are_row_errors_never_500(devices, monitor, raw):
    body = raw.replace("$MN", MN).encode()
    response = token_client(monitor).post(URL, data=body, content_type="application/json")
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["inserted"] == 0 and result["rejected"] >= 1 and result["errors"]


def test_the_error_list_is_capped(devices, monitor):
    body = [document(hour="09", **{f"x{n:05d}": "1" for n in range(150)})]
    result = post_json(token_client(monitor), body).json()
    assert result["rejected"] == 150
    assert (len(result["errors"]), result["errors_omitted"]) == (100, 50)


def test_the_endpoint_is_in_the_openapi_schema_and_the_schema_validates(client, base_data):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/ingest/observations/"]["post"]
    assert operation["summary"] == "导入监测数据"
    assert set(operation["requestBody"]["content"]) == {"application/json", "text/csv"}
    assert {"200", "400", "403", "413", "415"} <= set(operation["responses"])
    # What CI's reviewers run: `ecobrain spectacular --validate --fail-on-warn` stays clean.
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=StringIO())
