"""Hostile input against the real web app and a real tiny index: fuzzed queries, abused
parameters, and error responses that must keep their headers and hide their internals.

The fuzzer is a seeded generator (the same 10,000 queries on every run): each query goes to the
search module directly (only QueryError may come out) and through the web (200 or 400, never
500, each within a bounded time).
"""

from __future__ import annotations

import logging
import random
import re
import statistics
import time
from urllib.parse import quote

import pytest

from archive.errors import QueryError
from archive.indexing import open_current
from archive.search import SearchRequest, search
from archive.search import run as search_module
from archive.web import create_app
from archive.web.app import SECURITY_HEADERS
from tests.webarchive import build_archive

SEED = 20261129
QUERIES = 10_000
# Through the web: other queries than the library's (another seed), fewer of them (each costs
# the whole request, 3 ms): the 10,000 library queries cover the parser and the engine.
WEB_SEED, WEB_QUERIES = SEED + 1, 4_000
MAX_SECONDS = 2.0  # of CPU per request: other jobs on a shared machine do not count
MAX_WALL_SECONDS = 10.0  # per request, whatever else the machine is doing
ABUSE_SECONDS = 0.5  # of CPU: a refused parameter costs no search at all

WORDS = ("grève", "école", "l'école", "l’école", "enseignants", "Bamako", "syndicat", "coton",
         "CEDEAO", "UNTM", "SNEC", "hôpital", "Kayes", "2019", "2020-2021", "le", "de", "la",
         "aujourd'hui", "États", "ÉCOLE", "eco", "gr", "x", "Koné", "rentrée")
FIELDS = ("titre:", "auteur:", "org:", "organisation:", "organization:", "année:", "annee:",
          "ANNÉE:", "rubrique:", "section:", "title:", "author:", "year:", "inconnu:", "http:",
          ":", "titre::", "org:org:")
OPERATORS = ("ET", "OU", "SAUF", "AND", "OR", "NOT", "et", "ou", "&&", "||", "!", "-", "+",
             "- ", "+-", "--")
QUOTES = ('"', "“", "”", "«", "»", "„", "'", "’", "«\u00a0")
UNICODE = ("\u200f", "\u200e", "\u202e", "\u202d", "\u2066", "\u0301", "\u0327\u0301",
           "\U0001f600", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\u0000", "\u0001",
           "\u0007", "\u001b[31m", "\u007f", "\u0085", "\u2028", "\u2029", "\ufeff", "\ufffd",
           "\uffff", "\ud800", "\udfff", "\ud83d", "\u3000", "\u00a0", "\u0130", "ß", "ﬁ",
           "\u05d0\u05d1", "\u0627\u0644", "\u4e2d\u6587", "\U00010000", "%00", "%", "&q=", "#",
           "\\", "\\\\\"", "<", ">", "</mark>", "&amp;", "{{7*7}}", "\t", "\r\n")


