from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Set up and run the demo: migrate, load Xianyang base data and demo data (idempotent), serve."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="set up only, do not start the server")
        parser.add_argument("--seed", type=int, default=2026, help="seed of the deterministic demo data")
        parser.add_argument("--port", type=int, default=None)

    def handle(self, *args, no_serve=False, seed=2026, port=None, **options):
        from ecobrain.accounts.demo import DEMO_PASSWORD, create_demo_users
        from ecobrain.registry.demo import load_demo_registry

        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"数据目录 / data directory: {settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("loadbase", stdout=self.stdout)
        summary = load_demo_registry(seed=seed)
        self.stdout.write("演示数据 / demo data: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
        users = create_demo_users()
        port = port or settings.PORT
        self.stdout.write("")
        self.stdout.write(f"EcoBrain 演示地址 / demo URL: http://127.0.0.1:{port}/")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）/ demo logins (password {DEMO_PASSWORD}):")
        for username, role in users:
            self.stdout.write(f"  {username:<12} {role}")
        self.stdout.write("")
        if not no_serve:
            call_command("serve", port=port)
