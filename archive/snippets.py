"""Snippets: a short passage of an article with the matched words in `<mark>`, all else escaped.

Matching runs the index's own analyzer over the text, so stemmed and folded forms light up
(`syndicats` marks `syndicat`, `securite` marks `sécurité`). Only a few candidate paragraphs
are analyzed, chosen by a cheap substring test, so snippets stay cheap on long articles.
"""

from __future__ import annotations

import html

from .analysis import fold
from .querybuild import Marks

SNIPPET_CHARS = 240
MAX_ANALYZED_PARAGRAPHS = 3
LEAD_CHARS = 60  # context kept before the first marked word


def snippet_html(text: str, analyzer, marks: Marks | None, max_chars: int = SNIPPET_CHARS) -> str:
    """An HTML-safe passage of `text` of about `max_chars`, matched words wrapped in `<mark>`."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if not paragraphs:
        return ""
    if not marks:
        return _plain(paragraphs[0], max_chars)
    best: tuple[int, int, str, list[tuple[int, int]]] | None = None
    for paragraph in _candidates(paragraphs, marks)[:MAX_ANALYZED_PARAGRAPHS]:
        spans, distinct = _matches(paragraph, analyzer, marks)
        score = (distinct, len(spans))
        if spans and (best is None or score > best[:2]):
            best = (distinct, len(spans), paragraph, spans)
            if distinct >= len(marks.terms) + len(marks.prefixes) + len(marks.phrases):
                break
    if best is None:
        return _plain(paragraphs[0], max_chars)
    return _render(best[2], best[3], max_chars)


def _candidates(paragraphs: list[str], marks: Marks) -> list[str]:
    """Paragraphs whose folded text contains the start of a term: a superset of the matches."""
    words = marks.terms | marks.prefixes | {phrase[0] for phrase in marks.phrases}
    probes = {t[:4] for t in words if t}
    return [p for p in paragraphs if any(probe in fold(p) for probe in probes)]


def _matches(paragraph: str, analyzer, marks: Marks) -> tuple[list[tuple[int, int]], int]:
    """Character spans of matched tokens (overlaps merged) and the count of distinct terms."""
    spans: list[tuple[int, int]] = []
    seen: set[object] = set()
    tokens = [(t.text, t.startchar, t.endchar) for t in
              analyzer(paragraph, chars=True, mode="index")]
    for text, start, end in tokens:
        if marks.matches(text):
            seen.add(text)
            spans.append((start, end))
    if marks.phrases:
        spans += _phrase_spans(tokens, marks.phrases, seen)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged, len(seen)


def _phrase_spans(tokens: list[tuple[str, int, int]], phrases: set[tuple[str, ...]],
                  seen: set[object]) -> list[tuple[int, int]]:
    """Spans of phrases whose words follow each other (stop words between them ignored)."""
    texts = [text for text, _, _ in tokens]
    spans = []
    for phrase in phrases:
        n = len(phrase)
        for i in range(len(texts) - n + 1):
            if tuple(texts[i:i + n]) == phrase:
                seen.add(phrase)
                spans += [(start, end) for _, start, end in tokens[i:i + n]]
    return spans


def _render(paragraph: str, spans: list[tuple[int, int]], max_chars: int) -> str:
    """Cut a window around the first match at word boundaries; escape, then mark."""
    first = spans[0][0]
    start = 0 if first < LEAD_CHARS else paragraph.rfind(" ", 0, first - LEAD_CHARS) + 1
    end = len(paragraph)
    if end - start > max_chars:
        cut = paragraph.rfind(" ", start, start + max_chars)
        end = cut if cut > max(first, start) else start + max_chars
    out = ["…"] if start > 0 else []
    at = start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(html.escape(paragraph[at:s], quote=True))
        out.append(f"<mark>{html.escape(paragraph[s:e], quote=True)}</mark>")
        at = e
    out.append(html.escape(paragraph[at:end], quote=True))
    if end < len(paragraph):
        out.append("…")
    return "".join(out)


def _plain(paragraph: str, max_chars: int) -> str:
    """The opening of a paragraph, escaped, cut at a word boundary."""
    if len(paragraph) <= max_chars:
        return html.escape(paragraph, quote=True)
    cut = paragraph.rfind(" ", 0, max_chars)
    return html.escape(paragraph[: cut if cut > 0 else max_chars], quote=True) + "…"
