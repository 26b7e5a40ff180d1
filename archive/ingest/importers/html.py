"""Importer for saved HTML news pages: main text by trafilatura, metadata from the page itself."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...dates import parse_iso_date
from ...models import Article
from ...textnorm import clean_line, fold, join_paragraphs
from . import ImportOptions, Rejected
from .htmlmeta import byline_people, decode_page, read_meta, split_authors

FORMAT = "HTML page"
SUFFIXES = (".html", ".htm", ".xhtml")
# Small words frequent in running text, for telling French from English
FRENCH_WORDS = frozenset("le la les des une est et dans pour que qui sur pas au du ce il".split())
ENGLISH_WORDS = frozenset("the and of to is in that for with was on are this it by".split())
_WORD_RE = re.compile(r"[^\W\d_]+")
_SUFFIX_RE = re.compile(r"^(?P<title>.{10,})\s[-–—|:•·]\s(?P<site>(?:(?!\s[-–—|:•·]\s).){2,60})$")
# Below this many words, what remains is navigation or a teaser, not an article
MIN_WORDS = 25
# htmldate's "extensive" search loads every dateparser locale (~9 s once per process) for the
# rare page whose date is only in free text; the page's markup gives the date far more often
DATE_PARAMS = {"original_date": True, "extensive_search": False}
# How class or id words of a page's comment section begin (comments-area, forum-fil, respond);
# a "commentary" is an opinion piece, the article itself
_COMMENTS_RE = re.compile(
    r"(?:^|(?<=\s))(?:comment(?!ar(?:y|ies))|forum|disqus|respond|reaction)", re.I)
# Containers that hold the article itself, even when marked as taking comments
_ARTICLE_TAGS = {"html", "body", "main", "article"}
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
BLOCK_TEXT_TAGS = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "a", "span"}
# A table cell this long holds running text: the table is page layout, not data
LAYOUT_CELL_CHARS = 200

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

    tree = trafilatura.load_html(html)
    if tree is None:
        return MainText(paragraphs=())
    # Read before the extractor prunes the page; a page without a comment section is dated
    # by the extractor, which reads it the same way
    commented = bool(_comment_sections(tree))
    pruned_date = article_date(tree) if commented else None
    # A parsed page never makes trafilatura or htmldate open a connection
    doc = trafilatura.bare_extraction(
        tree, with_metadata=True, include_comments=False, include_tables=True,
        include_images=False, include_links=False, deduplicate=False,
        date_extraction_params=DATE_PARAMS,
    )
    if doc is None:
        return MainText(paragraphs=())
    date = pruned_date if commented else doc.date
    lines = [clean_line(line) for line in (doc.text or "").split("\n")]
    paragraphs = tuple(p for line in lines for p in _table_row(line) if p)
    paragraphs = _with_lead(html, tuple(p for p in paragraphs if not _ASIDE_RE.match(p)))
    return MainText(
        paragraphs=paragraphs,
        title=clean_line(doc.title or "") or None,
        date=parse_iso_date(date) if date else None,
        authors=split_authors((doc.author or "").split(";")),
        sitename=clean_line(doc.sitename or "") or None,
        language=doc.language,
    )


def article_date(tree: Any) -> str | None:
    """The page's date as htmldate reads it once the page's comment section is set aside.

    Readers' comments carry dates of their own, and a page that gives its date only in
    visible text was otherwise dated by its first comment (regards.fr: a comment of
    11 September under an article of 30 September). A copy is pruned, not the page: the
    article's text never depends on which elements look like comments.
    """
    from copy import deepcopy

    from htmldate import find_date

    pruned = deepcopy(tree)
    for element in _comment_sections(pruned):
        if element.getparent() is not None and element.find(".//h1") is None:
            element.drop_tree()
    return find_date(pruned, **DATE_PARAMS)


def _comment_sections(tree: Any) -> list[Any]:
    """The elements a page's class and id words mark as its comment section."""
    return [element for element in tree.iter() if element.tag not in _ARTICLE_TAGS
            and _COMMENTS_RE.search(f"{element.get('class') or ''} {element.get('id') or ''}")]


def _table_row(line: str) -> list[str]:
    """A line as paragraphs: a layout table's text cells apart, a data table's row kept whole."""
    if not line.startswith("|"):
        return [line]
    cells = [cell.strip() for cell in line.strip("| ").split(" | ") if cell.strip(" |")]
    if any(len(cell) > LAYOUT_CELL_CHARS for cell in cells):
        return cells
    return [" | ".join(cells)] if cells else []


def _squash(text: str) -> str:
    """Text compared without case, accents, apostrophe style or layout."""
    return " ".join(fold(text).replace("’", "'").split())


def _spaced(text: str) -> str:
    """Text with its white space collapsed: how the extractor's lines appear in the page."""
    return " ".join(text.split())


