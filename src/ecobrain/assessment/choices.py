"""Choices of the assessment app: what a result is about, and the period a statistic covers."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The pollutants of the AQI, in the order of HJ 633 Table 1, as the keys `standards.aqi` uses.
AIR_POLLUTANTS = ("so2", "no2", "co", "o3", "pm10", "pm2_5")

# The HJ 212-2017 factor code of each pollutant (standards.md §1.10): where the hourly values are read from.
POLLUTANT_FACTOR_CODES = {
    "so2": "a21026",
    "no2": "a21004",
    "co": "a21005",
    "o3": "a05024",
    "pm10": "a34002",
    "pm2_5": "a34004",
}


class Scope(models.TextChoices):
    """What an assessment row is about: one station, a district's assessment stations, or the city's."""

    STATION = "station", _("站点")
    DISTRICT = "district", _("区县")
    CITY = "city", _("城市")


class PeriodKind(models.TextChoices):
    """The span of a statistics row."""

    MONTH = "month", _("月")
    YEAR = "year", _("年")
