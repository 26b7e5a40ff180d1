"""Serving a generation to readers: facet arrays memory-mapped, a reader per thread kept between
searches, deleted documents and the date order computed without a walk per document, and a
worker following CURRENT to the next generation."""

from __future__ import annotations

import dataclasses
import gc
import os
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from whoosh import query as wq
from whoosh.util.numeric import byte_to_length

from archive import articlefile
from archive.config import load_config
from archive.engine.docnums import live_mask
from archive.engine.postings import Lengths, Postings
from archive.indexing import open_current
from archive.indexing.jobs import reindex
from archive.models import Article
from archive.search import SearchRequest, related, search
from archive.search.docsets import matching_docs
from archive.search.run import _state
from archive.web import create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from synthetic import write_archive  # noqa: E402

N = 260  # more than a page × DATE_ORDER_WALK: sorting by date reads the archive's date order


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A synthetic archive indexed in full, then edited (replaced, deleted, added) and reindexed
    incrementally, so that its serving generation holds deleted documents."""
    root = tmp_path_factory.mktemp("serving")
    data = root / "data"
    paths = write_archive(data, N)
    config = load_config(None, data=data, index=root / "index")
    reindex(config, full=True)
    first = open_current(config.index_dir)
    for path in paths[:5]:
        article = articlefile.read(path)
        articlefile.write(data / "articles", article.replace(title="Zanzibarite " + article.title))
    paths[5].unlink()
    articlefile.write(data / "articles", Article(
        id="ajout-zanzibarite", title="Zanzibarite nouvelle", body="Un ajout zanzibarite.",
        date="2024-05-02"))
    reindex(config)
    return config, first


def test_the_facet_arrays_are_memory_mapped_not_read(built):
    config, _first = built
    store = open_current(config.index_dir).facets
    for facet in store.facets():
        assert isinstance(store.grid(facet), np.memmap)
    assert isinstance(store.date_keys, np.memmap)
    assert isinstance(store.date_estimated, np.memmap)
    counts = search(config.index_dir, SearchRequest(query="", facet_limit=0), config).facets
    assert sum(fc.count for fc in counts["section"]) == N - 1  # the added article has none


def test_deleted_documents_are_masked_as_whoosh_says(built):
    config, _first = built
    generation = open_current(config.index_dir)
    with generation.index.reader() as reader:
        expected = [not reader.is_deleted(d) for d in range(reader.doc_count_all())]
        assert reader.has_deletions()
    assert live_mask(generation.index.reader()).tolist() == expected


def test_a_thread_keeps_its_reader_between_searches_and_threads_do_not_share_one(built):
    config, _first = built
    generation = open_current(config.index_dir)
    with generation.searcher() as one, generation.searcher() as two:
        assert one.reader() is two.reader()
    with generation.searcher() as again:  # closing a searcher leaves the reader usable
        assert again.reader() is one.reader()
        assert again.doc_count() == N
    other = []
    thread = threading.Thread(target=lambda: other.append(generation.searcher().reader()))
    thread.start()
    thread.join()
    assert other[0] is not one.reader()


def test_newest_and_oldest_first_follow_the_dates_undated_last(built):
    config, _first = built
    generation = open_current(config.index_dir)
    dates = {}
    with generation.searcher() as searcher:
        for fields in searcher.all_stored_fields():
            dates[fields["id"]] = fields.get("date") or ""
    for sort, newest in (("newest", True), ("oldest", False)):
        shown = []
        for page in (1, 2, 3):
            result = search(generation, SearchRequest(query="", sort=sort, page=page,
                                                      page_size=100), config)
            shown += [hit.id for hit in result.hits]
        assert len(shown) == len(dates) == N
        seen = [dates[i] for i in shown]
        dated = [d for d in seen if d]
        assert dated == sorted(dated, reverse=newest)
        assert all(not d for d in seen[len(dated):])  # undated last either way


def test_a_worker_follows_current_to_the_next_generation(built):
    config, first = built
    client = create_app(config).test_client()
    old = client.get("/api/search?q=zanzibarite").get_json()
    assert {hit["id"] for hit in old["hits"]} >= {"ajout-zanzibarite"}
    # the previous generation still answers a request that holds it, without the new article
    assert search(first, SearchRequest(query="zanzibarite"), config).total == 0
    data = config.data_dir / "articles"
    articlefile.write(data, Article(id="second-ajout", title="Zanzibarite encore",
                                    body="Un autre ajout zanzibarite.", date="2024-06-01"))
    reindex(config)
    found = client.get("/api/search?q=zanzibarite").get_json()
    assert "second-ajout" in {hit["id"] for hit in found["hits"]}
    assert found["total"] == old["total"] + 1
    page = client.get("/article/ajout-zanzibarite")
    assert page.status_code == 200
    neighbours = related(config.index_dir, "ajout-zanzibarite", config)
    assert "ajout-zanzibarite" not in {hit.id for hit in neighbours}


def _open_under(folder: Path) -> list[str]:
    """The files under `folder` this process holds open or mapped (/proc, Linux)."""
    prefix = str(folder.resolve()) + "/"
    held = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
            if os.path.islink(f"/proc/self/fd/{fd}")]
    with open("/proc/self/maps", encoding="utf-8") as maps:
        held += [line.split(maxsplit=5)[5].strip() for line in maps
                 if len(line.split(maxsplit=5)) == 6]
    return sorted({path for path in held if path.startswith(prefix)})


@pytest.mark.skipif(not Path("/proc/self/maps").exists(),
                    reason="reads the process's open files and maps from /proc (Linux)")
def test_a_worker_lets_go_of_the_generation_a_reindex_replaced(tmp_path):
    # Its caches (decoded postings, date orders, the facet arrays and positions it maps) go with
    # it once its last request ended: kept, every worker carried them until the next reindex.
    data = tmp_path / "data"
    paths = write_archive(data, 40)
    config = load_config(None, data=data, index=tmp_path / "index")
    reindex(config, full=True)
    client = create_app(config).test_client()
    pages = ["/api/search?q=mali", "/search?q=mali&sort=newest", "/search?q=%22le+mali%22",
             "/search?q=&sort=oldest", "/a-propos", "/organisations"]

    def visit() -> None:
        for page in pages:
            assert client.get(page).status_code == 200, page
        article = client.get("/api/search?q=").get_json()["hits"][0]["id"]
        assert client.get(f"/article/{article}").status_code == 200

    visit()
    old = config.index_dir / open_current(config.index_dir).name
    assert _open_under(old)  # served from: its facet arrays are mapped
    article = articlefile.read(paths[0])
    articlefile.write(data / "articles", article.replace(title="Zanzibarite " + article.title))
    reindex(config)
    visit()
    gc.collect()
    assert open_current(config.index_dir).name != old.name
    assert _open_under(old) == []


def test_field_lengths_read_in_one_go_are_those_whoosh_gives(built):
    config, _first = built
    generation = open_current(config.index_dir)
    with generation.searcher() as searcher:
        reader = searcher.reader()
        for fieldname in ("title", "body"):
            expected = [reader.doc_field_length(d, fieldname, 0) or 0
                        for d in range(reader.doc_count_all())]
            whole = Lengths().whole(searcher, fieldname)
            assert [byte_to_length(b) if b else 0 for b in whole.tolist()] == expected


def test_an_articles_related_articles_are_kept_with_its_generation(built):
    config, first = built
    generation = open_current(config.index_dir)
    article_id = first.index.searcher().stored_fields(7)["id"]
    found = related(generation, article_id, config)
    assert _state(generation, config).related_of((article_id, 5)) is not None
    again = related(generation, article_id, config)
    assert [(h.id, h.score) for h in again] == [(h.id, h.score) for h in found]
    assert article_id not in {h.id for h in found}
    # the generation it was served from knew other documents: its own neighbours are kept apart
    assert _state(first, config).related_of((article_id, 5)) is None


def test_related_articles_past_the_time_limit_are_the_best_found_not_an_error(built):
    config, _first = built
    hurried = dataclasses.replace(config, limits=dataclasses.replace(
        config.limits, search_time_limit=1e-9))
    generation = open_current(config.index_dir)
    with generation.searcher() as searcher:
        article_id = searcher.stored_fields(11)["id"]
    found = related(generation, article_id, hurried)
    assert len(found) <= 5 and article_id not in {h.id for h in found}
    # a cut-short answer is not kept: with time enough, the full ranking comes
    assert _state(generation, hurried).related_of((article_id, 5)) is None


def test_a_span_of_years_finds_what_whoosh_finds_for_it(built):
    # `année:A-B` reads each year's postings; Whoosh's matcher walked every document of the
    # span in Python (2.2 s for `année:2010-2020` at a million articles)
    config, _first = built
    generation = open_current(config.index_dir)
    live = live_mask(generation.index.reader())
    postings = Postings(generation.searcher(), None)
    spans = [(2000, 2010, False, False), (2000, 2010, True, True), (None, 2005, False, True),
             (2015, None, True, False), (None, None, False, False), (1066, 1200, False, False)]
    with generation.searcher() as searcher:
        for start, end, startexcl, endexcl in spans:
            span = wq.NumericRange("year", start, end, startexcl, endexcl)
            expected = sorted(d for d in span.matcher(searcher).all_ids() if live[d])
            assert matching_docs(searcher, span, live, postings).tolist() == expected, span
        every = {d for d in range(len(live)) if live[d]
                 and searcher.stored_fields(d).get("year") is not None}
        assert len(every) > 100  # the open span above took in every dated article
        result = search(generation, SearchRequest(query="année:2000-2010", page_size=100,
                                                  facet_limit=0), config)
        expected = {d for d in wq.NumericRange("year", 2000, 2010).matcher(searcher).all_ids()
                    if live[d]}
        assert result.total == len(expected) > 0


def test_a_year_filter_finds_what_whoosh_finds_for_that_year(built):
    config, _first = built
    generation = open_current(config.index_dir)
    live = live_mask(generation.index.reader())
    years = [fc.value for fc in search(generation, SearchRequest(query="", facet_limit=0),
                                       config).facets["year"]]
    assert len(years) > 3
    with generation.searcher() as searcher:
        for year in [*years, "1066"]:
            expected = {d for d in wq.NumericRange("year", int(year), int(year))
                        .matcher(searcher).all_ids() if live[d]}
            result = search(generation, SearchRequest(query="", filters={"year": (year,)},
                                                      page_size=100, facet_limit=0), config)
            assert result.total == len(expected)
            assert {h.id for h in result.hits} == {searcher.stored_fields(d)["id"]
                                                   for d in expected}
