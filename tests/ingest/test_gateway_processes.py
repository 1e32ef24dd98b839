"""`ecobrain gateway --processes N`: several gateway processes on one port (SO_REUSEPORT), one core each.

Persona: the operator of a city's gateway on a multi-core server with PostgreSQL, whose thousands of loggers need
more than one process's CPU. Each process keeps its own connections, writer, sessions (its own gateway instance)
and command dispatch; the database is shared. On SQLite the option is refused (one write lock).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from pathlib import Path

import pytest
from django.conf import settings

from ecobrain.ingest.models import DeviceSession
from ecobrain.monitoring.models import HourObservation
from tests import factories
from tests.ingest.data_loggers import FACTORS, make_upload
from tests.ingest.gateway_helpers import FrameReader, wait_for
from tests.ingest.gateway_process import GatewayProcess, free_port, shared_database
from tests.test_cli import ecobrain

PW = "proc-212"
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
LOGGERS = 40  # connections: with two listening processes, all on one of them has a chance of 2 ** -39


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if entry.isdigit() and int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


@pytest.mark.skipif(not ON_POSTGRES, reason="several gateway processes need PostgreSQL")
def test_two_processes_share_the_port_store_every_value_once_and_stop_on_sigterm(
    transactional_db, enterprise_in_qindu, tmp_path
):
    devices = [
        factories.device(
            mn=f"MNPROC{n:014d}", password=PW, outlet=factories.outlet(enterprise_in_qindu, code=f"DA{n:03d}")
        )
        for n in range(LOGGERS)
    ]
    with shared_database() as url:
        gateway = GatewayProcess(url, free_port(), tmp_path, extra=("--processes", "2"))
        gateway.start()  # returns once one of them listens
        try:
            wait_for(lambda: gateway.log().count("HJ 212 gateway listening on") == 2, wait=30)
            sockets = []
            for number, device in enumerate(devices):
                sock = socket.create_connection(("127.0.0.1", gateway.port), timeout=30)
                sockets.append(sock)
                upload = make_upload(device.mn, PW, number, hour=0)
                sock.sendall(upload.frame)
                [ack] = FrameReader(sock).read()  # the 9014 ack: only after the values are committed
                assert (ack.cn, ack.qn, ack.mn) == ("9014", upload.qn, device.mn)
            sessions = DeviceSession.objects.filter(device__in=devices, connected=True)
            wait_for(lambda: sessions.count() == LOGGERS)  # sessions are written every 0.5 s
            assert len(set(sessions.values_list("gateway", flat=True))) == 2  # both processes took connections
            for sock in sockets:
                sock.close()
            # A gateway process that dies after it listened is replaced (one that dies before could not start: the
            # command fails instead); the port keeps answering meanwhile.
            os.kill(children(gateway.pid)[0], signal.SIGKILL)
            wait_for(lambda: gateway.log().count("HJ 212 gateway listening on") == 3, wait=30)
            assert len(children(gateway.pid)) == 2
            with socket.create_connection(("127.0.0.1", gateway.port), timeout=30) as sock:
                upload = make_upload(devices[0].mn, PW, 0, hour=1)
                sock.sendall(upload.frame)
                assert FrameReader(sock).read()[0].qn == upload.qn
        finally:
            gateway.proc.send_signal(signal.SIGTERM)
            assert gateway.proc.wait(30) == 0, gateway.log()
    assert HourObservation.objects.filter(series__device__in=devices).count() == (LOGGERS + 1) * len(FACTORS)
    assert set(HourObservation.objects.filter(series__device__in=devices).values_list("revision", flat=True)) == {1}


@pytest.mark.skipif(ON_POSTGRES, reason="the refusal is SQLite's")
def test_several_processes_are_refused_on_sqlite(tmp_path):
    result = ecobrain(tmp_path, "gateway", "--port", str(free_port()), "--processes", "2", ECOBRAIN_SECRET_KEY="t" * 40)
    assert result.returncode != 0
    assert "--processes above 1 needs PostgreSQL" in result.stderr


@pytest.mark.skipif(not ON_POSTGRES, reason="several gateway processes need PostgreSQL")
def test_processes_that_cannot_listen_make_the_command_fail(transactional_db, tmp_path):
    with shared_database() as url, socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))  # held without SO_REUSEPORT: nobody else may listen on it
        taken.listen()
        port = str(taken.getsockname()[1])
        key = settings.SECRET_KEY
        result = ecobrain(
            tmp_path, "gateway", "--port", port, "--processes", "2", ECOBRAIN_DATABASE_URL=url, ECOBRAIN_SECRET_KEY=key
        )
    assert result.returncode != 0
    assert "a gateway process could not start" in result.stderr
    assert "address already in use" in result.stderr.lower()  # the process's own error is in the log too
