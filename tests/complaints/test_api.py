"""The staff complaint API: gated reads without personal data, the page's filters, the steps as POSTs."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from ecobrain.complaints.choices import ComplaintStatus
from ecobrain.complaints.models import Complaint
from tests.complaints.conftest import BINZHOU_POINT, file_complaint

BASE = "/api/v1/complaints/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_list_and_detail_carry_no_name_or_phone(base_data, city_staff):
    complaint = file_complaint(contact_name="王小明", description="油烟太大，请回电13912345678")
    listed = api(city_staff).get(BASE)
    assert listed.status_code == 200
    row = listed.json()["results"][0]
    assert row["tracking_number"] == complaint.tracking_number and row["phone_masked"] == "138****5678"
    detail = api(city_staff).get(f"{BASE}{complaint.pk}/")
    assert detail.status_code == 200
    text = detail.content.decode()
    assert detail.json()["description"] == "油烟太大，请回电***"
    for secret in ("13800295678", "13912345678", "王小明", "phone_encrypted", "phone_digest", "contact_name"):
        assert secret not in text
    assert {"confirm", "reject", "reply"} <= set(detail.json()["steps"])


@pytest.mark.django_db
def test_reads_are_gated_by_role_and_district(base_data, qindu_handler, binzhou_handler, consumer, enterprise_user):
    inside = file_complaint()
    outside = file_complaint(longitude=BINZHOU_POINT[0], latitude=BINZHOU_POINT[1], phone="13900000009")
    numbers = {row["tracking_number"] for row in api(qindu_handler).get(BASE).json()["results"]}
    assert numbers == {inside.tracking_number}
    assert api(qindu_handler).get(f"{BASE}{outside.pk}/").status_code == 404
    assert api(binzhou_handler).get(f"{BASE}{outside.pk}/").status_code == 200
    for outsider in (consumer, enterprise_user):
        assert api(outsider).get(BASE).status_code == 403


@pytest.mark.django_db
def test_filters_are_the_pages(base_data, city_staff):
    file_complaint()
    noise = file_complaint(category="noise", description="夜间施工噪声", phone="13900000002")
    rows = api(city_staff).get(BASE, {"category": "noise"}).json()["results"]
    assert [row["tracking_number"] for row in rows] == [noise.tracking_number]
    assert api(city_staff).get(BASE, {"status": "nonsense"}).status_code == 400


@pytest.mark.django_db
def test_the_steps_as_posts(base_data, city_staff, qindu_handler, binzhou_handler, qindu):
    complaint = file_complaint()
    url = f"{BASE}{complaint.pk}/"
    assert api(qindu_handler).post(url + "confirm/", {"category": "air", "district": qindu.pk}).status_code == 403
    bad = api(city_staff).post(url + "confirm/", {"category": "smell", "district": qindu.pk}, format="json")
    assert bad.status_code == 400 and "category" in bad.json()
    ok = api(city_staff).post(url + "confirm/", {"category": "air", "district": qindu.pk}, format="json")
    assert ok.status_code == 200 and ok.json()["triage_confirmed"] is True
    sent = api(city_staff).post(url + "dispatch/", {"priority": 3}, format="json")
    assert sent.status_code == 200 and sent.json()["status"] == ComplaintStatus.DISPATCHED
    assert sent.json()["workorder_number"].startswith("RW")
    assert api(binzhou_handler).post(url + "reply/", {"text": "已处理"}, format="json").status_code == 404
    replied = api(qindu_handler).post(url + "reply/", {"text": "已责令整改。"}, format="json")
    assert replied.status_code == 200 and replied.json()["reply"] == "已责令整改。"
    again = api(city_staff).post(url + "dispatch/", {}, format="json")
    assert again.status_code == 400 and "不能派发办理" in str(again.json())
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.REPLIED
