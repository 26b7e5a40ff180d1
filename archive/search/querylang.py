"""The French query language: a bounded tokenizer and parser, guarded before any work is done.

People type French, not Lucene: words are ANDed, `"…"` makes a phrase, `OU`/`OR`, `ET`/`AND`,
`SAUF`/`NOT` and `-mot` combine, parentheses group, `titre:`/`auteur:`/`rubrique:`/
`organisation:`/`année:` (and English names) pick a field, `mot*` is a prefix, `mot~` fuzzy.
Every bound comes from `Limits` and a refusal names the limit. This module knows nothing of
Whoosh: it yields a small tree that `querybuild` turns into index queries.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ..config import Limits
from ..errors import QueryError
from ..facets import Registry, registry
from ..textnorm import fold, has_lone_surrogate

# Prefixes of the fields that are not facets; each facet declares its own (`facets.py`).
TEXT_PREFIXES = {"titre": "title", "title": "title"}
OPERATORS = {"OU": "OR", "OR": "OR", "ET": "AND", "AND": "AND", "SAUF": "NOT", "NOT": "NOT"}
# Quotes people type: straight, curly and French guillemets.
QUOTES = {'"': '"', "“": "”", "”": "”", "«": "»", "„": "“"}
_WORD_END = re.compile(r"[\s()\"“”«»„]")
_YEAR_RANGE = re.compile(r"^(\d{4})(?:\s*(?:-|\.\.)\s*(\d{4}))?$")
# What the analyzer makes words of: runs of letters or digits, less an elided article (`l'`,
# `qu'`) before a word. `a.b.c` or `a-b-c` is three words to match and rank, not one.
_WORD_PART = re.compile(r"[^\W_]+")
_ELIDED_PART = re.compile(r"[^\W_]+['’ʼ](?=[^\W_])")


@dataclass(frozen=True)
class Word:
    """One typed word, optionally a prefix (`mot*`) or fuzzy (`mot~`), optionally in a field."""

    text: str
    field: str | None = None
    prefix: bool = False
    fuzzy: bool = False


@dataclass(frozen=True)
class Phrase:
    """Words that must follow each other (`"union européenne"`)."""

    text: str
    field: str | None = None


@dataclass(frozen=True)
class Years:
    """`année:2019` or `année:2015-2018`: an inclusive range of publication years."""

    start: int
    end: int


@dataclass(frozen=True)
class AllOf:
    """Every child must match."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    """At least one child must match."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """The child must not match."""

    child: Node


Node = Word | Phrase | Years | AllOf | AnyOf | Not


@dataclass(frozen=True)
class _Token:
    kind: str  # word, phrase, field, open, close, OR, AND, NOT, minus
    text: str = ""


def field_prefixes() -> dict[str, str]:
    """Every `prefix:` the language knows (folded, without accents) and the field it picks."""
    return _prefixes(registry())


@functools.cache
def _prefixes(facets: Registry) -> dict[str, str]:
    return {**TEXT_PREFIXES, **{p: f.name for f in facets for p in f.prefixes}}


def _refuse(reason: str) -> QueryError:
    return QueryError("query_not_understood", reason=reason)


def tokenize(text: str, limits: Limits) -> list[_Token]:
    """Split a query into tokens in one linear pass, enforcing depth, term and prefix limits."""
    tokens: list[_Token] = []
    depth = terms = 0
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in QUOTES:
            close = phrase_close(text, i)
            if close < 0:
                # a quote without its pair is no operator: a headline pasted from a page that
                # opens with " and closes with ” was refused; its words are searched
                i += 1
                continue
            phrase = text[i + 1 : close].strip()
            if phrase:
                tokens.append(_Token("phrase", phrase))
                terms += word_count(phrase)
            i = close + 1
        elif char == "(":
            depth += 1
            if depth > limits.query_max_depth:
                raise QueryError("query_too_deep", count=depth, limit=limits.query_max_depth)
            tokens.append(_Token("open"))
            i += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise _refuse("a closing parenthesis has no opening one")
            tokens.append(_Token("close"))
            i += 1
        elif char in "-+" and (i + 1 < n and not _WORD_END.match(text[i + 1])):
            if char == "-":
                tokens.append(_Token("minus"))
                terms += 1  # as SAUF does: 495 signs in a row nested as many NOTs
            i += 1
        elif char == "»":
            i += 1  # a closing guillemet with no opening one (a pasted title's end) means nothing
        else:
            end = _WORD_END.search(text, i + 1)
            stop = end.start() if end else n
            found = _word_tokens(text[i:stop], limits)
            tokens.extend(found)
            terms += sum(word_count(t.text) if t.kind == "word" else t.kind != "field"
                         for t in found)
            i = stop
        if terms > limits.query_max_terms:
            raise QueryError("query_too_many_terms", count=terms, limit=limits.query_max_terms)
    if depth > 0:
        raise _refuse("a parenthesis is not closed")
    return tokens


def phrase_close(text: str, i: int) -> int:
    """Where the phrase whose opening quote is at `i` closes, or -1 when it does not."""
    close = text.find(QUOTES[text[i]], i + 1)
    if close < 0 and text[i] in "“”":
        close = text.find('"', i + 1)
    return close


def quoted_whole(text: str) -> bool:
    """Whether a query is one phrase in quotes from end to end (a page naming it adds none)."""
    text = text.strip()
    return len(text) > 1 and text[0] in QUOTES and phrase_close(text, 0) == len(text) - 1


def word_count(text: str) -> int:
    """How many words of the query limit a typed word or phrase counts for: its parts, as the
    analyzer splits them (a word of dots or hyphens counted one, and a query of 32 such words
    matched and ranked 3,000), at least one."""
    return max(1, len(_WORD_PART.findall(text)) - len(_ELIDED_PART.findall(text)))


def _word_tokens(raw: str, limits: Limits) -> list[_Token]:
    """One run of non-space text: an operator, a `field:` prefix (and its value), a word."""
    if raw in OPERATORS:
        return [_Token(OPERATORS[raw])]
    name, colon, rest = raw.partition(":")
    picked = field_prefixes().get(fold(name)) if colon else None
    if picked is not None:
        field = _Token("field", picked)
        return [field, *(_word_tokens(rest, limits) if rest else [])]
    _check_wildcards(raw, limits)
    return [_Token("word", raw)]


def _check_wildcards(raw: str, limits: Limits) -> None:
    """Only a trailing `*` after enough letters; a leading or inner wildcard scans the lexicon."""
    body = raw.rstrip("*~")
    if "*" in body or "?" in body.strip("?!.,;:"):
        if body.startswith(("*", "?")):
            raise QueryError("wildcard_start", word=raw, n=limits.query_min_prefix)
        raise QueryError("wildcard_inside", word=raw)
    if raw.endswith("*"):
        letters = sum(c.isalnum() for c in body)
        if letters < limits.query_min_prefix:
            raise QueryError("prefix_too_short", word=raw, n=limits.query_min_prefix)


class _Parser:
    """Recursive descent over the tokens; recursion is bounded by the depth and term limits."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at].kind if self.at < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def parse(self) -> Node:
        node = self.any()
        if self.peek() is not None:
            raise _refuse("unexpected closing parenthesis")
        return node

    def any(self) -> Node:
        children = [self.all()]
        while self.peek() == "OR":
            self.take()
            if self.peek() in (None, "close", "OR"):
                raise _refuse("OU/OR needs words on both sides")
            children.append(self.all())
        return children[0] if len(children) == 1 else AnyOf(tuple(children))

    def all(self) -> Node:
        children: list[Node] = []
        while self.peek() not in (None, "close", "OR"):
            if self.peek() == "AND":
                self.take()
                if not children or self.peek() in (None, "close", "OR", "AND"):
                    raise _refuse("ET/AND needs words on both sides")
                continue
            children.append(self.unary())
        if not children:
            raise _refuse("an operator or parenthesis has no words")
        return children[0] if len(children) == 1 else AllOf(tuple(children))

    def unary(self) -> Node:
        if self.peek() in ("NOT", "minus"):
            self.take()
            if self.peek() in (None, "close", "OR", "AND"):
                raise _refuse("SAUF/NOT and - need a word after them")
            child = self.unary()
            # `--mot` is `mot`: each NOT is a pass over the whole archive
            return child.child if isinstance(child, Not) else Not(child)
        return self.primary()

    def primary(self) -> Node:
        kind = self.peek()
        if kind == "open":
            self.take()
            node = self.any()
            if self.peek() != "close":
                raise _refuse("a parenthesis is not closed")
            self.take()
            return node
        if kind == "field":
            return self.fielded(self.take().text)
        token = self.take()
        if token.kind == "phrase":
            return Phrase(token.text)
        if token.kind == "word":
            return _word(token.text, None)
        raise _refuse(f"'{token.text or token.kind}' is misplaced")

    def fielded(self, field: str) -> Node:
        kind = self.peek()
        if kind not in ("word", "phrase", "open"):
            raise _refuse(f"{field}: needs a word after it, e.g. titre:coton")
        facet = registry().get(field)
        if facet is not None and facet.kind == "year":
            if kind != "word" and kind != "phrase":
                raise QueryError("year_needs_value")
            return _years(self.take().text)
        if kind == "open":
            return _with_field(self.primary(), field)
        token = self.take()
        return Phrase(token.text, field) if token.kind == "phrase" else _word(token.text, field)