def _bare_text(element: Any) -> str:
    """Text written straight into a container, outside its children ('' for a paragraph).

    A paragraph's own text without its links is a mangled copy of a paragraph the
    extractor already has, never a lead of its own.
    """
    if element.tag in BLOCK_TEXT_TAGS:
        return ""
    return " ".join(element.xpath("text()"))


def _lead_candidates(blocks: list[tuple[Any, str]], start: str) -> list[str]:
    """Texts near the block whose text holds `start` that may be the article's lead."""
    holding = [(len(text), i) for i, (_, text) in enumerate(blocks) if start in text]
    if not holding:
        return []
    anchor = blocks[min(holding)[1]][0]  # the smallest block holding it: the paragraph itself
    ancestors = [a for _, a in zip(range(LEAD_LEVELS), anchor.iterancestors(), strict=False)]
    # Text written straight into a wrapper of the paragraph (no <p> of its own)...
    candidates = [_bare_text(a) for a in ancestors[:3]]
    # ... or into a bare block just before it (or before one of its wrappers)
    for node in (anchor, *ancestors[:2]):
        for sibling, _ in zip(node.itersiblings(preceding=True), range(2), strict=False):
            if isinstance(sibling.tag, str):
                candidates.append(_bare_text(sibling))
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
    starts = [_spaced(p)[:60] for p in paragraphs if len(p.split()) >= LEAD_MIN_WORDS][:3]
    blocks = [
        (element, _spaced(element.text_content()))
        for element in tree.iter("p", "div", "td", "li", "blockquote", "section", "article")
    ]
    candidates: list[str] = []
    for start in starts:
        candidates += _lead_candidates(blocks, start)
    leads = []
    for candidate in candidates:
        text = clean_line(candidate)
        squashed = _squash(text)
        middle = squashed[len(squashed) // 2 :][:40]
        if len(text.split()) >= LEAD_MIN_WORDS and squashed[:60] not in body and (
            middle not in body
        ):
            leads.append(text)
            body += " " + _squash(text)
    return (*leads, *paragraphs)


def _people(names: tuple[str, ...], publisher: str | None, url: str | None) -> tuple[str, ...]:
    """Names without the site itself, which pages often give as the author."""
    host = _letters("".join((url or "").split("/")[2:3]))
    own = _letters(publisher or "")
    return tuple(n for n in names if _letters(n) not in (own, "") and _letters(n) not in host)


def content_language(text: str) -> str | None:
    """'fr' or 'en' when the text's commonest small words clearly say so, else None."""
    words = _WORD_RE.findall(text[:20000].lower())
    french = sum(w in FRENCH_WORDS for w in words)
    english = sum(w in ENGLISH_WORDS for w in words)
    if french >= 10 and french > 2 * english:
        return "fr"
    if english >= 10 and english > 2 * french:
        return "en"
    return None


def _without_site_suffix(title: str, publisher: str | None, url: str | None) -> str:
    """'Caisse de solidarité - Info'Com-CGT' → 'Caisse de solidarité' (the site is a field)."""
    match = _SUFFIX_RE.match(title)
    if not match:
        return title
    site = _letters(match["site"])
    host = _letters("".join((url or "").split("/")[2:3]))
    if site and (site == _letters(publisher or "") or site in host):
        return match["title"]
    return title


def _letters(text: str) -> str:
    """Only the letters and digits, folded: 'Republicoftogo Com' ~ 'www.republicoftogo.com'."""
    return "".join(c for c in fold(text) if c.isalnum())


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
    # Pages repeat their headline in the article; the title field already has it
    paragraphs = [p for p in paragraphs if not title or fold(p) != fold(title)]
    body = join_paragraphs(paragraphs)
    if not title:
        yield Rejected(str(path), "page has no title (no headline, og:title, <h1> or <title>)")
        return
    if len(body.split()) < MIN_WORDS:
        yield Rejected(str(path), "page has no main article text")
        return
    # --publisher is for inputs that name none; a page that names its site knows better
    publisher = meta.publisher or main.sitename or options.publisher
    authors = _people(meta.authors, publisher, meta.url)
    signed = byline_people(meta.bylines)
    if not authors:
        # a marked byline that names an agency ("Par AFP") signs the article: nobody to guess
        authors = _people(main.authors, publisher, meta.url) if signed is None else signed
    elif signed and {fold(a) for a in authors} < {fold(a) for a in signed}:
        # the page's byline names the metadata's author and more: co-authors the metadata
        # left out ("Elsa Provenzano et Mickaël Bosredon", the metadata's author the first)
        authors = signed
    elif (credited := byline_people(meta.credits)) and not (
            {fold(a) for a in authors} & {fold(a) for a in credited}):
        # a field the reader sees labelled "Auteur" names someone else: the metadata names
        # the account that posted the page (legrandcontinent.eu: its editor, on every article)
        authors = credited
    date = meta.date or main.date
    title = _without_site_suffix(title, publisher, meta.url)
    # The text's own words beat <html lang>, which templates often leave at "en"
    language = (
        content_language(body) or meta.language
        or (main.language or "").split("-")[0].lower() or "fr"
    )
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
