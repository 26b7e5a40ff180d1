"""The stemmers (archive/indexing/stemmers.py) on real corpus words, and the judged relevance set.

Words are quoted from ../shared/corpus/articles.jsonl; each test says in which sentence.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from archive.indexing import analysis, stemmers
from archive.indexing.analysis import analyze

from .conftest import CORPUS, require_shared

ROOT = Path(__file__).resolve().parents[1]
JUDGED = ROOT / "bench" / "relevance" / "judged.yaml"
CATEGORIES = {"inflected", "accents", "elision", "acronym", "name", "phrase", "multiword",
              "misspelling", "boolean"}


def index_terms(text: str) -> list[str]:
    return analyze(text)


# --- the stemmer the analyzer uses ---------------------------------------------------------


def test_the_analyzer_stems_with_savoys_light_stemmer_keeping_derived_words_apart() -> None:
    assert analysis.STEMMER == "light_invariable"
    assert analyze("partis", mode="query") == [stemmers.light_invariable("partis")] == ["parti"]
    assert analyze("générations") != analyze("gens")


@pytest.mark.parametrize(("noun", "other"), [
    # the shared corpus's words each noun met under light (its articles there): pays 2,327,
    # payer 149; prix 446, pris 595; mois 1,121, moi 308; cours 670, cour 232; fois 968, foi 21
    ("pays", "payer"), ("prix", "pris"), ("mois", "moi"), ("cours", "cour"), ("fois", "foi"),
    ("fils", "fil"), ("succès", "sucé"), ("secours", "secouer"), ("repas", "repasser"),
])
def test_a_noun_whose_final_s_is_no_plural_keeps_off_another_word(noun: str, other: str
                                                                  ) -> None:
    folded = analysis.fold(noun), analysis.fold(other)
    assert stemmers.light_derived(folded[0]) == stemmers.light_derived(folded[1])
    assert index_terms(noun) != index_terms(other)


def test_a_noun_whose_s_meets_its_verb_keeps_meeting_it() -> None:
    for noun, verb in [("refus", "refuser"), ("mépris", "mépriser")]:
        assert index_terms(noun) == index_terms(verb), noun


@pytest.mark.parametrize(("noun", "other"), [
    # "la protection de l'environnement" vs "environ 200 personnes"
    ("environnement", "environ"),
    # "le Parlement a adopté" vs "parler de la crise"
    ("parlements", "parler"),
    # "le département de Kayes" vs "le départ du président"
    ("département", "départ"),
    # "un placement en garde à vue" vs "sur la place publique"
    ("placement", "place"),
    # "l'armement des soldats" vs "l'armée malienne"
    ("armement", "armée"),
    # "les équipements sportifs" vs "l'équipe nationale"
    ("équipements", "équipe"),
    # "un établissement scolaire" vs "établir les responsabilités"
    ("établissement", "établir"),
])
def test_nouns_in_ement_keep_their_own_stem(noun: str, other: str) -> None:
    assert index_terms(noun) != index_terms(other)
    assert stemmers.light(analysis.fold(noun)) == stemmers.light(analysis.fold(other))


def test_nouns_in_ement_meet_their_plural_and_adverbs_in_ivement_their_adjective() -> None:
    assert index_terms("environnements") == index_terms("environnement")
    assert index_terms("Parlement") == index_terms("parlements")
    assert index_terms("activement") == index_terms("actif")
    assert index_terms("effectivement") == index_terms("effectif")


@pytest.mark.parametrize("word, other", [
    # "a fait savoir un communiqué du palais de l'Elysée" / "aux communes et associations"
    ("communiqué", "commune"),
    # "Pierre Frogier, sénateur du Rassemblement LR" / "dans les deux sens"
    ("sénateur", "sens"),
    # "la nouvelle génération" / "les gens du voyage"
    ("générations", "gens"),
    # "l'organisation des élections" / "un organe de régulation"
    ("organisation", "organe"),
    # "la coopération militaire" / "une copie du rapport"
    ("coopération", "copie"),
    # "la mobilisation de la journée des gilets jaunes" / "le paiement mobile"
    ("mobilisation", "mobile"),
    # "les moteurs électriques" / "les électeurs"
    ("électriques", "électeurs"),
    # "les réparations" / "le repas"
    ("réparations", "repas"),
    # "l'utilisation des fonds" / "utile"
    ("utilisation", "utile"),
])
def test_derived_words_keep_off_the_stems_of_shorter_unrelated_words(word: str, other: str
                                                                     ) -> None:
    """`light` cuts a root after -ation, -isation, -ateur, -ique as if it were an infinitive
    (génération → `gen`, like gens) or reads a participle as an adjective (communiqué →
    `comun`); `light_derived` does not."""
    folded = analysis.fold(word), analysis.fold(other)
    assert stemmers.light_nouns(folded[0]) == stemmers.light_nouns(folded[1])
    assert index_terms(word) != index_terms(other)


def test_derived_words_keep_the_merges_light_made_with_their_verbs() -> None:
    for word, other in [("manifestation", "manifester"), ("économique", "économie"),
                        ("démocratiques", "démocratie"), ("condamnations", "condamné"),
                        ("augmentation", "augmenter"), ("animatrice", "animateur"),
                        ("indicateur", "indiquer"), ("créateur", "créer"),
                        ("communiqués", "communiquer"), ("sénatrice", "Sénat"),
                        ("organisateurs", "organiser")]:
        assert index_terms(word) == index_terms(other), word
    assert index_terms("générations") == index_terms("génération")
    assert stemmers.light_derived("parlement") == stemmers.light_nouns("parlement")


def test_an_index_built_with_light_keeps_its_stems() -> None:
    """The stemmer is recorded by name in the pickled schema, so an index built before
    light_nouns keeps stemming `parlement` as `parl`, in its queries too."""
    import pickle

    built = pickle.loads(pickle.dumps(analysis.FrenchStemFilter("light")))
    assert built.stemmer == "light" and built != analysis.FrenchStemFilter()
    assert [t.text for t in built(iter([_token("parlement")]))] == ["parl"]


@pytest.mark.parametrize(("singular", "plural"), [
    # "la plus jeune élue du Congrès" / "un rassemblement d’élus PCF"
    ("élu", "élus"),
    # "deux individus ont été appréhendés" / "le fait d'un individu radicalisé"
    ("individu", "individus"),
    # "a reçu des coups de matraque" / "reçus à l'Élysée"
    ("reçu", "reçus"),
    # "Deux amis qui ont commencé à vendre des chaussures" / "Benalla, et son ami Vincent Crase"
    ("ami", "amis"),
    # "les partis politiques" / "le premier parti politique français"
    ("parti", "partis"),
    # "des manifestants algériens" / "une manifestante en gilet jaune"
    ("manifestant", "manifestante"),
    # "La Belgique craint des cyberattaques" — feminines in -aise meet their masculine
    ("sénégalais", "sénégalaise"),
    ("français", "française"),
    # "journaux" (Joël Journaux aside): plurals in -aux are the -al singular
    ("journal", "journaux"),
])
def test_singular_and_plural_share_a_stem(singular: str, plural: str) -> None:
    assert index_terms(singular) == index_terms(plural)


@pytest.mark.parametrize(("word", "other"), [
    # "Le mandat de Fatma Samoura n'a pas été prolongé par la CAF" vs "boire un autre type de café"
    ("café", "caf"),
    # "le premier parti politique français" vs "la part du «système»"
    ("parti", "part"),
    # "les journalistes de Quotidien" are not "journaux"
    ("journalistes", "journaux"),
])
def test_words_that_snowball_conflates_stay_apart(word: str, other: str) -> None:
    assert stemmers.light(analysis.fold(word)) != stemmers.light(analysis.fold(other))
    assert stemmers.snowball(analysis.fold(word)) == stemmers.snowball(analysis.fold(other))


def test_derived_words_stay_apart() -> None:
    # "secrétaire national du syndicat libéral" vs "les organisations syndicales"
    assert index_terms("syndicat") != index_terms("syndicales")


def _token(text: str):
    from whoosh.analysis import Token

    return Token(text=text, keep=False)


def test_light_stemmer_rules_on_corpus_words() -> None:
    """Savoy's suffix rules, on words of the corpus (folded, as the analyzer stems them)."""
    cases = {
        "gouvernement": "gouvern",  # -ement: "réponses apportées par le gouvernement"
        "gouverner": "gouvern",
        "animateur": "anim",  # -ateur → -er: "Cyril Hanouna … animer une émission"
        "activement": "actif",  # -ivement → -if
        "traditionnelle": "tradition",  # -nnelle
        "bureaux": "bureau",  # -eaux is not -al
        "syndicaux": "syndical",  # "les syndicats policiers", "organisations syndicales"
        "vaccins": "vacin",  # doubled letters are one: "vacin" (a misspelling) meets vaccin
        "benalla": "benala",
    }
    assert {word: stemmers.light(word) for word in cases} == cases


