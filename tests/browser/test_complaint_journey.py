"""Issue 6's journey on phones (headless Chromium, 390×844, touch): a citizen files a complaint with a photo from
the place they stand → the city's complaint desk dispatches it → the district handler handles the work order on the
phone and replies → the citizen sees the reply by the tracking number, and rates it."""

from __future__ import annotations

import pytest

from ecobrain.complaints.choices import ComplaintChannel, ComplaintStatus
from ecobrain.complaints.models import Complaint
from ecobrain.complaints.services.handling import confirm_triage, dispatch_complaint
from ecobrain.core.models import Organisation
from ecobrain.workorders.choices import WorkOrderStatus
from tests import factories
from tests.browser.conftest import TIMEOUT_MS, _end_notification_streams
from tests.workorders.conftest import jpeg_bytes

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESCRIPTION = "渭河边的化工厂每天夜里排放刺鼻气味，开窗就能闻到，已经持续两周。"
REPLY = "经现场核查，异味来自该厂临时堆放的污泥，已责令清运并立案调查，感谢您的监督。"


def _phone_context(browser, **options):
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        **options,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(f"JavaScript error: {exc}"))
    return context, page


def _member(username: str, role: str, org_code: str, **scope):
    user = factories.user(username, role, **scope)
    user.organisation = Organisation.objects.get(code=org_code)
    user.save()
    return user


def test_a_citizen_complaint_goes_to_the_district_and_the_reply_comes_back(
    transactional_db, live_server, browser, tmp_path, results_dir
):
    from playwright.sync_api import expect

    factories.load_base()
    qindu = factories.region("610402")
    desk = _member("desk", "enforcement_officer", "610400-enforcement", city_wide=True)
    _member("qd", "district_handler", "610402-branch", districts=[qindu])
    lon, lat = factories.point_in(qindu)
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(jpeg_bytes((1024, 768)))

    # 1. The citizen, on a phone, at the place: files the complaint with a photo and their location.
    citizen_context, citizen = _phone_context(
        browser, geolocation={"longitude": lon, "latitude": lat}, permissions=["geolocation"]
    )
    try:
        citizen.goto(f"{live_server.url}/public/complaints/new/?app=1")
        citizen.locator("label[for=id_category_air]").tap()
        citizen.locator("#id_description").fill(DESCRIPTION)
        citizen.locator("#use-location").tap()
        expect(citizen.locator("#location-status")).to_contain_text("已选位置")
        citizen.locator("#id_address").fill("秦都区渭河南岸")
        citizen.locator("#id_photos").set_input_files(str(photo))
        citizen.locator("#id_phone").fill("13800295678")
        citizen.get_by_role("button", name="提交投诉").tap()
        number = citizen.locator("#tracking-number").inner_text().strip()
        assert number.startswith("TS")
        citizen.screenshot(path=str(results_dir / "journey-1-filed.png"), full_page=True)
        citizen_errors = list(citizen.errors)
    finally:
        citizen_context.close()

    complaint = Complaint.objects.get(tracking_number=number)
    assert complaint.channel == ComplaintChannel.MOBILE
    assert complaint.district_id == qindu.id  # point in polygon from the phone's location
    assert complaint.photos.count() == 1
    assert complaint.phone_masked == "138****5678"

    # 2. The complaint desk confirms the triage and dispatches it to 秦都区's branch.
    confirm_triage(complaint, actor=desk, category="air", district=qindu)
    dispatch_complaint(Complaint.objects.get(pk=complaint.pk), actor=desk)
    complaint.refresh_from_db()
    order = complaint.workorder
    assert complaint.status == ComplaintStatus.DISPATCHED and order is not None

    # 3. The district handler, on a phone: signs in, handles the order with a photo, replies to the complainant.
    handler_context, handler = _phone_context(browser)
    try:
        handler.goto(f"{live_server.url}/m/staff/")
        handler.wait_for_url("**/accounts/login/**")
        handler.fill("input[name=username]", "qd")
        handler.fill("input[name=password]", factories.PASSWORD)
        handler.click("button[type=submit]")
        handler.wait_for_url("**/m/staff/")
        handler.get_by_role("link", name=order.title).tap()
        handler.locator('form[data-step="accept"] button[type=submit]').tap()
        handler.locator('form[data-step="start"] button[type=submit]').tap()
        form = handler.locator('form[data-step="submit"]')
        form.locator("textarea").fill("已到现场核查，异味来自临时堆放的污泥，已清运。")
        form.locator("input[type=file]").set_input_files(str(photo))
        form.locator("button[type=submit]").tap()
        expect(handler.get_by_role("status").filter(has_text="已提交办理结果")).to_be_visible()

        handler.goto(f"{live_server.url}/complaints/{complaint.pk}/")
        expect(handler.locator("body")).to_contain_text(number)
        expect(handler.locator("body")).not_to_contain_text("13800295678")  # masked unless revealed
        handler.locator("#id_reply").fill(REPLY)
        handler.get_by_role("button", name="提交答复").tap()
        expect(handler.locator("#current-reply")).to_have_text(REPLY)
        handler.screenshot(path=str(results_dir / "journey-2-replied.png"), full_page=True)
        handler_errors = list(handler.errors)
    finally:
        handler_context.close()
        _end_notification_streams()  # the staff page's live stream, before the test database goes away
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.SUBMITTED

    # 4. The citizen, later, with only the tracking number: sees the reply and rates it.
    citizen_context, citizen = _phone_context(browser)
    try:
        citizen.goto(f"{live_server.url}/public/complaints/track/")
        citizen.locator("#id_number").fill(number.lower())  # typed in lower case: still found
        citizen.get_by_role("button", name="查询").tap()
        expect(citizen.locator("#complaint-reply")).to_contain_text(REPLY)
        body = citizen.locator("body")
        expect(body).to_contain_text("已答复")
        expect(body).not_to_contain_text("138****5678")  # no personal data on the public page
        expect(body).not_to_contain_text(DESCRIPTION)
        citizen.screenshot(path=str(results_dir / "journey-3-reply-seen.png"), full_page=True)
        rating = citizen.locator("#rating-form")
        rating.locator("label[for=id_satisfaction_3]").tap()
        rating.locator("button[type=submit]").tap()
        expect(citizen.locator("#rating-thanks")).to_be_visible()
        expect(citizen.locator("#complaint-rating")).to_contain_text("满意")
        citizen_errors += citizen.errors
    finally:
        citizen_context.close()
    assert citizen_errors == [] and handler_errors == []
    assert Complaint.objects.get(pk=complaint.pk).satisfaction == 3
