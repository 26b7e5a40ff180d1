"""Search: the one entry point every search of the archive goes through.

`search(generation_or_index_dir, SearchRequest, config) -> SearchResult` guards the request,
parses the French query language (`querylang`), builds Whoosh queries (`querybuild`), takes all
matching document numbers once (set operations over postings blocks), then filters, counts
facets and the year histogram with the generation's facet arrays (never Whoosh's `groupedby`),
ranks a page of hits (`ranking`), cuts snippets (`snippets`) and, when little is found, offers
a respelling (`suggest`). Results are plain dataclasses: templates and the CLI never see a
Whoosh object.
"""

from __future__ import annotations

import dataclasses
import heapq
import threading
import time
from collections import OrderedDict, defaultdict
from pathlib import Path

import numpy as np
from whoosh import classify
from whoosh import query as wq

from ..config import Config
from ..engine.bm25 import top_documents
from ..engine.collectors import TimeLimit
from ..engine.docnums import live_mask
from ..engine.postings import Lengths, Postings, TermCache
from ..errors import NotFound, QueryError
from ..facets import Facet, registry
from ..indexing import keyterms
from ..indexing.schema import stored_article as article_of
from ..indexing.schema import stored_values
from ..indexing.serving import Generation, open_current
from ..models import Article
from ..organisations import authority_at
from ..publishers import publishers_at
from ..textnorm import fold
from . import querylang as ql
from .docsets import keep, mask, matching_docs, minus, union
from .querybuild import Builder, Marks, analyzer_groups
from .ranking import positive_terms, together
from .request import (
    FacetCount,
    Hit,
    SearchRequest,
    SearchResult,
    check_request,
    date_bound,
)
from .snippets import bodies_holding, snippet_html, title_html
from .suggest import suggest

SUGGEST_BELOW = 3  # "did you mean" is offered when a query finds fewer hits than this
DATE_ORDER_WALK = 20  # results beyond this many pages are read off the precomputed date order
TERM_CACHE_POSTINGS = 8_000_000  # decoded postings kept per generation (about 64 MB)
TERM_CACHE_PER_DOC = 16  # ... or this many per document of a larger archive (128 MB at 1M)
RELATED_TERMS = 12  # key terms of an article that find its related articles
# The key terms kept read at most this many postings in all, the rarer terms first: it never
# binds below about 8k articles; at a million, a word held by much of the archive (hundreds of
# thousands of postings, seconds to decode) says little about what an article is about.
# Measured at 1M (bench_article.py): first view p50 2,745 ms with no bound, 43 ms with this one
# (47 of 60 articles keep related articles; 58 with 200,000 postings, at 107 ms).
RELATED_POSTINGS = 100_000
RELATED_KEPT = 4096  # articles whose related articles a generation keeps (about 1 MB)
# Lexicon figures of body terms kept per generation for weighing key terms (about 100 bytes
# each): the key terms of the articles viewed repeat, and each lookup reads the term tables
# of every segment (Whoosh's Expander asked three per term, half the page's CPU).
RELATED_TERM_STATS = 200_000


# --- per-generation state -------------------------------------------------------------------------


