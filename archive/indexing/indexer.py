"""Writing one generation's Whoosh index: create or clone, add documents, facet arrays, check.

Jobs (reindex, status) live in `reindex.py`; the CURRENT pointer and generation folders in
`generations.py`; opening a generation for readers in `serving.py`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
from whoosh import fields, index
from whoosh.query import Term

from ..engine import docsidecar
from ..engine.docnums import live_mask
from ..engine.segments import clone_files
from ..engine.segmentwriter import FastSegmentWriter
from ..errors import ArchiveError, IndexUnavailable, InvalidArticle
from ..facets import display_spelling, registry, value_key
from ..models import ESTIMATED, Article
from ..publishers import Publishers
from . import keyterms
from .analysis import index_positions
from .facetstore import FacetPostings, FacetStore, write_facets
from .schema import INDEX_NAME, document, stored_article
from .serving import describe


def stored_documents(gen_dir: Path, wanted: Mapping[str, str]) -> dict[str, dict]:
    """The documents a generation holds for some files (relpath -> its recorded hash), made
    again from their stored fields; files it does not hold are left out."""
    try:
        ix = index.open_dir(str(gen_dir), indexname=INDEX_NAME)
        with ix.searcher() as searcher:
            found = {rel: searcher.document(path=rel) for rel in wanted}
    except Exception as exc:  # Whoosh reports damage with many exception types
        raise IndexUnavailable(f"index generation {Path(gen_dir).name} cannot be read "
                               f"({describe(exc)})") from None
    return {rel: document(stored_article(stored), rel, wanted[rel])
            for rel, stored in found.items() if stored is not None}


def create(gen_dir: Path, schema: fields.Schema) -> index.Index:
    """A new empty index in a fresh generation folder."""
    gen_dir.mkdir(parents=True)
    return index.create_in(str(gen_dir), schema, indexname=INDEX_NAME)


def clone(source_dir: Path, gen_dir: Path) -> index.Index:
    """A writable copy of a generation's index: immutable segment files hard-linked, the TOC
    copied (see `engine.segments.clone_files`), so the source stays intact; the generation's
    own files (manifest, file list, facets) are not copied."""
    gen_dir.mkdir(parents=True)
    clone_files(source_dir, gen_dir, INDEX_NAME)
    return index.open_dir(str(gen_dir), indexname=INDEX_NAME)


def writer(ix: index.Index, limitmb: int = 128):
    """A writer that never builds a compound file (it would be loaded whole into every reader).

    It is `FastSegmentWriter`: Whoosh's writer with a cheaper postings pool and the French
    analyzer's one-loop path (`analysis.index_positions`), same files.

    Whoosh's own multi-process writer is not used: its workers outlive a killed parent (and
    would keep the job lock); `parallel.py` builds one segment per worker instead.
    """
    return FastSegmentWriter(ix, limitmb=limitmb, summary=keyterms.summary(), compound=False,
                             positions=index_positions)


class FileStat(NamedTuple):
    """What a reindex keeps of an article file's stat: a tenth of an `os.stat_result`'s memory
    (a million of those held a gigabyte, and every forked worker touched its copy)."""

    st_size: int
    st_mtime_ns: int


@dataclass
class Batch:
    """What one writer indexed from a list of article files."""

    files: dict[str, list] = field(default_factory=dict)  # relpath -> [hash, size, mtime_ns, id]
    order: list[str] = field(default_factory=list)  # relpaths in the writer's docnum order
    rejected: list[tuple[str, str]] = field(default_factory=list)
    probes: list[tuple[str, str]] = field(default_factory=list)

    def add(self, rel: str, digest: str, stat: FileStat, article_id: str) -> None:
        """Record an indexed file (the next document of the writer)."""
        self.files[rel] = [digest, stat.st_size, stat.st_mtime_ns, article_id]
        self.order.append(rel)

    def entries(self) -> Iterator[tuple[str, list]]:
        """(relpath, [hash, size, mtime_ns, id]) of the indexed files, in docnum order."""
        files = self.files
        return ((rel, files[rel]) for rel in self.order)


def index_files(w, rels: Iterable[str], read: Callable[[str], tuple[str, Article]],
                stats: Mapping[str, FileStat], ids: MutableMapping[str, str],
                tick: Callable[[], None] | None = None, batch: Batch | None = None) -> Batch:
    """Read, validate and add article files to a writer; bad files are rejected, never fatal.

    `read(rel)` returns (file hash, Article) or raises ArchiveError; `ids` maps the ids already
    taken to their files and is updated, so that another file's duplicate id is rejected.
    `batch` (a new `Batch` if not given) records what was indexed.
    """
    batch = Batch() if batch is None else batch
    for rel in rels:
        try:
            digest, article = read(rel)
            if ids.get(article.id, rel) != rel:
                raise InvalidArticle("id_taken", id=article.id, other=ids[article.id])
            w.add_document(**document(article, rel, digest))
        except ArchiveError as exc:
            message = exc.message
            reason = message[len(rel) + 2:] if message.startswith(f"{rel}: ") else message
            batch.rejected.append((rel, reason))
        else:
            batch.add(rel, digest, stats[rel], article.id)
            ids[article.id] = rel
            if len(batch.probes) < 3 and (not batch.probes or len(batch.order) % 97 == 0):
                batch.probes.append((article.id, article.title))
        if tick:
            tick()
    return batch


def build_facets(ix: index.Index, gen_dir: Path, base_dir: Path | None = None,
                 publishers: Publishers | None = None) -> int:
    """Write the facet arrays from the committed index's postings (no stored fields read).

    `publishers` (the publishers file) names the values of a facet declared
    `names_from="publishers"`: every spelling of one entry counts under the entry's name.

    Whoosh segments are immutable and keep their docnums (deletions only mark them), so the
    arrays of segments already in `base_dir`'s generation are copied; only new segments (an
    incremental update's, or merges) are read from their postings.
    """
    facets = registry()
    by_date = [f.name for f in facets if f.kind == "year"]  # the year is read off the date
    estimated: list[np.ndarray] = []
    base = _base_facets(base_dir)
    segments, reused = [], []
    with ix.reader() as reader:
        n = reader.doc_count_all()
        per_facet = {f: FacetPostings() for f in facets.names()}
        dates = FacetPostings()
        shown = {f.name: _shown_spellings(reader, f.field,
                                          publishers if f.names_from == "publishers" else None)
                 for f in facets if f.folded}
        live = live_mask(reader)  # a deleted document (a duplicate id) counts nowhere
        for sub, offset in reader.leaf_readers():
            segment = sub.segment()
            if segment is None:  # an empty index has no segment
                continue
            seg_id, count = segment.segment_id(), sub.doc_count_all()
            segments.append((seg_id, offset, count))
            if base is not None and base.segments.get(seg_id, (0, -1))[1] == count:
                reused.append((base.segments[seg_id][0], offset, count))
                continue
            for facet in facets:
                if facet.kind == "names":
                    for value, docs in _term_documents(sub, facet.field, offset, live):
                        per_facet[facet.name].add(value, docs)
            for value, docs in _term_documents(sub, "date", offset, live):
                dates.add(value, docs)
                for name in by_date:
                    per_facet[name].add(value[:4], docs)
            estimated += [docs for value, docs in
                          _term_documents(sub, "date_source", offset, live) if value == ESTIMATED]
    write_facets(gen_dir, n, per_facet, dates, segments, base, reused,
                 np.concatenate(estimated) if estimated else (), shown)
    return n


def _term_documents(sub, fieldname: str, offset: int,
                    live: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
    """Each term of a field in one segment (a Whoosh segment reader) and the numbers (plus
    `offset`) of the documents holding it that `live` marks: from the segment's postings
    sidecar (an array slice a term), or from Whoosh's blocks in a segment written without."""
    folder = getattr(sub.storage(), "folder", None)
    side = docsidecar.open_field(folder, sub.segment().segment_id(), fieldname) \
        if folder is not None else False
    if side is None:  # the segment has a sidecar, and no document has this field
        return
    for term in sub.lexicon(fieldname):
        found = side.arrays(term, offset) if side else None
        if found is not None:
            docs = found[0].astype(np.int64)
        else:
            docs = np.fromiter(sub.postings(fieldname, term).all_ids(), dtype=np.int64) + offset
        yield term.decode("utf-8"), docs[live[docs]]


