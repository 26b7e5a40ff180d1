"""The engine: its scores and phrase matches equal Whoosh's own, its version check, its seam.

Two small real indexes, each built by `archive reindex` then updated incrementally (some
articles edited, some deleted, so that the index holds deleted documents and several
segments): one from the shared press corpus (skipped when ../shared is not there), one from
`bench/synthetic.py`'s generator. The fast writer's files are compared with Whoosh's own in
`tests/test_indexer.py` (`test_the_fast_writer_writes_the_same_files_as_whoosh_own`), beside
the index tests whose sample documents it shares.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import math
import random
import shutil
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from whoosh import fields as wfields
from whoosh import formats
from whoosh import query as wq
from whoosh.filedb.filestore import RamStorage

from archive import articlefile
from archive.config import Config, load_config
from archive.engine import docsidecar, positions
from archive.engine.bm25 import _best, top_documents
from archive.engine.collectors import TimeLimit
from archive.engine.docnums import distinct
from archive.engine.lexicon import close_terms
from archive.engine.postings import Lengths, Postings, TermCache
from archive.engine.version import REQUIREMENT, TESTED_VERSIONS, check_whoosh_version
from archive.errors import ArchiveError
from archive.indexing import generations, open_current
from archive.indexing.analysis import analyze
from archive.indexing.jobs import reindex
from archive.ingest import import_paths
from archive.search import SearchRequest, search
from archive.search import querylang as ql
from archive.search.docsets import whoosh_query
from archive.search.querybuild import Builder, analyzer_groups
from archive.search.ranking import best_first, positive_terms, together

from .conftest import CORPUS, ROOT, require_shared

sys.path.insert(0, str(ROOT / "bench"))

from synthetic import pick_words, write_archive  # noqa: E402

CORPUS_ARTICLES = 300
SYNTHETIC_ARTICLES = 240
TOP_K = 20


# --- the indexes ----------------------------------------------------------------------------------


@dataclass
class Indexed:
    """An archive indexed, then edited and reindexed incrementally."""

    config: Config
    words: list[str]  # query words, from frequent to rare
    old_bodies: list[str]  # bodies of the edited articles before the edit (now deleted docs)


def _edit_and_reindex(config: Config, seed: int) -> list[str]:
    """Edit some articles (paragraphs reversed, so old phrases across paragraphs live only in
    deleted documents) and delete others, then reindex incrementally; the old bodies."""
    rng = random.Random(seed)
    paths = sorted(articlefile.iter_files(config.articles_dir))
    chosen = rng.sample(paths, 30)
    old_bodies = []
    for path in chosen[:20]:
        article = articlefile.read(path)
        paragraphs = article.body.split("\n\n")
        if len(paragraphs) < 2:
            paragraphs = article.body.split(". ")
        old_bodies.append(article.body)
        articlefile.write(config.articles_dir, article.replace(
            body="\n\n".join(reversed(paragraphs)) + "\n\nMise à jour."))
    for path in chosen[20:]:
        path.unlink()
    report = reindex(config)
    assert not report.rejected
    return old_bodies


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    root = tmp_path_factory.mktemp("synthetic")
    config = load_config(data=root / "data", index=root / "index")
    write_archive(root / "data", SYNTHETIC_ARTICLES)
    reindex(config, full=True, procs=2)  # two segments, finished and committed by hand
    old = _edit_and_reindex(config, seed=3)
    return Indexed(config, pick_words(16), old)


@pytest.fixture(scope="module")
def synthetic_runs(tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    """The synthetic archive with its document numbers kept as low halves and runs of high
    halves, the postings sidecar's layout for segments of 65,536 documents or more: forced
    here from 64 (`docsidecar.LOW_BITS`), so that two segments of 120 documents have it, in
    every field (`RUNS_COST`: uint32 would be smaller for sparse terms in so few documents)."""
    root = tmp_path_factory.mktemp("synthetic-runs")
    config = load_config(data=root / "data", index=root / "index")
    write_archive(root / "data", SYNTHETIC_ARTICLES)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(docsidecar, "LOW_BITS", 6)
        patch.setattr(docsidecar, "RUNS_COST", float("inf"))
        reindex(config, full=True, procs=2)  # (forked workers see the patch)
        old = _edit_and_reindex(config, seed=3)
    return Indexed(config, pick_words(16), old)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    source = require_shared(CORPUS / "articles.jsonl")
    root = tmp_path_factory.mktemp("corpus")
    config = load_config(data=root / "data", index=root / "index")
    with source.open(encoding="utf-8") as lines:
        head = [next(lines) for _ in range(CORPUS_ARTICLES)]
    export = root / "export.jsonl"
    export.write_text("".join(head), encoding="utf-8")
    import_paths([export], config)
    reindex(config, full=True)
    old = _edit_and_reindex(config, seed=5)
    # words of the corpus as typed, from frequent to rare
    counts = Counter(word for path in articlefile.iter_files(config.articles_dir)
                     for word in articlefile.read(path).body.lower().split()
                     if word.isalpha() and len(word) > 3)
    words = [word for word, _count in counts.most_common()
             if len(analyze(word, mode="query")) == 1]  # no stop word
    picked = [words[int(3 * 700 ** (i / 15))] for i in range(16)]  # ranks 3 to 2100
    return Indexed(config, picked, old)


@pytest.fixture(params=["corpus", "synthetic"])
def indexed(request: pytest.FixtureRequest) -> Indexed:
    return request.getfixturevalue(request.param)


# --- ranking: our BM25F equals Whoosh's -----------------------------------------------------------


def _queries(words: list[str]) -> list[str]:
    """One-word, two-word and multi-field queries made of the sample words."""
    one = words[::2]
    two = [f"{a} {b}" for a, b in zip(words[:8], words[1:9], strict=True)]
    either = [f"{words[0]} OU {words[-1]}", f"{words[1]} -{words[5]}"]
    fielded = [f"titre:{words[2]} {words[9]}", f"{words[3]} titre:{words[12]}",
               f"titre:({words[4]} OU {words[11]})"]
    return one + two + either + fielded


def _compiled(searcher, config: Config, text: str) -> wq.Query:
    """The Whoosh query the archive's search builds for a query text."""
    node = ql.parse_query(text, config.limits)
    analyzer = searcher.schema["body"].analyzer
    return Builder(analyzer_groups(analyzer), None, searcher.reader()).compile(node).query


