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
