"""A generation's file list: every article file's hash, size, mtime and id, stored in columns.

At a million articles the list held as one JSON object of a record per file cost seconds to
parse and seconds to write on every incremental reindex, and a Python list per file in memory.
Here it is five JSON arrays (paths, hashes, sizes, mtimes, ids): parsing makes no container per
file, and the checks a reindex makes over every file (which stats changed, which ids are
taken) run over the columns. Any file name JSON can spell round-trips, as before.

An incremental job does not write the whole list again: its generation hard-links the list of
the generation it started from (immutable, like the segments) and writes beside it the changes
since that list was written (`DELTA`), until those reach a twentieth of the list.

The whole list is written in binary columns (`COLUMN_FILE`): at a million files, parsing the
JSON columns cost 1.5 s and reading them a second (225 MB). Paths, hashes and ids are NUL-joined
UTF-8 (no file name holds a NUL), sizes and mtimes little-endian int64: a reindex decodes the
paths and the two number columns, and the hashes and ids only when it needs them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from functools import partial
from itertools import repeat
from pathlib import Path

import numpy as np

from ..errors import IndexUnavailable
from .filescan import FileStats

COLUMN_FILE = "filelist.bin"  # MAGIC, a JSON line {"n": rows, "sections": [[name, bytes]...]},
# then the sections
COLUMN_MAGIC = b"archive file list 1\n"
FILE_LIST = "filelist.json"  # before: {"rel": [...], "hash": [...], "size": [...], ... "id": [...]}
DELTA = "filelist-delta.json"  # {relpath: [hash, size, mtime_ns, id] or null (removed)}
LEGACY = "files.json"  # before: {relpath: [hash, size, mtime_ns, id]}, still read
DELTA_SHARE = 20  # the whole list is written again once the changes reach 1/DELTA_SHARE of it
COLUMNS = ("rel", "hash", "size", "mtime_ns", "id")
TEXT_COLUMNS = ("rel", "hash", "id")


class FileList(MutableMapping):
    """relpath -> [hash, size, mtime_ns, id], as the dict it replaces, kept in columns.

    A removed file's row takes the last row's place. `source` is the whole-list file it was
    read from, `changes` what was set or removed since (None: removed).
    """

    def __init__(self, columns: dict[str, list] | None = None,
                 source: Path | None = None, row: dict[str, int] | None = None,
                 pending: dict[str, Callable[[], list]] | None = None,
                 arrays: dict[str, np.ndarray] | None = None,
                 known: dict[str, int] | None = None) -> None:
        # `pending`: columns decoded when first used (a list read from its column file)
        pending = pending or {}
        self._cols = _Columns({name: list((columns or {}).get(name, ())) for name in COLUMNS
                               if name not in pending}, pending)
        lengths = {len(column) for column in dict.values(self._cols)}
        if len(lengths) > 1:
            raise ValueError("file list columns of different lengths")
        # `row`: every path's row, known already (a copy); else worked out when first needed
        # (a dict over a million paths costs 0.6 s, and a job that edits a few files looks up
        # only those: `_known` holds the rows found for them by one pass over the paths)
        self._row = row
        # path -> row (-1: not listed), while `_row` is None; `known` given: a copy's
        self._known: dict[str, int] = dict(known or {})
        self.source = source
        self.changes: dict[str, list | None] = {}
        self._arrays = dict(arrays or {})  # size and mtime as read, until a change
        if row is None and columns is not None and not pending and known is None:
            self._rows()  # a list built from values: its paths checked now

    def _rows(self) -> dict[str, int]:
        """Every path's row (built once, then kept up to date)."""
        if self._row is None:
            rels = self._cols["rel"]
            row = dict(zip(rels, range(len(rels)), strict=True))
            if len(row) != len(rels):
                if self.source is not None:  # read lazily: found out after `read`
                    _unreadable(self.source.parent)
                raise ValueError("a path listed twice in a file list")
            self._row, self._known = row, {}
        return self._row

    def _find(self, rel: str) -> int:
        """The row of a path, -1 when it is not listed."""
        if self._row is None:
            i = self._known.get(rel)
            if i is not None:
                return i
        return self._rows().get(rel, -1)

    def locate(self, rels: Iterable[str]) -> None:
        """Find the rows of these paths in one pass over the list, so that looking them up
        (and setting or removing them) needs no index of every path."""
        if self._row is not None:
            return
        wanted = set(rels) - self._known.keys()
        listed = self._cols["rel"]
        if not wanted:
            return
        if len(wanted) * 50 > len(listed):  # about as cheap to index every path
            self._rows()
            return
        hits = np.flatnonzero(np.fromiter(map(wanted.__contains__, listed), bool, len(listed)))
        for i in hits.tolist():
            if listed[i] in self._known:  # listed twice: as a dict of every path would say
                self._rows()
                return
            self._known[listed[i]] = i
        self._known.update(dict.fromkeys(wanted - self._known.keys(), -1))

    def __getitem__(self, rel: str) -> list:
        i = self._find(rel)
        if i < 0:
            raise KeyError(rel)
        return [self._cols[name][i] for name in COLUMNS[1:]]

    def __setitem__(self, rel: str, entry: list) -> None:
        self.changes[rel] = list(entry)
        self._arrays = {}
        i = self._find(rel)
        if i < 0:
            self._place(rel, len(self._cols["rel"]))
            for name, value in zip(COLUMNS, [rel, *entry], strict=True):
                self._cols[name].append(value)
        else:
            for name, value in zip(COLUMNS[1:], entry, strict=True):
                self._cols[name][i] = value

    def __delitem__(self, rel: str) -> None:
        i = self._find(rel)
        if i < 0:
            raise KeyError(rel)
        self.changes[rel] = None
        self._arrays = {}
        last = len(self._cols["rel"]) - 1
        for column in self._cols.values():
            column[i] = column[last]
            column.pop()
        self._place(rel, -1)
        if i != last:
            self._place(self._cols["rel"][i], i)

    def _place(self, rel: str, i: int) -> None:
        """Record a path's new row (-1: removed)."""
        if self._row is None:
            self._known[rel] = i
        elif i < 0:
            del self._row[rel]
        else:
            self._row[rel] = i

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._cols["rel"]))  # in row order, as columns() and the file

    def __len__(self) -> int:
        return len(self._cols["rel"])

    def __contains__(self, rel: object) -> bool:
        return isinstance(rel, str) and self._find(rel) >= 0

    def copy(self) -> FileList:
        """An independent copy (the columns are copied, not the strings in them)."""
        twin = FileList(dict(dict.items(self._cols)), self.source,
                        None if self._row is None else dict(self._row), self._cols.pending,
                        self._arrays, known=self._known)
        twin.changes = dict(self.changes)
        return twin

    def columns(self) -> dict[str, list]:
        """The five columns (the lists themselves: do not change them)."""
        return {name: self._cols[name] for name in COLUMNS}

    def ids(self) -> ListedIds:
        """Article id -> relpath of every file listed (a read-only view of this moment's
        columns)."""
        return ListedIds(list(self._cols["id"]), list(self._cols["rel"]))

    def stale(self, stats: Mapping[str, tuple[int, int]], racy_after: int) -> list[str]:
        """The files of `stats` (relpath -> (size, mtime_ns)) not listed with that same size
        and mtime, or modified at or after `racy_after` (ns): the ones to hash."""
        row, size, mtime = self._rows(), self._cols["size"], self._cols["mtime_ns"]
        found = []
        for rel, (st_size, st_mtime) in stats.items():
            i = row.get(rel)
            if i is None or size[i] != st_size or mtime[i] != st_mtime or st_mtime >= racy_after:
                found.append(rel)
        return found

    def compare(self, stats: FileStats, racy_after: int) -> tuple[list[str], list[str]]:
        """What `stale` and `missing_from` say of a scan, worked out over arrays: the files to
        hash (in scan order) and the listed files the scan did not find (sorted)."""
        n = len(stats.rels)
        if n == len(self) and stats.rels == self._cols["rel"]:
            # The list is kept in the scan's order: unless files came or went, row i is
            # path i, found by one comparison of the two lists instead of a look-up each.
            rows = np.arange(n, dtype=np.int64)
        else:
            rows = np.fromiter(map(self._rows().get, stats.rels, repeat(-1)), np.int64, n)
        known = rows >= 0
        at = np.where(known, rows, 0)
        size = np.asarray(stats.sizes, np.int64)
        mtime = np.asarray(stats.mtimes, np.int64)
        stale = ~known | (mtime >= racy_after)
        if len(self):
            stale |= self._array("size")[at] != size
            stale |= self._array("mtime_ns")[at] != mtime
        rels, changed = stats.rels, np.flatnonzero(stale).tolist()
        found = [rels[i] for i in changed]
        stats.note(changed)  # the files a job reads: their stats are looked up
        if self._row is None:  # and their rows here: those of the scan (-1: not listed)
            self._known.update(zip(found, rows[changed].tolist(), strict=True))
        seen = np.zeros(len(self), bool)
        seen[rows[known]] = True
        listed = self._cols["rel"]
        return found, sorted(listed[i] for i in np.flatnonzero(~seen).tolist())

    def unchanged(self, stats: Mapping[str, tuple[int, int]]) -> tuple[list[str], list[str]]:
        """(ids, relpaths) of the listed files that `stats` (relpath -> (size, mtime_ns), a scan)
        holds with the same size and mtime, in the list's order."""
        n = len(self)
        if not n:
            return [], []
        rels = self._cols["rel"]
        if isinstance(stats, FileStats):
            if stats.rels == rels:  # the list is kept in the scan's order: row i is path i
                sizes, mtimes = stats.sizes, stats.mtimes
            else:  # a look-up table for this call only (a scan's own is kept once built)
                where = dict(zip(stats.rels, range(len(stats.rels)), strict=True))
                rows = [where.get(rel, -1) for rel in rels]
                del where
                sizes = [stats.sizes[i] if i >= 0 else -1 for i in rows]
                mtimes = [stats.mtimes[i] if i >= 0 else -1 for i in rows]
        else:
            found = [stats.get(rel) for rel in rels]
            sizes = [stat[0] if stat is not None else -1 for stat in found]
            mtimes = [stat[1] if stat is not None else -1 for stat in found]
        same = (self._array("size") == np.asarray(sizes, np.int64)) \
            & (self._array("mtime_ns") == np.asarray(mtimes, np.int64)) \
            & (np.asarray(sizes, np.int64) >= 0)
        ids = self._cols["id"]
        keep = np.flatnonzero(same).tolist()
        return [ids[i] for i in keep], [rels[i] for i in keep]

    def _array(self, name: str) -> np.ndarray:
        if name not in self._arrays:
            self._arrays[name] = np.asarray(self._cols[name], np.int64)
        return self._arrays[name]

    def missing_from(self, names: Iterable[str]) -> list[str]:
        """The listed files that are not among `names`, sorted."""
        return sorted(set(self._cols["rel"]) - set(names))


