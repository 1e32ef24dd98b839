"""`ecobrain serve`: the web server, the HJ 212 gateway and the job scheduler in one process."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ecobrain.core.processes import SERVE_COMPONENTS, ComponentError, ProcessGroup, serve_components, tune_gc


class Command(BaseCommand):
    help = (
        "Run EcoBrain in one process: the web application (waitress) on ECOBRAIN_PORT, the HJ 212 gateway on "
        "ECOBRAIN_HJ212_PORT, the periodic-job scheduler and the notification sender (with --mqtt also the MQTT "
        "subscriber). Ctrl+C or SIGTERM stops all of them."
    )

    def add_arguments(self, parser):
        add_serve_arguments(parser)

    def handle(self, *args, **options):
        components = serve_components(complete_options(options))
        tune_gc()  # after Django and the components are set up: their objects are frozen
        run_group(components, self.stdout)


def add_serve_arguments(parser) -> None:
    parser.add_argument("--host", default=None, help="address to listen on (default ECOBRAIN_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="web port (default ECOBRAIN_PORT, 8000)")
    parser.add_argument(
        "--threads", type=int, default=None, help="web server threads (default ECOBRAIN_WEB_THREADS, 32)"
    )
    parser.add_argument("--hj212-host", default=None, help="gateway address (default: the same as --host)")
    parser.add_argument("--hj212-port", type=int, default=None, help="gateway port (default ECOBRAIN_HJ212_PORT)")
    for choice in SERVE_COMPONENTS:
        if choice.default:
            parser.add_argument(f"--no-{choice.name}", action="store_true", help=f"do not run {choice.help}")
        else:
            parser.add_argument(f"--{choice.name}", action="store_true", help=f"also run {choice.help}")


def complete_options(options: dict) -> dict:
    """Fill the defaults from settings and check the ports."""
    options = dict(options)
    options["host"] = options.get("host") or settings.HOST
    options["port"] = settings.PORT if options.get("port") is None else options["port"]
    options["hj212_host"] = options.get("hj212_host") or options["host"]
    options["hj212_port"] = settings.HJ212_PORT if options.get("hj212_port") is None else options["hj212_port"]
    if options.get("threads") is None:
        options["threads"] = settings.WEB_THREADS
    if options["threads"] < 1:
        raise CommandError(f"--threads {options['threads']} must be at least 1")
    for name in ("port", "hj212_port"):
        if not 0 <= options[name] <= 65535:
            raise CommandError(f"--{name.replace('_', '-')} {options[name]} is not a TCP port")
    return options


def run_group(components, stdout) -> None:
    """Start the components, print what runs where, wait for Ctrl+C / SIGTERM, stop them in reverse order."""
    group = ProcessGroup(components)
    stdout.write("EcoBrain 正在运行 / running:")
    try:
        group.start(on_started=lambda component: stdout.write(f"  {component.describe()}"))
    except ComponentError as exc:
        raise CommandError(str(exc)) from None
    stdout.write("Ctrl+C 停止 / to stop")
    try:
        group.wait()
    finally:
        group.stop()
    if group.failed is not None:
        raise CommandError(f"{group.failed.name} stopped unexpectedly: {group.failed.error or 'thread ended'}")
    stdout.write("EcoBrain 已停止 / stopped")
