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
- A date printed near the top (`Publié le 12 mars 2024`, `Date : 10 mars 2021`), after the
  byline (`Par Awa Sangaré - 05/07/2019`), or beside the signature at the end
  (`Y. Doumbia, le 14 mars 2024`, a date line or the paper's edition just above or under it)
  is the publication date (`date_source: page`). Without one, the pipeline looks at the
  dateline and the lead (`archive.ingest.pubdates`); a year the text mentions is never the
  date.
- Authors come from a `Par …` line under the title and from the signature at the end
  (see `archive.bylines` for how names are written and why agencies are not authors).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ...dates import MONTHS, parse_date
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
# a date after a byline or a place, on one line: "Par Awa Sangaré - 05/07/2019",
# "Y. Doumbia, le 14 mars 2024", "Bamako, le 14 mars 2024"
_AFTER_NAME = re.compile(
    rf"^(?P<name>.{{2,80}}?)\s*(?:[-–—|,]|\ble)\s*(?:le\s+)?(?:{_WEEKDAY},?\s+)?"
    rf"(?P<date>{_DAY_MONTH_YEAR}|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{4}})\s*$"
)
# the paper's edition the article comes from: "… dans la parution du mardi 8 octobre 2019"
_EDITION = re.compile(
    rf"\b(?:parution|edition)\s+du\s+(?:{_WEEKDAY},?\s+)?"
    rf"(?P<date>{_DAY_MONTH_YEAR}|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{4}})\s*\.?$"
)


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
    paragraphs, signed_on = _signature_date(paragraphs)
    date = date or signed_on
    paragraphs, signed = _cut_signature(paragraphs)
    authors = tuple(dict.fromkeys(authors + signed))
    body = join_paragraphs(paragraphs)
    if not body:
        yield Rejected(source, f"'{title}': no article text under the title")
        return

    yield Article(
        id="",
        title=title,
        body=body,
        section=section,
        author=authors,
        date=date,
        date_source="page" if date else None,
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
        elif (signed := _signed_date(line)) is not None:
            authors += signed[0]
            date = date or signed[1]
        elif (names := parse_byline(line)) is not None and len(line.split()) <= 12:
            authors += names
        else:
            break
        index += 1
    return date, authors, index


def _signed_date(line: str) -> tuple[tuple[str, ...], str] | None:
    """(authors, date) of a byline followed by a date ('Par Awa Sangaré - 05/07/2019')."""
    match = _AFTER_NAME.match(_key(line))
    if not match or len(line) > 120:
        return None
    date = parse_date(match["date"])
    names = parse_byline(line[: len(match["name"])])
    return (names, date) if date and names else None


def _signature_date(paragraphs: list[str]) -> tuple[list[str], str | None]:
    """A date printed beside the signature at the end: on the signature's own line
    ('Y. Doumbia, le 14 mars 2024'), or on the line just above or under it (a date alone,
    'Bamako, le 14 mars 2024', the edition it appeared in). The date line goes; the signature
    stays for `_cut_signature`."""
    tail = range(len(paragraphs) - 1, max(0, len(paragraphs) - 2 - TAIL_LINES), -1)
    for index in tail:
        line = paragraphs[index]
        signed = _signed_date(line)
        if signed is not None and index > 0:
            names, date = signed
            byline = line[: len(_AFTER_NAME.match(_key(line))["name"])].rstrip(" ,-–—|")
            return [*paragraphs[:index], byline, *paragraphs[index + 1 :]], date
        date = _page_date(line) or _place_date(line) or _edition_date(line)
        beside = [paragraphs[i] for i in (index - 1, index + 1) if 0 < i < len(paragraphs)]
        if date and any(parse_byline(p) is not None for p in beside):
            return [*paragraphs[:index], *paragraphs[index + 1 :]], date
    return paragraphs, None


def _edition_date(line: str) -> str | None:
    """The date of the paper's edition a line names ('… la parution du mardi 8 octobre 2019')."""
    match = _EDITION.search(_key(line))
    return parse_date(match["date"]) if match and len(line) <= 120 else None


def _place_date(line: str) -> str | None:
    """The date of a line that is a place and a date ('Bamako, le 14 mars 2024'), else None."""
    match = _AFTER_NAME.match(_key(line))
    if not match or len(line) > 80 or len(match["name"].split()) > 4:
        return None
    return parse_date(match["date"])


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
        if read_also and not _text_after_teaser(line):
            in_teasers = not read_also["rest"]  # 'Lire aussi : Title' is a teaser on one line
            continue
        if in_teasers and _looks_like_title(line) and not line.endswith(_SENTENCE_END):
            continue
        in_teasers = False
        body.append(line)
    return body


def _text_after_teaser(line: str) -> bool:
    """Whether a 'Lire aussi : Title' line goes on with the article's text, glued to the
    title ("… 10 hectares reboisés Le 3ème séminaire national … a permis …"): a sentence's
    end, or more than a title's length. The line is then kept, and cleaning cuts the prompt
    and its title where it can tell where the text starts (`cleaning._without_related`)."""
    return len(line) > MAX_TITLE_CHARS or line.rstrip().endswith((".", "!", "…"))


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
