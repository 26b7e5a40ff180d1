"""Relevance, measured: judged queries whose listed articles must come in the top 5.

Two sets: the shipped demo archive (`data/articles`) and a subset of the shared corpus
(`../shared/corpus/articles.jsonl`, imported into tmp_path through the real import pipeline).

Morphology decision: a word finds its inflections (`syndicats` finds `syndicat`), not its
derived words (`syndical`, `syndicaliste`, `intersyndical` have other stems); `syndic*` asks
for the whole family. Elisions, accents and case never matter.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from archive import articlefile
from archive.config import load_config
from archive.errors import QueryError
from archive.indexing.jobs import reindex
from archive.ingest import import_paths
from archive.search import SearchRequest, search
from archive.textnorm import fold

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "articles.jsonl"

GREVE = "greve-des-enseignants-les-syndicats-de-l-education-7dae4dfe"
HOPITAUX = "hopitaux-les-syndicalistes-de-la-sante-denoncent-des-c84e7563"
INTERSYNDICAL = "segou-un-atelier-intersyndical-pour-apprendre-a-lire-le-68e58ac9"
UNTM = "l-untm-reclame-la-revalorisation-des-salaires-du-secteur-cb2e8163"
MOPTI = "mopti-les-fama-renforcent-la-securite-sur-l-axe-sevare-0d01b924"
ALIMENTAIRE = "securite-alimentaire-un-plan-de-reponse-pour-la-periode-de-f71062f0"
CENTRALE = "electricite-une-centrale-solaire-injecte-ses-premiers-60dd37e8"
DELESTAGES = "delestages-a-bamako-edm-sa-promet-un-retour-a-la-normale-3f1a333b"
CEDEAO_REUNION = "cedeao-bamako-accueille-une-reunion-sur-la-libre-circulation-7d3511b3"
CEDEAO_SANCTIONS = "sanctions-de-la-cedeao-les-commercants-de-bamako-inquiets-a12dd473"
G5 = "g5-sahel-les-ministres-de-la-defense-reunis-a-bamako-7983f460"
OFFICE = "crue-du-niger-l-office-du-niger-surveille-ses-digues-2c4d99d0"
COTON_PRIX = "prix-du-coton-producteurs-et-cmdt-trouvent-un-accord-pour-75e39ab3"
COTON_KOUTIALA = "coton-les-producteurs-de-koutiala-reclament-le-paiement-de-dd261e84"
MINUSMA = "retrait-de-la-minusma-les-habitants-de-gao-entre-inquietude-35212c14"

DEMO_JUDGEMENTS = [
    # morphology: plural and singular, and the prefix for the derived family
    ("syndicats", {GREVE}),
    ("syndicat", {GREVE}),
    ("syndic*", {GREVE, HOPITAUX, INTERSYNDICAL}),
    # elisions and accents
    ("l'éducation", {GREVE}),
    ("education", {GREVE}),
    ("l’UNTM", {UNTM}),
    ("securite", {MOPTI, ALIMENTAIRE}),
    ("ÉLECTRICITÉ", {CENTRALE, DELESTAGES}),
    # acronyms, full names and aliases
    ("ECOWAS", {CEDEAO_REUNION, CEDEAO_SANCTIONS}),
    ("Communauté économique des États de l'Afrique de l'Ouest",
     {CEDEAO_REUNION, CEDEAO_SANCTIONS}),
    ("Énergie du Mali", {DELESTAGES}),
    ("EDM", {DELESTAGES}),
    ("Nations unies", {MINUSMA}),
    ("UE", {G5, INTERSYNDICAL}),
    # phrases
    ('"Office du Niger"', {OFFICE}),
    ('"sécurité alimentaire"', {ALIMENTAIRE}),
    ("prix du coton", {COTON_PRIX}),
]


def top5(config, query: str) -> list[str]:
    return [hit.id for hit in search(config.index_dir, SearchRequest(query=query, page_size=5),
                                     config).hits]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The shipped demo archive, indexed in a temporary folder."""
    source = ROOT / "data" / "articles"
    if not any(articlefile.iter_files(source)):
        pytest.skip("the demo archive data/articles is empty")
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(source, root / "data" / "articles")
    shutil.copy(ROOT / "data" / "organisations.yaml", root / "data" / "organisations.yaml")
    config = load_config(None, data=root / "data", index=root / "index")
    reindex(config, full=True)
    return config


