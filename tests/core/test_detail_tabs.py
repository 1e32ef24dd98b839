"""Detail tabs added by other apps: shown with their own data to users who hold the tab's grant, not to others."""

from __future__ import annotations

import pytest
from django.template import engines

from ecobrain.core import object_views
from ecobrain.core.object_views import DetailTab, register_detail_tab
from tests import factories


@pytest.fixture
def device_tab(monkeypatch, settings, tmp_path):
    (tmp_path / "tab_test.html").write_text("<p id='tab-probe'>{{ tab_data.mn_upper }}</p>", encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    engines._engines = {}  # the template engine is cached; pick up the test directory
    monkeypatch.setattr(object_views, "DETAIL_TABS", {})
    register_detail_tab(
        "registry.device",
        DetailTab(
            "probe", "探针", "tab_test.html", "monitoring.archivedpacket", lambda obj, request: {"mn_upper": obj.mn}
        ),
    )
    yield
    engines._engines = {}


def test_a_registered_tab_shows_with_its_data(device_tab, login, monitor, enterprise_in_qindu):
    device = factories.device(mn="MNTAB0001", outlet=factories.outlet(enterprise_in_qindu))
    body = login(monitor).get(device.get_absolute_url()).content.decode()
    assert 'data-bs-target="#tab-probe"' in body and "探针" in body
    assert "<p id='tab-probe'>MNTAB0001</p>" in body


def test_the_tab_is_hidden_without_its_grant(device_tab, login, enterprise_user):
    device = factories.device(mn="MNTAB0002", outlet=factories.outlet(enterprise_user.enterprise))
    response = login(enterprise_user).get(device.get_absolute_url())
    assert response.status_code == 200
    assert "tab-probe" not in response.content.decode()
