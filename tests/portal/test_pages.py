"""The public pages render for anonymous visitors, with data and empty; AQI texts follow HJ 633 (standards.md §2.5)."""

from __future__ import annotations

import json
import re

import pytest

from ecobrain.portal.choices import NoticeStatus
from tests.portal.conftest import notice

pytestmark = pytest.mark.django_db


def json_script(body: str, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', body, re.S)
    assert match, element_id
    return json.loads(match.group(1))


def test_home_with_data(client, air_world, notices):
    response = client.get("/public/")
    assert response.status_code == 200
    body = response.content.decode()
    # The city card: AQI 120 is level III 轻度污染 (HJ 633-2026 Table 1, standards.md §2.5) with the 2026 wording.
    assert "2026-11-30 08:00–08:59" in body
    assert "轻度污染" in body and "#FF7E00" in body
    assert "敏感人群症状有轻度加剧，健康人群出现刺激症状" in body
    assert "青少年儿童、老年人及心血管、呼吸系统疾病患者应减少长时间、高强度的户外锻炼" in body
    assert "细颗粒物(PM2.5)" in body  # primary pollutant, as the national centre names it (§2.3)
    # Map points: stations with coordinates only; the station table (text alternative) lists all three.
    points = json_script(body, "air-points")
    assert {p["code"] for p in points} == {"AQ001", "AB001"}
    assert "秦都微站" in body and "/public/air/AQ002/" in body
    assert 'role="img"' in body and "文字版" in body
    # Districts, trends (24 hours of the city: two rows; 30 days: three rows), latest notices (published only).
    assert "秦都区" in body and "彬州市" in body
    charts = json_script(body, "portal-charts")
    assert [row[1] for row in charts["hourly"]["data"]] == [110, 120]
    assert [row["value"] for row in charts["daily"]["data"]] == [151, 64, 88]
    assert "某建材公司超标排放行政处罚决定书" in body and "未发布的草稿通知" not in body and "已撤回的公告" not in body
    assert '<html lang="zh-hans">' in body and 'href="#main"' in body and "<main" in body


def test_home_hour_of_the_older_edition_shows_its_own_wording(client, air_world, city):
    from ecobrain.assessment.models import AirQualityHour
    from tests.portal.conftest import HOUR

    AirQualityHour.objects.filter(period_start=HOUR).delete()  # the newest city hour is now the HJ 633-2012 one
    body = client.get("/public/").content.decode()
    assert "2026-11-30 07:00–07:59" in body
    assert "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼" in body  # 2012 wording (§2.5)
    assert "青少年儿童" not in body


def test_home_empty(client, base_data):
    response = client.get("/public/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "暂无已发布的空气质量数据" in body and "暂无公开信息" in body


def test_root_sends_visitors_to_the_portal_and_staff_home(client, login, monitor):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/public/"
    assert login(monitor).get("/").status_code == 200


def test_air_stations_filter_search_and_empty(client, air_world, qindu):
    body = client.get("/public/air/").content.decode()
    assert "秦都监测站" in body and "彬州监测站" in body and "渭河断面" not in body  # air stations only
    assert "135" in body
    body = client.get("/public/air/", {"district": "610482"}).content.decode()
    assert "彬州监测站" in body and "秦都监测站" not in body
    body = client.get("/public/air/", {"q": "微站"}).content.decode()
    assert "秦都微站" in body and "彬州监测站" not in body
    body = client.get("/public/air/", {"q": "不存在的站"}).content.decode()
    assert "没有符合条件的站点" in body
    assert client.get("/public/air/", {"district": "bogus", "page": "x"}).status_code == 200


def test_station_page(client, air_world):
    body = client.get("/public/air/AQ001/").content.decode()
    assert "秦都监测站" in body and "2026-11-30 08:00–08:59" in body
    charts = json_script(body, "portal-charts")
    assert [row[1] for row in charts["hourly"]["data"]] == [77, 135]
    assert [row["value"] for row in charts["daily"]["data"]] == [156, 69, 93]
    assert "11-30 08:00" in body  # the chart's data table
    body = client.get("/public/air/AQ002/").content.decode()
    assert "160" in body


def test_station_page_not_found_and_not_air(client, air_world):
    assert client.get("/public/air/NOPE/").status_code == 404
    assert client.get("/public/air/W001/").status_code == 404  # a water section is not an air station


def test_station_without_rows(client, qindu):
    from tests import factories

    factories.station(qindu, code="AQ009", name="新建站", kind="air_city")
    body = client.get("/public/air/AQ009/").content.decode()
    assert "该站点暂无已发布的空气质量数据" in body


def test_notice_list_filters_and_pages(client, notices):
    body = client.get("/public/notices/").content.decode()
    assert "某建材公司超标排放行政处罚决定书" in body and "热电项目环评受理公示" in body
    assert "未发布的草稿通知" not in body and "已撤回的公告" not in body
    body = client.get("/public/notices/", {"category": "eia"}).content.decode()
    assert "热电项目环评受理公示" in body and "某建材公司" not in body
    body = client.get("/public/notices/", {"q": "建材"}).content.decode()
    assert "某建材公司" in body and "热电项目" not in body
    body = client.get("/public/notices/", {"q": "无此标题"}).content.decode()
    assert "没有符合条件的公开信息" in body
    for n in range(25):
        notice(f"批量公告{n:02d}", days_ago=3 + n)
    body = client.get("/public/notices/", {"page": "2"}).content.decode()
    assert "2 / 2" in body and "批量公告24" in body and "某建材公司" not in body


def test_notice_detail_published_only(client, notices):
    assert client.get(f"/public/notices/{notices['penalty'].pk}/").status_code == 200
    assert client.get(f"/public/notices/{notices['draft'].pk}/").status_code == 404
    assert client.get(f"/public/notices/{notices['withdrawn'].pk}/").status_code == 404
    assert client.get("/public/notices/999999/").status_code == 404
    assert client.get("/public/notices/99999999999999999999999/").status_code == 404


def test_notice_body_is_escaped_with_paragraphs_and_links(client, base_data):
    item = notice(
        "含链接的公告",
        body='<script>alert("x")</script>第一段\n\n第二段 https://www.mee.gov.cn/ <img src=x onerror=alert(1)>',
    )
    body = client.get(f"/public/notices/{item.pk}/").content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;第一段</p>" in body
    assert '<a href="https://www.mee.gov.cn/" rel="nofollow">https://www.mee.gov.cn/</a>' in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


def test_notice_title_is_escaped_everywhere(client, base_data):
    notice("<b>标题</b>", status=NoticeStatus.PUBLISHED)
    for url in ("/public/", "/public/notices/"):
        body = client.get(url).content.decode()
        assert "&lt;b&gt;标题&lt;/b&gt;" in body and "<b>标题</b>" not in body


@pytest.mark.django_db
def test_a_missing_public_page_keeps_the_public_layout(client, base_data):
    response = client.get("/public/notices/999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'class="eb-public"' in html and "返回公众服务首页" in html
    assert "工作人员登录" in html  # the public footer, not the staff navigation
    staff = client.get("/registry/no-such-page/")
    assert staff.status_code in (302, 404) and 'class="eb-public"' not in staff.content.decode()