def test_bm25f_top_documents_and_scores_equal_whoosh_search(indexed: Indexed):
    gen = open_current(indexed.config.index_dir)
    lengths = Lengths()
    compared = 0
    with gen.index.searcher() as searcher:
        assert len(searcher.leaf_searchers()) > 1 and searcher.doc_count() < \
            searcher.doc_count_all()  # several segments, deleted documents
        for text in _queries(indexed.words):
            query = _compiled(searcher, indexed.config, text)
            terms = positive_terms(query)
            assert terms is not None, text
            every = [(hit.docnum, hit.score) for hit in searcher.search(query, limit=None)]
            matched = {docnum for docnum, _ in every}
            # The reference is Whoosh's scores of every match, best first (ties by number):
            # its own top-k collector can leave out a document its full scoring ranks in
            # ("fait france" lost one scored 17.97 for one scored 17.21, once the corpus's BBC
            # bodies lost their related headlines), optimised or not.
            theirs = sorted(every, key=lambda hit: (-hit[1], hit[0]))[:TOP_K]
            ours = top_documents(searcher, terms, matched, TOP_K, lengths, math.inf,
                                 Postings(searcher))
            assert [d for d, _ in ours] == [d for d, _ in theirs], text
            for (_, mine), (_, whoosh) in zip(ours, theirs, strict=True):
                assert mine == pytest.approx(whoosh, rel=1e-6), text
            compared += len(theirs)
    assert compared > 10 * TOP_K  # most sample queries found a full page


def test_the_best_documents_are_the_top_of_a_full_sort_ties_by_document_number():
    """The top k taken after a bound on the k-th score (one pass over the candidates) are what
    sorting every wanted document by score, then number, gives: scores with many ties, terms
    overlapping, documents wanted or not, k below, at and past the candidates."""
    rng = np.random.default_rng(7)
    size = 3000
    for trial in range(40):
        per_term = []
        for _ in range(int(rng.integers(1, 4))):
            docs = np.sort(rng.choice(size, int(rng.integers(1, size)), replace=False))
            # few distinct values: many ties at the k-th score
            values = rng.integers(1, 6 if trial % 2 else 500, len(docs)) / 4
            per_term.append((docs, values))
        wanted = np.sort(rng.choice(size, int(rng.integers(0, size)), replace=False))
        totals: dict[int, float] = {}
        for docs, values in sorted(per_term, key=lambda item: len(item[0]), reverse=True):
            for d, v in zip(docs.tolist(), values.tolist(), strict=True):
                totals[d] = totals.get(d, 0.0) + v
        candidates = sorted(((d, totals[d]) for d in wanted.tolist() if d in totals),
                            key=lambda item: (-item[1], item[0]))
        for limit in (1, 10, 97, len(candidates), len(candidates) + 5):
            assert _best(per_term, wanted, limit, size=size) == candidates[:limit], (trial, limit)
            # every score above 0: documents holding a term are those whose sum is above 0
            assert _best(per_term, wanted, limit, size=size, positive=True) \
                == candidates[:limit], (trial, limit)


def test_the_candidates_checked_for_nearness_first_are_the_head_of_a_full_sort():
    """Proximity is checked on the best potential scores first: the `depth` largest, largest
    first, ties in document order, as a stable sort of them all gives (many ties or none,
    depth 0, below, at and past the candidates)."""
    rng = np.random.default_rng(11)
    for size in (0, 1, 5, 64, 65, 1000, 20_000):
        for keys in (rng.random(size), rng.integers(0, 4, size) * 1.5):
            for depth in (0, 1, 10, 64, 128, size, size + 3):
                assert np.array_equal(best_first(keys, depth),
                                      np.argsort(-keys, kind="stable")[:depth]), (size, depth)


def test_words_standing_together_are_checked_within_the_time_limit(synthetic: Indexed):
    """Past the search's deadline no more expressions or passages are checked: the ranking by
    score alone comes back, flagged cut short. 29 elided words ORed with a frequent one cost
    1.6 s of CPU at a million articles, all of it after the deadline was checked last."""
    w = synthetic.words  # the synthetic articles write them elided too (`l'…`)
    gen = open_current(synthetic.config.index_dir)
    with gen.index.searcher() as searcher:
        node = ql.parse_query(f"({w[0]} l'{w[1]} l'{w[2]} {w[3]}) OU {w[0]}",
                              synthetic.config.limits)
        analyzer = searcher.schema["body"].analyzer
        compiled = Builder(analyzer_groups(analyzer), None, searcher.reader()).compile(node)
        assert compiled.expressions and compiled.proximity
        terms = positive_terms(compiled.query)
        matched = {hit.docnum for hit in searcher.search(compiled.query, limit=None)}
        size = searcher.doc_count_all()

        def ranked(deadline: float | None) -> list[tuple[int, float]]:
            postings = Postings(searcher)
            adjust = None if deadline is None else together(
                postings, size, compiled.proximity, compiled.expressions, deadline)
            return top_documents(searcher, terms, matched, TOP_K, Lengths(), math.inf,
                                 postings, adjust)

        by_score = ranked(None)
        in_time = ranked(math.inf)
        with pytest.raises(TimeLimit) as cut:
            ranked(-math.inf)
    assert len(by_score) == TOP_K and in_time != by_score  # standing together counts
    assert cut.value.args[0] == by_score


