"""The one French analyzer, shared by indexing, queries and highlighting.

Chain: `FrenchTokenizer` (words, elisions, hyphenated compounds, case-based acronym
detection, accent/ligature folding, protected names) → `FrenchStopFilter` (stop words,
positions) → `FrenchStemFilter` (Savoy's light French stemmer without its -ement rule for
nouns, skipped for names) → `FrenchFormFilter` (names in capitals, elided words also under
their elided form).

Case must be seen before lowercasing (an unknown acronym such as `CARES` is recognised by its
capitals), so the tokenizer classifies each token and marks it `keep` (index it unstemmed);
the later filters only read that mark. Every class here keeps plain picklable attributes,
because Whoosh pickles the analyzer inside the index schema.
"""

from __future__ import annotations

import collections
import itertools
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from operator import itemgetter

import Stemmer
from whoosh.analysis import Analyzer, Filter, Token, Tokenizer
from whoosh.lang.stopwords import stoplists

from .. import textnorm
from ..places import PLACES
from . import stemmers

# Words: letters/digits joined by apostrophes (elisions) or hyphens (compounds).
_APOSTROPHES = "'\u2019\u02bc"  # ' ’ ʼ
_HYPHENS = "\\-\u2010\u2011"  # - ‐ ‑ (escaped for a character class)
_WORD = re.compile(rf"[^\W_]+(?:[{_APOSTROPHES}{_HYPHENS}][^\W_]+)*")
_SEPARATOR = re.compile(rf"[{_APOSTROPHES}{_HYPHENS}]")
_APOSTROPHE = re.compile(rf"[{_APOSTROPHES}]")

# Elided articles, pronouns and conjunctions (folded, lowercase), dropped before a word.
ELISIONS = frozenset(
    {"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"}
)
# Pieces of a word: letters/digits, or a word whose apostrophe belongs to it (aujourd’hui,
# prud’hommes, presqu’île, quelqu’un), indexed whole without the apostrophe.
_PIECE = re.compile(
    rf"(?i:aujourd[{_APOSTROPHES}]hui|prud[{_APOSTROPHES}]hom|presqu[{_APOSTROPHES}][iî]l"
    rf"|quelqu[{_APOSTROPHES}]un)[^\W_]*|[^\W_]+"
)
_NO_APOSTROPHE = str.maketrans("", "", _APOSTROPHES)
# An elided word (`d’État`, `l’Europe`) is indexed twice at its position: as the word, and
# under this prefix (`'etat`), so that a query typed with the elision can rank that form first.
ELIDED = "'"

# French stop words in folded form (Whoosh's list lacks a few frequent ones, e.g. `les`).
_EXTRA_STOPS = {"les", "ils", "elles", "cet", "cette", "ces", "dont", "ni", "si"}

# Places (`places.py`) and frequent Malian family names are indexed folded, never stemmed: `Mali`
# is not `mal`, `Touré` not `tour`, nor `Traoré` written `TRAORE` (capitals, indexed
# unstemmed) lost to a query `Traoré` (stemmed `traor`).
SURNAMES = (
    "Traoré", "Keïta", "Coulibaly", "Diarra", "Touré", "Cissé", "Diallo", "Sidibé", "Konaté",
    "Maïga", "Sangaré", "Dembélé", "Koné", "Doumbia", "Sanogo", "Camara", "Kanté", "Diakité",
    "Dicko", "Guindo", "Dolo", "Ouattara", "Samaké", "Fofana", "Doucouré", "Kouyaté", "Sissoko",
    "Tounkara", "Haïdara", "Cissoko", "Bouaré", "Djiré", "Dao", "Sylla", "Soumaré", "Kané",
    "Diawara", "Niaré", "Kéita", "Tangara", "Goïta", "Mariko", "Berthé", "Bathily", "Dramé",
    "Sacko", "Simpara", "Sow", "Tall", "Bah", "Ba", "Sy", "Kane", "Niang", "Ndiaye", "Diop",
)  # fmt: skip


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """`textnorm.fold` (é→e, œ→oe, lowercase), cached for the words of an index's analysis."""
    return textnorm.fold(text)


