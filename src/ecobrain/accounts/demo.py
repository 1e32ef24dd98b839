"""Demo logins, one per role (demo data only: the password is printed by `ecobrain demo`)."""

from __future__ import annotations

from django.db import transaction

from ecobrain.accounts.choices import Role
from ecobrain.accounts.models import User
from ecobrain.core.models import Organisation, OrganisationKind, Region

DEMO_PASSWORD = "ecobrain-demo"  # demo logins only; printed by `ecobrain demo`

# username, display name, role, organisation code suffix, city-wide, district adcodes
DEMO_USERS = [
    ("admin", "系统管理员", Role.SYSTEM_ADMIN, "info", True, []),
    ("leader", "局领导", Role.BUREAU_LEADER, "bureau", True, []),
    ("monitor", "监测站人员", Role.MONITORING_STAFF, "station", True, []),
    ("officer", "执法支队人员", Role.ENFORCEMENT_OFFICER, "enforcement", True, []),
    ("qindu", "秦都区分局办理人员", Role.DISTRICT_HANDLER, "branch:610402", False, ["610402"]),
    ("binzhou", "彬州市分局办理人员", Role.DISTRICT_HANDLER, "branch:610482", False, ["610482"]),
    ("enterprise", "企业用户", Role.ENTERPRISE_USER, None, False, []),
    ("consumer", "数据共享用户（外部门）", Role.DATA_CONSUMER, None, True, []),
]


@transaction.atomic
def create_demo_users(password: str = DEMO_PASSWORD) -> list[tuple[str, str]]:
    """Create the demo logins idempotently; returns (username, role label) pairs."""
    from ecobrain.registry.models import Enterprise

    city = Region.objects.get(level="city")
    created = []
    for username, display, role, org_key, city_wide, adcodes in DEMO_USERS:
        organisation = None
        if org_key and org_key.startswith("branch:"):
            organisation = Organisation.objects.filter(code=f"{org_key.split(':')[1]}-branch").first()
        elif org_key:
            organisation = Organisation.objects.filter(code=f"{city.adcode}-{org_key}").first()
        user, was_created = User.objects.get_or_create(username=username)
        user.last_name = display
        user.role = role
        user.organisation = organisation
        user.city_wide = city_wide
        user.is_staff = role == Role.SYSTEM_ADMIN
        user.is_superuser = role == Role.SYSTEM_ADMIN
        if role == Role.ENTERPRISE_USER:
            user.enterprise = Enterprise.objects.filter(is_demo=True).order_by("pk").first()
        if was_created:
            user.set_password(password)
        user.save()
        if adcodes:
            user.districts.set(Region.objects.filter(adcode__in=adcodes))
        if role == Role.DATA_CONSUMER and organisation is None:
            external, _ = Organisation.objects.get_or_create(
                code=f"{city.adcode}-ext-natural-resources",
                defaults={"name": f"{city.name}自然资源局", "kind": OrganisationKind.EXTERNAL},
            )
            user.organisation = external
            user.save(update_fields=["organisation"])
        created.append((username, str(user.get_role_display())))
    return created
