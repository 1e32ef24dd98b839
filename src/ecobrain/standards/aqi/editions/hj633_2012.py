"""HJ 633-2012 环境空气质量指数（AQI）技术规定（试行） as data (reference: standards.md §2, S10)."""

from datetime import date

from ecobrain.standards.aqi.model import Edition, LevelText, _

# (IAQI, concentration) pairs per table; µg/m³ except CO in mg/m³. HJ 633-2012 Table 1.
BREAKPOINTS = {
    "so2_24h": ((0, 0), (50, 50), (100, 150), (150, 475), (200, 800), (300, 1600), (400, 2100), (500, 2620)),
    "so2_1h": ((0, 0), (50, 150), (100, 500), (150, 650), (200, 800)),
    "no2_24h": ((0, 0), (50, 40), (100, 80), (150, 180), (200, 280), (300, 565), (400, 750), (500, 940)),
    "no2_1h": ((0, 0), (50, 100), (100, 200), (150, 700), (200, 1200), (300, 2340), (400, 3090), (500, 3840)),
    "co_24h": ((0, 0), (50, 2), (100, 4), (150, 14), (200, 24), (300, 36), (400, 48), (500, 60)),
    "co_1h": ((0, 0), (50, 5), (100, 10), (150, 35), (200, 60), (300, 90), (400, 120), (500, 150)),
    "o3_8h": ((0, 0), (50, 100), (100, 160), (150, 215), (200, 265), (300, 800)),
    "o3_1h": ((0, 0), (50, 160), (100, 200), (150, 300), (200, 400), (300, 800), (400, 1000), (500, 1200)),
    "pm10_24h": ((0, 0), (50, 50), (100, 150), (150, 250), (200, 350), (300, 420), (400, 500), (500, 600)),
    "pm2_5_24h": ((0, 0), (50, 35), (100, 75), (150, 115), (200, 150), (300, 250), (400, 350), (500, 500)),
}

# HJ 633-2012 Table 2 (空气质量指数及相关信息), levels I–VI.
LEVEL_TEXTS = (
    LevelText(_("空气质量令人满意，基本无空气污染"), _("各类人群可正常活动")),
    LevelText(
        _("空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响"),
        _("极少数异常敏感人群应减少户外活动"),
    ),
    LevelText(
        _("易感人群症状有轻度加剧，健康人群出现刺激症状"),
        _("儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼"),
    ),
    LevelText(
        _("进一步加剧易感人群症状，可能对健康人群心脏、呼吸系统有影响"),
        _("儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，一般人群适量减少户外运动"),
    ),
    LevelText(
        _("心脏病和肺病患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状"),
        _("儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动"),
    ),
    LevelText(
        _("健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病"),
        _("儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动"),
    ),
)

EDITION = Edition(
    name="HJ 633-2012",
    year=2012,
    # Published 2012-02-29; GB 3095-2012 and this rule were applied city by city from 2012 and nationwide from
    # 2016-01-01 [UNVERIFIED]. The platform uses it for every date before HJ 633-2026 takes over.
    effective_from=date(2012, 2, 29),
    breakpoints=BREAKPOINTS,
    # Table 1 note: SO2 1-h above 800 → no 1-h IAQI, SO2 is reported with the IAQI of its 24-h average.
    so2_1h_above_top="use_24h",
    # Table 1 note: O3 8-h above 800 → no 8-h IAQI, O3 is reported with the IAQI of its 1-h concentration.
    o3_8h_above_top="use_1h",
    # HJ 633-2012 prescribes no rounding of concentrations before the IAQI: the value is used as reported.
    concentration_decimals=None,
    # Real-time report: 6 one-hour values enter the AQI (PM on the 24-h tables); the O3 8-h and PM 24-h moving means
    # are published beside it (reference §2.3, national practice [I]).
    hourly_inputs={
        "so2": "so2_1h",
        "no2": "no2_1h",
        "co": "co_1h",
        "o3": "o3_1h",
        "pm10": "pm10_24h",
        "pm2_5": "pm2_5_24h",
    },
    hourly_reported={"o3_8h": "o3_8h", "pm10_24h": "pm10_24h", "pm2_5_24h": "pm2_5_24h"},
    # Daily report: 7 indicators — five 24-h means, O3 daily max 1-h, O3 daily max 8-h moving mean.
    daily_inputs={
        "so2": "so2_24h",
        "no2": "no2_24h",
        "co": "co_24h",
        "o3": "o3_1h",
        "o3_8h": "o3_8h",
        "pm10": "pm10_24h",
        "pm2_5": "pm2_5_24h",
    },
    has_exceedance=True,
    aqi_min=0,
    level_texts=LEVEL_TEXTS,
)
