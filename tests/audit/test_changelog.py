"""The automatic change log of registry objects: who, when, from where, the object before and after.

Personas: the enforcement officer who edits an enterprise, the import script, the bureau admin who later
asks "who changed this, and what was it before?".
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from ecobrain.audit.changelog import change_actor, current_actor, history_for
from ecobrain.audit.models import ObjectChange
from ecobrain.registry.models import Device, Enterprise, MonitoringFactor
from tests import factories

MASK = "••••••"


def changes_of(obj) -> list[ObjectChange]:
    return list(history_for(obj).order_by("time", "id"))


def test_create_update_delete_are_logged_with_actor_and_states(officer, qindu):
    with change_actor(officer, source="web", request_id="req-1"):
        ent = factories.enterprise(qindu, name="咸阳某化工有限公司")
        ent.status = "suspended"
        ent.save()
        pk = ent.pk
        ent.delete()

    rows = list(ObjectChange.objects.filter(content_type__model="enterprise", object_id=str(pk)).order_by("time", "id"))
    assert [row.action for row in rows] == ["create", "update", "delete"]
    for row in rows:
        assert (row.user, row.user_name, row.source, row.request_id) == (officer, "officer", "web", "req-1")
        assert row.object_repr == "咸阳某化工有限公司"
    create, update, delete = rows
    assert create.before is None
    assert create.after["name"] == "咸阳某化工有限公司"
    assert create.after["district"] == qindu.pk
    assert create.after["status"] == "operating"
    assert "created" not in create.after and "updated" not in create.after
    assert (update.before["status"], update.after["status"]) == ("operating", "suspended")
    assert update.changed_fields() == [("status", "operating", "suspended")]
    assert delete.before["status"] == "suspended"
    assert delete.after is None


def test_an_update_that_changes_nothing_writes_no_row(officer, enterprise_in_qindu):
    before = ObjectChange.objects.count()
    with change_actor(officer, source="web"):
        enterprise_in_qindu.save()
        fresh = Enterprise.objects.get(pk=enterprise_in_qindu.pk)
        fresh.full_clean()
        fresh.save()
    assert ObjectChange.objects.count() == before


def test_without_an_actor_the_source_is_system(enterprise_in_qindu):
    enterprise_in_qindu.legal_representative = "张三"
    enterprise_in_qindu.save()
    row = changes_of(enterprise_in_qindu)[-1]
    assert (row.action, row.user, row.user_name, row.source) == ("update", None, "system", "system")


@pytest.mark.parametrize("source", ["cli", "import"])
def test_change_actor_sets_the_source(officer, enterprise_in_qindu, source):
    with change_actor(officer, source=source):
        assert current_actor().source == source
        enterprise_in_qindu.address = f"咸阳市秦都区{source}路1号"
        enterprise_in_qindu.save()
    assert current_actor() is None  # the context ends with the block
    row = changes_of(enterprise_in_qindu)[-1]
    assert (row.source, row.user) == (source, officer)
    assert row.request_id  # one id groups the changes of one run


def test_script_without_a_user_is_named_by_its_source(enterprise_in_qindu):
    with change_actor(None, source="import"):
        enterprise_in_qindu.address = "咸阳市秦都区人民路1号"
        enterprise_in_qindu.save()
    row = changes_of(enterprise_in_qindu)[-1]
    assert (row.user, row.user_name, row.source) == (None, "import", "import")


def test_station_factor_changes_are_logged_with_the_lists(monitor, qindu):
    station = factories.station(qindu, code="1919A", name="高新一中")
    so2, pm25, o3 = (MonitoringFactor.objects.get(code=c) for c in ("a21026", "a34004", "a05024"))
    with change_actor(monitor, source="web"):
        station.factors.add(so2, pm25)
        station.factors.remove(so2)
        station.factors.add(o3)
    rows = [row for row in changes_of(station) if row.action == "update"]
    assert [(row.before["factors"], row.after["factors"]) for row in rows] == [
        ([], ["a21026 二氧化硫", "a34004 细颗粒物 PM2.5"]),
        (["a21026 二氧化硫", "a34004 细颗粒物 PM2.5"], ["a34004 细颗粒物 PM2.5"]),
        (["a34004 细颗粒物 PM2.5"], ["a05024 臭氧", "a34004 细颗粒物 PM2.5"]),
    ]
    assert {row.user for row in rows} == {monitor}
    assert rows[0].changed_fields() == [("factors", [], ["a21026 二氧化硫", "a34004 细颗粒物 PM2.5"])]


def test_clearing_station_factors_is_logged(monitor, qindu):
    station = factories.station(qindu)
    station.factors.set(MonitoringFactor.objects.filter(code__in=["a21026", "a21002"]))
    station.factors.clear()
    last = changes_of(station)[-1]
    assert (last.before["factors"], last.after["factors"]) == (["a21002 氮氧化物", "a21026 二氧化硫"], [])


def test_device_password_never_appears_in_the_log(monitor, enterprise_in_qindu):
    outlet = factories.outlet(enterprise_in_qindu)
    with change_actor(monitor, source="web"):
        device = factories.device(outlet=outlet, password="Secret77")
        device.manufacturer = "聚光科技"
        device.save()
        device.delete()
    rows = list(ObjectChange.objects.filter(content_type__model="device").order_by("time", "id"))
    assert [row.action for row in rows] == ["create", "update", "delete"]
    for row in rows:
        for state in (row.before, row.after):
            if state is None:
                continue
            assert state["password_encrypted"] == MASK
            text = repr(state)
            assert "Secret77" not in text
            assert device.password_encrypted not in text


def test_changing_only_the_device_password_is_logged_without_the_secret(monitor, enterprise_in_qindu):
    """A new access password is a change the log must show (that it changed, never what it is)."""
    device = factories.device(outlet=factories.outlet(enterprise_in_qindu), password="Secret77")
    count = ObjectChange.objects.filter(content_type__model="device").count()
    with change_actor(monitor, source="web"):
        device = Device.objects.get(pk=device.pk)
        device.set_access_password("Other88")
        device.save()
    rows = list(history_for(device).order_by("time", "id"))
    assert len(rows) == count + 1
    row = rows[-1]
    assert row.action == "update" and row.user == monitor
    assert [name for name, _, _ in row.changed_fields()] == ["password_encrypted"]
    assert row.before["password_encrypted"] == MASK
    assert row.after["password_encrypted"].startswith(MASK)
    assert "Other88" not in repr(row.after) and "Secret77" not in repr(row.before)
    assert device.password_encrypted not in repr(row.after)


def test_factor_table_reload_writes_nothing_when_unchanged(base_data):
    from ecobrain.registry.services import load_factor_table

    before = ObjectChange.objects.count()
    assert load_factor_table() == {"created": 0, "updated": 0}
    assert ObjectChange.objects.count() == before


def test_web_edit_records_the_signed_in_user(login, officer, enterprise_in_qindu):
    ent = enterprise_in_qindu
    response = login(officer).post(
        f"/registry/enterprises/{ent.pk}/edit/",
        {
            "name": ent.name,
            "credit_code": ent.credit_code,
            "industry": ent.industry,
            "key_unit_category": "water",
            "status": "operating",
            "longitude": ent.longitude,
            "latitude": ent.latitude,
        },
    )
    assert response.status_code == 302
    row = changes_of(ent)[-1]
    assert (row.action, row.user, row.source) == ("update", officer, "web")
    assert row.changed_fields() == [("key_unit_category", "none", "water")]
    assert len(row.request_id) == 36


def test_api_edit_with_a_token_records_the_token_owner(handler, enterprise_in_qindu):
    """The middleware runs before DRF authenticates the token: the actor must still be the token's user."""
    from ecobrain.accounts.services import create_token

    _, key = create_token(handler, name="脚本")
    client = APIClient()
    response = client.patch(
        f"/api/v1/enterprises/{enterprise_in_qindu.pk}/",
        {"address": "咸阳市秦都区世纪大道1号"},
        format="json",
        HTTP_AUTHORIZATION=f"Token {key}",
        HTTP_X_REQUEST_ID="trace-42",
    )
    assert response.status_code == 200, response.content
    row = changes_of(enterprise_in_qindu)[-1]
    assert (row.user, row.source, row.request_id) == (handler, "api", "trace-42")
    assert row.after["address"] == "咸阳市秦都区世纪大道1号"
