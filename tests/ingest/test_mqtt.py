"""MQTT ingest against the real Mosquitto on 127.0.0.1:1883: frames and JSON documents in, answers out,
PUBACK only after commit, a persistent session that keeps messages while the subscriber is down.

Personas: an air-station data logger that publishes HJ 212 frames over MQTT and re-sends when no 9014 ack
comes; an IoT sensor that publishes JSON documents with its access password; someone publishing on another
device's topic. The broker is unreachable → the tests skip, unless ECOBRAIN_REQUIRE_MQTT=1 (CI) → they fail.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import time
import uuid
from datetime import UTC, datetime

import paho.mqtt.client as paho
import pytest
from django.db import OperationalError

from ecobrain.accounts.choices import SecurityEventKind
from ecobrain.audit.models import SecurityEvent
from ecobrain.core.env import ConfigError
from ecobrain.ingest import mqtt as mqtt_module
from ecobrain.ingest.mqtt import BrokerConfig, MQTTIngest, ingest_messages, topic_mn
from ecobrain.monitoring.choices import PacketOutcome
from ecobrain.monitoring.models import ArchivedPacket, HourObservation
from ecobrain.standards.hj212 import build_frame, decode, encode, packet_from_json
from tests import factories

BROKER = ("127.0.0.1", 1883)
MN = "MN610402000000000301"
PW = "s3cret"
WAIT = 10.0  # seconds any single expectation may take (the broker and a writer thread are involved)


def _broker_reachable() -> bool:
    try:
        socket.create_connection(BROKER, timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def broker():
    if not _broker_reachable():
        message = f"MQTT broker not reachable on {BROKER[0]}:{BROKER[1]} (Mosquitto)"
        if os.environ.get("ECOBRAIN_REQUIRE_MQTT") == "1":
            pytest.fail(message + " and ECOBRAIN_REQUIRE_MQTT=1")
        pytest.skip(message)
    return BROKER


@pytest.fixture
def prefix(broker) -> str:
    """A topic prefix of this test only, so parallel runs on the same broker never see each other."""
    return f"ecobrain-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def device(transactional_db, qindu):
    return factories.device(mn=MN, password=PW, station=factories.station(qindu))


class Device:
    """A device (or a test's eavesdropper) on the broker: publishes on up, collects what comes on down."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.received: queue.Queue = queue.Queue()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"dev-{uuid.uuid4().hex[:10]}")
        self.client.on_message = lambda client, userdata, message: self.received.put(
            (message.topic, bytes(message.payload))
        )
        self.client.connect(*BROKER)
        self.client.loop_start()
        info = self.client.subscribe(f"{prefix}/+/down", qos=1)
        assert info[0] == paho.MQTT_ERR_SUCCESS
        time.sleep(0.2)  # let the SUBACK arrive

    def publish(self, payload: bytes, mn: str = MN) -> None:
        self.client.publish(f"{self.prefix}/{mn}/up", payload, qos=1).wait_for_publish(WAIT)

    def next(self, timeout: float = WAIT) -> tuple[str, bytes]:
        return self.received.get(timeout=timeout)

    def nothing_within(self, seconds: float) -> bool:
        try:
            self.received.get(timeout=seconds)
        except queue.Empty:
            return True
        return False

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def sensor(prefix):
    client = Device(prefix)
    yield client
    client.close()


def make_subscriber(prefix: str, client_id: str) -> MQTTIngest:
    subscriber = MQTTIngest("mqtt://127.0.0.1:1883", client_id=client_id, prefix=prefix, session_expiry=300)
    subscriber.start()
    assert subscriber.subscribed.wait(WAIT), "no SUBACK from the broker"
    return subscriber


@pytest.fixture
def subscriber(prefix, device):
    client_id = f"ecobrain-test-{uuid.uuid4().hex[:10]}"
    started = make_subscriber(prefix, client_id)
    yield started
    started.stop()
    _end_session(client_id)


def _end_session(client_id: str) -> None:
    """Connect once with clean start and no expiry, so the test's persistent session leaves the broker."""
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)
    client.connect(*BROKER, clean_start=True)
    client.loop_start()
    time.sleep(0.1)
    client.disconnect()
    client.loop_stop()


