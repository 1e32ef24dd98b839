"""The columns of the complaint list, shared by the page and its CSV/Excel exports (which hold no personal data)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ecobrain.complaints.services.handling import strip_contact_numbers
from ecobrain.core.tables import Column, Table

complaint_table = Table(
    columns=[
        Column("tracking_number", _("查询码"), sort="tracking_number", link=True),
        Column("created", _("提交时间"), sort="created"),
        Column("channel", _("来源渠道")),
        Column("category", _("类别"), sort="category"),
        Column("suggested_category", _("建议类别"), html=False),
        Column("district", _("区县"), accessor="district.name", sort="district__adcode"),
        Column("address", _("地点")),
        # The text as the complainant typed it may hold a phone number: exports carry it without such numbers.
        Column("description", _("投诉内容"), accessor=lambda c: strip_contact_numbers(c.description), html=False),
        Column("status", _("状态"), sort="status"),
        Column("duplicate_of", _("疑似重复于"), accessor="duplicate_of.tracking_number"),
        Column("workorder", _("任务单"), accessor="workorder.number", html=False),
        Column("replied_at", _("答复时间"), html=False),
        Column("closed_at", _("办结时间"), html=False),
        Column("published", _("已公开"), html=False),
    ],
    default_sort="-created",
    select_related=("district", "duplicate_of", "workorder"),
)
# Never read into a list page or an export: the encrypted personal data and the long texts.
HEAVY_FIELDS = (
    "contact_name_encrypted",
    "phone_encrypted",
    "reply",
    "public_text",
    "public_reply",
    "satisfaction_comment",
    "district__boundary",
)
