"""Rate limiting: each client address gets `rate_limit_per_minute` requests, then a 429.

The limit is the named setting of archive.yaml; the app here reads it from a tmp config file.
"""

from __future__ import annotations

import threading

import pytest

from archive.config import load_config
from archive.web import create_app
from archive.web.ratelimit import WINDOW_SECONDS, RateLimiter
from tests.webarchive import ARTICLES, build_archive

LIMIT = 3
LIMITED = ("/search?q=grève", "/api/search?q=grève", "/export.csv?q=grève",
           "/export.jsonl?q=grève", "/feed.atom?q=grève", "/api/article/ecoles-fermees-a-kayes",
           "/article/ecoles-fermees-a-kayes", "/")


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    """A tiny archive whose archive.yaml sets rate_limit_per_minute: 3."""
    root = tmp_path_factory.mktemp("ratelimit")
    build_archive(root, ARTICLES[:3])
    path = root / "archive.yaml"
    path.write_text(path.read_text(encoding="utf-8")
                    + f"limits:\n  rate_limit_per_minute: {LIMIT}\n", encoding="utf-8")
    return load_config(path)


def test_the_limit_is_a_named_setting_of_the_configuration(config):
    assert config.limits.rate_limit_per_minute == LIMIT


@pytest.mark.parametrize("url", LIMITED)
def test_searches_api_exports_and_feeds_get_429_with_retry_after_past_the_limit(config, url):
    client = create_app(config).test_client()
    address = {"REMOTE_ADDR": "192.0.2.10"}
    statuses = [client.get(url, environ_base=address).status_code for _ in range(LIMIT + 2)]
    assert statuses == [200] * LIMIT + [429, 429]
    refused = client.get(url, environ_base=address)
    assert 1 <= int(refused.headers["Retry-After"]) <= 2 * WINDOW_SECONDS
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
    if url.startswith(("/api/", "/export.")):  # every export: a script reads the reason
        assert refused.get_json() == {"error": refused.get_json()["error"], "status": 429,
                                      "code": "rate_limited"}
        assert "Trop de requêtes" in refused.get_json()["error"]
    else:  # the site's one error page, in French by default
        html = refused.get_data(as_text=True)
        assert "<h1>Trop de requêtes</h1>" in html and "Erreur 429" in html
    # Another address has its own budget.
    assert client.get(url, environ_base={"REMOTE_ADDR": "192.0.2.11"}).status_code == 200


def test_the_429_page_speaks_english_when_asked(config):
    client = create_app(config).test_client()
    address = {"REMOTE_ADDR": "192.0.2.20"}
    for _ in range(LIMIT):
        client.get("/search?q=école", environ_base=address)
    html = client.get("/search?q=école&lang=en", environ_base=address).get_data(as_text=True)
    assert "Too many requests" in html


def test_health_checks_and_the_stylesheet_are_never_throttled(config):
    client = create_app(config).test_client()
    address = {"REMOTE_ADDR": "192.0.2.30"}
    css = client.get("/", environ_base=address).get_data(as_text=True).split(
        'rel="stylesheet" href="')[1].split('"')[0]
    for _ in range(LIMIT * 3):
        assert client.get("/healthz", environ_base=address).status_code == 200
        assert client.get(css, environ_base=address).status_code == 200
    assert client.get("/search?q=coton", environ_base=address).status_code == 200


def test_signed_in_archivists_are_not_the_publics_budget(config):
    """A newsroom shares one address, and the job page reloads every 2 seconds: a save was
    refused with the public's 429 page. Signed in, the workspace is not counted; the sign-in
    page and the public pages still are."""
    from archive import accounts

    from .test_workspace import PASSWORD, post, sign_in

    accounts.add_user(config, "fanta", "archivist", PASSWORD)
    client = create_app(config).test_client()
    address = {"REMOTE_ADDR": "192.0.2.40"}
    client.environ_base.update(address)
    sign_in(client, "fanta")
    for _ in range(LIMIT * 3):
        assert client.get("/atelier").status_code == 200
    answer = post(client, "/atelier/deconnexion", {}, page="/atelier")
    assert answer.status_code == 302
    statuses = [client.get("/search?q=coton").status_code for _ in range(LIMIT + 1)]
    assert statuses[-1] == 429


