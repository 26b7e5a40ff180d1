"""The French analyzer, checked through a real Whoosh index: a document, a query, match or not."""

from __future__ import annotations

import json
import pickle
import random
from itertools import islice
from pathlib import Path

import pytest
from whoosh import fields, index
from whoosh.formats import Positions
from whoosh.highlight import HtmlFormatter
from whoosh.qparser import QueryParser

from archive.indexing import analysis
from archive.indexing.analysis import (
    ELIDED,
    STEMMER_VERSION,
    FrenchStemFilter,
    analyze,
    french_analyzer,
    index_positions,
    protected_tokens,
    query_terms,
    span_tokens,
    stem,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"


def build(tmp_path: Path, docs: list[str], protected: frozenset[str] = frozenset()):
    """A tiny index of `docs` in one stored TEXT field using the analyzer."""
    analyzer = french_analyzer(protected)
    schema = fields.Schema(n=fields.ID(stored=True), body=fields.TEXT(analyzer, stored=True))
    tmp_path.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(tmp_path), schema)
    with ix.writer() as writer:
        for n, doc in enumerate(docs):
            writer.add_document(n=str(n), body=doc)
    return ix


def hits(ix, query: str) -> list[str]:
    """Numbers of the documents a query string finds (parsed with the schema's own analyzer)."""
    parsed = QueryParser("body", ix.schema).parse(query)
    with ix.searcher() as searcher:
        return [hit["n"] for hit in searcher.search(parsed, limit=None)]


def matches(tmp_path: Path, doc: str, query: str, protected: frozenset[str] = frozenset()) -> bool:
    """Does a one-document index answer the query?"""
    return hits(build(tmp_path, [doc], protected), query) == ["0"]


MATCH, MISS = True, False

