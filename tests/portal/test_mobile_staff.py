"""The staff side of the mobile app over HTTP: login redirect, my work orders, handling one on the phone (accept,
start, submit with a photo, comment) through the same gate and services as the desktop, and the alarms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ecobrain.alarms.choices import AlarmStatus, RuleKind
from ecobrain.workorders.choices import WorkOrderEventKind, WorkOrderStatus
from ecobrain.workorders.models import WorkOrder, WorkOrderAttachment
from ecobrain.workorders.services import accept_workorder, create_workorder, start_workorder
from tests.alarms import ui_data
from tests.workorders import conftest as workorder_fixtures
from tests.workorders.conftest import client_for, photo, upload

# The work-order personas and builders (tests/workorders/conftest.py), made fixtures of this module too.
_media_root = workorder_fixtures._media_root
city_staff = workorder_fixtures.city_staff
qindu_handler = workorder_fixtures.qindu_handler
binzhou_handler = workorder_fixtures.binzhou_handler
order = workorder_fixtures.order


def step(client, wo, name, data=None):
    return client.post(f"/m/staff/workorders/{wo.pk}/{name}/", data or {})


# --- sign-in and caching -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/m/staff/", "/m/staff/alarms/", "/m/staff/workorders/1/", "/m/staff/workorders/1/accept/"]
)
def test_staff_pages_ask_for_a_login_and_come_back(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_staff_pages_are_never_cached(order, qindu_handler):
    response = client_for(qindu_handler).get("/m/staff/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert "private" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_role_without_work_orders_is_refused(enterprise_user, login):
    assert login(enterprise_user).get("/m/staff/").status_code == 403


# --- my work orders ----------------------------------------------------------------------------------------


def test_my_work_orders_show_the_branch_open_orders_with_deadline_and_overdue_badge(
    order, city_staff, qindu, binzhou, qindu_handler, django_assert_max_num_queries
):
    late = create_workorder(actor=city_staff, title="超期的任务", district=qindu)
    WorkOrder.objects.filter(pk=late.pk).update(deadline=timezone.now() - timedelta(hours=2))
    closed = create_workorder(actor=city_staff, title="已办结的任务", district=qindu)
    WorkOrder.objects.filter(pk=closed.pk).update(status=WorkOrderStatus.CLOSED, closed_at=timezone.now())
    elsewhere = create_workorder(actor=city_staff, title="彬州的任务", district=binzhou)
    client = client_for(qindu_handler)
    with django_assert_max_num_queries(12):
        body = client.get("/m/staff/").content.decode()
    assert order.number in body and late.number in body
    assert closed.number not in body  # open orders by default
    assert elsewhere.number not in body  # another branch's order
    assert body.index(late.number) < body.index(order.number)  # nearest deadline first
    assert "已超期" in body
    assert f'href="/m/staff/workorders/{order.pk}/"' in body
    everything = client.get("/m/staff/?state=all").content.decode()
    assert closed.number in everything
    searched = client.get("/m/staff/", {"q": "超期"}).content.decode()
    assert late.number in searched and order.number not in searched


def test_my_work_orders_empty_state_and_pages(city_staff, qindu, qindu_handler):
    client = client_for(qindu_handler)
    assert "没有待办的任务" in client.get("/m/staff/").content.decode()
    for i in range(23):
        create_workorder(actor=city_staff, title=f"批量任务{i}", district=qindu)
    first = client.get("/m/staff/").content.decode()
    assert first.count("data-workorder=") == 20
    assert "第 1 / 2 页" in first
    second = client.get("/m/staff/?tab=org&state=open&q=&page=2").content.decode()
    assert second.count("data-workorder=") == 3


def test_user_text_is_escaped(city_staff, qindu, qindu_handler):
    create_workorder(actor=city_staff, title="<script>alert(1)</script>", district=qindu)
    body = client_for(qindu_handler).get("/m/staff/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# --- one work order ----------------------------------------------------------------------------------------


def test_an_order_outside_the_scope_does_not_exist(order, binzhou_handler):
    client = client_for(binzhou_handler)
    assert client.get(f"/m/staff/workorders/{order.pk}/").status_code == 404
    assert step(client, order, "accept").status_code == 404
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.DISPATCHED


def test_the_dispatching_side_may_not_sign_for_the_branch(order, city_staff):
    response = step(client_for(city_staff), order, "accept")
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.DISPATCHED


def test_unknown_step_is_404_and_a_get_goes_back_to_the_page(order, qindu_handler):
    client = client_for(qindu_handler)
    assert step(client, order, "close").status_code == 404  # a desktop step: not offered on the phone
    response = client.get(f"/m/staff/workorders/{order.pk}/accept/")
    assert response.status_code == 302 and response["Location"] == f"/m/staff/workorders/{order.pk}/"


def test_the_branch_handles_an_order_on_the_phone_accept_start_submit_with_a_photo(order, qindu_handler, city_staff):
    client = client_for(qindu_handler)
    page = client.get(f"/m/staff/workorders/{order.pk}/").content.decode()
    assert order.title in page and 'data-step="accept"' in page and 'data-step="submit"' not in page

    response = step(client, order, "accept", {"accept-message": "收到"})
    assert response.status_code == 302 and response["Location"] == f"/m/staff/workorders/{order.pk}/"
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.ACCEPTED
    assert "已签收任务" in client.get(response["Location"]).content.decode()

    assert step(client, order, "start").status_code == 302
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.IN_PROGRESS
    assert order.assignee == qindu_handler  # whoever starts an unassigned order handles it

    page = client.get(f"/m/staff/workorders/{order.pk}/").content.decode()
    assert 'accept="image/*" capture="environment" multiple' in page
    response = client.post(
        f"/m/staff/workorders/{order.pk}/submit/",
        {"submit-result": "已现场核查，企业已整改", "submit-attachments": [photo("现场1.jpg"), photo("现场2.jpg")]},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.SUBMITTED
    assert order.result == "已现场核查，企业已整改"
    files = WorkOrderAttachment.objects.filter(workorder=order)
    assert sorted(files.values_list("name", flat=True)) == ["现场1.jpg", "现场2.jpg"]
    assert {f.event.kind for f in files} == {WorkOrderEventKind.SUBMITTED}
    page = client.get(f"/m/staff/workorders/{order.pk}/").content.decode()
    assert f"/workorders/attachments/{files[0].pk}/?thumb=1" in page  # the photos show in the timeline
    # The city now checks it on the desktop; the phone only says so.
    city_page = client_for(city_staff).get(f"/m/staff/workorders/{order.pk}/").content.decode()
    assert "请在电脑版办理" in city_page and "审核办结" in city_page


def test_a_bad_photo_is_refused_with_the_reason_and_nothing_is_saved(order, qindu_handler):
    accept_workorder(order, actor=qindu_handler)
    start_workorder(order, actor=qindu_handler)
    client = client_for(qindu_handler)
    fake = upload("photo.jpg", b"MZ\x90\x00 not an image at all", "image/jpeg")
    response = client.post(
        f"/m/staff/workorders/{order.pk}/submit/", {"submit-result": "结果", "submit-attachments": [fake]}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "操作未完成，未保存任何内容" in body
    assert "photo.jpg" in body
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.IN_PROGRESS
    assert not WorkOrderAttachment.objects.filter(workorder=order).exists()


def test_submit_without_result_or_photo_says_what_is_missing(order, qindu_handler):
    accept_workorder(order, actor=qindu_handler)
    start_workorder(order, actor=qindu_handler)
    response = step(client_for(qindu_handler), order, "submit", {"submit-result": "  "})
    assert response.status_code == 400
    assert "请填写办理结果或上传佐证材料" in response.content.decode()


def test_comment_with_a_photo_from_the_phone(order, qindu_handler):
    client = client_for(qindu_handler)
    response = client.post(
        f"/m/staff/workorders/{order.pk}/comment/",
        {"comment-message": "已到现场", "comment-attachments": [photo()]},
    )
    assert response.status_code == 302
    assert order.events.filter(kind=WorkOrderEventKind.COMMENTED, message="已到现场").exists()
    assert WorkOrderAttachment.objects.filter(workorder=order).count() == 1


# --- alarms ------------------------------------------------------------------------------------------------


@pytest.fixture
def alarms(qindu, binzhou, enterprise_in_qindu, enterprise_in_binzhou):
    rule = ui_data.rule(RuleKind.EMISSION_EXCEEDANCE)
    mine = ui_data.alarm(rule, enterprise=enterprise_in_qindu, title="秦都企业超标")
    acked = ui_data.alarm(rule, enterprise=enterprise_in_qindu, title="已确认的报警", status=AlarmStatus.ACKNOWLEDGED)
    closed = ui_data.alarm(rule, enterprise=enterprise_in_qindu, title="已关闭的报警", status=AlarmStatus.CLOSED)
    other = ui_data.alarm(rule, enterprise=enterprise_in_binzhou, title="彬州企业超标")
    return {"mine": mine, "acked": acked, "closed": closed, "other": other}


def test_alarms_show_the_open_ones_in_scope(alarms, handler, login):
    body = login(handler).get("/m/staff/alarms/").content.decode()
    assert "秦都企业超标" in body and "已确认的报警" in body
    assert "已关闭的报警" not in body
    assert "彬州企业超标" not in body
    assert f'action="/m/staff/alarms/{alarms["mine"].pk}/acknowledge/"' in body
    assert f'action="/m/staff/alarms/{alarms["acked"].pk}/acknowledge/"' not in body


def test_alarm_list_queries_do_not_grow_with_the_alarms(
    alarms, handler, login, enterprise_in_qindu, django_assert_max_num_queries
):
    client = login(handler)
    client.get("/m/staff/alarms/")  # warm the session and the user's grants
    rule = ui_data.rule(RuleKind.EMISSION_EXCEEDANCE)
    for n in range(15):
        ui_data.alarm(rule, enterprise=enterprise_in_qindu, title=f"批量报警{n}")
    with django_assert_max_num_queries(10):
        body = client.get("/m/staff/alarms/").content.decode()
    assert body.count("data-alarm=") == 17
    assert "未关闭的报警 17 条" in body


def test_acknowledge_an_alarm_from_the_phone(alarms, handler, login):
    client = login(handler)
    response = client.post(f"/m/staff/alarms/{alarms['mine'].pk}/acknowledge/", {"next": "/m/staff/alarms/?page=1"})
    assert response.status_code == 302 and response["Location"] == "/m/staff/alarms/?page=1"
    alarms["mine"].refresh_from_db()
    assert alarms["mine"].status == AlarmStatus.ACKNOWLEDGED
    assert alarms["mine"].acknowledged_by == handler
    assert "已确认报警" in client.get("/m/staff/alarms/").content.decode()
    again = client.post(f"/m/staff/alarms/{alarms['mine'].pk}/acknowledge/", follow=True)
    assert "不能确认" in again.content.decode()  # the state refuses it, with the reason


def test_acknowledge_outside_the_scope_or_without_the_grant(alarms, handler, leader, login):
    assert login(handler).post(f"/m/staff/alarms/{alarms['other'].pk}/acknowledge/").status_code == 404
    assert login(leader).post(f"/m/staff/alarms/{alarms['mine'].pk}/acknowledge/").status_code == 403
    for alarm in (alarms["other"], alarms["mine"]):
        alarm.refresh_from_db()
        assert alarm.status == AlarmStatus.OPEN


def test_acknowledge_does_not_redirect_off_the_app(alarms, handler, login):
    response = login(handler).post(
        f"/m/staff/alarms/{alarms['mine'].pk}/acknowledge/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/m/staff/alarms/"


def test_alarms_empty_state(handler, login):
    assert "没有未关闭的报警" in login(handler).get("/m/staff/alarms/").content.decode()
