"""Planning the demo enterprises: one file per source (一源一档) with permit, contacts, outlets and loggers."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from ecobrain.registry.choices import EnterpriseStatus, KeyUnitCategory, LimitBasis, OutletKind, PermitCategory
from ecobrain.registry.demo.industries import (
    CAPPED_POLLUTANTS,
    ENTERPRISE_PLAN,
    GAS_PROFILES,
    PH_RANGE,
    TEMPLATES,
    TOTAL_OUTLETS,
    WATER_PROFILES,
    LimitProfile,
    Template,
)
from ecobrain.registry.demo.places import PointSampler
from ecobrain.registry.demo.plans import (
    ContactPlan,
    EnterprisePlan,
    LimitPlan,
    OutletPlan,
    PermitPlan,
    draw_device,
    draw_person,
)
from ecobrain.registry.demo.tables import (
    BRAND_FIRST,
    BRAND_SECOND,
    CONTACT_TITLES,
    COUNTY_BY_ADCODE,
    GAS_OUTLET_FACTORS,
    ROADS,
    WATER_OUTLET_FACTORS,
)
from ecobrain.standards.uscc import ALPHABET, make_credit_code

PERMIT_CATEGORIES = (PermitCategory.KEY, PermitCategory.SIMPLIFIED, PermitCategory.REGISTRATION)
PERMIT_START, PERMIT_START_SPAN_DAYS = date(2022, 1, 1), 900  # permits run five years


def plan_enterprises(rng: random.Random, sampler: PointSampler) -> list[EnterprisePlan]:
    entries = [(TEMPLATES[key], adcode) for key, adcodes in ENTERPRISE_PLAN for adcode in adcodes]
    brands = rng.sample([a + b for a in BRAND_FIRST for b in BRAND_SECOND if a != b], len(entries))
    outlet_counts = _outlet_counts(rng, [template for template, _ in entries])
    credit_codes: set[str] = set()
    plans = []
    for serial, ((template, adcode), brand, counts) in enumerate(
        zip(entries, brands, outlet_counts, strict=True), start=1
    ):
        credit_code = _credit_code(rng, adcode, credit_codes)
        plans.append(_enterprise(rng, sampler, serial, template, adcode, brand, credit_code, counts))
    return plans


def _outlet_counts(rng: random.Random, templates: list[Template]) -> list[list[int]]:
    """[gas, water] outlets per enterprise within each template's ranges, adding up to TOTAL_OUTLETS."""
    counts = [[rng.randint(*t.gas_range), rng.randint(*t.water_range)] for t in templates]
    total = sum(map(sum, counts))

    def can_move(i: int, kind: int, step: int) -> bool:
        low, high = templates[i].gas_range if kind == 0 else templates[i].water_range
        if step > 0:
            return counts[i][kind] < high
        return counts[i][kind] > low and sum(counts[i]) > 1  # every enterprise keeps an outlet

    while total != TOTAL_OUTLETS:
        step = 1 if total < TOTAL_OUTLETS else -1
        i, kind = rng.choice([(i, kind) for i in range(len(counts)) for kind in (0, 1) if can_move(i, kind, step)])
        counts[i][kind] += step
        total += step
    return counts


def _credit_code(rng: random.Random, adcode: str, taken: set[str]) -> str:
    """91 (企业) + county adcode + an "MA6…" organisation identifier + GB 32100 check character."""
    while True:
        code = make_credit_code(f"91{adcode}MA6{''.join(rng.choices(ALPHABET, k=6))}")
        if code not in taken:
            taken.add(code)
            return code


