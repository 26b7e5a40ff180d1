"""What a search asks and what it answers: the request, its checks, the result dataclasses."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..config import Limits
from ..dates import MONTHS, check_date
from ..errors import QueryError
from ..facets import registry
from ..textnorm import fold, has_lone_surrogate

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
    browse: bool = False


# --- request checks -------------------------------------------------------------------------------


def check_request(request: SearchRequest, limits: Limits) -> tuple[int, int, int]:
    """Refuse a request outside the named limits; return page, page size and facet limit."""
    if request.sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}")
    page = request.page
    if not isinstance(page, int) or page < 1:
        raise QueryError("page must be a whole number from 1")
    if page > limits.page_max:
        raise QueryError(f"page {page} is beyond the limit page_max = {limits.page_max}; "
                         "narrow the search with filters instead")
    size = limits.page_size if request.page_size is None else request.page_size
    if not isinstance(size, int) or size < 1:
        raise QueryError("page size must be a whole number from 1")
    if size > limits.page_size_max:
        raise QueryError(f"page size {size} is over the limit page_size_max = "
                         f"{limits.page_size_max}")
    facet_limit = limits.facet_values_shown if request.facet_limit is None else request.facet_limit
    if not isinstance(facet_limit, int) or facet_limit < 0:
        raise QueryError("facet limit must be a whole number (0 for every value)")
    if facet_limit == 0 or facet_limit > limits.facet_values_max:
        facet_limit = limits.facet_values_max
    facets = registry()
    names = facets.names()
    for facet, values in request.filters.items():
        if facet not in names:
            raise QueryError(f"unknown filter '{facet}'; filters are {', '.join(names)}")
        if len(values) > limits.filter_values_max:
            raise QueryError(f"{len(values)} values for filter {facet} are over the limit "
                             f"filter_values_max = {limits.filter_values_max}")
        for value in values:
            if not isinstance(value, str) or not value.strip() or len(value) > MAX_FILTER_VALUE:
                raise QueryError(f"filter {facet} has an empty or overlong value")
            if has_lone_surrogate(value):
                raise QueryError(f"filter {facet} has a value that is not text")
            if facets[facet].kind == "year" and not re.fullmatch(r"\d{4}", value.strip()):
                raise QueryError(f"year filter '{value}' is not a year such as 2019")
    return page, size, facet_limit


def date_bound(text: str | None, end: bool) -> int | None:
    """A date-range bound as a YYYYMMDD key: a day, a month or a year (`2019`, `2019-03`,
    `2019-03-15`, `15/03/2019`, `mars 2019`); `end` stretches a month or year to its last day."""
    if text is None or not str(text).strip():
        return None
    raw = str(text).strip()
    value = iso_date(raw)
    # A bound may lie in the future ("up to 2030"), unlike an article's date.
    if value is None or check_date(value.replace(value[:4], "2000", 1)) is not None:
        raise QueryError(f"date '{raw}' is not understood; write 2019, 2019-03 or 2019-03-15")
    parts = [int(p) for p in value.split("-")]
    year, month, day = (parts + [0, 0])[:3]
    if end:
        month, day = month or 12, day or 31
    return year * 10_000 + month * 100 + day


def iso_date(raw: str) -> str | None:
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", raw)
    if match:
        year, month, day = match.groups()
        return year + (f"-{int(month):02d}" if month else "") + (f"-{int(day):02d}" if day else "")
    match = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", raw)
    if match:
        return f"{match[3]}-{int(match[2]):02d}-{int(match[1]):02d}"
    match = re.fullmatch(r"(?:(\d{1,2})(?:er)?\s+)?([a-zé\u00fb.]+)\s+(\d{4})", fold(raw))
    if match and match[2].rstrip(".") in MONTHS:
        month = MONTHS[match[2].rstrip(".")]
        return f"{match[3]}-{month:02d}" + (f"-{int(match[1]):02d}" if match[1] else "")
    return None
