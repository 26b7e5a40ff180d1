"""What the words around a name say about it: an outlet named as one, running text, a trade term.

The organisation matcher (`organisations.Authority.extract`) asks these questions of a match
before it counts it:
- a newspaper whose title is also an ordinary phrase ("22 Septembre", "Journal du Mali") is
  meant only where the text names it as an outlet: in quotes or markdown italics, after "le
  journal", "selon", "d'après", before "rapporte", "écrit", or as a credit ("Source : L'Essor",
  "Moussa Koné / L'Essor", "(22 Septembre)");
- a short acronym (UA, CNT, ALG) is meant only in running text, not in a line in capitals (a
  headline "AU CNT, LE BUDGET…") nor among codes ("ALG 2-1 TUN" in sports scores);
- a word before an acronym can make it something else ("prix CAF", a trade term).
The importers keep no italics (trafilatura's text output drops them), so quotes and cues are
what the articles themselves show; an archivist may still write `*L'Essor*` in an article file.
"""

from __future__ import annotations

import re

# Before an outlet's title (folded text, the title's own article included in the match):
# "selon le journal", "d'après notre confrère", "lu dans", "Source :", "©".
_OUTLET_BEFORE = re.compile(
    r"(?:\b(?:journal|quotidien|hebdomadaire|bihebdomadaire|bimensuel|mensuel|magazine|"
    r"confreres?|consoeurs?|confrere|titre|site|selon|d'apres|lu\s+dans|paru\s+dans|"
    r"publiee?s?\s+(?:dans|par)|citee?s?\s+par|interroge\s+par|a\s+la\s+une\s+d[eu]|"
    r"source\s*:|sources\s*:)|©)"
    r"(?:\s+(?:malien|local|national|gouvernemental|prive|public|d'etat|en\s+ligne))?"
    r"[\s\u00a0]*(?:le\s+|la\s+|les\s+|l'\s?|du\s+|de\s+)?$")
# After it: "22 Septembre rapporte que…", "L'Essor a appris…".
_OUTLET_AFTER = re.compile(
    r"[\s\u00a0]+(?:rapporte|ecrit|revele|relate|releve|annonce|publie|indique|souligne|"
    r"affirme|precise|titre|croit\s+savoir|a\s+(?:appris|rapporte|ecrit|revele|publie|"
    r"annonce|indique|titre|interroge|contacte|recueilli))\b")
_QUOTES = {"«": "»", "“": "”", '"': '"', "‘": "’", "*": "*", "_": "_"}
# A credit line: the title alone, or at its end after a name and a separator.
_CREDIT_LEAD = re.compile(r"(?:^|[/|–—\-(]|\bpar\b[^\n]{0,60}[,/–—-])[\s\u00a0]*"
                          r"(?:le\s+|la\s+|les\s+|l'\s?)?$")
CREDIT_LINE_CHARS = 80


def names_outlet(text: str, folded: str, start: int, end: int) -> bool:
    """Whether the title at text[start:end] is named as an outlet (see the module's note)."""
    before = text[max(0, start - 2):start].rstrip("\u00a0 ")
    after = text[end:end + 2].lstrip("\u00a0 ")
    if before[-1:] in _QUOTES and after[:1] == _QUOTES[before[-1]]:
        return True
    if _OUTLET_BEFORE.search(folded, max(0, start - 60), start) or \
            _OUTLET_AFTER.match(folded, end, end + 40):
        return True
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    rest = text[end:line_end].strip(" \u00a0.)")
    if line_end - line_start > CREDIT_LINE_CHARS or rest:
        return False
    return bool(_CREDIT_LEAD.search(folded[line_start:start]))


def in_running_text(text: str, start: int, end: int) -> bool:
    """Whether a match sits in running text: its line has words in lower case and is not
    mostly capitals (a headline in capitals, a line of codes or scores is not)."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start:start] + " " + text[end:len(text) if line_end < 0 else line_end]
    words = re.findall(r"[^\W\d_]+", line)
    letters = sum(len(w) for w in words)
    upper = sum(c.isupper() for w in words for c in w)
    has_lower_word = any(len(w) >= 2 and any(c.islower() for c in w) for w in words)
    return has_lower_word and upper <= 0.6 * letters


def after_word(folded: str, start: int, words: frozenset[str]) -> bool:
    """Whether the word right before `start` (folded text) is one of `words`: "prix CAF"."""
    found = re.search(r"([^\W\d_]+)[\s\u00a0]*$", folded[max(0, start - 30):start])
    return bool(found) and found.group(1) in words