def _enterprise(rng, sampler, serial, template, adcode, brand, credit_code, counts) -> EnterprisePlan:
    county = COUNTY_BY_ADCODE[adcode]
    prefix = rng.choices((county.place, "陕西", "咸阳"), weights=(6, 3, 1))[0]
    name = f"{prefix}{brand}{rng.choice(template.suffixes)}"
    lon, lat = sampler.place(adcode, county.seat, template.spread)
    utilisation = rng.uniform(0.6, 0.9)  # caps sit below limit × design flow
    caps: dict[str, float] = defaultdict(float)
    outlets = []
    gas_main = rng.choice(template.gas_profiles) if template.gas_profiles else ""
    for number, (outlet_name, role) in enumerate(template.gas_outlets[: counts[0]], start=1):
        profile = GAS_PROFILES[gas_main if role == "main" else role]
        flow = rng.uniform(*template.gas_flow)
        for code, limit in profile.limits.items():
            caps[code] += limit * flow * template.hours * 1e-9 * utilisation  # mg/m³ × m³/h × h → t
        height = Decimal(rng.randint(*template.stack))
        outlets.append(
            _outlet(rng, sampler, adcode, (lon, lat), serial, OutletKind.GAS, number, outlet_name, profile, height)
        )
    water_profile = WATER_PROFILES[rng.choice(template.water_profiles)] if template.water_profiles else None
    for number, outlet_name in enumerate(template.water_outlets[: counts[1]], start=1):
        flow = rng.uniform(*template.water_flow)
        for code, limit in water_profile.limits.items():
            caps[code] += limit * flow * template.hours / 24 * 1e-6 * utilisation  # g/m³ × m³/d × d → t
        outlets.append(
            _outlet(rng, sampler, adcode, (lon, lat), serial, OutletKind.WATER, number, outlet_name, water_profile)
        )
    kinds = {outlet.kind for outlet in outlets}
    return EnterprisePlan(
        credit_code=credit_code,
        name=name,
        industry=template.industry,
        lon=lon,
        lat=lat,
        address=f"陕西省咸阳市{county.name}{rng.choice(ROADS)}{rng.randint(1, 399)}号",
        key_unit_category=_key_unit_category(kinds),
        status=EnterpriseStatus.SUSPENDED if rng.random() < 0.03 else EnterpriseStatus.OPERATING,
        legal_representative=draw_person(rng),
        contacts=_contacts(rng, serial),
        permit=_permit(rng, template, credit_code, caps),
        outlets=tuple(outlets),
    )


def _key_unit_category(kinds: set[str]) -> str:
    if kinds == {OutletKind.GAS, OutletKind.WATER}:
        return KeyUnitCategory.WATER_AIR
    return KeyUnitCategory.AIR if OutletKind.GAS in kinds else KeyUnitCategory.WATER


def _outlet(rng, sampler, adcode, site, serial, kind, number, name, profile: LimitProfile, height=None):
    is_gas = kind == OutletKind.GAS
    lon, lat = sampler.beside(adcode, *site)
    factors = GAS_OUTLET_FACTORS + profile.extra_factors if is_gas else WATER_OUTLET_FACTORS
    limits = tuple(_limit(code, profile, is_gas) for code in factors)
    # MN: county adcode + enterprise serial + 1 gas / 2 water + outlet number (14 characters)
    device = draw_device(rng, f"{adcode}{serial:04d}{1 if is_gas else 2}{number:03d}")
    code = f"{'DA' if is_gas else 'DW'}{number:03d}"
    return OutletPlan(code, name, kind, height, lon, lat, limits, device)


def _limit(code: str, profile: LimitProfile, is_gas: bool) -> LimitPlan:
    basis = LimitBasis.HOURLY if is_gas else LimitBasis.DAILY
    value = profile.limits.get(code)
    if code == "w01001":
        # pH is a range (6–9 in every water standard used here), dimensionless.
        return LimitPlan(code, PH_RANGE[1], "", basis, False, profile.standard, minimum=PH_RANGE[0])
    if value is None:
        return LimitPlan(code, None, "", basis, False, "")
    unit = "mg/m³" if is_gas else "mg/L"
    return LimitPlan(code, Decimal(str(value)), unit, basis, profile.converted, profile.standard)


def _contacts(rng: random.Random, serial: int) -> tuple[ContactPlan, ...]:
    wanted, names = rng.randint(1, 2), []
    while len(names) < wanted:
        name = draw_person(rng)
        if name not in names:
            names.append(name)
    landline = f"029-3{rng.randrange(10**7):07d}"
    contacts = [ContactPlan(names[0], CONTACT_TITLES[0], landline, f"hb{serial:03d}@example.com")]
    for name in names[1:]:
        contacts.append(ContactPlan(name, rng.choice(CONTACT_TITLES[1:]), f"1380000{rng.randrange(10**4):04d}"))
    return tuple(contacts)


def _permit(rng: random.Random, template: Template, credit_code: str, caps: dict[str, float]) -> PermitPlan:
    category = rng.choices(PERMIT_CATEGORIES, weights=template.permit_weights)[0]
    valid_from = PERMIT_START + timedelta(days=rng.randrange(PERMIT_START_SPAN_DAYS))
    try:
        valid_to = valid_from.replace(year=valid_from.year + 5) - timedelta(days=1)
    except ValueError:  # 29 February
        valid_to = date(valid_from.year + 5, 2, 28)
    suffix = "W" if category == PermitCategory.REGISTRATION else "P"
    rounded = {code: max(Decimal(f"{caps[code]:.3f}"), Decimal("0.001")) for code in CAPPED_POLLUTANTS if code in caps}
    return PermitPlan(f"{credit_code}001{suffix}", category, valid_from, valid_to, rounded)
