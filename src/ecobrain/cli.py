"""The `ecobrain` console command: Django's management commands plus EcoBrain's own (demo, serve, token, …)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecobrain.settings")
    if len(argv) > 1 and argv[1] == "demo":
        # The demo may generate its secret key under the data directory; production must set ECOBRAIN_SECRET_KEY.
        os.environ["ECOBRAIN_DEMO"] = "1"
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        # Django names a command after its module, and a module name cannot hold a hyphen (water-class, assess-water).
        argv[1] = argv[1].replace("-", "_")
    from ecobrain.core.env import ConfigError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["ecobrain", *argv[1:]])
    except ConfigError as exc:
        sys.stderr.write(f"ecobrain: configuration error: {exc}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
