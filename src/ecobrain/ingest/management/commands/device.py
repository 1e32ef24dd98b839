"""`ecobrain device register --mn MN --password PW (--station CODE | --outlet CODE [--enterprise CREDIT_CODE])`."""

from __future__ import annotations

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ecobrain.ingest.services import register_data_logger
from ecobrain.registry.choices import ProtocolVersion
from ecobrain.registry.models import Outlet, Station


class Command(BaseCommand):
    help = "Data loggers from scripts: `device register` (idempotent for the same MN and target)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        register = sub.add_parser("register", help="register a data logger (HJ 212 MN) for a station or an outlet")
        register.add_argument("--mn", required=True, help="HJ 212 MN, 1–24 letters, digits or hyphens")
        register.add_argument("--password", required=True, help="HJ 212 access password PW; '-' reads it from stdin")
        target = register.add_mutually_exclusive_group(required=True)
        target.add_argument("--station", metavar="CODE", help="the monitoring station's code")
        target.add_argument("--outlet", metavar="CODE", help="the outlet's code (DA001, DW001)")
        register.add_argument(
            "--enterprise", metavar="CREDIT_CODE", help="the outlet's enterprise, when several share its code"
        )
        register.add_argument(
            "--version", dest="protocol_version", choices=ProtocolVersion.values, default=ProtocolVersion.HJ212_2017
        )

    def handle(self, *args, verb, mn, password, station, outlet, enterprise, protocol_version, **options):
        if password == "-":
            password = sys.stdin.readline().rstrip("\r\n")
        target = {"station": self._station(station)} if station else {"outlet": self._outlet(outlet, enterprise)}
        try:
            device, outcome = register_data_logger(
                mn=mn, password=password, protocol_version=protocol_version, **target
            )
        except ValidationError as exc:
            messages = [f"{field}: {'; '.join(errors)}" for field, errors in exc.message_dict.items()]
            raise CommandError(" ".join(messages)) from None
        self.stdout.write(f"{outcome} device {device.mn} (id {device.pk}) → {device.target}")

    @staticmethod
    def _station(code: str) -> Station:
        station = Station.objects.filter(code=code.strip()).first()
        if station is None:
            raise CommandError(f"站点编码 {code!r} 不存在。")
        return station

    @staticmethod
    def _outlet(code: str, enterprise: str | None) -> Outlet:
        outlets = Outlet.objects.select_related("enterprise").filter(code=code.strip().upper())
        if enterprise:
            outlets = outlets.filter(enterprise__credit_code=enterprise.strip().upper())
        found = list(outlets[:2])
        if not found:
            where = f"企业 {enterprise} 的" if enterprise else ""
            raise CommandError(f"{where}排放口 {code!r} 不存在。")
        if len(found) > 1:
            raise CommandError(f"排放口编号 {code} 有多个企业使用：请用 --enterprise 指定企业的统一社会信用代码。")
        return found[0]
