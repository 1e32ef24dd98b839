"""Who may take which step on a complaint.

The city's complaint desk (the role with the ``add`` grant on complaints: enforcement officers, the system
admin) confirms triage, links duplicates, dispatches, rejects, publishes. Whoever may ``change`` the complaint in
their scope (the desk, and the district handlers of its district) replies and may reveal the complainant's phone.
Leaders read. Every check goes through the gate (role grant and district scope).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecobrain.complaints.choices import ComplaintStatus
from ecobrain.complaints.models import Complaint
from ecobrain.core import gate

DESK_STEPS = frozenset({"confirm", "dispatch", "reject", "publish", "unpublish", "link", "unlink"})
HANDLER_STEPS = frozenset({"reply", "reveal"})

# The states in which each step may be taken.
STEP_STATES: dict[str, tuple[str, ...]] = {
    "confirm": (ComplaintStatus.RECEIVED,),
    "link": (ComplaintStatus.RECEIVED,),
    "unlink": (ComplaintStatus.RECEIVED, ComplaintStatus.DISPATCHED, ComplaintStatus.REPLIED),
    "dispatch": (ComplaintStatus.RECEIVED,),
    "reject": (ComplaintStatus.RECEIVED,),
    "reply": (ComplaintStatus.RECEIVED, ComplaintStatus.DISPATCHED, ComplaintStatus.REPLIED),
    "publish": (ComplaintStatus.CLOSED,),
    "unpublish": (ComplaintStatus.CLOSED,),
    "reveal": tuple(ComplaintStatus.values),
}

STEP_NAMES = {
    "confirm": gettext_lazy("确认分拣"),
    "link": gettext_lazy("关联重复投诉"),
    "unlink": gettext_lazy("取消重复关联"),
    "dispatch": gettext_lazy("派发办理"),
    "reject": gettext_lazy("不予受理"),
    "reply": gettext_lazy("答复投诉"),
    "publish": gettext_lazy("公开投诉"),
    "unpublish": gettext_lazy("取消公开"),
    "reveal": gettext_lazy("查看联系电话"),
}


def is_complaint_desk(user) -> bool:
    """The city's complaint desk: may file complaints on a caller's behalf and take the desk's steps."""
    return bool(user and user.is_authenticated and user.is_active and user.has_grant(Complaint, "add"))


def may_take(user, complaint: Complaint, step: str) -> bool:
    """Whether ``user`` may take ``step`` on ``complaint`` (role and scope; the state is checked separately)."""
    if not gate.is_allowed(user, "change", complaint):
        return False
    if step in DESK_STEPS:
        return is_complaint_desk(user)
    return step in HANDLER_STEPS


def ensure_step_allowed(user, complaint: Complaint, step: str) -> None:
    if not may_take(user, complaint, step):
        raise PermissionDenied(
            _("您无权对投诉 %(number)s 执行“%(step)s”。")
            % {"number": complaint.tracking_number, "step": STEP_NAMES[step]}
        )


def available_steps(user, complaint: Complaint) -> set[str]:
    """The steps the page offers ``user`` on ``complaint`` now (role, scope and state)."""
    steps = {
        step for step, states in STEP_STATES.items() if complaint.status in states and may_take(user, complaint, step)
    }
    if complaint.duplicate_of_id is None:
        steps.discard("unlink")
    if not complaint.published:
        steps.discard("unpublish")  # publishing again edits the published texts
    if not complaint.phone_encrypted:
        steps.discard("reveal")
    return steps
