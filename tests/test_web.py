"""The web front end through Flask's test client, over a tiny real index built here.

Each test reads like a visit: what a person (or a script) asks for, and what comes back.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from markupsafe import escape

from archive import articlefile, personnames
from archive.indexing.jobs import reindex
from archive.models import Article
from archive.web import citations, create_app, i18n
from tests.webarchive import ARTICLES, CEDEAO, HOSTILE_TITLE, SNEC, UNTM, build_archive

ROOT = Path(__file__).resolve().parents[1]
ENSEIGNANTS = "/article/greve-des-enseignants-a-bamako"


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("archive"), page_size=3)


@pytest.fixture
def client(config):
    return create_app(config).test_client()


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def hit_ids(html: str) -> list[str]:
    return re.findall(r'<h3[^>]*><a href="/article/([a-z0-9-]+)[?"]', html)


def links(html: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]*)"', html)]


def params_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# --- home and search ---------------------------------------------------------------------------


def test_home_shows_size_span_browse_entries_and_latest(client):
    html = page(client, "/")
    assert '<html lang="fr">' in html
    assert "8 articles, de 2018 à 2022." in html
    assert "/search?section=Soci%C3%A9t%C3%A9" in html
    assert "/search?year=2019" in html
    assert f"/search?organisation={UNTM.replace(' ', '+')}" in html
    assert hit_ids(html)[0] == "sommet-de-la-cedeao-a-accra"  # the newest first


@pytest.mark.parametrize("query", ["l'école", "l’école", "ecole", "L’ÉCOLE"])
def test_a_french_word_with_an_elision_finds_and_marks_it(client, query):
    html = page(client, f"/search?q={query}&sort=oldest")
    assert hit_ids(html) == ["piege-pour-le-navigateur", "greve-des-enseignants-a-bamako",
                             "ecoles-fermees-a-kayes"]  # page 1 of 2 (page_size 3)
    assert "<mark>école</mark>" in html
    assert "4 articles pour «\u202f" in html


def test_facet_links_add_and_remove_values_and_chips_remove_them(client):
    html = page(client, "/search?q=école")
    toggle = next(u for u in links(html) if params_of(u).get("organisation") == [SNEC])
    assert params_of(toggle)["q"] == ["école"]
    narrowed = page(client, toggle)
    assert 'class="on" aria-current="true"' in narrowed
    assert "2 articles pour" in narrowed
    chip = re.search(r'<ul class="chips".*?</ul>', narrowed, re.S).group(0)
    remove = links(chip)[0]
    assert "organisation" not in params_of(remove) and params_of(remove)["q"] == ["école"]
    assert "4 articles pour" in page(client, remove)


def test_two_organisations_are_ored_and_a_section_is_anded(client):
    both = page(client, f"/search?organisation={SNEC}&organisation={CEDEAO}")
    assert "3 articles" in both
    assert "1 article" in page(client, f"/search?organisation={SNEC}&organisation={CEDEAO}"
                                       "&section=International")


def test_histogram_is_inline_svg_with_links_and_a_table(client):
    html = page(client, "/search?q=grève")
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert 'role="group"' in svg and 'aria-labelledby="histo-cap"' in svg
    bars = re.findall(r'<a href="([^"]+)" aria-label="(\d{4})\u202f: ([^"]+)">', svg)
    assert [(y, n) for _, y, n in bars] == [("2019", "1 article"), ("2020", "1 article")]
    narrowed = page(client, bars[1][0].replace("&amp;", "&"))
    assert hit_ids(narrowed) == ["greve-dans-les-hopitaux"]
    table = re.search(r"<table>.*?</table>", html, re.S).group(0)
    assert "<td>2019</td>" not in table and ">2019</a></td><td>1</td>" in table



def test_the_histogram_says_how_many_articles_it_leaves_out_for_want_of_a_date(tmp_path):
    """886 articles for "gilets" on the corpus, 82 in the bars: nothing said the rest had no
    date, and a bar then kept a tenth of the results."""
    articles = [Article(id=f"greve-{n}", title=f"Grève {n}", body="La grève continue.",
                        date="2019-05-02" if n == 0 else None) for n in range(3)]
    client = create_app(build_archive(tmp_path, articles)).test_client()
    caption = re.search(r'<figcaption id="histo-cap">(.*?)</figcaption>',
                        page(client, "/search?q=grève"), re.S).group(1)
    assert caption.endswith("cette année. 2 articles sans date ne sont pas comptés ici.")
    english = page(client, "/search?q=grève&lang=en")
    assert "2 articles have no date and are not counted here." in english


def test_histogram_bars_scale_to_the_busiest_year_and_mark_the_chosen_one(client):
    def bars(html: str) -> list[tuple[str, ...]]:
        svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
        return re.findall(r'aria-label="([^"]*)"><title>([^<]*)</title><rect class="area" '
                          r'x="(\d+)" y="0" width="10" height="60"/><rect class="(b(?: on)?)" '
                          r'x="(\d+)" y="([\d.]+)" width="8" height="([\d.]+)"/>', svg)

    # two articles make a full bar (50 units, plus 2 so that one article still shows)
    assert bars(page(client, "/search?q=")) == [
        ("2018\u202f: 1 article", "2018\u202f: 1", "0", "b", "1", "33.0", "27.0"),
        ("2019\u202f: 2 articles", "2019\u202f: 2", "10", "b", "11", "8.0", "52.0"),
        ("2020\u202f: 1 article", "2020\u202f: 1", "20", "b", "21", "33.0", "27.0"),
        ("2021\u202f: 2 articles", "2021\u202f: 2", "30", "b", "31", "8.0", "52.0"),
        ("2022\u202f: 1 article", "2022\u202f: 1", "40", "b", "41", "33.0", "27.0")]
    assert bars(page(client, "/search?q=grève&year=2020")) == [
        ("2020\u202f: 1 article", "2020\u202f: 1", "0", "b on", "1", "8.0", "52.0")]
    assert bars(page(client, "/search?q=&lang=en"))[1][:2] == ("2019: 2 articles", "2019: 2")

def test_filters_hold_for_every_kind_of_query(client):
    # Ranked by relevance, a query of several words must still show only filtered hits.
    for query in ("grève OR école", "grève école", "grève"):
        data = client.get(f"/api/search?q={query}&year=2020").get_json()
        assert all(h["date"].startswith("2020") for h in data["hits"]), query
        assert len(data["hits"]) == data["total"], query


def test_date_range_sort_and_pagination(client):
    html = page(client, "/search?from=2019-07&to=2020&sort=oldest")
    assert hit_ids(html) == ["greve-des-enseignants-a-bamako", "ecoles-fermees-a-kayes",
                             "greve-dans-les-hopitaux"]
    newest = page(client, "/search?sort=newest")
    assert hit_ids(newest)[0] == "sommet-de-la-cedeao-a-accra"
    second = page(client, "/search?sort=newest&page=2")
    assert 'aria-current="page">2<' in second and 'rel="prev"' in second
    assert set(hit_ids(second)).isdisjoint(hit_ids(newest))
    beyond = page(client, "/search?sort=newest&page=9")
    assert "pas de résultat sur cette page" in beyond
    # "Previous" from past the end led to another empty page: it leads to the last one
    last = re.search(r'<p class="pageof">page 9 sur (\d+)', beyond).group(1)
    previous = re.search(r'<a rel="prev" href="([^"]+)"', beyond).group(1)
    assert f"page={last}" in previous and hit_ids(page(client, previous.replace("&amp;", "&")))
    fourth = page(client, "/search?sort=newest&page=4")
    assert 'aria-label="première page, 1">1</a>' in fourth  # the label says what is shown


def test_a_query_with_no_word_offers_no_relevance_order(client):
    # NOT alone or a span of years ranks nothing: newest first, and only the date orders offered
    for url in ("/search?q=-grève", "/search?q=ann%C3%A9e%3A2019-2020"):
        html = page(client, url)
        sort = re.search(r'<nav class="sort".*?</nav>', html, re.S).group(0)
        assert "pertinence" not in sort
        assert re.search(r'<strong aria-current="true">plus récents d’abord</strong>', sort)
    words = re.search(r'<nav class="sort".*?</nav>', page(client, "/search?q=grève"), re.S)
    assert re.search(r'<strong aria-current="true">pertinence</strong>', words.group(0))


def test_did_you_mean(client):
    html = page(client, "/search?q=enseigants")  # (a doubled letter is no misspelling now)
    assert "Vouliez-vous dire" in html and "?q=enseignants" in html


@pytest.mark.parametrize("url, message", [
    ("/search?page=0", "nombre entier à partir de 1"),
    ("/search?page=abc", "nombre entier à partir de 1"),
    ("/search?page=-2", "nombre entier à partir de 1"),
    ("/search?page=101", "s’arrêtent à la page 100"),
    ("/search?sort=popular", "Ordre de tri inconnu"),
    ("/search?from=2019-13-45", "n’est pas comprise"),
    ("/search?to=hier", "n’est pas comprise"),
    ("/search?from=2021&to=2019", "postérieure à la date de fin"),
    ("/search?year=deux-mille", "n’est pas une année"),
    ("/search?q=*tion", "ne peut pas commencer par *"),
    ("/search?q=en*", "au moins 3 lettres"),
    ("/search?q=le la de", "mots très courants"),
    ("/search?q=année:deux", "attend une année ou une période"),
    # a reversed range of years is refused as reversed dates are, and told how to write it
    ("/search?q=année:2019-2018", "écrivez année:2018-2019"),
    ("/api/search?q=grève année:2019-2018&lang=en", "write année:2018-2019"),
    ("/search?q=" + "mot " * 200, "trop longue"),
    ("/api/search?page=abc", "nombre entier"),
    ("/export.csv?sort=x", "Ordre de tri inconnu"),
    ("/organisations?page=zero", "nombre entier"),
])
def test_bad_parameters_and_guarded_queries_get_400_with_a_message(client, url, message):
    response = client.get(url)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert message in (response.get_json() or {}).get("error", text)
    assert "Traceback" not in text


@pytest.mark.parametrize("url, code, french, english", [
    ("/api/search?q=*tion", "wildcard_start",
     "Un mot ne peut pas commencer par *\u202f: mettez au moins 3 lettres devant, par exemple syndic*.",
     "A word cannot start with *: put at least 3 letters before it, e.g. syndic*."),
    ("/api/search?q=(grève", "query_not_understood",
     "La recherche n’a pas été comprise\u202f: vérifiez les guillemets et les parenthèses, ou tapez "
     "simplement des mots.",
     "The search could not be understood: check the quotes and parentheses, or use plain words."),
    ("/api/search?page=101", "page_over_limit",
     "Les résultats s’arrêtent à la page 100\u202f: affinez plutôt la recherche avec des filtres ou "
     "des dates.",
     "Results stop at page 100: narrow the search with filters or dates instead."),
    ("/api/search?from=hier", "date_not_understood",
     "La date «\u202fhier\u202f» n’est pas comprise\u202f: écrivez 2019, 2019-03 ou 2019-03-15.",
     "The date “hier” is not understood: write 2019, 2019-03 or 2019-03-15."),
    ("/export.csv?sort=foo", "unknown_sort",  # a CSV's script reads JSON, not a page
     None, "Unknown sort order: choose relevance, newest or oldest."),
    ("/export.xlsx?sort=foo", "unknown_sort", None, None),
    ("/api/search?page_size=abc", "page_size_not_whole", None, None),
    ("/api/search?page_size=1000", "page_size_over_limit", None, None),
    ("/api/search?q=🙂 ? %", "query_has_no_words",  # an emoji is no common word
     "La recherche ne contient aucun mot, seulement des signes ou des symboles : tapez un mot, "
     "par exemple grève.",
     "The search holds no word, only signs or symbols: type a word, e.g. grève."),
    ("/export.jsonl?q=le la de", "only_common_words",
     "La recherche ne contient que des mots très courants (le, la, de…)\u202f: ajoutez un mot plus "
     "précis.",
     "The search holds only very common words (le, la, de…): add a more specific word."),
])
def test_a_refused_search_is_worded_from_its_code_in_either_language(client, url, code, french,
                                                                      english):
    for lang, expected in (("fr", french), ("en", english)):
        response = client.get(f"{url}&lang={lang}")
        assert response.status_code == 400
        assert response.get_json()["code"] == code and response.get_json()["status"] == 400
        if expected is not None:
            assert response.get_json() == {"error": expected, "status": 400, "code": code}
    if url.startswith("/api/search") and english:  # the same on the error page (in English,
        # as the cookie says)
        assert str(escape(english)) in page(client, url.replace("/api/", "/"), 400)


def test_messages_follow_the_language(client):
    assert "whole number from 1" in page(client, "/search?page=0&lang=en", 400)
    assert "cannot start with *" in page(client, "/search?q=*tion", 400)  # cookie remembered


def test_an_english_page_marks_the_articles_french_words_as_french(client):
    """Screen readers read French titles and snippets with English sounds (WCAG 3.1.2)."""
    html = page(client, "/search?q=grève&lang=en")
    assert '<html lang="en"' in html
    hits = re.findall(r'<li class="hit">\s*<h3 lang="(\w+)">.*?<p class="snippet" lang="(\w+)">',
                      html, re.S)
    assert hits and all(pair == ("fr", "fr") for pair in hits)


def test_fixed_words_follow_each_language_asked_in_turn(client):
    # each fixed message is translated once per language and kept: never the other one's
    for lang, label, other in [("fr", "Filtres", "Filters"), ("en", "Filters", "Filtres"),
                               ("fr", "Filtres", "Filters"), ("en", "Filters", "Filtres")]:
        html = page(client, f"/search?q=grève&lang={lang}")
        assert f'aria-label="{label}"' in html and f'aria-label="{other}"' not in html


# --- article --------------------------------------------------------------------------------------


def test_article_page_links_cites_and_relates(client):
    html = page(client, ENSEIGNANTS)
    assert "<h1>Grève des enseignants à Bamako</h1>" in html
    assert '<time datetime="2019-07-05">5 juillet 2019</time>' in html
    assert "/search?author=Aminata+Kon%C3%A9" in html
    assert "/search?section=Soci%C3%A9t%C3%A9" in html
    assert "/search?organisation=Syndicat+national+de+l%27%C3%A9ducation+et+de+la+culture" in html
    assert html.count("<p>") >= 2  # the paragraphs of the body
    # the newspaper's title in italics, as French citation style sets it
    assert ("KONÉ Aminata, «\u202fGrève des enseignants à Bamako\u202f», "
            "<i>Le Quotidien d’essai</i>" in html)
    assert 'value="http://localhost/article/greve-des-enseignants-a-bamako"' in html
    assert 'href="https://journal.example/greve-enseignants" rel="nofollow' in html
    related = re.search(r'id="h-related".*?</section>', html, re.S).group(0)
    assert hit_ids(related) and "greve-des-enseignants-a-bamako" not in hit_ids(related)


def test_the_first_of_the_month_is_written_1er_in_french(client):
    assert '<time datetime="2018-05-01">1er mai 2018</time>' in page(
        client, "/article/piege-pour-le-navigateur")
    assert "May 1, 2018" in page(client, "/article/piege-pour-le-navigateur?lang=en")


def test_ris_and_bibtex_downloads(client):
    ris = client.get(ENSEIGNANTS + ".ris")
    assert ris.headers["Content-Disposition"].startswith("attachment;")
    text = ris.get_data(as_text=True)
    assert text.startswith("TY  - NEWS\r\n") and "AU  - Koné, Aminata\r\n" in text
    assert "DA  - 2019/07/05\r\n" in text and text.endswith("ER  - \r\n")
    bib = client.get(ENSEIGNANTS + ".bib").get_data(as_text=True)
    assert re.match(r"@article\{kone2019greve[0-9a-f]{8},", bib)
    assert "title = {{Grève des enseignants à Bamako}}" in bib and "date = {2019-07-05}" in bib


@pytest.mark.parametrize("byline, indexed, french", [
    # bylines of the shared corpus: cited as the authors' list sorts them
    ("Loïc Le Clerc", "Le Clerc, Loïc", "LE CLERC Loïc"),
    ("Géry De Maet", "De Maet, Géry", "DE MAET Géry"),
    ("S. Ould Ali", "Ould Ali, S.", "OULD ALI S."),
    ("M. EL BEY", "EL BEY, M.", "EL BEY M."),
    ("RAMDANE B.", "RAMDANE, B.", "RAMDANE B."),
    ("R. B.", "R. B.", "R. B."),
])
def test_citations_name_the_family_as_the_authors_list_does(byline, indexed, french):
    """The last word was taken as the family name: `Clerc, Loïc Le`, `B., RAMDANE`."""
    article = Article(id="a-1234abcd", title="T", body="b", date="2019", author=(byline,))
    assert personnames.index_form(byline) == indexed
    assert f"AU  - {indexed}\r\n" in citations.ris(article, "p", "Archives")
    assert f"author = {{{indexed}}}" in citations.bibtex(article, "p", "Archives")
    assert citations.english_citation(article, "p", "Archives").startswith(indexed)
    assert citations.french_citation(article, "p", "Archives").startswith(french + ", «")


@pytest.mark.parametrize("byline", [
    "Agence France-Presse", "The Wall Street Journal", "Organisation mondiale de la santé",
    "La rédaction"])
def test_a_byline_naming_a_body_is_cited_whole_as_a_corporate_author(byline):
    """Cited as a person it read `Journal, The Wall Street`, `JOURNAL The Wall Street`."""
    article = Article(id="a-1234abcd", title="T", body="b", date="2019", author=(byline,))
    assert personnames.index_form(byline) == byline
    assert f"AU  - {byline}\r\n" in citations.ris(article, "p", "Archives")
    # braces: BibTeX never splits it into family and given names
    assert f"author = {{{{{byline}}}}}" in citations.bibtex(article, "p", "Archives")
    assert citations.english_citation(article, "p", "Archives").startswith(byline + ". “T.”")
    assert citations.french_citation(article, "p", "Archives").startswith(byline + ", «")


def test_citation_keys_are_unique_and_chicago_writes_no_doubled_stop():
    """1,247 of the corpus's 2,330 articles shared a BibTeX key (`anonndgilets`, 155)."""
    one, two = (Article(id=f"les-gilets-jaunes-{d}", title="Les gilets jaunes ?", body="b")
                for d in ("9fc6fe54", "cd31ebb7"))
    keys = {citations.bibtex_key(a) for a in (one, two)}
    assert keys == {"anonndgilets9fc6fe54", "anonndgiletscd31ebb7"}
    chicago = citations.english_citation(one, "http://localhost/article/x", "Archives")
    assert "“Les gilets jaunes ?” n.d. Accessed" in chicago and ".." not in chicago


