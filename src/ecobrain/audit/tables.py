from ecobrain.core.tables import Column, Table

objectchange_table = Table(
    [
        Column("time", "时间", sort="time"),
        Column("action", "操作", sort="action"),
        Column(
            "content_type",
            "对象类型",
            accessor=lambda c: (
                c.content_type.model_class()._meta.verbose_name
                if c.content_type.model_class()
                else c.content_type.model
            ),
        ),
        Column("object_repr", "对象", sort="object_repr"),
        Column("user_name", "操作人", sort="user_name"),
        Column("source", "来源", sort="source"),
        Column("changes", "变更字段", accessor=lambda c: "、".join(name for name, _, _ in c.changed_fields())),
    ],
    default_sort="-time",
    select_related=("content_type",),
)

securityevent_table = Table(
    [
        Column("time", "时间", sort="time"),
        Column("kind", "类型", sort="kind"),
        Column("username", "用户名", sort="username"),
        Column("ip", "IP地址", sort="ip"),
        Column("detail", "详情", accessor=lambda e: ", ".join(f"{k}={v}" for k, v in (e.detail or {}).items())),
    ],
    default_sort="-time",
)
