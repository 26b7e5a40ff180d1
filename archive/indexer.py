"""The Whoosh index of one generation: schema, documents, writing, facet arrays, checks, opening.

Whoosh stays behind this module and `search.py`. Jobs (reindex, status) live in `reindex.py`;
the CURRENT pointer and generation folders in `generations.py`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import fields, index
from whoosh.analysis import RegexTokenizer
from whoosh.query import Term

from . import generations
from .analysis import french_analyzer
from .errors import ArchiveError, IndexUnavailable, InvalidArticle
from .facetstore import FACETS, FacetStore, write_facets
from .models import Article
from .segmentwriter import FastSegmentWriter

SCHEMA_VERSION = 1
INDEX_NAME = "MAIN"
# Exact-valued multi-valued fields are indexed as one term per line: a name keeps its spaces,
# dots and commas ("Y. Doumbia", "Ministère de l'Économie, des Finances").
VALUE_SEP = "\n"
MULTI_FIELDS = {"author": "author", "organisation": "organisations"}
# Files Whoosh rewrites when committing (the TOC holds the deletions): copied, never linked.
MUTABLE_SUFFIXES = (".toc",)
WHOOSH_LOCKS = ("MAIN_WRITELOCK", "MAIN_READLOCK")


def _values_tokenizer() -> RegexTokenizer:
    return RegexTokenizer(r"[^\n]+")


def build_schema(protected: frozenset[str] = frozenset()) -> fields.Schema:
    """The index schema: French text fields, exact filter fields, their word-search twins."""
    french = french_analyzer(protected)
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        title=fields.TEXT(analyzer=french, field_boost=2.0, stored=True),
        body=fields.TEXT(analyzer=french, stored=True),
        section=fields.ID(stored=True),
        author=fields.ID(stored=True, analyzer=_values_tokenizer()),
        organisation=fields.ID(stored=True, analyzer=_values_tokenizer()),
        section_text=fields.TEXT(analyzer=french),
        author_text=fields.TEXT(analyzer=french),
        organisation_text=fields.TEXT(analyzer=french),
        year=fields.NUMERIC(int, bits=32, stored=True),
        date=fields.ID(stored=True, sortable=True),
        url=fields.ID(stored=True),
        publisher=fields.ID(stored=True),
        language=fields.ID(stored=True),
        path=fields.ID(stored=True),
        hash=fields.STORED(),
    )


def file_hash(raw: bytes) -> str:
    """The content hash the manifest records for an article file."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def document(article: Article, relpath: str, digest: str) -> dict:
    """The Whoosh document for an article, validated so that a bad value never reaches a writer."""
    doc: dict = {
        "id": article.id, "title": article.title, "body": article.body,
        "language": article.language, "path": relpath, "hash": digest,
    }
    if article.section:
        doc["section"] = doc["section_text"] = article.section
    for fieldname, attr in MULTI_FIELDS.items():
        values = list(dict.fromkeys(getattr(article, attr)))
        if values:
            doc[fieldname] = doc[f"{fieldname}_text"] = VALUE_SEP.join(values)
            doc[f"_stored_{fieldname}"] = values
    if article.date:
        doc["date"] = article.date
        doc["year"] = article.year
    for name in ("url", "publisher"):
        if getattr(article, name):
            doc[name] = getattr(article, name)
    _check_document(doc, relpath)
    return doc


def stored_values(value: object) -> tuple[str, ...]:
    """A multi-valued stored field as a tuple (stored as a list, or as one string of lines)."""
    if not value:
        return ()
    if isinstance(value, str):
        return tuple(v for v in value.split(VALUE_SEP) if v)
    return tuple(value)


def stored_article(stored: Mapping[str, object]) -> Article:
    """The Article an index document was made from, read back from its stored fields."""
    return Article(
        id=str(stored["id"]), title=str(stored.get("title", "")), body=str(stored.get("body", "")),
        section=stored.get("section"), author=stored_values(stored.get("author")),
        date=stored.get("date"), organisations=stored_values(stored.get("organisation")),
        url=stored.get("url"), publisher=stored.get("publisher"),
        language=str(stored.get("language") or "fr"),
    )


