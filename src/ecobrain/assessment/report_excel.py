"""The reports as Excel workbooks (openpyxl through core.exports): the same data as the printable pages."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from ecobrain.assessment.reports import (
    DAILY_POLLUTANTS,
    PERIOD_POLLUTANTS,
    POLLUTANT_LABELS,
    STATISTIC_NAMES,
    UNITS,
    DailyReport,
    MonthlyReport,
)
from ecobrain.core.exports import xlsx_workbook_response


def _pct(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value * 100, digits)


def _num(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _header(title: str, period: str, report) -> list:
    generated = timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M")
    return [
        (title, None, [[settings.BUREAU_NAME], [period], [f"生成时间：{generated}（北京时间）"]]),
    ]


def _concentration_headers(keys) -> list[str]:
    return [f"{POLLUTANT_LABELS[key]}（{UNITS[key]}）" for key in keys]


def daily_workbook(report: DailyReport):
    title = f"{report.city_name}环境空气质量日报"
    blocks = _header(title, f"日期：{report.day:%Y-%m-%d}", report)
    if not report.has_data:
        blocks.append(("说明", None, [[note] for note in report.notes]))
        return xlsx_workbook_response(f"daily-report-{report.day:%Y%m%d}", [("日报", blocks)])
    city = report.city
    blocks.append(
        (
            "城市空气质量",
            ["AQI", "级别", "类别", "首要污染物", *_concentration_headers(DAILY_POLLUTANTS), "评价标准"],
            [
                [
                    city.aqi,
                    city.level_roman,
                    city.category,
                    city.primary or "—",
                    *[city.concentrations[key] for key in DAILY_POLLUTANTS],
                    report.edition,
                ]
            ],
        )
    )
    blocks.append(("健康影响与建议", None, [[f"健康影响：{report.health_effect}"], [f"建议措施：{report.advice}"]]))
    blocks.append(
        (
            "本月累计",
            ["优良天数", "有效天数", "优良天数比例（%）"],
            [[report.month_good_days, report.month_valid_days, _pct(report.month_good_ratio)]],
        )
    )
    line_headers = ["名称", "编码", "AQI", "级别", "类别", "首要污染物", *_concentration_headers(DAILY_POLLUTANTS)]
    for heading, lines in (("区县空气质量（按 AQI 排序）", report.districts), ("评价点位", report.stations)):
        blocks.append(
            (
                heading,
                line_headers,
                [
                    [line.name, line.code, line.aqi, line.level_roman, line.category, line.primary or "—"]
                    + [line.concentrations[key] for key in DAILY_POLLUTANTS]
                    for line in lines
                ],
            )
        )
    if report.notes:
        blocks.append(("说明", None, [[note] for note in report.notes]))
    return xlsx_workbook_response(f"daily-report-{report.day:%Y%m%d}", [("日报", blocks)])


def _period_rows(lines, *, with_rank: bool) -> list[list]:
    rows = []
    for line in lines:
        rows.append(
            ([line.rank] if with_rank else [])
            + [line.name, line.code, _num(line.comprehensive_index, 2), line.index_primary]
            + [_num(line.concentrations[key]) for key in PERIOD_POLLUTANTS]
            + [line.good_days, line.valid_days, _pct(line.good_ratio)]
            + [_pct(line.index_yoy), _pct(line.index_mom), _pct(line.pm2_5_yoy), _pct(line.pm2_5_mom)]
        )
    return rows


def monthly_workbook(report: MonthlyReport):
    title = f"{report.city_name}环境质量月报"
    blocks = _header(title, f"月份：{report.month:%Y-%m}", report)
    sheets = [("城市", blocks)]
    period_headers = [
        "名称",
        "编码",
        "综合指数",
        "最大分指数污染物",
        *_concentration_headers(PERIOD_POLLUTANTS),
        "优良天数",
        "有效天数",
        "优良天数比例（%）",
        "综合指数同比（%）",
        "综合指数环比（%）",
        "PM₂.₅同比（%）",
        "PM₂.₅环比（%）",
    ]
    if report.city:
        c = report.city
        blocks.append(("城市空气质量", period_headers, _period_rows([c], with_rank=False)))
        blocks.append(
            (
                "各级别天数",
                ["优", "良", "轻度污染", "中度污染", "重度污染", "严重污染"],
                [[c.days_per_level[str(level)] for level in range(1, 7)]],
            )
        )
        blocks.append(
            (
                "评价浓度的统计方法",
                ["污染物", "统计量"],
                [[POLLUTANT_LABELS[key], STATISTIC_NAMES[key]] for key in PERIOD_POLLUTANTS]
                + [["评价标准", report.edition]],
            )
        )
    if report.notes:
        blocks.append(("说明", None, [[note] for note in report.notes]))
    sheets.append(
        (
            "区县排名",
            [
                (
                    "区县综合指数排名（由小到大）",
                    ["排名", *period_headers],
                    _period_rows(report.districts, with_rank=True),
                )
            ],
        )
    )
    sheets.append(
        ("评价点位", [("评价点位", ["排名", *period_headers], _period_rows(report.stations, with_rank=True))])
    )
    summary = report.water_summary.text()
    sheets.append(
        (
            "水质断面",
            [
                (
                    "断面水质（GB 3838-2002）",
                    [
                        "断面",
                        "编码",
                        "区县",
                        "水体类型",
                        "水质类别",
                        "水质状况",
                        "水质目标",
                        "达标",
                        "定类因子（超标倍数）",
                        "样本数",
                    ],
                    [
                        [
                            s.station.name,
                            s.station.code,
                            s.station.district.name if s.station.district else "",
                            s.waterbody,
                            s.class_label or "无数据",
                            s.status,
                            s.target,
                            s.attained,
                            s.worst_text(),
                            s.row.samples if s.row else 0,
                        ]
                        for s in report.water
                    ],
                ),
                (
                    "概况",
                    ["有结果断面", "Ⅰ–Ⅲ类比例", "劣Ⅴ类比例", "目标达标率"],
                    [[report.water_summary.with_data, summary["good"], summary["worse_than_v"], summary["attainment"]]],
                ),
            ],
        )
    )
    return xlsx_workbook_response(f"monthly-report-{report.month:%Y%m}", sheets)
