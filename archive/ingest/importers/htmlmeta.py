"""Metadata of a saved HTML page: meta tags, JSON-LD, canonical link, breadcrumbs, charset."""

from __future__ import annotations

import codecs
import html as html_lib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from ...dates import parse_iso_date
from ...textnorm import clean_line, fold
from ..bylines import parse_byline

# Schema.org types that describe the article itself (not the site, an image or a list)
ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "reviewnewsarticle", "backgroundnewsarticle", "blogposting", "socialmediaposting", "report",
    "liveblogposting", "scholarlyarticle", "techarticle", "webpage",
}
DATE_META = (
    "article:published_time", "og:article:published_time", "datepublished", "date",
    "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date", "pubdate", "publishdate",
    "publication_date", "sailthru.date", "parsely-pub-date", "article.published", "dc.date.created",
)
HOME_WORDS = {"accueil", "home", "une", "a la une", "page d'accueil"}
_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)
_BYLINE_PREFIX = re.compile(r"^(?:par|by|de|auteurs?|author)\s*:?\s+", re.I)
_NAME_SPLIT = re.compile(r"\s*(?:;|,|\||&|\bet\b|\band\b)\s*")
_ENTITY_RE = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+\d*);", re.I)
_SKIPPED_TAGS = {"script", "style", "noscript", "template"}
_BYLINE_MARK = re.compile(r"author|auteur|byline|signature|signed", re.I)
# A byline is short; a longer element marked "author" is a biography or a list of links
MAX_BYLINE_CHARS = 120
_INLINE_TAGS = {"b", "strong", "em", "i", "span", "small", "label"}
MAX_LABEL_CHARS = 20
# A field's label that the element after it signs the article: <dt>Auteur</dt><dd>…</dd>
_CREDIT_LABEL = re.compile(
    r"(?:auteur(?:e|s|es|\((?:e|s|e\)\(s)\))?|authors?|par|by|textes?|(?:écrit|rédigé|signé)e? par)"
    r"\s*:?",
    re.I,
)


@dataclass(frozen=True)
class PageMeta:
    """What a page says about itself, before its text is read."""

    title: str | None = None
    date: str | None = None
    authors: tuple[str, ...] = ()
    section: str | None = None
    url: str | None = None
    publisher: str | None = None
    language: str | None = None
    bylines: tuple[str, ...] = ()  # texts of elements marked as author or byline, inner first
    credits: tuple[str, ...] = ()  # texts of elements a visible label names the author


def declared_charset(raw: bytes) -> str | None:
    """The Python codec a page declares in `<meta charset>` or `http-equiv`, if it knows it."""
    match = _CHARSET_RE.search(raw[:8192])
    if not match:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    # Browsers read a declared Latin-1 as Windows-1252 (WHATWG), and pages rely on it for ’ and œ
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


