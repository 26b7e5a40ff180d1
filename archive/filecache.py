"""Data files parsed once per version: a caller asks on every use, and a file is parsed again
only when it changed (another file renamed over it, an edit: device, inode, mtime or size)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from .errors import ArchiveError

T = TypeVar("T")


class ParsedFiles(Generic[T]):
    """The last few files of one kind, each with the version it was parsed at."""

    def __init__(self, parse: Callable[[Path], T], unreadable: Callable[[Path, str], ArchiveError],
                 keep: int = 4) -> None:
        self._parse = parse
        self._unreadable = unreadable  # the error for a file that is there but cannot be read
        self._keep = keep  # an archive has one file of a kind; tests make many
        self._loaded: dict[Path, tuple[tuple[int, ...], T]] = {}
        self._lock = threading.Lock()

    def get(self, path: Path) -> T | None:
        """The parsed file at `path`; None when there is no file there."""
        try:
            stat = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise self._unreadable(path, exc.strerror or str(exc)) from None
        version = (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            known = self._loaded.get(path)
            if known is not None and known[0] == version:
                return known[1]
            parsed = self._parse(path)
            self._loaded.pop(path, None)
            if len(self._loaded) >= self._keep:
                self._loaded.pop(next(iter(self._loaded)))
            self._loaded[path] = (version, parsed)
            return parsed
