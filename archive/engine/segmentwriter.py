"""Whoosh's segment writer with a cheaper postings pool: the same index files, less CPU.

Profiling a build showed much of Whoosh's writing time spent outside indexing proper:
its pool keeps a tuple per posting, sorts them all, pickles and unpickles each on its own when
spilling and merging runs, and writing the postings reads every document length back from
disk, one `stat` and one file read per posting. Here postings are kept in columns
(`termpool.TermPool`) and grouped by term when written, handed to the codec a term at a time,
and the lengths are read once per field into memory; what reaches the codec, and so every byte
written, is unchanged.
"""

from __future__ import annotations

import io
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, groupby, islice
from operator import itemgetter

from whoosh.codec.base import OutOfOrderError
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3FieldWriter, _lenfield
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from . import docsidecar, positions
from .termpool import Piece, TermPool, Values, postings_of

# Postings of one term a merged segment adds to the pool at a time (bounds a list of tuples).
TERM_SLICE = 128 * 64
_FIELD_TERM = itemgetter(0, 1)
_INT32_BYTES = 4  # a position's bytes (`positions.encode`)
# A length byte decoded; a zero byte means "no length", as Whoosh's reader says with None.
_LENGTHS = [None] + [byte_to_length(b) for b in range(1, 256)]


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

    def table(self, fieldname: str) -> bytes | None:
        """A field's length bytes by document number (0: no length), or None."""
        return self._tables.get(fieldname)


def write_postings(fieldwriter, schema, lengths: _Lengths | None, pieces: Iterable[Piece],
                   sidecar: positions.PositionsRecorder | None = None,
                   docs: docsidecar.DocsRecorder | None = None) -> None:
    """`fieldwriter.add_postings(schema, lengths, postings)` for the postings of `pieces`
    (`termpool.Piece`s in (field, term) order; one term's may come in several), a term at a
    time: the same bytes; each term is also given to `sidecar` and `docs` (their `record`,
    then `close` at the end, `docs` last).

    Whoosh's W3 writer takes a sorted stream one posting per call (start_term, add, its
    postings writer's add_posting with its checks, a length read per posting), most of the
    cost of writing a segment. Here each term's postings are handed to Whoosh's own postings
    writer a block at a time: its buffers are filled as its `add_posting` would fill them,
    then its own `_write_block`/`finish_postings` write them.
    """
    if type(fieldwriter) is not W3FieldWriter or (lengths is not None
                                                  and not isinstance(lengths, _Lengths)):
        items = postings_of(pieces)
        items = sidecar.watch(items) if sidecar else items
        fieldwriter.add_postings(schema, lengths, docs.watch(items) if docs else items)
        return
    record = sidecar.record if sidecar is not None else None
    record_docs = docs.record if docs is not None else None
    lastfn = lasttext = table = pw = None
    keep_values = False
    for fieldname, btext, docnums, weights, values in pieces:
        if btext != lasttext or fieldname != lastfn:
            if lasttext is not None:
                fieldwriter.finish_term()
            if fieldname != lastfn:
                if lastfn is not None:
                    if fieldname < lastfn:
                        raise OutOfOrderError(f"Field {lastfn!r} .. {fieldname!r}")
                    fieldwriter.finish_field()
                fieldwriter.start_field(fieldname, schema[fieldname])
                table = lengths.table(fieldname) if lengths is not None else None
                lastfn = fieldname
            elif btext < lasttext:
                raise OutOfOrderError(f"Term {lastfn}:{lasttext!r} .. {fieldname}:{btext!r}")
            lasttext = btext
            fieldwriter.start_term(btext)
            pw = fieldwriter._postwriter
            # a value-less format (`SidecarPositions`): Whoosh's blocks would drop the values
            keep_values = pw._format.fixed_value_size() != 0
        # pieces are bounded (the pool's chunks hold at most RUN_CHUNK postings), however many
        # postings the term has
        if record is not None:
            record(fieldname, btext, docnums, values)
        if record_docs is not None:
            record_docs(fieldname, btext, docnums, weights)
        _add_term(pw, table, docnums, weights, values if keep_values else None)
    if lasttext is not None:
        fieldwriter.finish_term()
    if lastfn is not None:
        fieldwriter.finish_field()
    if sidecar is not None:
        sidecar.close()
    if docs is not None:
        docs.close()


