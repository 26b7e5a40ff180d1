"""Search through a real index: filters, disjunctive facets, dates, sorting, paging, highlights,
suggestions, organisation aliases and related articles, on a tiny archive written here."""

from __future__ import annotations

import dataclasses
import json
import math
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner

from archive import articlefile
from archive.cli import main
from archive.config import Config, Limits, load_config
from archive.engine import lexicon
from archive.engine.docnums import intersect, meeting
from archive.engine.postings import Postings
from archive.errors import NotFound, QueryError
from archive.indexing import keyterms, open_current, status
from archive.indexing.jobs import reindex
from archive.indexing.schema import stored_article as stored_article_of
from archive.models import Article
from archive.search import SearchRequest, facet_values, related, search
from archive.search import suggest as suggest_module
from archive.search.querylang import parse_query
from archive.search.request import date_bound
from archive.search.run import _first_in_order, stable_date_order, stored_article
from archive.search.snippets import plain_text
from archive.web import create_app

from .conftest import CORPUS, require_shared

ARTICLES = [
    Article(id="greve-enseignants", title="Grève des enseignants à Bamako",
            body="Les syndicats de l'éducation ont déclenché une grève illimitée.\n\n"
                 "Le SNEC réclame le paiement des primes. Les écoles restent fermées.",
            section="Société", author=("Y. Doumbia",), date="2019-03-12",
            organisations=("Syndicat national de l'éducation et de la culture",)),
    Article(id="greve-sante", title="Les agents de santé en grève",
            body="Un syndicat de la santé annonce un mot d'ordre de grève de 72 heures "
                 "dans les hôpitaux de Kayes et de Sikasso.",
            section="Société", author=("A. Traoré",), date="2020-01-15"),
    Article(id="securite-centre", title="Sécurité : le centre sous tension",
            body="La sécurité reste précaire dans la région de Mopti. L'armée a renforcé "
                 "ses patrouilles après l'attaque de mardi.\n\nLes habitants craignent "
                 "de nouvelles violences.",
            section="Politique", author=("Y. Doumbia", "M. Keïta"), date="2021-06-03"),
    Article(id="coton-recolte", title="Récolte record de coton",
            body="La campagne cotonnière s'annonce bonne : la production de coton "
                 "dépasse les prévisions à Koutiala.",
            section="Économie", author=("S. Coulibaly",), date="2021-11-20"),
    Article(id="cedeao-sanctions", title="La CEDEAO lève les sanctions",
            body="Les chefs d'État de la Communauté économique des États de l'Afrique de "
                 "l'Ouest ont levé les sanctions économiques contre le Mali.",
            section="Politique", author=("M. Keïta",), date="2022-07-03",
            organisations=("Communauté économique des États de l'Afrique de l'Ouest",)),
    Article(id="ecowas-sommet", title="Sommet régional à Accra",
            body="Le sommet de l'ECOWAS s'est tenu à Accra. La sécurité au Sahel était "
                 "au cœur des débats.",
            section="International", date="2022-06-10"),
    Article(id="electricite-delestages", title="Délestages : EDM-SA s'explique",
            body="Les coupures d'électricité se multiplient à Bamako. La société "
                 "Énergie du Mali promet un retour à la normale. L'électricité manque "
                 "aussi à Ségou.",
            section="Économie", author=("A. Traoré",), date="2023-04"),
    Article(id="union-europeenne", title="Aide de l'Union européenne au Sahel",
            body="L'UE annonce une aide budgétaire pour les pays du Sahel. Les syndicats "
                 "saluent la décision. Une passing mention of coton here.",
            section="International", date="2018"),
    Article(id="sans-date", title="Chronique : la ville la nuit",
            body="Bamako la nuit, entre maquis et embouteillages. <script>alert(1)</script> "
                 "& autres surprises.",
            section="Culture"),
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, object]:
    """A tiny archive written as article files and indexed by the real reindex job."""
    root = tmp_path_factory.mktemp("archive")
    data = root / "data"
    (data / "articles").mkdir(parents=True)
    authority = Path(__file__).resolve().parents[1] / "data" / "organisations.yaml"
    (data / "organisations.yaml").write_text(authority.read_text(encoding="utf-8"),
                                             encoding="utf-8")
    for article in ARTICLES:
        articlefile.write(data / "articles", article)
    config = load_config(None, data=data, index=root / "index")
    reindex(config, full=True)
    return root, config


def run(archive, query: str = "", **kwargs) -> object:
    _root, config = archive
    return search(config.index_dir, SearchRequest(query=query, **kwargs), config)


def ids(result) -> list[str]:
    return [hit.id for hit in result.hits]


# --- words, stems, accents, elisions ----------------------------------------------------------


def test_words_are_anded_and_stemmed(archive):
    assert set(ids(run(archive, "grève syndicats"))) == {"greve-enseignants", "greve-sante"}
    assert ids(run(archive, "grève Kayes")) == ["greve-sante"]


def test_accents_and_elisions_do_not_matter(archive):
    assert set(ids(run(archive, "securite"))) == {"securite-centre", "ecowas-sommet"}
    assert "securite-centre" in ids(run(archive, "l’armée"))
    assert "electricite-delestages" in ids(run(archive, "ELECTRICITE"))


def test_title_matches_rank_above_passing_mentions(archive):
    result = run(archive, "coton")
    assert ids(result)[0] == "coton-recolte"
    assert "union-europeenne" in ids(result)


def test_phrase_needs_words_in_order(archive):
    assert ids(run(archive, '"grève illimitée"')) == ["greve-enseignants"]
    assert ids(run(archive, '"illimitée grève"')) == []


def test_or_not_minus_and_parentheses(archive):
    assert set(ids(run(archive, "coton OU électricité"))) == {
        "coton-recolte", "union-europeenne", "electricite-delestages"}
    assert set(ids(run(archive, "grève SAUF Kayes"))) == {"greve-enseignants"}
    assert set(ids(run(archive, "grève -Kayes"))) == {"greve-enseignants"}
    assert set(ids(run(archive, "(coton OR Mopti) ET sécurité"))) == {"securite-centre"}


def test_field_prefixes_search_words_of_that_field(archive):
    assert set(ids(run(archive, "auteur:Doumbia"))) == {"greve-enseignants", "securite-centre"}
    assert set(ids(run(archive, "author:keita"))) == {"securite-centre", "cedeao-sanctions"}
    assert ids(run(archive, "titre:coton")) == ["coton-recolte"]
    assert set(ids(run(archive, "rubrique:economie"))) == {
        "coton-recolte", "electricite-delestages"}
    assert set(ids(run(archive, "année:2022"))) == {"cedeao-sanctions", "ecowas-sommet"}
    assert set(ids(run(archive, "year:2018-2019"))) == {"greve-enseignants", "union-europeenne"}


def test_a_query_with_no_word_to_rank_reads_newest_first(archive):
    # NOT and a span of years score no document (Whoosh gives a constant or nothing): they read
    # as browsing does, newest first, undated last, or oldest first when asked
    without_coton = ["electricite-delestages", "cedeao-sanctions", "ecowas-sommet",
                     "securite-centre", "greve-sante", "greve-enseignants", "sans-date"]
    for query in ("-coton", "SAUF coton", "NOT cot*"):
        result = run(archive, query, page_size=100)
        assert (ids(result), result.sort, result.total) == (without_coton, "newest", 7)
        assert not result.rankable  # the page offers no relevance order
    assert ids(run(archive, "-coton", sort="oldest", page_size=100)) == [
        *without_coton[-2::-1], "sans-date"]
    result = run(archive, "année:2018-2020")
    assert (ids(result), result.sort) == (
        ["greve-sante", "greve-enseignants", "union-europeenne"], "newest")
    assert ids(run(archive, "année:2018-2022 -syndicat -Sahel")) == [
        "cedeao-sanctions", "coton-recolte", "securite-centre"]


def test_what_an_or_finds_through_a_year_alone_follows_the_ranked_words(archive):
    # `coton OU année:2022`: the articles holding the word, ranked as the word alone ranks them,
    # then those of the year alone, newest first, the same a page at a time
    coton = ids(run(archive, "coton"))
    result = run(archive, "coton OU année:2022")
    assert result.sort == "relevance" and result.total == 4
    assert ids(result) == [*coton, "cedeao-sanctions", "ecowas-sommet"]
    assert [h.score for h in result.hits][-2:] == [None, None]
    paged = [ids(run(archive, "coton OU année:2022", page=page, page_size=1))
             for page in (1, 2, 3, 4)]
    assert sum(paged, []) == ids(result)
    assert ids(run(archive, "coton OU -grève", page_size=100))[:2] == coton


