"""Data files parsed once per version: a caller asks on every use, and a file is parsed again
only when it changed (another file renamed over it, an edit: device, inode, mtime or size).

An archivist's slip in such a file (one space too many in `organisations.yaml`) must not stop
the site nor every job: a caller that can go on with the file's last good version asks for it
(`last_good=True`) and gets it, while `problem` says what is wrong with the file as it stands.
The last good version is the one this process parsed last, else a copy kept beside the file
(`.organisations.yaml.last-good`), written each time a new version parses: a process started
after the slip goes on too. A caller that must see the file as it stands (`archive orgs
check`, anything that writes it) asks without it and gets the error.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from .errors import ArchiveError

T = TypeVar("T")


def last_good_path(path: Path) -> Path:
    """Where the last version of a data file that parsed is kept, beside it."""
    return path.with_name(f".{path.name}.last-good")


class ParsedFiles(Generic[T]):
    """The last few files of one kind, each with the version it was parsed at."""

    def __init__(self, parse: Callable[[Path], T], unreadable: Callable[[Path, str], ArchiveError],
                 keep: int = 4) -> None:
        self._parse = parse
        self._unreadable = unreadable  # the error for a file that is there but cannot be read
        self._keep = keep  # an archive has one file of a kind; tests make many
        self._loaded: dict[Path, tuple[tuple[int, ...], T]] = {}
        self._good: dict[Path, T] = {}  # each file's last version that parsed
        # each file's version that did not parse, and its error: parsed once, not per request
        self._problems: dict[Path, tuple[tuple[int, ...], ArchiveError]] = {}
        self._lock = threading.Lock()

    def get(self, path: Path, last_good: bool = False) -> T | None:
        """The parsed file at `path`; None when there is no file there. A file that does not
        parse raises its error, or with `last_good`, gives its last good version when there is
        one (`problem` says why)."""
        try:
            stat = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            error = self._unreadable(path, exc.strerror or str(exc))
            return self._fallback(path, None, error, last_good)
        version = (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            known = self._loaded.get(path)
            if known is not None and known[0] == version:
                return known[1]
            failed = self._problems.get(path)
            if failed is not None and failed[0] == version:
                return self._fallback(path, version, failed[1], last_good)
            try:
                parsed = self._parse(path)
            except ArchiveError as exc:
                return self._fallback(path, version, exc, last_good)
            self._problems.pop(path, None)
            self._loaded.pop(path, None)
            if len(self._loaded) >= self._keep:
                self._loaded.pop(next(iter(self._loaded)))
            self._loaded[path] = (version, parsed)
            self._good[path] = parsed
            if len(self._good) > self._keep:
                self._good.pop(next(iter(self._good)))
            _keep_copy(path)
            return parsed

    def problem(self, path: Path) -> str | None:
        """Why the file at `path` as it stands was set aside for its last good version, or None
        when it parsed (or was never asked for with `last_good`)."""
        failed = self._problems.get(path)
        return failed[1].message if failed is not None else None

    def _fallback(self, path: Path, version: tuple[int, ...] | None, error: ArchiveError,
                  last_good: bool) -> T:
        if version is not None:
            self._problems[path] = (version, error)
        if not last_good:
            raise error
        good = self._good.get(path)
        if good is None:
            copy = last_good_path(path)
            try:
                good = self._parse(copy) if copy.is_file() else None
            except ArchiveError:
                good = None
            if good is None:
                raise error
            self._good[path] = good
        if version is None:  # (unreadable: no version to remember it by)
            self._problems[path] = ((), error)
        return good


def _keep_copy(path: Path) -> None:
    """Copy a file that parsed to its last-good place, unless the copy already holds it; a
    folder that cannot be written keeps none (best effort: a read-only site still serves)."""
    copy = last_good_path(path)
    try:
        data = path.read_bytes()
        if copy.is_file() and copy.read_bytes() == data:
            return
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=copy.name + ".")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, copy)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass
