"""Water sections: a month's class (GB 3838-2002 §5.1 single-factor evaluation) worse than the section's target
opens an alarm; an attained month clears it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from ecobrain.alarms.choices import AlarmStatus, RuleKind
from ecobrain.alarms.engine.sweep import sweep_assessment
from ecobrain.alarms.models import Alarm
from ecobrain.assessment.models import WaterQualityMonth
from tests import factories
from tests.alarms.engine_fixtures import engine, rule

pytestmark = pytest.mark.django_db


def month_row(station, month: date, water_class: str, target: str = "III", **fields):
    order = ["I", "II", "III", "IV", "V", "劣V"]
    return WaterQualityMonth.objects.create(
        station=station,
        month=month,
        water_class=water_class,
        target_class=target,
        attained=order.index(water_class) <= order.index(target),
        edition="GB 3838-2002",
        computed_at=fields.pop("computed_at", timezone.now()),
        **fields,
    )


@pytest.fixture
def section(qindu):
    return factories.station(
        qindu, kind="water_section", name="渭河咸阳段", waterbody="river", water_target_class="III"
    )


def months_back(n: int) -> date:
    first = timezone.localdate().replace(day=1)
    for _ in range(n):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def test_a_month_worse_than_the_target_opens_and_an_attained_month_clears(section, qindu):
    rule(RuleKind.WATER_CLASS, name="断面水质")
    eng = engine()
    month_row(section, months_back(2), "IV")  # NH3-N 1.2 → IV (standards.md §5.3 vector): target III missed
    sweep_assessment(timezone.now(), engine=eng)
    alarm = Alarm.objects.get()
    assert alarm.station == section and alarm.district_id == qindu.pk
    assert (alarm.last_value, alarm.threshold) == (4, 3)
    assert "Ⅳ类" in alarm.title and "Ⅲ类" in alarm.title
    month_row(section, months_back(1), "III")
    sweep_assessment(timezone.now(), engine=eng)
    assert Alarm.objects.get().status == AlarmStatus.RESOLVED


def test_a_month_without_a_verdict_is_skipped_and_old_months_are_not_read(section):
    rule(RuleKind.WATER_CLASS, name="断面水质")
    WaterQualityMonth.objects.create(
        station=section,
        month=months_back(1),
        water_class="",
        attained=None,
        edition="GB 3838-2002",
        computed_at=timezone.now(),
    )
    month_row(section, months_back(8), "劣V")
    sweep_assessment(timezone.now(), engine=engine())
    assert not Alarm.objects.exists()


def test_a_rule_for_another_station_does_not_fire(section, qindu):
    other = factories.station(qindu, kind="water_section", name="泾河", waterbody="river", water_target_class="II")
    rule(RuleKind.WATER_CLASS, name="泾河", station=other)
    month_row(section, months_back(1), "V")
    sweep_assessment(timezone.now(), engine=engine())
    assert not Alarm.objects.exists()
