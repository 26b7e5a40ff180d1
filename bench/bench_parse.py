"""CPU of each article's path before its postings reach the pool, this checkout against another.

Run: .venv/bin/python bench/bench_parse.py --data /tmp/bench-releng/data --n 20000 \
         [--base /work/parse3-base] [--runs 3]
Per file: read the bytes, hash them, decode and parse the article (`articlefile.parse`), make
its index document (`schema.document`), analyse every French field (`analysis.index_positions`)
and pick its key terms (`keyterms.pick`) — what a reindex worker does before `add_many`. Each run
is a fresh process (cold caches, as a worker starts); with `--base` the runs alternate between
this checkout and the other one (its code on PYTHONPATH), so both see the same machine load.
Prints the CPU seconds of each run and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def files(data: Path, n: int) -> list[str]:
    """The first `n` article files of an archive, in path order (relative to articles/)."""
    root = data / "articles"
    rels = sorted(str(p.relative_to(root)) for p in root.rglob("*.md"))
    return rels[:n]


def one_run(data: Path, n: int) -> dict:
    """Time the per-article path over `n` files in this process; CPU and wall seconds."""
    from whoosh.formats import Positions

    from archive import articlefile
    from archive.indexing import keyterms, schema
    from archive.indexing.analysis import index_positions
    from archive.textnorm import decode

    root = data / "articles"
    rels = files(data, n)
    ix_schema = schema.build_schema()
    french = {name: ix_schema[name] for name in ix_schema.names()
              if type(ix_schema[name].format) is Positions}
    watched = {"title", "body"}
    for rel in rels[:50]:  # page the file list's first files in: cache state as in a worker
        (root / rel).read_bytes()
    terms = 0
    cpu, wall = time.process_time(), time.perf_counter()
    for rel in rels:
        raw = (root / rel).read_bytes()
        digest = schema.file_hash(raw)
        article = articlefile.parse(decode(raw, rel), rel)
        doc = schema.document(article, rel, digest)
        weights: dict[bytes, float] = {}
        for name, field in french.items():
            value = doc.get(name)
            if not value:
                continue
            poses = index_positions(field.analyzer, value)
            terms += len(poses)
            if name in watched:
                boost = field.format.field_boost
                for term, where in poses.items():
                    key = term.encode("utf-8")
                    weights[key] = weights.get(key, 0.0) + len(where) * boost
        keyterms.pick(weights)
    return {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
            "files": len(rels), "terms": terms}


def spawn(code: Path, data: Path, n: int) -> dict:
    """One run in a fresh process importing `archive` from `code`."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    out = subprocess.run([sys.executable, __file__, "--one", "--data", str(data), "--n", str(n)],
                         env=env, check=True, capture_output=True, text=True, cwd=code).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("/tmp/bench-releng/data"))
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--base", type=Path, help="another checkout to compare with")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(args.data, args.n)))
        return
    codes = {"this": HERE} | ({"base": args.base} if args.base else {})
    results: dict[str, list[dict]] = {name: [] for name in codes}
    for run in range(args.runs):
        for name, code in codes.items():
            result = spawn(code, args.data, args.n)
            results[name].append(result)
            print(f"run {run + 1} {name:5} {result['cpu']:7.2f} s CPU {result['wall']:7.2f} s wall "
                  f"({result['files']} files, {result['terms']} terms)  load "
                  f"{os.getloadavg()[0]:.2f}", flush=True)
    medians = {name: statistics.median(r["cpu"] for r in runs) for name, runs in results.items()}
    for name, value in medians.items():
        print(f"{name:5} median {value:.2f} s CPU, {value / args.n * 1e6:.0f} µs per article")
    if "base" in medians:
        print(f"this / base: {medians['this'] / medians['base']:.3f}")


if __name__ == "__main__":
    main()