def _name_tokens(name: str) -> set[str]:
    """Folded tokens of one name: a hyphenated name gives its joined form and its parts."""
    tokens: set[str] = set()
    for word in _WORD.findall(name):
        parts = [_fold_piece(p) for p in _PIECE.findall(_strip_elisions(word))]
        if len(parts) > 1:
            tokens.add("".join(parts))
        tokens.update(p for p in parts if p not in ELISIONS)
    return tokens


def protected_tokens(names: Iterable[str]) -> frozenset[str]:
    """The protected set for `french_analyzer` from names (`Côte d'Ivoire`, `CARES-Mali`).

    Use it for single-word names and acronyms only: every word of a multi-word name would be
    protected from stemming (`Union nationale…` would protect `nationale`).
    """
    tokens: set[str] = set()
    for name in names:
        tokens |= _name_tokens(name)
    return frozenset(tokens)


def _strip_elisions(word: str) -> str:
    """The word without its elided prefixes (`l’action` → `action`, `d’aujourd’hui` →
    `aujourd’hui`); always a suffix of `word`, so that character offsets stay right."""
    while True:
        match = _APOSTROPHE.search(word)
        if match is None:
            return word
        prefix, rest = word[: match.start()], word[match.end() :]
        if prefix.lower() not in ELISIONS:
            return word
        if prefix == "N" and rest[:1].isupper() and not rest.isupper():
            return word  # N’Diaye, N’Djamena: a name (joined `ndiaye`), not the negation n’
        word = rest


def _fold_piece(piece: str) -> str:
    """A folded piece of a word, without the apostrophe a word like aujourd’hui keeps."""
    return fold(piece).translate(_NO_APOSTROPHE)


PROTECTED_NAMES: frozenset[str] = protected_tokens(PLACES + SURNAMES) - {"cote"}
# Words whose accents tell them from a stop word (`maïs` is not `mais`, `sûr` not `sur`, `né`
# not `ne`): kept whole, like a name, so that neither the stop list nor the stemmer (`mai`,
# the month) takes them. The shared corpus writes sûr 157 times, né 123, maïs 17.
ACCENTED_WORDS: frozenset[str] = frozenset({"maïs", "sûr", "né"})
STOP_WORDS: frozenset[str] = frozenset(fold(w) for w in stoplists["fr"] | _EXTRA_STOPS) | ELISIONS

STEMMER_VERSION: str = Stemmer.version()
# The stemmer of new indexes (`stemmers.NAMES`), chosen on the judged set of bench/relevance
# (`bench/bench_relevance.py --stemmers` compares the three): Savoy's light stemmer ranks best
# (nDCG@10 0.793 against 0.751 for Snowball); it keeps `parti` apart from `part`, `café` from
# `CAF`, and gives `élu`/`élus`, `individu`/`individus`, `ami`/`amis` one stem. Its variant
# without the -ement rule (`light_nouns`) keeps nouns in -ement off other words' stems: of the
# shared corpus's hits for its 84 such nouns, 41 % held the noun with `light` (`environnement`
# found `environ`, `placement` `place`), all of them with `light_nouns`. `light_derived` also
# keeps the derived words light cut too short off shorter words' stems (génération → gens,
# communiqué → commune, sénateur → sens, mobilisation → mobile, coopération → copie). nDCG@10
# on the judged set (94 queries): light 0.730, light_nouns 0.747, light_derived 0.796; on the
# 14 queries on such words 0.461 → 0.791, the other 80 unchanged (0.797); it loses where a
# noun's verb answers too (`organisation des élections`, written "organiser les élections").
# `light_invariable` keeps whole the nouns whose final s or x is no plural's, which light put
# with unrelated words (pays with payer, prix with pris, mois with moi, cours with cour).
# An index records its stemmer: one built with another reads as built until a full reindex.
STEMMER = "light_invariable"
# What a full reindex changes for an index built with another stemmer, told to archivists
_DERIVED = ("derived words keep their own stem, where today génération also finds gens, "
            "communiqué commune, mobile mobilisation")
_INVARIABLE = ("pays, prix, mois, cours and fois find themselves only, where today pays also "
               "finds payer, prix pris, mois moi")
STEMMER_CHANGES = {("light", "light_invariable"): ": a noun in -ement finds itself and its "
                   "plural only, where today environnement also finds environ, parlement "
                   "parler; " + _DERIVED + "; and " + _INVARIABLE,
                   ("light_nouns", "light_invariable"): ": " + _DERIVED + "; and " + _INVARIABLE,
                   ("light_derived", "light_invariable"): ": " + _INVARIABLE}


