"""The one permission gate: every persona × every registry model, with the out-of-scope case for each.

The world: one complete enterprise file and one station in 秦都区, the same in 彬州市. The district handler
covers 秦都区 only; the enterprise user belongs to the 秦都区 enterprise.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from ecobrain.core import gate
from ecobrain.core.models import Region
from ecobrain.registry.models import (
    Contact,
    Device,
    Enterprise,
    MonitoringFactor,
    Outlet,
    OutletFactor,
    Permit,
    PermitPollutant,
    Station,
)
from ecobrain.standards.factors import factor_table
from tests import factories

SCOPED_MODELS = [Station, Enterprise, Contact, Outlet, OutletFactor, Permit, PermitPollutant, Device]


@dataclass
class Side:
    """Everything registered in one district: an enterprise's file, a station, a logger on each."""

    enterprise: Enterprise
    contact: Contact
    outlet: Outlet
    outlet_factor: OutletFactor
    permit: Permit
    pollutant: PermitPollutant
    station: Station
    station_device: Device
    outlet_device: Device

    def rows(self, model) -> set[int]:
        """The pks of this side's objects of ``model`` (two loggers: one on the station, one on the outlet)."""
        if model is Device:
            return {self.station_device.pk, self.outlet_device.pk}
        attr = {
            Station: "station",
            Enterprise: "enterprise",
            Contact: "contact",
            Outlet: "outlet",
            OutletFactor: "outlet_factor",
            Permit: "permit",
            PermitPollutant: "pollutant",
        }[model]
        return {getattr(self, attr).pk}


def build_side(district, enterprise) -> Side:
    outlet = factories.outlet(enterprise)
    permit = factories.permit(enterprise)
    station = factories.station(district)
    return Side(
        enterprise=enterprise,
        contact=factories.contact(enterprise),
        outlet=outlet,
        outlet_factor=factories.outlet_factor(outlet),
        permit=permit,
        pollutant=factories.permit_pollutant(permit),
        station=station,
        station_device=factories.device(station=station),
        outlet_device=factories.device(outlet=outlet),
    )


@dataclass
class World:
    qindu: Side
    binzhou: Side

    def rows(self, model, *sides: str) -> set[int]:
        return set().union(*(getattr(self, side).rows(model) for side in sides))


@pytest.fixture
def world(qindu, binzhou, enterprise_in_qindu, enterprise_in_binzhou) -> World:
    return World(qindu=build_side(qindu, enterprise_in_qindu), binzhou=build_side(binzhou, enterprise_in_binzhou))


def visible(model, user) -> set[int]:
    return set(model.objects.restrict(user, "view").values_list("pk", flat=True))


BOTH = ("qindu", "binzhou")
QINDU = ("qindu",)
NONE = ()

# What each persona sees of each model: which sides, by role grant (roles.py) and district scope.
EXPECTED_SIDES = {
    "admin_user": dict.fromkeys(SCOPED_MODELS, BOTH),
    "leader": dict.fromkeys(SCOPED_MODELS, BOTH),
    "officer": dict.fromkeys(SCOPED_MODELS, BOTH),
    # Monitoring staff work on stations and loggers; enterprise contacts are not theirs.
    "monitor": {**dict.fromkeys(SCOPED_MODELS, BOTH), Contact: NONE},
    "handler": dict.fromkeys(SCOPED_MODELS, QINDU),
    # The enterprise user sees their own file; stations are not part of it.
    "enterprise_user": {**dict.fromkeys(SCOPED_MODELS, QINDU), Station: NONE},
    # A data consumer may read stations, but only within a scope: this one was given no district.
    "consumer": dict.fromkeys(SCOPED_MODELS, NONE),
}


