"""The search parameters of the web interface: read from a URL, checked, and turned into links.

`/search?q=&section=&author=&organisation=&year=&from=&to=&estimated=&sort=&page=` is a stable
interface (facet parameters repeat; `facets.py` declares each one). `estimated=0` leaves dates
estimated from the text out of the year counts, the histogram and the date filters; they are
included by default (when the parameter is repeated, as the search form's hidden field and its
checkbox send it, the last value counts). `lineage=1` widens an organisation filter to the
organisation's predecessors and successors in the authority file. `all=organisation` (or
`all=author`, a facet's parameter) asks for the articles carrying every ticked value of that
facet, which otherwise combine with "or". Bad values raise QueryError, which
the error page words in the user's language; every link that adds or removes a filter is built
here, so pages never assemble URLs by hand.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote_plus, urlencode

from ..config import Limits
from ..errors import QueryError
from ..facets import registry
from ..search.request import SORTS, SearchRequest, date_bound
from ..textnorm import fold

MAX_PARAM_CHARS = 300
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class SearchParams:
    """One search as the URL states it; hashable, and each change returns a new one."""

    q: str = ""
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    date_from: str = ""
    date_to: str = ""
    sort: str = "relevance"
    page: int = 1
    estimated: bool = True  # estimated dates counted in years and date filters
    lineage: bool = False  # organisation filters widened to predecessors and successors
    together: tuple[str, ...] = ()  # facets whose ticked values must all be carried

    def all_required(self, facet: str) -> bool:
        """Whether an article must carry every ticked value of this facet (`all=`)."""
        return facet in self.together and len(self.selected.get(facet, ())) > 1

    def requiring_all(self, facet: str, required: bool = True) -> SearchParams:
        """The same search, the facet's ticked values required together (or either one)."""
        together = tuple(f for f in registry().names()
                         if f in self.together and f != facet or f == facet and required)
        return self.change(together=together)

    @property
    def selected(self) -> dict[str, tuple[str, ...]]:
        """The ticked values of each facet."""
        return dict(self.filters)

    @property
    def is_empty(self) -> bool:
        """True when nothing narrows the archive: no words, filters, dates, nor estimated dates
        left out."""
        return not (self.q or self.filters or self.date_from or self.date_to
                    or not self.estimated)

    def request(self, page_size: int | None = None, facet_limit: int | None = None
                ) -> SearchRequest:
        """The search module's request for these parameters."""
        return SearchRequest(query=self.q, filters=self.selected,
                             date_from=self.date_from or None, date_to=self.date_to or None,
                             sort=self.sort, page=self.page, page_size=page_size,
                             facet_limit=facet_limit, estimated=self.estimated,
                             lineage=self.lineage, together=self.required())

    def required(self) -> tuple[str, ...]:
        """The facets whose ticked values (two or more) must all be carried."""
        return tuple(f for f in self.together if self.all_required(f))

    def items(self) -> list[tuple[str, str]]:
        """The URL parameters, defaults left out, in a stable order."""
        out: list[tuple[str, str]] = [("q", self.q)] if self.q else []
        facets = registry()
        for facet, values in self.filters:
            out += [(facets[facet].param, v) for v in values]
        if self.date_from:
            out.append(("from", self.date_from))
        if self.date_to:
            out.append(("to", self.date_to))
        if not self.estimated:
            out.append(("estimated", "0"))
        if self.lineage:
            out.append(("lineage", "1"))
        out += [("all", facets[f].param) for f in self.required()]
        if self.sort != "relevance":
            out.append(("sort", self.sort))
        if self.page != 1:
            out.append(("page", str(self.page)))
        return out

    def query_string(self, **extra: str) -> str:
        """`a=b&c=d` for these parameters plus extra ones (empty string when there are none)."""
        return "&".join(_encoded(k, v) for k, v in
                        self.items() + [(k, v) for k, v in extra.items() if v])

    def query_strings(self, change: Callable[[str], SearchParams],
                      values: Iterable[str]) -> list[str]:
        """`change(value).query_string()` for each value, what they share encoded once: the
        links of a histogram's years or of a facet's values differ in that one value only."""
        values = list(values)
        parts = change(_SLOT).query_string().split(_SLOT_ENCODED)
        if len(parts) != 2:  # not one parameter's whole value (or typed in the query itself)
            return [change(v).query_string() for v in values]
        head, tail = parts
        return [head + quote_plus(v) + tail for v in values]

    def change(self, **changes: object) -> SearchParams:
        """A copy with some fields changed; the page goes back to 1 unless it is the change."""
        changes.setdefault("page", 1)
        return dataclasses.replace(self, **changes)

    def _with_filters(self, selected: Mapping[str, Iterable[str]]) -> SearchParams:
        ordered = tuple((f, tuple(selected[f])) for f in registry().names() if selected.get(f))
        return self.change(filters=ordered)

    def toggled(self, facet: str, value: str) -> SearchParams:
        """Add the value to the facet's selection, or remove it when it is already there."""
        selected = {f: list(v) for f, v in self.filters}
        values = selected.setdefault(facet, [])
        if value in values:
            values.remove(value)
        else:
            values.append(value)
        return self._with_filters(selected)

    def only(self, facet: str, value: str) -> SearchParams:
        """This value as the facet's only selection (a histogram bar narrows to one year)."""
        selected = {f: list(v) for f, v in self.filters}
        selected[facet] = [value]
        return self._with_filters(selected)

    def without_dates(self) -> SearchParams:
        """The same search without its date range."""
        return self.change(date_from="", date_to="")