class _State:
    """What one generation needs for every search, computed once: analyzer, ids, browse counts.

    Nothing here walks the archive document by document: opening stays cheap at a million
    articles, and what only some searches need (browse counts, date orders) comes on first use.
    """

    def __init__(self, generation: Generation, config: Config) -> None:
        schema = generation.index.schema
        self.analyzer = schema["body"].analyzer
        self.analyze = analyzer_groups(self.analyzer)
        self.authority = authority_at(config.authority_file, last_good=True)
        self.publishers = publishers_at(config.publishers_file, last_good=True)
        with generation.index.reader() as reader:
            self.live_mask = live_mask(reader)  # deleted documents are False
        self.live_docs = np.flatnonzero(self.live_mask)
        self.lengths = Lengths()
        self.term_cache = TermCache(term_cache_budget(len(self.live_mask)))
        self._store = generation.facets
        self._browse: dict[str, object] = {}
        self._orders: dict[tuple[bool, bool], np.ndarray] = {}
        self._keys = {True: np.asarray(generation.facets.date_keys)}
        self._lock = threading.Lock()
        # article id -> its related articles' (docnum, score): a generation never changes
        self.related: OrderedDict[tuple[str, int], list[tuple[int, float]]] = OrderedDict()
        # body term -> (collection frequency, document frequency), or None when not indexed
        self.term_stats: dict[str, tuple[int, int] | None] = {}
        self._kept: dict[tuple, object] = {}

    def kept(self, key: tuple, compute):
        """What `compute()` answers for this generation, computed on first use (a whole-archive
        figure such as each author's years: the generation never changes); not to be changed."""
        found = self._kept.get(key)
        if found is None:
            found = compute()
            with self._lock:
                self._kept[key] = found
        return found

    def remember_related(self, key: tuple[str, int], found: list[tuple[int, float]]) -> None:
        """Keep an article's related articles, the least recently asked out past RELATED_KEPT."""
        with self._lock:
            self.related[key] = found
            self.related.move_to_end(key)
            while len(self.related) > RELATED_KEPT:
                self.related.popitem(last=False)

    def related_of(self, key: tuple[str, int]) -> list[tuple[int, float]] | None:
        """An article's related articles found before in this generation, or None."""
        with self._lock:
            found = self.related.get(key)
            if found is not None:
                self.related.move_to_end(key)
            return found

    @property
    def browse_counts(self) -> dict[str, object]:
        """Each facet's counts over the whole archive (browsing), counted on first use."""
        if len(self._browse) != len(self._store.facets()):
            with self._lock:
                for facet in self._store.facets():
                    if facet not in self._browse:
                        self._browse[facet] = self._store.count(facet, self.live_docs)
        return self._browse

    def date_keys(self, store, estimated: bool) -> np.ndarray:
        """Each document's date key; without estimates, an estimated date counts as none."""
        if estimated not in self._keys:
            keys = np.array(store.date_keys, dtype=np.uint32)
            keys[store.estimated_mask] = 0
            self._keys[estimated] = keys
        return self._keys[estimated]

    def date_order(self, keys: np.ndarray, newest: bool, estimated: bool = True) -> np.ndarray:
        """Every live document, newest (or oldest) first, undated last; sorted once."""
        if (newest, estimated) not in self._orders:
            self._orders[(newest, estimated)] = self.live_docs[
                stable_date_order(keys[self.live_docs], newest)]
        return self._orders[(newest, estimated)]


def term_cache_budget(doc_count: int) -> int:
    """Decoded postings a generation's term cache keeps: TERM_CACHE_POSTINGS, or more for a
    large archive, whose frequent words each hold more postings (a cache sized for 100k
    articles holds a handful of a million-article archive's frequent words, and every search
    then decodes its words again)."""
    return max(TERM_CACHE_POSTINGS, TERM_CACHE_PER_DOC * doc_count)


def stable_date_order(keys: np.ndarray, newest: bool) -> np.ndarray:
    """The order (indices into `keys`, YYYYMMDD or 0 when undated) by date, newest or oldest
    first, undated last, ties in their given order: two stable sorts of 16-bit halves, which
    NumPy sorts by radix (at a million articles 25 to 35 ms, against 95 to 205 ms sorting the
    whole keys, the cost of a generation's first search by date in each worker)."""
    keys = keys.astype(np.uint32)
    top = np.uint32(0xFFFFFFFF)
    primary = top - keys if newest else np.where(keys == 0, top, keys)
    by_low = np.argsort((primary & 0xFFFF).astype(np.uint16), kind="stable")
    return by_low[np.argsort((primary[by_low] >> 16).astype(np.uint16), kind="stable")]


def _state(generation: Generation, config: Config) -> _State:
    # Kept by the generation itself: once a reindex replaced it and its last request ended, its
    # caches and mapped files go with it. Kept here by path, every worker carried the replaced
    # generation's until the next reindex: at a million articles, workers ended the load bench
    # at 1.5-1.6 GB each (past the 1.5 GB a worker may use), against 1.1 GB now.
    return generation.derived(("search", str(config.authority_file)),
                              lambda: _State(generation, config))


def _generation(source: Generation | str | Path) -> Generation:
    return source if isinstance(source, Generation) else open_current(Path(source))


# --- search ---------------------------------------------------------------------------------------


