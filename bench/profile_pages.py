"""Where one web worker's CPU goes under the load bench's request mix, without a server.

    .venv/bin/python bench/profile_pages.py --work /tmp/bench100k [--n 100000] [--requests 600]
                                            [--top 30]

Drives the real Flask app (Flask's test client, in this process) with `bench_load.Mix`'s
seeded requests over the archive in WORK/data and WORK/index: a warm-up pass, then a profiled
pass. Prints CPU milliseconds per request kind (p50, mean) and the functions costing the most
cumulative time over the profiled pass, so that a change to the pages can be weighed on the
same requests before and after. With `--no-page-cache` every page is computed (the cost of a
page asked for the first time in a generation), else the page cache's hit rate is printed too.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from bench_load import Mix, bench_config  # noqa: E402

from archive.web import create_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--no-page-cache", action="store_true",
                        help="every page computed (the page cache off): the uncached cost")
    parser.add_argument("--no-profile", action="store_true",
                        help="CPU per request kind without the profiler's overhead")
    args = parser.parse_args()
    config = bench_config(args.work)
    app = create_app(config)
    pages = app.extensions.get("archive_pages")
    if pages is not None and args.no_page_cache:
        pages.max_bytes = 0
    client = app.test_client()
    mix = Mix(args.n)

    def one(rng: random.Random, costs: dict[str, list[float]] | None) -> None:
        planned = mix.next(rng)
        started = time.process_time()
        response = client.get(planned.path, headers={"Host": "localhost"})
        response.get_data()
        response.close()
        if costs is not None:
            costs[planned.kind].append((time.process_time() - started) * 1000)
        if response.status_code not in planned.expect:
            print(f"unexpected {response.status_code} for {planned.path}", file=sys.stderr)

    rng = random.Random(1)
    for _ in range(args.requests // 2):  # warm-up: the term cache and templates as in a server
        one(rng, None)
    costs: dict[str, list[float]] = defaultdict(list)
    profile = cProfile.Profile()
    started = time.process_time()
    if not args.no_profile:
        profile.enable()
    for _ in range(args.requests):
        one(rng, costs)
    profile.disable()
    total = (time.process_time() - started) * 1000
    print(f"{args.requests} requests, {total / args.requests:.1f} ms CPU per request "
          + ("(unprofiled)" if args.no_profile else "(profiled: about 2× the unprofiled cost)"))
    for kind, values in sorted(costs.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {kind:16} {len(values):4}  p50 {statistics.median(values):6.1f} ms  "
              f"mean {statistics.fmean(values):6.1f} ms  share {sum(values) / total:5.1%}")
    if pages is not None:
        stats = pages.stats()
        asked = stats["hits"] + stats["misses"]
        print(f"page cache (warm-up included): {stats['hits']} hits of {asked} cacheable "
              f"requests ({stats['hits'] / max(asked, 1):.0%}), {stats['pages']} pages, "
              f"{stats['bytes'] / 1e6:.1f} MB")
    # Not in the mix, and what a page costs besides: its stylesheet (nginx passes /static/ to
    # the app, browsers keep it a year) and a revisit sending the page's ETag back.
    extra = {"static": ("/static/style.css", {}), "revisit (304)": (f"/article/{mix.ids[0]}", {})}
    etag = client.get(extra["revisit (304)"][0], headers={"Host": "localhost"}).headers.get("ETag")
    extra["revisit (304)"] = (extra["revisit (304)"][0], {"If-None-Match": etag or ""})
    for kind, (path, headers) in extra.items():
        started = time.process_time()
        for _ in range(100):
            response = client.get(path, headers={"Host": "localhost", **headers})
            response.get_data()
            response.close()
        print(f"  {kind:16}  100  mean {(time.process_time() - started) * 10:6.2f} ms "
              f"(status {response.status_code})")
    if not args.no_profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
