"""The complaint pages in English: the public form (labels, category names, errors), the tracking page (status, the
progress steps, the timeline), Open311 (service names follow Accept-Language) and the staff complaint desk."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from ecobrain.complaints.models import Complaint
from ecobrain.complaints.services import confirm_triage, dispatch_complaint, reply_complaint
from tests.complaints.conftest import file_complaint
from tests.workorders.conftest import client_for

NEW_URL = "/public/complaints/new/"
CATEGORIES = ("Air pollution", "Water pollution", "Noise pollution", "Solid waste", "Radiation pollution",
              "Ecological damage")  # fmt: skip
CATEGORIES_ZH = ("大气污染", "水污染", "噪声污染", "固体废物", "辐射污染", "生态破坏")


@pytest.fixture(autouse=True)
def _reset_language():
    """A request activates its language for the thread; don't let English leak into later tests."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_the_complaint_form_in_english(client, base_data):
    response = english(client).get(NEW_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="en">' in body
    for text in ("Report an environmental problem", "Complaint category", "Location of the problem",
                 "Location description", "Photos", "Contact phone", "Contact name (optional)",
                 "Anonymous complaint (no phone number, so no follow-up call)", "Submit complaint",
                 "Use my location", *CATEGORIES):  # fmt: skip
        assert text in body, text
    for chinese in ("环境投诉举报", "投诉类别", "问题地点", "联系电话", "提交投诉", "使用我的位置", *CATEGORIES_ZH):
        assert chinese not in body, chinese


@pytest.mark.django_db
def test_a_bad_complaint_gets_english_errors(client, base_data):
    data = {"category": "air", "description": "臭", "address": "秦都区渭阳西路", "phone": "12345"}
    response = english(client).post(NEW_URL, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "The complaint was not submitted: please correct the marked fields and submit again." in body
    assert "Please describe the problem (at least 5 characters)." in body
    assert "Invalid phone number: enter an 11-digit mobile number" in body
    assert "请描述投诉的问题" not in body and "联系电话格式不正确" not in body
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_the_tracking_page_shows_the_english_status_and_steps(client, base_data):
    complaint = file_complaint(category="noise")
    url = reverse("complaints_public:detail", args=[complaint.tracking_number])
    body = english(client).get(url).content.decode()
    assert re.search(r'id="complaint-status">Awaiting acceptance<', body)
    assert "Complaint progress" in body and "Noise pollution" in body
    for step in ("Received", "Handling", "Replied", "Closed"):
        assert step in body, step
    assert "Complaint submitted" in body  # the timeline entry, apart from the form's button (Submit complaint)
    assert "Actions" not in body  # 办理 as the work-order column would put it
    for chinese in ("投诉办理进度", "待受理", "噪声污染", "办理进度", "提交投诉", "（进行中）"):
        assert chinese not in body, chinese


@pytest.mark.django_db
def test_a_replied_complaint_tracks_as_replied_in_english(client, base_data, city_staff, qindu_handler, qindu):
    complaint = file_complaint()
    complaint = confirm_triage(complaint, actor=city_staff, category="air", district=qindu)
    complaint = dispatch_complaint(complaint, actor=city_staff)
    reply_complaint(complaint, actor=qindu_handler, text="已责令烧烤店安装油烟净化器。")
    url = reverse("complaints_public:detail", args=[complaint.tracking_number])
    body = english(client).get(url).content.decode()
    assert re.search(r'id="complaint-status">Replied<', body)
    assert "Rate the handling" in body and "Satisfied" in body and "Fairly satisfied" in body
    assert "Dispatch for handling" in body
    assert "已答复" not in body and "对办理结果评价" not in body and "基本满意" not in body
    assert "已责令烧烤店安装油烟净化器。" in body  # the reply stays as written


@pytest.mark.django_db
def test_open311_service_names_follow_accept_language(client, base_data):
    english_services = json.loads(client.get("/open311/v2/services.json", HTTP_ACCEPT_LANGUAGE="en").content)
    names = {service["service_code"]: service["service_name"] for service in english_services}
    assert names["air"] == "Air pollution" and names["other"] == "Other"
    air = next(service for service in english_services if service["service_code"] == "air")
    assert air["group"] == "Environmental complaints"
    assert air["description"] == "Exhaust gas, smoke, odours, dust, open burning, etc."
    raw = json.dumps(english_services, ensure_ascii=False)
    assert "大气污染" not in raw and "环境投诉" not in raw
    chinese_services = json.loads(client.get("/open311/v2/services.json").content)
    assert {service["service_name"] for service in chinese_services} >= set(CATEGORIES_ZH)
    missing = client.get("/open311/v2/services/smell.json", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404
    assert "There is no service with the code smell." in missing.content.decode()


@pytest.mark.django_db
def test_the_staff_complaint_desk_in_english(base_data, city_staff):
    complaint = file_complaint()
    client = english(client_for(city_staff))
    body = client.get(reverse("complaints:complaint_list")).content.decode()
    for text in ("Complaint desk", "Phone intake", "Tracking number", "Channel", "Awaiting acceptance",
                 "Air pollution", "Website", "Possible duplicate", "1 record"):  # fmt: skip
        assert text in body, text
    for chinese in ("投诉受理", "电话登记", "查询码", "来源渠道", "待受理", "大气污染", "网站"):
        assert chinese not in body, chinese
    assert complaint.tracking_number in body
    page = client.get(reverse("complaints:complaint_detail", args=[complaint.pk])).content.decode()
    for text in ("Complaint details", "Triage", "Confirm triage", "Suggested category"):
        assert text in page, text
    for chinese in ("投诉信息", "确认分拣", "系统建议类别"):
        assert chinese not in page, chinese