@pytest.mark.parametrize("query, expected", DEMO_JUDGEMENTS, ids=[q for q, _ in DEMO_JUDGEMENTS])
def test_demo_archive_judged_queries(demo, query, expected):
    assert expected <= set(top5(demo, query))


def test_derived_words_are_not_inflections(demo):
    """`syndicats` does not find articles that only say `syndicaux`/`syndicalistes`."""
    assert HOPITAUX not in top5(demo, "syndicats")
    assert HOPITAUX in top5(demo, "syndicaux")


def test_title_matches_rank_above_passing_mentions(demo):
    assert top5(demo, "électricité")[0] == CENTRALE
    assert set(top5(demo, "sécurité")[:2]) == {MOPTI, ALIMENTAIRE}
    assert set(top5(demo, "coton")[:2]) == {COTON_PRIX, COTON_KOUTIALA}


# --- the shared corpus ------------------------------------------------------------------------

# Source ids (`imported_from` keeps them) of the articles each query must find in its top 5.
CEDEAO_ECO, CEDEAO_COST = "mnfr-d8a9777c26a9", "mnfr-2c1e066e377b"
UA_DEBT = "mnfr-fe0730217b4a"
FMI_ALARM, FMI_CONGO = "gjfr-87cda093ad37", "mnfr-05f3014c7468"
MANE_CAN, MANE_SORRY = "mnfr-733782b91a9a", "mnfr-9fd43025f30b"
CORPUS_JUDGEMENTS: list[tuple[str, set[str]]] = [
    # elisions, phrases and a word the stemmer confuses (coup/coupe): words typed together win
    ("coup d'État", {"mnfr-b45bfcbee06f", "mnfr-4d6b64ae42d8"}),
    ("coup d’etat", {"mnfr-b45bfcbee06f", "mnfr-4d6b64ae42d8"}),
    ('"Boko Haram"', {"mnfr-f2519150cd0b"}),
    ("l’Algérie", {"mnfr-a937fa7c819d"}),
    # accents and case
    ("Sadio Mané", {MANE_CAN, MANE_SORRY}),
    ("sadio mane", {MANE_CAN, MANE_SORRY}),
    # morphology: plural query, singular and plural text
    ("taxes carburants", {"gjfr-ee5829dba30d"}),
    ("vaccins covid", {"mnfr-8587c9da7513", "mnfr-1e5ffd089fdd"}),
    ("paludisme", {"mnfr-d2da65f07f34"}),
    # acronyms, full names and aliases
    ("CEDEAO", {CEDEAO_ECO, CEDEAO_COST}),
    ("ECOWAS", {CEDEAO_ECO, CEDEAO_COST}),
    ("UA", {UA_DEBT}),
    ("Union africaine", {UA_DEBT}),
    ("FMI", {FMI_ALARM, FMI_CONGO}),
    ("Fonds monétaire international", {FMI_ALARM, FMI_CONGO}),
    ("ONU", {"mnfr-653bfcd56736"}),
    # people
    ("Christophe Castaner", {"gjfr-3427b3649ebc", "gjfr-eedb806fff9e"}),
    ("Marine Le Pen", {"gjfr-13ef6c13f01f", "gjfr-26f67db3cab4"}),
]
# An article about the subject (named in its title) comes first, before passing mentions.
CORPUS_FIRST = [("paludisme", "mnfr-d2da65f07f34"), ("Boko Haram", "mnfr-f2519150cd0b")]
CORPUS_POOL = 150  # distractors taken from each source dataset
# Articles the examples of issue 13 are about, and the distractors they used to lose to, all
# taken into the subset: fixed expressions and their loose words, acronyms and the words
# whose stems they equal, hyphenated names.
ISSUE13 = re.compile(
    r"coups? d['’][ÉE]tat|Coupe du monde|[ÉE]tats-Unis|Afrique de l['’]Ouest|sud-ouest"
    r"|Europe Assistance|\bCAF\b|\bCaf\b|\bcafés?\b|\bles uns\b|\bUN\b|Saint[- ]Germain"
    r"|violences? (?:contre (?:des|la) )?polic|football sénégalais|[Cc]hangement climatique")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A subset of the shared corpus: every judged article plus distractors, really imported."""
    if not CORPUS.exists():
        pytest.skip(f"../shared corpus not available: {CORPUS} is missing")
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    judged = set().union(*(ids for _, ids in CORPUS_JUDGEMENTS))
    judged |= {source for _, source in CORPUS_FIRST}
    taken: dict[str, int] = {}
    subset = []
    for row in rows:
        dataset = row["source_dataset"]
        if (row["id"] in judged or taken.get(dataset, 0) < CORPUS_POOL
                or ISSUE13.search(f"{row['title'] or ''}\n{row['body'] or ''}")):
            subset.append(row)
            taken[dataset] = taken.get(dataset, 0) + 1
    root = tmp_path_factory.mktemp("corpus")
    (root / "data" / "articles").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "organisations.yaml", root / "data" / "organisations.yaml")
    export = root / "subset.jsonl"
    export.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in subset),
                      encoding="utf-8")
    config = load_config(None, data=root / "data", index=root / "index")
    report = import_paths([export], config)
    assert not report.rejected
    reindex(config, full=True)
    source_of = {}
    for path in articlefile.iter_files(config.articles_dir):
        article = articlefile.read(path)
        source_of[article.id] = (article.imported_from or "").rpartition("#")[2]
    return config, source_of


def test_corpus_judged_queries(corpus):
    config, source_of = corpus
    missed = []
    for query, expected in CORPUS_JUDGEMENTS:
        found = {source_of.get(i) for i in top5(config, query)}
        if not expected <= found:
            missed.append((query, sorted(expected - found)))
    assert not missed


def test_corpus_subject_articles_come_first(corpus):
    config, source_of = corpus
    for query, expected in CORPUS_FIRST:
        assert source_of.get(top5(config, query)[0]) == expected, query


# --- issue 13: fixed expressions, acronyms, hyphenated names (the shared corpus) --------------


@pytest.fixture(scope="module")
def texts(corpus) -> dict[str, str]:
    """Title and body of every article of the corpus subset, by archive id."""
    config, _source_of = corpus
    out = {}
    for path in articlefile.iter_files(config.articles_dir):
        article = articlefile.read(path)
        out[article.id] = f"{article.title}\n{article.body}"
    return out


def top(config, query: str, n: int = 10) -> list[str]:
    return [hit.id for hit in search(config.index_dir, SearchRequest(query=query, page_size=n),
                                     config).hits]


def holding(texts: dict[str, str], ids: list[str], pattern: str) -> list[bool]:
    """Whether each article's text (accents folded, lowercase) holds the pattern."""
    return [re.search(pattern, fold(texts[i])) is not None for i in ids]


