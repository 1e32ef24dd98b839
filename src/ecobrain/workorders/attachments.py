"""Work-order attachments: what a file really is (by its bytes, not its name), how big it may be, where it is kept.

Accepted: JPEG, PNG and WebP photos, PDF, and Office Open XML documents (Word .docx, Excel .xlsx, PowerPoint
.pptx; macro-enabled documents are refused). A file is recognised by its first bytes (and, for a zip, by the
parts inside it); the name the user gave is only shown, never used on disk. Images must also decode (Pillow), and
get a small JPEG thumbnail next to the file. Each step takes at most ``MAX_FILES_PER_STEP`` files of at most
``settings.UPLOAD_MAX_MB`` each; a step with one bad file stores none (:func:`check_uploads` runs before any write).
"""

from __future__ import annotations

import hashlib
import io
import os
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecobrain.workorders.models import WorkOrderAttachment

MAX_FILES_PER_STEP = 6
THUMBNAIL_SIZE = (320, 320)
NAME_MAX = 200

JPEG, PNG, WEBP, PDF = "image/jpeg", "image/png", "image/webp", "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
EXTENSIONS = {JPEG: ".jpg", PNG: ".png", WEBP: ".webp", PDF: ".pdf", DOCX: ".docx", XLSX: ".xlsx", PPTX: ".pptx"}
IMAGE_TYPES = frozenset({JPEG, PNG, WEBP})
# The main part of each OOXML document kind (ECMA-376 Part 2 packages: a zip with [Content_Types].xml).
OOXML_MAIN_PARTS = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX))
ALLOWED_TEXT = gettext_lazy("JPEG、PNG、WebP 图片，PDF，Word（.docx）、Excel（.xlsx）、PowerPoint（.pptx）文档")


@dataclass(frozen=True)
class CheckedUpload:
    """An uploaded file that passed the checks: its real type, size and digest, and the name to show."""

    upload: object  # django UploadedFile
    name: str
    content_type: str
    extension: str
    size: int
    sha256: str

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


def max_bytes() -> int:
    return settings.UPLOAD_MAX_MB * 1024 * 1024


def display_name(raw: str) -> str:
    """The user's file name without any path, control characters or excess length (extension kept)."""
    name = os.path.basename(str(raw).replace("\\", "/")).strip()
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C") or "file"
    if len(name) > NAME_MAX:
        stem, ext = os.path.splitext(name)
        name = stem[: NAME_MAX - len(ext[:16])] + ext[:16]
    return name


def sniff(fileobj) -> str | None:
    """The content type recognised from the file's bytes, or None. Leaves the file at its start."""
    fileobj.seek(0)
    head = fileobj.read(16)
    fileobj.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_kind(fileobj)
    return None


def _ooxml_kind(fileobj) -> str | None:
    # Reads the zip's central directory only (no member is decompressed, so a zip bomb costs nothing here).
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        fileobj.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return "macro"
    for part, kind in OOXML_MAIN_PARTS:
        if part in names:
            return kind
    return None


def _image_decodes(fileobj) -> bool:
    from PIL import Image

    fileobj.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fileobj) as image:
                image.verify()
        return True
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        return False
    finally:
        fileobj.seek(0)


def _digest(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def check_uploads(
    uploads: Iterable,
    *,
    field: str = "attachments",
    images_only: bool = False,
    max_files: int = MAX_FILES_PER_STEP,
    max_mb: int | None = None,
) -> list[CheckedUpload]:
    """Check every file of one step; raise one ValidationError on ``field`` naming each file at fault.

    ``images_only`` accepts photos only (complaints); ``max_files`` and ``max_mb`` override the work-order limits.
    """
    uploads = [u for u in uploads if u is not None]
    if len(uploads) > max_files:
        raise ValidationError(
            {field: _("一次最多上传 %(max)d 个文件，本次为 %(count)d 个。") % {"max": max_files, "count": len(uploads)}}
        )
    limit_mb = max_mb or settings.UPLOAD_MAX_MB
    limit = limit_mb * 1024 * 1024
    checked, errors = [], []
    for upload in uploads:
        name = display_name(getattr(upload, "name", "") or "file")
        size = upload.size or 0
        if size == 0:
            errors.append(_("文件“%(name)s”是空文件。") % {"name": name})
            continue
        if size > limit:
            errors.append(
                _("文件“%(name)s”大小为 %(size).1f MB，超过上限 %(limit)d MB。")
                % {"name": name, "size": size / 1024 / 1024, "limit": limit_mb}
            )
            continue
        kind = sniff(upload)
        if kind == "macro":
            errors.append(_("文件“%(name)s”是含宏的 Office 文档，出于安全原因不能上传。") % {"name": name})
            continue
        if kind is None:
            errors.append(
                _("文件“%(name)s”的内容不是允许的类型（只接受%(allowed)s；按文件内容识别，与扩展名无关）。")
                % {"name": name, "allowed": ALLOWED_TEXT}
            )
            continue
        if images_only and kind not in IMAGE_TYPES:
            errors.append(
                _("文件“%(name)s”不是图片（只接受 JPEG、PNG、WebP；按文件内容识别，与扩展名无关）。") % {"name": name}
            )
            continue
        if kind in IMAGE_TYPES and not _image_decodes(upload):
            errors.append(_("图片“%(name)s”已损坏或无法识别。") % {"name": name})
            continue
        checked.append(
            CheckedUpload(upload, name, kind, EXTENSIONS[kind], size, _digest(upload)),
        )
    if errors:
        raise ValidationError({field: errors})
    return checked


def thumbnail_name(file_name: str) -> str:
    return f"{file_name}.thumb.jpg"


def thumbnail_bytes(fileobj) -> bytes | None:
    from PIL import Image, ImageOps

    fileobj.seek(0)
    try:
        with Image.open(fileobj) as image:
            image.draft("RGB", THUMBNAIL_SIZE)  # JPEG: decode at a reduced scale
            image = ImageOps.exif_transpose(image)
            image.thumbnail(THUMBNAIL_SIZE)
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, "JPEG", quality=80)
            return out.getvalue()
    except (OSError, ValueError, SyntaxError):  # the original is kept; the page shows an icon instead
        return None
    finally:
        fileobj.seek(0)


@contextmanager
def removed_on_error() -> Iterator[list[str]]:
    """Collect the storage names a step writes; delete them if the step fails (its transaction rolled back)."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


def write_checked_file(row, item: CheckedUpload, *, written: list[str]) -> None:
    """Write a checked file into ``row.file`` (its model's ``upload_to`` names it, never the uploaded name) and, for
    an image, its thumbnail next to it; record both names in ``written`` for :func:`removed_on_error`."""
    item.upload.seek(0)
    row.file.save(item.name, item.upload, save=False)
    written.append(row.file.name)
    if item.is_image:
        thumb = thumbnail_bytes(item.upload)
        if thumb is not None:
            written.append(default_storage.save(thumbnail_name(row.file.name), ContentFile(thumb)))


def store_attachments(
    workorder, checked: list[CheckedUpload], *, event, actor, now: datetime, written: list[str]
) -> list[WorkOrderAttachment]:
    """Write the checked files (and image thumbnails) and their rows; call inside the step's transaction."""
    saved = []
    for item in checked:
        attachment = WorkOrderAttachment(
            workorder=workorder,
            event=event,
            name=item.name,
            content_type=item.content_type,
            extension=item.extension,
            size=item.size,
            sha256=item.sha256,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
            uploaded_at=now,
        )
        write_checked_file(attachment, item, written=written)
        attachment.save()
        saved.append(attachment)
    return saved
