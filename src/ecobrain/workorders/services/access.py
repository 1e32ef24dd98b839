"""Who may take which step on a work order: the two sides of the city ⇄ district flow, inside the gate.

The **assignee side** is the members of the order's assignee organisation (the district branch): they sign for
the order, assign a handler, start, submit and ask for more time. The **dispatching side** is the members of
the dispatcher organisation, and city-wide users with the ``change`` grant on work orders: they check results
(close or return), transfer, cancel and decide extension requests. Nobody checks their own organisation's work
unless their organisation also dispatched the order. Every step also needs the ``change`` grant on work orders
and the order inside the user's district scope (the gate).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from ecobrain.accounts.choices import Role
from ecobrain.accounts.roles import role_allows
from ecobrain.core import gate
from ecobrain.core.gate import model_label
from ecobrain.workorders.choices import ACTIVE_STATES, OPEN_STATES, ExtensionStatus, WorkOrderStatus
from ecobrain.workorders.models import ExtensionRequest, WorkOrder, WorkOrderAttachment

# Step name → the states it may start from. The views, the API and the services read the same table.
STEP_STATES: dict[str, tuple[str, ...]] = {
    "accept": (WorkOrderStatus.DISPATCHED,),
    "assign": (WorkOrderStatus.ACCEPTED, WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.RETURNED),
    "start": (WorkOrderStatus.ACCEPTED, WorkOrderStatus.RETURNED),
    "submit": (WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.RETURNED),
    "request_extension": ACTIVE_STATES,
    "return": (WorkOrderStatus.SUBMITTED,),
    "close": (WorkOrderStatus.SUBMITTED,),
    "cancel": OPEN_STATES,
    "transfer": ACTIVE_STATES,
    "decide_extension": OPEN_STATES,
    "comment": tuple(WorkOrderStatus.values),
    "attach": OPEN_STATES,
}
ASSIGNEE_STEPS = frozenset({"accept", "assign", "start", "submit", "request_extension"})
DISPATCHER_STEPS = frozenset({"return", "close", "cancel", "transfer", "decide_extension"})


def may_change(user, workorder: WorkOrder) -> bool:
    """The gate: the ``change`` grant on work orders and the order's district in the user's scope."""
    return gate.is_allowed(user, "change", workorder)


def assignable_users(workorder: WorkOrder):
    """Active members of the assignee organisation who may handle the order: the ``change`` grant by role, and
    the order's district in their scope (city-wide, that district, or its parent region) — the gate's rule."""
    from django.contrib.auth import get_user_model

    roles = [role for role in Role.values if role_allows(role, model_label(WorkOrder), "change")]
    district = workorder.district
    in_scope = (
        Q(is_superuser=True)
        | Q(role=Role.SYSTEM_ADMIN)
        | Q(city_wide=True)
        | Q(districts=district.pk)
        | Q(districts=district.parent_id)
    )
    return (
        get_user_model()
        .objects.filter(organisation_id=workorder.assignee_org_id, is_active=True)
        .filter(Q(is_superuser=True) | Q(role__in=roles))
        .filter(in_scope)
        .exclude(role=Role.ENTERPRISE_USER)
        .distinct()
        .order_by("last_name", "username")
    )


def on_assignee_side(user, workorder: WorkOrder) -> bool:
    return bool(user.organisation_id) and user.organisation_id == workorder.assignee_org_id


def on_dispatcher_side(user, workorder: WorkOrder) -> bool:
    member = bool(user.organisation_id) and user.organisation_id == workorder.dispatcher_org_id
    if member:
        return True
    if on_assignee_side(user, workorder):  # a branch does not check its own work
        return False
    return user.is_city_wide and user.has_grant(WorkOrder, "change")


def step_allowed_for(user, workorder: WorkOrder, step: str) -> bool:
    """Whether ``user`` is on the side that takes ``step`` (the state is checked separately)."""
    if not may_change(user, workorder):
        return False
    if step in ASSIGNEE_STEPS:
        return on_assignee_side(user, workorder)
    if step in DISPATCHER_STEPS:
        return on_dispatcher_side(user, workorder)
    if step == "attach":
        return (on_assignee_side(user, workorder) or on_dispatcher_side(user, workorder)) and user.has_grant(
            WorkOrderAttachment, "add"
        )
    return True  # comment: anyone who may change the order


def available_steps(user, workorder: WorkOrder) -> set[str]:
    """The steps ``user`` may take on ``workorder`` now (its side, its state, a pending extension request or not);
    what the pages and the API offer."""
    steps = {
        step
        for step, states in STEP_STATES.items()
        if workorder.status in states and step_allowed_for(user, workorder, step)
    }
    if steps & {"decide_extension", "request_extension"}:
        pending = ExtensionRequest.objects.filter(workorder=workorder, status=ExtensionStatus.PENDING).exists()
        steps.discard("request_extension" if pending else "decide_extension")
    return steps


def ensure_step_allowed(user, workorder: WorkOrder, step: str, step_name: str) -> None:
    """Raise PermissionDenied with a Chinese message naming who may take the step."""
    gate.ensure_allowed(user, "change", workorder)
    if step_allowed_for(user, workorder, step):
        return
    if step in ASSIGNEE_STEPS:
        raise PermissionDenied(
            _("只有承办单位（%(org)s）的人员可以%(step)s。") % {"org": workorder.assignee_org, "step": step_name}
        )
    if step in DISPATCHER_STEPS:
        raise PermissionDenied(
            _("只有派发单位（%(org)s）或全市范围的管理人员可以%(step)s，承办单位不能审核自己的工作。")
            % {"org": workorder.dispatcher_org or _("市局"), "step": step_name}
        )
    raise PermissionDenied(_("您无权对该任务%(step)s。") % {"step": step_name})
