"""French stemmers of folded words (no accents, lowercase): Snowball, Savoy's light, minimal.

`light` is Jacques Savoy's "UniNE" light stemmer (Light Stemming Approaches for the French,
Portuguese, German and Hungarian Languages, 2006), the stemmer of Lucene's FrenchAnalyzer
(FrenchLightStemmer) and of Elasticsearch's `light_french`; written here from the published
rules, with its accented suffixes (ième, ère, ète) in folded form because the analyzer folds
before it stems, and one change: a final -se loses its s with its e, so that feminines in
-aise, -oise (française, sénégalaise) meet their masculines, whose s went as a plural (Lucene's
version leaves français and française apart). `light_nouns` is `light` without its -ement
rule but for -ivement adverbs: news writes nouns in -ement (parlement, environnement,
département) far more often than adverbs, and the rule put them on the stems of other words
(parler, environ, départ). `light_derived` is `light_nouns` where no derived
word falls on a shorter, unrelated word's stem: light cuts a root after -ation, -isation,
-ateur, -ique as if it were an infinitive (génération → `gen`, like gens; coopération →
`cop`, like copie), reads a participle of an -iquer verb as an adjective (communiqué →
`comun`, like commune) and a three-letter root as a verb (sénateur → `sen`, like sens).
`light_invariable`, the analyzer's, is `light_derived` where a noun whose final s or x is no
plural's keeps it, as a noun of its own: light took it away as a plural, which put `pays` with
payer, `prix` with pris, `mois` with moi, `cours` with cour, `fois` with foi.
`minimal` is Savoy's minimal stemmer (Lucene's
FrenchMinimalStemmer) except that plurals are removed from words of 4 letters, not 6:
Lucene's threshold leaves `élus`, `amis`, `reçus` apart from their singulars. `snowball` is
Snowball French (PyStemmer). Each is a pure function of the folded word, so the analyzer
caches its results.
"""

from __future__ import annotations

import threading

import Stemmer

NAMES = ("snowball", "light", "light_nouns", "light_derived", "light_invariable", "minimal")
_local = threading.local()


def snowball(word: str) -> str:
    """Snowball French (PyStemmer; one stemmer object per thread, as they are not thread-safe)."""
    stemmer = getattr(_local, "snowball", None)
    if stemmer is None:
        stemmer = _local.snowball = Stemmer.Stemmer("french")
    return stemmer.stemWord(word)


def light(word: str) -> str:
    """Savoy's light French stemmer: plurals, feminines and the frequent derivational suffixes."""
    return _light(word, nouns=False)


def light_nouns(word: str) -> str:
    """Savoy's light stemmer, except that nouns in -ement stay apart from the verb they share a
    stem with: `parlement` is not `parler`, `environnement` not `environ`."""
    return _light(word, nouns=True)


def light_derived(word: str) -> str:
    """`light_nouns`, and a derived word never falls on a shorter, unrelated word's stem:
    `génération`, `déclaration`, `coopération`, `organisation` keep stems of their own (light
    put them with `gens`, no word, `copie`, `organe`), `communiqué` stays with `communiquer`
    (not `commune`), `sénateur` goes with `sénat` (not `sens`), `électrique` keeps its r (not
    `électeur`)."""
    return _light(word, nouns=True, derived=True)


# Nouns whose final s or x is no plural's, each of which light put with an unrelated word of
# the shared corpus (their articles there): pays (2,327) with payer, prix (446) with pris, mois
# (1,121) with moi, cours (670) with cour, fois (968) with foi, voix with vois, fils with fil,
# succès with sucé, secours with secoue, repas with repasser, abus with Abu, temps, corps.
# Those whose stem meets their own verb's (refus/refuser, mépris/mépriser) are left to light.
INVARIABLE_NOUNS = frozenset({"pays", "prix", "mois", "cours", "fois", "voix", "fils", "succes",
                              "secours", "repas", "abus", "temps", "corps"})


def light_invariable(word: str) -> str:
    """`light_derived`, except that a noun whose final s or x is no plural's stays whole:
    `pays` is not `payer`, `prix` not `pris`, `mois` not `moi`, `cours` not `cour`."""
    return word if word in INVARIABLE_NOUNS else _light(word, nouns=True, derived=True)


# Verbs in -iquer whose participle folds to an adjective's -ique (communiqué, revendiqué)
_IQUER_VERBS = ("communiqu", "revendiqu", "compliqu", "diagnostiqu", "pronostiqu", "sophistiqu")


