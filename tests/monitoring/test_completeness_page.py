"""The 数据完整率 page: 应传/实传/有效 and 有效传输率 per data logger over a range of days (standards.md §8).

Personas: monitoring staff looking for loggers below 90 %; a district handler who sees only their district;
an enterprise user; anonymous.
"""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ecobrain.monitoring.completeness import compute_completeness
from tests import factories
from tests.monitoring.test_completeness import AFTER, DAY, send, series_of

URL = reverse("monitoring:completeness")
RANGE = {"first": DAY.isoformat(), "last": DAY.isoformat()}


@pytest.fixture
def network(qindu, binzhou, enterprise_in_qindu):
    """Three loggers on DAY: a full one (100 %), a half one (50 %) in 秦都区, and a silent one in 彬州市."""
    full = factories.device(station=factories.station(qindu, name="秦都满传站"))
    half = factories.device(outlet=factories.outlet(enterprise_in_qindu))
    silent = factories.device(station=factories.station(binzhou, name="彬州静默站"))
    send(series_of(full), 24)
    send(series_of(half), 12)
    series_of(silent)
    compute_completeness(DAY, now=AFTER)
    return full, half, silent


def test_rates_per_logger_worst_first_with_totals(client, monitor, network):
    full, half, silent = network
    client.force_login(monitor)
    response = client.get(URL, RANGE)
    assert response.status_code == 200
    rows = [r.device for r in response.context["page"].object_list]
    assert rows == [silent, half, full]  # 0 %, 50 %, 100 %
    total = response.context["total"]
    assert (total.expected, total.received, total.valid) == (72, 36, 36)
    assert response.context["below_count"] == 2
    body = response.content.decode()
    assert "50.00%" in body and "100.00%" in body and "0.00%" in body
    assert "彬州静默站" in body


def test_only_below_target_and_search_and_district(client, monitor, network, qindu):
    full, half, silent = network
    client.force_login(monitor)
    below = client.get(URL, {**RANGE, "below": "on"}).context["page"].object_list
    assert [r.device for r in below] == [silent, half]
    found = client.get(URL, {**RANGE, "q": "满传"}).context["page"].object_list
    assert [r.device for r in found] == [full]
    in_qindu = client.get(URL, {**RANGE, "district": qindu.adcode}).context["page"].object_list
    assert {r.device for r in in_qindu} == {full, half}
    outlets = client.get(URL, {**RANGE, "target": "outlet"}).context["page"].object_list
    assert [r.device for r in outlets] == [half]


def test_a_district_handler_sees_only_their_district(client, handler, network):
    full, half, _silent = network
    client.force_login(handler)
    response = client.get(URL, RANGE)
    assert {r.device for r in response.context["page"].object_list} == {full, half}
    assert "彬州静默站" not in response.content.decode()


def test_bad_dates_give_a_message_not_an_error(client, monitor, network):
    client.force_login(monitor)
    reversed_range = client.get(URL, {"first": DAY.isoformat(), "last": (DAY - timedelta(days=1)).isoformat()})
    assert reversed_range.status_code == 200
    assert "开始日期不能晚于结束日期" in reversed_range.content.decode()
    too_long = client.get(URL, {"first": "2024-01-01", "last": "2026-03-02"})
    assert "日期范围最多 366 天" in too_long.content.decode()
    garbage = client.get(URL, {"first": "not-a-date"})
    assert garbage.status_code == 200 and "筛选条件有误" in garbage.content.decode()


def test_empty_range_says_what_computes_the_rates(client, monitor, network):
    client.force_login(monitor)
    body = client.get(URL, {"first": "2026-01-01", "last": "2026-01-02"}).content.decode()
    assert "还没有完整率记录" in body


def test_exports_csv_and_xlsx(client, monitor, network):
    client.force_login(monitor)
    csv_text = b"".join(client.get(URL, {**RANGE, "export": "csv"}).streaming_content).decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("数采仪MN,监测对象,区县,应传个数")
    assert len(lines) == 4 and "50.00%" in csv_text
    response = client.get(URL, {**RANGE, "export": "xlsx"})
    sheet = load_workbook(BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][-1] == "有效传输率"
    assert sorted(v[-1] for v in values[1:]) == [0, 0.5, 1]


def test_enterprise_user_and_anonymous(client, network, enterprise_in_qindu):
    assert client.get(URL).status_code == 302
    _full, half, _silent = network
    client.force_login(factories.user("ent", "enterprise_user", enterprise=enterprise_in_qindu))
    response = client.get(URL, RANGE)
    assert [r.device for r in response.context["page"].object_list] == [half]  # its own outlet's logger only
    assert response.context["can_export"] is False
    assert client.get(URL, {**RANGE, "export": "csv"}).status_code == 403


def test_query_count_is_bounded(client, monitor, network, django_assert_max_num_queries):
    client.force_login(monitor)
    with django_assert_max_num_queries(12):
        client.get(URL, RANGE)


API = "/api/v1/completeness/"


def test_api_lists_rates_per_logger(client, monitor, network):
    full, half, silent = network
    client.force_login(monitor)
    body = client.get(API, RANGE).json()
    assert [r["mn"] for r in body["results"]] == [silent.mn, half.mn, full.mn]
    assert body["results"][1]["effective_rate"] == 0.5 and body["results"][1]["below_target"] is True
    assert body["results"][2] | {"expected": 24, "received": 24, "valid": 24} == body["results"][2]
    below = client.get(API, {**RANGE, "below": "true"}).json()["results"]
    assert [r["mn"] for r in below] == [silent.mn, half.mn]


def test_api_rejects_bad_parameters_with_a_message(client, monitor, network):
    client.force_login(monitor)
    response = client.get(API, {"first": "2026-03-05", "last": "2026-03-01"})
    assert response.status_code == 400
    assert "开始日期不能晚于结束日期" in response.content.decode()
    assert client.get(API, {"district": "999999"}).status_code == 400
    client.logout()
    assert client.get(API).status_code in (401, 403)