@lru_cache(maxsize=100_000)
def stem(word: str, stemmer: str = "snowball") -> str:
    """The stem of a folded word by the named stemmer (the same on index and query side)."""
    stemmed = stemmers.STEMMERS[stemmer](word)
    # Savoy's stemmers fold each run of one letter: a key held down (`eeeeeeee`, `aaaaa`)
    # became the letter itself and found every `e` or `a` of the archive. No word of the
    # shared corpus of three letters or more stems to a single letter.
    return word if len(stemmed) == 1 < len(word) - 1 else stemmed


def _is_caps(text: str) -> bool:
    """All capitals with at least two letters (`CARES`, `L'ADEMA`, `EDM-SA`)."""
    return text.isupper() and sum(c.isalpha() for c in text) >= 2


_WHOLE_TEXT = re.compile(r".*", re.DOTALL)


def _is_acronym(part: str) -> bool:
    """Capitals without accents: `SÉCURITÉ` is a shouted word, `CARES` an acronym."""
    return part.isascii() and _is_caps(part)


@lru_cache(maxsize=100_000)
def _word_info(raw: str) -> tuple[str | None, bool, bool]:
    """What tokenizing needs of a word: its folded form (None for an elided or hyphenated word,
    split later), whether it is in capitals, and whether it is a plain-ASCII capitals word."""
    caps = raw.isupper() and _is_caps(raw)
    folded = fold(raw) if _SEPARATOR.search(raw) is None else None
    return folded, caps, caps and raw.isascii()


def _word_pieces(raw: str, start: int) -> list[tuple[str, int]]:
    """Elisions stripped, then the parts of a compound with their start offsets."""
    word = _strip_elisions(raw)
    offset = start + len(raw) - len(word)
    return [(m.group(), offset + m.start()) for m in _PIECE.finditer(word)]


def _shouting(infos: list[tuple[str | None, bool, bool]], i: int) -> bool:
    """Whether word `i` (of words with these `_word_info`) is shouted: a capitalised word next
    to another one is a headline, not an acronym."""
    return infos[i][1] and ((i > 0 and infos[i - 1][1])
                            or (i < len(infos) - 1 and infos[i + 1][1]))


