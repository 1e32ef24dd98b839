"""The handling services: confirm, link, dispatch (work order), reply, reject, the work-order hook, publication."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecobrain.complaints.choices import ComplaintEventKind, ComplaintStatus
from ecobrain.complaints.models import Complaint
from ecobrain.complaints.services import (
    anonymise_text,
    available_steps,
    confirm_triage,
    dispatch_complaint,
    link_duplicate,
    publish_complaint,
    reject_complaint,
    reply_complaint,
    reveal_contact,
    unlink_duplicate,
    unpublish_complaint,
)
from ecobrain.workorders.choices import WorkOrderSource, WorkOrderStatus
from ecobrain.workorders.services import (
    accept_workorder,
    cancel_workorder,
    start_workorder,
    submit_workorder,
    verify_and_close_workorder,
)
from tests.complaints.conftest import BINZHOU_POINT, file_complaint


def kinds(complaint) -> list[str]:
    return list(complaint.events.order_by("at", "pk").values_list("kind", flat=True))


def confirmed(complaint, actor, qindu):
    return confirm_triage(complaint, actor=actor, category=complaint.category, district=qindu)


def dispatched(complaint, actor, qindu):
    return dispatch_complaint(confirmed(complaint, actor, qindu), actor=actor)


def handle_and_close(workorder, handler, city, result="已责令烧烤店安装油烟净化器，复查达标。"):
    accept_workorder(workorder, actor=handler)
    start_workorder(workorder, actor=handler)
    submit_workorder(workorder, actor=handler, result=result)
    return verify_and_close_workorder(workorder, actor=city)


@pytest.mark.django_db
def test_the_desk_confirms_category_and_district(complaint, city_staff, qindu):
    done = confirm_triage(complaint, actor=city_staff, category="noise", district=qindu, note="实为噪声")
    assert done.triage_confirmed and done.category == "noise" and done.district_id == qindu.pk
    event = done.events.get(kind=ComplaintEventKind.CONFIRMED)
    assert event.actor == city_staff and event.message == "实为噪声"
    assert event.data["changed"] == ["category"]
    assert kinds(done) == ["submitted", "triaged", "confirmed"]


@pytest.mark.django_db
def test_confirm_refuses_bad_input_and_other_roles(complaint, city_staff, qindu_handler, bureau_leader, qindu):
    with pytest.raises(ValidationError) as caught:
        confirm_triage(complaint, actor=city_staff, category="smell", district=None)
    assert set(caught.value.message_dict) == {"category", "district"}
    for person in (qindu_handler, bureau_leader):  # the branch replies, leaders read: neither triages
        with pytest.raises(PermissionDenied):
            confirm_triage(complaint, actor=person, category="air", district=qindu)
    assert kinds(complaint) == ["submitted", "triaged"]


@pytest.mark.django_db
def test_link_and_unlink_a_duplicate(base_data, city_staff):
    first = file_complaint(phone="13900000001")
    second = file_complaint(category="water", description="河里有人排污水，很臭", phone="13900000002")
    assert second.duplicate_of_id is None
    linked = link_duplicate(second, actor=city_staff, original=first)
    assert linked.duplicate_of_id == first.pk
    with pytest.raises(ValidationError):
        link_duplicate(first, actor=city_staff, original=second)  # no loops
    unlinked = unlink_duplicate(linked, actor=city_staff, note="不是同一问题")
    assert unlinked.duplicate_of_id is None
    assert kinds(unlinked)[-2:] == ["duplicate_linked", "duplicate_unlinked"]
    with pytest.raises(ValidationError):
        unlink_duplicate(unlinked, actor=city_staff)


@pytest.mark.django_db
def test_dispatch_needs_a_confirmed_triage(complaint, city_staff):
    with pytest.raises(ValidationError, match="确认分拣"):
        dispatch_complaint(complaint, actor=city_staff)
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.RECEIVED


@pytest.mark.django_db
def test_dispatch_creates_a_work_order_for_the_branch_without_personal_data(base_data, city_staff, qindu):
    complaint = file_complaint(description="我叫张三，电话13912345678，楼下烧烤店油烟直排", contact_name="张三")
    done = dispatched(complaint, city_staff, qindu)
    assert done.status == ComplaintStatus.DISPATCHED
    order = done.workorder
    assert order.source == WorkOrderSource.COMPLAINT and order.source_ref == f"complaint:{done.pk}"
    assert order.district_id == qindu.pk and order.assignee_org.code == "610402-branch"
    assert "13912345678" not in order.description and "烧烤店油烟直排" in order.description
    assert done.tracking_number in order.description
    assert order.title.startswith("大气污染投诉") and order.longitude == done.longitude
    event = done.events.get(kind=ComplaintEventKind.DISPATCHED)
    assert event.public and event.data["workorder"] == order.pk and "秦都" in event.message


@pytest.mark.django_db
def test_a_confirmed_duplicate_joins_the_original_order(base_data, city_staff, qindu):
    original = dispatched(file_complaint(phone="13900000001"), city_staff, qindu)
    repeat = file_complaint(phone="13900000002")
    assert repeat.duplicate_of_id == original.pk
    joined = dispatch_complaint(
        confirm_triage(repeat, actor=city_staff, category="air", district=qindu, duplicate_of=original),
        actor=city_staff,
    )
    assert joined.workorder_id == original.workorder_id
    assert joined.events.get(kind=ComplaintEventKind.DISPATCHED).data["merged_with"] == original.pk


@pytest.mark.django_db
def test_the_district_handler_replies_in_scope_only(
    base_data, city_staff, qindu_handler, binzhou_handler, bureau_leader, qindu
):
    complaint = dispatched(file_complaint(), city_staff, qindu)
    for outsider in (binzhou_handler, bureau_leader):
        with pytest.raises(PermissionDenied):
            reply_complaint(complaint, actor=outsider, text="已处理")
    with pytest.raises(ValidationError) as caught:
        reply_complaint(complaint, actor=qindu_handler, text="  ")
    assert "reply" in caught.value.message_dict
    replied = reply_complaint(complaint, actor=qindu_handler, text="已责令整改，安装油烟净化设施。")
    assert replied.status == ComplaintStatus.REPLIED and replied.replied_by == qindu_handler
    event = replied.events.get(kind=ComplaintEventKind.REPLIED)
    assert event.public and event.message == "已责令整改，安装油烟净化设施。"
    assert "reply" in available_steps(qindu_handler, replied)
    assert available_steps(binzhou_handler, replied) == set()


@pytest.mark.django_db
def test_reject_needs_a_reason_that_is_shown_to_the_complainant(complaint, city_staff, qindu_handler):
    with pytest.raises(ValidationError):
        reject_complaint(complaint, actor=city_staff, reason="")
    with pytest.raises(PermissionDenied):
        reject_complaint(complaint, actor=qindu_handler, reason="不属于环保问题")
    rejected = reject_complaint(complaint, actor=city_staff, reason="属于物业纠纷，请向住建部门反映。")
    assert rejected.status == ComplaintStatus.REJECTED
    event = rejected.events.get(kind=ComplaintEventKind.REJECTED)
    assert event.public and "住建" in event.message
    with pytest.raises(ValidationError, match="不予受理"):
        reply_complaint(rejected, actor=city_staff, text="已处理")


@pytest.mark.django_db
def test_a_closed_work_order_closes_the_complaint_with_its_result_as_reply(base_data, city_staff, qindu_handler, qindu):
    complaint = dispatched(file_complaint(), city_staff, qindu)
    order = handle_and_close(complaint.workorder, qindu_handler, city_staff)
    assert order.status == WorkOrderStatus.CLOSED
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED and complaint.closed_at == order.closed_at
    assert complaint.reply == "已责令烧烤店安装油烟净化器，复查达标。"
    assert complaint.replied_by == qindu_handler
    closed = complaint.events.get(kind=ComplaintEventKind.CLOSED)
    assert closed.public and closed.data["reply_from_result"] is True


@pytest.mark.django_db
def test_a_reply_given_before_closing_is_kept(base_data, city_staff, qindu_handler, qindu):
    complaint = dispatched(file_complaint(), city_staff, qindu)
    reply_complaint(complaint, actor=qindu_handler, text="我们已到现场核查。")
    handle_and_close(complaint.workorder, qindu_handler, city_staff)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED and complaint.reply == "我们已到现场核查。"


@pytest.mark.django_db
def test_a_cancelled_work_order_hands_the_complaint_back(base_data, city_staff, qindu):
    complaint = dispatched(file_complaint(), city_staff, qindu)
    cancel_workorder(complaint.workorder, actor=city_staff, reason="派错单位")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RECEIVED and complaint.workorder_id is None
    note = complaint.events.order_by("-pk").first()
    assert note.kind == ComplaintEventKind.NOTE and note.data["cancelled"] is True and not note.public
    assert dispatch_complaint(complaint, actor=city_staff).status == ComplaintStatus.DISPATCHED  # again


def test_anonymise_text_removes_phones_ids_names_and_house_numbers():
    text = "我叫张三，电话139-1234-5678，身份证610402199001011234，住幸福小区3号楼2单元502室，门牌号12，姓王的老板不管"
    cleaned = anonymise_text(text)
    for secret in ("张三", "139-1234-5678", "610402199001011234", "3号楼", "2单元", "502室", "12", "姓王"):
        assert secret not in cleaned
    assert "幸福小区" in cleaned and "老板不管" in cleaned
    assert anonymise_text("老百姓反映河水发臭") == "老百姓反映河水发臭"  # 百姓 is not a surname


@pytest.mark.django_db
def test_only_a_closed_complaint_is_published_and_never_with_a_phone_number(
    base_data, city_staff, qindu_handler, qindu
):
    complaint = dispatched(file_complaint(), city_staff, qindu)
    with pytest.raises(ValidationError, match="不能公开"):
        publish_complaint(complaint, actor=city_staff, public_text="油烟扰民", public_reply="已整改")
    handle_and_close(complaint.workorder, qindu_handler, city_staff)
    complaint.refresh_from_db()
    with pytest.raises(PermissionDenied):
        publish_complaint(complaint, actor=qindu_handler, public_text="油烟扰民", public_reply="已整改")
    with pytest.raises(ValidationError) as caught:
        publish_complaint(complaint, actor=city_staff, public_text="油烟扰民，电话13912345678", public_reply="已整改")
    assert "public_text" in caught.value.message_dict
    published = publish_complaint(complaint, actor=city_staff, public_text="油烟扰民", public_reply="已整改")
    assert published.published and Complaint.objects.published().filter(pk=complaint.pk).exists()
    hidden = unpublish_complaint(published, actor=city_staff, reason="当事人要求")
    assert not hidden.published and hidden.public_text == "油烟扰民"
    assert kinds(hidden)[-2:] == ["published", "unpublished"]


@pytest.mark.django_db
def test_revealing_the_phone_is_recorded_without_the_number(
    base_data, city_staff, qindu_handler, binzhou_handler, bureau_leader
):
    complaint = file_complaint(contact_name="李四")
    assert reveal_contact(complaint, actor=qindu_handler) == {"phone": "13800295678", "name": "李四"}
    event = complaint.events.get(kind=ComplaintEventKind.NOTE)
    assert event.actor == qindu_handler and event.message == "查看联系电话"
    assert "13800295678" not in str(event.data) + event.message
    for outsider in (binzhou_handler, bureau_leader):
        with pytest.raises(PermissionDenied):
            reveal_contact(complaint, actor=outsider)


@pytest.mark.django_db
def test_a_complaint_outside_the_handlers_district_is_not_theirs(base_data, qindu_handler, binzhou_handler):
    complaint = file_complaint(longitude=BINZHOU_POINT[0], latitude=BINZHOU_POINT[1])
    assert available_steps(qindu_handler, complaint) == set()
    assert {"reply", "reveal"} == available_steps(binzhou_handler, complaint)
