"""The segment writer's postings pool, in columns: a document's postings appended in C calls
(term ids, document numbers, weights, values' sizes and bytes), grouped by term with NumPy
when written.

Whoosh's pool (and ours before it) queued one `(field, term, docnum, weight, value)` tuple per
posting, sorted them all, pickled them in runs and unpickled them to merge, then grouped them
back by term for the codec: a third of a build's CPU went to moving postings around. Here a
document's field adds its postings with a few calls that each take them all (its terms' ids
looked up with `map`, arrays extended), and the postings are put in (field, term) order by
one stable NumPy sort of their terms' ranks when a run is written or the segment closes: a
term's postings keep the order they came in, which is document order (a writer's documents,
then the segments merged in at commit, each later than the last).

Values (a text field's positions, `positions.encode`) are kept as one buffer and each value's
size (`Values`), not as a bytes object each: a bytes object costs 33 bytes beyond its own, more
than a posting's other columns together, and pickling a million of them into a run and back
was a tenth of a million-article build's CPU.

Memory is bounded as Whoosh's pool bounds it: past `limitmb` (estimated), the postings are
written to disk as a sorted run and the pool starts again empty; the runs are merged a term at
a time at the end, each open run holding one chunk (RUN_CHUNK postings, in columns: `Chunk`)
in memory. A term's postings come out as one piece or more (`Piece`), in document order, never
joined into one list in memory.
"""

from __future__ import annotations

import heapq
import pickle
from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate, repeat
from operator import itemgetter

import numpy as np
from whoosh.util import random_name

# Estimated bytes of a term (its bytes object, its key tuple and dict slot, its place in the
# list of keys) and of a posting beyond its value's bytes: its 4-byte term id, document
# number, weight and value size, the arrays' spare room, and what sorting the pool adds while
# its chunks are written (its place in the order, its term's rank, where its value starts):
# 3,000 synthetic articles' 552,346 postings of 20,924 terms were estimated at 27.3 MB;
# tracemalloc counted 14.5 MB held, 27.1 MB at the sort's peak.
TERM_BYTES = 200
POSTING_BYTES = 36
# Postings per chunk: a run is written as pickled chunks, and a merge holds one chunk of each
# open run in memory (counted in terms, a chunk of a million-article build's run held the
# whole share of its frequent words: the workers grew past 2.5 GB while merging).
RUN_CHUNK = 4096
# Runs merged at once in the end; past it, the first runs are merged into one first.
MAX_RUNS = 256

_KEY = itemgetter(0, 1)


class Values:
    """Postings' values (bytes each) as one buffer and each value's size in bytes."""

    __slots__ = ("sizes", "data", "_ends")

    def __init__(self, sizes: array, data) -> None:
        self.sizes = sizes  # array("I")
        self.data = data  # bytes-like, the values one after the other
        self._ends: list[int] | None = None

    @classmethod
    def of(cls, values: Iterable[bytes | None]) -> Values:
        """Values from a value per posting (None: no value, as b"")."""
        if isinstance(values, Values):
            return values
        items = [value or b"" for value in values]
        return cls(array("I", map(len, items)), b"".join(items))

    def __len__(self) -> int:
        return len(self.sizes)

    def __getitem__(self, part: slice) -> Values:
        """The values of a range of postings (a slice of step 1)."""
        start, stop, step = part.indices(len(self.sizes))
        if step != 1:
            raise ValueError("Values take slices of step 1")
        if self._ends is None:
            self._ends = [0, *accumulate(self.sizes)]
        stop = max(start, stop)
        return Values(self.sizes[start:stop],
                      memoryview(self.data).cast("B")[self._ends[start]:self._ends[stop]])

    def __iter__(self) -> Iterator[bytes]:
        """Each posting's value, as bytes (b"" for none)."""
        data, at = memoryview(self.data).cast("B"), 0
        for size in self.sizes:
            yield bytes(data[at:at + size])
            at += size


# (field name, term bytes, document numbers, weights, values): a term's postings, or some of
# them (a run's share, or a chunk's); document numbers ascend.
Piece = tuple[str, bytes, array, array, Values]
# A run's chunk, in columns: (field, term) of each piece, each piece's count of postings, then
# the postings' document numbers, weights, value sizes and value bytes, piece after piece.
Chunk = tuple[list, array, array, array, array, bytes]


