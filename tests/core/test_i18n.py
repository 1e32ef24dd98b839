"""The English UI: the catalogue is complete and compiled, and pages follow the user's language choice.

Chinese is the source language (LANGUAGE_CODE = "zh-hans"): with no preference the pages stay Chinese;
``Accept-Language: en``, the language cookie or a POST to /i18n/setlang/ switch them to English.
"""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

import ecobrain
from tests import factories

LOCALE_DIR = Path(ecobrain.__file__).parent / "locale"
PO_FILE = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.mo"

ZH_HEADING = '<h1 class="h3 mb-0 me-auto">企业</h1>'
EN_HEADING = '<h1 class="h3 mb-0 me-auto">Enterprise</h1>'


@pytest.fixture(autouse=True)
def _reset_language():
    """A request activates its language for the thread; don't let English leak into later tests."""
    yield
    translation.deactivate()


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (a list), flags; the header included."""
    entries: list[dict] = []
    entry: dict = {}
    field = None

    def finish():
        if "msgid" in entry:
            entries.append(dict(entry))
        entry.clear()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            field = None
            continue
        if line.startswith("#,"):
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line)
        if match:
            keyword, value = match.group(1), ast.literal_eval(match.group(2))
            if keyword.startswith("msgid") and "msgstr" in entry:  # an entry without a blank line before it
                finish()
            if keyword.startswith("msgstr"):
                entry.setdefault("msgstr", []).append(value)
                field = ("msgstr", len(entry["msgstr"]) - 1)
            else:
                entry[keyword] = value
                field = (keyword, None)
            continue
        assert line.startswith('"') and field, f"unexpected line in {path.name}: {raw!r}"
        value = ast.literal_eval(line)
        if field[0] == "msgstr":
            entry["msgstr"][field[1]] += value
        else:
            entry[field[0]] += value
    finish()
    return entries


# --- the catalogue ------------------------------------------------------------------------------


def test_po_file_is_complete_and_not_fuzzy():
    entries = parse_po(PO_FILE)
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == ""
    assert "fuzzy" not in header.get("flags", set())
    assert "Language: en" in header["msgstr"][0]
    assert len(messages) > 300
    for entry in messages:
        label = (entry.get("msgctxt"), entry["msgid"])
        assert "fuzzy" not in entry.get("flags", set()), f"fuzzy entry: {label}"
        assert entry.get("msgstr"), f"no msgstr: {label}"
        expected_forms = 2 if "msgid_plural" in entry else 1
        assert len(entry["msgstr"]) == expected_forms, f"wrong number of forms: {label}"
        assert all(text.strip() for text in entry["msgstr"]), f"empty msgstr: {label}"
        # English is the translation: no Chinese left in it.
        assert not any(re.search(r"[\u4e00-\u9fff]", text) for text in entry["msgstr"]), f"untranslated: {label}"


def _extracted_messages(tmp_path: Path, settings, change_copy=None) -> list[dict]:
    """Every translatable message in the source, as `makemessages -l en` extracts it (the documented command,
    default options), run on a copy of the package so that neither the committed catalogue nor the source tree
    is touched (makemessages writes temporary files next to the templates it reads)."""
    if shutil.which("xgettext") is None:
        reason = "GNU gettext (xgettext) is missing"
        if os.environ.get("ECOBRAIN_REQUIRE_GETTEXT") == "1":
            pytest.fail(f"{reason} (ECOBRAIN_REQUIRE_GETTEXT=1, so this is a failure, not a skip)", pytrace=False)
        pytest.skip(f"{reason}; install it (apt-get install gettext) to check the catalogue against the source")
    package = Path(ecobrain.__file__).parent
    copy = tmp_path / "ecobrain"
    # static/ holds no Django-domain messages (only .py, .html and .txt files are read); locale/ is left out so
    # that the extraction starts from an empty catalogue.
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("static", "locale", "__pycache__", "*.pyc"))
    (copy / "locale").mkdir()
    if change_copy is not None:
        change_copy(copy)
    settings.LOCALE_PATHS = []  # the committed locale/ directory is never written
    cwd = Path.cwd()
    os.chdir(copy)
    try:
        call_command("makemessages", locale=["en"], verbosity=0)
    finally:
        os.chdir(cwd)
    return parse_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")[1:]


def test_every_message_in_the_source_is_translated(tmp_path, settings):
    """A string marked for translation but missing from the committed catalogue (makemessages not re-run after a
    change) would stay Chinese in the English UI while the test above still passes: extract the messages from the
    source and look each one up. Takes about 3 s (xgettext over the package)."""
    started = time.monotonic()
    extracted = _extracted_messages(tmp_path, settings)
    committed = {(entry.get("msgctxt"), entry["msgid"]): entry for entry in parse_po(PO_FILE)[1:]}
    assert len(extracted) > 1000
    missing, untranslated = [], []
    for entry in extracted:
        label = (entry.get("msgctxt"), entry["msgid"])
        found = committed.get(label)
        if found is None or found.get("msgid_plural") != entry.get("msgid_plural"):
            missing.append(label)
        elif "fuzzy" in found.get("flags", set()) or not all(text.strip() for text in found.get("msgstr", [])):
            untranslated.append(label)
    advice = "run makemessages and translate (docs/development.md, Translations)"
    assert not missing, f"{len(missing)} messages in the source are not in django.po ({advice}): {missing[:20]}"
    assert not untranslated, f"{len(untranslated)} messages have no English yet ({advice}): {untranslated[:20]}"
    assert time.monotonic() - started < 30


def test_the_extraction_finds_a_new_string(tmp_path, settings):
    """The check above can fail: a string added to a copied module is extracted, and the catalogue lacks it."""
    probe = "这是一条只为测试而加的新界面文字"

    def add_a_string(copy: Path) -> None:
        choices = copy / "alarms" / "choices.py"
        choices.write_text(choices.read_text(encoding="utf-8") + f'\nPROBE = _("{probe}")\n', encoding="utf-8")

    extracted = _extracted_messages(tmp_path, settings, change_copy=add_a_string)
    assert probe in {entry["msgid"] for entry in extracted}
    assert probe not in {entry["msgid"] for entry in parse_po(PO_FILE)[1:]}


def test_mo_file_is_compiled_from_the_current_po():
    """The app needs no gettext at run time: the .mo is in the tree and matches the .po message for message."""
    assert MO_FILE.exists()
    with MO_FILE.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for entry in parse_po(PO_FILE)[1:]:
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            if context:
                compiled = [catalogue.npgettext(context, entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
            else:
                compiled = [catalogue.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
            assert compiled == entry["msgstr"], f"stale .mo for {entry['msgid']!r}: run `ecobrain compilemessages`"
        else:
            compiled = catalogue.pgettext(context, entry["msgid"]) if context else catalogue.gettext(entry["msgid"])
            assert compiled == entry["msgstr"][0], f"stale .mo for {entry['msgid']!r}: run `ecobrain compilemessages`"


def test_gettext_translates_model_and_python_strings():
    from ecobrain.core.gate import ACTION_NAMES
    from ecobrain.registry.models import Enterprise
    from ecobrain.registry.tables import enterprise_table

    with translation.override("en"):
        assert str(Enterprise._meta.verbose_name) == "Enterprise"
        assert str(Enterprise._meta.get_field("credit_code").verbose_name) == "Unified social credit code"
        assert str(ACTION_NAMES["export"]) == "export"
        assert str(enterprise_table.columns[0].header) == "Enterprise name"
    with translation.override("zh-hans"):
        assert str(Enterprise._meta.verbose_name) == "企业"
        assert str(enterprise_table.columns[0].header) == "企业名称"


# --- pages ----------------------------------------------------------------------------------------


def test_enterprise_list_in_english_by_accept_language(login, officer, enterprise_in_qindu):
    response = login(officer).get("/registry/enterprises/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert EN_HEADING in body
    for text in ("Enterprise name", "Unified social credit code", "Search", "Reset", "Export CSV", "1 record"):
        assert text in body, text
    assert "One source, one file" in body and "Log out" in body
    assert ZH_HEADING not in body
    for chinese in ("导出 CSV", "查询", "企业名称", "一源一档", "退出登录"):
        assert chinese not in body, chinese
    assert "咸阳示范热电有限公司" in body  # data stays as entered


def test_enterprise_list_in_english_by_language_cookie(login, officer, enterprise_in_qindu):
    client = login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get("/registry/enterprises/").content.decode()
    assert EN_HEADING in body and "Export CSV" in body
    assert ZH_HEADING not in body


def test_chinese_is_the_default(login, officer, enterprise_in_qindu):
    body = login(officer).get("/registry/enterprises/").content.decode()
    assert '<html lang="zh-hans">' in body
    assert ZH_HEADING in body
    for text in ("企业名称", "统一社会信用代码", "查询", "导出 CSV", "共 1 条"):
        assert text in body, text
    assert "Export CSV" not in body and EN_HEADING not in body


def test_login_page_in_english(client, db):
    body = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log in to Eco-Environment Smart Brain" in body
    assert "Username" in body and "Password" in body
    assert "登录" not in body and "用户名" not in body


def test_login_error_in_english(client, officer):
    response = client.post("/accounts/login/", {"username": "officer", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Incorrect username or password." in response.content.decode()


def test_setlang_switches_language(login, officer, enterprise_in_qindu):
    client = login(officer)
    assert ZH_HEADING in client.get("/registry/enterprises/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/registry/enterprises/"})
    assert response.status_code == 302 and response["Location"] == "/registry/enterprises/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    body = client.get("/registry/enterprises/").content.decode()
    assert EN_HEADING in body and "Export CSV" in body
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/registry/enterprises/"})
    assert ZH_HEADING in client.get("/registry/enterprises/").content.decode()


def test_enterprise_detail_and_messages_in_english(login, officer, enterprise_in_qindu):
    outlet = factories.outlet(enterprise_in_qindu)
    factories.outlet_factor(outlet)
    factories.permit(enterprise_in_qindu)
    client = login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(enterprise_in_qindu.get_absolute_url()).content.decode()
    for text in ("Enterprise file", "Unified social credit code", "Outlet", "Discharge permits", "Data logger"):
        assert text in body, text
    for chinese in ("企业档案", "统一社会信用代码", "排污许可", "数采仪"):
        assert chinese not in body, chinese
    missing = client.get("/registry/enterprises/999999/")
    assert missing.status_code == 404
    assert "not found, or outside your permitted scope" in missing.content.decode()


def test_csv_export_headers_follow_the_language(login, officer, enterprise_in_qindu):
    client = login(officer)
    english = b"".join(client.get("/registry/enterprises/", {"export": "csv"}, HTTP_ACCEPT_LANGUAGE="en"))
    chinese = b"".join(client.get("/registry/enterprises/", {"export": "csv"}))
    assert english.decode("utf-8").startswith("\ufeffEnterprise name,Unified social credit code")
    assert chinese.decode("utf-8").startswith("\ufeff企业名称,统一社会信用代码")


# --- strings kept Chinese in plain-Python tables, translated where they are shown --------------------------


def test_hj212_code_names_are_in_the_catalogue():
    """Every ST, CN, data-flag and DataTime name (standards.md §1.3, §1.5, §1.6, §1.9) and every Flag sentence
    (§1.4) has an English translation: `makemessages` extracts them from `standards/hj212/codes.py`."""
    from ecobrain.standards.hj212 import codes

    names = {
        *codes.SYSTEM_NAMES.values(),
        *(name for table in codes.COMMAND_NAMES.values() for name in table.values()),
        *(meaning for table in codes.DATA_FLAGS.values() for meaning in table.values()),
        *codes.DATA_TIME_ROLES.values(),
    }
    assert len(names) > 90
    with translation.override("en"):
        for name in names:
            english = translation.gettext(name)
            assert english != name and not re.search(r"[\u4e00-\u9fff]", english), name
        assert translation.gettext("污染物小时数据") == "Pollutant hourly data"
        sentences = [line for flag in (None, 4, 5, 6, 7, 252) for line in codes.explain_flag(flag, translation.gettext)]
        assert "Version bits V5–V0 = 000001: HJ 212-2017" in sentences
        assert "Version bits V5–V0 = 111111: unknown edition" in sentences
        assert not any(re.search(r"[\u4e00-\u9fff]", line) for line in sentences), sentences


def test_app_names_and_admin_header_follow_the_language():
    from django.apps import apps
    from django.contrib import admin

    with translation.override("en"):
        assert str(apps.get_app_config("monitoring").verbose_name) == "Monitoring data"
        assert str(apps.get_app_config("ingest").verbose_name) == "Data ingestion"
        assert str(admin.site.site_header) == "EcoBrain Eco-Environment Smart Brain administration"
        for config in apps.get_app_configs():
            if config.name.startswith("ecobrain."):
                assert not re.search(r"[\u4e00-\u9fff]", str(config.verbose_name)), config.name
    with translation.override("zh-hans"):
        assert str(apps.get_app_config("monitoring").verbose_name) == "监测数据"


def test_scope_label_follows_the_language(login, admin_user, consumer, enterprise_in_qindu):
    with translation.override("en"):
        assert admin_user.scope_label() == "Whole city"
        assert consumer.scope_label() == "None"
    unlinked = factories.user("unlinked", "enterprise_user")
    with translation.override("en"):
        assert unlinked.scope_label() == "No linked enterprise"
    assert unlinked.scope_label() == "未关联企业"
    body = login(consumer).get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "None" in body and "无" not in body


def test_period_names_in_a_translated_time_error():
    """The period name inserted into the sentence is translated with it (a context keeps it apart from the
    resolution labels Minute / Hour / Day)."""
    from datetime import UTC, datetime

    from ecobrain.ingest.documents.validate import TimeError, period_start
    from ecobrain.monitoring.choices import Resolution

    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with translation.override("en"), pytest.raises(TimeError) as caught:
        period_start("2026-03-01T09:30:00+08:00", Resolution.HOUR, now=now)
    assert str(caught.value).startswith("Time '2026-03-01T09:30:00+08:00' is not the start of its hourly period:")
    assert "hourly data is timed at the start of its period" in str(caught.value)
    with pytest.raises(TimeError) as caught:
        period_start("2026-03-01T09:30:00+08:00", Resolution.HOUR, now=now)
    assert "不是小时时段的起始时刻" in str(caught.value)


def test_command_parameter_errors_follow_the_language(db):
    from datetime import UTC, datetime

    from django.core.exceptions import ValidationError

    from ecobrain.ingest.commands import validate_params

    now = datetime(2026, 3, 1, tzinfo=UTC)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_params("1061", {"Bogus": "1"}, now=now)
    assert caught.value.message_dict["params"] == [
        "Command 1061 does not accept parameter Bogus (allowed parameters: none)."
    ]
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_params("1062", {}, now=now)
    assert caught.value.message_dict["params"] == [
        "Command 1062 is missing parameter RtdInterval (Real-time data interval, 30–3600 s)."
    ]
    with pytest.raises(ValidationError) as caught:
        validate_params("1061", {"Bogus": "1"}, now=now)
    assert caught.value.message_dict["params"] == ["命令 1061 不接受参数 Bogus（可用参数：无）。"]
