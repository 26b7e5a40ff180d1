"""Snippets: a short passage of an article with the matched words in `<mark>`, all else escaped.

Matching runs the index's own analyzer over the text, so stemmed and folded forms light up
(`syndicats` marks `syndicat`, `securite` marks `sécurité`). Only a window of the most
promising paragraph is analyzed, found by a cheap search of the terms' first letters (any case
and accent, in the text as it is), so snippets stay cheap on long articles.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from itertools import groupby

import numpy as np

from ..engine.docnums import distinct, meeting
from ..engine.postings import Postings
from ..indexing.analysis import ELIDED, word_tokens
from ..organisations import LIGATURES, letter_class
from .querybuild import Marks

SNIPPET_CHARS = 240
MAX_ANALYZED_PARAGRAPHS = 3
LEAD_CHARS = 60  # context kept before the first marked word
PROBE_CHARS = 4  # a term's first letters, looked for in the text before analyzing
MAX_WINDOW_STARTS = 30
_TAGS = re.compile(r"<[^>]*>")


def snippet_html(text: str, analyzer, marks: Marks | None, max_chars: int = SNIPPET_CHARS) -> str:
    """An HTML-safe passage of `text` of about `max_chars`, matched words wrapped in `<mark>`;
    the opening of the text when no word of it matches (a match in the title only)."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if not paragraphs:
        return ""
    if not marks:
        return _plain(paragraphs[0], max_chars)
    tried: set[tuple[int, int]] = set()  # windows analyzed: (paragraph's id, start)
    if marks.phrases:
        # Where a phrase's words begin words next to each other first: the windows holding
        # most of its words are often where they stand apart, each read in vain (a phrase's
        # snippet analyzed twice the text a word's did).
        spans, paragraph = _first_match(_phrase_windows(paragraphs, marks), analyzer,
                                        marks, max_chars, tried)
        if spans:
            return _render(paragraph, spans, max_chars)
    # Where a whole term begins a word first: a term's first letters alone often begin other
    # words (`educ` of `éducation` for `éducelle`), and each window read in vain is analyzed.
    exact = _windows(paragraphs, marks, max_chars, probe=None)
    spans, paragraph = _first_match(exact, analyzer, marks, max_chars, tried)
    if spans:
        return _render(paragraph, spans, max_chars)
    # Then where a term's first letters begin a word (a whole term begins with them, so the
    # windows above are among these: this scan is needed only when they held no match).
    windows = _windows(paragraphs, marks, max_chars)
    if not windows:
        # every paragraph was scanned and none holds even a term's first letters, so none
        # holds a whole term (the title alone matches)
        return _plain(paragraphs[0], max_chars)
    spans, paragraph = _first_match(windows, analyzer, marks, max_chars, tried)
    if spans:
        return _render(paragraph, spans, max_chars)
    # The probes can mislead (`syndicaux` begins like `syndicat`): a match is shown when the
    # text has one, so the other paragraphs where a whole term begins a word are read whole,
    # then those where a term's first letters do (a stem need not begin its words: `travaux`
    # is `traval`, `initiative` `initiatif`, and a window at "traverse" missed "travaux"
    # further on); then those a window read in part, which can miss its paragraph's match (a
    # phrase's words near each other but apart, and the phrase itself further on).
    candidates = _windows(paragraphs, marks, max_chars, every=True, probe=None)
    whole_terms = {id(p) for p, _start in candidates}
    candidates += [(p, start) for p, start in _windows(paragraphs, marks, max_chars, every=True)
                   if id(p) not in whole_terms]
    windowed = {number for number, _start in tried}
    whole = {number for number, start in tried if start < 0}
    for paragraph in [p for p, _start in candidates if id(p) not in windowed] + \
            [p for p, _start in candidates if id(p) in windowed and id(p) not in whole]:
        spans = _matches(paragraph, analyzer, marks, 0)
        if spans:
            return _render(paragraph, spans, max_chars)
    return _plain(paragraphs[0], max_chars)


def bodies_holding(postings: Postings, marks: Marks, docs: list[int]) -> set[int] | None:
    """Which of the documents' bodies hold a marked word or phrase, from the index (their
    words' postings; a phrase's documents as the search matched them): the others' snippets
    are their openings, found without reading them. None when the index cannot tell (a
    prefix marks every word it begins)."""
    if marks.prefixes or not docs:
        return None
    wanted = distinct(np.asarray(docs, dtype=np.intp))  # (np.unique imports numpy.ma)
    held = np.zeros(len(wanted), dtype=bool)
    for term in marks.terms:
        held[meeting(wanted, postings.arrays("body", term)[0])[0]] = True
    for phrase in marks.phrases:
        found = postings.phrase_documents_among("body", list(phrase), 1, wanted)
        if found is None:
            return None
        held[meeting(wanted, found)[0]] = True
    return set(wanted[held].tolist())