def decode_page(raw: bytes, fallback: str) -> str:
    """The page's text: UTF-8 when the bytes are valid UTF-8, else the declared charset."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    charset = declared_charset(raw)
    if charset and charset not in ("utf-8", "utf-8-sig"):
        try:
            return raw.decode(charset)
        except UnicodeDecodeError:
            pass
    return fallback


class _MetaParser(HTMLParser):
    """Collects head metadata, JSON-LD blocks and breadcrumb texts in one pass."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.lang: str | None = None
        self.canonical: str | None = None
        self.title_parts: list[str] = []
        self.h1_parts: list[str] = []
        self.h1_done = False
        self.jsonld: list[str] = []
        self.crumbs: list[str] = []
        self._stack: list[str] = []
        self._in_title = False
        self._in_h1 = False
        self._script_parts: list[str] | None = None
        self._crumb_depth: int | None = None
        self._crumb_link: list[str] | None = None
        self._skip = 0
        self.bylines: list[str] = []
        self.credits: list[str] = []
        self._byline_open: list[tuple[int, list[str], bool]] = []
        # the element whose only text is a credit label (-1: an inline one, closed: the
        # element around it may hold nothing else)
        self._label_depth: int | None = None
        self._credit_depth: int | None = None  # where the element after that label opens

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "html" and a.get("lang"):
            self.lang = a["lang"]
        elif tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content") and key not in self.meta:
                self.meta[key] = a["content"]
        elif tag == "link" and "canonical" in a.get("rel", "").lower().split():
            self.canonical = self.canonical or a.get("href")
        if tag in ("meta", "link", "br", "img", "input", "hr", "source", "base"):
            return  # void elements never close
        credited = self._credit_depth == len(self._stack)
        self._credit_depth = self._label_depth = None
        self._stack.append(tag)
        if tag == "script" and "ld+json" in a.get("type", "").lower():
            self._script_parts = []
        elif tag in _SKIPPED_TAGS:
            self._skip += 1
        elif tag == "title" and not self.title_parts:
            self._in_title = True
        elif tag == "h1" and not self.h1_done:
            self._in_h1 = True
        marks = f"{a.get('class', '')} {a.get('id', '')} {a.get('aria-label', '')}".lower()
        if credited or _BYLINE_MARK.search(f"{marks} {a.get('itemprop', '')} {a.get('rel', '')}"):
            self._byline_open.append((len(self._stack), [], credited))
        if self._crumb_depth is None and (
            "breadcrumb" in marks or "fil-ariane" in marks or "ariane" in marks
            or "breadcrumblist" in a.get("itemtype", "").lower()
        ):
            self._crumb_depth = len(self._stack)
        if self._crumb_depth is not None and tag in ("a", "span", "li") and not self.crumbs_busy():
            self._crumb_link = []
            self._crumb_tag = tag

    def crumbs_busy(self) -> bool:
        """Whether a breadcrumb item is being read (items nest: li > a > span)."""
        return self._crumb_link is not None

    def handle_endtag(self, tag: str) -> None:
        if tag not in self._stack:
            return
        while self._stack:
            open_tag = self._stack.pop()
            self._close(open_tag)
            if open_tag == tag:
                break

    def _close(self, tag: str) -> None:
        if tag == "script" and self._script_parts is not None:
            self.jsonld.append("".join(self._script_parts))
            self._script_parts = None
        elif tag in _SKIPPED_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag == "h1" and self._in_h1:
            self._in_h1 = False
            self.h1_done = bool(clean_line(" ".join(self.h1_parts)))
        while self._byline_open and self._byline_open[-1][0] > len(self._stack):
            _, parts, credited = self._byline_open.pop()
            text = clean_line(" ".join(parts))
            if text and len(text) <= MAX_BYLINE_CHARS:
                self.bylines.append(text)
                if credited:
                    self.credits.append(text)
        if self._label_depth is not None and self._label_depth > len(self._stack):
            # the label's element has closed: the next element beside it holds the name
            self._credit_depth = len(self._stack)
            self._label_depth = -1 if tag in _INLINE_TAGS else None
        elif self._credit_depth is not None and self._credit_depth > len(self._stack):
            # or beside the element that held nothing but the label in bold (<dt><b>Par</b></dt>)
            rise = self._label_depth == -1
            self._credit_depth, self._label_depth = (len(self._stack) if rise else None), None
        if self._crumb_link is not None and tag == self._crumb_tag:
            text = clean_line(" ".join(self._crumb_link))
            if text:
                self.crumbs.append(text)
            self._crumb_link = None
        if self._crumb_depth is not None and len(self._stack) < self._crumb_depth:
            self._crumb_depth = None

    def handle_data(self, data: str) -> None:
        if self._script_parts is not None:
            self._script_parts.append(data)
            return
        if self._skip:
            return
        if stripped := data.strip():
            label = len(stripped) <= MAX_LABEL_CHARS and _CREDIT_LABEL.fullmatch(clean_line(data))
            self._label_depth = len(self._stack) if label and self._stack else None
            self._credit_depth = None
        if self._in_title:
            self.title_parts.append(data)
        for _, parts, _ in self._byline_open:
            parts.append(data)
        if self._in_h1:
            self.h1_parts.append(data)
        if self._crumb_link is not None:
            self._crumb_link.append(data)


def _jsonld_objects(blocks: list[str]) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object of the page, flattening lists and `@graph`."""
    pending: list[Any] = []
    for block in blocks:
        try:
            pending.append(json.loads(block.strip().rstrip(";"), strict=False))
        except ValueError:
            continue  # broken JSON-LD is common; the meta tags usually say the same
    while pending:
        item = pending.pop(0)
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            yield item
            if isinstance(item.get("@graph"), list):
                pending.extend(item["@graph"])


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type", "")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds}


def _names(value: Any) -> list[str]:
    """Names in a JSON-LD person/organisation value (string, object or list of them)."""
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, str) and value.strip():
        return [value]
    return []


def _resolve(value: Any, by_id: dict[str, dict[str, Any]]) -> Any:
    """Follow JSON-LD `{"@id": ...}` references to the node of the graph they name."""
    if isinstance(value, list):
        return [_resolve(v, by_id) for v in value]
    if isinstance(value, dict) and "name" not in value and value.get("@id") in by_id:
        return by_id[value["@id"]]
    return value


def _unescaped(value: str | None) -> str | None:
    """A value whose entities were escaped twice by the site ('&amp;nbsp;'), read once more."""
    if value and _ENTITY_RE.search(value):
        return clean_line(html_lib.unescape(value)) or None
    return value


def _text(value: Any) -> str | None:
    """A single clean string from a JSON-LD value, or None."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url") or value.get("name")
    return clean_line(value) or None if isinstance(value, str) else None