def test_document_frequencies_are_whoosh_s_read_off_the_sidecars_and_kept(indexed: Indexed):
    """What ranking's idf and the expansion budget ask for each term: Whoosh's count, deleted
    documents included, for words of every frequency, in the title and the body, and none for
    a word the archive lacks; asked again, from the generation's cache."""
    gen = open_current(indexed.config.index_dir)
    with gen.index.searcher() as searcher:
        reader = searcher.reader()
        terms = [t.decode("utf-8") for t in reader.lexicon("body")][::7] + ["zzzzunknown"]
        cache = TermCache(1000)
        for fieldname in ("body", "title"):
            theirs = [reader.doc_frequency(fieldname, t) for t in terms]
            assert [Postings(searcher, cache).doc_frequency(fieldname, t) for t in terms] == theirs
            assert [Postings(searcher, cache).doc_frequency(fieldname, t) for t in terms] == theirs
            assert [Postings(searcher).doc_frequency(fieldname, t) for t in terms] == theirs
        assert len(cache.frequencies) == 2 * len(terms) and max(theirs) > 1 and theirs[-1] == 0


def test_close_words_are_whoosh_s_terms_within_found_by_length_first(indexed: Indexed):
    """The index's words within one or two edits of a typed one (fuzzy words, did you mean)
    are what Whoosh's `terms_within(prefix=1)` gives, from the sidecars' term index or from
    Whoosh's lexicon, for words, typos of them, capitals, accents and a word far too long."""
    gen = open_current(indexed.config.index_dir)
    typed = [w for word in indexed.words for w in (
        word, word[:-1], word[:2] + word[3:], word[0] + word[2] + word[1] + word[3:],
        word + "s", word.upper(), word + "x" * 40)] + ["é", "énergi", "k" + "ⅷ" * 300]
    with gen.index.searcher() as searcher:
        reader = searcher.reader()
        compared = 0
        for text in typed:
            term = (analyze(text, mode="query") or [text])[0]
            for maxdist in (1, 2):
                theirs = sorted(reader.terms_within("body", term, maxdist, prefix=1))
                assert close_terms(reader, "body", term, maxdist,
                                   postings=Postings(searcher)) == theirs, (term, maxdist)
                assert close_terms(reader, "body", term, maxdist) == theirs, (term, maxdist)
                compared += len(theirs)
        assert compared > len(typed)  # most typed words have close words
        with pytest.raises(ArchiveError) as late:  # past the deadline: refused
            close_terms(reader, "body", analyze(indexed.words[0], mode="query")[0], 2,
                        deadline=-math.inf, postings=Postings(searcher))
    assert late.value.code == "too_broad_in_time"


