"""Enabled rules as the engine reads them: typed parameters, scope as id sets, and the version that says when to
read them again.

Scope: an empty field matches everything; a district matches objects in it or in its child regions (a rule on the
city's region is city-wide). An object's district is its station's district or its enterprise's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Count, Max

from ecobrain.alarms.choices import RuleKind
from ecobrain.alarms.models import AlarmRule
from ecobrain.alarms.params import parse_params
from ecobrain.core.models import Region

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class CompiledRule:
    """One enabled rule, ready to match objects."""

    id: int
    kind: str
    model: AlarmRule
    params: object
    severity: int
    consecutive: int
    clear_after: int
    resolution: str
    districts: frozenset[int] | None
    enterprise_id: int | None
    outlet_id: int | None
    station_id: int | None
    factor_id: int | None
    updated: datetime

    @property
    def depth(self) -> int:
        """How many verdicts the rule's states keep: enough for both runs, plus one before them."""
        depth = max(self.consecutive, self.clear_after) + 1
        if self.kind == RuleKind.AMBIENT_RISE:
            depth += self.params.window_hours
        return depth

    def covers(
        self,
        *,
        district_id: int | None,
        enterprise_id: int | None = None,
        outlet_id: int | None = None,
        station_id: int | None = None,
        factor_id: int | None = None,
    ) -> bool:
        """Whether an object with these links is in the rule's scope."""
        if self.districts is not None and district_id not in self.districts:
            return False
        if self.enterprise_id is not None and enterprise_id != self.enterprise_id:
            return False
        if self.outlet_id is not None and outlet_id != self.outlet_id:
            return False
        if self.station_id is not None and station_id != self.station_id:
            return False
        return self.factor_id is None or factor_id == self.factor_id


def compile_rules() -> dict[int, CompiledRule]:
    """The enabled rules by id; a rule whose parameters no longer parse is skipped (and logged)."""
    rules = list(AlarmRule.objects.filter(enabled=True).order_by("pk"))
    wanted = {rule.district_id for rule in rules if rule.district_id}
    children: dict[int, set[int]] = {pk: {pk} for pk in wanted}
    if wanted:
        for pk, parent_id in Region.objects.filter(parent_id__in=wanted).values_list("pk", "parent_id"):
            children[parent_id].add(pk)
    compiled = {}
    for rule in rules:
        try:
            params = parse_params(rule.kind, rule.params)
        except ValidationError as exc:
            logger.error("alarm rule %s (%s) skipped: %s", rule.pk, rule.name, exc.messages)
            continue
        compiled[rule.pk] = CompiledRule(
            id=rule.pk,
            kind=rule.kind,
            model=rule,
            params=params,
            severity=rule.severity,
            consecutive=max(1, rule.consecutive),
            clear_after=max(1, rule.clear_after),
            resolution=rule.resolution,
            districts=frozenset(children[rule.district_id]) if rule.district_id else None,
            enterprise_id=rule.enterprise_id,
            outlet_id=rule.outlet_id,
            station_id=rule.station_id,
            factor_id=rule.factor_id,
            updated=rule.updated,
        )
    return compiled


def registry_version() -> tuple:
    """A cheap fingerprint of everything the index is built from: the rules and the registry objects whose
    changes move a series into or out of a rule's scope or change a limit (max(updated) and count of each)."""
    from ecobrain.registry.models import Device, Enterprise, Outlet, OutletFactor, Station

    version = []
    for model in (AlarmRule, OutletFactor, Device, Outlet, Station, Enterprise):
        row = model.objects.order_by().aggregate(latest=Max("updated"), count=Count("pk"))
        version.append((row["latest"], row["count"]))
    return tuple(version)
