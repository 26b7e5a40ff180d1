"""Figures about the archive beyond one page of results: the years each facet value covers,
articles per value and year, trends (articles per year, as counts and per 1,000 of that year's
articles) and an organisation's profile (mentions, newspapers, co-mentions, latest articles).

Everything is read off the generation's facet arrays or answered by `search`, so the work of a
request is bounded: one pass over the arrays, or a few searches sharing one time limit.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config import Config
from ..indexing.serving import Generation
from .request import FacetCount, Hit, SearchRequest
from .run import _generation, _state, facet_documents, search

MAX_SERIES = 4  # a trend compares at most this many organisations or queries
YEAR_SPAN = 10_000  # years are below this: (ordinal, year) is ordinal * YEAR_SPAN + year


def _years_of_docs(store, docs: np.ndarray) -> np.ndarray:
    """Each document's publication year (0 when undated), estimated dates included."""
    return (np.frombuffer(store.date_keys, dtype=np.uint32)[docs] // 10_000).astype(np.int64)


def year_spans(source: Generation | str | Path, facet: str,
               config: Config) -> dict[str, tuple[int, int]]:
    """The first and last year of the dated articles of each value of a facet (whole archive);
    computed once per generation (a browse page asks on every visit)."""
    generation = _generation(source)
    state = _state(generation, config)
    return state.kept(("year_spans", facet), lambda: _year_spans(generation, facet, state))


def _year_spans(generation: Generation, facet: str, state) -> dict[str, tuple[int, int]]:
    store = generation.facets
    docs = state.live_docs
    values = store.values(facet)
    first = np.full(len(values), 10_000, dtype=np.int64)
    last = np.zeros(len(values), dtype=np.int64)
    years = _years_of_docs(store, docs)
    for ords, year in _pairs(store, facet, docs, years, state.live_mask):
        np.minimum.at(first, ords, year)
        np.maximum.at(last, ords, year)
    return {values[o]: (int(first[o]), int(last[o])) for o in np.flatnonzero(last)}


def per_year(source: Generation | str | Path, facet: str,
             config: Config) -> dict[str, dict[int, int]]:
    """Articles of each value of a facet per year (dated articles of the whole archive);
    computed once per generation (the about page asks on every visit)."""
    generation = _generation(source)
    state = _state(generation, config)
    return state.kept(("per_year", facet), lambda: _per_year(generation, facet, state))


def _per_year(generation: Generation, facet: str, state) -> dict[str, dict[int, int]]:
    store = generation.facets
    docs = state.live_docs
    values = store.values(facet)
    years = _years_of_docs(store, docs)
    table: dict[str, dict[int, int]] = {}
    for ords, year in _pairs(store, facet, docs, years, state.live_mask):
        for (o, y), n in _counted(ords, year):
            row = table.setdefault(values[o], {})
            row[y] = row.get(y, 0) + n
    return table


def _counted(ords: np.ndarray, years: np.ndarray) -> list[tuple[tuple[int, int], int]]:
    """(ordinal, year) pairs with how often each occurs."""
    if not len(ords):
        return []
    # one number per pair, counted in one sort (pairs as columns of a 2-D unique took 0.9 s
    # at a million articles, this 0.07 s)
    keys, counts = np.unique(ords * YEAR_SPAN + years, return_counts=True)
    return [((int(k) // YEAR_SPAN, int(k) % YEAR_SPAN), int(n))
            for k, n in zip(keys.tolist(), counts.tolist(), strict=True)]


def _pairs(store, facet: str, docs: np.ndarray, years: np.ndarray, live: np.ndarray):
    """(ordinals, years) of the dated documents carrying a value, layer by layer (`docs` are
    live; `live` is the generation's mask of live documents, for the rare extra values)."""
    grid = store.grid(facet)[:, docs]
    empty = store.empty(facet)
    for layer in grid:
        keep = (layer != empty) & (years > 0)
        yield layer[keep].astype(np.int64), years[keep]
    for docnum, ords in store.extra(facet).items():
        year = int(store.date_keys[docnum]) // 10_000
        if year and live[docnum]:
            yield np.array(ords, dtype=np.int64), np.full(len(ords), year, dtype=np.int64)


# --- trends -----------------------------------------------------------------------------------


@dataclass
class Series:
    """One line of a trend: what was searched, and its articles per year."""

    label: str
    request: SearchRequest
    counts: list[int] = field(default_factory=list)
    per_mille: list[float] = field(default_factory=list)  # of each year's articles
    total: int = 0
    partial: bool = False


@dataclass
class Trend:
    """Articles per year of up to MAX_SERIES searches, on the archive's years."""

    years: list[int]
    totals: list[int]  # the archive's articles of each year
    series: list[Series]


def trend(source: Generation | str | Path, series: list[tuple[str, SearchRequest]],
          config: Config, *, deadline: float | None = None) -> Trend:
    """Articles per year of each search, and their share of each year's articles (per 1,000,
    so that a year with few articles in the archive does not look like a drop); its searches
    share one time limit (or `deadline`), as one page."""
    if len(series) > MAX_SERIES:
        raise ValueError(f"at most {MAX_SERIES} series")
    # five searches of one page, each with its own limit, made a page of 15 s of CPU
    deadline = (time.perf_counter() + config.limits.search_time_limit
                if deadline is None else deadline)
    generation = _generation(source)
    # the series never show a suggestion: none is looked for (31 typos in each of four series
    # spent 2.2 s of CPU respelling them at a million articles)
    everything = search(generation, SearchRequest(page_size=1, facet_limit=1), config,
                        deadline=deadline, respell=False)
    by_year = dict(everything.histogram)
    years = list(range(min(by_year), max(by_year) + 1)) if by_year else []
    totals = [by_year.get(y, 0) for y in years]
    out = []
    for label, request in series:
        result = search(generation, dataclasses.replace(
            request, sort="newest", page=1, page_size=1, facet_limit=1), config,
            deadline=deadline, respell=False)
        found = dict(result.histogram)
        counts = [found.get(y, 0) for y in years]
        shares = [round(1000 * c / t, 1) if t else 0.0 for c, t in zip(counts, totals,
                                                                       strict=True)]
        out.append(Series(label, request, counts, shares, result.total, result.partial))
    return Trend(years, totals, out)


def co_mentions(source: Generation | str | Path, facet: str, value: str,
                config: Config) -> list[FacetCount]:
    """The other values of a facet in the articles carrying this one, most frequent first
    (the organisations cited with an organisation)."""
    generation = _generation(source)
    store = generation.facets
    values = store.values(facet)
    try:
        wanted = values.index(value)
    except ValueError:
        return []
    docs = facet_documents(generation, facet, value, config)
    counts = store.count(facet, docs)
    counts.pop(wanted, None)
    return [FacetCount(values[o], n) for o, n in
            sorted(counts.items(), key=lambda item: (-item[1], values[item[0]].casefold()))]


# --- an organisation's profile --------------------------------------------------------------------


@dataclass
class Profile:
    """What the archive says of one organisation."""

    name: str
    total: int
    first: Hit | None  # its first dated mention
    latest: list[Hit]
    newspapers: list[FacetCount]
    co_mentions: list[FacetCount]  # organisations cited in the same articles, most first
    trend: Trend


def organisation_profile(source: Generation | str | Path, name: str, config: Config,
                         latest: int = 5, top: int = 10) -> Profile:
    """An organisation's mentions: count, first and latest articles, the newspapers citing it
    most, the organisations most often cited with it, and its trend."""
    generation = _generation(source)
    deadline = time.perf_counter() + config.limits.search_time_limit
    filters = {"organisation": (name,)}
    newest = search(generation, SearchRequest(filters=filters, sort="newest", page_size=latest,
                                              facet_limit=top + 1), config, deadline=deadline,
                    respell=False)
    oldest = search(generation, SearchRequest(filters=filters, sort="oldest", page_size=1,
                                              facet_limit=1), config, deadline=deadline,
                    respell=False)
    first = oldest.hits[0] if oldest.hits and oldest.hits[0].date else None
    others = co_mentions(generation, "organisation", name, config)[:top]
    return Profile(name=name, total=newest.total, first=first, latest=newest.hits,
                   newspapers=newest.facets.get("publisher", [])[:top], co_mentions=others,
                   trend=trend(generation, [(name, SearchRequest(filters=filters))], config,
                               deadline=deadline))
