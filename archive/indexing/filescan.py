"""The walk of data/'s article files: every file's size and mtime, kept in columns.

A reindex stats every article file: an edit in place changes the file's size or mtime, never
its folder's mtime, so no folder can be skipped. At a million files the stat calls themselves
cost 2.5-3 µs each in the kernel (GNU find takes 4.3 s for 1M files here, 2.6 s of it in
the kernel); what is left to cut is the Python work around them, so a folder's articles are
stat-ed in one comprehension, taken in bulk when all are regular files, and kept as columns
(a list of paths, int64 arrays of sizes and mtimes) that a reindex compares with its file
list as arrays (`FileList.compare`).
"""

from __future__ import annotations

import gc
import os
import pickle
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from stat import S_IFDIR, S_IFMT, S_IFREG, S_ISDIR, S_ISREG

from .. import articlefile
from ..textnorm import has_lone_surrogate
from . import joblock
from .indexer import FileStat
from .parallel import _die_with_parent


class FileStats(Mapping):
    """relpath -> FileStat of every article file found, held as three columns in walk order.

    Looking a path up builds the path index once (a dict over every file), unless the path
    is among the rows `note`d: the comparison with a file list goes through the columns and
    notes the files it finds changed, the only ones an incremental job looks up.
    """

    def __init__(self, rels: list[str] | None = None, sizes: Sequence[int] | None = None,
                 mtimes: Sequence[int] | None = None) -> None:
        self.rels = rels if rels is not None else []
        self.sizes = sizes if sizes is not None else array("q")
        self.mtimes = mtimes if mtimes is not None else array("q")
        # files named almost like articles (x.MD, x.md.txt): no article, but said
        self.misnamed: list[str] = []
        self._row: dict[str, int] | None = None
        self._noted: dict[str, int] = {}

    def note(self, rows: list[int]) -> None:
        """Make the paths of these rows cheap to look up (no index of every path)."""
        self._noted.update((self.rels[i], i) for i in rows)

    def _rows(self) -> dict[str, int]:
        if self._row is None:
            self._row = dict(zip(self.rels, range(len(self.rels)), strict=True))
        return self._row

    def __getitem__(self, rel: str) -> FileStat:
        i = self._noted.get(rel)
        if i is None:
            i = self._rows()[rel]
        return FileStat(self.sizes[i], self.mtimes[i])

    def numbers_of(self, rels: Iterable[str]) -> array:
        """Size and mtime_ns of each of these files, in turn (int64; -1, -1 for a file not
        found). The index of every path
        it needs is not kept: a forked reindex worker would inherit it, and each worker that
        looked its files up here built its own (70 MB at a million files)."""
        row = self._row if self._row is not None else \
            dict(zip(self.rels, range(len(self.rels)), strict=True))
        sizes, mtimes = self.sizes, self.mtimes
        numbers = array("q")
        for rel in rels:
            i = row.get(rel)
            numbers.extend((-1, -1) if i is None else (sizes[i], mtimes[i]))
        return numbers

    def __contains__(self, rel: object) -> bool:
        return rel in self._noted or rel in self._rows()

    def __iter__(self) -> Iterator[str]:
        return iter(self.rels)

    def __len__(self) -> int:
        return len(self.rels)

    def set_aside_unnamed(self) -> list[str]:
        """Remove the paths that are not UTF-8 text (a name copied from another system's
        encoding: no manifest, report or page could write it); return them."""
        try:
            "\n".join(self.rels).encode("utf-8")  # one pass in C: the usual case
            return []
        except UnicodeEncodeError:
            pass
        odd = [has_lone_surrogate(rel) for rel in self.rels]
        keep = [i for i, bad in enumerate(odd) if not bad]
        unnamed = [rel for rel, bad in zip(self.rels, odd, strict=True) if bad]
        self.rels = [self.rels[i] for i in keep]
        self.sizes = array("q", (self.sizes[i] for i in keep))
        self.mtimes = array("q", (self.mtimes[i] for i in keep))
        self._row, self._noted = None, {}
        return unnamed


