"""Relevance ranking: which terms of a query score it, for the engine's BM25F arithmetic.

For queries made only of terms and phrases under AND / OR / AND NOT (what plain words become),
a document's Whoosh score is the sum of the BM25F scores of the positive terms it contains:
`archive.engine.bm25.top_documents` computes that sum over postings arrays, Whoosh's exact
score at a fraction of its cost. A phrase scores as the sum of its words (its documents are
known from matching). A prefix or a fuzzy word is the OR of the words it stands for. A year
range scores every document alike and NOT none (Whoosh adds a constant, or nothing): a query
of them alone has nothing to rank by and reads newest first; the documents an OR finds only
through one of them follow those holding a word.

Words typed together count more where they stand together, over every candidate document
(`together`): a fixed expression typed with an elision (`coup d'État`, `Afrique de l'Ouest`)
ranks the documents holding it first; other words typed together multiply the score of the
documents where they stand within a few words of each other, more where they stand next to
each other (`violences policières` before `violence contre des policiers`). A word typed with
its elision and no expression (`l'Europe`) ranks first the documents writing it so.
"""

from __future__ import annotations

import time

import numpy as np
from whoosh import query as wq

from ..engine.bm25 import Adjust
from ..engine.docnums import meeting
from ..engine.postings import Postings
from .docsets import mask

PROXIMITY_BOOST = 2.0
ADJACENT_SLOP = 1  # words typed together that stand next to each other (stop words aside)
ADJACENT_BOOST = 3.0  # more than near: `violences policières` over `violences contre des policiers`
# Three or more words typed together that stand within a few words of each other (in order,
# NEAR_SLOP positions at most from one to the next, stop words aside) multiply the score by
# NEAR_BOOST when the engine ranks every candidate: such words rarely stand next to each other,
# but an article about the need holds them in one passage ("changement climatique sur le
# continent. Selon le Giec, l'Afrique"). Two words count only next to each other: a pair typed
# together names one thing (`violences policières`), and a few words apart it is most often
# another ("violence contre les policiers"). NEAR_SLOP is Rasolofo & Savoy's proximity window
# (BM25TP, 2003: pairs of words within 5 positions).
# Judged set, nDCG@10 overall / multiword (same run; FTS5 0.700 / 0.829): 0.798 / 0.806 without
# the near boost, 0.804 / 0.854 with it: `changement climatique Afrique` 0.702 -> 0.917, `gaz
# lacrymogène manifestants` 0.542 -> 0.707, no other query moves. Windows of 4 to 8 and boosts
# of 1.5 to 2.5 give 0.839-0.854 multiword (a window of 3: 0.814-0.821). For pairs too, the near
# boost gives 0.802 / 0.836 (`violences policières` 0.566 -> 0.422, the "violence contre les
# policiers" articles ranked 1st and 2nd) and a second position check on every two-word query.
NEAR_SLOP = 5
NEAR_BOOST = 2.0
NEAR_WORDS = 3
# Measured on the judged set and left out (nDCG@10 overall / multiword, against 0.814 / 0.816
# on the judged set of the time): the adjacency boost grown with how often the words stand
# together, 1 + 2 pf / (pf + k) as BM25 saturates a term (Lucene's sloppy-phrase frequency):
# k 0.5, 1.2, 3 gave 0.807 / 0.775, 0.804 / 0.750, 0.803 / 0.744 (`violences policières` 0.593
# -> 0.127: one standing together is what tells the need apart); each pair of consecutive
# typed words boosted in proportion instead of the whole sequence: 0.814 / 0.815.
# Then, with every hit of each variant judged (against 0.798 / 0.806 without the near boost):
# BM25TP's saturated pair scores (each pair of distinct typed words within 5 positions in the
# body, 1/d^2 each, weighted by the smaller idf) added to the scores, adjacency boost kept:
# weight 0.5, 1 gave 0.797 / 0.796, 0.795 / 0.779; instead of the adjacency boost, weight 2,
# 4, 8, 16: 0.790 / 0.750, 0.789 / 0.746, 0.780 / 0.732, 0.775 / 0.723 (4, 15, 20 hits
# unjudged; `violences policières` falls to 0.08-0.46). The title and the body combined before
# saturation (`engine.bm25` scores each field apart, as Whoosh does): FTS5's way (title
# pseudo-frequency x2 + body, over the whole length) 0.771 / 0.812; Robertson and Zaragoza's
# BM25F (per-field length normalisation, one saturation: a title hit adds less to a body that
# already matches), title weight 2, 4, 8: 0.749 / 0.823, 0.772 / 0.813, 0.785 / 0.815
# (acronym, boolean and phrase fall behind the peers); a title adding only the body's
# unsaturated share: 0.755 / 0.784.
PROXIMITY_BATCH = 32  # candidates checked first; each further batch twice as many
PROXIMITY_DEPTH = 64  # candidates checked at most, best first (bounds the cost: see bench)
# How often a document writes an expression's elided form (`l'Europe`, `de l'Ouest`) counts
# within its tier, saturated as BM25 saturates a frequency (K1 of Whoosh's BM25F): a document
# that says "l'Europe" six times is about Europe more than one with "Europe" in its title and
# the elided form once. Kept below the tier step, and small: half a score at most.
EXPRESSION_WEIGHT = 0.5
SATURATION = 1.2
EXPRESSION_SLOP = 1  # a fixed expression's words follow each other (stop words aside)
TEXT_FIELDS = ("title", "body")


