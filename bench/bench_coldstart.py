"""Cold start: what a fresh web worker pays before its first answer, through our own API.

    .venv/bin/python bench/bench_coldstart.py --index /tmp/bench100k/index [--runs 5]
                                              [--query "sécurité coton"]

Each run is a fresh Python process that imports the search API, opens the generation CURRENT
names and answers one search the way the result page asks it (`archive.search.search` with a
query, top-10 hits with snippets, the four facets' counts and the year histogram), then a
second one with a section filter. Prints imports, open, first query and second query
separately (median of the runs; wall and CPU time) and the process's RSS; the page cache is
warm (the files were read by the previous run), as for a worker replacing another.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
t0, c0 = time.perf_counter(), time.process_time()
from archive.config import load_config
from archive.indexing.serving import open_current
from archive.search import SearchRequest, search
t1, c1 = time.perf_counter(), time.process_time()
config = load_config(None, data=sys.argv[1], index=sys.argv[2])
generation = open_current(config.index_dir)
t2, c2 = time.perf_counter(), time.process_time()
result = search(generation, SearchRequest(query=sys.argv[3]), config)
t3, c3 = time.perf_counter(), time.process_time()
section = result.facets["section"][0].value if result.facets["section"] else "x"
again = search(generation, SearchRequest(query=sys.argv[3], filters={"section": (section,)}),
               config)
t4 = time.perf_counter()
print(json.dumps({"import_ms": (t1 - t0) * 1000, "open_ms": (t2 - t1) * 1000,
                  "first_query_ms": (t3 - t2) * 1000, "second_query_ms": (t4 - t3) * 1000,
                  "import_cpu_ms": (c1 - c0) * 1000, "open_cpu_ms": (c2 - c1) * 1000,
                  "first_query_cpu_ms": (c3 - c2) * 1000, "total": result.total,
                  "years": len(result.histogram),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_once(data: Path, index: Path, query: str) -> dict:
    """One fresh process: its timings as a dict."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-c", CHILD, str(data), str(index), query],
                          capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=None,
                        help="data folder (default: beside the index)")
    parser.add_argument("--query", default="sécurité coton")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = args.data or args.index.parent / "data"
    run_once(data, args.index, args.query)  # the page cache holds the files from here on
    runs = [run_once(data, args.index, args.query) for _ in range(args.runs)]
    keys = ("import_ms", "open_ms", "first_query_ms", "second_query_ms", "rss_mb",
            "import_cpu_ms", "open_cpu_ms", "first_query_cpu_ms")
    median = {k: statistics.median(r[k] for r in runs) for k in keys}
    total = median["import_ms"] + median["open_ms"] + median["first_query_ms"]
    print(f"cold start ({args.runs} fresh processes, load average {os.getloadavg()[0]:.1f}, "
          f"{runs[0]['total']} matches): imports {median['import_ms']:.0f} ms, "
          f"open {median['open_ms']:.0f} ms, first query {median['first_query_ms']:.0f} ms, "
          f"second {median['second_query_ms']:.0f} ms; "
          f"import+open+first {total:.0f} ms; RSS {median['rss_mb']:.0f} MB; CPU time (less "
          f"moved by the machine's load): imports {median['import_cpu_ms']:.0f} ms, open "
          f"{median['open_cpu_ms']:.0f} ms, first query {median['first_query_cpu_ms']:.0f} ms")
    print(json.dumps({"median": median, "runs": runs}))


if __name__ == "__main__":
    main()
