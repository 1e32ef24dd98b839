"""HJ 633-2026 环境空气质量指数（AQI）技术规定 as data (reference: standards.md §2, S9), in force 2026-03-01."""

from datetime import date

from ecobrain.standards.aqi.editions import hj633_2012
from ecobrain.standards.aqi.model import Edition, LevelText, _

# HJ 633-2026 Table 3: identical to 2012 except the IAQI-100 breakpoints of PM10 (150 → 120) and PM2.5 (75 → 60).
BREAKPOINTS = {
    **hj633_2012.BREAKPOINTS,
    "pm10_24h": ((0, 0), (50, 50), (100, 120), (150, 250), (200, 350), (300, 420), (400, 500), (500, 600)),
    "pm2_5_24h": ((0, 0), (50, 35), (100, 60), (150, 115), (200, 150), (300, 250), (400, 350), (500, 500)),
}

# HJ 633-2026 Table 1 / Appendix A. The reference gives the 2026 wording only summarised (敏感人群, 青少年儿童,
# 心血管和呼吸系统疾病患者); this text applies those changes to the 2012 sentences and is not a verbatim copy.
LEVEL_TEXTS = (
    LevelText(_("空气质量令人满意，基本无空气污染"), _("各类人群可正常活动")),
    LevelText(
        _("空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响"),
        _("极少数异常敏感人群应减少户外活动"),
    ),
    LevelText(
        _("敏感人群症状有轻度加剧，健康人群出现刺激症状"),
        _("青少年儿童、老年人及心血管、呼吸系统疾病患者应减少长时间、高强度的户外锻炼"),
    ),
    LevelText(
        _("进一步加剧敏感人群症状，可能对健康人群心脏、呼吸系统有影响"),
        _("青少年儿童、老年人及心血管、呼吸系统疾病患者避免长时间、高强度的户外锻炼，一般人群适量减少户外运动"),
    ),
    LevelText(
        _("心血管和呼吸系统疾病患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状"),
        _("青少年儿童、老年人及心血管、呼吸系统疾病患者应停留在室内，停止户外运动，一般人群减少户外运动"),
    ),
    LevelText(
        _("健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病"),
        _("青少年儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动"),
    ),
)

# HJ 633-2026 Table 2: sensitive groups when a pollutant's IAQI exceeds 100.
SENSITIVE_GROUPS = {
    "so2": "哮喘患者、青少年儿童、老年人",
    "no2": "哮喘等呼吸系统疾病患者、青少年儿童、老年人",
    "co": "心血管疾病患者",
    "o3": "呼吸系统疾病患者、青少年儿童、户外活动较多人群、老年人",
    "pm10": "心血管或呼吸系统疾病患者、青少年儿童、户外活动较多人群、老年人",
    "pm2_5": "心血管或呼吸系统疾病患者、青少年儿童、户外活动较多人群、老年人",
}

EDITION = Edition(
    name="HJ 633-2026",
    year=2026,
    effective_from=date(2026, 3, 1),
    breakpoints=BREAKPOINTS,
    # Table 3 note (b): SO2 1-h above 800 → IAQI 200.
    so2_1h_above_top=200,
    # Table 3 note (c): O3 8-h above 800 → IAQI 300.
    o3_8h_above_top=300,
    # §4.2.2: concentrations rounded per GB/T 8170 — CO to 1 decimal (mg/m³), the others to integers (µg/m³).
    concentration_decimals={"so2": 0, "no2": 0, "co": 1, "o3": 0, "pm10": 0, "pm2_5": 0},
    # Real-time report (§4.2.4): the 1-h means of the six pollutants; PM 1-h values use the 24-h breakpoints.
    hourly_inputs={
        "so2": "so2_1h",
        "no2": "no2_1h",
        "co": "co_1h",
        "o3": "o3_1h",
        "pm10": "pm10_24h",
        "pm2_5": "pm2_5_24h",
    },
    hourly_reported={},
    # Daily report: the five daily means and the O3 daily maximum 8-h mean.
    daily_inputs={
        "so2": "so2_24h",
        "no2": "no2_24h",
        "co": "co_24h",
        "o3_8h": "o3_8h",
        "pm10": "pm10_24h",
        "pm2_5": "pm2_5_24h",
    },
    has_exceedance=False,  # 超标污染物 was deleted in 2026.
    aqi_min=1,  # §4.1.1: the AQI ranges over 1–500.
    level_texts=LEVEL_TEXTS,
    sensitive_groups=SENSITIVE_GROUPS,
)