def test_minimal_stemmer_removes_plurals_from_four_letters() -> None:
    # Lucene's FrenchMinimalStemmer leaves words under 6 letters alone: élus would stay elus.
    assert [stemmers.minimal(w) for w in ("elus", "amis", "recus", "journaux", "bureaux")] == [
        "elu", "ami", "recu", "journal", "bureau"]
    assert stemmers.minimal("parti") == "parti"


def test_an_index_built_with_another_stemmer_is_queried_with_it() -> None:
    """The filter records its stemmer in the pickled schema: queries stem as the index did."""
    import pickle

    snowball = analysis.FrenchStemFilter("snowball")
    restored = pickle.loads(pickle.dumps(snowball))
    assert restored.stemmer == "snowball" and restored != analysis.FrenchStemFilter("light")
    old = analysis.FrenchStemFilter.__new__(analysis.FrenchStemFilter)
    old.__setstate__({"stemmer_version": analysis.STEMMER_VERSION})  # pickled before the choice
    assert old.stemmer == "snowball"


# --- the judged set ------------------------------------------------------------------------


def judged() -> list[dict]:
    return yaml.safe_load(JUDGED.read_text(encoding="utf-8"))["queries"]


def test_the_judged_file_is_well_formed() -> None:
    queries = judged()
    assert len(queries) >= 60
    texts = [q["query"] for q in queries]
    assert len(texts) == len(set(texts))
    for q in queries:
        assert q["category"] in CATEGORIES, q
        assert isinstance(q["need"], str) and q["need"].strip(), q
        assert q["judgements"], q
        assert all(g in (0, 1, 2) for g in q["judgements"].values()), q
        assert any(g > 0 for g in q["judgements"].values()), q
    assert {q["category"] for q in queries} == CATEGORIES
    # the cases, and both apostrophes
    for case in ("coup d'État", "l’Afrique de l’Ouest", "l'Europe", "CAF", "UN", "élu", "élus",
                 "individus", "parti", "Saint-Germain", "Saint Germain", "syndicat", "sydicat"):
        assert case in texts, case
    assert any("'" in t for t in texts) and any("\u2019" in t for t in texts)
    assert {"OU", "ET", "SAUF"} <= {w for t in texts for w in t.split()}


def test_every_judged_id_is_in_the_corpus() -> None:
    path = require_shared(CORPUS / "articles.jsonl")
    with path.open(encoding="utf-8") as lines:
        ids = {json.loads(line)["id"] for line in lines}
    unknown = {d for q in judged() for d in q["judgements"] if d not in ids}
    assert not unknown
