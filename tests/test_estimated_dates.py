"""Dates estimated from the text, on every surface: shown as such ("vers 2019" / "c. 2019"),
counted in years, histogram and date filters by default, left out on request (`estimated=0`,
the search form's checkbox, `--no-estimated`), and named in API records and exports."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from archive.cli import main
from archive.models import Article
from archive.search import SearchRequest, search
from archive.web import create_app
from tests.webarchive import build_archive

COUNCIL = Article(
    id="conseil-des-ministres-du-12-juin", title="Conseil des ministres du mercredi 12 juin",
    body="Le mercredi 12 juin 2024, le Conseil des Ministres s’est réuni en séance ordinaire "
         "au Palais de Koulouba.", section="Nation", date="2024-06", date_source="text")
MARKET = Article(
    id="marche-de-medina-coura", title="Marché de Médina-Coura : les commerçants protestent",
    body="Les commerçants du marché de Médina-Coura ont tenu une assemblée générale.",
    section="Économie", date="2024-03-14", date_source="page")
SEMINAR = Article(
    id="seminaire-du-cares-mali", title="Séminaire du CARES-Mali",
    body="Le séminaire national de formation s’est tenu à Bamako.", section="Nation",
    date="2019-07-01", date_source="dateline")
KARITE = Article(
    id="karite-a-bougouni", title="Karité : une unité de transformation à Bougouni",
    body="Une coopérative de femmes de Bougouni a inauguré une unité de transformation.",
    section="Société", date="2023-07", date_source="text", author=("A. Traoré",),
    publisher="L’Essor")
UNDATED = Article(id="chronique-sans-date", title="Chronique du marché",
                  body="Le marché ne dort jamais.", section="Culture")
ARTICLES = [COUNCIL, MARKET, SEMINAR, KARITE, UNDATED]


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("estimates"), ARTICLES)


@pytest.fixture
def client(config):
    return create_app(config).test_client()


def html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def ask(config, **fields) -> object:
    return search(config.index_dir, SearchRequest(**fields), config)


# --- the search library ---------------------------------------------------------------------------


def test_estimates_count_by_default_and_can_be_left_out(config):
    included, stated = ask(config), ask(config, estimated=False)
    assert included.total == stated.total == 5  # leaving estimates out keeps the articles
    assert dict(included.histogram) == {2019: 1, 2023: 1, 2024: 2}
    assert dict(stated.histogram) == {2019: 1, 2024: 1}
    assert {v.value: v.count for v in stated.facets["year"]} == {"2019": 1, "2024": 1}
    assert (included.estimated, stated.estimated) == (True, False)


def test_year_and_date_filters_leave_estimated_dates_out_on_request(config):
    assert ask(config, filters={"year": ("2024",)}).total == 2
    assert ask(config, filters={"year": ("2024",)}, estimated=False).total == 1
    assert {h.id for h in ask(config, date_from="2024-05").hits} == {COUNCIL.id}
    assert ask(config, date_from="2024-05", estimated=False).total == 0
    assert ask(config, date_from="2023", date_to="2023", estimated=False).total == 0


def test_without_estimates_an_estimated_date_sorts_as_undated(config):
    newest = [h.id for h in ask(config, sort="newest").hits]
    assert newest[:2] == [COUNCIL.id, MARKET.id]
    stated = [h.id for h in ask(config, sort="newest", estimated=False).hits]
    assert stated[:2] == [MARKET.id, SEMINAR.id]
    assert set(stated[2:]) == {COUNCIL.id, KARITE.id, UNDATED.id}


def test_hits_say_where_their_date_comes_from(config):
    hits = {h.id: h for h in ask(config, page_size=10).hits}
    assert (hits[COUNCIL.id].date_source, hits[COUNCIL.id].date_estimated) == ("text", True)
    assert (hits[MARKET.id].date_source, hits[MARKET.id].date_estimated) == ("page", False)
    assert hits[UNDATED.id].date_estimated is False


def test_the_command_line_has_the_choice(config):
    def run(*args: str):
        result = CliRunner().invoke(main, ["search", *args, "--data", str(config.data_dir),
                                           "--index", str(config.index_dir)])
        assert result.exit_code == 0, result.output
        return result
    assert json.loads(run("--year", "2024", "--json").stdout)["total"] == 2
    printed = json.loads(run("--year", "2024", "--no-estimated", "--json").stdout)
    assert printed["total"] == 1 and printed["estimated"] is False
    assert [h["date_source"] for h in printed["hits"]] == ["page"]
    text = run("Conseil").output
    assert "c. 2024-06" in text
    assert "(estimated dates excluded)" in run("--no-estimated").output


# --- pages ----------------------------------------------------------------------------------------


def test_result_lists_show_an_estimate_as_such_in_both_languages(client):
    french = html(client, "/search?q=Conseil&lang=fr")
    assert re.search(r'<time datetime="2024-06" class="est" title="Date estimée d’après le '
                     r'texte">vers juin 2024</time>', french)
    english = html(client, "/search?q=Conseil&lang=en")
    assert ">c. June 2024</time>" in english
    stated = html(client, "/search?q=séminaire&lang=fr")
    assert '<time datetime="2019-07-01">1er juillet 2019</time>' in stated
    assert ">July 1, 2019</time>" in html(client, "/search?q=séminaire&lang=en")


def test_the_article_page_and_its_citation_show_the_estimate(client):
    french = html(client, f"/article/{COUNCIL.id}?lang=fr")
    assert ">vers juin 2024</time> <span class=\"muted\">(date estimée d’après le texte)</span>" \
        in french
    assert "[vers juin 2024]" in french  # the citation: supplied by the archive, bracketed
    english = html(client, f"/article/{COUNCIL.id}?lang=en")
    assert ">c. June 2024</time> <span class=\"muted\">(date estimated from the text)</span>" \
        in english
    assert "[c. June 2024]" in english  # English pages cite in English (Chicago style)
    stated = html(client, f"/article/{MARKET.id}?lang=fr")
    assert ">14 mars 2024</time>" in stated and "estimée" not in stated


def test_ris_and_bibtex_mark_the_estimate(client):
    ris = client.get(f"/article/{KARITE.id}.ris").get_data(as_text=True)
    assert "PY  - 2023\r\n" in ris and "DA  -" not in ris
    assert "N1  - Date estimée d’après le texte (vers juillet 2023), non donnée par la source" \
        in ris
    bib = client.get(f"/article/{KARITE.id}.bib").get_data(as_text=True)
    assert "  date = {2023-07~},\n  year = {2023}," in bib
    assert "note = {Rubrique : Société. Date estimée d’après le texte (vers juillet 2023)" in bib
    stated = client.get(f"/article/{MARKET.id}.ris").get_data(as_text=True)
    assert "DA  - 2024/03/14\r\n" in stated and "N1" not in stated
    assert "date = {2024-03-14}," in client.get(f"/article/{MARKET.id}.bib").get_data(
        as_text=True)


def histogram_rows(page: str) -> dict[str, str]:
    return dict(re.findall(r'<tr><td><a href="[^"]*">(\d{4})</a></td><td>(\d+)</td></tr>', page))


@pytest.mark.parametrize(("lang", "included", "excluded", "chip"), [
    ("fr", "dates estimées incluses", "dates estimées exclues", "Dates estimées exclues"),
    ("en", "estimated dates included", "estimated dates excluded", "Estimated dates excluded"),
])
def test_the_search_page_offers_the_choice(client, lang, included, excluded, chip):
    default = html(client, f"/search?lang={lang}")
    assert histogram_rows(default) == {"2019": "1", "2023": "1", "2024": "2"}
    # a checkbox that works without JavaScript: the hidden 0 comes first, a ticked box's 1 wins
    assert re.search(r'<input type="hidden" name="estimated" value="0">\s*<p class="check">'
                     r'<input type="checkbox" id="estimated" name="estimated" value="1" '
                     r'checked aria-describedby="estimated-hint"> <label for="estimated">'
                     + re.escape(included) + "</label>", default)
    assert included in default.split('class="muted est-choice">')[1]
    assert chip not in default

    unticked = html(client, f"/search?lang={lang}&estimated=0")
    assert histogram_rows(unticked) == {"2019": "1", "2024": "1"}
    assert 'value="1" aria-describedby="estimated-hint">' in unticked  # not checked
    assert excluded in unticked.split('class="muted est-choice">')[1]
    assert chip in unticked
    # every link of the page keeps the choice: a histogram bar narrows within it
    bar = re.search(r'<a href="(/search\?[^"]*year=2024[^"]*)"', unticked)[1]
    assert "estimated=0" in bar
    assert re.search(r'(\d+) article', html(client, bar.replace("&amp;", "&")))[1] == "1"

    ticked = html(client, f"/search?lang={lang}&estimated=0&estimated=1")
    assert histogram_rows(ticked) == histogram_rows(default)


def test_the_year_filter_of_the_page_honours_the_choice(client):
    assert "2 articles" in html(client, "/search?year=2024&lang=fr")
    assert "1 article" in html(client, "/search?year=2024&estimated=0&lang=fr")
    years = html(client, "/years?estimated=0")
    assert "2023" not in years


# --- API and exports ------------------------------------------------------------------------------


def test_the_api_names_date_sources_and_takes_the_parameter(client):
    answer = client.get("/api/search?year=2024").get_json()
    assert answer["total"] == 2 and answer["estimated"] is True
    assert {h["id"]: h["date_source"] for h in answer["hits"]} == {
        COUNCIL.id: "text", MARKET.id: "page"}
    assert {h["year"]: h["count"] for h in answer["histogram"]} == {2024: 2}
    stated = client.get("/api/search?year=2024&estimated=0").get_json()
    assert stated["total"] == 1 and stated["estimated"] is False
    assert client.get(f"/api/article/{KARITE.id}").get_json()["date_source"] == "text"
    assert client.get(f"/api/article/{UNDATED.id}").get_json()["date_source"] is None


def test_the_feed_gives_no_publication_day_for_an_estimated_date(client):
    """An estimate ("vers juin 2024") is no publication date: Atom's `published` would show
    1 June 2024 as if the source stated it."""
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(client.get("/feed.atom?year=2024").data)
    entries = {e.find("a:link", ns).get("href").rsplit("/", 1)[1]: e
               for e in feed.findall("a:entry", ns)}
    council, market = entries[COUNCIL.id], entries[MARKET.id]
    assert council.find("a:published", ns) is None
    flag = council.find("a:category[@term='estimated']", ns)
    assert flag.get("label") == "date estimée d’après le texte"
    assert council.findtext("a:updated", namespaces=ns).startswith("2024-06-01")
    assert market.findtext("a:published", namespaces=ns).startswith("2024-03-14")
    assert market.find("a:category[@term='estimated']", ns) is None
    english = ET.fromstring(client.get("/feed.atom?year=2024&lang=en").data)
    assert {c.get("label") for c in english.iter(f"{{{ns['a']}}}category")
            if c.get("term") == "estimated"} == {"date estimated from the text"}


def test_exports_carry_the_date_source_and_take_the_parameter(client):
    rows = list(csv.DictReader(io.StringIO(
        client.get("/export.csv?q=&year=2024").get_data().decode("utf-8-sig"))))
    assert {r["id"]: r["date_source"] for r in rows} == {COUNCIL.id: "text", MARKET.id: "page"}
    lines = client.get("/export.jsonl?year=2024&estimated=0").get_data(as_text=True).splitlines()
    assert [json.loads(line)["date_source"] for line in lines] == ["page"]
    rows = list(csv.DictReader(io.StringIO(
        client.get("/export.csv?year=2024&estimated=0").get_data().decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == [MARKET.id]

