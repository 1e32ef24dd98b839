"""Complaints from the public, their photos and their timeline."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ecobrain.complaints.choices import (
    OPEN_STATES,
    ComplainantTextStatus,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintEventKind,
    ComplaintStatus,
    Satisfaction,
)
from ecobrain.core.gate import GateScope, RestrictedQuerySet
from ecobrain.core.models import BaseModel


class ComplaintQuerySet(RestrictedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATES)

    def published(self):
        return self.filter(published=True, status=ComplaintStatus.CLOSED)


class Complaint(BaseModel):
    """A complaint filed by a member of the public (web, phone, Open311), tracked by its tracking number.

    Personal data (name, phone) is kept encrypted; the UI shows ``phone_masked`` only, and ``phone_digest`` (a keyed
    hash) finds a complainant's other complaints without decrypting anything. District scope comes from
    ``district`` (point in polygon of the location, or chosen by staff); complaints with no district yet are seen
    by city-wide staff only.
    """

    tracking_number = models.CharField(_("查询码"), max_length=20, unique=True)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=ComplaintChannel.choices)
    category = models.CharField(_("投诉类别"), max_length=16, choices=ComplaintCategory.choices)
    suggested_category = models.CharField(_("建议类别"), max_length=16, choices=ComplaintCategory.choices, blank=True)
    suggestion_score = models.FloatField(_("建议可信度"), null=True, blank=True)
    triage_confirmed = models.BooleanField(_("分拣已确认"), default=False)
    description = models.TextField(_("投诉内容"))
    address = models.CharField(_("地点描述"), max_length=200, blank=True)
    longitude = models.FloatField(
        _("经度"), null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    latitude = models.FloatField(
        _("纬度"), null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    district = models.ForeignKey(
        "core.Region", verbose_name=_("区县"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    contact_name_encrypted = models.TextField(_("联系人（加密）"), blank=True)
    phone_encrypted = models.TextField(_("联系电话（加密）"), blank=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    phone_digest = models.CharField(_("电话摘要"), max_length=64, blank=True, db_index=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("疑似重复于"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    # A foreign key, not one-to-one: a confirmed duplicate of a complaint in hand joins its original's order
    # (合并办理), so one order may answer several complaints (services/handling.py, dispatch_complaint).
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name=_("任务单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    reply = models.TextField(_("答复内容"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reject_reason = models.TextField(_("不予受理原因"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), choices=Satisfaction.choices, null=True, blank=True)
    satisfaction_comment = models.TextField(_("评价意见"), blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    published = models.BooleanField(_("已公开"), default=False)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    public_text = models.TextField(_("公开的投诉内容"), blank=True)  # personal data removed, checked by staff
    public_reply = models.TextField(_("公开的答复"), blank=True)

    objects = ComplaintQuerySet.as_manager()
    gate = GateScope(district=("district",), enterprise=())

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("环境投诉")
        verbose_name_plural = _("环境投诉")
        indexes = [
            models.Index(fields=["status", "created"], name="complaint_status_created"),
            models.Index(fields=["district", "created"], name="complaint_district_created"),
            models.Index(fields=["category", "created"], name="complaint_category_created"),
            models.Index(fields=["published", "published_at"], name="complaint_published"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=3),
                name="complaint_satisfaction_range",
                violation_error_message=_("满意度只能是 1（不满意）、2（基本满意）或 3（满意）。"),
            ),
            models.CheckConstraint(
                condition=Q(published=False) | Q(status=ComplaintStatus.CLOSED),
                name="complaint_published_only_closed",
                violation_error_message=_("只有已办结的投诉可以公开。"),
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    def get_absolute_url(self) -> str:
        return reverse("complaints:complaint_detail", args=[self.pk])

    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def may_be_rated(self) -> bool:
        return self.status in (ComplaintStatus.REPLIED, ComplaintStatus.CLOSED) and self.satisfaction is None


def photo_path(instance: ComplaintPhoto, filename: str) -> str:
    # Not the uploaded name (kept in ``name``): no user text reaches the file system.
    return f"complaints/{instance.complaint_id}/{instance.sha256[:16]}{instance.extension}"


class ComplaintPhoto(models.Model):
    """A photo sent with a complaint (checked by its content); shown to staff, never on public pages."""

    complaint = models.ForeignKey(Complaint, verbose_name=_("投诉"), on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("文件"), upload_to=photo_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    extension = models.CharField(_("扩展名"), max_length=8)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"))

    objects = RestrictedQuerySet.as_manager()
    gate = GateScope(district=("complaint__district",), enterprise=())

    class Meta:
        ordering = ["complaint_id", "id"]
        verbose_name = _("投诉照片")
        verbose_name_plural = _("投诉照片")

    def __str__(self) -> str:
        return self.name


class ComplaintEvent(models.Model):
    """One step of a complaint's timeline; ``public`` steps are shown on the tracking page (without names)."""

    complaint = models.ForeignKey(Complaint, verbose_name=_("投诉"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=24, choices=ComplaintEventKind.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(_("原状态"), max_length=16, choices=ComplaintStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=ComplaintStatus.choices, blank=True)
    message = models.TextField(_("说明"), blank=True)
    public = models.BooleanField(_("对投诉人可见"), default=False)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    objects = RestrictedQuerySet.as_manager()
    gate = GateScope(district=("complaint__district",), enterprise=())

    class Meta:
        ordering = ["complaint_id", "at", "id"]
        verbose_name = _("投诉记录")
        verbose_name_plural = _("投诉记录")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} {self.at.isoformat()}"


class ComplainantText(models.Model):
    """A text message to the complainant's phone about one public step (reply, closing, not accepted).

    An outbox row, written in the step's own transaction; the job ``complaints.texts`` sends it through the SMS
    gateway (``ECOBRAIN_SMS_BACKEND``) and records the outcome. The text holds the tracking number and a link, never
    the reply itself or any personal data; the number is read from the complaint (encrypted) only when sending.
    """

    complaint = models.ForeignKey(Complaint, verbose_name=_("投诉"), on_delete=models.CASCADE, related_name="texts")
    event = models.OneToOneField(
        ComplaintEvent, verbose_name=_("投诉记录"), on_delete=models.CASCADE, related_name="text_message"
    )
    text = models.TextField(_("短信内容"))
    status = models.CharField(
        _("状态"), max_length=8, choices=ComplainantTextStatus.choices, default=ComplainantTextStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    claimed_until = models.DateTimeField(_("占用至"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    provider_id = models.CharField(_("服务商编号"), max_length=128, blank=True)
    last_error = models.TextField(_("错误"), blank=True)
    created = models.DateTimeField(_("创建时间"))

    objects = RestrictedQuerySet.as_manager()
    gate = GateScope(district=("complaint__district",), enterprise=())

    class Meta:
        ordering = ["complaint_id", "id"]
        verbose_name = _("投诉人短信")
        verbose_name_plural = _("投诉人短信")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="complainant_text_due")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.status}"
