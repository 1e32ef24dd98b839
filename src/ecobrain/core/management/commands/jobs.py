from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Periodic jobs: `ecobrain jobs list` shows each job's schedule and last outcome; `ecobrain jobs run NAME`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="every registered job, its interval and its last run")
        run = sub.add_parser("run", help="run one job now, whatever its schedule")
        run.add_argument("name")

    def handle(self, *args, action, **options):
        from ecobrain.core.jobs import discover, run_job
        from ecobrain.core.models import JobRun

        jobs = discover()
        if action == "list":
            runs = {run.name: run for run in JobRun.objects.all()}
            for name, job in sorted(jobs.items()):
                run = runs.get(name)
                last = "never" if run is None or run.last_finished_at is None else run.last_finished_at.isoformat()
                ok = "" if run is None or run.last_ok is None else ("ok" if run.last_ok else "FAILED")
                result = (run.last_result if run else "").replace("\n", " ")[:80]
                self.stdout.write(f"{name:<36} every {job.every:>7.0f}s  last {last} {ok} {result}".rstrip())
            return
        if options["name"] not in jobs:
            raise CommandError(f"no job named {options['name']!r}; known: {', '.join(sorted(jobs)) or 'none'}")
        try:
            summary = run_job(options["name"])
        except Exception as exc:
            raise CommandError(f"job {options['name']} failed: {type(exc).__name__}: {exc}") from exc
        self.stdout.write(summary or "ok")