def test_prefix_search(archive):
    assert set(ids(run(archive, "syndic*"))) == {"greve-enseignants", "greve-sante",
                                                 "union-europeenne"}
    assert "coton-recolte" in ids(run(archive, "coton*"))


def test_fuzzy_only_when_asked(archive):
    # (not `cotton`: the light stemmer reads a doubled letter as one, as Lucene's does)
    assert ids(run(archive, "cotom")) == []
    assert "coton-recolte" in ids(run(archive, "cotom~"))


def test_organisation_acronym_name_and_aliases_find_the_same_articles(archive):
    by_acronym = set(ids(run(archive, "CEDEAO")))
    assert {"cedeao-sanctions", "ecowas-sommet"} <= by_acronym
    assert set(ids(run(archive, "ECOWAS"))) == by_acronym
    assert set(ids(run(archive, "org:ECOWAS"))) == set(ids(run(archive, "organisation:CEDEAO")))
    assert "union-europeenne" in ids(run(archive, "Union européenne"))
    assert "union-europeenne" in ids(run(archive, "UE"))


def test_hyphenated_names_whole_and_by_parts(archive):
    assert ids(run(archive, "EDM-SA")) == ["electricite-delestages"]
    assert ids(run(archive, "EDM")) == ["electricite-delestages"]


# --- filters, facets, dates -------------------------------------------------------------------


def test_facets_count_the_results_and_are_disjunctive(archive):
    result = run(archive, "", filters={"section": ("Société",)})
    assert set(ids(result)) == {"greve-enseignants", "greve-sante"}
    sections = {fc.value: (fc.count, fc.selected) for fc in result.facets["section"]}
    # ticking Société still shows the other sections' counts
    assert sections["Société"] == (2, True)
    assert sections["Politique"] == (2, False)
    authors = {fc.value: fc.count for fc in result.facets["author"]}
    assert authors == {"Y. Doumbia": 1, "A. Traoré": 1}


def test_values_of_a_facet_are_ored_and_facets_anded(archive):
    both = run(archive, "", filters={"section": ("Société", "Économie")})
    assert len(ids(both)) == 4
    anded = run(archive, "", filters={"section": ("Société", "Économie"),
                                      "author": ("A. Traoré",)})
    assert set(ids(anded)) == {"greve-sante", "electricite-delestages"}
    years = {fc.value: fc.count for fc in anded.facets["year"]}
    assert years == {"2020": 1, "2023": 1}


def test_histogram_follows_query_and_filters(archive):
    result = run(archive, "sécurité OU grève")
    assert result.histogram == [(2019, 1), (2020, 1), (2021, 1), (2022, 1)]
    filtered = run(archive, "sécurité OU grève", filters={"year": ("2021",)})
    assert filtered.histogram == [(2021, 1)]
    assert {fc.value: fc.count for fc in filtered.facets["year"]}["2019"] == 1


def test_date_range_by_day_month_and_year(archive):
    assert set(ids(run(archive, "", date_from="2022", date_to="2022"))) == {
        "cedeao-sanctions", "ecowas-sommet"}
    assert ids(run(archive, "", date_from="2022-07", date_to="2022-07")) == ["cedeao-sanctions"]
    assert ids(run(archive, "", date_from="2022-06-10", date_to="2022-06-10")) == [
        "ecowas-sommet"]
    assert "sans-date" not in ids(run(archive, "", date_to="2030", page_size=50))
    assert date_bound("mars 2019", end=True) == 20190331
    assert date_bound("15/03/2019", end=False) == 20190315


def test_a_date_known_to_the_month_or_the_year_is_in_a_range_from_its_first_day(archive):
    """`from=2023-04-01` left out an article dated 2023-04, which `from=2023-04` held."""
    for start, end in (("2023-04", "2023-04"), ("2023-04-01", "2023-04-30"),
                       ("2023-04-01", "2023-04-01"), ("2023-01-01", "2023-12-31")):
        assert "electricite-delestages" in ids(run(archive, "", date_from=start, date_to=end))
    assert "electricite-delestages" not in ids(run(archive, "", date_from="2023-04-02"))
    assert "electricite-delestages" not in ids(run(archive, "", date_to="2023-03-31"))
    assert "union-europeenne" in ids(run(archive, "", date_from="2018-01-01",
                                         date_to="2018-12-31"))
    assert "union-europeenne" not in ids(run(archive, "", date_from="2018-01-02",
                                             date_to="2018-12-31"))


@pytest.mark.parametrize("given, start, end", [
    ("2019", 20190000, 20191231),
    ("2019-3", 20190300, 20190331),
    ("mars 2019", 20190300, 20190331),
    ("15/03/2019", 20190315, 20190315),
    ("2150", 21500000, 21501231),  # a bound may lie in the future, unlike an article's date
    ("1er mars 2150", 21500300, 21500301),  # from the 1st: the month's undated days too
    ("2019-01-01", 20190000, 20190101),  # from 1 January: the year's undated articles too
    ("2019-01", 20190000, 20190131),
    ("2019-01-02", 20190102, 20190102),
    ("2000-02-29", 20000229, 20000229),
    # the shapes an export's date may take are read as bounds too (one date reader)
    ("2019-03-15T10:30:00Z", 20190315, 20190315),
    ("15-03-2019", 20190315, 20190315),
    ("15 Mars 2019 10:30", 20190315, 20190315),
])
def test_date_bounds_read_a_day_a_month_or_a_year(given, start, end):
    assert (date_bound(given, end=False), date_bound(given, end=True)) == (start, end)


@pytest.mark.parametrize("given", ["2019-13", "2019-02-30", "31/02/2019", "20190", "hier",
                                   "deux mille"])
def test_a_date_bound_that_is_no_date_is_refused(given):
    with pytest.raises(QueryError, match="is not understood"):
        date_bound(given, end=False)


def test_empty_query_browses_newest_first_undated_last(archive):
    result = run(archive, "", page_size=20)
    assert not result.rankable and result.total == len(ARTICLES)
    assert ids(result)[0] == "electricite-delestages"
    assert ids(result)[-1] == "sans-date"
    oldest = run(archive, "", sort="oldest", page_size=20)
    assert ids(oldest)[0] == "union-europeenne"
    assert ids(oldest)[-1] == "sans-date"


def test_sort_and_paging(archive):
    newest = run(archive, "grève OU sécurité OU coton", sort="newest", page_size=2)
    assert newest.total == 6 and newest.pages == 3
    assert ids(newest) == ["ecowas-sommet", "coton-recolte"]
    second = run(archive, "grève OU sécurité OU coton", sort="newest", page_size=2, page=2)
    assert ids(second) == ["securite-centre", "greve-sante"]


def test_facet_values_on_demand_and_search_within(archive):
    _root, config = archive
    every = facet_values(config.index_dir, SearchRequest(), "author", config)
    assert {fc.value for fc in every} == {"Y. Doumbia", "A. Traoré", "M. Keïta", "S. Coulibaly"}
    found = facet_values(config.index_dir, SearchRequest(), "author", config, contains="keita")
    assert [(fc.value, fc.count) for fc in found] == [("M. Keïta", 2)]
    limited = run(archive, "", facet_limit=1)
    assert len(limited.facets["author"]) == 1


# --- results -------------------------------------------------------------------------------------


def test_snippets_mark_stemmed_matches_and_escape_the_rest(archive):
    hit = run(archive, "syndicats grève").hits[0]
    assert "<mark>syndicats</mark>" in hit.snippet_html or "<mark>syndicat</mark>" in \
        hit.snippet_html
    assert "<mark>grève</mark>" in hit.snippet_html
    night = run(archive, "maquis").hits[0]
    assert "<script>" not in night.snippet_html
    assert "&lt;script&gt;" in night.snippet_html and "&amp;" in night.snippet_html
    assert "<mark>maquis</mark>" in night.snippet_html


def test_hits_carry_metadata(archive):
    hit = run(archive, "sécurité mopti").hits[0]
    assert hit.id == "securite-centre"
    assert hit.authors == ["Y. Doumbia", "M. Keïta"] and hit.section == "Politique"
    assert hit.date == "2021-06-03" and hit.score and hit.score > 0


def test_did_you_mean_from_the_archive_words(archive):
    result = run(archive, "secutité")
    assert result.total == 0
    assert result.suggestion == "sécurité"
    assert run(archive, "sécurité").suggestion is None


def test_pages_that_show_no_suggestion_look_for_none(archive):
    # a trend's series, an export, a feed: four series of 31 typos each spent 2.2 s of CPU at
    # a million articles respelling them, for nothing shown
    _root, config = archive
    request = SearchRequest(query="secutité")
    assert search(config.index_dir, request, config).suggestion == "sécurité"
    assert search(config.index_dir, request, config, respell=False).suggestion is None