def test_allowed_documents_given_twice_or_unsorted_are_ranked_once(indexed: Indexed):
    gen = open_current(indexed.config.index_dir)
    with gen.index.searcher() as searcher:
        query = _compiled(searcher, indexed.config, indexed.words[0])
        terms = positive_terms(query)
        matched = sorted({hit.docnum for hit in searcher.search(query, limit=None)})
        as_set = top_documents(searcher, terms, set(matched), TOP_K, Lengths(), math.inf,
                               Postings(searcher))
        shuffled = np.array(matched[::-1] + matched[: len(matched) // 2], dtype=np.intp)
        as_array = top_documents(searcher, terms, shuffled, TOP_K, Lengths(), math.inf,
                                 Postings(searcher))
    assert len(as_set) == min(TOP_K, len(matched)) and as_array == as_set


def test_distinct_document_numbers_are_numpy_unique_ones():
    rng = np.random.default_rng(7)
    cases = [np.array([], dtype=np.intp), np.array([5], dtype=np.intp),
             np.arange(10, dtype=np.intp), np.array([3, 3, 3], dtype=np.intp)]
    cases += [rng.integers(0, size, size=size) for size in (2, 17, 1000) for _ in range(5)]
    cases += [np.sort(rng.integers(0, 50, size=200))]  # sorted, with repeats
    for docs in cases:
        assert np.array_equal(distinct(docs), np.unique(docs))


def test_a_fresh_process_searches_without_importing_numpy_ma(synthetic: Indexed):
    """`np.unique` imports `numpy.ma` on its first call (50 ms at a web worker's first
    search): a word, two words (their nearness ranks), a phrase, a field and an OR."""
    words = synthetic.words
    queries = [words[0], f"{words[0]} {words[1]}", f'"{words[2]} {words[3]}"',
               f"auteur:x OR {words[4]}", f"{words[5]} -{words[6]}"]
    program = (
        "import sys\n"
        "from archive.config import load_config\n"
        "from archive.indexing import open_current\n"
        "from archive.search import SearchRequest, search\n"
        "config = load_config(data=sys.argv[1], index=sys.argv[2])\n"
        "generation = open_current(config.index_dir)\n"
        "totals = [search(generation, SearchRequest(query=q), config).total\n"
        "          for q in sys.argv[3:]]\n"
        "print(totals, 'numpy.ma' in sys.modules)\n")
    done = subprocess.run(
        [sys.executable, "-c", program, str(synthetic.config.data_dir),
         str(synthetic.config.index_dir), *queries],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=True)
    totals, imported = done.stdout.rsplit(" ", 1)
    assert all(total > 0 for total in json.loads(totals)), done.stdout
    assert imported.strip() == "False"


# --- phrases: ours equal Whoosh's Phrase ----------------------------------------------------------


def _phrases(searcher, bodies: list[str], rng: random.Random) -> list[tuple[list[str], int]]:
    """Phrases of 2 to 4 analyzed words from the given texts, some with gaps and a slop."""
    analyzer = searcher.schema["body"].analyzer
    out = []
    for body in bodies:
        tokens = [t.text for t in analyzer(body)]
        if len(tokens) < 12:
            continue
        for size in (2, 3, 4):
            start = rng.randrange(len(tokens) - size)
            out.append((tokens[start:start + size], 1))
        start = rng.randrange(len(tokens) - 6)
        out.append(([tokens[start], tokens[start + 2]], 2))  # one word between: slop 2
        out.append(([tokens[start], tokens[start + 3], tokens[start + 5]], 3))
        out.append(([tokens[start + 1], tokens[start]], 1))  # the words reversed
    return out


def _whoosh_reference(searcher):
    """A Whoosh index of the searcher's bodies (deleted documents' too, then deleted), under
    the same document numbers, with Whoosh's own Positions format: the positions Whoosh's
    Phrase reads, as our index kept them in Whoosh's postings before schema 10."""
    made = wfields.Schema(body=wfields.TEXT(analyzer=searcher.schema["body"].analyzer))
    assert type(made["body"].format) is formats.Positions
    # Whoosh's writer keeps its temporary files in the system's temp folder under the index's
    # name (/tmp/MAIN.tmp), removed at commit: a name of its own, or another test run on this
    # machine building such an index at the same time loses its files
    ix = RamStorage().create_index(made, indexname=f"REFERENCE{uuid.uuid4().hex}")
    reader = searcher.reader()
    w = ix.writer()
    for docnum in range(reader.doc_count_all()):
        w.add_document(body=reader.stored_fields(docnum).get("body", ""))
    w.commit()
    w = ix.writer()
    for docnum in range(reader.doc_count_all()):
        if reader.is_deleted(docnum):
            w.delete_document(docnum)
    w.commit(merge=False)
    return ix.searcher()


def test_phrase_matches_equal_whoosh_phrase_and_never_deleted_documents(indexed: Indexed):
    gen = open_current(indexed.config.index_dir)
    rng = random.Random(11)
    with gen.index.searcher() as searcher, _whoosh_reference(searcher) as reference:
        reader = searcher.reader()
        live = np.array([not reader.is_deleted(d) for d in range(reader.doc_count_all())])
        current = [searcher.stored_fields(d)["body"] for d in
                   rng.sample(np.flatnonzero(live).tolist(), 15)]
        live_set = set(np.flatnonzero(live).tolist())
        every = np.ones(len(live), dtype=bool)
        matched = in_deleted = 0
        for old in (False, True):
            for words, slop in _phrases(searcher, indexed.old_bodies if old else current, rng):
                theirs = sorted(wq.Phrase("body", words, slop=slop).matcher(reference)
                                .all_ids())
                postings = Postings(searcher)
                ours = postings.phrase_documents("body", words, slop, live)
                assert ours is not None
                assert ours.tolist() == theirs, (words, slop)
                matched += bool(theirs)
                # without the live mask, an old phrase is found in the deleted old version too
                in_deleted += len(set(postings.phrase_documents("body", words, slop, every)
                                      .tolist()) - live_set)
        assert matched > 60 and in_deleted >= 10



def test_whoosh_ranks_phrases_read_from_the_sidecar_as_it_ranks_its_own(indexed: Indexed):
    """Queries Whoosh matches and ranks itself (`search.run._top`) get their phrases' documents
    from the positions sidecar (`known_phrases`): the same documents and scores, in the same
    order, as Whoosh's own Phrase over Whoosh's positions of the same bodies; Whoosh's Phrase
    itself refuses our text fields (no positions in its postings)."""
    gen = open_current(indexed.config.index_dir)
    rng = random.Random(29)
    with gen.index.searcher() as searcher, _whoosh_reference(searcher) as reference:
        reader = searcher.reader()
        live = [d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)]
        bodies = [searcher.stored_fields(d)["body"] for d in rng.sample(live, 12)]
        postings = Postings(searcher)
        compared = 0
        for words, slop in _phrases(searcher, bodies + indexed.old_bodies[:4], rng):
            phrase = wq.Phrase("body", words, slop=slop, boost=1.5 if slop == 2 else 1.0)
            # (not AndNot: Whoosh's AndNotMatcher keeps a segment's first document of `a` when
            # a later document of `b` is it, so its answer depends on the segments)
            for query in (phrase, wq.Or([phrase, wq.Term("body", indexed.words[0])]),
                          wq.And([wq.Term("body", words[-1]), phrase])):
                ours = searcher.search(whoosh_query(searcher, query, postings), limit=None)
                theirs = reference.search(query, limit=None)
                assert [(h.docnum, h.score) for h in ours] == \
                    [(h.docnum, h.score) for h in theirs], (words, slop)
                compared += len(theirs)
        assert compared > 100
        with pytest.raises(wq.QueryError):
            wq.Phrase("body", ["a", "b"]).matcher(searcher)


def test_phrases_read_each_segments_memory_mapped_positions_sidecar(indexed: Indexed):
    """Every segment, merged or added by the incremental update, has its positions sidecar,
    memory-mapped; phrases and near() read it and find what Whoosh's positions find."""
    gen = open_current(indexed.config.index_dir)
    rng = random.Random(17)
    with gen.index.searcher() as searcher, _whoosh_reference(searcher) as reference:
        reader = searcher.reader()
        live = np.array([not reader.is_deleted(d) for d in range(reader.doc_count_all())])
        postings = Postings(searcher)
        for field in ("body", "title"):
            sides = postings.sidecars(field)
            assert sides is not None and len(sides) == len(searcher.leaf_searchers()) > 1
            assert all(isinstance(side.positions, np.memmap) and not side.positions.flags.writeable
                       for side, _offset, _count in sides)
        current = [searcher.stored_fields(d)["body"] for d in
                   rng.sample(np.flatnonzero(live).tolist(), 10)]
        compared = 0
        for words, slop in _phrases(searcher, current + indexed.old_bodies[:5], rng):
            assert postings._sidecar_order("body", words, np.flatnonzero(live), slop) is not None
            ours = postings.phrase_documents("body", words, slop, live).tolist()
            whoosh_positions = Postings(reference)
            whoosh_positions.use_sidecar = False
            assert whoosh_positions.sidecars("body") is None
            assert ours == whoosh_positions.phrase_documents("body", words, slop, live).tolist()
            compared += bool(ours)
        assert compared > 20


def test_a_segment_without_its_positions_sidecar_is_damage_not_an_empty_answer(
        corpus: Indexed, tmp_path: Path):
    """Whoosh's postings keep no positions (`SidecarPositions`): where a segment lacks its
    positions sidecar (a damaged generation), a phrase, or words ranked by their proximity,
    fail as damage (`SidecarDamaged`, which the web answers with 503 after checking the
    generation's files), never an answer that silently found nothing; a single word still
    answers as before."""
    copy = tmp_path / "index"
    shutil.copytree(corpus.config.index_dir, copy)
    gen_dir = copy / generations.read_pointer(copy).current
    manifest = generations.read_manifest(gen_dir)
    for path in gen_dir.glob("*.psc"):  # as if the segments were written without a sidecar
        path.unlink()
        del manifest[generations.FILE_TABLE][path.name]
    generations.write_manifest(gen_dir, manifest)
    stripped = load_config(data=corpus.config.articles_dir.parent, index=copy)
    with open_current(copy).index.searcher() as searcher:
        assert Postings(searcher).sidecars("body") is None
    a, b = corpus.words[:2]
    with open_current(corpus.config.index_dir).index.searcher() as searcher:
        live = next(d for d in range(searcher.doc_count_all())
                    if not searcher.reader().is_deleted(d))
        body = searcher.stored_fields(live)["body"].split()
    pair = next(body[i:i + 2] for i in range(len(body) - 1)
                if all(w.isalpha() and len(analyze(w, mode="query")) == 1  # no stop word
                       for w in body[i:i + 2]))
    for query in ('"{} {}"'.format(*pair), f"{a} {b}"):
        assert search(corpus.config.index_dir, SearchRequest(query=query), corpus.config).total
        with pytest.raises(docsidecar.SidecarDamaged):
            search(copy, SearchRequest(query=query), stripped)
    request = SearchRequest(query=a, page_size=50)
    assert _compared(search(copy, request, stripped)) == \
        _compared(search(corpus.config.index_dir, request, corpus.config))


def test_a_positions_sidecar_of_another_type_is_refused_by_name(corpus: Indexed,
                                                               tmp_path: Path):
    """A sidecar declares its positions' type: one this code never writes is damage to report,
    not numbers to read in another width."""
    copy = tmp_path / "index"
    shutil.copytree(corpus.config.index_dir, copy)
    gen_dir = copy / generations.read_pointer(copy).current
    for path in gen_dir.glob("*.psc"):
        declared = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps({**declared, "body": "<u8"}), encoding="utf-8")
    # as another writer would have written it: the manifest agrees with the files
    manifest = generations.read_manifest(gen_dir)
    manifest[generations.FILE_TABLE] = generations.file_table(gen_dir)
    generations.write_manifest(gen_dir, manifest)
    foreign = load_config(data=corpus.config.articles_dir.parent, index=copy)
    a, b = corpus.words[:2]
    with pytest.raises(ValueError, match=r"\.psc: body declares positions of type '<u8'"):
        search(copy, SearchRequest(query=f'"{a} {b}"'), foreign)


