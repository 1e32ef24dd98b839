"""A plain-text progress bar on stderr: bytes read of the file, rows, rows/s, errors (no dependency)."""

from __future__ import annotations

import time
from typing import TextIO

BAR_WIDTH = 24


class Progress:
    """Redrawn in place (``\\r``) at most every ``interval`` seconds on a terminal; on a pipe or a log, one
    line every ``log_interval`` seconds instead, so a long import still shows that it is alive."""

    def __init__(
        self,
        stream: TextIO | None,
        *,
        label: str,
        total_bytes: int,
        interval: float = 0.5,
        log_interval: float = 10.0,
    ) -> None:
        self.stream = stream
        self.label = label
        self.total_bytes = max(total_bytes, 1)
        self.tty = bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())
        self.interval = interval if self.tty else log_interval
        self.started = time.monotonic()
        self._last = 0.0
        self._width = 0

    def update(self, *, rows: int, errors: int, position: int, force: bool = False) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        elapsed = max(now - self.started, 1e-9)
        fraction = min(position / self.total_bytes, 1.0)
        filled = int(fraction * BAR_WIDTH)
        text = (
            f"{self.label} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {fraction:6.1%}  "
            f"{rows:,} rows  {rows / elapsed:,.0f} rows/s  {errors:,} errors"
        )
        if self.tty:
            self.stream.write("\r" + text.ljust(self._width))
            self._width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self, *, rows: int, errors: int, position: int) -> None:
        self.update(rows=rows, errors=errors, position=position, force=True)
        if self.tty and self.stream is not None:
            self.stream.write("\n")
            self.stream.flush()
