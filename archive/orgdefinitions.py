"""Organisations an article defines itself: "la Fédération malienne de football (FEMAFOOT)".

A definition is a name then its acronym in parentheses, or an acronym then its name in
parentheses ("le MAK (Mouvement pour l'autonomie de la Kabylie)"). Journalists write many
other things so: a place "(Seine-et-Marne)", a year, a party after a person "Olivier Faure
(PS)", a person's initials, a tax "impôt sur la fortune (ISF)", a country "(RDC)", an office
"directeur départemental de la sécurité publique (DDSP)", a gloss in English "(WAFU Cup of
nations)". So a definition counts only when
- the acronym is one (capitals, not a country, a currency, a Roman numeral, an abbreviation),
- the name starts with a word that names a body (Fédération, Union, Syndicat, Agence…; an
  English name, in capitals, holds Institute, Agency, Commission…),
- and the name's words spell the acronym, in order (a word may give up to four letters).
An organisation the authority file has (by name, or by acronym with that name) is the
authority's; an acronym the file has for another body ("Syndicat des agriculteurs du Mali
(SAM)" against the file's SAM) is this article's own organisation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import countries
from .organisations import (
    APOSTROPHES,
    COUNTRY_ABBREVIATIONS,
    LABEL_RE,
    NOT_ORGANISATIONS,
    ROMAN_RE,
    Authority,
    _country_codes,
    _cover,
    _entry_keys,
    _is_acronym_form,
    _key,
    fold_same_length,
    spelled_as,
)

# First words of a body's name, folded; lower case is fine for these ("la fédération
# ivoirienne de football (FIF)").
HEADS = frozenset("""
agence alliance amicale armee assemblee association autorite banque brigade bureau caisse
cellule centrale centre chambre coalition collectif comite commissariat commission communaute
compagnie confederation conseil consortium cooperative coordination cour delegation direction
ecole entreprise etablissement federation fondation force forces front gendarmerie groupement
haut haute hopital hopitaux inspection institut institution laboratoire ligue ministere
mouvement mutuelle observatoire office ordre organisation organisme parlement parti plateforme
peloton escadron bataillon regiment police rassemblement regie reseau secretariat senat
societe syndicat tribunal union universite academie
""".split())
# First words that name a body only when written with their capital: "la Mission de l'ONU
# (MONUSCO)", but "une mission d'information parlementaire (MIP)" is a task.
CAPITAL_HEADS = frozenset("""
conference congres convention fonds groupe mission programme service services
""".split())
# An English name: in capitals ("Federal Trade Commission"), holding one of these words.
ENGLISH_BODIES = frozenset("""
academy agency alliance association authority bank board bureau center centre coalition
college commission committee company corporation council court department federation forces
foundation front fund group institute institution league movement network office organisation
organization party service society trust union university watch
""".split())
ENGLISH_SMALL = frozenset("of the and for in on to at".split())
MAX_WORDS = 16
MAX_UNUSED = 2  # words of a name that give no letter ("Office fédéral suisse de la statistique")
_ACRONYM = r"[A-Z][A-Za-z0-9]*(?:[\-&][A-Za-z0-9]+)*"
_FORWARD_RE = re.compile(r"\(\s*(" + _ACRONYM + r")\s*\)")
_BACKWARD_RE = re.compile(r"(?<![\w\-.'’])(" + _ACRONYM + r")\s*\(\s*([^()\n]{4,200}?)\s*\)")
_TITLE_CASE_RE = re.compile(r"^[A-Z][a-z]{2,5}$")
_WORD_RE = re.compile(r"[^\W\d_][\w]*(?:[-'’][\w]+)*")
# Where a name cannot run across: end of sentence, quotes, brackets, a paragraph.
_BREAK_RE = re.compile(r"[.;:!?«»\"“”()\[\]]|\n\s*\n")
# An editor's note inside the brackets: "(Agence nationale de renseignements, ndlr)".
_NOTE_RE = re.compile(r"^(?:ndlr|n\.d\.l\.r\.?)\s*[:,]?\s*|\s*[,:]?\s*(?:ndlr|n\.d\.l\.r\.?)$",
                      re.IGNORECASE)


@dataclass(frozen=True)
class Definition:
    """An organisation an article names and defines, that the authority file lacks."""

    name: str
    acronym: str

    @property
    def label(self) -> str:
        """How an article file records it: "Fédération malienne de football (FEMAFOOT)"."""
        return f"{self.name} ({self.acronym})"


def parse_label(label: str) -> Definition | None:
    """The definition a recorded label holds; None for a name without its acronym."""
    found = LABEL_RE.match(" ".join(label.split()))
    return Definition(found.group("name"), found.group("acronym")) if found else None


@dataclass(frozen=True)
class Found:
    """An article's organisations: canonical names of the authority file, then its own."""

    organisations: tuple[str, ...]
    defined: tuple[Definition, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        """The article's own organisations as its file records them."""
        return tuple(d.label for d in self.defined)


def found_in(authority: Authority, title: str, body: str, country: str | None = None) -> Found:
    """The organisations an article names: the authority file's, and those it defines."""
    text = authority.prepare(title, body)
    organisations = authority.extract_text(text, country)
    defined = definitions(text, authority)
    return Found(organisations, tuple(d for d in defined if d is not None))


def definitions(text: str, authority: Authority | None = None) -> list[Definition]:
    """The organisations a text defines, in order, one per acronym; those the authority file
    has (see the module's docstring) are left out."""
    found: list[tuple[int, Definition]] = []
    for m in _FORWARD_RE.finditer(text):
        acronym = m.group(1)
        if _TITLE_CASE_RE.match(acronym):  # "(Caf)", "(Unicef)": spelled as a word
            acronym = acronym.upper()
        if _is_acronym(acronym):
            name = _name_before(text, m.start(), acronym)
            if name:
                found.append((m.start(), Definition(name, acronym)))
    for m in _BACKWARD_RE.finditer(text):
        acronym = m.group(1)
        if _is_acronym(acronym):
            name = _name_inside(m.group(2), acronym)
            if name:
                found.append((m.start(), Definition(name, acronym)))
    out: dict[str, Definition] = {}
    for position, definition in sorted(found, key=lambda f: f[0]):
        if definition.acronym in out:
            continue
        if authority is not None and _known(authority, definition, text, position):
            continue
        out[definition.acronym] = definition
    return list(out.values())


def _known(authority: Authority, definition: Definition, text: str, position: int) -> bool:
    """Whether the authority file has this organisation (by name, or its acronym naming it)."""
    if authority.canonical(definition.name) is not None:
        return True
    entry = authority.canonical(definition.acronym)
    if entry is None:
        return False
    # The file's acronym for another body is this article's own organisation, unless one of
    # the file's names for it is written just before (`_redefined` reads it the same way).
    window = " " + _key(text[max(0, position - 200):position]) + " "
    keys = _entry_keys(authority.entry(entry)) if authority.entry(entry) else []
    return (_key(definition.name) in keys or spelled_as(definition.name, keys)
            or any(" " + k + " " in window for k in keys))


def _is_acronym(token: str) -> bool:
    """FEMAFOOT, UN-SCPC, COP26: not a country (RDC), a unit, an abbreviation or a numeral."""
    plain = token.replace("-", "").replace("&", "")
    if not _is_acronym_form(token) or sum(c.isupper() for c in token) < 2 or len(plain) > 12:
        return False
    return not (token in NOT_ORGANISATIONS or token.upper() in NOT_ORGANISATIONS
                or token in COUNTRY_ABBREVIATIONS or ROMAN_RE.match(token)
                or (len(token) == 2 and token in _country_codes()))


def _letters(acronym: str) -> list[str]:
    return [c.lower() for c in fold_same_length(acronym) if c.isalpha()]


def _stems(words: list[str]) -> list[str]:
    """Folded words without their elided article: l'Union -> union."""
    return [re.sub(r"^[a-z]'", "", fold_same_length(w).replace("’", "'")) for w in words]


def _is_head(word: str, stem: str) -> bool:
    """Whether a word starts a body's name: "Fédération", "Haut-Commissariat", "Mission"."""
    base = stem.split("-")[0]
    word = re.sub(r"^[A-Za-z]['’]", "", word)
    return base in HEADS or (base in CAPITAL_HEADS and word[:1].isupper())


def _name_before(text: str, paren: int, acronym: str) -> str | None:
    """The name written just before `(ACRONYM)`: it starts with a body's word and spells it."""
    window = text[max(0, paren - 300):paren]
    breaks = list(_BREAK_RE.finditer(window))
    if breaks:
        window = window[breaks[-1].end():]
    words = list(_WORD_RE.finditer(window))[-MAX_WORDS:]
    if len(words) < 1:
        return None
    texts = [w.group() for w in words]
    stems = _stems(texts)
    letters = _letters(acronym)
    best: tuple[int, int] | None = None  # (unused words, -length) of the best start
    for start in range(len(words)):
        if not stems[start].startswith(letters[0]):
            continue
        french = _is_head(texts[start], stems[start])
        if not french and not _english(texts[start:]):
            continue
        unused = _cover(stems[start:], letters)
        if unused is None or unused > MAX_UNUSED:
            continue
        score = (unused, -(len(words) - start))
        if best is None or score < best:
            best = score
    if best is None:
        return None
    start = len(words) + best[1]
    end = len(window)
    # "Conseil supérieur de l'audiovisuel français (CSA)": a country's adjective that gives
    # no letter at the end is the journalist's gloss, not the name.
    if len(words) - start > 2 and countries.code_of(stems[-1]) and \
            _cover(stems[start:-1], letters) is not None:
        end = words[-1].start()
    return _clean(window[words[start].start():end])


def _name_inside(inner: str, acronym: str) -> str | None:
    """The name written in brackets after an acronym: "MAK (Mouvement pour l'autonomie…)"."""
    inner = _NOTE_RE.sub("", inner.strip()).strip()
    inner = re.sub(r"^(?:l['’]\s*|les?\s+|la\s+)", "", inner, flags=re.IGNORECASE)
    words = [w.group() for w in _WORD_RE.finditer(inner)]
    if not words or len(words) > MAX_WORDS or re.search(r"[,;:]", inner):
        return None
    stems = _stems(words)
    letters = _letters(acronym)
    if not stems[0].startswith(letters[0]):
        return None
    if not (_is_head(words[0], stems[0]) or _english(words)):
        return None
    unused = _cover(stems, letters)
    if unused is None or unused > MAX_UNUSED:
        return None
    return _clean(inner)


def _english(words: list[str]) -> bool:
    """An English body's name: every word in capitals (but small ones), one naming a body."""
    if not words or any(w.lower() not in ENGLISH_SMALL and not w[:1].isupper() for w in words):
        return False
    return any(w.lower() in ENGLISH_BODIES for w in words)


def _clean(name: str) -> str | None:
    """One line, no leading article, its first letter in capitals (French typography)."""
    name = " ".join(name.split()).strip(" ,-–—")
    name = re.sub(r"^(?:[lL][" + APOSTROPHES + r"]\s*)", "", name)
    if len(name) < 4:
        return None
    return name[0].upper() + name[1:]


def organisation_values(organisations: tuple[str, ...], new_organisations: tuple[str, ...],
                        authority: Authority | None,
                        known: dict[str, str] | None = None) -> tuple[str, ...]:
    """An article's values in the organisation facet: its canonical names, then its own
    organisations, each under the entry the authority file has for it now, else as recorded
    ("Name (ACRONYM)": the acronym in brackets tells them apart from the file's names).

    A name an archivist typed in a file by its acronym, an alias or another case (`UNTM`,
    `Cedeao`) is filed under the entry's name, as the workspace and the import file it: a
    red team found such an article under a value of its own, which an organisation page
    counted and its link never found. `known` keeps the names looked up (a reindex asks for
    the same few thousand a million times)."""
    known = {} if known is None else known
    if authority is not None:
        for name in organisations:
            if name not in known:
                known[name] = authority.canonical(name) or name
        organisations = tuple(known[name] for name in organisations)
    values = dict.fromkeys(organisations)
    for label in new_organisations:
        found = authority.canonical(label) if authority is not None else None
        values.setdefault(found or label, None)
    return tuple(values)


# --- the archive's defined organisations, for `orgs candidates` and `orgs add` ------------------


@dataclass
class DefinedCandidate:
    """An acronym articles define that the authority file lacks: its names, with counts."""

    acronym: str
    articles: int = 0
    names: Counter = field(default_factory=Counter)  # spelling as defined -> articles
    countries: Counter = field(default_factory=Counter)  # publisher's country -> articles

    @property
    def name(self) -> str:
        """The name most articles give it (the first seen, on a tie)."""
        return self.names.most_common(1)[0][0]


def defined_candidates(records: Iterable[tuple[tuple[str, ...], str | None]],
                       authority: Authority) -> list[DefinedCandidate]:
    """What the archive's articles record as their own organisations (labels, with the
    article's country), grouped by acronym, most articles first; those the authority file
    has now are left out."""
    by_acronym: dict[str, DefinedCandidate] = {}
    spellings: dict[tuple[str, str], str] = {}  # (acronym, folded name) -> spelling shown
    for labels, country in records:
        seen: set[str] = set()
        for label in labels:
            definition = parse_label(label)
            if definition is None or definition.acronym in seen:
                continue
            if authority.promoted(definition.name, definition.acronym) is not None:
                continue
            seen.add(definition.acronym)
            candidate = by_acronym.setdefault(definition.acronym,
                                              DefinedCandidate(definition.acronym))
            candidate.articles += 1
            # Spellings that differ in case or accents only are one name, written the way
            # French typography prefers (fewest capitals): "Fédération du commerce…".
            key = _key(definition.name)
            shown = spellings.setdefault((definition.acronym, key), definition.name)
            if _capitals(definition.name) < _capitals(shown):
                candidate.names[definition.name] = candidate.names.pop(shown)
                spellings[(definition.acronym, key)] = shown = definition.name
            candidate.names[shown] += 1
            candidate.countries[country or "?"] += 1
    return sorted(by_acronym.values(), key=lambda c: (-c.articles, c.acronym))


def _capitals(name: str) -> int:
    return sum(c.isupper() for c in name)
