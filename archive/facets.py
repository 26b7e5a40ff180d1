"""The facets of the archive, declared once: the registry every surface reads.

A facet is a way to narrow and count the articles: section, author, organisation, year,
newspaper. Its
`Facet` entry says what each surface calls it and how its values behave: the index fields
(schema and documents), the facet arrays, the search filters and counts, the query-language
prefixes, the URL parameter, the browse page, the keys of API records and export columns, the
command-line option, and the labels people read (English message ids, French in the catalog).

Surfaces read the registry in force when they run, through `registry()`, never at import
time; so adding a facet is one entry in `FACETS` (plus its labels in the French catalog), and a
test can install another registry for a while with `installed()`.

Published names stay as they were, and this is the one place that records them: the author
facet is `author` in filters, URL parameters and the API's facet counts, but its values are
`authors` in API records and export columns; the organisation facet's option is `--org` too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from .textnorm import fold


def N_(message: str) -> str:
    """Mark a label for extraction (`pybabel extract -k N_`); the web translates it when shown."""
    return message


@dataclass(frozen=True)
class Facet:
    """One facet: its names on every surface and how its values are indexed, listed and shown."""

    name: str  # filters, result facets, API facet counts, facet arrays, query-tree fields
    attribute: str  # the Article attribute holding its values
    field: str  # the exact index field: one term per value (a number for a year)
    param: str  # the URL parameter (repeated to OR values)
    label: str  # English message id, singular ("Author"); French in the catalog
    label_plural: str  # English message id, plural ("Authors"): browse page and links
    position: int  # where it stands in lists people see (filters, browse links): smallest first
    multi: bool = False  # the attribute is a tuple of values
    text_field: str | None = None  # French-analysed twin, for its query-language prefixes
    record_key: str | None = None  # its values in a Hit, API records, export columns
    browse_path: str | None = None  # its page of every value with counts; None: no such page
    prefixes: tuple[str, ...] = ()  # query-language field names, folded (no accent), French first
    cli_aliases: tuple[str, ...] = ()  # command-line options besides --<param>
    kind: Literal["names", "year"] = "names"  # "year": the publication year, from the date
    # How its values sort: "alphabetical" with accents and case folded (browse pages get A–Z
    # and a filter box), "surname" (people: alphabetical by surname, listed "Coulibaly, Y.",
    # `personnames.py`), or "numeric" (browse pages list the largest, the newest year, first).
    # Beside the results every facet lists its values by count.
    order: Literal["alphabetical", "surname", "numeric"] = "alphabetical"
    sidebar: bool = True  # a list of its values beside the results (the year has a histogram)
    # Values are canonical names of the organisation authority file: filters and prefixed words
    # accept acronyms and aliases, and a plain word naming an organisation looks for it too.
    authority: bool = False
    # Values that differ only in case, accents, spaces or punctuation are one value (`societe`,
    # `Société`, `SOCIÉTÉ`): the facet counts them together under one spelling
    # (`display_spelling`), a filter or a link may name any of them, and each article keeps the
    # spelling its publisher (or archivist) gave it.
    folded: bool = False
    # Values named by a data file's entries ("publishers": `data/publishers.yaml`): the
    # spellings of one entry (its name, an alias, a web host: `www.tdg.ch`) count as one value
    # shown under the entry's name, and a filter or a prefixed word may use any of them.
    names_from: Literal["publishers"] | None = None
    # Its browse page's path in other interface languages, ((locale, path), ...): the page
    # answers at each, and links use the one of the visitor's language.
    browse_paths: tuple[tuple[str, str], ...] = ()

    def browse_path_in(self, locale: str) -> str | None:
        """Its browse page's path in an interface language (the default path otherwise)."""
        return dict(self.browse_paths).get(locale, self.browse_path)

    @property
    def cli_options(self) -> tuple[str, ...]:
        """Its command-line options on `archive search`, the URL parameter's name first."""
        return (f"--{self.param}", *self.cli_aliases)


