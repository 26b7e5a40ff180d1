"""Reading Whoosh's postings a block at a time: document numbers, weights, field lengths and
positions as arrays, for matching, phrases and ranking without a Python call per posting.

Whoosh walks postings one matcher call per document (about 7 µs each). Here a term's document
numbers and weights come from the segments' postings sidecars (`docsidecar`: a lookup and an
array slice), or, for a segment without one, from the blocks of Whoosh's W3 codec read whole:
`Postings` keeps the blocks one search reads, so that matching and ranking read them once;
`TermCache` keeps the arrays of recently searched terms of a generation;
`Lengths` holds the one-byte field lengths of every document. Phrases are matched by decoding
positions only for documents holding every word. Whoosh internals used here (the W3 leaf
matcher's block reading, the length columns, the Positions format's layout) are listed in
`archive/engine/__init__.py`; the engine refuses a Whoosh version it was not tested with.
"""

from __future__ import annotations

import bisect
import pickle
import threading
import time
from array import array
from collections import OrderedDict
from itertools import accumulate

import numpy as np
from whoosh import formats
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.system import _INT_SIZE

from ..errors import QueryError
from . import docsidecar, positions
from .docnums import intersect

SKIP_RATIO = 16  # fewer candidates than 1/16 of a word's postings: skip rather than read all
DIRECTORY_BLOCKS = 500_000  # block offsets kept per generation (two ints a block)


