"""Article files read ahead of the indexer by a thread: the disk works while the CPU parses.

A build reads its files one after the other, and a file not in the page cache keeps the
process waiting for the disk: on a 2-core machine whose cache had let a 100k archive go, one
process read 50,000 files in 9.3 s of which 2.9 s were CPU, the rest waiting, every
article of a build paying it in turn. A thread reading the next files meanwhile (the read
releases the GIL) turns that wait into work done beside the parsing.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable

# Files read ahead at most, and their bytes at most (beyond it the thread waits; one file
# larger than that is still read, alone).
DEPTH = 64
BUDGET = 16 * 1024 * 1024


class ReadAhead:
    """Reads `paths` in order in a daemon thread, at most DEPTH files and BUDGET bytes ahead of
    `read`; `read(path)` gives a file's bytes, or raises the OSError its read raised. Ask for
    the paths in their order (skipping some is fine): one asked for out of order is read then,
    and the files read ahead before it are dropped."""

    def __init__(self, paths: Iterable[str]) -> None:
        self._ready: deque[tuple[str, bytes | OSError]] = deque()
        self._held = 0  # bytes in _ready
        self._done = False  # the thread read every file (or was stopped)
        self._stopped = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, args=(iter(paths),),
                                        name="readahead", daemon=True)
        self._thread.start()

    def _run(self, paths) -> None:
        try:
            for path in paths:
                with self._cond:
                    while not self._stopped and self._ready and (
                            len(self._ready) >= DEPTH or self._held >= BUDGET):
                        self._cond.wait()
                    if self._stopped:
                        return
                try:
                    with open(path, "rb") as handle:
                        result: bytes | OSError = handle.read()
                except OSError as exc:
                    result = exc
                with self._cond:
                    self._ready.append((path, result))
                    self._held += len(result) if isinstance(result, bytes) else 0
                    self._cond.notify_all()
        finally:
            with self._cond:
                self._done = True
                self._cond.notify_all()

    def read(self, path: str) -> bytes:
        """The bytes of `path`: read ahead when it is the next file the thread reads (files
        read ahead before it but never asked for are dropped), else read now."""
        with self._cond:
            while True:
                while not self._ready and not self._done:
                    self._cond.wait()
                if not self._ready:
                    break
                found, result = self._ready.popleft()
                self._held -= len(result) if isinstance(result, bytes) else 0
                self._cond.notify_all()
                if found == path:
                    if isinstance(result, OSError):
                        raise result
                    return result
        with open(path, "rb") as handle:
            return handle.read()

    def close(self) -> None:
        """Stop the thread and drop what it read and nobody asked for."""
        with self._cond:
            self._stopped = True
            self._ready.clear()
            self._held = 0
            self._cond.notify_all()
        self._thread.join()
