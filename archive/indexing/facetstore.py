"""Per-generation facet arrays: Whoosh docnum → facet ordinals, counted without Whoosh.

Whoosh's `groupedby` rebuilds multi-valued facets on every search and reading stored fields
costs seconds per process, so each generation carries compact arrays written at build time.

Layout of `<gen>/facets/` (plain files without headers, read memory-mapped: web workers share
one copy in the page cache, and opening a generation reads none of them):
- `meta.json`: doc count, facet names, number of dense layers per facet;
- `<facet>.values.json`: the distinct values, sorted; an ordinal indexes this list;
- `<facet>.layers`: `layers × doc_count` ordinals: value j of doc d sits at
  `j × doc_count + d`, the width's largest number (its EMPTY) where the doc has fewer values.
  Ordinals are uint16 (EMPTY16) when the facet has fewer than 65,535 values, else uint32
  (`meta.json`'s `widths`, 4 bytes when absent): half the bytes gathered per matching document,
  and NumPy's bincount counts uint16 faster (measured: 6 layers of 1M documents gathered at
  250k of them and counted layer by layer, 9.4 ms in uint32, 5.1 ms in uint16). Counting
  gathers each layer at the documents and runs `numpy.bincount` (about 1 ms for 100k matching
  docs on this machine, where a `Counter` per layer took 5 ms a layer);
- `<facet>.extra.json`: the rare values beyond the dense layers, as {docnum: [ordinals]};
- `<facet>.spellings.json` (folded facets): {shown value: [every spelling indexed under it]}
  (`societe`, `SOCIÉTÉ` counted as `Société`): filters look for all of them;
- `date_keys`: uint32 YYYYMMDD per doc (00 for a missing month or day, 0 when undated);
- `date_estimated`: uint8, 1 per doc whose date is an estimate from its text
  (`date_source: text`), so that searches may count such dates apart or leave them out.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from ..engine.docnums import as_docnums, distinct
from ..errors import IndexUnavailable
from ..facets import registry, value_key

EMPTY = 0xFFFFFFFF
EMPTY16 = 0xFFFF  # EMPTY of a facet whose ordinals are stored in uint16
MAX_LAYERS = 8  # organisations run 0–6 per article: no per-doc Python work in count()
FOLDER = "facets"


def date_key(date: str | None) -> int:
    """A sortable integer for a YYYY, YYYY-MM or YYYY-MM-DD date: 20190705, 20190700, 20190000."""
    if not date:
        return 0
    parts = (date.split("-") + ["00", "00"])[:3]
    try:
        return int(parts[0]) * 10_000 + int(parts[1]) * 100 + int(parts[2])
    except ValueError:
        return 0


class FacetPostings:
    """A facet's documents by value, as the index's postings give them: value after value, the
    array of the numbers of the documents holding it. The arrays are written from it in a few
    NumPy passes (a Python call per document and value cost the facets phase of a million-
    article build 20 s, on one core while the other waited)."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self.docs: list[np.ndarray] = []

    def add(self, value: str, docs: np.ndarray) -> None:
        """Record the documents holding a value (a value held by none is left out)."""
        if len(docs):
            self.values.append(value)
            self.docs.append(np.asarray(docs, dtype=np.int64))

    @classmethod
    def of(cls, per_doc: Mapping[int, Sequence[str]]) -> FacetPostings:
        """The same from {docnum: values}."""
        by_value: dict[str, list[int]] = {}
        for docnum, vals in per_doc.items():
            for value in vals:
                by_value.setdefault(value, []).append(docnum)
        found = cls()
        for value, docs in by_value.items():
            found.add(value, np.array(docs, dtype=np.int64))
        return found


Postings = FacetPostings | Mapping[int, Sequence[str]]


