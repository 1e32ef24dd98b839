"""水环境质量: each section's class of a month against its target (GB 3838-2002; colours, status: standards.md §5.2)."""

from __future__ import annotations

from datetime import date

import pytest

from ecobrain.assessment.water import recompute_water
from tests.assessment.water_data import china, section, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def sections(qindu, binzhou):
    _good, good_device = section(qindu, code="W-GOOD", name="渭河甲", target="III")
    _bad, bad_device = section(binzhou, code="W-BAD", name="泾河乙", target="III", waterbody="lake")
    section(qindu, code="W-EMPTY", name="无数据断面")
    store(good_device, "nh3n", china(2026, 11, 2), ["0.4"])
    store(bad_device, "nh3n", china(2026, 11, 2), ["2.5"])  # 劣V, 1.5 times over the III limit 1.0 mg/L
    store(good_device, "nh3n", china(2026, 10, 2), ["1.2"])  # IV in October
    recompute_water(first_month=date(2026, 10, 1), last_month=date(2026, 11, 1))


def test_latest_month_by_default(client, sections):
    body = client.get("/public/water/").content.decode()
    assert "2026年11月" in body
    assert "渭河甲" in body and "泾河乙" in body and "无数据断面" in body
    assert "background:#FF0000" in body and "劣Ⅴ类" in body and "重度污染" in body  # §5.2
    assert "background:#0070C0" in body and "Ⅱ类" in body
    assert "氨氮（超标1.5倍）" in body and "未达标" in body
    assert "50.0%" in body


def test_chosen_month_and_bad_month(client, sections):
    body = client.get("/public/water/", {"month": "2026-10"}).content.decode()
    assert "Ⅳ类" in body and "轻度污染" in body
    body = client.get("/public/water/", {"month": "2026-1x"}).content.decode()
    assert "月份“2026-1x”无效" in body and "2026年11月" in body
    body = client.get("/public/water/", {"month": "2025-01"}).content.decode()
    assert "该月暂无已发布的断面水质评价结果" in body and "?month=2026-11" in body


def test_no_sections(client, base_data):
    assert "暂无地表水监测断面" in client.get("/public/water/").content.decode()


def test_the_month_reads_in_the_reader_language(client, sections):
    from django.conf import settings
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    try:
        body = client.get("/public/water/").content.decode()
    finally:
        translation.deactivate()
    assert "November 2026" in body and "2026年11月" not in body
