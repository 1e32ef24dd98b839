"""信息公开管理: who may write and publish (portal.notice grants), the form, publish/withdraw, the change log."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from ecobrain.audit.models import ObjectChange
from ecobrain.portal.choices import NoticeStatus
from ecobrain.portal.models import Notice
from ecobrain.portal.services import NoticeStateError, publish_notice, withdraw_notice

pytestmark = pytest.mark.django_db

FORM = {
    "category": "penalty",
    "title": "  某公司  行政处罚决定书 ",
    "document_number": "咸环罚〔2026〕60号",
    "summary": "",
    "body": "第一段\r\n\r\n第二段",
}


def test_officer_writes_publishes_and_withdraws_over_http(login, officer, client, django_capture_on_commit_callbacks):
    staff = login(officer)
    assert staff.get("/portal/notices/add/").status_code == 200
    response = staff.post("/portal/notices/add/", FORM)
    item = Notice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/notices/{item.pk}/"
    assert item.title == "某公司 行政处罚决定书" and item.body == "第一段\n\n第二段"
    assert item.status == NoticeStatus.DRAFT and item.author == officer and item.published_at is None
    detail = staff.get(f"/portal/notices/{item.pk}/").content.decode()
    assert "发布" in detail and "<p>第一段</p>" in detail

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/portal/notices/{item.pk}/publish/", follow=True)
    item.refresh_from_db()
    assert item.status == NoticeStatus.PUBLISHED and item.published_at is not None
    assert "已发布" in response.content.decode()
    client.logout()
    assert client.get(f"/public/notices/{item.pk}/").status_code == 200

    staff = login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/portal/notices/{item.pk}/withdraw/")
    item.refresh_from_db()
    assert item.status == NoticeStatus.WITHDRAWN
    client.logout()
    assert client.get(f"/public/notices/{item.pk}/").status_code == 404

    changes = ObjectChange.objects.filter(object_id=str(item.pk), content_type__model="notice")
    assert changes.count() == 3  # created, published, withdrawn
    assert changes.filter(user=officer).count() == 3


def test_monitoring_staff_and_admin_may_write(login, monitor, admin_user):
    for user in (monitor, admin_user):
        assert login(user).get("/portal/notices/").status_code == 200
        assert login(user).get("/portal/notices/add/").status_code == 200


@pytest.mark.parametrize("persona", ["handler", "enterprise_user", "consumer"])
def test_others_are_refused_the_editor(request, login, persona, notices):
    user = request.getfixturevalue(persona)
    client = login(user)
    draft = notices["draft"]
    assert client.get("/portal/notices/").status_code == 403
    assert client.get("/portal/notices/add/").status_code == 403
    assert client.post("/portal/notices/add/", FORM).status_code == 403
    assert client.post(f"/portal/notices/{draft.pk}/publish/").status_code == 403
    draft.refresh_from_db()
    assert draft.status == NoticeStatus.DRAFT and Notice.objects.count() == 4


def test_leader_reads_but_may_not_publish(login, leader, notices):
    client = login(leader)
    body = client.get("/portal/notices/").content.decode()
    assert "未发布的草稿通知" in body and "已撤回的公告" in body  # every status in the editor's list
    assert client.get(f"/portal/notices/{notices['draft'].pk}/").status_code == 200
    assert client.post(f"/portal/notices/{notices['draft'].pk}/publish/").status_code == 403
    assert client.get("/portal/notices/add/").status_code == 403
    with pytest.raises(PermissionDenied):
        publish_notice(notices["draft"], actor=leader)


def test_anonymous_is_sent_to_login(client, notices):
    response = client.get("/portal/notices/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_list_filters(login, officer, notices):
    client = login(officer)
    body = client.get("/portal/notices/", {"status": "draft"}).content.decode()
    assert "未发布的草稿通知" in body and "某建材公司" not in body
    body = client.get("/portal/notices/", {"category": "eia"}).content.decode()
    assert "热电项目环评受理公示" in body and "某建材公司" not in body
    body = client.get("/portal/notices/", {"q": "建材"}).content.decode()
    assert "某建材公司" in body and "热电项目" not in body


def test_form_errors_are_shown(login, officer):
    client = login(officer)
    response = client.post("/portal/notices/add/", {**FORM, "title": "   ", "body": " ", "category": "bogus"})
    body = response.content.decode()
    assert response.status_code == 200 and Notice.objects.count() == 0
    assert "该字段是必填项" in body
    assert 'data-error-for="category"' in body and 'data-error-for="body"' in body


def test_editing_keeps_status_and_author(login, officer, monitor, notices):
    item = notices["penalty"]
    published_at = item.published_at
    response = login(monitor).post(f"/portal/notices/{item.pk}/edit/", {**FORM, "title": "更正后的标题"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "更正后的标题" and item.status == NoticeStatus.PUBLISHED and item.published_at == published_at


def test_steps_check_the_state(officer, notices):
    with pytest.raises(NoticeStateError, match="已发布"):
        publish_notice(notices["penalty"], actor=officer)
    with pytest.raises(NoticeStateError, match="未发布"):
        withdraw_notice(notices["draft"], actor=officer)
    withdrawn = notices["withdrawn"]
    first = withdrawn.published_at
    again = publish_notice(withdrawn, actor=officer)
    assert again.status == NoticeStatus.PUBLISHED and again.published_at == first  # keeps its place


def test_step_error_is_a_message_not_a_500(login, officer, notices):
    client = login(officer)
    response = client.post(f"/portal/notices/{notices['penalty'].pk}/publish/", follow=True)
    assert response.status_code == 200 and "已发布" in response.content.decode()
    assert client.post("/portal/notices/99999999999999999999999/publish/").status_code == 404
    assert client.get("/portal/notices/99999999999999999999999/").status_code == 404


def test_preview_escapes(login, officer):
    client = login(officer)
    body = client.post(
        "/portal/notices/preview/", {"body": "<script>x</script>\n\nhttps://example.gov.cn/"}
    ).content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in body and 'href="https://example.gov.cn/"' in body


def test_navbar_has_the_editor(login, officer):
    body = login(officer).get("/portal/notices/").content.decode()
    assert "公众服务" in body and 'href="/portal/notices/"' in body


def test_demo_notices_are_idempotent(base_data):
    from ecobrain.portal.demo import DEMO_NOTICES, load_demo_notices

    first = load_demo_notices()
    second = load_demo_notices()
    assert first["created"] == len(DEMO_NOTICES) >= 12 and second["created"] == 0
    assert Notice.objects.count() == len(DEMO_NOTICES)
    categories = set(Notice.objects.published().values_list("category", flat=True))
    assert categories == {"eia", "penalty", "permit", "bulletin", "notice", "policy"}
    assert Notice.objects.filter(status=NoticeStatus.DRAFT).exists()
