"""Filing a complaint (the service under every channel): checks, personal data protected, photos, triage."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ecobrain.complaints.choices import ComplaintChannel, ComplaintEventKind, ComplaintStatus
from ecobrain.complaints.models import Complaint
from ecobrain.complaints.services import mask_phone, normalise_phone, reveal, submit_complaint
from ecobrain.complaints.services.submission import TRACKING_ALPHABET

# A point inside 秦都区 (610402), the city's boundaries from the base data.
QINDU_POINT = (108.70, 34.35)


def jpeg(name="photo.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def file(**overrides):
    fields = {
        "channel": ComplaintChannel.WEB,
        "category": "air",
        "description": "化工厂夜间排放刺鼻气味，持续两周",
        "longitude": QINDU_POINT[0],
        "latitude": QINDU_POINT[1],
        "phone": "138 0029 5678",
    }
    fields.update(overrides)
    return submit_complaint(**fields)


@pytest.mark.django_db
def test_complaint_is_filed_with_tracking_number_district_and_encrypted_phone(base_data, qindu):
    complaint = file(photos=[jpeg()])
    assert complaint.tracking_number.startswith("TS")
    assert len(complaint.tracking_number) == 16
    assert set(complaint.tracking_number[10:]) <= set(TRACKING_ALPHABET)
    assert complaint.status == ComplaintStatus.RECEIVED
    assert complaint.district_id == qindu.id
    row = Complaint.objects.values("phone_encrypted", "phone_masked").get(pk=complaint.pk)
    assert "13800295678" not in row["phone_encrypted"]
    assert row["phone_masked"] == "138****5678"
    assert reveal(row["phone_encrypted"]) == "13800295678"
    assert complaint.photos.count() == 1
    kinds = list(complaint.events.values_list("kind", flat=True))
    assert kinds == [ComplaintEventKind.SUBMITTED, ComplaintEventKind.TRIAGED]


@pytest.mark.django_db
def test_bad_input_names_each_field_and_stores_nothing(base_data):
    with pytest.raises(ValidationError) as caught:
        file(category="noise-ish", description="", phone="12345", longitude=200.0, photos=[jpeg()])
    errors = caught.value.message_dict
    assert {"category", "description", "phone", "longitude"} <= set(errors)
    assert "12345" not in str(errors["phone"])  # the number is never echoed (messages reach logs)
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_a_file_that_is_not_an_image_is_refused_by_its_content(base_data):
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.7\n" + b"x" * 200, content_type="image/jpeg")
    with pytest.raises(ValidationError) as caught:
        file(photos=[fake])
    assert "photos" in caught.value.message_dict
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_anonymous_complaint_needs_no_phone_but_a_named_one_does(base_data):
    assert file(phone="", anonymous=True).phone_masked == ""
    with pytest.raises(ValidationError) as caught:
        file(phone="", anonymous=False)
    assert "phone" in caught.value.message_dict


@pytest.mark.django_db
def test_a_place_is_needed_typed_or_picked(base_data):
    with pytest.raises(ValidationError) as caught:
        file(longitude=None, latitude=None, address="")
    assert "address" in caught.value.message_dict
    assert file(longitude=None, latitude=None, address="秦都区渭阳西路").district_id is None


@pytest.mark.parametrize(
    ("typed", "normal", "masked"),
    [("+86 139-1234-5678", "13912345678", "139****5678"), ("029-33221100", "02933221100", "029****1100")],
)
def test_phone_numbers_are_normalised_and_masked(typed, normal, masked):
    assert normalise_phone(typed) == normal
    assert mask_phone(normal) == masked
