"""Parallel full build: each worker process reads, parses and indexes its share into one segment.

Whoosh's `MpWriter` parses every file in the parent (YAML parsing is a quarter of the work),
and its workers block forever on their queue when the parent is killed, keeping the job lock
(an flock is shared with forked children). Here workers die with the parent (PDEATHSIG), close
their copy of the lock, and each finishes its own segment; the parent then writes one TOC
listing them all, in file order, so docnums follow the sorted file list.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import gc
import multiprocessing
import os
import pickle
import signal
import sys
import time
from array import array
from collections import ChainMap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from whoosh import index

from ..allocator import keep_freed_memory
from ..engine.segments import commit_segments, finish_segment, worker_writer
from ..errors import ArchiveError
from . import collector, indexer, joblock, keyterms, schema
from .analysis import index_positions

PR_SET_PDEATHSIG = 1
BUILD_TRIM_THRESHOLD = 64 << 20  # see _worker
TICK_EVERY = 20


class CompactBatch(indexer.Batch):
    """A worker's `Batch` kept in columns: a worker of a million-article build indexes 500,000
    files, and a list per file in a dict (a hash string, two ints, the id) held 430 bytes a
    file until the worker's end, past its final merge (its memory peak), then as much again in
    pickle's memo when sent to the parent."""

    def __init__(self) -> None:
        super().__init__()
        # "sha256:<hex>" hashes as their 32 bytes, one after the other (a str of 71
        # characters costs 120 bytes); another form, by row, in `odd`
        self.digests = bytearray()
        self.odd: dict[int, str] = {}
        self.numbers = array("q")  # size, mtime_ns of each file, in turn
        self.ids: list[str] = []

    def add(self, rel: str, digest: str, stat: indexer.FileStat, article_id: str) -> None:
        """Record an indexed file (the next document of the writer)."""
        raw = _sha256_bytes(digest)
        if raw is None:
            self.odd[len(self.order)] = digest
            raw = bytes(32)
        self.digests += raw
        self.numbers.extend((stat.st_size, stat.st_mtime_ns))
        self.ids.append(article_id)
        self.order.append(rel)

    def entries(self) -> Iterator[tuple[str, list]]:
        """(relpath, [hash, size, mtime_ns, id]) of the indexed files, in docnum order."""
        numbers, digests, odd = self.numbers, self.digests, self.odd
        for i, rel in enumerate(self.order):
            digest = odd.get(i) or _SHA + digests[32 * i:32 * i + 32].hex()
            yield rel, [digest, numbers[2 * i], numbers[2 * i + 1], self.ids[i]]


_SHA = "sha256:"


class ShareStats(Mapping):
    """The size and mtime of each file of a worker's share, by its place in the share: the
    worker looks its files up in the share's order, so a cursor finds each (an index of
    every path is built only should a lookup come out of order)."""

    def __init__(self, rels: list[str], numbers: array) -> None:
        self._rels, self._numbers = rels, numbers
        self._next = 0
        self._row: dict[str, int] | None = None

    def __getitem__(self, rel: str) -> indexer.FileStat:
        rels, i = self._rels, self._next
        while i < len(rels) and rels[i] != rel:
            i += 1
        if i < len(rels):
            self._next = i + 1
        else:
            if self._row is None:
                self._row = dict(zip(rels, range(len(rels)), strict=True))
            i = self._row[rel]
        size = self._numbers[2 * i]
        if size < 0:  # not found by the scan
            raise KeyError(rel)
        return indexer.FileStat(size, self._numbers[2 * i + 1])

    def __iter__(self) -> Iterator[str]:
        return iter(self._rels)

    def __len__(self) -> int:
        return len(self._rels)


def _numbers_of(stats: Mapping[str, indexer.FileStat], rels: list[str]) -> array:
    """Size and mtime_ns of each of these files, in turn (-1, -1: not found)."""
    if hasattr(stats, "numbers_of"):
        return stats.numbers_of(rels)
    numbers = array("q")
    for rel in rels:
        stat = stats.get(rel)
        numbers.extend((-1, -1) if stat is None else (stat.st_size, stat.st_mtime_ns))
    return numbers


def _sha256_bytes(digest: str) -> bytes | None:
    """The 32 bytes of a "sha256:<64 lowercase hex digits>" hash, else None."""
    if not digest.startswith(_SHA) or len(digest) != len(_SHA) + 64:
        return None
    try:
        raw = bytes.fromhex(digest[len(_SHA):])
    except ValueError:
        return None
    return raw if _SHA + raw.hex() == digest else None  # round-trips exactly


