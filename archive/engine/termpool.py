"""The segment writer's postings pool, kept by term: each term's document numbers, weights and
values appended as its documents come, rather than a tuple per posting sorted at the end.

Whoosh's pool (and ours before it) queued one `(field, term, docnum, weight, value)` tuple per
posting, sorted them all, pickled them in runs and unpickled them to merge, then grouped them
back by term for the codec: a third of a build's CPU went to moving postings around. A term's
postings arrive in document order (a writer's documents, then the segments merged in at
commit, each later than the last), so appending them to the term's own arrays keeps them
sorted; only the terms are sorted, when a run is written or the segment closes.

Memory is bounded as Whoosh's pool bounds it: past `limitmb` (estimated), the terms are written
to disk as a sorted run and the pool starts again empty; the runs are merged a term at a time
at the end, each open run holding one chunk of terms. A term's postings come out as one piece
per run that holds it, in run order (`Piece`), never joined into one list in memory.
"""

from __future__ import annotations

import heapq
import pickle
from array import array
from collections.abc import Iterable, Iterator
from itertools import islice
from operator import itemgetter

from whoosh.util import random_name

# Estimated bytes of a term's entry (its bytes object, dict slot, two arrays and a list) and of
# a posting (4-byte document number and weight, a list slot, a bytes object's header) beyond
# its value's bytes: 3,000 synthetic articles' 552,346 postings of 20,924 terms were
# estimated at 41.0 MB, tracemalloc counted 36.2 MB (the estimate errs on the safe side).
TERM_BYTES = 330
POSTING_BYTES = 56
# Terms per pickled chunk of a run: a merge holds one chunk of each open run in memory.
RUN_CHUNK = 1024
# Runs merged at once in the end; past it, the first runs are merged into one first.
MAX_RUNS = 256

_KEY = itemgetter(0, 1)

# (field name, term bytes, document numbers, weights, values): a term's postings, or a run's
# share of them; document numbers ascend, values are bytes (or None, stored as such).
Piece = tuple[str, bytes, array, array, list]


class TermPool:
    """Postings by field and term, spilled to sorted runs past a memory limit."""

    def __init__(self, tempstore, segment, limitmb: float = 128) -> None:
        self.tempstore = tempstore
        self.segment = segment
        self.limit = limitmb * 1024 * 1024
        self.currentsize = 0
        self.fields: dict[str, dict[bytes, tuple[array, array, list]]] = {}
        self.runs: list[str] = []

    def terms(self, fieldname: str) -> dict[bytes, tuple[array, array, list]]:
        """A field's {term: (docnums, weights, values)}, for a writer appending in place."""
        found = self.fields.get(fieldname)
        if found is None:
            found = self.fields[fieldname] = {}
        return found

    def add(self, item: tuple) -> None:
        """Queue one posting (fieldname, term bytes, docnum, weight, value bytes or None)."""
        fieldname, text, docnum, weight, value = item
        if docnum < 0:  # Whoosh's spelling-word marker, not a posting (no field here spells)
            return
        terms = self.terms(fieldname)
        entry = terms.get(text)
        if entry is None:
            entry = terms[text] = (array("I"), array("f"), [])
            self.currentsize += TERM_BYTES + len(text)
        entry[0].append(docnum)
        entry[1].append(weight)
        entry[2].append(value)
        self.grew(POSTING_BYTES + (len(value) if value else 0))

    def grew(self, size: int) -> None:
        """Count `size` more bytes held; past the limit, write the pool out as a run."""
        self.currentsize += size
        if self.currentsize > self.limit:
            self.save()

    def save(self) -> None:
        """Write the queued terms out as a sorted run and empty the pool."""
        if self.fields:
            path, f = self._new_run()
            fields, self.fields = self.fields, {}
            self._write_run(f, _sorted(fields))
            self.runs.append(path)
        self.currentsize = 0

    def iter_terms(self) -> Iterator[Piece]:
        """Every term's postings in (field, term) order, as pieces (see `Piece`): one per
        term when nothing was spilled, else one per run holding the term, in run order."""
        if not self.runs:
            fields, self.fields = self.fields, {}
            yield from _sorted(fields)
            return
        self.save()
        if len(self.runs) > MAX_RUNS:
            self.reduce_to(MAX_RUNS, MAX_RUNS)
        runs, self.runs = self.runs, []
        yield from self._merge_runs(runs)

    def iter_postings(self) -> Iterator[tuple]:
        """Every posting (field, term bytes, docnum, weight, value) in (field, term, docnum)
        order, as Whoosh's pool gives them."""
        for fieldname, text, docnums, weights, values in self.iter_terms():
            for docnum, weight, value in zip(docnums, weights, values, strict=True):
                yield fieldname, text, docnum, weight, value

    def _write_run(self, f, pieces: Iterable[Piece]) -> None:
        iterator = iter(pieces)
        try:
            while chunk := list(islice(iterator, RUN_CHUNK)):
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
            self._write_run(f, _joined(self._merge_runs(self.runs[:count])))
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
        self.fields = {}


def _sorted(fields: dict[str, dict[bytes, tuple[array, array, list]]]) -> Iterator[Piece]:
    """The pool's terms as pieces, in (field, term) order."""
    for fieldname in sorted(fields):
        terms = fields[fieldname]
        for text in sorted(terms):
            docnums, weights, values = terms[text]
            yield fieldname, text, docnums, weights, values


def _joined(pieces: Iterable[Piece]) -> Iterator[Piece]:
    """The pieces of each term joined into one (a merged run holds one piece per term)."""
    current = None
    for piece in pieces:
        if current is not None and piece[:2] == current[:2]:
            current[2].extend(piece[2])
            current[3].extend(piece[3])
            current[4].extend(piece[4])
            continue
        if current is not None:
            yield current
        current = piece
    if current is not None:
        yield current
