"""Relevance ranking: which terms of a query score it, for the engine's BM25F arithmetic.

For queries made only of terms and phrases under AND / OR / AND NOT (what plain words become),
a document's Whoosh score is the sum of the BM25F scores of the positive terms it contains:
`archive.engine.bm25.top_documents` computes that sum over postings arrays, Whoosh's exact
score at a fraction of its cost. A phrase scores as the sum of its words (its documents are
known from matching). Anything else (prefixes, fuzzy, ranges) goes back to Whoosh's own search.
"""

from __future__ import annotations

from whoosh import query as wq


def positive_terms(query: wq.Query) -> list[wq.Term] | None:
    """The terms that score a query of terms and phrases under AND, OR and AND NOT, else None."""
    if isinstance(query, wq.Term):
        return [query]
    if isinstance(query, wq.Phrase):
        # a phrase's documents are already known to hold it; rank them by its words
        return [wq.Term(query.fieldname, word, boost=query.boost) for word in query.words]
    if isinstance(query, wq.AndNot):
        return positive_terms(query.a)
    if isinstance(query, (wq.And, wq.Or)) and type(query) in (wq.And, wq.Or):
        terms: list[wq.Term] = []
        for sub in query.subqueries:
            found = positive_terms(sub)
            if found is None:
                return None
            terms += found
        return terms
    return None
