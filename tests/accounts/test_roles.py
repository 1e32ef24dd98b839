"""What each role may do (roles.py is data): completeness, no typos, and the rules each role stands for.

Personas: every role of the bureau, from the system admin to the external data consumer.
"""

from __future__ import annotations

import pytest
from django.apps import apps

from ecobrain.accounts.choices import Role
from ecobrain.accounts.roles import ALL, ROLE_GRANTS, role_allows
from ecobrain.core.gate import ACTIONS
from ecobrain.registry.models import Contact, Enterprise, MonitoringFactor, Station
from tests import factories

LABELS = sorted(model._meta.label_lower for model in apps.get_models())
PROJECT_APPS = {"core", "accounts", "audit", "registry", "assessment"}
WRITES = ("add", "change", "delete", "import")


def test_every_role_has_grants():
    assert set(ROLE_GRANTS) == set(Role.values)
    assert len(Role.values) == 7


def test_grants_name_real_models_and_actions():
    """A typo in a label ("registry.enterprize") would silently grant nothing: every key must exist."""
    for role, grants in ROLE_GRANTS.items():
        for key, actions in grants.items():
            if key == "*":
                pass
            elif key.endswith(".*"):
                assert key[:-2] in PROJECT_APPS, (role, key)
            else:
                assert key in LABELS, (role, key)
            assert actions <= set(ACTIONS), (role, key, actions - set(ACTIONS))


def test_system_admin_has_every_action_on_every_model():
    assert set(ALL) == set(ACTIONS)
    for label in LABELS:
        for action in ACTIONS:
            assert role_allows(Role.SYSTEM_ADMIN, label, action), (label, action)


def test_enterprise_user_cannot_change_anything():
    for label in LABELS:
        for action in WRITES:
            assert not role_allows(Role.ENTERPRISE_USER, label, action), (label, action)
    assert role_allows(Role.ENTERPRISE_USER, "registry.enterprise", "view")
    # Nor export: the enterprise's own file is read on the page, not pulled out in bulk.
    assert not role_allows(Role.ENTERPRISE_USER, "registry.enterprise", "export")
    assert not role_allows(Role.ENTERPRISE_USER, "registry.station", "view")


def test_bureau_leader_reads_everything_and_writes_only_instructions():
    for label in (lbl for lbl in LABELS if lbl.startswith("registry.")):
        assert role_allows(Role.BUREAU_LEADER, label, "view"), label
        assert role_allows(Role.BUREAU_LEADER, label, "export"), label
    # A leader's instruction (领导批示) is a work order the leader creates, with its documents attached; nothing else
    # is written.
    assert role_allows(Role.BUREAU_LEADER, "workorders.workorder", "add")
    assert role_allows(Role.BUREAU_LEADER, "workorders.workorderattachment", "add")
    for label in (lbl for lbl in LABELS if lbl != "workorders.workorder"):
        for action in WRITES:
            if (label, action) == ("workorders.workorderattachment", "add"):
                continue
            assert not role_allows(Role.BUREAU_LEADER, label, action), (label, action)
    assert role_allows(Role.BUREAU_LEADER, "audit.objectchange", "view")
    assert not role_allows(Role.BUREAU_LEADER, "audit.objectchange", "export")


def test_data_consumer_cannot_view_enterprises():
    for label in ("registry.enterprise", "registry.contact", "registry.outlet", "registry.permit", "registry.device"):
        assert not role_allows(Role.DATA_CONSUMER, label, "view"), label
    assert role_allows(Role.DATA_CONSUMER, "registry.station", "view")
    assert role_allows(Role.DATA_CONSUMER, "registry.monitoringfactor", "export")
    assert not role_allows(Role.DATA_CONSUMER, "audit.securityevent", "view")


def test_district_handler_edits_enterprise_files_but_not_permits_or_stations():
    for label in ("registry.enterprise", "registry.contact", "registry.outlet", "registry.outletfactor"):
        assert role_allows(Role.DISTRICT_HANDLER, label, "change"), label
        assert not role_allows(Role.DISTRICT_HANDLER, label, "delete"), label
    for label in ("registry.permit", "registry.station", "registry.device"):
        assert role_allows(Role.DISTRICT_HANDLER, label, "view"), label
        assert not role_allows(Role.DISTRICT_HANDLER, label, "change"), label


def test_only_the_admin_manages_users():
    for role in Role.values:
        assert role_allows(role, "accounts.user", "change") is (role == Role.SYSTEM_ADMIN), role


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.SYSTEM_ADMIN])
def test_audit_security_events_are_for_admin_and_leader_only(role):
    assert role_allows(role, "audit.securityevent", "view") is (role == Role.BUREAU_LEADER)


def test_unknown_role_may_do_nothing():
    assert not role_allows("janitor", "registry.station", "view")
    assert not role_allows("", "core.region", "view")


def test_user_has_grant_follows_role_activity_and_superuser(base_data, consumer, enterprise_user):
    assert consumer.has_grant(Station, "view")
    assert not consumer.has_grant(Enterprise, "view")
    assert enterprise_user.has_grant(Contact, "view")
    assert not enterprise_user.has_grant(Contact, "change")
    consumer.is_active = False
    assert not consumer.has_grant(Station, "view")
    root = factories.user("root", "data_consumer")
    root.is_superuser = True
    assert root.has_grant(MonitoringFactor, "delete")


def test_scope_labels(handler, admin_user, enterprise_user, consumer):
    assert handler.scope_label() == "秦都区"
    assert admin_user.scope_label() == "全市"
    assert enterprise_user.scope_label() == "咸阳示范热电有限公司"
    assert consumer.scope_label() == "无"


def test_system_admin_is_city_wide_even_without_the_flag(base_data):
    admin = factories.user("admin2", "system_admin")
    assert admin.city_wide is False
    assert admin.is_city_wide is True


def test_enterprise_user_cannot_be_city_wide(base_data, enterprise_in_qindu):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.user("ent2", "enterprise_user", city_wide=True, enterprise=enterprise_in_qindu)