def test_citations_escape_and_refuse_non_web_links():
    hostile = Article(id="x", title="100 % {fin} \\ } @", body="b", url="javascript:alert(1)",
                      date="2020", author=("Awa Sy",))
    bib = citations.bibtex(hostile, "http://localhost/article/x", "Archives")
    assert r"title = {{100 \% \{fin\} \textbackslash{} \} @}}" in bib
    assert "javascript" not in bib and "javascript" not in citations.ris(hostile, "p", "A")
    assert citations.web_url("javascript:alert(1)") is None
    assert citations.web_url("HTTPS://ok.example/a") == "HTTPS://ok.example/a"
    assert citations.web_url("https://ok.example/a b") is None


def test_unknown_articles_are_404_in_html_and_json(client):
    assert "Aucun article à cette adresse" in page(client, "/article/nexiste-pas", 404)
    assert "Page introuvable" in page(client, "/article/NOT_AN_ID", 404)
    response = client.get("/api/article/nexiste-pas")
    assert response.status_code == 404 and response.get_json()["status"] == 404


# --- browse lists -------------------------------------------------------------------------------


def test_browse_lists_every_value_with_counts(client):
    html = page(client, "/organisations")
    assert f"{UNTM} (UNTM)</a> <span class=\"count\">4</span>" in html  # with its acronym
    assert "5 valeurs" in html
    assert 'aria-label="Initiale"' in html and '<label for="filter">' in html
    filtered = page(client, "/organisations?filter=education")
    assert "Syndicat national de l&#39;éducation" in filtered and UNTM not in filtered
    lettered = page(client, "/organisations?letter=C")
    assert CEDEAO.replace("'", "&#39;") in lettered and UNTM not in lettered
    assert "2 valeurs à la lettre C, sur 5" in lettered  # the count is the letter's
    years = page(client, "/years")
    assert years.index(">2022<") < years.index(">2018<")
    assert "Économie</a>" in page(client, "/sections")
    within = page(client, "/authors?q=grève")
    assert "Koné, Aminata</a> <span class=\"count\">2</span>" in within  # listed by surname
    assert "Diarra, Issa" not in within