def _word(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return rng.choice(WORDS)
    if roll < 0.7:
        return "".join(rng.choice("abcdeéèêàçîôûœzk'’-.") for _ in range(rng.randint(1, 12)))
    if roll < 0.8:
        return rng.choice(WORDS) + rng.choice(UNICODE) + rng.choice(("", rng.choice(WORDS)))
    if roll < 0.9:
        return rng.choice("aé\u0301x") * rng.choice((50, 200, 499, 501, 2000))  # very long
    return "".join(rng.choice(UNICODE) for _ in range(rng.randint(1, 4)))


def _decorated(rng: random.Random) -> str:
    word = _word(rng)
    roll = rng.random()
    if roll < 0.12:
        word += rng.choice(("*", "**", "?", "*~", "~*", "*?"))
    elif roll < 0.18:
        word = rng.choice(("*", "?", "**")) + word
    elif roll < 0.22:
        word = word[:2] + rng.choice("*?") + word[2:]
    elif roll < 0.3:
        word += rng.choice(("~", "~2", "~0.5", "~~", "~-1", "^2", "^", "^^", "^-3", "^1e309"))
    if rng.random() < 0.25:
        word = rng.choice(FIELDS) + word
    return word


def _expression(rng: random.Random, depth: int) -> str:
    parts = []
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if roll < 0.15 and depth < 8:
            inner = _expression(rng, depth + 1)
            opening, closing = rng.choice((("(", ")"),) * 4 + (("(", ""), ("", ")"), (")", "(")))
            parts.append(rng.choice(("", rng.choice(FIELDS))) + opening + inner + closing)
        elif roll < 0.3:
            quote_char = rng.choice(QUOTES)
            parts.append(quote_char + " ".join(_word(rng) for _ in range(rng.randint(0, 3)))
                         + rng.choice((quote_char,) * 4 + ("", '"', "»", "”"))
                         + rng.choice(("", "~3")))
        elif roll < 0.45:
            parts.append(rng.choice(OPERATORS))
        else:
            parts.append(_decorated(rng))
    return rng.choice((" ", "  ", "\t", "", "\u3000")).join(parts)


def generate_queries(seed: int, count: int) -> list[str]:
    """`count` hostile queries, the same ones for the same seed."""
    rng = random.Random(seed)
    queries = []
    for i in range(count):
        if i % 50 == 0:  # deep nesting, balanced or not, over and under the depth limit
            depth = rng.randint(1, 300)
            queries.append("(" * depth + _word(rng) + ")" * rng.choice((depth, depth - 1, 0)))
        elif i % 50 == 1:
            queries.append(" ".join(rng.choice(OPERATORS) for _ in range(rng.randint(1, 60))))
        else:
            queries.append(_expression(rng, 0))
    return queries


def url_for_query(path: str, query: str) -> str:
    """The query percent-encoded as a browser would; lone surrogates as their raw bytes."""
    return f"{path}?q={quote(query.encode('utf-8', 'surrogatepass'), safe='')}"


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("hostile"), page_size=3,
                         rate_limit_per_minute=10**9)


@pytest.fixture(scope="module")
def client(config):
    return create_app(config).test_client()


def test_the_generator_is_seeded_and_hostile():
    queries = generate_queries(SEED, QUERIES)
    assert queries == generate_queries(SEED, QUERIES) and len(set(queries)) > QUERIES * 0.9
    joined = "".join(queries)
    for needle in ("\x00", "\ud800", "\u202e", "\u0301", "\U0001f600", "titre:", "année:",
                   "org:", "*", "?", "~", "^", "«", "((((((", "SAUF", "OR"):
        assert needle in joined, needle
    assert max(map(len, queries)) > 2000


def test_fuzzed_queries_give_results_or_a_query_error_from_the_library(config):
    generation = open_current(config.index_dir)
    failures = []
    refused = 0
    for query in generate_queries(SEED, QUERIES):
        try:
            search(generation, SearchRequest(query=query, page_size=3), config)
        except QueryError:
            refused += 1
        except Exception as exc:  # noqa: BLE001 - every other exception is the bug we look for
            failures.append((ascii(query)[:120], f"{type(exc).__name__}: {exc}"[:160]))
    assert not failures, failures[:10]
    assert 0.1 * QUERIES < refused < 0.9 * QUERIES  # the mix holds both kinds


@pytest.mark.parametrize("query", ["org:\ud800", "titre:(a\udfff OU grève)", '"\ud83d"'])
def test_a_lone_surrogate_in_a_query_is_a_query_error(config, query):
    # Found by the fuzzer: it used to reach Whoosh's UTF-8 encoding of terms.
    with pytest.raises(QueryError, match="could not be understood"):
        search(open_current(config.index_dir), SearchRequest(query=query), config)


def test_fuzzed_queries_through_the_web_are_200_or_400_and_fast(client):
    routes = ("/search", "/api/search", "/feed.atom")
    timings, cpu, bad = [], [], []
    statuses = {200: 0, 400: 0}
    for i, query in enumerate(generate_queries(WEB_SEED, WEB_QUERIES)):
        url = url_for_query(routes[i % 3] if i % 100 else "/export.csv", query)
        started, started_cpu = time.perf_counter(), time.thread_time()
        response = client.get(url)
        body = response.get_data()
        timings.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)
        if response.status_code not in (200, 400):
            bad.append((response.status_code, ascii(query)[:120]))
            continue
        statuses[response.status_code] += 1
        if response.status_code == 400:
            assert body and b"Traceback" not in body, url
    assert not bad, bad[:10]
    assert statuses[200] and statuses[400]
    for name, values in (("wall", timings), ("cpu", cpu)):
        p99 = statistics.quantiles(values, n=100)[98]
        print(f"\n{len(values)} fuzzed requests, {name}: p50 {statistics.median(values) * 1e3:.1f}"
              f" ms, p99 {p99 * 1e3:.1f} ms, max {max(values) * 1e3:.1f} ms, {statuses}")
    assert max(cpu) < MAX_SECONDS and max(timings) < MAX_WALL_SECONDS