def _word(raw: str, field: str | None) -> Word:
    text = raw.rstrip("*~")
    return Word(text, field, prefix=raw.endswith("*"), fuzzy=raw.endswith("~") and len(text) > 2)


def _years(raw: str) -> Years:
    match = _YEAR_RANGE.match(raw.strip())
    if not match:
        raise QueryError("year_not_a_year", value=raw)
    start = int(match[1])
    end = int(match[2] or start)
    if start > end:  # as `from` after `to` is refused: a typo, say, not the reader's intent
        raise QueryError("years_reversed", value=raw.strip(), ordered=f"{end}-{start}")
    return Years(start, end)


def _with_field(node: Node, field: str) -> Node:
    """`titre:(coton OU karité)`: the field applies to every word inside the group."""
    if isinstance(node, Word):
        return Word(node.text, node.field or field, node.prefix, node.fuzzy)
    if isinstance(node, Phrase):
        return Phrase(node.text, node.field or field)
    if isinstance(node, AllOf):
        return AllOf(tuple(_with_field(c, field) for c in node.children))
    if isinstance(node, AnyOf):
        return AnyOf(tuple(_with_field(c, field) for c in node.children))
    if isinstance(node, Not):
        return Not(_with_field(node.child, field))
    return node


def parse_query(text: str, limits: Limits) -> Node | None:
    """Guard then parse a query; None for an empty one (browse); QueryError when refused."""
    text = (text or "").strip()
    if len(text) > limits.query_max_length:
        raise QueryError("query_too_long", count=len(text), limit=limits.query_max_length)
    if not text:
        return None
    if has_lone_surrogate(text):
        raise _refuse("it holds characters that are not text")
    tokens = _grouped_numbers(tokenize(text, limits))
    if not tokens:
        raise _refuse("it holds no words")
    return _Parser(tokens).parse()