def _release_free_memory() -> None:
    """Give the memory this process has freed back to the system before forking the workers:
    each worker's resident size counts every page of its parent's heap, free or not (at a
    million articles, the base generation's file list read to find the settled ids left
    about 20 MB per 100,000 articles of freed heap that glibc kept)."""
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to ask


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this worker when its parent dies (no orphan keeps working)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _worker(k: int, parent: int, gen_dir: str, rels: list[str], read: Callable,
            stats: dict, counter, limitmb: int, settled: Mapping[str, str]) -> None:
    _die_with_parent(parent)
    joblock.close_inherited()
    # a worker's memory peaks at its segment's close: keep at most 64 MB spare above it
    keep_freed_memory(trim_threshold=BUILD_TRIM_THRESHOLD)
    try:
        _index_share(k, gen_dir, rels, read, stats, counter, limitmb, settled)
    except OSError as exc:
        # The exit code carries the errno, so that the parent can tell a full disk apart.
        print(f"reindex worker {k}: {exc.strerror or exc}", file=sys.stderr, flush=True)
        raise SystemExit(exc.errno or 1) from None


def _index_share(k: int, gen_dir: str, rels: list[str], read: Callable, stats: dict, counter,
                 limitmb: int, settled: Mapping[str, str]) -> None:
    ix = index.open_dir(gen_dir, indexname=schema.INDEX_NAME)
    w = worker_writer(ix, limitmb, keyterms.summary())
    w.positions = index_positions  # as `indexer.writer` gives it
    pending = 0

    def tick() -> None:
        nonlocal pending
        pending += 1
        if pending >= TICK_EVERY:
            with counter.get_lock():
                counter.value += pending
            pending = 0

    # files read ahead by the kernel for this worker, if the reader can (jobs._ArticleReader)
    ahead = read.ahead(rels) if hasattr(read, "ahead") else contextlib.nullcontext()
    with ahead:
        batch = indexer.index_files(w, rels, read, stats, ChainMap({}, settled), tick,
                                    CompactBatch())
    segment = finish_segment(w, bool(batch.order))
    with counter.get_lock():
        counter.value += pending
    part = Path(gen_dir) / f".part-{k}.pickle"
    with open(part, "wb") as handle:
        pickle.dump(segment, handle)
        # No memo for the batch (it holds no object twice that must stay one): pickle's memo
        # would hold an entry per string, a million for a worker's share of a million files.
        batch_pickler = pickle.Pickler(handle, pickle.HIGHEST_PROTOCOL)
        batch_pickler.fast = True
        batch_pickler.dump(batch)


def build(ix: index.Index, gen_dir: Path, rels: list[str], read: Callable,
          stats: dict, procs: int, bar=None, limitmb: int = 128,
          settled: Mapping[str, str] | None = None) -> indexer.Batch:
    """Index `rels` with `procs` worker processes and commit them as one generation.

    `settled` maps ids to the files that keep them (see `indexer.index_files`).
    """
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("q", 0)
    size = -(-len(rels) // procs)
    chunks = [rels[i:i + size] for i in range(0, len(rels), size)] or [[]]
    # each worker is given only its own files' stats (see FileStats.numbers_of)
    workers = [ctx.Process(target=_worker, name=f"reindex-worker-{k}",
                           args=(k, os.getpid(), str(gen_dir), chunk, read,
                                 ShareStats(chunk, _numbers_of(stats, chunk)), counter,
                                 limitmb, settled or {}))
               for k, chunk in enumerate(chunks)]
    _release_free_memory()
    # Objects the workers inherit stay shared only while nothing writes to their pages: the
    # garbage collector would (it marks every object it visits), so they are frozen first
    # (inside a job, its plan is already: 157 objects were left unfrozen here in a 10k build).
    with collector.frozen():
        try:
            for worker in workers:
                worker.start()
            shown = 0
            while any(worker.is_alive() for worker in workers):
                time.sleep(0.2)
                if bar and counter.value > shown:
                    bar.advance(counter.value - shown)
                    shown = counter.value
            if bar and counter.value > shown:
                bar.advance(counter.value - shown)
            failed = [w.name for w in workers if w.exitcode != 0]
            if any(w.exitcode in (errno.ENOSPC, errno.EDQUOT) for w in workers):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            if failed:
                raise ArchiveError(f"indexing worker(s) {', '.join(failed)} failed; see the "
                                   "messages above")
        finally:
            for worker in workers:
                if worker.is_alive():
                    worker.kill()
                worker.join()
    results = []
    for k in range(len(chunks)):
        part = gen_dir / f".part-{k}.pickle"
        with open(part, "rb") as handle:
            results.append((pickle.load(handle), pickle.load(handle)))
        part.unlink()
    return _commit(ix, results)


def _commit(ix: index.Index, results: list) -> indexer.Batch:
    """Merge the workers' reports, reject ids seen in an earlier share, write the TOC."""
    merged = indexer.Batch()
    ids: dict[str, str] = {}
    segments = []
    for segment, batch in results:
        merged.rejected += batch.rejected
        merged.probes += batch.probes[: 3 - len(merged.probes)]
        for local, (rel, entry) in enumerate(batch.entries()):
            if entry[3] in ids:
                segment.delete_document(local)
                merged.rejected.append((rel, f"id '{entry[3]}' is already used by {ids[entry[3]]}"))
                continue
            ids[entry[3]] = rel
            merged.files[rel] = entry
            merged.order.append(rel)
        if segment is not None:
            segments.append(segment)
    commit_segments(ix, segments)
    merged.rejected.sort()
    return merged
