"""People's names as bylines give them, ordered as a library orders them: by surname.

A byline is one string ("Aminata Traoré", "A. Traoré", "Y. Coulibaly", "KONÉ Aminata",
"S. Ould Ali"); `split_name` finds its surname with the rules that hold in French-language
(and Malian) bylines, and `index_form` writes it surname first ("Traoré, A."), so that an
author list sorts and letters by surname while each byline stays a value of its own:
"A. Traoré" and "Aminata Traoré" sort side by side, never merged (nothing says they are one).

- Initials ("A.", "J.-B.", "S.M.") are given names: "Y. Coulibaly" and "Coulibaly Y." are both
  "Coulibaly, Y.". A byline of initials only ("R. B.") stays as written.
- A word in capitals among words that are not is the surname, as French bylines write it:
  "KONÉ Aminata", "Chabane BOUARISSA". All in capitals, the last word is (unless initials say
  otherwise: "M. EL BEY" is "EL BEY, M.").
- Particles of Sahelian and Arabic names belong to the surname and sort with it: "Ag", "Ould",
  "Mint", "Walet", "Ben", "Ibn", "El", "Al" ("Mohamed Ag Erless" → "Ag Erless, Mohamed"), as do
  capitalised ones ("Van de Keere", "La Fontaine"). A lowercase French "de", "du", "des", "d'"
  goes after the given names, the surname sorting on its own: "Gaulle, Charles de".
- A common Malian surname written first, before a given name ("Maïga Oumar"), is the surname.
- A byline that is no person's name stays whole, as a library writes a corporate author:
  an agency, a newspaper, an institution ("Agence France-Presse", "The Wall Street Journal",
  "Organisation mondiale de la santé"; `is_corporate`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .textnorm import fold

# Part of the surname they introduce (son of, daughter of, the…): sorted with it.
SURNAME_PARTICLES = {"ag", "ould", "mint", "walet", "ben", "bin", "ibn", "el", "al", "ait",
                     "van", "von", "der", "den", "la", "le", "da", "di", "de", "du", "des"}
# French particles written in lowercase: kept after the given names, not sorted on.
TRAILING_PARTICLES = {"de", "du", "des", "d'", "d’"}
# Family names common in Mali, which a byline may write before the given name ("Maïga Oumar").
MALIAN_SURNAMES = {
    "ba", "bagayoko", "ballo", "bamba", "berthe", "camara", "cisse", "coulibaly", "dabo",
    "dembele", "diakite", "diallo", "diarra", "dicko", "diop", "doumbia", "fofana", "guindo",
    "haidara", "kane", "kante", "keita", "kone", "konate", "kouyate", "maiga", "sacko",
    "samake", "sangare", "sanogo", "sidibe", "sissoko", "sow", "sylla", "tall", "togola",
    "toure", "traore", "tounkara",
}
_INITIALS = re.compile(r"(?:[^\W\d_][^\W\d_]?\.-?)+")
# Words that name a body, not a person (folded): a byline holding one is a corporate author.
CORPORATE_WORDS = frozenset(
    "agence agency corporation broadcasting journal news press presse radio television tv "
    "media medias magazine quotidien hebdo times herald tribune organisation organization "
    "union association ministere ministry federation comite committee conseil council ecole "
    "universite university institut institute fondation foundation redaction groupe group "
    "societe company commission nations banque bank gouvernement government presidence "
    "assemblee parlement parliament".split())
# Opening a byline of several words, these make it a title ("The Wall Street Journal")
_LEADING_ARTICLES = frozenset(("the", "le", "la", "les", "l'", "l’"))
# Lowercase words a person's name may hold (particles); any other lowercase word is a body's
# ("Union européenne", "Organisation mondiale de la santé")
_NAME_PARTICLES = SURNAME_PARTICLES | TRAILING_PARTICLES | {
    "y", "e", "bint", "del", "della", "dos", "das", "do", "af", "zu", "ter", "ten"}


@dataclass(frozen=True)
class Name:
    """A byline's parts: surname (with its particles), given names, a trailing particle."""

    surname: str
    given: str = ""
    particle: str = ""  # a lowercase French "de", written after the given names


def _is_initials(word: str) -> bool:
    return bool(_INITIALS.fullmatch(word)) and word[:1].isupper()


def _is_capitals(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and not _is_initials(word)


# A browse page sorts and letters every author of the archive on each request: the same
# bylines each time, so their split is kept (Name is frozen).
@lru_cache(maxsize=65_536)
def is_corporate(byline: str) -> bool:
    """Whether a byline names a body (agency, newspaper, institution), not a person."""
    words = byline.split()
    if len(words) < 2:
        return False
    if "(" in byline or words[0].casefold() in _LEADING_ARTICLES:
        return True
    for word in words:
        bare = fold(word.strip(".,;:")).casefold()
        if bare in CORPORATE_WORDS or any(part in CORPORATE_WORDS for part in bare.split("-")):
            return True
        if word[:1].islower() and bare not in _NAME_PARTICLES and not _is_initials(word):
            return True
    return False


def split_name(byline: str) -> Name:
    """The surname and given names of one byline (see the module's rules)."""
    words = byline.split()
    if len(words) < 2 or all(_is_initials(w) for w in words) or is_corporate(byline):
        return Name(" ".join(words))
    initials = [w for w in words if _is_initials(w)]
    others = [w for w in words if not _is_initials(w)]
    capitals = [w for w in others if _is_capitals(w)]
    if capitals and len(capitals) < len(others):  # "KONÉ Aminata", "Chabane BOUARISSA"
        surname = [w for w in words if _is_capitals(w)]
        given = [w for w in words if w not in surname]
        return _with_particles(surname, given)
    if initials:  # "Y. Coulibaly", "Coulibaly Y.", "S. Ould Ali", "M. EL BEY"
        return _with_particles(others, initials)
    first, last = fold(words[0]).casefold(), fold(words[-1]).casefold()
    if len(words) == 2 and first in MALIAN_SURNAMES and last not in MALIAN_SURNAMES:
        return Name(words[0], words[1])  # "Maïga Oumar"
    start = len(words) - 1
    while start > 1 and words[start - 1].casefold() in SURNAME_PARTICLES:
        start -= 1
    return _with_particles(words[start:], words[:start])


def _with_particles(surname: list[str], given: list[str]) -> Name:
    """Move a lowercase French particle that opens the surname after the given names."""
    particle = []
    while len(surname) > 1 and surname[0] in TRAILING_PARTICLES:
        particle.append(surname.pop(0))
    while given and given[-1] in TRAILING_PARTICLES:  # "Charles de GAULLE"
        particle.insert(0, given.pop())
    return Name(" ".join(surname), " ".join(given), " ".join(particle))


def index_form(byline: str) -> str:
    """The byline surname first, as an index lists it: 'Y. Coulibaly' → 'Coulibaly, Y.'."""
    name = split_name(byline)
    if not name.given:
        return " ".join(filter(None, (name.surname, name.particle)))
    return f"{name.surname}, {name.given}" + (f" {name.particle}" if name.particle else "")


def sort_key(byline: str) -> tuple[str, str, str]:
    """Order by surname, then given names (accents and case folded), then as written."""
    name = split_name(byline)
    return fold(name.surname).casefold(), fold(name.given).casefold(), byline


def initial(byline: str) -> str:
    """The letter a byline is listed under: its surname's first letter (A–Z), else '#'."""
    first = fold(split_name(byline).surname[:1]).upper()
    return first if "A" <= first <= "Z" else "#"
