"""Importer for saved HTML news pages: main text by trafilatura, metadata from the page itself."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..dates import parse_iso_date
from ..models import Article
from ..textnorm import clean_line, fold, join_paragraphs
from . import ImportOptions, Rejected
from .htmlmeta import decode_page, read_meta, split_authors

FORMAT = "HTML page"
SUFFIXES = (".html", ".htm", ".xhtml")
# Below this many words, what remains is navigation or a teaser, not an article
MIN_WORDS = 25
# Asides that French news pages put between paragraphs, and photo captions or credits
_ASIDE_RE = re.compile(
    r"^(?:[àa] lire (?:aussi|également|egalement)|lire (?:aussi|également|egalement|la suite)"
    r"|(?:[àa] )?voir aussi|sur le même sujet|pour aller plus loin|publicité\b"
    r"|(?:photo|image|illustration|crédits? photo|crédit|légende)(?: illustrative)?\s*:|©)",
    re.I,
)
_LEAD_CLASS_RE = re.compile(r"chapo|chapeau|standfirst|\blead\b|accroche|\bintro\b|summary", re.I)
_OUTSIDE_TAGS = {"nav", "header", "footer", "aside", "form", "script", "style", "noscript"}
# How far up from the first paragraph a lead may sit and still belong to the same article
LEAD_LEVELS = 5
LEAD_MIN_WORDS = 15

# trafilatura reports every page it finds thin on the root logger's children; we report instead
logging.getLogger("trafilatura").setLevel(logging.ERROR)
logging.getLogger("htmldate").setLevel(logging.ERROR)


@dataclass(frozen=True)
class MainText:
    """What the extraction library found: the article's paragraphs and its own metadata guesses."""

    paragraphs: tuple[str, ...]
    title: str | None = None
    date: str | None = None
    authors: tuple[str, ...] = ()
    sitename: str | None = None
    language: str | None = None


def sniff(path: Path, head: str) -> bool:
    """An HTML page: by its suffix, or by text that opens with a doctype or `<html>`."""
    if path.suffix.lower() in SUFFIXES:
        return True
    start = head.lstrip("\ufeff \t\r\n").lower()
    return start.startswith(("<!doctype html", "<html"))


def extract_main(html: str) -> MainText:
    """The main text of a page, paragraph by paragraph, without menus, comments or scripts."""
    # Imported here so that sniffing and the rest of the archive never pay for lxml
    import trafilatura

    # A string input never makes trafilatura or htmldate open a connection
    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True,
        include_images=False, include_links=False, deduplicate=False,
    )
    if doc is None:
        return MainText(paragraphs=())
    paragraphs = tuple(p for p in (clean_line(line) for line in (doc.text or "").split("\n")) if p)
    paragraphs = _with_lead(html, tuple(p for p in paragraphs if not _ASIDE_RE.match(p)))
    return MainText(
        paragraphs=paragraphs,
        title=clean_line(doc.title or "") or None,
        date=parse_iso_date(doc.date) if doc.date else None,
        authors=split_authors((doc.author or "").split(";")),
        sitename=clean_line(doc.sitename or "") or None,
        language=doc.language,
    )


def _squash(text: str) -> str:
    """Text compared without case, accents, apostrophe style or layout."""
    return " ".join(fold(text).replace("’", "'").split())


def _lead_candidates(blocks: list[tuple[Any, str]], start: str) -> list[str]:
    """Texts near the block whose text holds `start` that may be the article's lead."""
    holding = [(len(text), i) for i, (_, text) in enumerate(blocks) if start in text]
    if not holding:
        return []
    anchor = blocks[min(holding)[1]][0]  # the smallest block holding it: the paragraph itself
    ancestors = [a for _, a in zip(range(LEAD_LEVELS), anchor.iterancestors(), strict=False)]
    # Text written straight into a wrapper of the paragraph (no <p> of its own)...
    candidates = [" ".join(a.xpath("text()")) for a in ancestors[:3]]
    # ... or into a bare block just before it (or before one of its wrappers)
    for node in (anchor, *ancestors[:2]):
        for sibling, _ in zip(node.itersiblings(preceding=True), range(2), strict=False):
            if isinstance(sibling.tag, str):
                candidates.append(" ".join(sibling.xpath("text()")))
    # An element marked as the lead, before the paragraph and in the same article
    scope = ancestors[-1] if ancestors else anchor
    for element in scope.iter():
        if element is anchor:
            break
        marks = f"{element.get('class', '')} {element.get('id', '')}"
        if _LEAD_CLASS_RE.search(marks) and not any(
            a.tag in _OUTSIDE_TAGS for a in element.iterancestors()
        ):
            candidates.append(element.text_content())
    return candidates


def _with_lead(html: str, paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    """Put back the lead (chapô) that the extractor often drops, when the page marks it."""
    if not paragraphs:
        return paragraphs
    import lxml.html
    from lxml import etree

    try:
        tree = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return paragraphs
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    body = _squash(" ".join(paragraphs))
    # Anchor on the first real paragraphs: short first lines are often menus or kickers, and
    # the first long one may be a summary shown in the page header
    starts = [_squash(p)[:60] for p in paragraphs if len(p.split()) >= LEAD_MIN_WORDS][:3]
    blocks = [
        (element, _squash(element.text_content()))
        for element in tree.iter("p", "div", "td", "li", "blockquote", "section", "article")
    ]
    candidates: list[str] = []
    for start in starts:
        candidates += _lead_candidates(blocks, start)
    leads = []
    for candidate in candidates:
        text = clean_line(candidate)
        if len(text.split()) >= LEAD_MIN_WORDS and _squash(text)[:60] not in body:
            leads.append(text)
            body += " " + _squash(text)
    return (*leads, *paragraphs)


def _page_text(path: Path, text: str) -> str:
    """The page decoded by its declared charset when the pipeline's guess could be wrong."""
    try:
        raw = path.read_bytes()
    except OSError:
        return text
    return decode_page(raw, text)


def read(path: Path, text: str, options: ImportOptions) -> Iterator[Article | Rejected]:
    """One article from a saved news page, or a rejection saying why there is none."""
    html = _page_text(path, text)
    meta = read_meta(html)
    main = extract_main(html)
    title = meta.title or main.title
    paragraphs = list(main.paragraphs)
    # Pages repeat their headline at the top of the article; the title field already has it
    while title and paragraphs and fold(paragraphs[0]) == fold(title):
        paragraphs.pop(0)
    body = join_paragraphs(paragraphs)
    if not title:
        yield Rejected(str(path), "page has no title (no headline, og:title, <h1> or <title>)")
        return
    if len(body.split()) < MIN_WORDS:
        yield Rejected(str(path), "page has no main article text")
        return
    publisher = options.publisher or meta.publisher or main.sitename
    # Sites often name themselves as author; an organisation byline is not a person
    not_people = {fold(n) for n in (publisher, meta.publisher, main.sitename) if n}
    authors = tuple(a for a in meta.authors if fold(a) not in not_people) or tuple(
        a for a in main.authors if fold(a) not in not_people
    )
    date = meta.date or main.date
    language = meta.language or (main.language or "").split("-")[0].lower() or "fr"
    yield Article(
        id="",
        title=title,
        body=body,
        section=meta.section,
        author=authors,
        date=date,
        date_source="page" if date else None,
        url=meta.url,
        publisher=publisher,
        language=language,
    )