def scan(articles_dir: Path, procs: int = 1,
         meanwhile: Callable[[], object] | None = None) -> FileStats:
    """Every article file below the articles folder (those `articlefile.iter_files` lists),
    by relative path, with its size and mtime.

    Walked with `os.listdir` and `os.stat` relative to an open folder, on strings: no Path or
    DirEntry objects (at 100k files pathlib's globbing, sorting and relative paths cost four
    times the stats; at 1M the DirEntry objects a fifth of the walk). With `procs` > 1 the
    top folder's sub-folders are shared with forked helpers, which send back their columns:
    the stat calls hold the GIL between them, so threads would not overlap them.

    `meanwhile` is called in this process while the helpers walk: then every share goes to a
    helper (walked here only if none could start), so that its work overlaps theirs.
    """
    found = FileStats()
    if not articles_dir.is_dir():
        if meanwhile is not None:
            meanwhile()
        return found
    forked = {}
    for share in range(0 if meanwhile is not None and procs > 1 else 1, procs):
        helper = _fork_share(articles_dir, share, procs)
        if helper is not None:
            forked[share] = helper

    def walked(share: int) -> tuple[list, FileStats]:
        part = FileStats()
        with _collector_paused():
            return _walk_share(str(articles_dir), part, share, procs), part

    try:  # this process's share, and those no helper took
        if meanwhile is not None:
            meanwhile()
        parts = [walked(share) for share in range(procs) if share not in forked]
    finally:
        collected = {share: _collect(pid, fd) for share, (pid, fd) in forked.items()}
    # a helper that failed: its share is walked here
    parts += [got or walked(share) for share, got in collected.items()]
    # One order whatever the number of processes (the file list is kept in it, so that the
    # next comparison finds the same paths in the same rows): the top folder's own files,
    # then top folder k's (folders by name), each folder's files in the order `os.listdir`
    # gives them, before its sub-folders'.
    segments = sorted(((k, start, end, part) for spans, part in parts
                       for k, start, end in spans if end > start), key=lambda seg: seg[0])
    for _k, start, end, part in segments:
        found.rels += part.rels[start:end]
        found.sizes += part.sizes[start:end]
        found.mtimes += part.mtimes[start:end]
    found.misnamed = sorted(rel for _spans, part in parts for rel in part.misnamed)
    return found


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The garbage collector off while a walk runs: a walk makes a stat result (a tuple the
    collector tracks) per file and no cycle, and the collector's passes over them cost 0.1 s
    per million files."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _fork_share(articles_dir: Path, share: int, procs: int) -> tuple[int, int] | None:
    """Start a helper walking share `share` of `procs`; (pid, pipe to read) or None."""
    parent = os.getpid()
    try:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
    except OSError:
        return None
    if pid:
        os.close(write_fd)
        return pid, read_fd
    code = 1
    try:  # the helper: it must neither hold the job lock nor outlive the job
        os.close(read_fd)
        joblock.close_inherited()
        _die_with_parent(parent)
        part = FileStats()
        gc.disable()  # see _collector_paused
        spans = _walk_share(str(articles_dir), part, share, procs)
        data = _encode(spans, part)
        with os.fdopen(write_fd, "wb") as out:
            out.write(data)
        code = 0
    finally:
        os._exit(code)


def _encode(spans: list, part: FileStats) -> bytes:
    """A helper's segments and columns for the pipe: the paths NUL-joined (no file name holds
    a NUL), the numbers as int64 (unpickling half a million strings cost 0.45 s)."""
    rels = "\0".join(part.rels).encode("utf-8", "surrogatepass")
    head = pickle.dumps((spans, len(part.rels), len(rels), part.misnamed),
                        pickle.HIGHEST_PROTOCOL)
    return b"".join((len(head).to_bytes(8, "little"), head, rels,
                     array("q", part.sizes).tobytes(), array("q", part.mtimes).tobytes()))