class ListedIds(Mapping):
    """id -> relpath over a file list's id and path columns, found through a sorted array of
    the ids' hashes: at a million files a dict of every id cost 0.7 s to build (its entries
    scattered in memory), the array a third of that. `SettledIds` answers the same question
    for a full build's forked workers, from copies of the ids and paths packed so that the
    workers share its pages; a job looking up its own few ids needs no copy."""

    def __init__(self, ids: list[str], rels: list[str]) -> None:
        self._ids, self._rels = ids, rels
        hashes = np.fromiter(map(hash, ids), np.int64, len(ids))
        self._order = np.argsort(hashes, kind="stable")
        self._hashes = hashes[self._order]

    def _row(self, article_id: object) -> int:
        """The last row holding this id (a dict of the columns keeps the last), or -1."""
        if not isinstance(article_id, str):
            return -1
        key = hash(article_id)
        start = int(np.searchsorted(self._hashes, key, "left"))
        end = int(np.searchsorted(self._hashes, key, "right"))
        rows = [i for i in self._order[start:end].tolist() if self._ids[i] == article_id]
        return rows[-1] if rows else -1

    def __getitem__(self, article_id: str) -> str:
        i = self._row(article_id)
        if i < 0:
            raise KeyError(article_id)
        return self._rels[i]

    def __contains__(self, article_id: object) -> bool:
        return self._row(article_id) >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(self._ids))

    def __len__(self) -> int:
        if not np.any(self._hashes[1:] == self._hashes[:-1]):
            return len(self._ids)  # no two hashes alike: no id listed twice
        return len(set(self._ids))