# A value standing for each of several in `query_strings` (encoded, it is nothing else: `%`
# only ever starts the escape of one byte).
_SLOT, _SLOT_ENCODED = "\x00", "%00"


# A results page writes a hundred links repeating the same parameters: each pair is encoded once.
@lru_cache(maxsize=16_384)
def _encoded(key: str, value: str) -> str:
    return urlencode(((key, value),))


def _first(args: Mapping, name: str) -> str:
    value = args.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def parse(args, limits: Limits) -> SearchParams:
    """Read and check the search parameters of a request (a werkzeug MultiDict)."""
    q = _first(args, "q")
    if len(q) > limits.query_max_length:
        raise QueryError("query_too_long", count=len(q), limit=limits.query_max_length)
    filters = []
    for spec in registry():
        facet = spec.name
        values = list(dict.fromkeys(v.strip() for v in args.getlist(spec.param) if v.strip()))
        if len(values) > limits.filter_values_max:
            raise QueryError("too_many_filter_values", count=len(values), facet=facet,
                             limit=limits.filter_values_max)
        for value in values:
            if len(value) > MAX_PARAM_CHARS:
                raise QueryError("filter_value_length", facet=facet)
            if spec.kind == "year" and not re.fullmatch(r"[0-9]{4}", value):
                raise QueryError("year_filter_not_year", value=value)
        if values:
            filters.append((facet, tuple(values)))
    date_from, date_to = _first(args, "from"), _first(args, "to")
    bounds = []
    for value, end in ((date_from, False), (date_to, True)):
        try:
            bounds.append(date_bound(value[:MAX_PARAM_CHARS], end))
        except QueryError:
            raise QueryError("date_not_understood", value=value[:40]) from None
    if bounds[0] is not None and bounds[1] is not None and bounds[0] > bounds[1]:
        raise QueryError("dates_reversed")
    together = parse_together(args)
    sort = _first(args, "sort") or "relevance"
    if sort not in SORTS:
        raise QueryError("unknown_sort", sorts=", ".join(SORTS))
    return SearchParams(q=q, filters=tuple(filters), date_from=date_from, date_to=date_to,
                        sort=sort, page=parse_page(args, limits),
                        estimated=parse_estimated(args),
                        lineage=_first(args, "lineage").lower() in ("1", "yes", "oui", "true",
                                                                    "on"),
                        together=together)


def parse_together(args) -> tuple[str, ...]:
    """The facets named by `all=` (their URL parameters, or their query prefixes and command
    line options: `org`): each must be one whose articles carry several values; QueryError
    otherwise."""
    facets = registry()
    by_param = {name: spec for spec in facets
                for name in (spec.param, spec.name, *spec.prefixes,
                             *(o.lstrip("-") for o in spec.cli_options))}
    named = []
    for value in args.getlist("all"):
        spec = by_param.get(fold(value.strip()).lower()) if isinstance(value, str) else None
        if spec is None:
            raise QueryError("unknown_filter", facet=str(value)[:40],
                             facets=", ".join(s.param for s in facets if s.multi))
        if not spec.multi:
            raise QueryError("together_one_value", facet=value.strip())
        named.append(spec.name)
    return tuple(f for f in facets.names() if f in named)


def parse_estimated(args) -> bool:
    """Whether estimated dates count: `estimated=0` (or no, non, false, off) leaves them out;
    any other value, or none, counts them (the public's default).

    The search form sends a hidden `estimated=0` before its checkbox's `estimated=1`, so that
    an unticked box still says so without JavaScript: the last value counts."""
    values = [v.strip().lower() for v in args.getlist("estimated") if isinstance(v, str)]
    return not values or values[-1] not in ("0", "no", "non", "false", "off")


def parse_page(args, limits: Limits) -> int:
    """The page number: a whole number from 1 to the page_max limit."""
    raw = _first(args, "page") or "1"
    digits = raw.lstrip("0")
    if not _DIGITS.fullmatch(raw) or not digits:
        raise QueryError("page_not_whole")
    # A huge number is still a number: past the last page, and never handed to int().
    page = int(digits) if len(digits) <= 6 else limits.page_max + 1
    if page > limits.page_max:
        raise QueryError("page_over_limit", page=page, limit=limits.page_max)
    return page
