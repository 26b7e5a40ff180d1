"""A postings sidecar per segment: every term's document numbers (and weights, where the
positions sidecar cannot give them) as flat arrays, memory-mapped, so that a term's postings
cost a term lookup and an array slice instead of decoding Whoosh's blocks (zlib, pickle and
deltas per block: most of a word's first search in a process).

Written by the segment writer from the postings streaming to Whoosh's codec in term order
(`DocsRecorder.record`, a term at a time; `watch` for another codec), for every indexed
field. Files, per segment and field, named after the segment so that Whoosh keeps, links
(`segments.clone_files`) and deletes them with it:
`<segment>.<field>.dtx` (the terms' bytes, in order), `.dti` (int64 pairs, n + 1: where each
term's bytes start, its first posting), `.dno` (each posting's document number in the segment,
uint16 when the segment has fewer than 65,536 documents) and `.dwt` (the weights,
uint16 when they are all small whole numbers, else float32), written only where the weights
are not derived: every weight 1.0 (`one`, e.g. ID fields), or each posting's count of positions
times the format's boost (`pct`, Whoosh's Positions format: the positions sidecar's `.pct`).
`<segment>.pds` maps the fields written to how their weights are read and the arrays' types,
written last; a segment without it has no postings sidecar and readers fall back to Whoosh's
blocks.

In a segment of 65,536 documents or more, `.dno` keeps each document number's low 16 bits
(uint16, as in a small segment: 2 bytes a posting, not 4) and `.dhi` the high halves: a term's
document numbers strictly increase, so its high half changes at most once per 65,536
documents, and `.dhi` holds one run per change (uint16 pairs: the high half, how many postings
have it minus one; a run never exceeds 65,536 postings). `.dti` then has a third column, each
term's first run. A field whose terms are mostly single postings (ids, paths) would pay more
for its runs than it saves, and keeps uint32 document numbers (the writer picks the smaller).
Rebuilding a term's document numbers adds each of its few runs' high half to the run's low
halves, in place.
"""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from . import positions

CHUNK_POSTINGS = 1 << 20  # postings held before they are written out (bounds memory)
# postings compared at a time when deciding how weights are kept (its float64 temporaries are
# 8 bytes a posting, several at once: at 1 << 22 the close of a segment held 120 MB more)
COMPARE_CHUNK = 1 << 20
# Document numbers are kept as their low LOW_BITS bits (uint16) plus each term's runs of high
# halves, where a segment has 2 ** LOW_BITS documents or more (tests lower it to force runs).
LOW_BITS = 16
# A field keeps runs where their bytes are at most this share of the bytes they save (tests
# raise it to force runs where uint32 would be smaller, as for a tiny segment's sparse terms).
RUNS_COST = 1.0
_SUFFIXES = ("dtx", "dti", "dno", "dwt", "dhi")
MARKER = "pds"


class _FieldFiles:
    """The postings sidecar of one field of one segment being written, term after term."""

    def __init__(self, base: str, field: str) -> None:
        self.paths = {s: f"{base}.{field}.{s}" for s in _SUFFIXES}
        self._files = {s: open(self.paths[s], "wb") for s in ("dtx", "dno", "dwt")}
        self._term_starts = array("q", [0])
        self._term_postings = array("q", [0])
        self.docs = array("I")
        self.weights = array("f")
        self._written = 0  # postings written out
        self._widest = 0  # the largest document number

    def new_term(self, text: bytes, previous: bytes | None) -> None:
        """Start a term's postings (after `previous`'s, if any)."""
        if previous is not None:
            self._term_starts.append(self._term_starts[-1] + len(previous))
            self._term_postings.append(self._written + len(self.docs))
        if len(self.docs) > CHUNK_POSTINGS:
            self.flush()
        self._files["dtx"].write(text)

    def flush(self) -> None:
        """Write out the postings held."""
        if not self.docs:
            return
        self._widest = max(self._widest, max(self.docs))
        self._files["dno"].write(np.frombuffer(self.docs, dtype=np.uint32).astype("<u4")
                                 .tobytes())
        self._files["dwt"].write(np.frombuffer(self.weights, dtype=np.float32).astype("<f4")
                                 .tobytes())
        self._written += len(self.docs)
        self.docs = array("I")
        self.weights = array("f")

    def close(self, last: bytes | None, counts: np.ndarray | None, boost: float) -> dict:
        """Finish the files; how the field's weights and documents are read (the `.pds`
        entry). `counts` are the positions sidecar's counts of the field, if it has them."""
        self.flush()
        if last is not None:
            self._term_starts.append(self._term_starts[-1] + len(last))
            self._term_postings.append(self._written)
        for f in self._files.values():
            f.close()
        columns = [np.asarray(self._term_starts, dtype="<i8"),
                   np.asarray(self._term_postings, dtype="<i8")]
        entry = {"docs": "<u4", "weights": _weights_kind(self.paths["dwt"], counts, boost),
                 "boost": boost}
        if entry["weights"] in ("one", "pct"):
            os.remove(self.paths["dwt"])
        elif entry["weights"] == "<u2":
            positions.narrow_file(self.paths["dwt"], "<f4", "<u2")
        if self._widest < 1 << LOW_BITS:  # fewer than 65,536 documents: half the bytes
            positions.narrow_file(self.paths["dno"], "<u4", "<u2")
            entry["docs"] = "<u2"
        elif self._widest >> LOW_BITS < 1 << 16:  # (always, at 16 bits)
            runs, first_run = _runs(self.paths["dno"], columns[1], LOW_BITS)
            postings = int(columns[1][-1])
            # the runs' cost (2 bytes less per posting, 4 per run, 8 per term) against uint32
            if 8 * len(first_run) + 4 * len(runs) <= RUNS_COST * 2 * postings:
                positions.narrow_file(self.paths["dno"], "<u4", "<u2", (1 << LOW_BITS) - 1)
                with open(self.paths["dhi"], "wb") as f:
                    f.write(runs.astype("<u2").tobytes())
                columns.append(first_run.astype("<i8"))
                entry["docs"], entry["low_bits"] = "<u2", LOW_BITS
        with open(self.paths["dti"], "wb") as f:
            f.write(np.stack(columns, axis=1).tobytes())
        return entry


