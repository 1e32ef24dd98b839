"""The demo registry's data tables: places, station networks, factor sets, names and data loggers.

Everything here is fixed; only positions, names and serials are drawn from the seeded RNG.
The four national control stations carry their real (public) codes and coordinates; every other
position is a demo position.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecobrain.registry.choices import StationKind

DEMO_POSITION_NOTE = "演示点位，非真实坐标"
NATIONAL_NOTE = "国控点：站点编码与坐标为公开信息"
ISSUED_BY = "咸阳市生态环境局"


@dataclass(frozen=True)
class County:
    adcode: str
    name: str
    place: str  # how the county appears in company names
    seat: tuple[float, float]  # approximate county seat (lon, lat)
    city_stations: int
    micro_stations: int
    soil_points: int
    cameras: int


# More air stations in the urban districts, fewer in the northern mountain counties; thermal cameras
# follow the wheat/maize counties of the Guanzhong plain and the Weibei tableland.
COUNTIES = (
    County("610402", "秦都区", "咸阳", (108.705, 34.335), 4, 18, 4, 10),
    County("610403", "杨陵区", "杨凌", (108.085, 34.272), 1, 5, 3, 8),
    County("610404", "渭城区", "咸阳", (108.760, 34.370), 4, 16, 4, 10),
    County("610422", "三原县", "三原", (108.940, 34.620), 2, 7, 4, 30),
    County("610423", "泾阳县", "泾阳", (108.840, 34.530), 2, 7, 4, 32),
    County("610424", "乾县", "乾县", (108.240, 34.530), 2, 6, 4, 36),
    County("610425", "礼泉县", "礼泉", (108.430, 34.480), 2, 6, 4, 34),
    County("610426", "永寿县", "永寿", (108.140, 34.690), 1, 3, 3, 22),
    County("610428", "长武县", "长武", (107.800, 35.210), 1, 3, 3, 16),
    County("610429", "旬邑县", "旬邑", (108.330, 35.110), 1, 3, 3, 20),
    County("610430", "淳化县", "淳化", (108.580, 34.800), 1, 3, 3, 22),
    County("610431", "武功县", "武功", (108.210, 34.260), 2, 6, 3, 26),
    County("610481", "兴平市", "兴平", (108.490, 34.300), 2, 8, 4, 28),
    County("610482", "彬州市", "彬州", (108.080, 35.040), 1, 6, 3, 22),
)
COUNTY_BY_ADCODE = {county.adcode: county for county in COUNTIES}

# code, name, lon, lat (public data of the national urban air quality network)
NATIONAL_STATIONS = (
    ("1918A", "气象站(对照点)", 108.7197, 34.3956),
    ("1919A", "实验中学", 108.673, 34.3155),
    ("1920A", "师范学院", 108.7233, 34.3617),
    ("3165A", "两寺渡", 108.6594, 34.2969),
)
CITY_STATION_SITES = ("市民广场", "第一中学", "人民医院", "开发区", "文化中心", "体育场")

# code, name, county
VOCS_STATIONS = (
    ("SXY-VOC-01", "咸阳高新区VOCs站", "610402"),
    ("SXY-VOC-02", "渭城区钓台VOCs站", "610404"),
    ("SXY-VOC-03", "兴平市工业园区VOCs站", "610481"),
    ("SXY-VOC-04", "三原县工业园区VOCs站", "610422"),
    ("SXY-VOC-05", "泾阳县工业园区VOCs站", "610423"),
    ("SXY-VOC-06", "彬州市工业园区VOCs站", "610482"),
    ("SXY-VOC-07", "礼泉县工业园区VOCs站", "610425"),
)
# code, name, kind, county, anchor on the river (lon, lat)
WATER_STATIONS = (
    ("SXY-WQ-01", "渭河咸阳铁桥", StationKind.WATER_AUTO, "610402", (108.700, 34.322)),
    ("SXY-WQ-02", "渭河兴平段", StationKind.WATER_SECTION, "610481", (108.470, 34.240)),
    ("SXY-WQ-03", "泾河桥", StationKind.WATER_AUTO, "610423", (108.870, 34.500)),
    ("SXY-WQ-04", "泾河彬州段", StationKind.WATER_SECTION, "610482", (108.100, 35.020)),
)
# The sections' waterbody (all four are on rivers) and target class (水质目标) by code. The targets are demo values,
# not the official assessment targets of these sections.
WATER_TARGETS = {
    "SXY-WQ-01": ("river", "III"),
    "SXY-WQ-02": ("river", "IV"),
    "SXY-WQ-03": ("river", "III"),
    "SXY-WQ-04": ("river", "III"),
}
DEMO_TARGET_NOTE = "水质目标为演示值，非官方考核目标"
RADIATION_STATION = ("SXY-RAD-01", "咸阳市辐射环境自动监测站", "610404")
SOIL_POINT_KINDS = ("基础点", "风险监控点", "背景点")

AIR_POLLUTANTS = ("a34004", "a34002", "a21026", "a21004", "a21005", "a05024")
MET_FACTORS = ("a01001", "a01002", "a01006", "a01007", "a01008")
# Micro stations: six-parameter, four-parameter (no SO2/CO) or particulate + NO2 only, with weights.
MICRO_FACTOR_SETS = (
    (AIR_POLLUTANTS, 5),
    (("a34004", "a34002", "a21004", "a05024"), 3),
    (("a34004", "a34002", "a21004"), 2),
)
VOCS_FACTORS = ("a24088", "a25002", "a99054")
WATER_FACTORS = ("w01001", "w01009", "w01019", "w21003", "w21011", "w21001", "w01010", "w01014", "w01003")
GAS_OUTLET_FACTORS = ("a34013", "a21026", "a21002", "a19001", "a00000", "a01012")
WATER_OUTLET_FACTORS = ("w01018", "w21003", "w21011", "w21001", "w01001", "w00000")


# Invented brand syllables: names are "<place><brand><suffix>", fictional by construction.
BRAND_FIRST = "澄栖苍望棠鹤霁岫溪松岚桐汀槐蘅芷漪沣泓翊"
BRAND_SECOND = "梧川禾源屿晖泽岳林峰原麓湾谷塬砚澜岑曦韵"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董袁潘杜程魏薛雷贺"
# fmt: off
GIVEN_NAMES = (
    "建国", "志强", "海涛", "小军", "丽娟", "文静", "晓东", "红梅", "卫东", "永刚", "秀英", "国华", "立新",
    "建军", "晓燕", "俊峰", "婷婷", "鹏飞", "亚楠", "志刚", "宏伟", "春燕", "明辉", "海燕", "振华", "雪梅",
    "伟", "磊", "静", "敏", "勇", "洁", "军", "芳",
)
# fmt: on
CONTACT_TITLES = ("环保负责人", "环保专员", "在线监测运维负责人")
ROADS = ("工业大道", "创业路", "兴业路", "科技路", "园区一路", "园区二路", "经发路", "产业大道", "纬二路", "环城北路")

# Fictional data-logger makers and models.
DEVICE_MODELS = (
    ("秦川智测环境科技有限公司", "QC-DL2017"),
    ("渭华环保仪器有限公司", "WH-212B"),
    ("长安数采技术有限公司", "CA-9000"),
    ("西岳在线监测设备有限公司", "XY-DAS3"),
    ("泾渭智能仪表有限公司", "JW-212S"),
)
PROTOCOL_WEIGHTS = (("2017", 80), ("2005", 15), ("2025", 5))
