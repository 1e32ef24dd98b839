"""Monitoring staff open an outlet's 监测数据 tab in a browser and see the latest values and the ECharts chart."""

from __future__ import annotations

import pytest

from tests import factories
from tests.monitoring import pages_data as data

pytestmark = pytest.mark.browser


def test_outlet_data_tab_draws_the_chart(transactional_db, live_server, page, tmp_path):
    from django.utils import timezone
    from playwright.sync_api import expect

    factories.load_base()
    factories.user("monitor", "monitoring_staff", city_wide=True)
    enterprise = factories.enterprise(factories.region("610402"), name="咸阳示范热电有限公司")
    outlet, _device, (so2, smoke) = data.outlet_logger(enterprise, code="DA001", mn="MNBROWSER0001")
    this_hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    data.hourly(so2, 48, end=this_hour, value="21.5")
    data.hourly(smoke, 48, end=this_hour, value="8.25", flag="M")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "monitor")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto(f"{live_server.url}{outlet.get_absolute_url()}")
    page.get_by_role("tab", name="监测数据").click()
    tab = page.locator("#tab-data")
    expect(tab).to_be_visible()
    expect(tab.locator("table.eb-latest")).to_contain_text("21.5")
    expect(tab.locator("table.eb-latest")).to_contain_text("维护期间数据")  # flag M, standards.md §1.9

    # The window loads when the tab opens: a drawn canvas whose series hold the stored hours.
    canvas = tab.locator(".eb-chart canvas")
    expect(canvas.first).to_be_visible()
    points = page.evaluate(
        """() => {
            const chart = echarts.getInstanceByDom(document.querySelector('#tab-data .eb-chart'));
            return chart.getOption().series.map(s => s.data.filter(p => p[1] !== null).length);
        }"""
    )
    assert points == [48, 48], points
    box = canvas.first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 200, box
    expect(tab.locator(".eb-window-table")).to_contain_text("8.25")
    page.screenshot(path=str(tmp_path / "outlet-data-tab.png"), full_page=True)

    # Asking for more than real-time data allows is a message in the tab, not an error page.
    page.select_option("#data-resolution", "realtime")
    page.select_option("#data-range", "7d")
    expect(tab.locator(".alert-warning")).to_contain_text("实时数据每次最多查询 2 天")

    page.screenshot(path=str(tmp_path / "outlet-data-tab-window-too-long.png"), full_page=True)
    assert (tmp_path / "outlet-data-tab.png").stat().st_size > 0
    assert page.problems == [], "\n".join(page.problems)