class FrenchTokenizer(Tokenizer):
    """Words with elisions split, compounds emitted whole and by parts, names marked `keep`.

    In index mode a compound `CARES-Mali` yields the joined token (flag `joined`, sharing the
    first part's position) then `cares` and `mali` at consecutive positions. In query mode a
    text that is one compound yields only the joined token (a bare term or a one-word phrase
    matches it whole); inside a longer text only the parts, so that phrase queries line up
    with the indexed positions. One Token object is reused, as Whoosh's own tokenizers do.
    """

    def __init__(self, protected: frozenset[str] = frozenset()) -> None:
        # Entries are normalised like text (`Ségou` → segou, `cares-mali` → caresmali + parts).
        self.protected = protected_tokens(protected) | PROTECTED_NAMES
        self.accented = ACCENTED_WORDS

    def __eq__(self, other: object) -> bool:
        return (type(other) is type(self) and other.protected == self.protected
                and accented_words(other) == accented_words(self))

    def __hash__(self) -> int:
        return hash((type(self), self.protected, accented_words(self)))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.stopped, t.boost, t.joined, t.elided = False, 1.0, False, False
        # a prefix or wildcard text Whoosh's own parser passes whole: kept lowercase
        t.whole = not tokenize
        if positions:
            t.pos = start_pos  # numbered by FrenchStopFilter, which knows what it drops
        # Whoosh passes tokenize=False for prefix, wildcard and range texts: one word.
        if not tokenize:
            matches = [_WHOLE_TEXT.match(value)]
            words = [value]
        elif chars:
            matches = list(_WORD.finditer(value))
            words = [m.group() for m in matches]
        else:  # indexing: no offsets needed, and strings are cheaper than match objects
            words = _WORD.findall(value)
        infos = [_word_info(w) for w in words]
        last = len(words) - 1
        for i, raw in enumerate(words):
            start = start_char + matches[i].start() if chars else 0
            yield from self.word(t, raw, infos[i], _shouting(infos, i),
                                  mode == "query" and last == 0, keeporiginal, chars, start)

    def word(self, t: Token, raw: str, info: tuple[str | None, bool, bool], shouting: bool,
              whole_only: bool, keeporiginal: bool, chars: bool, start: int) -> Iterator[Token]:
        """The tokens of one word starting at character `start`: what it gives depends only on
        the word and on whether it is shouted (`word_tokens` keeps them by that)."""
        folded, _caps, ascii_caps = info
        if folded is not None:  # the common case: a plain word
            t.text, t.elided = folded, False
            t.keep = folded in self.protected or (ascii_caps and not shouting) or (
                folded != raw.lower() and raw.lower() in accented_words(self))
            if keeporiginal:
                t.original = raw
            if chars:
                t.startchar, t.endchar = start, start + len(raw)
            yield t
        else:
            pieces = self._pieces(raw, start)
            # one piece shorter than the word: an elided word (`l’Europe`), not `aujourd’hui`
            t.elided = (t.mode != "query" and len(pieces) == 1
                        and len(pieces[0][0]) < len(raw))
            yield from self._compound(t, pieces, shouting, whole_only, keeporiginal, chars)

    @staticmethod
    def _pieces(raw: str, start: int) -> list[tuple[str, int]]:
        """Elisions stripped, then the parts of a compound with their start offsets."""
        return _word_pieces(raw, start)

    def _compound(self, t, pieces, shouting, whole_only, keeporiginal, chars):
        """Tokens of an elided word or a compound: the joined form, then the parts."""
        if len(pieces) > 1:
            joined = "".join(_fold_piece(text) for text, _ in pieces)
            # The joined form is stemmed unless it is itself a known name: then `caresmali`
            # typed as one word finds it too, and no single part collapses into a common word.
            t.text, t.keep, t.joined = joined, joined in self.protected, not whole_only
            if keeporiginal:
                t.original = "".join(text for text, _ in pieces)
            if chars:
                t.startchar, t.endchar = pieces[0][1], pieces[-1][1] + len(pieces[-1][0])
            if whole_only or t.mode != "query":
                yield t
            t.joined = False
            if whole_only:
                return
        for text, start in pieces:
            t.text = folded = _fold_piece(text)
            t.keep = folded in self.protected or (not shouting and _is_acronym(text))
            if keeporiginal:
                t.original = text
            if chars:
                t.startchar, t.endchar = start, start + len(text)
            yield t


def accented_words(tokenizer: FrenchTokenizer) -> frozenset[str]:
    """The tokenizer's ACCENTED_WORDS; none for one an older generation pickled, whose index
    was built without them (its searches read it as it was built until a full reindex)."""
    return getattr(tokenizer, "accented", frozenset())


class FrenchStopFilter(Filter):
    """Drops folded stop words (never a kept name) and numbers positions without gaps.

    A joined compound token takes the position of the part that follows it.
    """

    def __init__(self, stops: frozenset[str] = STOP_WORDS) -> None:
        self.stops = frozenset(stops)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.stops == self.stops

    def __hash__(self) -> int:
        return hash((type(self), self.stops))

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        pos = None
        for t in tokens:
            if pos is None and t.positions:
                pos = t.pos
            if not t.keep and not t.joined and t.text in self.stops:
                if t.removestops:
                    continue
                t.stopped = True
            if t.positions:
                t.pos = pos
                if not t.joined:
                    pos += 1
            yield t


class FrenchStemFilter(Filter):
    """Stemming of folded words, except names and acronyms marked `keep`.

    `stemmer` names the stemmer (`STEMMER` when built) and `stemmer_version` the PyStemmer
    release, both pickled with the schema, so that queries stem as the index did: Snowball
    releases change a few stems, so a different one needs a reindex.
    """

    def __init__(self, stemmer: str | None = None) -> None:
        self.stemmer = stemmer or STEMMER
        self.stemmer_version = STEMMER_VERSION

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.stemmer == self.stemmer

    def __hash__(self) -> int:
        return hash((type(self), self.stemmer))

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update({"stemmer": "snowball", **state})  # pickled before the choice

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        name = self.stemmer
        for t in tokens:
            if not t.keep:
                t.text = stem(t.text, name)
            yield t


