"""Article page latency, unloaded: what one reader waits for `/article/<id>` (related articles
included), through the real Flask app in this process, no server and no other load.

    .venv/bin/python bench/bench_article.py --work /tmp/bench100k [--n 100000]

WORK holds a synthetic archive (`bench/synthetic.py`) and its index (as `bench_search.py` or
`bench_reindex.py` leave them). Sixty articles spread over the archive are asked once (the
first view of each: related articles computed) and again (kept per generation); prints p50 and
p95 of each pass.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from bench_load import bench_config  # noqa: E402
from synthetic import Generator  # noqa: E402

from archive.web import create_app  # noqa: E402

ARTICLES = 60


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    config = bench_config(args.work)
    client = create_app(config).test_client()
    gen = Generator()
    step = max(args.n // (ARTICLES + 1), 1)
    ids = [gen.article(i * step + 7).id for i in range(ARTICLES + 1)]
    headers = {"Host": "localhost"}
    client.get(f"/article/{ids[-1]}", headers=headers)  # opens the generation, warms templates
    for label in ("first view", "again"):
        times = []
        for article_id in ids[:ARTICLES]:
            started = time.perf_counter()
            response = client.get(f"/article/{article_id}", headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"/article/{article_id} answered {response.status_code}")
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        print(f"n={args.n} article page ({label}): p50 {statistics.median(times):.1f} ms, "
              f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms")


if __name__ == "__main__":
    main()