def test_a_respelling_leaves_the_same_word_in_a_phrase_as_typed(archive):
    # respelt inside the phrase, a phrase of a typo (which costs nothing) became a phrase of a
    # frequent word: 4-5 s of CPU at a million articles
    result = run(archive, '"secutité reste" OU secutité')
    assert result.total == 0
    assert result.suggestion == '"secutité reste" OU sécurité'
    assert run(archive, 'secutité "renforcé ses patrouilles"').suggestion == \
        'sécurité "renforcé ses patrouilles"'


def test_a_respelling_is_matched_within_the_search_time_limit(archive, monkeypatch):
    # The limit passes once the respelling is chosen, as it is matched: no suggestion then,
    # rather than a second search past the limit (3.8-5.0 s of CPU at a million articles).
    _root, config = archive
    generation = open_current(config.index_dir)
    text = 'secutité "renforcé ses patrouilles"'
    never = SimpleNamespace(perf_counter=lambda: -math.inf)
    monkeypatch.setattr(suggest_module, "time", never)
    monkeypatch.setattr(lexicon, "time", never)  # the lexicon is read in time: matching is not
    with generation.searcher() as searcher:
        def respelt(deadline: float) -> str | None:
            return suggest_module.suggest(
                searcher, text, parse_query(text, config.limits),
                searcher.schema["body"].analyzer, None, config.limits, 0,
                np.ones(searcher.doc_count_all(), dtype=bool), Postings(searcher), deadline)
        assert respelt(math.inf) == 'sécurité "renforcé ses patrouilles"'
        assert respelt(time.perf_counter() - 1) is None


def test_related_articles_same_language(archive):
    _root, config = archive
    similar = [hit.id for hit in related(config.index_dir, "greve-enseignants", config)]
    assert similar and similar[0] == "greve-sante"
    assert "greve-enseignants" not in similar
    with pytest.raises(NotFound):
        related(config.index_dir, "nope", config)


def test_related_articles_listed_by_title_come_without_snippets(archive):
    """An article page lists its related articles by title: they need no snippet."""
    _root, config = archive
    full = related(config.index_dir, "greve-enseignants", config)
    titles = related(config.index_dir, "greve-enseignants", config, snippets=False)
    assert [hit.id for hit in titles] == [hit.id for hit in full]
    assert all(hit.snippet_html for hit in full)
    assert not any(hit.snippet_html for hit in titles)


# --- guards -------------------------------------------------------------------------------------


@pytest.mark.parametrize("request_kwargs, limit", [
    ({"page": 101}, "page_max"),
    ({"page_size": 101}, "page_size_max"),
    ({"query": "a " * 300}, "query_max_length"),
    ({"filters": {"author": tuple(f"a{i}" for i in range(51))}}, "filter_values_max"),
])
def test_requests_beyond_a_limit_say_which(archive, request_kwargs, limit):
    with pytest.raises(QueryError, match=limit):
        run(archive, **request_kwargs)


@pytest.mark.parametrize("request_kwargs", [
    {"sort": "random"}, {"page": 0}, {"filters": {"colour": ("red",)}},
    {"filters": {"year": ("deux mille",)}}, {"date_from": "hier"}, {"query": "le la les"},
])
def test_bad_requests_get_a_message(archive, request_kwargs):
    with pytest.raises(QueryError):
        run(archive, **request_kwargs)


@pytest.mark.parametrize("once", ["sécurité", "sécurité Mopti", "chefs d'État",
                                  '"grève illimitée" OU coton', "sécurité -armée"])
def test_words_typed_again_are_matched_and_ranked_once(archive, once):
    # 31 copies of an expression took 2.3 s at a million articles, ranked 31 times
    again = run(archive, " ".join([f"({once})"] * 6))
    alone = run(archive, once)
    assert alone.total > 0
    assert [(h.id, h.score) for h in again.hits] == [(h.id, h.score) for h in alone.hits]


def test_phrases_past_the_time_limit_are_refused_not_decoded_to_the_end(archive):
    # Their words' postings read already (kept by the generation), only decoding their
    # positions is left: it stops at the limit too.
    _root, config = archive
    generation = open_current(config.index_dir)
    assert search(generation, SearchRequest(query='"grève illimitée"'), config).total == 1
    tight = config.__class__(**{**config.__dict__, "limits": Limits(search_time_limit=1e-9)})
    with pytest.raises(QueryError) as refused:
        search(generation, SearchRequest(query='"grève illimitée"'), tight)
    assert refused.value.code == "too_broad_in_time"


def test_past_the_time_limit_hits_show_their_opening_not_a_chosen_passage(archive):
    # what bounds an export of 10,000 rows: choosing each row's passage has no other limit
    _root, config = archive
    generation = open_current(config.index_dir)
    request = SearchRequest(query="patrouilles", sort="newest")
    [chosen] = search(generation, request, config).hits
    assert "<mark>patrouilles</mark>" in chosen.snippet_html
    tight = config.__class__(**{**config.__dict__, "limits": Limits(search_time_limit=1e-9)})
    [opening] = search(generation, request, tight).hits
    assert opening.id == chosen.id and "<mark>" not in opening.snippet_html
    assert opening.snippet_html.startswith("La sécurité reste précaire")


def test_time_limit_flags_partial_results(archive):
    _root, config = archive
    tight = config.__class__(**{**config.__dict__,
                                "limits": Limits(search_time_limit=1e-9)})
    # One word is always matched (in title and body), however tight the limit; the ranking is
    # then cut short.
    result = search(config.index_dir, SearchRequest(query="grève"), tight)
    assert result.partial
    assert result.total == 2  # counts stay exact; only the ranking was cut short


def test_matching_past_the_time_limit_is_refused_with_advice(tmp_path):
    # A fresh archive, so that no term is in the cache of postings already read.
    data = tmp_path / "data"
    for article in ARTICLES:
        articlefile.write(data / "articles", article)
    config = load_config(None, data=data, index=tmp_path / "index")
    reindex(config, full=True)
    tight = config.__class__(**{**config.__dict__, "limits": Limits(search_time_limit=1e-9)})
    with pytest.raises(QueryError, match="too broad to answer in time .*search_time_limit"):
        search(config.index_dir, SearchRequest(query="grève OU sécurité"), tight)
    # Within the default limit the same search is answered.
    assert search(config.index_dir, SearchRequest(query="grève OU sécurité"), config).total == 4


# --- the command ---------------------------------------------------------------------------------


def test_cli_prints_hits_and_facets(archive):
    root, config = archive
    args = ["search", "grève", "--data", str(config.data_dir), "--index", str(config.index_dir)]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    assert "Grève des enseignants à Bamako" in out.output
    assert "Société (2)" in out.output
    as_json = CliRunner().invoke(main, [*args, "--section", "Société", "--json"])
    data = json.loads(as_json.stdout)  # the archive is named on stderr
    assert data["total"] == 2 and data["facets"]["section"][0]["value"] == "Société"
    bad = CliRunner().invoke(main, ["search", "*tion", "--index", str(config.index_dir)])
    assert bad.exit_code != 0 and "wildcard" in bad.output


def test_nothing_typed_raises_anything_but_a_query_error(archive):
    """Random input from the query language's own characters: a result or a clear refusal."""
    import random

    pieces = ['"', "(", ")", "-", "*", "~", ":", "OU", "ET", "SAUF", "NOT", "titre:", "org:",
              "année:", "auteur:", "grève", "l’", "d'", "syndic", "CEDEAO", "é", "œ", " ", " ",
              "«", "»", "?", "2019", "2015-2018", "+", "\\", "<b>", "&"]
    rng = random.Random(4)
    outcomes = {"ok": 0, "refused": 0}
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        try:
            run(archive, text)
            outcomes["ok"] += 1
        except QueryError as exc:
            assert exc.message
            outcomes["refused"] += 1
    assert outcomes["ok"] and outcomes["refused"]


def test_organisation_filter_takes_any_name_of_it(archive):
    by_acronym = run(archive, "", filters={"organisation": ("CEDEAO",)})
    assert ids(by_acronym) == ["cedeao-sanctions"]
    selected = [fc for fc in by_acronym.facets["organisation"] if fc.selected]
    assert [fc.value for fc in selected] == [
        "Communauté économique des États de l'Afrique de l'Ouest"]


