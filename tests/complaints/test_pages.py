"""The staff complaint pages over HTTP: list (tabs, filters, exports without personal data), detail per persona,
the step forms, the phone reveal, photos through the gate, the phone intake."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from ecobrain.complaints.choices import ComplaintChannel, ComplaintEventKind, ComplaintStatus
from ecobrain.complaints.models import Complaint
from ecobrain.complaints.services import confirm_triage, dispatch_complaint
from tests.complaints.conftest import BINZHOU_POINT, file_complaint
from tests.workorders.conftest import client_for

LIST = reverse("complaints:complaint_list")


def detail(complaint) -> str:
    return reverse("complaints:complaint_detail", args=[complaint.pk])


def step(complaint, name) -> str:
    return reverse("complaints:complaint_step", args=[complaint.pk, name])


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(out, "JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.mark.django_db
def test_the_list_shows_tabs_and_costs_the_same_queries_for_more_rows(
    base_data, city_staff, django_assert_max_num_queries
):
    for index in range(3):
        file_complaint(phone=f"1390000000{index}")
    client = client_for(city_staff)
    with django_assert_max_num_queries(20) as few:
        response = client.get(LIST)
    assert response.status_code == 200
    for index in range(3, 30):
        file_complaint(phone=f"139000000{index:02d}", longitude=108.70 + index * 0.001)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "电话登记" in body and "待受理" in body


@pytest.mark.django_db
def test_filters_and_search(base_data, city_staff, qindu):
    air = file_complaint(phone="13900000001")
    noise = file_complaint(category="noise", description="夜间施工噪声很大", phone="13900000002")
    far = file_complaint(longitude=BINZHOU_POINT[0], latitude=BINZHOU_POINT[1], phone="13900000003")
    Complaint.objects.filter(pk=far.pk).update(status=ComplaintStatus.REJECTED)
    client = client_for(city_staff)

    def numbers(**query):
        response = client.get(LIST, query)
        assert response.status_code == 200
        return {c.tracking_number for c, _values in response.context["rows"]}

    assert numbers(category="noise") == {noise.tracking_number}
    assert numbers(district=qindu.pk) == {air.tracking_number, noise.tracking_number}
    assert numbers(status="rejected") == {far.tracking_number}
    assert numbers(status="open") == {air.tracking_number, noise.tracking_number}
    assert numbers(q=air.tracking_number.lower()) == {air.tracking_number}
    assert numbers(q="施工") == {noise.tracking_number}
    assert numbers(channel=ComplaintChannel.PHONE) == set()
    assert numbers(created_from="2000-01-01", created_to="2000-01-02") == set()
    assert client.get(LIST, {"created_from": "not a date"}).status_code == 200  # a form error, not a 500


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_hold_no_personal_data(base_data, city_staff, fmt):
    file_complaint(description="我的电话13912345678，楼下油烟太大了", contact_name="王小明")
    response = client_for(city_staff).get(LIST, {"export": fmt})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content)).active
        text = "\n".join(str(cell.value) for row in sheet.iter_rows() for cell in row)
    else:
        text = content.decode("utf-8-sig")
    assert "楼下油烟太大了" in text
    for secret in ("13912345678", "13800295678", "138****5678", "王小明"):
        assert secret not in text


@pytest.mark.django_db
def test_a_handler_sees_the_complaints_of_their_district_only(
    base_data, qindu_handler, binzhou_handler, city_staff, qindu
):
    complaint = file_complaint()
    dispatch_complaint(confirm_triage(complaint, actor=city_staff, category="air", district=qindu), actor=city_staff)
    inside = client_for(qindu_handler).get(detail(complaint))
    assert inside.status_code == 200
    body = inside.content.decode()
    assert reverse("workorders:workorder_detail", args=[Complaint.objects.get(pk=complaint.pk).workorder_id]) in body
    assert 'id="id_reply"' in body and "提交答复" in body
    assert "13800295678" not in body and "138****5678" in body
    assert client_for(binzhou_handler).get(detail(complaint)).status_code == 404
    listed = client_for(binzhou_handler).get(LIST)
    assert complaint.tracking_number not in listed.content.decode()


@pytest.mark.django_db
def test_the_handler_replies_through_the_page(base_data, qindu_handler, city_staff, qindu):
    complaint = file_complaint()
    dispatch_complaint(confirm_triage(complaint, actor=city_staff, category="air", district=qindu), actor=city_staff)
    client = client_for(qindu_handler)
    empty = client.post(step(complaint, "reply"), {"reply": "  "})
    assert empty.status_code == 400 and "答复内容" in empty.content.decode()
    done = client.post(step(complaint, "reply"), {"reply": "已到现场核查，责令整改。"})
    assert done.status_code == 302
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.REPLIED
    assert client.post(step(complaint, "dispatch"), {}).status_code == 403  # the branch does not dispatch


@pytest.mark.django_db
def test_the_desk_confirms_and_dispatches_through_the_page(base_data, city_staff, qindu):
    complaint = file_complaint()
    client = client_for(city_staff)
    page = client.get(detail(complaint)).content.decode()
    assert "确认分拣" in page and "系统建议类别" in page
    bad = client.post(step(complaint, "confirm"), {"confirm-category": "air", "confirm-district": qindu.pk,
                                                   "confirm-duplicate_of": "TS20200101AAAAAA"})  # fmt: skip
    assert bad.status_code == 400 and "没有查询码" in bad.content.decode()
    ok = client.post(step(complaint, "confirm"), {"confirm-category": "air", "confirm-district": qindu.pk})
    assert ok.status_code == 302
    sent = client.post(step(complaint, "dispatch"), {"dispatch-priority": 3, "dispatch-note": "请尽快核查"})
    assert sent.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.DISPATCHED and complaint.workorder.priority == 3


@pytest.mark.django_db
def test_showing_the_phone_writes_an_event_and_is_not_cached(base_data, qindu_handler, bureau_leader):
    complaint = file_complaint()
    assert client_for(bureau_leader).post(step(complaint, "reveal")).status_code == 403
    response = client_for(qindu_handler).post(step(complaint, "reveal"))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "13800295678" in response.content.decode()
    event = complaint.events.get(kind=ComplaintEventKind.NOTE)
    assert event.actor == qindu_handler and "13800295678" not in event.message + str(event.data)


@pytest.mark.django_db
def test_photos_are_served_through_the_gate(base_data, qindu_handler, binzhou_handler, client):
    complaint = file_complaint(photos=[jpeg()])
    photo = complaint.photos.get()
    url = reverse("complaints:photo", args=[photo.pk])
    response = client_for(qindu_handler).get(url + "?thumb=1")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(binzhou_handler).get(url).status_code == 404
    assert client.get(url).status_code == 302  # to the login page
    assert url in client_for(qindu_handler).get(detail(complaint)).content.decode()


@pytest.mark.django_db
def test_phone_intake_files_for_the_caller(base_data, city_staff, qindu_handler):
    client = client_for(city_staff)
    assert client.get(reverse("complaints:complaint_add")).status_code == 200
    bad = client.post(reverse("complaints:complaint_add"), {"category": "noise", "description": "吵", "phone": "123"})
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"description", "phone", "address"}  # each named, nothing stored
    assert "格式不正确" in bad.content.decode() and not Complaint.objects.exists()
    done = client.post(
        reverse("complaints:complaint_add"),
        {
            "category": "noise",
            "description": "广场舞音响太大，每晚到十点",
            "address": "秦都区人民广场",
            "phone": "13912345678",
        },
    )
    assert done.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.channel == ComplaintChannel.PHONE and complaint.phone_masked == "139****5678"
    assert complaint.events.get(kind=ComplaintEventKind.SUBMITTED).actor == city_staff
    assert client_for(qindu_handler).get(reverse("complaints:complaint_add")).status_code == 403


@pytest.mark.django_db
def test_user_text_is_escaped(base_data, city_staff):
    complaint = file_complaint(description="<script>alert(1)</script> 油烟很大", address="<b>渭阳路</b>")
    body = client_for(city_staff).get(detail(complaint)).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert "<b>渭阳路</b>" not in body


@pytest.mark.django_db
def test_status_tabs_count_the_complaints_in_scope(base_data, city_staff, qindu_handler):
    file_complaint(phone="13900000001")
    typed_only = file_complaint(longitude=None, latitude=None, address="某路口", phone="13900000002")
    Complaint.objects.filter(pk=typed_only.pk).update(status=ComplaintStatus.REJECTED)
    tabs = {key: count for key, _label, count in client_for(city_staff).get(LIST).context["tabs"]}
    assert tabs[""] == 2 and tabs["received"] == 1 and tabs["rejected"] == 1 and tabs["closed"] == 0
    # No district yet (a typed place only): city-wide staff see it, a district handler does not.
    handler_tabs = {key: count for key, _label, count in client_for(qindu_handler).get(LIST).context["tabs"]}
    assert handler_tabs[""] == 1 and handler_tabs["rejected"] == 0
    assert client_for(qindu_handler).get(detail(typed_only)).status_code == 404


@pytest.mark.django_db
def test_the_confirm_form_offers_the_suggestion_only_when_it_is_fairly_sure(base_data, city_staff):
    from ecobrain.complaints.forms import step_form

    complaint = file_complaint(category="other", description="晚上十点以后工地还在施工，打桩机声音特别大")
    assert step_form("confirm", complaint, city_staff).initial["category"] == "noise"
    Complaint.objects.filter(pk=complaint.pk).update(suggestion_score=0.4)
    complaint.refresh_from_db()
    assert step_form("confirm", complaint, city_staff).initial["category"] == "other"


@pytest.mark.django_db
def test_the_work_order_page_links_back_to_its_complaint(complaint, city_staff, qindu, client):
    confirm_triage(complaint, actor=city_staff, category="air", district=qindu)
    done = dispatch_complaint(Complaint.objects.get(pk=complaint.pk), actor=city_staff)
    client.force_login(city_staff)
    html = client.get(f"/workorders/{done.workorder_id}/").content.decode()
    assert f'href="/complaints/{complaint.pk}/">{complaint.tracking_number}</a>' in html
