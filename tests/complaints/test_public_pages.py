"""The public complaint pages over HTTP: filing (web and app), rate limits, tracking, rating, published complaints."""

from __future__ import annotations

import io
import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from ecobrain.complaints.choices import ComplaintChannel, ComplaintEventKind, ComplaintStatus, Satisfaction
from ecobrain.complaints.models import Complaint, ComplaintEvent
from ecobrain.complaints.services import reveal, submit_complaint
from ecobrain.complaints.services.rating import rate_complaint

QINDU_POINT = (108.70, 34.35)  # inside 秦都区 (610402)
PHONE = "13800295678"
NAME = "王秀兰"
NEW_URL = "/public/complaints/new/"


def jpeg(name="photo.jpg", size=(64, 48)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 80, 40)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def form_data(**overrides) -> dict:
    data = {
        "category": "air",
        "description": "化工厂夜间排放刺鼻气味，持续两周",
        "address": "秦都区渭阳西路",
        "longitude": str(QINDU_POINT[0]),
        "latitude": str(QINDU_POINT[1]),
        "contact_name": NAME,
        "phone": PHONE,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def filed(**overrides) -> Complaint:
    fields = {
        "channel": ComplaintChannel.WEB,
        "category": "noise",
        "description": "工地夜间施工噪声扰民，凌晨两点仍在打桩",
        "longitude": QINDU_POINT[0],
        "latitude": QINDU_POINT[1],
        "phone": PHONE,
        "contact_name": NAME,
    }
    fields.update(overrides)
    return submit_complaint(**fields)


def replied(
    complaint: Complaint, reply="已责令施工单位夜间停工，并处罚款。", *, status=ComplaintStatus.REPLIED
) -> Complaint:
    """What the handling service does (written by another module): set here directly, with a public event."""
    now = timezone.now()
    complaint.status = status
    complaint.reply = reply
    complaint.replied_at = now
    if status == ComplaintStatus.CLOSED:
        complaint.closed_at = now
    complaint.save()
    ComplaintEvent.objects.create(
        complaint=complaint,
        kind=ComplaintEventKind.REPLIED,
        at=now,
        from_status=ComplaintStatus.DISPATCHED,
        to_status=ComplaintStatus.REPLIED,
        message=reply,
        public=True,
    )
    return complaint


# --- filing ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_page_has_the_inputs_a_citizen_and_the_browser_test_need(client, base_data):
    response = client.get(NEW_URL)
    assert response.status_code == 200
    html = response.content.decode()
    for element_id in (
        "id_category_air",
        "id_category_water",
        "id_category_noise",
        "id_category_solid_waste",
        "id_category_radiation",
        "id_category_ecology",
        "id_category_other",
        "id_description",
        "id_address",
        "id_longitude",
        "id_latitude",
        "id_photos",
        "id_phone",
        "id_anonymous",
    ):
        assert f'id="{element_id}"' in html, element_id
    assert "提交投诉" in html
    assert 'accept="image/*"' in html
    assert "csrfmiddlewaretoken" in html
    assert 'id="city-outline"' in html and '"type": "Feature"' in html  # the city outline ships with the page
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_filing_over_http_gives_a_tracking_number_page(client, qindu):
    response = client.post(NEW_URL, {**form_data(), "photos": [jpeg("a.jpg"), jpeg("b.jpg")]})
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert response["Location"] == reverse("complaints_public:filed", args=[complaint.tracking_number])
    assert complaint.channel == ComplaintChannel.WEB
    assert complaint.district_id == qindu.id
    assert complaint.photos.count() == 2
    assert reveal(complaint.phone_encrypted) == PHONE
    assert reveal(complaint.contact_name_encrypted) == NAME

    page = client.get(response["Location"])
    html = page.content.decode()
    assert re.search(rf'id="tracking-number"[^>]*>{complaint.tracking_number}<', html)
    assert reverse("complaints_public:detail", args=[complaint.tracking_number]) in html
    assert "data-copy-target" in html
    assert PHONE not in html and NAME not in html


@pytest.mark.django_db
def test_the_app_link_files_on_the_mobile_channel(client, base_data):
    assert 'name="app" value="1"' in client.get(NEW_URL + "?app=1").content.decode()
    response = client.post(NEW_URL + "?app=1", {**form_data(), "app": "1"})
    assert response.status_code == 302
    assert response["Location"].endswith("?app=1")
    assert Complaint.objects.get().channel == ComplaintChannel.MOBILE


@pytest.mark.django_db
def test_bad_input_re_renders_the_form_with_a_message_per_field_and_keeps_the_phone_out_of_logs(
    client, base_data, caplog
):
    caplog.set_level(logging.DEBUG)
    response = client.post(
        NEW_URL,
        form_data(category="", description="太吵", phone="12345678", longitude="200", photos=None),
    )
    assert response.status_code == 200
    html = response.content.decode()
    for field in ("category", "description", "phone", "longitude"):
        assert f'data-error-for="{field}"' in html, field
    assert "请选择投诉类别" in html
    assert "联系电话格式不正确" in html
    assert Complaint.objects.count() == 0
    assert "12345678" not in caplog.text


@pytest.mark.django_db
def test_a_file_that_is_not_an_image_is_refused_and_the_photos_must_be_chosen_again(client, base_data):
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.7\n" + b"x" * 200, content_type="image/jpeg")
    response = client.post(NEW_URL, {**form_data(), "photos": [fake]})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-error-for="photos"' in html and "不是图片" in html
    assert 'id="photos-dropped"' in html
    # What was typed stays, so only the photos need choosing again.
    assert "化工厂夜间排放刺鼻气味" in html
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_an_oversize_photo_is_refused_with_its_size(client, base_data, settings):
    settings.COMPLAINT_PHOTO_MAX_MB = 1
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff\xe0" + b"\0" * (1024 * 1024 + 10), content_type="image/jpeg")
    response = client.post(NEW_URL, {**form_data(), "photos": [big]})
    html = response.content.decode()
    assert 'data-error-for="photos"' in html
    assert "超过上限 1 MB" in html
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_too_many_photos_are_refused(client, base_data, settings):
    settings.COMPLAINT_MAX_PHOTOS = 1
    response = client.post(NEW_URL, {**form_data(), "photos": [jpeg("a.jpg"), jpeg("b.jpg")]})
    assert "一次最多上传 1 个文件" in response.content.decode()
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_an_anonymous_complaint_needs_no_phone_and_keeps_no_name(client, base_data):
    response = client.post(NEW_URL, form_data(phone="", contact_name=NAME, anonymous="on"))
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.is_anonymous
    assert complaint.phone_encrypted == "" and complaint.contact_name_encrypted == ""


@pytest.mark.django_db
def test_a_named_complaint_without_a_phone_is_refused(client, base_data):
    response = client.post(NEW_URL, form_data(phone=""))
    assert 'data-error-for="phone"' in response.content.decode()
    assert Complaint.objects.count() == 0


# --- rate limits -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_filing_is_rate_limited_per_client_address_with_a_chinese_429(client, base_data, settings, caplog):
    settings.COMPLAINT_RATE_PER_HOUR = 2
    for _attempt in range(2):
        assert client.post(NEW_URL, form_data()).status_code == 302
    caplog.set_level(logging.DEBUG)
    response = client.post(NEW_URL, form_data())
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert "操作过于频繁" in response.content.decode()
    assert Complaint.objects.count() == 2
    assert PHONE not in caplog.text and "127.0.0.1" not in caplog.text
    # Another address has its own budget.
    assert client.post(NEW_URL, form_data(), REMOTE_ADDR="10.0.0.9").status_code == 302
    # Reading the form is not counted.
    assert client.get(NEW_URL).status_code == 200


@pytest.mark.django_db
def test_the_daily_filing_limit_applies_too(client, base_data, settings):
    settings.COMPLAINT_RATE_PER_DAY = 1
    assert client.post(NEW_URL, form_data()).status_code == 302
    assert client.post(NEW_URL, form_data()).status_code == 429


@pytest.mark.django_db
def test_tracking_lookups_are_rate_limited(client, base_data, settings):
    settings.COMPLAINT_TRACK_RATE_PER_MINUTE = 3
    number = filed().tracking_number
    url = reverse("complaints_public:detail", args=[number])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(url)
    assert limited.status_code == 429 and "Retry-After" in limited
    assert client.get(reverse("complaints_public:track"), {"number": number}).status_code == 429
    assert client.get(reverse("complaints_public:filed", args=[number])).status_code == 429


# --- tracking ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_track_form_finds_a_complaint_by_its_number_as_typed(client, base_data):
    number = filed().tracking_number
    typed = f" {number[:6].lower()}-{number[6:]} "
    response = client.get(reverse("complaints_public:track"), {"number": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints_public:detail", args=[number])


@pytest.mark.django_db
def test_an_unknown_number_gets_a_friendly_404(client, base_data):
    response = client.get(reverse("complaints_public:track"), {"number": "TS20990101ZZZZZZ"})
    assert response.status_code == 404
    assert "未找到这件投诉" in response.content.decode()
    response = client.get(reverse("complaints_public:detail", args=["TS20990101ZZZZZZ"]))
    assert response.status_code == 404
    assert "未找到这件投诉" in response.content.decode()


@pytest.mark.django_db
def test_the_tracking_page_shows_progress_district_and_public_events_without_personal_data(client, qindu):
    complaint = filed(address="秦都区渭阳西路 88 号王家", photos=[jpeg()])
    staff_note = ComplaintEvent.objects.create(
        complaint=complaint,
        kind=ComplaintEventKind.NOTE,
        at=timezone.now(),
        message="内部备注：联系网格员",
        public=False,
    )
    response = client.get(reverse("complaints_public:detail", args=[complaint.tracking_number]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert complaint.tracking_number in html
    assert "秦都区" in html and "噪声污染" in html
    assert 'aria-current="step"' in html  # 受理 is the current step
    assert "提交投诉" in html  # the SUBMITTED public event
    assert staff_note.message not in html
    for personal in (PHONE, complaint.phone_masked, NAME, "王家", "/media/", complaint.photos.get().file.name):
        assert personal not in html, personal
    assert 'id="complaint-reply"' not in html
    assert 'id="rating-form"' not in html  # not before the reply


@pytest.mark.django_db
def test_the_reply_is_shown_escaped(client, base_data):
    complaint = replied(filed(), reply='<script>alert("x")</script>已处理')
    html = client.get(reverse("complaints_public:detail", args=[complaint.tracking_number])).content.decode()
    assert 'id="complaint-reply"' in html
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;已处理" in html
    assert 'id="rating-form"' in html


@pytest.mark.django_db
def test_a_rejected_complaint_shows_its_reason_and_no_stepper(client, base_data):
    complaint = filed()
    Complaint.objects.filter(pk=complaint.pk).update(
        status=ComplaintStatus.REJECTED, reject_reason="不属于环保部门职责"
    )
    html = client.get(reverse("complaints_public:detail", args=[complaint.tracking_number])).content.decode()
    assert 'id="complaint-rejected"' in html and "不属于环保部门职责" in html
    assert "eb-stepper" not in html


# --- rating ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_complainant_rates_the_reply_once(client, base_data):
    complaint = replied(filed())
    url = reverse("complaints_public:rate", args=[complaint.tracking_number])
    response = client.post(url, {"satisfaction": "3", "comment": "处理及时"})
    assert response.status_code == 302 and response["Location"].endswith("?rated=1")
    complaint.refresh_from_db()
    assert complaint.satisfaction == Satisfaction.SATISFIED
    assert complaint.satisfaction_comment == "处理及时"
    rated = complaint.events.get(kind=ComplaintEventKind.RATED)
    assert rated.public and rated.actor is None
    html = client.get(response["Location"]).content.decode()
    assert 'id="rating-thanks"' in html and 'id="complaint-rating"' in html and 'id="rating-form"' not in html

    again = client.post(url, {"satisfaction": "1"})
    assert again.status_code == 400
    complaint.refresh_from_db()
    assert complaint.satisfaction == Satisfaction.SATISFIED
    assert complaint.events.filter(kind=ComplaintEventKind.RATED).count() == 1


@pytest.mark.django_db
def test_rating_before_the_reply_is_refused(client, base_data):
    complaint = filed()
    response = client.post(reverse("complaints_public:rate", args=[complaint.tracking_number]), {"satisfaction": "3"})
    assert response.status_code == 400
    assert "答复后才能评价" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.satisfaction is None


@pytest.mark.django_db
def test_rate_complaint_checks_its_input_and_state(base_data):
    complaint = filed()
    with pytest.raises(Exception) as caught:
        rate_complaint(complaint, satisfaction=3)
    assert "satisfaction" in caught.value.message_dict
    closed = replied(filed(), status=ComplaintStatus.CLOSED)
    for bad in (0, 4, "abc", None):
        with pytest.raises(Exception) as caught:
            rate_complaint(closed, satisfaction=bad)
        assert "satisfaction" in caught.value.message_dict
    with pytest.raises(Exception) as caught:
        rate_complaint(closed, satisfaction=2, comment="好" * 501)
    assert "comment" in caught.value.message_dict
    rate_complaint(closed, satisfaction=2, comment="  基本满意  ")
    closed.refresh_from_db()
    assert (closed.satisfaction, closed.satisfaction_comment) == (2, "基本满意")


# --- published complaints ----------------------------------------------------------------------------------------


def published(complaint: Complaint, *, text: str, reply: str, satisfaction=None) -> Complaint:
    replied(complaint, status=ComplaintStatus.CLOSED)
    Complaint.objects.filter(pk=complaint.pk).update(
        published=True, published_at=timezone.now(), public_text=text, public_reply=reply, satisfaction=satisfaction
    )
    complaint.refresh_from_db()
    return complaint


@pytest.mark.django_db
def test_the_published_list_shows_cleaned_text_only_and_filters(client, qindu, binzhou):
    noise = published(filed(), text="某工地夜间施工噪声扰民", reply="已责令停工", satisfaction=3)
    bz_point = (108.08, 35.03)  # 彬州市
    water = published(
        filed(category="water", longitude=bz_point[0], latitude=bz_point[1]),
        text="某厂向河道排放污水",
        reply="已立案查处",
    )
    filed(category="air")  # not published: never listed
    assert water.district_id == binzhou.id

    url = reverse("complaints_public:published")
    html = client.get(url).content.decode()
    assert "某工地夜间施工噪声扰民" in html and "某厂向河道排放污水" in html
    assert "满意" in html
    for raw in ("凌晨两点仍在打桩", PHONE, NAME, noise.tracking_number):
        assert raw not in html
    assert "共 2 件" in html

    by_category = client.get(url, {"category": "water"}).content.decode()
    assert "某厂向河道排放污水" in by_category and "某工地夜间施工噪声扰民" not in by_category
    by_district = client.get(url, {"district": "610402"}).content.decode()
    assert "某工地夜间施工噪声扰民" in by_district and "某厂向河道排放污水" not in by_district
    by_words = client.get(url, {"q": "河道"}).content.decode()
    assert "某厂向河道排放污水" in by_words and "某工地夜间施工噪声扰民" not in by_words
    assert "某厂向河道排放污水" in client.get(url, {"q": "立案"}).content.decode()  # the reply is searched too
    empty = client.get(url, {"category": "radiation"}).content.decode()
    assert "没有符合筛选条件的公开投诉" in empty
    # Unknown filter values are ignored rather than failing.
    assert client.get(url, {"category": "<x>", "district": "999999", "page": "abc"}).status_code == 200


@pytest.mark.django_db
def test_the_published_list_is_paginated_with_bounded_queries(client, base_data, django_assert_max_num_queries):
    for index in range(23):
        published(filed(), text=f"公开投诉第{index}件", reply="已处理")
    url = reverse("complaints_public:published")
    with django_assert_max_num_queries(4):
        first = client.get(url).content.decode()
    assert first.count('class="card mb-3 published-complaint"') == 20
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('class="card mb-3 published-complaint"') == 3


@pytest.mark.django_db
def test_the_published_list_has_an_empty_state(client, base_data):
    assert "暂无公开的投诉" in client.get(reverse("complaints_public:published")).content.decode()


@pytest.mark.django_db
def test_the_tracking_page_reads_in_a_bounded_number_of_queries(client, base_data, django_assert_max_num_queries):
    complaint = replied(filed())
    for index in range(10):
        ComplaintEvent.objects.create(
            complaint=complaint, kind=ComplaintEventKind.NOTE, at=timezone.now(), message=f"进展{index}", public=True
        )
    with django_assert_max_num_queries(3):
        html = client.get(reverse("complaints_public:detail", args=[complaint.tracking_number])).content.decode()
    assert html.count("进展") == 10