def positive_terms(query: wq.Query) -> list[wq.Term]:
    """The terms that score a query: its words (a phrase's among them) under AND, OR and AND
    NOT. A year range scores every document alike and NOT scores none: neither gives a term,
    and a query of them alone gives none."""
    if isinstance(query, wq.Term):
        return [query]
    if isinstance(query, wq.Phrase):
        # a phrase's documents are already known to hold it; rank them by its words
        return [wq.Term(query.fieldname, word, boost=query.boost) for word in query.words]
    if isinstance(query, wq.AndNot):
        return positive_terms(query.a)
    if type(query) in (wq.And, wq.Or):
        return [term for sub in query.subqueries for term in positive_terms(sub)]
    return []


def together(postings: Postings, size: int, proximity: list[tuple[str, ...]],
             expressions: list[tuple[str, ...]], deadline: float | None = None) -> Adjust | None:
    """The ranking of every candidate by words standing together, for `top_documents`: a
    document holding more of the fixed expressions first, then by score, multiplied by
    NEAR_BOOST where the words typed together stand within NEAR_SLOP of each other (ADJACENT_BOOST
    where next to each other). None when there is nothing
    to look for.

    Positions are decoded only where they can change the top k: for the expressions, among the
    documents holding their (rare) elided form; for proximity, best candidates first, in growing
    batches, until no unchecked document, even boosted, could reach the k-th best (the top k is
    then the same as checking every one), and for at most PROXIMITY_DEPTH candidates (where
    scores are so even that thousands could, the best of them by score). Past `deadline` (a
    time.perf_counter() value) no more is checked: `top_documents` then says the ranking was
    cut short."""
    if not proximity and not expressions:
        return None

    def adjust(docs: np.ndarray, values: np.ndarray,
               limit: int) -> tuple[np.ndarray, np.ndarray, bool]:
        tier = np.zeros(len(docs))
        live = mask(docs, size)
        for words in expressions:
            if _past(deadline):
                break
            tier += _holding(postings, live, words, EXPRESSION_SLOP, docs)
            values = values * (1.0 + EXPRESSION_WEIGHT * _saturated(postings, words[-1], docs))
        # a tier outranks any score, boosted or not
        step = float(values.max()) * max(PROXIMITY_BOOST, ADJACENT_BOOST) + 1.0
        cut = _past(deadline)
        if proximity and not cut:
            values, cut = _near_boosted(postings, size, proximity, docs, values, tier * step,
                                        limit, deadline)
        return tier * step + values, values, cut

    return adjust


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.perf_counter() > deadline