def search(source: Generation | str | Path, request: SearchRequest, config: Config, *,
           deadline: float | None = None, respell: bool = True) -> SearchResult:
    """Answer one search: a page of hits, disjunctive facet counts, year histogram, suggestion;
    `deadline` (a time.perf_counter() value) shares one time limit among a page's searches,
    and without `respell` no suggestion is looked for (a page that would not show it)."""
    started = time.perf_counter()
    limits = config.limits
    # a page of several searches (a trend's series) has one time limit, not one per search
    until = started + limits.search_time_limit
    until = until if deadline is None else min(until, deadline)
    page, size, facet_limit = check_request(request, limits)
    lo, hi = date_bound(request.date_from, False), date_bound(request.date_to, True)
    node = ql.parse_query(request.query, limits)
    generation = _generation(source)
    state = _state(generation, config)
    store = generation.facets
    registered = registry()
    with generation.searcher() as searcher:
        compiled = None
        postings = Postings(searcher, state.term_cache)
        if node is not None:
            builder = Builder(state.analyze, state.authority, searcher.reader(),
                              limits.query_min_prefix, limits.query_max_expansions,
                              values=lambda facet, text: _spellings(
                                  store, facet, (_canonical_value(state, store, facet, text),)),
                              max_expanded_words=limits.query_max_expanded_words,
                              deadline=until,
                              max_expanded_postings=limits.query_max_expanded_postings,
                              postings=postings, estimated=request.estimated)
            compiled = builder.compile(node)
        # Matching must finish within the time limit (ranking past it is merely cut short).
        postings.deadline = until
        # document numbers as sorted NumPy arrays: set operations, counts and ranking run in C
        matched = (state.live_docs if compiled is None
                   else matching_docs(searcher, compiled.query, state.live_mask, postings))
        postings.deadline = None
        keys = state.date_keys(store, request.estimated)
        if lo is not None or hi is not None:
            within = keys[matched]
            matched = matched[(within >= (lo or 1)) & (within <= (hi or 99_999_999))]
        chosen = {f: tuple(dict.fromkeys(_canonical_value(state, store, registered[f], v)
                                         for v in vals))
                  for f, vals in request.filters.items() if vals}

        def widened(facet: str, values: tuple[str, ...]) -> tuple[str, ...]:
            if request.lineage and state.authority is not None and registered[facet].authority:
                return _with_lineage(state.authority, values)
            return values

        selections = {f: widened(f, vals) for f, vals in chosen.items()}
        size_all = len(state.live_mask)
        filter_sets = {f: _filter_set(searcher, postings, registered[f],
                                      _spellings(store, registered[f], vals), size_all)
                       for f, vals in selections.items() if f not in request.together}
        for f in request.together:
            # each ticked value (or one of its lineage, when asked) must be carried
            each = [_filter_set(searcher, postings, registered[f],
                                _spellings(store, registered[f], widened(f, (value,))), size_all)
                    for value in chosen.get(f, ())]
            if each:
                filter_sets[f] = keep(each[0], each[1:], size_all)
        if not request.estimated:
            # a year filter, like a date range, keeps only dates the sources state
            filter_sets = {f: _stated(docs, store) if registered[f].kind == "year" else docs
                           for f, docs in filter_sets.items()}
        final = keep(matched, filter_sets.values(), size_all)
        plain_browse = compiled is None and not filter_sets and lo is None and hi is None

        facets, raw = {}, {}
        counted_over: dict[int, tuple[np.ndarray, list[str]]] = {}
        for facet in registered.names():
            stated_only = not request.estimated and registered[facet].kind == "year"
            if plain_browse and not stated_only:
                raw[facet] = state.browse_counts[facet]
                continue
            # (values that must all be carried: one more narrows these results further)
            others = [s for f, s in filter_sets.items()
                      if f != facet or facet in request.together]
            docs = (final if len(others) == len(filter_sets)
                    else keep(matched, others, size_all))
            docs = _stated(docs, store) if stated_only else docs
            # the facets counted over the same documents are counted together (one complement)
            counted_over.setdefault(id(docs), (docs, []))[1].append(facet)
        for docs, names in counted_over.values():
            raw.update(store.count_many(names, docs))
        for facet in registered.names():
            facets[facet] = _facet_counts(store.values(facet), raw[facet],
                                          selections.get(facet, ()), facet_limit)
        # The histogram honours every filter, the year facet ignores its own selection.
        histogram = []
        if registered.year is not None:
            year = registered.year.name
            year_counts = (store.count(year, final if request.estimated else _stated(final, store))
                           if year in filter_sets else raw[year])
            years = store.values(year)
            histogram = sorted((int(years[o]), c) for o, c in year_counts.items())

        # Words rank; a query of NOT and year ranges alone holds none: newest first, as browsing
        terms = positive_terms(compiled.query) if compiled is not None else None
        sort = request.sort if terms else (
            "newest" if request.sort == "relevance" else request.sort)
        window = page * size
        partial = False
        if sort == "relevance":
            remaining = until - time.perf_counter()
            # the engine scores every candidate: words standing together rank them all
            adjust = together(postings, len(state.live_mask), compiled.proximity,
                              compiled.expressions, deadline=until)
            ranked, partial = _ranked(searcher, terms, final, window, remaining,
                                      state.lengths, postings, adjust)
            if not partial and len(ranked) < min(window, len(final)):
                # matched by another side of an OR (a year, a NOT), holding no word that
                # ranks: after those that hold one, newest first
                held = np.array([doc for doc, _score in ranked], dtype=np.intp)
                ranked += _by_date(minus(final, held, size_all), state, keys,
                                   window - len(ranked), newest=True,
                                   estimated=request.estimated)
        else:
            ranked = _by_date(final, state, keys, window, newest=sort == "newest",
                              estimated=request.estimated)
        marks = compiled.marks if compiled is not None else None
        shown = ranked[(page - 1) * size : window]
        # a hit matched in its title alone shows its opening: known from the index, not from
        # reading the body for the query's words (a phrase's title-only hits, at 10k articles,
        # cost more than the others' snippets)
        holding = (bodies_holding(postings, marks, [docnum for docnum, _ in shown])
                   if marks and time.perf_counter() < until else None)
        # Past the time limit a hit shows its article's opening, not a passage chosen for the
        # query: an export's 10,000 rows of ORed phrases took 10-14 s of CPU choosing theirs.
        hits = [_hit(searcher, docnum, score, state.analyzer,
                     marks if time.perf_counter() < until else None,
                     body_marked=holding is None or docnum in holding)
                for docnum, score in shown]
        suggestion = None
        # a respelling reads the lexicon again: only while the time limit allows
        if (respell and node is not None and len(final) < SUGGEST_BELOW
                and time.perf_counter() < until):
            suggestion = suggest(searcher, request.query, node, state.analyzer, state.authority,
                                 limits, len(final), state.live_mask, postings, until)
    total = len(final)
    return SearchResult(
        hits=hits, total=total, page=page, page_size=size, pages=-(-total // size),
        facets=facets, histogram=histogram, suggestion=suggestion, partial=partial,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 2), sort=sort,
        rankable=bool(terms), estimated=request.estimated)


