"""A positions sidecar per segment: every word's positions as flat arrays, memory-mapped, so
that a phrase is checked with a few NumPy operations on its candidate documents instead of
unpickling position lists one posting at a time.

The text fields' format is `SidecarPositions`: Whoosh's postings of those fields keep document
numbers and weights only, and their positions live here alone (written through Whoosh's codec,
pickled and compressed per block, they were a good part of a build's CPU and read by nothing).
A posting's value, in the writer's pool, is its positions as raw int32 (`encode`).

Written by the segment writer while the postings stream to the codec in term order
(`PositionsRecorder.watch`, or `record` a term at a time). Files, per segment and positional
field, named after the segment so that Whoosh keeps, links (`segments.clone_files`) and deletes
them with it: `<segment>.<field>.ptx` (the terms' bytes, in
order), `.pti` (int64 triples, n + 1: where each term's bytes start, its first posting, its
first position), `.pct` (how many positions each posting has) and `.pos` (the positions), both
uint16 when every position fits, else int32. A posting's document number is not repeated here: a
term's postings are in the same order as the document numbers its Whoosh postings give
(`Postings.arrays`), which the reader checks by their count. `<segment>.psc` maps the fields
written to their arrays' type; a segment without it has no sidecar, and so no positions.
"""

from __future__ import annotations

import json
import mmap
import os
from array import array
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
from whoosh import formats

from .docnums import distinct
from .termpool import Values

CHUNK_POSITIONS = 1 << 20  # bytes of positions held before they are written out (bounds memory)
# values rewritten at a time when a file is narrowed (bounds memory: 8 bytes a value at once,
# read, narrowed and its bytes; at 1 << 22 the close of a segment held 32 MB more)
NARROW_CHUNK = 1 << 20
_SUFFIXES = ("ptx", "pti", "pct", "pos")


class SidecarPositions(formats.Format):
    """Whoosh's `Positions` format for what a field indexes (terms, frequencies, weights), with
    the positions kept in the positions sidecar only: Whoosh's postings hold no value
    (`posting_size` 0), so Whoosh's own phrase queries refuse the field (it says it has no
    positions) and phrases go through the sidecar (`postings.Postings`)."""

    posting_size = 0  # no value in Whoosh's blocks (`W3PostingsWriter._mini_values`)

    def word_values(self, value, analyzer, **kwargs):
        """(term, frequency, weight, raw positions) per term, as `Positions.word_values`."""
        boost = self.field_boost
        poses: dict[str, list[int]] = {}
        weights: dict[str, float] = {}
        kwargs["positions"] = True
        kwargs["boosts"] = True
        for t in formats.tokens(value, analyzer, kwargs):
            poses.setdefault(t.text, []).append(t.pos)
            weights[t.text] = weights.get(t.text, 0.0) + t.boost
        for term, where in poses.items():
            yield term, len(where), weights[term] * boost, encode(where)


def encode(where: list[int]) -> bytes:
    """A posting's positions as the writer's pool carries them to the sidecar: raw int32."""
    return array("i", where).tobytes()


def positional_fields(schema) -> frozenset[str]:
    """The fields whose positions are kept in the positions sidecar."""
    return frozenset(name for name, field in schema.items()
                     if type(getattr(field, "format", None)) is SidecarPositions)


