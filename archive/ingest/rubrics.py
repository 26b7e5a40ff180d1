"""Rubrics some sites glue before an article's first sentence ("Justice Le rappeur MHD…").

lenouvelliste.ch writes a rubric (a kicker: "Justice", "Coup de théâtre", "CONTESTATION",
"coupe davis") before the first sentence of 50 of its 61 articles in the shared corpus, glued
to it in the export; no other site of the corpus does. The words look like any sentence's
first words, and a rule read on one record alone cut real text elsewhere (a red team: "Les
Trois Mousquetaires sont de retour…" lost "Les", "Jean Du Bois a déclaré…" lost "Jean",
"Niamey Le gouvernement…" its dateline). So a rubric leaves a body only where its site shows
the habit: most of the export's records of that site (at least `HABIT_MIN_RECORDS`) open so.
A rubric is one capitalised word and up to two lowercase ones, a lowercase run, or a long word
in capitals, then a word that opens French sentences; a determiner ("Les Deux Magots") or a
name's particle followed by a capital ("Marine Le Pen", "Jean Du Bois", "Mille Collines") is
never one. A place ("Bamako Les commerçants…", a dateline) does not show a habit, since a site
may open its articles so; where a site has the habit, a place is its rubric too ("France
Quatre suspects…"), and so is a lowercase run before a capitalised article ("coupe davis La
France a remporté…").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit

from ..places import PLACES
from ..textnorm import fold

HABIT_MIN_RECORDS = 5  # records of a site an export must hold to show a habit
HABIT_SHARE = 0.5  # ... and the share of them that must open with a rubric

# Words that open French sentences and never stand inside a name; each may follow a rubric.
_FREE_OPENERS = ("En|Dans|Pour|Selon|Alors|Afin|Après|Avant|Depuis|Lors|Ils|Elles|Il|Elle|On|"
                 "Nous|Ce|Cet|Cette|Ces|Son|Sa|Ses|Leur|Leurs|Plusieurs|Quelque|"
                 "Lundi|Mardi|Mercredi|Jeudi|Vendredi|Samedi|Dimanche")
# Determiners, numbers and particles open sentences too, but also names ("Le Pen", "Du Bois",
# "Trois Mousquetaires", "Mille Collines"): only before a lowercase word or a number.
_BOUND_OPENERS = ("Le|La|Les|Un|Une|Des|Du|Au|Aux|Deux|Trois|Quatre|Cinq|Six|Sept|Huit|Neuf|"
                  "Dix|Cent|Mille")
_OPENING = (rf"(?:(?:{_FREE_OPENERS})[\s,]|(?:{_BOUND_OPENERS})\s+[a-zà-ÿ0-9]"
            r"|L['’][a-zà-ÿ])")
_RUBRIC = re.compile(
    r"^(?P<rubric>[A-ZÀ-Ý][a-zà-ÿ]+(?:[ '’][a-zà-ÿ]+){0,2}"  # Justice, Coup de théâtre
    r"|(?P<lower>[a-zà-ÿ][\w'’-]*(?: [a-zà-ÿ][\w'’-]*){0,2})"  # justice, coupe davis
    r"|[A-ZÀ-Ý]{6,}(?:['’-][A-ZÀ-Ý]+)*)"  # CONTESTATION (not an acronym: ONU, UNTM, BCEAO)
    rf"\s+(?={_OPENING}|(?P<article>(?:Le|La|Les)\s))")
_NOT_RUBRICS = frozenset(fold(word).lower() for word in (
    *_FREE_OPENERS.split("|"), *_BOUND_OPENERS.split("|"), "L", "Et", "Mais", "Or"))
_PLACES = frozenset(fold(word).lower() for word in PLACES)


def rubric_end(paragraph: str, habit: bool = False) -> int:
    """Where the sentence begins after a rubric opening this paragraph; 0 when none does.
    `habit`: the paragraph's site glues rubrics (`habitual`), so a place may be one too, and
    a lowercase rubric may come before a capitalised article."""
    match = _RUBRIC.match(paragraph)
    if not match or not paragraph[match.end():].strip():
        return 0
    first = fold(match["rubric"].split()[0]).lower().strip("'’")
    if first in _NOT_RUBRICS or (first in _PLACES and not habit):
        return 0
    if match["article"] is not None and not (habit and match["lower"] is not None):
        return 0  # "Marine Le Pen", "selon Le Monde"
    return match.end()


def site_of(url: str | None, publisher: str | None) -> str:
    """What a record's site is known by: its url's host (`www.` aside), else its newspaper."""
    if url:
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            host = ""
        if host:
            return host.removeprefix("www.")
    return fold(publisher or "").lower()


def habitual(records: Iterable[tuple[str, str]]) -> frozenset[str]:
    """The sites that glue a rubric before their articles, from an export's (site, first
    paragraph) pairs: most of their records open with one."""
    seen: Counter[str] = Counter()
    opened: Counter[str] = Counter()
    for site, first in records:
        seen[site] += 1
        opened[site] += bool(rubric_end(first))  # (a place, a dateline, shows no habit)
    return frozenset(site for site, n in seen.items()
                     if n >= HABIT_MIN_RECORDS and opened[site] >= HABIT_SHARE * n)