def find_article(searcher, article_id: str) -> Article | None:
    """The article with this id in the searcher's generation, or None."""
    stored = searcher.document(id=article_id)
    return stored_article(stored) if stored is not None else None


def stored_documents(gen_dir: Path, wanted: Mapping[str, str]) -> dict[str, dict]:
    """The documents a generation holds for some files (relpath -> its recorded hash), made
    again from their stored fields; files it does not hold are left out."""
    try:
        ix = index.open_dir(str(gen_dir), indexname=INDEX_NAME)
        with ix.searcher() as searcher:
            found = {rel: searcher.document(path=rel) for rel in wanted}
    except Exception as exc:  # Whoosh reports damage with many exception types
        raise IndexUnavailable(f"index generation {Path(gen_dir).name} cannot be read "
                               f"({_describe(exc)})") from None
    return {rel: document(stored_article(stored), rel, wanted[rel])
            for rel, stored in found.items() if stored is not None}


def _check_document(doc: dict, name: str) -> None:
    """Whoosh 2.7.5 attaches a failed document's words to the next one: refuse bad values first."""
    for key, value in doc.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if key == "year":
                if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= 9999:
                    raise InvalidArticle(f"{name}: year {item!r} is not a year")
                continue
            if not isinstance(item, str) or not item.strip():
                raise InvalidArticle(f"{name}: field {key} has an empty or non-text value")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidArticle(f"{name}: field {key} holds invalid characters") from None
            if key.startswith("_stored_") and VALUE_SEP in item:
                raise InvalidArticle(f"{name}: a {key[8:]} name spans several lines")


def create(gen_dir: Path, schema: fields.Schema) -> index.Index:
    """A new empty index in a fresh generation folder."""
    gen_dir.mkdir(parents=True)
    return index.create_in(str(gen_dir), schema, indexname=INDEX_NAME)


def clone(source_dir: Path, gen_dir: Path) -> index.Index:
    """A writable copy of a generation: immutable segment files hard-linked, the TOC copied.

    Whoosh writes each segment file once under a fresh random name and records deletions in
    the TOC (`_MAIN_<n>.toc`), which it writes anew; on commit it unlinks files it no longer
    needs — an unlink of our link only. So linking segments is safe and the source stays intact.
    """
    gen_dir.mkdir(parents=True)
    for entry in os.scandir(source_dir):
        if not entry.is_file() or entry.name in WHOOSH_LOCKS:
            continue
        if entry.name == generations.MANIFEST or entry.name.startswith(("files.", ".")):
            continue
        target = gen_dir / entry.name
        if entry.name.endswith(MUTABLE_SUFFIXES):
            shutil.copy2(entry.path, target)
        else:
            try:
                os.link(entry.path, target)
            except OSError:  # a file system without hard links: copying is slower, as safe
                shutil.copy2(entry.path, target)
    return index.open_dir(str(gen_dir), indexname=INDEX_NAME)


def writer(ix: index.Index, limitmb: int = 128):
    """A writer that never builds a compound file (it would be loaded whole into every reader).

    It is `FastSegmentWriter`: Whoosh's writer with a cheaper postings pool, same files.

    Whoosh's own multi-process writer is not used: its workers outlive a killed parent (and
    would keep the job lock); `parallel.py` builds one segment per worker instead.
    """
    return FastSegmentWriter(ix, limitmb=limitmb, compound=False)


@dataclass
class Batch:
    """What one writer indexed from a list of article files."""

    files: dict[str, list] = field(default_factory=dict)  # relpath -> [hash, size, mtime_ns, id]
    order: list[str] = field(default_factory=list)  # relpaths in the writer's docnum order
    rejected: list[tuple[str, str]] = field(default_factory=list)
    probes: list[tuple[str, str]] = field(default_factory=list)


