"""Progress reporting for long jobs: a bar with ETA on a terminal, periodic lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Counts work done; draws a bar on a terminal, prints a line every few seconds elsewhere."""

    def __init__(
        self, label: str, total: int, stream: TextIO | None = None, interval: float = 5.0
    ) -> None:
        self.label = label
        self.total = max(total, 0)
        self.done = 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.interval = interval
        self.started = time.monotonic()
        self._last = self.started
        self._drawn = False

    @staticmethod
    def factory(stream: TextIO | None = None) -> type[Progress] | None:
        """The class to build progress reporters with (kept as a hook for quiet runs)."""
        return Progress

    def advance(self, n: int = 1) -> None:
        """Record n more items done and redraw when it is time."""
        self.done += n
        now = time.monotonic()
        if (
            self.tty
            and now - self._last >= 0.1
            or not self.tty
            and now - self._last >= self.interval
        ):
            self._last = now
            self._drawn = True
            self._draw(final=False)

    def close(self) -> None:
        """Draw the final state (a job too short to report progress stays quiet)."""
        if self._drawn:
            self._draw(final=True)

    def _draw(self, final: bool) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        remaining = (self.total - self.done) / rate if rate and self.total else 0
        pct = 100 * self.done / self.total if self.total else 100
        if self.tty:
            width = 30
            filled = int(width * pct / 100)
            bar = "#" * filled + "-" * (width - filled)
            eta = "" if final else f" ETA {remaining:4.0f}s"
            self.stream.write(
                f"\r{self.label} [{bar}] {self.done}/{self.total} {rate:6.0f}/s{eta}  "
            )
            if final:
                self.stream.write("\n")
        elif final or self.done:
            self.stream.write(
                f"{self.label}: {self.done}/{self.total} ({pct:.0f}%), "
                f"{rate:.0f}/s, {elapsed:.0f}s elapsed"
                + ("" if final else f", ~{remaining:.0f}s left")
                + "\n"
            )
        self.stream.flush()