def _stated(docs: np.ndarray, store) -> np.ndarray:
    """These documents without those whose date is an estimate."""
    return docs[~store.estimated_mask[docs]]


def _canonical_value(state: _State, store, facet: Facet, value: str) -> str:
    """An organisation filter may name it by acronym or alias (`--org UE`); a section by any
    spelling (`section=societe` is the facet's `Société`)."""
    value = value.strip()
    if facet.authority and state.authority is not None:
        return state.authority.canonical(value) or value
    if facet.names_from == "publishers" and state.publishers is not None:
        entry = state.publishers.find(value)
        if entry is not None:  # an alias or a host of a newspaper: its name
            return store.shown(facet.name, entry.name)
    if facet.folded:
        return store.shown(facet.name, value)
    return value


def _with_lineage(authority, values: tuple[str, ...]) -> tuple[str, ...]:
    """Each organisation with its predecessors and successors (`SearchRequest.lineage`)."""
    return tuple(dict.fromkeys(name for value in values
                               for name in (authority.lineage(value) or (value,))))


def _spellings(store, facet: Facet, values: tuple[str, ...]) -> tuple[str, ...]:
    """The values a filter looks for in the index: every spelling of a folded facet's value."""
    if not facet.folded:
        return values
    return tuple(dict.fromkeys(s for v in values for s in store.spellings(facet.name, v)))