def test_prefix_expanding_to_too_many_words_names_its_limit(archive):
    _root, config = archive
    tight = config.__class__(**{**config.__dict__, "limits": Limits(query_max_expansions=1)})
    assert search(config.index_dir, SearchRequest(query="sécu*"), config).total == 2
    with pytest.raises(QueryError, match="query_max_expansions"):
        search(config.index_dir, SearchRequest(query="sécu*"), tight)


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_order_walk_gives_the_same_pages_as_sorting(archive, sort, monkeypatch):
    """Large result sets are read off a precomputed date order; small ones are sorted."""
    import archive.search.run as search_module

    kwargs = {"sort": sort, "page_size": 3, "filters": {"section": ("Société", "Politique",
                                                                  "Économie", "Culture")}}
    sorted_pages = [ids(run(archive, "", page=p, **kwargs)) for p in (1, 2, 3)]
    monkeypatch.setattr(search_module, "DATE_ORDER_WALK", 0)
    walked_pages = [ids(run(archive, "", page=p, **kwargs)) for p in (1, 2, 3)]
    assert walked_pages == sorted_pages
    assert sum(map(len, sorted_pages)) == 7


def test_sets_of_any_sizes_meet_in_the_documents_both_hold():
    """A small set is looked up in a large one, sets of like sizes meet in a mask: both give
    the documents in both, sorted, and where each set holds them."""
    rng = np.random.default_rng(7)
    size = 200_000
    for a_count, b_count in [(0, 5), (5, 0), (3, 150_000), (150_000, 3), (900, 900),
                             (2_000, 40_000), (40_000, 2_000), (1, 1), (size, 17)]:
        a = np.sort(rng.choice(size, a_count, replace=False))
        b = np.sort(rng.choice(size, b_count, replace=False))
        both = intersect(a, b, size)
        assert both.tolist() == np.intersect1d(a, b).tolist(), (a_count, b_count)
        in_a, in_b = meeting(a, b)  # where: the rows of a and b that meet
        assert a[in_a].tolist() == b[in_b].tolist() == both.tolist(), (a_count, b_count)
    assert intersect(np.array([0, size - 1]), np.arange(size), size).tolist() == [0, size - 1]


def test_the_date_order_walk_finds_the_first_wanted_documents_stretch_by_stretch():
    """A large result set takes its page off the archive's date order, read a stretch at a time
    until the page is full: the same documents as reading the whole order."""
    rng = np.random.default_rng(11)
    size = 300_000
    order = rng.permutation(size)
    for count in (1, 40, 5_000, 150_000, size):
        wanted = np.zeros(size, dtype=bool)
        wanted[rng.choice(size, count, replace=False)] = True
        every = order[wanted[order]]
        for window in (1, 20, 500, 10_000):
            walked = _first_in_order(order, wanted, count, window)
            assert walked.tolist() == every[:window].tolist(), (count, window)


def test_the_archive_date_order_is_a_full_sort_newest_or_oldest_first_undated_last():
    rng = np.random.default_rng(5)
    keys = rng.choice([0, 19600101, 19991231, 20000101, 20190705, 20190706, 20261201],
                      size=50_000).astype(np.uint32)
    keys[::7] = rng.integers(18500101, 20991231, size=len(keys[::7]))
    positions = np.arange(len(keys))
    for newest in (True, False):
        order = stable_date_order(keys, newest)
        primary = -keys.astype(np.int64) if newest else np.where(keys == 0, 99_999_999, keys)
        assert order.tolist() == np.lexsort((positions, primary)).tolist()
        dated = keys[order][keys[order] > 0]
        assert (np.diff(dated.astype(np.int64)) <= 0).all() if newest else \
            (np.diff(dated.astype(np.int64)) >= 0).all()
        assert (keys[order][len(dated):] == 0).all()  # undated last, either way


def test_a_phrase_still_answers_after_an_incremental_reindex_replaced_its_article(tmp_path):
    # The old version of a changed article stays in the index as a deleted document: a phrase
    # whose rare word it holds must not trip over it (it did: a 500 under load).
    data = tmp_path / "data"
    articles = data / "articles"
    common = [Article(id=f"marche-{n}", title=f"Marché numéro {n}",
                      body=f"Le marché de Bamako ouvre tôt. Jour {n} au marché.",
                      section="Économie", date="2020-01-01") for n in range(400)]
    rare = [Article(id=f"karite-marche-{n}", title=f"Le karité au marché {n}",
                    body=f"Le beurre de karité marché de Sikasso attire les acheteurs ({n}).",
                    section="Économie", date="2020-02-02") for n in range(12)]
    for article in [*rare, *common]:
        articlefile.write(articles, article)
    config = load_config(None, data=data, index=tmp_path / "index")
    reindex(config, full=True)
    for article in rare[:6]:
        articlefile.write(articles, article.replace(body=article.body + " Les prix montent."))
    assert reindex(config).updated == 6
    result = search(config.index_dir, SearchRequest(query='"karité marché"', page_size=20),
                    config)
    assert sorted(hit.id for hit in result.hits) == sorted(a.id for a in rare)


def test_equal_scores_are_ordered_alike_on_every_page(tmp_path):
    """Ties in relevance are broken the same way whatever the page size, so that paging never
    shows an article twice or skips one (more ties than the ranking's reranked depth)."""
    data = tmp_path / "data"
    (data / "articles").mkdir(parents=True)
    for i in range(34):
        articlefile.write(data / "articles", Article(
            id=f"marche-{i:02d}", title=f"Chronique {i}",
            body="Le marché de Sikasso ouvre ses portes." if i % 2 else
                 "Le marché de Koutiala ouvre ses portes.",
            section="Économie" if i < 30 else "Société", date="2021-05-04"))
    config = load_config(None, data=data, index=tmp_path / "index")
    reindex(config, full=True)

    def page(number: int, size: int) -> list[str]:
        request = SearchRequest(query="Sikasso OU Koutiala", filters={"section": ("Économie",)},
                                page=number, page_size=size)
        return ids(search(config.index_dir, request, config))

    whole = page(1, 30)
    assert len(whole) == len(set(whole)) == 30
    assert page(1, 10) + page(2, 10) + page(3, 10) == whole
    scores = {hit.id: hit.score for hit in search(config.index_dir, SearchRequest(
        query="Sikasso OU Koutiala", filters={"section": ("Économie",)}, page_size=30),
        config).hits}
    with open_current(config.index_dir).index.searcher() as searcher:
        docnum = {i: searcher.document_number(id=i) for i in whole}
    assert whole == sorted(whole, key=lambda i: (-scores[i], docnum[i]))  # ties: index order


def test_filters_hold_for_queries_ranked_by_whoosh_itself(archive):
    # An organisation's aliases make a query of phrases that our own ranking leaves to
    # Whoosh's collector: the section filter must still hold for every hit, not only the total.
    result = run(archive, "CEDEAO", filters={"section": ("International",)})
    assert result.total == len(result.hits) == 1
    assert [hit.id for hit in result.hits] == ["ecowas-sommet"]
    assert {hit.section for hit in run(archive, "UNTM OU CEDEAO",
                                       filters={"section": ("Politique",)}).hits} <= {"Politique"}


@pytest.mark.parametrize("query", ["", "grève", "grève syndicats", '"grève illimitée"', "synd*",
                                   "CEDEAO", "ECOWAS OU sécurité", "sécurité SAUF Mopti",
                                   "titre:grève", "auteur:Keïta", "securite~"])
@pytest.mark.parametrize("filters", [{"section": ("Politique",)},
                                     {"section": ("Société", "International")},
                                     {"author": ("M. Keïta",)}, {"year": ("2022",)}])
@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_every_hit_honours_every_filter_whatever_the_query_and_sort(archive, query, filters,
                                                                    sort):
    result = run(archive, query, filters=filters, sort=sort, page_size=3)
    assert len(result.hits) == min(result.total, 3)
    everything = run(archive, query, filters=filters, sort=sort, page_size=50)
    assert len(everything.hits) == everything.total == result.total
    for hit in everything.hits:
        values = {"section": {hit.section}, "author": set(hit.authors),
                  "year": {(hit.date or "")[:4]}}
        for facet, wanted in filters.items():
            assert values[facet] & set(wanted), (hit.id, facet, wanted)


def test_an_article_and_its_hit_make_the_same_record(archive):
    from archive.search import records

    (hit,) = [h for h in run(archive, "enseignants").hits if h.id == "greve-enseignants"]
    article = next(a for a in ARTICLES if a.id == "greve-enseignants")
    common = [f for f in records.API_HIT if f in records.API_ARTICLE]
    from_hit = records.record(hit, common, "https://example.org/a")
    assert from_hit == records.record(article, common, "https://example.org/a")
    assert from_hit["authors"] == ["Y. Doumbia"]  # lists, as JSON has them, not tuples
    assert records.record(hit, ["snippet"])["snippet"] == plain_text(hit.snippet_html)


# --- the demo archive: snippets, titles and suggestions (issue 13) ------------------------------