@pytest.mark.parametrize("widest", [900, 70_000])  # positions narrowed to 16 bits, or not
def test_the_positions_sidecar_reads_back_what_whoosh_encodes(tmp_path: Path, monkeypatch,
                                                              widest: int):
    """Written in small chunks (a term's postings split across them), long texts included,
    each posting's positions read back as Whoosh's own decoder gives them."""
    monkeypatch.setattr(positions, "CHUNK_POSITIONS", 64)
    monkeypatch.setattr(positions, "NARROW_CHUNK", 50)  # narrowed a few values at a time
    fmt = formats.Positions()
    rng = random.Random(widest)
    items, expected = [], {}
    for term in sorted(f"mot{i}".encode() for i in range(40)):
        for doc in sorted(rng.sample(range(500), rng.randint(1, 30))):
            where = sorted(rng.sample(range(widest), rng.randint(1, 12)))
            # what the writer's pool carries, Whoosh's encoding decoded as Whoosh decodes it
            value = positions.encode(fmt.decode_positions(fmt.encode(where)))
            items.append(("body", term, doc, float(len(where)), value))
            expected[(term, doc)] = where
    recorder = positions.PositionsRecorder(str(tmp_path), "MAIN_test", frozenset({"body"}))
    assert list(recorder.watch(iter(items))) == items  # the codec gets the same stream
    side = positions.open_field(str(tmp_path), "MAIN_test", "body")
    assert side.positions.dtype == side.counts.dtype == (np.uint16 if widest < 1 << 16
                                                         else np.int32)
    assert side.postings(b"absent") is None and side.postings(b"mot99") is None
    for term in sorted({term for term, _doc in expected}):
        docs = [doc for held, doc in expected if held == term]
        assert positions.keys(side, term, np.zeros(0, dtype=int), np.zeros(0, dtype=int),
                              len(docs) + 1) is None  # not the postings Whoosh has
        for at in sorted(rng.sample(range(len(docs)), min(3, len(docs)))):
            where = expected[(term, docs[at])]
            keys = positions.keys(side, term, np.array([at]), np.array([docs[at] + 1000]),
                                  len(docs))
            assert (keys >> 32).tolist() == [docs[at] + 1000] * len(where)
            assert (keys & 0xFFFFFFFF).tolist() == where
            assert [np.frombuffer(v, dtype=np.int32).tolist() for v in
                    positions.term_values(side, term)] == [expected[(term, d)] for d in docs]


# --- the postings sidecar -------------------------------------------------------------------------


def _segment_ids(searcher) -> list[str]:
    return [leaf.reader().segment().segment_id() for leaf, _offset in searcher.leaf_searchers()]