@pytest.mark.parametrize("persona", list(EXPECTED_SIDES))
@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m.__name__)
def test_restrict_returns_exactly_the_persona_rows(request, world, persona, model):
    user = request.getfixturevalue(persona)
    expected = world.rows(model, *EXPECTED_SIDES[persona][model])
    if persona == "enterprise_user" and model is Device:
        # Only the loggers on the enterprise's own outlets, not the station's logger in the same district.
        expected = {world.qindu.outlet_device.pk}
    assert visible(model, user) == expected


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m.__name__)
def test_handler_never_sees_the_other_district(world, handler, model):
    """The out-of-scope case, model by model: nothing of 彬州市 reaches a 秦都区 handler."""
    seen = visible(model, handler)
    assert seen, "the handler should see the 秦都区 rows"
    assert not seen & world.binzhou.rows(model)


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m.__name__)
def test_enterprise_user_never_sees_another_enterprise(world, enterprise_user, model):
    assert not visible(model, enterprise_user) & world.binzhou.rows(model)


@pytest.mark.parametrize("persona", [*EXPECTED_SIDES])
def test_factors_are_reference_data_for_every_persona(request, world, persona):
    user = request.getfixturevalue(persona)
    assert MonitoringFactor.objects.restrict(user, "view").count() == len(factor_table()) == 75


@pytest.mark.parametrize("model", [*SCOPED_MODELS, MonitoringFactor], ids=lambda m: m.__name__)
def test_anonymous_gets_nothing(world, model):
    assert model.objects.count() > 0
    assert not model.objects.restrict(AnonymousUser(), "view").exists()
    assert not model.objects.restrict(None, "view").exists()


@pytest.mark.parametrize("model", [*SCOPED_MODELS, MonitoringFactor], ids=lambda m: m.__name__)
def test_inactive_user_gets_nothing(world, admin_user, model):
    admin_user.is_active = False
    admin_user.save()
    assert not model.objects.restrict(admin_user, "view").exists()
    assert not gate.is_allowed(admin_user, "view", world.qindu.enterprise)


def test_superuser_sees_everything_without_a_role_grant(world):
    root = factories.user("root", "data_consumer")
    root.is_superuser = True
    root.save()
    assert visible(Enterprise, root) == world.rows(Enterprise, *BOTH)
    assert visible(Device, root) == world.rows(Device, *BOTH)


def test_unknown_action_is_a_programming_error(world, admin_user):
    with pytest.raises(ValueError, match="unknown action 'approve'"):
        Enterprise.objects.restrict(admin_user, "approve")


def test_restrict_by_action_uses_the_action_grant(world, handler, leader):
    """A leader may view enterprises but change none; a handler may change those of 秦都区 only."""
    assert visible(Enterprise, leader) == world.rows(Enterprise, *BOTH)
    assert not Enterprise.objects.restrict(leader, "change").exists()
    changeable = set(Enterprise.objects.restrict(handler, "change").values_list("pk", flat=True))
    assert changeable == {world.qindu.enterprise.pk}
    assert not Enterprise.objects.restrict(handler, "delete").exists()


def test_restrict_chains_with_other_filters(world, handler):
    queryset = Outlet.objects.filter(code="DA001").restrict(handler).filter(kind="gas")
    assert list(queryset.values_list("pk", flat=True)) == [world.qindu.outlet.pk]


# --- instances: is_allowed / ensure_allowed / object_in_scope -----------------------------------------------


def test_is_allowed_on_instances_follows_scope(world, handler):
    assert gate.is_allowed(handler, "change", world.qindu.enterprise)
    assert not gate.is_allowed(handler, "change", world.binzhou.enterprise)
    assert gate.is_allowed(handler, "view", world.qindu.outlet_device)
    assert not gate.is_allowed(handler, "view", world.binzhou.station_device)
    # Scope is not enough without the grant: handlers may not change permits at all.
    assert not gate.is_allowed(handler, "change", world.qindu.permit)


def test_ensure_allowed_raises_permission_denied_in_chinese(world, handler):
    gate.ensure_allowed(handler, "change", world.qindu.enterprise)  # allowed: no exception
    with pytest.raises(PermissionDenied) as excinfo:
        gate.ensure_allowed(handler, "change", world.binzhou.enterprise)
    assert str(excinfo.value) == "无权对企业执行“修改”操作。"
    with pytest.raises(PermissionDenied) as excinfo:
        gate.ensure_allowed(handler, "delete", world.qindu.permit)
    assert str(excinfo.value) == "无权对排污许可证执行“删除”操作。"