class FrenchFormFilter(Filter):
    """Names and acronyms (tokens marked `keep`) in capitals, and elided words twice.

    Stems and folded words are lowercase, so a name in capitals never equals the stem of an
    ordinary word (`CAF` is not `café`'s stem `caf`, `UN` not `uns`'s `un`). An elided word of
    an indexed text (`d’État`) is followed, at the same position, by its elided form (`'etat`).
    """

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            if t.keep and not t.whole:
                t.text = name_form(t.text)
            yield t
            if t.elided and not t.stopped:
                t.text = ELIDED + t.text
                yield t


def name_form(folded: str) -> str:
    """The indexed form of a name or acronym (`caf` → `CAF`), never that of a stemmed word."""
    return folded.upper()


def french_analyzer(protected: frozenset[str] = frozenset()) -> Analyzer:
    """The French analyzer; `protected` holds folded name tokens indexed unstemmed."""
    return FrenchTokenizer(protected) | FrenchStopFilter() | FrenchStemFilter() | FrenchFormFilter()


def behind(analyzer: Analyzer) -> list[str]:
    """What an index's analyzer (pickled when it was built) reads differently from today's,
    which only a full reindex changes: a line for people each; none for today's."""
    lines = []
    for item in getattr(analyzer, "items", ()):
        if isinstance(item, FrenchTokenizer) and accented_words(item) != ACCENTED_WORDS:
            lines.append("maïs, sûr and né are read as the stop words mais, sur and ne")
        if isinstance(item, FrenchStemFilter) and item.stemmer != STEMMER:
            lines.append(f"words are stemmed by '{item.stemmer}', new indexes by '{STEMMER}'"
                         + STEMMER_CHANGES.get((item.stemmer, STEMMER), ""))
    return lines


def analyze(text: str, protected: frozenset[str] = frozenset(), mode: str = "index") -> list[str]:
    """Token texts of `text` as indexed (or as queried, with `mode="query"`)."""
    return [t.text for t in french_analyzer(protected)(text, mode=mode)]


def query_terms(analyzer: Analyzer, text: str) -> frozenset[str]:
    """The index terms a query text stands for, through the schema's own analyzer.

    For search and highlighting code: an empty result means the text is only stop words or
    punctuation (worth a friendly message rather than an empty page).
    """
    return frozenset(t.text for t in analyzer(text, mode="query"))


# What a piece of text between white space (`l’État,`) contributes, per (protected, stops,
# stemmer): the (term, step) pairs of its words in order, `step` 1 when the next term is at the
# next position (a plain word is one pair, a stop word or `—` none, `d’État` `("etat", 0),
# ("'etat", 1)`, a compound its joined form at step 0 then its parts). Only for pieces whose
# terms do not depend on the words around them (capitals may be acronyms or shouting): the
# chain's work for a piece seen before is one dict lookup. Words (`État`) are pieces too, looked
# up when a new piece is made of known words. Bounded: cleared when full (a million-article
# build meets millions of words). Beside it, the one-pair entry of each plain term, shared by
# every word form stemmed to it (`élus`, `élu`): the cache holds references, not a tuple each.
_WORDS: dict[tuple, tuple[dict[str, tuple], dict[str, tuple]]] = {}
_WORDS_MAX = 300_000
_TERM, _STEP = itemgetter(0), itemgetter(1)


def index_positions(analyzer: object, value: str) -> dict[str, list[int]] | None:
    """What the analyzer indexes of `value`: {term: positions}, in first-seen order, exactly as
    Whoosh's `Positions.word_values` gathers it from the token stream; None when `analyzer` is
    not `french_analyzer`'s chain (the caller then runs the analyzer itself).

    The same rules as the four classes above, but run once per piece of text between white
    space (no word spans white space, so the words of `value` are those of its pieces, in
    order): each piece's (term, step) pairs come from the cache, and the positions are summed
    and grouped by C-level iterators rather than a Python loop over every token.
    """
    chain = getattr(analyzer, "items", None)
    if (not chain or len(chain) != 4 or type(chain[0]) is not FrenchTokenizer
            or type(chain[1]) is not FrenchStopFilter or type(chain[2]) is not FrenchStemFilter
            or type(chain[3]) is not FrenchFormFilter):
        return None
    key = (chain[0].protected, chain[1].stops, chain[2].stemmer, accented_words(chain[0]))
    caches = _WORDS.get(key)
    if caches is None or len(caches[0]) > _WORDS_MAX:
        caches = _WORDS[key] = ({}, {})
    cache = caches[0]
    pieces = value.split()
    found = list(map(cache.get, pieces))
    if None in found:
        _analyse_new(pieces, found, key, cache, caches[1])
    pairs = list(itertools.chain.from_iterable(found))
    terms = list(map(_TERM, pairs))
    firsts = dict.fromkeys(terms)
    empties = map(list, itertools.repeat((), len(firsts)))
    poses: dict[str, list[int]] = dict(zip(firsts, empties, strict=True))
    # each pair's position is the sum of the steps before it
    positions = itertools.accumulate(map(_STEP, pairs), initial=0)
    collections.deque(map(list.append, map(poses.__getitem__, terms), positions), maxlen=0)
    return poses