class TermPool:
    """Postings in columns, spilled to sorted runs past a memory limit."""

    def __init__(self, tempstore, segment, limitmb: float = 128) -> None:
        self.tempstore = tempstore
        self.segment = segment
        self.limit = limitmb * 1024 * 1024
        self.currentsize = 0
        self.runs: list[str] = []
        self._empty()

    def _empty(self) -> None:
        self._ids: dict[str, dict[bytes, int]] = {}  # field -> term -> term id
        self._keys: list[tuple[str, bytes]] = []  # term id -> (field, term)
        self._termids = array("I")
        self._docnums = array("I")
        self._weights = array("f")
        self._sizes = array("I")
        self._data = bytearray()

    def add(self, item: tuple) -> None:
        """Queue one posting (fieldname, term bytes, docnum, weight, value bytes or None)."""
        fieldname, text, docnum, weight, value = item
        if docnum < 0:  # Whoosh's spelling-word marker, not a posting (no field here spells)
            return
        self.add_term(fieldname, text, (docnum,), (weight,), (value,))

    def add_term(self, fieldname: str, text: bytes, docnums: Sequence[int],
                 weights: Sequence[float], values: Values | Sequence) -> None:
        """Queue postings of one term (a segment merged in: its documents, in order, later
        than any queued before), their weights and values in the same order."""
        ids = self._field_ids(fieldname)
        termid = ids.get(text)
        size = POSTING_BYTES * len(docnums)
        if termid is None:
            termid = ids[text] = len(self._keys)
            self._keys.append((fieldname, text))
            size += TERM_BYTES + len(text)
        self._termids.extend(repeat(termid, len(docnums)))
        self._docnums.extend(docnums)
        self._weights.extend(weights)
        self._add_values(values, size)

    def add_field(self, fieldname: str, docnum: int, terms: Sequence[bytes],
                  weights: Sequence[float], values: Values | Sequence) -> None:
        """Queue one document's postings in a field: its distinct terms, their weights and
        values (`Values`, or bytes or None each), in the same order."""
        if not terms:
            return
        ids = self._field_ids(fieldname)
        found = list(map(ids.get, terms))
        size = POSTING_BYTES * len(terms)
        if None in found:
            keys = self._keys
            for text in set(terms).difference(ids):
                ids[text] = len(keys)
                keys.append((fieldname, text))
                size += TERM_BYTES + len(text)
            found = list(map(ids.__getitem__, terms))
        self._termids.extend(found)
        self._docnums.extend(repeat(docnum, len(terms)))
        self._weights.extend(weights)
        self._add_values(values, size)

    def _field_ids(self, fieldname: str) -> dict[bytes, int]:
        """A field's {term: term id}."""
        ids = self._ids.get(fieldname)
        if ids is None:
            ids = self._ids[fieldname] = {}
        return ids

    def _add_values(self, values: Values | Sequence, size: int) -> None:
        """Queue the values of the postings just queued; count `size` bytes more and the
        values' bytes; past the limit, write a run."""
        values = Values.of(values)
        self._sizes.extend(values.sizes)
        self._data += values.data
        self.currentsize += size + memoryview(values.data).nbytes
        if self.currentsize > self.limit:
            self.save()

    def save(self) -> None:
        """Write the queued postings out as a sorted run and empty the pool."""
        if self._keys:
            path, f = self._new_run()
            self._write_run(f, self._sorted_chunks())
            self.runs.append(path)
        self.currentsize = 0

    def _sorted_chunks(self) -> Iterator[Chunk]:
        """The queued postings in (field, term) order, as chunks of RUN_CHUNK postings (a
        term's postings may be cut between two); the pool is left empty."""
        keys, termids, docnums = self._keys, self._termids, self._docnums
        weights, sizes, data = self._weights, self._sizes, self._data
        self._empty()
        if not keys:
            return
        # each posting's term's rank in (field, term) order; a stable sort of the ranks keeps
        # each term's postings in the order they came
        by_rank = sorted(range(len(keys)), key=keys.__getitem__)
        rank = np.empty(len(keys), dtype=np.int32)
        rank[by_rank] = np.arange(len(keys), dtype=np.int32)
        ranks = rank[np.frombuffer(termids, dtype=np.uint32)]
        del termids, rank
        order = np.argsort(ranks, kind="stable")
        ranks = ranks[order]
        all_docs = np.frombuffer(docnums, dtype=np.uint32)
        all_weights = np.frombuffer(weights, dtype=np.float32)
        all_sizes = np.frombuffer(sizes, dtype=np.uint32)
        all_data = np.frombuffer(data, dtype=np.uint8)
        starts = np.zeros(len(all_sizes), dtype=np.int64)  # where each value starts
        np.cumsum(all_sizes[:-1], out=starts[1:])
        for low in range(0, len(order), RUN_CHUNK):
            taken, taken_ranks = order[low:low + RUN_CHUNK], ranks[low:low + RUN_CHUNK]
            cuts = np.flatnonzero(taken_ranks[1:] != taken_ranks[:-1]) + 1
            firsts = taken_ranks[np.concatenate(([0], cuts))].tolist()
            counts = np.diff(np.concatenate(([0], cuts, [len(taken)])))
            chunk_sizes = all_sizes[taken]
            yield ([keys[by_rank[first]] for first in firsts], _as_array("I", counts),
                   _as_array("I", all_docs[taken]), _as_array("f", all_weights[taken]),
                   _as_array("I", chunk_sizes), _gather(all_data, starts[taken], chunk_sizes))

    def iter_terms(self) -> Iterator[Piece]:
        """Every term's postings in (field, term) order, as pieces (see `Piece`): one per
        chunk holding the term, in run order."""
        if not self.runs:
            for chunk in self._sorted_chunks():
                yield from _pieces(chunk)
            return
        self.save()
        if len(self.runs) > MAX_RUNS:
            self.reduce_to(MAX_RUNS, MAX_RUNS)
        runs, self.runs = self.runs, []
        yield from self._merge_runs(runs)

    def iter_postings(self) -> Iterator[tuple]:
        """Every posting (field, term bytes, docnum, weight, value) in (field, term, docnum)
        order, as Whoosh's pool gives them."""
        return postings_of(self.iter_terms())

    def _write_run(self, f, chunks: Iterable[Chunk]) -> None:
        try:
            for chunk in chunks:
                pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        finally:
            f.close()

    def _read_run(self, path: str) -> Iterator[Piece]:
        f = self.tempstore.open_file(path).raw_file()
        try:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    return
                yield from _pieces(chunk)
        finally:
            f.close()
            self.tempstore.delete_file(path)

    def _merge_runs(self, paths: list[str]) -> Iterator[Piece]:
        # heapq.merge keeps the runs' order among equal keys, and the runs are in the order
        # they were written: a term's pieces come out in document order
        last_key = last_doc = None
        for piece in heapq.merge(*map(self._read_run, paths), key=_KEY):
            key = piece[:2]
            if key == last_key and piece[2][0] <= last_doc:
                raise RuntimeError(f"posting runs out of document order at {key!r}")
            last_key, last_doc = key, piece[2][-1]
            yield piece

    def reduce_to(self, target: int, k: int) -> None:
        """Merge neighbouring runs until at most `target` are left, at most k at a time, the
        fewest that get there (the first ones), keeping the runs in the order written."""
        while len(self.runs) > target:
            count = min(k, len(self.runs) - target + 1)
            path, f = self._new_run()
            self._write_run(f, _chunks(self._merge_runs(self.runs[:count])))
            self.runs[:count] = [path]

    def _new_run(self):
        path = f"{random_name()}.run"  # as Whoosh's pool names its runs
        return path, self.tempstore.create_file(path).raw_file()

    def cleanup(self) -> None:
        """Delete the runs not merged yet (a cancelled or finished writer)."""
        for path in self.runs:
            try:
                self.tempstore.delete_file(path)
            except OSError:
                pass
        self.runs = []
        self._empty()


