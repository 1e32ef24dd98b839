"""Choices of the ingest app: how a device session learned its expected interval."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IntervalSource(models.TextChoices):
    DEFAULT = "default", _("默认值")
    LEARNED = "learned", _("按上传规律推断")
    COMMAND = "command", _("由命令设置或提取")