@pytest.mark.parametrize("kind", ["csv", "jsonl", "xlsx"])
def test_an_export_counts_as_the_api_pages_its_rows_fill(tmp_path, kind):
    # Its rows cost what the API's pages of as many rows would (a full export of 10,000 rows
    # took 1.6 to 4.6 s of CPU at a million articles): the client waits for them as for pages.
    build_archive(tmp_path, ARTICLES)
    path = tmp_path / "archive.yaml"
    path.write_text(path.read_text(encoding="utf-8")
                    + "limits:\n  rate_limit_per_minute: 6\n  page_size: 3\n  page_size_max: 3\n",
                    encoding="utf-8")
    client = create_app(load_config(path)).test_client()
    address = {"REMOTE_ADDR": "192.0.2.30"}
    export = client.get(f"/export.{kind}", environ_base=address)
    assert export.status_code == 200 and export.headers["X-Export-Rows"] == str(len(ARTICLES))
    export.close()
    # 8 rows fill three pages of 3: three of the six requests of the minute are spent
    statuses = [client.get("/search?q=grève", environ_base=address).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = {"REMOTE_ADDR": "192.0.2.31"}  # another client keeps its own budget
    assert client.get("/export.csv?q=coton", environ_base=other).headers["X-Export-Rows"] == "1"
    assert [client.get("/search?q=grève", environ_base=other).status_code
            for _ in range(6)] == [200] * 5 + [429]


def test_work_charged_after_the_fact_delays_the_next_requests():
    clock = Clock(0)
    limiter = RateLimiter(10, clock=clock)
    assert limiter.allow("a")[0]
    limiter.charge("a", 8)
    assert [limiter.allow("a")[0] for _ in range(2)] == [True, False]
    limiter.charge("b", 0)
    assert len(limiter) == 1  # nothing charged, nothing counted
    clock.now += 2 * WINDOW_SECONDS
    assert limiter.allow("a")[0]


class Clock:
    """A clock the test moves by hand, starting `second` seconds into a minute."""

    def __init__(self, second: float) -> None:
        self.now = 1000.0 * WINDOW_SECONDS + second

    def __call__(self) -> float:
        return self.now


def test_the_budget_slides_back_over_the_last_minute():
    clock = Clock(50)
    limiter = RateLimiter(2, clock=clock)
    assert [limiter.allow("a")[0] for _ in range(3)] == [True, True, False]
    assert limiter.allow("a")[1] == 40  # 50 s into the minute, so 30 s into the next one
    clock.now += 39
    assert limiter.allow("a")[0] is False
    clock.now += 1
    assert limiter.allow("a")[0] is True


def test_a_client_cannot_spend_its_budget_twice_across_the_minute_boundary():
    clock = Clock(59)
    limiter = RateLimiter(10, clock=clock)
    assert all(limiter.allow("a")[0] for _ in range(10))
    clock.now += 2  # a new minute has begun, but the ten requests were two seconds ago
    assert limiter.allow("a")[0] is False
    assert 1 <= limiter.allow("a")[1] <= WINDOW_SECONDS


def test_refused_requests_do_not_push_the_wait_further():
    clock = Clock(0)
    limiter = RateLimiter(3, clock=clock)
    for _ in range(3):
        limiter.allow("a")
    waits = [limiter.allow("a")[1] for _ in range(100)]
    assert set(waits) == {80}  # the next minute, a third of it in
    clock.now += 80
    assert limiter.allow("a")[0] is True


def test_a_quiet_minute_gives_the_whole_budget_back():
    clock = Clock(30)
    limiter = RateLimiter(2, clock=clock)
    assert [limiter.allow("a")[0] for _ in range(3)] == [True, True, False]
    clock.now += 2 * WINDOW_SECONDS
    assert [limiter.allow("a")[0] for _ in range(3)] == [True, True, False]


def test_memory_stays_bounded_under_many_addresses():
    limiter = RateLimiter(1, max_clients=1000)
    for i in range(50_000):
        limiter.allow(f"2001:db8::{i:x}")
    assert len(limiter) == 1000
    # The most recent clients are still counted (a second request is refused); the oldest
    # were evicted and start again.
    assert limiter.allow("2001:db8::c34f")[0] is False
    assert limiter.allow("2001:db8::0")[0] is True


def test_concurrent_requests_from_one_address_never_exceed_the_budget():
    limiter = RateLimiter(100)
    allowed = []
    barrier = threading.Barrier(8)

    def burst() -> None:
        barrier.wait()
        allowed.append(sum(limiter.allow("198.51.100.1")[0] for _ in range(50)))

    threads = [threading.Thread(target=burst) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(allowed) == 100


def test_behind_a_proxy_every_visitor_shares_the_proxy_address(config):
    # Documented limit: the key is REMOTE_ADDR, so a proxy must pass the client address
    # through ProxyFix (trusted proxies only) or do the limiting itself.
    client = create_app(config).test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    codes = [client.get("/search?q=coton", environ_base=proxy,
                        headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
             for i in range(LIMIT + 1)]
    assert codes[-1] == 429  # X-Forwarded-For is not trusted by default
