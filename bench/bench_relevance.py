"""Relevance against the peers, on the judged set: nDCG@10 and P@10 per engine and category.

    python bench/bench_relevance.py                      # build all three, print the tables
    python bench/bench_relevance.py --stemmers           # ours with each stemmer (+ peers)
    python bench/bench_relevance.py --pool               # the pooled hits not judged yet
    python bench/bench_relevance.py --compare            # our top 10 beside a winning peer's
    python bench/bench_relevance.py --workdir /tmp/rel   # keep (and reuse) the builds

Builds in one run, from the shared corpus (`../shared/corpus/articles.jsonl`, read in place):
ours — the corpus imported through the real pipeline (`archive.ingest.import_paths`) and
indexed by `archive.indexing.jobs.reindex` in a temporary folder; tantivy (PyPI `tantivy`)
with its own French chain: simple tokenizer, lowercase, French stop words, French Snowball
stemmer, ASCII folding; SQLite FTS5 with words lowercased and stemmed by Snowball French
(PyStemmer) before FTS5, its `unicode61 remove_diacritics 2` tokenizer folding the accents.
Peers rank BM25 with the title weighted 2 (as ours), AND of the words by default; the
French operators OU/ET/SAUF are given to them in their own syntax (OR/AND/NOT), so that they
are not penalised for syntax, only for what they find. Hits are mapped to the corpus ids.

Judgements: `bench/relevance/judged.yaml` (ids and grades only). An unjudged hit counts as
0; the number of unjudged hits in each engine's top 10 is printed, and `--pool` lists them
with title and context so that the set can be completed when the engine changes.
The peers are installed for benchmarks only: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive import articlefile  # noqa: E402
from archive.config import load_config  # noqa: E402
from archive.indexing import analysis, stemmers  # noqa: E402
from archive.indexing.jobs import reindex  # noqa: E402
from archive.ingest import import_paths  # noqa: E402
from archive.search import SearchRequest, search  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "articles.jsonl"
JUDGED = ROOT / "bench" / "relevance" / "judged.yaml"
K = 10
STEMMERS = stemmers.NAMES


# --- the judged set -------------------------------------------------------------------------------


def load_judged(path: Path = JUDGED) -> list[dict]:
    """The queries of the judged file: query, category, need, judgements {id: grade}."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))["queries"]


def corpus_rows(path: Path = CORPUS) -> dict[str, dict]:
    """The shared corpus by id."""
    with path.open(encoding="utf-8") as lines:
        return {row["id"]: row for row in map(json.loads, lines)}


# --- metrics ----------------------------------------------------------------------------------