def postings_of(pieces: Iterable[Piece]) -> Iterator[tuple]:
    """The postings (field, term bytes, docnum, weight, value) of pieces, in their order."""
    for fieldname, text, docnums, weights, values in pieces:
        for docnum, weight, value in zip(docnums, weights, values, strict=True):
            yield fieldname, text, docnum, weight, value


def _pieces(chunk: Chunk) -> Iterator[Piece]:
    """The pieces of a chunk, in order."""
    keys, counts, docnums, weights, sizes, data = chunk
    if not keys:
        return
    data = memoryview(data)
    firsts = np.zeros(len(counts), dtype=np.int64)  # each piece's first posting
    np.cumsum(np.frombuffer(counts, dtype=np.uint32)[:-1], out=firsts[1:])
    value_bytes = np.add.reduceat(np.frombuffer(sizes, dtype=np.uint32), firsts).tolist()
    start = at = 0
    for (fieldname, text), count, size in zip(keys, counts, value_bytes, strict=True):
        end = start + count
        yield (fieldname, text, docnums[start:end], weights[start:end],
               Values(sizes[start:end], data[at:at + size]))
        start, at = end, at + size


def _chunks(pieces: Iterable[Piece]) -> Iterator[Chunk]:
    """Pieces as chunks of at most RUN_CHUNK postings (a piece cut where a chunk ends)."""
    keys: list = []
    counts, docnums, weights, sizes = array("I"), array("I"), array("f"), array("I")
    data = bytearray()
    for piece in pieces:
        fieldname, text, some_docs, some_weights, values = piece
        start, count = 0, len(some_docs)
        while start < count:
            take = min(RUN_CHUNK - len(docnums), count - start)
            part = values[start:start + take] if take < count else values
            keys.append((fieldname, text))
            counts.append(take)
            docnums.extend(some_docs[start:start + take])
            weights.extend(some_weights[start:start + take])
            sizes.extend(part.sizes)
            data += part.data
            start += take
            if len(docnums) == RUN_CHUNK:
                yield keys, counts, docnums, weights, sizes, bytes(data)
                keys, counts, docnums, weights = [], array("I"), array("I"), array("f")
                sizes, data = array("I"), bytearray()
    if keys:
        yield keys, counts, docnums, weights, sizes, bytes(data)


def _as_array(typecode: str, column: np.ndarray) -> array:
    """A NumPy column as an `array` of this type (4-byte items: "I" or "f")."""
    found = array(typecode)
    found.frombytes(column.astype(_DTYPES[typecode], copy=False).tobytes())
    return found


_DTYPES = {"I": np.uint32, "f": np.float32}


def _gather(data: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> bytes:
    """The bytes of the values starting at `starts`, of these sizes, one after the other."""
    sizes = sizes.astype(np.int64)
    total = int(sizes.sum())
    if not total:
        return b""
    ends = np.cumsum(sizes)
    # each byte's place in `data`: its value's start, plus how far into its value it is
    shift = np.repeat(starts - (ends - sizes), sizes)
    return data[shift + np.arange(total)].tobytes()