def _runs(path: str, term_postings: np.ndarray, low_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """The runs of equal high halves of a `.dno` file of uint32 document numbers, a term's first
    posting always starting one: (high half, postings - 1) per run, and each term's first run
    (n + 1, given each term's first posting, n + 1). Read a chunk at a time (bounded memory)."""
    size = os.path.getsize(path) // 4
    starts, highs = [], []
    previous = -1
    with open(path, "rb") as f:
        for start in range(0, size, COMPARE_CHUNK):
            high = np.fromfile(f, dtype="<u4", count=min(COMPARE_CHUNK, size - start)) \
                .astype(np.int64) >> low_bits
            new = np.empty(len(high), dtype=bool)
            new[0] = high[0] != previous
            np.not_equal(high[1:], high[:-1], out=new[1:])
            lo, hi = np.searchsorted(term_postings, [start, start + len(high)])
            new[term_postings[lo:hi] - start] = True
            at = np.flatnonzero(new)
            starts.append(at + start)
            highs.append(high[at])
            previous = high[-1]
    begins = np.concatenate(starts) if starts else np.zeros(0, dtype=np.int64)
    lengths = np.diff(np.append(begins, size))
    runs = np.stack([np.concatenate(highs) if highs else np.zeros(0, dtype=np.int64),
                     lengths - 1], axis=1)
    return runs, np.searchsorted(begins, term_postings)


def _weights_kind(path: str, counts: np.ndarray | None, boost: float) -> str:
    """How a field's weights are kept: `one` (all 1.0), `pct` (the positions sidecar's counts
    times `boost`, exactly), else `<u2` (small whole numbers) or `<f4`."""
    size = os.path.getsize(path) // 4
    if not size:
        return "one"
    one = narrow = True
    derived = counts is not None and len(counts) == size
    # Read a chunk at a time, not mapped: the pages of a mapped file read whole stay in the
    # writer's resident memory (hundreds of MB for the body of a segment at a million).
    with open(path, "rb") as f, _chunks(counts) as counted:
        for start in range(0, size, COMPARE_CHUNK):
            part = np.fromfile(f, dtype="<f4", count=min(COMPARE_CHUNK, size - start))
            one = one and bool((part == 1.0).all())
            if derived:
                made = counted(start, len(part)).astype(np.float64) * boost
                derived = bool((made.astype(np.float32) == part).all())
            narrow = narrow and bool(((part >= 0) & (part < 1 << 16)
                                      & (part == np.floor(part))).all())
            if not (one or derived or narrow):
                break
    return "one" if one else "pct" if derived else "<u2" if narrow else "<f4"


@contextmanager
def _chunks(counts: np.ndarray | None) -> Iterator:
    """A reader of slices of the positions sidecar's counts: from its file a chunk at a time
    when it is a memory map (bounded resident memory), else from the array."""
    filename = getattr(counts, "filename", None)
    if filename is None:
        yield lambda start, count: counts[start:start + count]
        return
    with open(filename, "rb") as f:
        def read(start: int, count: int) -> np.ndarray:
            f.seek(start * counts.dtype.itemsize)
            return np.fromfile(f, dtype=counts.dtype, count=count)
        yield read


class DocsRecorder:
    """Writes one segment's postings sidecar from the postings streaming to Whoosh's codec."""

    def __init__(self, folder: str, segment_id: str, boosts: dict[str, float],
                 positional: frozenset[str]) -> None:
        self.folder, self.segment_id = folder, segment_id
        self.base = os.path.join(folder, segment_id)
        self.boosts = boosts  # each indexed field's format boost
        self.positional = positional
        self._open: dict[str, tuple[_FieldFiles, bytes | None]] = {}
        # the field being recorded by `record`, its files and its last term
        self._field: str | None = None
        self._files: _FieldFiles | None = None
        self._text: bytes | None = None

    def watch(self, items: Iterable[tuple]) -> Iterator[tuple]:
        """Pass the sorted postings (field, term bytes, docnum, weight, value) through,
        recording each one's document number and weight; the files are complete when the
        stream is exhausted (after the positions sidecar's, when it watches the stream
        inside this one)."""
        field_name = text = None
        files = docs = weights = None
        for item in items:
            if item[0] != field_name or item[1] != text:
                if item[0] != field_name:
                    if files is not None:
                        files.flush()  # its postings leave memory before the next field's
                        self._open[field_name] = (files, text)
                        text = None
                    field_name = item[0]
                    files = _FieldFiles(self.base, field_name)
                files.new_term(item[1], text)
                text = item[1]
                docs, weights = files.docs.append, files.weights.append
            docs(item[2])
            weights(item[3])
            yield item
        if files is not None:
            self._open[field_name] = (files, text)
        self.close()

    def record(self, field: str, text: bytes, docnums: Sequence[int],
               weights: Sequence[float]) -> None:
        """What `watch` records, a term at a time: postings of one term in document order,
        terms in the stream's order (a term may come in several calls, one after the other);
        then `close` (after the positions sidecar's, whose counts may be the weights)."""
        if field != self._field:
            if self._files is not None:
                self._files.flush()  # its postings leave memory before the next field's
                self._open[self._field] = (self._files, self._text)
            self._field, self._text = field, None
            self._files = _FieldFiles(self.base, field)
        if text != self._text:
            self._files.new_term(text, self._text)
            self._text = text
        self._files.docs.extend(docnums)
        self._files.weights.extend(weights)

    def close(self) -> None:
        """Finish the files and mark the segment as having a postings sidecar (written last)."""
        if self._files is not None:
            self._open[self._field] = (self._files, self._text)
            self._files = None
        kinds = {}
        for name, (files, last) in self._open.items():
            counts = None
            if name in self.positional:
                side = positions.open_field(self.folder, self.segment_id, name)
                counts = side.counts if side else None
            kinds[name] = files.close(last, counts, self.boosts.get(name, 1.0))
        with open(f"{self.base}.{MARKER}", "w", encoding="utf-8") as f:
            json.dump(kinds, f, sort_keys=True)


def recorder(schema, storage, segment) -> DocsRecorder | None:
    """A recorder for a segment written into a folder, or None (in-memory storage)."""
    folder = getattr(storage, "folder", None)
    if folder is None:
        return None
    boosts = {name: float(getattr(field.format, "field_boost", 1.0))
              for name, field in schema.items() if field.indexed}
    return DocsRecorder(folder, segment.segment_id(), boosts, positions.positional_fields(schema))


# --- reading --------------------------------------------------------------------------------------


class SidecarDamaged(ValueError):
    """A postings sidecar's arrays are not what a writer makes (the file was damaged)."""


class FieldDocs:
    """One field's postings sidecar in one segment, memory-mapped read-only."""

    def __init__(self, folder: str, segment_id: str, field: str, entry: dict,
                 counts: positions.FieldPositions | None = None) -> None:
        base = os.path.join(folder, segment_id)
        self.name = f"{segment_id}.{field}"
        paths = {s: f"{base}.{field}.{s}" for s in _SUFFIXES}
        self._blob = positions.map_terms(paths["dtx"])
        self.low_bits: int | None = entry.get("low_bits")  # None: whole document numbers
        index = positions.map_array(paths["dti"], "<i8") \
            .reshape(-1, 2 if self.low_bits is None else 3)
        self._starts = memoryview(np.ascontiguousarray(index[:, 0]))
        self._first = memoryview(np.ascontiguousarray(index[:, 1]))
        # plain views of the maps: slicing an np.memmap costs microseconds per term
        self.docs = np.asarray(positions.map_array(paths["dno"], entry["docs"]))
        if self.low_bits is not None:
            self._first_run = memoryview(np.ascontiguousarray(index[:, 2]))
            self._runs = np.asarray(positions.map_array(paths["dhi"], "<u2")).reshape(-1, 2)
        self.boost = np.float64(entry["boost"])
        self.kind = entry["weights"]
        self.weights: np.ndarray | None = None
        if self.kind == "pct":
            self.weights = counts.counts
        elif self.kind != "one":
            self.weights = positions.map_array(paths["dwt"], self.kind)

    def terms_sized(self, prefix: bytes, shortest: int, longest: int) -> list[bytes]:
        """The segment's terms beginning with `prefix` whose bytes number from `shortest` to
        `longest`: sizes read off the term index, only those terms' bytes read."""
        lo = positions.first_not_below(self._blob, self._starts, prefix)
        # no UTF-8 text holds the byte 0xff: every term beginning with the prefix sorts below
        hi = positions.first_not_below(self._blob, self._starts, prefix + b"\xff")
        starts = np.asarray(self._starts)[lo:hi + 1]
        sizes = np.diff(starts)
        kept = np.flatnonzero((sizes >= shortest) & (sizes <= longest))
        return [self._blob[int(starts[i]):int(starts[i + 1])] for i in kept.tolist()]

    def span(self, text: bytes) -> tuple[int, int] | None:
        """The range of a term's postings, or None when the segment lacks it."""
        at = positions.find_term(self._blob, self._starts, text)
        if at is None:
            return None
        return self._first[at], self._first[at + 1]

    def arrays(self, text: bytes, offset: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The term's document numbers (plus `offset`, int32) and weights (float32), as
        Whoosh's blocks give them; None when the segment lacks the term."""
        at = positions.find_term(self._blob, self._starts, text)
        if at is None:
            return None
        first, last = self._first[at], self._first[at + 1]
        # np.array: plain arrays, not views of the map (nor np.memmap objects)
        docs = np.array(self.docs[first:last], dtype=np.int32)
        if self.low_bits is not None:
            self._add_high_halves(docs, at)
        # A damaged file (zeroed, overwritten) would give wrong documents silently: a term's
        # document numbers strictly increase, which one pass checks (once per term and
        # generation: the term cache keeps what was read). Failing here lets the web's error
        # handler hash the generation, find the damage and answer 503 until a reindex.
        if len(docs) > 1 and not (docs[1:] > docs[:-1]).all():
            raise SidecarDamaged(f"{self.name}: document numbers out of order")
        docs += np.int32(offset)
        if self.kind == "one":
            weights = np.ones(last - first, dtype=np.float32)
        elif self.kind == "pct" and self.boost == 1.0:
            weights = np.array(self.weights[first:last], dtype=np.float32)  # exact: counts
        elif self.kind == "pct":
            # as the writer checked: the count times the boost, rounded to float32 once
            weights = (np.array(self.weights[first:last], dtype=np.float64) * self.boost) \
                .astype(np.float32)
        else:
            weights = np.array(self.weights[first:last], dtype=np.float32)
        return docs, weights

    def _add_high_halves(self, docs: np.ndarray, at: int) -> None:
        """Add the high halves of the `at`th term's document numbers to their low halves
        `docs`, from its runs: one in-place add per run (a run per 65,536 documents of the
        segment at most; np.repeat copies 4 bytes at a time, ten times slower here)."""
        runs = self._runs[self._first_run[at]:self._first_run[at + 1]]
        ends = np.cumsum(runs[:, 1], dtype=np.int64) + np.arange(1, len(runs) + 1)
        if not len(runs) or ends[-1] != len(docs) or int(runs[:, 0].max()) >> (31 - self.low_bits):
            raise SidecarDamaged(f"{self.name}: runs of document numbers do not match")
        start = 0
        for high, end in zip(runs[:, 0].tolist(), ends.tolist(), strict=True):
            if high:
                docs[start:end] += np.int32(high << self.low_bits)
            start = end


def open_field(folder: str, segment_id: str, field: str) -> FieldDocs | None | bool:
    """A segment's postings sidecar for a field; None when the segment has a sidecar without
    that field (no document has it); False when the segment has no postings sidecar (or its
    weights are the positions sidecar's counts and that sidecar is missing)."""
    try:
        fields = json.loads(Path(os.path.join(folder, f"{segment_id}.{MARKER}"))
                            .read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    if field not in fields:
        return None
    counts = None
    if fields[field]["weights"] == "pct":
        # the weights are the positions sidecar's counts: without it, no postings sidecar
        counts = positions.open_field(folder, segment_id, field)
        if not counts:
            return False
    return FieldDocs(folder, segment_id, field, fields[field], counts)