def _light(word: str, nouns: bool, derived: bool = False) -> str:
    s = word
    if len(s) > 5 and s[-1] == "x":
        # journaux → journal, but bureaux → bureau
        s = s[:-2] + "l" if s[-3:-1] == "au" and s[-4] != "e" else s[:-1]
    if len(s) > 3 and s[-1] == "x":
        s = s[:-1]
    if len(s) > 3 and s[-1] == "s":
        s = s[:-1]
    n = len(s)
    # Savoy's -ement rule is for adverbs (activement → actif), but French news writes far
    # more nouns in -ement than adverbs, and these nouns fall onto other words' stems
    # (environnement → environ, placement → place); only -ivement is always an adverb
    nouns = nouns and s.endswith("ement") and not s.endswith("ivement")
    if n > 9 and s.endswith("issement") and not nouns:  # établissement → établir
        return _norm(s[:-7] + "r")
    if n > 8 and s.endswith("issant"):
        return _norm(s[:-5] + "r")
    if n > 6 and s.endswith("ement") and not nouns:  # activement → actif
        s = s[:-4]
        if len(s) > 3 and s.endswith("ive"):
            s = s[:-2] + "f"
        return _norm(s)
    if n > 11 and s.endswith("ficatrice"):
        return _norm(s[:-7] + "er")
    if n > 10 and s.endswith("ficateur"):
        return _norm(s[:-6] + "er")
    if n > 9 and s.endswith("catrice"):  # fabricatrice → fabriquer
        return _norm(s[:-7] + "quer")
    if n > 8 and s.endswith("cateur"):
        return _norm(s[:-6] + "quer")
    if n > 8 and s.endswith("atrice"):  # animatrice → animer
        verb = _norm(s[:-6] + "er")
        if not (derived and len(verb) < 4):
            return verb
    if n > 7 and s.endswith("ateur"):
        verb = _norm(s[:-5] + "er")
        # a stem of three letters is no verb's: sénateur is sénat's, not `sen` (sens)
        if not (derived and len(verb) < 4):
            return verb
    if n > 6 and s.endswith("trice"):  # directrice → directeur, then the rules below
        s = s[:-4] + "eur"
    n = len(s)
    if n > 5 and s.endswith("ieme"):
        return _norm(s[:-4])
    if n > 7 and s.endswith("teuse"):
        return _norm(s[:-3] + "r")
    if n > 6 and s.endswith("teur"):
        return _norm(s[:-2] + "r")
    if n > 5 and s.endswith("euse"):
        return _norm(s[:-2])
    if n > 8 and s.endswith("ere"):
        return _norm(s[:-1])
    if n > 7 and s.endswith("ive"):
        return _norm(s[:-2] + "f")
    if n > 4 and (s.endswith("folle") or s.endswith("molle")):
        return _norm(s[:-3] + "u")
    if n > 9 and s.endswith("nnelle"):
        return _norm(s[:-5])
    if n > 9 and s.endswith("nnel"):
        return _norm(s[:-3])
    if n > 4 and s.endswith("ete"):
        s = s[:-1]
    if len(s) > 8 and s.endswith("ique") and not (derived and s[:-1].endswith(_IQUER_VERBS)):
        # the root of an adjective, whose final r is not an infinitive's (électrique is not
        # électeur, numérique not `num`)
        s = s[:-4] + "e" if derived and s[-5] == "r" else s[:-4]
    n = len(s)
    if n > 8 and s.endswith("esse"):
        return _norm(s[:-3])
    if n > 7 and s.endswith("inage"):
        return _norm(s[:-3])
    if derived and n > 9 and (s.endswith("isation") or s.endswith("isateur")):
        # the root is not the -iser verb's stem (organisation → organ, organiser → organi):
        # the noun keeps its own, rather than an unrelated word's (organe, mobile, utile)
        return _norm(s[:-7] + "isat")
    if n > 9 and s.endswith("isation"):
        s = s[:-7]
        if len(s) > 5 and s.endswith("ual"):
            s = s[:-2] + "el"
        return _norm(s)
    if n > 9 and s.endswith("isateur"):
        return _norm(s[:-7])
    if derived and n > 8 and s.endswith("ation"):
        # the root is the verb's stem (manifestation, manifester) unless the last step cuts it
        # further as if it were an infinitive: génération → `gen` (gens), not générer's
        # `gener`; such a noun keeps a stem of its own
        verb = _norm(s[:-5] + "er")
        return verb if _norm(s[:-5]) == verb else _norm(s[:-3])
    if n > 8 and (s.endswith("ation") or s.endswith("ition")):
        return _norm(s[:-5])
    return _norm(s)


def _norm(s: str) -> str:
    """The light stemmer's last step: doubled letters, then a final -ie, -r, -e, -e, double."""
    if len(s) > 4:
        out = [s[0]]
        for c in s[1:]:
            if not (c == out[-1] and c.isalpha()):
                out.append(c)
        s = "".join(out)
    if len(s) > 4 and s.endswith("ie"):
        s = s[:-2]
    if len(s) > 4:
        if s[-1] == "r":
            s = s[:-1]
        feminine = s.endswith("se")
        if s[-1] == "e":
            s = s[:-1]
        if s[-1] == "e":
            s = s[:-1]
        if feminine and len(s) > 4:
            s = s[:-1]  # française → francai, as français (its s went as a plural)
        if s[-1] == s[-2] and s[-1].isalpha():
            s = s[:-1]
    return s


def minimal(word: str) -> str:
    """Savoy's minimal stemmer: plurals (from 4 letters), then a final -r, -e, -é, double."""
    s = word
    if len(s) < 4:
        return s
    if s[-1] == "x":
        # journaux → journal, but bureaux → bureau (Lucene's version gives `bureal`)
        return s[:-2] + "l" if s.endswith("aux") and s[-4:-3] not in ("", "e") else s[:-1]
    if s[-1] == "s":
        s = s[:-1]
    if len(word) < 6:  # Savoy's other steps start at 6 letters
        return s
    if s[-1] == "r":
        s = s[:-1]
    if s[-1] == "e":
        s = s[:-1]
    if s[-1] == "e":  # é, folded
        s = s[:-1]
    if s[-1] == s[-2] and s[-1].isalpha():
        s = s[:-1]
    return s


STEMMERS = {"snowball": snowball, "light": light, "light_nouns": light_nouns,
            "light_derived": light_derived, "light_invariable": light_invariable,
            "minimal": minimal}