CASES = [
    # Plurals and feminines: the Snowball stemmer
    ("Les syndicats ont déposé un préavis", "syndicat", MATCH),
    ("Le syndicat a déposé un préavis", "syndicats", MATCH),
    ("La présidente de la commission", "président", MATCH),
    ("Le président de la commission", "présidente", MATCH),
    ("Les présidentes des associations", "président", MATCH),
    ("Une entrepreneuse sénégalaise", "sénégalais", MATCH),
    ("Les nouveaux bijoux", "bijou", MATCH),
    # Elisions, with the straight and the typographic apostrophe, on either side
    ("L'action du gouvernement", "action", MATCH),
    ("L’action du gouvernement", "action", MATCH),
    ("Une action du gouvernement", "l’action", MATCH),
    ("l’action du gouvernement", "l'action", MATCH),
    ("Une mission d’analyse", "analyse", MATCH),
    ("Une mission d'analyse", "d’analyse", MATCH),
    ("Il a dit qu’il viendrait", "viendrait", MATCH),
    ("Jusqu’au bout de la nuit", "bout", MATCH),
    ("Lorsqu’il arrive à Kayes", "arrive", MATCH),
    ("Puisqu’elle le demande", "demande", MATCH),
    ("Le ministre s’engage", "engage", MATCH),
    ("Cela n’engage que lui", "engage", MATCH),
    ("Cette note m’interpelle", "interpelle", MATCH),
    ("Il t’appelle demain", "appelle", MATCH),
    ("C’est l’enjeu du scrutin", "enjeu", MATCH),
    ("L’ADEMA-PASJ réunit son bureau", "ADEMA", MATCH),
    ("L'action du gouvernement", "laction", MISS),
    # aujourd’hui stays one word
    ("La situation aujourd’hui", "aujourd'hui", MATCH),
    ("La situation aujourd'hui", "aujourd’hui", MATCH),
    ("Les enjeux d’aujourd’hui", "aujourdhui", MATCH),
    ("La situation aujourd’hui", "hui", MISS),
    ("Les conseils de prud’hommes", "prud'hommes", MATCH),
    ("Quelqu’un a parlé", "quelqu'un", MATCH),
    # Accents and case folded before stemming
    ("Sécurité alimentaire", "securite", MATCH),
    ("SÉCURITÉ ALIMENTAIRE", "securite", MATCH),
    ("La sécurité", "SÉCURITÉ", MATCH),
    ("La securite", "sécurité", MATCH),
    ("Visite à l’Élysée", "elysee", MATCH),
    ("Des élèves à Ségou", "segou", MATCH),
    ("Des élèves à SEGOU", "Ségou", MATCH),
    ("LA SECURITE AU MALI", "sécurité", MATCH),
    ("LES SYNDICATS EN GREVE", "grève", MATCH),
    # Ligatures
    ("Une œuvre collective", "oeuvre", MATCH),
    ("Une oeuvre collective", "Œuvre", MATCH),
    ("Le cœur du problème", "coeur", MATCH),
    ("Un curriculum vitæ", "vitae", MATCH),
    # Hyphenated names: whole, as a phrase, by their parts
    ("Le CARES-Mali a tenu son congrès", '"CARES-Mali"', MATCH),
    ("Le CARES-Mali a tenu son congrès", "cares-mali", MATCH),
    ("Le CARES-Mali a tenu son congrès", "CARES‑Mali", MATCH),  # non-breaking hyphen
    ("Le CARES-Mali a tenu son congrès", "CARES", MATCH),
    ("Le CARES-Mali a tenu son congrès", "Mali", MATCH),
    ("Le CARES-Mali a tenu son congrès", "caresmali", MATCH),
    ("Le CARES-Mali a tenu son congrès", '"CARES Mali"', MATCH),
    ("Le CARES-Mali a tenu son congrès", '"le CARES-Mali a tenu"', MATCH),
    ("Selon le CARES-Mali, la grève continue", '"selon le CARES-Mali"', MATCH),
    ("Selon le CARES-Mali, la grève continue", '"CARES-Mali grève"', MATCH),
    ("Le CARES-Mali a tenu son congrès", '"Mali CARES"', MISS),
    ("Le CARES du Mali a tenu son congrès", '"CARES-Mali"', MISS),
    ("La CSI-Afrique soutient les travailleurs", "csi-afrique", MATCH),
    ("La CSI-Afrique soutient les travailleurs", "Afrique", MATCH),
    ("La CSI-Afrique soutient les travailleurs", '"la CSI-Afrique soutient"', MATCH),
    ("L'ADEMA-PASJ tient son congrès", '"ADEMA-PASJ"', MATCH),
    ("L'ADEMA-PASJ tient son congrès", "PASJ", MATCH),
    ("Une coupure d'EDM-SA à Bamako", "edm-sa", MATCH),
    ("Une coupure d'EDM-SA à Bamako", "EDM", MATCH),
    ("Une coupure d'EDM-SA à Bamako", '"EDM-SA à Bamako"', MATCH),
    ("La force conjointe du G5-Sahel", "G5", MATCH),
    ("Le porte-parole du gouvernement", "porte-parole", MATCH),
    ("Les porte-paroles du gouvernement", "porte-parole", MATCH),
    # Proper nouns never collapse into common words
    ("La crise au Mali", "mal", MISS),
    ("Le mal est fait", "Mali", MISS),
    ("Le mal est fait", "mali", MISS),
    ("Les maux de la société", "Mali", MISS),
    ("La crise au Mali", "maux", MISS),
    ("La crise au Mali", "mali", MATCH),
    ("LA CRISE AU MALI", "Mali", MATCH),
    ("Le CARES-Mali a tenu son congrès", "mal", MISS),
    ("Le CARES a tenu son congrès", "car", MISS),
    ("Le CARES a tenu son congrès", "cars", MISS),
    ("Le CARES-Mali a tenu son congrès", "car", MISS),
    ("Les cars de la SOTRAMA", "CARES", MISS),
    ("Les cars de la SOTRAMA", "car", MATCH),
    ("Le franc CFA", "France", MISS),
    ("La France et le Mali", "franc", MISS),
    ("Une mission au Niger", "nigérien", MISS),
    ("Le marché de Ségou", "SEGOU", MATCH),
    ("La Côte d’Ivoire et le Ghana", '"Côte d\'Ivoire"', MATCH),
    ("M. N’Diaye a parlé", "Ndiaye", MATCH),
    ("M. N’Diaye a parlé", "N'Diaye", MATCH),
    ("M. Ndiaye a parlé", "N’Diaye", MATCH),
    ("Selon Moussa TRAORE, porte-parole", "Traoré", MATCH),
    ("Le président KEITA a reçu", "keïta", MATCH),
    ("Un tour de table", "Touré", MISS),
    ("M. Touré a parlé", "tour", MISS),
    ("Il a visité Paris", "pari", MISS),
    # Prefix queries: Whoosh hands the prefix untokenized; it is folded and stemmed too
    ("La sécurité alimentaire", "sécu*", MATCH),
    ("La sécurité alimentaire", "SECURI*", MATCH),
    ("Les présidentes des associations", "présid*", MATCH),
    ("La sécurité alimentaire", "alimentation*", MATCH),  # the prefix is stemmed: aliment*
    ("La sécurité alimentaire", "sectaire*", MISS),
    # A key held down is no word: Savoy's stemmers fold its run to the one letter
    ("Riche en vitamine E, la graine de la lettre A", "eeeeeeee", MISS),
    ("Riche en vitamine E, la graine de la lettre A", "aaaaa", MISS),
    ("Des idées reçues sur la sécheresse", "idee", MATCH),
    # Stop words are not indexed; phrases skip them on both sides
    ("Le rapport de la commission", "la", MISS),
    ("Le rapport de la commission", "les", MISS),
    ("Le rapport de la commission", '"rapport de la commission"', MATCH),
    ("Le rapport de la commission", '"rapport commission"', MATCH),
    ("Le rapport de la commission", '"commission rapport"', MISS),
]