def _first_match(windows: list[tuple[str, int]], analyzer, marks: Marks, max_chars: int,
                 tried: set[tuple[int, int]]) -> tuple[list[tuple[int, int]], str]:
    """The matched spans of the first of the best windows (not tried yet, at most
    MAX_ANALYZED_PARAGRAPHS) holding a match, and its paragraph; ([], "") when none does."""
    fresh = [(p, start) for p, start in windows if (id(p), start) not in tried]
    for paragraph, start in fresh[:MAX_ANALYZED_PARAGRAPHS]:
        tried.add((id(paragraph), start))
        lo = 0 if start <= LEAD_CHARS else paragraph.rfind(" ", 0, start - LEAD_CHARS) + 1
        hi = paragraph.find(" ", min(len(paragraph), lo + max_chars + LEAD_CHARS))
        hi = len(paragraph) if hi < 0 else hi
        if lo == 0 and hi == len(paragraph):
            tried.add((id(paragraph), -1))  # the whole paragraph was read
        spans = _matches(paragraph[lo:hi], analyzer, marks, lo)
        if spans:
            return spans, paragraph
    return [], ""


def title_html(title: str, analyzer, marks: Marks | None) -> str:
    """The whole title, HTML-safe, its matched words wrapped in `<mark>`."""
    probably = marks and title and _windows([title], marks, len(title), every=True)
    spans = _matches(title, analyzer, marks, 0) if probably else []
    out, at = [], 0
    for start, end in spans:
        out.append(html.escape(title[at:start], quote=True))
        out.append(f"<mark>{html.escape(title[start:end], quote=True)}</mark>")
        at = end
    out.append(html.escape(title[at:], quote=True))
    return "".join(out)


def _windows(paragraphs: list[str], marks: Marks, max_chars: int, every: bool = False,
             probe: int | None = PROBE_CHARS) -> list[tuple[str, int]]:
    """Where the query's words probably are: (paragraph, offset) pairs, most distinct words
    first, found by a C-speed search of term beginnings (`probe` letters, or whole terms) in
    the text (any case, any accent); up to the first paragraph holding every probe, or
    `every` paragraph holding one."""
    words = marks.terms | marks.prefixes | {w for phrase in marks.phrases for w in phrase}
    # names are indexed in capitals, probes are lowercase (their patterns take either case)
    probes = sorted({t.lower()[:probe] for t in words if t and not t.startswith(ELIDED)}
                    | {_letters(form, probe) for form in marks.compounds},
                    key=len, reverse=True)
    if not probes:
        return []
    finder = _finder(tuple(probes))
    found = []
    for order, paragraph in enumerate(paragraphs):
        hits = [(m.start(), m.lastgroup) for m in finder.finditer(paragraph)]
        if not hits:
            continue
        best_start, best_count = hits[0][0], 0
        for i, (start, _) in enumerate(hits[:MAX_WINDOW_STARTS]):
            near = {probe for pos, probe in hits[i:] if pos < start + max_chars - LEAD_CHARS}
            if len(near) > best_count:
                best_start, best_count = start, len(near)
                if best_count == len(probes):  # none can hold more (a word's first place)
                    break
        found.append((-best_count, order, paragraph, best_start))
        if best_count == len(probes) and not every:
            break
    found.sort(key=lambda item: item[:2])
    return [(paragraph, start) for _, _, paragraph, start in found]


def _letters(text: str, count: int | None) -> str:
    """The text up to its `count`-th letter (all of it for None), what stands between its
    letters kept: a compound's probe (`au-de` of `au-dela`)."""
    if count is None:
        return text
    seen = 0
    for at, char in enumerate(text):
        seen += char.isalpha()
        if seen == count:
            return text[:at + 1]
    return text


def _phrase_windows(paragraphs: list[str], marks: Marks) -> list[tuple[str, int]]:
    """Where a phrase's first two words begin words standing together (a few words apart at
    most: the stop words a phrase skips), in paragraph order: (paragraph, offset) of each
    paragraph's first such place."""
    finder = _phrase_finder(tuple(sorted({phrase[:2] for phrase in marks.phrases
                                          if len(phrase) > 1})))
    if finder is None:
        return []
    found = []
    for paragraph in paragraphs:
        match = finder.search(paragraph)
        if match:
            found.append((paragraph, match.start()))
    return found


PHRASE_GAP_WORDS = 2  # words between two of a phrase's, for its finder (`ministre de la santé`)


@lru_cache(maxsize=256)
def _phrase_finder(pairs: tuple[tuple[str, str], ...]) -> re.Pattern | None:
    """The pattern finding where the first word of a pair begins a word and the second one
    begins one of the next few; None without pairs. Only pairs: each gap is a choice, and a
    chain of 30 words would try every combination of them before failing."""
    if not pairs:
        return None
    # possessive: the rest of a word and each word between are taken whole, never given back
    # letter by letter (a word of 20,000 letters took 10 s to fail)
    gap = rf"\w*+(?:\W++\w++){{0,{PHRASE_GAP_WORDS}}}?\W++"
    return re.compile(r"(?<!\w)(?:" + "|".join(
        f"(?>{_spelled(first.lower())})" + gap
        + _spelled(second.lower()) for first, second in pairs) + ")")


