"""The public site against an attacker (issue 15): slow and large requests, costly searches and
pages, amplified answers, hostile exports, foreign Host headers, hidden characters.

Each test sends what the attack sent, to the real app over a real tiny index (and to waitress,
as `archive serve` runs it, where the attack is on connections), with small limits so that it
takes seconds.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import random
import socket
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import main
from archive.errors import QueryError
from archive.models import Article
from archive.publishers import PublishersError, load_publishers
from archive.search import SearchRequest, search
from archive.web import create_app
from tests.conftest import CORPUS, require_shared
from tests.webarchive import ARTICLES, build_archive, served


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("hardening"), rate_limit_per_minute=10**9)


@pytest.fixture(scope="module")
def client(config):
    return create_app(config).test_client()


# --- Host header ----------------------------------------------------------------------------------


def test_any_host_is_refused_by_default_and_localhost_in_any_case_is_answered(config):
    app = create_app(config)  # trusted_hosts: [] as shipped
    client = app.test_client()
    response = client.get("/static//x", headers={"Host": "evil.example"})
    assert response.status_code == 400 and "Location" not in response.headers
    assert "evil.example" not in response.get_data(as_text=True)
    feed = client.get("/opensearch.xml", headers={"Host": "evil.example"})
    assert feed.status_code == 400 and b"evil.example" not in feed.data
    for host in ("localhost", "LOCALHOST", "LocalHost:8000"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host
    # the address `archive serve` binds to, at its port only
    from archive.web.app import allow_address

    allow_address(app, "127.0.0.1", 8123)
    assert client.get("/", headers={"Host": "127.0.0.1:8123"}).status_code == 200
    assert client.get("/", headers={"Host": "127.0.0.1:8124"}).status_code == 400


def test_configured_hosts_compare_case_insensitively_and_honour_ports(config):
    import dataclasses

    app = create_app(dataclasses.replace(config, trusted_hosts=("Archives.Example.ML",
                                                                ".presse.example:8443")))
    client = app.test_client()
    assert client.get("/", headers={"Host": "archives.example.ml"}).status_code == 200
    assert client.get("/", headers={"Host": "ARCHIVES.EXAMPLE.ML:443"}).status_code == 200
    assert client.get("/", headers={"Host": "www.presse.example:8443"}).status_code == 200
    assert client.get("/", headers={"Host": "www.presse.example:80"}).status_code == 400
    assert client.get("/", headers={"Host": "localhost"}).status_code == 400
    link = client.get("/feed.atom", headers={"Host": "Archives.Example.ML"}).get_data(as_text=True)
    assert "evil" not in link and "archives.example.ml" in link.lower()


# --- request bodies -------------------------------------------------------------------------------


def test_a_request_body_is_refused_with_413_before_the_route_says_405(client):
    response = client.post("/api/search", data=b"x" * 100_000)
    assert response.status_code == 413
    assert response.get_json()["status"] == 413 and response.get_json()["code"] == \
        "request_body_too_large"
    page = client.post("/search", data=b"x" * 100_000)
    assert page.status_code == 413 and "n’accepte pas de données" in page.get_data(as_text=True)
    assert client.post("/search", data=b"x" * 100).status_code == 405  # small: the usual 405


def test_waitress_answers_413_from_content_length_without_reading_the_body(config):
    with served(create_app(config)) as base:
        port = int(base.rsplit(":", 1)[1])
        started = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"POST /api/search HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Length: 400000000\r\n\r\n" + b"x" * 1000)
            answer = sock.recv(200)
        assert answer.startswith(b"HTTP/1.1 413"), answer
        assert time.perf_counter() - started < 2


# --- slow connections (waitress alone; nginx in front: test_production.py) ------------------------


def test_trickling_connections_do_not_lock_healthz_out(config):
    """101 sockets sending a partial request exhausted waitress's 100 connections: /healthz
    timed out for everyone. Now there is room for 500, and silent ones are closed."""
    import dataclasses

    quick = dataclasses.replace(config, limits=dataclasses.replace(config.limits,
                                                                   connection_idle_timeout=2))
    with served(create_app(quick)) as base:
        port = int(base.rsplit(":", 1)[1])
        slow = []
        try:
            for _ in range(120):
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                sock.sendall(b"GET /search?q=gr")  # never finished
                slow.append(sock)
            time.sleep(0.3)
            for _ in range(3):
                started = time.perf_counter()
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.settimeout(1)
                    sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                                 "Connection: close\r\n\r\n".encode())
                    assert sock.recv(20).startswith(b"HTTP/1.1 200")
                assert time.perf_counter() - started < 1
            # connection_idle_timeout (2 s here): the silent ones are closed by the server
            time.sleep(4.5)
            slow[0].settimeout(1)
            assert slow[0].recv(100) == b""
        finally:
            for sock in slow:
                sock.close()


# --- response amplification -----------------------------------------------------------------------


def test_many_filter_values_across_facets_get_a_clear_400_on_every_route(client):
    query = "&".join([f"section=S{i}" for i in range(10)] + [f"author=A{i}" for i in range(10)]
                     + [f"organisation=O{i}" for i in range(10)])
    for route in ("/search", "/api/search", "/export.csv", "/feed.atom", "/authors",
                  "/no-such-page"):
        response = client.get(f"{route}?{query}")
        assert response.status_code == 400, route
        text = response.get_data(as_text=True)
        assert "20 au plus" in text and "Traceback" not in text


def test_the_largest_request_allowed_gives_a_bounded_page(client):
    value = "x" * 299
    query = "&".join([f"section={value}{i}" for i in range(7)] + [f"author={value}{i}"
                                                                   for i in range(7)]
                     + [f"organisation={value}{i}" for i in range(6)]) + "&q=" + "é" * 400
    response = client.get(f"/search?{query}")
    assert response.status_code == 200
    # 50 values per facet made a 6 MB page from 16 KB (380×): now at most 20 values in all
    assert len(response.data) < 1_500_000, len(response.data)


# --- searches that expand ----------------------------------------------------------------------


def _lexicon(count: int) -> list[str]:
    letters, vowels = "bcdfglmnprstv", "aeiou"
    words = ("".join(w) for w in itertools.product(letters, vowels, letters, vowels, letters,
                                                   vowels))
    return list(itertools.islice(words, count))


@pytest.fixture(scope="module")
def lexicon_archive(tmp_path_factory):
    """20,000 distinct words in 20 articles: 32 fuzzy words took 1.4 s here unbounded."""
    words = _lexicon(20_000)
    articles = [Article(id=f"lexique-{i}", title=f"Lexique {i}", body=" ".join(words[i::20]),
                        date="2020-01-01") for i in range(20)]
    config = build_archive(tmp_path_factory.mktemp("lexicon"), articles)
    rng = random.Random(15)
    fuzzy = " ".join(rng.choice(words)[:-1] + "x~" for _ in range(32))
    return config, fuzzy


def test_fuzzy_words_are_refused_at_the_time_limit(lexicon_archive):
    import dataclasses

    config, fuzzy = lexicon_archive
    limits = dataclasses.replace(config.limits, search_time_limit=0.15,
                                 query_max_expanded_words=10**6)
    bounded = dataclasses.replace(config, limits=limits)
    started = time.perf_counter()
    with pytest.raises(QueryError) as refused:
        search(config.index_dir, SearchRequest(query=fuzzy), bounded)
    assert refused.value.code == "too_broad_in_time"
    assert time.perf_counter() - started < 0.6


def test_fuzzy_and_prefix_words_share_one_budget_of_expanded_words(lexicon_archive):
    import dataclasses

    config, fuzzy = lexicon_archive
    limits = dataclasses.replace(config.limits, query_max_expanded_words=40,
                                 search_time_limit=30.0)
    bounded = dataclasses.replace(config, limits=limits)
    with pytest.raises(QueryError) as refused:
        search(config.index_dir, SearchRequest(query=fuzzy), bounded)
    assert refused.value.code == "too_many_expansions"
    # each prefix alone (about 65 words) is under the budget and under query_max_expansions;
    # together they pass the budget
    wider = dataclasses.replace(config, limits=dataclasses.replace(
        limits, query_max_expanded_words=100))
    with pytest.raises(QueryError) as refused:
        search(config.index_dir, SearchRequest(query="baba* babe* 2020"), wider)
    assert refused.value.code == "too_many_expansions"
    assert search(config.index_dir, SearchRequest(query="baba*"), wider).total >= 1
    assert search(config.index_dir, SearchRequest(query="babab*"), bounded).total >= 1
    app = create_app(bounded)
    response = app.test_client().get("/search?q=" + fuzzy)
    assert response.status_code == 400 and "trop de mots terminés par * ou ~" in \
        response.get_data(as_text=True)


@pytest.fixture(scope="module")
def common_words_archive(tmp_path_factory):
    """240 words (20 beginnings of 3 letters, 12 endings each), each in every one of 100
    articles: a prefix or fuzzy word of them stands for few words but many postings (24,000
    for all of them), over a budget of 10,000."""
    beginnings = ["".join(p) for p in itertools.product("bdf", "aiou", "bdfglmnprstv")][:20]
    words = [b + "".join(e) for b in beginnings for e in itertools.product("lnt", "aiou")]
    articles = [Article(id=f"commun-{i}", title=f"Article commun {i}", body=" ".join(words),
                        date="2020-01-01") for i in range(100)]
    root = tmp_path_factory.mktemp("common")
    config = build_archive(root, articles, query_max_expanded_postings=1,
                           rate_limit_per_minute=10**9)
    with open(root / "archive.yaml", "a", encoding="utf-8") as handle:
        handle.write("limits:\n  query_max_expanded_postings: 1\n")
    # every prefix of three letters the words begin with, and 32 of the words made fuzzy
    storms = {"prefixes": " ".join(f"{b}*" for b in beginnings),
              "fuzzy": " ".join(f"{w}~" for w in random.Random(3).sample(words, 32))}
    return root, config, storms


@pytest.mark.parametrize("storm", ["prefixes", "fuzzy"])
def test_a_storm_of_common_expansions_is_refused_by_its_postings(common_words_archive, storm):
    """Words that stand for few words (under query_max_expanded_words) but for many postings
    are refused before any postings are read, naming the limit; one of them still runs."""
    _root, config, storms = common_words_archive
    query = storms[storm]
    assert len(set(query.split())) <= config.limits.query_max_terms
    with pytest.raises(QueryError) as refused:
        search(config.index_dir, SearchRequest(query=query), config)
    assert refused.value.code == "expansions_too_common"
    assert "query_max_expanded_postings" in refused.value.message
    assert "fewer words ending in ~" in refused.value.message
    assert search(config.index_dir, SearchRequest(query=query.split()[0]), config).total == 100


def test_the_postings_budget_grows_with_the_archive(common_words_archive):
    """The same storm runs where the budget, per article, is large enough for it."""
    import dataclasses

    _root, config, storms = common_words_archive
    wider = dataclasses.replace(config, limits=dataclasses.replace(
        config.limits, query_max_expanded_postings=3))
    assert search(config.index_dir, SearchRequest(query=storms["prefixes"]), wider).total == 100


def test_a_storm_of_common_expansions_gets_400_and_its_message_everywhere(common_words_archive):
    root, config, storms = common_words_archive
    client = create_app(config).test_client()
    page = client.get("/search", query_string={"q": storms["fuzzy"]})
    assert page.status_code == 400
    assert "présents dans trop d’articles\u202f: employez moins" in page.get_data(as_text=True)
    english = client.get("/search", query_string={"q": storms["fuzzy"], "lang": "en"})
    assert english.status_code == 400
    assert "found in too many articles" in english.get_data(as_text=True)
    api = client.get("/api/search", query_string={"q": storms["prefixes"]})
    assert api.status_code == 400 and api.get_json()["code"] == "expansions_too_common"
    printed = CliRunner().invoke(main, ["--config", str(root / "archive.yaml"), "search",
                                        storms["prefixes"]])
    assert printed.exit_code == 1
    assert "query_max_expanded_postings" in printed.output


def test_archive_init_lists_the_new_limits(tmp_path):
    result = CliRunner().invoke(main, ["init", str(tmp_path / "neuve")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "neuve" / "archive.yaml").read_text(encoding="utf-8")
    for name in ("query_max_expanded_words: 1000", "query_max_expanded_postings: 12",
                 "request_filter_values_max: 20",
                 "request_max_body_bytes: 8192", "connection_limit: 500",
                 "connection_idle_timeout: 30", "trusted_proxies: 0"):
        assert name in text


# --- long articles --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_archive(tmp_path_factory):
    """An article of two million characters: the corpus's real articles end to end."""
    corpus = require_shared(CORPUS / "articles.jsonl")
    bodies, size = [], 0
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            bodies.append(json.loads(line)["body"])
            size += len(bodies[-1])
            if size > 2_000_000:
                break
    body = "\n\n".join(bodies)[:1_990_000]
    long = Article(id="un-tres-long-article", title="Un très long article", body=body,
                   date="2021-01-01", section="Société")
    return build_archive(tmp_path_factory.mktemp("long"), ARTICLES + [long],
                         rate_limit_per_minute=10**9)


