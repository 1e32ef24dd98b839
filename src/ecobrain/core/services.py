"""Loading the city's base data: regions with boundaries and the bureau's organisations."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from ecobrain.core.models import Organisation, OrganisationKind, Region, RegionLevel

# The bureau's departments (处室) and directly affiliated units, as a typical city bureau has them.
BUREAU_DEPARTMENTS = [
    ("office", "办公室", OrganisationKind.DEPARTMENT),
    ("air", "大气环境科", OrganisationKind.DEPARTMENT),
    ("water", "水生态环境科", OrganisationKind.DEPARTMENT),
    ("soil", "土壤生态环境科", OrganisationKind.DEPARTMENT),
    ("monitoring", "生态环境监测科", OrganisationKind.DEPARTMENT),
    ("law", "法规与标准科", OrganisationKind.DEPARTMENT),
    ("emergency", "环境应急与信访科", OrganisationKind.DEPARTMENT),
    ("enforcement", "生态环境保护综合执法支队", OrganisationKind.CENTRE),
    ("station", "生态环境监测站", OrganisationKind.CENTRE),
    ("info", "信息中心", OrganisationKind.CENTRE),
]


class BaseDataError(ValueError):
    """The base-data file is unusable; the message names the file and the feature."""


@transaction.atomic
def load_regions(path: str | Path | None = None) -> dict[str, int]:
    """Create or update the city and its county-level units from a GeoJSON file (idempotent)."""
    path = Path(path or settings.CITY_BOUNDARIES)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BaseDataError(f"{path}: cannot read the boundaries file: {exc}") from exc
    features = document.get("features") or []
    cities = [f for f in features if (f.get("properties") or {}).get("level") == RegionLevel.CITY]
    if len(cities) != 1:
        raise BaseDataError(f"{path}: expected exactly one feature with level=city, found {len(cities)}")
    counts = {"created": 0, "updated": 0}

    def upsert(feature: dict, parent: Region | None) -> Region:
        props = feature["properties"]
        for key in ("adcode", "name", "level"):
            if not props.get(key):
                raise BaseDataError(f"{path}: a feature has no {key!r} property: {props}")
        region, created = Region.objects.update_or_create(
            adcode=str(props["adcode"]),
            defaults={
                "name": props["name"],
                "level": props["level"],
                "parent": parent,
                "center_lon": props.get("center_lon"),
                "center_lat": props.get("center_lat"),
                "area_km2": props.get("area_km2"),
                "boundary": feature.get("geometry"),
            },
        )
        counts["created" if created else "updated"] += 1
        return region

    city = upsert(cities[0], None)
    for feature in features:
        props = feature.get("properties") or {}
        if props.get("level") == RegionLevel.COUNTY:
            if str(props.get("parent_adcode")) != city.adcode:
                raise BaseDataError(f"{path}: county {props.get('name')} has parent {props.get('parent_adcode')}")
            upsert(feature, city)
    return counts


@transaction.atomic
def ensure_organisations() -> dict[str, int]:
    """The city bureau, its departments and one branch per county-level unit (idempotent)."""
    city = Region.objects.get(level=RegionLevel.CITY)
    created = 0
    bureau, was_created = Organisation.objects.get_or_create(
        code=f"{city.adcode}-bureau",
        defaults={"name": f"{city.name}生态环境局", "kind": OrganisationKind.BUREAU},
    )
    created += was_created
    for key, name, kind in BUREAU_DEPARTMENTS:
        _, was_created = Organisation.objects.get_or_create(
            code=f"{city.adcode}-{key}", defaults={"name": name, "kind": kind, "parent": bureau}
        )
        created += was_created
    for county in Region.objects.filter(parent=city):
        _, was_created = Organisation.objects.get_or_create(
            code=f"{county.adcode}-branch",
            defaults={
                "name": f"{city.name}生态环境局{county.name}分局",
                "kind": OrganisationKind.BRANCH,
                "parent": bureau,
                "district": county,
            },
        )
        created += was_created
    return {"created": created, "total": Organisation.objects.count()}