@pytest.mark.parametrize("query", ["coup d'État", "coup d’etat", "coups d'État"])
def test_a_fixed_expression_ranks_its_adjacent_form_first(corpus, texts, query):
    """"Le coup d'État d'août 2020 au Mali a été suivi d'un second putsch en mai de l'année
    dernière." comes before "Coupe du monde basket: la France élimine les Etats-Unis"."""
    config, source_of = corpus
    found = top(config, query, 20)
    adjacent = holding(texts, found, r"coups? d['’]etat")
    assert sum(adjacent) >= 15
    # every article holding the expression ranks above every one that does not
    assert adjacent == sorted(adjacent, reverse=True), [texts[i][:60] for i in found]


def test_afrique_de_l_ouest_is_not_led_by_sud_ouest(corpus, texts):
    """"Ce pays d'Afrique de l'Ouest connaît une recrudescence des infections à Covid 19." and
    not "Quelques heurts parfois violents ont eu lieu, notamment à Bordeaux (sud-ouest)." """
    config, _source_of = corpus
    found = top(config, "l’Afrique de l’Ouest")
    assert all(holding(texts, found, r"afrique de l['’]ouest")), [texts[i][:60] for i in found]


def test_l_europe_ranks_europe_assistance_low(corpus, texts):
    """"Europe Assistance a enregistré 35 % d’interventions en plus que l’an dernier sur les
    pistes de ski" names an insurer, not Europe: it was 4th for `l'Europe`."""
    config, source_of = corpus
    found = [source_of[i] for i in top(config, "l'Europe", 20)]
    assert "gjfr-7ba33ecb4075" not in found
    assert sum(holding(texts, top(config, "l'Europe"), r"\b[ld]['’]europe\b")) >= 9


@pytest.mark.parametrize(("query", "often", "seldom"), [
    # "Ce que l'Europe peut faire pour aider la France…" writes l'Europe 9 times; "Le Conseil
    # de l'Europe accable la France" twice, about the Council
    ("l'Europe", "gjfr-e465346810ec", "gjfr-c165ddc486b1"),
    # "L'éco d'Afrique de l'Ouest : Quelle différence ferait une monnaie unique ?" 5 times;
    # "CAN 2019 : duel Afrique de l'Ouest - Maghreb en demi-finales" twice
    ("l'Afrique de l'Ouest", "mnfr-5ba2fba2e3e7", "mnfr-a12d5a6567ff"),
])
def test_an_expression_written_often_ranks_above_one_written_once_or_twice(corpus, query,
                                                                            often, seldom):
    config, source_of = corpus
    found = [source_of[i] for i in top(config, query)]
    assert found.index(often) < found.index(seldom), found


