"""Each article's key terms, picked while it is indexed: what finds its related articles.

Related articles used to analyse the article's text on every page view (seconds for a
2-million-character body). The writer now hands over the weight of each term of the title
and body as it indexes them (`engine.segmentwriter.Summary`), and the heaviest ones are
kept in a column beside the document (read without its text); at request time they are
weighed against the whole generation (`search.run.related`), so a page costs the same
whatever the article's length.
"""

from __future__ import annotations

from operator import itemgetter

from ..engine.segmentwriter import Summary

FIELD = "keyterms"
# Terms kept per article: the heaviest in the article; the request picks the most telling of
# them against the collection (a rare word used once is rarely what an article is about).
KEPT = 24
# The shortest term worth keeping: two-letter stems are mostly leftovers of elisions and numbers.
MIN_LENGTH = 3
_WEIGHT = itemgetter(1)


def pick(weights: dict[bytes, float]) -> bytes:
    """The heaviest terms of one article, heaviest first, as kept: UTF-8 `term<TAB>weight`
    lines."""
    # Only the heaviest terms can be kept: walk them heaviest first (a C sort by weight) and stop
    # once KEPT candidates are in hand and the weight drops below the last one's.
    candidates = []
    floor = float("-inf")
    for term, weight in sorted(weights.items(), key=_WEIGHT, reverse=True):
        if weight < floor:
            break
        if len(term) >= MIN_LENGTH and not term.isdigit():
            candidates.append((weight, len(term), term))
            if len(candidates) == KEPT:
                floor = weight
    # Ties (most terms occur once) go to longer words, which are rarer in French text.
    best = sorted(candidates, reverse=True)[:KEPT]
    return b"\n".join(term + b"\t" + f"{weight:g}".encode() for weight, _n, term in best)


def summary() -> Summary:
    """What the index writers store as each article's key terms."""
    return Summary(FIELD, frozenset({"title", "body"}), pick)


def key_terms(reader, docnum: int) -> list[tuple[str, float]]:
    """A document's key terms as (term, weight in the article) pairs, heaviest first."""
    value = reader.column_reader(FIELD, translate=False)[docnum]
    if not value:
        return []
    pairs = []
    for line in value.decode("utf-8").split("\n"):
        term, _tab, weight = line.rpartition("\t")
        if term:
            pairs.append((term, float(weight)))
    return pairs