def test_postings_read_from_the_sidecar_equal_whoosh_blocks_in_every_field(indexed: Indexed):
    """Every segment, merged or added by the incremental update, has its postings sidecar;
    each indexed field's terms read from it give the document numbers (deleted ones
    included) and weights that Whoosh's blocks give, without reading a block."""
    gen = open_current(indexed.config.index_dir)
    rng = random.Random(23)
    with gen.index.searcher() as searcher:
        reader = searcher.reader()
        assert len(searcher.leaf_searchers()) > 1 and reader.has_deletions()
        kinds = {}
        for segment in _segment_ids(searcher):
            marker = json.loads((gen.path / f"{segment}.pds").read_text(encoding="utf-8"))
            for name, entry in marker.items():
                kinds.setdefault(name, set()).add(entry["weights"])
        # positional fields' weights are their positions' counts (times the title's boost of
        # 2), IDs' are all 1.0: no weights written for them
        assert kinds["body"] == kinds["title"] == {"pct"} and kinds["id"] == {"one"}
        fields = [name for name, field in searcher.schema.items() if field.indexed]
        assert {"body", "title", "id", "section", "language", "author", "year"} <= set(fields)
        sidecar, blocks = Postings(searcher), Postings(searcher)
        blocks.use_sidecar = False
        deleted = read = 0
        for name in fields:
            terms = list(reader.lexicon(name))
            frequent = [] if isinstance(searcher.schema[name], wfields.NUMERIC) else \
                [term for _count, term in reader.most_frequent_terms(name, 10)]
            for term in rng.sample(terms, min(80, len(terms))) + frequent + [b"\xffabsent"]:
                assert sidecar._sidecar_arrays(name, term) is not None, (name, term)
                ours, theirs = sidecar.arrays(name, term), blocks.arrays(name, term)
                assert [a.dtype for a in ours] == [a.dtype for a in theirs] == \
                    [np.int32, np.float32]
                # Whoosh's deleted-documents filter skips a term's leading deleted postings
                # before the blocks are read, so blocks may lack a few deleted documents that
                # the sidecar keeps (both are masked by every caller): the rest is the same
                kept = np.isin(ours[0], theirs[0])
                assert not any(not reader.is_deleted(d) for d in ours[0][~kept].tolist())
                assert ours[0][kept].tolist() == theirs[0].tolist(), (name, term)
                assert ours[1][kept].tolist() == theirs[1].tolist(), (name, term)
                deleted += sum(reader.is_deleted(d) for d in ours[0].tolist())
                read += len(ours[0])
        assert not sidecar._blocks and blocks._blocks  # the sidecar read no Whoosh block
        assert deleted and read > 3000


def _without_postings_sidecar(config: Config, tmp_path: Path, segments: slice) -> Config:
    """A copy of the index whose chosen segments have no postings sidecar marker."""
    copy = tmp_path / f"index-{segments.start}-{segments.stop}"
    shutil.copytree(config.index_dir, copy)
    gen_dir = copy / generations.read_pointer(copy).current
    manifest = generations.read_manifest(gen_dir)
    with open_current(copy).index.searcher() as searcher:
        chosen = _segment_ids(searcher)[segments]
    for segment in chosen:
        path = gen_dir / f"{segment}.pds"
        path.unlink()
        del manifest[generations.FILE_TABLE][path.name]
    generations.write_manifest(gen_dir, manifest)
    return load_config(data=config.articles_dir.parent, index=copy)


def _compared(result) -> dict:
    found = dataclasses.asdict(result)
    del found["elapsed_ms"]
    return found


@pytest.mark.parametrize("archive", ["corpus", "synthetic_runs"])
def test_searches_answer_the_same_with_or_without_the_postings_sidecar(
        archive: str, tmp_path: Path, request: pytest.FixtureRequest):
    """A segment without the postings sidecar (an older generation, another writer) falls
    back to Whoosh's blocks: hits, scores, totals, facet counts and histogram are the same
    as with it, whether one segment or all lack it, deleted documents never shown; with
    document numbers of 16 bits or kept as low halves and runs of high halves."""
    corpus = request.getfixturevalue(archive)
    config = corpus.config
    gen_dir = config.index_dir / generations.read_pointer(config.index_dir).current
    layouts = {(entry["docs"], entry.get("low_bits"))
               for marker in gen_dir.glob("*.pds")
               for entry in json.loads(marker.read_text(encoding="utf-8")).values()}
    assert layouts == ({("<u2", 6), ("<u2", None)} if archive == "synthetic_runs"
                       else {("<u2", None)})
    stripped = [_without_postings_sidecar(config, tmp_path, slice(-1, None)),
                _without_postings_sidecar(config, tmp_path, slice(0, None))]
    for other in stripped:
        with open_current(other.index_dir).index.searcher() as searcher:
            assert Postings(searcher)._sidecar_arrays("body", corpus.words[0]) is None
    with open_current(config.index_dir).index.searcher() as searcher:
        assert Postings(searcher)._sidecar_arrays("body", corpus.words[0]) is not None
        live_ids = {searcher.stored_fields(d)["id"] for d in range(searcher.doc_count_all())
                    if not searcher.reader().is_deleted(d)}
    words = corpus.words
    queries = words[:8] + [f"{a} {b}" for a, b in zip(words[:5], words[3:8], strict=True)]
    queries += [f'"{a} {b}"' for a, b in zip(words[:3], words[1:4], strict=True)]
    queries += [f"{words[0]} OR {words[9]}", f"{words[1]} -{words[2]}", f"{words[4][:4]}*"]
    requests = [SearchRequest(query=q, page_size=50, facet_limit=20) for q in queries]
    requests += [SearchRequest(query=words[0], sort="newest", page_size=20),
                 SearchRequest(query="", page_size=20)]
    shown = 0
    for request in requests:
        ours = search(config.index_dir, request, config)
        assert {hit.id for hit in ours.hits} <= live_ids
        shown += len(ours.hits)
        for other in stripped:
            assert _compared(ours) == _compared(search(other.index_dir, request, other)), \
                request
        # and filtered by a facet value the search counted
        for field, counts in ours.facets.items():
            if counts and request.query:
                filtered = dataclasses.replace(request, filters={field: (counts[0].value,)})
                ours_filtered = _compared(search(config.index_dir, filtered, config))
                assert ours_filtered["total"] <= ours.total
                for other in stripped:
                    assert ours_filtered == _compared(search(other.index_dir, filtered, other))
                break
    assert shown > 100


