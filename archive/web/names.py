"""How facet values read on pages: an organisation with its acronym ("Union nationale des
travailleurs du Mali (UNTM)"), a newspaper under the publishers file's name, and the stable
address (slug) of an organisation's page."""

from __future__ import annotations

import re

from flask import g

from ..facets import Facet
from ..organisations import authority_at
from ..publishers import publishers_at
from ..textnorm import fold
from .context import generation, services


def authority():
    """The organisation authority file of the archive, or None."""
    return authority_at(services().config.authority_file, last_good=True)


def value_labels(facet: Facet, values: list[str]) -> dict[str, str]:
    """What each value reads as where there is more to say than the value itself: an
    authority entry's acronym after its name."""
    found = authority() if facet.authority else None
    if found is None:
        return {}
    labels = {}
    for value in values:
        entry = found.entry(value)
        if entry is not None and entry.name == value and entry.acronym:
            labels[value] = f"{value} ({entry.acronym})"
    return labels


def slug(name: str) -> str:
    """A stable address for a name, from its letters: 'Union nationale des travailleurs du
    Mali' → 'union-nationale-des-travailleurs-du-mali'."""
    return "-".join(re.findall(r"[a-z0-9]+", fold(name).lower()))[:120] or "-"


def organisation_by_slug(wanted: str) -> str | None:
    """The organisation (authority entry, or a value of the facet) a slug names, or None."""
    found = authority()
    names = [e.name for e in found.entries] if found is not None else []
    names += generation().facets.values("organisation")
    return next((n for n in names if slug(n) == wanted), None)


def newspaper_name(value: str | None) -> str | None:
    """The name the newspaper facet shows for an article's publisher (`www.tdg.ch` is the
    publishers file's `Tribune de Genève`)."""
    if not value:
        return value
    # a results page names the same few newspapers once per hit: each looked up once a request
    # (a look-up checks the publishers file's version: a stat)
    known = g.setdefault("newspaper_names", {})
    if value not in known:
        known[value] = _newspaper_name(value)
    return known[value]


def _newspaper_name(value: str) -> str:
    """`newspaper_name` looked up: the facet's shown form of the publishers file's name."""
    store = generation().facets
    if "publisher" not in store.facets():
        return value
    publishers = publishers_at(services().config.publishers_file, last_good=True)
    entry = publishers.find(value) if publishers is not None else None
    return store.shown("publisher", entry.name if entry is not None else value)