def frame(qn="20260301100000000", *, hour="09", pw=PW, mn=MN, pm25="35", flag=5) -> bytes:
    cp = {"DataTime": f"20260301{hour}0000", "a34004-Avg": pm25, "a34004-Flag": "N", "a21026-Avg": "12.5"}
    document = {"qn": qn, "st": "22", "cn": "2061", "pw": pw, "mn": mn, "flag": flag, "cp": cp}
    return encode(packet_from_json(document))


def json_document(pw=PW, **values) -> bytes:
    document = {
        "pw": pw,
        "resolution": "hour",
        "time": "2026-03-01T10:00:00+08:00",
        "values": values or {"a34004": "40"},
    }
    return json.dumps(document).encode()


def wait_for(condition) -> None:
    deadline = time.monotonic() + WAIT
    while True:
        try:
            if condition():
                return
        except OperationalError:
            # The test database is in-memory SQLite with a shared cache, where a read during the writer thread's
            # transaction fails at once ("table is locked") instead of waiting; poll again.
            pass
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_broker_url_forms():
    assert BrokerConfig.parse("mqtt://127.0.0.1") == BrokerConfig("127.0.0.1", 1883)
    config = BrokerConfig.parse("mqtts://eco%40bureau:p%3Ass@mq.example.gov.cn?cafile=/etc/ca.pem")
    assert (config.port, config.tls, config.username, config.password, config.cafile) == (
        8883,
        True,
        "eco@bureau",
        "p:ss",
        "/etc/ca.pem",
    )
    for bad in ("tcp://host:1883", "mqtt://:1883", "mqtt://host:99999", "mqtt://host?cert=x"):
        with pytest.raises(ConfigError, match="ECOBRAIN_MQTT_URL"):
            BrokerConfig.parse(bad)
    assert topic_mn("ecobrain/MN1/up", "ecobrain") == "MN1"
    assert topic_mn("ecobrain/MN1/down", "ecobrain") is None
    assert topic_mn("other/MN1/up", "ecobrain") is None


def test_frame_is_stored_then_acked_on_the_down_topic(subscriber, sensor, prefix):
    sensor.publish(frame())
    topic, payload = sensor.next()
    assert topic == f"{prefix}/{MN}/down"
    ack = decode(payload)
    # standards.md §1.6: CN 9014 data ack; §1.3: the ack carries the upload's QN.
    assert (ack.cn, ack.qn, ack.st, ack.mn, ack.flag) == ("9014", "20260301100000000", "91", MN, 4)
    # The ack is published after commit: the rows are visible from the test's own connection now.
    stored = dict(HourObservation.objects.values_list("series__factor__code", "value_text"))
    assert stored == {"a34004": "35", "a21026": "12.5"}
    archive = ArchivedPacket.objects.get()
    assert (archive.outcome, archive.peer) == (PacketOutcome.STORED, f"mqtt:{prefix}/{MN}/up")


def test_frame_without_the_ack_flag_is_stored_but_not_acked(subscriber, sensor):
    sensor.publish(frame(flag=4))
    wait_for(lambda: HourObservation.objects.count() == 2)
    assert sensor.nothing_within(0.5)


def test_json_document_is_stored_and_answered_with_counts(subscriber, sensor, prefix):
    sensor.publish(json_document(a34004="40", a21026={"Avg": "9.5", "Flag": "N"}, x99999="1"))
    topic, payload = sensor.next()
    assert topic == f"{prefix}/{MN}/down"
    answer = json.loads(payload)
    assert (answer["ok"], answer["inserted"], answer["updated"], answer["rejected"]) == (False, 2, 0, 1)
    assert answer["errors"][0]["field"] == "values.x99999"
    row = HourObservation.objects.get(series__factor__code="a21026")
    assert (row.value_text, row.device_flag, row.period_start) == ("9.5", "N", datetime(2026, 3, 1, 2, tzinfo=UTC))