def _filter_set(searcher, postings: Postings, facet: Facet, values: tuple[str, ...],
                size: int) -> np.ndarray:
    """Documents carrying any of the selected values of one facet (values of a facet are ORed),
    sorted, deleted ones included."""
    if facet.kind == "year":
        # a year's own term (Whoosh encodes the number, as NumericRange(y, y) does): its
        # postings as arrays, kept in the term cache, rather than walked a document at a time
        values = tuple(str(int(v)) for v in values)
    parts = [postings.arrays(facet.field, value)[0] for value in values]
    return union(parts, size)


def _facet_counts(values: list[str], counts, selected: tuple[str, ...],
                  limit: int) -> list[FacetCount]:
    """Top values first (count, then value); ticked values always listed so they can be unticked."""
    items = counts.items()
    if len(counts) > limit:
        # only values counted at least as often as the limit-th can be shown: the thousands
        # of an author facet are not each given a sort key
        floor = heapq.nlargest(limit, counts.values())[-1]
        items = [(o, c) for o, c in items if c >= floor]
    top = heapq.nsmallest(limit, items, key=lambda item: (-item[1], values[item[0]]))
    out = [FacetCount(values[o], c, values[o] in selected) for o, c in top]
    shown = {fc.value for fc in out}
    by_value = {values[o]: c for o, c in counts.items()} if selected else {}
    out += [FacetCount(v, by_value.get(v, 0), True) for v in selected if v not in shown]
    return out


def _ranked(searcher, terms: list[wq.Term], final: np.ndarray, window: int, time_limit: float,
            lengths: Lengths, postings: Postings,
            adjust=None) -> tuple[list[tuple[int, float | None]], bool]:
    """The best `window` documents of `final` holding the terms, by relevance, within the time
    left (partial when cut); `adjust` (words standing together) ranks every candidate.

    With no time left at all, the first matching documents come back unranked, flagged partial.
    """
    if time_limit <= 0:
        return [(d, None) for d in final[:window].tolist()], True
    deadline = time.perf_counter() + time_limit
    try:
        found = top_documents(searcher, terms, final, window, lengths, deadline, postings,
                              adjust)
        return _rounded(found), False
    except TimeLimit as cut:
        return _rounded(cut.args[0]) if cut.args else [], True