@pytest.mark.parametrize(("doc", "query", "expected"), CASES)
def test_french_matching(tmp_path: Path, doc: str, query: str, expected: bool) -> None:
    assert matches(tmp_path, doc, query) is expected


def test_protected_names_are_matched_whatever_their_case(tmp_path: Path) -> None:
    # Without the authority file, a lowercase `cares` is the stemmed word `car`.
    assert not matches(tmp_path / "a", "Le CARES a tenu son congrès", "cares")
    protected = protected_tokens(["CARES", "Orange"])
    assert matches(tmp_path / "b", "Le CARES a tenu son congrès", "cares", protected)
    # A protected name is not stemmed: `Orange` (the company) no longer meets `oranges`.
    assert matches(tmp_path / "c", "Orange Mali baisse ses prix", "oranges")
    assert not matches(tmp_path / "d", "Orange Mali baisse ses prix", "oranges", protected)
    assert matches(tmp_path / "e", "Orange Mali baisse ses prix", "orange", protected)


def test_protected_names_may_be_given_unfolded(tmp_path: Path) -> None:
    assert matches(tmp_path, "Orange Mali baisse ses prix", "oranges")
    assert not matches(tmp_path / "b", "Orange Mali baisse ses prix", "oranges", {"Orange"})


def test_a_protected_hyphenated_name_is_kept_whole_unstemmed() -> None:
    assert analyze("CARES-Mali") == ["caresmali", "CARES", "MALI"]
    assert analyze("CARES-Mali", {"cares-mali"}) == ["CARESMALI", "CARES", "MALI"]
    assert analyze("les cares-mali", {"cares-mali"}, mode="query") == ["CARES", "MALI"]


def test_protected_tokens_fold_and_split_hyphenated_names() -> None:
    assert protected_tokens(["Ségou", "CSI-Afrique", "Côte d’Ivoire"]) == {
        "segou", "csiafrique", "csi", "afrique", "cote", "ivoire",
    }  # fmt: skip


def test_one_document_among_others(tmp_path: Path) -> None:
    ix = build(tmp_path, ["Le mal de tête", "La crise au Mali", "Les maux du pays", "Le CARES"])
    assert hits(ix, "mali") == ["1"]
    assert sorted(hits(ix, "mal")) == ["0"]
    assert hits(ix, "CARES") == ["3"]