# --- parameter abuse ----------------------------------------------------------------------------

ABUSE = [
    ("/search?page=0", "1"),
    ("/search?page=-1", "1"),
    ("/search?page=abc", "1"),
    ("/search?page=1.5", "1"),
    ("/search?page=" + str(10**30), "100"),
    ("/search?page=%EF%BC%91", "1"),  # a full-width digit one
    ("/search?page=%D9%A1", "1"),  # an Arabic-Indic digit one
    ("/search?page=1e3", "1"),
    ("/search?page=%201%20%20x", "1"),
    ("/api/search?page=-5", "1"),
    ("/export.csv?page=0", "1"),
    ("/feed.atom?page=x", "1"),
    ("/authors?page=" + "9" * 40, "100"),
    ("/search?per_page=100000", None),
    ("/search?page_size=100000", None),
    ("/api/search?page_size=100000&size=10**9&limit=99999999", "100"),  # page_size_max
    # Repeated in the thousands, yet under the size limit: the filter limit answers.
    ("/search?year=2019" + "".join(f"&year={1000 + i}" for i in range(1200)), "50"),
    ("/search?" + "&".join(f"organisation=o{i}" for i in range(800)), "50"),
    ("/api/search?" + "&".join(f"author=a{i}" for i in range(1000)), "50"),
    ("/organisations?" + "&".join(f"section=S{i}" for i in range(1000)), "50"),
    ("/search?section=" + "s" * 301, None),
    ("/search?year=19", None),
    ("/search?year=%D9%A2%D9%A0%D9%A1%D9%A9", None),
    ("/search?from=2019-13", None),
    ("/search?from=2019-02-30", None),
    ("/search?from=31/02/2019", None),
    ("/search?from=20190", None),
    ("/search?from=yesterday", None),
    ("/search?from=%00", None),
    ("/search?to=" + "2" * 5000, None),
    ("/search?from=2021&to=2019", None),
    ("/search?from=2019-12-31&to=2019-01-01", None),
    ("/api/search?from=2020-03&to=2020-02", None),
    ("/export.jsonl?from=2020&to=2019", None),
    ("/search?sort=" + "x" * 1000, None),
    ("/search?q=" + "a" * 100_000, None),
    ("/search?q=" + "%C3%A9" * 30_000, None),
]


@pytest.mark.parametrize("url, number", ABUSE, ids=[u[:60] for u, _ in ABUSE])
def test_abused_parameters_get_a_fast_400_with_a_message(client, url, number):
    started = time.thread_time()
    response = client.get(url)
    elapsed = time.thread_time() - started
    text = response.get_data(as_text=True)
    if url.startswith(("/search?per_page", "/search?page_size")):
        # The pages people read have their size: a URL's is ignored, the named limit holds.
        assert response.status_code == 200
        assert len(re.findall(r'<li class="hit"', text)) <= 3
        return
    assert response.status_code == 400, (url[:80], response.status_code)
    message = (response.get_json() or {}).get("error") if response.is_json else _message(text)
    assert message and len(message) < 300, message
    if number:
        assert number in message
    assert elapsed < ABUSE_SECONDS, elapsed
    assert "Traceback" not in text and "/work/" not in text


