"""Reindex benchmark: full and incremental throughput, index size, peak memory, first query.

    .venv/bin/python bench/bench_reindex.py --n 10000 [--work /tmp/bench-reindex] [--procs 2]
                                            [--peers fts5,tantivy,whoosh | --no-peer]

Writes a deterministic synthetic archive (`bench/synthetic.py`) once per n, then runs the real
`archive reindex` in subprocesses, then the peers the issue names, each in its own subprocess
and built from the same article files, so that machine noise shows in every figure:
SQLite FTS5 with French stemming (`fts5_peer.py`, the builder of `bench_search.py`), tantivy
(`tantivy_peer.py`, as `bench_relevance.py` builds it) and, on request, plain Whoosh
(`whoosh_peer.py`, two processes; as slow as we are, so not run by default). Targets at 100k:
full >= SQLite FTS5's articles/s in the same run with peak RSS < 1 GB; incremental of 100
changed articles <= 10 s (at 1M); first query in a fresh process through `archive.search`
(`bench_coldstart.py`'s).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from bench_coldstart import run_once as first_query  # noqa: E402
from synthetic import Generator, write_archive  # noqa: E402

from archive import articlefile  # noqa: E402
from archive.indexing import generations  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
# A PSS reading walks every page table of the process in the kernel (12 ms for a worker of a
# million-article build): taken every PSS_EVERY samples only. Sampling every figure every
# 0.25 s took a quarter of a core, off a build that uses both.
PSS_EVERY = 12


def _tree(pid: int) -> list[int]:
    """A process and its descendants (forked by their main threads, as our workers are)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            with open(f"/proc/{current}/task/{current}/children") as handle:
                todo.extend(int(child) for child in handle.read().split())
        except OSError:
            pass
    return found


def tree_rss(pid: int, pss: bool = True) -> tuple[int, int, int]:
    """Resident bytes of a process and all its descendants (Linux /proc), the peak resident
    bytes of the largest (its high-water mark, so no peak between samples is missed), and
    the tree's proportional set size (0 unless `pss`): RSS counts a page shared by forked
    processes in each of them (a worker's copy-on-write view of its parent), PSS splits it
    among them, so the sum of PSS is what the tree holds in memory."""
    total = largest = shared = 0
    for current in _tree(pid):
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * PAGE
            with open(f"/proc/{current}/status") as handle:
                hwm = next((line for line in handle if line.startswith("VmHWM:")), "0 0")
            largest = max(largest, int(hwm.split()[1]) * 1024)
        except (OSError, ValueError):
            continue  # gone meanwhile
        shared += _pss(current) if pss else 0
    return total, largest, shared


def _pss(pid: int) -> int:
    """A process's proportional set size in bytes (0 when it is gone or unreadable)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_job(args: list[str], command: tuple[str, ...] = ("-m", "archive")) -> dict:
    """Run one `archive` job; return wall time, CPU time, peak RSS (tree and largest process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, *command, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    # Sampled: RUSAGE_CHILDREN's ru_maxrss is the largest of every child this process ever had.
    peak = largest = peak_pss = samples = 0
    while proc.poll() is None:
        tree, one, pss = tree_rss(proc.pid, pss=samples % PSS_EVERY == 0)
        peak, largest, peak_pss = max(peak, tree), max(largest, one), max(peak_pss, pss)
        samples += 1
        time.sleep(0.25)
    wall = time.monotonic() - started
    out = proc.stdout.read()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"{' '.join(command)} {' '.join(args)} failed:\n{out}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "peak_tree_rss_mb": peak / 2**20,
            "peak_process_rss_mb": largest / 2**20, "peak_tree_pss_mb": peak_pss / 2**20,
            "output": out}


def warm_cache(data: Path) -> float:
    """Read every article file once, so that the build that follows finds them in the page
    cache as the one before it left them; the seconds it took.

    On this machine the page cache does not keep a build's files for long (a 100k archive
    generated ten minutes earlier was read from disk again): whichever build ran first paid
    the disk for both, about 60 us of CPU per file (3 s per worker at 100k, 11 % of a 10k
    build's samples), and ours always ran first."""
    started = time.monotonic()
    for path in articlefile.iter_files(data / "articles"):
        path.read_bytes()
    return time.monotonic() - started