def test_words_typed_together_rank_first_where_they_stand_next_to_each_other(corpus, texts):
    """`violences policières`: "les violences policières" before "en cas de violence contre des
    policiers" (policière and policier share a stem; only standing next to each other tells)."""
    config, _source_of = corpus
    found = top(config, "violences policières")
    assert sum(holding(texts, found, r"violences? policieres?")) >= 6, \
        [texts[i][:60] for i in found]


def test_words_typed_together_a_few_words_apart_get_no_boost(corpus, texts):
    """`violences policières` first finds the articles writing it: "Zéro tolérance pour la
    violence" (against the police, "violence contre les policiers") and "un 'gilet jaune' auteur
    de violences [sur des] policiers" are the opposite need, and ranked 1st and 2nd when words a
    few words apart doubled the score."""
    config, _source_of = corpus
    found = top(config, "violences policières", 5)
    assert all(holding(texts, found, r"violences? policieres?")), [texts[i][:60] for i in found]


def test_three_words_typed_together_rank_first_where_they_stand_in_one_passage(corpus, texts):
    """`changement climatique Afrique`: "COP27 : pourquoi le sommet climatique est important…"
    ("le changement climatique sur le continent. Selon le Giec, l'Afrique…") first, while no
    article holds the three words side by side. Articles titled "Changement climatique : …"
    that named Africa only in a prompt ("A lire aussi sur BBC Afrique :") ranked first on their
    titles; the prompt is furniture, no longer imported, and every hit names Africa in its
    text."""
    config, source_of = corpus
    found = top(config, "changement climatique Afrique", 5)
    assert source_of[found[0]] == "mnfr-9d65c587d899", [texts[i][:60] for i in found]
    assert all(holding(texts, found, r"\bafri")), [texts[i][:60] for i in found]
    assert not any(holding(texts, found, r"lire aussi sur bbc afrique"))


def test_a_country_finds_its_peoples_adjective(corpus, texts):
    """`football ET Sénégal` finds "des amateurs de football sénégalais ont tout bonnement décidé
    de créer leur propre ballon d'or", which never names the country: the name is indexed as a
    name (SENEGAL), the adjective stemmed, so only the query can join them."""
    config, source_of = corpus
    found = [source_of[i] for i in top(config, "football ET Sénégal", 50)]
    assert "mnfr-cfe592ce5021" in found
    # the country's own articles still lead
    assert all(holding(texts, top(config, "Sénégal", 3), r"\bsenegal\b"))


@pytest.mark.parametrize("query", ["États-Unis", "USA", "Amérique"])
def test_a_country_with_an_adjective_of_two_words_finds_only_its_own_articles(corpus, texts,
                                                                               query):
    """`États-Unis` also finds `états-unien`, as one word: taken word by word, its adjective
    made `État` a synonym ("il a mené un second coup d'État"), and `USA` found a quarter of the
    shared corpus's articles, 566 of them about no America."""
    config, _source_of = corpus
    american = r"\betats?[- ]unis\b|\busa\b|\bameri|\betats?[- ]unien"
    assert any(re.search(r"\betat\b", fold(t)) and not re.search(american, fold(t))
               for t in texts.values())  # the corpus holds what the query must not find
    found = top(config, query, 100)
    held = holding(texts, found, american)
    assert len(found) >= 5 and all(held), [
        texts[i][:80] for i, ok in zip(found, held, strict=True) if not ok]


def test_an_acronym_never_matches_the_stem_of_a_word(corpus, texts):
    """`CAF`: "la Confédération africaine de football (CAF) a décidé d'imposer…", never
    "Coffea stenophylla est une espèce de café sauvage d'Afrique de l'Ouest"; `UN` never
    "On doit être solidaires et pas les uns contre les autres"."""
    config, _source_of = corpus
    found = top(config, "CAF", 50)
    assert len(found) >= 5
    assert not any(holding(texts, found, r"\bcafes?\b"))
    # the acronym, or the confederation the authority file knows it stands for
    assert all(re.search(r"\bCAF\b|\bCaf\b|Confédération africaine de football", texts[i])
               for i in found)
    found = top(config, "UN", 100)
    assert found and all(re.search(r"\bUN\b|\bONU\b|Onu\b|[Nn]ations[- ][Uu]nies|United Nations",
                                   texts[i]) for i in found)