class _Columns(dict):
    """The columns of a file list by name; those in `pending` are decoded on first use."""

    def __init__(self, columns: dict[str, list],
                 pending: dict[str, Callable[[], list]] | None = None) -> None:
        super().__init__(columns)
        self.pending = dict(pending or {})

    def __missing__(self, name: str) -> list:
        column = self[name] = self.pending.pop(name)()
        return column

    def values(self):  # every column, decoded
        return [self[name] for name in COLUMNS]


def _read_columns(path: Path) -> FileList:
    """A list from a column file (see COLUMN_FILE); ValueError when it is not one."""
    with open(path, "rb") as handle:
        data = handle.read()
    if not data.startswith(COLUMN_MAGIC):
        raise ValueError("not a file list")
    end = data.index(b"\n", len(COLUMN_MAGIC))
    header = json.loads(data[len(COLUMN_MAGIC):end])
    n, at, raw, view = int(header["n"]), end + 1, {}, memoryview(data)
    for name, length in header["sections"]:
        raw[name] = view[at:at + length]  # no copy
        if len(raw[name]) != length:
            raise ValueError("file list cut short")
        at += length
    if set(raw) != set(COLUMNS):
        raise ValueError("file list columns missing")
    for name in TEXT_COLUMNS:
        nuls = np.count_nonzero(np.frombuffer(raw[name], np.uint8) == 0)
        if n and nuls != n - 1 or not n and len(raw[name]):
            raise ValueError("file list columns of different lengths")
    arrays = {}
    for name in ("size", "mtime_ns"):
        if len(raw[name]) != 8 * n:
            raise ValueError("file list columns of different lengths")
        arrays[name] = np.frombuffer(raw[name], "<i8").astype(np.int64)
    pending = {name: partial(_decode, raw[name], n) for name in ("hash", "id")}
    pending.update({name: arrays[name].tolist for name in ("size", "mtime_ns")})
    return FileList({"rel": _decode(raw["rel"], n)}, path, pending=pending, arrays=arrays)


