"""Countries as French text names them: "du Sénégal", "tchèque", "des États-Unis" -> ISO code.

The organisation matcher asks which country a text names right after an institution's name
("l'Assemblée nationale du Sénégal", "ministère des Affaires étrangères tchèque"), and whether
a name of the authority file names a country itself ("Assemblée nationale du Mali").
Country names come from Babel's French territory names; the adjectives (gentilés) are ours:
CLDR has none.
"""

from __future__ import annotations

import functools
import re

# Masculine singular adjective of each country, "masculine/feminine" where the feminine is not
# made by the usual rule (see _forms). Countries of French-language news first.
ADJECTIVES = """
ML malien  SN sénégalais  FR français  BE belge  CH suisse  CA canadien  US américain
GB britannique  CZ tchèque  CD congolais  CI ivoirien  DZ algérien  TN tunisien  MA marocain
NE nigérien  BF burkinabè  GN guinéen  TD tchadien  CM camerounais  KE kényan  NG nigérian
ZA sud-africain  RU russe  CN chinois  DE allemand  UA ukrainien  IL israélien
PS palestinien  EG égyptien  LY libyen  SD soudanais  SS sud-soudanais  ET éthiopien
MR mauritanien  GM gambien  GH ghanéen  TG togolais  BJ béninois  GA gabonais
CF centrafricain  RW rwandais  BI burundais  HT haïtien  LB libanais  SY syrien  IR iranien
IQ irakien  AF afghan  TR turc/turque  ES espagnol  IT italien  PT portugais  NL néerlandais
LU luxembourgeois  JP japonais  IN indien  BR brésilien  MX mexicain  AR argentin  QA qatari
SA saoudien  AE émirati  MG malgache  KM comorien  DJ djiboutien  SO somalien  AO angolais
MZ mozambicain  ZW zimbabwéen  ZM zambien  UG ougandais  TZ tanzanien  ER érythréen
NA namibien  CV cap-verdien  GW bissau-guinéen  GQ équato-guinéen  PL polonais  GR grec/grecque
AT autrichien  SE suédois  NO norvégien  DK danois  FI finlandais  IE irlandais  HU hongrois
RO roumain  BG bulgare  KR sud-coréen  KP nord-coréen  VN vietnamien  PK pakistanais
AU australien  VE vénézuélien  CO colombien  CU cubain  CL chilien  PE péruvien
SL sierra-léonais  LR libérien  BY biélorusse  RS serbe  YE yéménite  JO jordanien
KW koweïtien  TW taïwanais  MM birman  AM arménien  AZ azerbaïdjanais  GE géorgien
""".split()
# Other names of countries than Babel's (which says Tchéquie, Congo-Kinshasa, Côte d’Ivoire).
ALIASES = {
    "CD": ("République démocratique du Congo", "RDC", "RD Congo"),
    "CZ": ("République tchèque",), "GB": ("Grande-Bretagne", "Angleterre"),
    "US": ("USA", "Amérique"), "CF": ("Centrafrique", "RCA"), "PS": ("Palestine",),
    "MM": ("Birmanie",), "EH": ("Sahara occidental",),
    # A province's institutions are filed under its country: "l'Assemblée nationale du Québec".
    "CA": ("Québec",),
}
ADJECTIVE_ALIASES = {"CA": ("québécois",), "GB": ("anglais",), "US": ("états-unien",)}


@functools.cache
def codes() -> frozenset[str]:
    """Every country's (and territory's) ISO code, as Babel names them (not ZZ, its "unknown
    region"); loaded when first asked, as Babel's locale data is."""
    from babel import Locale

    return frozenset(code for code in Locale("fr").territories
                     if len(code) == 2 and code.isalpha() and code != "ZZ")