@lru_cache(maxsize=256)
def _finder(probes: tuple[str, ...]) -> re.Pattern:
    """The pattern finding any of the probes where a word begins, each probe its own group,
    which names it whatever spelling of it the text has: made once per search, not per hit
    (making it was a fifth of a scan)."""
    # the probes' first letters looked ahead first: the engine then skips to where one stands
    # (a third faster over a body than trying the look-behind everywhere)
    firsts = {letter_class(probe[0])[1:-1] for probe in probes} | \
        {letter_class(_LIGATURES[probe[0]])[1:-1] for probe in probes if _ligature_begins(probe)}
    return re.compile(rf"(?=[{''.join(sorted(firsts))}])(?<!\w)(?:" + "|".join(
        f"(?P<p{number}>{_spelled(probe)})" for number, probe in enumerate(probes)) + ")")


def _spelled(term: str) -> str:
    """A pattern of a term's letters in any case and accent (the analyzer folds them), each
    of which may stand doubled in the text: the light stemmer writes a doubled letter once
    (`attentat` → `atentat`, `assemblée` → `asembl`), so a stem is not always how its words
    begin. A run of one letter in the term is one `x+`: two in a row (`x+x+`) would let a
    failing match try every split of a long run. The term's `oe` and `ae` also find their
    ligature (`coeu` finds `cœur`)."""
    runs = [(c, len(list(run))) for c, run in groupby(term)]
    parts = []
    at = 0
    while at < len(runs):
        letter, count = runs[at]
        if not letter.isalpha():
            parts.append(letter_class(letter) * count)
        elif _ligature_begins("".join(c for c, _ in runs[at:at + 2])):
            ligature = letter_class(_LIGATURES[letter])
            if at + 1 < len(runs):  # `oe`: either spelling
                parts.append(f"(?:{letter_class(letter)}+{letter_class('e')}+|{ligature})")
                at += 1
            else:  # a probe cut between `o` and `e` (`mano` of `manoeuvr`)
                parts.append(f"(?:{letter_class(letter)}+|{ligature})")
        else:
            parts.append(letter_class(letter) + "+")
        at += 1
    return "".join(parts)


# The analyzer writes a ligature as its letters (`œuvre` → `oeuvr`, `cœur` → `coeu`); the
# text has one character for two. A sixth of the shared corpus's articles write `œ` (cœur,
# œuvre, sœur, vœux, manœuvre).
_LIGATURES = {letters[0]: ligature for ligature, letters in LIGATURES.items()}  # o: œ


def _ligature_begins(letters: str) -> bool:
    """Whether a term's letters here may stand as a ligature in the text: `oe`, `ae`, or a
    probe's last `o` or `a` (the `e` after it cut off)."""
    return letters[:1] in _LIGATURES and letters[1:2] in ("", "e")


def _matches(window: str, analyzer, marks: Marks, offset: int) -> list[tuple[int, int]]:
    """Character spans (in the paragraph) of the window's matched tokens, overlaps merged."""
    starts, per_word = word_tokens(analyzer, window)
    # Each distinct word is weighed once a search: a word seen before gives the same tuple of
    # tokens, kept by the marks with what it matched and its words for a phrase (a phrase's
    # words follow each other as words: without a compound's joined form, `saintgermain` of
    # `Saint-Germain`, or an elided word's second form).
    weighed = marks.weighed
    spans = []
    words: list[tuple[str, int, int]] = []
    phrases = marks.phrases
    for at, tokens in zip(starts, per_word, strict=True):
        known = weighed.get(id(tokens))
        if known is None or known[0] is not tokens:
            known = weighed[id(tokens)] = (
                tokens, [(start, end) for text, start, end, _ in tokens if marks.matches(text)],
                [(text, start, end) for text, start, end, joined in tokens
                 if not joined and not text.startswith(ELIDED)])
        at += offset
        for start, end in known[1]:
            spans.append((at + start, at + end))
        if phrases:
            for text, start, end in known[2]:
                words.append((text, at + start, at + end))
    if phrases:
        spans += _phrase_spans(words, phrases)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _phrase_spans(tokens: list[tuple[str, int, int]],
                  phrases: set[tuple[str, ...]]) -> list[tuple[int, int]]:
    """Spans of phrases whose words follow each other (stop words between them ignored)."""
    texts = [text for text, _, _ in tokens]
    spans = []
    for phrase in phrases:
        n = len(phrase)
        first = phrase[0]
        for i, text in enumerate(texts[:len(texts) - n + 1]):
            if text == first and tuple(texts[i:i + n]) == phrase:
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


def plain_text(snippet_html: str) -> str:
    """A snippet without its `<mark>` tags and entities, for text-only contexts."""
    return html.unescape(_TAGS.sub("", snippet_html))