def test_token_texts_are_folded_stemmed_and_without_apostrophes() -> None:
    # an elided word is indexed twice at its position: the word, and its elided form
    assert analyze("L’Œuvre d’aujourd’hui des présidentes") == [
        "oeuvr", "'oeuvr", "aujourdhui", "'aujourdhui", "president"]
    assert analyze("L’Œuvre d’aujourd’hui des présidentes", mode="query") == [
        "oeuvr", "aujourdhui", "president"]
    assert analyze("le de la les qu’il") == []
    assert analyze("CARES-Mali") == ["caresmali", "CARES", "MALI"]
    assert analyze("CARES-Mali", mode="query") == ["caresmali"]
    assert analyze("le CARES-Mali", mode="query") == ["CARES", "MALI"]


def test_positions_leave_no_gap_for_stop_words_and_share_one_for_a_compound() -> None:
    tokens = french_analyzer()("Le CARES-Mali de la région", positions=True, chars=True)
    got = [(t.text, t.pos, t.startchar, t.endchar) for t in tokens]
    assert got == [("caresmali", 0, 3, 13), ("CARES", 0, 3, 8), ("MALI", 1, 9, 13),
                   ("region", 2, 20, 26)]  # fmt: skip
    elided = [(t.text, t.pos) for t in french_analyzer()("le coup d’État", positions=True)]
    assert elided == [("coup", 0), ("etat", 1), ("'etat", 1)]


def test_character_offsets_point_at_the_original_words() -> None:
    text = "L’enjeu d’aujourd’hui pour N’Diaye"
    tokens = french_analyzer()(text, chars=True)
    assert [text[t.startchar : t.endchar] for t in tokens] == [
        "enjeu", "enjeu", "aujourd’hui", "aujourd’hui", "N’Diaye", "Diaye",
    ]  # fmt: skip


@pytest.mark.parametrize("text", [
    "Le CARES-Mali de la région", "L’enjeu d’aujourd’hui pour N’Diaye", "GRÈVE GÉNÉRALE AU MALI",
    "Le SYNABEF et l'UNTM", "qu’il vienne jusqu’au bout", "CSI-Afrique, ADEMA-PASJ et EDM-SA",
])  # fmt: skip
def test_indexing_without_offsets_gives_the_tokens_of_highlighting(text: str) -> None:
    """Indexing skips character offsets (a faster path); terms and positions stay the same."""
    analyzer = french_analyzer(frozenset({"synabef"}))
    indexed = [(t.text, t.pos, t.keep) for t in analyzer(text, positions=True)]
    highlighted = [(t.text, t.pos, t.keep) for t in analyzer(text, positions=True, chars=True)]
    assert indexed == highlighted and indexed


def test_the_analyzer_pickles_with_the_schema(tmp_path: Path) -> None:
    analyzer = french_analyzer(frozenset({"cares"}))
    assert pickle.loads(pickle.dumps(analyzer)) == analyzer
    build(tmp_path, ["Le CARES tient congrès"], frozenset({"cares"})).close()
    reopened = index.open_dir(str(tmp_path))  # the schema comes back from the pickle
    try:
        assert hits(reopened, "cares") == ["0"]
    finally:
        reopened.close()


def test_query_terms_tell_an_empty_query_apart() -> None:
    analyzer = french_analyzer()
    assert query_terms(analyzer, "les syndicats d’enseignants") == {"syndicat", "enseignant"}
    assert query_terms(analyzer, "le de la, qu’il !") == frozenset()


def test_the_index_records_the_stemmer_version() -> None:
    stem_filter = next(f for f in french_analyzer().items if isinstance(f, FrenchStemFilter))
    assert pickle.loads(pickle.dumps(stem_filter)).stemmer_version == STEMMER_VERSION


def test_stem_is_the_snowball_french_stemmer() -> None:
    assert stem("syndicats") == stem("syndicat") == "syndicat"
    assert stem("presidente") == stem("president")


def test_highlight_marks_the_whole_hyphenated_name(tmp_path: Path) -> None:
    ix = build(tmp_path, ["Selon le CARES-Mali, la grève continue à Kayes."])
    with ix.searcher() as searcher:
        results = searcher.search(QueryParser("body", ix.schema).parse("cares-mali grèves"))
        results.formatter = HtmlFormatter(tagname="mark", classname="m", termclass="t")
        snippet = results[0].highlights("body")
    assert '<mark class="m t0">CARES-Mali</mark>' in snippet
    assert '<mark class="m t1">grève</mark>' in snippet