def _add_term(pw, table: bytes | None, docnums, weights, values) -> None:
    """A term's next postings into a W3 postings writer, leaving its last block buffered for
    the next piece or `finish_postings` (which writes it, or inlines it), as `add_posting`
    calls would; `values` None where the format keeps none."""
    limit, count = pw._blocklimit, len(docnums)
    filled = 0
    held = len(pw._ids)
    if 0 < held < limit and count:
        # the term's last block so far (another run's piece) is not full: add_posting fills
        # it before it starts another
        filled = min(limit - held, count)
        ids = array("I", docnums[:filled])
        some_weights = array("f", weights[:filled])
        pw._ids.extend(ids)
        pw._weights.extend(some_weights)
        if values:
            pw._values.extend(value for value in values[:filled] if value)
        heaviest = max(some_weights)
        if heaviest > pw._maxweight:
            pw._maxweight = heaviest
        shortest, longest = _length_range(table, ids)
        if shortest is not None and (pw._minlength is None or shortest < pw._minlength):
            pw._minlength = shortest
        pw._maxlength = max(pw._maxlength, longest)
    for start in range(filled, count, limit):
        if pw._ids:  # a full block from before: add_posting would write it now
            pw._write_block()
        end = start + limit
        pw._ids = ids = array("I", docnums[start:end])
        pw._weights = block_weights = array("f", weights[start:end])
        # add_posting keeps only non-empty values (None stands for b"" in add_postings)
        pw._values = [value for value in values[start:end] if value] if values else []
        # add_posting's running maximum starts at the integer 0 and keeps the first largest
        heaviest = max(block_weights)
        pw._maxweight = heaviest if heaviest > 0 else 0
        pw._minlength, pw._maxlength = _length_range(table, ids)


def _length_range(table: bytes | None, ids) -> tuple[int | None, int]:
    """The shortest and longest known field length of these documents, as add_posting keeps
    them (None and 0 when none is known); a zero byte, or no byte, means no length."""
    if table is None:
        return None, 0
    if ids[-1] < len(table):  # ids ascend
        found = bytes(map(table.__getitem__, ids))
    else:
        found = bytes(table[docnum] if docnum < len(table) else 0 for docnum in ids)
    longest = max(found)
    if not longest:
        return None, 0
    shortest = min(found) or min(b for b in found if b)
    return _LENGTHS[shortest], _LENGTHS[longest]


def _reader_postings(reader, fields: frozenset[str]) -> Iterator[tuple]:
    """`reader.iter_postings()`: (field, term bytes, docnum, weight, value) of every live
    document, in term order; in `fields`, each value the posting's positions from the
    segment's positions sidecar (`positions.encode`'s form), Whoosh's postings holding none."""
    folder = getattr(reader.storage(), "folder", None)
    segment = reader.segment().segment_id()
    sides: dict[str, object] = {}
    for fieldname, btext in reader.all_terms():
        if fieldname not in fields or folder is None:  # (in memory: no sidecar anywhere)
            postings = reader.postings(fieldname, btext)
            while postings.is_active():
                yield fieldname, btext, postings.id(), postings.weight(), postings.value()
                postings.next()
            continue
        if fieldname not in sides:
            sides[fieldname] = positions.open_field(folder, segment, fieldname)
        side = sides[fieldname]
        values = positions.term_values(side, btext) if side else None
        # every posting, deleted documents' too (the sidecar lists them all, in this order):
        # the segment's own matcher, not the deleted-documents filter around it, which skips
        # the leading deleted postings as soon as it is made
        leaf = reader._terms.matcher(fieldname, btext, reader.schema[fieldname].format)
        count = 0
        while leaf.is_active():
            docnum = leaf.id()
            if values is None or count >= len(values):
                raise RuntimeError(f"segment {segment}: its positions sidecar lacks postings "
                                   f"of {fieldname}:{btext!r}; merging it would lose them")
            if not reader.is_deleted(docnum):
                yield fieldname, btext, docnum, leaf.weight(), values[count]
            count += 1
            leaf.next()
        if values is not None and count != len(values):
            raise RuntimeError(f"segment {segment}: its positions sidecar holds other postings "
                               f"of {fieldname}:{btext!r} than Whoosh's")


