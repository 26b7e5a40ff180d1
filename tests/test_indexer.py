"""The index: schema, full and incremental reindex, dry run, rollback, status, bad files."""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import multiprocessing
import os
import random
import re
import shutil
import subprocess
import sys
import threading
from collections import ChainMap, Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index
from whoosh.formats import Positions
from whoosh.qparser import QueryParser
from whoosh.query import Term
from whoosh.writing import SegmentWriter

from archive import articlefile
from archive.cli import main
from archive.config import Config, load_config
from archive.engine import positions, termpool
from archive.engine.positions import SidecarPositions
from archive.engine.segmentwriter import FastSegmentWriter
from archive.errors import EXIT_PARTIAL, IndexUnavailable
from archive.indexing import (
    CurrentGeneration,
    filelist,
    generations,
    idlecpu,
    indexer,
    joblock,
    jobs,
    keyterms,
    open_current,
    parallel,
    readahead,
    schema,
)
from archive.indexing.analysis import analyze, french_analyzer, index_positions
from archive.indexing.facetstore import FacetStore, date_key
from archive.indexing.filescan import FileStats
from archive.indexing.jobs import make_plan, reindex, scan, status
from archive.indexing.schema import build_schema
from archive.indexing.settledids import SettledIds
from archive.models import Article
from archive.web import create_app
from tests.conftest import CORPUS, ROOT, as_a_plain_user, require_shared

ARTICLES = [
    Article(id="greve-des-enseignants-a-kayes", title="Grève des enseignants à Kayes",
            body="Les enseignants de l’école fondamentale réclament leurs salaires.\n\n"
                 "Le syndicat appelle à la grève jusqu’à nouvel ordre.",
            section="Éducation", author=("Y. Doumbia",), date="2019-07-05",
            organisations=("Syndicat national de l'éducation", "CARES-Mali"),
            url="https://example.ml/greve", publisher="L'Essor"),
    Article(id="recolte-de-coton-record", title="Récolte de coton record à Sikasso",
            body="La sécurité alimentaire s’améliore grâce à une bonne saison des pluies.",
            section="Économie", author=("A. Traoré", "Y. Doumbia"), date="2021-11",
            organisations=("CARES-Mali",), publisher="L'Essor"),
    Article(id="festival-sur-le-niger", title="Le Festival sur le Niger attire les foules",
            body="À Ségou, musiciens et artisans ont accueilli des milliers de visiteurs.",
            section="Culture", date="2020"),
    Article(id="sans-date-ni-auteur", title="Communiqué de l’Assemblée nationale",
            body="L’Assemblée nationale a adopté la loi de finances.", section="Politique"),
]


def config_for(root: Path) -> Config:
    """A configuration whose data and index live below root."""
    return load_config(data=root / "data", index=root / "index")


@pytest.fixture
def archive(tmp_path: Path) -> Config:
    """A small archive of four French articles, not yet indexed."""
    config = config_for(tmp_path)
    for article in ARTICLES:
        articlefile.write(config.articles_dir, article)
    return config


def ids_for(config: Config, fieldname: str, text: str) -> set[str]:
    """Ids of the serving generation's articles matching a query on one field."""
    gen = open_current(config.index_dir)
    with gen.index.searcher() as searcher:
        query = QueryParser(fieldname, gen.index.schema).parse(text)
        return {hit["id"] for hit in searcher.search(query, limit=None)}


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file below a folder with a hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_schema_has_text_exact_and_sortable_fields():
    schema = build_schema(frozenset())
    for name in ("id", "title", "body", "section", "author", "organisation", "author_text",
                 "section_text", "organisation_text", "year", "date", "url", "publisher",
                 "language", "path", "hash"):
        assert name in schema, name
    assert schema["title"].format.field_boost == 2.0
    assert schema["id"].unique and schema["body"].stored
    assert [t.text for t in schema["author"].analyzer("Y. Doumbia\nA. Traoré")] == \
        ["Y. Doumbia", "A. Traoré"]


def sample_documents(count: int) -> list[dict]:
    """Index documents of varied articles made from the words of ARTICLES."""
    rng = random.Random(7)
    words = " ".join(f"{a.title} {a.body}" for a in ARTICLES).split()
    authors = [name for a in ARTICLES for name in a.author]
    organisations = [name for a in ARTICLES for name in a.organisations]
    return [schema.document(Article(
        id=f"article-{i}", title=" ".join(rng.choices(words, k=6)),
        body=" ".join(rng.choices(words, k=120)), section=rng.choice(ARTICLES).section,
        author=tuple(rng.sample(authors, rng.randint(0, 2))),
        organisations=tuple(rng.sample(organisations, rng.randint(0, 2))),
        date=str(rng.randint(1995, 2026)), url=f"https://example.ml/{i}"), f"{i}.md", f"h{i}")
        for i in range(count)]


def segment_files(folder: Path) -> dict[str, bytes]:
    """A one-segment index's files by their kind (segment names are random), TOC aside."""
    return {path.name.split(".", 1)[1]: path.read_bytes() for path in folder.glob("MAIN_*.*")
            if not path.name.endswith(".toc")}


@pytest.mark.parametrize("limitmb, spilled", [(0.0012, True), (128, False)])
def test_the_fast_writer_writes_the_same_files_as_whoosh_own(tmp_path: Path, limitmb, spilled):
    """FastSegmentWriter changes how postings are sorted and looked up, never a written byte.

    The tiny memory limit spills hundreds of sorted runs, more than Whoosh merges at once and
    more than the fast writer's pool does (its runs are reduced first, the fewest at a time).
    """
    documents = sample_documents(80)
    written = {}
    one_loop = functools.partial(FastSegmentWriter, positions=index_positions)
    for name, make in (("whoosh", SegmentWriter), ("fast", FastSegmentWriter),
                       ("one-loop analysis", one_loop)):
        ix = indexer.create(tmp_path / name, build_schema())
        w = make(ix, limitmb=limitmb, compound=False)
        for doc in documents:
            w.add_document(**doc)
        assert (len(w.pool.runs) > termpool.MAX_RUNS) is spilled
        w.commit()
        written[name] = segment_files(tmp_path / name)
    assert {"trm", "pst", "_body_len.col", "_stored.col"} <= set(written["fast"])
    # beside Whoosh's files, the fast writer adds the positions sidecar (engine.positions)
    # and the postings sidecar (engine.docsidecar)
    sidecar = set(written["fast"]) - set(written["whoosh"])
    assert {"psc", "body.pos", "title.pos", "pds", "body.dno", "id.dno"} <= sidecar
    assert all(kind in ("psc", "pds") or kind.rsplit(".", 1)[1] in
               ("ptx", "pti", "pct", "pos", "dtx", "dti", "dno", "dwt") for kind in sidecar)
    for name in ("fast", "one-loop analysis"):
        assert {kind: data for kind, data in written[name].items() if kind not in sidecar} == \
            written["whoosh"]
    assert written["one-loop analysis"] == written["fast"]