def folder_size(folder: Path) -> tuple[int, int]:
    """Total bytes of a folder, and the bytes of Whoosh's stored-fields files in it."""
    total = stored = 0
    for path in folder.rglob("*"):
        if path.is_file():
            size = path.stat().st_size
            total += size
            stored += size if path.name.endswith("._stored.col") else 0
    return total, stored


def _phases(report: str) -> str:
    return next((line for line in report.splitlines() if line.startswith("phases:")), "")


PEERS = {  # name -> (label, script, its arguments after DATA OUTPUT)
    "fts5": ("SQLite FTS5 + French stemming (1 process)", "fts5_peer.py", lambda procs: []),
    "tantivy": ("tantivy", "tantivy_peer.py", lambda procs: ["--threads", str(procs)]),
    "whoosh": ("plain Whoosh", "whoosh_peer.py", lambda procs: ["--procs", str(procs)]),
}


def run_peer(name: str, data: Path, work: Path, args: argparse.Namespace) -> dict:
    """Build one peer from the same article files; print and return its figures."""
    label, script, extra = PEERS[name]
    warm_cache(data)
    output = work / f"peer-{name}"
    shutil.rmtree(output, ignore_errors=True)
    peer = run_job([str(data), str(output), *extra(args.procs or 2)],
                   (str(ROOT / "bench" / script),))
    if output.is_dir():
        shutil.rmtree(output, ignore_errors=True)
    else:
        output.unlink(missing_ok=True)
    figures = {**{k: v for k, v in peer.items() if k != "output"},
               "articles_per_s": args.n / peer["wall_s"],
               "articles_per_cpu_s": args.n / peer["cpu_s"]}
    print(f"{label}, same files, same run, files in the page cache: {figures['wall_s']:.0f}s wall, "
          f"{figures['articles_per_s']:.0f} articles/s ({figures['articles_per_cpu_s']:.0f} per "
          f"CPU-second), peak RSS {figures['peak_tree_rss_mb']:.0f} MB (process tree), "
          f"largest process {figures['peak_process_rss_mb']:.0f} MB; ours is "
          f"{OURS['articles_per_s'] / figures['articles_per_s']:.2f}x its speed", flush=True)
    return figures


OURS: dict = {}  # our full build's figures, for the peers' ratios


def ensure_archive(data_dir: Path, n: int) -> None:
    """Write the synthetic archive unless it is already there with n articles."""
    have = sum(1 for _ in articlefile.iter_files(data_dir / "articles"))
    if have != n:
        if have:
            raise SystemExit(f"{data_dir} holds {have} articles, not {n}: use another --work")
        started = time.monotonic()
        write_archive(data_dir, n)
        print(f"wrote {n} synthetic articles in {time.monotonic() - started:.0f}s", flush=True)


