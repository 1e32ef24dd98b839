"""The vendored front-end libraries load and work from the app's own server, with no internet."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

VENDOR = "/static/vendor"
PROBE_PAGE = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<link rel="stylesheet" href="{VENDOR}/bootstrap/bootstrap.min.css">
<link rel="stylesheet" href="{VENDOR}/bootstrap-icons/bootstrap-icons.min.css">
<link rel="stylesheet" href="{VENDOR}/leaflet/leaflet.css">
<script src="{VENDOR}/bootstrap/bootstrap.bundle.min.js"></script>
<script src="{VENDOR}/htmx/htmx.min.js"></script>
<script src="{VENDOR}/echarts/echarts.min.js"></script>
<script src="{VENDOR}/leaflet/leaflet.js"></script>
</head><body>
<i class="bi bi-tree" id="icon"></i>
<div id="chart" style="width:400px;height:200px"></div>
<div id="map" style="width:400px;height:200px"></div>
</body></html>"""


def test_vendored_libraries_load_and_run(live_server, page):
    # Serve the probe page from the live server's own origin, so fonts load same-origin as in the app.
    probe_url = f"{live_server.url}/__vendored-assets-probe__"
    page.route(probe_url, lambda route: route.fulfill(body=PROBE_PAGE, content_type="text/html"))
    page.goto(probe_url)
    page.wait_for_load_state("load")

    versions = page.evaluate(
        """() => ({
            bootstrap: window.bootstrap && bootstrap.Tooltip.VERSION,
            htmx: window.htmx && htmx.version,
            echarts: window.echarts && echarts.version,
            leaflet: window.L && L.version,
        })"""
    )
    assert versions == {"bootstrap": "5.3.9", "htmx": "2.0.11", "echarts": "5.6.0", "leaflet": "1.9.4"}

    # Bootstrap's CSS applies, and the icon webfont arrives through the CSS's relative fonts/ path.
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")
    page.evaluate("document.fonts.load('1em bootstrap-icons')")
    assert page.evaluate("document.fonts.check('1em bootstrap-icons')")

    # ECharts draws a chart; Leaflet builds a map (no tiles: nothing must be fetched from outside).
    page.evaluate(
        """() => echarts.init(document.getElementById('chart'), null, {renderer: 'svg'}).setOption({
            xAxis: {type: 'category', data: ['00', '01']},
            yAxis: {},
            series: [{type: 'line', data: [35, 42]}],
        })"""
    )
    assert page.locator("#chart svg path").count() > 0
    page.evaluate("L.map('map').setView([34.33, 108.71], 10).addLayer(L.marker([34.33, 108.71]))")
    assert page.locator("#map .leaflet-marker-icon").count() == 1

    assert page.problems == [], page.problems
