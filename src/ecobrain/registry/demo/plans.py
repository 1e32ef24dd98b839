"""What the demo will contain, as plain records drawn from the seeded RNG before anything is written.

Planning never looks at the database's registry rows, so the same seed gives the same plan whether the
demo is loaded into an empty database or loaded again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ecobrain.registry.demo.tables import DEVICE_MODELS, GIVEN_NAMES, PROTOCOL_WEIGHTS, SURNAMES


class DemoDataError(RuntimeError):
    """The demo cannot be built (base data missing, or no point found inside a county)."""


@dataclass(frozen=True)
class DevicePlan:
    mn: str
    password: str
    protocol_version: str
    manufacturer: str
    model_name: str
    installed_on: date


@dataclass(frozen=True)
class StationPlan:
    code: str
    name: str
    kind: str
    lon: float
    lat: float
    address: str
    factors: tuple[str, ...] = ()
    is_assessment: bool = False
    notes: str = ""
    device: DevicePlan | None = None
    waterbody: str = ""
    water_target_class: str = ""


@dataclass(frozen=True)
class LimitPlan:
    factor: str
    value: Decimal | None
    unit: str
    basis: str
    converted: bool
    standard: str
    minimum: Decimal | None = None  # lower bound of a range limit (pH 6–9)


@dataclass(frozen=True)
class OutletPlan:
    code: str
    name: str
    kind: str
    height_m: Decimal | None
    lon: float
    lat: float
    limits: tuple[LimitPlan, ...]
    device: DevicePlan


@dataclass(frozen=True)
class ContactPlan:
    name: str
    title: str
    phone: str
    email: str = ""


@dataclass(frozen=True)
class PermitPlan:
    number: str
    category: str
    valid_from: date
    valid_to: date
    caps: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class EnterprisePlan:
    credit_code: str
    name: str
    industry: str
    lon: float
    lat: float
    address: str
    key_unit_category: str
    status: str
    legal_representative: str
    contacts: tuple[ContactPlan, ...]
    permit: PermitPlan
    outlets: tuple[OutletPlan, ...]


def draw_device(rng: random.Random, base_mn: str) -> DevicePlan:
    """A data logger: a 14-character MN under HJ/T 212-2005, 24 characters under the later versions."""
    versions, weights = zip(*PROTOCOL_WEIGHTS, strict=True)
    version = rng.choices(versions, weights=weights)[0]
    mn = base_mn if version == "2005" else f"{base_mn}{rng.randrange(10**10):010d}"
    manufacturer, model_name = rng.choice(DEVICE_MODELS)
    installed_on = date(2015, 1, 1) + timedelta(days=rng.randrange(10 * 365))
    return DevicePlan(mn, f"{rng.randrange(10**6):06d}", version, manufacturer, model_name, installed_on)


def draw_person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
