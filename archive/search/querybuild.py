"""Turns a parsed query tree into Whoosh queries, with the index's own French analyzer.

Words go through the analyzer the index was built with (so `syndicats` finds `syndicat`,
`sécurité` finds `securite`); organisation names, acronyms and aliases expand through the
authority file into one OR over the exact organisation field and the text. It also records
what to highlight: the analyzed terms and prefixes of every word that is not negated.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from whoosh import query as wq

from ..countries import adjective_forms
from ..engine.lexicon import close_terms
from ..engine.postings import Postings
from ..errors import QueryError
from ..facets import registry
from ..indexing.analysis import ELIDED, STOP_WORDS, name_form
from ..models import ESTIMATED
from ..textnorm import fold
from . import numbers
from . import querylang as ql

TEXT_FIELDS = ("title", "body")
# Query-time weight of title words on top of the schema's field boost: a title match is the
# strongest sign an article is about the subject, and passing mentions in long bodies add up.
TITLE_BOOST = 2.0
MAX_FUZZY_TERMS = 30
# A smaller archive gets the postings budget of this many articles: its postings cost a few
# milliseconds whatever they are, and a prefix of many rare words stays affordable.
EXPANDED_POSTINGS_MIN_ARTICLES = 10_000
ACRONYM_MAX_LETTERS = 4  # a word typed in capitals this short is an acronym (CAF, UNTM)
MAX_ORG_RUN = 8  # longest unquoted run of words tried as an organisation name
# an elided article before a typed word (`l'`, `d'`, `qu'`)
ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)['’ʼ]", re.I)
_HYPHEN = re.compile(r"[-‐‑]")
_DOTTED = re.compile(r"(?:[^\W\d_]\.){2,}[^\W\d_]?\.?")  # O.N.U., U.E., S.N.C.F

Analyze = Callable[[str], list[list[str]]]


@dataclass
class Marks:
    """What a hit's snippet highlights: analyzed terms and prefixes of the positive words."""

    terms: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    phrases: set[tuple[str, ...]] = field(default_factory=set)
    # the compounds typed (`au-delà`, folded), whose joined term (`audela`) the text never
    # writes as such: the snippets look for where they begin as typed
    compounds: set[str] = field(default_factory=set)
    # what each word of the texts marked so far matched (`snippets`), for one search
    weighed: dict = field(default_factory=dict, repr=False, compare=False)

    def __bool__(self) -> bool:
        return bool(self.terms or self.prefixes or self.phrases)

    def add(self, groups: list[list[str]]) -> None:
        """Mark a word (its alternatives) or a phrase (its words, marked only together)."""
        if len(groups) == 1:
            self.terms.update(groups[0])
        elif groups:
            self.phrases.add(tuple(alts[0] for alts in groups))

    def matches(self, token: str) -> bool:
        """Whether an analyzed token of the text is one the query looked for."""
        return token in self.terms or any(token.startswith(p) for p in self.prefixes)


@dataclass
class Compiled:
    """A Whoosh query ready to run and the highlighting it implies."""

    query: wq.Query
    marks: Marks
    proximity: list[tuple[str, ...]] = field(default_factory=list)
    expressions: list[tuple[str, ...]] = field(default_factory=list)


def analyzer_groups(analyzer) -> Analyze:
    """A function giving, for a text, its analyzed terms grouped by position (query mode)."""

    def analyze(text: str) -> list[list[str]]:
        groups: dict[int, list[str]] = {}
        for token in analyzer(text, positions=True, mode="query"):
            groups.setdefault(token.pos, [])
            if token.text not in groups[token.pos]:
                groups[token.pos].append(token.text)
        return [groups[p] for p in sorted(groups)]

    return analyze