def ndcg(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    """nDCG@k with gain 2^g - 1; the ideal ranking is taken from every judged article."""
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def precision(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    """P@k: the share of the first k that are relevant (grade >= 1); missing ranks count 0."""
    return sum(1 for d in ranked[:k] if grades.get(d, 0) >= 1) / k


# --- ours ---------------------------------------------------------------------------------------


class Ours:
    """The archive: the corpus imported through the real pipeline, indexed by `reindex`."""

    def __init__(self, workdir: Path, stemmer: str | None = None) -> None:
        self.name = "ours" if stemmer is None else f"ours/{stemmer}"
        data = workdir / "data"
        if not (workdir / "imported").exists():
            (data / "articles").mkdir(parents=True, exist_ok=True)
            for name in ("organisations.yaml", "publishers.yaml"):
                if (ROOT / "data" / name).exists():
                    (data / name).write_bytes((ROOT / "data" / name).read_bytes())
            report = import_paths([CORPUS], load_config(None, data=data, index=workdir / "i"))
            if report.rejected:
                sys.exit(f"import rejected {len(report.rejected)} articles")
            (workdir / "imported").touch()
        index = workdir / f"index-{stemmer or 'default'}"
        self.config = load_config(None, data=data, index=index)
        previous = analysis.STEMMER
        if stemmer is not None:
            analysis.STEMMER = stemmer  # the schema's analyzer records it (pickled)
        try:
            reindex(self.config, full=True)
        finally:
            analysis.STEMMER = previous
        self.source_of = {}
        for path in articlefile.iter_files(self.config.articles_dir):
            article = articlefile.read(path)
            self.source_of[article.id] = (article.imported_from or "").rpartition("#")[2]

    def ranked(self, query: str) -> list[str]:
        """The corpus ids of the top 10."""
        result = search(self.config.index_dir, SearchRequest(query=query, page_size=K),
                        self.config)
        return [self.source_of.get(hit.id, hit.id) for hit in result.hits]


# --- the peers ----------------------------------------------------------------------------------

_OPERATORS = {"OU": "OR", "ET": "AND", "SAUF": "NOT"}
_QUOTED_OR_WORD = re.compile(r'"[^"]*"|\S+')


def peer_syntax(query: str) -> list[str]:
    """The query's parts: phrases (quoted) and words, French operators as OR/AND/NOT."""
    return [_OPERATORS.get(part, part) for part in _QUOTED_OR_WORD.findall(query)]


class Tantivy:
    """tantivy with its French Snowball stemmer."""

    name = "tantivy"

    def __init__(self, rows: dict[str, dict]) -> None:
        import tantivy
        from tantivy_peer import french_index  # (tantivy is in the bench extra only)

        self.index = french_index()
        writer = self.index.writer(heap_size=50_000_000, num_threads=1)
        for row in rows.values():
            writer.add_document(tantivy.Document(id=row["id"], title=row.get("title") or "",
                                                 body=row.get("body") or ""))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()

    def ranked(self, query: str) -> list[str]:
        """The top 10 ids; a word the parser refuses is dropped (lenient parsing)."""
        # Apostrophes split words here as in the indexed text; the parser would read them raw.
        text = " ".join(peer_syntax(query.replace("'", " ").replace("\u2019", " ")))
        parsed, _errors = self.index.parse_query_lenient(
            text, ["title", "body"], field_boosts={"title": 2.0}, conjunction_by_default=True)
        searcher = self.index.searcher()
        hits = searcher.search(parsed, K).hits
        return [searcher.doc(address)["id"][0] for _score, address in hits]


_FTS_WORD = re.compile(r"[^\W_]+")


class FTS5:
    """SQLite FTS5 over words stemmed by Snowball French (PyStemmer), accents removed by FTS5."""

    name = "fts5"

    def __init__(self, rows: dict[str, dict]) -> None:
        import Stemmer

        self._stemmer = Stemmer.Stemmer("french")
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE fts USING fts5(id UNINDEXED, title, body, "
                        "tokenize='unicode61 remove_diacritics 2')")
        self.db.executemany("INSERT INTO fts VALUES (?,?,?)", [
            (row["id"], self._stems(row.get("title") or ""), self._stems(row.get("body") or ""))
            for row in rows.values()])

    def _stems(self, text: str) -> str:
        return " ".join(self._stemmer.stemWords(_FTS_WORD.findall(text.lower())))

    def ranked(self, query: str) -> list[str]:
        """The top 10 ids by bm25 (title weighted 2)."""
        parts = []
        for part in peer_syntax(query):
            if part in ("OR", "AND", "NOT"):
                parts.append(part)
            elif stems := self._stems(part):
                parts.append(f'"{stems}"')
        while parts and parts[-1] in ("OR", "AND", "NOT"):
            parts.pop()
        if not parts:
            return []
        rows = self.db.execute("SELECT id FROM fts WHERE fts MATCH ? ORDER BY bm25(fts, 0, 2, 1) "
                               "LIMIT ?", (" ".join(parts), K)).fetchall()
        return [r[0] for r in rows]


# --- reporting ------------------------------------------------------------------------------------


def evaluate(engines: list, queries: list[dict]) -> dict[str, dict[str, list[str]]]:
    """Each engine's top 10 for each query (and for the word a misspelling stands for)."""
    texts = {q["query"] for q in queries} | {q["intended"] for q in queries if "intended" in q}
    return {e.name: {text: e.ranked(text) for text in sorted(texts)} for e in engines}


def report(runs: dict[str, dict[str, list[str]]], queries: list[dict], ours: str) -> None:
    """The per-engine, per-category table, the unjudged counts and the queries we lose."""
    names = list(runs)
    categories = sorted({q["category"] for q in queries})
    scores = {n: {q["query"]: (ndcg(runs[n][q["query"]], q["judgements"]),
                               precision(runs[n][q["query"]], q["judgements"]))
                  for q in queries} for n in names}

    def mean(name: str, subset: list[dict], which: int) -> float:
        return sum(scores[name][q["query"]][which] for q in subset) / len(subset)

    header = f"{'category':22} {'n':>3}  " + "  ".join(f"{n:>17}" for n in names)
    print(header)
    print(f"{'':22} {'':>3}  " + "  ".join(f"{'nDCG@10':>9} {'P@10':>7}" for _ in names))
    for category in [*categories, "ALL"]:
        subset = queries if category == "ALL" else [q for q in queries
                                                    if q["category"] == category]
        cells = "  ".join(f"{mean(n, subset, 0):9.3f} {mean(n, subset, 1):7.3f}" for n in names)
        print(f"{category:22} {len(subset):3}  {cells}")
    for name in names:
        unjudged = sum(1 for q in queries for d in runs[name][q["query"]]
                       if d not in q["judgements"])
        print(f"unjudged hits in {name}'s top {K}: {unjudged} (counted as 0)")
    best_peer = max((n for n in names if not n.startswith("ours")),
                    key=lambda n: mean(n, queries, 0), default=None)
    if best_peer:
        margin = mean(ours, queries, 0) - mean(best_peer, queries, 0)
        peers = [n for n in names if not n.startswith("ours")]
        behind = []
        for c in categories:
            subset = [q for q in queries if q["category"] == c]
            lead = max(peers, key=lambda n: mean(n, subset, 0))
            if mean(ours, subset, 0) < mean(lead, subset, 0):
                behind.append(f"{c} ({lead} {mean(lead, subset, 0):.3f})")
        print(f"{ours} - best peer ({best_peer}) nDCG@10: {margin:+.3f} (target >= +0.080); "
              f"categories where a peer is ahead: {', '.join(behind) or 'none'}")
    print(f"\nqueries where {ours} loses to a peer (nDCG@10):")
    for q in queries:
        mine = scores[ours][q["query"]][0]
        better = [(n, scores[n][q["query"]][0]) for n in names
                  if not n.startswith("ours") and scores[n][q["query"]][0] > mine + 1e-9]
        if better:
            others = ", ".join(f"{n} {s:.3f}" for n, s in better)
            print(f"  {q['query']!r:40} [{q['category']}] {ours} {mine:.3f} < {others}")


def print_pool(runs: dict[str, dict[str, list[str]]], queries: list[dict],
               rows: dict[str, dict]) -> None:
    """The pooled hits nobody has judged yet, with title and the body around the query words."""
    missing = 0
    for q in queries:
        pooled = []
        # A misspelled query is also pooled with the hits of the word it stands for.
        for text in (q["query"], q.get("intended")):
            for name in runs if text else ():
                for doc in runs[name][text]:
                    if doc not in q["judgements"] and doc not in pooled:
                        pooled.append(doc)
        if not pooled:
            continue
        print(f"\n### {q['query']}  [{q['category']}] — {q['need']}")
        for doc in pooled:
            missing += 1
            text = q["query"] if any(doc in runs[n][q["query"]] for n in runs) else q["intended"]
            ranks = " ".join(f"{n}#{runs[n][text].index(doc) + 1}" for n in runs
                             if doc in runs[n][text])
            row = rows.get(doc, {})
            print(f"  {doc} ({ranks}) T: {(row.get('title') or '')[:100]}")
            print(f"      B: {context(row.get('body') or '', q['query'], 75)}")
    print(f"\n{missing} pooled hits not judged")


def print_compare(runs: dict[str, dict[str, list[str]]], queries: list[dict],
                  rows: dict[str, dict], ours: str) -> None:
    """For each query a peer wins, the top 10 of ours and of the winning peer side by side, each
    hit with its grade (? when unjudged) and title: where the ranking goes wrong, at a glance."""
    for q in queries:
        grades = q["judgements"]
        mine = ndcg(runs[ours][q["query"]], grades)
        peers = [n for n in runs if not n.startswith("ours")]
        best = max(peers, key=lambda n: ndcg(runs[n][q["query"]], grades), default=None)
        if best is None or ndcg(runs[best][q["query"]], grades) <= mine + 1e-9:
            continue
        print(f"\n### {q['query']}  [{q['category']}] {ours} {mine:.3f}, {best} "
              f"{ndcg(runs[best][q['query']], grades):.3f} — {q['need']}")
        for rank in range(K):
            cells = []
            for name in (ours, best):
                ranked = runs[name][q["query"]]
                doc = ranked[rank] if rank < len(ranked) else ""
                title = " ".join((rows.get(doc, {}).get("title") or "").split())[:48]
                cells.append(f"{grades.get(doc, '?') if doc else ' '} {doc:18} {title:48}")
            print(f"  {rank + 1:2} " + " | ".join(cells))


def context(body: str, query: str, width: int = 90) -> str:
    """The body around the first occurrence of a query word (accents and case ignored)."""
    folded = analysis.fold(body)
    words = [analysis.fold(w) for w in re.findall(r"[^\W_]{3,}", query)
             if w not in _OPERATORS]
    for word in sorted(words, key=len, reverse=True):
        at = folded.find(word[: max(4, len(word) - 2)])
        if at >= 0:
            return " ".join(body[max(0, at - width): at + width].split())
    return " ".join(body[: 2 * width].split())


def main() -> None:
    """Build the engines, run the judged queries, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep the builds here (reused: the import is done once)")
    parser.add_argument("--stemmers", action="store_true",
                        help=f"also index ours with each stemmer ({', '.join(STEMMERS)})")
    parser.add_argument("--pool", action="store_true", help="print the unjudged pooled hits")
    parser.add_argument("--compare", action="store_true",
                        help="print our top 10 beside the best peer's where a peer wins")
    parser.add_argument("--no-peers", action="store_true", help="ours only")
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"corpus not found: {CORPUS}")
    queries = load_judged()
    rows = corpus_rows()
    with tempfile.TemporaryDirectory(prefix="bench-relevance-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        engines = [Ours(workdir)]
        if args.stemmers:
            engines += [Ours(workdir, s) for s in STEMMERS]
        if not args.no_peers:
            engines += [Tantivy(rows), FTS5(rows)]
        print(f"{len(rows)} articles, {len(queries)} judged queries, engines built in "
              f"{time.perf_counter() - started:.0f} s (stemmer of ours: {analysis.STEMMER})\n",
              file=sys.stderr)
        runs = evaluate(engines, queries)
    if args.pool:
        print_pool(runs, queries, rows)
    elif args.compare:
        print_compare(runs, queries, rows, "ours")
    else:
        report(runs, queries, "ours")


if __name__ == "__main__":
    main()
