"""Follow a search: an Atom feed of its newest hits, and the OpenSearch description of the site.

Both are built with ElementTree, which escapes every text and attribute value.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from ..search.snippets import plain_text

ATOM_NS = "http://www.w3.org/2005/Atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
ATOM_TYPE = "application/atom+xml"
# the category scheme that flags an entry's date as estimated from the article's text
DATES_SCHEME = "urn:x-press-archive:date"
OPENSEARCH_TYPE = "application/opensearchdescription+xml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _timestamp(date: str | None, fallback: dt.datetime) -> str:
    """An RFC 3339 time for a stored date (a partial date counts from its first day)."""
    if date:
        parts = [int(p) for p in date.split("-")] + [1, 1]
        try:
            return dt.datetime(parts[0], parts[1], parts[2], tzinfo=dt.UTC).isoformat()
        except ValueError:
            pass
    return fallback.isoformat()


def atom_feed(title: str, feed_id: str, self_url: str, alternate_url: str,
              hits: Sequence[object], article_url: Callable[[str], str],
              updated: dt.datetime, lang: str = "fr",
              estimated_label: str = "date estimated from the text") -> bytes:
    """An Atom 1.0 feed of search hits: one entry per hit, newest first as given.

    A date estimated from the text is no publication date: its entry has no `published`, and
    a category says so (`DATES_SCHEME`, term `estimated`, labelled `estimated_label`); its
    `updated`, which Atom requires, is the estimate's first day."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {XML_LANG: lang})
    _sub(feed, "title", title)
    _sub(feed, "id", feed_id)
    _sub(feed, "updated", updated.isoformat())
    _sub(feed, "link", rel="self", type=ATOM_TYPE, href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=alternate_url)
    _sub(feed, "generator", "press-archive")
    for hit in hits:
        url = article_url(hit.id)
        entry = _sub(feed, "entry")
        _sub(entry, "title", hit.title)
        _sub(entry, "id", url)
        _sub(entry, "link", rel="alternate", type="text/html", href=url)
        _sub(entry, "updated", _timestamp(hit.date, updated))
        if hit.date and hit.date_estimated:
            _sub(entry, "category", scheme=DATES_SCHEME, term="estimated", label=estimated_label)
        elif hit.date:
            _sub(entry, "published", _timestamp(hit.date, updated))
        for name in hit.authors or ["—"]:
            _sub(_sub(entry, "author"), "name", name)
        if hit.section:
            _sub(entry, "category", term=hit.section)
        _sub(entry, "summary", plain_text(hit.snippet_html), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def opensearch_description(short_name: str, description: str, search_template: str,
                           atom_template: str, json_template: str, lang: str = "fr") -> bytes:
    """The OpenSearch 1.1 description that lets browsers add the archive as a search engine."""
    ET.register_namespace("", OPENSEARCH_NS)
    root = ET.Element(f"{{{OPENSEARCH_NS}}}OpenSearchDescription")
    ET.SubElement(root, f"{{{OPENSEARCH_NS}}}ShortName").text = short_name[:16]
    ET.SubElement(root, f"{{{OPENSEARCH_NS}}}Description").text = description[:1024]
    ET.SubElement(root, f"{{{OPENSEARCH_NS}}}InputEncoding").text = "UTF-8"
    ET.SubElement(root, f"{{{OPENSEARCH_NS}}}Language").text = lang
    for kind, template in (("text/html", search_template), (ATOM_TYPE, atom_template),
                           ("application/json", json_template)):
        ET.SubElement(root, f"{{{OPENSEARCH_NS}}}Url", {"type": kind, "template": template})
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}",
                            {k: _NOT_XML.sub("", v) for k, v in attrs.items()})
    if text is not None:
        element.text = _NOT_XML.sub("", text)  # XML 1.0 cannot carry these, even escaped
    return element
