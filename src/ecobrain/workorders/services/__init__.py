"""Writes with rules on work orders: one verb per step, one transaction each, a timeline row per step.

``creation`` dispatches new orders (number, deadline policy); ``handling`` (the branch), ``checking`` (the
dispatching side) and ``notes`` (either side) take them through their states, on ``transition``;
``access`` says who may take which step; ``timeline`` writes the rows and picks whom each step tells.
"""

from ecobrain.workorders.services.access import available_steps, on_assignee_side, on_dispatcher_side
from ecobrain.workorders.services.checking import (
    approve_extension,
    cancel_workorder,
    decide_extension,
    reject_extension,
    return_workorder,
    transfer_workorder,
    verify_and_close_workorder,
)
from ecobrain.workorders.services.creation import (
    DEFAULT_POLICIES,
    branch_of,
    create_workorder,
    default_deadline,
    ensure_deadline_policies,
    policy_for,
)
from ecobrain.workorders.services.handling import (
    accept_workorder,
    assign_workorder,
    request_extension,
    start_workorder,
    submit_workorder,
)
from ecobrain.workorders.services.notes import add_attachments, comment_workorder
from ecobrain.workorders.services.timeline import record_event

__all__ = [
    "DEFAULT_POLICIES",
    "accept_workorder",
    "add_attachments",
    "approve_extension",
    "assign_workorder",
    "available_steps",
    "branch_of",
    "cancel_workorder",
    "comment_workorder",
    "create_workorder",
    "decide_extension",
    "default_deadline",
    "ensure_deadline_policies",
    "on_assignee_side",
    "on_dispatcher_side",
    "policy_for",
    "record_event",
    "reject_extension",
    "request_extension",
    "return_workorder",
    "start_workorder",
    "submit_workorder",
    "transfer_workorder",
    "verify_and_close_workorder",
]
