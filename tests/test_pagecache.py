"""Pages kept per worker for the serving generation, and revisits answered 304 by their ETag.

Through Flask's test client over a tiny real index: what a visitor asks again, in which
language, on which host, before and after a reindex.
"""

from __future__ import annotations

import dataclasses

import pytest

from archive import articlefile
from archive.indexing.jobs import reindex
from archive.web import create_app
from archive.web.pagecache import Page, PageCache
from tests.webarchive import ARTICLES, build_archive

ENSEIGNANTS = "/article/greve-des-enseignants-a-bamako"


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("archive"), page_size=3)


@pytest.fixture
def app(config):
    return create_app(config)


def stats(app) -> dict[str, int]:
    return app.extensions["archive_pages"].stats()


@pytest.mark.parametrize("url", ["/", "/search?q=enseignants&section=Soci%C3%A9t%C3%A9",
                                 ENSEIGNANTS, "/api/search?q=enseignants",
                                 "/api/article/greve-des-enseignants-a-bamako", "/authors",
                                 "/feed.atom?q=bamako"])
def test_a_page_asked_again_is_the_same_page_from_memory(app, url):
    client = app.test_client()
    first = client.get(url)
    again = client.get(url)
    assert first.status_code == again.status_code == 200
    assert again.get_data() == first.get_data()
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Security-Policy"]  # every answer's headers, kept or not
    assert stats(app)["hits"] == 1


def test_a_head_is_answered_from_the_page_a_get_kept_and_keeps_one_for_it(app):
    # a HEAD runs the whole view: each one of a cached search recomputed it
    client = app.test_client()
    url = "/search?q=enseignants"
    page = client.get(url)
    head = client.head(url)
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["ETag"] == page.headers["ETag"]
    assert head.headers["Content-Length"] == page.headers["Content-Length"]
    assert stats(app)["hits"] == 1
    other = "/search?q=bamako"
    assert client.head(other).status_code == 200
    assert client.get(other).get_data() and stats(app)["hits"] == 2


def test_a_revisit_with_the_pages_etag_gets_304_and_no_body(app):
    client = app.test_client()
    etag = client.get(ENSEIGNANTS).headers["ETag"]
    revisit = client.get(ENSEIGNANTS, headers={"If-None-Match": etag})
    assert revisit.status_code == 304
    assert revisit.get_data() == b""
    assert revisit.headers["ETag"] == etag
    other = client.get("/article/ecoles-fermees-a-kayes", headers={"If-None-Match": etag})
    assert other.status_code == 200  # another page's ETag is not this one's


def test_each_language_and_host_has_its_own_page(app):
    client = app.test_client()
    french = client.get(ENSEIGNANTS)
    english = client.get(ENSEIGNANTS + "?lang=en")
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert '<html lang="fr">' in french.get_data(as_text=True)
    by_cookie = app.test_client()
    by_cookie.set_cookie("lang", "en")
    again = by_cookie.get(ENSEIGNANTS)
    assert '<html lang="en">' in again.get_data(as_text=True)
    assert again.headers["ETag"] != french.headers["ETag"]
    # the permalink names the host it was asked on
    other_host = client.get(ENSEIGNANTS, headers={"Host": "localhost:8080"})
    assert "http://localhost:8080/article/" in other_host.get_data(as_text=True)
    assert other_host.headers["ETag"] != french.headers["ETag"]
    assert client.get(ENSEIGNANTS, headers={"If-None-Match": french.headers["ETag"],
                                            "Host": "localhost:8080"}).status_code == 200


def test_errors_exports_and_health_are_never_kept(app):
    client = app.test_client()
    for url in ("/article/nope", "/search?q=x&page=0", "/export.csv?q=enseignants",
                "/healthz"):
        first = client.get(url)
        assert "ETag" not in first.headers, url
        client.get(url)
    assert stats(app)["hits"] == 0


def test_a_new_generation_is_never_answered_from_the_old_one(tmp_path):
    config = build_archive(tmp_path)
    app = create_app(config)
    client = app.test_client()
    old = client.get(ENSEIGNANTS)
    assert "Grève des enseignants à Bamako" in old.get_data(as_text=True)
    changed = dataclasses.replace(ARTICLES[0], title="Les enseignants reprennent le travail")
    articlefile.write(config.articles_dir, changed)
    reindex(config)
    new = client.get(ENSEIGNANTS, headers={"If-None-Match": old.headers["ETag"]})
    assert new.status_code == 200
    assert "Les enseignants reprennent le travail" in new.get_data(as_text=True)
    assert new.headers["ETag"] != old.headers["ETag"]
    assert stats(app) == {**stats(app), "hits": 0, "pages": 1}  # the old page was let go


def test_an_edited_organisation_file_changes_the_pages(tmp_path):
    config = build_archive(tmp_path)
    app = create_app(config)
    client = app.test_client()
    before = client.get("/organisations").headers["ETag"]
    with config.authority_file.open("a", encoding="utf-8") as handle:
        handle.write("\n")
    assert client.get("/organisations").headers["ETag"] != before


def test_the_cache_holds_at_most_its_bytes_least_recently_asked_out_first():
    cache = PageCache(max_bytes=250)
    for name in ("a", "b", "c"):
        cache.put("gen-1", name, Page(b"x" * 100, 200, ()))
    assert cache.get("gen-1", "a") is None  # out: 300 bytes would not fit
    assert cache.get("gen-1", "b") is not None
    cache.put("gen-1", "d", Page(b"x" * 100, 200, ()))
    assert cache.get("gen-1", "c") is None  # b was asked since, c was not
    assert cache.get("gen-1", "b") is not None
    assert cache.get("gen-2", "b") is None  # another generation's page is not this one's
    cache.put("gen-2", "e", Page(b"x" * 10, 200, ()))
    assert cache.stats()["pages"] == 1 and cache.stats()["bytes"] == 10
    cache.put("gen-2", "big", Page(b"x" * 251, 200, ()))
    assert cache.get("gen-2", "big") is None