def rewrite_some(data: Path, n: int, changed: int) -> None:
    """Rewrite `changed` of the n synthetic articles, spread over the archive, as edits."""
    gen = Generator()
    step = max(n // changed, 1)
    for i in range(0, n, step)[:changed]:
        articlefile.write(data / "articles", gen.article(i, revision=int(time.time())))


def incremental_step(data: Path, where: list[str], args: argparse.Namespace) -> dict:
    """Rewrite `args.changed` articles spread over the archive, reindex; the job's figures."""
    rewrite_some(data, args.n, args.changed)
    incremental = run_job(["reindex", *where])
    if f"updated {args.changed}," not in incremental["output"]:
        raise SystemExit(f"unexpected incremental report:\n{incremental['output']}")
    figures = {k: v for k, v in incremental.items() if k != "output"}
    figures["phases"] = _phases(incremental["output"])
    return figures


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--procs", type=int, default=None)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--peers", default="fts5,tantivy",
                        help="peers built from the same files: fts5, tantivy, whoosh")
    parser.add_argument("--no-peer", action="store_true", help="run no peer")
    parser.add_argument("--no-incremental", action="store_true",
                        help="leave the files alone (a shared, read-only archive): full build only")
    parser.add_argument("--incremental-only", action="store_true",
                        help="only the incremental step, on the index already in --work "
                             "(--n must be its size)")
    args = parser.parse_args()
    work = args.work or Path(f"/tmp/bench-reindex-{args.n}")
    data, index = work / "data", work / "index"
    where = ["--data", str(data), "--index", str(index)]
    results: dict = {"n": args.n, "cpus": os.cpu_count(), "load_before": os.getloadavg()[0]}
    if args.incremental_only:
        inc = incremental_step(data, where, args)
        print(f"n={args.n} (load average {results['load_before']:.1f} -> "
              f"{os.getloadavg()[0]:.1f} on {results['cpus']} cores)")
        print(f"incremental ({args.changed} changed): {inc['wall_s']:.1f}s wall, "
              f"{inc['cpu_s']:.1f}s CPU, peak RSS {inc['peak_tree_rss_mb']:.0f} MB; "
              f"{inc['phases']}")
        print(json.dumps({**results, "incremental": inc}))
        return
    ensure_archive(data, args.n)
    peers = [] if args.no_peer else [p for p in args.peers.split(",") if p]
    # only to give each contestant the same start (a million files take 12 minutes to read)
    results["warm_cache_s"] = warm_cache(data) if peers else None

    full = run_job(["reindex", "--full", *where]
                   + (["--procs", str(args.procs)] if args.procs else []))
    gen_dir = index / generations.read_pointer(index).current
    size, stored = folder_size(gen_dir)
    results["full"] = {**{k: v for k, v in full.items() if k != "output"},
                       "articles_per_s": args.n / full["wall_s"],
                       "articles_per_cpu_s": args.n / full["cpu_s"],
                       "index_mb": size / 2**20, "stored_fields_mb": stored / 2**20,
                       "phases": _phases(full["output"])}

    f = results["full"]
    OURS.update(f)
    if peers:
        print(f"files read into the page cache in {results['warm_cache_s']:.1f}s before each "
              "build")
    print(f"full reindex: {f['wall_s']:.0f}s wall, {f['articles_per_s']:.0f} articles/s "
          f"({f['articles_per_cpu_s']:.0f} per CPU-second), peak RSS {f['peak_tree_rss_mb']:.0f} MB"
          f" (process tree), largest process {f['peak_process_rss_mb']:.0f} MB, peak PSS "
          f"{f['peak_tree_pss_mb']:.0f} MB (process tree, shared pages counted once)", flush=True)
    for name in peers:
        results.setdefault("peers", {})[name] = run_peer(name, data, work, args)
    if args.no_incremental:
        print(json.dumps(results))
        return
    results["incremental"] = incremental_step(data, where, args)

    # a fresh process through our own search API, as a web worker answers (bench_coldstart)
    results["first_query"] = first_query(data, index, "sécurité coton")
    results["load_after"] = os.getloadavg()[0]

    f, inc, q = results["full"], results["incremental"], results["first_query"]
    print(f"n={args.n}  (load average {results['load_before']:.1f} -> {results['load_after']:.1f}"
          f" on {results['cpus']} cores)")
    print(f"  {f['phases']}")
    print(f"index size: {f['index_mb']:.0f} MB, of which stored fields {f['stored_fields_mb']:.0f}"
          " MB")
    print(f"incremental ({args.changed} changed): {inc['wall_s']:.1f}s wall, "
          f"peak RSS {inc['peak_tree_rss_mb']:.0f} MB; {inc['phases']}")
    print(f"first query in a fresh process (our API, page cache cold for the new generation): "
          f"{q['first_query_ms']:.0f} ms (+ open {q['open_ms']:.0f} ms, imports "
          f"{q['import_ms']:.0f} ms), {q['total']} matches")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
