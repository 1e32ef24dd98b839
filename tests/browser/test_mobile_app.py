"""The mobile app in headless Chromium at a phone's viewport (390×844, touch): the public page installs its service
worker and shows nearby air from the phone's location; offline, a navigation shows the offline page; a district
handler signs in on the phone and handles a work order, submitting the result with a photo."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ecobrain.core.models import Organisation
from ecobrain.registry.models import Station
from ecobrain.workorders.choices import WorkOrderStatus
from ecobrain.workorders.models import WorkOrder, WorkOrderAttachment
from ecobrain.workorders.services import create_workorder
from tests import factories
from tests.assessment import air_rows
from tests.browser.conftest import TIMEOUT_MS
from tests.workorders.conftest import jpeg_bytes

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
HOUR = datetime(2026, 11, 30, 0, tzinfo=UTC)


@pytest.fixture
def phone(browser, request, results_dir):
    """A page in a phone-sized, touch, Chinese browser context; JavaScript errors fail the test at its end."""
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.errors = errors = []
    page.on("pageerror", lambda exc: errors.append(f"JavaScript error: {exc}"))
    try:
        yield page
    finally:
        call = getattr(request.node, "rep_call", None)
        if call is not None and call.failed:
            page.screenshot(path=str(results_dir / f"{request.node.name}-failure.png"), full_page=True)
        context.close()


def test_the_public_app_installs_works_nearby_and_offline(transactional_db, live_server, phone, results_dir):
    from playwright.sync_api import expect

    factories.load_base()
    qindu = factories.region("610402")
    lon, lat = factories.point_in(qindu)
    for n, (dx, aqi) in enumerate([(0.03, 60), (0.0, 135), (0.1, 40)]):
        station = factories.station(qindu, code=f"AQ{n:03d}", name=f"秦都站{n}")
        Station.objects.filter(pk=station.pk).update(longitude=lon + dx, latitude=lat)
        air_rows.hour(station=station, at=HOUR, aqi=aqi)
    air_rows.hour(region=factories.region("610400"), at=HOUR, aqi=120)
    air_rows.hour(region=qindu, at=HOUR, aqi=130)

    page = phone
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"longitude": lon, "latitude": lat})
    page.goto(f"{live_server.url}/m/")
    expect(page.locator("h1")).to_have_text("空气质量")
    expect(page.locator('link[rel="manifest"]')).to_have_attribute("href", "/manifest.webmanifest")
    expect(page.get_by_role("navigation", name="主要功能")).to_be_visible()  # the bottom tab bar

    scope = page.evaluate("navigator.serviceWorker.ready.then((registration) => registration.scope)")
    assert scope == f"{live_server.url}/"
    manifest = page.evaluate("fetch('/manifest.webmanifest').then((response) => response.json())")
    assert manifest["start_url"] == "/m/" and manifest["display"] == "standalone"

    page.get_by_role("button", name="使用我的位置查看附近站点").tap()
    cards = page.locator("#eb-nearby .eb-m-station")
    expect(cards).to_have_count(3)
    expect(cards.first).to_contain_text("秦都站1")  # the nearest: at the point itself
    expect(cards.first).to_contain_text("距您 0.0 公里")
    expect(page.locator("#eb-nearby")).to_contain_text("您所在的秦都区")
    page.screenshot(path=str(results_dir / "mobile-home.png"), full_page=True)

    page.wait_for_function("navigator.serviceWorker.controller !== null")  # the new worker took the page over
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/m/staff/")  # per-user page: never kept, so the offline page
    expect(page.locator("#offline-heading")).to_have_text("当前没有网络连接")
    expect(page.locator("body")).to_have_css("padding-bottom", "68px")  # the shell's CSS came from the cache
    page.screenshot(path=str(results_dir / "mobile-offline.png"))
    page.goto(f"{live_server.url}/m/")  # the copy of the public page kept at install
    expect(page.locator("h1")).to_have_text("空气质量")
    page.context.set_offline(False)
    assert page.errors == []


def test_a_handler_handles_a_work_order_on_the_phone_with_a_photo(
    transactional_db, live_server, phone, tmp_path, results_dir
):
    from playwright.sync_api import expect

    factories.load_base()
    qindu = factories.region("610402")
    city = factories.user("city", "enforcement_officer", city_wide=True)
    city.organisation = Organisation.objects.get(code="610400-enforcement")
    city.save()
    handler = factories.user("qd", "district_handler", districts=[qindu])
    handler.organisation = Organisation.objects.get(code="610402-branch")
    handler.save()
    order = create_workorder(actor=city, title="核查渭河边异味", district=qindu, description="群众反映夜间异味")

    page = phone
    page.goto(f"{live_server.url}/m/staff/")
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=username]", "qd")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/m/staff/")

    page.get_by_role("link", name="核查渭河边异味").tap()
    expect(page.locator("h1")).to_have_text("核查渭河边异味")
    page.locator('form[data-step="accept"] button[type=submit]').tap()
    expect(page.get_by_role("status").filter(has_text="已签收任务")).to_be_visible()
    page.locator('form[data-step="start"] button[type=submit]').tap()
    expect(page.locator('form[data-step="submit"]')).to_be_visible()

    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(jpeg_bytes((800, 600)))
    form = page.locator('form[data-step="submit"]')
    form.locator("textarea").fill("已到现场核查，异味来自临时堆放的污泥，已清运。")
    form.locator("input[type=file]").set_input_files(str(photo))
    expect(form).to_contain_text("已选择 1 张")
    form.locator("button[type=submit]").tap()
    expect(page.get_by_role("status").filter(has_text="已提交办理结果")).to_be_visible()
    expect(page.locator("#timeline img.eb-m-thumb")).to_have_count(1)
    page.wait_for_function("document.querySelector('#timeline img.eb-m-thumb').naturalWidth > 0")  # the thumbnail
    page.screenshot(path=str(results_dir / "mobile-workorder.png"), full_page=True)

    order.refresh_from_db()
    assert order.status == WorkOrderStatus.SUBMITTED
    assert order.result == "已到现场核查，异味来自临时堆放的污泥，已清运。"
    assert WorkOrderAttachment.objects.filter(workorder=order, name="现场照片.jpg").count() == 1
    assert WorkOrder.objects.get(pk=order.pk).assignee == handler
    assert page.errors == []
