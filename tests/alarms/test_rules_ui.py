"""The rule pages over HTTP: list and filters, the form's kind-dependent fields (htmx), parameters validated by
``parse_params`` with the message on the field, scope checks, enable/disable, delete only while unused."""

from __future__ import annotations

import pytest

from ecobrain.alarms.choices import RuleKind, Severity
from ecobrain.alarms.models import AlarmRule
from ecobrain.alarms.params import PARAMS_BY_KIND, params_json
from tests import factories
from tests.alarms import ui_data

LIST = "/alarms/rules/"
ADD = "/alarms/rules/add/"


def form_data(**overrides) -> dict:
    data = {
        "name": "AQI 超过 200（站点）",
        "kind": RuleKind.AMBIENT_THRESHOLD,
        "enabled": "on",
        "severity": Severity.SEVERE,
        "district": "",
        "station": "",
        "resolution": "",
        "p_target": "station",
        "p_metric": "aqi",
        "p_threshold": "200",
        "p_hysteresis": "0.1",
        "consecutive": "2",
        "clear_after": "1",
        "notify_district": "on",
        "description": "",
    }
    data.update(overrides)
    return data


def field_errors(response, name: str) -> list[str]:
    return response.context["form"].errors.get(name, [])


def test_monitoring_staff_create_an_ambient_rule(login, monitor, handler, qindu):
    client = login(monitor)
    station = factories.station(qindu, name="秦都空气站")
    response = client.post(
        ADD, form_data(district=qindu.pk, station=station.pk, p_threshold="150.5", recipients=[handler.pk, monitor.pk])
    )
    assert response.status_code == 302, response.context["form"].errors
    rule = AlarmRule.objects.get()
    assert response["Location"] == rule.get_absolute_url()
    assert rule.params == {"target": "station", "metric": "aqi", "threshold": 150.5, "hysteresis": 0.1}
    assert (rule.district, rule.station, rule.consecutive, rule.created_by) == (qindu, station, 2, monitor)
    assert set(rule.recipients.all()) == {handler, monitor}
    page = client.get(rule.get_absolute_url())
    html = page.content.decode()
    assert "AQI 超过 200（站点）" in html and "阈值" in html and "150.5" in html and "连续 2 次满足条件才报警" in html


def test_bad_parameters_show_their_message_on_the_field(login, monitor, base_data):
    client = login(monitor)
    response = client.post(ADD, form_data(p_threshold="0", p_hysteresis="abc"))
    assert response.status_code == 200
    assert field_errors(response, "p_threshold") == ["阈值（threshold）须在 0.001–100000 之间，收到 0。"]
    assert field_errors(response, "p_hysteresis") == ["恢复回差（比例）（hysteresis）须为数字，收到 'abc'。"]
    html = response.content.decode()
    assert 'data-error-for="p_threshold"' in html and "须在 0.001–100000 之间" in html
    response = client.post(ADD, form_data(p_metric="pm1"))
    assert field_errors(response, "p_metric")  # not one of the choices
    response = client.post(ADD, form_data(consecutive="0"))
    assert field_errors(response, "consecutive")
    assert AlarmRule.objects.count() == 0


