"""Whoosh's phrase query for Whoosh's own matching and ranking, its positions check answered
from the positions sidecar.

The text fields keep their positions in the sidecar only (`positions.SidecarPositions`), so
Whoosh's `Phrase` refuses them. Where a query is still matched or ranked by Whoosh itself
(queries our engine does not rank: `search.run._top`), `known_phrases` swaps each phrase for a
`KnownPhrase`: the same matcher Whoosh builds for a phrase (its words' intersection, scored and
skipped as Whoosh's `SpanNear2` does), with the documents that hold the phrase given instead of
read from positions. Same documents, same scores, same order.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from whoosh import matching
from whoosh import query as wq
from whoosh.matching import binary
from whoosh.query.spans import Span, SpanWrappingMatcher
from whoosh.util import make_binary_tree

_HELD = [Span(0)]  # a non-empty span list: the document holds the phrase


class KnownPhrase(wq.Phrase):
    """A `Phrase` whose documents (global numbers, sorted, deleted ones allowed) are known."""

    def __init__(self, phrase: wq.Phrase, docs: np.ndarray, offsets: dict[int, int]) -> None:
        super().__init__(phrase.fieldname, list(phrase.words), slop=phrase.slop,
                         boost=phrase.boost, char_ranges=phrase.char_ranges)
        self.docs = docs
        self._offsets = offsets  # id(leaf searcher) -> its first document number

    def matcher(self, searcher, context=None):
        """Whoosh's `Phrase.matcher`, the positions check replaced by the known documents."""
        fieldname = self.fieldname
        if fieldname not in searcher.schema:
            return matching.NullMatcher()
        field = searcher.schema[fieldname]
        reader = searcher.reader()
        terms = []
        for word in self.words:
            try:
                word = field.to_bytes(word)
            except ValueError:
                return matching.NullMatcher()
            if (fieldname, word) not in reader:
                return matching.NullMatcher()
            terms.append(wq.Term(fieldname, word))
        offset = self._offsets.get(id(searcher), 0)
        first, last = np.searchsorted(self.docs, (offset, offset + searcher.doc_count_all()))
        held = frozenset((self.docs[first:last] - offset).tolist())
        m = _KnownSpans([t.matcher(searcher, context) for t in terms], held)
        if self.boost != 1.0:
            m = matching.WrappingMatcher(m, boost=self.boost)
        return m


class _KnownSpans(SpanWrappingMatcher):
    """`SpanNear2.SpanNear2Matcher` (the words' intersection) keeping the documents known to
    hold the phrase (segment-local numbers) instead of comparing positions."""

    def __init__(self, ms: list, held: frozenset[int]) -> None:
        self.ms = ms
        self.held = held
        super().__init__(make_binary_tree(binary.IntersectionMatcher, ms))

    def copy(self):
        return self.__class__([m.copy() for m in self.ms], self.held)

    def replace(self, minquality=0):
        # as SpanNear2Matcher's
        if not self.is_active():
            return matching.NullMatcher()
        return self

    def _get_spans(self):
        return _HELD if self.child.id() in self.held else []


def known_phrases(query: wq.Query, searcher,
                  documents: Callable[[wq.Phrase], np.ndarray | None]) -> wq.Query:
    """The query with each phrase whose documents `documents` gives (global numbers, sorted)
    made a `KnownPhrase`, for Whoosh's own matchers; other phrases are left as they are."""
    offsets = {id(leaf): offset for leaf, offset in searcher.leaf_searchers()}

    def swap(q: wq.Query) -> wq.Query:
        if type(q) is wq.Phrase:
            found = documents(q)
            if found is not None:
                return KnownPhrase(q, np.asarray(found, dtype=np.int64), offsets)
        return q

    return query.accept(swap)
