import logging

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run EcoBrain: the web application (waitress, multi-threaded) on ECOBRAIN_PORT."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=None, help="address to listen on (default ECOBRAIN_HOST or 127.0.0.1)")
        parser.add_argument("--port", type=int, default=None)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host, port, threads, **options):
        from waitress import serve

        from ecobrain.wsgi import application

        port = port or settings.PORT
        host = host or settings.HOST
        logging.getLogger("waitress").setLevel(logging.INFO)
        self.stdout.write(f"EcoBrain 正在运行 / running at http://{host}:{port}/  (Ctrl+C 停止)")
        serve(application, host=host, port=port, threads=threads, ident="EcoBrain", clear_untrusted_proxy_headers=True)