def test_wrong_password_stores_nothing_and_is_a_security_event(subscriber, sensor):
    sensor.publish(json_document(pw="guess"))
    answer = json.loads(sensor.next()[1])
    assert (answer["ok"], answer["errors"][0]["field"], answer["errors"][0]["message"]) == (False, "pw", "访问密码错误")
    assert (answer["inserted"], answer["rejected"]) == (0, 1)
    sensor.publish(frame(pw="guess"))  # a frame with the wrong PW: archived, never acked
    wait_for(lambda: ArchivedPacket.objects.filter(outcome=PacketOutcome.AUTH_FAILED).exists())
    assert sensor.nothing_within(0.5)
    assert not HourObservation.objects.exists()
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DEVICE_AUTH_FAILED).count() == 2


def test_a_frame_on_another_devices_topic_is_archived_as_rejected(subscriber, sensor, prefix):
    other = factories.device(
        mn="MN610402000000000302", password=PW, station=factories.station(factories.region("610402"))
    )
    sensor.publish(frame(), mn=other.mn)  # MN in the packet ≠ MN in the topic
    wait_for(lambda: ArchivedPacket.objects.exists())
    archive = ArchivedPacket.objects.get()
    assert archive.outcome == PacketOutcome.AUTH_FAILED
    assert f"主题中的 MN {other.mn}" in archive.detail and f"报文中的 MN {MN}" in archive.detail
    assert not HourObservation.objects.exists()
    assert sensor.nothing_within(0.5)
    # A JSON document naming another MN than its topic's is refused too.
    body = json.loads(json_document())
    sensor.publish(json.dumps({**body, "mn": MN}).encode(), mn=other.mn)
    answer = json.loads(sensor.next()[1])
    assert answer["inserted"] == 0 and answer["errors"][0]["field"] == "mn"


def test_a_resent_message_updates_the_same_row_revision_two(subscriber, sensor):
    sensor.publish(frame(pm25="35"))
    sensor.next()
    sensor.publish(frame(pm25="35"))  # no ack seen by the device: it sends the same packet again
    sensor.next()
    assert HourObservation.objects.count() == 2
    assert set(HourObservation.objects.values_list("revision", flat=True)) == {2}


def test_messages_published_while_the_subscriber_is_down_are_delivered(prefix, device, sensor):
    client_id = f"ecobrain-test-{uuid.uuid4().hex[:10]}"
    first = make_subscriber(prefix, client_id)  # creates the persistent session and its subscription
    first.stop()
    try:
        sensor.publish(frame(hour="01", qn="1"))
        sensor.publish(json_document())
        assert HourObservation.objects.count() == 0
        second = make_subscriber(prefix, client_id)
        try:
            wait_for(lambda: HourObservation.objects.count() == 3)
            replies = {decode(p).qn if not p.startswith(b"{") else "json" for _, p in (sensor.next(), sensor.next())}
            assert replies == {"1", "json"}
        finally:
            second.stop()
    finally:
        _end_session(client_id)


def test_no_puback_before_commit_so_a_message_survives_a_failed_subscriber(prefix, device, sensor, monkeypatch):
    """The first subscriber's database writes fail; it never acknowledges, and is stopped (as if it crashed).
    The broker delivers the message again to the next session, which stores it once (revision 1)."""
    client_id = f"ecobrain-test-{uuid.uuid4().hex[:10]}"
    calls = []
    real = mqtt_module.ingest_messages

    def database_down(messages, **kwargs):
        calls.append(len(messages))
        raise mqtt_module.OperationalError("simulated: database unavailable")

    monkeypatch.setattr(mqtt_module, "ingest_messages", database_down)
    failing = make_subscriber(prefix, client_id)
    try:
        sensor.publish(frame())
        wait_for(lambda: calls)
        assert sensor.nothing_within(0.3)  # no ack for unsaved data
    finally:
        failing.stop()
    assert failing.failed_batches >= 1 and failing.messages == 0
    monkeypatch.setattr(mqtt_module, "ingest_messages", real)
    recovered = make_subscriber(prefix, client_id)
    try:
        assert decode(sensor.next()[1]).cn == "9014"
        assert set(HourObservation.objects.values_list("revision", flat=True)) == {1}
        assert HourObservation.objects.count() == 2
    finally:
        recovered.stop()
        _end_session(client_id)