def _rounded(ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Scores as results show them (four decimals), order kept."""
    return [(doc, round(score, 4)) for doc, score in ranked]


def _by_date(docs: np.ndarray, state: _State, keys: np.ndarray, window: int,
             newest: bool, estimated: bool = True) -> list[tuple[int, None]]:
    """Newest or oldest first by the date arrays; undated articles come last either way.

    A large result set is read off the archive's precomputed date order; a small one sorted
    (`docs` ascend, so ties stay by document number)."""
    if len(docs) > window * DATE_ORDER_WALK:
        order = state.date_order(keys, newest, estimated)
        if len(docs) == len(state.live_docs):
            top = order[:window].tolist()
        else:
            top = _first_in_order(order, mask(docs, len(state.live_mask)), len(docs),
                                  window).tolist()
    else:
        top = docs[stable_date_order(keys[docs], newest)[:window]].tolist()
    return [(d, None) for d in top]


def _first_in_order(order: np.ndarray, wanted: np.ndarray, count: int,
                    window: int) -> np.ndarray:
    """The first `window` documents of `order` that are `wanted` (`count` of them in all),
    walking the order a stretch at a time: a result of m among n documents finds its window
    in about window * n / m of them, not all n (2 ms a search at a million articles)."""
    start, found = 0, []
    step = max(4096, 2 * window * len(order) // max(count, 1))
    while start < len(order):
        stretch = order[start:start + step]
        found.append(stretch[wanted[stretch]])
        if sum(map(len, found)) >= window:
            break
        start += step
        step *= 2
    return np.concatenate(found)[:window] if found else order[:0]


def _hit(searcher, docnum: int, score: float | None, analyzer, marks: Marks | None,
         snippet: bool = True, body_marked: bool = True) -> Hit:
    stored = searcher.stored_fields(docnum)
    values: dict[str, object] = {
        "id": stored["id"], "title": stored.get("title", ""), "date": stored.get("date"),
        "snippet_html": snippet_html(stored.get("body", ""), analyzer,
                                     marks if body_marked else None) if snippet else "",
        "score": score,
        "title_html": title_html(stored.get("title", ""), analyzer, marks) if marks else "",
        "url": stored.get("url"), "publisher": stored.get("publisher"),
        "language": stored.get("language"), "date_source": stored.get("date_source")}
    # A Hit names each facet's values as records do (`authors`), not as the index does.
    for facet in registry():
        if facet.record_key is not None:
            value = stored.get(facet.field)
            values[facet.record_key] = _as_list(value) if facet.multi else value
    return Hit(**values)


def _as_list(value: object) -> list[str]:
    return list(stored_values(value))


# --- facet values on demand -----------------------------------------------------------------------


def facet_values(source: Generation | str | Path, request: SearchRequest, facet: str,
                 config: Config, contains: str = "") -> list[FacetCount]:
    """Every value of one facet over the current results (or those containing `contains`,
    accents and case ignored), for the "all authors / organisations" lists."""
    names = registry().names()
    if facet not in names:
        raise QueryError("unknown_facet", facet=facet, facets=", ".join(names))
    if len(contains) > config.limits.query_max_length:
        raise QueryError("facet_search_too_long", facet=facet)
    unbounded = dataclasses.replace(request, sort="newest", page=1, page_size=1, facet_limit=0)
    values = search(source, unbounded, config, respell=False).facets[facet]
    needle = fold(contains.strip())
    if needle:
        names = (_authority_names(_state(_generation(source), config).authority)
                 if registry()[facet].authority else {})
        values = [v for v in values
                  if any(needle in fold(n) for n in names.get(v.value, (v.value,)))]
    return values


def _authority_names(authority) -> dict[str, tuple[str, ...]]:
    """Every name of each authority entry (name, acronym, aliases), by canonical name: a list
    filtered by `UNTM`, `cedeao` or `ecowas` finds its organisation."""
    if authority is None:
        return {}
    return {entry.name: entry.forms for entry in authority.entries}


# --- related articles -----------------------------------------------------------------------------


def related(source: Generation | str | Path, article_id: str, config: Config,
            limit: int = 5, snippets: bool = True) -> list[Hit]:
    """Articles like this one (its key terms, stored at index time), in the same language,
    best first; the article's text is never read, so a long article costs what a short one
    does. Without `snippets`, the hits' snippets are left empty (a list of titles)."""
    generation = _generation(source)
    state = _state(generation, config)
    with generation.searcher() as searcher:
        known = state.related_of((article_id, limit))
        if known is not None:  # the same article in the same generation: the same neighbours
            return [_hit(searcher, d, score, state.analyzer, None, snippets)
                    for d, score in known]
        docnum = _article_number(searcher, state, article_id)
        if docnum is None:
            raise NotFound(f"no article with id '{article_id}'")
        # Whoosh's more_like weighing (Bo1 against the whole generation) of the terms the
        # indexer kept, with our ranking (its OR would score every article holding any of them)
        reader = searcher.reader()
        key_terms = _affordable(_expanded_terms(state, reader, keyterms.key_terms(reader, docnum),
                                                RELATED_TERMS))
        terms = [wq.Term("body", word, boost=weight) for word, weight in key_terms]
        postings = Postings(searcher, state.term_cache)
        # the article's language from the postings of the few languages, not its stored fields
        # (which would unpickle its text)
        # (sorted arrays, searched in C: no set of the archive's size per article page)
        languages = state.kept(("languages",), lambda: tuple(
            value.decode() for value in reader.lexicon("language")))  # 0.35 ms a page to list
        language = next((docs for docs in (postings.arrays("language", value)[0]
                                           for value in languages)
                         if _holds(docs, docnum)), np.zeros(0, dtype=np.intp))
        allowed = language[state.live_mask[language] & (language != docnum)]
        try:
            best = _rounded(top_documents(searcher, terms, allowed, limit, state.lengths,
                                          time.perf_counter() + config.limits.search_time_limit,
                                          postings))
            state.remember_related((article_id, limit), best)
        except TimeLimit as cut:  # the best found in time (not kept: another try may do better)
            best = _rounded(cut.args[0]) if cut.args else []
        return [_hit(searcher, d, score, state.analyzer, None, snippets) for d, score in best]


def stored_article(source: Generation | str | Path, article_id: str,
                   config: Config) -> Article | None:
    """The article with this id as the generation stored it, or None."""
    generation = _generation(source)
    state = _state(generation, config)
    with generation.searcher() as searcher:
        docnum = _article_number(searcher, state, article_id)
        return article_of(searcher.stored_fields(docnum)) if docnum is not None else None


def facet_documents(source: Generation | str | Path, facet: str, value: str,
                    config: Config) -> np.ndarray:
    """The live documents carrying one value of a facet (any spelling of a folded facet's),
    sorted: its postings, as a filter reads them, rather than a pass over every document's
    values (28 ms a call at a million articles)."""
    generation = _generation(source)
    state = _state(generation, config)
    spec = registry()[facet]
    with generation.searcher() as searcher:
        docs = _filter_set(searcher, Postings(searcher, state.term_cache), spec,
                           _spellings(generation.facets, spec, (value,)), len(state.live_mask))
    return docs[state.live_mask[docs]]


def _article_number(searcher, state: _State, article_id: str) -> int | None:
    """The live document holding this article id, or None: its postings in the id field (a
    term looked up in the sidecar), where Whoosh's `document(id=…)` runs a query through its
    matchers (0.6 ms, a tenth of an article page)."""
    docs, _weights = Postings(searcher, state.term_cache).arrays("id", article_id, keep=False)
    live = docs[state.live_mask[docs]]
    return int(live[0]) if len(live) else None


def related_kept(source: Generation | str | Path, article_id: str, config: Config,
                 limit: int = 5) -> bool:
    """Whether this article's related articles are found and kept in this generation (not cut
    short by the time limit): the same every time they are asked."""
    return _state(_generation(source), config).related_of((article_id, limit)) is not None


def _term_stats(state: _State, reader, word: str) -> tuple[int, int] | None:
    """A body term's collection and document frequencies (None when no article holds it),
    looked up once per generation."""
    stats = state.term_stats
    if word in stats:
        return stats[word]
    btext = word.encode("utf-8")
    found = ((reader.frequency("body", btext), reader.doc_frequency("body", btext))
             if ("body", btext) in reader else None)
    if len(stats) >= RELATED_TERM_STATS:
        stats.clear()
    stats[word] = found
    return found


def _expanded_terms(state: _State, reader, vector: list[tuple[str, float]],
                    number: int) -> list[tuple[str, float, int]]:
    """Whoosh's `classify.Expander(reader, "body")`, `add(vector)`, `expanded_terms(number)`
    (Bo1 weighing against the generation, the same operations in the same order), with each
    term's frequencies from `_term_stats`: (term, weight, document frequency), best first."""
    top_weight: dict[str, float] = defaultdict(float)
    total = 0
    for word, weight in vector:
        total += weight
        top_weight[word] += weight
    if not top_weight:
        return []
    model = state.kept(("bo1",), lambda: classify.Bo1Model(reader.doc_count_all(),
                                                           reader.field_length("body")))
    scored, best, frequency = [], 0, {}
    for word, weight in top_weight.items():
        stats = _term_stats(state, reader, word)
        if stats is not None:
            score = model.score(weight, stats[0], total)
            best = max(best, score)
            scored.append((score, word))
            frequency[word] = stats[1]
    norm = model.normalizer(best, total)
    ranked = sorted(((score / norm, word) for score, word in scored),
                    key=lambda item: (0 - item[0], item[1]))
    return [(word, weight, frequency[word]) for weight, word in ranked[:number]]


def _affordable(key_terms: list[tuple[str, float, int]]) -> list[tuple[str, float]]:
    """The key terms related articles are found with: the rarer first, RELATED_POSTINGS
    postings at most in all."""
    kept, budget = [], RELATED_POSTINGS
    for frequency, word, weight in sorted((frequency, word, weight)
                                          for word, weight, frequency in key_terms):
        if frequency > budget:
            break
        kept.append((word, weight))
        budget -= frequency
    return kept


def _holds(docs: np.ndarray, docnum: int) -> bool:
    """Whether sorted document numbers hold this one."""
    at = int(np.searchsorted(docs, docnum))
    return at < len(docs) and int(docs[at]) == docnum
