"""The C allocator's policy for processes that search: keep freed memory for the next search.

A search at a million articles makes arrays the size of the archive (a score per document,
8 MB) and of a frequent word's postings, then frees them. glibc's malloc gives such blocks
back to the system when freed (each is mapped on its own, or trimmed from the heap's top past
twice the last one's size), so the next search takes them again from the kernel, which zeroes
every page it hands over: about 3,000 page faults and a quarter of a frequent word's search
(perf: `clear_page_erms` under NumPy's fancy indexing), with pauses of 100 ms and more when the
machine's memory is slow to fault in. Kept in the heap, the same memory serves the next search
without the kernel. The cost is resident memory: a process keeps up to its peak of temporaries.
An indexing worker, whose columns and runs are freed and made again all along, gains the same
way (about 5 % of a build's CPU at 10k) and keeps less at the top (its peak is bounded).
"""

from __future__ import annotations

import ctypes

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

# Blocks under this come from the heap, whose freed memory is reused (glibc's default starts
# at 128 KB and rises with the blocks freed, up to 32 MB); this fixes it at that top.
MMAP_THRESHOLD = 32 << 20
# Free memory at the heap's top is given back past this (glibc: twice the mapping threshold).
TRIM_THRESHOLD = 256 << 20


def keep_freed_memory(trim_threshold: int = TRIM_THRESHOLD) -> bool:
    """Ask glibc to keep freed blocks under 32 MB for reuse, and up to `trim_threshold` bytes
    of free memory at the heap's top; False where it cannot be asked (another C library)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and mallopt(_M_TRIM_THRESHOLD, trim_threshold))
