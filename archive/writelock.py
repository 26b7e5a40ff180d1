"""One writer at a time for the files people edit: an article file, the authority file.

A save checks that the file still holds what its form was opened on, then writes. Two saves
(two archivists, two gunicorn workers) that both checked before either wrote would both
succeed, the second replacing the first. An OS lock on `.archive/.writes.lock` (the
archive's private folder, never versioned) makes check-and-write one step; the lock is freed
when its holder dies.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from .config import Config

LOCK_NAME = ".writes.lock"


@contextmanager
def writing(config: Config) -> Iterator[None]:
    """Hold the archive's write lock for the `with` block (waiting for another holder)."""
    folder = config.users_path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
