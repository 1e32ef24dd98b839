"""What HJ 212 codes mean, per edition, as data: system codes ST, command codes CN and data flags.

standards.md §1.5 (ST, HJ 212-2017 Table 5), §1.6 (CN, HJ 212-2017 Table 9, with the HJ/T 212-2005 codes that
differ and the HJ 212-2025 additions) and §1.9 (data flags). The 2025 rows come from one implementation,
not from the text (standards.md marks them [I]); a correction is one row here. Names are the standard's
Chinese names, shortened where the table's wording is a sentence.
"""

from __future__ import annotations

from .versions import EDITION_BY_VERSION_BITS, FLAG_ACK, FLAG_SPLIT

# §1.5, HJ 212-2017 Table 5 (citing GB/T 16706). 21 is surface water and 22 air quality, not the reverse.
SYSTEM_NAMES: dict[str, str] = {
    "21": "地表水质量监测",
    "22": "空气质量监测",
    "23": "声环境质量监测",
    "24": "地下水质量监测",
    "25": "土壤质量监测",
    "26": "海水质量监测",
    "27": "挥发性有机物监测",
    "31": "大气环境污染源",
    "32": "地表水体环境污染源",
    "33": "地下水体环境污染源",
    "34": "海洋环境污染源",
    "35": "土壤环境污染源",
    "36": "声环境污染源",
    "37": "振动环境污染源",
    "38": "放射性环境污染源",
    "39": "工地扬尘污染源",
    "41": "电磁环境污染源",
    "51": "烟气排放过程监控",
    "52": "污水排放过程监控",
    "91": "系统交互",
}

# §1.6, HJ 212-2017 Table 9. One name per code covers both directions (a host's request, a logger's upload).
COMMAND_NAMES_2017: dict[str, str] = {
    "1000": "设置超时时间及重发次数",
    "1011": "提取/上传现场机时间",
    "1012": "设置现场机时间",
    "1013": "现场机时间校准请求",
    "1061": "提取/上传实时数据间隔",
    "1062": "设置实时数据间隔",
    "1063": "提取/上传分钟数据间隔",
    "1064": "设置分钟数据间隔",
    "1072": "设置现场机访问密码",
    "2011": "污染物实时数据",
    "2012": "停止察看污染物实时数据",
    "2021": "设备运行状态数据",
    "2022": "停止察看设备运行状态",
    "2031": "污染物日历史数据",
    "2041": "设备运行时间日历史数据",
    "2051": "污染物分钟数据",
    "2061": "污染物小时数据",
    "2081": "数采仪开机时间",
    "3011": "零点校准/量程校准",
    "3012": "即时采样",
    "3013": "启动清洗/反吹",
    "3014": "比对采样",
    "3015": "超标留样",
    "3016": "设置采样时间周期",
    "3017": "提取/上传采样时间周期",
    "3018": "提取/上传出样时间",
    "3019": "提取/上传设备唯一标识",
    "3020": "提取/上传现场机信息",
    "3021": "设置现场机参数",
    "9011": "请求应答",
    "9012": "执行结果",
    "9013": "通知应答",
    "9014": "数据应答",
}

# §1.6: HJ/T 212-2005 codes that 2017 dropped or gave another meaning (3013 and 3014 differ by edition).
COMMAND_NAMES_2005: dict[str, str] = {
    **{cn: name for cn, name in COMMAND_NAMES_2017.items() if cn not in {"3013", "3014"}},
    "1021": "提取污染物报警门限值",
    "1022": "设置污染物报警门限值",
    "1031": "提取上位机地址",
    "1032": "设置上位机地址",
    "1041": "提取数据上报时间",
    "1042": "设置数据上报时间",
    "2071": "污染物报警记录",
    "2072": "上传污染物报警事件",
    "3013": "设备操作（2005版）",
    "3014": "设置设备采样时间周期（2005版）",
}

# §1.6: HJ 212-2025 additions [I: one implementation, not the text].
COMMAND_NAMES_2025: dict[str, str] = {
    **COMMAND_NAMES_2017,
    "1001": "上传数采仪硬件序列号",
    "1002": "设置数采仪 MN",
    "1014": "密钥请求/设置新密钥",
    "2013": "原始监测数据",
    "2052": "噪声单次测量数据",
    "2062": "自动标样核查数据",
    "2111": "炉膛温度 5 分钟均值",
    "3022": "即时留样",
    "3024": "启动标样核查",
    "9015": "心跳",
}

COMMAND_NAMES: dict[str, dict[str, str]] = {
    "2005": COMMAND_NAMES_2005,
    "2017": COMMAND_NAMES_2017,
    "2025": COMMAND_NAMES_2025,
}

# §1.9: data flags (-Flag). 2017 [P]; 2005 [I]; 2025 is taken to keep the 2017 meanings (the text was not read).
DATA_FLAGS_2017: dict[str, str] = {
    "N": "仪器正常",
    "F": "仪器停运",
    "M": "维护期间数据",
    "S": "手工输入的设定值",
    "D": "仪器故障",
    "C": "仪器校准",
    "T": "超测量上限",
    "B": "仪器与数采仪通讯异常",
}
DATA_FLAGS_2005: dict[str, str] = {
    "N": "正常",
    "F": "排放源停运",
    "M": "维护",
    "S": "设定值",
    "D": "故障",
    "C": "校验",
    "T": "超测上限",
    "P": "电源故障",
    # ambient air stations
    "0": "校准数据（空气站）",
    "1": "气象参数（空气站）",
    "2": "异常（空气站）",
    "3": "正常（空气站）",
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
DATA_TIME_ROLES: dict[str, str] = {"period_start": "时段起始", "instant": "采集时刻"}


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


def explain_flag(flag: int | None) -> list[str]:
    """§1.4: the Flag field bit by bit (V5..V0 = edition, D = split, A = ack), one sentence per part."""
    if flag is None:
        return ["无 Flag 字段：按 HJ/T 212-2005 处理"]
    bits = flag >> 2
    edition = EDITION_BY_VERSION_BITS.get(bits)
    return [
        f"版本位 V5–V0 = {bits:06b}：" + EDITION_TITLES.get(edition or "", "未知版本"),
        "D = 1：拆分包，带 PNUM/PNO" if flag & FLAG_SPLIT else "D = 0：不拆分",
        "A = 1：需要应答" if flag & FLAG_ACK else "A = 0：无需应答",
    ]
