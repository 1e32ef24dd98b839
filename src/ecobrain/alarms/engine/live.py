"""The live path: observations are evaluated right after they are committed, in the process that stored them.

``AlarmsConfig.ready`` subscribes :func:`on_committed` to ``monitoring.feed``. In the committing thread (the
gateway's writer, a web request, an import) it only puts the batch on a bounded queue; one daemon thread per
process takes batches off it and runs them through the process's engine. When the queue is full the batch is
dropped and logged: the ``alarms.sweep`` job evaluates every committed row by its received time anyway, so a
dropped batch raises its alarms a few minutes later, never not at all.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import defaultdict

from django.conf import settings
from django.db import close_old_connections, connections

from ecobrain.alarms.engine.core import get_engine
from ecobrain.monitoring.feed import CommittedRows, subscribe

logger = logging.getLogger(__name__)

IDLE_CLOSE_SECONDS = 1.0  # the thread closes its database connection after this long without work
MERGE_BATCHES = 64  # batches waiting in the queue are evaluated together, up to this many
DROP_LOG_SECONDS = 60.0


class LiveEvaluator:
    """A bounded queue of committed batches and the thread that evaluates them."""

    def __init__(self, maxsize: int) -> None:
        self.queue: queue.Queue[CommittedRows] = queue.Queue(maxsize)
        self.dropped = 0
        self.evaluated = 0
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._last_drop_log = 0.0

    def submit(self, batch: CommittedRows) -> bool:
        """Queue ``batch`` (called in the committing thread: no database work here). False when dropped."""
        self._ensure_thread()
        try:
            self.queue.put_nowait(batch)
        except queue.Full:
            self.dropped += 1
            now = time.monotonic()
            if now - self._last_drop_log >= DROP_LOG_SECONDS:
                self._last_drop_log = now
                logger.warning(
                    "alarm live queue full (%s batches): %s batches left to the alarms.sweep job so far",
                    self.queue.maxsize,
                    self.dropped,
                )
            return False
        return True

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ecobrain-alarm-live", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                batches = [self.queue.get(timeout=IDLE_CLOSE_SECONDS)]
            except queue.Empty:
                connections.close_all()  # this thread's connection: nothing holds it open while idle
                continue
            while len(batches) < MERGE_BATCHES:
                try:
                    batches.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self.evaluate(batches)
            except Exception:
                logger.exception("live alarm evaluation of %s batches failed (the sweep evaluates them)", len(batches))
                close_old_connections()
            finally:
                for _ in batches:
                    self.queue.task_done()

    def evaluate(self, batches: list[CommittedRows]) -> None:
        rows: dict[str, list] = defaultdict(list)
        for batch in batches:
            rows[batch.resolution].extend(batch.rows)
        engine = get_engine()
        for resolution, resolution_rows in rows.items():
            self.evaluated += engine.evaluate_observations(resolution, resolution_rows, final=False)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued batch is evaluated (tests, shutdown); False on timeout."""
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True


_live: LiveEvaluator | None = None


def live_evaluator() -> LiveEvaluator:
    global _live
    if _live is None:
        _live = LiveEvaluator(settings.ALARMS_LIVE_QUEUE)
    return _live


def on_committed(batch: CommittedRows) -> None:
    """The feed subscriber: hand the batch to this process's evaluator thread."""
    live_evaluator().submit(batch)


def live_enabled() -> bool:
    """ECOBRAIN_ALARMS_LIVE (read at each commit, so a test or a command can switch it)."""
    return settings.ALARMS_LIVE


def install_live_evaluation() -> None:
    subscribe(on_committed, active=live_enabled)
