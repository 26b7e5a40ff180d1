#!/usr/bin/env python3
"""What `/healthz` costs a web worker: a monitor's calls, or a client calling it in a loop.

    bench/bench_health.py --work /work/bench/b1m --seconds 70             # as fast as it answers
    bench/bench_health.py --work /work/bench/b1m --seconds 70 --every 1   # a monitor, each second

Runs the real app in this process (its checks are per worker) on an archive `bench_reindex.py`
or `bench_search.py` built, and prints the calls made, their latency (p50, p99, longest) and
the worker's CPU: per call and as a share of one core over the run. `/healthz` is not rate
limited (a load balancer must always get its answer), so what one call may cost and what a loop
of calls costs are both bounds worth knowing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.config import load_config  # noqa: E402
from archive.web import create_app  # noqa: E402


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=70.0,
                        help="how long to call it (70 s by default: past the once-a-minute "
                             "full hash of the code before the scrub, for comparisons)")
    parser.add_argument("--every", type=float, default=0.0,
                        help="seconds between calls (0: the next call as soon as one answers)")
    args = parser.parse_args()
    config = load_config(None, data=args.work / "data", index=args.work / "index")
    client = create_app(config).test_client()
    headers = {"Host": "localhost"}
    first_started = time.perf_counter()
    client.get("/api/search?q=mali", headers=headers)  # opens the generation: not the checks'
    opening = (time.perf_counter() - first_started) * 1000
    times = []
    cpu_started = time.process_time()
    started = time.monotonic()
    while (now := time.monotonic()) - started < args.seconds:
        call_started = time.perf_counter()
        response = client.get("/healthz", headers=headers)
        times.append((time.perf_counter() - call_started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"/healthz answered {response.status_code}: {response.get_data()}")
        if args.every:
            time.sleep(max(0.0, now + args.every - time.monotonic()))
    elapsed = time.monotonic() - started
    cpu = time.process_time() - cpu_started
    first = times[0]
    times.sort()
    every = f"one every {args.every:g} s" if args.every else "back to back"
    p99 = times[int(len(times) * 0.99) - 1]
    print(f"{args.work.name}: the generation opened in {opening:.0f} ms; {len(times)} calls "
          f"in {elapsed:.0f} s ({every}); latency p50 {statistics.median(times):.1f} ms, "
          f"p99 {p99:.1f} ms, first {first:.0f} ms, longest {times[-1]:.0f} ms; "
          f"CPU {cpu / len(times) * 1000:.2f} ms a call, {cpu / elapsed:.1%} of a core")


if __name__ == "__main__":
    main()
