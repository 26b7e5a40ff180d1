"""Article files read ahead of the indexer by the kernel: the disk works while the CPU parses.

A build reads its files one after the other, and a file not in the page cache keeps the
process waiting for the disk: on a 2-core machine whose cache had let a 100k archive go, one
process read 50,000 files in 9.3 s of which 2.9 s were CPU, the rest waiting, every
article of a build paying it in turn. So the next files are opened ahead and the kernel is
asked to read them (`posix_fadvise(WILLNEED)`): it does so in the background, and when a
file's turn comes its pages are in the cache.

A thread used to read them instead. Its every system call let go of the GIL and then had to
take it back from the parser, which a busy interpreter gives up only when asked (every 5 ms):
a 10k build cost 10 % more CPU with the thread than reading each file at its turn, and the
thread kept only a few files ahead of the parser.
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
    paths in their order (skipping some is fine): one asked for out of order is read then, and
    the files opened ahead before it are closed."""

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
                fd: int | None = os.open(path, os.O_RDONLY)
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
        """The bytes of `path`: from the file opened ahead when it is the next one (files
        opened ahead before it and never asked for are closed), else opened now."""
        while self._open:
            found, fd = self._open.popleft()
            if found == path:
                self._fill()
                if fd is None:
                    break
                try:
                    return _read_all(fd)
                finally:
                    os.close(fd)
            if fd is not None:
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