def _sidecar_items(documents: int, fields: dict) -> tuple[list[tuple], dict]:
    """Sorted postings (field, term, docnum, weight, value) of 32 terms per field, each with 1
    to 40 postings (a single one in `id`, as for an article's id) or, for two terms, a tenth
    of the documents; and each (field, term)'s document numbers and weights."""
    rng = random.Random(documents)
    items, expected = [], {}
    for field, weigh in sorted(fields.items()):
        for term in sorted(f"mot{i}".encode() for i in range(32)):
            many = documents // 10 if term in (b"mot1", b"mot20") and field != "id" else 0
            wanted = 1 if field == "id" else many or rng.randint(1, 40)
            docs = sorted(rng.sample(range(documents), wanted))
            for doc in docs:
                where = sorted(rng.sample(range(300), rng.randint(1, 5)))
                items.append((field, term, doc, weigh(len(where)), positions.encode(where)))
            expected[(field, term)] = (docs, [np.float32(w) for *_r, w, _v in items[-len(docs):]])
    return items, expected


# (documents, LOW_BITS): a small segment's uint16 document numbers; a large one's low halves
# and runs of high halves (2 of them at 70,000 documents; up to 18 with 12 low bits)
@pytest.mark.parametrize(("documents", "low_bits"), [(900, 16), (70_000, 16), (70_000, 12)])
def test_the_postings_sidecar_reads_back_the_stream_it_watched(tmp_path: Path, monkeypatch,
                                                              documents: int, low_bits: int):
    """Written in small chunks (a term's postings split across them), each field's document
    numbers and weights read back as streamed, whichever way its weights are kept: all 1.0,
    the positions' counts times the format's boost, small whole numbers, or any float; and
    whichever way its document numbers are kept: uint16 in a small segment, else low halves
    and runs, or uint32 where runs would cost more (one posting per term)."""
    monkeypatch.setattr(docsidecar, "CHUNK_POSTINGS", 16)
    monkeypatch.setattr(docsidecar, "COMPARE_CHUNK", 32)
    monkeypatch.setattr(positions, "NARROW_CHUNK", 32)
    monkeypatch.setattr(docsidecar, "LOW_BITS", low_bits)
    fields = {"body": lambda n: float(n), "title": lambda n: n * 2.0, "id": lambda n: 1.0,
              "tags": lambda n: float(n + 7), "rated": lambda n: n * 0.3}
    items, expected = _sidecar_items(documents, fields)
    inner = positions.PositionsRecorder(str(tmp_path), "MAIN_test", frozenset({"body", "title"}))
    outer = docsidecar.DocsRecorder(str(tmp_path), "MAIN_test", {"title": 2.0}, inner.fields)
    assert list(outer.watch(inner.watch(iter(items)))) == items  # the codec gets the same
    marker = json.loads((tmp_path / "MAIN_test.pds").read_text(encoding="utf-8"))
    assert {name: entry["weights"] for name, entry in marker.items()} == \
        {"body": "pct", "title": "pct", "id": "one", "tags": "<u2", "rated": "<f4"}
    assert sorted(path.suffix for path in tmp_path.glob("*.dwt")) == [".dwt", ".dwt"]
    assert positions.open_field(str(tmp_path), "MAIN_test", "body")
    large = documents >= 1 << low_bits
    assert {name: (entry["docs"], entry.get("low_bits")) for name, entry in marker.items()} == \
        {name: ("<u4", None) if large and name == "id" else ("<u2", low_bits if large else None)
         for name in fields}
    assert len(list(tmp_path.glob("*.dhi"))) == (4 if large else 0)
    for field in fields:
        side = docsidecar.open_field(str(tmp_path), "MAIN_test", field)
        assert side.arrays(b"absent", 0) is None and side.arrays(b"mot99", 0) is None
        for term in sorted({term for held, term in expected if held == field}):
            docs, weights = side.arrays(term, 1000)
            assert docs.tolist() == [doc + 1000 for doc in expected[(field, term)][0]]
            assert weights.tolist() == expected[(field, term)][1]
    assert docsidecar.open_field(str(tmp_path), "MAIN_test", "absent") is None
    assert docsidecar.open_field(str(tmp_path), "MAIN_other", "body") is False


@pytest.mark.parametrize("damaged", ["dno", "dhi", "dti"])
def test_a_damaged_postings_sidecar_of_a_large_segment_is_refused(tmp_path: Path, monkeypatch,
                                                                  damaged: str):
    """Low halves, runs of high halves or the terms' first runs zeroed: reading a term with
    two postings in one run (every term, for the first runs) raises SidecarDamaged instead of
    answering wrong documents."""
    monkeypatch.setattr(docsidecar, "LOW_BITS", 12)
    items, expected = _sidecar_items(70_000, {"body": lambda n: 1.0})
    list(docsidecar.DocsRecorder(str(tmp_path), "MAIN_test", {}, frozenset()).watch(iter(items)))
    side = docsidecar.open_field(str(tmp_path), "MAIN_test", "body")
    assert side.low_bits == 12
    assert side.arrays(b"mot1", 0)[0].tolist() == expected[("body", b"mot1")][0]
    path = tmp_path / f"MAIN_test.body.{damaged}"
    if damaged == "dti":  # the first runs (the third column), not the terms' bytes
        index = np.fromfile(path, dtype="<i8").reshape(-1, 3)
        index[:, 2] = 0
        path.write_bytes(index.tobytes())
    else:
        path.write_bytes(bytes(path.stat().st_size))
    side = docsidecar.open_field(str(tmp_path), "MAIN_test", "body")
    shared = [term for (_field, term), (docs, _w) in expected.items()
              if damaged == "dti" or len({doc >> 12 for doc in docs}) < len(docs)]
    assert len(shared) > 10
    for term in shared:
        with pytest.raises(docsidecar.SidecarDamaged):
            side.arrays(term, 0)