# Each word's tokens as (term, start, end, joined), offsets from the word's start, per analyzer
# chain: highlighting analyzes the same words over and over (30 words a hit, each through four
# generators). A word in capitals is kept with whether it is shouted (its neighbours decide),
# any other by the word alone. Cleared when full: about 290 bytes a word (the shared corpus's
# 65,626 distinct words took 18.8 MB), so 14 MB at most in each web worker.
_SPANS: dict[tuple, tuple[dict, dict]] = {}
_SPANS_MAX = 50_000
_WORD_SPLIT = re.compile(f"({_WORD.pattern})")


def span_tokens(analyzer: Analyzer, text: str) -> list[tuple[str, int, int, bool]]:
    """(term, start, end, joined) of each token `analyzer(text, chars=True, mode="index")`
    yields, in order (each word's from a cache when it was seen before)."""
    starts, per_word = word_tokens(analyzer, text)
    return [(term, at + start, at + end, joined)
            for at, tokens in zip(starts, per_word, strict=True)
            for term, start, end, joined in tokens]


def word_tokens(analyzer: Analyzer, text: str) -> tuple[list[int], list[tuple]]:
    """Each word's offset in `text` and its tokens, (term, start, end, joined) with offsets
    from the word's: the tokens `analyzer(text, chars=True, mode="index")` yields, grouped by
    word. A word seen before gives the same tuple (what a word gives depends only on it and on
    whether its neighbours make it shouted), so a caller can weigh each distinct word once."""
    chain = getattr(analyzer, "items", None)
    if (not chain or len(chain) != 4 or type(chain[0]) is not FrenchTokenizer
            or type(chain[1]) is not FrenchStopFilter or type(chain[2]) is not FrenchStemFilter
            or type(chain[3]) is not FrenchFormFilter):
        tokens = [((t.text, t.startchar, t.endchar, getattr(t, "joined", False)),)
                  for t in analyzer(text, chars=True, mode="index")]
        return [0] * len(tokens), tokens
    key = (chain[0].protected, chain[1].stops, chain[2].stemmer, accented_words(chain[0]))
    caches = _SPANS.get(key)
    if caches is None or len(caches[0]) + len(caches[1]) > _SPANS_MAX:
        caches = _SPANS[key] = ({}, {})
    plain, capitals = caches
    # separators and words alternate: a word's offset is the length of all before it, summed
    # in C rather than read from a match object per word
    parts = _WORD_SPLIT.split(text)
    words = parts[1::2]
    starts = list(itertools.accumulate(map(len, parts)))[:-1:2]
    per_word = list(map(plain.get, words))  # a word in capitals is never in `plain`
    if None in per_word:
        last = len(words) - 1
        for i in [i for i, tokens in enumerate(per_word) if tokens is None]:
            raw = words[i]
            info = _word_info(raw)
            if info[1]:
                shouting = ((i > 0 and _word_info(words[i - 1])[1])
                            or (i < last and _word_info(words[i + 1])[1]))
                tokens = capitals.get((raw, shouting))
                if tokens is None:
                    tokens = capitals[raw, shouting] = _word_spans(chain, raw, info, shouting)
            else:
                tokens = plain[raw] = _word_spans(chain, raw, info, False)
            per_word[i] = tokens
    return starts, per_word


