"""Point → district lookup on Xianyang's real county boundaries, and the checks every saved location passes.

Personas: the monitoring staff who registers a station, the officer who types an enterprise's coordinates.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ecobrain.core import geo
from ecobrain.core.models import Region, RegionLevel
from tests import factories

# The four national ambient-air stations in Xianyang's urban area (public station list), WGS84 lon/lat.
# Which county each lies in was read off the boundary file with shapely; every point is at least ~2 km
# (0.019°) from the next county, so the answer does not depend on border simplification.
NATIONAL_STATIONS = [
    ("1918A", 108.7197, 34.3956, "610404"),  # 渭城区
    ("1919A", 108.673, 34.3155, "610402"),  # 秦都区
    ("1920A", 108.7233, 34.3617, "610404"),  # 渭城区
    ("3165A", 108.6594, 34.2969, "610402"),  # 秦都区
]
BEIJING = (116.4, 39.9)


@pytest.fixture(autouse=True)
def _fresh_index():
    """The index is per process: never let one test's boundaries leak into the next."""
    geo.invalidate()
    yield
    geo.invalidate()


@pytest.mark.parametrize(("code", "lon", "lat", "adcode"), NATIONAL_STATIONS)
def test_national_stations_fall_in_their_district(base_data, code, lon, lat, adcode):
    district_id = geo.locate_district_id(lon, lat)
    assert district_id == Region.objects.get(adcode=adcode).id, code
    geo.validate_coordinates(lon, lat)  # accepted: no exception


def test_every_county_has_a_boundary(base_data):
    counties = Region.objects.filter(level=RegionLevel.COUNTY)
    assert counties.count() == 14
    assert not counties.filter(boundary=None).exists()


def test_representative_point_of_each_county_maps_back_to_it(base_data):
    counties = list(Region.objects.filter(level=RegionLevel.COUNTY))
    assert len(counties) == 14
    for county in counties:
        lon, lat = geo.representative_point(county)
        assert geo.locate_district_id(lon, lat) == county.id, county.name


def test_beijing_is_outside_the_city(base_data):
    assert geo.locate_district_id(*BEIJING) is None
    with pytest.raises(ValidationError) as excinfo:
        geo.validate_coordinates(*BEIJING)
    errors = excinfo.value.message_dict
    assert list(errors) == ["longitude"]
    assert "不在咸阳市辖区内" in errors["longitude"][0]
    assert "(116.4, 39.9)" in errors["longitude"][0]


def test_field_prefix_names_the_form_field(base_data):
    with pytest.raises(ValidationError) as excinfo:
        geo.validate_coordinates(*BEIJING, field_prefix="site_")
    assert list(excinfo.value.message_dict) == ["site_longitude"]


def test_swapped_latitude_and_longitude_are_rejected(base_data):
    """(34.3, 108.7) is what a typist enters with lat and lon swapped: latitude 108.7 is impossible."""
    with pytest.raises(ValidationError) as excinfo:
        geo.validate_coordinates(34.3, 108.7)
    errors = excinfo.value.message_dict
    assert list(errors) == ["latitude"]
    assert "纬度 108.7 超出范围 [-90, 90]" in errors["latitude"][0]
    assert geo.locate_district_id(34.3, 108.7) is None


def test_swapped_pair_within_range_is_still_outside_the_city(base_data):
    """A swap that happens to stay in range (lat 34 → lon, lon 80) lands far from Xianyang."""
    with pytest.raises(ValidationError) as excinfo:
        geo.validate_coordinates(34.3, 80.0)
    assert "不在咸阳市辖区内" in excinfo.value.message_dict["longitude"][0]


def test_longitude_without_latitude_names_latitude(base_data):
    with pytest.raises(ValidationError) as excinfo:
        geo.validate_coordinates(108.7, None)
    assert list(excinfo.value.message_dict) == ["latitude"]
    assert "经纬度须同时填写" in excinfo.value.message_dict["latitude"][0]


def test_latitude_without_longitude_names_longitude(base_data):
    with pytest.raises(ValidationError) as excinfo:
        geo.validate_coordinates(None, 34.3)
    assert list(excinfo.value.message_dict) == ["longitude"]


def test_no_coordinates_at_all_is_allowed_here(base_data):
    assert geo.validate_coordinates(None, None) is None


def test_out_of_range_values_name_both_fields(base_data):
    with pytest.raises(ValidationError) as excinfo:
        geo.validate_coordinates(200, 95)
    errors = excinfo.value.message_dict
    assert set(errors) == {"longitude", "latitude"}
    assert "经度 200 超出范围 [-180, 180]" in errors["longitude"][0]
    assert "纬度 95 超出范围 [-90, 90]" in errors["latitude"][0]


def test_without_boundaries_nothing_is_located(db):
    factories.clear_base()
    assert Region.objects.count() == 0
    assert geo.locate_district_id(108.673, 34.3155) is None


def test_index_is_reloaded_when_a_region_boundary_changes(base_data, qindu, binzhou):
    lon, lat = 108.673, 34.3155  # station 1919A, in 秦都区
    assert geo.locate_district_id(lon, lat) == qindu.id
    qindu_boundary, binzhou_boundary = qindu.boundary, binzhou.boundary

    # A bulk update sends no signal: the prepared index is still the old one (it is cached, not re-read).
    Region.objects.filter(pk=qindu.pk).update(boundary=binzhou_boundary)
    Region.objects.filter(pk=binzhou.pk).update(boundary=qindu_boundary)
    assert geo.locate_district_id(lon, lat) == qindu.id

    # Saving a Region (post_save) drops the index, so the next lookup sees the new boundaries.
    binzhou.refresh_from_db()
    binzhou.save()
    assert geo.locate_district_id(lon, lat) == binzhou.id


def test_index_is_reloaded_when_a_region_is_deleted(base_data, qindu):
    lon, lat = 108.673, 34.3155
    assert geo.locate_district_id(lon, lat) == qindu.id
    qindu.organisations.all().delete()  # the branch office points at the district (PROTECT)
    qindu.delete()
    # The point now lies in the city but in no county, and farther than the tolerance from the neighbours.
    assert geo.locate_district_id(lon, lat) is None
