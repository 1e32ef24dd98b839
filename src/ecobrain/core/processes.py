"""Running several long-lived parts of EcoBrain in one process (`ecobrain serve`, `ecobrain demo`).

Each part is a :class:`Component` with ``start()`` (returns once it is ready, raises if it cannot start),
``stop()`` and ``alive()``. :data:`SERVE_COMPONENTS` is the list `ecobrain serve` runs: the web server, the HJ 212
gateway, the job scheduler, the notification sender, and on request the MQTT subscriber; one more part is one more
entry there, and serve gets its ``--no-NAME`` (or, for a part that is off by default, ``--NAME``) option from the
entry.
:class:`ProcessGroup` starts them in order, waits for Ctrl+C or SIGTERM
(or for a part that dies), and stops them in reverse order.

In production the same parts run as separate processes (`web`, `gateway`, `worker`), ARCHITECTURE.md decision 7.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

# The cyclic garbage collector's thresholds in a long-running service process (see tune_gc): a young-generation
# collection after 50,000 new container objects instead of CPython's 700.
SERVICE_GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """Set up the garbage collector of a service process (`ecobrain gateway`, `serve`, `demo`) once it has started.

    The HJ 212 gateway's writer makes thousands of short-lived tuples and dicts per batch (a row per value, the
    driver's result rows): with CPython's default threshold of 700 the collector runs every few hundred rows and,
    every hundredth time, walks every object of the process, Django's models and URL patterns included: 14 % of
    the writer's CPU on this project's bench (bench/README.md, "Where the time goes"). Here the objects made at
    start-up are frozen (``gc.freeze``: the full collections no longer walk them) and the young generation is
    collected after :data:`SERVICE_GC_THRESHOLDS` new objects. Memory is unaffected: almost everything the writer
    makes is freed by reference counting, and the young generation holds at most some megabytes.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVICE_GC_THRESHOLDS)


class ComponentError(RuntimeError):
    """A component could not start (a port in use, a thread that died on start-up)."""


class Component:
    """A part that runs in its own thread until stopped."""

    name = "component"

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._guarded, name=f"ecobrain-{self.name}", daemon=True)
        self.thread.start()

    def _guarded(self) -> None:
        try:
            self.run()
        except BaseException as exc:
            self.error = exc
            logger.exception("%s stopped on an error", self.name)

    def run(self) -> None:
        raise NotImplementedError

    def stop(self, timeout: float = 10.0) -> None:
        raise NotImplementedError

    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def describe(self) -> str:
        return self.name