# --- machine-readable -----------------------------------------------------------------------------


def test_api_pages_are_those_a_script_may_ask_for(client):
    """`pages` promised pages past `page_max`, which then answered 400; `page_size` was
    ignored."""
    everything = client.get("/api/search?page_size=1").get_json()
    assert everything["page_size"] == 1 and len(everything["hits"]) == 1
    assert everything["total"] > 1
    assert everything["pages"] == min(everything["total"], everything["page_max"])
    last = client.get(f"/api/search?page_size=1&page={everything['pages']}")
    assert last.status_code == 200 and len(last.get_json()["hits"]) == 1
    missing = client.get("/api/article/nexiste-pas").get_json()
    assert missing["code"] == "not_found"


def test_api_search_and_article(client):
    data = client.get("/api/search?q=école&organisation=" + UNTM).get_json()
    assert data["total"] == 3 and data["pages"] == 1
    assert {h["id"] for h in data["hits"]} == {"greve-des-enseignants-a-bamako",
                                               "ecoles-fermees-a-kayes",
                                               "rentree-scolaire-sous-tension"}
    assert [f for f in data["facets"]["organisation"] if f["value"] == UNTM][0]["selected"]
    assert {"year": 2019, "count": 2} in data["histogram"]
    article = client.get("/api/article/greve-des-enseignants-a-bamako").get_json()
    assert article["authors"] == ["Aminata Koné"] and article["date"] == "2019-07-05"
    assert article["permalink"].endswith("/article/greve-des-enseignants-a-bamako")


