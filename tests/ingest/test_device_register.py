"""`ecobrain device register`: an installer's script registers data loggers, and may run again safely.

Persona: the operator who installs loggers at stations and outlets and scripts their registration; a re-run of
the script must change nothing, a wrong target must stop it with a message that says what is wrong.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ecobrain.audit.changelog import history_for
from ecobrain.registry.models import Device
from tests import factories


def register(*args: str, stdin: str | None = None) -> str:
    out = io.StringIO()
    if stdin is not None:
        import sys

        original = sys.stdin
        sys.stdin = io.StringIO(stdin)
        try:
            call_command("device", "register", *args, stdout=out)
        finally:
            sys.stdin = original
    else:
        call_command("device", "register", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def station(qindu):
    return factories.station(qindu, code="XY0001", name="秦都测试站")


def test_register_then_rerun_changes_nothing(station):
    output = register("--mn", "XYAIR0001", "--password", "s3cret", "--station", "XY0001")
    assert output.startswith("created device XYAIR0001") and "秦都测试站" in output
    device = Device.objects.get(mn="XYAIR0001")
    assert device.station == station and device.check_access_password("s3cret")
    assert device.protocol_version == "2017"
    (change,) = history_for(device)
    assert change.source == "command" and change.after["password_encrypted"] == "••••••"

    assert register("--mn", "XYAIR0001", "--password", "s3cret", "--station", "XY0001").startswith("unchanged")
    assert history_for(device).count() == 1

    output = register("--mn", "XYAIR0001", "--password", "-", "--station", "XY0001", "--version", "2025", stdin="n3w\n")
    assert output.startswith("updated")
    device.refresh_from_db()
    assert device.check_access_password("n3w") and device.protocol_version == "2025"


def test_an_outlet_is_named_by_its_code_and_if_needed_its_enterprise(enterprise_in_qindu, enterprise_in_binzhou):
    factories.outlet(enterprise_in_qindu, code="DA001")
    register("--mn", "XYGAS0001", "--password", "p1", "--outlet", "da001")
    assert Device.objects.get(mn="XYGAS0001").outlet.enterprise == enterprise_in_qindu
    factories.outlet(enterprise_in_binzhou, code="DA001")
    with pytest.raises(CommandError, match="有多个企业使用：请用 --enterprise"):
        register("--mn", "XYGAS0002", "--password", "p1", "--outlet", "DA001")
    register(
        "--mn", "XYGAS0002", "--password", "p1", "--outlet", "DA001", "--enterprise", enterprise_in_binzhou.credit_code
    )
    assert Device.objects.get(mn="XYGAS0002").outlet.enterprise == enterprise_in_binzhou


def test_clear_errors_for_another_target_an_unknown_code_and_bad_values(station, qindu):
    factories.station(qindu, code="XY0002")
    register("--mn", "XYAIR0001", "--password", "s3cret", "--station", "XY0001")
    with pytest.raises(CommandError, match=r"已登记到“.*秦都测试站.*”，不能改挂"):
        register("--mn", "XYAIR0001", "--password", "s3cret", "--station", "XY0002")
    with pytest.raises(CommandError, match="站点编码 'NOPE' 不存在"):
        register("--mn", "XYAIR0009", "--password", "s3cret", "--station", "NOPE")
    with pytest.raises(CommandError, match=r"mn: .*无效"):
        register("--mn", "bad mn!", "--password", "s3cret", "--station", "XY0001")
    with pytest.raises(CommandError, match="password: 访问密码须为1–32个字符"):
        register("--mn", "XYAIR0003", "--password", "a;b", "--station", "XY0001")
    with pytest.raises(CommandError):  # argparse: one target, not two
        register("--mn", "XYAIR0004", "--password", "p", "--station", "XY0001", "--outlet", "DA001")
    assert list(Device.objects.values_list("mn", flat=True)) == ["XYAIR0001"]
