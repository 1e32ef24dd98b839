"""我的任务: the four views of a user's own work orders, shared by the desktop page and the mobile app."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecobrain.workorders.choices import WorkOrderStatus

MINE_TABS = [
    ("assigned", _("指派给我")),
    ("org", _("本单位承办")),
    ("review", _("待我审核")),
    ("created", _("我创建的")),
]


def mine_filters(user) -> dict[str, Q]:
    """Tab key → the filter of that tab for ``user`` (apply to a gated queryset)."""
    org = user.organisation_id or -1
    return {
        "assigned": Q(assignee=user),
        "org": Q(assignee_org_id=org),
        "review": Q(status=WorkOrderStatus.SUBMITTED) & (Q(dispatcher_org_id=org) | Q(created_by=user)),
        "created": Q(created_by=user),
    }
