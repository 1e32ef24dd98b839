"""The in-app inbox (one notification per event and recipient) and the outbox of email and SMS deliveries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecobrain.alarms.choices import Severity
from ecobrain.notifications.choices import Channel, DeliveryStatus, NotificationKind


class NotificationQuerySet(models.QuerySet):
    """Inbox reads. The gate of a personal inbox is its owner: ``restrict(user)`` is the user's own notifications,
    whatever the role (an administrator reads other people's only in the Django admin)."""

    def restrict(self, user, action: str = "view") -> NotificationQuerySet:
        if user is None or not user.is_authenticated or not user.is_active or action not in ("view", "change"):
            return self.none()
        return self.filter(recipient_id=user.pk)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message for one user about one event (``event_key``, e.g. ``alarm:12:triggered``): the inbox row.

    Unique per (event_key, recipient), so telling someone about an event twice is a no-op.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    event_key = models.CharField(_("事件"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=NotificationKind.choices)
    severity = models.PositiveSmallIntegerField(_("级别"), choices=Severity.choices, default=Severity.WARNING)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    created = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient"],
                name="notification_once_per_event_recipient",
                violation_error_message="该事件已通知此人。",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created"], name="notification_inbox"),
            # The live stream's "anything newer than the id I last sent?" (one index probe per poll).
            models.Index(fields=["recipient", "id"], name="notification_recipient_id"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.title}"

    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(models.Model):
    """One notification sent over one channel: the outbox row a worker claims, sends and marks.

    Unique per (notification, channel): exactly once per (event, recipient, channel). ``claimed_until`` is a
    lease: a worker that dies mid-send leaves the row claimed until the lease runs out.
    """

    notification = models.ForeignKey(
        Notification, verbose_name=_("通知"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    address = models.CharField(_("地址"), max_length=254, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    claimed_by = models.CharField(_("发送进程"), max_length=128, blank=True)
    claimed_until = models.DateTimeField(_("占用至"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    provider_id = models.CharField(_("服务商编号"), max_length=128, blank=True)
    last_error = models.TextField(_("错误"), blank=True)

    class Meta:
        ordering = ["next_attempt_at", "id"]
        verbose_name = _("通知发送")
        verbose_name_plural = _("通知发送")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"],
                name="delivery_once_per_channel",
                violation_error_message="该通知已有此渠道的发送记录。",
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.notification_id}/{self.channel}: {self.status}"


class NotificationPreference(models.Model):
    """What one user wants by email and SMS (the inbox always gets everything), and from which severity."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email_enabled = models.BooleanField(_("邮件通知"), default=True)
    email_min_severity = models.PositiveSmallIntegerField(
        _("邮件最低级别"), choices=Severity.choices, default=Severity.WARNING
    )
    sms_enabled = models.BooleanField(_("短信通知"), default=True)
    sms_min_severity = models.PositiveSmallIntegerField(
        _("短信最低级别"), choices=Severity.choices, default=Severity.SEVERE
    )
    kinds_muted = models.JSONField(_("不接收的类型"), default=list, blank=True)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self) -> str:
        return str(self.user)
