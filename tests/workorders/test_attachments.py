"""Attachments: recognised by their bytes, size-limited, a few per step, stored under a name that is not the
user's, served only through the gate; a step with one bad file writes nothing at all."""

from __future__ import annotations

import os

import pytest

from ecobrain.workorders.attachments import MAX_FILES_PER_STEP, thumbnail_name
from ecobrain.workorders.choices import WorkOrderStatus
from ecobrain.workorders.models import WorkOrderAttachment
from ecobrain.workorders.services import accept_workorder, start_workorder
from tests.workorders.conftest import client_for, jpeg_bytes, ooxml_bytes, photo, png_bytes, upload


@pytest.fixture
def in_progress(order, qindu_handler):
    accept_workorder(order, actor=qindu_handler)
    start_workorder(order, actor=qindu_handler)
    order.refresh_from_db()
    return order


def submit(client, workorder, files, result="已整改"):
    return client.post(f"/workorders/{workorder.pk}/submit/", {"submit-result": result, "submit-attachments": files})


def stored_files(media_root) -> list[str]:
    return [os.path.join(d, f) for d, _dirs, files in os.walk(media_root) for f in files]


def assert_nothing_written(workorder, media_root, events_before: int):
    workorder.refresh_from_db()
    assert workorder.status == WorkOrderStatus.IN_PROGRESS
    assert workorder.events.count() == events_before
    assert not WorkOrderAttachment.objects.filter(workorder=workorder).exists()
    assert stored_files(media_root) == []


def test_a_jpg_that_is_really_text_is_refused_and_nothing_is_written(in_progress, qindu_handler, _media_root):
    events = in_progress.events.count()
    fake = upload("现场照片.jpg", "这不是图片，只是一段文字。".encode(), "image/jpeg")
    response = submit(client_for(qindu_handler), in_progress, [photo("好的照片.jpg"), fake])
    assert response.status_code == 400
    body = response.content.decode()
    assert "文件“现场照片.jpg”的内容不是允许的类型" in body and "按文件内容识别" in body
    assert_nothing_written(in_progress, _media_root, events)  # the good photo was not kept either


def test_oversize_is_refused(in_progress, qindu_handler, settings, _media_root):
    settings.UPLOAD_MAX_MB = 1
    events = in_progress.events.count()
    big = upload("大文件.pdf", b"%PDF-1.7\n" + b"0" * (1024 * 1024), "application/pdf")
    response = submit(client_for(qindu_handler), in_progress, [big])
    assert response.status_code == 400
    assert "文件“大文件.pdf”大小为 1.0 MB，超过上限 1 MB" in response.content.decode()
    assert_nothing_written(in_progress, _media_root, events)


def test_too_many_files_empty_files_broken_images_and_macros_are_refused(in_progress, qindu_handler, _media_root):
    client = client_for(qindu_handler)
    events = in_progress.events.count()
    many = [photo(f"p{i}.jpg") for i in range(MAX_FILES_PER_STEP + 1)]
    assert "一次最多上传 6 个文件" in submit(client, in_progress, many).content.decode()
    assert "是空文件" in submit(client, in_progress, [upload("空.pdf", b"")]).content.decode()
    truncated = upload("坏图.png", png_bytes()[:40], "image/png")
    assert "图片“坏图.png”已损坏或无法识别" in submit(client, in_progress, [truncated]).content.decode()
    macro = upload("宏.docm", ooxml_bytes("word/document.xml", macro=True))
    assert "含宏的 Office 文档" in submit(client, in_progress, [macro]).content.decode()
    renamed_zip = upload("报告.docx", ooxml_bytes("other/part.xml"))
    assert "不是允许的类型" in submit(client, in_progress, [renamed_zip]).content.decode()
    assert_nothing_written(in_progress, _media_root, events)


