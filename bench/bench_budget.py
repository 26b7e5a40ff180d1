"""The postings budget of prefix and fuzzy words (`query_max_expanded_postings`) against real
queries and hostile storms, on one archive.

    .venv/bin/python bench/bench_budget.py --work /tmp/bench100k [--n 100000]
    .venv/bin/python bench/bench_budget.py --work /tmp/b1m --n 1000000

For each set of queries, the postings its prefix and fuzzy words stand for (the document
frequencies of every word they expand to, summed, as `querybuild.Builder` counts them), per
article of the archive: the most and the 90th percentile, and how many the configured budget
refuses. The sets: the judged relevance queries (`bench/relevance/judged.yaml`) as typed, with
each word of 4 letters or more typed as a prefix (`syndic*`) and as a fuzzy word (`syndicat~`);
`bench_search.py`'s query kinds; the benchmark words as prefixes of 3 letters (one and two)
and as fuzzy words; and the load bench's storms (32 fuzzy words, 20 prefixes of 3 letters).
Real queries must all pass, storms must not: the figures per article are what to set the
budget by (they stay the same from 100k to 1M articles on the synthetic archive).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from bench_load import Mix  # noqa: E402
from bench_relevance import load_judged  # noqa: E402
from synthetic import pick_words  # noqa: E402

from archive.config import load_config  # noqa: E402
from archive.errors import QueryError  # noqa: E402
from archive.indexing.serving import open_current  # noqa: E402
from archive.search import querylang as ql  # noqa: E402
from archive.search.querybuild import EXPANDED_POSTINGS_MIN_ARTICLES, Builder  # noqa: E402
from archive.search.run import _state  # noqa: E402

OPERATORS = ("OU", "ET", "SAUF", "OR", "AND", "NOT")


def as_expansions(query: str, fuzzy: bool) -> str:
    """The query with each word of 4 letters or more typed as a prefix or a fuzzy word."""
    out = []
    for token in re.findall(r'"[^"]*"|\S+', query):
        word = token.strip("'’")
        if token.startswith('"') or token in OPERATORS or len(word) < 4:
            out.append(token)
        else:
            out.append(word + "~" if fuzzy else word[:max(4, len(word) - 3)] + "*")
    return " ".join(out)


def query_sets(n: int) -> dict[str, list[str]]:
    """Every set of queries measured, by name."""
    judged = [entry["query"] for entry in load_judged()]
    words = pick_words()
    mix, rng = Mix(n), random.Random(5)
    return {
        "judged, as typed": judged,
        "judged, words as prefixes": [as_expansions(q, False) for q in judged],
        "judged, words fuzzy": [as_expansions(q, True) for q in judged],
        "bench_search kinds (one, two, phrase)": [
            *words, *(f"{w} {words[(i + 7) % len(words)]}" for i, w in enumerate(words)),
            *(f'"{w} {words[(i + 1) % len(words)]}"' for i, w in enumerate(words))],
        "bench words, a prefix of 3": [w[:3] + "*" for w in words],
        "bench words, two prefixes of 3": [f"{w[:3]}* {words[(i + 7) % len(words)][:3]}*"
                                           for i, w in enumerate(words)],
        "bench words fuzzy, one and two": [
            *(w + "~" for w in words),
            *(f"{w}~ {words[(i + 7) % len(words)]}~" for i, w in enumerate(words))],
        "storm: 32 fuzzy words": [" ".join(f"{mix._word(rng)}~" for _ in range(32))
                                  for _ in range(10)],
        "storm: 20 prefixes of 3": [" ".join(f"{mix._word(rng)[:3]}*" for _ in range(20))
                                    for _ in range(10)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True, help="holds data/ and index/")
    parser.add_argument("--n", type=int, default=100_000, help="articles (for the load mix)")
    args = parser.parse_args()
    config = load_config(None, data=args.work / "data", index=args.work / "index")
    limits = config.limits
    generation = open_current(config.index_dir)
    state = _state(generation, config)
    with generation.searcher() as searcher:
        reader = searcher.reader()
        articles = reader.doc_count()
        budget = limits.query_max_expanded_postings * max(articles,
                                                          EXPANDED_POSTINGS_MIN_ARTICLES)
        print(f"{args.work}: {articles:,} articles; budget query_max_expanded_postings = "
              f"{limits.query_max_expanded_postings} per article = {budget:,} postings")
        print(f"{'queries':40} {'n':>4} {'max/article':>12} {'p90':>6} {'refused':>8} "
              f"{'ms/query':>9}")
        for name, queries in query_sets(args.n).items():
            spent, refused = [], 0
            started = time.perf_counter()
            for query in queries:
                try:
                    node = ql.parse_query(query, limits)
                except QueryError:
                    continue
                if node is None:
                    continue
                # unbounded, to see what each query stands for in full
                builder = Builder(state.analyze, state.authority, reader,
                                  limits.query_min_prefix, limits.query_max_expansions,
                                  max_expanded_words=10**9, max_expanded_postings=10**9)
                try:
                    builder.compile(node)
                except QueryError:
                    pass  # refused for another reason (a prefix too short or too common)
                spent.append(builder.postings)
                refused += builder.postings > budget
            elapsed = (time.perf_counter() - started) * 1000 / max(len(queries), 1)
            spent.sort()
            p90 = spent[int(len(spent) * 0.9)] if spent else 0
            print(f"{name:40} {len(queries):4} {max(spent, default=0) / articles:12.2f} "
                  f"{p90 / articles:6.2f} {refused:8} {elapsed:9.0f}")
            if name.startswith("judged, words") and spent:
                print(f"{'':40} median {statistics.median(spent) / articles:.2f}")


if __name__ == "__main__":
    main()
