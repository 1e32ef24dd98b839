from django.db import models
from django.utils.translation import gettext_lazy as _


class FactorMedium(models.TextChoices):
    GAS = "gas", _("气")
    WATER = "water", _("水")
    NOISE = "noise", _("噪声")
    OTHER = "other", _("其他")


class StationKind(models.TextChoices):
    AIR_NATIONAL = "air_national", _("空气国控站")
    AIR_PROVINCIAL = "air_provincial", _("空气省控站")
    AIR_CITY = "air_city", _("空气市控站")
    AIR_MICRO = "air_micro", _("空气微站")
    VOCS = "vocs", _("VOCs监测站")
    WATER_AUTO = "water_auto", _("地表水自动站")
    WATER_SECTION = "water_section", _("地表水断面")
    SOIL = "soil", _("土壤监测点")
    NOISE = "noise", _("噪声监测点")
    RADIATION = "radiation", _("辐射监测站")
    THERMAL_CAMERA = "thermal_camera", _("秸秆焚烧热成像")


class Waterbody(models.TextChoices):
    """GB 3838-2002 Table 1 sets TP (and TN) limits apart for lakes and reservoirs (湖、库)."""

    RIVER = "river", _("河流")
    LAKE = "lake", _("湖库")


class WaterClass(models.TextChoices):
    """GB 3838-2002 §3 classes, best first, and worse than Class V."""

    I = "I", "Ⅰ类"  # noqa: E741 - the class is called I
    II = "II", "Ⅱ类"
    III = "III", "Ⅲ类"
    IV = "IV", "Ⅳ类"
    V = "V", "Ⅴ类"
    WORSE_THAN_V = "劣V", "劣Ⅴ类"


WATER_STATION_KINDS = {"water_auto", "water_section"}

AIR_STATION_KINDS = {StationKind.AIR_NATIONAL, StationKind.AIR_PROVINCIAL, StationKind.AIR_CITY, StationKind.AIR_MICRO}


class StationStatus(models.TextChoices):
    ACTIVE = "active", _("运行")
    SUSPENDED = "suspended", _("停运")
    BUILDING = "building", _("建设中")
    RETIRED = "retired", _("撤销")


class Industry(models.TextChoices):
    """GB/T 4754-2017 classes common among a city's monitored sources."""

    THERMAL_POWER = "D4411", _("火力发电 (4411)")
    HEAT_SUPPLY = "D4430", _("热力生产和供应 (4430)")
    CEMENT = "C3011", _("水泥制造 (3011)")
    COKING = "C2521", _("炼焦 (2521)")
    CHEMICALS = "C26", _("化学原料和化学制品制造业 (26)")
    PHARMA = "C27", _("医药制造业 (27)")
    TEXTILES = "C17", _("纺织业 (17)")
    FOOD = "C14", _("食品制造业 (14)")
    AGRI_FOOD = "C13", _("农副食品加工业 (13)")
    BEVERAGE = "C15", _("酒、饮料和精制茶制造业 (15)")
    PAPER = "C22", _("造纸和纸制品业 (22)")
    NONMETAL_MINERAL = "C30", _("非金属矿物制品业 (30)")
    FERROUS = "C31", _("黑色金属冶炼和压延加工业 (31)")
    COAL_MINING = "B06", _("煤炭开采和洗选业 (06)")
    WASTEWATER = "D4620", _("污水处理及其再生利用 (4620)")
    WASTE = "N7820", _("环境卫生管理（垃圾处理） (7820)")
    HOSPITAL = "Q8411", _("医院 (8411)")
    OTHER = "other", _("其他")


class KeyUnitCategory(models.TextChoices):
    NONE = "none", _("非重点排污单位")
    WATER = "water", _("水环境重点排污单位")
    AIR = "air", _("大气环境重点排污单位")
    WATER_AIR = "water_air", _("水、大气环境重点排污单位")
    SOIL = "soil", _("土壤污染重点监管单位")
    NOISE = "noise", _("声环境重点排污单位")
    RISK = "risk", _("环境风险重点管控单位")
    OTHER = "other", _("其他重点排污单位")


class EnterpriseStatus(models.TextChoices):
    OPERATING = "operating", _("正常生产")
    SUSPENDED = "suspended", _("停产")
    CLOSED = "closed", _("关闭")


class OutletKind(models.TextChoices):
    GAS = "gas", _("废气排放口")
    WATER = "water", _("废水排放口")


class LimitBasis(models.TextChoices):
    HOURLY = "hourly", _("小时均值")
    DAILY = "daily", _("日均值")
    INSTANT = "instant", _("瞬时值")


class PermitCategory(models.TextChoices):
    KEY = "key", _("重点管理")
    SIMPLIFIED = "simplified", _("简化管理")
    REGISTRATION = "registration", _("登记管理")


class ProtocolVersion(models.TextChoices):
    HJ212_2005 = "2005", _("HJ/T 212-2005")
    HJ212_2017 = "2017", _("HJ 212-2017")
    HJ212_2025 = "2025", _("HJ 212-2025")


class DeviceStatus(models.TextChoices):
    ACTIVE = "active", _("在用")
    MAINTENANCE = "maintenance", _("维护")
    RETIRED = "retired", _("停用")