def _shown_spellings(reader, fieldname: str,
                     publishers: Publishers | None = None) -> dict[str, str]:
    """{spelling: the spelling its group shows} for a folded facet's field, from the index's
    terms and their document counts (`facets.display_spelling`); a spelling the publishers
    file knows (name, alias, host: `LaLibre`, `www.tdg.ch`) shows its entry's name."""
    groups: dict[str, list[str]] = defaultdict(list)
    named: dict[str, str] = {}
    for term in reader.lexicon(fieldname):
        spelling = term.decode("utf-8")
        entry = publishers.find(spelling) if publishers is not None else None
        if entry is not None:
            named[spelling] = entry.name
            continue
        groups[value_key(spelling)].append(spelling)
    shown: dict[str, str] = {}
    for spellings in groups.values():
        # counted only where spellings compete: an author facet's thousands of names are
        # each alone, and a count costs a look-up in every segment (0.5 ms at a million)
        best = spellings[0] if len(spellings) == 1 else display_spelling(
            {s: reader.doc_frequency(fieldname, s.encode("utf-8")) for s in spellings})
        shown.update((s, best) for s in spellings)
    # a spelling the file does not know joins an entry whose name it merely spells otherwise
    by_key = {value_key(name): name for name in named.values()}
    return {**{s: by_key.get(value_key(v), v) for s, v in shown.items()}, **named}


