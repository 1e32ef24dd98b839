"""Planning the demo monitoring networks: air, VOCs, surface water, soil, radiation and thermal cameras."""

from __future__ import annotations

import random

from ecobrain.registry.choices import StationKind
from ecobrain.registry.demo.places import PointSampler
from ecobrain.registry.demo.plans import StationPlan, draw_device
from ecobrain.registry.demo.tables import (
    AIR_POLLUTANTS,
    CITY_STATION_SITES,
    COUNTIES,
    COUNTY_BY_ADCODE,
    DEMO_POSITION_NOTE,
    DEMO_TARGET_NOTE,
    MET_FACTORS,
    MICRO_FACTOR_SETS,
    NATIONAL_NOTE,
    NATIONAL_STATIONS,
    RADIATION_STATION,
    SOIL_POINT_KINDS,
    VOCS_FACTORS,
    VOCS_STATIONS,
    WATER_FACTORS,
    WATER_STATIONS,
    WATER_TARGETS,
)

# The digit after the county adcode in a station data logger's MN (outlet MNs have 0 there).
MN_KIND_DIGIT = {
    StationKind.AIR_CITY: 3,
    StationKind.AIR_MICRO: 4,
    StationKind.AIR_NATIONAL: 5,
    StationKind.AIR_PROVINCIAL: 6,
    StationKind.VOCS: 7,
    StationKind.WATER_AUTO: 8,
    StationKind.WATER_SECTION: 8,
}


def plan_stations(rng: random.Random, sampler: PointSampler) -> list[StationPlan]:
    """Every demo station in a fixed order (the order the RNG is consumed in)."""
    return [
        *_national(rng, sampler),
        *_provincial(rng, sampler),
        *_city_and_micro(rng, sampler),
        *_vocs(rng, sampler),
        *_water(rng, sampler),
        *_soil(rng, sampler),
        _radiation(sampler),
        *_cameras(rng, sampler),
    ]


def _station(code: str, name: str, kind: str, adcode: str, point: tuple[float, float], **fields) -> StationPlan:
    fields.setdefault("notes", DEMO_POSITION_NOTE)
    address = f"陕西省咸阳市{COUNTY_BY_ADCODE[adcode].name}"
    return StationPlan(code=code, name=name, kind=kind, lon=point[0], lat=point[1], address=address, **fields)


def _device(rng: random.Random, kind: str, adcode: str, serial: int):
    return draw_device(rng, f"{adcode}{MN_KIND_DIGIT[kind]}{serial:07d}")


def _national(rng: random.Random, sampler: PointSampler):
    kind = StationKind.AIR_NATIONAL
    for serial, (code, name, lon, lat) in enumerate(NATIONAL_STATIONS, start=1):
        adcode = sampler.adcode_at(lon, lat)
        device = _device(rng, kind, adcode, serial)
        yield _station(
            code,
            name,
            kind,
            adcode,
            (lon, lat),
            factors=AIR_POLLUTANTS + MET_FACTORS,
            # A control point (对照点) measures background air and is not averaged into the city (HJ 663 §4).
            is_assessment="对照点" not in name,
            notes=NATIONAL_NOTE,
            device=device,
        )


def _provincial(rng: random.Random, sampler: PointSampler):
    kind = StationKind.AIR_PROVINCIAL
    for serial, county in enumerate(COUNTIES, start=1):
        point = sampler.place(county.adcode, county.seat, 0.01)
        device = _device(rng, kind, county.adcode, serial)
        yield _station(
            f"SXY-AP-{serial:02d}",
            f"{county.name}空气站",
            kind,
            county.adcode,
            point,
            factors=AIR_POLLUTANTS + MET_FACTORS,
            is_assessment=True,
            device=device,
        )


def _own_logger(kind: str, adcode: str, serial: int, code: str):
    """A city or micro station's logger, drawn from its own generator (seeded by the station code), so adding
    these loggers left every other demo draw, and so every demo database made before, as it was."""
    return _device(random.Random(f"demo-logger-{code}"), kind, adcode, serial)


def _city_and_micro(rng: random.Random, sampler: PointSampler):
    city_serial = micro_serial = 0
    micro_sets, micro_weights = zip(*MICRO_FACTOR_SETS, strict=True)
    for county in COUNTIES:
        for site in CITY_STATION_SITES[: county.city_stations]:
            city_serial += 1
            point = sampler.place(county.adcode, county.seat, 0.03)
            code = f"SXY-AC-{city_serial:02d}"
            yield _station(
                code,
                f"{county.name}{site}",
                StationKind.AIR_CITY,
                county.adcode,
                point,
                factors=AIR_POLLUTANTS,
                device=_own_logger(StationKind.AIR_CITY, county.adcode, city_serial, code),
            )
        for number in range(1, county.micro_stations + 1):
            micro_serial += 1
            point = sampler.place(county.adcode, county.seat, 0.05)
            factors = rng.choices(micro_sets, weights=micro_weights)[0]
            code = f"SXY-AM-{micro_serial:03d}"
            yield _station(
                code,
                f"{county.name}微站{number:02d}",
                StationKind.AIR_MICRO,
                county.adcode,
                point,
                factors=factors,
                device=_own_logger(StationKind.AIR_MICRO, county.adcode, micro_serial, code),
            )


def _vocs(rng: random.Random, sampler: PointSampler):
    kind = StationKind.VOCS
    for serial, (code, name, adcode) in enumerate(VOCS_STATIONS, start=1):
        point = sampler.place(adcode, COUNTY_BY_ADCODE[adcode].seat, 0.03)
        device = _device(rng, kind, adcode, serial)
        yield _station(code, name, kind, adcode, point, factors=VOCS_FACTORS, device=device)


def _water(rng: random.Random, sampler: PointSampler):
    for serial, (code, name, kind, adcode, anchor) in enumerate(WATER_STATIONS, start=1):
        point = sampler.place(adcode, anchor, 0.003)
        device = _device(rng, kind, adcode, serial)
        waterbody, target = WATER_TARGETS[code]
        yield _station(
            code,
            name,
            kind,
            adcode,
            point,
            factors=WATER_FACTORS,
            device=device,
            waterbody=waterbody,
            water_target_class=target,
            notes=f"{DEMO_POSITION_NOTE}；{DEMO_TARGET_NOTE}",
        )


def _soil(rng: random.Random, sampler: PointSampler):
    serial = 0
    for county in COUNTIES:
        for number in range(1, county.soil_points + 1):
            serial += 1
            point = sampler.place(county.adcode)
            name = f"{county.name}土壤{rng.choice(SOIL_POINT_KINDS)}{number:02d}"
            yield _station(f"SXY-SOIL-{serial:03d}", name, StationKind.SOIL, county.adcode, point)


def _radiation(sampler: PointSampler) -> StationPlan:
    code, name, adcode = RADIATION_STATION
    point = sampler.place(adcode, COUNTY_BY_ADCODE[adcode].seat, 0.01)
    return _station(code, name, StationKind.RADIATION, adcode, point)


def _cameras(rng: random.Random, sampler: PointSampler):
    serial = 0
    for county in COUNTIES:
        for number in range(1, county.cameras + 1):
            serial += 1
            point = sampler.place(county.adcode)
            name = f"{county.name}秸秆焚烧热成像{number:03d}"
            yield _station(f"SXY-TC-{serial:04d}", name, StationKind.THERMAL_CAMERA, county.adcode, point)