class _FieldFiles:
    """The sidecar of one field of one segment being written, term after term."""

    def __init__(self, base: str, field: str) -> None:
        self.paths = {s: f"{base}.{field}.{s}" for s in _SUFFIXES}
        self._files = {s: open(self.paths[s], "wb") for s in ("ptx", "pct", "pos")}
        self._term_starts = array("q", [0])
        self._term_postings = array("q", [0])
        self._term_positions = array("q", [0])
        self._widest = 0  # the largest position written
        self._postings = 0  # postings written
        self._positions = 0  # positions written
        self._text: bytes | None = None
        # the waiting postings' raw positions, one after the other, and each one's bytes
        self._data = bytearray()
        self._sizes = array("I")
        # terms ended since the last flush: how many of the waiting postings come before
        # each one's end (its row of the index is completed by _flush)
        self._marks: list[int] = []

    def add(self, text: bytes, value: bytes) -> None:
        self._start(text)
        self._sizes.append(len(value))
        self._data += value
        if len(self._data) > CHUNK_POSITIONS:
            self._flush()

    def add_term(self, text: bytes, values: Values | Sequence[bytes]) -> None:
        """`add` for several postings of one term at once (the last term's or the next)."""
        self._start(text)
        values = Values.of(values)
        self._sizes.extend(values.sizes)
        self._data += values.data
        if len(self._data) > CHUNK_POSITIONS:
            self._flush()

    def _start(self, text: bytes) -> None:
        """Postings of `text` come next (the same term's, or the next term's)."""
        if text != self._text:
            if self._text is not None:
                self._end_term()
            self._text = text
            self._files["ptx"].write(text)

    def _end_term(self) -> None:
        self._term_starts.append(self._term_starts[-1] + len(self._text))
        self._marks.append(len(self._sizes))

    def _flush(self) -> None:
        """Write out the waiting postings' positions (raw int32, joined as they are) and
        counts; many terms at a time (a flush per term cost more in NumPy calls)."""
        if not self._sizes:
            self._end_marks(np.zeros(1, dtype=np.int64))
            return
        positions = np.frombuffer(self._data, dtype=np.int32)  # `encode`'s native int32
        counts = np.frombuffer(self._sizes, dtype=np.uint32).astype(np.int64) >> 2
        ends = np.cumsum(counts)
        if len(positions):
            self._widest = max(self._widest, int(positions.max()))
        # positions are written as int32 and narrowed at the end when they all fit in 16 bits
        self._files["pos"].write(positions.astype("<i4", copy=False).tobytes())
        self._files["pct"].write(counts.astype("<i4").tobytes())
        self._end_marks(np.concatenate(([0], ends)))
        self._positions += int(ends[-1])
        self._postings += len(self._sizes)
        del positions  # (a view of the bytes let go below)
        self._data = bytearray()
        self._sizes = array("I")

    def _end_marks(self, before: np.ndarray) -> None:
        """Complete the index rows of the terms ended among the waiting postings, given how
        many positions come before each waiting posting (and after the last)."""
        if self._marks:
            marks = np.asarray(self._marks, dtype=np.int64)
            self._term_postings.extend((marks + self._postings).tolist())
            self._term_positions.extend((before[marks] + self._positions).tolist())
            self._marks = []

    def close(self) -> str:
        """Finish the files; the positions' type."""
        if self._text is not None:
            self._end_term()
        self._flush()
        for f in self._files.values():
            f.close()
        index = np.stack([np.asarray(self._term_starts, dtype="<i8"),
                          np.asarray(self._term_postings, dtype="<i8"),
                          np.asarray(self._term_positions, dtype="<i8")], axis=1)
        with open(self.paths["pti"], "wb") as f:
            f.write(index.tobytes())
        if self._widest >= (1 << 16) - 1:  # a count may then reach 65,536 too
            return "<i4"
        # most texts are shorter than 65,535 words: half the bytes
        for suffix in ("pos", "pct"):
            narrow_file(self.paths[suffix], "<i4", "<u2")
        return "<u2"


def narrow_file(path: str, wide: str, narrow: str, mask: int | None = None) -> None:
    """Rewrite a raw array file with a narrower type (its values' `mask` bits, if given), a
    chunk at a time: read whole, a million-article segment's positions held 600 MB more."""
    size = os.path.getsize(path) // np.dtype(wide).itemsize
    temp = f"{path}.narrow"
    with open(path, "rb") as source, open(temp, "wb") as f:
        for start in range(0, size, NARROW_CHUNK):
            part = np.fromfile(source, dtype=wide, count=min(NARROW_CHUNK, size - start))
            if mask is not None:
                part &= mask
            f.write(part.astype(narrow).tobytes())
    os.replace(temp, path)


class PositionsRecorder:
    """Writes one segment's sidecar from the postings streaming to Whoosh's codec."""

    def __init__(self, folder: str, segment_id: str, fields: frozenset[str]) -> None:
        self.base = os.path.join(folder, segment_id)
        self.fields = fields
        self._open: dict[str, _FieldFiles] = {}

    def watch(self, items: Iterable[tuple]) -> Iterator[tuple]:
        """Pass the sorted postings (field, term bytes, docnum, weight, raw positions) through,
        recording the positions of the positional fields; the files are complete when the
        stream is exhausted."""
        fields, current, field_name = self.fields, None, None
        for item in items:
            if item[0] != field_name:
                field_name = item[0]
                current = None
                if field_name in fields:
                    current = self._open.setdefault(field_name,
                                                    _FieldFiles(self.base, field_name))
            if current is not None:
                current.add(item[1], item[4])
            yield item
        self.close()

    def record(self, field: str, text: bytes, docnums: Sequence[int],
               values: Values | Sequence[bytes]) -> None:
        """What `watch` records, a term at a time: postings of one term (document numbers,
        raw positions) in document order, terms in the stream's order (a term may come in
        several calls, one after the other); then `close`."""
        if field in self.fields:
            files = self._open.get(field)
            if files is None:
                files = self._open[field] = _FieldFiles(self.base, field)
            files.add_term(text, values)

    def close(self) -> None:
        """Finish the files and mark the segment as having a sidecar (written last)."""
        types = {name: files.close() for name, files in self._open.items()}
        with open(f"{self.base}.psc", "w", encoding="utf-8") as f:
            json.dump(types, f, sort_keys=True)


def recorder(schema, storage, segment) -> PositionsRecorder | None:
    """A recorder for a segment written into a folder, or None (in-memory storage)."""
    folder = getattr(storage, "folder", None)
    fields = positional_fields(schema)
    if folder is None or not fields:
        return None
    return PositionsRecorder(folder, segment.segment_id(), fields)


# --- reading --------------------------------------------------------------------------------------