def test_each_kind_gets_its_own_parameter_fields(login, monitor, base_data):
    client = login(monitor)
    response = client.get("/alarms/rules/kind-fields/", {"kind": RuleKind.DEVICE_OFFLINE}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'name="p_missed_intervals"' in html and 'value="3"' in html  # the default
    assert 'name="p_threshold"' not in html and 'name="factor"' not in html and 'name="station"' in html
    html = client.get("/alarms/rules/kind-fields/", {"kind": RuleKind.SUSPICIOUS_DATA}).content.decode()
    assert html.count('name="p_checks"') == 5 and 'name="factor"' in html
    html = client.get("/alarms/rules/kind-fields/", {"kind": RuleKind.WATER_CLASS}).content.decode()
    assert "该类型没有参数" in html
    add = client.get(ADD).content.decode()
    assert 'hx-get="/alarms/rules/kind-fields/"' in add and 'hx-trigger="change from:#id_kind"' in add


def test_suspicious_rule_with_checks_and_a_device_offline_rule(login, monitor, enterprise_in_qindu):
    client = login(monitor)
    response = client.post(
        ADD,
        {
            **form_data(kind=RuleKind.SUSPICIOUS_DATA, name="数据异常"),
            "enterprise": enterprise_in_qindu.pk,
            "p_checks": ["negative", "zero_drop"],
            "p_zero_drop_from": "5",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    rule = AlarmRule.objects.get(name="数据异常")
    assert rule.params == {"checks": ["negative", "zero_drop"], "zero_drop_from": 5.0}
    assert rule.station is None  # a field of the other kind's section was not kept
    response = client.post(ADD, {**form_data(kind=RuleKind.SUSPICIOUS_DATA, name="空检查"), "p_zero_drop_from": "5"})
    assert field_errors(response, "p_checks") == ["请至少选择一个检查项。"]
    response = client.post(ADD, {**form_data(kind=RuleKind.DEVICE_OFFLINE, name="离线"), "p_missed_intervals": "2.5"})
    assert field_errors(response, "p_missed_intervals") == ["缺报周期数（missed_intervals）须为整数，收到 '2.5'。"]


def test_scope_must_be_consistent(login, monitor, qindu, binzhou, enterprise_in_binzhou):
    client = login(monitor)
    water = factories.station(qindu, kind="water_section", name="渭河断面")
    response = client.post(ADD, form_data(district=qindu.pk, station=water.pk))
    assert field_errors(response, "station") == ["空气质量规则只能指定空气监测站点。"]
    air = factories.station(binzhou, name="彬州站")
    response = client.post(ADD, form_data(district=qindu.pk, station=air.pk))
    assert field_errors(response, "station") == [f"{air} 不在所选区县秦都区。"]
    response = client.post(ADD, form_data(district=qindu.pk, p_target="city"))
    assert response.context["form"].non_field_errors() == ["评价对象为全市时，不能限定区县或站点。"]
    outlet = factories.outlet(enterprise_in_binzhou)
    other = factories.enterprise(binzhou)
    response = client.post(
        ADD,
        {
            **form_data(kind=RuleKind.EMISSION_EXCEEDANCE, name="排放"),
            "enterprise": other.pk,
            "outlet": outlet.pk,
        },
    )
    assert field_errors(response, "outlet") == ["排放口 DA001 不属于所选企业。"]
    assert AlarmRule.objects.count() == 0


def test_edit_keeps_or_resets_parameters_with_the_kind(login, monitor, base_data):
    client = login(monitor)
    rule = ui_data.rule(RuleKind.DEVICE_OFFLINE, params={"missed_intervals": 6})
    html = client.get(f"/alarms/rules/{rule.pk}/edit/").content.decode()
    assert 'name="p_missed_intervals"' in html and 'value="6"' in html
    switched = client.get("/alarms/rules/kind-fields/", {"rule": rule.pk, "kind": RuleKind.LOW_COMPLETENESS})
    assert 'name="p_min_rate"' in switched.content.decode() and 'value="0.9"' in switched.content.decode()
    response = client.post(
        f"/alarms/rules/{rule.pk}/edit/",
        {**form_data(kind=RuleKind.LOW_COMPLETENESS, name="传输率"), "p_min_rate": "0.75"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.kind, rule.params) == (RuleKind.LOW_COMPLETENESS, {"min_rate": 0.75})


def test_list_filters_and_search(login, monitor, qindu):
    a = ui_data.rule(RuleKind.DEVICE_OFFLINE, name="离线三次")
    b = ui_data.rule(RuleKind.AMBIENT_THRESHOLD, name="秦都 AQI", district=qindu, enabled=False)
    client = login(monitor)

    def names(params):
        response = client.get(LIST, params)
        return sorted(obj.name for obj, _values in response.context["rows"])

    assert names({}) == sorted([a.name, b.name])
    assert names({"kind": RuleKind.DEVICE_OFFLINE}) == [a.name]
    assert names({"enabled": "false"}) == [b.name]
    assert names({"district": qindu.pk}) == [b.name]
    assert names({"q": "离线"}) == [a.name]
    csv_text = b"".join(client.get(LIST, {"export": "csv"}).streaming_content).decode("utf-8-sig")
    assert "离线三次" in csv_text and '""missed_intervals"": 3' in csv_text


def test_permissions(login, handler, leader, enterprise_user, qindu, binzhou):
    city_rule = ui_data.rule(RuleKind.DEVICE_OFFLINE, name="全市离线")
    qindu_rule = ui_data.rule(RuleKind.DEVICE_OFFLINE, name="秦都离线", district=qindu)
    binzhou_rule = ui_data.rule(RuleKind.DEVICE_OFFLINE, name="彬州离线", district=binzhou)
    client = login(handler)
    response = client.get(LIST)
    assert [obj.name for obj, _v in response.context["rows"]] == ["秦都离线"]  # city-wide rules: city users only
    assert response.context["can_add"] is False
    assert client.get(ADD).status_code == 403
    assert client.get(binzhou_rule.get_absolute_url()).status_code == 404
    assert client.post(f"/alarms/rules/{qindu_rule.pk}/toggle/", {"enabled": "0"}).status_code == 403
    client = login(leader)
    assert client.get(city_rule.get_absolute_url()).status_code == 200
    assert client.post(f"/alarms/rules/{city_rule.pk}/delete/").status_code == 403
    client = login(enterprise_user)
    assert client.get(LIST).status_code == 403


def test_disable_and_enable(login, monitor, base_data):
    rule = ui_data.rule(RuleKind.DEVICE_OFFLINE)
    client = login(monitor)
    response = client.post(f"/alarms/rules/{rule.pk}/toggle/", {"enabled": "0"}, follow=True)
    assert "它不再产生新报警" in response.content.decode()
    rule.refresh_from_db()
    assert rule.enabled is False
    client.post(f"/alarms/rules/{rule.pk}/toggle/", {"enabled": "1"})
    rule.refresh_from_db()
    assert rule.enabled is True


def test_delete_only_while_the_rule_has_no_alarms(login, monitor, enterprise_in_qindu):
    client = login(monitor)
    unused = ui_data.rule(RuleKind.DEVICE_OFFLINE, name="没用过")
    used = ui_data.rule(RuleKind.EMISSION_EXCEEDANCE, name="用过")
    ui_data.alarm(used, enterprise=enterprise_in_qindu)
    page = client.get(f"/alarms/rules/{used.pk}/delete/").content.decode()
    assert "已产生 1 条报警，不能删除" in page and "停用该规则" in page
    response = client.post(f"/alarms/rules/{used.pk}/delete/", follow=True)
    assert "请改为停用" in response.content.decode()
    assert AlarmRule.objects.filter(pk=used.pk).exists()
    response = client.post(f"/alarms/rules/{unused.pk}/delete/")
    assert response.status_code == 302 and not AlarmRule.objects.filter(pk=unused.pk).exists()


def test_rule_page_lists_its_open_alarms(login, monitor, enterprise_in_qindu):
    rule = ui_data.rule(RuleKind.EMISSION_EXCEEDANCE, name="排放超标")
    ui_data.alarm(rule, enterprise=enterprise_in_qindu, title="热电超标一")
    ui_data.alarm(rule, enterprise=enterprise_in_qindu, title="热电超标二", status="closed")
    response = login(monitor).get(rule.get_absolute_url())
    html = response.content.decode()
    assert "热电超标一" in html and "热电超标二" not in html
    assert "未关闭的报警（1）" in html and "全部报警（2）" in html


@pytest.mark.parametrize("kind", list(RuleKind))
def test_every_kind_saves_with_its_defaults(login, monitor, base_data, kind):
    """The form's initial values for each kind pass parse_params unchanged."""
    client = login(monitor)
    html = client.get("/alarms/rules/kind-fields/", {"kind": kind}).content.decode()
    data = {**form_data(kind=kind, name=f"默认 {kind}")}
    for key in [k for k in data if k.startswith("p_")]:
        del data[key]
    from ecobrain.alarms.forms import AlarmRuleForm

    form = AlarmRuleForm(initial={"kind": kind}, user=monitor)
    for name in form.param_field_names:
        value = form.fields[name].initial
        data[name] = value if isinstance(value, list) else str(value)
        assert f'name="{name}"' in html
    response = client.post(ADD, data)
    assert response.status_code == 302, response.context["form"].errors
    assert AlarmRule.objects.get(kind=kind).params == params_json(PARAMS_BY_KIND[kind]())