def _message(html: str) -> str:
    found = re.search(r'<p class="message" role="alert">(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


def test_a_huge_query_string_is_refused_fast_in_any_route(client):
    huge = "&".join(f"p{i}={'x' * 90}" for i in range(1100))  # about 100 KB of parameters
    for route in ("/", "/search", "/api/search", "/organisations", "/feed.atom", "/export.csv",
                  "/article/greve-des-enseignants-a-bamako", "/static/style.css"):
        started = time.thread_time()
        response = client.get(f"{route}?q=école&{huge}")
        assert time.thread_time() - started < ABUSE_SECONDS
        assert response.status_code == 400, (route, response.status_code)
        text = response.get_data(as_text=True)
        assert "trop longue" in text and "Traceback" not in text
        _assert_headers(response)
    assert client.get(f"/search?q=école&{huge[:8000]}").status_code == 200  # long but fine


@pytest.mark.parametrize("environ", [
    {"PATH_INFO": "/search", "QUERY_STRING": "q=gr\xe8ve"},  # raw Latin-1, not UTF-8
    {"PATH_INFO": "/api/search", "QUERY_STRING": "q=\xff\xfe&lang=\xe8"},
    {"PATH_INFO": "/feed.atom", "QUERY_STRING": "section=\xc3"},
    {"PATH_INFO": "/search", "QUERY_STRING": "q=%ED%A0%80%00%ZZ%"},
    {"PATH_INFO": "/article/\xe8\xff"},
    {"PATH_INFO": "/\x00"},
    {"PATH_INFO": "/search", "HTTP_COOKIE": "lang=\xe8\xff; lang=en; lang"},
    {"PATH_INFO": "/search", "HTTP_ACCEPT_LANGUAGE": "\xe8;q=x"},
    {"PATH_INFO": "/feed.atom", "HTTP_HOST": "<b>\xe8"},
    {"PATH_INFO": "/search", "QUERY_STRING": "&&&==&=&q&q=&q==x"},
], ids=repr)
def test_raw_bytes_a_browser_would_never_send_get_200_400_or_404(client, environ):
    # What a WSGI server hands over for a request line or header holding raw bytes.
    response = client.get("/", environ_overrides=environ)
    assert response.status_code in (200, 400, 404), response.status_code
    _assert_headers(response)


def test_a_repeated_facet_in_the_thousands_costs_no_search(client, monkeypatch):
    def searched(*_args, **_kwargs):
        raise AssertionError("the search ran")

    monkeypatch.setattr("archive.web.views.search", searched)
    url = "/search?" + "&".join(f"section=S{i}" for i in range(1000))
    response = client.get(url)
    assert response.status_code == 400 and "50 au plus" in response.get_data(as_text=True)
    # The same value a thousand times is one filter.
    assert client.get("/organisations?" + "&section=S" * 1000).status_code == 200


# --- error responses: headers always, internals never ------------------------------------------


def _assert_headers(response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.status_code, name)


def test_security_headers_on_every_status_code(config):
    app = create_app(config)

    def boom():
        raise RuntimeError("boom")

    app.add_url_rule("/test-only/boom", view_func=boom)
    client = app.test_client()
    seen = {}
    for url, method, status in [
        ("/", "GET", 200), ("/search?q=école", "GET", 200), ("/static/style.css", "GET", 200),
        ("/search?page=0", "GET", 400), ("/nowhere", "GET", 404),
        ("/article/nexiste-pas", "GET", 404), ("/search", "POST", 405),
        ("/api/search", "DELETE", 405), ("/test-only/boom", "GET", 500),
        ("/api/search?q=école", "GET", 200), ("/feed.atom", "GET", 200),
        ("/opensearch.xml", "GET", 200), ("/export.csv", "GET", 200),
        ("/search?q=école", "HEAD", 200), ("/search", "OPTIONS", 200), ("/", "TRACE", 405),
    ]:
        response = client.open(url, method=method)
        assert response.status_code == status, (url, response.status_code)
        _assert_headers(response)
        seen[status] = True
    for headers, status in (({"If-Modified-Since": "Sun, 29 Nov 2099 00:00:00 GMT"}, 304),
                            ({"Range": "bytes=0-10"}, 206), ({"Range": "bytes=999999-"}, 416)):
        response = client.get("/static/style.css", headers=headers)
        assert response.status_code == status, headers
        _assert_headers(response)
        seen[status] = True
    merged = client.get("/", environ_overrides={"PATH_INFO": "/static//style.css"})
    assert merged.status_code == 308 and merged.location.startswith("http://localhost/static/")
    _assert_headers(merged)
    assert set(seen) >= {200, 206, 304, 400, 404, 405, 416, 500}


def test_429_and_503_carry_the_headers_too(tmp_path):
    config = build_archive(tmp_path, [], rate_limit_per_minute=1)
    client = create_app(config).test_client()
    client.get("/")
    limited = client.get("/search?q=école")
    assert limited.status_code == 429
    _assert_headers(limited)
    (config.index_dir / "CURRENT").unlink()
    unavailable = client.get("/healthz")
    assert unavailable.status_code == 503
    _assert_headers(unavailable)


SECRET = "secret-internals /srv/archive/index/gen-0001/seg.pst line 42"


@pytest.mark.parametrize("url", ["/search?q=école", "/api/search?q=école", "/export.csv?q=école",
                                 "/feed.atom?q=école", "/authors"])
def test_an_injected_failure_hides_its_internals_but_the_log_keeps_them(config, monkeypatch,
                                                                         caplog, url):
    def broken(*_args, **_kwargs):
        raise RuntimeError(SECRET)

    # A fault injected in the search library every view relies on.
    monkeypatch.setattr(search_module, "check_request", broken)
    client = create_app(config).test_client()
    with caplog.at_level(logging.ERROR, logger="archive.web"):
        response = client.get(url)
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    _assert_headers(response)
    for leak in ("secret-internals", "/srv/archive", "Traceback", 'File "', ".py", "RuntimeError",
                 str(config.index_dir)):
        assert leak not in body, (url, leak)
    logged = "\n".join(r.getMessage() + "\n" + (r.exc_text or "") for r in caplog.records)
    assert SECRET in logged and "RuntimeError" in logged and "Traceback" in logged
    if url.startswith("/api/"):
        assert response.get_json()["status"] == 500


@pytest.mark.parametrize("facet", ["section", "author", "organisation"])
def test_library_filter_values_that_are_not_text_give_a_query_error(config, facet):
    # The web cannot send these (Werkzeug decodes URLs with replacement characters); a
    # script calling the library can.
    with pytest.raises(QueryError):
        search(open_current(config.index_dir),
               SearchRequest(query="grève", filters={facet: ("a\ud83d",)}), config)


# --- the shapes of issue 15: fuzzy-heavy, many filter values, long articles ---------------------


def hostile_shapes(seed: int) -> list[tuple[str, frozenset[int]]]:
    """URLs of the costly shapes, each with the statuses it may get (seeded)."""
    rng = random.Random(seed)
    words = [w for w in WORDS if len(w) > 3]
    shapes = []
    for _ in range(20):
        fuzzy = " ".join(rng.choice(words) + "~" for _ in range(32))
        prefixes = " ".join(rng.choice(words)[:3] + "*" for _ in range(20))
        shapes.append((url_for_query(rng.choice(("/search", "/api/search", "/feed.atom",
                                                  "/export.csv")), fuzzy), frozenset({200, 400})))
        shapes.append((url_for_query("/api/search", prefixes), frozenset({200, 400})))
        facets = ("section", "author", "organisation", "year")
        count = rng.choice((19, 20, 21, 40, 200))
        params = "&".join(f"{facets[i % 4]}={1900 + i if i % 4 == 3 else quote('Grève ') + str(i)}"
                          for i in range(count))
        shapes.append((f"/search?q=grève&{params}",
                       frozenset({200}) if count <= 20 else frozenset({400})))
    return shapes


@pytest.fixture(scope="module")
def long_client(tmp_path_factory):
    """The tiny archive plus an article of a million characters made of the fuzzer's words."""
    from archive.models import Article
    from tests.webarchive import ARTICLES

    rng = random.Random(SEED)
    words = [w for w in WORDS if w.isalpha()]
    paragraphs = [" ".join(rng.choice(words) for _ in range(120)) + "." for _ in range(1_200)]
    long = Article(id="article-fleuve", title="Article fleuve", body="\n\n".join(paragraphs),
                   date="2019-07-05", section="Société", author=("Aminata Koné",))
    config = build_archive(tmp_path_factory.mktemp("long"), ARTICLES + [long], page_size=3,
                           rate_limit_per_minute=10**9)
    return create_app(config).test_client()


def test_costly_shapes_and_long_articles_answer_200_or_400_fast(long_client):
    urls = hostile_shapes(SEED) + [("/article/article-fleuve", frozenset({200})),
                                   ("/api/article/article-fleuve", frozenset({200}))]
    urls += [(url_for_query("/search", q), frozenset({200, 400}))
             for q in generate_queries(SEED, QUERIES)[:300]]
    for url, statuses in urls:
        started = time.thread_time()
        response = long_client.get(url)
        body = response.get_data()
        assert response.status_code in statuses, (url[:120], response.status_code)
        assert b"Traceback" not in body
        assert time.thread_time() - started < MAX_SECONDS, url[:120]
        assert len(body) < 3_000_000, url[:120]  # no answer balloons
