"""Whether a record an import matched to an article (by its url, or by its file and title) is
that article again or another one that happens to share the key.

A source that updates an article keeps its url and usually its title, date or much of its
text. A listing page's url given to every article of an export, or a recurring title
("Communiqué du conseil des ministres") in same-named files of two scraping runs, match
an article whose title, date and text are all another's: merging them would replace one
article by the other.
"""

from __future__ import annotations

import re

from ..models import Article
from ..textnorm import fold
from .importbase import Base, body_digest

SHINGLE = 5  # words: a run this long shared by two texts is rarely a coincidence
SAME_TEXT = 0.5  # share of the new text's runs found in the old one, for an edited text


def text_overlap(old: str, new: str) -> float:
    """The share of the new text's runs of words that the old text holds (0 to 1)."""
    def runs(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", fold(text))
        return {tuple(words[i:i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}
    theirs = runs(new)
    return len(theirs & runs(old)) / len(theirs) if theirs else 1.0


def another_story(old: Article, new: Article, base: Base | None = None) -> bool:
    """True when the matched article and the record are two: their texts differ, and their
    dates, titles or urls do not say they are one. The title and date compared are those the
    last import wrote (`base`), not an archivist's corrections."""
    if old.content_hash == new.content_hash or text_overlap(old.body, new.body) >= SAME_TEXT:
        return False
    title, date = (base.value("title"), base.value("date")) if base else (old.title, old.date)
    return _apart(str(title or ""), date, new)


def another_story_than_deleted(base: Base, new: Article) -> bool:
    """The same test against a deleted article, known only by what its last import wrote:
    its text by fingerprint (an edited text cannot be told from another), so only dates
    that differ make them two, and a deleted article is never brought back by an edit."""
    date = base.value("date")
    return base.body_sha256 != body_digest(new.body) and date is not None and \
        new.date is not None and str(date) != new.date


def _apart(title: str, date: object, new: Article) -> bool:
    """Texts that differ are two stories unless both are dated the same day; undated, unless
    they share a url and a title (a rewritten page of the same site)."""
    if date is not None and new.date is not None:
        return str(date) != new.date
    return fold(title) != fold(new.title) or not new.url
