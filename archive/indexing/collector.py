"""The garbage collector's frozen set, shared by a reindex job and its forked workers."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen() -> Iterator[None]:
    """Keep every object tracked now out of the collector's passes until the block ends.

    Objects frozen before (a gunicorn worker's app, frozen so that its pages stay shared with
    the master, or an enclosing block's) stay frozen: the block then freezes nothing itself,
    and unfreezes nothing when it ends.
    """
    ours = gc.get_freeze_count() == 0
    if ours:
        gc.freeze()
    try:
        yield
    finally:
        if ours:
            gc.unfreeze()
