"""Monitoring staff open 空气质量实况 and a station's 空气质量 tab in a browser: the map draws the stations in their
level colours, the charts draw, and no script fails."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests import factories
from tests.assessment import air_rows

pytestmark = pytest.mark.browser


def _login(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "monitor")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_air_quality_now_map_and_station_charts(transactional_db, live_server, page, results_dir):
    from datetime import UTC, date, datetime

    from playwright.sync_api import expect

    factories.load_base()
    factories.user("monitor", "monitoring_staff", city_wide=True)
    city, qindu, binzhou = (factories.region(code) for code in ("610400", "610402", "610482"))
    q1 = factories.station(qindu, code="AQ001", name="秦都监测站", kind="air_national", is_assessment=True)
    b1 = factories.station(binzhou, code="AB001", name="彬州监测站", kind="air_provincial", is_assessment=True)
    hour = datetime(2026, 11, 30, 0, tzinfo=UTC)
    for n in range(72):
        air_rows.hour(station=q1, at=hour - timedelta(hours=n), aqi=40 + n, pm2_5=20.0 + n)
    air_rows.hour(station=b1, at=hour, aqi=220, primary="pm10")
    air_rows.hour(region=city, at=hour, aqi=120)
    air_rows.hour(region=qindu, at=hour, aqi=111)
    for n in range(60):
        air_rows.day(station=q1, on=date(2026, 11, 29) - timedelta(days=n), aqi=30 + 3 * n)

    _login(page, live_server)
    page.goto(f"{live_server.url}/assessment/air/")
    expect(page.locator("h2#city-heading")).to_contain_text("咸阳市")
    markers = page.locator("#air-map path.leaflet-interactive")
    expect(markers).to_have_count(2)
    fills = sorted(markers.nth(i).get_attribute("fill") for i in range(2))
    assert fills == ["#00E400", "#99004C"], fills  # AQI 40: level I green; 220: level V, China's purple
    page.screenshot(path=str(results_dir / "air-quality-now.png"), full_page=True)

    page.goto(f"{live_server.url}{q1.get_absolute_url()}")
    page.get_by_role("tab", name="空气质量").click()
    tab = page.locator("#tab-air-quality")
    expect(tab.locator(".eb-air-chart canvas").first).to_be_visible()
    expect(tab.locator(".eb-air-chart")).to_have_count(3)
    points = page.evaluate(
        """() => Array.from(document.querySelectorAll('#tab-air-quality .eb-air-chart')).map(
            el => echarts.getInstanceByDom(el).getOption().series[0].data.length)"""
    )
    assert points == [72, 60, 60], points
    page.select_option("#air-pollutant", "pm2_5")
    expect(tab.locator("h3").first).to_contain_text("PM₂.₅")
    page.screenshot(path=str(results_dir / "air-quality-station-tab.png"), full_page=True)
    assert page.problems == [], "\n".join(page.problems)
