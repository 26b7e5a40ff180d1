"""The organisation authority file, organisation extraction and new-acronym candidates."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import countries, yamlfiles
from .errors import ConfigError
from .filecache import ParsedFiles
from .orgcontext import after_word, in_running_text, names_outlet

KINDS = frozenset({
    "union", "party", "ministry", "state", "court", "military", "armed_group", "regional",
    "international", "ngo", "press", "company", "bank", "employer", "religious", "sport",
    "university", "coalition",
})
FIELDS = ("name", "acronym", "aliases", "kind", "country", "valid_from", "valid_until",
          "successors", "review", "guard")
GUARDS = ("outlet", "capital", "local", "not_after", "not_in")
DATE_RE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?\Z")
# How far `Authority.lineage` follows predecessors and successors: a chain of renamings is
# short; a bound keeps a mistaken loop in the file from growing a search without end.
MAX_LINEAGE = 12
# An acronym this short (letters) is read only in running text (see orgcontext).
SHORT_ACRONYM = 3
COUNTRY_RE = re.compile(r"^(?:[A-Z]{2}|international)\Z")  # \Z: no final newline

# Function words and short words that exist in upper case in headlines: an acronym spelled
# like one of them (UN, AU, EU, BAD) is ignored among other upper-case words ("UN HOMME").
FUNCTION_WORDS = frozenset("""
a au aux avec ce ces dans de des du elle en et eu il ils je la le les leur lui ma mais me
mes moi mon ne ni nos notre nous on ou par pas pour qu que qui sa sans se ses si son sur ta
te tes toi ton tu un une vos votre vous y est sont ont fait plus tout tous bien non oui
selon apres avant entre contre chez sous vers depuis lors fin bon mal sud nord est ouest
the of and to in is it for on at by as be or an are was but not this that with from
""".split())
COMMON_WORDS = FUNCTION_WORDS | frozenset(
    "bad bid sam who pam fare can may will all new one old man men cree".split())
# Upper-case words that are not organisations: abbreviations, currencies, diseases, units.
NOT_ORGANISATIONS = frozenset("""
ONG ONGS NGO PTF PTFS FCFA CFA XOF USD EUR PIB TVA COVID COVID-19 SIDA VIH HIV OK TV PDF
HT TTC NB PS BP RN SMS GPS SA SARL SUARL CEO DG PDG DRH DAF PM AM KM KG CM MM GMT UTC TNT
FM AM JT CV RAS NTIC TIC ID QG VIP DR PR MR MME MLLE ME ETC JPG HTML URL WWW HTTP HTTPS
OMD ODD CP CE CM1 CM2 BAC DEF DEUG BTS CAP BEPC DUT ADN ARN CO2 RD PME PMI TGV GPL GNL
ISF CSG HPV MGF QR LGBT LGBTI LGBTQ IVG PMA GPA HLM SDF SMIC SMIG
""".split())
# French abbreviations of country names that are not ISO codes.
COUNTRY_ABBREVIATIONS = frozenset({"RDC", "RCA", "RCI", "USA", "UK", "EAU", "URSS", "RFA", "RDA"})
ROMAN_RE = re.compile(r"^M{0,4}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$")
ARTICLES = ("l'", "le ", "la ", "les ")
# Before a name that starts with an article (L'Essor, Le Républicain), the article or its
# contraction with a preposition must be there: "du Républicain", "de L'Essor".
ARTICLE_LEAD = r"(?:l'\s?|le\s+|la\s+|les\s+|du\s+|des\s+|au\s+|aux\s+)"
SMALL_WORDS = frozenset(
    "de du des d la le les l et en pour a au aux sur dans par of the and for".split())
APOSTROPHES = "'’‘ʼ`´"
# Institutions every state has under the same name. A name of such an entry that names no
# country ("Assemblée nationale", "ministère de la Justice", not "Assemblée nationale du
# Mali"), and its acronym, mean that entry only in an article of the entry's country, or where
# the text names that country next to it: see `Authority.extract`.
GENERIC_KINDS = frozenset({"state", "court", "ministry", "military"})
# The first word of such a generic name: proper names of the same kinds (Opération Barkhane,
# Office du Niger) are no country's generic institution.
INSTITUTION_HEADS = frozenset("""
assemblee presidence primature cour haute haut conseil commission ministere gendarmerie police
garde direction institut mediateur autorite delegation bureau office comite agence caisse
centre tribunal parlement senat gouvernement armee forces douanes inspection
""".split())
# Names of an office as well as of an institution: "élu à la présidence de la République"
# names the office, "la présidence de la République a annoncé" the institution.
OFFICE_HEADS = ("presidence", "vice-presidence", "primature")
# What comes before a name when it is the office that is meant (folded text).
_OFFICE_CUE = re.compile(
    r"(?:\b(?:elue?s?|election|reelue?s?|reelection|candidate?s?|candidature|course|"
    r"acceder|accede|accedant|accession|arrivee|retour|succeder|succede|succession|investie?s?|"
    r"investiture|nommee?s?|nomination|pretendante?s?|postuler|postule|presenter|presente|"
    r"brigu\w*|assumer|assume|exercer|exerce|quitter|quitte|depart|ambitions?|destinee?)"
    r"(?:\s+(?:a|pour|de|sa|son))?\s+(?:la\s+|l'\s?)?|\b(?:sa|son|ma|leur)\s+)$")


def _fold_char(char: str) -> str:
    """One character lowercased and without accent, or itself when that would change length."""
    if char in APOSTROPHES:
        return "'"
    if char in "\u2010\u2011":
        return "-"
    decomposed = "".join(c for c in unicodedata.normalize("NFKD", char)
                         if not unicodedata.combining(c)).lower()
    return decomposed if len(decomposed) == 1 else char.lower() if len(char.lower()) == 1 else char


# Same-length folding lets a match found in the folded text point back into the original.
_FOLD_TABLE = {code: _fold_char(chr(code)) for code in range(0x41, 0x250)}
_FOLD_TABLE.update({ord(c): "'" for c in APOSTROPHES} | {0x2010: "-", 0x2011: "-"})


def fold_same_length(text: str) -> str:
    """Lowercase, strip accents, unify apostrophes, keeping every offset of `text`."""
    return text.translate(_FOLD_TABLE)


def _spellings() -> dict[str, set[str]]:
    """Each folded character, with the characters that fold to it."""
    found: dict[str, set[str]] = {}
    for code, folded in _FOLD_TABLE.items():
        found.setdefault(folded, {folded}).add(chr(code))
    return found


_SPELLINGS = _spellings()


@functools.lru_cache(maxsize=1024)
def letter_class(letter: str) -> str:
    """A regex class of every character `fold_same_length` turns into `letter` (its capital,
    its accented forms, `letter` itself): a pattern of them searches a text as it is, as a
    pattern of `letter` searches it folded (folding a body took 3x the search's time)."""
    return "[" + "".join(re.escape(c) for c in sorted(_SPELLINGS.get(letter, {letter}))) + "]"


# A name written with a ligature or its letters is one name (`œuvres`, `oeuvres`: French
# keyboards lack œ, and the shared corpus writes `oeu` 222 times to 537 `œ`).
LIGATURES = {"œ": "oe", "æ": "ae"}  # what the same-length folding keeps as one character
_LIGATURE_RE = re.compile("|".join(LIGATURES))
_LIGATURE_OF = {letters: ligature for ligature, letters in LIGATURES.items()}


def _key(text: str) -> str:
    """The lookup key of a name or alias: folded (a ligature as its letters), separators
    unified, leading article dropped."""
    text = fold_same_length(text.strip()).replace(".", "") if _is_acronym_form(text) else \
        fold_same_length(text.strip())
    if "œ" in text or "æ" in text:
        text = _LIGATURE_RE.sub(lambda m: LIGATURES[m.group()], text)
    text = re.sub(r"'\s+", "'", re.sub(r"[\s\-]+", " ", text)).strip()
    for article in ARTICLES:
        if text.startswith(article) and len(text) > len(article):
            return text[len(article):]
    return text


def _is_acronym_form(form: str) -> bool:
    """CARES-Mali, FAMa, O.N.U., M5-RFP: one token whose first part has two capitals or a digit."""
    form = form.strip()
    if not form[:1].isupper() or any(c.isspace() or c in APOSTROPHES for c in form):
        return False
    head = form.replace(".", "").split("-")[0]
    capitals = sum(c.isupper() for c in head)
    return capitals >= 2 or (capitals == 1 and any(c.isdigit() for c in head))


class AuthorityError(ConfigError):
    """The organisation authority file is unreadable or breaks its rules."""


@dataclass(frozen=True)
class Guard:
    """When an entry's names mean it (field `guard` of the authority file).

    outlet: its names (not its acronym) mean it only where the text names an outlet ("selon
    le journal 22 Septembre"); capital: its names need their capital ("Ensemble pour le Mali",
    not "travailler ensemble pour le Mali"); local: its names and acronym that name no
    country mean it only in an article of its country, or where the text names that country
    next to them (as the generic institution names do); not_after: words that make a name
    something else right before it ("prix CAF"); not_in: countries whose articles use its
    acronym for something else (CSI: Niger's health centres)."""

    outlet: bool = False
    capital: bool = False
    local: bool = False
    not_after: frozenset[str] = frozenset()
    not_in: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Organisation:
    """One entry of the authority file."""

    name: str
    kind: str
    country: str
    acronym: str | None = None
    aliases: tuple[str, ...] = ()
    # A year, YYYY-MM or YYYY-MM-DD: when the organisation bore this name (None: unknown or
    # still does).
    valid_from: str | None = None
    valid_until: str | None = None
    # Canonical names of the entries that took over from this one (renamed, merged into).
    successors: tuple[str, ...] = ()
    # Why an archivist should review this entry (a fact not verified), or None.
    review: str | None = None
    guard: Guard | None = None

    @property
    def forms(self) -> tuple[str, ...]:
        """Every spelling that names this organisation: name, acronym, aliases."""
        return (self.name, *((self.acronym,) if self.acronym else ()), *self.aliases)


@dataclass(frozen=True)
class Candidate:
    """An acronym seen in articles that the authority file does not know yet."""

    acronym: str
    count: int
    examples: tuple[str, ...] = ()
    expansion: str | None = None


@dataclass
class _Match:
    start: int
    end: int
    name: str


@dataclass
class Authority:
    """The loaded authority file with its precompiled matchers."""

    entries: tuple[Organisation, ...]
    _by_key: dict[str, str] = field(default_factory=dict, repr=False)
    _by_name: dict[str, Organisation] = field(default_factory=dict, repr=False)
    _acronyms: dict[str, str] = field(default_factory=dict, repr=False)
    _names: dict[str, tuple[str, bool]] = field(default_factory=dict, repr=False)
    _lowercase_forms: set[str] = field(default_factory=set, repr=False)
    _acronym_re: re.Pattern | None = field(default=None, repr=False)
    _name_re: re.Pattern | None = field(default=None, repr=False)
    # Generic names and acronyms (see GENERIC_KINDS): key -> {country: canonical name}.
    _generic: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _predecessors: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    # (entry, successor as written) of successors that name no other entry: load_authority
    # refuses the file.
    unlinked: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        acronym_patterns: set[tuple[str, ...]] = set()
        name_patterns: set[tuple[str, ...]] = set()
        for entry in self.entries:
            self._by_name[entry.name] = entry
            self._by_key[_key(entry.name)] = entry.name
            generic = generic_forms(entry)
            for form in entry.forms:
                if form in generic:
                    keys = _acronym_variants(form) if _is_acronym_form(form) else [_key(form)]
                    for key in keys:
                        self._generic.setdefault(key, {})[entry.country] = entry.name
                else:
                    self._by_key.setdefault(_key(form), entry.name)
                if _is_acronym_form(form):
                    for variant in _acronym_variants(form):
                        self._acronyms.setdefault(variant, entry.name)
                        acronym_patterns.add(tuple(re.escape(c) for c in variant))
                else:
                    key = _key(form)
                    # Two spellings with one key (Maliweb.net, maliweb.net): the lenient wins.
                    strict = self._names.get(key, (entry.name, True))[1] and _needs_capital(form)
                    self._names[key] = (entry.name, strict)
                    if form == form.lower():  # written in lower case on purpose: maliweb.net
                        self._lowercase_forms.add(key)
                    name_patterns.add(_name_pattern(form))
        # A file without acronyms (or names) matches none: an empty alternative would
        # match everywhere.
        self._acronym_re = re.compile(
            r"(?:(?<![\w\-.])|(?<=[A-Z0-9]-))"
            r"(" + (_trie_regex(acronym_patterns) or "(?!)") + r")(s?)"
            r"(?:(?![\w\-])|(?=-[A-Z0-9]{2}))")
        self._name_re = re.compile(
            r"(?<![\w\-])(" + (_trie_regex(name_patterns) or "(?!)") + r")(?![\w])")
        self._link()

    def _link(self) -> None:
        """Successors as canonical names, and each entry's predecessors."""
        linked, unlinked = [], []
        predecessors: dict[str, list[str]] = {}
        for entry in self.entries:
            names = []
            for written in entry.successors:
                found = self.canonical(written)
                if found is None or found == entry.name:
                    unlinked.append((entry.name, written))
                elif found not in names:
                    names.append(found)
                    predecessors.setdefault(found, []).append(entry.name)
            if tuple(names) != entry.successors:
                entry = dataclasses.replace(entry, successors=tuple(names))
                self._by_name[entry.name] = entry
            linked.append(entry)
        self.entries = tuple(linked)
        self.unlinked = tuple(unlinked)
        self._predecessors = {k: tuple(v) for k, v in predecessors.items()}

    def canonical(self, name_or_alias: str) -> str | None:
        """The canonical name for any spelling (case, accents, elision, dots, plural), or None.

        A name that several entries share (a generic name of several countries) gives None; a
        label of an organisation an article defined, "Name (ACRONYM)", gives the entry it has
        become, if the authority file has it now (see `promoted`).
        """
        text = name_or_alias.strip()
        if re.fullmatch(r"(?:[^\W\d_]\.){2,}[^\W\d_]?\.?", text):
            text = text.replace(".", "")
        text = re.sub(r"^[ldLD][" + APOSTROPHES + r"]\s*", "", text) if len(text) > 3 else text
        if not text:
            return None
        for candidate in (text, text[:-1] if text.endswith("s") and len(text) > 3 else None):
            if candidate:
                found = self._acronym(candidate.replace(".", "")) or \
                    self._acronym(candidate) or self._by_key.get(_key(candidate)) or \
                    self._only(self._generic.get(_key(candidate)))
                if found:
                    return found
        label = LABEL_RE.match(text)
        return self.promoted(label.group("name"), label.group("acronym")) if label else None

    def promoted(self, name: str, acronym: str | None) -> str | None:
        """The entry an organisation an article defined ("Name (ACRONYM)") is in the authority
        file under now: the entry of that name, or of that acronym if it has that name too."""
        by_name = self._by_key.get(_key(name))
        if by_name is not None:
            return by_name
        by_acronym = self._acronym(acronym) if acronym else None
        if by_acronym is not None and _key(name) in _entry_keys(self._by_name[by_acronym]):
            return by_acronym
        return None

    def _acronym(self, token: str) -> str | None:
        """The entry of an acronym, unless entries of several countries share it."""
        shared = self._generic.get(token)
        return self._acronyms.get(token) if shared is None or len(shared) == 1 else None

    @staticmethod
    def _only(by_country: dict[str, str] | None) -> str | None:
        return next(iter(by_country.values())) if by_country and len(by_country) == 1 else None

    def aliases_of(self, canonical: str) -> tuple[str, ...]:
        """Acronym and aliases of an organisation (given by any of its names); () if unknown."""
        name = self.canonical(canonical)
        if name is None:
            return ()
        entry = self._by_name[name]
        return tuple(f for f in entry.forms if f != entry.name)

    def entry(self, canonical: str) -> Organisation | None:
        """The entry for a canonical name or any alias."""
        name = self.canonical(canonical)
        return self._by_name.get(name) if name else None

    def successors_of(self, canonical: str) -> tuple[str, ...]:
        """The entries that took over from an organisation (given by any of its names)."""
        entry = self.entry(canonical)
        return entry.successors if entry else ()

    def predecessors_of(self, canonical: str) -> tuple[str, ...]:
        """The entries an organisation (given by any of its names) took over from."""
        name = self.canonical(canonical)
        return self._predecessors.get(name, ()) if name else ()

    def lineage(self, canonical: str) -> tuple[str, ...]:
        """The organisation, then its predecessors and their predecessors, then its successors
        and theirs (not their other predecessors): at most MAX_LINEAGE names; () if unknown."""
        name = self.canonical(canonical)
        if name is None:
            return ()
        found = [name]
        for step in (self.predecessors_of, self.successors_of):
            queue = [name]
            while queue and len(found) < MAX_LINEAGE:
                for other in step(queue.pop(0)):
                    if other not in found and len(found) < MAX_LINEAGE:
                        found.append(other)
                        queue.append(other)
        return tuple(found)

    def protected_tokens(self) -> frozenset[str]:
        """Folded acronyms (whole and their upper-case parts) and one-word names, never stemmed.

        Ordinary words are left out even inside a name (`femmes` of ONU-Femmes, `sa` of
        EDM-SA): protecting them would stop `femme` finding `femmes`, or index a stop word.
        """
        tokens: set[str] = set()
        for entry in self.entries:
            for form in entry.forms:
                form = form.strip().replace(".", "") if _is_acronym_form(form) else form.strip()
                if any(c.isspace() or c in APOSTROPHES for c in form):
                    continue
                tokens.add(fold_same_length(form))
                if "-" in form:
                    tokens.update(fold_same_length(part) for part in form.split("-")
                                  if len(part) >= 2 and part.isupper())
        return frozenset(t for t in tokens if t not in FUNCTION_WORDS)

    def is_known_acronym(self, token: str) -> bool:
        """Whether an upper-case token (dotted or plural too) names an organisation here."""
        token = token.replace(".", "")
        return token in self._acronyms or (token.endswith("s") and token[:-1] in self._acronyms)

    def extract(self, title: str, body: str, country: str | None = None) -> tuple[str, ...]:
        """Canonical names of the organisations an article mentions, in order of first mention.

        `country` is the article's (its publisher's): a code such as "ML", or None (unknown)
        or "international" (a publisher of many countries' news). A generic institution name
        ("Assemblée nationale", "ministère de la Justice") means the entry of the country the
        text names next to it ("l'Assemblée nationale du Sénégal"), else of `country`; when
        the authority file has no such entry, or no country is known, it is left out.
        """
        return self.extract_text(self.prepare(title, body), country)

    def extract_text(self, text: str, country: str | None = None) -> tuple[str, ...]:
        """`extract` over a text `prepare` made."""
        folded = fold_same_length(text)
        if "-" in folded:
            folded = _unglue_hyphens(folded)
        names = self._name_matches(text, folded, country)
        # An organisation named in full in the article defines its short acronym for it, even
        # in a headline in capitals.
        matches = self._acronym_matches(text, folded, country, {m.name for m in names}) + names
        matches.sort(key=lambda m: (m.start, m.start - m.end))
        found: dict[str, None] = {}
        end = -1
        for match in matches:
            if match.start >= end:
                if match.name:  # a generic name of another country: left out, but it covers
                    found.setdefault(match.name, None)
                end = match.end
        return tuple(found)

    def prepare(self, title: str, body: str) -> str:
        """The text extraction reads: title and body, words glued by a scraper set apart."""
        text = f"{title}\n\n{body}"
        glued = [m.start() + 1 for m in _GLUE_POINT_RE.finditer(text)]
        if not glued:
            return text
        # "imminentSave the Children", "mondialeLe président": a lower-case letter followed
        # by a capital and a lower-case letter ends one word and starts the next (French
        # never writes so inside a word), unless the authority file spells a name so.
        parts, last = [], 0
        for point in glued:
            word = _WORD_AROUND_RE.search(text, max(0, point - 40), point + 40)
            while word is not None and word.end() < point:
                word = _WORD_AROUND_RE.search(text, word.end(), point + 40)
            if word is not None and (self._by_key.get(_key(word.group())) or
                                     self._acronyms.get(word.group())):
                continue
            parts += [text[last:point], " "]
            last = point
        return "".join(parts) + text[last:]

    def _for_country(self, key: str, name: str, folded: str, end: int,
                     country: str | None) -> str | None:
        """A generic name's entry for this article ("" when left out), or `name` itself."""
        by_country = self._generic.get(key)
        if by_country is None:
            return name
        named = countries.named_after(folded, end)
        return by_country.get(named or country or "", "")

    def _acronym_matches(self, text: str, folded: str, country: str | None,
                         named: set[str] | frozenset[str] = frozenset()) -> list[_Match]:
        assert self._acronym_re is not None
        redefined = self._redefined(text)
        out = []
        for m in self._acronym_re.finditer(text):
            token = m.group(1)
            name = self._acronyms[token]
            if name in redefined.get(token.replace(".", ""), ()):
                continue
            ambiguous = fold_same_length(token.replace(".", "")) in COMMON_WORDS
            if ambiguous and _shouting(text, m, self):
                continue
            # "AU CNT, LE BUDGET…" in a headline, "ALG 2-1 TUN" in scores: not organisations.
            short = len(re.sub(r"[.\-]", "", token)) <= SHORT_ACRONYM
            if short and name not in named and not in_running_text(text, m.start(), m.end()) \
                    and not (self._by_name[name].kind == "press" and
                             names_outlet(text, folded, m.start(), m.end())):
                continue  # but "© AFP" credits the agency
            guard = self._by_name[name].guard
            if guard is not None and (
                    (guard.not_after and after_word(folded, m.start(), guard.not_after)) or
                    (country is not None and country in guard.not_in)):
                continue
            name = self._for_country(token, name, folded, m.end(), country)
            out.append(_Match(m.start(), m.end(), name))
        return out

    def _name_matches(self, text: str, folded: str, country: str | None) -> list[_Match]:
        assert self._name_re is not None
        out = []
        for m in self._name_re.finditer(folded):
            significant = _significant_start(m.group(1))
            key = _key(m.group(1)[significant:])
            name, needs_capital = self._names.get(key, (None, False))
            lenient = key in self._lowercase_forms
            if name is None:
                continue
            original = text[m.start():m.end()]
            if needs_capital and not original[significant:significant + 1].isupper():
                continue
            if significant and re.match(r"\s+[A-Z][a-z]", text[m.end():m.end() + 3]):
                continue  # "le Républicain Laurent Wauquiez": a title before a person's name
            if not lenient and not any(c.isupper() for c in original):
                continue  # "un plan international", "action contre la faim": common words
            start = m.start() + significant
            guard = self._by_name[name].guard
            if guard is not None and (
                    ((guard.outlet or guard.capital) and
                     not _first_letter(original[significant:]).isupper()) or
                    (guard.outlet and not names_outlet(text, folded, start, m.end())) or
                    (guard.not_after and after_word(folded, start, guard.not_after))):
                continue  # "la fête du 22 Septembre", "un journal du Mali"
            if key.startswith(OFFICE_HEADS) and _OFFICE_CUE.search(folded, max(0, start - 40),
                                                                     start):
                continue  # "élu à la présidence de la République": the office, not the body
            name = self._for_country(key, name, folded, m.end(), country)
            out.append(_Match(start, m.end(), name))
        return out

    def _redefined(self, text: str) -> dict[str, set[str]]:
        """Known acronyms that this article spells out as something else: `Autre chose (SAM)`."""
        out: dict[str, set[str]] = {}
        for m in _DEFINITION_RE.finditer(text):
            acronym = m.group(1)
            name = self._acronyms.get(acronym)
            if name is None:
                continue
            window = " " + _key(text[max(0, m.start() - 200):m.start()]) + " "
            keys = _entry_keys(self._by_name[name])
            if any(" " + k + " " in window or window.rstrip().endswith(" " + k) for k in keys):
                continue
            spelled = expansion_of(text, m.start(), acronym) or \
                translated_expansion(text, m.start(), acronym)
            if spelled is not None and not spelled_as(spelled, keys):
                out.setdefault(acronym, set()).add(name)
        return out


_GLUE_POINT_RE = re.compile(r"[a-zà-ÿ][A-ZÀ-Þ][a-zà-ÿ]")
_WORD_AROUND_RE = re.compile(r"[^\W\d_]+")
_HYPHEN_RE = re.compile(r"-(?=[a-z])")


def _unglue_hyphens(folded: str) -> str:
    """ "6-nations-unies" as "6 nations-unies": a number (one or two digits) or a single letter
    glued to a name by a hyphen is set apart, keeping every offset (folded text)."""
    points = []
    for m in _HYPHEN_RE.finditer(folded):
        i = m.start()
        head = folded[max(0, i - 3):i]
        glued = (len(head) >= 1 and (head[-1].isdigit() or head[-1].isalpha())
                 and (len(head) < 2 or not (head[-2].isalnum() or head[-2] in "-_"))) or \
            (len(head) >= 2 and head[-1].isdigit() and head[-2].isdigit()
             and (len(head) < 3 or not (head[-3].isalnum() or head[-3] in "-_")))
        if glued:
            points.append(i)
    if not points:
        return folded
    chars = list(folded)
    for i in points:
        chars[i] = " "
    return "".join(chars)
# How a new organisation is recorded in an article: "Fédération malienne de football (FEMAFOOT)".
LABEL_RE = re.compile(r"^(?P<name>.*[^\s(])\s*\((?P<acronym>[^()\s]+)\)$")


def generic_forms(entry: Organisation) -> frozenset[str]:
    """The names and acronym of an entry that are generic (see GENERIC_KINDS): those that name
    no country, of a national institution whose own name is an institution's common name."""
    if entry.guard is not None and entry.guard.local and entry.country != "international":
        return frozenset(f for f in entry.forms if not countries.named_in(f))
    if entry.country == "international" or entry.kind not in GENERIC_KINDS:
        return frozenset()
    if fold_same_length(entry.name).split()[0] not in INSTITUTION_HEADS:
        return frozenset()
    # An acronym abbreviates the name: FAMa is as Malian as "Forces armées maliennes".
    name_is_generic = not countries.named_in(entry.name)
    return frozenset(f for f in entry.forms if not countries.named_in(f) and
                     (name_is_generic or (f != entry.name and not _is_acronym_form(f))))


def _first_letter(text: str) -> str:
    """The first letter of a text ("S" of "22 Septembre"), or ""."""
    found = re.search(r"[^\W\d_]", text)
    return found.group() if found else ""


def _needs_capital(form: str) -> bool:
    """One-word names (Primature) and names after an article (L'Essor) need their capital."""
    folded = fold_same_length(form.strip())
    if not form.strip()[:1].isupper() or folded.startswith("ministere"):
        return False  # French typography writes "ministère de la Santé" in lower case
    significant = [w for w in _key(form).split(" ") if w not in SMALL_WORDS]
    # "alors médiateur de la République, l'ancien ministre…" names a person's office.
    return len(significant) <= 1 or folded.startswith(ARTICLES + ("mediateur",))


def _entry_keys(entry: Organisation) -> list[str]:
    return [_key(f) for f in entry.forms if not _is_acronym_form(f)]


# Small words a spelled-out name may add or drop without naming another body
_NAME_LINKS = frozenset("de du des d la le les l au aux pour et en sur a".split())


def _main_words(key: str) -> list[str]:
    return [w for w in re.split(r"[\s']+", key) if w and w not in _NAME_LINKS]


def spelled_as(name: str, keys: Iterable[str]) -> bool:
    """Whether an article's spelled-out name is one of these keys (an entry's names) written
    shorter or longer: the same first word, and every main word of the shorter name, at least
    two, in the other ("Haut Commissariat aux Réfugiés" for the Haut-Commissariat des Nations
    unies pour les réfugiés); not "Banque interaméricaine de développement" for the Banque
    islamique de développement, nor "Forces démocratiques syriennes" for the Forces de
    défense et de sécurité."""
    words = _main_words(_key(name))
    for key in keys:
        other = _main_words(key)
        if not words or not other or words[0] != other[0]:
            continue
        short, long = sorted((words, other), key=len)
        if len(short) >= 2 and all(word in long for word in short) and len(short) * 2 > len(long):
            return True
    return False


def _significant_start(folded_match: str) -> int:
    for article in ("l'", "le ", "la ", "les ", "du ", "des ", "au ", "aux "):
        if folded_match.startswith(article):
            return len(article) + (len(folded_match[len(article):]) -
                                   len(folded_match[len(article):].lstrip()))
    return 0


def _acronym_variants(form: str) -> list[str]:
    """EDM-SA as written and in upper case; ONU also as O.N.U. and O.N.U (dotted)."""
    form = form.strip()
    variants = {form, form.upper()} if "-" in form else {form}
    plain = form.replace(".", "")
    if plain.isalpha() and plain.isupper() and 2 <= len(plain) <= 6:
        dotted = ".".join(plain)
        variants |= {plain, dotted + ".", dotted}
    return sorted(variants)


def _name_pattern(form: str) -> tuple[str, ...]:
    """Regex atoms over folded text: any case and accents, space or hyphen, any apostrophe."""
    atoms: list[str] = [ARTICLE_LEAD] if fold_same_length(form.strip()).startswith(ARTICLES) \
        else []
    key = _key(form)
    at = 0
    while at < len(key):
        pair = key[at:at + 2]
        if pair in _LIGATURE_OF:  # the folded text keeps a ligature: either spelling
            atoms.append(f"(?:{pair}|{_LIGATURE_OF[pair]})")
            at += 2
            continue
        char = key[at]
        atoms.append(r"[\s\-]+" if char == " " else r"'\s?" if char == "'" else re.escape(char))
        at += 1
    return tuple(atoms)


def _trie_regex(sequences: Iterable[tuple[str, ...]]) -> str:
    """One regex for many atom sequences, sharing prefixes; the longest match is tried first."""
    trie: dict = {}
    for sequence in sequences:
        node = trie
        for atom in sequence:
            node = node.setdefault(atom, {})
        node[""] = {}  # end of a sequence

    def render(node: dict) -> str:
        ends = "" in node
        branches = [atom + render(child) for atom, child in node.items() if atom]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return ("(?:" + body + ")?") if len(branches) == 1 else body + "?"
        return body

    return render(trie)


def _shouting(text: str, match: re.Match, authority: Authority) -> bool:
    """Whether an ambiguous acronym sits among other upper-case words (a headline in capitals)."""
    before = re.findall(r"[^\W\d_]+", text[max(0, match.start() - 40):match.start()])
    after = re.findall(r"[^\W\d_]+", text[match.end():match.end() + 40])
    neighbours = before[-1:] + after[:1]
    return any(len(w) >= 2 and w.isupper() and not authority.is_known_acronym(w)
               for w in neighbours)


_DEFINITION_RE = re.compile(r"\(\s*([A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*)\s*\)")
_WORD_RE = re.compile(r"[^\W\d_][\w]*(?:['’][\w]+)?")


def expansion_of(text: str, paren: int, acronym: str) -> str | None:
    """The full name written just before `(ACR)` whose initials spell the acronym, if any."""
    window = text[max(0, paren - 250):paren]
    window = re.split(r"[.;:!?\n«»\"“”(),]", window)[-1]
    words = list(_WORD_RE.finditer(window))[-14:]
    letters = [c.lower() for c in fold_same_length(acronym) if c.isalpha()]
    if not words or len(letters) < 2:
        return None
    stems = []
    for w in words:
        word = fold_same_length(w.group())
        word = re.sub(r"^[a-z]'", "", word)
        stems.append(word)
    # Best: fewest unused words, then not starting on "la"/"de", then the shortest.
    best: tuple[int, bool, int] | None = None
    for start in range(len(stems) - 1, -1, -1):
        if not stems[start].startswith(letters[0]):
            continue
        skipped = _cover(stems[start:], letters)
        score = (skipped, stems[start] in SMALL_WORDS, len(stems) - start) if skipped is not None \
            else None
        if score is not None and (best is None or score < best):
            best = score
    if best is None:
        return None
    expansion = window[words[len(stems) - best[2]].start():].strip()
    return re.sub(r"^[ldLD][" + APOSTROPHES + r"]\s*", "", expansion) or None


def translated_expansion(text: str, paren: int, acronym: str) -> str | None:
    """A name just before `(ACR)` whose main words' initials are the acronym's letters in
    another order: the French name of a body known by its English acronym, "Forces de soutien
    rapide (RSF)" for Rapid Support Forces."""
    window = re.split(r"[.;:!?\n«»\"“”(),]", text[max(0, paren - 250):paren])[-1]
    letters = sorted(c.lower() for c in fold_same_length(acronym) if c.isalpha())
    main = [w for w in _WORD_RE.finditer(window)
            if fold_same_length(w.group()).lower() not in SMALL_WORDS][-len(letters):]
    if len(letters) < 3 or len(main) < len(letters) or not main[0].group()[0].isupper():
        return None
    if sorted(fold_same_length(w.group()[0]).lower() for w in main) != letters:
        return None
    return window[main[0].start():].strip()


def _cover(stems: list[str], letters: list[str]) -> int | None:
    """Fewest significant words left unused when the words, in order, spell the letters."""
    memo: dict[tuple[int, int], int | None] = {}

    def go(i: int, j: int) -> int | None:
        if j == len(letters):
            return sum(1 for s in stems[i:] if s not in SMALL_WORDS)
        if i == len(stems):
            return None
        if (i, j) not in memo:
            word, options = stems[i], []
            for k in range(1, min(4, len(word), len(letters) - j) + 1):
                if word[:k] != "".join(letters[j:j + k]):
                    break
                options.append(go(i + 1, j + k))
            if i > 0:
                rest = go(i + 1, j)
                options.append(None if rest is None else rest + (word not in SMALL_WORDS))
            found = [o for o in options if o is not None]
            memo[(i, j)] = min(found) if found else None
        return memo[(i, j)]

    cost = go(0, 0)
    return cost if cost is not None and cost <= 3 else None


# --- loading ---------------------------------------------------------------------------------




def no_authority(path: Path) -> str:
    """How every command words an archive without an authority file."""
    return f"no organisation authority file at {path}"


def authority_at(path: Path, last_good: bool = False) -> Authority | None:
    """The authority file at `path`, loaded once per version of the file; None when there is
    no file there (an archive may have none: `no_authority` says so). A file that is there but
    cannot be read or breaks its rules (a directory too) raises AuthorityError, unless
    `last_good` asks for its last version that loaded (`authority_problem` says why)."""
    return _AUTHORITIES.get(path, last_good)


def authority_problem(path: Path) -> str | None:
    """What is wrong with the authority file as it stands, when its last good version serves
    instead (`authority_at(path, last_good=True)`); None when nothing is."""
    return _AUTHORITIES.problem(path)


def load_authority(path: Path) -> Authority:
    """Read and validate the authority file, every time (`authority_at` reads it once per
    version); AuthorityError names the file and the entry, and a missing file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AuthorityError(f"{path}: cannot read the organisation file ({exc.strerror})") \
            from None
    except UnicodeDecodeError:
        raise AuthorityError(f"{path}: the organisation file is not UTF-8 text") from None
    try:
        raw = yamlfiles.load(text)
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())[:200]
        raise AuthorityError(f"{path}: not valid YAML ({detail})") from None
    except ValueError as exc:  # an impossible unquoted date, an integer of 4,300+ digits
        detail = " ".join(str(exc).split())[:200]
        raise AuthorityError(f"{path}: a value YAML cannot read ({detail}); put it in quotes") \
            from None
    if not isinstance(raw, list):
        raise AuthorityError(f"{path}: must be a list of organisations (- name: ...)")
    entries = tuple(_entry(item, number, path) for number, item in enumerate(raw, 1))
    # key -> (entry, form, country, generic form?) of the first entry with that spelling
    seen: dict[str, tuple[Organisation, str, bool]] = {}
    for entry in entries:
        generic = generic_forms(entry)
        for form in dict.fromkeys(entry.forms):
            key = _key(form)
            if key in seen and seen[key][0] is not entry:
                other, other_form, other_generic = seen[key]
                # One generic name for institutions of different countries is their point
                # ("Assemblée nationale"), as long as it is not two entries' canonical name.
                if not (generic and form in generic and other_generic and
                        other.country != entry.country and
                        not (form == entry.name and other_form == other.name)):
                    raise AuthorityError(
                        f"{path}: entry '{entry.name}': '{form}' already names '{other.name}' "
                        f"(as '{other_form}'); each name, acronym and alias must be unique "
                        "(only a generic institution name may name entries of several "
                        "countries)")
            seen.setdefault(key, (entry, form, form in generic))
    authority = Authority(entries)
    for name, written in authority.unlinked:
        raise AuthorityError(f"{path}: entry '{name}': successor '{written}' names no other "
                             "entry of the file (give its name or acronym)")
    return authority


_AUTHORITIES = ParsedFiles(load_authority, lambda path, why: AuthorityError(
    f"{path}: cannot read the organisation file ({why})"))


def _entry(item: object, number: int, path: Path) -> Organisation:
    where = f"{path}: entry {number}"
    if not isinstance(item, dict):
        raise AuthorityError(f"{where}: must be a mapping with name, kind and country")
    if isinstance(item.get("name"), str):
        where += f" ('{item['name']}')"
    unknown = sorted(str(k) for k in item if k not in FIELDS)
    if unknown:
        raise AuthorityError(f"{where}: unknown field(s) {', '.join(unknown)}")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise AuthorityError(f"{where}: 'name' is required")
    kind = item.get("kind")
    if kind not in KINDS:
        raise AuthorityError(f"{where}: 'kind' must be one of {', '.join(sorted(KINDS))}")
    country = item.get("country")
    if not isinstance(country, str) or not COUNTRY_RE.match(country) or (
            country != "international" and country not in countries.codes()):
        raise AuthorityError(f"{where}: 'country' must be a country's code such as ML, or "
                             "international (quote \"NO\": YAML reads a bare NO as false)")
    acronym = item.get("acronym")
    if acronym is not None and (not isinstance(acronym, str) or not _is_acronym_form(acronym)):
        raise AuthorityError(f"{where}: 'acronym' must be one word with capitals, e.g. UNTM")
    aliases = item.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip()
                                                for a in aliases):
        raise AuthorityError(f"{where}: 'aliases' must be a list of names")
    valid_from, valid_until = (_validity(item.get(f), f, where)
                               for f in ("valid_from", "valid_until"))
    if valid_from and valid_until and valid_until[:len(valid_from)] < valid_from[:len(valid_until)]:
        raise AuthorityError(f"{where}: 'valid_until' ({valid_until}) is before 'valid_from' "
                             f"({valid_from})")
    successors = item.get("successors") or []
    if isinstance(successors, str):
        successors = [successors]
    if not isinstance(successors, list) or not all(isinstance(s, str) and s.strip()
                                                   for s in successors):
        raise AuthorityError(f"{where}: 'successors' must be a list of names or acronyms of "
                             "other entries")
    review = item.get("review")
    if review is not None and (not isinstance(review, str) or not review.strip()):
        raise AuthorityError(f"{where}: 'review' must say in a few words what to review")
    return Organisation(name=" ".join(name.split()), kind=kind, country=country,
                        acronym=acronym.strip() if acronym else None,
                        aliases=tuple(" ".join(a.split()) for a in aliases),
                        valid_from=valid_from, valid_until=valid_until,
                        successors=tuple(" ".join(s.split()) for s in successors),
                        review=" ".join(review.split()) if review else None,
                        guard=_guard(item.get("guard"), where))


def _validity(value: object, name: str, where: str) -> str | None:
    """A validity date as text: YAML reads 2024 as a number and 2024-04-01 as a date."""
    if value is None:
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    text = str(value).strip() if isinstance(value, (int, str)) and \
        not isinstance(value, bool) else ""
    if not DATE_RE.match(text):
        raise AuthorityError(f"{where}: '{name}' must be a year, YYYY-MM or YYYY-MM-DD")
    return text


def _guard(value: object, where: str) -> Guard | None:
    """The `guard` mapping of an entry (see Guard)."""
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        raise AuthorityError(f"{where}: 'guard' must be a mapping of {', '.join(GUARDS)}")
    unknown = sorted(str(k) for k in value if k not in GUARDS)
    if unknown:
        raise AuthorityError(f"{where}: unknown guard(s) {', '.join(unknown)}; known: "
                             f"{', '.join(GUARDS)}")
    for flag in ("outlet", "capital", "local"):
        if not isinstance(value.get(flag, False), bool):
            raise AuthorityError(f"{where}: guard '{flag}' must be true or false")
    lists = {}
    for key in ("not_after", "not_in"):
        words = value.get(key) or []
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip()
                                                  for w in words):
            raise AuthorityError(f"{where}: guard '{key}' must be a list")
        lists[key] = frozenset(fold_same_length(w.strip()) if key == "not_after" else w.strip()
                               for w in words)
    if any(not COUNTRY_RE.match(c) for c in lists["not_in"]):
        raise AuthorityError(f"{where}: guard 'not_in' must list country codes such as NE")
    return Guard(outlet=value.get("outlet", False), capital=value.get("capital", False),
                 local=value.get("local", False),
                 not_after=lists["not_after"], not_in=lists["not_in"])


# --- candidates ------------------------------------------------------------------------------

_CANDIDATE_RE = re.compile(r"(?<![\w\-.'’])([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)(?![\w\-’]|'\w)")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


@functools.cache
def _country_codes() -> frozenset[str]:
    from babel import Locale
    from babel.core import get_global

    codes = {c for c in Locale("fr").territories if c.isalpha()}
    codes |= {c for c in get_global("territory_aliases") if c.isalpha()}
    return frozenset(codes | COUNTRY_ABBREVIATIONS)


def _sentence(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in _SENTENCE_END.finditer(text, max(0, start - 300), start)),
               default=max(0, start - 300))
    right_match = _SENTENCE_END.search(text, end)
    right = right_match.start() if right_match else len(text)
    sentence = " ".join(text[left:right].split())
    return sentence if len(sentence) <= 300 else sentence[:297] + "…"


def _line_is_shouting(text: str, pos: int) -> bool:
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) > 0.6 * len(letters)


def _iter_acronyms(text: str, authority: Authority) -> Iterator[re.Match]:
    for m in _CANDIDATE_RE.finditer(text):
        token = m.group(1)
        capitals = sum(c.isupper() for c in token)
        if not (2 <= capitals and len(token.replace("-", "")) <= 10):
            continue
        if token in NOT_ORGANISATIONS or ROMAN_RE.match(token) or authority.is_known_acronym(token):
            continue
        if _line_is_shouting(text, m.start()):
            continue
        before = re.findall(r"[^\W\d_]+", text[max(0, m.start() - 30):m.start()])
        # "Moussa TRAORE": an upper-case surname after a first name is a person.
        if before and before[-1][:1].isupper() and before[-1][1:].islower() and \
                fold_same_length(before[-1]) not in COMMON_WORDS and \
                text[max(0, m.start() - 1):m.start()] == " ":
            continue
        yield m


def find_candidates(texts: Iterable[tuple[str, str]], authority: Authority) -> list[Candidate]:
    """Acronyms the articles use that the authority file lacks, most frequent first."""
    countries = _country_codes()
    counts: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    expansions: dict[str, Counter[str]] = {}
    lowercase_words: set[str] = set()
    for title, body in texts:
        text = f"{title}\n\n{body}"
        lowercase_words.update(w for w in re.findall(r"\b[a-zà-ÿ]{2,}\b", text))
        for m in _iter_acronyms(text, authority):
            token = m.group(1)
            if token in countries:
                continue
            counts[token] += 1
            shown = examples.setdefault(token, [])
            if len(shown) < 3:
                sentence = _sentence(text, m.start(), m.end())
                if sentence not in shown:
                    shown.append(sentence)
            opening = text.rfind("(", max(0, m.start() - 2), m.start())
            if opening >= 0 and text[m.end():m.end() + 2].lstrip().startswith(")"):
                expansion = expansion_of(text, opening, token)
                if expansion:
                    expansions.setdefault(token, Counter())[expansion] += 1
    folded_words = {fold_same_length(w) for w in lowercase_words}
    result = []
    for token, count in counts.most_common():
        folded = fold_same_length(token)
        if folded in COMMON_WORDS or (folded in folded_words and token not in expansions):
            continue  # a word written in capitals for emphasis, not an acronym
        best = expansions.get(token)
        result.append(Candidate(token, count, tuple(examples[token]),
                                best.most_common(1)[0][0] if best else None))
    return result
