"""The work-order pages: lists (filters, tabs, exports, query counts), the create form's scope, the overdue board,
statistics and the deadline settings."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ecobrain.core.models import Organisation
from ecobrain.workorders.choices import WorkOrderStatus
from ecobrain.workorders.models import WorkOrder
from ecobrain.workorders.services import accept_workorder, assign_workorder, create_workorder
from tests import factories
from tests.workorders.conftest import client_for


def make_orders(actor, district, count, **fields):
    return [create_workorder(actor=actor, title=f"任务{i}", district=district, **fields) for i in range(count)]


@pytest.fixture
def spread(city_staff, qindu, binzhou, qindu_handler, qindu_colleague):
    """Orders in two districts and several states: 3 open in Qindu (one assigned to qd2, one overdue), 2 in
    Binzhou, 1 closed in Qindu."""
    qd = make_orders(city_staff, qindu, 4)
    bz = make_orders(city_staff, binzhou, 2, source="complaint")
    accept_workorder(qd[0], actor=qindu_handler)
    assign_workorder(qd[0], actor=qindu_handler, assignee=qindu_colleague)
    WorkOrder.objects.filter(pk=qd[1].pk).update(deadline=timezone.now() - timedelta(hours=3))
    WorkOrder.objects.filter(pk=qd[2].pk).update(deadline=timezone.now() + timedelta(hours=5))
    WorkOrder.objects.filter(pk=qd[3].pk).update(status=WorkOrderStatus.CLOSED, closed_at=timezone.now())
    return {"qindu": qd, "binzhou": bz}


def numbers(body: str, orders) -> set[str]:
    return {o.number for o in orders if o.number in body}


def test_my_work_orders_tabs(spread, qindu_handler, qindu_colleague, city_staff):
    qd, bz = spread["qindu"], spread["binzhou"]
    branch = client_for(qindu_handler)
    body = branch.get("/workorders/").content.decode()  # the branch's open orders
    assert numbers(body, qd + bz) == {qd[0].number, qd[1].number, qd[2].number}
    body = branch.get("/workorders/?tab=org&status=").content.decode()  # 全部 states, the closed one too
    assert numbers(body, qd + bz) == {o.number for o in qd}
    assigned = client_for(qindu_colleague).get("/workorders/?tab=assigned").content.decode()
    assert numbers(assigned, qd + bz) == {qd[0].number}
    created = client_for(city_staff).get("/workorders/?tab=created").content.decode()
    assert numbers(created, qd + bz) == {qd[0].number, qd[1].number, qd[2].number, bz[0].number, bz[1].number}


def test_all_work_orders_filters(spread, city_staff, qindu):
    qd, bz = spread["qindu"], spread["binzhou"]
    client = client_for(city_staff)
    assert numbers(client.get("/workorders/all/").content.decode(), qd + bz) == {o.number for o in qd + bz}
    body = client.get(f"/workorders/all/?district={qindu.pk}&status=open").content.decode()
    assert numbers(body, qd + bz) == {qd[0].number, qd[1].number, qd[2].number}
    assert numbers(client.get("/workorders/all/?overdue=true").content.decode(), qd + bz) == {qd[1].number}
    assert numbers(client.get("/workorders/all/?source=complaint").content.decode(), qd + bz) == {o.number for o in bz}
    assert numbers(client.get(f"/workorders/all/?q={qd[2].number}").content.decode(), qd + bz) == {qd[2].number}
    today = timezone.localdate()
    body = client.get(f"/workorders/all/?deadline_to={today.isoformat()}").content.decode()
    assert qd[1].number in body and qd[0].number not in body
    # A bad filter value is a message, not an error page.
    response = client.get("/workorders/all/?deadline_from=notadate")
    assert response.status_code == 200 and "筛选条件有误" in response.content.decode()


def test_list_query_count_does_not_grow(city_staff, qindu, qindu_handler, django_assert_max_num_queries):
    orders = make_orders(city_staff, qindu, 5)
    for wo in orders:
        accept_workorder(wo, actor=qindu_handler)
    client = client_for(city_staff)
    urls = ["/workorders/all/", "/workorders/?tab=created", "/workorders/overdue/", "/api/v1/workorders/"]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(14) as captured:
            assert client.get(url).status_code == 200
        counts[url] = len(captured.captured_queries)
    make_orders(city_staff, qindu, 40)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200, url
    detail = orders[0].get_absolute_url()
    with django_assert_max_num_queries(30):
        assert client.get(detail).status_code == 200


def test_exports(spread, city_staff):
    client = client_for(city_staff)
    response = client.get("/workorders/all/?export=csv&source=complaint")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["任务编号", "标题", "来源", "紧急程度"]
    assert sorted(r[0] for r in rows[1:]) == sorted(o.number for o in spread["binzhou"])
    assert {r[2] for r in rows[1:]} == {"投诉"}
    response = client.get("/workorders/all/?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 1 + 6


def test_create_form_offers_only_the_scope(qindu, binzhou, enterprise_in_qindu, enterprise_in_binzhou, base_data):
    from tests.workorders.conftest import member

    qindu_monitor = member("qm", "monitoring_staff", "610400-monitoring", districts=[qindu])
    client = client_for(qindu_monitor)
    body = client.get("/workorders/new/").content.decode()
    assert enterprise_in_qindu.name in body and enterprise_in_binzhou.name not in body
    assert ">彬州市<" not in body and ">秦都区<" in body
    # Choosing a district reloads the pickers with that district's objects only.
    pickers = client.get(f"/workorders/new/objects/?district={qindu.pk}").content.decode()
    assert enterprise_in_qindu.name in pickers
    # The district follows from the chosen enterprise; an enterprise of another district is refused.
    response = client.post(
        "/workorders/new/",
        {"title": "核查", "source": "manual", "priority": "2", "enterprise": enterprise_in_qindu.pk},
    )
    assert response.status_code == 302
    assert WorkOrder.objects.get(title="核查").district == qindu
    response = client.post(
        "/workorders/new/",
        {"title": "越权", "source": "manual", "priority": "2", "enterprise": enterprise_in_binzhou.pk},
    )
    assert response.status_code == 400 and not WorkOrder.objects.filter(title="越权").exists()


def test_create_from_a_point_on_the_map(city_staff, binzhou):
    lon, lat = factories.point_in(binzhou)
    client = client_for(city_staff)
    response = client.post(
        "/workorders/new/",
        {"title": "秸秆焚烧火点核查", "source": "instruction", "priority": "4", "longitude": lon, "latitude": lat,
         "location": "某村东侧农田"},
    )  # fmt: skip
    assert response.status_code == 302
    workorder = WorkOrder.objects.get(title="秸秆焚烧火点核查")
    assert workorder.district == binzhou and workorder.assignee_org == Organisation.objects.get(code="610482-branch")
    assert (workorder.longitude, workorder.latitude) == (lon, lat)
    # A point outside the city has no district: the form says so.
    response = client.post(
        "/workorders/new/", {"title": "x", "source": "manual", "priority": "2", "longitude": 116.4, "latitude": 39.9}
    )
    assert response.status_code == 400 and "请选择区县" in response.content.decode()
    page = client.get(workorder.get_absolute_url()).content.decode()
    assert 'class="eb-map' in page  # the location map


def test_overdue_board_counts_per_district(spread, city_staff, qindu, binzhou):
    client = client_for(city_staff)
    response = client.get("/workorders/overdue/")
    rows = dict((d.pk, c) for d, c in response.context["rows"])
    assert rows[qindu.pk]["overdue"] == 1 and rows[qindu.pk]["at_risk"] == 1 and rows[qindu.pk]["open"] == 3
    assert rows[binzhou.pk]["overdue"] == 0 and rows[binzhou.pk]["open"] == 2
    assert response.context["totals"]["overdue"] == 1
    body = response.content.decode()
    assert spread["qindu"][1].number in body and spread["qindu"][2].number not in body
    at_risk = client.get(f"/workorders/overdue/?kind=at_risk&district={qindu.pk}").content.decode()
    assert spread["qindu"][2].number in at_risk


def test_statistics_on_time_rate_by_district_and_month(city_staff, qindu, binzhou):
    def closed(district, month, day, on_time, hours):
        dispatched = datetime(2026, month, day, 2, tzinfo=UTC)
        wo = create_workorder(actor=city_staff, title="统计", district=district, now=dispatched)
        WorkOrder.objects.filter(pk=wo.pk).update(
            status=WorkOrderStatus.CLOSED, closed_on_time=on_time, closed_at=dispatched + timedelta(hours=hours)
        )

    closed(qindu, 3, 2, True, 10)
    closed(qindu, 3, 5, False, 30)
    closed(qindu, 3, 9, True, 20)
    closed(qindu, 4, 1, True, 48)
    closed(binzhou, 3, 3, False, 100)
    # Closed at 2026-03-31 23:00 China time: counts in March, not April (China months).
    late = create_workorder(actor=city_staff, title="月末", district=binzhou, now=datetime(2026, 3, 30, 2, tzinfo=UTC))
    WorkOrder.objects.filter(pk=late.pk).update(
        status=WorkOrderStatus.CLOSED, closed_on_time=True, closed_at=datetime(2026, 3, 31, 15, tzinfo=UTC)
    )
    client = client_for(city_staff)
    response = client.get("/workorders/statistics/?year=2026")
    stats = response.context["stats"]
    by_name = {d["name"]: d for d in stats["districts"]}
    assert by_name["秦都区"]["months"][2] == {"closed": 3, "on_time": 2, "rate": 66.7, "hours": 20.0}
    assert by_name["秦都区"]["months"][3]["rate"] == 100.0
    assert (by_name["秦都区"]["closed"], by_name["秦都区"]["rate"], by_name["秦都区"]["hours"]) == (4, 75.0, 27.0)
    assert by_name["彬州市"]["months"][2]["closed"] == 2 and by_name["彬州市"]["months"][3] is None
    assert stats["city"]["closed"] == 6 and stats["city"]["rate"] == pytest.approx(66.7)
    assert stats["city_months"][2]["closed"] == 5
    assert dict(stats["by_source"])["手工创建"] == 6
    assert "workorder-chart" in response.content.decode()
    # One district only, and the export.
    narrowed = client.get(f"/workorders/statistics/?year=2026&district={binzhou.pk}").context["stats"]
    assert [d["name"] for d in narrowed["districts"]] == ["彬州市"]
    rows = list(
        csv.reader(io.StringIO(b"".join(client.get("/workorders/statistics/?year=2026&export=csv").streaming_content).decode("utf-8-sig")))
    )  # fmt: skip
    assert ["秦都区", "2026-03", "3", "2", "66.7", "20.0"] in rows
    book = load_workbook(io.BytesIO(client.get("/workorders/statistics/?year=2026&export=xlsx").content))
    assert book.sheetnames == ["按区县和月份", "按来源"]
    empty = client.get("/workorders/statistics/?year=2025").content.decode()
    assert "2025 年还没有办结的任务" in empty


def test_deadline_settings_page(city_staff, admin_user):
    body = client_for(city_staff).get("/workorders/deadlines/").content.decode()
    assert "投诉" in body and "15 天" in body and "还没有登记节假日" in body
    assert "/admin/workorders/holiday/" not in body
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    admin_body = client_for(admin_user).get("/workorders/deadlines/").content.decode()
    assert "/admin/workorders/holiday/" in admin_body
    assert client_for(admin_user).get("/admin/workorders/deadlinepolicy/").status_code == 200


def test_navbar_links_to_the_work_orders(city_staff):
    body = client_for(city_staff).get("/").content.decode()
    assert "任务督办" in body and "/workorders/overdue/" in body


def test_filters_start_empty(city_staff):
    """Every filter of the list offers 全部 first, so an untouched form filters nothing."""
    form = client_for(city_staff).get("/workorders/all/").context["filterset"].form
    for name in ("status", "source", "priority", "district", "assignee_org", "overdue", "supervised"):
        first_value = next(iter(form.fields[name].widget.choices))[0]
        assert first_value in ("", None), name


def test_work_order_pages_in_english(order, city_staff, qindu_handler):
    """My work orders, an order's page (timeline, the steps each side may take, a refused step), the overdue board,
    statistics and the deadline settings follow the language."""
    accept_workorder(order, actor=qindu_handler)
    handler = client_for(qindu_handler)
    handler.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    body = handler.get("/workorders/?tab=org").content.decode()
    for text in ("My work orders", "My organisation&#x27;s", "Assigned to me", "Accepted", "Deadline status"):
        assert text in body, text
    body = handler.get(order.get_absolute_url()).content.decode()
    for text in ("Work order details", "History", "Dispatched → Accepted", "Start handling", "Request extension"):
        assert text in body, text
    for chinese in ("任务信息", "办理记录", "开始办理", "申请延期", "已签收"):
        assert chinese not in body, chinese
    refused = handler.post(f"/workorders/{order.pk}/accept/", {})
    assert "is “Accepted”: the step “Accept work order” is not possible now." in refused.content.decode()
    city = client_for(city_staff)
    city.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    pages = {
        "/workorders/overdue/": ("Overdue supervision", "Due soon (within 24 hours)", "Under supervision"),
        "/workorders/statistics/": ("Work order statistics", "On-time closure rate", "Average handling time"),
        "/workorders/deadlines/": ("Time limits and holidays", "Working days", "Complaint", "15 days"),
    }
    for url, texts in pages.items():
        body = city.get(url).content.decode()
        for text in texts:
            assert text in body, (url, text)
        for chinese in ("超期督办", "按期办结率", "办理时限与节假日", "工作日"):
            assert chinese not in body, (url, chinese)