def test_csv_and_jsonl_exports_stream_the_whole_result_set(client):
    response = client.get("/export.csv?q=école")
    assert response.is_streamed and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert len(rows) == 4 == int(response.headers["X-Total-Count"])  # beyond one page of 3
    assert len({r["id"] for r in rows}) == 4  # no row repeated or skipped
    first = next(r for r in rows if r["id"] == "rentree-scolaire-sous-tension")
    assert first["authors"] == "Moussa Traoré ; Aminata Koné"
    lines = client.get("/export.jsonl?q=école").get_data(as_text=True).splitlines()
    assert len(lines) == 4
    assert json.loads(lines[0])["permalink"].startswith("http://localhost/article/")


def test_api_exports_and_command_line_give_an_article_the_same_record(client, config):
    """Field names and order are a promise to scripts; each output states the same values."""
    from click.testing import CliRunner

    from archive.cli import main

    url = "?q=enseignants&section=Société"
    hit = next(h for h in client.get("/api/search" + url).get_json()["hits"]
               if h["id"] == "greve-des-enseignants-a-bamako")
    article = client.get("/api/article/greve-des-enseignants-a-bamako").get_json()
    rows = list(csv.DictReader(io.StringIO(client.get("/export.csv" + url).get_data().decode(
        "utf-8-sig"))))
    row = next(r for r in rows if r["id"] == hit["id"])
    line = next(json.loads(text) for text in client.get("/export.jsonl" + url).get_data(
        as_text=True).splitlines() if json.loads(text)["id"] == hit["id"])
    printed = CliRunner().invoke(main, ["search", "enseignants", "--section", "Société", "--json",
                                        "--data", str(config.data_dir),
                                        "--index", str(config.index_dir)])
    shown = next(h for h in json.loads(printed.stdout)["hits"] if h["id"] == hit["id"])
    common = ["id", "title", "date", "section", "authors", "organisations", "publisher", "url"]
    assert list(hit) == [*common, "permalink", "snippet_html", "score", "date_source",
                         "newspaper"]
    assert list(article) == [*common, "language", "body", "permalink", "date_source", "related"]
    assert list(row) == list(line) == [*common, "permalink", "snippet", "date_source",
                                       "newspaper"]
    assert list(shown) == ["id", "title", "date", "section", "authors", "organisations",
                           "snippet_html", "score", "url", "publisher", "language", "date_source"]
    for name in [*common, "date_source"]:
        assert hit[name] == article[name] == line[name] == shown[name], name
        assert row[name] == (" ; ".join(hit[name]) if isinstance(hit[name], list)
                             else hit[name] or ""), name
    assert hit["permalink"] == article["permalink"] == row["permalink"] == line["permalink"]
    assert row["snippet"] == line["snippet"] and "<mark>" not in line["snippet"]
    assert hit["snippet_html"] == shown["snippet_html"] and "<mark>" in hit["snippet_html"]


def test_exports_stop_at_the_named_limit(tmp_path):
    config = build_archive(tmp_path, export_max_rows=2)
    response = create_app(config).test_client().get("/export.csv")
    assert response.headers["X-Export-Truncated"] == "true"
    assert len(response.get_data(as_text=True).strip().splitlines()) == 3  # header + 2