def _decode(raw: memoryview, n: int) -> list[str]:
    return str(raw, "utf-8", "surrogatepass").split("\0") if n else []


def _write_columns(path: Path, files: FileList) -> None:
    cols = files.columns()
    sections = {name: "\0".join(cols[name]).encode("utf-8", "surrogatepass")
                for name in TEXT_COLUMNS}
    for name in ("size", "mtime_ns"):
        sections[name] = np.asarray(cols[name], "<i8").tobytes()
    header = {"n": len(files), "sections": [[name, len(sections[name])] for name in COLUMNS]}
    with open(path, "wb") as handle:
        handle.write(COLUMN_MAGIC + json.dumps(header).encode("ascii") + b"\n")
        for name in COLUMNS:
            handle.write(sections[name])


def read(gen_dir: Path) -> FileList:
    """The file list of a generation (either format); IndexUnavailable when unreadable."""
    gen_dir = Path(gen_dir)
    for name, load in ((COLUMN_FILE, _read_columns), (FILE_LIST, _read_json)):
        try:
            files = load(gen_dir / name)
            if (gen_dir / DELTA).exists():
                with open(gen_dir / DELTA, encoding="utf-8") as handle:
                    delta = json.load(handle)
                files.locate(delta)
                for rel, entry in delta.items():
                    if entry is None:
                        files.pop(rel, None)  # set by a job, removed by a later one
                    else:
                        files[rel] = entry
            return files
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError, AttributeError, KeyError):
            _unreadable(gen_dir)
    try:
        with open(gen_dir / LEGACY, encoding="utf-8") as handle:
            legacy = json.load(handle)
        return of(legacy)
    except (OSError, ValueError, TypeError, AttributeError):
        _unreadable(gen_dir)


def _read_json(path: Path) -> FileList:
    with open(path, encoding="utf-8") as handle:
        return FileList(json.load(handle), path)


def _unreadable(gen_dir: Path) -> None:
    raise IndexUnavailable(f"index generation {gen_dir.name} has no readable file list; "
                           "run 'archive reindex --full'") from None


def of(files: Mapping[str, list]) -> FileList:
    """A FileList holding what a mapping relpath -> [hash, size, mtime_ns, id] holds."""
    if isinstance(files, FileList):
        return files
    entries = list(files.values())
    columns = {"rel": list(files)}
    for k, name in enumerate(COLUMNS[1:]):
        columns[name] = [entry[k] for entry in entries]
    return FileList(columns)


def write(gen_dir: Path, files: Mapping[str, list]) -> None:
    """Write the file list of a generation being built (fsynced with the rest of it later):
    a link to the list it started from and the changes since, or the whole list."""
    gen_dir = Path(gen_dir)
    if isinstance(files, FileList) and files.source is not None and \
            len(files.changes) * DELTA_SHARE <= len(files):
        try:
            os.link(files.source, gen_dir / files.source.name)
        except OSError:
            pass  # no hard links here (or the source is gone): the whole list, below
        else:
            with open(gen_dir / DELTA, "w", encoding="utf-8") as handle:
                json.dump(files.changes, handle, ensure_ascii=False)
            return
    _write_columns(gen_dir / COLUMN_FILE, of(files))