def index_files(w, rels: Iterable[str], read: Callable[[str], tuple[str, Article]],
                stats: dict[str, os.stat_result], ids: dict[str, str],
                tick: Callable[[], None] | None = None) -> Batch:
    """Read, validate and add article files to a writer; bad files are rejected, never fatal.

    `read(rel)` returns (file hash, Article) or raises ArchiveError; `ids` maps the ids already
    taken to their files and is updated, so that another file's duplicate id is rejected.
    """
    batch = Batch()
    for rel in rels:
        try:
            digest, article = read(rel)
            if ids.get(article.id, rel) != rel:
                raise InvalidArticle(f"id '{article.id}' is already used by {ids[article.id]}")
            w.add_document(**document(article, rel, digest))
        except ArchiveError as exc:
            message = exc.message
            reason = message[len(rel) + 2:] if message.startswith(f"{rel}: ") else message
            batch.rejected.append((rel, reason))
        else:
            stat = stats[rel]
            batch.files[rel] = [digest, stat.st_size, stat.st_mtime_ns, article.id]
            batch.order.append(rel)
            ids[article.id] = rel
            if len(batch.probes) < 3 and (not batch.probes or len(batch.order) % 97 == 0):
                batch.probes.append((article.id, article.title))
        if tick:
            tick()
    return batch


def build_facets(ix: index.Index, gen_dir: Path, base_dir: Path | None = None) -> int:
    """Write the facet arrays from the committed index's postings (no stored fields read).

    Whoosh segments are immutable and keep their docnums (deletions only mark them), so the
    arrays of segments already in `base_dir`'s generation are copied; only new segments (an
    incremental update's, or merges) are read from their postings.
    """
    per_facet: dict[str, dict[int, list[str]]] = {f: defaultdict(list) for f in FACETS}
    dates: dict[int, str] = {}
    base = _base_facets(base_dir)
    segments, reused = [], []
    with ix.reader() as reader:
        n = reader.doc_count_all()
        for sub, offset in reader.leaf_readers():
            segment = sub.segment()
            if segment is None:  # an empty index has no segment
                continue
            seg_id, count = segment.segment_id(), sub.doc_count_all()
            segments.append((seg_id, offset, count))
            if base is not None and base.segments.get(seg_id, (0, -1))[1] == count:
                reused.append((base.segments[seg_id][0], offset, count))
                continue
            for facet in ("section", "author", "organisation"):
                target = per_facet[facet]
                for term in sub.lexicon(facet):
                    value = term.decode("utf-8")
                    for docnum in sub.postings(facet, term).all_ids():
                        target[docnum + offset].append(value)
            for term in sub.lexicon("date"):
                value = term.decode("utf-8")
                for docnum in sub.postings("date", term).all_ids():
                    dates[docnum + offset] = value
                    per_facet["year"][docnum + offset].append(value[:4])
    write_facets(gen_dir, n, per_facet, dates, segments, base, reused)
    return n


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


@dataclass
class Generation:
    """One open, immutable index generation, as readers use it."""

    path: Path
    index: index.Index
    facets: FacetStore
    manifest: dict = field(repr=False)

    @property
    def name(self) -> str:
        """The generation's folder name."""
        return self.path.name