def test_a_two_million_character_article_comes_back_fast(long_archive):
    client = create_app(long_archive).test_client()
    client.get("/article/un-tres-long-article")  # the generation's state, once
    for url in ("/article/un-tres-long-article", "/api/article/un-tres-long-article",
                "/article/un-tres-long-article.ris", "/search?q=enseignants"):
        started = time.thread_time()
        response = client.get(url)
        response.get_data()
        assert response.status_code == 200
        # related articles analysed the whole body: 1.5 s of CPU per view
        assert time.thread_time() - started < 0.5, url


def test_long_articles_viewed_at_once_leave_healthz_answering(long_archive):
    import urllib.request

    with served(create_app(long_archive)) as base:
        def view() -> None:
            with urllib.request.urlopen(f"{base}/article/un-tres-long-article", timeout=30) as r:
                r.read()

        view()
        threads = [threading.Thread(target=view) for _ in range(4)]
        for thread in threads:
            thread.start()
        started = time.perf_counter()
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as answer:
            assert answer.status == 200
        waited = time.perf_counter() - started
        for thread in threads:
            thread.join()
    assert waited < 1.5, waited


# --- CSV for spreadsheets -------------------------------------------------------------------------


def test_csv_cells_stay_text_split_on_semicolons_and_keep_their_text_after_commas(tmp_path):
    hostile = [
        Article(id="greve-point-virgule", title="Grève;=1+1;", body="Un corps.",
                date="2020-01-01", author=("Koné, =2+3",)),
        Article(id="pleine-chasse", title="＝1+1 et ＠SUM(A1)", body="Un corps.",
                date="2020-01-02", section="-2+3"),
        # a shared-corpus sentence: the export wrote `(23 %, '-6)`
        Article(id="sondage", title="Popularité", date="2018-12-10", body=(
            "Mais le président, dont la cote de confiance a atteint un nouveau plus bas (23 %, "
            "-6), selon un sondage Ifop-Fiducial, n'a pas prévu de s'exprimer.")),
    ]
    config = build_archive(tmp_path, hostile)
    data = create_app(config).test_client().get("/export.csv").get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads UTF-8, accents shown
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith('"id","title"')  # every cell quoted
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(text))}
    # a cell's start and what follows a `;` are guarded; after a `,`, text is the article's own
    assert rows["greve-point-virgule"]["title"] == "Grève;'=1+1;"
    assert rows["greve-point-virgule"]["authors"] == "Koné, =2+3"
    assert rows["pleine-chasse"]["title"] == "'＝1+1 et ＠SUM(A1)"
    assert rows["pleine-chasse"]["section"] == "'-2+3"
    assert "un nouveau plus bas (23 %, -6), selon un sondage" in rows["sondage"]["snippet"]


