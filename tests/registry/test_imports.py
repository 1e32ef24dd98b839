"""CSV bulk import: preview, row-level errors, all-or-nothing, scope, encodings."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from ecobrain.audit.models import ObjectChange
from ecobrain.registry.models import Device, Enterprise, Outlet, Station
from tests import factories


def upload(client, url, text: str, encoding: str = "utf-8"):
    return client.post(url, {"file": SimpleUploadedFile("data.csv", text.encode(encoding), "text/csv")})


def enterprise_csv(qindu, binzhou, *, bad_row: str | None = None) -> tuple[str, list[str]]:
    lon, lat = factories.point_in(qindu)
    lon2, lat2 = factories.point_in(binzhou)
    codes = [factories.credit_code(qindu), factories.credit_code(binzhou)]
    lines = [
        "name,credit_code,industry,key_unit_category,longitude,latitude",
        f"导入一号热电有限公司,{codes[0]},D4411,air,{lon},{lat}",
        f"导入二号水泥有限公司,{codes[1]},水泥制造 (3011),大气环境重点排污单位,{lon2},{lat2}",
    ]
    if bad_row:
        lines.insert(2, bad_row)
    return "\n".join(lines) + "\n", codes


def test_preview_then_confirm_creates_all_rows(login, officer, qindu, binzhou):
    client = login(officer)
    text, codes = enterprise_csv(qindu, binzhou)
    preview = upload(client, "/registry/enterprises/import/", text)
    body = preview.content.decode()
    assert preview.status_code == 200 and "校验通过" in body and "将新增 <strong>2</strong> 条" in body
    assert not Enterprise.objects.filter(credit_code__in=codes).exists()  # the preview saves nothing
    token = preview.context["token"]
    response = client.post("/registry/enterprises/import/", {"token": token, "confirm": "1"})
    assert response.status_code == 302
    created = Enterprise.objects.filter(credit_code__in=codes)
    assert created.count() == 2
    assert {e.district.adcode for e in created} == {"610402", "610482"}
    assert ObjectChange.objects.filter(content_type__model="enterprise", source="import", user=officer).count() == 2


def test_one_bad_row_saves_nothing_and_names_row_and_field(login, officer, qindu, binzhou):
    client = login(officer)
    text, codes = enterprise_csv(qindu, binzhou, bad_row="坏企业,914403001922038217,D4411,air,116.40,39.90")
    response = upload(client, "/registry/enterprises/import/", text)
    body = response.content.decode()
    assert "1 行有错误" in body
    assert "第 3 行" in body
    assert "credit_code" in body and "校验位错误" in body
    assert "longitude" in body and "不在咸阳市辖区内" in body
    assert "确认导入" not in body
    assert not Enterprise.objects.filter(credit_code__in=codes).exists()


def test_confirm_revalidates_and_stays_all_or_nothing(login, officer, qindu, binzhou):
    """A row that became invalid between preview and confirm (a duplicate appeared) aborts the whole import."""
    client = login(officer)
    text, codes = enterprise_csv(qindu, binzhou)
    token = upload(client, "/registry/enterprises/import/", text).context["token"]
    factories.enterprise(qindu, credit_code=codes[1], name="抢先登记")  # now row 3 is an update the officer may do
    client.post("/registry/enterprises/import/", {"token": token, "confirm": "1"})
    assert Enterprise.objects.filter(credit_code=codes[0]).count() == 1
    assert Enterprise.objects.get(credit_code=codes[1]).name == "导入二号水泥有限公司"


def test_reimport_updates_instead_of_duplicating(login, officer, qindu, binzhou):
    client = login(officer)
    text, codes = enterprise_csv(qindu, binzhou)
    for _ in range(2):
        token = upload(client, "/registry/enterprises/import/", text).context["token"]
        client.post("/registry/enterprises/import/", {"token": token, "confirm": "1"})
    assert Enterprise.objects.filter(credit_code__in=codes).count() == 2


def test_gbk_file_with_chinese_headers(login, officer, qindu):
    client = login(officer)
    lon, lat = factories.point_in(qindu)
    code = factories.credit_code(qindu)
    text = f"企业名称,统一社会信用代码,行业类别,经度,纬度\nGBK编码企业,{code},D4620,{lon},{lat}\n"
    response = upload(client, "/registry/enterprises/import/", text, encoding="gbk")
    assert "校验通过" in response.content.decode()


def test_unknown_column_and_missing_required_column(login, officer, base_data):
    client = login(officer)
    body = upload(client, "/registry/enterprises/import/", "name,credit_code,industry,colour\nA,B,C,D\n").content
    assert "不认识的列 colour" in body.decode()
    body = upload(client, "/registry/enterprises/import/", "name,industry\nA,D4411\n").content.decode()
    assert "缺少必填列 credit_code" in body
    body = upload(client, "/registry/enterprises/import/", "name,credit_code,industry\n").content.decode()
    assert "没有数据行" in body


def test_oversized_upload_is_refused(login, officer, base_data, settings):
    settings.MAX_UPLOAD_BYTES = 2048
    client = login(officer)
    body = upload(client, "/registry/enterprises/import/", "name,credit_code,industry\n" + "x,y,z\n" * 1000).content
    assert "文件过大" in body.decode()


def test_handler_import_out_of_scope_row_is_rejected(login, handler, qindu, binzhou):
    client = login(handler)
    text, codes = enterprise_csv(qindu, binzhou)
    body = upload(client, "/registry/enterprises/import/", text).content.decode()
    assert "第 3 行" in body and "不在您的管辖范围内" in body
    assert not Enterprise.objects.filter(credit_code__in=codes).exists()


def test_station_import_unknown_factor_code(login, monitor, qindu):
    client = login(monitor)
    lon, lat = factories.point_in(qindu)
    text = (
        "code,name,kind,longitude,latitude,factors\n"
        f"IMP1,导入站一,空气市控站,{lon},{lat},a34004;a21026\n"
        f"IMP2,导入站二,air_city,{lon},{lat},a34004;zz9999\n"
    )
    body = upload(client, "/registry/stations/import/", text).content.decode()
    assert "第 3 行" in body and "未知的监测因子编码 zz9999" in body
    assert not Station.objects.filter(code__in=["IMP1", "IMP2"]).exists()
    text = text.replace(";zz9999", "")
    token = upload(client, "/registry/stations/import/", text).context["token"]
    client.post("/registry/stations/import/", {"token": token, "confirm": "1"})
    station = Station.objects.get(code="IMP1")
    assert sorted(station.factors.values_list("code", flat=True)) == ["a21026", "a34004"]
    assert station.district == qindu


def test_device_import_duplicate_mn_inside_the_file(login, monitor, enterprise_in_qindu):
    outlet = factories.outlet(enterprise_in_qindu)
    client = login(monitor)
    code = enterprise_in_qindu.credit_code
    text = (
        "mn,password,protocol_version,enterprise_credit_code,outlet_code\n"
        f"DUPMN001,123456,2017,{code},{outlet.code}\n"
        f"DUPMN001,654321,2017,{code},{outlet.code}\n"
        f"NOPASS01,,2017,{code},{outlet.code}\n"
        f"BADTGT01,123456,2017,{code},DA999\n"
    )
    body = upload(client, "/registry/devices/import/", text).content.decode()
    assert "与第 2 行重复（DUPMN001）" in body
    assert "第 5 行" in body and "DA999" in body
    assert "请设置访问密码" in body
    assert not Device.objects.filter(mn__in=["DUPMN001", "NOPASS01"]).exists()


def test_outlet_import_and_template_download(login, officer, enterprise_in_qindu):
    client = login(officer)
    template = client.get("/registry/outlets/import/", {"template": "1"})
    assert template.content.decode("utf-8").lstrip("\ufeff").startswith("enterprise_credit_code,code,name,kind")
    text = (
        "enterprise_credit_code,code,name,kind,height_m\n"
        f"{enterprise_in_qindu.credit_code},da002,2#锅炉,废气排放口,120\n"
        f"{enterprise_in_qindu.credit_code},DW001,总排口,water,\n"
    )
    token = upload(client, "/registry/outlets/import/", text).context["token"]
    client.post("/registry/outlets/import/", {"token": token, "confirm": "1"})
    assert sorted(Outlet.objects.values_list("code", flat=True)) == ["DA002", "DW001"]


def test_expired_token_asks_for_a_new_upload(login, officer, base_data):
    response = login(officer).post("/registry/enterprises/import/", {"token": "0" * 32, "confirm": "1"}, follow=True)
    assert "已过期或不存在" in response.content.decode()


def test_enterprise_user_cannot_import(login, enterprise_user):
    assert login(enterprise_user).get("/registry/enterprises/import/").status_code == 403


def test_template_examples_pass_the_credit_code_check():
    """GB 32100-2015 §4: the example code users copy from the import templates must itself be valid."""
    from ecobrain.registry import importers
    from ecobrain.standards.uscc import is_valid_credit_code

    for importer in (importers.EnterpriseImporter, importers.OutletImporter, importers.PermitImporter):
        for column in importer.columns:
            if "credit_code" in column.name and column.example:
                assert is_valid_credit_code(column.example), (importer.__name__, column.example)