@dataclass(frozen=True)
class Registry:
    """The archive's facets in their canonical order (of filters, counts, URL parameters)."""

    facets: tuple[Facet, ...]

    def __post_init__(self) -> None:
        for what in ("name", "field", "param", "record_key", "browse_path", "text_field"):
            seen = [getattr(f, what) for f in self.facets if getattr(f, what) is not None]
            if what == "browse_path":
                seen += [path for f in self.facets for _locale, path in f.browse_paths]
            if len(seen) != len(set(seen)):
                raise ValueError(f"two facets share a {what}: {seen}")
        prefixes = [p for f in self.facets for p in f.prefixes]
        if len(prefixes) != len(set(prefixes)):
            raise ValueError(f"two facets share a query prefix: {prefixes}")
        if sum(f.kind == "year" for f in self.facets) > 1:
            raise ValueError("at most one facet is the year")

    def __iter__(self) -> Iterator[Facet]:
        return iter(self.facets)

    def names(self) -> tuple[str, ...]:
        """The facet names, in canonical order."""
        return tuple(f.name for f in self.facets)

    def get(self, name: str) -> Facet | None:
        """The facet of this name, or None."""
        return _by_name(self).get(name)

    def __getitem__(self, name: str) -> Facet:
        return _by_name(self)[name]

    @property
    def year(self) -> Facet | None:
        """The publication-year facet (histogram, `année:` ranges), if the archive has one."""
        return next((f for f in self.facets if f.kind == "year"), None)

    def shown(self) -> tuple[Facet, ...]:
        """The facets in the order people see them listed (by `position`)."""
        return tuple(sorted(self.facets, key=lambda f: f.position))


@functools.cache
def _by_name(registry: Registry) -> dict[str, Facet]:
    return {f.name: f for f in registry.facets}


FACETS = Registry((
    Facet(name="section", attribute="section", field="section", text_field="section_text",
          param="section", record_key="section", browse_path="/sections",
          prefixes=("rubrique", "section"), folded=True,
          label=N_("Section"), label_plural=N_("Sections"), position=1),
    Facet(name="author", attribute="author", multi=True, field="author",
          text_field="author_text", param="author", record_key="authors",
          browse_path="/authors", prefixes=("auteur", "author"), order="surname", folded=True,
          label=N_("Author"), label_plural=N_("Authors"), position=4),
    Facet(name="organisation", attribute="organisations", multi=True, field="organisation",
          text_field="organisation_text", param="organisation", record_key="organisations",
          browse_path="/organisations", prefixes=("organisation", "org", "organization"),
          cli_aliases=("--org",), authority=True,
          label=N_("Organisation"), label_plural=N_("Organisations"), position=3),
    Facet(name="year", attribute="year", field="year", param="year", browse_path="/years",
          prefixes=("annee", "year"), kind="year", order="numeric", sidebar=False,
          label=N_("Year"), label_plural=N_("Years"), position=2),
    # The newspaper: listed first, as a press archive's readers start from their paper.
    Facet(name="publisher", attribute="publisher", field="publisher",
          text_field="publisher_text", param="publisher", record_key="publisher",
          browse_path="/journaux", browse_paths=(("en", "/newspapers"),),
          prefixes=("journal", "publisher", "newspaper"), folded=True, names_from="publishers",
          label=N_("Newspaper"), label_plural=N_("Newspapers"), position=0),
))
"""The archive's facets."""

def value_key(value: str) -> str:
    """What a folded facet groups its values by: 'SOCIÉTÉ', 'societe', 'Société' → 'societe'."""
    folded = fold(value)
    return " ".join(re.findall(r"[^\W_]+", folded)) or folded.strip()


def display_spelling(spellings: Mapping[str, int]) -> str:
    """The spelling a folded facet shows for a group of spellings (with their article counts):
    the accented one (French written properly: `Société` over `societe`), then one not in
    capitals (`Politique` over `POLITIQUE`), then the one spaced (`Y. Doumbia` over
    `Y.Doumbia`, which an author list would file under Y), then the most frequent."""
    def rank(spelling: str) -> tuple[int, int, int, int, str]:
        accents = sum(1 for c in spelling if not c.isascii() and fold(c) != c.lower())
        case = 0 if spelling.isupper() else 1 if spelling.islower() else 2
        return accents, case, spelling.count(" "), spellings[spelling], spelling
    return max(spellings, key=rank)


# Generations built before manifests recorded their facets hold these.
LEGACY_FACETS = ("section", "author", "organisation", "year")

_current = FACETS


def registry() -> Registry:
    """The registry in force: every surface asks for it when it runs."""
    return _current


@contextmanager
def installed(other: Registry) -> Iterator[Registry]:
    """Put another registry in force for the duration of a `with` block (tests, tools)."""
    global _current
    previous, _current = _current, other
    try:
        yield other
    finally:
        _current = previous
