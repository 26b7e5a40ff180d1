"""An organisation's page, `/organisation/<slug>`, and the organisations list: what a
researcher reads there, over the tiny real archive of the web tests."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from archive.articlefile import relative_path
from archive.indexing.facetstore import MAX_LAYERS
from archive.indexing.jobs import reindex
from archive.models import Article
from archive.search.stats import co_mentions, per_year, year_spans
from archive.web import create_app
from tests.webarchive import CEDEAO, SNEC, UNTM, build_archive

UNTM_PAGE = "/organisation/union-nationale-des-travailleurs-du-mali"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return create_app(build_archive(tmp_path_factory.mktemp("orgs"))).test_client()


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def test_the_page_gives_the_authority_entry(client):
    html = page(client, UNTM_PAGE + "?lang=fr")
    assert f"<h1>{UNTM} (UNTM)</h1>" in html
    assert "<dt>Sigle</dt><dd>UNTM</dd>" in html
    assert "<dt>Type</dt><dd>syndicat</dd>" in html and "<dt>Pays</dt><dd>Mali</dd>" in html
    cedeao = page(client, "/organisation/communaute-economique-des-etats-de-l-afrique-de-l-ouest")
    assert "<dt>Autres noms</dt><dd>Cedeao · Cédéao · ECOWAS · Economic Community of West " \
           "African States</dd>" in cedeao  # its English names too
    assert "<dd>organisation régionale</dd>" in cedeao and "<dd>international</dd>" in cedeao


def test_the_page_gives_first_and_last_mention_newspapers_and_latest_articles(client):
    html = page(client, UNTM_PAGE + "?lang=fr")
    assert "4 articles" in html
    assert re.search(r"première mention\u202f: <a href=\"/article/greve-des-enseignants-a-bamako\">"
                     r"<time datetime=\"2019-07-05\">5 juillet 2019</time>", html)
    assert re.search(r"dernière mention\u202f: <a href=\"/article/rentree-scolaire-sous-tension\">"
                     r"<time datetime=\"2021-10-04\">4 octobre 2021</time>", html)
    papers = re.search(r'<section aria-labelledby="h-papers">.*?</section>', html, re.S)[0]
    assert '<span class="pub">Le Quotidien d’essai</span></a> <span class="count">2</span>' \
        in papers
    latest = re.search(r'<section aria-labelledby="h-latest">.*?</section>', html, re.S)[0]
    assert re.findall(r'<h3[^>]*><a href="/article/([a-z0-9-]+)[?"]', latest) == [
        "rentree-scolaire-sous-tension", "greve-dans-les-hopitaux", "ecoles-fermees-a-kayes",
        "greve-des-enseignants-a-bamako"]


def test_co_mentions_are_counted_and_each_links_to_the_joint_search(client):
    html = page(client, UNTM_PAGE)
    block = re.search(r'<section aria-labelledby="h-with">.*?</section>', html, re.S)[0]
    found = re.findall(r'<li><a href="([^"]+)">([^<]+)</a> <span class="count">(\d+)</span>',
                       block)
    assert [(name.replace("&#39;", "'"), n) for _href, name, n in found] == [(SNEC, "2")]
    joint = parse_qs(urlsplit(found[0][0].replace("&amp;", "&")).query)
    assert joint == {"organisation": [UNTM, SNEC], "all": ["organisation"]}
    results = page(client, unquote(found[0][0].replace("&amp;", "&")))
    assert sorted(re.findall(r'<h3[^>]*><a href="/article/([a-z0-9-]+)[?"]', results)) == [
        "greve-des-enseignants-a-bamako", "rentree-scolaire-sous-tension"]


def test_a_co_mention_link_finds_the_articles_it_counts_not_those_naming_it_in_their_text(
        tmp_path):
    """The count is of articles filed under both; the link searched `org:SNEC`, which also
    finds the acronym in a text filed under UNTM alone (the shared corpus's AFP page: Union
    européenne counted 19, found 20; Nations unies 10 and 12)."""
    config = build_archive(tmp_path, [
        meeting("reunion-a", "2020-03-02", UNTM, SNEC),
        Article(id="reunion-e", title="Réunion e", date="2020-03-03", organisations=(UNTM,),
                body="Les délégués se sont réunis ; le SNEC était absent.")])
    client = create_app(config).test_client()
    block = re.search(r'<section aria-labelledby="h-with">.*?</section>',
                      page(client, UNTM_PAGE), re.S)[0]
    href, count = re.search(r'<li><a href="([^"]+)">[^<]+</a> <span class="count">(\d+)</span>',
                            block).groups()
    results = page(client, href.replace("&amp;", "&"))
    assert re.findall(r'<h3[^>]*><a href="/article/([a-z0-9-]+)[?"]', results) == ["reunion-a"]
    assert count == "1"
    assert len(re.findall(r'<h3[^>]*><a href="/article/', page(
        client, f"/search?q=org:SNEC&organisation={UNTM}"))) == 2  # the text names it too


def test_an_organisation_typed_by_hand_by_its_acronym_or_in_lowercase_is_filed_under_its_entry(
        tmp_path):
    """A red team: an article file saying `organisations: [UNTM]` (or `cedeao`) was filed
    under a value of its own, which the CEDEAO page counted as "cited with" and its link never
    found. Each is filed under the authority file's name, as the workspace and the import do."""
    config = build_archive(tmp_path, [
        meeting("reunion-a", "2020-03-02", UNTM, CEDEAO),
        meeting("reunion-b", "2020-03-03", "UNTM", "cedeao"),
        meeting("reunion-c", "2020-03-04", "union nationale des travailleurs du mali")])
    client = create_app(config).test_client()
    html = page(client, UNTM_PAGE)
    assert "3 articles" in html
    block = re.search(r'<section aria-labelledby="h-with">.*?</section>', html, re.S)[0]
    href, count = re.search(r'<li><a href="([^"]+)">[^<]+</a> <span class="count">(\d+)</span>',
                            block).groups()
    assert count == "2" and len(re.findall(r'<h3[^>]*><a href="/article/', page(
        client, href.replace("&amp;", "&")))) == 2


