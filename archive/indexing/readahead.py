"""Article files read ahead of the indexer by the kernel: the disk works while the CPU parses.

A build reads its files one after the other, and a file not in the page cache keeps the
process waiting for the disk: on a 2-core machine whose cache had let a 100k archive go, one
process read 50,000 files in 9.3 s of which 2.9 s were CPU, the rest waiting, every
article of a build paying it in turn. So the next files are opened ahead and the kernel is
asked to read them (`posix_fadvise(WILLNEED)`): it does so in the background, and when a
file's turn comes its pages are in the cache.

A thread used to read them instead. Its every system call let go of the GIL and then had to
take it back from the parser, which a busy interpreter gives up only when asked (every 5 ms):
a 10k build made 130k futex calls for it, and spent 1.39 s of system CPU against 0.79 s now
(2-process builds, docs/scaling.md, ninth round).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable

# Files opened ahead at most, and the bytes of each the kernel is asked to read ahead.
DEPTH = 64
ADVISED = 4 * 1024 * 1024

_advise = getattr(os, "posix_fadvise", None)  # not on macOS: files are then only opened ahead


class ReadAhead:
    """Opens `paths` in order, DEPTH files ahead of `read`, and has the kernel read them;
    `read(path)` gives a file's bytes, or raises the OSError reading it raises. Ask for the
    paths in their order (skipping some is fine): a path not among those opened ahead is read
    then, and leaves them be."""

    def __init__(self, paths: Iterable[str]) -> None:
        self._paths = iter(paths)
        self._open: deque[tuple[str, int | None]] = deque()  # None: open it at its turn
        self._fill()

    def _fill(self) -> None:
        while len(self._open) < DEPTH:
            path = next(self._paths, None)
            if path is None:
                return
            try:
                # (not blocking: a file replaced by a named pipe since the scan would wait
                # for a writer)
                fd: int | None = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            except OSError:
                # Its own turn opens it again and reports the error then: one raised here may
                # be ours (too many files open), not the file's.
                fd = None
            else:
                if _advise is not None:
                    try:
                        _advise(fd, 0, ADVISED, os.POSIX_FADV_WILLNEED)
                    except OSError:  # advice only: the read at its turn still works
                        pass
            self._open.append((path, fd))

    def read(self, path: str) -> bytes:
        """The bytes of `path`: from the file opened ahead when it is among them (those opened
        before it and never asked for are closed), else opened now."""
        if self._open and (self._open[0][0] == path
                           or any(found == path for found, _fd in self._open)):
            while True:
                found, fd = self._open.popleft()
                if found == path:
                    break
                if fd is not None:
                    os.close(fd)
            self._fill()
            if fd is not None:
                try:
                    return _read_all(fd)
                finally:
                    os.close(fd)
        with open(path, "rb") as handle:
            return handle.read()

    def close(self) -> None:
        """Close the files opened ahead and nobody asked for."""
        while self._open:
            _path, fd = self._open.popleft()
            if fd is not None:
                os.close(fd)


def _read_all(fd: int) -> bytes:
    """A file's bytes from its descriptor: one read when its size has not changed since."""
    size = os.fstat(fd).st_size
    data = os.read(fd, size + 1)
    if len(data) <= size:  # a regular file reads short only at its end
        return data
    parts = [data]  # it grew
    while chunk := os.read(fd, 1 << 20):
        parts.append(chunk)
    return b"".join(parts)