class WebComponent(Component):
    """The web application on waitress (a multi-threaded WSGI server)."""

    name = "web"

    def __init__(self, host: str, port: int, *, threads: int = 32) -> None:
        super().__init__()
        self.host, self.port, self.threads = host, port, threads
        self.server = None

    def start(self) -> None:
        from waitress import create_server

        from ecobrain.notifications.stream import size_stream_slots
        from ecobrain.wsgi import application

        # Open pages hold a thread each for their notification stream: at most half of them (docs/notifications.md).
        size_stream_slots(self.threads)

        logging.getLogger("waitress").setLevel(logging.INFO)
        from ecobrain.complaints.triage.classifier import warm_up

        threading.Thread(target=warm_up, name="complaints-warm-up", daemon=True).start()
        try:  # binds here, so a port in use fails the start, not the thread
            self.server = create_server(
                application,
                host=self.host,
                port=self.port,
                threads=self.threads,
                ident="EcoBrain",
                clear_untrusted_proxy_headers=True,
                # Keep reading a connection while its request runs, so a closed tab is seen at once
                # (environ["waitress.client_disconnected"]) and its notification stream frees its thread.
                channel_request_lookahead=1,
            )
        except OSError as exc:
            raise ComponentError(f"web server cannot listen on {self.host}:{self.port}: {exc}") from exc
        self.port = getattr(self.server, "effective_port", self.port)
        super().start()

    def run(self) -> None:
        self.server.run()

    def stop(self, timeout: float = 10.0) -> None:
        from ecobrain.notifications.stream import close_streams

        server, self.server = self.server, None  # a second stop() is a no-op
        if server is None:
            return
        close_streams()  # open notification streams end now instead of holding threads until their lifetime is up
        if hasattr(server, "trigger"):  # one listening socket: close everything from the server's own loop
            from waitress import wasyncore

            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        else:  # several sockets (a host name with IPv4 and IPv6 addresses)
            server.close()
        if self.thread is not None:
            self.thread.join(timeout)
        server.task_dispatcher.shutdown(timeout=timeout)

    def describe(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host  # noqa: S104 - shown, not bound
        return f"web       http://{host}:{self.port}/"


class LoopComponent(Component):
    """An asyncio service in its own thread with its own event loop.

    ``main()`` returns the coroutine to run; ``stop(loop)`` asks it to end (it is called from another thread);
    ``ready``, when given, is set by the service once it accepts work, and ``start()`` waits for it.
    """

    def __init__(
        self,
        name: str,
        main: Callable[[], Coroutine[Any, Any, Any]],
        stop: Callable[[asyncio.AbstractEventLoop], None],
        *,
        ready: threading.Event | None = None,
        description: Callable[[], str] | None = None,
        ready_timeout: float = 15.0,
        service: Any = None,
    ) -> None:
        super().__init__()
        self.name = name
        self.service = service  # the object behind main/stop (the Gateway, the Simulator), for callers and tests
        self._main, self._stop, self._ready = main, stop, ready
        self._description = description
        self.ready_timeout = ready_timeout
        self.loop: asyncio.AbstractEventLoop | None = None
        self.result: Any = None

    def start(self) -> None:
        self.loop = asyncio.new_event_loop()
        super().start()
        if self._ready is None:
            return
        deadline = time.monotonic() + self.ready_timeout
        while not self._ready.wait(0.05):
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise ComponentError(f"{self.name} did not start: {self.error or 'not ready in time'}")

    def run(self) -> None:
        loop = self.loop
        asyncio.set_event_loop(loop)
        try:
            self.result = loop.run_until_complete(self._main())
        finally:
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    def stop(self, timeout: float = 10.0) -> None:
        if self.alive() and self.loop is not None and not self.loop.is_closed():
            self._stop(self.loop)
        if self.thread is not None:
            self.thread.join(timeout)

    def describe(self) -> str:
        return self._description() if self._description else self.name


class SchedulerComponent(Component):
    """The periodic-job scheduler (:class:`ecobrain.core.jobs.Scheduler`)."""

    name = "scheduler"

    def __init__(self, *, tick: float = 5.0) -> None:
        super().__init__()
        from ecobrain.core.jobs import Scheduler, discover

        self.jobs = sorted(discover())
        self.scheduler = Scheduler(tick=tick)

    def run(self) -> None:
        self.scheduler.run()

    def stop(self, timeout: float = 10.0) -> None:
        self.scheduler.stop(timeout=0)
        if self.thread is not None:
            self.thread.join(timeout)

    def describe(self) -> str:
        return f"scheduler {len(self.jobs)} periodic jobs" + (f" ({', '.join(self.jobs)})" if self.jobs else "")


def gateway_component(host: str, port: int) -> LoopComponent:
    """The HJ 212 gateway (docs/hj212.md) on ``host:port``."""
    from ecobrain.ingest.gateway import Gateway

    gateway = Gateway(host, port)
    return LoopComponent(
        "gateway",
        gateway.serve,
        lambda loop: loop.call_soon_threadsafe(gateway.stop),
        ready=gateway.ready,
        description=lambda: f"gateway   HJ 212 on {gateway.host}:{gateway.port}",
        service=gateway,
    )


class NotifierComponent(Component):
    """The notification sender (:class:`ecobrain.notifications.sender.Sender`): sends the email and SMS outbox,
    woken at once by ``notify()`` in this process and polling for the rest."""

    name = "notifier"

    def __init__(self) -> None:
        super().__init__()
        self.sender = None

    def start(self) -> None:
        from django.core.exceptions import ImproperlyConfigured

        from ecobrain.notifications.sender import Sender

        try:
            self.sender = Sender()
        except ImproperlyConfigured as exc:  # an SMS backend that cannot be loaded
            raise ComponentError(f"notifier cannot start: {exc}") from exc
        super().start()

    def run(self) -> None:
        self.sender.run()

    def stop(self, timeout: float | None = None) -> None:
        if self.sender is None:
            return
        self.sender.stop()
        if self.thread is not None:
            # A send in progress finishes first (bounded by the send timeout); the rest of its batch is given back.
            self.thread.join(timeout if timeout is not None else 2 * self.sender.send_timeout + 5)

    def describe(self) -> str:
        from django.conf import settings

        email = settings.SMTP.describe() if settings.SMTP else "off"
        return f"notifier  email {email}, SMS {settings.SMS_BACKEND.rsplit('.', 1)[-1]}"


@dataclass(frozen=True)
class ComponentChoice:
    """An entry of `ecobrain serve`: ``build(options)`` makes the component; ``--no-NAME`` leaves it out, or, for
    an entry that is off by default (``default=False``), ``--NAME`` brings it in."""

    name: str
    help: str
    build: Callable[[dict], Component]
    default: bool = True

    def wanted(self, options: dict) -> bool:
        return not options.get(f"no_{self.name}") if self.default else bool(options.get(self.name))


class MQTTComponent(Component):
    """The MQTT subscriber (:class:`ecobrain.ingest.mqtt.MQTTIngest`): it connects and reconnects by itself."""

    name = "mqtt"

    def __init__(self) -> None:
        super().__init__()
        from ecobrain.ingest.mqtt import MQTTIngest

        self.ingest = MQTTIngest()
        self._done = threading.Event()

    def start(self) -> None:
        self.ingest.start()
        super().start()

    def run(self) -> None:  # the subscriber has its own threads; this one only marks the component alive
        self._done.wait()

    def stop(self, timeout: float = 10.0) -> None:
        self.ingest.stop(timeout)
        self._done.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def describe(self) -> str:
        config = self.ingest.config
        return f"mqtt      {self.ingest.topic} on {config.host}:{config.port}"


SERVE_COMPONENTS: tuple[ComponentChoice, ...] = (
    ComponentChoice(
        "gateway", "the HJ 212 gateway", lambda options: gateway_component(options["hj212_host"], options["hj212_port"])
    ),
    ComponentChoice("scheduler", "the periodic-job scheduler", lambda options: SchedulerComponent()),
    ComponentChoice(
        "notifier",
        "the notification sender (email and SMS outbox, docs/notifications.md)",
        lambda options: NotifierComponent(),
    ),
    ComponentChoice(
        "mqtt",
        "the MQTT subscriber (ECOBRAIN_MQTT_URL, docs/ingest.md)",
        lambda options: MQTTComponent(),
        default=False,
    ),
)


def serve_components(options: dict) -> list[Component]:
    """The web server and every :data:`SERVE_COMPONENTS` entry wanted by the options (``no_NAME`` / ``NAME``)."""
    components: list[Component] = [WebComponent(options["host"], options["port"], threads=options["threads"])]
    for choice in SERVE_COMPONENTS:
        if choice.wanted(options):
            components.append(choice.build(options))
    return components


class ProcessGroup:
    """Components started in order and stopped in reverse; ``wait()`` returns on a signal, a request or a death."""

    def __init__(self, components: list[Component]) -> None:
        self.components = components
        self.started: list[Component] = []
        self._stop = threading.Event()
        self.failed: Component | None = None

    def start(self, on_started: Callable[[Component], None] | None = None) -> None:
        try:
            for component in self.components:
                component.start()
                self.started.append(component)
                if on_started is not None:
                    on_started(component)
        except BaseException:
            self.stop()
            raise

    def request_stop(self, *_: object) -> None:
        self._stop.set()

    def wait(self, *, handle_signals: bool = True) -> None:
        """Block until SIGINT/SIGTERM (when called in the main thread), ``request_stop()`` or a component dies."""
        previous = {}
        if handle_signals and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                previous[sig] = signal.signal(sig, self.request_stop)
        try:
            while not self._stop.wait(0.5):
                dead = next((c for c in self.started if not c.alive()), None)
                if dead is not None:
                    self.failed = dead
                    logger.error("%s stopped unexpectedly: %s", dead.name, dead.error or "thread ended")
                    return
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop(self) -> None:
        while self.started:
            component = self.started.pop()
            try:
                component.stop()
            except Exception:
                logger.exception("stopping %s failed", component.name)
