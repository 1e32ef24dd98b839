"""An enforcement officer signs in, finds an enterprise by name and opens its file (档案) in a browser."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.browser


def test_officer_searches_and_opens_enterprise_file(transactional_db, live_server, page, results_dir):
    from playwright.sync_api import expect

    factories.load_base()
    factories.user("officer", "enforcement_officer", city_wide=True)
    target = factories.enterprise(factories.region("610402"), name="咸阳示范热电有限公司")  # 秦都区
    other = factories.enterprise(factories.region("610482"), name="彬州示范水泥有限公司")  # 彬州市
    outlet = factories.outlet(target, code="DA001")
    device = factories.device(outlet=outlet)

    # Sign in.
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("input[name=username]")).to_be_visible()
    expect(page.locator("input[name=password]")).to_be_visible()
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # The city-wide officer sees both enterprises; searching part of the name leaves only the target.
    page.goto(f"{live_server.url}/registry/enterprises/")
    table = page.locator("table")
    expect(table).to_contain_text(target.name)
    expect(table).to_contain_text(other.name)
    page.fill("input[name=q]", "热电")
    page.press("input[name=q]", "Enter")
    expect(table).not_to_contain_text(other.name)  # retries until the results have arrived
    expect(table).to_contain_text(target.name)
    assert "q=" in page.url, f"the search should be a GET form (shareable URL), got {page.url}"

    # The enterprise file: name, credit code, outlets and devices.
    table.get_by_role("link", name=target.name).first.click()
    expect(page.locator("h1")).to_contain_text(target.name)
    body = page.locator("body")
    expect(body).to_contain_text(target.credit_code)
    expect(body).to_contain_text(outlet.code)
    expect(body).to_contain_text(device.mn)

    page.screenshot(path=str(results_dir / "enterprise-file.png"), full_page=True)
    # A missing stylesheet or script, or a JavaScript error, on any of these pages is a defect too.
    assert page.problems == [], "\n".join(page.problems)