def corpus_documents(count: int) -> list[dict]:
    """Index documents of the first `count` real articles of the shared corpus, those without
    a title last (their title length is then past the end of the lengths column)."""
    rows = []
    with require_shared(CORPUS / "articles.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            rows.append(json.loads(line))
            if len(rows) == count:
                break
    rows.sort(key=lambda row: not row["title"])
    documents = []
    for i, row in enumerate(rows):
        doc = schema.document(Article(
            id=row["id"], title=row["title"] or "-", body=row["body"] or "-",
            section=row["section"] or "", author=tuple(row["author"] or ())[:3],
            url=row["url"] or ""), f"{i}.md", f"h{i}")
        if not row["title"]:
            del doc["title"]
        documents.append(doc)
    return documents


@pytest.mark.parametrize("limitmb", [0.05, 128])
def test_the_fast_writer_writes_whoosh_bytes_for_real_articles(tmp_path: Path, monkeypatch,
                                                               limitmb):
    """The term-at-a-time postings writer (`write_postings`) on a few hundred real articles:
    terms of one posting and of many 128-posting blocks, documents without a title, spilled
    runs or none, long terms in pieces of the pool's chunks (4,096 postings, or 128); every
    file Whoosh writes is byte for byte Whoosh's own, and the positions sidecar is the same
    however terms are cut."""
    documents = corpus_documents(300)
    assert "title" not in documents[-1]
    written = {}
    fast = functools.partial(FastSegmentWriter, positions=index_positions)
    for name, make, run_chunk in (("whoosh", SegmentWriter, None), ("fast", fast, None),
                                   ("sliced", fast, 128)):
        if run_chunk:  # a term of more than 128 postings comes in several pieces
            monkeypatch.setattr(termpool, "RUN_CHUNK", run_chunk)
        ix = indexer.create(tmp_path / name, build_schema())
        w = make(ix, limitmb=limitmb, compound=False)
        for doc in documents:
            w.add_document(**doc)
        w.commit()
        written[name] = segment_files(tmp_path / name)
    with ix.searcher() as searcher:  # the sliced writer's index
        most = max(searcher.reader().iter_field("body"), key=lambda item: item[1].doc_frequency())
    assert most[1].doc_frequency() > 128  # a term over two blocks (and two pieces)
    for name in ("fast", "sliced"):
        assert {kind: data for kind, data in written[name].items() if kind in written["whoosh"]} \
            == written["whoosh"]
    assert {"psc", "body.pos", "body.pti"} <= set(written["fast"]) - set(written["whoosh"])
    assert written["sliced"] == written["fast"]


def test_the_fast_writer_merges_segments_into_whoosh_bytes(tmp_path: Path):
    """Segments merged in at commit (`add_reader`: postings term by term, after the new
    documents) through spilled runs: the runs are merged a term at a time, in run order, into
    what Whoosh's own writer writes."""
    documents = corpus_documents(120)
    written = {}
    for name, make in (("whoosh", SegmentWriter), ("fast", FastSegmentWriter)):
        ix = indexer.create(tmp_path / name, build_schema())
        for part in (documents[:40], documents[40:80]):
            w = make(ix, compound=False)
            for doc in part:
                w.add_document(**doc)
            w.commit(merge=False)
        w = make(ix, limitmb=0.01, compound=False)
        for doc in documents[80:]:
            w.add_document(**doc)
        w.commit(optimize=True)
        assert len(ix._segments()) == 1
        written[name] = segment_files(tmp_path / name)
    assert {kind: data for kind, data in written["fast"].items() if kind in written["whoosh"]} \
        == written["whoosh"]


def test_the_sidecar_recorded_a_term_at_a_time_is_the_one_watched_a_posting_at_a_time(
        tmp_path: Path):
    """`PositionsRecorder.record` (what the term-at-a-time writer calls) writes the files
    `watch` writes from the same postings stream, byte for byte."""
    ix = indexer.create(tmp_path / "ix", build_schema())
    w = FastSegmentWriter(ix, limitmb=0.05, compound=False, positions=index_positions)
    for doc in corpus_documents(150):
        w.add_document(**doc)
    items = list(w.pool.iter_postings())
    w.cancel()
    fields = positions.positional_fields(ix.schema)
    assert {"title", "body"} <= fields
    written = {}
    for name in ("watch", "record"):
        (tmp_path / name).mkdir()
        recorder = positions.PositionsRecorder(str(tmp_path / name), "seg", fields)
        if name == "watch":
            assert list(recorder.watch(iter(items))) == items
        else:
            for (field, text), group in itertools.groupby(items, lambda item: item[:2]):
                _, _, docnums, _, values = zip(*group, strict=True)
                recorder.record(field, text, docnums, values)
            recorder.close()
        written[name] = {p.name: p.read_bytes() for p in (tmp_path / name).iterdir()}
    assert {"seg.psc", "seg.body.pos", "seg.body.pti"} <= set(written["watch"])
    assert written["record"] == written["watch"]


def test_the_sidecar_format_indexes_what_whoosh_positions_format_does():
    """`SidecarPositions.word_values` (the analyzer's path) gives `Positions.word_values`'
    terms, frequencies, weights and positions, each posting's positions raw."""
    analyzer = french_analyzer(frozenset({"CARES-Mali"}))
    texts = [f"{a.title} {a.body}" for a in ARTICLES] + ["mot " * 70_000 + "Bamako"]
    for text in texts:
        want = list(Positions(field_boost=2.0).word_values(text, analyzer, mode="index"))
        got = list(SidecarPositions(field_boost=2.0).word_values(text, analyzer, mode="index"))
        assert [(t, f, w, np.frombuffer(v, dtype=np.int32).tolist()) for t, f, w, v in got] == \
            [(t, f, w, Positions().decode_positions(v)) for t, f, w, v in want]
    assert max(Positions().decode_positions(want[-1][3])) > 1 << 16
    assert not SidecarPositions().supports("positions") and SidecarPositions().posting_size == 0


def _whoosh_positions_schema():
    """The index schema with Whoosh's own Positions format (positions in Whoosh's postings) in
    place of `SidecarPositions`: what the index held before schema 10."""
    found = build_schema()
    for name in positions.positional_fields(found):
        found[name].format = Positions(field_boost=found[name].format.field_boost)
    return found


def _live_positions(ix, sidecar: bool) -> dict[tuple[str, bytes], list[tuple[int, list[int]]]]:
    """Every live posting's positions of every positional field, per term: Whoosh's (decoded
    from its postings) or the positions sidecar's (beside the postings sidecar's documents)."""
    from archive.engine import docsidecar

    found: dict[tuple[str, bytes], list[tuple[int, list[int]]]] = {}
    with ix.searcher() as searcher:
        for leaf, offset in searcher.leaf_searchers():
            reader, folder = leaf.reader(), ix.storage.folder
            segment = reader.segment().segment_id()
            for field in ("title", "body", "author_text"):
                if sidecar:  # opened once per field and segment, as a searcher does
                    field_docs = docsidecar.open_field(folder, segment, field)
                    field_positions = positions.open_field(folder, segment, field)
                for term in reader.lexicon(field):
                    postings = found.setdefault((field, term), [])
                    if not sidecar:
                        matcher = reader.postings(field, term)
                        while matcher.is_active():
                            postings.append((matcher.id() + offset,
                                             matcher.value_as("positions")))
                            matcher.next()
                        continue
                    docs, _weights = field_docs.arrays(term, offset)
                    values = positions.term_values(field_positions, term)
                    postings += [(doc, np.frombuffer(value, dtype=np.int32).tolist())
                                 for doc, value in zip(docs.tolist(), values, strict=True)
                                 if not reader.is_deleted(doc - offset)]
    return found


def test_the_positions_sidecar_holds_whoosh_positions_after_merges_and_deletions(tmp_path: Path):
    """With `SidecarPositions`, positions travel raw through the pool (spilled runs or not) to
    the positions sidecar alone, and a segment merged in at commit (`add_reader`) carries its
    sidecar's positions over, its deleted documents left out: every live posting's positions
    read back are those that Whoosh's own writer, with Whoosh's Positions format, keeps in its
    postings for the same documents, deletions and merges (a text past 65,536 words too)."""
    documents = corpus_documents(150)
    documents[3]["body"] = "mot " * 70_000 + documents[3]["body"]  # int32 positions
    written = {}
    for name, make, made in (("whoosh", SegmentWriter, _whoosh_positions_schema()),
                             ("fast", functools.partial(FastSegmentWriter,
                                                        positions=index_positions),
                              build_schema())):
        ix = indexer.create(tmp_path / name, made)
        for part in (documents[:50], documents[50:100]):
            w = make(ix, limitmb=0.05, compound=False)
            for doc in part:
                w.add_document(**doc)
            w.commit(merge=False)
        w = make(ix, limitmb=0.05, compound=False)
        for doc in documents[10:20] + documents[60:65]:
            w.delete_by_term("id", doc["id"])
        assert len(ix._segments()) == 2
        live = _live_positions(ix, sidecar=name == "fast")
        for doc in documents[100:]:
            w.add_document(**doc)
        w.commit(optimize=True)  # both segments merged into the new one
        assert len(ix._segments()) == 1
        written[name] = (live, _live_positions(ix, sidecar=name == "fast"))
    for before, after in zip(written["fast"], written["whoosh"], strict=True):
        assert before == after
    merged = written["fast"][1]
    assert len(merged) > 5000 and max(p[-1] for postings in merged.values()
                                      for _doc, p in postings) > 1 << 16


def test_the_one_loop_analysis_indexes_what_the_analyzer_chain_does(tmp_path: Path):
    """`index_positions` gives each text the terms, positions and order of Whoosh's
    `Positions.word_values` over the analyzer: elisions, compounds, acronyms, shouting,
    protected names, stop words; with the summary column (key terms) the same too."""
    texts = ["L'ADEMA-PASJ et le CARES-Mali à Bamako, d'État l'Europe aujourd'hui",
             "SÉCURITÉ AU MALI: l'EDM-SA et N'Diaye, prud'hommes presqu'île quelqu'un",
             "USA UN CAF café qu'il n'a jusqu'à Tombouctou Traoré TRAORE"]
    texts += [f"{a.title} {a.body}" for a in ARTICLES]
    analyzer = french_analyzer(frozenset({"CARES-Mali", "EDM-SA"}))
    for text in texts:
        want = list(Positions().word_values(text, analyzer, mode="index"))
        got = index_positions(analyzer, text)
        assert [(t, len(p), float(len(p)), Positions().encode(p)) for t, p in got.items()] == want
    written = {}
    for name, extra in (("chain", {}), ("one loop", {"positions": index_positions})):
        ix = indexer.create(tmp_path / name, build_schema(frozenset({"CARES-Mali"})))
        w = FastSegmentWriter(ix, compound=False, summary=keyterms.summary(), **extra)
        for i, text in enumerate(texts):
            w.add_document(**schema.document(Article(id=f"a-{i}", title=text[:80], body=text),
                                             f"{i}.md", f"h{i}"))
        w.commit()
        written[name] = segment_files(tmp_path / name)
    assert written["one loop"] == written["chain"]


def test_a_full_reindex_indexes_every_article_with_its_fields(archive: Config):
    report = reindex(archive)
    assert (report.mode, report.added, report.rejected) == ("full", 4, [])
    gen = open_current(archive.index_dir)
    with gen.index.searcher() as searcher:
        assert searcher.doc_count() == 4
        stored = searcher.document(id="recolte-de-coton-record")
    assert stored["author"] == ["A. Traoré", "Y. Doumbia"]
    assert stored["date"] == "2021-11" and stored["year"] == 2021
    assert stored["body"].startswith("La sécurité alimentaire")
    assert stored["path"] == "2021/recolte-de-coton-record.md"
    assert stored["hash"].startswith("sha256:")
    assert gen.manifest["articles"] == 4


def test_words_names_and_exact_values_are_searchable(archive: Config):
    reindex(archive)
    assert ids_for(archive, "body", "securite") == {"recolte-de-coton-record"}
    assert ids_for(archive, "title", "greve") == {"greve-des-enseignants-a-kayes"}
    # auteur:Doumbia finds "Y. Doumbia" through the word field, the exact field needs the name.
    both = {"greve-des-enseignants-a-kayes", "recolte-de-coton-record"}
    assert ids_for(archive, "author_text", "Doumbia") == both
    gen = open_current(archive.index_dir)
    with gen.index.searcher() as searcher:
        assert len(searcher.search(Term("author", "Y. Doumbia"))) == 2
        assert len(searcher.search(Term("author", "Doumbia"))) == 0
        org = Term("organisation", "Syndicat national de l'éducation")
        assert [h["id"] for h in searcher.search(org)] == ["greve-des-enseignants-a-kayes"]
        assert len(searcher.search(Term("section", "Économie"))) == 1


def assert_facets_match_stored_fields(gen) -> None:
    """The facet arrays say, for every live document, what its stored fields say."""
    expected: dict[str, Counter] = {f: Counter() for f in ("section", "author", "organisation",
                                                            "year")}
    with gen.index.searcher() as searcher:
        docnums = list(searcher.document_numbers())
        for docnum in docnums:
            stored = searcher.stored_fields(docnum)
            expected["section"].update([stored["section"]])
            expected["author"].update(stored.get("author", []))
            expected["organisation"].update(stored.get("organisation", []))
            if "year" in stored:
                expected["year"].update([str(stored["year"])])
            for facet in ("author", "organisation"):
                names = [gen.facets.values(facet)[o] for o in gen.facets.ordinals(facet, docnum)]
                assert sorted(names) == sorted(stored.get(facet, []))
            assert gen.facets.date_keys[docnum] == date_key(stored.get("date"))
    for facet, counts in expected.items():
        assert gen.facets.count_values(facet, docnums) == counts, facet


def test_the_facet_arrays_count_what_the_stored_fields_say(archive: Config):
    reindex(archive)
    gen = open_current(archive.index_dir)
    assert_facets_match_stored_fields(gen)
    assert gen.facets.values("year") == ["2019", "2020", "2021"]
    by_id = {searcher_id: d for d, searcher_id in _ids_by_docnum(gen).items()}
    assert gen.facets.date_keys[by_id["greve-des-enseignants-a-kayes"]] == 20190705
    assert gen.facets.date_keys[by_id["recolte-de-coton-record"]] == 20211100
    assert gen.facets.date_keys[by_id["sans-date-ni-auteur"]] == 0


def _ids_by_docnum(gen) -> dict[int, str]:
    with gen.index.searcher() as searcher:
        return {d: searcher.stored_fields(d)["id"] for d in searcher.document_numbers()}


def test_incremental_reindex_applies_additions_changes_and_deletions(archive: Config):
    reindex(archive)
    first = open_current(archive.index_dir).name
    before = tree_digest(archive.index_dir / first)
    articles = archive.articles_dir
    (articles / "2020" / "festival-sur-le-niger.md").unlink()
    changed = ARTICLES[0].replace(title="Fin de la grève des enseignants à Kayes")
    articlefile.write(articles, changed)
    articlefile.write(articles, Article(id="pluies-a-mopti", title="Fortes pluies à Mopti",
                                        body="Les pluies ont inondé plusieurs quartiers.",
                                        date="2024-08-02", section="Société"))
    report = reindex(archive)
    assert (report.mode, report.added, report.updated, report.deleted) == \
        ("incremental", 1, 1, 1)
    gen = open_current(archive.index_dir)
    assert gen.name != first and gen.manifest["articles"] == 4
    assert ids_for(archive, "title", "fin") == {"greve-des-enseignants-a-kayes"}
    assert ids_for(archive, "title", "festival") == set()
    assert ids_for(archive, "body", "inonde") == {"pluies-a-mopti"}
    with gen.index.searcher() as searcher:
        live = list(searcher.document_numbers())
    assert gen.facets.count_values("section", live)["Société"] == 1
    assert "Culture" not in gen.facets.count_values("section", live)
    # The unchanged segment's arrays were copied from the first generation, the new one read.
    assert set(FacetStore.open(archive.index_dir / first).segments) & set(gen.facets.segments)
    assert_facets_match_stored_fields(gen)
    # The generation that served before is untouched: its files were linked or copied, never
    # rewritten, so it still answers (and rollback can return to it).
    assert tree_digest(archive.index_dir / first) == before


def test_facet_arrays_written_whole_leave_deleted_documents_out(archive: Config, tmp_path: Path):
    # After an incremental update the first segment still holds the old versions, deleted. A
    # full build reads its segments so (a duplicate id across workers is a deleted document):
    # the arrays count live documents only, and read from Whoosh's blocks (a segment written
    # before the postings sidecar) they are, byte for byte, those read from the sidecar.
    reindex(archive)
    (archive.articles_dir / "2020" / "festival-sur-le-niger.md").unlink()
    articlefile.write(archive.articles_dir,
                      ARTICLES[0].replace(section="Société", date="2019-07-06",
                                          organisations=("CARES-Mali",)))
    reindex(archive)
    gen = open_current(archive.index_dir)
    with gen.index.searcher() as searcher:
        live = set(searcher.document_numbers())
    deleted = set(range(gen.index.doc_count_all())) - live
    assert len(deleted) == 2
    (tmp_path / "sidecar").mkdir()
    indexer.build_facets(gen.index, tmp_path / "sidecar")
    whole = FacetStore.open(tmp_path / "sidecar")
    for docnum in deleted:
        assert all(whole.ordinals(f, docnum) == [] for f in ("section", "organisation", "year"))
        assert whole.date_keys[docnum] == 0
    assert whole.count_values("section", sorted(range(gen.index.doc_count_all()))) == \
        gen.facets.count_values("section", sorted(live)) == \
        Counter({"Société": 1, "Économie": 1, "Politique": 1})
    assert whole.count_values("organisation", sorted(live)) == Counter({"CARES-Mali": 2})
    blocks = tmp_path / "blocks"
    shutil.copytree(archive.index_dir / gen.name, blocks)
    shutil.rmtree(blocks / "facets")
    for marker in blocks.glob("*.pds"):
        marker.unlink()  # the segments read as having no postings sidecar
    indexer.build_facets(whoosh_index.open_dir(str(blocks), indexname=schema.INDEX_NAME), blocks)
    assert tree_digest(blocks / "facets") == tree_digest(tmp_path / "sidecar" / "facets")

def test_an_unchanged_archive_builds_no_new_generation(archive: Config):
    reindex(archive)
    first = open_current(archive.index_dir).name
    report = reindex(archive)
    assert report.generation is None and report.articles == 4
    assert open_current(archive.index_dir).name == first


def test_a_change_that_keeps_size_and_mtime_is_still_seen_right_after_a_build(archive: Config):
    # Unchanged files are recognised by size and mtime, like git; a file rewritten within the
    # clock's granularity of the last build can keep both, so such recent files are hashed.
    reindex(archive)
    path = next(articlefile.iter_files(archive.articles_dir))
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    swapped = text.replace("leurs salaires", "leurs SALAIRES")
    assert len(swapped.encode()) == len(text.encode()) and swapped != text
    path.write_text(swapped, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    report = reindex(archive)
    assert report.updated == 1


def test_planning_sees_an_edit_in_place_a_new_file_and_a_deleted_one(archive: Config):
    # Old mtimes, far outside the window after a build in which files are always hashed: only
    # size and mtime can tell the edit; writing in place leaves the folder's mtime as it was.
    old = 1_000_000_000
    for path in articlefile.iter_files(archive.articles_dir):
        os.utime(path, (old, old))
    reindex(archive)
    edited, gone = list(articlefile.iter_files(archive.articles_dir))[:2]
    folder_mtime = edited.parent.stat().st_mtime_ns
    edited.write_text(edited.read_text(encoding="utf-8") + "\nMise à jour.\n", encoding="utf-8")
    os.utime(edited, (old, old))
    assert edited.parent.stat().st_mtime_ns == folder_mtime
    gone.unlink()
    articlefile.write(archive.articles_dir, Article(
        id="pluies-a-mopti", title="Fortes pluies à Mopti", body="Les pluies ont inondé Mopti.",
        date="2024-08-02", section="Société"))
    plan = make_plan(archive)
    rel = lambda path: path.relative_to(archive.articles_dir).as_posix()  # noqa: E731
    assert (plan.mode, plan.changed, plan.deleted, plan.added) == \
        ("incremental", [rel(edited)], [rel(gone)], ["2024/pluies-a-mopti.md"])
    report = reindex(archive)
    assert (report.added, report.updated, report.deleted) == (1, 1, 1)
    assert ids_for(archive, "body", "inonde") == {"pluies-a-mopti"}


def test_the_column_comparison_finds_what_a_per_file_one_finds():
    # The plan compares the scan with the file list over arrays: every kind of difference
    # (size only, mtime only, both, new, removed, recent) must land on the right path.
    rng = random.Random(7)
    listed = {f"{y}/a{i}.md": [f"h{i}", rng.randrange(100, 200), rng.randrange(10**9), f"id{i}"]
              for y in range(3) for i in range(300)}
    files = filelist.of(listed)
    for rel in rng.sample(sorted(listed), 40):
        del files[rel]  # rows moved by removals must still be looked up by path
    files["new/b.md"] = ["h", 1, 2, "idb"]
    racy_after = 10**9 - 10**7
    found = {}
    for rel, (_h, size, mtime, _id) in files.items():
        change = rng.randrange(8)
        size += change == 1
        mtime += (change == 2) - (change == 3) * 10**9
        found[rel] = (size, mtime)
    for rel in rng.sample(sorted(found), 30):
        del found[rel]
    found.update({f"extra/{i}.md": (5, 6) for i in range(5)})
    order = list(found)
    rng.shuffle(order)
    stats = FileStats(order, [found[r][0] for r in order], [found[r][1] for r in order])
    stale, missing = files.compare(stats, racy_after)
    expected = [rel for rel in order if rel not in files or files[rel][1] != found[rel][0]
                or files[rel][2] != found[rel][1] or found[rel][1] >= racy_after]
    assert stale == expected and 40 < len(expected) < len(order)
    assert missing == sorted(set(files) - set(found)) and len(missing) == 30
    assert files.compare(FileStats(), 0) == ([], sorted(files))
    # The same, the scan in the list's own order (its rows compared without look-ups).
    listed = list(files)
    moved = {rel: found.get(rel, (files[rel][1], files[rel][2] + 1)) for rel in listed}
    stats = FileStats(listed, [moved[r][0] for r in listed], [moved[r][1] for r in listed])
    expected = [rel for rel in listed if files[rel][1] != moved[rel][0]
                or files[rel][2] != moved[rel][1] or moved[rel][1] >= racy_after]
    assert files.compare(stats, racy_after) == (expected, [])
    assert 0 < len(expected) < len(listed)
    back = listed[::-1]  # as many paths, in another order: looked up one by one
    stats = FileStats(back, [moved[r][0] for r in back], [moved[r][1] for r in back])
    assert files.compare(stats, racy_after) == (expected[::-1], [])


def test_a_file_list_read_from_disk_answers_as_the_dict_it_replaces(tmp_path: Path):
    # Read from its column file, a list indexes no path until one is looked up that a pass
    # over the paths (`locate`, the delta, the comparison) did not find: at a million files
    # a dict of every path cost 0.6 s per job. Every change must land as on a dict.
    rng = random.Random(11)
    model = {f"{2000 + i % 7}/a{i}.md": [f"sha256:{i}", i, 10**9 + i, f"id{i}"]
             for i in range(400)}
    filelist.write(tmp_path, filelist.of(model))
    written = {rel: list(entry) for rel, entry in model.items()}
    files = filelist.read(tmp_path)
    files.locate(["2001/a1.md", "nowhere.md", "new/b.md"])
    assert files._row is None  # found by one pass, not by an index of every path
    assert "nowhere.md" not in files and files["2001/a1.md"] == model["2001/a1.md"]
    assert "new/b.md" not in files
    files["2001/a1.md"] = model["2001/a1.md"] = ["h", 1, 2, "x"]
    del files["2001/a1.md"], model["2001/a1.md"]  # the last row takes its place
    files["new/b.md"] = model["new/b.md"] = ["h", 3, 4, "b"]
    assert files._row is None and files["new/b.md"] == ["h", 3, 4, "b"]
    for rel in rng.sample(sorted(model), 30):  # not located: the index is built for them
        if rng.random() < 0.5:
            del files[rel], model[rel]
        else:
            files[rel] = model[rel] = ["h2", 5, 6, rel]
    assert dict(files.items()) == model and len(files) == len(model)
    assert files.copy() == model and list(files) == files.columns()["rel"]
    # A job's few changes go to the delta beside a link to the list; read back, they are
    # applied to rows found by one pass too.
    files, model = filelist.read(tmp_path), written
    files["2003/a3.md"] = model["2003/a3.md"] = ["h3", 7, 8, "id3"]
    del files["2004/a4.md"], model["2004/a4.md"]
    files["new/c.md"] = model["new/c.md"] = ["h", 9, 9, "c"]
    (tmp_path / "next").mkdir()
    filelist.write(tmp_path / "next", files)
    assert (tmp_path / "next" / filelist.DELTA).exists()
    again = filelist.read(tmp_path / "next")
    assert again._row is None and dict(again.items()) == model
    # A path listed twice (a damaged list) is found when the index is built: the generation
    # is then said unreadable, as `read` says of other damage.
    twice = tmp_path / "twice"
    twice.mkdir()
    filelist.write(twice, filelist.of({"2020/a.md": ["h", 1, 2, "a"], "2020/b.md": ["h", 1, 2, "b"]}))
    data = (twice / filelist.COLUMN_FILE).read_bytes()
    (twice / filelist.COLUMN_FILE).write_bytes(data.replace(b"2020/b.md", b"2020/a.md"))
    damaged = filelist.read(twice)
    with pytest.raises(IndexUnavailable, match="no readable file list"):
        damaged.get("2020/c.md")


def test_the_listed_ids_answer_as_the_dict_they_replace():
    ids = ["greve-a-kayes", "Greve-a-Kayes", "été-à-mopti", "x\udcff", "", "twice", "twice"]
    rels = ["2019/greve.md", "2019/Greve.md", "2021/été.md", "sans-date/x\udcff.md",
            "sans-date/vide.md", "2020/first.md", "2020/second.md"]
    ids += [f"article-{i}" for i in range(2000)]
    rels += [f"{2000 + i % 20}/article-{i}.md" for i in range(2000)]
    listed = filelist.of(dict(zip(rels, ([f"h{i}", i, i, d] for i, d in enumerate(ids)),
                                  strict=True))).ids()
    expected = dict(zip(ids, rels, strict=True))  # "twice": the last file listed
    assert len(listed) == len(expected) and sorted(listed) == sorted(expected)
    for article_id, rel in expected.items():
        assert listed[article_id] == rel and listed.get(article_id) == rel
    for absent in ("greve-a-kaye", "GREVE-A-KAYES", "article-2000", "été", 7, None):
        assert absent not in listed and listed.get(absent, "none") == "none"
    taken = ChainMap({}, listed)  # a job adds the ids it indexes above them
    taken["nouveau"] = "2024/nouveau.md"
    assert "nouveau" not in listed and taken["twice"] == "2020/second.md"


def test_the_scan_lists_what_iter_files_lists(tmp_path: Path):
    root = tmp_path / "articles"
    for rel in ("2020/a.md", "2020/.b.md", "2020/c.txt", ".hidden/d.md", "x.md/e.md",
                "sans-date/deep/f.md", "g.md"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("---\n", encoding="utf-8")
    (root / "2020" / "h.md").symlink_to(root / "2020" / "a.md")
    (root / "2020" / "broken.md").symlink_to(root / "nowhere.md")
    found = scan(root)
    assert set(found) == {p.relative_to(root).as_posix() for p in articlefile.iter_files(root)}
    assert found["2020/h.md"].st_size == (root / "2020" / "a.md").stat().st_size
    assert scan(tmp_path / "missing") == {}


@pytest.mark.parametrize("procs", [2, 3])
def test_a_scan_shared_with_helper_processes_lists_the_same_files(tmp_path: Path, procs: int):
    # Each helper walks every procs-th sub-folder and sends its columns back: none lost,
    # none twice, the top folder's own files and nested folders included.
    root = tmp_path / "articles"
    rels = [f"{year}/a{i}.md" for year in range(2001, 2008) for i in range(20)]
    rels += ["top.md", "2003/deep/b.md", "2003/deep/deeper/c.md", "sans-date/d.md"]
    for k, rel in enumerate(rels):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x" * k, encoding="utf-8")
    alone, shared = scan(root), scan(root, procs)
    assert sorted(shared.rels) == sorted(rels) and len(shared) == len(rels)
    assert dict(shared.items()) == dict(alone.items())
    assert shared.rels == alone.rels  # one order (the file list's), however many walk
    assert shared["2003/deep/deeper/c.md"].st_size == rels.index("2003/deep/deeper/c.md")


def _year_folders(root: Path, years: range, per_year: int) -> list[str]:
    rels = [f"{year}/a{i}.md" for year in years for i in range(per_year)]
    for k, rel in enumerate(rels):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x" * k, encoding="utf-8")
    return rels


@pytest.mark.parametrize("procs", [1, 2, 3])
def test_work_given_to_a_scan_runs_here_while_the_helpers_walk(tmp_path: Path, monkeypatch,
                                                               procs: int):
    # A reindex reads its file list while helpers walk data/. The stat calls made here once
    # that work began are counted: with helpers, every share is theirs and this process
    # makes none; alone, it walks after the work.
    root = tmp_path / "articles"
    _year_folders(root, range(2001, 2008), 10)
    counted, ran = [], []
    real = os.stat

    def counting(*args, **kwargs):
        counted.append(args[0])
        return real(*args, **kwargs)

    def work() -> None:
        ran.append(len(counted))
        monkeypatch.setattr(os, "stat", counting)

    found = scan(root, procs, meanwhile=work)
    monkeypatch.undo()
    assert ran == [0]
    assert (len(counted) == 0) == (procs > 1)
    assert found.rels == scan(root).rels and dict(found.items()) == dict(scan(root).items())
    missing = []
    assert scan(tmp_path / "missing", procs, meanwhile=lambda: missing.append(1)) == {}
    assert missing == [1]  # run even when there is nothing to walk


def test_work_given_to_a_scan_that_fails_leaves_no_helper_behind(tmp_path: Path):
    root = tmp_path / "articles"
    _year_folders(root, range(2001, 2005), 50)

    def unreadable_list() -> None:
        raise IndexUnavailable("index generation gen-x has no readable file list")

    with pytest.raises(IndexUnavailable):
        scan(root, 2, meanwhile=unreadable_list)
    children = Path(f"/proc/self/task/{threading.get_native_id()}/children")
    assert children.read_text().split() == []  # both helpers collected, none left running

def test_settled_ids_answer_as_the_dict_they_replace():
    # ids and paths as archives have them: accents, a surrogate escape from a file name that is
    # not UTF-8, ids that differ only by case or a trailing character
    ids = ["greve-a-kayes", "Greve-a-Kayes", "greve-a-kayes-2", "été-à-mopti", "x\udcff", ""]
    rels = ["2019/greve.md", "2019/Greve.md", "2020/greve-2.md", "2021/été.md",
            "sans-date/x\udcff.md", "sans-date/vide.md"]
    ids += [f"article-{i}" for i in range(2000)]
    rels += [f"{2000 + i % 20}/article-{i}.md" for i in range(2000)]
    settled, expected = SettledIds(ids, rels), dict(zip(ids, rels, strict=True))
    assert len(settled) == len(expected) and sorted(settled) == sorted(expected)
    for article_id, rel in expected.items():
        assert settled[article_id] == rel and settled.get(article_id) == rel
    for absent in ("greve-a-kaye", "GREVE-A-KAYES", "article-2000", "été", 7, None):
        assert absent not in settled and settled.get(absent, "none") == "none"
    # a job adds the ids it indexes above them, never into them
    ids_taken = ChainMap({}, settled)
    ids_taken["nouveau"] = "2024/nouveau.md"
    assert "nouveau" not in settled and ids_taken["greve-a-kayes"] == "2019/greve.md"


def test_settled_ids_are_the_unchanged_files_of_the_base_list(tmp_path: Path):
    listed = filelist.of({"2019/a.md": ["sha256:1", 10, 100, "a"],
                          "2019/b.md": ["sha256:2", 20, 200, "b"],
                          "2019/c.md": ["sha256:3", 30, 300, "c"],
                          "2019/d.md": ["sha256:4", 40, 400, "d"]})
    # b's size changed, c's mtime, d is gone; e is new: only a is unchanged
    in_order = FileStats(["2019/a.md", "2019/b.md", "2019/c.md", "2019/e.md"],
                         [10, 21, 30, 50], [100, 200, 301, 500])
    shuffled = FileStats(["2019/e.md", "2019/c.md", "2019/a.md", "2019/b.md"],
                         [50, 30, 10, 21], [500, 301, 100, 200])
    same_rows = FileStats(["2019/a.md", "2019/b.md", "2019/c.md", "2019/d.md"],
                          [10, 21, 30, 41], [100, 200, 301, 400])  # the list's own order
    plain = {rel: (size, mtime) for rel, size, mtime in
             zip(in_order.rels, in_order.sizes, in_order.mtimes, strict=True)}
    for stats in (in_order, shuffled, same_rows, plain):
        assert listed.unchanged(stats) == (["a"], ["2019/a.md"])
    assert filelist.FileList().unchanged(in_order) == ([], [])


# /proc/stat as Linux writes it: every core's ticks (user nice system idle iowait irq softirq
# steal guest guest_nice), then each core's
PROC_STAT = """cpu  6318347 91469 807227 2323452 124066 0 38488 2961 0 0
cpu0 2735032 51602 361440 1648377 43832 0 3170 1485 0 0
cpu1 3583314 39867 445787 675075 80234 0 35318 1476 0 0
intr 123 0 0
"""


def test_idle_time_is_read_from_the_kernels_cpu_counters():
    idle, total = idlecpu.cpu_times(PROC_STAT)
    assert idle == 2323452 + 124066  # idle and iowait: a core waiting on the disk is free
    assert total == 6318347 + 91469 + 807227 + 2323452 + 124066 + 0 + 38488 + 2961


def _spin(started) -> None:
    started.release()
    while True:
        pass


@pytest.mark.skipif(not Path(idlecpu.STAT).exists(), reason="no /proc/stat (not Linux)")
def test_a_busy_machine_walks_data_in_one_process():
    # A process spinning on every core leaves none idle: the walk takes no helper process
    # (the one-minute load average would still say idle for a while after they start).
    ctx = multiprocessing.get_context("fork")
    started = ctx.Semaphore(0)
    spinners = [ctx.Process(target=_spin, args=(started,), daemon=True)
                for _ in range(os.cpu_count() or 1)]
    for spinner in spinners:
        spinner.start()
    try:
        for _ in spinners:
            assert started.acquire(timeout=30)
        assert idlecpu.idle_cores(0.3) < jobs.IDLE_FOR_PROCS
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.join()


def test_a_file_touched_without_change_is_not_reindexed(archive: Config):
    reindex(archive)
    path = next(articlefile.iter_files(archive.articles_dir))
    os.utime(path, (1, 1))  # an old, different mtime: the file is hashed and found identical
    report = reindex(archive)
    assert report.generation is None and report.updated == 0


def test_a_dry_run_lists_the_changes_and_writes_nothing(archive: Config):
    reindex(archive)
    (archive.articles_dir / "2020" / "festival-sur-le-niger.md").unlink()
    articlefile.write(archive.articles_dir, ARTICLES[1].replace(body="Texte corrigé."))
    before = tree_digest(archive.index_dir)
    result = CliRunner().invoke(main, ["reindex", "--dry-run", "--data",
                                       str(archive.data_dir), "--index", str(archive.index_dir)])
    assert result.exit_code == 0, result.output
    assert "update 2021/recolte-de-coton-record.md" in result.output
    assert "delete 2020/festival-sur-le-niger.md" in result.output
    assert "would add 0, update 1, delete 1" in result.output
    assert tree_digest(archive.index_dir) == before


def test_rollback_serves_the_previous_generation_and_can_be_undone(archive: Config):
    reindex(archive)
    first = open_current(archive.index_dir).name
    articlefile.write(archive.articles_dir, ARTICLES[2].replace(title="Festival annulé"))
    reindex(archive)
    second = open_current(archive.index_dir).name
    args = ["rollback", "--data", str(archive.data_dir), "--index", str(archive.index_dir)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert open_current(archive.index_dir).name == first
    assert ids_for(archive, "title", "annule") == set()
    CliRunner().invoke(main, args)
    assert open_current(archive.index_dir).name == second
    assert ids_for(archive, "title", "annule") == {"festival-sur-le-niger"}


def test_older_generations_are_removed_and_two_are_kept(archive: Config):
    names = []
    for i in range(4):
        articlefile.write(archive.articles_dir, ARTICLES[3].replace(body=f"Version {i}."))
        names.append(reindex(archive).generation)
    kept = sorted(p.name for p in archive.index_dir.glob("gen-*"))
    assert kept == sorted(names[-2:])


def test_status_reports_the_generation_and_the_changes_since(archive: Config):
    args = ["status", "--data", str(archive.data_dir), "--index", str(archive.index_dir)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "no index" in result.output
    reindex(archive)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0
    assert "articles: 4" in result.output and "up to date" in result.output
    assert str(archive.articles_dir) in result.output
    articlefile.write(archive.articles_dir, ARTICLES[3].replace(body="Corrigé."))
    (archive.articles_dir / "2020" / "festival-sur-le-niger.md").unlink()
    articlefile.write(archive.articles_dir, ARTICLES[2].replace(id="nouveau-festival"))
    result = CliRunner().invoke(main, args)
    assert "1 added, 1 changed, 1 deleted" in result.output
    # Touching a file without changing it is not a change (the hash decides).
    path = archive.articles_dir / "2019" / "greve-des-enseignants-a-kayes.md"
    os.utime(path, ns=(1, 1))
    assert status(archive).changed == ["sans-date/sans-date-ni-auteur.md"]


def test_bad_files_are_reported_by_name_and_skipped(archive: Config):
    broken = archive.articles_dir / "2022" / "casse.md"
    broken.parent.mkdir()
    broken.write_text("---\ntitle: [pas fermé\n---\n\nTexte.\n", encoding="utf-8")
    empty = archive.articles_dir / "2022" / "vide.md"
    empty.write_text("---\nid: vide\ntitle: Vide\n---\n\n", encoding="utf-8")
    twin = archive.articles_dir / "2022" / "jumeau.md"
    twin.write_text(articlefile.render(ARTICLES[2]), encoding="utf-8")
    args = ["reindex", "--data", str(archive.data_dir), "--index", str(archive.index_dir)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == EXIT_PARTIAL, result.output  # done, files rejected
    assert "added 4, updated 0, deleted 0, rejected 3" in result.output
    assert "rejected 2022/casse.md: line 2: front matter is not valid YAML" in result.output
    assert "rejected 2022/vide.md: empty body" in result.output
    assert "rejected 2022/jumeau.md: id 'festival-sur-le-niger' is already used by" \
        in result.output
    assert open_current(archive.index_dir).manifest["articles"] == 4
    # Unchanged bad files are still reported, without building a new generation.
    again = reindex(archive)
    assert again.generation is None and len(again.rejected) == 3


# --- an archivist's slip never unpublishes an article -------------------------------------------

SLIPS = {
    "unclosed list": ("section: Éducation", "section: [Éducation"),
    "impossible date": ("date: '2019-07-05'", "date: '2019-07-35'"),
    "emptied title": ("title: Grève des enseignants à Kayes", "title: ''"),
    "id taken by another article": ("id: greve-des-enseignants-a-kayes",
                                    "id: festival-sur-le-niger"),
    # git could not merge two archivists' versions: its marks would be published as text
    "merge conflict": ("réclament leurs salaires.",
                       "réclament leurs salaires.\n<<<<<<< HEAD\nDepuis mars.\n=======\n"
                       "Depuis avril.\n>>>>>>> correction"),
    "front matter pasted twice": ("\n\nLes enseignants de l’école",
                                  "\n\n---\nid: greve-des-enseignants-a-kayes\ntitle: Grève\n"
                                  "---\n\nLes enseignants de l’école"),
}
MODES = {"incremental": [], "full": ["--full"], "full, 2 processes": ["--full", "--procs", "2"]}


def cli(config: Config, *args: str):
    """The real `archive` command on this archive."""
    return CliRunner().invoke(main, [*args, "--data", str(config.data_dir), "--index",
                                     str(config.index_dir)])


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("slip", list(SLIPS))
def test_a_file_that_becomes_invalid_keeps_its_last_good_version_until_fixed(
        archive: Config, slip: str, mode: str):
    assert cli(archive, "reindex").exit_code == 0
    path = archive.articles_dir / "2019" / "greve-des-enseignants-a-kayes.md"
    good = path.read_text(encoding="utf-8")
    assert SLIPS[slip][0] in good
    path.write_text(good.replace(*SLIPS[slip]), encoding="utf-8")
    rel = "2019/greve-des-enseignants-a-kayes.md"

    dry = cli(archive, "reindex", "--dry-run", *MODES[mode][:1])
    assert f"kept the last good version of {rel}, now invalid: " in dry.output, dry.output
    done = cli(archive, "reindex", *MODES[mode])
    assert done.exit_code == EXIT_PARTIAL, done.output
    assert "rejected 0, kept at their last good version 1" in done.output
    assert f"  kept the last good version of {rel}, now invalid: " in done.output
    # Still searchable and shown: the site serves the version indexed before the slip.
    assert ids_for(archive, "title", "greve") == {"greve-des-enseignants-a-kayes"}
    page = create_app(archive).test_client().get("/article/greve-des-enseignants-a-kayes")
    assert page.status_code == 200 and "Grève des enseignants à Kayes" in page.get_data(True)
    assert open_current(archive.index_dir).manifest["articles"] == 4
    # Until it is fixed, every job and the status say so; nothing is rebuilt for it.
    again = cli(archive, "reindex")
    assert again.exit_code == EXIT_PARTIAL and "index already up to date" in again.output
    shown = cli(archive, "status").output
    assert "invalid, their last good version served: 1 file(s)" in shown
    assert f"  {rel}: " in shown and "data/ unchanged since" in shown
    # Fixed, it is indexed as it now is, and nobody is told about it any more.
    path.write_text(good.replace("Grève des enseignants", "Grève des professeurs"),
                    encoding="utf-8")
    fixed = cli(archive, "reindex", *MODES[mode])
    assert fixed.exit_code == 0 and "kept" not in fixed.output, fixed.output
    assert ids_for(archive, "title", "professeurs") == {"greve-des-enseignants-a-kayes"}
    assert "invalid" not in cli(archive, "status").output


def test_a_slip_undone_by_hand_clears_the_warning_at_the_next_reindex(archive: Config):
    # (the file back to what serves changed nothing in the index, so no job rebuilt the
    # manifest: status said "invalid" about a fine file until some other file changed)
    assert cli(archive, "reindex").exit_code == 0
    path = archive.articles_dir / "2019" / "greve-des-enseignants-a-kayes.md"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace(*SLIPS["impossible date"]), encoding="utf-8")
    assert cli(archive, "reindex").exit_code == EXIT_PARTIAL
    path.write_text(good, encoding="utf-8")  # undone in the editor
    assert "1 changed" in cli(archive, "status").output
    done = cli(archive, "reindex")
    assert done.exit_code == 0 and "kept" not in done.output, done.output
    shown = cli(archive, "status").output
    assert "invalid" not in shown and "data/ unchanged since" in shown


def test_status_counts_a_rejected_file_once_it_is_fixed(archive: Config):
    # (it said "up to date" while the fixed file waited for a reindex)
    broken = archive.articles_dir / "2022" / "casse.md"
    broken.parent.mkdir()
    broken.write_text("---\ntitle: [pas fermé\n---\n\nTexte.\n", encoding="utf-8")
    assert len(reindex(archive).rejected) == 1
    assert status(archive).added == []  # still broken: reported as rejected, not pending
    broken.write_text("---\nid: casse\ntitle: Pas cassé\n---\n\nTexte réparé.\n",
                      encoding="utf-8")
    assert status(archive).added == ["2022/casse.md"]
    assert "1 added, 0 changed, 0 deleted" in cli(archive, "status").output
    assert reindex(archive).rejected == [] and status(archive).added == []


def test_a_file_nobody_can_read_is_rejected_and_the_others_are_served(archive: Config):
    # (a full build failed whole, blaming the index folder: "permission denied while writing
    # generation ...": the manifest hashed the rejected file, and could not read it)
    path = archive.articles_dir / "2020" / "festival-sur-le-niger.md"
    path.chmod(0)
    command = [sys.executable, "-m", "archive", "reindex", "--data", str(archive.data_dir),
               "--index", str(archive.index_dir)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args in (["--full"], []):
        done = subprocess.run(as_a_plain_user(command + args), capture_output=True, text=True,
                              env=env)
        assert done.returncode == EXIT_PARTIAL, done.stdout + done.stderr
        assert "rejected 2020/festival-sur-le-niger.md: cannot be read (Permission denied)" \
            in done.stdout
        assert open_current(archive.index_dir).manifest["articles"] == 3
    path.chmod(0o644)
    os.utime(path)  # (a chmod leaves the time a job compares alone)
    assert status(archive).added == ["2020/festival-sur-le-niger.md"]
    assert reindex(archive).rejected == [] and ids_for(archive, "title", "festival") == {
        "festival-sur-le-niger"}


MISNAMED = {"greve-copie.MD": "ends in .MD, not .md",
            "greve-b.md.txt": "ends in .txt after .md",
            "greve-c.md ": "ends with a space or a dot after .md"}


def test_a_file_named_almost_like_an_article_is_said_by_every_job_never_skipped(
        archive: Config):
    # (reindex, status and check passed over them in silence: the archivist's article was
    # simply not there)
    good = archive.articles_dir / "2019" / "greve-des-enseignants-a-kayes.md"
    for name in MISNAMED:
        shutil.copy(good, good.with_name(name))
    (good.parent / "greve.md~").write_text("a backup", encoding="utf-8")  # not a slip
    done = cli(archive, "reindex")
    assert done.exit_code == EXIT_PARTIAL and "rejected 3" in done.output, done.output
    for name, why in MISNAMED.items():
        right = name.split(".")[0] + ".md"
        assert f"  rejected 2019/{name}: its name {why}" in done.output
        assert f"rename it '{right}', then run 'archive reindex'" in done.output
    assert open_current(archive.index_dir).manifest["articles"] == 4
    shown = cli(archive, "status").output
    assert sum(line.startswith("left out: 2019/greve-") for line in shown.splitlines()) == 3
    checked = cli(archive, "check")
    assert checked.exit_code == EXIT_PARTIAL and "3 rejected" in checked.output
    # the same files whether one process walks data/ or several
    assert scan(archive.articles_dir, procs=3).misnamed == sorted(f"2019/{n}" for n in MISNAMED)
    # Renamed, each is an article (the copies are the same one: its id is taken)
    good.with_name("greve-copie.MD").rename(good.with_name("greve-copie.md"))
    again = cli(archive, "reindex")
    assert "rejected 2019/greve-copie.md: id 'greve-des-enseignants-a-kayes' is already used" \
        in again.output and "rejected 3" in again.output


def test_an_invalid_file_deleted_by_the_archivist_leaves_the_index(archive: Config):
    reindex(archive)
    path = archive.articles_dir / "2020" / "festival-sur-le-niger.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title:", "titre:"),
                    encoding="utf-8")
    assert len(reindex(archive).kept) == 1
    path.unlink()
    done = reindex(archive)
    assert done.kept == [] and done.deleted == 1
    assert ids_for(archive, "title", "festival") == set()


def test_reindex_exits_0_when_every_file_is_indexed(archive: Config):
    assert cli(archive, "reindex").exit_code == 0
    assert cli(archive, "reindex").exit_code == 0  # up to date


def test_opening_without_a_usable_index_says_why(archive: Config):
    with pytest.raises(IndexUnavailable, match="no index"):
        open_current(archive.index_dir)
    reindex(archive)
    gen = open_current(archive.index_dir)
    segment = next(gen.path.glob("*.trm"))
    segment.write_bytes(segment.read_bytes()[:20])
    with pytest.raises(IndexUnavailable, match="damaged"):
        open_current(archive.index_dir)
    generations.swap(archive.index_dir, "gen-20000101T000000000000Z-1", None)
    with pytest.raises(IndexUnavailable, match="missing"):
        open_current(archive.index_dir)


def test_a_long_lived_reader_follows_the_current_generation(archive: Config):
    reindex(archive)
    current = CurrentGeneration(archive.index_dir)
    first = current.get()
    assert current.get() is first
    articlefile.write(archive.articles_dir, ARTICLES[3].replace(body="Nouvelle version."))
    reindex(archive)
    assert current.get().name != first.name
    with first.index.searcher() as searcher:  # a request that started before still answers
        assert searcher.doc_count() == 4
    assert FacetStore.open(first.path).doc_count == 4


def test_a_second_job_is_refused_with_the_running_job_named(archive: Config):
    with joblock.job_lock(archive.index_dir, "reindex --full"):
        result = CliRunner().invoke(main, ["reindex", "--data", str(archive.data_dir),
                                           "--index", str(archive.index_dir)])
    assert result.exit_code == 1
    assert f"'reindex --full' (pid {os.getpid()}, started" in result.output
    assert reindex(archive).added == 4  # the lock is free again


def test_a_parallel_full_build_equals_a_single_process_one(archive: Config, tmp_path: Path):
    twin = archive.articles_dir / "2099" / "copie.md"  # sorts last: lands in the second worker
    twin.parent.mkdir()
    twin.write_text(articlefile.render(ARTICLES[0]), encoding="utf-8")
    single = reindex(archive, full=True, procs=1)
    one, one_files = _answers(archive), _file_list(archive)
    double = reindex(archive, full=True, procs=2)
    assert (double.added, double.rejected) == (single.added, single.rejected)
    assert double.rejected == [("2099/copie.md", "id 'greve-des-enseignants-a-kayes' is already "
                                                 "used by 2019/greve-des-enseignants-a-kayes.md")]
    assert _answers(archive) == one
    assert _file_list(archive) == one_files  # the workers' reports, in columns, lose nothing


def _file_list(config: Config) -> list:
    gen = open_current(config.index_dir)
    return list(filelist.read(gen.path).items())


def test_a_workers_compact_report_gives_back_every_file_as_recorded():
    batch = parallel.CompactBatch()
    odd = ["sha256:" + "AB" * 32, "sha256:" + "0" * 63, "md5:" + "1" * 32]
    hashes = [schema.file_hash(b"un"), *odd, schema.file_hash(b"deux")]
    for i, digest in enumerate(hashes):
        batch.add(f"2020/a{i}.md", digest, indexer.FileStat(1000 + i, 2**62 + i), f"a{i}")
    assert list(batch.entries()) == [
        (f"2020/a{i}.md", [digest, 1000 + i, 2**62 + i, f"a{i}"]) for i, digest in enumerate(hashes)]


def _answers(config: Config) -> dict:
    gen = open_current(config.index_dir)
    with gen.index.searcher() as searcher:
        docnums = list(searcher.document_numbers())
        return {
            "count": searcher.doc_count(),
            "ids": sorted(searcher.stored_fields(d)["id"] for d in docnums),
            "doumbia": ids_for(config, "author_text", "doumbia"),
            "facets": {f: gen.facets.count_values(f, docnums) for f in gen.facets.facets()},
        }


def test_facets_stay_right_over_many_incremental_updates(tmp_path: Path):
    config = config_for(tmp_path)
    rng = random.Random(5)
    sections = ["Politique", "Économie", "Société", "Culture", "Éducation", "Santé"]
    people = ["Y. Doumbia", "A. Traoré", "M. Keïta", "F. Sidibé", "O. Diarra"]
    orgs = [f"Organisation {c}" for c in "ABCDEFGHIJ"]

    def write(i: int) -> None:
        articlefile.write(config.articles_dir, Article(
            id=f"article-{i}", title=f"Article numéro {i}", body=f"Texte {rng.random()}.",
            section=rng.choice(sections), author=tuple(rng.sample(people, rng.randint(0, 2))),
            organisations=tuple(rng.sample(orgs, rng.randint(0, 10))),
            date=f"{rng.randint(1995, 2026)}-0{rng.randint(1, 9)}"))

    for i in range(40):
        write(i)
    reindex(config)
    next_id = 40
    for _round in range(4):
        for i in rng.sample(range(next_id), 6):
            write(i)
        for path in rng.sample(list(articlefile.iter_files(config.articles_dir)), 3):
            path.unlink()
        for _ in range(4):
            write(next_id)
            next_id += 1
        assert reindex(config).mode == "incremental"
        gen = open_current(config.index_dir)
        assert gen.facets.doc_count == gen.index.doc_count_all()
        assert_facets_match_stored_fields(gen)


def test_an_empty_or_mistyped_data_folder_never_replaces_a_serving_index(archive: Config,
                                                                         tmp_path: Path):
    reindex(archive)
    first = open_current(archive.index_dir).name
    result = CliRunner().invoke(main, ["reindex", "--data", str(tmp_path / "tpyo"),
                                       "--index", str(archive.index_dir)])
    assert result.exit_code == 1
    assert "refusing to replace an index of 4 articles with an empty one" in result.output
    assert open_current(archive.index_dir).name == first


def test_a_parallel_build_whose_writers_spill_to_disk_is_complete(tmp_path: Path):
    config = config_for(tmp_path)
    rng = random.Random(9)
    words = ["marché", "récolte", "école", "santé", "élection", "paix", "route", "pluie",
             "coton", "mine", "justice", "jeunesse"] + [f"mot{i}" for i in range(3000)]
    for i in range(120):
        body = " ".join(rng.choice(words) for _ in range(600))
        articlefile.write(config.articles_dir, Article(
            id=f"article-{i}", title=f"Chronique numéro {i}", body=body, date="2020-01-02"))
    # 1 MB per writer: both workers write several sorted runs into the shared temp folder.
    report = reindex(config, full=True, procs=2, limitmb=1)
    assert (report.added, report.rejected) == (120, [])
    gen = open_current(config.index_dir)
    with gen.index.searcher() as searcher:
        assert searcher.doc_count() == 120
        assert len(searcher.search(Term("title", analyze("Chronique")[0]), limit=None)) == 120
    assert not (gen.path / "MAIN.tmp").exists()


def test_readers_do_not_leak_file_descriptors(archive: Config):
    reindex(archive)
    current = CurrentGeneration(archive.index_dir)

    def query() -> None:
        gen = current.get()
        with gen.index.searcher() as searcher:
            docnums = list(Term("body", "greve").matcher(searcher).all_ids())
            gen.facets.count("organisation", docnums)

    query()
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(50):
        query()
    open_current(archive.index_dir)
    assert len(os.listdir("/proc/self/fd")) == before


# --- the pickled schema ----------------------------------------------------------------------------


def rewrite_manifest(gen_dir: Path, **changes: object) -> None:
    """Edit a generation's manifest as an older version of the archive would have written it."""
    manifest = generations.read_manifest(gen_dir)
    manifest.update(changes)
    generations.write_manifest(gen_dir, manifest)


def test_a_generation_records_the_code_its_pickled_schema_names(archive: Config):
    reindex(archive)
    manifest = open_current(archive.index_dir).manifest
    assert manifest["schema_version"] == schema.SCHEMA_VERSION
    assert "archive.indexing.analysis.FrenchTokenizer" in manifest["schema_classes"]
    assert "whoosh.fields.TEXT" in manifest["schema_classes"]


V = schema.SCHEMA_VERSION


@pytest.mark.parametrize("older, reason", [
    ({"schema_version": 1}, f"index schema changed (version 1, this archive reads {V})"),
    # version 2 had no date sources, version 3 (one branch) no spellings for the section facet
    ({"schema_version": 3}, f"index schema changed (version 3, this archive reads {V})"),
    ({"schema_version": 2}, f"index schema changed (version 2, this archive reads {V})"),
    ({"schema_classes": ["archive.analysis.FrenchTokenizer", "whoosh.fields.TEXT"]},
     "index schema changed (it names code no longer here: archive.analysis.FrenchTokenizer)"),
])
def test_a_generation_of_another_schema_is_never_read_and_reindex_rebuilds_it(
        archive: Config, older: dict, reason: str):
    reindex(archive)
    rewrite_manifest(open_current(archive.index_dir).path, **older)
    with pytest.raises(IndexUnavailable, match="built by another version of the archive: "
                       + re.escape(reason) + "; run 'archive reindex'"):
        open_current(archive.index_dir)
    assert create_app(archive).test_client().get("/search?q=greve").status_code == 503
    done = cli(archive, "reindex")  # a plain reindex, not --full: it sees why and says so
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[0] == f"full reindex ({reason})"
    assert ids_for(archive, "title", "greve") == {"greve-des-enseignants-a-kayes"}


def _key_terms(config: Config) -> dict[str, list[str]]:
    """Every live article's key terms (the `keyterms` column), by id."""
    with open_current(config.index_dir).index.searcher() as searcher:
        reader = searcher.reader()
        return {searcher.stored_fields(d)["id"]: [t for t, _w in keyterms.key_terms(reader, d)]
                for d in searcher.document_numbers()}


def test_key_terms_are_the_heaviest_whatever_the_ties_at_the_cut():
    """`keyterms.pick` stops walking at the weight of its last kept term: it keeps what
    sorting every candidate keeps, ties at the cut going to longer then later words, short
    terms and numbers skipped even when heaviest."""
    def every_candidate_sorted(weights: dict[bytes, float]) -> bytes:
        candidates = sorted(((w, len(t), t) for t, w in weights.items()
                             if len(t) >= keyterms.MIN_LENGTH and not t.isdigit()), reverse=True)
        return b"\n".join(t + b"\t" + f"{w:g}".encode() for w, _n, t in
                          candidates[:keyterms.KEPT])

    rng = random.Random(18)
    for _ in range(3000):
        weights = {bytes(rng.choice(b"ab1\xc3") for _ in range(rng.randint(1, 6))):
                   rng.choice([1.0, 1.0, 2.0, 2.0, 3.0, 4.5, 0.5]) for _ in range(rng.randint(0, 90))}
        assert keyterms.pick(weights) == every_candidate_sorted(weights)
    ties = {f"mot{i:02d}".encode(): 2.0 for i in range(30)} | {b"un": 9.0, b"2019": 8.0,
                                                                b"gros": 3.0, b"longmot": 2.0}
    picked = [line.split(b"\t")[0] for line in keyterms.pick(ties).split(b"\n")]
    assert picked[:2] == [b"gros", b"longmot"] and picked[2:] == [
        f"mot{i:02d}".encode() for i in range(29, 7, -1)]


@pytest.mark.parametrize("procs", [1, 2])
def test_every_build_keeps_each_articles_key_terms_beside_it(archive: Config, procs: int):
    # One writer or two worker processes, then an incremental build that re-adds a changed
    # article and keeps the others' segment: each article has its key terms, its own words.
    reindex(archive, full=True, procs=procs)
    terms = _key_terms(archive)
    assert set(terms) == {a.id for a in ARTICLES}
    assert {"enseignant", "grev"} <= set(terms["greve-des-enseignants-a-kayes"])
    assert "coton" in terms["recolte-de-coton-record"]
    articlefile.write(archive.articles_dir,
                      ARTICLES[0].replace(title="Fin de la grève des enseignants à Kayes"))
    reindex(archive)
    again = _key_terms(archive)
    assert "fin" in again["greve-des-enseignants-a-kayes"]
    assert again["recolte-de-coton-record"] == terms["recolte-de-coton-record"]
    assert all(0 < len(found) <= keyterms.KEPT for found in again.values())


def test_a_workers_stats_are_only_its_own_files_found_in_any_order():
    stats = FileStats([f"2020/a{i}.md" for i in range(6)], list(range(100, 106)),
                      list(range(200, 206)))
    share = ["2020/a4.md", "2020/a1.md", "2020/gone.md", "2020/a5.md"]
    found = parallel.ShareStats(share, stats.numbers_of(share))
    assert stats._row is None  # no index of every path is left behind for the workers
    assert found["2020/a4.md"] == (104, 204) and found["2020/a5.md"] == (105, 205)
    assert found["2020/a1.md"] == (101, 201)  # out of the share's order too
    with pytest.raises(KeyError):
        found["2020/gone.md"]  # not found by the scan
    assert list(found) == share


def _open_files() -> set[str]:
    """What this process's open descriptors point to (Linux)."""
    fds = Path("/proc/self/fd")
    return {os.path.realpath(fds / fd) for fd in os.listdir(fds)}


needs_proc = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(),
                                reason="counting open files needs Linux's /proc/self/fd")


@needs_proc
def test_files_read_ahead_come_back_in_order_each_failure_at_its_turn(tmp_path: Path,
                                                                     monkeypatch):
    # the next files are opened ahead (and the kernel asked to read them) while the indexer
    # parses, two files ahead at most here: asked in order, each file's bytes; a file gone
    # since the scan raises its own error when its turn comes, and the files after it are
    # still read; a file that grew since it was opened is read whole
    monkeypatch.setattr(readahead, "DEPTH", 2)
    paths = [str(tmp_path / f"a{i}.md") for i in range(8)]
    for i, path in enumerate(paths):
        Path(path).write_bytes(f"article {i}".encode() * (i + 1))
    os.remove(paths[3])
    ahead = readahead.ReadAhead(paths)
    try:
        for i, path in enumerate(paths):
            held = {p for p in _open_files() if p.startswith(str(tmp_path))}
            assert held == {p for p in paths[i:i + 2] if os.path.exists(p)}
            if i == 3:
                with pytest.raises(FileNotFoundError):
                    ahead.read(path)
                continue
            if i == 5:  # opened ahead, then an edit appends to it
                with open(path, "ab") as handle:
                    handle.write(b" and more" * 200_000)
                assert ahead.read(path) == b"article 5" * 6 + b" and more" * 200_000
                continue
            assert ahead.read(path) == f"article {i}".encode() * (i + 1)
    finally:
        ahead.close()
    assert not {p for p in _open_files() if p.startswith(str(tmp_path))}


@needs_proc
def test_a_file_asked_out_of_order_is_read_then_and_close_closes_what_was_opened_ahead(
        tmp_path: Path, monkeypatch):
    monkeypatch.setattr(readahead, "DEPTH", 4)
    paths = [str(tmp_path / f"a{i}.md") for i in range(12)]
    for i, path in enumerate(paths):
        Path(path).write_text(f"article {i}")
    other = tmp_path / "other.md"
    other.write_text("not in the list")

    def held() -> list[str]:
        return sorted(p for p in _open_files() if p.startswith(str(tmp_path)))

    ahead = readahead.ReadAhead(paths)
    assert held() == paths[:4]
    assert ahead.read(paths[2]) == b"article 2"  # a0 and a1 skipped (closed)
    assert held() == paths[3:7]
    # not among those opened ahead: read now, and they stay open for their turn
    assert ahead.read(str(other)) == b"not in the list"
    assert ahead.read(paths[1]) == b"article 1"  # behind them: read now
    assert held() == paths[3:7]
    assert ahead.read(paths[3]) == b"article 3"
    assert held() == paths[4:8]
    ahead.close()
    assert held() == []


@needs_proc
def test_a_file_read_ahead_that_cannot_be_opened_then_is_read_at_its_turn(tmp_path: Path,
                                                                          monkeypatch):
    # opening ahead can fail for a reason of ours (too many files open), not the file's:
    # its turn opens it again, and reports the error then only if it is the file's
    paths = [str(tmp_path / f"a{i}.md") for i in range(4)]
    for i, path in enumerate(paths):
        Path(path).write_text(f"article {i}")
    real_open = os.open
    refused = []

    def open_refusing_some(path, flags, *args, **kwargs):
        if path in paths[1:3] and path not in refused:
            refused.append(path)
            raise OSError(24, "Too many open files")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(readahead.os, "open", open_refusing_some)
    ahead = readahead.ReadAhead(paths)
    assert [ahead.read(p) for p in paths] == [f"article {i}".encode() for i in range(4)]
    assert refused == paths[1:3]
    ahead.close()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_a_file_replaced_by_a_named_pipe_is_read_empty_instead_of_waiting(tmp_path: Path):
    # opened ahead without blocking: a named pipe with no writer reads as an empty file,
    # which the build then rejects, where an open waiting for a writer would hang the build
    paths = [str(tmp_path / f"a{i}.md") for i in range(3)]
    for i, path in enumerate(paths):
        Path(path).write_text(f"article {i}")
    os.remove(paths[1])
    os.mkfifo(paths[1])
    ahead = readahead.ReadAhead(paths)
    assert [ahead.read(p) for p in paths] == [b"article 0", b"", b"article 2"]
    ahead.close()


def test_a_file_gone_before_a_build_reads_it_is_rejected_with_its_reason(archive: Config):
    rels = [articlefile.relative_path(a).as_posix() for a in ARTICLES]
    (archive.articles_dir / rels[1]).unlink()  # after the scan, before its turn
    reader = jobs._ArticleReader(archive, None)
    batch = indexer.Batch()
    ix = indexer.create(archive.index_dir / "gen", build_schema())
    w = indexer.writer(ix, 128)
    with reader.ahead(rels):
        found = indexer.index_files(w, rels, reader, {rel: indexer.FileStat(1, 1) for rel in rels},
                                    {}, batch=batch)
    w.cancel()
    assert found.rejected == [(rels[1], "cannot be read (No such file or directory)")]
    assert found.order == rels[:1] + rels[2:]


def test_the_postings_pool_spills_bounded_chunks_and_merges_terms_in_document_order(
        tmp_path: Path, monkeypatch):
    # the pool (engine.termpool) writes sorted runs past its memory limit; a merge holds one
    # chunk of each open run, so a chunk holds at most RUN_CHUNK postings, a frequent word's
    # share of a run cut into several pieces
    monkeypatch.setattr(termpool, "RUN_CHUNK", 64)
    ix = indexer.create(tmp_path / "ix", build_schema())
    w = FastSegmentWriter(ix, limitmb=0.006, compound=False, positions=index_positions)
    pool = w.pool
    chunks = []
    real_dump = termpool.pickle.dump
    monkeypatch.setattr(termpool.pickle, "dump",
                        lambda chunk, *args: (chunks.append(chunk), real_dump(chunk, *args)))
    for docnum in range(400):
        pool.add_field("body", docnum, [b"mali", f"mot{docnum % 7}".encode()], [1.0, 2.0],
                       [b"\x00" * 4, b"\x01" * 4])
    pool.add_term("body", b"mali", range(400, 1000), [3.0] * 600, [b""] * 600)
    assert len(pool.runs) >= 3
    # a chunk is in columns: (field, term) and count of each piece, then the postings' columns
    assert chunks and all(len(chunk[2]) == sum(chunk[1]) <= 64 for chunk in chunks)
    merged = list(pool.iter_terms())
    w.cancel()
    mali = [piece for piece in merged if piece[1] == b"mali"]
    assert len(mali) > 1  # one piece per run (and per chunk) holding it
    docs = [doc for piece in mali for doc in piece[2]]
    assert docs == list(range(1000))
    assert [w for piece in mali for w in piece[3]] == [1.0] * 400 + [3.0] * 600
    assert [(f, t) for f, t, *_ in merged] == sorted((f, t) for f, t, *_ in merged)
    assert sum(len(piece[2]) for piece in merged if piece[1] == b"mot3") == 57
