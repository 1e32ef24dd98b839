"""Columns of the alarm centre and the rule list, shared by the HTML tables and the CSV/Excel exports."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _

from ecobrain.core.tables import Column, Table


def alarm_object(alarm) -> str:
    """The alarm's object in words: enterprise and outlet, station, or district (city-wide alarms: 全市)."""
    parts = []
    if alarm.enterprise_id:
        parts.append(alarm.enterprise.name)
    if alarm.outlet_id:
        parts.append(alarm.outlet.code)
    if alarm.station_id:
        parts.append(alarm.station.name)
    if not parts:
        parts.append(alarm.district.name if alarm.district_id else str(_("全市")))
    return " ".join(parts)


def _number(value) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def alarm_value(alarm) -> str:
    """最近值 / 阈值 with the unit, e.g. ``48.2 / 35 mg/m³``."""
    if alarm.last_value is None:
        return ""
    text = _number(alarm.last_value)
    if alarm.threshold is not None:
        text += f" / {_number(alarm.threshold)}"
    return f"{text} {alarm.unit}".strip()


alarm_table = Table(
    [
        Column("id", _("编号"), sort="id"),
        Column("title", _("标题"), link=True),
        Column("status", _("状态"), sort="status"),
        Column("severity", _("报警级别"), sort="severity"),
        Column("kind", _("报警类型"), sort="kind"),
        Column(
            "district",
            _("区县"),
            accessor=lambda a: a.district.name if a.district_id else _("全市"),
            sort="district__adcode",
        ),
        Column("object", _("报警对象"), accessor=alarm_object),
        Column("value", _("最近值/阈值"), accessor=alarm_value, export=False),
        Column("triggered_at", _("报警时间"), sort="triggered_at"),
        Column("last_triggered_at", _("最近触发"), sort="last_triggered_at"),
        Column("trigger_count", _("触发次数"), sort="trigger_count"),
        Column("workorder", _("任务单"), accessor=lambda a: a.workorder.number if a.workorder_id else ""),
        Column("rule", _("规则"), accessor=lambda a: a.rule.name, html=False),
        Column("message", _("报警内容"), html=False),
        Column("factor", _("监测因子"), accessor=lambda a: a.factor.name if a.factor_id else "", html=False),
        Column("first_value", _("首次触发值"), html=False),
        Column("last_value", _("最近触发值"), html=False),
        Column("peak_value", _("峰值"), html=False),
        Column("threshold", _("阈值"), html=False),
        Column("unit", _("单位"), html=False),
        Column("first_period", _("首次超限时段"), html=False),
        Column("last_period", _("最近超限时段"), html=False),
        Column("cleared_at", _("恢复正常时间"), html=False),
        Column("acknowledged_at", _("确认时间"), html=False),
        Column(
            "acknowledged_by",
            _("确认人"),
            accessor=lambda a: (
                (a.acknowledged_by.get_full_name() or a.acknowledged_by.username) if a.acknowledged_by_id else ""
            ),
            html=False,
        ),
        Column("closed_at", _("关闭时间"), html=False),
        Column("false_reason", _("误报原因"), html=False),
    ],
    default_sort="-triggered_at",
    # Four joins, the rest fetched apart (one small query each): on PostgreSQL planning the join order of seven
    # or eight joins took 50–120 ms, against a millisecond to run; on SQLite an inner join to the rules made the
    # planner start from them and sort every alarm (a second on 100,000 alarms) instead of walking the
    # triggered_at index.
    select_related=("district", "enterprise", "station", "outlet"),
    prefetch_related=("rule", "factor", "workorder"),
)
EXPORT_PREFETCH = ("acknowledged_by",)
# A county's boundary GeoJSON is large: decoding it for every row of a page cost more than the queries.
ALARM_LIST_DEFER = ("district__boundary",)


def alarm_rows(queryset, *, export: bool = False):
    """``queryset`` with what the alarm tables read (the exports a little more), without the boundaries."""
    prefetch = (*alarm_table.prefetch_related, *(EXPORT_PREFETCH if export else ()))
    return queryset.select_related(*alarm_table.select_related).prefetch_related(*prefetch).defer(*ALARM_LIST_DEFER)


class KeysFirstPaginator(Paginator):
    """Pages that find their ids on the bare alarm table first, then read those rows with their joins.

    OFFSET must walk every row before the page: done on the ``triggered_at`` index alone it is cheap, where the
    joined query joined every skipped row too (page 50 joins 2,450 rows for nothing).
    """

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids).order_by()}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


def rule_scope(rule) -> str:
    """The rule's scope in words: the narrowest object named, or 全市."""
    parts = [
        str(obj) for obj in (rule.district, rule.enterprise, rule.outlet, rule.station, rule.factor) if obj is not None
    ]
    return " · ".join(parts) or str(_("全市"))


rule_table = Table(
    [
        Column("name", _("规则名称"), sort="name", link=True),
        Column("kind", _("规则类型"), sort="kind"),
        Column("enabled", _("启用"), sort="enabled"),
        Column("severity", _("报警级别"), sort="severity"),
        Column("scope", _("范围"), accessor=rule_scope),
        Column("consecutive", _("连续次数"), sort="consecutive"),
        Column("clear_after", _("恢复次数"), html=False),
        Column("open_alarms", _("未关闭报警"), sort="open_alarms"),
        Column("params", _("参数"), accessor=lambda r: json.dumps(r.params, ensure_ascii=False), html=False),
        Column("description", _("说明"), html=False),
        Column("updated", _("更新时间"), sort="updated"),
    ],
    default_sort="kind",
    select_related=("district", "enterprise", "outlet", "station", "factor"),
)
