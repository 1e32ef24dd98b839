"""The public portal in English: the language cookie (set by the portal's language link) or Accept-Language turns the
headings, the navigation and the notice sections into English; the data (station, district and notice names) stay
as entered, in Chinese."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

from ecobrain.portal.choices import NoticeCategory
from tests.portal.conftest import notice

NAV = ("Air quality", "Monitoring stations", "Water quality", "Information disclosure", "Open data",
       "File a complaint", "Track a complaint", "Published complaints")  # fmt: skip
NAV_ZH = ("监测站点", "水环境质量", "信息公开", "数据开放", "投诉举报", "查询进度", "投诉公开")


@pytest.fixture(autouse=True)
def _reset_language():
    """A request activates its language for the thread; don't let English leak into later tests."""
    yield
    translation.deactivate()


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_home_in_english_by_cookie(client, air_world, notices):
    response = english(client).get("/public/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="en">' in body
    for text in NAV:
        assert text in body, text
    for heading in ("Real-time air quality index", "Air quality by district/county", "Air quality by station",
                    "Latest disclosures", "More disclosures", "AQI over the last 24 hours",
                    "Daily AQI over the last 30 days"):  # fmt: skip
        assert heading in body, heading
    # The city card (AQI 120, HJ 633-2026): the primary pollutant's label and name, the edition line.
    assert "Primary pollutant: Fine particulate matter (PM2.5)" in body
    assert "Per HJ 633-2026; assessment stations: 1" in body
    assert "Administrative penalties" in body and "EIA announcements" in body  # the notices' sections
    assert "All times are Beijing time" in body and "Staff login" in body
    headings_zh = ("实时空气质量指数", "区县空气质量", "最新公开信息", "首要污染物", "行政处罚</", "工作人员登录")
    for chinese in (*NAV_ZH, *headings_zh):
        assert chinese not in body, chinese
    # Data stay as entered; the level reads as the standard names it (no 三级级 glued from a fragment).
    assert "秦都监测站" in body and "某建材公司超标排放行政处罚决定书" in body
    assert "三级级" not in body
    # HJ 633 Table 1 (2026) / Table 2 (2012): the level of AQI 120 (101–150) is III, orange, lightly polluted; its
    # health effect and advice in English, none of the standard's Chinese wording left.
    assert "Level III · orange" in body and "Lightly polluted" in body
    assert "Symptoms of sensitive people are mildly aggravated" in body
    assert "Children and adolescents, the elderly and people with cardiovascular or respiratory diseases" in body
    for chinese in ("轻度污染", "橙色", "敏感人群症状有轻度加剧"):
        assert chinese not in body, chinese


def test_home_in_english_by_accept_language_and_chinese_by_default(client, air_world):
    english_body = client.get("/public/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Real-time air quality index" in english_body and "实时空气质量指数" not in english_body
    chinese_body = client.get("/public/").content.decode()
    assert '<html lang="zh-hans">' in chinese_body
    assert "实时空气质量指数" in chinese_body and "首要污染物：" in chinese_body and "三级 · 橙色" in chinese_body
    assert "Real-time air quality index" not in chinese_body


def test_empty_home_in_english(client, base_data):
    body = english(client).get("/public/").content.decode()
    assert "No published air quality data yet." in body and "No disclosures yet." in body
    assert "暂无已发布的空气质量数据" not in body and "暂无公开信息" not in body


def test_the_language_link_switches_the_portal_to_english(client, air_world):
    response = client.get("/public/language/", {"lang": "en", "next": "/public/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    body = client.get("/public/").content.decode()
    assert "Real-time air quality index" in body and "实时空气质量指数" not in body


@pytest.mark.django_db
def test_notices_and_a_notice_in_english(client, base_data):
    penalty = notice("某建材公司超标排放行政处罚决定书")
    notice("热电项目环评受理公示", category=NoticeCategory.EIA)
    client = english(client)
    body = client.get("/public/notices/").content.decode()
    for text in ("All sections", "EIA announcements", "Administrative penalties", "Policies and regulations",
                 "Title or document number"):  # fmt: skip
        assert text in body, text
    for chinese in ("全部栏目", "环评公示", "政策法规", "标题或文号"):
        assert chinese not in body, chinese
    page = client.get(penalty.public_url()).content.decode()
    assert "Published at: " in page and "Back to information disclosure" in page
    assert "发布时间" not in page and "返回信息公开" not in page
    assert "某建材公司超标排放行政处罚决定书" in page


def test_open_data_page_and_its_errors_in_english(client, air_world):
    client = english(client)
    body = client.get("/public/data/").content.decode()
    assert "Open data" in body and "Hourly air quality AQI" in body and "Download CSV" in body
    assert "数据开放" not in body and "下载 CSV" not in body
    error = client.get("/public/data/air-hourly.csv", {"scope": "bogus"})
    assert error.status_code == 400
    text = error.content.decode()
    assert "Invalid parameter scope “bogus”: it must be city, district or station." in text
    assert "无效" not in text
