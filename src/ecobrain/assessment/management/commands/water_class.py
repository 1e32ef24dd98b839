"""`ecobrain water-class`: the GB 3838-2002 class of each row of a CSV or JSON-lines file (or stdin), one JSON object
per row; bad rows give {"error": …} and the next rows go on.
"""

from __future__ import annotations

import sys
from decimal import Decimal

from django.core.management.base import BaseCommand

from ecobrain.assessment.rows import RowError, is_blank, parse_time, write_assessed_rows
from ecobrain.standards.aqi import to_decimal
from ecobrain.standards.water import CLASSES, evaluate, get_standard, standard_for

# "reservoir" is read as "lake": GB 3838-2002 Table 1 treats lakes and reservoirs (湖、库) alike.
PH_MAX = Decimal(14)
WATERBODY_ALIASES = {"river": "river", "lake": "lake", "reservoir": "lake"}


def parse_value(column: str, raw: object) -> Decimal | None:
    if is_blank(raw):
        return None
    if not isinstance(raw, str | int | float | Decimal) or isinstance(raw, bool):
        raise RowError(f"column {column}: {raw!r} is not a measured value")
    try:
        value = to_decimal(raw, column)
    except ValueError:
        raise RowError(f"column {column}: {raw!r} is not a non-negative number") from None
    if column == "ph" and value > PH_MAX:
        raise RowError(f"column ph: {raw!r} is off the pH scale 0–14")
    return value


def assess(record: dict) -> dict:
    raw_body = record.get("waterbody")
    if is_blank(raw_body):
        raise RowError("column waterbody: missing; expected river or lake")
    waterbody = WATERBODY_ALIASES.get(str(raw_body).strip().lower())
    if waterbody is None:
        raise RowError(f"column waterbody: {raw_body!r} is not river or lake")
    target = None
    if not is_blank(record.get("target")):
        target = str(record["target"]).strip().upper()
        if target not in CLASSES:
            raise RowError(f"column target: {record['target']!r} is not a class I–V")
    standard = get_standard()
    if not is_blank(record.get("time")):
        try:
            standard = standard_for(parse_time(record["time"]))
        except RowError:
            raise
        except ValueError as exc:
            raise RowError(f"column time: {record['time']!r}: {exc}") from None
    values = {key: parse_value(key, record.get(key)) for key in standard.keys}
    return evaluate(values, waterbody=waterbody, target=target, standard=standard).as_dict()


class Command(BaseCommand):
    help = (
        "Classify surface water (GB 3838-2002, single-factor evaluation per 环办〔2011〕22号) for each row of a CSV "
        "(header row) or JSON-lines file, or of stdin. Columns: waterbody (river|lake), optional target (I–V) and "
        "time, and the items ph, do, codmn, cod, bod5, nh3n, tp, tn, cu, zn, f, se, as, hg, cd, cr6, pb, cn, "
        "volatile_phenol, petroleum, las, sulfide, fecal_coliform (mg/L; fecal coliform 个/L)."
    )
    requires_system_checks: list[str] = []
    stealth_options = ("stdin",)

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", help="CSV or JSON-lines file; stdin when omitted or '-'")

    def handle(self, *args, **options) -> None:
        write_assessed_rows(options.get("file"), options.get("stdin") or sys.stdin, assess, self.stdout.write)
