from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from ecobrain.core.tables import Column, Table

objectchange_table = Table(
    [
        Column("time", _("时间"), sort="time"),
        Column("action", _("操作"), sort="action"),
        Column(
            "content_type",
            _("对象类型"),
            accessor=lambda c: (
                c.content_type.model_class()._meta.verbose_name
                if c.content_type.model_class()
                else c.content_type.model
            ),
        ),
        Column("object_repr", _("对象"), sort="object_repr"),
        Column("user_name", _("操作人"), sort="user_name"),
        Column("source", _("来源"), sort="source"),
        Column(
            "changes",
            _("变更字段"),
            accessor=lambda c: pgettext("list separator", "、").join(
                name for name, _before, _after in c.changed_fields()
            ),
        ),
    ],
    default_sort="-time",
    select_related=("content_type",),
)

securityevent_table = Table(
    [
        Column("time", _("时间"), sort="time"),
        Column("kind", _("类型"), sort="kind"),
        Column("username", _("用户名"), sort="username"),
        Column("ip", _("IP地址"), sort="ip"),
        Column("detail", _("详情"), accessor=lambda e: ", ".join(f"{k}={v}" for k, v in (e.detail or {}).items())),
    ],
    default_sort="-time",
)