def test_corpus_tokens_are_folded_words_stems_lowercase_names_in_capitals() -> None:
    corpus = SHARED / "corpus" / "articles.jsonl"
    if not corpus.exists():
        pytest.skip(f"../shared corpus not available: {corpus} is missing")
    with corpus.open(encoding="utf-8") as lines:
        bodies = [json.loads(line)["body"] or "" for line in islice(lines, 200)]
    tokens = {token for body in bodies for token in analyze(body)}
    assert tokens, "the first articles gave no token"
    words = {t.removeprefix(ELIDED) for t in tokens}
    odd = {t for t in words if not t.isascii() or not t.isalnum()}
    assert not odd, sorted(odd)[:20]
    # names and acronyms in capitals (so never equal to a stem), stems in lowercase
    assert {t for t in words if t.isupper()} and {t for t in words if t.islower()}


# --- names never equal stems; elided words indexed twice (issue 13) ---------------------------

CAF_SENTENCE = ("Le jury disciplinaire de la Confédération africaine de football (CAF) a décidé "
                "d'imposer à la Fédération algérienne de football une amende")
CAFE_SENTENCE = ("Coffea stenophylla est une espèce de café sauvage d'Afrique de l'Ouest qui, "
                 "jusqu'à récemment, était considérée comme éteinte")
UNS_SENTENCE = "On doit être solidaires et pas les uns contre les autres"


def test_an_acronym_never_matches_the_stem_of_a_word(tmp_path: Path) -> None:
    assert matches(tmp_path / "a", CAF_SENTENCE, "CAF")
    assert not matches(tmp_path / "b", CAFE_SENTENCE, "CAF")
    assert not matches(tmp_path / "c", CAFE_SENTENCE, "CAF", frozenset({"caf"}))
    assert not matches(tmp_path / "d", UNS_SENTENCE, "UN")
    assert matches(tmp_path / "e", CAFE_SENTENCE, "cafés")


def test_names_are_indexed_in_capitals_stems_in_lowercase() -> None:
    assert analyze("la Caf et le café", frozenset({"caf"})) == ["CAF", "cafe"]
    assert analyze("les uns et l'UN") == ["uns", "UN", "'UN"]


def test_an_elided_word_is_indexed_also_under_its_elided_form() -> None:
    """"Le coup d'État d'août 2020 au Mali a été suivi d'un second putsch": `d'État` gives
    `etat` and `'etat` at one position; a query gives the word only."""
    sentence = "Le coup d'État d'août 2020 au Mali a été suivi d'un second putsch"
    tokens = [(t.text, t.pos) for t in french_analyzer()(sentence, positions=True)]
    assert tokens[:5] == [("coup", 0), ("etat", 1), ("'etat", 1), ("aout", 2), ("'aout", 2)]
    assert "'etat" not in analyze(sentence, mode="query")


def _chain_positions(analyzer, text: str) -> list[tuple]:
    """What Whoosh's own Positions format gathers from the analyzer chain: the ground truth."""
    return list(Positions().word_values(text, analyzer, mode="index"))


def _one_loop_positions(analyzer, text: str) -> list[tuple]:
    got = index_positions(analyzer, text)
    return [(t, len(p), float(len(p)), Positions().encode(p)) for t, p in got.items()]


# Pieces whose terms depend on the words around them (capitals: acronym or shouting, across
# white space and pieces holding no word), elisions, compounds, stop words, names.
_PIECES = ["ONU", "MALI", "Mali", "l'ONU", "L'ONU", "d'État", "l’Europe", "CARES-Mali", "EDM-SA",
           "—", "«", "»", ",", "le", "LE", "Le", "SÉCURITÉ", "sécurité", "N'Diaye", "aujourd'hui",
           "AUJOURD'HUI", "qu'il", "QU'IL", "USA,", "(UN)", "café", "CAF", "A", "a-b", "A-B",
           "l'X", "TRAORE", "Traoré", "2019", "10-12", "l'", "-", "a_b", "ONU/MINUSMA", "ÉLUS.",
           "d'ADEMA-PASJ", "jusqu'à", "ADEMA,", "«ONU»", "Bamako", "x"]