def split_authors(values: list[str]) -> tuple[str, ...]:
    """People named by byline strings ('Par A. Traoré et B. Diallo'); no URLs, outlets or agencies.

    Each name goes through `archive.bylines.parse_byline`, so that HTML pages sign articles
    the way every other importer does: people only.
    """
    names: list[str] = []
    for value in values:
        value = clean_line(value)
        if not value or "://" in value or value.startswith(("@", "/")):
            continue
        for part in _NAME_SPLIT.split(_BYLINE_PREFIX.sub("", value)):
            for name in parse_byline(part.strip(" .-–—:")) or ():
                if fold(name) not in {fold(n) for n in names}:
                    names.append(name)
    return tuple(names)


def byline_people(texts: tuple[str, ...]) -> tuple[str, ...] | None:
    """The people of the first text that reads as a byline (() for an agency), else None."""
    for text in texts:
        found = parse_byline(_BYLINE_PREFIX.sub("", clean_line(text)))
        if found is not None:
            return found
    return None


def _breadcrumb_section(items: list[str], title: str | None) -> str | None:
    """The top rubric of a breadcrumb trail: the first item that is neither home nor the title."""
    folded_title = fold(title or "")
    for item in items:
        folded = fold(item).strip(" >»/›")
        if not folded or folded in HOME_WORDS or len(item) > 60:
            continue
        if folded_title and (folded in folded_title or folded_title in folded):
            continue
        return clean_line(item.strip(" >»/›"))
    return None


def read_meta(html: str) -> PageMeta:
    """Read a page's own statements about its title, date, authors, section, URL and site."""
    parser = _MetaParser()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):
        pass  # keep what was read before the markup became unreadable
    meta = parser.meta
    article: dict[str, Any] = {}
    crumbs_ld: list[str] = []
    objects = list(_jsonld_objects(parser.jsonld))
    by_id = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str) and len(o) > 1}
    for obj in objects:
        kinds = _types(obj)
        if "breadcrumblist" in kinds and not crumbs_ld:
            items = [i for i in obj.get("itemListElement") or [] if isinstance(i, dict)]
            items.sort(key=lambda i: int(i.get("position") or 0) if str(
                i.get("position") or "0").isdigit() else 0)
            crumbs_ld = [n for i in items for n in (_names(i) or _names(i.get("item")))[:1]]
        elif kinds & ARTICLE_TYPES and (not article or "webpage" in _types(article)):
            # a real article type wins over a generic WebPage
            if not article or kinds - {"webpage"}:
                article = obj

    title = _unescaped(
        _text(article.get("headline")) or clean_line(meta.get("og:title", ""))
        or clean_line(" ".join(parser.h1_parts)) or clean_line(" ".join(parser.title_parts))
        or None
    )
    date = None
    for candidate in [article.get("datePublished"), *(meta.get(k) for k in DATE_META),
                      article.get("dateCreated")]:
        if isinstance(candidate, str) and (date := parse_iso_date(candidate)):
            break
    authors = split_authors(_names(_resolve(article.get("author"), by_id))) or split_authors(
        [meta.get(k, "") for k in ("author", "article:author", "dc.creator", "byl",
                                   "parsely-author", "sailthru.author")]
    )
    section_value = article.get("articleSection") or meta.get("article:section")
    section = _text(section_value) if section_value else None
    if section and "," in section:
        # "à la une,Société": sites list the home-page slot along with the rubric
        section = _breadcrumb_section(section.split(","), None)
    section = section or _breadcrumb_section(crumbs_ld or parser.crumbs, title)
    # the first absolute address: a relative link says nothing once the page is saved, and
    # Radio-Canada's relative canonical link hid its og:url
    url = next((u for u in (clean_line(parser.canonical or ""), clean_line(meta.get("og:url", "")),
                            _text(article.get("url")) or "")
                if u.startswith(("http://", "https://"))), None)
    publisher = (clean_line(meta.get("og:site_name", "")) or
                 next(iter(_names(_resolve(article.get("publisher"), by_id))), None) or None)
    if publisher and ("/" in publisher or publisher.startswith("www.")):
        # some sites put their address in og:site_name
        publisher = re.sub(r"^(?:https?://)?(?:www\.)?", "", publisher).strip("/") or None
    language = parser.lang or meta.get("og:locale") or _text(article.get("inLanguage"))
    if language:
        language = language.replace("_", "-").split("-")[0].lower() or None
    return PageMeta(title=title, date=date, authors=authors, section=section, url=url,
                    publisher=clean_line(publisher) if publisher else None, language=language,
                    bylines=tuple(parser.bylines), credits=tuple(parser.credits))