def _near_boosted(postings: Postings, size: int, proximity: list[tuple[str, ...]],
                  docs: np.ndarray, values: np.ndarray, base: np.ndarray,
                  limit: int, deadline: float | None) -> tuple[np.ndarray, bool]:
    """The scores, multiplied by NEAR_BOOST where the words stand together (ADJACENT_BOOST
    where next to each other), checked best potential first until the rest cannot reach the top
    `limit` (see `together`); and whether `deadline` passed first."""
    top = max(NEAR_BOOST, ADJACENT_BOOST)
    potential = base + values * top
    depth = min(len(docs), max(PROXIMITY_DEPTH, 2 * limit))
    order = best_first(potential, depth)
    near = np.zeros(len(docs), dtype=bool)
    adjacent = np.zeros(len(docs), dtype=bool)
    checked, batch = 0, max(2 * limit, PROXIMITY_BATCH)
    while checked < depth:
        if _past(deadline):
            return values * _boosts(near, adjacent), True
        if 0 < limit < len(docs):
            keys = base + values * _boosts(near, adjacent)
            kth = np.partition(keys, len(keys) - limit)[len(keys) - limit]
            if potential[order[checked]] < kth:
                break
        picked = np.sort(order[checked:min(checked + batch, depth)])
        live = mask(docs[picked], size)
        for words in proximity:
            if NEAR_BOOST == 1.0 or len(words) < NEAR_WORDS:  # adjacency alone: one check
                adjacent[picked] |= _holding(postings, live, words, ADJACENT_SLOP, docs[picked])
                continue
            found = _holding(postings, live, words, NEAR_SLOP, docs[picked])
            near[picked] |= found
            if ADJACENT_BOOST != NEAR_BOOST and found.any():
                close = picked[found]
                adjacent[close] |= _holding(postings, mask(docs[close], size), words,
                                            ADJACENT_SLOP, docs[close])
        checked += len(picked)
        batch *= 2
    return values * _boosts(near, adjacent), False


def best_first(keys: np.ndarray, depth: int) -> np.ndarray:
    """The positions of the `depth` largest keys, largest first, ties in position order: the
    head of a stable descending argsort, without sorting the rest (a word in a third of a
    million articles: 25 ms to sort them all, for the 64 checked)."""
    if depth >= len(keys):
        return np.argsort(-keys, kind="stable")
    if depth <= 0:
        return np.zeros(0, dtype=np.intp)
    bound = np.partition(keys, len(keys) - depth)[len(keys) - depth]  # the depth-th largest
    heads = np.flatnonzero(keys >= bound)  # in position order, ties with the bound included
    return heads[np.argsort(-keys[heads], kind="stable")][:depth]


def _boosts(near: np.ndarray, adjacent: np.ndarray) -> np.ndarray:
    """Each document's multiplier: words standing next to each other, near, or apart."""
    return np.where(adjacent, ADJACENT_BOOST, np.where(near, NEAR_BOOST, 1.0))


def _saturated(postings: Postings, term: str, docs: np.ndarray) -> np.ndarray:
    """How often each document writes the elided form (`'ouest`, `'europe`), saturated as BM25
    saturates a term's frequency: 0 for none, towards 1 for many."""
    tf = np.zeros(len(docs))
    for fieldname in TEXT_FIELDS:
        held, weights = postings.arrays(fieldname, term)
        # the (rare) form looked up among the candidates, not each of a million candidates
        # in it: 29 forms ORed with a frequent word took 0.7 s at a million articles
        in_docs, in_held = meeting(docs, held)
        tf[in_docs] += weights[in_held]
    return tf / (tf + SATURATION)


def _holding(postings: Postings, live: np.ndarray, words: tuple[str, ...], slop: int,
             docs: np.ndarray) -> np.ndarray:
    """Which of the documents (sorted, each set in the `live` mask) hold the words in order
    within `slop`, in a text field."""
    found = np.zeros(len(docs), dtype=bool)
    if not len(docs):
        return found
    for fieldname in TEXT_FIELDS:
        if len(words) == 1:  # a word typed with its elision: its elided form is enough
            found[meeting(docs, postings.arrays(fieldname, words[0])[0])[0]] = True
            continue
        holding = postings.phrase_documents(fieldname, list(words), slop, live)
        if holding is not None and len(holding):
            found[meeting(docs, holding)[0]] = True
    return found