MANY = [f"Coopérative {n}" for n in range(MAX_LAYERS + 3)]  # past the dense facet layers


def meeting(slug: str, date: str, *orgs: str) -> Article:
    """An article citing these organisations."""
    return Article(id=slug, title=f"Réunion {slug}", body="Les délégués se sont réunis.",
                   date=date, organisations=orgs)


def test_co_mentions_count_live_articles_only_with_every_organisation_they_cite(tmp_path):
    many = MANY
    deleted = meeting("reunion-b", "2020-03-02", SNEC, UNTM)
    config = build_archive(tmp_path, [
        meeting("reunion-a", "2020-03-02", UNTM, SNEC), deleted,
        meeting("reunion-c", "2020-03-02", *many[:5], UNTM, *many[5:]),
        meeting("reunion-d", "2020-03-02", SNEC, CEDEAO)])
    found = {c.value: c.count for c in co_mentions(config.index_dir, "organisation", UNTM,
                                                    config)}
    assert found == {SNEC: 2, **{name: 1 for name in many}}

    (config.articles_dir / relative_path(deleted)).unlink()  # deleted, still in its segment
    reindex(config)
    found = {c.value: c.count for c in co_mentions(config.index_dir, "organisation", UNTM,
                                                    config)}
    assert found == {SNEC: 1, **{name: 1 for name in many}}
    assert co_mentions(config.index_dir, "organisation", "Inconnue", config) == []


def test_years_of_each_organisation_count_live_articles_only(tmp_path):
    many = MANY
    gone = meeting("reunion-1998", "1998-05-04", *many)
    config = build_archive(tmp_path, [
        meeting("reunion-2019", "2019-07-05", UNTM, *many), gone,
        meeting("reunion-2020", "2020-01-10", UNTM),
        meeting("reunion-2020-b", "2020-02-11", UNTM)])
    table = per_year(config.index_dir, "organisation", config)
    assert table[UNTM] == {2019: 1, 2020: 2}
    assert [table[name] for name in many] == [{1998: 1, 2019: 1}] * len(many)
    spans = year_spans(config.index_dir, "organisation", config)
    assert [spans[name] for name in many] == [(1998, 2019)] * len(many)

    (config.articles_dir / relative_path(gone)).unlink()  # deleted, still in its segment
    reindex(config)
    table = per_year(config.index_dir, "organisation", config)
    assert [table[name] for name in many] == [{2019: 1}] * len(many)
    spans = year_spans(config.index_dir, "organisation", config)
    assert [spans[name] for name in many] == [(2019, 2019)] * len(many)


def test_the_page_draws_its_trend_and_links_to_the_trends_page(client):
    html = page(client, UNTM_PAGE + "?lang=fr")
    svg = re.search(r"<svg viewBox=\"0 0 480 260\" role=\"img\".*?</svg>", html, re.S)[0]
    assert "<title id=\"trend-title\">Articles par an, pour 1 000 articles de l’année</title>" \
        in svg
    assert 'href="/tendances?s=org:UNTM"' in html
    assert "<th scope=\"row\">2019</th><td>2</td><td>2</td><td>1\u202f000</td>" in html