# --- the version check ----------------------------------------------------------------------------


def test_the_engine_runs_on_the_whoosh_it_was_tested_with():
    import whoosh

    assert tuple(whoosh.__version__) in TESTED_VERSIONS
    for version in TESTED_VERSIONS:
        check_whoosh_version(version)


@pytest.mark.parametrize("version", [(2, 7, 4), (2, 7, 6), (2, 8, 0), (3, 0, 0, "b1")])
def test_another_whoosh_is_refused_naming_both_versions_and_the_fix(version):
    with pytest.raises(ArchiveError) as refused:
        check_whoosh_version(version)
    message = refused.value.message
    assert ".".join(str(p) for p in version) + " is installed" in message
    assert "2.7.5" in message and f"pip install '{REQUIREMENT}'" in message


def test_the_command_line_refuses_to_search_with_another_whoosh(tmp_path: Path):
    """The check runs once, as the engine is imported: a command fails with the message."""
    program = ("import sys, whoosh; whoosh.__version__ = (2, 8, 0); "
               "from archive.cli import main; sys.argv[0] = 'archive'; main()")
    done = subprocess.run(
        [sys.executable, "-c", program, "--data", str(tmp_path / "data"), "--index",
         str(tmp_path / "index"), "search", "coton"],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "error: Whoosh 2.8.0 is installed" in done.stderr
    assert REQUIREMENT in done.stderr and "Traceback" not in done.stderr


# --- the seam: only archive/engine/ touches Whoosh's internals -----------------------------------

PRIVATE_MODULES = ("whoosh.codec", "whoosh.writing", "whoosh.system", "whoosh.util",
                   "whoosh.collectors", "whoosh.matching", "whoosh.filedb")
# Underscore attributes read outside the engine on purpose: (file, expression) -> why.
ALLOWED_PRIVATE = {
    ("archive/indexing/parallel.py", "os._exit"):
        "the standard library's exit without cleanup, for a forked worker",
    ("archive/indexing/filescan.py", "os._exit"):
        "the standard library's exit without cleanup, for a forked scan helper",
    ("archive/indexing/facetstore.py", "base._layers"):
        "our own FacetStore, read by the module that defines it",
    ("archive/indexing/facetstore.py", "base._extra"):
        "our own FacetStore, read by the module that defines it",
}
# Underscore keyword arguments passed outside the engine on purpose: name -> why.
ALLOWED_PRIVATE_KEYWORDS = {
    "_external": "Flask's url_for option (its public API spells options with an underscore)",
}
# What the engine may import from the archive: the records and settings below it.
ENGINE_MAY_IMPORT = {"archive.errors", "archive.models", "archive.engine"}


def seam_violations(package: Path) -> list[str]:
    """Uses of Whoosh's private API outside `engine/`, and engine imports from above it."""
    found = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).as_posix()
        in_engine = rel.startswith("archive/engine/")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            for module, names in _imports(node, rel):
                if in_engine:
                    if module.startswith("archive") and not any(
                            module == m or module.startswith(m + ".") for m in ENGINE_MAY_IMPORT):
                        found.append(f"{rel}:{node.lineno}: the engine imports {module}")
                    continue
                private = module.startswith(PRIVATE_MODULES) or any(
                    f"{module}.{name}".startswith(PRIVATE_MODULES) for name in names)
                if module.startswith("whoosh") and private:
                    found.append(f"{rel}:{node.lineno}: imports {module} ({', '.join(names)})")
                if module.startswith("whoosh") and any(n.startswith("_") for n in names):
                    found.append(f"{rel}:{node.lineno}: imports a private name of {module}")
            if in_engine:
                continue
            if isinstance(node, ast.Attribute) and _private(node.attr):
                owner = ast.unparse(node.value)
                if owner not in ("self", "cls") and (rel, f"{owner}.{node.attr}") \
                        not in ALLOWED_PRIVATE:
                    found.append(f"{rel}:{node.lineno}: reads {owner}.{node.attr}")
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if (keyword.arg and _private(keyword.arg)
                            and keyword.arg not in ALLOWED_PRIVATE_KEYWORDS):
                        found.append(f"{rel}:{node.lineno}: passes {keyword.arg}=")
                if (isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr")
                        and len(node.args) > 1 and isinstance(node.args[1], ast.Constant)
                        and isinstance(node.args[1].value, str) and _private(node.args[1].value)):
                    found.append(f"{rel}:{node.lineno}: {node.func.id} of {node.args[1].value}")
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _imports(node: ast.AST, rel: str) -> list[tuple[str, list[str]]]:
    """(absolute module, imported names) of an import statement."""
    if isinstance(node, ast.Import):
        return [(alias.name, []) for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        if node.level:
            parts = rel[:-3].split("/")[: -node.level]
            module = ".".join(parts + ([module] if module else []))
        return [(module, [alias.name for alias in node.names])]
    return []


def test_only_the_engine_touches_whoosh_internals():
    assert seam_violations(ROOT / "archive") == []


def test_the_seam_check_sees_what_it_forbids(tmp_path: Path):
    package = tmp_path / "archive"
    (package / "search").mkdir(parents=True)
    (package / "engine").mkdir()
    (package / "search" / "bad.py").write_text(
        "from whoosh.collectors import TimeLimit\n"
        "import whoosh.codec.whoosh3\n"
        "from whoosh import writing\n"
        "from whoosh.query import _private_thing\n"
        "def f(searcher, postings, weighting):\n"
        "    postings._read_ids()\n"
        "    getattr(searcher, '_perdoc', None)\n"
        "    return Writer(ix, _lk=False), weighting._field_B\n")
    (package / "engine" / "bad.py").write_text(
        "from ..search import ranking\nfrom ..errors import ArchiveError\n"
        "def f(postings):\n    return postings._read_ids()\n")
    found = seam_violations(package)
    assert len(found) == 9, found
    assert sum("archive/engine/" in line for line in found) == 1  # only the upward import
