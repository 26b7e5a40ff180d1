"""The one record type that flows through every stage: a frozen Article."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

# Where a date comes from: printed on the page or in its metadata (`page`), the path of its
# address (`url`), a dateline opening the body (`dateline`), estimated from the text (`text`),
# or set by an archivist (`manual`). Only `text` is an estimate; older files use the first,
# the fourth and the fifth.
DATE_SOURCES = ("page", "url", "dateline", "text", "manual")
ESTIMATED = "text"
# \Z, not $: `$` also matches before a final newline, and "a-1\n" is not an id
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,120}\Z")


@dataclass(frozen=True)
class Article:
    """One press article, as the archive stores, indexes and shows it."""

    id: str
    title: str
    body: str
    section: str | None = None
    author: tuple[str, ...] = ()
    date: str | None = None
    date_source: str | None = None
    organisations: tuple[str, ...] = ()
    # Organisations the article defines that the authority file lacks, as "Name (ACRONYM)".
    new_organisations: tuple[str, ...] = ()
    url: str | None = None
    publisher: str | None = None
    language: str = "fr"
    imported_from: str | None = None
    imported_at: str | None = None
    content_hash: str | None = None
    demo: bool = False

    @property
    def year(self) -> int | None:
        """The publication year, when the date gives one."""
        return int(self.date[:4]) if self.date else None

    @property
    def date_estimated(self) -> bool:
        """Whether the date is an estimate from the text rather than a date the source states."""
        return bool(self.date) and self.date_source == ESTIMATED

    @property
    def paragraphs(self) -> list[str]:
        """The body split into its paragraphs."""
        return [p for p in (part.strip() for part in self.body.split("\n\n")) if p]

    def replace(self, **changes: object) -> Article:
        """A copy of this article with some fields changed."""
        return dataclasses.replace(self, **changes)
