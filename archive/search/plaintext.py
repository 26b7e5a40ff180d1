"""Plain-text rendering of a search result for the terminal (`archive search`)."""

from __future__ import annotations

import html
import re

import click

from .request import SearchResult

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def snippet_text(snippet_html: str) -> str:
    """A snippet for the terminal: marked words in bold (plain when piped), entities decoded."""
    parts = []
    at = 0
    for match in _MARK.finditer(snippet_html):
        parts.append(html.unescape(snippet_html[at:match.start()]))
        parts.append(click.style(html.unescape(match[1]), bold=True))
        at = match.end()
    parts.append(html.unescape(snippet_html[at:]))
    return "".join(parts)


def render_result(result: SearchResult) -> str:
    """Hits with their metadata and snippet, then the facet counts and the year histogram."""
    first = (result.page - 1) * result.page_size
    lines = [f"{result.total} result(s), page {result.page}/{max(result.pages, 1)}, "
             f"sorted by {result.sort}, {result.elapsed_ms:.0f} ms"
             + (" (partial: time limit reached)" if result.partial else "")]
    if result.suggestion:
        lines.append(f"Did you mean: {result.suggestion}")
    for number, hit in enumerate(result.hits, start=first + 1):
        date = f"c. {hit.date}" if hit.date_estimated else hit.date  # an estimate from the text
        meta = " · ".join(x for x in (date, hit.section, ", ".join(hit.authors)) if x)
        lines.append("")
        lines.append(f"{number}. {hit.title}  [{hit.id}]")
        if meta:
            lines.append(f"   {meta}")
        if hit.snippet_html:
            lines.append(f"   {snippet_text(hit.snippet_html)}")
    lines.append("")
    for facet, counts in result.facets.items():
        if counts:
            shown = ", ".join(f"{'*' if fc.selected else ''}{fc.value} ({fc.count})"
                              for fc in counts)
            lines.append(f"{facet}: {shown}")
    if result.histogram:
        lines.append("per year: " + ", ".join(f"{y}: {n}" for y, n in result.histogram)
                     + ("" if result.estimated else " (estimated dates excluded)"))
    return "\n".join(lines)
