from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeCategory(models.TextChoices):
    """What the bureau must disclose (政府信息公开): the usual sections of a bureau's disclosure column."""

    EIA = "eia", _("环评公示")
    PENALTY = "penalty", _("行政处罚")
    PERMIT = "permit", _("行政许可")
    BULLETIN = "bulletin", _("环境质量公报")
    NOTICE = "notice", _("通知公告")
    POLICY = "policy", _("政策法规")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")
