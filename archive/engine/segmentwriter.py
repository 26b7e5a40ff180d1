"""Whoosh's segment writer with a cheaper postings pool: the same index files, less CPU.

Profiling a build showed much of Whoosh's writing time spent outside indexing proper:
its pool pickles each posting on its own when spilling a sorted run and unpickles it on its
own when merging, and writing the postings reads every document length back from disk, one
`stat` and one file read per posting. Here runs are pickled in chunks and the lengths are read
once per field into memory; what reaches the codec, and so every byte written, is unchanged.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool, SegmentWriter

from . import positions

# Postings per pickled chunk of a run: large enough to amortise the call, small enough that a
# merge of a few dozen runs holds only a few MB of them at once.
RUN_CHUNK = 4096
# Whoosh's own estimate of a posting's memory, less its variable parts (see PostingPool.add).
_POSTING_BYTES = 28 + 4 * 5 + 21 + 26 + 18 + 16 + 21
# A length byte decoded; a zero byte means "no length", as Whoosh's reader says with None.
_LENGTHS = [None] + [byte_to_length(b) for b in range(1, 256)]


class ChunkedPostingPool(PostingPool):
    """Whoosh's external-sort pool, writing and reading its runs a chunk at a time."""

    def add(self, item: tuple) -> None:
        """Queue one posting (fieldname, term bytes, docnum, weight, value bytes)."""
        self.currentsize += _POSTING_BYTES + len(item[0]) + 2 * len(item[1]) + len(item[4] or b"")
        if self.currentsize > self.limit:
            self.save()
        self.current.append(item)

    def _write_run(self, f, items: Iterable[tuple]) -> None:
        # `items` is a sorted list, or a merge of runs (Whoosh's reduce_to, past 128 runs).
        iterator = iter(items)
        try:
            while chunk := list(islice(iterator, RUN_CHUNK)):
                pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        finally:
            f.close()

    def _read_run(self, path: str) -> Iterator[tuple]:
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)


class _Lengths:
    """Every document's field lengths of a finished segment, held in memory while writing."""

    def __init__(self, reader, fieldnames: Iterable[str]) -> None:
        self._tables: dict[str, bytes] = {}
        for name in fieldnames:
            column = reader._cached_reader(_lenfield(name), LENGTHS_COLUMN)
            if column is not None:
                # A one-byte-per-document column; documents past its end have no length.
                self._tables[name] = column._dbfile.get(column._basepos, column._count)

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        """The length of a field in a document, as Whoosh's per-document reader gives it."""
        table = self._tables.get(fieldname)
        if table is None:
            return default
        return _LENGTHS[table[docnum]] if docnum < len(table) else None


@dataclass(frozen=True)
class Summary:
    """A column made from a document's own analysed terms while it is indexed: `pick` turns
    the weight of each term of the `sources` fields into the bytes kept in the `field` column
    (a column, not a stored field: it is read without unpickling the document's text)."""

    field: str
    sources: frozenset[str]
    pick: Callable[[dict[bytes, float]], bytes]


class FastSegmentWriter(SegmentWriter):
    """A `SegmentWriter` with the chunked pool and in-memory lengths; same files written.

    With a `Summary`, it also keeps what `pick` makes of each document's terms, read off the
    postings the writer makes anyway (analysing the text a second time would double the cost
    of a build).
    """

    def __init__(self, ix, limitmb: int = 128, summary: Summary | None = None,
                 **kwargs) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = ChunkedPostingPool(self._tempstorage, self.newsegment, limitmb=limitmb)
        self.summary = (summary if summary and summary.field in self.schema
                        and self.schema[summary.field].column_type else None)

    def add_document(self, **fields) -> None:
        """Whoosh's `add_document`, with the summary column written before the document ends."""
        summary = self.summary
        if summary is None:
            return super().add_document(**fields)
        weights: dict[bytes, float] = {}
        pool, perdoc = self.pool, self.perdocwriter
        sources, add = summary.sources, pool.add
        column = self.schema[summary.field].column_type

        def watch(item: tuple) -> None:
            if item[0] in sources:
                weights[item[1]] = weights.get(item[1], 0.0) + item[3]
            add(item)

        finish = perdoc.finish_doc

        def finish_doc() -> None:
            value = summary.pick(weights)
            if value:
                perdoc.add_column_value(summary.field, column, value)
            finish()

        pool.add, perdoc.finish_doc = watch, finish_doc
        try:
            super().add_document(**fields)
        finally:
            del pool.add, perdoc.finish_doc  # back to the class's methods

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        reader = self.per_document_reader() if self.codec.length_stats else None
        lengths = _Lengths(reader, self.schema.names()) if reader else None
        postings = self.pool.iter_postings()
        # the positions sidecar is written from the same stream (engine.positions)
        sidecar = positions.recorder(self.schema, self.storage, self.newsegment)
        self.fieldwriter.add_postings(self.schema, lengths,
                                      sidecar.watch(postings) if sidecar else postings)
        self.fieldwriter.close()
        if reader:
            reader.close()