def open_generation(gen_dir: Path) -> Generation:
    """Open one generation folder for reading; IndexUnavailable if anything is missing or broken."""
    gen_dir = Path(gen_dir)
    if not gen_dir.is_dir():
        raise IndexUnavailable(f"index generation {gen_dir.name} is missing; "
                               "run 'archive reindex --full'")
    try:
        held = generations.hold(gen_dir)
    except OSError:
        raise IndexUnavailable(f"index generation {gen_dir.name} is missing; "
                               "run 'archive reindex --full'") from None
    try:
        manifest = generations.read_manifest(gen_dir)
        # Sizes and sampled blocks: a zeroed or overwritten segment is refused here, before a
        # search stumbles on it.
        generations.verify(gen_dir, manifest)
        try:
            ix = index.open_dir(str(gen_dir), indexname=INDEX_NAME)
            ix.reader().close()  # opens every segment: a missing or truncated file shows up here
        except Exception as exc:  # Whoosh reports damage with many exception types
            raise IndexUnavailable(f"index generation {gen_dir.name} is damaged "
                                   f"({_describe(exc)}); run 'archive reindex --full'") from None
        generation = Generation(gen_dir, ix, FacetStore.open(gen_dir), manifest)
    except BaseException:
        os.close(held)
        raise
    # Whoosh opens the folder's files anew for every searcher, so the folder must outlive every
    # request using this Generation: the reader's lock goes when the last reference does.
    weakref.finalize(generation, os.close, held)
    return generation


def _describe(exc: Exception) -> str:
    """An exception in a few words, without the full path an OSError would print."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {Path(exc.filename).name}" if exc.filename else exc.strerror
    return f"{type(exc).__name__}: {str(exc)[:80]}"


def open_current(index_dir: Path) -> Generation:
    """Open the generation CURRENT names; IndexUnavailable with a clear message otherwise."""
    index_dir = Path(index_dir)
    for _attempt in range(3):
        pointer = generations.read_pointer(index_dir)
        if pointer is None:
            raise IndexUnavailable(f"there is no index in {index_dir} yet; run 'archive reindex'")
        try:
            return open_generation(index_dir / pointer.current)
        except IndexUnavailable:
            # A job may have swapped and cleaned up between our read and our open: look again.
            if generations.read_pointer(index_dir) == pointer:
                raise
    raise IndexUnavailable("the index keeps changing while being opened; try again")


class CurrentGeneration:
    """For long-lived readers (web workers): the serving generation, reopened when CURRENT moves.

    `get()` reads the small pointer file on every call (microseconds) and opens the new
    generation only when it changed; a request keeps the Generation it got until it ends.
    """

    RECHECK_SECONDS = 60.0  # a generation found intact is not hashed again for this long

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._open: Generation | None = None
        self._damaged: dict[str, str] = {}  # generation name -> why it cannot serve
        self._intact: dict[str, float] = {}  # generation name -> when a deep check passed
        self._hashing = threading.Lock()

    def get(self) -> Generation:
        """The serving generation, opened once per change of CURRENT."""
        try:
            pointer = generations.read_pointer(self.index_dir)
        except IndexUnavailable:
            self._open = None  # let go of a generation CURRENT no longer names (see `hold`)
            raise
        if pointer is not None and pointer.current in self._damaged:
            raise IndexUnavailable(self._damaged[pointer.current])
        current = self._open
        if current is not None and pointer is not None and current.name == pointer.current:
            return current
        with self._lock:
            if self._open is None or pointer is None or self._open.name != pointer.current:
                self._open = None  # released once the requests still using it end
                self._open = open_current(self.index_dir)
            return self._open

    def check(self, deep: bool = False) -> Generation:
        """The serving generation, its files checked: sizes and sampled blocks on every call
        (a few ms), every byte hashed when `deep` (once a minute at most).

        Damage found here marks the generation: every later `get()` refuses it at once, until
        CURRENT names another generation.
        """
        gen = self.get()
        if deep and time.monotonic() - self._intact.get(gen.name, -1e9) < self.RECHECK_SECONDS:
            deep = False
        # One thread hashes at a time; the others make do with the cheap check meanwhile.
        if deep and not self._hashing.acquire(blocking=False):
            deep = False
        try:
            generations.verify(gen.path, gen.manifest, deep=deep)
            if deep:
                self._intact[gen.name] = time.monotonic()
        except IndexUnavailable as exc:
            self._damaged[gen.name] = exc.message
            raise
        finally:
            if deep:
                self._hashing.release()
        return gen
