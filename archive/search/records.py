"""Articles and hits as records: the field names and order the API, the exports and the
command line promise, each built here and nowhere else.

A record is a plain dict (JSON-ready: lists, not tuples). Each output declares its fields
once, below; `record` fills them from an `Article` or a `Hit`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..models import Article
from .request import Hit
from .snippets import plain_text

# /api/search: one hit.
API_HIT = ("id", "title", "date", "section", "authors", "organisations", "publisher", "url",
           "permalink", "snippet_html", "score")
# /api/article/<id> (the view adds the related articles' ids).
API_ARTICLE = ("id", "title", "date", "section", "authors", "organisations", "publisher", "url",
               "language", "body", "permalink")
# /export.csv columns and /export.jsonl keys: the snippet as plain text.
EXPORT = ("id", "title", "date", "section", "authors", "organisations", "publisher", "url",
          "permalink", "snippet")
# `archive search --json`: one hit, in the order the command has always printed.
CLI_HIT = ("id", "title", "date", "section", "authors", "organisations", "snippet_html", "score",
           "url", "publisher", "language")

Item = Article | Hit


def _authors(item: Item) -> list[str]:
    return list(item.author if isinstance(item, Article) else item.authors)


_VALUES: dict[str, Callable[[Item, str | None], object]] = {
    "id": lambda item, link: item.id,
    "title": lambda item, link: item.title,
    "date": lambda item, link: item.date,
    "section": lambda item, link: item.section,
    "authors": lambda item, link: _authors(item),
    "organisations": lambda item, link: list(item.organisations),
    "publisher": lambda item, link: item.publisher,
    "url": lambda item, link: item.url,
    "language": lambda item, link: item.language,
    "permalink": lambda item, link: link,
    "body": lambda item, link: item.body,
    "snippet_html": lambda item, link: item.snippet_html,
    "snippet": lambda item, link: plain_text(item.snippet_html),
    "score": lambda item, link: item.score,
}


def record(item: Item, fields: Sequence[str], permalink: str | None = None) -> dict:
    """The item's values for these fields, in their order (`permalink` is the article's
    address on the site, for outputs that give one)."""
    return {name: _VALUES[name](item, permalink) for name in fields}