# --- identifiers and hidden characters ------------------------------------------------------------


def test_codes_with_a_final_newline_are_refused(tmp_path):
    path = tmp_path / "publishers.yaml"
    path.write_text('- name: Journal\n  country: "ML\\n"\n', encoding="utf-8")
    with pytest.raises(PublishersError):
        load_publishers(path)


def test_an_article_id_with_a_final_newline_is_no_article(client):
    for url in ("/article/greve-des-enseignants-a-bamako%0A",
                "/article/greve-des-enseignants-a-bamako%0A.ris",
                "/article/greve-des-enseignants-a-bamako%0A.bib"):
        assert client.get(url).status_code == 404, url


def test_bidi_and_zero_width_controls_leave_url_and_publisher_on_import(tmp_path):
    data, index = tmp_path / "data", tmp_path / "index"
    (data / "articles").mkdir(parents=True)
    index.mkdir()
    # an article file as an archivist (or a hostile source) wrote it, imported again
    source = tmp_path / "greve.md"
    source.write_text(
        "---\nid: greve-a-bamako\ntitle: Grève des enseignants à Bamako\ndate: 2019-07-05\n"
        "url: \"https://evil.example/\u202emoc.elgoog.www\"\n"
        "publisher: \"Le\u200b Quotidien\u2066 d’essai\"\n---\n"
        "Les enseignants de Bamako ont cessé le travail lundi.\n", encoding="utf-8")
    runner = CliRunner()
    base = ["--data", str(data), "--index", str(index)]
    result = runner.invoke(main, base + ["import", str(source)])
    assert result.exit_code == 0, result.output
    text = next(Path(data / "articles").rglob("*.md")).read_text(encoding="utf-8")
    assert "\u202e" not in text and "\u200b" not in text and "\u2066" not in text
    assert "https://evil.example/moc.elgoog.www" in text and "Le Quotidien d’essai" in text


def test_hidden_controls_are_not_shown_in_the_original_page_link(tmp_path):
    sneaky = Article(id="lien-piege", title="Un lien piégé", body="Un corps.",
                     date="2020-01-01", url="https://evil.example/\u202emoc.elgoog.www",
                     publisher="Le\u200b Quotidien")
    config = build_archive(tmp_path, [sneaky])
    html = create_app(config).test_client().get("/article/lien-piege").get_data(as_text=True)
    assert "\u202e" not in html and "\u200b" not in html
