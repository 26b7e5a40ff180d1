"""Articles and hits as records: the field names and order the API, the exports and the
command line promise, each built here and nowhere else.

A record is a plain dict (JSON-ready: lists, not tuples). Each output declares its fields
once, below; `FACETS` in a declaration stands for every facet's values, under the record keys
the facet registry gives them (`authors`, `organisations`…), in the registry's order. `record`
fills them from an `Article` or a `Hit`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..facets import Facet, registry
from ..models import Article
from .request import Hit
from .snippets import plain_text

FACETS = "<facets>"

# `date_source` says where the date comes from (`models.DATE_SOURCES`; `text` is an estimate);
# it came after the other fields, so it stands last, where no script reading them looks;
# `newspaper` (the newspaper facet's name for `publisher`, as written) came after it.
# /api/search: one hit.
API_HIT = ("id", "title", "date", FACETS, "publisher", "url", "permalink", "snippet_html",
           "score", "date_source", "newspaper")
# /api/article/<id> (the view adds the related articles' ids).
API_ARTICLE = ("id", "title", "date", FACETS, "publisher", "url", "language", "body",
               "permalink", "date_source")
# /export.csv columns and /export.jsonl keys: the snippet as plain text.
EXPORT = ("id", "title", "date", FACETS, "publisher", "url", "permalink", "snippet",
          "date_source", "newspaper")
# `archive search --json`: one hit, in the order the command has always printed.
CLI_HIT = ("id", "title", "date", FACETS, "snippet_html", "score", "url", "publisher",
           "language", "date_source")

Item = Article | Hit


_VALUES: dict[str, Callable[[Item, str | None], object]] = {
    "id": lambda item, link: item.id,
    "title": lambda item, link: item.title,
    "date": lambda item, link: item.date,
    "date_source": lambda item, link: item.date_source if item.date else None,
    "publisher": lambda item, link: item.publisher,
    # (a Hit's: only hit declarations name it)
    "newspaper": lambda item, link: item.newspaper if isinstance(item, Hit) else None,
    "url": lambda item, link: item.url,
    "language": lambda item, link: item.language,
    "permalink": lambda item, link: link,
    "body": lambda item, link: item.body,
    "snippet_html": lambda item, link: item.snippet_html,
    "snippet": lambda item, link: plain_text(item.snippet_html),
    "score": lambda item, link: item.score,
}


def fields(declared: Sequence[str]) -> tuple[str, ...]:
    """A declaration's field names, `FACETS` spelled out from the registry in force."""
    names: list[str] = []
    for name in declared:
        # a facet that is also a plain field of the declaration (publisher) stands there
        names += ([f.record_key for f in _keyed() if f.record_key not in declared]
                  if name == FACETS else [name])
    return tuple(dict.fromkeys(names))


def record(item: Item, declared: Sequence[str], permalink: str | None = None) -> dict:
    """The item's values for these fields, in their order (`permalink` is the article's
    address on the site, for outputs that give one)."""
    facets = {f.record_key: f for f in _keyed()}
    return {name: _facet_value(item, facets[name]) if name in facets
            else _VALUES[name](item, permalink) for name in fields(declared)}


def _keyed() -> list[Facet]:
    return [f for f in registry() if f.record_key is not None]


def _facet_value(item: Item, facet: Facet) -> object:
    """A facet's values: a list for a facet of several values, one value or None otherwise."""
    value = getattr(item, facet.attribute if isinstance(item, Article) else facet.record_key)
    return list(value) if facet.multi else value
