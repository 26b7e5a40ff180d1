"""Document numbers as NumPy index arrays, the currency of the engine, facets and search."""

from __future__ import annotations

from array import array
from collections.abc import Iterable

import numpy as np


def as_docnums(docnums: Iterable[int] | np.ndarray) -> np.ndarray:
    """Document numbers as a NumPy index array (sets in any order, sequences as given)."""
    if isinstance(docnums, np.ndarray):
        return docnums
    if isinstance(docnums, array):
        return np.frombuffer(docnums, dtype=np.dtype(docnums.typecode)).astype(np.intp)
    if isinstance(docnums, (set, frozenset)):
        return np.fromiter(docnums, dtype=np.intp, count=len(docnums))
    return np.fromiter(docnums, dtype=np.intp)


def distinct(docs: np.ndarray) -> np.ndarray:
    """Document numbers sorted, without repeats: `np.unique` for integers, without its first
    call's import of `numpy.ma` (it asks whether the array is masked), 50 ms of a fresh web
    worker's first search. Those given usually are already: they are then given back."""
    if len(docs) < 2 or bool(np.all(docs[1:] > docs[:-1])):
        return docs
    if not bool(np.all(docs[1:] >= docs[:-1])):
        docs = np.sort(docs)
    changes = np.empty(len(docs), dtype=bool)
    changes[0] = True
    np.not_equal(docs[1:], docs[:-1], out=changes[1:])
    return docs[changes]


# A set this many times smaller than the other is looked up in it (binary search) rather than
# both meeting in a mask the archive's size: at a million articles a filter of 3,000 articles
# met every live article in 1.5 ms through a mask, in 0.2 ms looked up.
LOOKUP_RATIO = 16


def meeting(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where sorted `a` and `b` (each without repeats) hold the same numbers: their positions
    in `a` and in `b`, ascending. The smaller is looked up in the larger, so that a rare word
    meets a million candidates in microseconds, not in a pass over all of them."""
    swapped = len(a) > len(b)
    few, many = (b, a) if swapped else (a, b)
    at = np.searchsorted(many, few)
    found = at < len(many)
    found[found] = many[at[found]] == few[found]
    in_few, in_many = np.flatnonzero(found), at[found]
    return (in_many, in_few) if swapped else (in_few, in_many)


def intersect(a: np.ndarray, b: np.ndarray, size: int) -> np.ndarray:
    """The documents of sorted `a` also in sorted `b` (each without repeats, below `size`),
    still sorted."""
    few, many = (a, b) if len(a) <= len(b) else (b, a)
    if len(few) * LOOKUP_RATIO < len(many):
        return a[meeting(a, b)[0]]
    mask = np.zeros(size, dtype=bool)
    mask[b] = True
    return a[mask[a]]


def live_mask(reader) -> np.ndarray:
    """True for each document number of a Whoosh reader that is not deleted, built from each
    segment's set of deleted documents (asking `is_deleted` per document costs seconds at 1M)."""
    mask = np.ones(reader.doc_count_all(), dtype=bool)
    for leaf, offset in reader.leaf_readers():
        if not leaf.has_deletions():
            continue
        deleted = getattr(leaf, "deleted_docs_set", None)  # a cached property of segments
        if deleted is not None:
            gone = np.fromiter(deleted() if callable(deleted) else deleted, dtype=np.intp)
        else:  # a reader kind without the set: ask per document
            gone = np.array([d for d in range(leaf.doc_count_all()) if leaf.is_deleted(d)],
                            dtype=np.intp)
        mask[gone + offset] = False
    return mask
