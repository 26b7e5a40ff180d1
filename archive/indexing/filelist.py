"""A generation's file list: every article file's hash, size, mtime and id, stored in columns.

At a million articles the list held as one JSON object of a record per file cost seconds to
parse and seconds to write on every incremental reindex, and a Python list per file in memory.
Here it is five JSON arrays (paths, hashes, sizes, mtimes, ids): parsing makes no container per
file, and the checks a reindex makes over every file (which stats changed, which ids are
taken) run over the columns. Any file name JSON can spell round-trips, as before.

An incremental job does not write the whole list again: its generation hard-links the list of
the generation it started from (immutable, like the segments) and writes beside it the changes
since that list was written (`DELTA`), until those reach a twentieth of the list.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from pathlib import Path

from ..errors import IndexUnavailable

FILE_LIST = "filelist.json"  # {"rel": [...], "hash": [...], "size": [...], ... "id": [...]}
DELTA = "filelist-delta.json"  # {relpath: [hash, size, mtime_ns, id] or null (removed)}
LEGACY = "files.json"  # before: {relpath: [hash, size, mtime_ns, id]}, still read
DELTA_SHARE = 20  # the whole list is written again once the changes reach 1/DELTA_SHARE of it
COLUMNS = ("rel", "hash", "size", "mtime_ns", "id")


class FileList(MutableMapping):
    """relpath -> [hash, size, mtime_ns, id], as the dict it replaces, kept in columns.

    A removed file's row takes the last row's place. `source` is the whole-list file it was
    read from, `changes` what was set or removed since (None: removed).
    """

    def __init__(self, columns: dict[str, list] | None = None,
                 source: Path | None = None, row: dict[str, int] | None = None) -> None:
        self._cols = {name: list((columns or {}).get(name, ())) for name in COLUMNS}
        lengths = {len(column) for column in self._cols.values()}
        if len(lengths) > 1:
            raise ValueError("file list columns of different lengths")
        # `row`: the paths' rows, known already (a copy), or worked out here
        self._row = row if row is not None else \
            dict(zip(self._cols["rel"], range(len(self._cols["rel"])), strict=True))
        if len(self._row) != len(self._cols["rel"]):
            raise ValueError("a path listed twice in a file list")
        self.source = source
        self.changes: dict[str, list | None] = {}

    def __getitem__(self, rel: str) -> list:
        i = self._row[rel]
        return [self._cols[name][i] for name in COLUMNS[1:]]

    def __setitem__(self, rel: str, entry: list) -> None:
        self.changes[rel] = list(entry)
        i = self._row.get(rel)
        if i is None:
            self._row[rel] = len(self._cols["rel"])
            for name, value in zip(COLUMNS, [rel, *entry], strict=True):
                self._cols[name].append(value)
        else:
            for name, value in zip(COLUMNS[1:], entry, strict=True):
                self._cols[name][i] = value

    def __delitem__(self, rel: str) -> None:
        i = self._row.pop(rel)
        self.changes[rel] = None
        last = len(self._cols["rel"]) - 1
        for column in self._cols.values():
            column[i] = column[last]
            column.pop()
        if i != last:
            self._row[self._cols["rel"][i]] = i

    def __iter__(self) -> Iterator[str]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)

    def __contains__(self, rel: object) -> bool:
        return rel in self._row

    def copy(self) -> FileList:
        """An independent copy (the columns are copied, not the strings in them)."""
        twin = FileList(self._cols, self.source, dict(self._row))
        twin.changes = dict(self.changes)
        return twin

    def columns(self) -> dict[str, list]:
        """The five columns (the lists themselves: do not change them)."""
        return self._cols

    def ids(self) -> dict[str, str]:
        """Article id -> relpath of every file listed."""
        return dict(zip(self._cols["id"], self._cols["rel"], strict=True))

    def stale(self, stats: Mapping[str, tuple[int, int]], racy_after: int) -> list[str]:
        """The files of `stats` (relpath -> (size, mtime_ns)) not listed with that same size
        and mtime, or modified at or after `racy_after` (ns): the ones to hash."""
        row, size, mtime = self._row, self._cols["size"], self._cols["mtime_ns"]
        found = []
        for rel, (st_size, st_mtime) in stats.items():
            i = row.get(rel)
            if i is None or size[i] != st_size or mtime[i] != st_mtime or st_mtime >= racy_after:
                found.append(rel)
        return found

    def missing_from(self, names: Iterable[str]) -> list[str]:
        """The listed files that are not among `names`, sorted."""
        return sorted(self._row.keys() - set(names))


def read(gen_dir: Path) -> FileList:
    """The file list of a generation (either format); IndexUnavailable when unreadable."""
    gen_dir = Path(gen_dir)
    try:
        with open(gen_dir / FILE_LIST, encoding="utf-8") as handle:
            files = FileList(json.load(handle), gen_dir / FILE_LIST)
        if (gen_dir / DELTA).exists():
            with open(gen_dir / DELTA, encoding="utf-8") as handle:
                for rel, entry in json.load(handle).items():
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
            os.link(files.source, gen_dir / FILE_LIST)
        except OSError:
            pass  # no hard links here (or the source is gone): the whole list, below
        else:
            with open(gen_dir / DELTA, "w", encoding="utf-8") as handle:
                json.dump(files.changes, handle, ensure_ascii=False)
            return
    text = json.dumps(of(files).columns(), ensure_ascii=False)  # the C encoder: one shot
    with open(gen_dir / FILE_LIST, "w", encoding="utf-8") as handle:
        handle.write(text)