SEGOU = "segou-un-atelier-intersyndical-pour-apprendre-a-lire-le-68e58ac9"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The shipped demo archive (data/articles), indexed by the real reindex job."""
    source = Path(__file__).resolve().parents[1] / "data"
    if not any(articlefile.iter_files(source / "articles")):
        pytest.skip("the demo archive data/articles is empty")
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(source / "articles", root / "data" / "articles")
    shutil.copy(source / "organisations.yaml", root / "data" / "organisations.yaml")
    config = load_config(None, data=root / "data", index=root / "index")
    reindex(config, full=True)
    return root, config


def test_a_snippet_shows_the_match_even_past_a_paragraph_of_look_alikes(demo):
    """The Ségou article opens with "Une vingtaine de responsables syndicaux venus de Bamako"
    (no `syndicat`), which stands in the second paragraph: "« Un syndicat qui ne lit pas le
    budget négocie les yeux fermés »"."""
    hit = next(h for h in run(demo, "syndicat", page_size=10).hits if h.id == SEGOU)
    assert "<mark>syndicat</mark> qui ne lit pas le budget" in hit.snippet_html


def test_a_snippet_shows_a_phrase_its_paragraph_holds_past_a_window_where_its_words_are_apart(
        tmp_path):
    """The paragraph opens with the phrase's words apart ("la grève ... les enseignants"), where
    its best window is, and holds the phrase further on: that window has no match, so the
    paragraph is read whole instead of the snippet falling back to the unmarked opening."""
    body = ("La grève annoncée hier a surpris les enseignants de Kayes, qui attendaient encore "
            "la réponse du ministère. "
            + "Les négociations ont repris au ministère de l’Éducation nationale sans résultat. " * 5
            + "Le syndicat confirme la grève des enseignants pour lundi.")
    articlefile.write(tmp_path / "data" / "articles",
                      Article(id="kayes-ecoles", title="Kayes : les écoles fermées", body=body))
    config = load_config(None, data=tmp_path / "data", index=tmp_path / "index")
    reindex(config, full=True)
    hit, = search(config.index_dir, SearchRequest(query='"grève des enseignants"'), config).hits
    assert "la <mark>grève</mark> des <mark>enseignants</mark> pour lundi" in hit.snippet_html


def test_snippets_mark_words_whose_stems_write_a_doubled_letter_once(tmp_path):
    """The light stemmer writes `attentat` as `atentat` and `commission` as `comision`: the
    snippet still finds and marks the words, instead of showing the unmarked opening."""
    body = ("Les députés se sont réunis hier soir.\n\n"
            "À l’Assemblée nationale, la commission des lois a entendu le ministre après "
            "l’attentat de la semaine dernière.")
    articlefile.write(tmp_path / "data" / "articles",
                      Article(id="depute-seance", title="Une séance agitée", body=body))
    config = load_config(None, data=tmp_path / "data", index=tmp_path / "index")
    reindex(config, full=True)
    for query, marked in (("attentat", "l’<mark>attentat</mark> de"),
                          ("commissions", "la <mark>commission</mark> des lois"),
                          ("l'assemblée", "À l’<mark>Assemblée</mark> nationale")):
        hit, = search(config.index_dir, SearchRequest(query=query), config).hits
        assert marked in hit.snippet_html, query


def test_a_snippet_of_a_long_run_of_one_letter_costs_no_more_than_any_other(tmp_path):
    """An acronym of one letter repeated (a hostile query; the text holds it, and words of one
    letter fewer): looking for it where each letter may be doubled tries every split of each
    run unless a run is one pattern. Run by the CLI in a process of its own, with a bound."""
    acronym = "A" * 31
    body = f"Le sigle {acronym} revient. " + ("a" * 30 + "h ") * 40
    shown = _searched_by_the_cli(tmp_path, Article(id="sigle-long", title="Un sigle", body=body),
                                 acronym, timeout=60)
    assert "sigle-long" in shown or "Un sigle" in shown


def test_a_phrase_snippet_past_a_long_run_of_its_word_s_last_letter_is_found_at_once(tmp_path):
    """A word made of a phrase's first word and 50,000 more of its stem's last letter: where
    the phrase's words stand together is looked for with the rest of each word taken whole,
    not given back letter by letter (20,000 letters took 10 s to fail, 50,000 a minute)."""
    body = "Le mot grev" + "v" * 50_000 + " revient.\n\nLa grève illimitée continue."
    shown = _searched_by_the_cli(tmp_path, Article(id="mot-long", title="Un mot", body=body),
                                 '"grève illimitée"', timeout=30)
    assert "Un mot" in shown and "La grève illimitée continue." in shown


