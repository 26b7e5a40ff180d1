"""A per-client request budget per minute, in memory, for one web process.

Fixed one-minute windows: cheap, bounded memory (the table is dropped at each new window and
holds at most `max_clients` addresses, the oldest evicted first), and good enough to stop one
client from monopolising a small server. The key is the client address the WSGI server sees
(REMOTE_ADDR): behind a reverse proxy that is the proxy's, so either wrap the app in Werkzeug's
ProxyFix for a trusted proxy or, better, limit in the proxy itself.
"""

from __future__ import annotations

import threading
import time

WINDOW_SECONDS = 60
MAX_CLIENTS = 10_000  # addresses counted per window; an evicted one merely starts again at 0


class RateLimiter:
    """Counts requests per client key within the current minute."""

    def __init__(self, per_minute: int, clock=time.monotonic,
                 max_clients: int = MAX_CLIENTS) -> None:
        self.per_minute = per_minute
        self.max_clients = max_clients
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
            if count == 1 and len(self._counts) >= self.max_clients:
                del self._counts[next(iter(self._counts))]  # dicts keep insertion order
            self._counts[key] = count
        retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now))
        return count <= self.per_minute, retry_after

    def __len__(self) -> int:
        """How many client addresses the current window counts."""
        return len(self._counts)
