"""排名 over HTTP and the ranking rules: order by comprehensive index (smaller is better, ties equal on the published
two decimals), year-on-year and month-on-month changes, invalid statistics marked, exports, query counts.

standards.md §3.3 (comprehensive index, ranking, excellent-good ratio); HJ 663 / GB 3095 Table 4 for validity.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from ecobrain.assessment import ranking
from ecobrain.assessment.choices import PeriodKind
from ecobrain.assessment.queries import QueryError
from tests import factories
from tests.assessment import air_rows

RANKINGS = "/assessment/air/rankings/"
NOV = date(2026, 11, 1)


@pytest.fixture
def ranked(city, qindu, binzhou):
    """November 2026: 彬州 3.5, 秦都 4.004 and 渭城 3.996 (both published 4.00), 杨陵 without an index."""
    weicheng, yangling = factories.region("610404"), factories.region("610403")
    air_rows.period(region=binzhou, start=NOV, index=3.5, pm2_5=30.0)
    air_rows.period(region=qindu, start=NOV, index=4.004, pm2_5=44.0, good_days=22)
    air_rows.period(region=weicheng, start=NOV, index=3.996, pm2_5=42.0)
    air_rows.period(region=yangling, start=NOV, index=None, invalid=("pm2_5",))
    air_rows.period(region=city, start=NOV, index=3.9)  # the city is not ranked among its districts
    air_rows.period(region=qindu, start=date(2025, 11, 1), index=5.005, pm2_5=55.0)  # a year before
    air_rows.period(region=qindu, start=date(2026, 10, 1), index=3.2, pm2_5=40.0)  # the month before
    s1 = factories.station(qindu, code="AQ001", name="秦都监测站", kind="air_national", is_assessment=True)
    s2 = factories.station(binzhou, code="AB001", name="彬州监测站", kind="air_provincial", is_assessment=True)
    s3 = factories.station(qindu, code="AQ002", name="秦都微站", kind="air_micro")
    air_rows.period(station=s1, start=NOV, index=4.2, invalid=("pm2_5", "o3_8h"), valid_days=20, good_days=15)
    air_rows.period(station=s2, start=NOV, index=3.1)
    air_rows.period(station=s3, start=NOV, index=2.0)
    for region, index in ((qindu, 4.5), (binzhou, 4.1)):
        air_rows.period(region=region, start=date(2026, 1, 1), kind=PeriodKind.YEAR, index=index)
    air_rows.period(region=qindu, start=date(2025, 1, 1), kind=PeriodKind.YEAR, index=5.0)
    return {"s1": s1, "s2": s2, "s3": s3}


def test_districts_rank_by_published_index_with_ties_and_unranked_last(ranked, monitor):
    rows = ranking.ranking(monitor, ranking.Period(PeriodKind.MONTH, NOV), scope="district")
    assert [(r.name, r.rank, str(r.index) if r.index is not None else None) for r in rows] == [
        ("彬州市", 1, "3.50"),
        ("秦都区", 2, "4.00"),  # 4.004 and 3.996 both publish 4.00: they share rank 2 …
        ("渭城区", 2, "4.00"),
        ("杨陵区", None, None),  # … and no index means no rank
    ]


def test_published_index_rounds_half_to_even_on_the_decimal():
    """GB/T 8170 on the exact decimal: 3.057 → 3.06 (standards.md §3.4), 3.125 → 3.12, 3.135 → 3.14."""
    assert [str(ranking.published_index(v)) for v in (3.057, 3.125, 3.135, 2.0)] == ["3.06", "3.12", "3.14", "2.00"]
    assert ranking.published_index(None) is None


def test_year_on_year_and_month_on_month_changes(ranked, monitor):
    rows = {r.name: r for r in ranking.ranking(monitor, ranking.Period(PeriodKind.MONTH, NOV), scope="district")}
    qindu, binzhou = rows["秦都区"], rows["彬州市"]
    assert qindu.has_previous_year
    assert qindu.index_yoy == pytest.approx((4.004 - 5.005) / 5.005)
    assert qindu.index_mom == pytest.approx((4.004 - 3.2) / 3.2)
    assert qindu.pm2_5_yoy == pytest.approx(-0.2)
    assert qindu.pm2_5_mom == pytest.approx(0.1)
    assert not binzhou.has_previous_year  # no previous year: no change, not 0
    assert (binzhou.index_yoy, binzhou.index_mom, binzhou.pm2_5_yoy) == (None, None, None)


def test_a_year_ranking_has_year_on_year_but_no_month_on_month(ranked, monitor):
    rows = ranking.ranking(monitor, ranking.Period(PeriodKind.YEAR, date(2026, 1, 1)), scope="district")
    assert [(r.name, r.rank) for r in rows] == [("彬州市", 1), ("秦都区", 2)]
    assert rows[1].index_yoy == pytest.approx(-0.1)
    assert rows[1].index_mom is None


def test_station_ranking_assessment_stations_or_all(ranked, monitor):
    period = ranking.Period(PeriodKind.MONTH, NOV)
    assessment = ranking.ranking(monitor, period, scope="station")
    assert [(r.code, r.rank) for r in assessment] == [("AB001", 1), ("AQ001", 2)]
    assert assessment[1].invalid == ["pm2_5", "o3_8h"]
    everyone = ranking.ranking(monitor, period, scope="station", all_stations=True)
    assert [r.code for r in everyone] == ["AQ002", "AB001", "AQ001"]


def test_single_indices_follow_the_edition(ranked, monitor):
    """HJ 663-2026 (UNVERIFIED weights, standards.md §3.3): PM2.5 weight 3 over the transition limit 30."""
    (s2,) = [r for r in ranking.ranking(monitor, ranking.Period("month", NOV), scope="station") if r.code == "AB001"]
    assert s2.single_indices()["pm2_5"] == pytest.approx(3 * 35.0 / 30)
    assert s2.single_indices()["so2"] == pytest.approx(9.0 / 60)


def test_both_stats_shapes_are_read():
    """``stats`` as PeriodStats.as_dict() (pollutants nested) or flat per pollutant."""
    from ecobrain.assessment.models import AirQualityPeriod

    nested = AirQualityPeriod(stats={"pollutants": {"pm2_5": {"concentration": 31.0}}})
    flat = AirQualityPeriod(stats={"pm2_5": {"concentration": 32.0}})
    assert ranking.concentration(nested, "pm2_5") == 31.0
    assert ranking.concentration(flat, "pm2_5") == 32.0
    assert ranking.concentration(None, "pm2_5") is None


@pytest.mark.parametrize(
    "kind, text, today, expected",
    [
        (None, None, date(2026, 12, 2), ("month", date(2026, 11, 1))),
        ("month", None, date(2027, 1, 15), ("month", date(2026, 12, 1))),
        ("year", None, date(2027, 1, 15), ("year", date(2026, 1, 1))),
        ("month", "2026-3", date(2026, 12, 2), ("month", date(2026, 3, 1))),
        ("year", "2025", date(2026, 12, 2), ("year", date(2025, 1, 1))),
    ],
)
def test_periods_default_to_the_last_complete_month(kind, text, today, expected):
    period = ranking.parse_period(kind, text, today=today)
    assert (period.kind, period.start) == expected


@pytest.mark.parametrize(
    "kind, text, field", [("week", None, "kind"), ("month", "2026-13", "period"), ("year", "x", "period")]
)
def test_bad_periods_are_refused(kind, text, field):
    with pytest.raises(QueryError) as error:
        ranking.parse_period(kind, text)
    assert error.value.field == field


# --- the page -------------------------------------------------------------------------------------------------


def test_rankings_page_shows_the_order_changes_and_invalid_marks(ranked, login, handler):
    response = login(handler).get(RANKINGS, {"kind": "month", "period": "2026-11"})
    assert response.status_code == 200
    ranks = [(r.name, r.rank) for r in response.context["districts"]]
    assert ranks[:3] == [("彬州市", 1), ("秦都区", 2), ("渭城区", 2)]
    page = response.content.decode()
    assert "统计无效" in page and "PM₂.₅、O₃-8h" in page
    assert "↓20.0%" in page  # 秦都 PM2.5 year on year
    assert "依据 HJ 663-2026" in page


def test_rankings_page_default_period_and_empty_state(base_data, login, monitor):
    response = login(monitor).get(RANKINGS)
    assert response.status_code == 200
    assert response.context["period"] == ranking.default_period()
    assert "暂无区县统计数据" in response.content.decode()


def test_a_bad_period_on_the_page_falls_back_with_a_message(ranked, login, monitor):
    response = login(monitor).get(RANKINGS, {"period": "November"})
    assert response.status_code == 200
    assert "格式不正确" in response.content.decode()


def test_all_stations_switch(ranked, login, monitor):
    response = login(monitor).get(RANKINGS, {"period": "2026-11", "stations": "all"})
    assert [r.code for r in response.context["stations"]] == ["AQ002", "AB001", "AQ001"]


def test_ranking_exports(ranked, login, monitor):
    client = login(monitor)
    response = client.get(RANKINGS, {"period": "2026-11", "table": "districts", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["排名", "区县", "综合指数"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("1", "彬州市", "3.5"),
        ("2", "秦都区", "4.0"),
        ("2", "渭城区", "4.0"),
        ("", "杨陵区", ""),
    ]
    response = client.get(RANKINGS, {"period": "2026-11", "table": "stations", "export": "xlsx"})
    values = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert values[0][:4] == ("排名", "站点", "站点编码", "区县")
    assert values[2][:3] == (2, "秦都监测站", "AQ001")
    assert values[2][-2] == "细颗粒物(PM2.5)、臭氧8小时"  # the invalid statistics


def test_the_rankings_page_costs_a_fixed_number_of_queries(
    ranked, login, monitor, qindu, django_assert_max_num_queries
):
    client = login(monitor)
    client.get(RANKINGS, {"period": "2026-11"})
    with django_assert_max_num_queries(12):
        client.get(RANKINGS, {"period": "2026-11", "stations": "all"})
    for n in range(20):
        station = factories.station(qindu, code=f"AZ{n:03d}", is_assessment=True)
        air_rows.period(station=station, start=NOV, index=3 + n / 10)
        air_rows.period(station=station, start=date(2025, 11, 1), index=4)
    with django_assert_max_num_queries(12):
        response = client.get(RANKINGS, {"period": "2026-11", "stations": "all"})
    assert len(response.context["stations"]) == 23


def test_anonymous_export_is_a_login_redirect(ranked, client):
    response = client.get(RANKINGS, {"export": "csv"})
    assert response.status_code == 302
