import contextlib
import signal

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Run the periodic-job scheduler and the notification sender in the foreground (production: one or more "
        "`ecobrain worker` processes; each due job runs once and each delivery is sent once, whichever worker wins)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between scheduler passes")
        parser.add_argument(
            "--no-notifier", action="store_true", help="do not send email and SMS notifications in this worker"
        )

    def handle(self, *args, tick, no_notifier=False, **options):
        from ecobrain.core.jobs import Scheduler, discover
        from ecobrain.core.processes import ComponentError, NotifierComponent

        names = sorted(discover())
        self.stdout.write(f"EcoBrain worker: {len(names)} periodic jobs ({', '.join(names) or 'none'})")
        notifier = None
        if not no_notifier:
            notifier = NotifierComponent()
            try:
                notifier.start()
            except ComponentError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"  {notifier.describe()}")
        scheduler = Scheduler(tick=tick)
        signal.signal(signal.SIGTERM, lambda *_: scheduler.stop(timeout=0))
        try:
            with contextlib.suppress(KeyboardInterrupt):
                scheduler.run()
        finally:
            if notifier is not None:
                notifier.stop()
