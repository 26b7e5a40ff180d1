"""Importer for page text scraped from news sites: breadcrumb, title, body, byline, furniture.

The page family (Malian news sites saved as text): an optional ticker (`Flash Infos`), a
breadcrumb `Accueil / Section / Title` (separators `/`, `>`, `»`, `›`, `|`), the title, maybe a
date line (`Publié le 12 mars 2024`, `12/03/2024`) or a `Par …` line, body paragraphs one per
line, a byline, then furniture (share buttons, teasers, visit counters, comment form).

Rules:
- The section is the breadcrumb's last step before the title (the most specific one).
- Without a breadcrumb, the first line that is not furniture is the title if it reads like one
  (short, not ending with a period); otherwise the page is rejected.
- The body ends at the first end-of-article marker (comment form, visit counter, `Essayez à
  nouveau`, related articles…); share and ad lines are dropped wherever they are, and
  `Lire aussi` takes the teaser titles that follow it along.
- A date printed near the top is the publication date (`date_source: page`); otherwise the
  dates the text mentions give a year (`date_source: text`, see `dates.infer_date_from_text`).
- Authors come from a `Par …` line under the title and from the signature at the end
  (see `archive.bylines` for how names are written and why agencies are not authors).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ...dates import MONTHS, infer_date_from_text, parse_date
from ...models import Article
from ...textnorm import clean_line, clean_text, fold, join_paragraphs
from ..bylines import parse_byline, split_byline
from . import ImportOptions, Rejected

FORMAT = "scraped page"

MAX_TITLE_CHARS = 250
HEADER_LINES = 6  # how far under the title a date or a `Par …` line may sit
TAIL_LINES = 4  # how far before the end a signature may sit, above leftover teasers

_CRUMB_START = re.compile(r"^(?:accueil|home)\s*(?:[/>»›|]|$)", re.IGNORECASE)
_CRUMB_SPLIT = re.compile(r"\s*[>»›|]\s*|\s+/\s+")
# lines dropped wherever they appear (share bars, ads, tickers)
_FURNITURE = re.compile(
    r"^(?:flash infos?|a la une|partager|partagez|partager sur \w+|share|facebook|twitter|x|"
    r"whatsapp|linkedin|telegram|messenger|pinterest|e-?mail|imprimer|print|publicite|"
    r"advertisement|annonce|sponsorise|j'aime|tweet|copier le lien|google\+|"
    r"(?:facebook|twitter|whatsapp|linkedin|telegram|e-?mail|messenger|x|imprimer)"
    r"(?:\s+(?:facebook|twitter|whatsapp|linkedin|telegram|e-?mail|messenger|x|imprimer))+)"
    r"\s*:?$"
)
# lines from which the rest of the page is not the article any more
_END = re.compile(
    r"^(?:essayez a nouveau|laisser un commentaire|laissez un commentaire|"
    r"votre adresse (?:de messagerie|e-?mail) ne sera pas publiee|error: content is protected|"
    r"articles? similaires|articles? lies|sur le meme sujet|dans la meme rubrique|"
    r"vous aimerez aussi|vous pourriez aussi aimer|related|abonnez-vous|"
    r"inscrivez-vous a (?:la|notre) newsletter|"
    r"tous droits reserves|copyright)"
)
# counters some sites print above the text too: they end the body only once it has begun
_COUNTER = re.compile(r"^(?:nombre de visites|\d+ (?:vues|commentaires?)|commentaires?\s*$)")
_READ_ALSO = re.compile(r"^(?:a )?lire (?:aussi|egalement)\b\s*:?\s*(?P<rest>.*)$")
_WEEKDAY = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
_DAY_MONTH_YEAR = rf"(?:[0-3]?\d(?:er)?\s+)?(?:{'|'.join(MONTHS)})\.?\s+\d{{4}}"
_DATE_LINE = re.compile(
    r"^(?:(?:publie|mis a jour|modifie|poste|paru|date)\s*(?:le|:)?\s*)?"
    rf"(?:{_WEEKDAY},?\s+)?(?P<date>{_DAY_MONTH_YEAR}|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{4}}|"
    r"\d{4}-\d{2}-\d{2})"
    r"(?:\s*(?:a|-|,)?\s*\d{1,2}\s*(?:h|:)\s*\d{0,2}(?:\s*(?:min|mn))?)?"
    r"(?:\s*[|,-]?\s*(?:par|by)\s+(?P<by>.+))?$"
)
_SENTENCE_END = (".", "!", "?", "…", "»", '"', "”", ":", ";")


def sniff(path: Path, head: str) -> bool:
    """A .txt file, or text with a breadcrumb line starting with 'Accueil'."""
    if path.suffix.lower() == ".txt":
        return True
    return any(_CRUMB_START.match(line.strip()) for line in head.splitlines()[:20])


def read(path: Path, text: str, options: ImportOptions) -> Iterator[Article | Rejected]:
    """One article from one scraped page, or the reason it is not one."""
    source = str(path)
    lines = [line for line in clean_text(text).split("\n") if line]
    content = [
        line
        for line in lines
        if not (_is_furniture(line) or _is_end(line) or _COUNTER.match(_key(line)))
    ]
    if not content:
        reason = "page has no text" if not lines else "page holds only site furniture"
        yield Rejected(source, reason)
        return

    crumbs, start = _breadcrumb(lines)
    title, section, start = _title(lines, crumbs, start)
    if not title:
        yield Rejected(source, "no identifiable title (no breadcrumb and no title line)")
        return

    before_title = lines[:start]
    date, authors, start = _header(lines, start)
    # a date line may also sit above the breadcrumb or the title
    date = date or next(filter(None, map(_page_date, before_title)), None)
    paragraphs = _body_lines(lines[start:])
    paragraphs, signed = _cut_signature(paragraphs)
    authors = tuple(dict.fromkeys(authors + signed))
    body = join_paragraphs(paragraphs)
    if not body:
        yield Rejected(source, f"'{title}': no article text under the title")
        return

    date_source = "page" if date else None
    if not date:
        date = infer_date_from_text(f"{title}\n{body}")
        date_source = "text" if date else None
    yield Article(
        id="",
        title=title,
        body=body,
        section=section,
        author=authors,
        date=date,
        date_source=date_source,
        publisher=options.publisher,
    )


def _key(line: str) -> str:
    """A line folded for matching: lowercase, no accents, straight apostrophes."""
    return fold(line).replace("’", "'").strip()


def _is_furniture(line: str) -> bool:
    """A line of the site around the article (share bar, ad, ticker, lone punctuation)."""
    return bool(_FURNITURE.match(_key(line))) or not any(c.isalnum() for c in line)


def _is_end(line: str) -> bool:
    """A line from which the rest of the page is no longer the article."""
    return bool(_END.match(_key(line)))


def _looks_like_title(line: str) -> bool:
    """Short, and not a sentence of body text."""
    return len(line) <= MAX_TITLE_CHARS and (not line.endswith(".") or line.endswith("..."))


def _breadcrumb(lines: list[str]) -> tuple[list[str], int]:
    """The breadcrumb's steps (without 'Accueil') and the index after it; ([], 0) if none."""
    for index, line in enumerate(lines[:10]):
        if _CRUMB_START.match(line):
            steps = [clean_line(s) for s in _CRUMB_SPLIT.split(line)]
            if len(steps) == 1 and "/" in line:
                steps = [clean_line(s) for s in line.split("/", 2)]
            return [s for s in steps[1:] if s], index + 1
    return [], 0