def _base_facets(base_dir: Path | None) -> FacetStore | None:
    if base_dir is None:
        return None
    try:
        return FacetStore.open(base_dir)
    except IndexUnavailable:
        return None  # no reuse: every segment is read from its postings


def check(gen_dir: Path, expected: int, probes: Iterable[tuple[str, str]],
          absent: Iterable[str] = ()) -> None:
    """Refuse a generation whose count differs from data/ or whose probe queries fail.

    `probes` are (id, title) pairs of articles that must be found by id and by a title word;
    `absent` are relative paths of deleted files that must no longer be found.
    """
    name = gen_dir.name
    try:
        ix = index.open_dir(str(gen_dir), indexname=INDEX_NAME)
        facets = FacetStore.open(gen_dir)
        with ix.searcher() as searcher:
            found = searcher.doc_count()
            if found != expected:
                raise IndexUnavailable(f"new generation {name} holds {found} articles, "
                                       f"data/ has {expected} valid ones")
            if facets.doc_count != searcher.doc_count_all():
                raise IndexUnavailable(f"new generation {name}: facet arrays are out of step")
            analyzer = ix.schema["title"].analyzer
            for article_id, title in probes:
                docs = list(Term("id", article_id).matcher(searcher).all_ids())
                if len(docs) != 1:
                    raise IndexUnavailable(f"new generation {name}: id {article_id} found "
                                           f"{len(docs)} times")
                words = [t.text for t in analyzer(title, mode="query")]
                if words:
                    hits = Term("title", words[0]).matcher(searcher).all_ids()
                    if docs[0] not in set(hits):
                        raise IndexUnavailable(f"new generation {name}: a search for "
                                               f"'{words[0]}' misses article {article_id}")
            for rel in absent:
                if any(True for _ in Term("path", rel).matcher(searcher).all_ids()):
                    raise IndexUnavailable(f"new generation {name} still holds deleted {rel}")
    except ArchiveError:
        raise
    except Exception as exc:  # Whoosh reports damage with many exception types
        raise IndexUnavailable(f"new generation {name} cannot be read back: {exc}") from None
