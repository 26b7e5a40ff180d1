"""A per-client request budget per minute, in memory, for one web process.

A sliding window, estimated from two fixed one-minute windows: the count of the current minute
plus the previous minute's count weighted by how much of it still lies within the last 60
seconds. Unlike plain fixed windows, a client cannot spend its budget at the end of one minute
and again at the start of the next. Memory stays bounded: two tables of at most `max_clients`
addresses each, the oldest evicted first. Refused requests are not counted, so a client that
waits for `Retry-After` is served. The key is the client address the WSGI server sees
(REMOTE_ADDR): behind a reverse proxy that is the proxy's, so either wrap the app in Werkzeug's
ProxyFix for a trusted proxy or, better, limit in the proxy itself.
"""

from __future__ import annotations

import math
import threading
import time

WINDOW_SECONDS = 60
MAX_CLIENTS = 10_000  # addresses counted per window; an evicted one merely starts again at 0
_SLACK = 1e-9  # so that a client arriving on the exact second Retry-After named is served


class RateLimiter:
    """Counts requests per client key over the last minute (sliding-window estimate)."""

    def __init__(self, per_minute: int, clock=time.monotonic,
                 max_clients: int = MAX_CLIENTS, window: int = WINDOW_SECONDS) -> None:
        # `window` seconds (one minute unless told): per_minute is then the budget per window
        self.window = window
        self.per_minute = per_minute
        self.max_clients = max_clients
        self._clock = clock
        self._lock = threading.Lock()
        self._window = -1
        self._previous: dict[str, int] = {}
        self._counts: dict[str, int] = {}

    def allow(self, key: str) -> tuple[bool, int]:
        """Whether this request may proceed, and the seconds to wait before one would."""
        now = self._clock()
        elapsed = now / self.window - int(now // self.window)  # fraction of the minute gone
        with self._lock:
            self._turn(now)
            previous, count = self._previous.get(key, 0), self._counts.get(key, 0)
            allowed = previous * (1 - elapsed) + count + 1 <= self.per_minute + _SLACK
            if allowed:
                count = self._add(key, count, 1)
        return allowed, self._wait(previous, count, elapsed)

    def charge(self, key: str, units: int) -> None:
        """Count `units` more requests for this client, served already: a request whose work
        is that of several (an export's rows) spends their share of the budget, so the next
        requests wait for it to slide out of the minute."""
        if units <= 0:
            return
        with self._lock:
            self._turn(self._clock())
            self._add(key, self._counts.get(key, 0), units)

    def _turn(self, now: float) -> None:
        """Start a new window when the minute turned (the last one kept if just before)."""
        window = int(now // self.window)
        if window != self._window:
            self._previous = self._counts if window == self._window + 1 else {}
            self._window, self._counts = window, {}

    def _add(self, key: str, count: int, units: int) -> int:
        if count == 0 and len(self._counts) >= self.max_clients:
            del self._counts[next(iter(self._counts))]  # dicts keep insertion order
        self._counts[key] = count + units
        return count + units

    def _wait(self, previous: int, count: int, elapsed: float) -> int:
        """Whole seconds until one more request fits in the estimate (at least 1)."""
        room = self.per_minute - 1  # what the estimate may be before a request is added
        if count <= room and previous:
            # Still this minute, once enough of the previous one has slid out of view.
            fraction = 1 - (room - count) / previous
        elif count <= room:
            fraction = elapsed
        else:
            # Next minute, once enough of this one has slid out (the minute after for a
            # budget of one).
            fraction = 1 + (1 - room / count)
        return max(1, math.ceil((fraction - elapsed) * self.window - _SLACK))

    def __len__(self) -> int:
        """How many client addresses the current window counts."""
        return len(self._counts)
