"""Trends: articles per year of up to four organisations or queries, as counts and per 1,000
of the year's articles, drawn as an SVG chart without JavaScript, with a table and a CSV."""

from __future__ import annotations

import csv
import io
import re
import time

import pytest

from archive.errors import QueryError
from archive.search import SearchRequest
from archive.search.stats import trend
from archive.web import create_app
from archive.web.trendchart import chart, nice_step, year_step
from tests.webarchive import build_archive


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("trends"))


@pytest.fixture
def client(config):
    return create_app(config).test_client()


def test_counts_and_shares_per_year_on_the_archive_years(config):
    found = trend(config.index_dir, [("UNTM", SearchRequest("UNTM")),
                                     ("grève", SearchRequest("grève"))], config)
    assert found.years == [2018, 2019, 2020, 2021, 2022]
    assert found.totals == [1, 2, 1, 2, 1]
    untm, greve = found.series
    assert untm.counts == [0, 2, 1, 1, 0] and untm.per_mille == [0.0, 1000.0, 1000.0, 500.0, 0.0]
    assert greve.counts == [0, 1, 1, 0, 0] and greve.total == 2


def test_a_trend_is_one_page_under_one_time_limit(config):
    # Each series used to get the whole limit: four searches too broad to match in time made a
    # page of four times the limit. Past the page's deadline, a series that has its first word
    # read (always read) stops before its second, and the page is refused with advice.
    series = [("UNTM", SearchRequest("UNTM")),
              ("grève enseignants", SearchRequest("grève enseignants"))]
    assert trend(config.index_dir, series, config,
                 deadline=time.perf_counter() + 60).series[1].total == 1
    with pytest.raises(QueryError) as refused:
        trend(config.index_dir, series, config, deadline=time.perf_counter() - 1)
    assert refused.value.code == "too_broad_in_time"


def test_the_chart_keeps_series_apart_without_colour():
    assert nice_step(1000) == 500 and nice_step(7) == 2 and year_step(5) == 1
    assert year_step(60) == 5 and year_step(150) == 20


def test_the_page_draws_an_accessible_svg_with_a_table_and_a_csv(client):
    html = client.get("/tendances?s=UNTM&s=grève&lang=fr").get_data(as_text=True)
    svg = re.search(r"<svg viewBox=\"0 0 480 260\" role=\"img\" "
                    r"aria-labelledby=\"trend-title trend-desc\">.*?</svg>", html, re.S)[0]
    assert "<desc id=\"trend-desc\">Une ligne par série, de 2018 à 2022\u202f: UNTM (4 articles);" \
           " grève (2 articles)." in svg
    assert 'stroke-dasharray="6 4"' in svg and "<rect x=" in svg  # dashes and square markers
    assert re.findall(r'<text x="[\d.]+" y="[\d.]+" text-anchor="middle">(\d+)</text>', svg) == [
        "2018", "2019", "2020", "2021", "2022"]
    assert '<ul class="legend">' in html and html.count('<svg class="swatch"') == 2
    assert "<th scope=\"row\">2021</th><td>2</td><td>1</td><td>500</td><td>0</td><td>0</td>" in html
    assert 'href="/tendances.csv?s=UNTM&amp;s=gr%C3%A8ve"' in html
    download = client.get("/tendances.csv?s=UNTM&s=grève")
    # written as every export: BOM, quoted cells, named after what it measures
    assert 'filename="archive-tendance-untm-greve.csv"' in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig")),
                           delimiter=","))
    assert rows[0] == ["year", "all articles", "articles: UNTM", "per 1000: UNTM",
                       "articles: grève", "per 1000: grève"]
    assert rows[2] == ["2019", "2", "2", "1000.0", "1", "500.0"]
    hostile = client.get("/tendances.csv?s==1%2B1").get_data().decode("utf-8-sig")
    assert '"articles: =1+1"' in hostile.splitlines()[0]  # a label, never a leading "="
    assert "\"'=" not in hostile.splitlines()[0]


def test_counts_on_request_and_english_at_its_own_path(client):
    counts = client.get("/tendances?s=UNTM&measure=count").get_data(as_text=True)
    assert "<title id=\"trend-title\">Articles par an</title>" in counts
    english = client.get("/trends?s=UNTM&lang=en").get_data(as_text=True)
    assert "<h1>Trends</h1>" in english and "per 1,000 articles of the year" in english
    assert client.get("/trends.csv?s=UNTM").status_code == 200


def test_more_than_four_series_get_a_clear_message_not_a_500(client):
    response = client.get("/tendances?s=a1&s=b2&s=c3&s=d4&s=e5&lang=fr")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Une tendance compare au plus 4 organisations ou recherches\u202f; vous en avez " \
           "demandé 5." in html
    assert "<svg viewBox" not in html
    assert client.get("/tendances.csv?s=a&s=b&s=c&s=d&s=e").status_code == 404
    assert client.get("/tendances?s=*tion").status_code == 400  # a refused query: its message


def test_every_search_links_to_its_trend(client):
    html = client.get("/search?q=grève&organisation=Union nationale des travailleurs du Mali"
                      "&lang=fr").get_data(as_text=True)
    link = re.search(r'<a href="(/tendances\?[^"]+)">voir la tendance</a>', html)[1]
    assert link == "/tendances?s=(gr%C3%A8ve)+org:UNTM"
    followed = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "<th scope=\"row\">2019</th><td>2</td><td>1</td><td>500</td>" in followed


def test_an_empty_form_needs_no_javascript(client):
    html = client.get("/tendances").get_data(as_text=True)
    assert html.count('name="s"') == 4 and "<svg viewBox" not in html
    assert chart(trend(client.application.extensions["archive"].config.index_dir, [],
                       client.application.extensions["archive"].config), "share").lines == []


def test_the_language_switch_goes_to_the_twin_path(client):
    french = client.get("/tendances?s=UNTM&lang=fr").get_data(as_text=True)
    assert 'href="/trends?s=UNTM&amp;lang=en"' in french
    english = client.get("/newspapers?lang=en").get_data(as_text=True)
    assert 'href="/journaux?lang=fr"' in english
