"""Whoosh's BM25F score of a known set of documents, computed from postings arrays with NumPy.

Whoosh scores every matching document through a chain of Python matcher calls (about 7 µs
each), and its block-max skipping cannot help a frequent body word while a title word is still
active, so a one-word query matching a third of 100k articles costs hundreds of milliseconds.
For queries made only of terms (what `search.ranking.positive_terms` extracts), a document's
Whoosh score is the sum of the BM25F scores of the terms it contains; this module computes
exactly that sum from the postings (document numbers and weights arrays) and the field-length
bytes, loaded once per generation: one vector expression per term and a partition for the top k
(a Python loop per posting took about 30 ms for a word in half of 100k articles, NumPy about
2 ms). It repeats Whoosh's own arithmetic (`whoosh.scoring.bm25`, its per-field B, its length
bytes): `tests/test_engine.py` checks the scores against `searcher.search`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from math import log

import numpy as np
from whoosh import query as wq
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from .collectors import TimeLimit
from .docnums import as_docnums, distinct
from .postings import Lengths, Postings

# An adjustment of every candidate's score before the top k is taken: given the scored
# documents, their scores and k, it returns (ranking keys, scores shown), both per document, and
# whether it stopped short (at the search's time limit).
Adjust = Callable[[np.ndarray, np.ndarray, int], tuple[np.ndarray, np.ndarray, bool]]

# Whoosh counts an empty field as length 1 when scoring.
_LENGTH_OF_BYTE = [1] + [byte_to_length(b) for b in range(1, 256)]


def bm25f_parameters(weighting: BM25F, fieldname: str) -> tuple[float, float]:
    """(K1, B) with which Whoosh's BM25F scores a field (B may be set per field)."""
    return weighting.K1, weighting._field_B.get(fieldname, weighting.B)


@lru_cache(maxsize=64)
def _norms(k1: float, b: float, avgfl: float) -> np.ndarray:
    """BM25F's length normalisation for each length byte, read-only: computed once per field
    and generation rather than per term (36 µs each)."""
    # the same double-precision operations, in the same order, as Whoosh's BM25F
    norms = np.array([k1 * ((1 - b) + b * fl / avgfl) for fl in _LENGTH_OF_BYTE])
    norms.flags.writeable = False
    return norms


def top_documents(searcher, terms: list[wq.Term], allowed: set[int] | frozenset[int] | np.ndarray,
                  limit: int, lengths: Lengths, deadline: float,
                  postings: Postings, adjust: Adjust | None = None) -> list[tuple[int, float]]:
    """The `limit` best allowed documents by summed BM25F score of the terms, best first (ties
    by document number), with Whoosh's exact scores; past `deadline`, raises TimeLimit with the
    best found so far. `adjust`, when given, changes the ranking of every allowed document
    (words standing together) before the best are taken; it is to stop at `deadline` too, and
    then TimeLimit carries the ranking it gave."""
    weighting = searcher.weighting
    if type(weighting) is not BM25F:
        raise TypeError(f"the engine scores with Whoosh's BM25F, not {type(weighting).__name__}")
    wanted = distinct(as_docnums(allowed))
    size = searcher.doc_count_all()
    per_term: list[tuple[np.ndarray, np.ndarray]] = []
    positive = True  # every posting's score above 0 (what BM25F gives a positive boost)
    for term in terms:
        fieldname, text = term.fieldname, term.text
        frequency = postings.doc_frequency(fieldname, text)
        if frequency == 0:
            continue
        k1, b = bm25f_parameters(weighting, fieldname)
        avgfl = searcher.avg_field_length(fieldname) or 1
        # Whoosh's idf (`WeightingModel.idf`, which BM25F keeps), from the kept frequency
        idf = log(size / (frequency + 1)) + 1
        factor = term.boost * idf * (k1 + 1)
        norms = _norms(k1, b, avgfl)
        docs, weights = postings.arrays(fieldname, text)
        lens = lengths.whole(searcher, fieldname)
        # factor * weights / (weights + norms) in place: the same values without three
        # temporaries the size of the postings (8 MB each for a word in most of 1M articles)
        scores = weights.astype(np.float64)
        denominators = norms[lens[docs]]
        denominators += scores
        scores *= factor
        scores /= denominators
        per_term.append((docs, scores))
        positive = positive and (not len(scores) or bool(scores.min() > 0))
        if time.perf_counter() > deadline:
            raise TimeLimit(_best(per_term, wanted, limit, size=size, positive=positive))
    return _best(per_term, wanted, limit, adjust, size, positive)


def _best(per_term: list[tuple[np.ndarray, np.ndarray]], wanted: np.ndarray,
          limit: int, adjust: Adjust | None = None, size: int | None = None,
          positive: bool = False) -> list[tuple[int, float]]:
    """The best wanted documents (distinct document numbers) by summed score, best first, ties
    by document number. `positive` says every given score is above 0: a document then holds a
    term exactly where its sum is above 0, and no mark of the scored documents is kept.

    Scores are added term by term, the term with most documents first, as Whoosh's sum does."""
    # postings and wanted documents are sorted: their last numbers bound the arrays' size
    size = max([size or 0, *(int(docs[-1]) + 1 for docs, _ in per_term if len(docs)),
                int(wanted[-1]) + 1 if len(wanted) else 0])
    scores = np.zeros(size)
    scored = None if positive else np.zeros(size, dtype=bool)
    ordered = sorted(per_term, key=lambda item: len(item[0]), reverse=True)
    for i, (docs, values) in enumerate(ordered):
        if i == 0:  # 0.0 + value is the value: set, not added (a gather and a pass fewer)
            scores[docs] = values
        else:
            scores[docs] += values
        if scored is not None:
            scored[docs] = True
    # the wanted documents read where they are, rather than a mask of the archive's size
    # compared with `scored` (two passes over a million entries per search at 1M)
    if scored is None:
        values = scores[wanted]
        bound = _kth_bound(values, limit) if adjust is None and len(values) > limit > 0 else 0.0
        # without an adjustment the best are among the few reaching the bound: picking those
        # rather than every document holding a term (a related article's key terms are in half
        # of 100k articles: that selection took 1.1 ms of the 2.2 this function cost)
        held = np.flatnonzero(values >= bound) if bound > 0 else np.flatnonzero(values > 0)
        docs, values = wanted[held], values[held]
    else:
        docs = wanted[scored[wanted]]
        values = scores[docs]
    keys, cut = values, False
    if adjust is not None and len(docs):
        keys, values, cut = adjust(docs, values, limit)
    if len(docs) > limit > 0:
        keep = keys >= _kth_bound(keys, limit)
        docs, values, keys = docs[keep], values[keep], keys[keep]
        if len(docs) > limit:
            kth = np.partition(keys, len(keys) - limit)[len(keys) - limit]
            keep = keys >= kth
            docs, values, keys = docs[keep], values[keep], keys[keep]
    order = np.lexsort((docs, -keys))[:limit]
    best = list(zip(docs[order].tolist(), values[order].tolist(), strict=True))
    if cut:
        raise TimeLimit(best)
    return best


def _kth_bound(keys: np.ndarray, limit: int) -> float:
    """A number no greater than the `limit`-th largest key: the smallest of the largest keys of
    `limit` disjoint slices, each the largest of its own slice, so at least `limit` keys reach
    it. One vectorised pass leaves a few candidates for the exact partition (partitioning the
    scores of a word in most of a million articles took about 5 ms)."""
    width = len(keys) // limit
    return float(keys[:width * limit].reshape(limit, width).max(axis=1).min())
