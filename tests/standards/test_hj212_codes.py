"""The HJ 212 code tables stay plain Python and Chinese; the Django layer translates them at display time."""

from __future__ import annotations

import subprocess
import sys

from ecobrain.standards.hj212.codes import command_name, data_flag_meaning, explain_flag, system_name


def test_code_tables_import_no_django():
    """The names are marked for extraction with a module-local no-op, not Django's gettext_noop."""
    code = "import sys, ecobrain.standards.hj212.codes; print('django' in sys.modules)"
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)  # noqa: S603 - fixed code
    assert result.stdout.strip() == "False"


def test_names_are_the_standards_chinese_names():
    """standards.md §1.5 (ST 31), §1.6 (CN 2061, HJ 212-2017 Table 9), §1.9 (2017 flag M)."""
    assert system_name("31") == "大气环境污染源"
    assert command_name("2061") == "污染物小时数据"
    assert data_flag_meaning("M") == "维护期间数据"


def test_explain_flag_is_chinese_by_default():
    """standards.md §1.4: Flag=5 is version bits 000001 (HJ 212-2017), D=0, A=1."""
    assert explain_flag(5) == ["版本位 V5–V0 = 000001：HJ 212-2017", "D = 0：不拆分", "A = 1：需要应答"]
    assert explain_flag(None) == ["无 Flag 字段：按 HJ/T 212-2005 处理"]
    assert explain_flag(63 << 2)[0] == "版本位 V5–V0 = 111111：未知版本"


def test_explain_flag_translates_whole_sentences_then_fills_them():
    """Each sentence is translated as a template with named placeholders; the values are put in afterwards."""
    english = {
        "版本位 V5–V0 = %(bits)s：%(edition)s": "bits %(bits)s mean %(edition)s",
        "未知版本": "no known edition",
        "D = 1：拆分包，带 PNUM/PNO": "split",
        "A = 0：无需应答": "no ack",
    }

    def translate(text: str) -> str:
        return english.get(text, text)

    assert explain_flag(2 << 2 | 2, translate) == ["bits 000010 mean HJ 212-2025", "split", "no ack"]
    assert explain_flag(63 << 2, translate)[0] == "bits 111111 mean no known edition"
