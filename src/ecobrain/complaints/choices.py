from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ComplaintCategory(models.TextChoices):
    AIR = "air", _("大气污染")
    WATER = "water", _("水污染")
    NOISE = "noise", _("噪声污染")
    SOLID_WASTE = "solid_waste", _("固体废物")
    RADIATION = "radiation", _("辐射污染")
    ECOLOGY = "ecology", _("生态破坏")
    OTHER = "other", pgettext_lazy("complaint category", "其他")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("待受理")  # filed; staff check the triage (district, category, duplicate)
    DISPATCHED = "dispatched", _("办理中")  # a work order went to the district branch
    REPLIED = "replied", _("已答复")  # the handler's reply is visible to the complainant
    CLOSED = "closed", pgettext_lazy("complaint status", "已办结")
    REJECTED = "rejected", _("不予受理")  # not an environmental matter, or a confirmed duplicate (reason given)


OPEN_STATES = (ComplaintStatus.RECEIVED, ComplaintStatus.DISPATCHED, ComplaintStatus.REPLIED)


class ComplaintChannel(models.TextChoices):
    WEB = "web", _("网站")
    MOBILE = "mobile", _("手机")
    PHONE = "phone", _("电话（12369）")  # taken down by staff from a hotline call
    OPEN311 = "open311", _("Open311 接口")


class Satisfaction(models.IntegerChoices):
    DISSATISFIED = 1, _("不满意")
    BASICALLY = 2, _("基本满意")
    SATISFIED = 3, _("满意")


class ComplaintEventKind(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("complaint event", "提交投诉")
    TRIAGED = "triaged", _("自动分拣")
    CONFIRMED = "confirmed", _("确认分拣")
    DUPLICATE_LINKED = "duplicate_linked", _("关联重复投诉")
    DUPLICATE_UNLINKED = "duplicate_unlinked", _("取消重复关联")
    DISPATCHED = "dispatched", _("派发办理")
    REPLIED = "replied", _("答复")
    CLOSED = "closed", pgettext_lazy("complaint event", "办结")
    REJECTED = "rejected", _("不予受理")
    RATED = "rated", _("满意度评价")
    PUBLISHED = "published", _("公开")
    UNPUBLISHED = "unpublished", _("取消公开")
    NOTE = "note", _("备注")


class ComplainantTextStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    SKIPPED = "skipped", _("未发送（未接入短信网关）")
    FAILED = "failed", _("发送失败")