def test_csv_cells_never_start_a_formula(tmp_path):
    evil = Article(id="formule", title="=HYPERLINK(\"http://x\")", body="Un corps.",
                   date="2020-01-01")
    config = build_archive(tmp_path, [evil])
    text = create_app(config).test_client().get("/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text


def test_atom_feed_and_opensearch(client):
    response = client.get("/feed.atom?q=grève")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert titles == ["Grève dans les hôpitaux de Sikasso", "Grève des enseignants à Bamako"]
    self_link = feed.find("a:link[@rel='self']", ns).get("href")
    assert self_link.startswith("http://localhost/feed.atom?")
    assert params_of(self_link)["q"] == ["grève"]
    desc = ET.fromstring(client.get("/opensearch.xml").data)
    templates = [u.get("template") for u in desc]
    assert "http://localhost/search?q={searchTerms}" in templates


def test_healthz_names_the_generation_and_counts(client, config):
    data = client.get("/healthz").get_json()
    assert data["articles"] == 8 and data["generation"].startswith("gen-")


def test_no_index_gives_503_in_json_and_in_the_error_page(tmp_path):
    config = build_archive(tmp_path, [])
    (config.index_dir / "CURRENT").unlink()
    client = create_app(config).test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["status"] == 503
    html = page(client, "/", 503)
    assert "Archive indisponible" in html and str(config.index_dir) not in html


def test_each_request_reads_current_and_sees_a_new_generation(tmp_path):
    config = build_archive(tmp_path, ARTICLES[:2])
    client = create_app(config).test_client()
    before = client.get("/healthz").get_json()
    articlefile.write(config.articles_dir, ARTICLES[3])
    reindex(config)
    after = client.get("/healthz").get_json()
    assert (before["articles"], after["articles"]) == (2, 3)
    assert before["generation"] != after["generation"]


def test_article_pages_leave_no_file_open(client):
    page(client, ENSEIGNANTS)
    fds = len(os.listdir("/proc/self/fd"))
    for _ in range(30):
        page(client, ENSEIGNANTS)
    assert len(os.listdir("/proc/self/fd")) <= fds + 2


def test_archive_serve_prints_the_address_to_open_and_serves_it(config):
    command = [sys.executable, "-m", "archive", "serve", "--port", "0",
               "--config", str(config.source)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = server.stdout.readline()
        address = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        with urlopen(address + "healthz", timeout=10) as response:
            assert json.load(response)["articles"] == 8
        with urlopen(address + "search?q=%C3%A9cole", timeout=10) as response:
            assert "articles pour «\u202fécole\u202f»" in response.read().decode("utf-8")
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- safety ---------------------------------------------------------------------------------------

HOSTILE = ("<script>alert", "<img src=x", "<svg onload", "<i>Organisation", "<b>gras",
           "javascript:")


@pytest.mark.parametrize("url", [
    "/article/piege-pour-le-navigateur", "/search?q=pirates", "/search?section=Société",
    "/organisations", "/authors", "/", "/search?q=%22%3E%3Cscript%3Ealert(9)%3C/script%3E",
    "/search?q=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E*",
])
def test_hostile_titles_bodies_names_and_queries_are_escaped(client, url):
    response = client.get(url)
    html = response.get_data(as_text=True)
    for needle in HOSTILE:
        assert needle not in html, (url, needle)
    assert all(h.startswith(("/", "#", "http://", "https://", "data:,")) for h in links(html))


def test_hostile_article_shows_its_text_escaped(client):
    html = page(client, "/article/piege-pour-le-navigateur")
    assert "&lt;script&gt;alert(&#34;titre&#34;)&lt;/script&gt;" in html
    assert "&lt;b&gt;gras&lt;/b&gt; &amp; &#34;guillemets&#34;" in html
    assert 'href="https://journal.example/p?x=&#34;&gt;&lt;script&gt;' in html
    bib = page(client, "/article/piege-pour-le-navigateur.bib")
    assert "}" not in bib.split("title = {{", 1)[1].split("}},")[0]
    ET.fromstring(client.get("/feed.atom?q=pirates").data)  # still well-formed XML
    assert json.loads(page(client, "/api/article/piege-pour-le-navigateur"))["title"] \
        == HOSTILE_TITLE


@pytest.mark.parametrize("url", ["/", "/search?q=école", ENSEIGNANTS, "/static/style.css",
                                 "/api/search", "/nowhere", "/search?page=0", "/export.csv",
                                 "/feed.atom", "/healthz"])
def test_security_headers_on_every_response(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp  # no script at all
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_pages_need_no_inline_style_or_script(client):
    for url in ("/", "/search?q=école", ENSEIGNANTS, "/organisations", "/search?page=0"):
        html = client.get(url).get_data(as_text=True)
        assert "<script" not in html and " style=" not in html and "<style" not in html
        assert not re.search(r"<[^>]*\son[a-z]+=", html)


def test_results_page_weighs_under_60_kb_with_its_css(client):
    html = client.get("/search?q=école&organisation=" + UNTM).data
    css = client.get("/static/style.css").data
    assert len(html) + len(css) < 60_000
    assert "@media" in css.decode()  # the narrow-screen layout is in the stylesheet


def test_unexpected_errors_show_the_error_page_without_a_traceback(config):
    app = create_app(config)

    def broken():
        raise RuntimeError("secret internals /etc/passwd")

    app.add_url_rule("/broken", view_func=broken)
    response = app.test_client().get("/broken")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and "secret internals" not in html
    assert "Une erreur s’est produite de notre côté" in html


def test_too_many_requests_get_429_with_retry_after(tmp_path):
    config = build_archive(tmp_path, ARTICLES[:1], rate_limit_per_minute=3)
    client = create_app(config).test_client()
    statuses = [client.get("/search?q=grève").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/")
    assert int(response.headers["Retry-After"]) >= 1
    assert "Trop de requêtes" in response.get_data(as_text=True)
    assert client.get("/healthz").status_code == 200  # health checks are never throttled


# --- languages ------------------------------------------------------------------------------------


def test_english_on_request_remembered_and_the_switch_keeps_the_search(client):
    french = page(client, "/search?q=école&section=Société")
    switch = re.search(r'<a href="([^"]+)" hreflang="en"', french).group(1).replace("&amp;", "&")
    assert params_of(switch) == {"q": ["école"], "section": ["Société"], "lang": ["en"]}
    response = client.get(switch)
    english = response.get_data(as_text=True)
    assert '<html lang="en">' in english and "articles for “école”" in english
    assert "lang=en" in response.headers["Set-Cookie"]
    again = page(client, ENSEIGNANTS)  # no parameter: the cookie remembers
    assert '<html lang="en">' in again and "July 5, 2019" in again
    back = re.search(r'<a href="([^"]+)" hreflang="fr"', again).group(1).replace("&amp;", "&")
    assert "5 juillet 2019" in page(client, back)
    assert '<html lang="fr">' in page(client, "/")


@pytest.mark.parametrize("query, french, english", [
    ("« grève des enseignants »", "pour « grève des enseignants »",
     "for « grève des enseignants »"),
    ('"grève des enseignants"', "pour &#34;grève des enseignants&#34;",
     "for &#34;grève des enseignants&#34;"),
    ("grève des enseignants", "pour «\u202fgrève des enseignants\u202f»",
     "for “grève des enseignants”"),
])
def test_the_summary_quotes_the_query_once(client, query, french, english):
    """A phrase in quotes from end to end is named as typed, not quoted again (« « … » »)."""
    summary = re.compile(r'<p class="summary" role="status">(.*?)</p>', re.S)
    assert french in summary.search(page(client, f"/search?q={query}")).group(1)
    assert english in summary.search(page(client, f"/search?q={query}&lang=en")).group(1)


def test_unknown_languages_fall_back_to_french_and_links_stay_on_site(client):
    assert '<html lang="fr">' in page(client, "/?lang=de")
    html = page(client, "http://localhost//evil.example/x", 404)  # the path, on this host
    switch = re.search(r'<a href="([^"]+)" hreflang="en"', html).group(1)
    assert switch.startswith("/") and not switch.startswith("//")


def test_every_interface_string_has_a_french_translation():
    with open(i18n.po_path("fr"), "rb") as handle:
        catalog = read_po(handle, locale="fr")
    found = extract_from_dir(
        str(ROOT), method_map=[("archive/**.py", "python"), ("templates/**.html", "jinja2")],
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None})
    missing = []
    for _file, _line, message, *_ in found:
        key = message if isinstance(message, str) else message[0]
        entry = catalog.get(key)
        strings = [] if entry is None else (
            [entry.string] if isinstance(entry.string, str) else list(entry.string))
        if not strings or not all(strings):
            missing.append(key)
    assert not missing, f"untranslated: {missing}"


def test_searches_too_costly_to_answer_are_refused_in_the_visitor_language(tmp_path):
    config = build_archive(tmp_path / "a", search_time_limit=1e-9)
    client = create_app(config).test_client()
    html = page(client, "/search?q=grève OU école OU coton OU santé", 400)
    assert "Cette recherche est trop large pour répondre à temps" in html
    api = client.get("/api/search?q=grève OU école OU coton OU santé&lang=en")
    assert api.status_code == 400
    assert api.get_json()["error"].startswith("This search is too broad to answer in time")

    client = create_app(build_archive(tmp_path / "b", query_max_expansions=1)).test_client()
    html = page(client, "/search?q=éco*", 400)
    assert "Ce début de mot correspond à trop de mots" in html


# --- typography -----------------------------------------------------------------------------------

NNBSP = "\u202f"
PLAIN_SPACE_AT_PUNCTUATION = re.compile(r"[ \u00a0][:;!?»]|«[ \u00a0]")


def interface_text(html: str) -> str:
    """A page's visible text without what the archive's data says (titles, bodies, citations):
    the words the interface itself adds."""
    for part in (r'<ol class="hits".*?</ol>', r'<ul class="hits".*?</ul>',
                 r'<article class="full".*?</article>', r'<p class="citation".*?</p>',
                 r"<head>.*?</head>", r"<svg.*?</svg>"):
        html = re.sub(part, " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", "", html)


def test_the_french_catalogue_uses_narrow_no_break_spaces_at_punctuation():
    with open(i18n.po_path("fr"), "rb") as handle:
        catalog = read_po(handle, locale="fr")
    wrong = [m.id for m in catalog if m.id for s in (
        m.string if isinstance(m.string, tuple | list) else [m.string])
        if s and PLAIN_SPACE_AT_PUNCTUATION.search(s)]
    assert wrong == []
    assert i18n.french_spacing("Rubrique : « Société » ; titre:grève ? https://x") == (
        f"Rubrique{NNBSP}: «{NNBSP}Société{NNBSP}»{NNBSP}; titre:grève{NNBSP}? https://x")


@pytest.mark.parametrize("url", [
    "/", "/search?q=école&section=Société&organisation=" + UNTM + "&from=2019&to=2020",
    "/search?q=enseignnants", ENSEIGNANTS, "/search?q=*tion", "/authors", "/nulle-part",
])
def test_french_pages_never_break_a_line_before_a_colon_or_inside_guillemets(client, url):
    html = client.get(url + ("&" if "?" in url else "?") + "lang=fr").get_data(as_text=True)
    text = interface_text(html)
    assert not PLAIN_SPACE_AT_PUNCTUATION.search(text), PLAIN_SPACE_AT_PUNCTUATION.search(
        text).string[max(0, PLAIN_SPACE_AT_PUNCTUATION.search(text).start() - 40):][:80]


def test_chips_suggestions_and_histogram_labels_follow_each_language(client):
    french = page(client, "/search?q=enseigants&section=Société&lang=fr")
    assert f"Rubrique{NNBSP}: Société" in french
    assert re.search(r"Vouliez-vous dire <a [^>]+>enseignants</a>\u202f\?", french)
    english = page(client, "/search?q=enseigants&section=Société&lang=en")
    assert "Section: Société" in english and NNBSP not in interface_text(english)
    assert re.search(r"Did you mean <a [^>]+>enseignants</a>\?", english)
    assert 'aria-label="2019: 1 article"' in page(client, "/search?q=enseignants&lang=en")


def test_newspaper_names_are_in_italics(client):
    # on the article page the name is also the link to the newspaper's articles
    assert 'class="pub">Le Quotidien d’essai</a>' in page(client, ENSEIGNANTS)
    assert ".pub,cite{font-style:italic}" in page(client, "/static/style.css")
    assert "<cite class=\"pub\">Le Quotidien d’essai</cite>" in page(client, "/search?q=grève")


def test_english_pages_cite_in_chicago_style_and_french_ones_in_french_press_style(client):
    import datetime as dt

    item = ARTICLES[0]
    link = "https://archive.example/article/" + item.id
    first = dt.date(2026, 12, 1)
    assert citations.english_citation(item, link, "Archives d'essai", first) == (
        "Koné, Aminata. “Grève des enseignants à Bamako.” Le Quotidien d’essai, section "
        "“Société”, July 5, 2019. Accessed December 1, 2026. "
        "https://journal.example/greve-enseignants. Archived at Archives d'essai, " + link + ".")
    french = citations.french_citation(item, link, "Archives d'essai", first)
    assert french.startswith(f"KONÉ Aminata, «{NNBSP}Grève des enseignants à Bamako{NNBSP}»")
    assert "(consulté le 1er décembre 2026" in french
    two = ARTICLES[4]  # two authors
    assert citations.english_citation(two, link, "A", first).startswith(
        "Traoré, Moussa, and Aminata Koné. “Rentrée scolaire sous tension.”")
    english = page(client, ENSEIGNANTS + "?lang=en")
    assert '<p class="citation" lang="en">Koné, Aminata. “Grève des enseignants' in english


# --- search help ----------------------------------------------------------------------------------

# What each documented example finds in the tiny archive (tests/webarchive.py).
HELP_FINDS = {
    "grève enseignants": {"greve-des-enseignants-a-bamako"},
    "\"grève des enseignants\"": {"greve-des-enseignants-a-bamako"},
    "grève OU école": {"greve-des-enseignants-a-bamako", "ecoles-fermees-a-kayes",
                       "greve-dans-les-hopitaux", "rentree-scolaire-sous-tension",
                       "piege-pour-le-navigateur"},
    "grève ET Bamako": {"greve-des-enseignants-a-bamako"},
    "grève SAUF hôpitaux": {"greve-des-enseignants-a-bamako"},
    "grève -hôpitaux": {"greve-des-enseignants-a-bamako"},
    "(grève OU école) année:2019": {"greve-des-enseignants-a-bamako", "ecoles-fermees-a-kayes"},
    "titre:grève": {"greve-des-enseignants-a-bamako", "greve-dans-les-hopitaux"},
    "auteur:Koné": {"greve-des-enseignants-a-bamako", "greve-dans-les-hopitaux",
                    "rentree-scolaire-sous-tension"},
    "org:UNTM": {"greve-des-enseignants-a-bamako", "ecoles-fermees-a-kayes",
                 "greve-dans-les-hopitaux", "rentree-scolaire-sous-tension"},
    "rubrique:Société": {"greve-des-enseignants-a-bamako", "ecoles-fermees-a-kayes",
                         "rentree-scolaire-sous-tension", "piege-pour-le-navigateur"},
    "journal:Quotidien": {"greve-des-enseignants-a-bamako", "ecoles-fermees-a-kayes"},
    "année:2019": {"greve-des-enseignants-a-bamako", "ecoles-fermees-a-kayes"},
    "année:2019-2021": {"greve-des-enseignants-a-bamako", "ecoles-fermees-a-kayes",
                        "greve-dans-les-hopitaux", "recolte-record-de-coton",
                        "rentree-scolaire-sous-tension"},
    "enseign*": {"greve-des-enseignants-a-bamako", "rentree-scolaire-sous-tension"},
    "enseignnants~": {"greve-des-enseignants-a-bamako", "rentree-scolaire-sous-tension"},
}


def _help_examples():
    from archive.web.queryhelp import TOPICS

    return [pytest.param(e, id=e.french) for topic in TOPICS for e in topic.examples]


@pytest.mark.parametrize("example", _help_examples())
def test_every_example_of_the_help_page_runs_as_documented(client, example):
    from archive.facets import registry

    if example.needs_prefix and not any(example.needs_prefix in f.prefixes for f in registry()):
        pytest.skip(f"{example.needs_prefix}: comes with the facet that declares it")
    queries = [example.french, example.english]
    if "grève -hôpitaux" in example.meaning:  # the minus sign the text mentions works too
        queries.append("grève -hôpitaux")
    for query in queries:  # the whole result set, beyond the pages of 3
        response = client.get("/export.jsonl", query_string={"q": query})
        assert response.status_code == 200, query
        found = {json.loads(line)["id"] for line in response.get_data(as_text=True).splitlines()}
        assert found == HELP_FINDS[example.french], query


def test_every_example_the_help_page_shows_finds_articles_of_the_archive_it_documents(
        tmp_path):
    """An archive without the demo's words (sentences of the shared corpus's "gilets jaunes"
    articles): the demo's examples found nothing there (on the whole corpus, 6 of 15 did:
    `auteur:Koné`, `org:UNTM`, `rubrique:Société`…). Each example is shown in words this
    archive holds, its field examples with its own most frequent values, in both languages."""
    config = build_archive(tmp_path, [
        Article(id="gilets-jaunes-opera", title="Les gilets jaunes à l'Opéra", date="2018-12-08",
                body="\"Le temps est pourri, le gouvernement aussi\", scandaient dans "
                     "l'après-midi une poignée de \"gilets jaunes\" remontant l'avenue de "
                     "l'Opéra, alors qu'une petite pluie fine commençait à tomber sur la "
                     "capitale.", author=("Lyès Menacer",), section="Monde",
                publisher="La Dernière Heure", organisations=("Agence France-Presse",)),
        Article(id="plan-de-securite", title="Le plan de sécurité du gouvernement",
                date="2019-01-10", section="Monde", publisher="La Dernière Heure",
                body="Le plan de sécurité « exceptionnel » du gouvernement est censé répondre "
                     "aux dizaines d'appels à manifester à Paris qui se concurrencent sur les "
                     "réseaux sociaux et prennent une tournure parfois très menaçante.")])
    client = create_app(config).test_client()
    for path in ("/aide", "/help"):
        html = page(client, path)
        shown = re.findall(r'<dt><a href="([^"]+)"><code>([^<]+)</code></a></dt>', html)
        assert len(shown) == 15, path
        for href, query in shown:
            found = client.get(href.replace("&amp;", "&") + "&sort=newest")
            assert found.status_code == 200 and hit_ids(found.get_data(as_text=True)), query
        queries = {query for _href, query in shown}
        assert {"auteur:&#34;Lyès Menacer&#34;", "rubrique:Monde", "gouvern*",
                "gouvernement SAUF Paris"} <= queries or path == "/help", queries
    assert "author:&#34;Lyès Menacer&#34;" in html and "section:Monde" in html


def test_the_help_page_documents_every_operator_in_both_languages(client):
    french = page(client, "/aide")
    assert '<html lang="fr">' in french and "<h1>Aide à la recherche</h1>" in french
    for token in ("OU", "ET", "SAUF", "\"grève des enseignants\"", "titre:", "auteur:", "org:",
                  "année:", "enseign*", "enseignnants~"):
        assert str(escape(token)) in french, token
    assert 'href="/search?q=grève+OU+école"'.replace("è", "%C3%A8").replace("é", "%C3%A9") in french
    assert 'href="/help?lang=en"' in french  # the language switch goes to the English twin
    english = page(client, "/help")
    assert '<html lang="en">' in english and "<h1>Search help</h1>" in english
    assert "<code>grève OR école</code>" in english and "<code>title:grève</code>" in english
    assert 'href="/aide?lang=fr"' in english


def test_the_help_is_linked_next_to_the_search_box_and_from_query_errors(client):
    assert '<a class="help" href="/aide">Comment chercher</a>' in page(client, "/?lang=fr")
    assert '<a class="help" href="/help">How to search</a>' in page(client, "/?lang=en")
    error = page(client, "/search?q=*tion&lang=fr", 400)
    assert 'href="/aide">Comment écrire une recherche' in error


# --- browse and navigation ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def one_per_page(tmp_path_factory):
    return create_app(build_archive(tmp_path_factory.mktemp("pages"), page_size=1)).test_client()


def test_the_pager_shows_the_last_page_and_page_x_of_y(one_per_page):
    first = page(one_per_page, "/search?sort=newest")
    pager = re.search(r'<nav class="pages".*?</nav>', first, re.S).group(0)
    assert "page 1 sur 8" in pager
    assert [params_of(u).get("page", ["1"])[0] for u in links(pager)] == ["2", "3", "8", "2"]
    assert "…" in pager and 'aria-label="dernière page, 8"' in pager
    middle = re.search(r'<nav class="pages".*?</nav>', page(one_per_page, "/search?sort=newest&page=5"),
                       re.S).group(0)
    assert "page 5 sur 8" in middle
    assert [params_of(u).get("page", ["1"])[0] for u in links(middle)] == [
        "4", "1", "3", "4", "6", "7", "8", "6"]
    english = page(one_per_page, "/search?sort=newest&page=8&lang=en")
    assert "page 8 of 8" in english and 'rel="next"' not in english


def test_two_values_of_one_facet_are_said_to_combine_with_or(client):
    html = page(client, f"/search?organisation={SNEC}&organisation={CEDEAO}&section=Société")
    chips = re.search(r'<ul class="chips".*?</ul>', html, re.S).group(0)
    assert re.search(r"Organisation\u202f: Syndicat national.*?</li>\s*<li class=\"or\">ou</li>\s*"
                     r"<li><a [^>]+><span class=\"vh\">Retirer le filtre </span>Organisation\u202f: "
                     r"Communauté", chips, re.S)
    assert chips.count('class="or"') == 1  # the section is ANDed: no "ou" before it
    assert "Les valeurs cochées ici se combinent avec «\u202fou\u202f»." in html
    assert "se combinent avec" not in page(client, f"/search?organisation={SNEC}")


def test_two_organisations_can_be_required_together_and_the_choice_undone(client):
    """A researcher ticks UNTM and the SNEC: either one (4 articles), or, following the link
    the filter offers, the articles filed under both (2), whose chips say "et"; the API and the
    exports take the same `all=`, and a facet of one value per article refuses it."""
    either = page(client, f"/search?organisation={UNTM}&organisation={SNEC}&sort=newest")
    assert shown_total(either) == 4
    offer = re.search(r'se combinent avec «\u202fou\u202f»\. <a href="([^"]+)">Seulement les '
                      r"articles qui les portent toutes</a>", either)
    both = page(client, offer.group(1).replace("&amp;", "&"))
    assert params_of(offer.group(1).replace("&amp;", "&"))["all"] == ["organisation"]
    assert hit_ids(both) == ["rentree-scolaire-sous-tension", "greve-des-enseignants-a-bamako"]
    chips = re.search(r'<ul class="chips".*?</ul>', both, re.S).group(0)
    assert '<li class="or">et</li>' in chips and ">ou<" not in chips
    # its trend is of articles citing both (a red team: it was either's, 7 against 3)
    trend = next(u for u in links(both) if u.startswith("/tendances"))
    assert params_of(trend)["s"] == ["org:UNTM org:SNEC"]
    assert params_of(next(u for u in links(either) if u.startswith("/tendances")))["s"] == [
        "(org:UNTM OU org:SNEC)"]
    undo = re.search(r'les articles qui les portent toutes\. <a href="([^"]+)">L’une ou '
                     r"l’autre</a>", both).group(1).replace("&amp;", "&")
    assert "all" not in params_of(undo) and shown_total(page(client, undo)) == 4
    # the `all=` of a link copied by hand works too; one value ticked is a plain filter
    assert shown_total(page(client, undo + "&all=organisation")) == 2
    single = page(client, f"/search?organisation={UNTM}&all=organisation")
    assert shown_total(single) == 4 and "se combinent" not in single
    api = client.get(f"/api/search?organisation={UNTM}&organisation={SNEC}&all=organisation")
    assert api.get_json()["total"] == 2
    export = client.get("/export.csv?organisation=UNTM&organisation=SNEC&all=organisation")
    assert len(list(csv.reader(io.StringIO(export.get_data(as_text=True))))) == 3
    assert "-toutes.csv" in export.headers["Content-Disposition"]
    refused = page(client, "/search?section=Société&section=Éducation&all=section", 400)
    assert "Un article n’a qu’une valeur pour «\u202fsection\u202f»" in refused
    assert "Unknown filter: genre." in page(client, "/search?all=genre&lang=en", 400)
    # the command line's name of the filter works in a URL too
    assert shown_total(page(client, f"/search?organisation={UNTM}&organisation={SNEC}"
                                    "&all=org")) == 2


def shown_total(html: str) -> int:
    """The number of articles a results page says it found."""
    return int(re.search(r'role="status">\s*(\d+) article', html).group(1))


def test_a_search_without_results_offers_tips_but_no_exports_nor_empty_filters(client):
    html = page(client, "/search?q=enseigants&section=Culture")
    assert "Vouliez-vous dire" in html
    assert "Conseils de recherche" in html and 'href="/aide"' in html
    assert "/export.csv" not in html and "/export.xlsx" not in html and "JSON Lines" not in html
    assert "Aucune dans ces résultats" not in html and 'id="f-author"' not in html
    assert "/search?q=enseigants" in html  # the same words without the filter
    with_results = page(client, "/search?q=enseignants")
    assert "/export.csv" in with_results and "Conseils de recherche" not in with_results


def test_an_article_links_back_to_the_results_it_came_from(client):
    results = page(client, "/search?q=école&sort=oldest&page=2")
    link = next(u for u in links(results) if u.startswith("/article/"))
    assert params_of(link)["back"] == ["/search?q=%C3%A9cole&sort=oldest&page=2"]
    article = page(client, link)
    assert '<p class="back"><a href="/search?q=%C3%A9cole&amp;sort=oldest&amp;page=2">' in article
    assert "Retour aux résultats" in article


@pytest.mark.parametrize("back", [
    "https://evil.example/search?q=x", "//evil.example/search", "/\\evil.example/search",
    "javascript:alert(1)", "/article/greve-des-enseignants-a-bamako", "/search?q=x#top",
    "/search?q=a\nb", " /search", "search?q=x", "/search" + "?q=x" * 600,
])
def test_a_back_link_leads_only_to_results_of_this_site(client, back):
    html = client.get(ENSEIGNANTS, query_string={"back": back}).get_data(as_text=True)
    assert 'class="back"' not in html


def test_the_histogram_labels_round_years_so_that_they_never_crowd():
    from archive.web.views import axis_labels

    def labelled(first, last):
        return [y for y, shown in axis_labels(list(range(first, last + 1))) if shown]

    assert labelled(2018, 2022) == [2018, 2019, 2020, 2021, 2022]
    assert labelled(1996, 2022) == [2000, 2005, 2010, 2015, 2020]
    assert labelled(1960, 2022) == [1960, 1970, 1980, 1990, 2000, 2010, 2020]
    assert labelled(1880, 2022) == [1900, 1950, 2000]
    assert labelled(2011, 2022) == [2012, 2014, 2016, 2018, 2020, 2022]


def test_the_histogram_axis_has_a_slot_per_year(client):
    html = page(client, "/search")
    axis = re.search(r'<div class="axis".*?</div>', html, re.S).group(0)
    assert re.findall(r'<span class="y">(\d{4})</span>', axis) == [
        "2018", "2019", "2020", "2021", "2022"]


def test_a_warmed_app_serves_its_pages_without_compiling_a_template(config, monkeypatch):
    """`archive serve` compiles every template before the first visitor (in gunicorn's master,
    for every worker): no visitor's page compiles one."""
    from archive.web.warmup import warm

    app = create_app(config)
    assert warm(app) == len(app.jinja_env.list_templates()) > 20

    def compile_again(*args, **kwargs):
        raise AssertionError(f"a template compiled during a request: {args[1:2]}")

    monkeypatch.setattr(app.jinja_env, "compile", compile_again)
    client = app.test_client()
    article = ARTICLES[0].id
    for url in ("/", "/search?q=grève", "/search?q=%22%22%22((", f"/article/{article}",
                "/organisation/union-nationale-des-travailleurs-du-mali", "/organisations",
                "/tendances?s=UNTM", "/aide", "/a-propos", "/nulle-part", "/atelier/connexion",
                "/?lang=en"):
        response = client.get(url)
        assert response.status_code in (200, 400, 404), (url, response.status_code)
        assert b"<html" in response.data, url
