"""What HJ 212 codes mean, per edition, as data: system codes ST, command codes CN and data flags.

standards.md §1.5 (ST, HJ 212-2017 Table 5), §1.6 (CN, HJ 212-2017 Table 9, with the HJ/T 212-2005 codes that
differ and the HJ 212-2025 additions) and §1.9 (data flags). The 2025 rows come from one implementation,
not from the text (standards.md marks them [I]); a correction is one row here. Names are the standard's
Chinese names, shortened where the table's wording is a sentence.

Translation: this package does not import Django. Every name and sentence is marked with ``_`` below, which
returns the text unchanged and only lets ``makemessages`` extract it into the catalogue; the tables stay
Chinese, and the Django layer translates at display time (``gettext(name)``, or ``explain_flag(flag,
translate=gettext)``).
"""

from __future__ import annotations

from collections.abc import Callable

from .versions import EDITION_BY_VERSION_BITS, FLAG_ACK, FLAG_SPLIT


def _(text: str) -> str:
    """A marker for ``makemessages`` (like Django's ``gettext_noop``): the text, untranslated."""
    return text


# §1.5, HJ 212-2017 Table 5 (citing GB/T 16706). 21 is surface water and 22 air quality, not the reverse.
SYSTEM_NAMES: dict[str, str] = {
    "21": _("地表水质量监测"),
    "22": _("空气质量监测"),
    "23": _("声环境质量监测"),
    "24": _("地下水质量监测"),
    "25": _("土壤质量监测"),
    "26": _("海水质量监测"),
    "27": _("挥发性有机物监测"),
    "31": _("大气环境污染源"),
    "32": _("地表水体环境污染源"),
    "33": _("地下水体环境污染源"),
    "34": _("海洋环境污染源"),
    "35": _("土壤环境污染源"),
    "36": _("声环境污染源"),
    "37": _("振动环境污染源"),
    "38": _("放射性环境污染源"),
    "39": _("工地扬尘污染源"),
    "41": _("电磁环境污染源"),
    "51": _("烟气排放过程监控"),
    "52": _("污水排放过程监控"),
    "91": _("系统交互"),
}

# §1.6, HJ 212-2017 Table 9. One name per code covers both directions (a host's request, a logger's upload).
COMMAND_NAMES_2017: dict[str, str] = {
    "1000": _("设置超时时间及重发次数"),
    "1011": _("提取/上传现场机时间"),
    "1012": _("设置现场机时间"),
    "1013": _("现场机时间校准请求"),
    "1061": _("提取/上传实时数据间隔"),
    "1062": _("设置实时数据间隔"),
    "1063": _("提取/上传分钟数据间隔"),
    "1064": _("设置分钟数据间隔"),
    "1072": _("设置现场机访问密码"),
    "2011": _("污染物实时数据"),
    "2012": _("停止察看污染物实时数据"),
    "2021": _("设备运行状态数据"),
    "2022": _("停止察看设备运行状态"),
    "2031": _("污染物日历史数据"),
    "2041": _("设备运行时间日历史数据"),
    "2051": _("污染物分钟数据"),
    "2061": _("污染物小时数据"),
    "2081": _("数采仪开机时间"),
    "3011": _("零点校准/量程校准"),
    "3012": _("即时采样"),
    "3013": _("启动清洗/反吹"),
    "3014": _("比对采样"),
    "3015": _("超标留样"),
    "3016": _("设置采样时间周期"),
    "3017": _("提取/上传采样时间周期"),
    "3018": _("提取/上传出样时间"),
    "3019": _("提取/上传设备唯一标识"),
    "3020": _("提取/上传现场机信息"),
    "3021": _("设置现场机参数"),
    "9011": _("请求应答"),
    "9012": _("执行结果"),
    "9013": _("通知应答"),
    "9014": _("数据应答"),
}

# §1.6: HJ/T 212-2005 codes that 2017 dropped or gave another meaning (3013 and 3014 differ by edition).
COMMAND_NAMES_2005: dict[str, str] = {
    **{cn: name for cn, name in COMMAND_NAMES_2017.items() if cn not in {"3013", "3014"}},
    "1021": _("提取污染物报警门限值"),
    "1022": _("设置污染物报警门限值"),
    "1031": _("提取上位机地址"),
    "1032": _("设置上位机地址"),
    "1041": _("提取数据上报时间"),
    "1042": _("设置数据上报时间"),
    "2071": _("污染物报警记录"),
    "2072": _("上传污染物报警事件"),
    "3013": _("设备操作（2005版）"),
    "3014": _("设置设备采样时间周期（2005版）"),
}