def write_facets(gen_dir: Path, doc_count: int, facets: Mapping[str, Postings],
                 dates: Postings, segments: Sequence[tuple[str, int, int]] = (),
                 base: FacetStore | None = None,
                 reused: Sequence[tuple[int, int, int]] = (),
                 estimated: Iterable[int] = (),
                 shown: Mapping[str, Mapping[str, str]] | None = None) -> None:
    """Write the facet arrays of a generation.

    `facets` ({facet: FacetPostings, or {docnum: values}}), `dates` (the same, a date per
    document) and `estimated` (the docnums whose date is an estimate) cover the new documents;
    `reused` lists (old offset, new offset, count) ranges copied from the `base` generation's
    arrays (unchanged Whoosh segments), ordinals remapped. `segments` ((id, offset, count) of
    each Whoosh segment) is recorded so that the next generation can reuse these arrays.
    `shown` ({facet: {spelling: shown value}}) groups the spellings of folded facets: documents
    count under the shown value, and each group's spellings are recorded for filters.
    """
    folder = Path(gen_dir) / FOLDER
    folder.mkdir(exist_ok=True)
    layers_of: dict[str, int] = {}
    widths: dict[str, int] = {}
    for facet, given in facets.items():
        postings = _postings(given)
        spelling = (shown or {}).get(facet)
        held = postings.values
        if spelling is not None:
            held = [spelling.get(v, v) for v in held]
        old_values = base.values(facet) if base and reused else []
        if spelling is not None:
            # the base's values are the spellings it showed: each joins its group's value now
            by_key = {value_key(v): s for v, s in spelling.items()}
            old_values = [spelling.get(v) or by_key.get(value_key(v), v) for v in old_values]
        values = sorted(set(held) | set(old_values), key=_sort_key(facet))
        ordinal = {v: i for i, v in enumerate(values)}
        # each document's ordinals, sorted, once each (spellings grouped under one value)
        docs, ords = _pairs(postings.docs, [ordinal[v] for v in held], len(values))
        per_doc = np.bincount(docs, minlength=doc_count) if len(docs) else np.zeros(0, int)
        widest = int(per_doc.max()) if len(docs) else 0
        old_layers = base._layers[facet] if base and reused else []
        n_layers = max(min(widest, MAX_LAYERS), len(old_layers))
        dense = np.full(n_layers * doc_count, EMPTY, dtype=np.uint32)
        extra: dict[str, list[int]] = {}
        if old_layers:
            remap = dict(enumerate(ordinal[v] for v in old_values))
            # the same mapping as an array, one gather per range: the base's empty slot goes
            # to the extra last slot
            mapped = np.array([*(ordinal[v] for v in old_values), EMPTY], dtype=np.uint32)
            empty = base.empty(facet)  # EMPTY16 in a uint16 base, EMPTY in a uint32 one
            for j, layer in enumerate(old_layers):
                for old_off, new_off, count in reused:
                    start = j * doc_count + new_off
                    old = np.asarray(layer[old_off:old_off + count], dtype=np.int64)
                    old[old == empty] = len(old_values)
                    dense[start:start + count] = mapped[old]
            for docnum, old_ords in base._extra[facet].items():
                for old_off, new_off, count in reused:
                    if old_off <= docnum < old_off + count:
                        extra[str(docnum - old_off + new_off)] = [remap[o] for o in old_ords]
        if len(docs):
            # a document's k-th ordinal goes to layer k, those past the layers to `extra`
            rank = np.arange(len(docs)) - (np.cumsum(per_doc) - per_doc)[docs]
            layered = rank < n_layers
            dense[rank[layered] * doc_count + docs[layered]] = ords[layered]
            rest = np.flatnonzero(~layered)
            for docnum, o in zip(docs[rest].tolist(), ords[rest].tolist(), strict=True):
                extra.setdefault(str(docnum), []).append(o)
        _write_json(folder / f"{facet}.values.json", values)
        if spelling is not None:
            groups: dict[str, list[str]] = {}
            for written, value in sorted(spelling.items()):
                groups.setdefault(value, []).append(written)
            _write_json(folder / f"{facet}.spellings.json", groups)
        _write_json(folder / f"{facet}.extra.json", extra)
        grid = dense
        if len(values) < EMPTY16:
            grid = np.minimum(grid, EMPTY16).astype(np.uint16)  # EMPTY becomes EMPTY16
        with open(folder / f"{facet}.layers", "wb") as handle:
            grid.tofile(handle)
        layers_of[facet] = n_layers
        widths[facet] = grid.itemsize
    keys = np.zeros(doc_count, dtype=np.uint32)
    if base is not None:
        for old_off, new_off, count in reused:
            keys[new_off:new_off + count] = base.date_keys[old_off:old_off + count]
    dated = _postings(dates)
    for date, docs in zip(dated.values, dated.docs, strict=True):
        keys[docs] = date_key(date)
    with open(folder / "date_keys", "wb") as handle:
        keys.tofile(handle)
    flags = np.zeros(doc_count, dtype=np.uint8)
    if base is not None:
        for old_off, new_off, count in reused:
            flags[new_off:new_off + count] = base.date_estimated[old_off:old_off + count]
    flags[np.fromiter(estimated, dtype=np.int64)] = 1
    with open(folder / "date_estimated", "wb") as handle:
        flags.tofile(handle)
    _write_json(folder / "meta.json", {"doc_count": doc_count, "layers": layers_of,
                                       "widths": widths,
                                       "segments": [list(seg) for seg in segments]})