def map_array(path: str, dtype: str) -> np.ndarray:
    """A read-only memory map of a raw little-endian array file (empty files allowed)."""
    if os.path.getsize(path) == 0:
        return np.zeros(0, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r")


def map_terms(path: str) -> mmap.mmap | bytes:
    """The sorted terms' bytes of a sidecar, memory-mapped read-only (b"" when empty)."""
    with open(path, "rb") as f:
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if os.path.getsize(path) else b""


def find_term(blob, starts, text: bytes) -> int | None:
    """Which of the sorted terms (`blob[starts[i]:starts[i + 1]]`) is `text`, or None."""
    at = first_not_below(blob, starts, text)
    if at == len(starts) - 1 or blob[starts[at]:starts[at + 1]] != text:
        return None
    return at


def first_not_below(blob, starts, text: bytes) -> int:
    """The index of the first of the sorted terms not below `text` (their count when all
    are)."""
    lo, hi = 0, len(starts) - 1
    while lo < hi:  # binary search over the sorted terms
        mid = (lo + hi) // 2
        if blob[starts[mid]:starts[mid + 1]] < text:
            lo = mid + 1
        else:
            hi = mid
    return lo


class FieldPositions:
    """One field's sidecar in one segment, memory-mapped read-only (shared by processes)."""

    def __init__(self, base: str, field: str, array_type: str) -> None:
        if array_type not in ("<i4", "<u2"):  # what `_FieldFiles` writes, nothing else
            raise ValueError(f"{base}.psc: {field} declares positions of type "
                             f"{array_type!r}")
        paths = {s: f"{base}.{field}.{s}" for s in _SUFFIXES}
        self._blob = map_terms(paths["ptx"])
        index = map_array(paths["pti"], "<i8").reshape(-1, 3)
        self._starts = memoryview(np.ascontiguousarray(index[:, 0]))
        self._first = memoryview(np.ascontiguousarray(index[:, 1]))
        self._base = memoryview(np.ascontiguousarray(index[:, 2]))
        self.counts = map_array(paths["pct"], array_type)
        self.positions = map_array(paths["pos"], array_type)

    def postings(self, text: bytes) -> tuple[int, int, int] | None:
        """The range of a term's postings and where its positions start, or None when the
        segment lacks it."""
        at = find_term(self._blob, self._starts, text)
        if at is None:
            return None
        return self._first[at], self._first[at + 1], self._base[at]


def term_values(side: FieldPositions, text: bytes) -> list[bytes] | None:
    """A term's postings' positions in a segment's sidecar, each as `encode` gives them (what a
    writer merging the segment carries), in document order; None when the segment lacks it."""
    found = side.postings(text)
    if found is None:
        return None
    first, last, base = found
    ends = np.cumsum(side.counts[first:last], dtype=np.int64)
    raw = np.asarray(side.positions[base:base + (int(ends[-1]) if len(ends) else 0)]) \
        .astype(np.int32).tobytes()
    bounds = [0, *(ends * 4).tolist()]
    return [raw[start:end] for start, end in zip(bounds[:-1], bounds[1:], strict=True)]


def open_field(folder: str, segment_id: str, field: str) -> FieldPositions | None | bool:
    """A segment's sidecar for a field: its positions; None when the segment has a sidecar
    without that field (no document has it); False when the segment has no sidecar."""
    base = os.path.join(folder, segment_id)
    try:
        fields = json.loads(Path(f"{base}.psc").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    return FieldPositions(base, field, fields[field]) if field in fields else None


def keys(side: FieldPositions, text: bytes, at: np.ndarray, docs: np.ndarray,
         postings: int) -> np.ndarray | None:
    """`doc << 32 | pos` for each position of the term in the given documents (global numbers,
    sorted), `at` their indexes among the term's `postings` postings in the segment; None when
    the sidecar holds another number of postings for the term (then it does not match)."""
    found = side.postings(text)
    if found is None or found[1] - found[0] != postings:
        return None
    first, last, base = found
    if not len(at):
        return np.zeros(0, dtype=np.int64)
    # where each wanted posting's positions start: a running sum over the term's postings
    ends = np.cumsum(side.counts[first:last], dtype=np.int64)
    counts = side.counts[first:last][at].astype(np.int64)
    starts = ends[at] - counts + base
    within = np.cumsum(counts)  # where each wanted posting's positions end among the wanted
    # the index of every wanted position: its posting's start, then one step at a time (one
    # repeat and in-place steps: a quarter less time than repeating starts and offsets apart)
    index = np.repeat(starts - (within - counts), counts)
    index += np.arange(int(within[-1]), dtype=np.int64)
    keys = np.repeat(docs.astype(np.int64) << 32, counts)
    keys |= side.positions[index]  # uint16 or int32 (`FieldPositions` refuses any other)
    return keys


def in_order(word_keys: list[np.ndarray], slop: int) -> np.ndarray:
    """Documents where each word stands within `slop` positions after a matching position of
    the word before (as `postings._follows`), from each word's sorted keys; sorted."""
    current = word_keys[0]
    for following in word_keys[1:]:
        if not len(current):
            break
        before = np.searchsorted(current, following) - 1  # the nearest position before
        ok = before >= 0
        ok[ok] = following[ok] - current[before[ok]] <= slop  # same document: within slop
        current = following[ok]
    return distinct(current >> 32)
