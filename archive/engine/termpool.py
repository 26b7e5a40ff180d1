"""The segment writer's postings pool, in columns: a document's postings appended in C calls
(term ids, document numbers, weights, values), grouped by term with NumPy when written.

Whoosh's pool (and ours before it) queued one `(field, term, docnum, weight, value)` tuple per
posting, sorted them all, pickled them in runs and unpickled them to merge, then grouped them
back by term for the codec: a third of a build's CPU went to moving postings around. Here a
document's field adds its postings with a few calls that each take them all (its terms' ids
looked up with `map`, arrays extended), and the postings are put in (field, term) order by
one stable NumPy sort of their terms' ranks when a run is written or the segment closes: a
term's postings keep the order they came in, which is document order (a writer's documents,
then the segments merged in at commit, each later than the last).

Memory is bounded as Whoosh's pool bounds it: past `limitmb` (estimated), the postings are
written to disk as a sorted run and the pool starts again empty; the runs are merged a term at
a time at the end, each open run holding one chunk (RUN_CHUNK postings) in memory. A term's
postings come out as one piece or more per run that holds it, in run order (`Piece`), never
joined into one list in memory.
"""

from __future__ import annotations

import heapq
import pickle
from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat
from operator import itemgetter

import numpy as np
from whoosh.util import random_name

# Estimated bytes of a term (its bytes object, its key tuple and dict slot, its place in the
# list of keys) and of a posting (4-byte term id, document number and weight, a list slot, a
# bytes object's header) beyond its value's bytes: 3,000 synthetic articles' 552,346 postings
# of 20,924 terms were estimated at 37.2 MB, tracemalloc counted 33.7 MB (the estimate errs on the
# safe side).
TERM_BYTES = 200
POSTING_BYTES = 54
# Postings per pickled chunk of a run (a term's longer share is cut into several pieces): a
# merge holds one chunk of each open run in memory, ~60 bytes a posting. Counted in terms,
# a chunk of a million-article build's run held the whole share of its frequent words: the
# workers grew past 2.5 GB while merging.
RUN_CHUNK = 4096
# Postings reordered at a time when the pool is sorted (bounds a temporary list of ints).
ORDER_CHUNK = 1 << 18
# Runs merged at once in the end; past it, the first runs are merged into one first.
MAX_RUNS = 256

_KEY = itemgetter(0, 1)

# (field name, term bytes, document numbers, weights, values): a term's postings, or a run's
# share of them; document numbers ascend, values are bytes (or None, stored as such).
Piece = tuple[str, bytes, array, array, list]


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
        self._values: list = []

    def add(self, item: tuple) -> None:
        """Queue one posting (fieldname, term bytes, docnum, weight, value bytes or None)."""
        fieldname, text, docnum, weight, value = item
        if docnum < 0:  # Whoosh's spelling-word marker, not a posting (no field here spells)
            return
        self.add_term(fieldname, text, (docnum,), (weight,), (value,))

    def add_term(self, fieldname: str, text: bytes, docnums: Sequence[int],
                 weights: Sequence[float], values: Sequence) -> None:
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
        self._values.extend(values)
        self._grew(size, values)

    def add_field(self, fieldname: str, docnum: int, terms: Sequence[bytes],
                  weights: Sequence[float], values: Sequence) -> None:
        """Queue one document's postings in a field: its distinct terms, their weights and
        values (bytes or None), in the same order."""
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
        self._values.extend(values)
        self._grew(size, values)

    def _field_ids(self, fieldname: str) -> dict[bytes, int]:
        """A field's {term: term id}."""
        ids = self._ids.get(fieldname)
        if ids is None:
            ids = self._ids[fieldname] = {}
        return ids

    def _grew(self, size: int, values: Sequence) -> None:
        """Count `size` bytes more and the values' bytes; past the limit, write a run."""
        try:
            size += sum(map(len, values))  # in C
        except TypeError:  # a value of None (counted as empty)
            size += sum(len(value or b"") for value in values)
        self.currentsize += size
        if self.currentsize > self.limit:
            self.save()

    def save(self) -> None:
        """Write the queued postings out as a sorted run and empty the pool."""
        if self._keys:
            path, f = self._new_run()
            self._write_run(f, self._take_sorted())
            self.runs.append(path)
        self.currentsize = 0

    def _take_sorted(self) -> Iterator[Piece]:
        """The queued postings as pieces in (field, term) order; the pool is left empty."""
        keys, termids, docnums = self._keys, self._termids, self._docnums
        weights, values = self._weights, self._values
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
        ends = np.append(np.flatnonzero(ranks[1:] != ranks[:-1]) + 1, len(ranks)).tolist()
        firsts = ranks[[0, *ends[:-1]]].tolist()
        del ranks
        # the columns reordered into arrays of their own, NumPy writing into them (no copies)
        sorted_docs, sorted_weights = _sorted_copy(docnums, order), _sorted_copy(weights, order)
        del docnums, weights
        sorted_values = []
        for start in range(0, len(order), ORDER_CHUNK):  # a list of ints is 36 bytes an item
            sorted_values.extend(map(values.__getitem__,
                                     order[start:start + ORDER_CHUNK].tolist()))
        del values, order
        start = 0
        for first, end in zip(firsts, ends, strict=True):
            fieldname, text = keys[by_rank[first]]
            yield (fieldname, text, sorted_docs[start:end], sorted_weights[start:end],
                   sorted_values[start:end])
            start = end

    def iter_terms(self) -> Iterator[Piece]:
        """Every term's postings in (field, term) order, as pieces (see `Piece`): one per
        term when nothing was spilled, else one per run holding the term, in run order."""
        if not self.runs:
            yield from self._take_sorted()
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

    def _write_run(self, f, pieces: Iterable[Piece]) -> None:
        try:
            chunk, room = [], RUN_CHUNK
            for piece in pieces:
                count, start = len(piece[2]), 0
                while start < count:
                    take = min(room, count - start)
                    chunk.append(piece if take == count else _slice(piece, start, start + take))
                    room -= take
                    start += take
                    if not room:
                        pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
                        chunk, room = [], RUN_CHUNK
            if chunk:
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
                yield from chunk
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
            self._write_run(f, self._merge_runs(self.runs[:count]))
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


def _sorted_copy(column: array, order: np.ndarray) -> array:
    """A new array of `column`'s items in `order`."""
    found = array(column.typecode, [0]) * len(order)
    np.take(np.frombuffer(column, dtype=column.typecode), order,
            out=np.frombuffer(found, dtype=found.typecode))
    return found


def _slice(piece: Piece, start: int, end: int) -> Piece:
    """The postings of a piece from `start` to `end`."""
    fieldname, text, docnums, weights, values = piece
    return fieldname, text, docnums[start:end], weights[start:end], values[start:end]
