"""`ecobrain hj212 decode|encode`: the HJ 212 codec from the shell, one JSON object per packet."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ecobrain.standards.hj212 import MAX_DATA_LENGTH, HJ212Error, decode, encode, packet_from_json
from ecobrain.standards.hj212.frame import LENGTH_FIELD_MAX, encode_text


class Command(BaseCommand):
    help = (
        "Decode HJ 212 packets to JSON (arguments, or one per line on stdin), or encode JSON to a frame. "
        "See docs/hj212.md."
    )
    stealth_options = ("stdin",)  # tests pass a bytes stream instead of sys.stdin
    requires_system_checks = []  # a pure codec: no database or settings beyond the app registry

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{decode,encode}")
        decoder = actions.add_parser("decode", help="print one JSON object per packet (ok: true/false)")
        decoder.add_argument("packets", nargs="*", metavar="PACKET", help="packets; none: read lines from stdin")
        decoder.add_argument(
            "--max-length",
            type=int,
            default=MAX_DATA_LENGTH,
            help=f"largest data segment accepted, bytes (default {MAX_DATA_LENGTH} per HJ 212-2017 Table 2)",
        )
        encoder = actions.add_parser("encode", help="build frames from JSON (the shape decode prints)")
        encoder.add_argument("documents", nargs="*", metavar="JSON", help="JSON objects; none: one per stdin line")

    def handle(self, *args, action: str, **options):
        stdin = options.get("stdin") or sys.stdin.buffer
        if action == "decode":
            limit = max(0, min(options["max_length"], LENGTH_FIELD_MAX))
            packets = [encode_text(p) for p in options["packets"]] or _lines(stdin)
            for packet in packets:
                self._emit(_decode_one(packet, limit))
        else:
            documents = [encode_text(d) for d in options["documents"]] or _lines(stdin)
            failures = 0
            for document in documents:
                try:
                    frame = encode(packet_from_json(_load_json(document)))
                except HJ212Error as exc:
                    failures += 1
                    self.stderr.write(json.dumps({"ok": False, "error": exc.kind, "detail": exc.detail}))
                    continue
                self.stdout.write(frame.decode("utf-8"), ending="")
            if failures:
                raise CommandError(f"{failures} of {len(documents)} packet(s) could not be encoded")

    def _emit(self, result: dict[str, Any]) -> None:
        try:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        except UnicodeEncodeError:  # a terminal that cannot show Chinese still gets valid JSON
            self.stdout.write(json.dumps(result))


def _lines(stream) -> list[bytes]:
    """Non-empty lines of a byte stream, without their CR LF / LF."""
    data = stream.read()
    if isinstance(data, str):
        data = encode_text(data)
    return [line.rstrip(b"\r") for line in data.split(b"\n") if line.strip()]


def _decode_one(packet: bytes, max_length: int) -> dict[str, Any]:
    try:
        return decode(packet, max_length=max_length).as_json()
    except HJ212Error as exc:
        return {"ok": False, "error": exc.kind, "detail": exc.detail}


def _load_json(document: bytes) -> Any:
    from ecobrain.standards.hj212 import FieldError

    try:
        # Numbers are kept as their text, so 8.30 stays "8.30" (values are exact decimal text).
        return json.loads(document.decode("utf-8"), parse_float=str)
    except (UnicodeDecodeError, ValueError) as exc:
        raise FieldError(f"the input is not JSON: {exc}") from None
