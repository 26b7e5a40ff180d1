"""Did you mean: a respelling of a query that finds little, from the archive's own words.

`secutité` → `sécurité`: close indexed terms (edit distance on the stems), then the form the
articles actually write, which must itself be close to what was typed; offered only when the
respelt query finds more.
"""

from __future__ import annotations

import re
import time

import numpy as np
from whoosh import query as wq
from whoosh.support.levenshtein import distance

from ..config import Limits
from ..engine.lexicon import close_terms
from ..engine.postings import Postings
from ..errors import QueryError
from ..indexing.analysis import name_form, span_tokens
from ..textnorm import fold
from . import querylang as ql
from .docsets import matching_docs
from .querybuild import ELISION, Builder, analyzer_groups

RARE_TERM = 2  # a query word found in at most this many articles may be a typo
SUGGEST_CANDIDATES = 5  # close terms tried, closest first, then most frequent
SURFACE_DOCS = 3  # articles read to learn how a term is written
BEGUN_CANDIDATES = 2  # stems beginning the typed word tried beyond the closest ones


def suggest(searcher, text: str, node: ql.Node, analyzer, authority, limits: Limits,
            found: int, live: np.ndarray, postings: Postings,
            deadline: float | None = None) -> str | None:
    """A respelling of the query from the archive's own words, when it would find more
    (none once `deadline`, a time.perf_counter() value, has passed); `live` and `postings`
    are the search's own (its live-document mask, its term cache)."""
    analyze = analyzer_groups(analyzer)
    reader = searcher.reader()
    suggestion = text
    changed = False
    for word in ql.positive_words(node):
        if not isinstance(word, ql.Word) or word.prefix or word.fuzzy \
                or word.field not in (None, "title"):
            continue
        if deadline is not None and time.perf_counter() > deadline:
            return None
        groups = analyze(word.text)
        if len(groups) != 1:
            continue
        term = groups[0][0]
        seen = postings.doc_frequency("body", term) + postings.doc_frequency("title", term)
        if seen > RARE_TERM:
            continue
        # the elided article stays as typed (`l'éducaton` → `l'éducation`): compared with
        # the written word, it made every respelling three letters away
        elided = ELISION.match(word.text)
        lead = elided.group() if elided else ""
        try:
            surface = _respelling(searcher, word.text[len(lead):], term, seen, analyzer,
                                  postings, deadline)
        except QueryError:  # out of time among the lexicon's words: no suggestion
            return None
        if surface:
            suggestion = _respelt(suggestion, word.text, lead + surface)
            changed = True
    if not changed:
        return None
    try:
        node2 = ql.parse_query(suggestion, limits)
        compiled = Builder(analyze, authority, reader,
                           limits.query_min_prefix, limits.query_max_expansions,
                           max_expanded_words=limits.query_max_expanded_words,
                           deadline=deadline,
                           max_expanded_postings=limits.query_max_expanded_postings,
                           postings=postings).compile(node2)
    except QueryError:
        return None
    # matched as searches match (phrases read the positions sidecar: Whoosh's postings keep
    # none), within the search's time limit: a respelling matched without one took 3.8-5.0 s
    # of CPU at a million articles after a search of 0.1 s
    postings.deadline = deadline
    try:
        more = len(matching_docs(searcher, compiled.query, live, postings))
    except QueryError:  # too broad to match in time: no suggestion rather than a late one
        return None
    finally:
        postings.deadline = None
    return suggestion if more > found else None


def _respelt(text: str, typed: str, surface: str) -> str:
    """The query with its first occurrence of the word `typed` outside quotes replaced (the
    same word inside a phrase is another part of the query, left as typed)."""
    quoted = _quoted_spans(text)
    for match in re.finditer(rf"(?<!\w){re.escape(typed)}(?!\w)", text):
        if not any(start <= match.start() < end for start, end in quoted):
            return text[:match.start()] + surface + text[match.end():]
    return text


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """Where the query's phrases lie (from their opening to their closing quote), as the query
    language reads them."""
    spans, i = [], 0
    while i < len(text):
        if text[i] not in ql.QUOTES:
            i += 1
            continue
        close = ql.phrase_close(text, i)
        if close < 0:
            break
        spans.append((i, close + 1))
        i = close + 1
    return spans


def _respelling(searcher, typed: str, term: str, seen: int, analyzer, postings: Postings,
                deadline: float | None) -> str | None:
    """The archive's word closest to the typed one, the most frequent among equally close
    ones (`secutité` → `sécurité`, `sydicat` → `syndicat` rather than the more frequent
    `syndical`, one letter further).

    Candidates are indexed terms one edit from the typed word's term (two for long words);
    the written form found in an article must itself be close to what was typed, so that
    `coton` never becomes `colonies` through the shared stem `colon`.
    """
    reader = searcher.reader()
    typed_folded = fold(typed)
    maxdist = 1 if len(term) < 6 else 2
    close = set(close_terms(reader, "body", term, maxdist, deadline, postings))
    # names and acronyms are indexed in capitals (`Bamkao` → `BAMAKO`)
    close.update(close_terms(reader, "body", name_form(typed_folded), maxdist, deadline,
                             postings))
    # A misspelt word escapes the stemmer's suffix rules (`manifestaton` keeps its ending),
    # so stems that begin it are candidates too (`manifest`), the longest two the archive
    # holds tried beside the closest stems: `parl` of `parlament` is five letters from its
    # stem, which six other stems are closer to (`parlaient`).
    begun = [typed_folded[:n] for n in range(len(typed_folded) - 1,
                                             max(4, len(typed_folded) - 5) - 1, -1)]
    close.update(begun)
    frequency = {c: postings.doc_frequency("body", c) for c in close if c != term}
    candidates = sorted((c for c, df in frequency.items() if df > seen),
                        key=lambda c: (distance(c.lower(), term), -frequency[c], c))
    tried = candidates[:SUGGEST_CANDIDATES]
    tried += [c for c in begun if c in frequency and frequency[c] > seen
              and c not in tried][:BEGUN_CANDIDATES]
    best: tuple[int, int, int, str] | None = None
    for rank, candidate in enumerate(tried):
        forms = _surface_forms(searcher, candidate, analyzer)
        # closest to what was typed, then lowercase (not a sentence start), then most frequent
        ranked = sorted(forms, key=lambda f: (distance(fold(f), typed_folded),
                                              f != f.lower(), -forms[f]))
        if not ranked:
            continue
        away = distance(fold(ranked[0]), typed_folded)
        # as close as another: the word more articles hold (`gouvernment` is `gouvernement`,
        # 673 articles of the shared corpus, before `gouvernent`, 5)
        ranking = (away, -frequency[candidate], rank, ranked[0])
        if away <= maxdist and (best is None or ranking < best):
            best = ranking
    return best[3] if best else None


def _surface_forms(searcher, term: str, analyzer) -> dict[str, int]:
    """How the archive writes an indexed term (`securit` → `sécurité`, `Sécurité`), with counts,
    read from the first few articles holding it."""
    docs = wq.Term("body", term).matcher(searcher)
    forms: dict[str, int] = {}
    for _ in range(SURFACE_DOCS):
        if not docs.is_active():
            break
        body = searcher.stored_fields(docs.id()).get("body", "")
        for text, start, end, _joined in span_tokens(analyzer, body):
            if text == term:
                form = body[start:end]
                forms[form] = forms.get(form, 0) + 1
        docs.next()
    return forms