def test_ensure_allowed_on_a_model_class_checks_the_grant_only(world, handler):
    gate.ensure_allowed(handler, "add", Enterprise)
    with pytest.raises(PermissionDenied, match="无权对监测站点执行“新增”操作。"):
        gate.ensure_allowed(handler, "add", Station)


def test_enterprise_user_may_only_view_their_own_file(world, enterprise_user):
    assert gate.is_allowed(enterprise_user, "view", world.qindu.outlet)
    assert not gate.is_allowed(enterprise_user, "view", world.binzhou.outlet)
    assert not gate.is_allowed(enterprise_user, "change", world.qindu.outlet)
    assert not gate.is_allowed(enterprise_user, "view", world.qindu.station)


def test_object_in_scope_on_unsaved_instances(world, handler, enterprise_user, qindu, binzhou):
    """A write is checked on the object as it would be saved, before it has a pk."""
    here = Enterprise(name="新企业", district=qindu)
    there = Enterprise(name="新企业", district=binzhou)
    assert here.pk is None and there.pk is None
    assert gate.object_in_scope(handler, here)
    assert not gate.object_in_scope(handler, there)
    # Through a relation: an outlet (and a logger on it) belongs where its enterprise is.
    assert gate.object_in_scope(handler, Outlet(enterprise=world.qindu.enterprise, code="DA009"))
    assert not gate.object_in_scope(handler, Outlet(enterprise=world.binzhou.enterprise, code="DA009"))
    assert gate.object_in_scope(handler, Device(outlet=world.qindu.outlet))
    assert not gate.object_in_scope(handler, Device(outlet=world.binzhou.outlet))
    assert not gate.object_in_scope(handler, Device(station=world.binzhou.station))
    # A logger attached to nothing is in nobody's district.
    assert not gate.object_in_scope(handler, Device())
    # The enterprise user: an outlet of their own enterprise yes, another's no, a new enterprise never.
    assert gate.object_in_scope(enterprise_user, Outlet(enterprise=world.qindu.enterprise))
    assert not gate.object_in_scope(enterprise_user, Outlet(enterprise=world.binzhou.enterprise))
    assert not gate.object_in_scope(enterprise_user, Enterprise(name="新企业", district=qindu))


def test_handler_with_two_districts(world, qindu, binzhou):
    weicheng = factories.region("610404")  # 渭城区, a third district outside this handler's scope
    third = factories.enterprise(weicheng)
    two = factories.user("two_districts", "district_handler", districts=[qindu, binzhou])
    assert sorted(two.scope_district_ids()) == sorted([qindu.id, binzhou.id])
    for model in SCOPED_MODELS:
        assert visible(model, two) == world.rows(model, *BOTH), model.__name__
    assert third.pk not in visible(Enterprise, two)
    assert not gate.is_allowed(two, "change", third)


def test_user_scoped_to_the_city_region_sees_all_its_counties(world, base_data):
    city = Region.objects.get(adcode="610400")
    assert city == base_data
    city_handler = factories.user("city_handler", "district_handler", districts=[city])
    assert not city_handler.city_wide
    ids = set(city_handler.scope_district_ids())
    assert ids == set(Region.objects.filter(adcode__startswith="6104").values_list("id", flat=True))
    assert len(ids) == 15  # the city and its 14 counties
    for model in SCOPED_MODELS:
        assert visible(model, city_handler) == world.rows(model, *BOTH), model.__name__


def test_user_with_no_district_and_no_city_scope_sees_no_scoped_rows(world):
    nobody = factories.user("nobody", "district_handler")
    assert nobody.scope_district_ids() == []
    for model in SCOPED_MODELS:
        assert visible(model, nobody) == set(), model.__name__
    assert gate.is_allowed(nobody, "view", MonitoringFactor.objects.first())
