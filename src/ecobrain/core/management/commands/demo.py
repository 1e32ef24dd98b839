"""`ecobrain demo`: set up the demo (idempotently) and run web, gateway, scheduler and the device simulator."""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db.models import Max
from django.utils import timezone

from ecobrain.core.management.commands.serve import add_serve_arguments, complete_options, run_group
from ecobrain.core.processes import LoopComponent, serve_components, tune_gc

DEMO_BACKFILL_HOURS = 24  # history on first start, so the charts are not empty


class Command(BaseCommand):
    help = (
        "Set up and run the demo: migrate, load Xianyang base data and demo data (idempotent), then serve the web "
        "application, the HJ 212 gateway, the job scheduler and simulated data loggers for the demo devices."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="set up only, do not start anything")
        parser.add_argument("--seed", type=int, default=2026, help="seed of the demo data and simulated values")
        add_serve_arguments(parser)
        parser.add_argument("--no-simulator", action="store_true", help="do not simulate the demo data loggers")
        parser.add_argument(
            "--speed", type=float, default=1.0, help="simulation clock speed-up (default 1: real time, real timestamps)"
        )
        parser.add_argument(
            "--backfill-hours",
            type=float,
            default=None,
            help=f"hours of history to upload first (default {DEMO_BACKFILL_HOURS} on first start, then the gap "
            "since the demo last ran)",
        )

    def handle(self, *args, no_serve=False, seed=2026, **options):
        from ecobrain.accounts.demo import DEMO_PASSWORD, create_demo_users
        from ecobrain.alarms.services.defaults import ensure_default_rules
        from ecobrain.registry.demo import load_demo_registry

        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"数据目录 / data directory: {settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("loadbase", stdout=self.stdout)
        summary = load_demo_registry(seed=seed)
        self.stdout.write("演示数据 / demo data: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
        rules = ensure_default_rules()
        self.stdout.write(f"报警规则 / alarm rules: {len(rules)} default rules created")
        users = create_demo_users()
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）/ demo logins (password {DEMO_PASSWORD}):")
        for username, role in users:
            self.stdout.write(f"  {username:<12} {role}")
        from ecobrain.workorders.demo import load_demo_workorders

        self.stdout.write(
            "演示任务 / demo work orders: " + ", ".join(f"{k} {v}" for k, v in load_demo_workorders(seed).items())
        )
        from ecobrain.complaints.demo import load_demo_complaints

        self.stdout.write(
            "演示投诉 / demo complaints: " + ", ".join(f"{k} {v}" for k, v in load_demo_complaints(seed).items())
        )
        from ecobrain.portal.demo import load_demo_notices

        self.stdout.write("公开信息 / demo notices: " + ", ".join(f"{k} {v}" for k, v in load_demo_notices().items()))
        self.stdout.write("")
        if no_serve:
            return
        options = complete_options(options)
        components = serve_components(options)
        if not options["no_simulator"]:
            components.append(self.simulator(options, seed))
        tune_gc()  # after Django and the components are set up: their objects are frozen
        run_group(components, self.stdout)

    def simulator(self, options: dict, seed: int) -> LoopComponent:
        """The demo's data loggers, pointed at this process's gateway."""
        from ecobrain.ingest.simulator.registry import load_device_specs
        from ecobrain.ingest.simulator.runner import Simulator
        from ecobrain.registry.choices import DeviceStatus
        from ecobrain.registry.models import Device

        mns = list(Device.objects.filter(is_demo=True, status=DeviceStatus.ACTIVE).values_list("mn", flat=True))
        specs, notes = load_device_specs(mns=mns)
        for note in notes:
            self.stdout.write(f"  simulator skips {note}")
        backfill = options["backfill_hours"]
        if backfill is None:
            backfill = backfill_needed(mns)
        host = options["hj212_host"]
        simulator = Simulator(
            specs,
            host="127.0.0.1" if host in ("0.0.0.0", "::", "") else host,  # noqa: S104 - where to connect to
            port=options["hj212_port"],
            seed=seed,
            speed=options["speed"],
            backfill_hours=backfill,
            status=None,
        )
        kinds: dict[str, int] = {}
        for spec in specs:
            kinds[spec.kind.value] = kinds.get(spec.kind.value, 0) + 1
        detail = ", ".join(f"{kind} {count}" for kind, count in kinds.items())
        return LoopComponent(
            "simulator",
            simulator.run,
            lambda loop: simulator.stop(),
            description=lambda: (
                f"simulator {len(specs)} data loggers ({detail}) → {simulator.host}:{simulator.port}, "
                f"speed ×{simulator.clock.speed:g}, backfill {backfill:g} h"
            ),
            service=simulator,
        )


def backfill_needed(mns: list[str]) -> float:
    """24 hours when the demo loggers have no hourly data yet, else the whole hours since their latest stored hour began
    (at most 24): the hours the demo missed while it was not running."""
    from ecobrain.monitoring.models import HourObservation

    latest = HourObservation.objects.filter(series__device__mn__in=mns).aggregate(latest=Max("period_start"))["latest"]
    if latest is None:
        return float(DEMO_BACKFILL_HOURS)
    missing = (timezone.now() - latest) / timedelta(hours=1)
    return float(min(DEMO_BACKFILL_HOURS, max(0, math.floor(missing) - 1)))