def _postings(given: Postings) -> FacetPostings:
    return given if isinstance(given, FacetPostings) else FacetPostings.of(given)


def _pairs(docs: list[np.ndarray], ords: list[int], n_values: int
           ) -> tuple[np.ndarray, np.ndarray]:
    """The (document, ordinal) pairs of a facet, by document then ordinal, each once."""
    if not docs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    counts = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    keys = np.concatenate(docs) * max(n_values, 1) \
        + np.repeat(np.array(ords, dtype=np.int64), counts)
    keys = distinct(keys)
    return keys // max(n_values, 1), keys % max(n_values, 1)


def _sort_key(facet: str):
    spec = registry().get(facet)
    if spec is not None and spec.order == "numeric":
        return lambda v: (len(v), v)
    return lambda v: (v.casefold(), v)


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


class FacetStore:
    """The facet arrays of one generation, read-only and memory-mapped (pages are read when a
    search touches them, and shared by every process serving the generation)."""

    def __init__(self, doc_count: int, values: dict[str, list[str]],
                 grids: dict[str, np.ndarray], extra: dict[str, dict[int, list[int]]],
                 date_keys: np.ndarray, segments: dict[str, tuple[int, int]] | None = None,
                 date_estimated: np.ndarray | None = None,
                 spellings: dict[str, dict[str, list[str]]] | None = None) -> None:
        self.doc_count = doc_count
        # folded facets: {shown value: its spellings}, and {value key: shown value}
        self._spellings = spellings or {}
        self._shown = {facet: {value_key(v): v for v in groups}
                       for facet, groups in self._spellings.items()}
        self.segments = segments or {}  # Whoosh segment id -> (docnum offset, doc count)
        self._values = values
        # every layer of a facet as one (layers × doc_count) grid, gathered by docnums at once
        self._grids = grids
        # the same memory as plain arrays: np.memmap's Python-level indexing cost a search ms
        self._plain = {facet: grid.view(np.ndarray) for facet, grid in grids.items()}
        self._layers = {facet: list(grid) for facet, grid in grids.items()}
        # a document's missing values: the largest number of the grid's width (uint16 or 32)
        self._empty = {facet: int(np.iinfo(grid.dtype).max) for facet, grid in grids.items()}
        # each facet's tally over every document, counted on first use: a search matching
        # most of the archive counts the documents it does not match and subtracts
        self._whole: dict[str, np.ndarray] = {}
        self._extra = extra
        # the documents having extra values, sorted: a search looks for its own among them
        self._extra_docs = {facet: np.array(sorted(found), dtype=np.intp)
                            for facet, found in extra.items()}
        self.date_keys = date_keys  # uint32 YYYYMMDD per document
        self.date_estimated = (date_estimated if date_estimated is not None
                               else np.zeros(doc_count, dtype=np.uint8))
        # True where a document's date is an estimate, to leave such dates out at once
        self.estimated_mask = self.date_estimated.view(bool)

    @classmethod
    def open(cls, gen_dir: Path) -> FacetStore:
        """Map the facet arrays of a generation; IndexUnavailable when missing or damaged."""
        folder = Path(gen_dir) / FOLDER
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            n = int(meta["doc_count"])
            widths = meta.get("widths", {})
            values, grids, extra, spellings = {}, {}, {}, {}
            for facet, n_layers in meta["layers"].items():
                values[facet] = json.loads(
                    (folder / f"{facet}.values.json").read_text(encoding="utf-8"))
                spec = registry().get(facet)
                grouped = folder / f"{facet}.spellings.json"
                # (a generation built before the facet was folded, the author facet's before
                # 2026-12, has no groups: its values stand as they were written)
                if spec is not None and spec.folded and grouped.exists():
                    spellings[facet] = json.loads(grouped.read_text(encoding="utf-8"))
                width = {2: np.uint16, 4: np.uint32}[int(widths.get(facet, 4))]
                grids[facet] = _map_array(folder / f"{facet}.layers", (int(n_layers), n), width)
                extra[facet] = {int(k): v for k, v in json.loads(
                    (folder / f"{facet}.extra.json").read_text(encoding="utf-8")).items()}
            keys = _map_array(folder / "date_keys", (n,))
            flags = _map_array(folder / "date_estimated", (n,), np.uint8)
            segments = {seg: (off, cnt) for seg, off, cnt in meta.get("segments", [])}
        except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
            raise IndexUnavailable(
                f"the facet files of index generation {Path(gen_dir).name} are missing or "
                f"damaged ({type(exc).__name__}); run 'archive reindex --full'") from None
        return cls(n, values, grids, extra, keys, segments, flags, spellings)

    def facets(self) -> tuple[str, ...]:
        """The facet names this store holds."""
        return tuple(self._values)

    def values(self, facet: str) -> list[str]:
        """The distinct values of a facet, in display order; an ordinal indexes this list."""
        return self._values[facet]

    def shown(self, facet: str, value: str) -> str:
        """The value a folded facet shows for this spelling ('societe' → 'Société'); any other
        value as it is."""
        shown = self._shown.get(facet)
        return shown.get(value_key(value), value) if shown is not None else value

    def spellings(self, facet: str, value: str) -> list[str]:
        """Every spelling indexed under this value's group (a folded facet), else the value."""
        groups = self._spellings.get(facet)
        if groups is None:
            return [value]
        return groups.get(self.shown(facet, value)) or [value]

    def ordinals(self, facet: str, docnum: int) -> list[int]:
        """The ordinals of one document's values for a facet."""
        empty = self._empty[facet]
        found = [o for o in self._grids[facet][:, docnum].tolist() if o != empty]
        return found + self._extra[facet].get(docnum, [])

    def grid(self, facet: str) -> np.ndarray:
        """Every dense layer of a facet as one (layers × doc_count) grid of ordinals
        (`empty(facet)` where a document has fewer values), read-only: for counts across facets
        and years."""
        return self._grids[facet]

    def empty(self, facet: str) -> int:
        """The number a facet's grid holds where a document has no further value (EMPTY, or
        EMPTY16 in a uint16 grid)."""
        return self._empty[facet]

    def extra(self, facet: str) -> Mapping[int, list[int]]:
        """The rare ordinals beyond the dense layers, by document number."""
        return self._extra[facet]

    def count(self, facet: str, docnums: Iterable[int] | np.ndarray) -> Counter:
        """How many of the given documents carry each ordinal of a facet."""
        return self.count_many((facet,), docnums)[facet]

    def count_many(self, facets: Iterable[str],
                   docnums: Iterable[int] | np.ndarray) -> dict[str, Counter]:
        """`count` of several facets over the same documents, {facet: Counter of ordinals}.

        When the documents are more than half of the archive (a frequent word), the others are
        counted and taken from the whole archive's tally: the work follows the smaller side
        (measured at 1M: a word in 95 % of the articles counted 955k documents per facet)."""
        docs = as_docnums(docnums)
        if len(docs) > self.doc_count // 2 and _distinct_in(docs, self.doc_count):
            others = np.ones(self.doc_count, dtype=bool)
            others[docs] = False
            rest = np.flatnonzero(others)
            return {facet: _as_counter(self._whole_tally(facet) - self._tally(facet, rest))
                    for facet in facets}
        return {facet: _as_counter(self._tally(facet, docs)) for facet in facets}

    def _whole_tally(self, facet: str) -> np.ndarray:
        """Each ordinal's documents in the whole generation (deleted ones included)."""
        tally = self._whole.get(facet)
        if tally is None:
            tally = self._tally(facet, None)
            self._whole[facet] = tally  # the same for every thread: no lock needed
        return tally

    def _tally(self, facet: str, docs: np.ndarray | None) -> np.ndarray:
        """How many of the documents (None: all) carry each ordinal, as an array by ordinal."""
        n_values = len(self._values[facet])
        tally = np.zeros(n_values + 1, dtype=np.intp)
        for layer in self._plain[facet]:
            # layer by layer: a gathered layer stays small (one grid-wide gather took longer)
            gathered = layer.take(docs) if docs is not None else layer.copy()
            # empty counted apart, just past the values, rather than masked out (a copy)
            np.minimum(gathered, n_values, out=gathered)
            tally += np.bincount(gathered, minlength=n_values + 1)
        extra = self._extra[facet]
        if extra:
            # no mask the size of the archive per search: the few documents with extra values
            holding = self._extra_docs[facet]
            if docs is not None:
                holding = holding[np.isin(holding, docs)]
            ords = [o for docnum in holding.tolist() for o in extra[docnum]]
            np.add.at(tally, np.array(ords, dtype=np.intp), 1)
        return tally[:n_values]

    def count_values(self, facet: str, docnums: Iterable[int]) -> Counter:
        """Like count, keyed by value instead of ordinal."""
        names = self._values[facet]
        return Counter({names[o]: c for o, c in self.count(facet, docnums).items()})


def _distinct_in(docs: np.ndarray, size: int) -> bool:
    """Whether document numbers are strictly increasing within [0, size): a set of documents,
    whose complement may be counted instead."""
    return (not len(docs) or (int(docs[0]) >= 0 and int(docs[-1]) < size
                              and bool(np.all(docs[1:] > docs[:-1]))))


def _as_counter(tally: np.ndarray) -> Counter:
    """{ordinal: count} of the ordinals counted at least once."""
    present = np.flatnonzero(tally > 0)
    return Counter(dict(zip(present.tolist(), tally[present].tolist(), strict=True)))


def _map_array(path: Path, shape: tuple[int, ...], dtype: type = np.uint32) -> np.ndarray:
    """A headerless array file mapped read-only (np.memmap), its size checked against `shape`."""
    expected = int(np.prod(shape)) * np.dtype(dtype).itemsize
    size = os.stat(path).st_size
    if size != expected:
        raise ValueError(f"{path.name} has {size} bytes, expected {expected}")
    if not expected:  # an empty file cannot be mapped
        return np.zeros(shape, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r", shape=shape)