def test_a_failed_commit_is_retried_in_process_and_acked_once(subscriber, sensor, monkeypatch):
    real = mqtt_module.ingest_messages
    calls = []

    def fail_once(messages, **kwargs):
        calls.append(len(messages))
        if len(calls) == 1:
            raise mqtt_module.OperationalError("simulated: disk full")
        return real(messages, **kwargs)

    monkeypatch.setattr(mqtt_module, "ingest_messages", fail_once)
    sensor.publish(frame())
    assert decode(sensor.next()[1]).cn == "9014"
    assert len(calls) == 2
    assert set(HourObservation.objects.values_list("revision", flat=True)) == {1}
    assert sensor.nothing_within(0.3)


def test_the_command_refuses_a_bad_broker_url_before_connecting():
    from django.core.management import call_command

    with pytest.raises(ConfigError, match="ECOBRAIN_MQTT_URL"):
        call_command("mqtt", url="tcp://127.0.0.1:1883")


def test_a_frame_with_a_nul_byte_is_archived_as_undecodable_not_retried_forever(device):
    """Found in review: a NUL in the packet's MN of a topic/MN mismatch reached PostgreSQL (the security event's
    JSON: DataError) before ingest_packet's NUL check, so the batch would be retried for ever. No broker needed."""
    raw = build_frame("QN=1;ST=22;CN=2061;PW=s3cret;MN=AB\x00C;Flag=5;CP=&&DataTime=20260301090000;a34004-Avg=1&&")
    replies = ingest_messages([(f"ecobrain/{MN}/up", raw)])
    assert replies == [[]]
    archive = ArchivedPacket.objects.get()
    assert archive.outcome == PacketOutcome.DECODE_ERROR and "NUL" in archive.detail


# --- JSON documents are archived raw, like frames, and re-derived from the archive (no broker needed) --------


def test_json_documents_are_archived_with_their_outcome(device):
    topic = f"ecobrain/{MN}/up"
    good, resent = json_document(a34004="40"), json_document(a34004="41")
    wrong_pw, garbage = json_document(pw="guess"), b'{"pw": "s3cret", "rows": ['
    unknown = json_document()
    ingest_messages([(topic, good), (topic, resent), (topic, wrong_pw), (topic, garbage)])
    ingest_messages([("ecobrain/MN000UNKNOWN/up", unknown)])
    rows = list(ArchivedPacket.objects.order_by("pk"))
    assert [r.outcome for r in rows] == [
        PacketOutcome.STORED,
        PacketOutcome.DUPLICATE,  # the same hour again: an update, a revision
        PacketOutcome.AUTH_FAILED,
        PacketOutcome.DECODE_ERROR,
        PacketOutcome.UNKNOWN_MN,
    ]
    assert bytes(rows[0].raw) == good and rows[0].device == device and rows[0].values_stored == 1
    assert rows[0].detail.startswith("JSON 文档：新增 1，更新 0，拒收 0")
    assert rows[2].values_stored == 0 and "访问密码错误" in rows[2].detail
    assert rows[4].mn == "MN000UNKNOWN" and rows[4].device is None
    assert HourObservation.objects.get().value_text == "41"


def test_an_archived_json_document_shows_its_password_masked(device, client):
    ingest_messages([(f"ecobrain/{MN}/up", json_document(a34004="40"))])
    archived = ArchivedPacket.objects.get()
    admin = factories.user("root", "system_admin", city_wide=True)
    client.force_login(admin)
    body = client.get(f"/monitoring/packets/{archived.pk}/").content.decode()
    assert "JSON 监测数据文档" in body and "s3cret" not in body and "&quot;pw&quot;: &quot;******&quot;" in body


def test_json_documents_are_rederived_from_the_archive(device):
    from ecobrain.ingest.rederive import rederive

    ingest_messages([(f"ecobrain/{MN}/up", json_document(a34004="40", a21026="7"))])
    HourObservation.objects.all().delete()  # as if a rule change or a restore lost the derived rows
    report = rederive(mns=[MN])
    assert (report.packets_read, report.packets_stored, report.values_inserted) == (1, 1, 2)
    received = ArchivedPacket.objects.get().received_at
    assert set(HourObservation.objects.values_list("value_text", "received_at")) == {("40", received), ("7", received)}
