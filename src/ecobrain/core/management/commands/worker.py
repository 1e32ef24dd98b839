import contextlib
import signal

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the periodic-job scheduler in the foreground (production: one or more `ecobrain worker` processes)."

    def add_arguments(self, parser):
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between scheduler passes")

    def handle(self, *args, tick, **options):
        from ecobrain.core.jobs import Scheduler, discover

        names = sorted(discover())
        self.stdout.write(f"EcoBrain worker: {len(names)} periodic jobs ({', '.join(names) or 'none'})")
        scheduler = Scheduler(tick=tick)
        signal.signal(signal.SIGTERM, lambda *_: scheduler.stop(timeout=0))
        with contextlib.suppress(KeyboardInterrupt):
            scheduler.run()