@pytest.mark.parametrize("shouted, plain", [
    ("ETAT", "État"), ("LOI", "loi"), ("PAYS", "pays"), ("PRIX DU CARBURANT", "prix du carburant"),
    ("COUP D'ETAT", "coup d'État"), ("CHEF DE L'ETAT", "chef de l'État"),
])
def test_a_query_typed_in_capitals_finds_what_it_finds_in_lowercase(corpus, shouted, plain):
    """Caps lock on a phone: a short word in capitals was an acronym only, so `ETAT`, `LOI`
    and `PRIX DU CARBURANT` found nothing (and `LOI TRAVAIL` suggested `LCI TRAVAIL`)."""
    config, _source_of = corpus

    def total(query: str) -> int:
        return search(config.index_dir, SearchRequest(query=query), config).total

    assert total(shouted) == total(plain) > 0


@pytest.mark.parametrize("typed, meant", [
    ("ministre de l'éducaton", "ministre de l'éducation"),  # the elision stays as typed
    ("Côte d'Ivoir", "Côte d'Ivoire"),
    ("gouvernment", "gouvernement"),  # not `gouvernent`, as close but in far fewer articles
])
def test_did_you_mean_on_real_news(corpus, typed, meant):
    """An elided typo had no suggestion (the article counted as three letters to change), and
    of two words as close to what was typed the rarer one could be offered."""
    config, _source_of = corpus
    result = search(config.index_dir, SearchRequest(query=typed), config)
    assert result.total == 0 and result.suggestion == meant


@pytest.mark.parametrize("dotted, plain", [("O.N.U.", "ONU"), ("O.N.U", "ONU"), ("U.E.", "UE")])
def test_an_acronym_typed_with_dots_finds_what_it_finds_without(corpus, dotted, plain):
    """The analyzer reads a dotted acronym's letters apart: `O.N.U.` searched the letters `o`
    and `u` (one article of the shared corpus), `S.N.C.F.` the letter `f`."""
    config, _source_of = corpus
    found = [top(config, query, 100) for query in (dotted, plain)]
    assert found[0] == found[1] and len(found[0]) >= 5


def test_hyphenated_names_and_their_parts_find_each_other(corpus, texts):
    """"…le plein accord de la Ligue de Football Professionnel et du club du Paris-Saint
    Germain…" and "…face au Paris Saint-Germain" answer all three spellings."""
    config, source_of = corpus
    hyphen, space = set(top(config, "Saint-Germain", 50)), set(top(config, "Saint Germain", 50))
    assert hyphen == space and len(hyphen) >= 10
    assert set(top(config, '"Saint-Germain"', 50)) == hyphen
    club = set(top(config, "Paris-Saint Germain", 50))
    assert "gjfr-cae101e29c3e" in {source_of[i] for i in club & hyphen}
    assert len(club) >= 5 and club <= hyphen
    assert all(holding(texts, sorted(club), r"paris[- ]saint[- ]germain"))


JUDGED_SET = ROOT / "bench" / "relevance" / "judged.yaml"


def _as_expansions(query: str, fuzzy: bool) -> str:
    """The query with each word of 4 letters or more typed as a prefix (`syndic*`) or fuzzy."""
    out = []
    for token in re.findall(r'"[^"]*"|\S+', query):
        word = token.strip("'’")
        if token.startswith('"') or token in ("OU", "ET", "SAUF") or len(word) < 4:
            out.append(token)
        else:
            out.append(word + "~" if fuzzy else word[:max(4, len(word) - 3)] + "*")
    return " ".join(out)


def test_the_judged_queries_are_within_the_postings_budget(corpus):
    """Every query of the judged set, as typed and with its words as prefixes or fuzzy words,
    runs under the default query_max_expanded_postings (bench/bench_budget.py checks the same
    queries against 100k and 1M articles)."""
    import yaml

    config, _source_of = corpus
    queries = [entry["query"] for entry in yaml.safe_load(JUDGED_SET.read_text("utf-8"))
               ["queries"]]
    assert len(queries) >= 60
    refused = []
    for query in queries:
        for typed in (query, _as_expansions(query, False), _as_expansions(query, True)):
            try:
                search(config.index_dir, SearchRequest(query=typed, page_size=5), config)
            except QueryError as error:
                if error.code != "prefix_too_short":
                    refused.append((typed, error.code))
    assert not refused
