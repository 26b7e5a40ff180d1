"""How many cores are idle right now, sampled from the kernel's CPU counters.

The one-minute load average lags: right after a full build it still says both cores are
busy for a minute, and a job started then walked a million files in one process (5.8 s
instead of 2.9). Linux's /proc/stat counts every core's idle time since boot; two readings a
tenth of a second apart say how much of that tenth was idle.
"""

from __future__ import annotations

import os
import time

STAT = "/proc/stat"
SAMPLE_SECONDS = 0.1


def cpu_times(text: str) -> tuple[int, int]:
    """(idle, total) clock ticks of every core since boot, from /proc/stat's text: idle counts
    `idle` and `iowait` (a core waiting on the disk could run a process), total every field
    up to `steal` (guest time is already counted in user time)."""
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            ticks = [int(value) for value in fields[1:9]]
            return ticks[3] + ticks[4], sum(ticks)
    raise ValueError("no 'cpu' line")


def idle_cores(seconds: float = SAMPLE_SECONDS) -> float:
    """Cores left idle over the next `seconds` (0 to os.cpu_count()); where /proc/stat cannot
    be read, what the one-minute load average leaves free."""
    cores = os.cpu_count() or 1
    try:
        with open(STAT, encoding="ascii") as f:
            idle, total = cpu_times(f.read())
        time.sleep(seconds)
        with open(STAT, encoding="ascii") as f:
            idle_after, total_after = cpu_times(f.read())
    except (OSError, ValueError):
        return max(0.0, cores - os.getloadavg()[0])
    if total_after <= total:  # the tick (usually 10 ms) did not advance
        return max(0.0, cores - os.getloadavg()[0])
    return cores * (idle_after - idle) / (total_after - total)
