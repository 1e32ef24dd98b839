"""Browser tests: Playwright for Python drives Debian's /usr/bin/chromium against pytest-django's live_server.

Playwright's own browser downloads are never used (`playwright install` needs a CDN); without
/usr/bin/chromium the tests skip, or fail when ECOBRAIN_REQUIRE_BROWSER=1 (as in CI).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # No calls home: the machine may have no internet, and a test must not wait on it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


def _browser_unavailable(reason: str) -> None:
    if os.environ.get("ECOBRAIN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (ECOBRAIN_REQUIRE_BROWSER=1, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(f"{reason}; install Debian's chromium (apt-get install chromium) to run browser tests")


@pytest.fixture(autouse=True)
def _allow_orm_in_playwright_thread(monkeypatch):
    """Playwright's sync API registers a running asyncio loop in the test thread, and Django then
    refuses ORM calls there (SynchronousOnlyOperation). Browser tests create and read data in that
    thread while the browser runs, so allow it, for browser tests only (other tests keep the check)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item, so the page fixture can take a screenshot on failure.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def results_dir(request) -> Path:
    """test-results/ at the repository root (git-ignored): screenshots for people and CI artefacts."""
    path = request.config.rootpath / "test-results"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def browser():
    """A fresh headless Chromium per test.

    Function-scoped on purpose: the Playwright loop then only exists while a browser test runs.
    """
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _browser_unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_unavailable("Playwright for Python is not installed (pip install -e '.[dev]')")

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(request, browser, live_server, results_dir):
    """A page in a new browser context (own cookies), in Chinese, with problems collected for the report.

    JavaScript errors, console errors and failed requests are printed when the test ends (pytest shows
    them for a failed test); a failed test also leaves test-results/<test>-failure.png.
    """
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1366, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.problems = problems = []

    def on_console(msg):
        # Chromium asks every site for /favicon.ico on its own; that 404 is not the page's fault.
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            problems.append(f"console error: {msg.text} ({msg.location.get('url')})")

    def on_response(resp):
        if resp.status >= 400:
            problems.append(f"HTTP {resp.status}: {resp.request.method} {resp.url}")

    page.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))
    page.on("console", on_console)

    def on_request_failed(req):
        # ERR_ABORTED is the browser cancelling a request because the page navigated away (a favicon still
        # loading when the test clicks on): not a failure of the site. Every other failure is.
        if "ERR_ABORTED" not in (req.failure or ""):
            problems.append(f"request failed: {req.url} {req.failure}")

    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)
    try:
        yield page
    finally:
        call = getattr(request.node, "rep_call", None)
        if call is not None and call.failed:
            shot = results_dir / f"{request.node.name}-failure.png"
            try:
                page.screenshot(path=str(shot), full_page=True)
                print(f"screenshot of the failure: {shot}; page URL was {page.url}")
            except Exception as exc:  # the browser may be what broke
                print(f"could not take a failure screenshot: {exc}")
        for problem in problems:
            print(problem)
        context.close()
        _end_notification_streams()


def _end_notification_streams() -> None:
    """Every signed-in page holds a live notification stream (/notifications/stream/) in a live-server thread; end
    them before the test's database goes away, and so the next test starts with every stream slot free."""
    import time

    from ecobrain.notifications import stream

    stream.close_streams()
    deadline = time.monotonic() + 10
    while stream.SLOTS.open and time.monotonic() < deadline:
        time.sleep(0.05)