_NUMBER_HEAD = re.compile(r"\d{1,3}")
_NUMBER_GROUP = re.compile(r"\d{3}")
_PUNCTUATED_NUMBER = re.compile(r"\d+(?:[.,]\d+)+")  # 89.000, 10,5, 1.000.000
_AFTER_NUMBER = re.compile(r"(?<=\d)[.,;:!?…]+$")  # "10 000," pasted from a sentence


def _grouped_numbers(tokens: list[_Token]) -> list[_Token]:
    """A number typed in groups of three digits (`10 000`, as French writes it) is one phrase:
    as two words, `000` of any other number matched (149 results on the shared corpus, 21 of
    them writing ten thousand). So is a number whose groups a dot or a comma joins (`89.000`,
    `10,5`), which the analyzer reads as two words too; a full stop or comma after a number
    is the sentence's."""
    out: list[_Token] = []
    for token in tokens:
        previous = out[-1] if out else None
        if token.kind == "word" and token.text[:1].isdigit():
            token = _Token("word", _AFTER_NUMBER.sub("", token.text))
        if token.kind == "word" and _PUNCTUATED_NUMBER.fullmatch(token.text):
            out.append(_Token("number", token.text))
        elif (token.kind == "word" and _NUMBER_GROUP.fullmatch(token.text) and previous
                and previous.kind in ("word", "number")
                and _NUMBER_HEAD.fullmatch(previous.text.rpartition(" ")[2])
                and (previous.kind == "number" or " " not in previous.text)):
            out[-1] = _Token("number", f"{previous.text} {token.text}")
        else:
            out.append(token)
    return [_Token("phrase", t.text) if t.kind == "number" else t for t in out]


def positive_words(node: Node | None) -> list[Word | Phrase]:
    """The words and phrases a matching article contains (not those under SAUF/NOT)."""
    if node is None or isinstance(node, (Not, Years)):
        return []
    if isinstance(node, (Word, Phrase)):
        return [node]
    return [w for child in node.children for w in positive_words(child)]