def _forms(adjective: str) -> set[str]:
    """A French adjective's four forms: malien, malienne, maliens, maliennes."""
    masculine, _, feminine = adjective.partition("/")
    if not feminine:
        if masculine.endswith(("e", "è")):
            feminine = masculine
        elif masculine.endswith("en"):
            feminine = masculine + "ne"
        else:
            feminine = masculine + "e"
    plural = masculine if masculine.endswith(("s", "x")) else masculine + "s"
    return {masculine, feminine, plural, feminine + "s"}


def _fold(text: str) -> str:
    from .organisations import fold_same_length

    return re.sub(r"[\s\-]+", " ", fold_same_length(text)).strip()


@functools.cache
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """Folded country names -> code, folded adjective forms -> code."""
    from babel import Locale

    names: dict[str, str] = {}
    for code, name in Locale("fr").territories.items():
        if len(code) == 2 and code.isalpha() and "(" not in name and "-" not in code:
            names.setdefault(_fold(name), code)
    for code, aliases in ALIASES.items():
        for alias in aliases:
            names[_fold(alias)] = code
    adjectives: dict[str, str] = {}
    pairs = list(zip(ADJECTIVES[::2], ADJECTIVES[1::2], strict=True))
    pairs += [(code, a) for code, found in ADJECTIVE_ALIASES.items() for a in found]
    for code, adjective in pairs:
        for form in _forms(adjective):
            adjectives[_fold(form)] = code
    return names, adjectives


def _alternatives(keys: list[str]) -> str:
    return "|".join(re.escape(k).replace(r"\ ", r"[\s\-]+")
                    for k in sorted(keys, key=len, reverse=True))


@functools.cache
def _after_re() -> re.Pattern:
    names, adjectives = _tables()
    return re.compile(
        r"[ \t\u00a0]*(?:(?:de[ \t\u00a0]+la|de[ \t\u00a0]+l'|du|des|de|d')[ \t\u00a0]*"
        r"(?P<name>" + _alternatives(list(names)) + r")|(?P<adj>"
        + _alternatives(list(adjectives)) + r"))(?![\w\-])")


@functools.cache
def _anywhere_re() -> re.Pattern:
    names, adjectives = _tables()
    return re.compile(r"(?<![\w\-])(" + _alternatives(list(names) + list(adjectives))
                      + r")(?![\w\-])")


def code_of(folded: str) -> str | None:
    """The code of a folded country name or adjective ("senegal", "tcheque"), else None."""
    names, adjectives = _tables()
    key = re.sub(r"[\s\-]+", " ", folded).strip()
    return names.get(key) or adjectives.get(key)


def adjective_forms(folded: str) -> tuple[str, ...]:
    """The forms of the adjective of the country a folded name names ("senegal": sénégalais,
    sénégalaise…), empty when the text is no country's name (an adjective is not a name)."""
    names, adjectives = _tables()
    code = names.get(re.sub(r"[\s\-]+", " ", folded).strip())
    if code is None:
        return ()
    return tuple(sorted(form for form, c in adjectives.items() if c == code))


def named_after(folded_text: str, position: int) -> str | None:
    """The country named right after `position` in folded text: " du Sénégal", " tchèque"."""
    found = _after_re().match(folded_text, position, position + 80)
    if found is None:
        return None
    return code_of(found.group("name") or found.group("adj"))


@functools.cache
def _one_country_re(code: str) -> re.Pattern:
    names, adjectives = _tables()
    forms = [k for k, c in (*names.items(), *adjectives.items()) if c == code]
    return re.compile(r"(?<![\w\-])(?:" + _alternatives(forms) + r")(?![\w\-])")


def mentions(code: str, text: str) -> bool:
    """Whether the text names the country of `code`, by its name or its adjective ("Mali",
    "maliennes")."""
    return _one_country_re(code.upper()).search(_fold(text)) is not None


def named_in(text: str) -> str | None:
    """The first country a name names ("Assemblée nationale du Mali": ML), else None."""
    found = _anywhere_re().search(_fold(text))
    return code_of(found.group(1)) if found else None
