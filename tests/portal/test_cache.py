"""Anonymous GETs of the public pages are cached per language and URL, carry no CSRF token, touch no session."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecobrain.portal.choices import NoticeStatus
from ecobrain.portal.services import publish_notice
from tests.portal.conftest import notice

pytestmark = pytest.mark.django_db

PAGES = ["/public/", "/public/air/", "/public/air/AQ001/", "/public/water/", "/public/notices/", "/public/data/"]


@pytest.mark.parametrize("url", PAGES)
def test_second_request_is_served_from_the_cache_without_queries(client, air_world, notices, url, settings):
    settings.PORTAL_CACHE_SECONDS = 60
    first = client.get(url)
    assert first.status_code == 200 and first["X-Portal-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert second["X-Portal-Cache"] == "hit"
    assert len(queries) == 0
    assert second.content == first.content
    assert second["Cache-Control"] == "public, max-age=60"
    assert "Accept-Language" in second["Vary"] and "Cookie" in second["Vary"]
    for response in (first, second):
        assert "csrfmiddlewaretoken" not in response.content.decode()
        assert not response.cookies  # no CSRF cookie, no session cookie
    assert not first.wsgi_request.session.accessed


def test_cache_is_per_language(client, air_world):
    zh = client.get("/public/")
    en = client.get("/public/", HTTP_ACCEPT_LANGUAGE="en")
    assert zh["X-Portal-Cache"] == "miss" and en["X-Portal-Cache"] == "miss"
    assert '<html lang="zh-hans">' in zh.content.decode()
    assert '<html lang="en">' in en.content.decode()
    assert client.get("/public/", HTTP_ACCEPT_LANGUAGE="en")["X-Portal-Cache"] == "hit"


def test_query_strings_are_separate_pages(client, air_world):
    client.get("/public/air/")
    response = client.get("/public/air/", {"district": "610482"})
    assert response["X-Portal-Cache"] == "miss" and "秦都监测站" not in response.content.decode()


def test_signed_in_staff_get_the_same_page(client, air_world, login, monitor):
    anonymous = client.get("/public/")
    staff = login(monitor).get("/public/")
    assert staff["X-Portal-Cache"] == "hit" and staff.content == anonymous.content
    assert "monitor" not in staff.content.decode()


def test_publishing_a_notice_refreshes_the_cached_pages(client, base_data, officer, django_capture_on_commit_callbacks):
    draft = notice("新发布的环评公示", status=NoticeStatus.DRAFT)
    assert "新发布的环评公示" not in client.get("/public/notices/").content.decode()
    assert client.get("/public/notices/")["X-Portal-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        publish_notice(draft, actor=officer)
    response = client.get("/public/notices/")
    assert response["X-Portal-Cache"] == "miss" and "新发布的环评公示" in response.content.decode()


def test_cache_off(client, air_world, settings):
    settings.PORTAL_CACHE_SECONDS = 0
    client.get("/public/")
    response = client.get("/public/")
    assert response["Cache-Control"] == "no-cache" and "X-Portal-Cache" not in response


def test_not_found_is_not_cached(client, air_world):
    assert client.get("/public/air/NOPE/").status_code == 404
    response = client.get("/public/air/NOPE/")
    assert response.status_code == 404 and response.get("X-Portal-Cache") != "hit"
    assert "public" not in response.get("Cache-Control", "")


@pytest.mark.parametrize(
    ("url", "limit"), [("/public/", 8), ("/public/air/", 6), ("/public/air/AQ001/", 6), ("/public/notices/", 2)]
)
def test_a_miss_is_a_few_bounded_queries(client, air_world, notices, url, limit):
    from ecobrain.registry.models import Station
    from tests import factories
    from tests.assessment import air_rows
    from tests.portal.conftest import HOUR

    for n in range(30):  # more stations must not mean more queries
        station = factories.station(Station.objects.get(code="AQ001").district, code=f"AX{n:03d}", kind="air_city")
        air_rows.hour(station=station, at=HOUR, aqi=40 + n)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) <= limit, [q["sql"][:120] for q in queries]


def test_simultaneous_misses_render_once(rf):
    """Threads that miss the same page at once: one renders, the others wait for it and serve the stored copy."""
    import threading
    import time

    from django.http import HttpResponse

    from ecobrain.portal.caching import cached_public_page

    calls = []

    @cached_public_page
    def slow_page(request):
        calls.append(1)
        time.sleep(0.2)
        return HttpResponse("渲染结果")

    results = []
    threads = [threading.Thread(target=lambda: results.append(slow_page(rf.get("/public/slow/")))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert sorted(r["X-Portal-Cache"] for r in results) == ["hit", "hit", "hit", "miss"]
    assert {r.content.decode() for r in results} == {"渲染结果"}


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/public/", {"utm": "x"}),  # a parameter the page does not read
        ("/public/air/", {"q": "秦都"}),  # a search
        ("/public/air/", {"district": "999999"}),  # an unknown district (the page shows all)
        ("/public/air/", {"page": "999"}),  # shows the last page under another URL
        ("/public/notices/", {"category": "bogus"}),
        ("/public/notices/", {"q": "处罚"}),
        ("/public/water/", {"month": "2026-1x"}),
        ("/public/water/", {"month": "1066-10"}),
    ],
)
def test_made_up_urls_are_served_but_never_stored(client, air_world, notices, url, params):
    """Query strings anyone can invent must not fill the cache."""
    assert client.get(url, params).status_code == 200
    second = client.get(url, params)
    assert second.status_code == 200 and second["X-Portal-Cache"] == "miss"


def test_canonical_parameters_are_stored(client, air_world, notices):
    for url, params in [("/public/air/", {"page": "1"}), ("/public/notices/", {"category": "eia"})]:
        client.get(url, params)
        assert client.get(url, params)["X-Portal-Cache"] == "hit"