def _searched_by_the_cli(tmp_path: Path, article: Article, query: str, timeout: int) -> str:
    """What `archive search` prints for the query over an archive of the one article, run in a
    process of its own with a bound on its time."""
    articlefile.write(tmp_path / "data" / "articles", article)
    config = load_config(None, data=tmp_path / "data", index=tmp_path / "index")
    reindex(config, full=True)
    done = subprocess.run(
        [sys.executable, "-m", "archive", "search", "--data", str(tmp_path / "data"),
         "--index", str(tmp_path / "index"), query],
        capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _corpus_archive(tmp_path: Path, keep) -> tuple[Config, dict[str, tuple[str, str]]]:
    """An indexed archive of the shared corpus's articles that `keep` takes (given a row), and
    their title and body by id."""
    corpus = require_shared(CORPUS / "articles.jsonl")
    texts = {}
    for line in corpus.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if keep(row):
            title = row["title"] or row["id"]
            texts[row["id"]] = (title, row["body"])
            articlefile.write(tmp_path / "data" / "articles",
                              Article(id=row["id"], title=title, body=row["body"]))
    config = load_config(None, data=tmp_path / "data", index=tmp_path / "index")
    reindex(config, full=True)
    return config, texts


def _marked_where_held(config, texts: dict[str, tuple[str, str]], queries, page_size: int,
                       snippet_mark: str = "<mark>") -> tuple[int, int]:
    """For each (query, pattern of the word it looks for): every hit whose body holds the word
    marks it in its snippet (`snippet_mark` found there), every hit whose title holds it in its
    title. How many snippets and titles were checked."""
    checked = titled = 0
    for query, word in queries:
        word = re.compile(word, re.IGNORECASE) if isinstance(word, str) else word
        for hit in search(config.index_dir, SearchRequest(query=query, page_size=page_size),
                          config).hits:
            title, body = texts[hit.id]
            if word.search(body):
                checked += 1
                assert re.search(snippet_mark, hit.snippet_html, re.IGNORECASE), (query, hit.id)
            if word.search(title):
                titled += 1
                assert "<mark>" in hit.title_html, (query, title)
    return checked, titled


def test_snippets_of_real_news_mark_the_words_the_body_holds(tmp_path):
    """Articles of the shared corpus about an attack, terrorism or the National Assembly: every
    hit whose body holds the searched word or phrase shows it marked in its snippet, and in its
    title when the title holds it."""
    config, texts = _corpus_archive(tmp_path, lambda row: re.search(
        r"attentat|terrorism|assemblée nationale", row["body"], re.IGNORECASE))
    checked, titled = _marked_where_held(config, texts, (
        ("attentat", r"\battentats?\b"), ("terrorisme", r"\bterrorismes?\b"),
        ("Assemblée", r"\bassemblées?\b"), ('"Assemblée nationale"', r"\bassemblées? nationales?\b"),
        ('"attentat terroriste"', r"\battentats? terroristes?\b")), page_size=50)
    assert checked >= 60 and titled >= 10


def test_snippets_of_real_news_mark_words_written_with_a_ligature(tmp_path):
    """A sixth of the shared corpus's articles write `œ` (cœur, œuvre, sœur, vœux): a word
    written with it is marked in snippets and titles, whether the query writes `œ` or `oe`,
    and the snippet is the passage holding it rather than the article's unmarked opening."""
    config, texts = _corpus_archive(tmp_path, lambda row: re.search(
        "œ", row["body"] + (row["title"] or ""), re.IGNORECASE))
    checked, titled = _marked_where_held(config, texts, (
        ("cœur", r"\bc(?:œ|oe)urs?\b"), ("oeuvre", r"\b(?:œ|oe)uvres?\b"),
        ("soeurs", r"\bs(?:œ|oe)urs?\b"), ("vœux", r"\bv(?:œ|oe)ux\b"),
        ("manœuvres", r"\bman(?:œ|oe)uvres?\b"), ('"mise en œuvre"', r"\bmises? en (?:œ|oe)uvre")),
        page_size=50, snippet_mark=r"<mark>[^<]*(?:œ|oe)")
    assert checked >= 100 and titled >= 10, (checked, titled)


WORDS_NOT_BEGUN_BY_THEIR_STEM = ("travaux", "initiative", "tentative", "perspective",
                                 "au-delà", "c'est-à-dire", "là-bas", "rendez-vous")


def test_snippets_of_real_news_mark_words_their_stem_does_not_begin(tmp_path):
    """`travaux` is `traval` and `initiative` `initiatif` once stemmed; `au-delà` is indexed
    `audela`, a form the text never writes: the passage holding the word is found and marked
    all the same (on the shared corpus, 378 of 1,246 such snippets were the article's
    unmarked opening, and 21 of 93 titles were unmarked)."""
    spelled = {word: re.compile(r"(?<!\w)" + re.escape(word).replace("'", "['’]")
                                .replace("\\-", "[-‐‑]") + r"(?!\w)", re.IGNORECASE)
               for word in WORDS_NOT_BEGUN_BY_THEIR_STEM}
    config, texts = _corpus_archive(tmp_path, lambda row: any(
        pattern.search(f"{row['title'] or ''}\n{row['body']}") for pattern in spelled.values()))
    checked, titled = _marked_where_held(config, texts, spelled.items(), page_size=100)
    assert checked >= 300 and titled >= 5, (checked, titled)


def test_words_whose_accents_tell_them_from_a_stop_word_are_searchable(tmp_path):
    """`maïs` folds to the conjunction `mais`, `sûr` to `sur`, `né` to `ne`: each was dropped
    as a stop word, in the index and in the query (`maïs Mali` found every article about Mali).
    Every article of the shared corpus writing one of them is found, the word marked."""
    # (a compound's part is none: `nouveau-né` is indexed whole and by parts, `né` a stop word)
    words = {w: re.compile(rf"(?<![\w-]){w}(?![\w-])", re.IGNORECASE)
             for w in ("maïs", "sûr", "né")}
    conjunctions = []  # and some articles writing only the conjunction

    def keep(row: dict) -> bool:
        text = f"{row['title'] or ''}\n{row['body']}"
        if any(p.search(text) for p in words.values()):
            return True
        if len(conjunctions) < 30 and re.search(r"\bmais\b", text):
            conjunctions.append(row["id"])
            return True
        return False

    config, texts = _corpus_archive(tmp_path, keep)
    for word, pattern in words.items():
        holding = {i for i, (title, body) in texts.items() if pattern.search(f"{title}\n{body}")}
        result = search(config.index_dir, SearchRequest(query=word, page_size=100), config)
        assert holding and result.total == len(holding), word
        assert {hit.id for hit in result.hits} <= holding, word
        assert all("<mark>" in hit.snippet_html + hit.title_html for hit in result.hits), word
    with pytest.raises(QueryError, match="common words"):
        search(config.index_dir, SearchRequest(query="mais"), config)  # the conjunction


def test_a_noun_in_ement_finds_the_articles_that_write_it(tmp_path):
    """On the shared corpus, `environnement` found `environ` (465 results for 115 articles
    writing it), `département` `départ`, `placement` `place`, `parlement` `parler`. Each now
    finds the articles that write the noun or its plural and no other, and marks it in their
    snippets."""
    from archive.textnorm import fold

    nouns = ("environnement", "departement", "placement", "parlement")
    config, texts = _corpus_archive(
        tmp_path, lambda row: re.search(r"environ|depart|plac|parl", fold(row["body"])))
    for noun in nouns:
        folded = {i: fold(f"{title}\n{body}") for i, (title, body) in texts.items()}
        holding = {i for i, text in folded.items() if re.search(rf"\b{noun}s?\b", text)}
        # or a word the light stemmer writes the same: "parlementer avec les gilets jaunes"
        begun = {i for i, text in folded.items() if re.search(rf"\b{noun}", text)}
        hits = {hit.id for hit in _every_hit(config, SearchRequest(query=noun))}
        assert len(holding) >= 10 and holding <= hits <= begun, noun
    checked, _ = _marked_where_held(
        config, texts, [(noun, re.compile(rf"\b{noun}s?\b")) for noun in nouns], 50)
    assert checked > 50


def test_a_derived_word_finds_its_own_family_not_a_shorter_unrelated_word(tmp_path):
    """On the shared corpus, light's short roots made `génération` find `gens`, `communiqué`
    `commune`, `sénateur` `sens`, `mobile` `mobilisation`. Each now finds every article that
    writes the word or its plural, and only articles that write a word of its own family."""
    from archive.textnorm import fold

    words = {  # query: (the word or its plural, its family as the stemmer keeps it)
        "génération": (r"\bgenerations?\b", r"\bgeneration"),
        "communiqué": (r"\bcommuniques?\b", r"\bcommuniqu"),
        "sénateur": (r"\bsenateurs?\b", r"\bsenat"),
        "mobile": (r"\bmobiles?\b", r"\bmobile"),
    }
    config, texts = _corpus_archive(tmp_path, lambda row: re.search(
        r"\bgen|\bcommun|\bsen|\bmobil", fold(row["body"])))
    folded = {i: fold(f"{title}\n{body}") for i, (title, body) in texts.items()}
    for word, (own, family) in words.items():
        holding = {i for i, text in folded.items() if re.search(own, text)}
        kin = {i for i, text in folded.items() if re.search(family, text)}
        hits = {hit.id for hit in _every_hit(config, SearchRequest(query=word))}
        assert len(holding) >= 10 and holding <= hits <= kin, word


def test_a_number_written_in_groups_of_digits_finds_that_number(tmp_path):
    """Sentences of the shared corpus: `10 000` searched `10` and `000` apart, and found the
    housing plan's "10 100 nouveaux bénéficiaires dont 7 000 à titre locatif" (149 results for
    21 articles writing ten thousand)."""
    for number, body in enumerate((
            "Une pétition réclamant «une baisse des prix du carburant à la pompe» recueille "
            "10 000 signatures.",
            "Pour 2019, il est programmé la remise des clés à 10 100 nouveaux bénéficiaires dont "
            "7 000 à titre locatif.")):
        articlefile.write(tmp_path / "data" / "articles",
                          Article(id=f"chiffres-{number}", title="Chiffres", body=body))
    config = load_config(None, data=tmp_path / "data", index=tmp_path / "index")
    reindex(config, full=True)
    for query in ("10 000", "10\u00a0000 signatures"):
        found = search(config.index_dir, SearchRequest(query=query), config).hits
        assert [hit.id for hit in found] == ["chiffres-0"], query


def test_a_number_is_found_however_its_thousands_are_written(tmp_path):
    """The shared corpus writes the 89,000 police officers of a December 2018 Saturday three
    ways: `89 000`, `89.000` and `89000`. Each form typed finds all three (`89000` found only
    itself, `89 000` and `89.000` the other two), and not the other numbers beside them."""
    bodies = {
        "espaces": "Par crainte de nouvelles violences, 89 000 policiers et gendarmes ont été "
                   "déployés.",
        "points": "Au total, 89.000 policiers et gendarmes seront déployés dans tout le pays.",
        "colles": "Pas moins de 89000 membres des forces de l'ordre sont mobilisés.",
        "autres": "Environ 69.000 membres des forces de l'ordre ont été déployés, contre "
                  "89 gendarmes et 000 policiers.",
        "millions": "Le budget atteint 89 000 000 de francs.",
    }
    for name, body in bodies.items():
        articlefile.write(tmp_path / "data" / "articles",
                          Article(id=f"forces-{name}", title="Les forces de l'ordre", body=body))
    config = load_config(None, data=tmp_path / "data", index=tmp_path / "index")
    reindex(config, full=True)
    three = {"forces-espaces", "forces-points", "forces-colles"}
    for query in ("89000", "89 000", "89.000", "89\u202f000", '"89 000"', "titre:forces 89000",
                  "89 000,", "89.000.", "89'000", "89’000"):  # (pasted; Swiss thousands)
        found = {hit.id for hit in _every_hit(config, SearchRequest(query=query))}
        # (a number of millions holds the phrase `89 000`, as a typed `89 000` always found)
        assert found - {"forces-millions"} == three, query
    # the form the text writes is highlighted, whichever was typed
    hits = search(config.index_dir, SearchRequest(query="89000"), config).hits
    snippets = {hit.id: hit.snippet_html for hit in hits}
    assert "<mark>89</mark>.<mark>000</mark> policiers" in snippets["forces-points"]
    assert "<mark>89000</mark> membres" in snippets["forces-colles"]
    # a year stays a year (`2000` found 94 corpus articles, 139 widened to `2 000`), and a
    # code with a leading zero is no amount
    articlefile.write(tmp_path / "data" / "articles", Article(
        id="greve-2000", title="La grève", body="Quelque 2 000 grévistes ont défilé."))
    reindex(config)
    assert not {hit.id for hit in _every_hit(config, SearchRequest(query="2000"))}
    assert {hit.id for hit in _every_hit(config, SearchRequest(query="2 000"))} == {"greve-2000"}
    assert not {hit.id for hit in _every_hit(config, SearchRequest(query="0089000"))}


def test_an_index_built_before_the_accented_words_reads_as_it_was_built(tmp_path, monkeypatch):
    """A generation pickles its analyzer: one built before ACCENTED_WORDS (its tokenizer has
    no such attribute) keeps dropping `maïs`, in its incremental updates too, so that its index
    and its searches agree; a full reindex builds the new analyzer."""
    from archive.indexing import analysis

    def former_init(self, protected=frozenset()):
        self.protected = analysis.protected_tokens(protected) | analysis.PROTECTED_NAMES

    data = tmp_path / "data"
    article = Article(id="recolte", title="La récolte", body="Le maïs et le mil ont souffert.")
    articlefile.write(data / "articles", article)
    config = load_config(None, data=data, index=tmp_path / "index")
    with monkeypatch.context() as patched:
        patched.setattr(analysis.FrenchTokenizer, "__init__", former_init)
        reindex(config, full=True)
    articlefile.write(data / "articles", dataclasses.replace(
        article, id="recolte-2", body="Le maïs manque à Kayes."))
    assert "maïs, sûr and né are read as the stop words" in reindex(config).render()
    with pytest.raises(QueryError, match="common words"):
        search(config.index_dir, SearchRequest(query="maïs"), config)
    reindex(config, full=True)
    found = search(config.index_dir, SearchRequest(query="maïs"), config)
    assert {hit.id for hit in found.hits} == {"recolte", "recolte-2"}


def test_an_index_built_with_light_nouns_reads_as_built_and_says_what_a_full_reindex_changes(
        tmp_path, monkeypatch):
    """Last version's stemmer put `générations` on the stem of `gens`: such an index keeps
    reading so until `archive reindex --full`, and the archivist is told what it changes."""
    from archive.indexing import analysis

    data = tmp_path / "data"
    article = Article(id="gens", title="Les gens du voyage", body="Des gens du voyage à Lyon.")
    articlefile.write(data / "articles", article)
    articlefile.write(data / "articles", Article(
        id="jeunes", title="La jeune génération", body="Une nouvelle génération de lecteurs."))
    config = load_config(None, data=data, index=tmp_path / "index")
    with monkeypatch.context() as patched:
        patched.setattr(analysis, "STEMMER", "light_nouns")
        reindex(config, full=True)
    found = search(config.index_dir, SearchRequest(query="générations"), config)
    assert {hit.id for hit in found.hits} == {"gens", "jeunes"}
    text = status(config).render()
    assert "stemmed by 'light_nouns', new indexes by 'light_invariable'" in text
    assert "génération also finds gens, communiqué commune" in text
    reindex(config, full=True)
    found = search(config.index_dir, SearchRequest(query="générations"), config)
    assert {hit.id for hit in found.hits} == {"jeunes"}
    assert "reindex --full" not in status(config).render()


def test_an_index_built_with_the_light_stemmer_reads_as_it_was_built(tmp_path, monkeypatch):
    """A generation pickles its stemmer's name: one built with `light` keeps `parlement` on
    `parler`'s stem, in its incremental updates too; a full reindex builds with
    `light_invariable`, which keeps them apart."""
    from archive.indexing import analysis

    data = tmp_path / "data"
    article = Article(id="debat", title="Le débat", body="Les députés veulent parler du budget.")
    articlefile.write(data / "articles", article)
    config = load_config(None, data=data, index=tmp_path / "index")
    with monkeypatch.context() as patched:
        patched.setattr(analysis, "STEMMER", "light")
        reindex(config, full=True)
    articlefile.write(data / "articles", dataclasses.replace(
        article, id="vote", body="Le Parlement vote le budget."))
    told = reindex(config).render()
    found = search(config.index_dir, SearchRequest(query="parlement"), config)
    assert {hit.id for hit in found.hits} == {"debat", "vote"}
    # the archivist is told, by the job and by `archive status`, what a full reindex changes
    for text in (told, status(config).render()):
        assert "'archive reindex --full' updates:" in text
        assert "stemmed by 'light', new indexes by 'light_invariable'" in text
        assert "where today environnement also finds environ" in text
    assert "reindex --full" not in reindex(config, full=True).render()
    assert "reindex --full" not in status(config).render()
    found = search(config.index_dir, SearchRequest(query="parlement"), config)
    assert {hit.id for hit in found.hits} == {"vote"}


@pytest.mark.parametrize("query", ["intersyndical", '"atelier intersyndical"'])
def test_a_title_only_match_marks_the_title_and_shows_the_lead(demo, query):
    """`intersyndical` is in the Ségou article's title only: the title is marked, the snippet
    is the opening of the article (known from the index: the body is not searched for it)."""
    hit = next(h for h in run(demo, query).hits if h.id == SEGOU)
    assert "<mark>intersyndical</mark> pour apprendre à lire le budget" in hit.title_html
    assert hit.snippet_html.startswith("Une vingtaine de responsables syndicaux")
    assert "<mark>" not in hit.snippet_html


def test_result_pages_show_the_marked_title(demo):
    _root, config = demo
    page = create_app(config).test_client().get("/search?q=intersyndical")
    assert page.status_code == 200
    assert "atelier <mark>intersyndical</mark> pour" in page.get_data(as_text=True)


def test_did_you_mean_prefers_the_closest_word_then_the_most_frequent(demo):
    """`sydicat` is one letter from `syndicat` and two from `syndical`, which the demo archive
    writes more often."""
    result = run(demo, "sydicat")
    assert result.total == 0 and result.suggestion == "syndicat"


def test_a_lowercase_word_still_finds_an_acronym_written_in_capitals(archive):
    """"Le SNEC réclame le paiement des primes": `SNEC` is indexed in capitals (a name), `snec`
    typed in lowercase finds it; `CAF` typed in capitals is an acronym only."""
    assert ids(run(archive, "snec")) == ["greve-enseignants"]
    assert ids(run(archive, "SNEC")) == ["greve-enseignants"]


# --- an article by its id -------------------------------------------------------------------------


def test_an_article_read_by_its_id_is_its_latest_version_and_an_unknown_id_none(tmp_path):
    """After an edit and an incremental reindex the former version stays in its segment,
    deleted: the id finds the new one, as Whoosh's own look-up does, for every article."""
    data = tmp_path / "data"
    for article in ARTICLES:
        articlefile.write(data / "articles", article)
    config = load_config(None, data=data, index=tmp_path / "index")
    reindex(config, full=True)
    edited = dataclasses.replace(ARTICLES[0], title="Grève levée à Bamako")
    articlefile.write(data / "articles", edited)
    reindex(config)
    generation = open_current(config.index_dir)
    with generation.index.searcher() as searcher:
        assert searcher.reader().has_deletions()
        for article in ARTICLES:
            found = stored_article(generation, article.id, config)
            assert found == stored_article_of(searcher.document(id=article.id))
    assert stored_article(generation, ARTICLES[0].id, config).title == "Grève levée à Bamako"
    assert stored_article(generation, "nulle-part", config) is None


# --- related articles from indexed key terms ------------------------------------------------------

SECURITY = "La sécurité reste précaire dans la région de Mopti. "
COTTON = "La campagne cotonnière s'annonce bonne : la production de coton dépasse les prévisions. "


def test_related_of_a_long_article_follows_its_whole_text_from_its_indexed_key_terms(tmp_path):
    # Mostly about cotton, but its first 20,000 characters only speak of security: the key terms
    # picked at index time weigh the whole text (request time read only its opening).
    opening = SECURITY * (20_000 // len(SECURITY) + 1)
    long = Article(id="dossier-long", title="Dossier de la semaine",
                   body=opening + "\n\n" + COTTON * (3 * len(opening) // len(COTTON)))
    data = tmp_path / "data"
    for article in [*ARTICLES, long]:
        articlefile.write(data / "articles", article)
    config = load_config(None, data=data, index=tmp_path / "index")
    reindex(config, full=True)
    generation = open_current(config.index_dir)
    with generation.index.searcher() as searcher:
        terms = keyterms.key_terms(searcher.reader(), searcher.document_number(id="dossier-long"))
    assert 0 < len(terms) <= keyterms.KEPT and "coton" in dict(terms)
    similar = [hit.id for hit in related(config.index_dir, "dossier-long", config)]
    assert similar[0] == "coton-recolte" and "dossier-long" not in similar


def test_related_articles_of_real_news_share_their_section(tmp_path):
    # 20 BBC Afrique articles of each of three sections (MasakhaNEWS): most related articles of
    # each come from its own section: 186 of 299 with the key terms of the first 20,000
    # characters analysed at request time, 192 with those picked at index time.
    corpus = require_shared(CORPUS / "articles.jsonl")
    taken: dict[str, int] = {}
    data = tmp_path / "data"
    for line in corpus.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["section"] in ("sports", "health", "business") and taken.get(row["section"], 0) < 20:
            taken[row["section"]] = taken.get(row["section"], 0) + 1
            articlefile.write(data / "articles", Article(
                id=row["id"], title=row["title"], body=row["body"], section=row["section"]))
    config = load_config(None, data=data, index=tmp_path / "index")
    reindex(config, full=True)
    section = {row_id: name for row_id, name in _sections(config)}
    same = total = 0
    for article_id, name in section.items():
        for hit in related(config.index_dir, article_id, config):
            total += 1
            same += section[hit.id] == name
    assert total >= 250 and same / total >= 0.64


def test_related_articles_read_a_bounded_number_of_postings_rarest_key_terms_first(
        tmp_path, monkeypatch):
    # At a million articles an article's commonest key terms hold hundreds of thousands of
    # postings each: related articles spend a fixed budget of postings on the rarest ones.
    from archive.search import run
    data = tmp_path / "data"
    for article in ARTICLES:
        articlefile.write(data / "articles", article)
    config = load_config(None, data=data, index=tmp_path / "index")

    def related_in_a_new_generation() -> tuple[list, dict[str, set[int]], dict[str, int]]:
        # (a generation keeps the related articles it found: each budget gets its own)
        reindex(config, full=True)
        generation = open_current(config.index_dir)
        with generation.index.searcher() as searcher:
            reader = searcher.reader()
            mine = keyterms.key_terms(reader, searcher.document_number(id="coton-recolte"))
            holders = {word: set(reader.postings("body", word).all_ids()) for word, _w in mine
                       if ("body", word) in reader}  # (a key term may be the title's only)
            ids = {fields["id"]: n for n, fields in enumerate(searcher.all_stored_fields())}
        return related(generation, "coton-recolte", config), holders, ids

    everything, holders, _ids = related_in_a_new_generation()
    assert everything
    # the rarest key terms, up to the first held by another article too
    sizes = sorted(len(docs) for docs in holders.values())
    k = next(i for i, n in enumerate(sizes) if n >= 2)
    monkeypatch.setattr(run, "RELATED_POSTINGS", sizes[0] - 1)  # not even the rarest fits
    assert related_in_a_new_generation()[0] == []
    monkeypatch.setattr(run, "RELATED_POSTINGS", sum(sizes[:k + 1]))  # the rarest words only
    found, holders, ids = related_in_a_new_generation()
    rare = [docs for docs in holders.values() if len(docs) <= sizes[k]]
    assert found and all(any(ids[hit.id] in docs for docs in rare) for hit in found)


def _sections(config) -> list[tuple[str, str]]:
    with open_current(config.index_dir).index.searcher() as searcher:
        return [(fields["id"], fields["section"]) for fields in searcher.all_stored_fields()]


# --- facet counts whichever share of the archive a search matches (issue 18, 1M) -----------------

FACET_SECTIONS = ["Culture", "Économie", "Politique", "Santé", "Société"]
FACET_AUTHORS = ["Aminata Koné", "Issa Diarra", "Moussa Traoré", "Fatoumata Coulibaly"]
FACET_ORGS = [f"Association des riverains {i:02d}" for i in range(14)]


def _every_hit(config, request: SearchRequest) -> list:
    """Every hit of a search, page by page (their records say what each article carries)."""
    found, page = [], 1
    while True:
        result = search(config.index_dir, SearchRequest(
            request.query, request.filters, sort="newest", page=page, page_size=100,
            estimated=request.estimated), config)
        found += result.hits
        if page >= result.pages:
            return found
        page += 1


def _year_of(hit, estimated: bool) -> str | None:
    if not hit.date or (not estimated and hit.date_source == "text"):
        return None
    return hit.date[:4]


def _carried(hits: list, facet: str, estimated: bool) -> Counter:
    """Each value of a facet in these hits' records, counted once per article."""
    if facet == "section":
        return Counter(h.section for h in hits if h.section)
    if facet == "author":
        return Counter(a for h in hits for a in h.authors)
    if facet == "organisation":
        return Counter(o for h in hits for o in h.organisations)
    return Counter(y for h in hits if (y := _year_of(h, estimated)))


def test_facets_and_histogram_count_the_matching_articles_whatever_share_they_match(tmp_path):
    """Real corpus articles with up to 11 organisations (past the dense layers), estimated dates
    and deleted documents: each facet's counts and the histogram are what the matching articles'
    records say, for words in most of the archive (counted through the articles they miss), in
    some and in few, with and without filters (a facet ignores its own), estimated dates or not."""
    corpus = require_shared(CORPUS / "articles.jsonl")
    rng = random.Random(18)
    data = tmp_path / "data"
    paths = []
    for line in corpus.read_text(encoding="utf-8").splitlines()[:150]:
        row = json.loads(line)
        dated = rng.random() < 0.85
        paths.append(articlefile.write(data / "articles", Article(
            id=row["id"], title=row["title"] or "Sans titre", body=row["body"],
            section=rng.choice(FACET_SECTIONS) if rng.random() < 0.9 else None,
            author=tuple(rng.sample(FACET_AUTHORS, rng.randint(0, 2))),
            date=f"{rng.randint(2015, 2022)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
            if dated else None,
            date_source="text" if dated and rng.random() < 0.3 else None,
            organisations=tuple(rng.sample(FACET_ORGS, rng.choice([0, 1, 2, 3, 9, 11]))))))
    config = load_config(None, data=data, index=tmp_path / "index")
    reindex(config, full=True)
    for path in paths[::9]:  # deleted documents in the index's segments
        path.unlink()
    reindex(config)
    live = len(paths) - len(paths[::9])
    gen = open_current(config.index_dir)
    with gen.index.searcher() as searcher:
        assert searcher.doc_count() == live < searcher.doc_count_all()
        shares = sorted((searcher.doc_frequency("body", w.decode()) / live, w.decode())
                        for w in searcher.reader().lexicon("body"))
    assert shares[-1][0] > 0.6  # a word in most articles: counted through those it misses
    words = [shares[-1][1], next(w for s, w in shares if s > 0.5),
             next(w for s, w in shares if s > 0.25), next(w for s, w in shares if s > 0.05)]
    requests = [SearchRequest(w, filters) for w in ["", *words]
                for filters in ({}, {"section": ("Politique", "Santé")},
                                {"year": ("2018", "2020"), "organisation": (FACET_ORGS[3],)})]
    for request in requests + [dataclasses.replace(r, estimated=False) for r in requests]:
        result = search(config.index_dir, dataclasses.replace(request, facet_limit=0), config)
        hits = _every_hit(config, request)
        assert len(hits) == result.total, request
        for facet in ("section", "author", "organisation", "year"):
            # disjunctive: a facet counts the articles matching every other filter
            others = {f: v for f, v in request.filters.items() if f != facet}
            base = hits if others == request.filters else _every_hit(
                config, dataclasses.replace(request, filters=others))
            shown = {fc.value: fc.count for fc in result.facets[facet] if fc.count}
            assert shown == _carried(base, facet, request.estimated), (request, facet)
        histogram = Counter(y for h in hits if (y := _year_of(h, request.estimated)))
        assert dict(result.histogram) == {int(y): c for y, c in histogram.items()}, request


def test_annee_in_the_query_leaves_out_estimated_dates_as_the_year_filter_does(tmp_path):
    """`année:2019` with `estimated=0` found the two corpus articles dated 2019 from their
    text, which `year=2019` with `estimated=0` left out (46 against 44)."""
    data = tmp_path / "data"
    for id_, date, source in (("publie", "2019-05-02", None), ("estime", "2019", "text"),
                              ("suivant", "2020-01-10", None)):
        articlefile.write(data / "articles", Article(
            id=id_, title=f"Grève des enseignants ({id_})", date=date, date_source=source,
            body="Les enseignants du Mali sont en grève depuis lundi."))
    config = load_config(None, data=data, index=tmp_path / "index")
    reindex(config, full=True)

    def found(query: str, estimated: bool, **filters) -> set[str]:
        request = SearchRequest(query, {k: tuple(v) for k, v in filters.items()},
                                estimated=estimated)
        return {hit.id for hit in search(config.index_dir, request, config).hits}

    assert found("année:2019", True) == found("", True, year=["2019"]) == {"publie", "estime"}
    assert found("année:2019", False) == found("", False, year=["2019"]) == {"publie"}
    assert found("grève année:2019-2020", False) == {"publie", "suivant"}
    assert found("grève -année:2019", False) == {"estime", "suivant"}  # an estimate: undated