def _word_spans(chain, raw: str, info: tuple[str | None, bool, bool],
                shouting: bool) -> tuple[tuple[str, int, int, bool], ...]:
    """One word's tokens through the whole chain, as the tokenizer makes them in a text."""
    t = Token(False, True, removestops=True, mode="index")
    t.stopped, t.boost, t.joined, t.elided, t.whole = False, 1.0, False, False, False
    tokens: Iterable[Token] = chain[0].word(t, raw, info, shouting, False, False, True, 0)
    for item in chain[1:]:
        tokens = item(tokens)
    return tuple((t.text, t.startchar, t.endchar, t.joined) for t in tokens)


def _analyse_new(pieces: list[str], found: list, key: tuple, cache: dict, plain: dict) -> None:
    """Fill `found[j]` for each piece the cache lacks with its words' (term, step) pairs,
    caching them (and its words') when they do not depend on the words around the piece."""
    for j, entry in enumerate(found):
        if entry is not None:
            continue
        words = _WORD.findall(pieces[j])
        if len(words) == 1 and words[0] in cache:  # `État,` when `État` is known
            found[j] = cache[pieces[j]] = cache[words[0]]
            continue
        entries, fixed = [], True
        last = len(words) - 1
        for i, raw in enumerate(words):
            word = cache.get(raw)
            if word is None:
                caps = _word_info(raw)[1]
                # A capitalised word next to another one is shouting (a headline), not an
                # acronym: its neighbours may stand in the pieces around this one.
                shouting = caps and ((_word_info(words[i - 1])[1] if i > 0
                                      else _caps_before(pieces, j))
                                     or (_word_info(words[i + 1])[1] if i < last
                                         else _caps_after(pieces, j)))
                word, word_fixed = _word_entry(raw, shouting, key, plain)
                if word_fixed:
                    cache[raw] = word
                else:
                    fixed = False
            entries.append(word)
        entry = found[j] = entries[0] if len(entries) == 1 else tuple(
            itertools.chain.from_iterable(entries))
        if fixed:
            cache[pieces[j]] = entry


def _caps_before(pieces: list[str], j: int) -> bool:
    """Whether the word before piece `j` (in the nearest earlier piece holding one) is caps."""
    for k in range(j - 1, -1, -1):  # no slice: a long run of capitals would copy it each time
        words = _WORD.findall(pieces[k])
        if words:
            return _word_info(words[-1])[1]
    return False


def _caps_after(pieces: list[str], j: int) -> bool:
    """Whether the word after piece `j` (in the nearest later piece holding one) is caps."""
    for k in range(j + 1, len(pieces)):
        words = _WORD.findall(pieces[k])
        if words:
            return _word_info(words[0])[1]
    return False


def _word_entry(raw: str, shouting: bool, key: tuple, plain: dict) -> tuple[tuple, bool]:
    """One word's (term, step) pairs, and whether they are the same wherever it stands."""
    protected, stops, stemmer, accented = key

    def one(term: str) -> tuple:
        entry = plain.get(term)
        if entry is None:
            entry = plain[term] = ((term, 1),)
        return entry

    folded, caps, ascii_caps = _word_info(raw)
    if folded is not None:  # a plain word
        if ascii_caps and not shouting:  # an acronym: kept, in capitals
            return one(name_form(folded)), False
        if folded in protected or (folded != raw.lower() and raw.lower() in accented):
            entry = one(name_form(folded))
        elif folded in stops:
            entry = ()
        else:
            entry = one(stem(folded, stemmer))
        return entry, not ascii_caps
    pieces = _word_pieces(raw, 0)
    elided = len(pieces) == 1 and len(pieces[0][0]) < len(raw)
    out = []
    if len(pieces) > 1:  # the joined compound, at its first part's position, never stopped
        joined = "".join(_fold_piece(text) for text, _ in pieces)
        out.append((name_form(joined) if joined in protected else stem(joined, stemmer), 0))
    for text, _start in pieces:
        piece = _fold_piece(text)
        keep = piece in protected or (not shouting and _is_acronym(text))
        if not keep and piece in stops:
            continue
        term = name_form(piece) if keep else stem(piece, stemmer)
        if elided:
            out += ((term, 0), (ELIDED + term, 1))
        else:
            out.append((term, 1))
    # not in capitals, never an acronym: the same wherever it stands
    return tuple(out), not caps
