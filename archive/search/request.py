"""What a search asks and what it answers: the request, its checks, the result dataclasses."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..config import Limits
from ..dates import parse_date
from ..errors import QueryError
from ..facets import registry
from ..models import ESTIMATED
from ..textnorm import has_lone_surrogate

SORTS = ("relevance", "newest", "oldest")
MAX_FILTER_VALUE = 300  # characters in one filter value


@dataclass(frozen=True)


class SearchRequest:
    """What a person asked for; every field is validated against the named limits."""

    query: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "relevance"
    page: int = 1
    page_size: int | None = None
    facet_limit: int | None = None
    # False leaves estimated dates (`date_source: text`) out of the year facet, the histogram,
    # year and date filters and the date order: such articles count as undated
    estimated: bool = True
    # True widens an organisation filter to the organisation's lineage in the authority file:
    # its predecessors and successors (OUA with Union africaine), asked for, never silently
    lineage: bool = False
    # Facets whose ticked values an article must all carry (articles filed under both UNTM and
    # the CSTM), where values of one facet otherwise combine with OR: facets of several values
    # an article (authors, organisations)
    together: tuple[str, ...] = ()


@dataclass


class Hit:
    """One article of a result page."""

    id: str
    title: str
    date: str | None
    section: str | None
    authors: list[str]
    organisations: list[str]
    snippet_html: str
    score: float | None
    url: str | None = None
    publisher: str | None = None
    language: str | None = None
    date_source: str | None = None
    # the title, HTML-safe, its matched words in <mark> (empty: show `title` as it is)
    title_html: str = ""
    # the newspaper facet's name for `publisher` (`www.tdg.ch` is `Tribune de Genève`), set by
    # the site for the API and the exports; None where not looked up
    newspaper: str | None = None

    @property
    def date_estimated(self) -> bool:
        """Whether the date is an estimate from the text (`models.ESTIMATED`)."""
        return bool(self.date) and self.date_source == ESTIMATED


@dataclass


class FacetCount:
    """One value of a facet, its count over the current results, and whether it is ticked."""

    value: str
    count: int
    selected: bool = False


@dataclass


class SearchResult:
    """A page of hits with facet counts, the year histogram and how the search went."""

    hits: list[Hit]
    total: int
    page: int
    page_size: int
    pages: int
    facets: dict[str, list[FacetCount]]
    histogram: list[tuple[int, int]]
    suggestion: str | None = None
    partial: bool = False
    elapsed_ms: float = 0.0
    sort: str = "relevance"
    # relevance can order these results: the query holds words (not browsing, not NOT or
    # years alone)
    rankable: bool = True
    estimated: bool = True  # whether estimated dates were counted (SearchRequest.estimated)


# --- request checks -------------------------------------------------------------------------------


def check_request(request: SearchRequest, limits: Limits) -> tuple[int, int, int]:
    """Refuse a request outside the named limits; return page, page size and facet limit."""
    if request.sort not in SORTS:
        raise QueryError("unknown_sort", sorts=", ".join(SORTS))
    page = request.page
    if not isinstance(page, int) or page < 1:
        raise QueryError("page_not_whole")
    if page > limits.page_max:
        raise QueryError("page_over_limit", page=page, limit=limits.page_max)
    size = limits.page_size if request.page_size is None else request.page_size
    if not isinstance(size, int) or size < 1:
        raise QueryError("page_size_not_whole")
    if size > limits.page_size_max:
        raise QueryError("page_size_over_limit", size=size, limit=limits.page_size_max)
    facet_limit = limits.facet_values_shown if request.facet_limit is None else request.facet_limit
    if not isinstance(facet_limit, int) or facet_limit < 0:
        raise QueryError("facet_limit_not_whole")
    if facet_limit == 0 or facet_limit > limits.facet_values_max:
        facet_limit = limits.facet_values_max
    facets = registry()
    names = facets.names()
    for facet, values in request.filters.items():
        if facet not in names:
            raise QueryError("unknown_filter", facet=facet, facets=", ".join(names))
        if len(values) > limits.filter_values_max:
            raise QueryError("too_many_filter_values", count=len(values), facet=facet,
                             limit=limits.filter_values_max)
        for value in values:
            if not isinstance(value, str) or not value.strip() or len(value) > MAX_FILTER_VALUE:
                raise QueryError("filter_value_length", facet=facet)
            if has_lone_surrogate(value):
                raise QueryError("filter_value_not_text", facet=facet)
            if facets[facet].kind == "year" and not re.fullmatch(r"\d{4}", value.strip()):
                raise QueryError("year_filter_not_year", value=value)
    for facet in request.together:
        if facet not in names:
            raise QueryError("unknown_filter", facet=facet, facets=", ".join(names))
        if not facets[facet].multi:
            raise QueryError("together_one_value", facet=facet)
    return page, size, facet_limit


def date_bound(text: str | None, end: bool) -> int | None:
    """A date-range bound as a YYYYMMDD key: a day, a month or a year (`2019`, `2019-03`,
    `2019-03-15`, `15/03/2019`, `mars 2019`); `end` stretches a month or year to its last day."""
    if text is None or not str(text).strip():
        return None
    raw = str(text).strip()
    # A bound may lie in the future ("up to 2030"), unlike an article's date.
    value = parse_date(raw, any_year=True)
    if value is None:
        raise QueryError("date_not_understood", value=raw)
    parts = [int(p) for p in value.split("-")]
    year, month, day = (parts + [0, 0])[:3]
    if end:
        month, day = month or 12, day or 31
    else:
        # A date known to the month (2019-09, key 20190900) or the year (key 20190000) is
        # filtered as its first day, as it sorts: a range from the 1st holds it.
        day = 0 if day <= 1 else day
        month = 0 if day == 0 and month <= 1 else month
    return year * 10_000 + month * 100 + day