def test_index_positions_gives_what_the_chain_gives_whatever_it_has_cached(monkeypatch):
    """The cache of pieces never serves a piece in capitals (an acronym alone, shouting next
    to another capitals word, even across `—` or a line break): each text, cold or after any
    other, gets the terms, positions and order of the analyzer chain."""
    monkeypatch.setattr(analysis, "_WORDS", {})
    analyzer = french_analyzer(frozenset({"CARES-Mali", "EDM-SA"}))
    for text in _crafted_texts(18):
        assert _one_loop_positions(analyzer, text) == _chain_positions(analyzer, text), text


_CRAFTED = ["ONU — MALI", "l'ONU , ONU", "L'ONU MALI", "ONU/MINUSMA et CAF", "« ONU »",
            "SÉCURITÉ AU MALI: l'EDM-SA", "USA, UN CAF", "A-B A-B x", "d'ADEMA-PASJ ADEMA,"]


def _crafted_texts(seed: int) -> list[str]:
    """The crafted texts and 4,000 random runs of `_PIECES`, then the same again (seen first
    cold, then warm)."""
    rng = random.Random(seed)
    texts = _CRAFTED + [
        "".join(rng.choice(_PIECES) + rng.choice([" ", "  ", "\n", "\xa0", "", "\t"])
                for _ in range(rng.randint(0, 9)))
        for _ in range(4000)]
    return texts + _CRAFTED + texts[::-1]


def _corpus_texts() -> list[str]:
    """Every title and body of the shared corpus, then the first 200 again; skips without it."""
    path = SHARED / "corpus" / "articles.jsonl"
    if not path.exists():
        pytest.skip(f"../shared corpus not available: {path} is missing")
    texts = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            texts += [record.get("title") or "", record.get("body") or ""]
    return texts + texts[:200]


def test_index_positions_gives_what_the_chain_gives_on_the_corpus(monkeypatch):
    """Every title and body of the real corpus, analysed twice (cold cache, then warm)."""
    monkeypatch.setattr(analysis, "_WORDS", {})
    analyzer = french_analyzer()
    for text in _corpus_texts():
        assert _one_loop_positions(analyzer, text) == _chain_positions(analyzer, text)


def _chain_spans(analyzer, text: str) -> list[tuple]:
    """The tokens the analyzer chain yields with their offsets, as highlighting reads them."""
    return [(t.text, t.startchar, t.endchar, t.joined)
            for t in analyzer(text, chars=True, mode="index")]


def test_span_tokens_give_what_the_chain_gives_whatever_they_have_cached(monkeypatch):
    """A word's tokens are kept by the word and whether it is shouted: `ONU` alone is an
    acronym and `ONU MALI` a headline, `l'ONU` gives its elided form too, a compound its
    joined form, each at its offsets in the text, cold or after any other text."""
    monkeypatch.setattr(analysis, "_SPANS", {})
    analyzer = french_analyzer(frozenset({"CARES-Mali", "EDM-SA"}))
    assert span_tokens(analyzer, "l'ONU et CARES-Mali") == [
        ("ONU", 2, 5, False), ("'ONU", 2, 5, False), ("CARESMALI", 9, 19, True),
        ("CARES", 9, 14, False), ("MALI", 15, 19, False)]
    for text in _crafted_texts(19):
        assert span_tokens(analyzer, text) == _chain_spans(analyzer, text), text


def test_span_tokens_give_what_the_chain_gives_on_the_corpus(monkeypatch):
    """Every title and body of the real corpus, cold cache then warm (65,626 distinct words:
    the cache is cleared once on the way)."""
    monkeypatch.setattr(analysis, "_SPANS", {})
    analyzer = french_analyzer()
    for text in _corpus_texts():
        assert span_tokens(analyzer, text) == _chain_spans(analyzer, text)