def test_an_unknown_slug_is_404_and_english_is_on_request(client):
    assert "Il n’y a pas d’organisation à cette adresse." in page(
        client, "/organisation/nulle-part?lang=fr", 404)
    english = page(client, UNTM_PAGE + "?lang=en")
    assert "<dt>Kind</dt><dd>trade union</dd>" in english
    assert "first mention: <a" in english and "July 5, 2019" in english
    assert 'href="/trends?s=org:UNTM"' in english


@pytest.mark.parametrize("typed", ["UNTM", "untm", "cedeao", "ECOWAS", "economic community"])
def test_the_organisations_list_shows_acronyms_and_its_filter_finds_acronyms_and_aliases(
        client, typed):
    html = page(client, f"/organisations?filter={typed}&lang=fr")
    expected = f"{UNTM} (UNTM)" if "untm" in typed.lower() else \
        f"{CEDEAO.replace(chr(39), '&#39;')} (CEDEAO)"
    assert f"{expected}</a>" in html
    assert html.count('<li><a href="/search?organisation=') == 1


def test_the_facet_the_list_and_the_article_link_to_the_organisation_page(client):
    # (no "Fiche de Agence France-Presse": the name follows a colon, whatever its first letter)
    link = f'href="{UNTM_PAGE}" aria-label="Fiche\u202f: {UNTM}">fiche</a>'
    assert link in page(client, "/search?q=école&lang=fr")
    assert link in page(client, "/organisations")
    assert link in page(client, "/article/ecoles-fermees-a-kayes")
    facet = re.search(r'<section aria-labelledby="f-organisation">.*?</section>',
                      page(client, "/search?q=école"), re.S)[0]
    assert re.search(r'href="/tendances\?s=org:UNTM&amp;s=org:SNEC&amp;',
                     facet)


def test_every_kind_of_the_authority_file_reads_in_both_languages() -> None:
    from archive.organisations import KINDS
    from archive.web.i18n import Translator, load_translations
    from archive.web.researchpages import KINDS as LABELS

    assert set(LABELS) == KINDS
    french = Translator("fr", load_translations())
    untranslated = [k for k, label in LABELS.items() if french.gettext(label) == label]
    assert untranslated == []
    assert (french.gettext(LABELS["sport"]), LABELS["sport"]) == ("organisation sportive",
                                                                  "sport body")
    assert french.gettext(LABELS["university"]) == "université"


def test_a_renamed_body_shows_its_dates_its_predecessor_and_a_search_over_both(tmp_path):
    from archive.models import Article

    oua, ua = "Organisation de l'unité africaine", "Union africaine"
    articles = [
        Article(id="sommet-d-alger", title="Le sommet de l'OUA s'ouvre à Alger",
                body="Les chefs d'État de l'Organisation de l'unité africaine sont réunis.",
                date="1999-07-12", organisations=(oua,)),
        Article(id="sommet-de-malabo", title="L'Union africaine réunie à Malabo",
                body="Le sommet de l'Union africaine s'est ouvert dimanche.",
                date="2014-06-26", organisations=(ua,)),
    ]
    client = create_app(build_archive(tmp_path, articles)).test_client()
    html = page(client, "/organisation/union-africaine?lang=fr")
    assert "<dt>Depuis</dt><dd>9 juillet 2002</dd>" in html
    assert ('<dt>Auparavant</dt><dd><a href="/organisation/organisation-de-l-unite-africaine">'
            "Organisation de l&#39;unité africaine</a></dd>") in html
    older = page(client, "/organisation/organisation-de-l-unite-africaine?lang=fr")
    assert "<dt>Jusqu’à</dt><dd>9 juillet 2002</dd>" in older
    assert '<dt>Remplacée par</dt><dd><a href="/organisation/union-africaine">' in older
    link = re.search(r'<a href="([^"]+)">Ses articles et ceux de ses prédécesseurs', html)
    results = page(client, link.group(1).replace("&amp;", "&"))
    found = re.findall(r'<h3[^>]*><a href="/article/([a-z0-9-]+)[?"]', results)
    assert sorted(found) == ["sommet-d-alger", "sommet-de-malabo"]
    alone = page(client, "/search?organisation=Union+africaine")
    assert re.findall(r'<h3[^>]*><a href="/article/([a-z0-9-]+)[?"]', alone) == ["sommet-de-malabo"]