class _CountedFile:
    """A file being written (a `BufferedWriter`) that counts its position instead of asking the
    OS: `BufferedWriter.tell` makes an lseek per call, and Whoosh's codec calls it three times
    a term (3.6 % of a build's samples here)."""

    __slots__ = ("_file", "_position")

    def __init__(self, file: io.BufferedWriter) -> None:
        self._file = file
        self._position = file.tell()

    def write(self, data) -> int:
        """Write `data`; the bytes written."""
        written = self._file.write(data)
        self._position += written
        return written

    def tell(self) -> int:
        """The position in the file (where the next byte goes)."""
        return self._position

    def seek(self, *args) -> int:
        """Move, as the file would (then ask it where it is)."""
        self._file.seek(*args)
        self._position = self._file.tell()
        return self._position

    def __getattr__(self, name: str):
        return getattr(self._file, name)


def _count_positions(structfile) -> None:
    """Have a Whoosh `StructFile` being written count its position (see `_CountedFile`)."""
    if structfile is not None and type(getattr(structfile, "file", None)) is io.BufferedWriter:
        structfile.file = _CountedFile(structfile.file)


class _HashBucket:
    """One of the 256 buckets of (hash, position) pairs Whoosh's term file writer keeps until it
    closes (`HashWriter.buckets`), in an array: 16 bytes a term instead of a tuple of two ints
    (about 120); a worker's 500,000 documents make 1.5M terms (id, path and url are one a
    document). The pairs come back as Whoosh wrote them: the same bytes written."""

    __slots__ = ("_pairs",)

    def __init__(self) -> None:
        self._pairs = array("Q")

    def append(self, pair: tuple[int, int]) -> None:
        """Keep one (hash, position) pair."""
        self._pairs.extend(pair)

    def __len__(self) -> int:
        return len(self._pairs) // 2

    def __iter__(self) -> Iterator[tuple[int, int]]:
        pairs = self._pairs
        return zip(islice(pairs, 0, None, 2), islice(pairs, 1, None, 2), strict=True)


@dataclass(frozen=True)
class Summary:
    """A column made from a document's own analysed terms while it is indexed: `pick` turns
    the weight of each term of the `sources` fields into the bytes kept in the `field` column
    (a column, not a stored field: it is read without unpickling the document's text)."""

    field: str
    sources: frozenset[str]
    pick: Callable[[dict[bytes, float]], bytes]


# {term: positions} of a text field's value, or None to let the field's analyzer run.
PositionsFn = Callable[[object, str], "dict[str, list[int]] | None"]