def _decode(data: bytes) -> tuple[list, FileStats]:
    """What `_encode` wrote; ValueError when it is cut short."""
    at = 8 + int.from_bytes(data[:8], "little")
    spans, n, size, misnamed = pickle.loads(data[8:at])
    if len(data) != at + size + 16 * n:
        raise ValueError("a scan helper's columns cut short")
    rels = str(data[at:at + size], "utf-8", "surrogatepass").split("\0") if n else []
    sizes, mtimes = array("q"), array("q")
    sizes.frombytes(data[at + size:at + size + 8 * n])
    mtimes.frombytes(data[at + size + 8 * n:])
    found = FileStats(rels, sizes, mtimes)
    found.misnamed = misnamed
    return spans, found


def _collect(pid: int, fd: int) -> tuple[list, FileStats] | None:
    """A helper's segments and columns, or None when it failed."""
    try:
        with os.fdopen(fd, "rb") as pipe:
            data = pipe.read()
    finally:
        _pid, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        return None
    try:
        return _decode(data)
    except (ValueError, pickle.UnpicklingError, EOFError):
        return None


def _walk_share(top: str, found: FileStats, share: int, procs: int) -> list:
    """Walk share `share` of `procs` of a folder: its own files go to share 0, its k-th
    sub-folder (by name) to share k mod procs. Returns the (k, start, end) rows of each top
    folder walked (k = -1: the top folder's own files)."""
    rels, sizes, mtimes = found.rels, found.sizes, found.mtimes
    suffix, misnamed = articlefile.SUFFIX, articlefile.misnamed
    stat = os.stat

    def stat_or_none(name: str, fd: int) -> os.stat_result | None:
        try:
            return stat(name, dir_fd=fd)
        except FileNotFoundError:
            return None  # removed while listed (or a broken link): as if already gone

    def stats_of(names: list[str], fd: int) -> list:
        try:
            return [stat(name, dir_fd=fd) for name in names]
        except FileNotFoundError:
            return [stat_or_none(name, fd) for name in names]

    def walk(folder: str, prefix: str, top: bool = False) -> list[str]:
        """List a folder's article files; return its sub-folders (walked, unless `top`)."""
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except (FileNotFoundError, NotADirectoryError):
            return []
        try:
            names = os.listdir(fd)
            if top:
                names.sort()
            # An article's name: statted for its size and mtime (a folder may bear one too)
            named = [name for name in names if name.endswith(suffix) and name[0] != "."]
            stats = stats_of(named, fd)
            kinds = [S_IFMT(st.st_mode) if st is not None else 0 for st in stats]
            folders = []
            if kinds.count(S_IFREG) == len(named):  # the usual folder: articles only
                if not top or share == 0:
                    rels.extend([prefix + name for name in named])
                    sizes.extend([st.st_size for st in stats])
                    mtimes.extend([st.st_mtime_ns for st in stats])
            else:
                for name, st, kind in zip(named, stats, kinds, strict=True):
                    if kind == S_IFREG and (not top or share == 0):
                        rels.append(prefix + name)
                        sizes.append(st.st_size)
                        mtimes.append(st.st_mtime_ns)
                    elif kind == S_IFDIR:
                        folders.append(name)
            if len(named) < len(names):  # other names: folders, and names almost right
                others = [name for name in names if not name.endswith(suffix) or name[0] == "."]
                for name, st in zip(others, stats_of(others, fd), strict=True):
                    if st is not None and S_ISDIR(st.st_mode):
                        folders.append(name)
                    elif st is not None and S_ISREG(st.st_mode) and misnamed(name) \
                            and (not top or share == 0):
                        found.misnamed.append(prefix + name)
                if top:
                    folders.sort()
        finally:
            os.close(fd)
        if not top:
            for name in folders:
                walk(os.path.join(folder, name), f"{prefix}{name}/")
        return folders

    spans: list[tuple[int, int, int]] = []
    folders = walk(top, "", top=True)
    spans.append((-1, 0, len(rels)))
    for k, name in enumerate(folders):
        if k % procs == share:
            start = len(rels)
            walk(os.path.join(top, name), f"{name}/")
            spans.append((k, start, len(rels)))
    return spans