class Lengths:
    """Field-length bytes of every document of a generation, per segment, loaded on first use."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, str], array | None] = {}
        self._whole: dict[str, np.ndarray] = {}

    def get(self, segment_number: int, reader, fieldname: str) -> array | None:
        """The length bytes of one field in one segment; None when no document of the segment
        has the field (Whoosh writes no length column then)."""
        key = (segment_number, fieldname)
        if key not in self._cache:
            column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            self._cache[key] = _length_bytes(column) if column is not None else None
        return self._cache[key]

    def whole(self, searcher, fieldname: str) -> np.ndarray:
        """The length bytes of one field for every document number of the searcher's index
        (0 where a document has no such field, as Whoosh's own reader says)."""
        if fieldname not in self._whole:
            found = np.zeros(searcher.doc_count_all(), dtype=np.uint8)
            for number, (leaf, offset) in enumerate(searcher.leaf_searchers()):
                lens = self.get(number, leaf.reader(), fieldname)
                if lens is not None:
                    found[offset:offset + len(lens)] = np.frombuffer(lens, dtype=np.uint8)
            self._whole[fieldname] = found
        return self._whole[fieldname]


def _length_bytes(column) -> array:
    """Every document's length byte of a segment's length column, in one read: Whoosh's own
    `load()` reads it a byte per call (200k calls, a second, on the first search of 100k
    articles; ten at a million). Documents past the column's end have no length (0)."""
    doccount = column._doccount
    found = array("B", column._dbfile.get(column._basepos, min(column._count, doccount)))
    found.extend(bytes(doccount - len(found)))
    return found


MAX_FREQUENCIES = 100_000  # document frequencies kept per generation (some 30 MB at most)


class TermCache:
    """Decoded postings (document numbers and weights as NumPy arrays, no positions) of recently
    searched terms of one generation, least recently used out first, bounded by a number of
    postings; and the block directories of the terms whose positions were read for a few
    documents (`Postings._directory`), bounded by a number of blocks.

    Unpickling and inflating Whoosh's blocks is most of the cost of a frequent word; queries
    follow Zipf's law, so the frequent words are also the ones asked again."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._items: OrderedDict[tuple[str, str], tuple[tuple, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._directories: OrderedDict[tuple[int, str, str], tuple[list[int], list[int]]] = \
            OrderedDict()
        self._directory_blocks = 0
        # the generation's positions sidecars, opened (memory-mapped) once per segment and field
        self.sidecars: dict[tuple[str, str, str], object] = {}
        # and its postings sidecars (engine.docsidecar), likewise
        self.doc_sidecars: dict[tuple[str, str, str], object] = {}
        # each term's document frequency, asked of the sidecars once (`Postings.doc_frequency`)
        self.frequencies: dict[tuple[str, str], int] = {}

    def get(self, key: tuple[str, str]) -> tuple[np.ndarray, np.ndarray] | None:
        """The cached document numbers and weights of a term, or None."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def directory(self, key: tuple[int, str, str]) -> tuple[list[int], list[int]] | None:
        """A term's block directory in one segment (`Postings._directory`), or None."""
        with self._lock:
            found = self._directories.get(key)
            if found is not None:
                self._directories.move_to_end(key)
            return found

    def put_directory(self, key: tuple[int, str, str],
                      found: tuple[list[int], list[int]]) -> None:
        """Keep a term's block directory, the least recently used out past DIRECTORY_BLOCKS."""
        with self._lock:
            if key in self._directories:
                return
            self._directories[key] = found
            self._directory_blocks += len(found[0])
            while self._directory_blocks > DIRECTORY_BLOCKS and len(self._directories) > 1:
                _key, (offsets, _ids) = self._directories.popitem(last=False)
                self._directory_blocks -= len(offsets)

    def put(self, key: tuple[str, str], found: tuple[np.ndarray, np.ndarray]) -> None:
        """Keep a term's document numbers and weights, evicting the least recently used."""
        size = len(found[0])
        if size > self.budget // 4:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (found, size)
            self._size += size
            while self._size > self.budget:
                _key, (_blocks, dropped) = self._items.popitem(last=False)
                self._size -= dropped


class Postings:
    """Postings blocks read during one search, so that matching and ranking read them once."""

    def __init__(self, searcher, cache: TermCache | None = None) -> None:
        self.searcher = searcher
        self.cache = cache
        self._blocks: dict[tuple[str, str], list] = {}
        self._arrays: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        # False: postings and phrases read Whoosh's own blocks and positions even where the
        # sidecars exist (tests compare)
        self.use_sidecar = True
        self._doc_sidecars: dict[tuple[str, str, str], object] = {}  # without a TermCache
        self._frequencies: dict[tuple[str, str], int] = {}  # likewise
        self._read_texts: set[str] = set()  # the words read so far (see `deadline`)
        # each phrase's first answer and the mask it answered for (`phrase_documents_among`)
        self._phrases: dict[tuple[str, tuple[str, ...], int], tuple[np.ndarray, np.ndarray]] = {}
        # While set (a time.perf_counter() value), reading one more term past it is refused.
        self.deadline: float | None = None

    def blocks(self, fieldname: str, text: str) -> list[tuple]:
        """(segment number, docnum offset, ids, weights, (values, decoder)) per block."""
        key = (fieldname, text)
        if key not in self._blocks:
            self._refuse_past_deadline(text)
            self._read_texts.add(text)
            self._blocks[key] = self._read(fieldname, text)
        return self._blocks[key]

    def arrays(self, fieldname: str, text: str,
               keep: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Every document number holding the term (ascending, deleted ones included) and its
        weight there, as int32 and float32 arrays. With `keep` False, the term's arrays are
        not put in the term cache (an article's id: asked once, it would only push out words)."""
        key = (fieldname, text)
        if key in self._arrays:
            return self._arrays[key]
        found = self.cache.get(key) if self.cache is not None else None
        if found is None and self.use_sidecar:
            found = self._sidecar_arrays(fieldname, text)
            if found is not None and self.cache is not None and keep:
                self.cache.put(key, found)
        if found is None:
            blocks = self.blocks(fieldname, text)
            docs = [np.asarray(ids, dtype=np.int32) + np.int32(offset)
                    for _number, offset, ids, _weights, _values in blocks]
            weights = [np.asarray(w, dtype=np.float32) for *_rest, w, _values in blocks]
            found = (np.concatenate(docs) if docs else np.zeros(0, dtype=np.int32),
                     np.concatenate(weights) if weights else np.zeros(0, dtype=np.float32))
            if self.cache is not None and keep:
                self.cache.put(key, found)
        self._arrays[key] = found
        return found

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """How many documents hold the term, deleted ones included: Whoosh's `doc_frequency`,
        read off the postings sidecars' term index and kept for the generation (Whoosh reads
        each segment's term information from its file: 70 us a term, eight terms or more a
        search, a fifth of a phrase search at 10k articles)."""
        key = (fieldname, text)
        kept = self.cache.frequencies if self.cache is not None else self._frequencies
        found = kept.get(key)
        if found is not None:
            return found
        segments = self.doc_sidecars(fieldname)
        if segments is None or fieldname not in self.searcher.schema:
            found = self.searcher.doc_frequency(fieldname, text)
        else:
            term = self.searcher.schema[fieldname].to_bytes(text)
            spans = [side.span(term) for side, _offset in segments if side is not None]
            found = sum(int(last - first) for first, last in filter(None, spans))
        if len(kept) >= MAX_FREQUENCIES:  # odd words by the million: start again
            kept.clear()
        kept[key] = found
        return found

    def doc_sidecars(self, fieldname: str) -> list[tuple[docsidecar.FieldDocs | None, int]] | None:
        """(segment's postings sidecar of the field or None, docnum offset) per segment; None
        when a segment has no sidecar (built before them, or by another writer)."""
        shared = self.cache.doc_sidecars if self.cache is not None else self._doc_sidecars
        segments = []
        for leaf, offset in self.searcher.leaf_searchers():
            reader = leaf.reader()
            folder = getattr(reader.storage(), "folder", None)
            if folder is None:
                return None
            key = (folder, reader.segment().segment_id(), fieldname)
            if key not in shared:
                shared[key] = docsidecar.open_field(*key)
            if shared[key] is False:
                return None
            segments.append((shared[key], offset))
        return segments

    def _sidecar_arrays(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """`arrays` from the segments' postings sidecars (a term lookup and a slice per
        segment); None when a segment has none (then Whoosh's blocks are read)."""
        segments = self.doc_sidecars(fieldname)
        if segments is None or fieldname not in self.searcher.schema:
            return None
        # reading a term is cheap here, but the time limit still bounds how many are read
        self._refuse_past_deadline(text)
        self._read_texts.add(text)
        term = self.searcher.schema[fieldname].to_bytes(text)
        docs, weights = [], []
        for side, offset in segments:
            found = side.arrays(term, offset) if side is not None else None
            if found is not None:
                docs.append(found[0])
                weights.append(found[1])
        if len(docs) == 1:
            return docs[0], weights[0]
        return (np.concatenate(docs) if docs else np.zeros(0, dtype=np.int32),
                np.concatenate(weights) if weights else np.zeros(0, dtype=np.float32))

    def _refuse_past_deadline(self, text: str) -> None:
        """Past the deadline, refuse to read another word; the first word is always read, in
        every field, so that a tight limit still answers a one-word search."""
        if (self.deadline is not None and self._read_texts and time.perf_counter() > self.deadline
                and text not in self._read_texts):
            raise QueryError("too_broad_in_time")

    def _leaf_postings(self, fieldname: str, text: str) -> list[tuple[int, int, object]]:
        """(leaf number, docnum offset, W3 block postings reader) for each leaf holding the
        term, past the deleted-docs filter."""
        found = []
        for number, (leaf, offset) in enumerate(self.searcher.leaf_searchers()):
            reader = leaf.reader()
            if (fieldname, text) not in reader:
                continue
            found.append((number, offset, _unfiltered(reader.postings(fieldname, text))))
        return found

    def _read(self, fieldname: str, text: str) -> list:
        out = []
        # with a positions sidecar, phrases never read the blocks' positions: they are left
        # unread (unpickling them was a good part of reading a frequent word)
        values = not self.use_sidecar or self.sidecars(fieldname) is None
        for number, offset, postings in self._leaf_postings(fieldname, text):
            decode = _decoder(postings.format)
            while postings.is_active():
                if postings._ids is None:
                    postings._read_ids()
                if postings._weights is None:
                    postings._read_weights()
                if values and postings._data is None:
                    postings._read_data()
                # the block's encoded values (positions), decoded only for phrase candidates
                out.append((number, offset, postings._ids, postings._weights,
                            (postings._data[2] if values else None, decode)))
                postings._next_block()
        return out

    def phrase_documents(self, fieldname: str, words: list[str], slop: int,
                         live: np.ndarray) -> np.ndarray | None:
        """Live documents (`live` is a mask over document numbers) holding the words in order,
        each within `slop` positions of the one before, sorted; positions are decoded only for
        documents holding every word. None when the field keeps no positions (the caller then
        asks Whoosh's Phrase, which says why); SidecarDamaged when a segment lacks the
        positions sidecar of a field whose positions only it keeps (`SidecarPositions`)."""
        found = self._phrase_documents(fieldname, words, slop, live)
        if found is not None:
            self._phrases.setdefault((fieldname, tuple(words), slop), (live, found))
        return found

    def phrase_documents_among(self, fieldname: str, words: list[str], slop: int,
                               docs: np.ndarray) -> np.ndarray | None:
        """Which of the sorted documents hold the words in order (as `phrase_documents`): from
        this search's answer for a set holding them all where there is one (matching a phrase
        answers for every live document; decoding its positions again for a page's ten hits
        cost a tenth of a phrase search at 100k articles), else decoded for these only."""
        size = self.searcher.doc_count_all()
        known = self._phrases.get((fieldname, tuple(words), slop))
        if known is not None and bool(known[0][docs].all()):
            return intersect(docs, known[1], size)
        live = np.zeros(size, dtype=bool)
        live[docs] = True
        return self.phrase_documents(fieldname, words, slop, live)

    def _phrase_documents(self, fieldname: str, words: list[str], slop: int,
                          live: np.ndarray) -> np.ndarray | None:
        arrays = [self.arrays(fieldname, w) for w in words]
        if not arrays:
            return np.zeros(0, dtype=np.intp)
        # deleted documents (old versions of changed articles) are no candidates: the skipping
        # reader below does not see them, and their positions would be wasted work
        docs = sorted((found[0] for found in arrays), key=len)
        common = docs[0].astype(np.intp)
        common = common[live[common]]
        for other in docs[1:]:
            common = intersect(common, other, len(live))
        if not len(common):
            return common
        found = self._sidecar_order(fieldname, words, common, slop)
        if found is not None:
            return found
        # each word's encoded positions, listed in the order of the candidates; a word far more
        # frequent than the candidates: skip to their blocks instead of reading all its positions
        candidates = common.tolist()
        encoded = []
        for word, found in zip(words, arrays, strict=True):
            if len(candidates) * SKIP_RATIO < len(found[0]):
                per_doc = self._encoded_few(fieldname, word, set(candidates))
                encoded.append([per_doc.get(doc) for doc in candidates])
            else:
                encoded.append(self._encoded(fieldname, word, common))
            if encoded[-1] is None:
                return None
        return np.array([doc for doc, *pairs in zip(candidates, *encoded, strict=True)
                         if None not in pairs and _follows(pairs, slop)], dtype=np.intp)

    def sidecars(self, fieldname: str) -> list | None:
        """(segment's positions sidecar or None, docnum offset, doc count) per segment; None
        when a segment has no sidecar (built before them, or by another writer)."""
        found = []
        shared = self.cache.sidecars if self.cache is not None else {}
        for leaf, offset in self.searcher.leaf_searchers():
            reader = leaf.reader()
            folder = getattr(reader.storage(), "folder", None)
            if folder is None:
                return None
            segment = reader.segment().segment_id()
            key = (folder, segment, fieldname)
            if key not in shared:
                shared[key] = positions.open_field(folder, segment, fieldname)
            if shared[key] is False:
                return None
            found.append((shared[key], offset, reader.doc_count_all()))
        return found

    def _sidecar_order(self, fieldname: str, words: list[str], docs: np.ndarray,
                       slop: int) -> np.ndarray | None:
        """Which of the sorted documents hold the words in order within `slop` positions,
        from the positions sidecars; None without sidecars."""
        if not words:
            return None
        # a field whose positions live only in the sidecar (`SidecarPositions`) reads it even
        # when asked not to: Whoosh's postings hold none, and a missing sidecar is damage
        only = type(self.searcher.schema[fieldname].format) is positions.SidecarPositions \
            if fieldname in self.searcher.schema else False
        if not self.use_sidecar and not only:
            return None
        segments = self.sidecars(fieldname)
        if segments is None:
            return _no_positions(fieldname, only)
        to_bytes = self.searcher.schema[fieldname].to_bytes
        per_word = []
        for word in words:
            # Decoding positions is a phrase's cost: with its words' postings read already (a
            # phrase of the same two words typed many times), the deadline is checked here too
            # (a search of such phrases decoded 4 s of positions at a million articles).
            if per_word:
                self._stop_past_deadline()
            text, every = to_bytes(word), self.arrays(fieldname, word)[0]
            parts = []
            for side, offset, count in segments:
                # the word's postings in this segment, in the sidecar's order
                first, last = np.searchsorted(every, (offset, offset + count))
                if first == last:
                    continue
                if side is None:
                    return _no_positions(fieldname, only)
                held = every[first:last]
                start, end = np.searchsorted(docs, (offset, offset + count))
                at = _indexes_in(held, docs[start:end], offset, count)
                found = positions.keys(side, text, at, held[at], int(last - first))
                if found is None:
                    return _no_positions(fieldname, only)
                parts.append(found)
            per_word.append(np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64))
        # and once more before putting them in order, the last word's decoding included (a
        # phrase of 30 frequent words answered at 3.1 s of CPU at a million articles)
        self._stop_past_deadline()
        return positions.in_order(per_word, slop).astype(np.intp)

    def _stop_past_deadline(self) -> None:
        """Past the deadline, stop decoding a phrase's positions: too broad to match in time."""
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise QueryError("too_broad_in_time")

    def _encoded_few(self, fieldname: str, word: str, docs: set[int]) -> dict[int, tuple]:
        """Like `_encoded` for a handful of documents: skips to their blocks only."""
        per_doc: dict[int, tuple] = {}
        wanted = sorted(docs)
        for number, (leaf, offset) in enumerate(self.searcher.leaf_searchers()):
            reader = leaf.reader()
            if (fieldname, word) not in reader:
                continue
            postings = reader.postings(fieldname, word)
            if not postings.supports("positions"):
                return {}
            postings = _unfiltered(postings)  # deleted docs are never asked
            decode = _decoder(postings.format)
            directory = self._directory(number, fieldname, word, postings)
            current = 0  # the block the reader stands on
            for doc in wanted:
                local = doc - offset
                if local < 0:
                    continue
                block = bisect.bisect_left(directory[1], local)
                if block == len(directory[1]):
                    break
                if block != current:
                    # straight to the block holding it, rather than header by header
                    postings._goto(directory[0][block])
                    current = block
                if postings._ids is None:
                    postings._read_ids()
                postings._i = bisect.bisect_left(postings._ids, local)
                if postings._i < len(postings._ids) and postings._ids[postings._i] == local:
                    per_doc[doc] = (postings.value(), decode)
        return per_doc

    def _directory(self, number: int, fieldname: str, word: str,
                   postings) -> tuple[list[int], list[int]]:
        """Where each block of a term's postings in one segment starts, and its last document
        number, read once per generation (from the block headers) and kept in the term cache."""
        key = (number, fieldname, word)
        found = self.cache.directory(key) if self.cache is not None else None
        if found is None:
            offsets, last_ids = [postings._baseoffset], [postings._maxid]
            while not postings._lastblock:
                offsets.append(postings._nextoffset)
                postings._goto(postings._nextoffset)
                last_ids.append(postings._maxid)
            postings._goto(offsets[0])
            found = (offsets, last_ids)
            if self.cache is not None:
                self.cache.put_directory(key, found)
        return found

    def _encoded(self, fieldname: str, word: str, docs: np.ndarray) -> list[tuple] | None:
        """The encoded positions of a word with their decoder, for each of the given sorted
        documents (all holding the word), in their order."""
        found = self._values(fieldname, word)
        if found is None:
            return None
        values, decode = found
        # the term's arrays list its postings in the same order as its blocks
        every = self.arrays(fieldname, word)[0]
        if not len(docs) or not len(every) or docs[-1] > every[-1]:
            return None
        wanted = np.zeros(int(every[-1]) + 1, dtype=bool)
        wanted[docs] = True
        where = np.flatnonzero(wanted[every])
        if len(where) != len(docs):
            return None
        return [(values[i], decode) for i in where.tolist()]

    def _values(self, fieldname: str, word: str) -> tuple[list, object] | None:
        """The encoded positions of every posting of a word, in block order, and their
        decoder. Blocks read by this search are reused; otherwise only the blocks' data is read
        (the document numbers and weights come from the term cache: decoding them again cost a
        third of reading a frequent word)."""
        blocks = self._blocks.get((fieldname, word))
        if blocks and all(block[4][0] is not None for block in blocks):
            values: list = []
            decode = None
            for _number, _offset, _ids, _weights, (block_values, decode) in blocks:
                if decode is None or not isinstance(block_values, (list, tuple)):
                    return None
                values.extend(block_values)
            return values, decode
        values, decode = [], None
        for _number, _offset, postings in self._leaf_postings(fieldname, word):
            decode = _decoder(postings.format)
            while postings.is_active():
                if postings._data is None:
                    postings._read_data()
                if decode is None or not isinstance(postings._data[2], (list, tuple)):
                    return None
                values.extend(postings._data[2])
                postings._next_block()
        return values, decode

def _indexes_in(held: np.ndarray, wanted: np.ndarray, offset: int, count: int) -> np.ndarray:
    """The indexes in sorted `held` of the documents also in sorted `wanted` (all within one
    segment's numbers, [offset, offset + count)): each looked up when they are few, else marked
    in a mask of the segment (looking up 336k candidates among a word's 337k postings took
    10 ms of a phrase of two frequent words at a million articles)."""
    if len(wanted) * SKIP_RATIO < len(held) or (len(wanted) + len(held)) * SKIP_RATIO < count:
        at = np.minimum(np.searchsorted(held, wanted), len(held) - 1)
        return at[held[at] == wanted]
    chosen = np.zeros(count, dtype=bool)
    chosen[wanted - offset] = True
    return np.flatnonzero(chosen[held - offset])


def _no_positions(fieldname: str, only: bool) -> None:
    """None (the caller reads Whoosh's positions instead), or, for a field whose positions
    only the sidecar keeps, SidecarDamaged: a segment lacks its sidecar or it does not match
    Whoosh's postings (the web then checks the generation's files and answers 503)."""
    if only:
        raise docsidecar.SidecarDamaged(f"{fieldname}: positions sidecar missing or not "
                                        "matching Whoosh's postings")


def _follows(pairs: list[tuple], slop: int) -> bool:
    """Whether each word's positions (encoded, with their decoder) follow the word before
    within `slop` positions."""
    value, decode = pairs[0]
    current = decode(value)
    last = len(pairs) - 1
    for i in range(1, len(pairs)):
        value, decode = pairs[i]
        following = ({q + 1 for q in current} if slop == 1 else
                     {q + step for q in current for step in range(1, slop + 1)})
        if i == last:  # no need to know where the last word stands, only that it does
            return not following.isdisjoint(decode(value))
        current = [p for p in decode(value) if p in following]
        if not current:
            return False
    return True


def _decoder(fmt):
    """The positions decoder of a postings format; for Whoosh's Positions format the same
    decoding as its own (pickled deltas after a length) with the running sum done in C, for
    a phrase over frequent words decodes hundreds of thousands of position lists."""
    if not fmt.supports("positions"):
        return None
    if type(fmt) is not formats.Positions:
        return fmt.decoder("positions")
    return _decode_positions


def _decode_positions(value: bytes) -> list[int]:
    if not value.endswith(b"."):
        value += b"."
    return list(accumulate(pickle.loads(value[_INT_SIZE:])))


def _skip(postings, target: int) -> None:
    """Move to the first posting at or after `target`: whole blocks by their last id, then a
    binary search in the block (Whoosh's skip_to steps through a block one posting at a time)."""
    while postings.is_active() and postings.block_max_id() < target:
        postings._next_block()
    if not postings.is_active():
        return
    if postings._ids is None:
        postings._read_ids()
    postings._i = max(postings._i, bisect.bisect_left(postings._ids, target))


def _unfiltered(postings):
    """A segment's W3 leaf postings without the deleted-documents filter Whoosh puts around
    them in a segment with deletions (callers mask deleted documents themselves)."""
    return postings.child if isinstance(postings, FilterMatcher) else postings
