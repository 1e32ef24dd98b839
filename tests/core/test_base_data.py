"""The city's base data: Xianyang's regions with boundaries and the bureau's organisations.

Persona: the system administrator who installs EcoBrain for a city (and, for another city, brings its file).
"""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from ecobrain.core.models import Organisation, OrganisationKind, Region, RegionLevel
from ecobrain.core.services import BUREAU_DEPARTMENTS, BaseDataError, ensure_organisations, load_regions
from tests import factories

XIANYANG_COUNTIES = {
    "610402": "秦都区",
    "610403": "杨陵区",
    "610404": "渭城区",
    "610422": "三原县",
    "610423": "泾阳县",
    "610424": "乾县",
    "610425": "礼泉县",
    "610426": "永寿县",
    "610428": "长武县",
    "610429": "旬邑县",
    "610430": "淳化县",
    "610431": "武功县",
    "610481": "兴平市",
    "610482": "彬州市",
}


@pytest.fixture(autouse=True)
def empty_database(db):
    """The session's test database already holds the base data (conftest); these tests load it themselves."""
    factories.clear_base()
    assert not Region.objects.exists()


def square(lon: float, lat: float, size: float = 0.1) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(adcode: str, name: str, level: str, geometry: dict | None = None, **props) -> dict:
    return {
        "type": "Feature",
        "properties": {"adcode": adcode, "name": name, "level": level, **props},
        "geometry": geometry,
    }


def write(tmp_path, features: list[dict]):
    path = tmp_path / "city.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    return path


def test_xianyang_regions_are_loaded_with_hierarchy_and_boundaries(db):
    counts = load_regions()
    assert counts == {"created": 15, "updated": 0}
    city = Region.objects.get(level=RegionLevel.CITY)
    assert (city.adcode, city.name, city.parent) == ("610400", "咸阳市", None)
    counties = Region.objects.filter(level=RegionLevel.COUNTY)
    assert dict(counties.values_list("adcode", "name")) == XIANYANG_COUNTIES
    assert set(counties.values_list("parent", flat=True)) == {city.id}
    assert not Region.objects.filter(boundary=None).exists()
    qindu = Region.objects.get(adcode="610402")
    assert qindu.boundary["type"] == "Polygon"
    assert (qindu.center_lon, qindu.center_lat, qindu.area_km2) == (108.632, 34.367, 260.4)


def test_reloading_regions_updates_in_place(db):
    load_regions()
    ids = dict(Region.objects.values_list("adcode", "id"))
    assert load_regions() == {"created": 0, "updated": 15}
    assert dict(Region.objects.values_list("adcode", "id")) == ids


def test_organisations_are_the_bureau_its_departments_and_one_branch_per_county(db):
    load_regions()
    result = ensure_organisations()
    assert result == {"created": 1 + len(BUREAU_DEPARTMENTS) + 14, "total": 25}
    bureau = Organisation.objects.get(kind=OrganisationKind.BUREAU)
    assert (bureau.code, bureau.name, bureau.parent) == ("610400-bureau", "咸阳市生态环境局", None)
    branches = Organisation.objects.filter(kind=OrganisationKind.BRANCH)
    assert branches.count() == 14
    assert set(branches.values_list("parent", flat=True)) == {bureau.id}
    qindu_branch = Organisation.objects.get(code="610402-branch")
    assert qindu_branch.name == "咸阳市生态环境局秦都区分局"
    assert qindu_branch.district.adcode == "610402"
    departments = Organisation.objects.exclude(kind__in=[OrganisationKind.BUREAU, OrganisationKind.BRANCH])
    assert departments.filter(district__isnull=False).count() == 0
    assert Organisation.objects.get(code="610400-enforcement").name == "生态环境保护综合执法支队"
    assert ensure_organisations() == {"created": 0, "total": 25}


def test_another_city_is_a_different_file(db, tmp_path, settings):
    path = write(
        tmp_path,
        [
            feature("610300", "宝鸡市", "city", square(107.0, 34.3, 0.4)),
            feature("610302", "渭滨区", "county", square(107.0, 34.3), parent_adcode="610300"),
        ],
    )
    settings.CITY_BOUNDARIES = str(path)
    assert load_regions() == {"created": 2, "updated": 0}
    assert Region.objects.get(adcode="610302").parent.adcode == "610300"
    ensure_organisations()
    assert Organisation.objects.get(code="610302-branch").name == "宝鸡市生态环境局渭滨区分局"


def test_missing_file_names_the_file(db, tmp_path):
    missing = tmp_path / "nowhere.geojson"
    with pytest.raises(BaseDataError, match=r"nowhere\.geojson: cannot read the boundaries file"):
        load_regions(missing)


def test_broken_json_names_the_file(db, tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text("{not json", "utf-8")
    with pytest.raises(BaseDataError, match=r"broken\.geojson: cannot read"):
        load_regions(path)


def test_a_file_needs_exactly_one_city(db, tmp_path):
    two = write(tmp_path, [feature("610300", "宝鸡市", "city"), feature("610400", "咸阳市", "city")])
    with pytest.raises(BaseDataError, match="expected exactly one feature with level=city, found 2"):
        load_regions(two)
    none = write(tmp_path, [feature("610302", "渭滨区", "county", parent_adcode="610300")])
    with pytest.raises(BaseDataError, match="found 0"):
        load_regions(none)
    assert Region.objects.count() == 0


def test_county_of_another_city_is_refused_and_nothing_is_saved(db, tmp_path):
    path = write(
        tmp_path,
        [
            feature("610400", "咸阳市", "city", square(108.0, 34.0, 1)),
            feature("610402", "秦都区", "county", square(108.6, 34.3), parent_adcode="610400"),
            feature("610302", "渭滨区", "county", square(107.0, 34.3), parent_adcode="610300"),
        ],
    )
    with pytest.raises(BaseDataError, match="county 渭滨区 has parent 610300"):
        load_regions(path)
    assert Region.objects.count() == 0  # one transaction: all or nothing


def test_feature_without_adcode_is_refused(db, tmp_path):
    path = write(
        tmp_path,
        [
            feature("610400", "咸阳市", "city"),
            feature("", "无代码区", "county", parent_adcode="610400"),
        ],
    )
    with pytest.raises(BaseDataError, match="a feature has no 'adcode' property"):
        load_regions(path)


def test_loadbase_with_a_bad_file_is_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="cannot read the boundaries file"):
        call_command("loadbase", boundaries=str(tmp_path / "nowhere.geojson"))
