"""Research pages' latency, unloaded: what a researcher waits for `/organisation/<slug>`
(mentions, first and latest articles, newspapers, co-mentions, trend) and `/a-propos` (the
newspapers held, articles per newspaper and year), through the real Flask app in this process,
no server, no other load and no page cache.

    .venv/bin/python bench/bench_research_pages.py --work /tmp/bench100k

WORK holds a synthetic archive (`bench/synthetic.py`) and its index (as `bench_search.py` or
`bench_reindex.py` leave them). Prints the first organisation page of a fresh app (the
generation opened, its templates compiled, its date orders sorted), forty organisations' pages
(p50 and p95), then the about page five times (the first computes what a generation keeps).
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
from archive.web.names import slug  # noqa: E402

ORGANISATIONS = 40


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True)
    args = parser.parse_args()
    config = bench_config(args.work)
    app = create_app(config)
    pages = app.extensions.get("archive_pages")
    if pages is not None:
        pages.max_bytes = 0  # every page computed: no visitor before this one
    client = app.test_client()
    orgs = Generator().orgs
    step = max(len(orgs) // (ORGANISATIONS + 1), 1)
    chosen = [orgs[i * step] for i in range(ORGANISATIONS + 1)]

    def visit(url: str) -> tuple[float, float]:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url, headers={"Host": "localhost"})
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000

    wall, cpu = visit(f"/organisation/{slug(chosen[-1])}")
    print(f"first organisation page of a fresh app: {wall:.1f} ms ({cpu:.1f} ms CPU)")
    for label in ("first view", "again"):
        times = sorted(visit(f"/organisation/{slug(name)}")[0]
                       for name in chosen[:ORGANISATIONS])
        print(f"organisation page ({label}): p50 {statistics.median(times):.1f} ms, "
              f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms")
    about = [visit("/a-propos")[0] for _ in range(5)]
    print(f"about page: first {about[0]:.1f} ms, then median {statistics.median(about[1:]):.1f} ms")


if __name__ == "__main__":
    main()
