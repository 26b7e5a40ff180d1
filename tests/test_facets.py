"""Facets are declared once, in `archive/facets.py`: a facet in the registry shows on every
surface (schema, facet arrays, search, query language, site, API, exports, browse page, command
line), and the archive's first four facets are what every surface has always shown.

The newspaper facet was added by its declaration alone; a registry without it, installed with
`facets.installed`, stands for an archive of other facets: every surface reads the registry
when it runs, none at import.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh import fields

from archive import articlefile, facets
from archive.cli import main
from archive.config import Config, load_config
from archive.errors import IndexUnavailable
from archive.facets import Registry
from archive.indexing import open_current
from archive.indexing.generations import read_manifest
from archive.indexing.schema import build_schema
from archive.models import Article
from archive.search import SearchRequest, search
from archive.search.querylang import field_prefixes
from archive.web import create_app, i18n
from tests.webarchive import UNTM, build_archive

ROOT = Path(__file__).resolve().parents[1]
ESSOR, REPUBLICAIN = "L’Essor", "Le Républicain"
WITHOUT_NEWSPAPERS = Registry(tuple(f for f in facets.FACETS if f.name != "publisher"))

ARTICLES = [
    Article(id="greve-des-enseignants", title="Grève des enseignants à Bamako",
            body="Les enseignants réclament leurs primes.", section="Société",
            author=("Aminata Koné",), date="2019-07-05", organisations=(UNTM,),
            publisher=ESSOR),
    Article(id="recolte-de-coton", title="Récolte record de coton",
            body="La campagne cotonnière dépasse les prévisions.", section="Économie",
            author=("Issa Diarra",), date="2021-03-14", publisher=ESSOR),
    Article(id="greve-des-hopitaux", title="Grève dans les hôpitaux de Sikasso",
            body="Les agents de santé observent une grève.", section="Santé",
            date="2020-02-03", publisher=REPUBLICAIN),
    Article(id="chronique-sans-journal", title="Chronique : Bamako la nuit",
            body="La ville ne dort jamais.", section="Culture", date="2018-01-02"),
]


def cli(config: Config, *args: str):
    return CliRunner().invoke(main, ["--config", str(config.source), *args])


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Config:
    """A tiny archive of four articles, three with a newspaper, indexed by `archive reindex`
    (two worker processes)."""
    root = tmp_path_factory.mktemp("newspapers")
    (root / "data" / "articles").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "organisations.yaml", root / "data" / "organisations.yaml")
    (root / "archive.yaml").write_text("site_name: Archives d'essai\ndata_dir: data\n"
                                       "index_dir: index\n", encoding="utf-8")
    config = load_config(root / "archive.yaml")
    for article in ARTICLES:
        articlefile.write(config.articles_dir, article)
    done = cli(config, "reindex", "--procs", "2")
    assert done.exit_code == 0, done.output
    return config


@pytest.fixture
def archive(built: Config):
    return built


@pytest.fixture
def client(archive: Config):
    return create_app(archive).test_client()


def ids(result) -> set[str]:
    return {hit.id for hit in result.hits}


def counts(values) -> list[tuple[str, int]]:
    return [(v.value, v.count) for v in values]


# --- the newspaper, a facet added by its declaration -------------------------------------------


def test_the_build_indexes_it_and_records_it(archive: Config):
    generation = open_current(archive.index_dir)
    assert generation.manifest["facets"] == ["section", "author", "organisation", "year",
                                             "publisher"]
    assert generation.facets.values("publisher") == [REPUBLICAIN, ESSOR]  # "le r" < "l’e"
    assert isinstance(generation.index.schema["publisher_text"], fields.TEXT)


def test_its_counts_come_with_every_search_and_a_filter_narrows_to_it(archive: Config):
    everything = search(archive.index_dir, SearchRequest(), archive)
    assert counts(everything.facets["publisher"]) == [(ESSOR, 2), (REPUBLICAIN, 1)]
    assert counts(search(archive.index_dir, SearchRequest("grève"), archive)
                  .facets["publisher"]) == [(REPUBLICAIN, 1), (ESSOR, 1)]
    narrowed = search(archive.index_dir,
                      SearchRequest(filters={"publisher": (REPUBLICAIN,)}), archive)
    assert ids(narrowed) == {"greve-des-hopitaux"}
    # facets are disjunctive: its own counts ignore its selection, the others honour it
    assert counts(narrowed.facets["publisher"]) == [(ESSOR, 2), (REPUBLICAIN, 1)]
    assert counts(narrowed.facets["section"]) == [("Santé", 1)]
    assert [h.publisher for h in narrowed.hits] == [REPUBLICAIN]


@pytest.mark.parametrize("query, expected", [
    ("journal:républicain", {"greve-des-hopitaux"}),
    ("publisher:essor", {"greve-des-enseignants", "recolte-de-coton"}),
    ('journal:"l’essor" grève', {"greve-des-enseignants"}),
])
def test_its_prefixes_work_in_the_query_language(archive: Config, query: str, expected: set):
    assert field_prefixes()["journal"] == "publisher"
    assert ids(search(archive.index_dir, SearchRequest(query), archive)) == expected


def test_the_search_page_shows_its_block_and_filters_by_its_parameter(client):
    french = client.get("/search?publisher=Le Républicain").get_data(as_text=True)
    assert re.findall(r'<h3[^>]*><a href="/article/([a-z0-9-]+)[?"]', french) == ["greve-des-hopitaux"]
    block = re.search(r'<section aria-labelledby="f-publisher">.*?</section>', french, re.S)[0]
    assert '<h2 id="f-publisher">Journal</h2>' in block
    assert (f'{ESSOR} <span class="count">2</span>' in block
            and 'href="/journaux?publisher=Le+R%C3%A9publicain"' in block)
    assert "Journal\u202f: Le Républicain" in french  # the chip that removes the filter
    english = client.get("/search?q=grève&lang=en").get_data(as_text=True)
    assert '<h2 id="f-publisher">Newspaper</h2>' in english
    assert ">Newspapers</a></li>" in english  # the footer's browse link


def test_the_api_and_the_exports_filter_by_it_and_carry_it(client):
    data = client.get(f"/api/search?publisher={ESSOR}").get_json()
    assert data["total"] == 2
    assert data["facets"]["publisher"][0] == {"value": ESSOR, "count": 2, "selected": True}
    assert {h["publisher"] for h in data["hits"]} == {ESSOR}
    rows = list(csv.DictReader(io.StringIO(
        client.get(f"/export.csv?publisher={REPUBLICAIN}").get_data().decode("utf-8-sig"))))
    assert [(r["id"], r["publisher"]) for r in rows] == [("greve-des-hopitaux", REPUBLICAIN)]
    lines = client.get("/export.jsonl?q=journal:essor").get_data(as_text=True).splitlines()
    assert [json.loads(line)["publisher"] for line in lines] == [ESSOR, ESSOR]
    assert client.get("/api/article/recolte-de-coton").get_json()["publisher"] == ESSOR


def test_its_browse_page_lists_its_values_with_counts(client):
    html = client.get("/journaux").get_data(as_text=True)
    assert "<h1>Journaux</h1>" in html
    assert f'{ESSOR}</a> <span class="count">2</span>' in html
    assert f'{REPUBLICAIN}</a> <span class="count">1</span>' in html
    assert '<label for="filter">' in html  # names get the filter box and A–Z
    within = client.get("/journaux?q=coton&lang=en").get_data(as_text=True)
    assert "<h1>Newspapers</h1>" in within and REPUBLICAIN not in within


def test_the_command_line_has_its_option(archive: Config):
    assert "--publisher TEXT" in cli(archive, "search", "--help").output
    done = cli(archive, "search", "--publisher", REPUBLICAIN)
    assert done.exit_code == 0, done.output
    assert "[greve-des-hopitaux]" in done.output and "[recolte-de-coton]" not in done.output
    assert f"publisher: {ESSOR} (2), *{REPUBLICAIN} (1)" in done.output


def test_a_generation_with_other_facets_is_not_read_and_a_reindex_rebuilds_it(built: Config):
    # Built with the newspaper facet, read without it: its fields and arrays are another schema.
    with facets.installed(WITHOUT_NEWSPAPERS):
        with pytest.raises(IndexUnavailable, match=r"index schema changed \(facets section, "
                           r"author, organisation, year, publisher; this archive has section, "
                           r"author, organisation, year\)"):
            open_current(built.index_dir)
        done = cli(built, "reindex")
        assert done.exit_code == 0, done.output
        assert done.output.startswith("full reindex (index schema changed (facets")
        assert read_manifest(open_current(built.index_dir).path)["facets"] == [
            "section", "author", "organisation", "year"]
    # and back, for the tests that follow
    assert cli(built, "reindex").exit_code == 0


# --- the archive's own facets: what every surface has always called them --------------------


def test_the_registry_declares_the_facets_with_their_published_names():
    table = [(f.name, f.param, f.record_key, f.browse_path, f.cli_options, f.prefixes)
             for f in facets.registry()]
    assert table == [
        ("section", "section", "section", "/sections", ("--section",), ("rubrique", "section")),
        ("author", "author", "authors", "/authors", ("--author",), ("auteur", "author")),
        ("organisation", "organisation", "organisations", "/organisations",
         ("--organisation", "--org"), ("organisation", "org", "organization")),
        ("year", "year", None, "/years", ("--year",), ("annee", "year")),
        ("publisher", "publisher", "publisher", "/journaux", ("--publisher",),
         ("journal", "publisher", "newspaper")),
    ]
    assert facets.registry()["publisher"].browse_path_in("en") == "/newspapers"
    french = i18n.load_translations()["fr"]
    assert [(french.gettext(f.label), french.gettext(f.label_plural))
            for f in facets.registry()] == [("Rubrique", "Rubriques"), ("Auteur", "Auteurs"),
                                            ("Organisation", "Organisations"),
                                            ("Année", "Années"), ("Journal", "Journaux")]


def test_the_schema_is_the_one_generations_were_built_with():
    schema = build_schema()
    described = {name: (type(field).__name__, field.stored, type(field.analyzer).__name__)
                 for name, field in schema.items()}
    assert described == {
        "author": ("ID", True, "RegexTokenizer"),
        "author_text": ("TEXT", False, "CompositeAnalyzer"),
        "body": ("TEXT", True, "CompositeAnalyzer"),
        "date": ("ID", True, "IDTokenizer"),
        "date_source": ("ID", True, "IDTokenizer"),
        "hash": ("STORED", True, "NoneType"),
        "keyterms": ("COLUMN", False, "NoneType"),
        "id": ("ID", True, "IDTokenizer"),
        "language": ("ID", True, "IDTokenizer"),
        "organisation": ("ID", True, "RegexTokenizer"),
        "organisation_text": ("TEXT", False, "CompositeAnalyzer"),
        "path": ("ID", True, "IDTokenizer"),
        "publisher": ("ID", True, "IDTokenizer"),
        "publisher_text": ("TEXT", False, "CompositeAnalyzer"),
        "section": ("ID", True, "IDTokenizer"),
        "section_text": ("TEXT", False, "CompositeAnalyzer"),
        "title": ("TEXT", True, "CompositeAnalyzer"),
        "url": ("ID", True, "IDTokenizer"),
        "year": ("NUMERIC", True, "IDTokenizer"),
    }
    assert schema["author"].analyzer.expression.pattern == r"[^\n]+"
    assert schema["author_text"].analyzer is schema["title"].analyzer  # the French analyzer


def test_every_surface_shows_the_four_first_facets_as_before(tmp_path: Path):
    config = build_archive(tmp_path)
    client = create_app(config).test_client()
    data = client.get("/api/search").get_json()
    assert list(data["facets"]) == ["section", "author", "organisation", "year", "publisher"]
    assert list(data["hits"][0]) == ["id", "title", "date", "section", "authors",
                                     "organisations", "publisher", "url", "permalink",
                                     "snippet_html", "score", "date_source", "newspaper"]
    article = client.get("/api/article/greve-des-enseignants-a-bamako").get_json()
    assert list(article)[:7] == ["id", "title", "date", "section", "authors", "organisations",
                                 "publisher"]
    header = client.get("/export.csv").get_data().decode("utf-8-sig").splitlines()[0]
    assert header == ('"id","title","date","section","authors","organisations","publisher",'
                      '"url","permalink","snippet","date_source","newspaper"')
    html = client.get("/search?q=école").get_data(as_text=True)
    # the chart of years heads the filters, then the facets in their order
    assert re.findall(r'<h2 id="f-(\w+)">([^<]+)</h2>', html)[:5] == [
        ("year", "Année"), ("publisher", "Journal"), ("section", "Rubrique"),
        ("organisation", "Organisation"), ("author", "Auteur")]
    footer = re.search(r"<footer>.*</footer>", html, re.S)[0]
    assert re.findall(r'<a href="(/\w+)">(\w+)</a>', footer)[:5] == [
        ("/journaux", "Journaux"), ("/sections", "Rubriques"), ("/years", "Années"),
        ("/organisations", "Organisations"), ("/authors", "Auteurs")]
    for path in ("/sections", "/authors", "/organisations", "/years", "/journaux"):
        assert client.get(path).status_code == 200, path
    assert client.get(f"/search?organisation={UNTM}&author=Aminata Koné&year=2019"
                      "&section=Société").status_code == 200
    assert field_prefixes() == {
        "titre": "title", "title": "title", "rubrique": "section", "section": "section",
        "auteur": "author", "author": "author", "organisation": "organisation",
        "org": "organisation", "organization": "organisation", "annee": "year", "year": "year",
        "journal": "publisher", "publisher": "publisher", "newspaper": "publisher"}
    help_text = cli(config, "search", "--help").output
    assert re.findall(r"^  (--[\w, -]+?) TEXT", help_text, re.M)[:5] == [
        "--section", "--author", "--organisation, --org", "--year", "--publisher"]
    done = cli(config, "search", "--org", "UNTM", "--section", "Société", "--year", "2019")
    assert done.exit_code == 0 and "[greve-des-enseignants-a-bamako]" in done.output


# --- one section under several spellings --------------------------------------------------------

# The section facet folds case and accents: `societe`, `Société` and `SOCIÉTÉ` are one section,
# shown in its properly written spelling; other words stay apart, even when they mean the same
# thing (the shared corpus: BBC Afrique's `politics` and Mosaïque FM's `Politique`).
LEAD_DH = "Les \"gilets jaunes\" ont négocié une baisse des prix du carburant jusqu'au 11 décembre."
SPELLINGS = [("societe-1", "Société"), ("societe-2", "societe"), ("societe-3", "SOCIÉTÉ"),
             ("eco-1", "Économie"), ("eco-2", "business"), ("pol-1", "Politique"),
             ("pol-2", "politics")]


@pytest.fixture(scope="module")
def spelled(tmp_path_factory) -> Config:
    articles = [Article(id=i, title=f"Carburant à Châtelineau {n}", body=LEAD_DH, section=s,
                        date=f"2018-12-0{n}")
                for n, (i, s) in enumerate(SPELLINGS, start=1)]
    return build_archive(tmp_path_factory.mktemp("spellings"), articles)


def test_one_section_in_several_spellings_is_one_facet_value(spelled: Config):
    found = search(spelled.index_dir, SearchRequest(), spelled)
    assert sorted(counts(found.facets["section"])) == [
        ("Politique", 1), ("Société", 3), ("business", 1), ("politics", 1), ("Économie", 1)]
    # each article keeps its publisher's spelling
    assert {h.id: h.section for h in found.hits}["societe-3"] == "SOCIÉTÉ"


@pytest.mark.parametrize("typed", ["Société", "societe", "SOCIETE", " société "])
def test_a_filter_in_any_spelling_finds_every_spelling(spelled: Config, typed: str):
    narrowed = search(spelled.index_dir, SearchRequest(filters={"section": (typed,)}), spelled)
    assert ids(narrowed) == {"societe-1", "societe-2", "societe-3"}
    assert [(v.value, v.selected) for v in narrowed.facets["section"]
            if v.selected] == [("Société", True)]


@pytest.mark.parametrize("query", ["rubrique:societe", "rubrique:SOCIÉTÉ", "section:Société"])
def test_the_query_language_finds_every_spelling(spelled: Config, query: str):
    assert ids(search(spelled.index_dir, SearchRequest(query), spelled)) == {
        "societe-1", "societe-2", "societe-3"}


def test_the_sections_page_the_api_and_the_command_line_show_one_section(spelled: Config):
    client = create_app(spelled).test_client()
    html = client.get("/sections").get_data(as_text=True)
    assert re.findall(r'>(S[^<]*)</a> <span class="count">(\d+)</span>', html) == [
        ("Société", "3")]
    data = client.get("/api/search?section=societe").get_json()
    assert data["total"] == 3
    assert data["facets"]["section"][0] == {"value": "Société", "count": 3, "selected": True}
    done = cli(spelled, "search", "--section", "SOCIETE")
    assert done.exit_code == 0 and "section: *Société (3)" in done.output


def test_spellings_indexed_apart_join_after_a_plain_reindex(tmp_path: Path):
    # indexed first: "societe" alone (so shown as it is); then an archivist types the section
    # properly in a new file: the incremental reindex reuses the first arrays and regroups them
    articles = [Article(id=i, title=f"Carburant {n}", body=LEAD_DH, section=s)
                for n, (i, s) in enumerate([SPELLINGS[1], SPELLINGS[4]])]
    config = build_archive(tmp_path, articles)
    assert counts(search(config.index_dir, SearchRequest(), config).facets["section"]) == [
        ("business", 1), ("societe", 1)]
    path = config.articles_dir / articlefile.UNDATED_FOLDER / "edited-by-hand.md"
    path.write_text("---\nid: edited-by-hand\ntitle: Carburant à Charleroi\nsection: Société\n"
                    f"---\n\n{LEAD_DH}\n", encoding="utf-8")
    done = cli(config, "reindex")
    assert done.exit_code == 0, done.output
    assert not done.output.startswith("full reindex")
    found = search(config.index_dir, SearchRequest(filters={"section": ("societe",)}), config)
    assert counts(found.facets["section"]) == [("Société", 2), ("business", 1)]
    assert ids(found) == {"societe-2", "edited-by-hand"}


def test_a_section_filter_in_another_spelling_shows_and_unticks_as_the_facet_value(
        spelled: Config):
    # the article page links its section in the publisher's spelling (SOCIÉTÉ)
    client = create_app(spelled).test_client()
    assert 'href="/search?section=SOCI%C3%89T%C3%89"' in client.get(
        "/article/societe-3").get_data(as_text=True)
    html = client.get("/search?section=SOCI%C3%89T%C3%89").get_data(as_text=True)
    assert "Rubrique\u202f: Société <span" in html  # the chip
    block = re.search(r'<section aria-labelledby="f-section">.*?</section>', html, re.S)[0]
    assert re.search(r'<a href="/search" class="on" aria-current="true">'
                     r'<span class="box" aria-hidden="true"></span>Société <span', block)


# --- one author under several spellings ---------------------------------------------------------

# Bylines as the shared corpus writes them: Liberté's "RABAH KARÈCHE" and "RABAH KARECHE", and
# "Lyès Menacer", which a researcher types "lyes menacer".
BYLINES = [("karache-1", "RABAH KARÈCHE"), ("karache-2", "RABAH KARECHE"),
           ("menacer-1", "Lyès Menacer"), ("menacer-2", "Lyès Menacer"),
           # the sample page's byline as printed, and as mended
           ("doumbia-1", "Y.Doumbia"), ("doumbia-2", "Y.Doumbia"), ("doumbia-3", "Y. Doumbia")]


@pytest.fixture(scope="module")
def bylined(tmp_path_factory) -> Config:
    articles = [Article(id=i, title=f"Carburant à Châtelineau {n}", body=LEAD_DH, author=(a,),
                        date=f"2018-12-0{n}") for n, (i, a) in enumerate(BYLINES, start=1)]
    return build_archive(tmp_path_factory.mktemp("bylines"), articles)


def test_one_author_in_several_spellings_is_one_facet_value(bylined: Config):
    found = search(bylined.index_dir, SearchRequest(), bylined)
    assert sorted(counts(found.facets["author"])) == [
        ("Lyès Menacer", 2), ("RABAH KARÈCHE", 2), ("Y. Doumbia", 3)]  # spaced, listed at D
    assert {h.id: h.authors for h in found.hits}["karache-2"] == ["RABAH KARECHE"]  # as written


@pytest.mark.parametrize("typed, expected", [
    ("lyes menacer", {"menacer-1", "menacer-2"}),
    ("RABAH KARECHE", {"karache-1", "karache-2"}),
    ("Rabah Karèche", {"karache-1", "karache-2"}),
])
def test_an_author_filter_in_any_spelling_finds_every_spelling(bylined: Config, typed: str,
                                                               expected: set[str]):
    narrowed = search(bylined.index_dir, SearchRequest(filters={"author": (typed,)}), bylined)
    assert ids(narrowed) == expected
    client = create_app(bylined).test_client()
    assert client.get("/api/search", query_string={"author": typed}).get_json()["total"] == 2


def test_a_generation_built_before_authors_were_folded_still_serves(tmp_path: Path):
    """Its facet store has no author groups: it opens, and its values stand as written, until
    the next reindex groups them."""
    unfolded = Registry(tuple(dataclasses.replace(f, folded=False) if f.name == "author" else f
                              for f in facets.FACETS.facets))
    articles = [Article(id=i, title=f"Carburant à Châtelineau {n}", body=LEAD_DH, author=(a,))
                for n, (i, a) in enumerate(BYLINES, start=1)]
    with facets.installed(unfolded):
        config = build_archive(tmp_path, articles)
    found = search(config.index_dir, SearchRequest(filters={"author": ("RABAH KARECHE",)}),
                   config)
    assert ids(found) == {"karache-2"}
    assert ("RABAH KARÈCHE", 1) in counts(found.facets["author"])
    status = CliRunner().invoke(main, ["status", "--data", str(config.data_dir),
                                       "--index", str(config.index_dir)])
    assert "the next 'archive reindex' rebuilds the index whole, once" in status.output
    assert "index up to date" not in status.output
    result = CliRunner().invoke(main, ["reindex", "--data", str(config.data_dir),
                                       "--index", str(config.index_dir)])
    assert result.exit_code == 0, result.output
    assert "facets now group spellings differently" in result.output  # said, then done whole
    regrouped = search(config.index_dir, SearchRequest(filters={"author": ("RABAH KARECHE",)}),
                       config)
    assert ids(regrouped) == {"karache-1", "karache-2"}


# --- newspapers named by the publishers file --------------------------------------------------

# Publisher values as the shared corpus gives them: a name, an alias glued together, web hosts.
# The leads are the corpus's own sentences.
LEAD_TDG = "Le Conseil d'Etat genevois a présenté mardi son projet de budget 2019."
LEAD_QC = "Le maire de Québec a annoncé jeudi un nouveau plan pour le transport en commun."
CORPUS_PUBLISHERS = [
    ("tdg-1", "www.tdg.ch", "2018-10-02", LEAD_TDG),
    ("tdg-2", "www.tdg.ch", "2019-03-05", LEAD_TDG),
    ("libre-1", "LaLibre", "2016-05-01", LEAD_DH),
    ("libre-2", "La Libre Belgique", "2018-12-03", LEAD_DH),
    ("jdq-1", "Journal de Québec", "2017-02-01", LEAD_QC),
    ("jdq-2", "www.journaldequebec.com", "2019-06-01", LEAD_QC),
    ("inconnu", "Le Canard d’essai", "2019-01-01", LEAD_QC),
]


@pytest.fixture(scope="module")
def newspapers(tmp_path_factory) -> Config:
    root = tmp_path_factory.mktemp("publishers")
    (root / "data").mkdir()
    shutil.copy(ROOT / "data" / "publishers.yaml", root / "data" / "publishers.yaml")
    articles = [Article(id=i, title=f"Article {i}", body=lead, publisher=p, date=d)
                for i, p, d, lead in CORPUS_PUBLISHERS]
    return build_archive(root, articles)


def test_a_newspapers_names_and_hosts_are_one_value_under_the_publishers_file_name(
        newspapers: Config):
    found = search(newspapers.index_dir, SearchRequest(), newspapers)
    assert sorted(counts(found.facets["publisher"])) == [
        ("La Libre Belgique", 2), ("Le Canard d’essai", 1), ("Le Journal de Québec", 2),
        ("Tribune de Genève", 2)]
    # each article keeps the value its source gave
    assert {h.id: h.publisher for h in found.hits}["tdg-1"] == "www.tdg.ch"


def test_the_about_page_gives_each_newspapers_years_once_when_they_are_one(newspapers: Config):
    html = create_app(newspapers).test_client().get("/a-propos").get_data(as_text=True)
    spans = dict(re.findall(r'<span class="pub">([^<]+)</span></a></th><td>[^<]*</td>'
                            r'<td>\d+</td><td>([^<]*)</td>', html))
    assert spans["Tribune de Genève"] == "2018–2019"
    assert spans["Le Canard d’essai"] == "2019"  # not "2019–2019"


def test_exports_and_the_api_name_each_rows_newspaper_as_the_facet_does(newspapers: Config):
    """A pivot table on the exports' `newspaper` column groups `LaLibre` and `La Libre
    Belgique` as the facet does; `publisher` stays as the source wrote it."""
    client = create_app(newspapers).test_client()
    rows = list(csv.DictReader(io.StringIO(
        client.get("/export.csv").get_data().decode("utf-8-sig"))))
    lines = [json.loads(line) for line in client.get("/export.jsonl").get_data(
        as_text=True).splitlines()]
    hits = client.get("/api/search?page_size=20").get_json()["hits"]
    expected = {"tdg-1": ("www.tdg.ch", "Tribune de Genève"),
                "libre-1": ("LaLibre", "La Libre Belgique"),
                "libre-2": ("La Libre Belgique", "La Libre Belgique"),
                "jdq-2": ("www.journaldequebec.com", "Le Journal de Québec"),
                "inconnu": ("Le Canard d’essai", "Le Canard d’essai")}
    for found in (rows, lines, hits):
        named = {r["id"]: (r["publisher"], r["newspaper"]) for r in found}
        assert {i: named[i] for i in expected} == expected
    assert list(rows[0])[-2:] == ["date_source", "newspaper"]  # after the older columns
    newspapers_counted = {v["value"]: v["count"] for v in client.get(
        "/api/search").get_json()["facets"]["publisher"]}
    assert newspapers_counted == dict(Counter(r["newspaper"] for r in rows))


@pytest.mark.parametrize("typed", ["Tribune de Genève", "TDG", "www.tdg.ch", "tribune de geneve"])
def test_a_newspaper_filter_takes_its_name_an_alias_or_a_host(newspapers: Config, typed: str):
    narrowed = search(newspapers.index_dir,
                      SearchRequest(filters={"publisher": (typed,)}), newspapers)
    assert ids(narrowed) == {"tdg-1", "tdg-2"}


@pytest.mark.parametrize("query, expected", [
    ('journal:"Tribune de Genève"', {"tdg-1", "tdg-2"}),
    ("journal:TDG", {"tdg-1", "tdg-2"}),
    ('journal:"La Libre Belgique"', {"libre-1", "libre-2"}),
    ('newspaper:"Journal de Québec" transport', {"jdq-1", "jdq-2"}),
])
def test_the_query_language_finds_a_newspaper_by_any_of_its_names(newspapers: Config,
                                                                   query: str, expected: set):
    assert ids(search(newspapers.index_dir, SearchRequest(query), newspapers)) == expected


def test_the_newspapers_page_home_and_article_show_the_newspapers_name(newspapers: Config):
    client = create_app(newspapers).test_client()
    html = client.get("/journaux").get_data(as_text=True)
    assert "<h1>Journaux</h1>" in html
    assert re.search(r'>Tribune de Genève</a> <span class="count">2</span> '
                     r'<span class="span">2018–2019</span>', html)
    assert '>Le Canard d’essai</a> <span class="count">1</span> <span class="span">2019<' in html
    english = client.get("/newspapers?lang=en").get_data(as_text=True)
    assert "<h1>Newspapers</h1>" in english and "Tribune de Genève" in english
    assert 'href="/newspapers">Newspapers</a>' in english  # the footer's link, in English
    home = client.get("/?lang=fr").get_data(as_text=True)
    assert '<h2 id="h-papers">Journaux</h2>' in home
    assert 'class="pub">Tribune de Genève</a> <span class="count">2</span>' in home
    article = client.get("/article/tdg-1").get_data(as_text=True)
    assert "www.tdg.ch" not in article
    assert 'class="pub">Tribune de Genève</a>' in article
    assert "<i>Tribune de Genève</i>, 2 octobre 2018" in article  # the citation
    ris = client.get("/article/tdg-1.ris").get_data(as_text=True)
    assert "T2  - Tribune de Genève\r\n" in ris
    bib = client.get("/article/tdg-1.bib").get_data(as_text=True)
    assert "journal = {Tribune de Genève}" in bib
    api = client.get("/api/search?publisher=TDG").get_json()
    assert api["total"] == 2
    assert [v["value"] for v in api["facets"]["publisher"] if v["selected"]] == [
        "Tribune de Genève"]