class FastSegmentWriter(SegmentWriter):
    """A `SegmentWriter` with the columnar pool (`TermPool`) and in-memory lengths; same files
    written.

    With a `Summary`, it also keeps what `pick` makes of each document's terms, read off the
    postings the writer makes anyway (analysing the text a second time would double the cost
    of a build). With `positions` (see `PositionsFn`), fields stored with the
    `positions.SidecarPositions` format are analysed by it instead of through the analyzer's
    token stream (same postings).

    A field with the `positions.SidecarPositions` format carries each posting's positions raw
    (`positions.encode`) through the pool to the positions sidecar; Whoosh's codec keeps none.
    """

    def __init__(self, ix, limitmb: int = 128, summary: Summary | None = None,
                 positions: PositionsFn | None = None, **kwargs) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = TermPool(self._tempstorage, self.newsegment, limitmb=limitmb)
        _count_positions(getattr(self.fieldwriter, "_postfile", None))
        terms = getattr(self.fieldwriter, "_tindex", None)  # W3's term file (a HashWriter)
        _count_positions(getattr(terms, "dbfile", None))
        if terms is not None and isinstance(getattr(terms, "buckets", None), list) \
                and not any(terms.buckets):
            terms.buckets = [_HashBucket() for _ in terms.buckets]
        self.summary = (summary if summary and summary.field in self.schema
                        and self.schema[summary.field].column_type else None)
        self.positions = positions

    def add_document(self, **fields) -> None:
        """Whoosh's `add_document` (same postings, stored values, lengths and columns), with the
        summary column written before the document ends and the `positions` fast path."""
        self._check_state()
        perdoc, schema, docnum = self.perdocwriter, self.schema, self.docnum
        pool = self.pool
        summary = self.summary
        weights: dict[bytes, float] = {}
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdoc.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    terms, freqs, field_weights, values = self._columns(fieldname, field, value)
                    if fieldboost != 1.0:
                        field_weights = [weight * fieldboost for weight in field_weights]
                    if field.scorable:
                        length = sum(freqs)
                    if summary is not None and fieldname in summary.sources:
                        if weights:
                            for term, weight in zip(terms, field_weights, strict=True):
                                weights[term] = weights.get(term, 0.0) + weight
                        else:  # a field's terms are distinct
                            weights = dict(zip(terms, field_weights, strict=True))
                    pool.add_field(fieldname, docnum, terms, field_weights, values)
                if field.separate_spelling() or field.vector:
                    raise NotImplementedError(f"field {fieldname}: spelling or vector")
                customval = fields.get(f"_stored_{fieldname}", value)
                perdoc.add_field(fieldname, field, customval if field.stored else None, length)
                column = field.column_type
                if column and customval is not None:
                    perdoc.add_column_value(fieldname, column, field.to_column_value(customval))
            if summary is not None:
                picked = summary.pick(weights)
                if picked:
                    perdoc.add_column_value(summary.field, schema[summary.field].column_type,
                                            picked)
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _columns(self, fieldname: str, field, value) -> tuple[Sequence[bytes], Sequence[int],
                                                              Sequence[float],
                                                              Values | Sequence]:
        """(term bytes, frequencies, weights, encoded values) of one field, each in the same
        order, as `field.index` gives them (the `positions` fast path: made by C calls, the
        values in one buffer)."""
        fmt = field.format
        poses = None
        if (self.positions is not None and type(fmt) is positions.SidecarPositions
                and isinstance(value, str)):
            poses = self.positions(field.analyzer, value)
        if poses is None:
            items = list(field.index(value))
            if not items:
                return (), (), (), ()
            terms, freqs, weights, values = zip(*items, strict=True)
            return terms, freqs, weights, values
        # word_values: one boost of 1.0 per occurrence, times the format's boost; the positions
        # as `positions.encode` gives them (int32), in one buffer (`termpool.Values`)
        wheres = list(poses.values())
        freqs = list(map(len, wheres))
        weights = list(map(float(fmt.field_boost).__rmul__, freqs))
        values = Values(array("I", map(_INT32_BYTES.__mul__, freqs)),
                        array("i", chain.from_iterable(wheres)))
        return list(map(str.encode, poses)), freqs, weights, values

    def add_postings_to_pool(self, reader, startdoc: int, docmap: dict | None) -> None:
        """Whoosh's (a segment merged in at commit: its live postings), each posting of a
        positional field with its positions read from the segment's positions sidecar."""
        fields = positions.positional_fields(self.schema)
        items = self._process_posts(_reader_postings(reader, fields), startdoc, docmap)
        add_term = self.pool.add_term
        for (fieldname, btext), group in groupby(items, _FIELD_TERM):
            # a term's postings a slice at a time (one of a million-document segment's
            # frequent terms would be a million tuples at once)
            while chunk := list(islice(group, TERM_SLICE)):
                _, _, docnums, weights, values = zip(*chunk, strict=True)
                add_term(fieldname, btext, docnums, weights, values)

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        reader = self.per_document_reader() if self.codec.length_stats else None
        lengths = _Lengths(reader, self.schema.names()) if reader else None
        postings = self.pool.iter_terms()
        # the positions sidecar is written from the same stream (engine.positions)
        sidecar = positions.recorder(self.schema, self.storage, self.newsegment)
        # and the postings sidecar (engine.docsidecar): it finishes after the positions
        # sidecar, whose counts may be its weights
        docs = docsidecar.recorder(self.schema, self.storage, self.newsegment)
        write_postings(self.fieldwriter, self.schema, lengths, postings, sidecar, docs)
        self.fieldwriter.close()
        if reader:
            reader.close()
