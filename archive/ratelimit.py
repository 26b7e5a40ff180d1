"""A per-client request budget per minute, in memory, for one web process.

Fixed one-minute windows: cheap, bounded memory (the table is dropped at each new window),
and good enough to stop one client from monopolising a small server. Behind a reverse proxy
the proxy's own limits apply first; this sees the proxy's address unless configured otherwise.
"""

from __future__ import annotations

import threading
import time

WINDOW_SECONDS = 60


class RateLimiter:
    """Counts requests per client key within the current minute."""

    def __init__(self, per_minute: int, clock=time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._window = -1
        self._counts: dict[str, int] = {}

    def allow(self, key: str) -> tuple[bool, int]:
        """Whether this request may proceed, and the seconds until the window resets."""
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            count = self._counts.get(key, 0) + 1
            self._counts[key] = count
        retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now))
        return count <= self.per_minute, retry_after
