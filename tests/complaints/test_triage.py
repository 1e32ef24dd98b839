"""Triage: district by point in polygon, category suggested by the classifier, likely duplicates linked."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from ecobrain.complaints.choices import ComplaintEventKind
from ecobrain.complaints.models import Complaint
from ecobrain.complaints.triage import classifier
from ecobrain.complaints.triage.duplicates import bounding_box, haversine_m
from tests.complaints.conftest import BINZHOU_POINT, QINDU_POINT, file_complaint


def test_holdout_accuracy_of_the_classifier_is_at_least_0_8(capsys):
    rows = classifier.read_labelled()
    assert len(rows) >= 350
    assert {category for _text, category in rows} == {
        "air", "water", "noise", "solid_waste", "radiation", "ecology", "other"
    }  # fmt: skip
    training, test = classifier.split(rows)  # seeded: the same 20 % every run
    assert not {text for text, _c in training} & {text for text, _c in test}
    accuracy = classifier.evaluate(classifier.train(training), test)
    with capsys.disabled():
        print(f"\ncomplaint classifier hold-out accuracy: {accuracy:.3f} on {len(test)} texts")
    assert accuracy >= 0.8


def test_the_shipped_model_is_the_one_the_labelled_data_trains():
    shipped = json.loads(classifier.MODEL_JSON.read_text(encoding="utf-8"))
    fresh = json.loads(classifier.model_json_text(classifier.train(classifier.read_labelled())))
    assert shipped == fresh, "run `ecobrain complaints train` after changing the labelled data or the features"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("小区门口的饭店油烟机对着窗户排，全是油烟", "air"),
        ("凌晨两点工地还在打桩，吵得没法睡", "noise"),
        ("河里有个暗管往外排黑水，臭得很", "water"),
        ("有人往沟里倒了好几车建筑垃圾", "solid_waste"),
        ("楼顶装了基站，担心电磁辐射", "radiation"),
        ("有人在河道里非法采砂，河岸都挖塌了", "ecology"),
        ("物业乱收停车费", "other"),
    ],
)
def test_typical_texts_get_their_category(text, category):
    suggested, score = classifier.suggest_category(text)
    assert suggested == category
    assert 0 < score <= 1


def test_domain_words_are_kept_whole():
    tokens = classifier.tokenise("渣土车拉土不苫盖，扬尘严重，旁边还有黑臭水体")
    assert {"渣土车", "扬尘", "黑臭水体"} <= set(tokens)


def test_a_bad_labelled_file_names_the_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,category\n油烟很大,air\n噪声,loud\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3"):
        classifier.read_labelled(path)


@pytest.mark.django_db
def test_triage_stores_district_and_suggestion(qindu):
    complaint = file_complaint(category="other", description="晚上十点以后工地还在施工，打桩机声音特别大")
    complaint.refresh_from_db()
    assert complaint.district_id == qindu.id
    assert complaint.category == "other"  # what the complainant chose stays until the desk confirms
    assert complaint.suggested_category == "noise"
    assert 0.5 < complaint.suggestion_score <= 1
    triaged = complaint.events.get(kind=ComplaintEventKind.TRIAGED)
    assert triaged.data["suggested_category"] == "noise"


def test_haversine_and_box():
    # One minute of latitude is about 1,853 m.
    assert haversine_m(108.7, 34.35, 108.7, 34.35 + 1 / 60) == pytest.approx(1853, abs=5)
    _min_lon, max_lon, _min_lat, max_lat = bounding_box(108.7, 34.35, 300)
    assert haversine_m(108.7, 34.35, max_lon, 34.35) == pytest.approx(300, rel=0.01)
    assert haversine_m(108.7, 34.35, 108.7, max_lat) == pytest.approx(300, rel=0.01)


def offset(metres_north: float) -> tuple[float, float]:
    return QINDU_POINT[0], QINDU_POINT[1] + metres_north / 111_320


@pytest.mark.django_db
def test_a_complaint_near_an_earlier_one_of_the_same_category_is_linked(base_data, settings):
    settings.COMPLAINT_DUPLICATE_METRES = 300
    first = file_complaint(phone="13900000001")
    lon, lat = offset(200)
    second = file_complaint(longitude=lon, latitude=lat, phone="13900000002")
    third = file_complaint(longitude=lon, latitude=lat, phone="13900000003")
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.duplicate_of_id == first.pk
    assert third.duplicate_of_id == first.pk  # the earliest, never a chain
    linked = second.events.get(kind=ComplaintEventKind.DUPLICATE_LINKED)
    assert linked.data["reason"] == "place"
    assert 190 <= linked.data["distance_m"] <= 210


@pytest.mark.django_db
def test_no_link_for_another_category_farther_away_or_outside_the_window(base_data, settings):
    settings.COMPLAINT_DUPLICATE_METRES = 300
    settings.COMPLAINT_DUPLICATE_DAYS = 7
    first = file_complaint(phone="13900000001")
    other_category = file_complaint(category="noise", description="夜间施工噪声很大", phone="13900000002")
    lon, lat = offset(400)
    too_far = file_complaint(longitude=lon, latitude=lat, phone="13900000003")
    Complaint.objects.filter(pk=first.pk).update(created=timezone.now() - timedelta(days=8))
    for item in (other_category, too_far):
        item.refresh_from_db()
        assert item.duplicate_of_id is None
    late = file_complaint(phone="13900000004")
    late.refresh_from_db()
    assert late.duplicate_of_id is None  # the first one is 8 days old, the window is 7
    assert not Complaint.objects.filter(pk__in=[other_category.pk, too_far.pk, late.pk], duplicate_of__isnull=False)


@pytest.mark.django_db
def test_the_same_caller_about_the_same_kind_of_problem_elsewhere_is_linked(base_data):
    first = file_complaint(phone="138 0029 5678")
    elsewhere = file_complaint(longitude=BINZHOU_POINT[0], latitude=BINZHOU_POINT[1], phone="13800295678")
    elsewhere.refresh_from_db()
    assert elsewhere.duplicate_of_id == first.pk
    assert elsewhere.events.get(kind=ComplaintEventKind.DUPLICATE_LINKED).data["reason"] == "phone"
    anonymous = file_complaint(longitude=BINZHOU_POINT[0], latitude=BINZHOU_POINT[1] + 0.01, phone="", anonymous=True)
    anonymous.refresh_from_db()
    assert anonymous.duplicate_of_id is None


def test_warm_up_loads_the_segmenter_and_the_model():
    from ecobrain.complaints.triage import classifier

    classifier.reset_model()
    classifier.warm_up()
    assert classifier._model is not None and classifier._jieba is not None