def _same_title(crumb: str, line: str) -> bool:
    """Whether a breadcrumb step is this title, possibly cut short with an ellipsis."""
    step = _key(crumb).rstrip(".… ")
    return bool(step) and _key(line).startswith(step)


def _title(lines: list[str], crumbs: list[str], start: int) -> tuple[str, str | None, int]:
    """The title, the section and the index after the title line ('' if no title)."""
    index = start
    while index < len(lines) and (_is_furniture(lines[index]) or _page_date(lines[index])):
        index += 1
    candidate = lines[index] if index < len(lines) else ""
    if candidate and _is_end(candidate):
        candidate = ""
    if crumbs and candidate and _same_title(crumbs[-1], candidate):
        section = crumbs[-2] if len(crumbs) >= 2 else None
        return clean_line(candidate), section, index + 1
    if crumbs and len(crumbs) >= 2 and not crumbs[-1].endswith(("…", "...")):
        if not (candidate and _looks_like_title(candidate)):
            return crumbs[-1], crumbs[-2], index  # the page lost its title line
    section = crumbs[-1] if crumbs else None
    if candidate and _looks_like_title(candidate) and parse_byline(candidate) is None:
        return clean_line(candidate), section, index + 1
    return "", section, index


def _page_date(line: str) -> str | None:
    """The date of a line that is only a date ('Publié le 12 mars 2024 à 10h', '12/03/2024')."""
    match = _DATE_LINE.match(_key(line))
    if not match or len(line) > 80:
        return None
    return parse_date(match["date"])


def _header(lines: list[str], start: int) -> tuple[str | None, tuple[str, ...], int]:
    """A date and `Par …` authors under the title, and the index where the body starts."""
    date: str | None = None
    authors: tuple[str, ...] = ()
    index = start
    while index < len(lines) and index < start + HEADER_LINES:
        line = lines[index]
        found = _page_date(line)
        if found:
            date = date or found  # 'Publié le' comes before 'Mis à jour le'
            by = _DATE_LINE.match(_key(line))["by"]
            if by:
                authors += parse_byline(line[-len(by) :]) or ()
        elif _is_furniture(line):
            pass
        elif (names := parse_byline(line)) is not None and len(line.split()) <= 12:
            authors += names
        else:
            break
        index += 1
    return date, authors, index


def _body_lines(lines: list[str]) -> list[str]:
    """Body paragraphs: up to the first end marker, without furniture or teasers."""
    body: list[str] = []
    in_teasers = False
    for line in lines:
        if _is_end(line):
            break
        if _COUNTER.match(_key(line)):
            if body:
                break
            continue
        if _is_furniture(line):
            continue
        read_also = _READ_ALSO.match(_key(line))
        if read_also:
            in_teasers = not read_also["rest"]  # 'Lire aussi : Title' is a teaser on one line
            continue
        if in_teasers and _looks_like_title(line) and not line.endswith(_SENTENCE_END):
            continue
        in_teasers = False
        body.append(line)
    return body


def _cut_signature(paragraphs: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """Drop teasers left after the signature, then split the signature off."""
    for index in range(len(paragraphs) - 1, max(-1, len(paragraphs) - 1 - TAIL_LINES), -1):
        after = paragraphs[index + 1 :]
        if any(p.endswith(_SENTENCE_END) or not _looks_like_title(p) for p in after):
            break
        if index > 0 and parse_byline(paragraphs[index]) is not None:
            paragraphs = paragraphs[: index + 1]
            break
    return split_byline(paragraphs)