def test_accepted_types_are_stored_by_content_under_names_that_are_not_the_users(
    in_progress, qindu_handler, _media_root
):
    files = [
        upload("../../etc/passwd.jpg", jpeg_bytes(), "text/plain"),  # a path in the name; the type lies
        upload("检测报告.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
        upload("照片.png", png_bytes()),
        upload("整改方案.docx", ooxml_bytes("word/document.xml")),
        upload("台账.xlsx", ooxml_bytes("xl/workbook.xml")),
        upload("汇报.pptx", ooxml_bytes("ppt/presentation.xml")),
    ]
    response = submit(client_for(qindu_handler), in_progress, files)
    assert response.status_code == 302, response.content.decode()[:3000]
    rows = {a.name: a for a in WorkOrderAttachment.objects.filter(workorder=in_progress)}
    assert set(rows) == {"passwd.jpg", "检测报告.pdf", "照片.png", "整改方案.docx", "台账.xlsx", "汇报.pptx"}
    assert rows["passwd.jpg"].content_type == "image/jpeg"
    assert rows["整改方案.docx"].extension == ".docx" and rows["台账.xlsx"].extension == ".xlsx"
    for attachment in rows.values():
        stored = attachment.file.name
        assert stored.startswith(f"workorders/{in_progress.pk}/") and attachment.sha256[:16] in stored
        assert "passwd" not in stored and "报告" not in stored
        assert os.path.exists(os.path.join(_media_root, stored))
    # Images get a thumbnail next to them.
    assert os.path.exists(os.path.join(_media_root, thumbnail_name(rows["照片.png"].file.name)))


def test_files_are_served_through_the_gate_with_safe_headers(in_progress, qindu_handler, city_staff):
    client = client_for(qindu_handler)
    submit(client, in_progress, [photo("现场.jpg"), upload("报告.pdf", b"%PDF-1.4\n%%EOF\n")])
    image = WorkOrderAttachment.objects.get(workorder=in_progress, name="现场.jpg")
    pdf = WorkOrderAttachment.objects.get(workorder=in_progress, name="报告.pdf")
    city = client_for(city_staff)
    response = city.get(f"/workorders/attachments/{image.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == jpeg_bytes()
    thumb = city.get(f"/workorders/attachments/{image.pk}/?thumb=1")
    assert thumb["Content-Type"] == "image/jpeg" and b"".join(thumb.streaming_content)[:3] == b"\xff\xd8\xff"
    response = city.get(f"/workorders/attachments/{pdf.pk}/")
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"].startswith("attachment")
        and "filename*=utf-8''" in response["Content-Disposition"]
    )
    assert "sandbox" in response["Content-Security-Policy"]
    # The API serves the same file to the same people.
    api = city.get(f"/api/v1/workorders/{in_progress.pk}/attachments/{pdf.pk}/")
    assert api.status_code == 200 and b"".join(api.streaming_content).startswith(b"%PDF")


def test_attachments_with_a_new_order_and_a_comment(city_staff, qindu, qindu_handler, _media_root):
    client = client_for(city_staff)
    response = client.post(
        "/workorders/new/",
        {
            "title": "领导批示：核查扬尘",
            "source": "instruction",
            "priority": "4",
            "district": qindu.pk,
            "attachments": [upload("批示.pdf", b"%PDF-1.4\n%%EOF\n")],
        },
    )
    assert response.status_code == 302
    attachment = WorkOrderAttachment.objects.get(name="批示.pdf")
    assert attachment.event.kind == "created" and attachment.uploaded_by == city_staff
    workorder = attachment.workorder
    response = client_for(qindu_handler).post(
        f"/workorders/{workorder.pk}/attach/", {"attach-attachments": [photo()], "attach-message": "现场照片"}
    )
    assert response.status_code == 302
    assert workorder.events.filter(kind="attached").count() == 1
    # A bad file on creation: no order is created at all.
    response = client.post(
        "/workorders/new/",
        {"title": "不应创建", "source": "manual", "priority": "2", "district": qindu.pk,
         "attachments": [upload("x.jpg", b"plain text")]},
    )  # fmt: skip
    assert response.status_code == 400 and "不是允许的类型" in response.content.decode()
    assert not workorder.__class__.objects.filter(title="不应创建").exists()
