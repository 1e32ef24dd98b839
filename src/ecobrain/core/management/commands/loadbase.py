from django.core.management.base import BaseCommand, CommandError

from ecobrain.core.services import BaseDataError, ensure_organisations, load_regions
from ecobrain.registry.services import load_factor_table


class Command(BaseCommand):
    help = "Load the city's base data (regions with boundaries, organisations, HJ 212 factor table); idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--boundaries", help="GeoJSON file of the city and its counties (default: settings)")

    def handle(self, *args, boundaries=None, **options):
        try:
            regions = load_regions(boundaries)
        except BaseDataError as exc:
            raise CommandError(str(exc)) from exc
        organisations = ensure_organisations()
        factors = load_factor_table()
        self.stdout.write(
            f"regions: {regions['created']} created, {regions['updated']} checked; "
            f"organisations: {organisations['total']}; "
            f"factors: {factors['created']} created, {factors['updated']} updated"
        )
