"""The notice editor's list columns (HTML table and export)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ecobrain.core.tables import Column, Table

NOTICE_TABLE = Table(
    columns=[
        Column("title", _("标题"), sort="title", link=True),
        Column("category", _("栏目"), sort="category"),
        Column("document_number", _("文号")),
        Column("status", _("状态"), sort="status"),
        Column("published_at", _("发布时间"), sort="published_at"),
        Column("author", _("撰稿人"), accessor="author.username"),
        Column("updated", _("更新时间"), sort="updated"),
    ],
    default_sort="-updated",
    select_related=("author",),
)