class Builder:
    """Builds Whoosh queries from parsed nodes for one index (analyzer, authority, reader)."""

    def __init__(self, analyze: Analyze, authority=None, reader=None,
                 min_prefix: int = 3, max_expansions: int = 300,
                 values: Callable[[object, str], tuple[str, ...]] | None = None, *,
                 max_expanded_words: int | None = None, deadline: float | None = None,
                 max_expanded_postings: int | None = None,
                 postings: Postings | None = None, estimated: bool = True) -> None:
        self.analyze = analyze
        self.estimated = estimated  # False: `année:` leaves out dates estimated from the text
        self.authority = authority
        self.reader = reader
        self.sidecars = postings  # the search's own: its sidecars tell the lexicon's lengths
        self.min_prefix = min_prefix
        self.max_expansions = max_expansions
        # Every prefix and fuzzy word of the query together (32 fuzzy words over a large
        # lexicon read it 32 times): a budget of words, and the search's deadline.
        self.max_expanded_words = max_expanded_words
        self.deadline = deadline
        self.expanded = 0
        # ... and a budget of postings: what matching and ranking them will read, known from
        # the lexicon before any postings are: a multiple of the archive's articles, as the
        # articles of a word a person types grow with the archive.
        self.postings_per_article = max_expanded_postings
        self.postings_budget = (
            None if max_expanded_postings is None or reader is None
            else max_expanded_postings * max(reader.doc_count(), EXPANDED_POSTINGS_MIN_ARTICLES))
        self.postings = 0
        self._charged: set[tuple[str, str]] = set()
        self.marks = Marks()
        self.proximity: list[tuple[str, ...]] = []
        self.expressions: list[tuple[str, ...]] = []
        self.elided: list[str] = []  # elided forms of the words typed with an elision
        self.shouted = False  # a query typed in capitals throughout (`compile` tells)
        facets = registry()
        # What a `prefix:` word searches: the title, or a facet's word-search twin.
        self.field_text = {"title": ("title",), **{
            f.name: (f.text_field,) for f in facets if f.text_field is not None}}
        # The facet whose values are authority names (organisations), if any.
        self.org = next((f for f in facets if f.authority), None)
        self.year_field = facets.year.field if facets.year is not None else None
        # Facets whose values a data file names (the newspaper): `journal:"La Libre Belgique"`
        # also looks for the exact values indexed under that name (`LaLibre`), through `values`
        # (facet, typed text -> indexed values).
        self.named = {f.name: f for f in facets if f.names_from is not None}
        self.values = values

    def compile(self, node: ql.Node) -> Compiled:
        """The query for a parsed tree; QueryError when nothing in it can be searched."""
        self._charge_fuzzy_words(node)
        typed = [w.text for w in ql.positive_words(node) if any(c.isalpha() for c in w.text)]
        self.shouted = len(typed) > 1 and all(text.isupper() for text in typed)
        built = self.build(node, positive=True)
        if built is None:
            # an emoji, a "?" or "%" alone holds no common word: it holds no word at all
            words = (w.text for w in ql.positive_words(node))
            raise QueryError("only_common_words" if any(c.isalnum() for w in words for c in w)
                             else "query_has_no_words")
        if not self.expressions:
            # a word typed with its elision and no expression (`l'Europe`): the articles that
            # write it so come first, before `Europe Assistance`
            self.expressions = [(t,) for t in self.elided]
        # an expression typed 31 times is checked once (it cost 2.3 s at a million articles)
        return Compiled(built, self.marks, list(dict.fromkeys(self.proximity)),
                        list(dict.fromkeys(self.expressions)))

    def build(self, node: ql.Node, positive: bool) -> wq.Query | None:
        """One node's query, or None when it analyzes to nothing (stop words only)."""
        if isinstance(node, ql.Word):
            return self.word(node, positive)
        if isinstance(node, ql.Phrase):
            return self.phrase(node, positive)
        if isinstance(node, ql.Years):
            years = wq.NumericRange(self.year_field, node.start, node.end)
            # as the year filter does: without estimates, an estimated date counts as none
            return years if self.estimated else wq.And(
                [years, wq.Not(wq.Term("date_source", ESTIMATED))])
        if isinstance(node, ql.Not):
            child = self.build(node.child, not positive)
            return None if child is None else wq.Not(child)
        if isinstance(node, ql.AnyOf):
            parts = _distinct(self.build(c, positive) for c in node.children)
            return None if not parts else parts[0] if len(parts) == 1 else wq.Or(parts)
        return self.all_of(self._merge_org_runs(node.children), positive)

    def all_of(self, children: tuple[ql.Node, ...], positive: bool) -> wq.Query | None:
        """Positives ANDed minus negatives; a query of negatives only starts from every article."""
        wanted, unwanted = [], []
        for child in children:
            if isinstance(child, ql.Not):
                q = self.build(child.child, not positive)
                if q is not None:
                    unwanted.append(q)
            else:
                q = self.build(child, positive)
                if q is not None:
                    wanted.append(q)
        # the same word typed twice is matched and ranked once
        wanted, unwanted = _distinct(wanted), _distinct(unwanted)
        if not wanted and not unwanted:
            return None
        base = wanted[0] if len(wanted) == 1 else wq.And(wanted) if wanted else wq.Every()
        if positive and len(wanted) > 1:
            self._proximity(children)
        if not unwanted:
            return base
        return wq.AndNot(base, unwanted[0] if len(unwanted) == 1 else wq.Or(unwanted))

    def _proximity(self, children: tuple[ql.Node, ...]) -> None:
        """Plain words typed together rank higher where they stand together in the text
        (`coup d'État` above a `Coupe du monde` with the `États-Unis`); a word typed with an
        elision after another word makes a fixed expression (`coup d'État`, `Afrique de
        l'Ouest`), whose elided form standing there ranks first."""
        sequence: list[str] = []
        for child in children:
            if not _plain(child):
                continue
            groups = self.analyze(_HYPHEN.sub(" ", child.text))
            if not groups:
                continue  # a stop word (`de`) between the words of an expression
            if sequence and len(groups) == 1 and ELISION.match(child.text):
                self.expressions.append((sequence[-1], ELIDED + groups[0][0]))
            sequence += [alts[0] for alts in groups]
        sequence = list(dict.fromkeys(sequence))  # a word repeated stands near itself
        if len(sequence) >= 2:
            self.proximity.append(tuple(sequence))

    # --- words ---------------------------------------------------------------------------------

    def _named_values(self, query: wq.Query | None, field: str | None,
                      text: str) -> wq.Query | None:
        """A prefixed word of a named facet: also the exact values indexed under its name."""
        facet = self.named.get(field or "")
        if facet is None or self.values is None:
            return query
        exact = [wq.Term(facet.field, v) for v in self.values(facet, text)]
        parts = [q for q in (query, *exact) if q is not None]
        return _or(parts) if parts else None

    def word(self, node: ql.Word, positive: bool) -> wq.Query | None:
        if _DOTTED.fullmatch(node.text):
            # `O.N.U.`: an acronym typed with dots, whose letters the analyzer reads apart
            # (`S.N.C.F.` searched the letter `f`)
            node = dataclasses.replace(node, text=node.text.replace(".", "").upper())
        if self._is_org(node.field):
            return self.organisation(node.text, positive)
        if node.field in self.named and not node.prefix:
            return self._named_values(self._word(node, positive), node.field, node.text)
        return self._word(node, positive)

    def _word(self, node: ql.Word, positive: bool) -> wq.Query | None:
        fields = self.field_text.get(node.field or "", TEXT_FIELDS)
        if node.prefix:
            return self.prefix(node.text, fields, positive)
        groups = self._caps_too(node.text, self.analyze(node.text))
        if not groups:
            return None
        if node.fuzzy and self.reader is not None:
            groups = [self.fuzzy(alts, fields) for alts in groups]
        elif len(groups) == 1:
            groups = [self._country_too(node.text, self._name_too(node.text, groups[0], fields),
                                        fields)]
        if positive:
            self.marks.terms.update(t for alts in groups for t in alts)
        if positive and node.field is None and len(groups) == 1 and ELISION.match(node.text):
            self.elided += self._indexed([ELIDED + groups[0][0]])
        query = _all_positions(groups, fields)
        if len(groups) == 1 and not node.fuzzy:
            query = self._parts_too(node.text, query, fields, positive)
            query = self._grouped_too(node.text, query, fields, positive)
        if node.field is None and not node.prefix and not node.fuzzy:
            return self._with_organisation(query, node.text)
        return query

    def _name_too(self, text: str, alts: list[str], fields: tuple[str, ...]) -> list[str]:
        """A word typed in lowercase also finds it written as an unknown acronym (`ong` finds
        `ONG`, `greve` a headline's `GREVE`): names are indexed in capitals, apart from stems."""
        word = fold(ELISION.sub("", text))
        if not word.isalnum():
            return alts
        return list(dict.fromkeys([*alts, *self._indexed([name_form(word)], fields)]))

    def _country_too(self, text: str, alts: list[str], fields: tuple[str, ...]) -> list[str]:
        """A country's name also finds its people's adjective (`Sénégal`: "Des Sénégalais
        décernent un Ballon d'or", "le sélectionneur sénégalais"): the name is indexed as a
        name, the adjective stemmed, so the two never meet in the index."""
        forms = adjective_forms(fold(ELISION.sub("", text)).lower())
        if not forms:
            return alts
        # an adjective of two words is one compound (`sud-africain`, indexed `sudafricain`):
        # each word alone would make `État` a synonym of `États-Unis` (a quarter of the shared
        # corpus's articles found for `USA`)
        stems = [groups[0][0] for form in forms
                 if len(groups := self.analyze(form.replace(" ", "-"))) == 1]
        return list(dict.fromkeys([*alts, *self._indexed(stems, fields)]))

    def _indexed(self, terms: list[str], fields: tuple[str, ...] = TEXT_FIELDS) -> list[str]:
        """The terms some article holds in one of the fields (all of them without a reader): a
        term no article holds would add nothing but work."""
        if self.reader is None:
            return terms
        return [t for t in terms if any((f, t) in self.reader for f in fields)]

    def _parts_too(self, text: str, query: wq.Query, fields: tuple[str, ...],
                   positive: bool) -> wq.Query:
        """A hyphenated word (`Saint-Germain`) also finds its parts written apart, in order
        (`Saint Germain`), as the index holds `Paris Saint-Germain` whole and by its parts."""
        if not _HYPHEN.search(text):
            return query
        if positive:
            self.marks.compounds.add(fold(ELISION.sub("", text)))
        parts = self.analyze(_HYPHEN.sub(" ", text))
        if len(parts) < 2:
            return query
        if positive:
            self.marks.add(parts)
        words = [alts[0] for alts in parts]
        return wq.Or([query, _any_field(fields, lambda f: wq.Phrase(f, words, slop=1))])

    def _grouped_too(self, text: str, query: wq.Query, fields: tuple[str, ...],
                     positive: bool) -> wq.Query:
        """A number typed as one word (`89000`) also finds it written in groups of digits
        (`89 000`, `89.000`), which the index reads as a phrase of two words."""
        other = numbers.grouped(text)
        if other is None:
            return query
        parts = self.analyze(other)
        words = [alts[0] for alts in parts]
        if len(words) < 2 or set(self._indexed(words, fields)) != set(words):
            return query  # a group no article holds: the phrase would find nothing
        if positive:
            self.marks.add(parts)
        return wq.Or([query, _any_field(fields, lambda f: wq.Phrase(f, words, slop=1))])

    def _joined_too(self, text: str, query: wq.Query, fields: tuple[str, ...],
                    positive: bool) -> wq.Query:
        """A number typed in groups of digits (`89 000`, `89.000`) also finds it written as
        one word (`89000`)."""
        other = numbers.joined(text)
        if other is None or not self._indexed([other], fields):
            return query
        if positive:
            self.marks.terms.add(other)
        return wq.Or([query, _all_positions([[other]], fields)])

    def _caps_too(self, text: str, groups: list[list[str]]) -> list[list[str]]:
        """A word typed in capitals is indexed as an acronym (unstemmed) when written so in an
        article, and as a stemmed word elsewhere: look for both (`ELECTRICITE`, `GREVE`).
        A short one is an acronym (`CAF` never finds `café`, stem `caf`, nor `UN` `uns`),
        unless it is none the authority file knows and the query is typed in capitals
        throughout (`PRIX DU CARBURANT`, where `DU` is a common word) or no article writes it
        so (`ETAT`, `LOI`: caps lock on a phone found nothing)."""
        if not text.isupper():
            return groups
        lower = self.analyze(text.lower())
        if sum(c.isalpha() for c in text) <= ACRONYM_MAX_LETTERS:
            if self.authority is not None and self.authority.is_known_acronym(text):
                return groups
            if self.shouted:
                if not lower:
                    return []  # a common word, as the index reads it in a headline in capitals
            elif not lower or self._indexed([t for alts in groups for t in alts]):
                return groups
        if len(lower) != len(groups):
            return groups
        return [list(dict.fromkeys(a + b)) for a, b in zip(groups, lower, strict=True)]

    def phrase(self, node: ql.Phrase, positive: bool) -> wq.Query | None:
        if self._is_org(node.field):
            return self.organisation(node.text, positive)
        if node.field in self.named:
            return self._named_values(self._phrase(node, positive), node.field, node.text)
        return self._phrase(node, positive)

    def _phrase(self, node: ql.Phrase, positive: bool) -> wq.Query | None:
        groups = self.analyze(node.text)
        if not groups:
            return None
        if positive:
            self.marks.add(groups)
        fields = self.field_text.get(node.field or "", TEXT_FIELDS)
        if len(groups) == 1:
            query = self._parts_too(node.text, _all_positions(groups, fields), fields, positive)
        else:
            words = [alts[0] for alts in groups]
            query = self._joined_too(node.text, _any_field(
                fields, lambda f: wq.Phrase(f, words, slop=1)), fields, positive)
        return self._with_organisation(query, node.text) if node.field is None else query

    def prefix(self, text: str, fields: tuple[str, ...], positive: bool) -> wq.Query | None:
        """`syndic*`: folded prefix of the indexed terms, plus the stem of it when it differs."""
        folded = fold(ELISION.sub("", text)).strip()
        folded = re.sub(r"[^\w-]", "", folded).replace("-", "")
        if len(folded) < self.min_prefix:
            raise QueryError("prefix_too_short", word=f"{text}*", n=self.min_prefix)
        prefixes = {folded}
        stems = self.analyze(folded)
        if len(stems) == 1 and len(stems[0][0]) >= self.min_prefix:
            prefixes.add(stems[0][0])
        prefixes.add(name_form(folded))  # names and acronyms are indexed in capitals
        if positive:
            self.marks.prefixes.update(prefixes)
        if self.reader is None:
            return _any_field(fields, lambda f: _or([wq.Prefix(f, p) for p in sorted(prefixes)]))
        return self._expanded(text, fields, sorted(prefixes))

    def _expanded(self, text: str, fields: tuple[str, ...], prefixes: list[str]) -> wq.Query:
        """A prefix as the OR of the indexed words it begins, refused beyond the named limit."""
        words: dict[str, set[str]] = {}
        for name in fields:
            for prefix in prefixes:
                for raw in self.reader.expand_prefix(name, prefix):
                    word = raw.decode("utf-8")
                    words.setdefault(name, set()).add(word)
                    self._charge(((name, word),))
                    count = sum(map(len, words.values()))
                    if count > self.max_expansions:
                        raise QueryError("prefix_too_common", word=f"{text}*",
                                         limit=self.max_expansions)
                    self._spend(count % 64 == 0, 0)
        self._spend(True, sum(map(len, words.values())))
        terms = [wq.Term(name, word, boost=TITLE_BOOST if name == "title" else 1.0)
                 for name in fields for word in sorted(words.get(name, ()))]
        return _or(terms) if terms else wq.Term(fields[0], prefixes[0])

    def fuzzy(self, alts: list[str], fields: tuple[str, ...] = TEXT_FIELDS) -> list[str]:
        """Terms of the index within one or two edits of a word (`mot~`), asked for explicitly."""
        found = list(alts)
        # (a word typed in capitals has alternatives its typed form did not charge)
        self._charge((f, t) for t in alts for f in fields)
        try:
            for term in dict.fromkeys([*alts, *(name_form(t) for t in alts)]):
                self._spend(True, 0)
                maxdist = 1 if len(term) < 6 else 2
                for candidate in close_terms(self.reader, "body", term, maxdist,
                                             self.deadline, self.sidecars):
                    self._spend(True, 0)
                    if candidate not in found:
                        found.append(candidate)
                        self._charge((f, candidate) for f in fields)
                    if len(found) >= MAX_FUZZY_TERMS:
                        return found
            return found
        finally:
            self._spend(False, len(found) - len(alts))

    def _charge_fuzzy_words(self, node: ql.Node) -> None:
        """Charge every fuzzy word's own terms before any is expanded: a storm of fuzzy common
        words is refused for what it types, before the lexicon is scanned once per word."""
        if self.postings_budget is None:
            return
        if isinstance(node, ql.Word):
            if node.fuzzy and not node.prefix and not self._is_org(node.field):
                fields = self.field_text.get(node.field or "", TEXT_FIELDS)
                self._charge((f, t) for alts in self.analyze(node.text) for t in alts
                             for f in fields)
        elif isinstance(node, ql.Not):
            self._charge_fuzzy_words(node.child)
        elif isinstance(node, (ql.AllOf, ql.AnyOf)):
            for child in node.children:
                self._charge_fuzzy_words(child)

    def _charge(self, terms) -> None:
        """Count the postings of (field, term) pairs an expansion stands for against the
        query's postings budget (each pair once): refused past it, before any is read."""
        if self.postings_budget is None:
            return
        for term in terms:
            if term in self._charged:
                continue
            self._charged.add(term)
            self.postings += (self.sidecars.doc_frequency(*term) if self.sidecars is not None
                              else self.reader.doc_frequency(*term))
            if self.postings > self.postings_budget:
                raise QueryError("expansions_too_common", limit=self.postings_budget,
                                 per_article=self.postings_per_article)

    def _spend(self, check_time: bool, words: int) -> None:
        """Count words an expansion stands for against the query's budget, and (when asked)
        refuse once the search's time limit has passed: expansion is matching's first step."""
        self.expanded += words
        if self.max_expanded_words is not None and self.expanded > self.max_expanded_words:
            raise QueryError("too_many_expansions", limit=self.max_expanded_words)
        if check_time and self.deadline is not None and time.perf_counter() > self.deadline:
            raise QueryError("too_broad_in_time")

    # --- organisations ---------------------------------------------------------------------------

    def _is_org(self, field: str | None) -> bool:
        return self.org is not None and field == self.org.name

    def organisation(self, text: str, positive: bool) -> wq.Query | None:
        """`org:UE`: the exact organisation value and every name of it in the text."""
        canonical = self._canonical(text)
        groups = self.analyze(text)
        if positive:
            self.marks.add(groups)
        in_field = (_all_positions(groups, self.field_text.get(self.org.name, TEXT_FIELDS))
                    if groups else None)
        if canonical is None:
            return _or([q for q in (wq.Term(self.org.field, text), in_field) if q is not None])
        return self._org_query(canonical, in_field, positive)

    def _with_organisation(self, query: wq.Query, text: str) -> wq.Query:
        canonical = self._canonical(text)
        if canonical is None:
            return query
        return self._org_query(canonical, query, positive=True)

    def _org_query(self, canonical: str, base: wq.Query | None, positive: bool) -> wq.Query:
        parts = [wq.Term(self.org.field, canonical)] if self.org is not None else []
        if base is not None:
            parts.append(base)
        for name in self._names(canonical):
            groups = self.analyze(name)
            if not groups:
                continue
            if len(groups) == 1:
                # An acronym that is also a French word (UN/un, EU/eu) would match everything.
                if any(t in STOP_WORDS for t in groups[0]):
                    continue
                if positive:
                    self.marks.terms.update(groups[0])
                parts.append(_all_positions(groups, TEXT_FIELDS))
            else:
                if positive:
                    self.marks.add(groups)
                words = [alts[0] for alts in groups]
                parts.append(_any_field(TEXT_FIELDS, lambda f, w=words: wq.Phrase(f, w, slop=1)))
        return _or(parts)

    def _canonical(self, text: str) -> str | None:
        if self.authority is None or not text.strip():
            return None
        try:
            return self.authority.canonical(text.strip())
        except (KeyError, ValueError):
            return None

    def _names(self, canonical: str) -> list[str]:
        names = [canonical]
        try:
            names += list(self.authority.aliases_of(canonical))
        except (KeyError, ValueError):
            pass
        return list(dict.fromkeys(n for n in names if n))

    def _merge_org_runs(self, children: tuple[ql.Node, ...]) -> tuple[ql.Node, ...]:
        """`Union européenne` typed without quotes: a run of plain words naming an organisation
        becomes a phrase (which then expands to the organisation); other words stay as they are."""
        if self.authority is None:
            return children
        out: list[ql.Node] = []
        i = 0
        while i < len(children):
            merged = False
            for j in range(min(len(children), i + MAX_ORG_RUN), i + 1, -1):
                run = children[i:j]
                if all(_plain(c) for c in run):
                    text = " ".join(c.text for c in run)
                    if self._canonical(text) is not None:
                        out.append(ql.Phrase(text))
                        i, merged = j, True
                        break
            if not merged:
                out.append(children[i])
                i += 1
        return tuple(out)


def _plain(node: ql.Node) -> bool:
    return isinstance(node, ql.Word) and node.field is None and not node.prefix and not node.fuzzy


def _distinct(queries) -> list[wq.Query]:
    """The queries built, each once (Whoosh's queries compare by what they match), none None."""
    return list(dict.fromkeys(q for q in queries if q is not None))


def _or(parts: list[wq.Query]) -> wq.Query:
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def _any_field(fields: tuple[str, ...], make: Callable[[str], wq.Query]) -> wq.Query:
    """The same query over several fields, title weighted up."""
    parts = []
    for name in fields:
        query = make(name)
        if name == "title":
            query = query.with_boost(TITLE_BOOST) if hasattr(query, "with_boost") else query
        parts.append(query)
    return _or(parts)


def _all_positions(groups: list[list[str]], fields: tuple[str, ...]) -> wq.Query:
    """Each position's alternatives ORed across fields, the positions ANDed."""
    per_position = []
    for alts in groups:
        terms = [wq.Term(f, t, boost=TITLE_BOOST if f == "title" else 1.0)
                 for f in fields for t in alts]
        per_position.append(_or(terms))
    return per_position[0] if len(per_position) == 1 else wq.And(per_position)