# §1.6: HJ 212-2025 additions [I: one implementation, not the text].
COMMAND_NAMES_2025: dict[str, str] = {
    **COMMAND_NAMES_2017,
    "1001": _("上传数采仪硬件序列号"),
    "1002": _("设置数采仪 MN"),
    "1014": _("密钥请求/设置新密钥"),
    "2013": _("原始监测数据"),
    "2052": _("噪声单次测量数据"),
    "2062": _("自动标样核查数据"),
    "2111": _("炉膛温度 5 分钟均值"),
    "3022": _("即时留样"),
    "3024": _("启动标样核查"),
    "9015": _("心跳"),
}

COMMAND_NAMES: dict[str, dict[str, str]] = {
    "2005": COMMAND_NAMES_2005,
    "2017": COMMAND_NAMES_2017,
    "2025": COMMAND_NAMES_2025,
}

# §1.9: data flags (-Flag). 2017 [P]; 2005 [I]; 2025 is taken to keep the 2017 meanings (the text was not read).
DATA_FLAGS_2017: dict[str, str] = {
    "N": _("仪器正常"),
    "F": _("仪器停运"),
    "M": _("维护期间数据"),
    "S": _("手工输入的设定值"),
    "D": _("仪器故障"),
    "C": _("仪器校准"),
    "T": _("超测量上限"),
    "B": _("仪器与数采仪通讯异常"),
}
DATA_FLAGS_2005: dict[str, str] = {
    "N": _("正常"),
    "F": _("排放源停运"),
    "M": _("维护"),
    "S": _("设定值"),
    "D": _("故障"),
    "C": _("校验"),
    "T": _("超测上限"),
    "P": _("电源故障"),
    # ambient air stations
    "0": _("校准数据（空气站）"),
    "1": _("气象参数（空气站）"),
    "2": _("异常（空气站）"),
    "3": _("正常（空气站）"),
}
DATA_FLAGS: dict[str, dict[str, str]] = {"2005": DATA_FLAGS_2005, "2017": DATA_FLAGS_2017, "2025": DATA_FLAGS_2017}
# §1.9: the flags that mean "the instrument worked normally", per edition.
NORMAL_FLAGS: dict[str, frozenset[str]] = {
    "2005": frozenset({"N", "3"}),
    "2017": frozenset({"N"}),
    "2025": frozenset({"N"}),
}

EDITION_TITLES: dict[str, str] = {"2005": "HJ/T 212-2005", "2017": "HJ 212-2017", "2025": "HJ 212-2025"}

# §1.3: what DataTime means per CN, for display (history data: the period start; real-time: the instant).
DATA_TIME_ROLES: dict[str, str] = {"period_start": _("时段起始"), "instant": _("采集时刻")}


def system_name(st: str) -> str | None:
    """The meaning of a system code (ST), or None for an unofficial one (``ST=101`` is seen in the field)."""
    return SYSTEM_NAMES.get(st)


def command_name(cn: str, edition: str = "2017") -> str | None:
    """The name of a command code in ``edition`` ("2005", "2017", "2025"); None for a reserved or unknown code."""
    return COMMAND_NAMES.get(edition, COMMAND_NAMES_2017).get(cn)


def data_flag_meaning(flag: str, edition: str = "2017") -> str | None:
    """The meaning of a data flag in ``edition``; None for a local extension flag (kept as sent)."""
    return DATA_FLAGS.get(edition, DATA_FLAGS_2017).get(flag)


def is_normal_flag(flag: str, edition: str = "2017") -> bool:
    return flag in NORMAL_FLAGS.get(edition, NORMAL_FLAGS["2017"])


def explain_flag(flag: int | None, translate: Callable[[str], str] = _) -> list[str]:
    """§1.4: the Flag field bit by bit (V5..V0 = edition, D = split, A = ack), one sentence per part.

    ``translate`` turns each Chinese sentence template into the reader's language (Django's ``gettext``);
    the default keeps it Chinese. Values fill named placeholders after translation.
    """
    if flag is None:
        return [translate(_("无 Flag 字段：按 HJ/T 212-2005 处理"))]
    bits = flag >> 2
    edition = EDITION_BY_VERSION_BITS.get(bits)
    title = EDITION_TITLES[edition] if edition in EDITION_TITLES else translate(_("未知版本"))
    return [
        translate(_("版本位 V5–V0 = %(bits)s：%(edition)s")) % {"bits": f"{bits:06b}", "edition": title},
        translate(_("D = 1：拆分包，带 PNUM/PNO")) if flag & FLAG_SPLIT else translate(_("D = 0：不拆分")),
        translate(_("A = 1：需要应答")) if flag & FLAG_ACK else translate(_("A = 0：无需应答")),
    ]
