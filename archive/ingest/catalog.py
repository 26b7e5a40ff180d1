"""What an import knows of each article file, kept between imports.

An import checks every incoming record against the whole archive: its ids, urls, texts,
export record ids and usual body length. Parsing every article file for that cost 0.25 ms a
file before each import: 24 s before a one-page import at 100k articles (a workspace upload's
dry run, and its confirmation, in a web request), minutes at a million, with every article
held in memory (830 MB at 100k). The catalog keeps those few values of each file, under its
path, size, mtime and ctime, in the archive's private folder; an import stats every file, as
a reindex does, and parses only those changed since the catalog was written (git's index
makes the same bet; the ctime, which no tool sets back, also sees `touch -r`, `cp -p` and a
chmod). A file whose mtime is within RACY_NS of the catalog's writing is parsed again
anyway: a coarse clock could give an edit made just after the same mtime; so is a file that
could not be read, whatever its times. The article itself is read when an import needs it (an
update, a duplicate's check).
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import articlefile
from ..config import Config
from ..errors import ArchiveError
from ..models import Article

NAME = "import-catalog.json"
VERSION = 2
RACY_NS = 5 * 10**9


@dataclass(frozen=True, slots=True)
class Entry:
    """What an import needs of one article file without reading it."""

    id: str
    url: str | None
    content_hash: str | None
    record: str | None  # the export's own id of the record it was imported from (`record_id`)
    words: int

    @classmethod
    def of(cls, article: Article) -> Entry:
        """The entry of an article as read or written."""
        return cls(article.id, article.url, article.content_hash,
                   record_id(article.imported_from or ""), len(article.body.split()))


def record_id(source: str) -> str | None:
    """The export's own id of a record (`export.jsonl#a1`), None for a line number or a page."""
    _file, mark, record = source.rpartition("/")[2].partition("#")
    return record or None if mark else None


Known = Entry | str  # the entry, or why the file cannot be read


def survey(config: Config, read: Callable[[Path], Article]
           ) -> list[tuple[str, tuple[int, int], Known]]:
    """Every article file below the articles folder (as `articlefile.iter_files` lists them,
    in its order): its path relative to that folder, (mtime_ns, size), and what it holds,
    from the catalog or, changed since, by `read` now (its ArchiveError's message the reason
    it cannot be); the catalog written again if it changed."""
    started = time.time_ns()
    top = config.articles_dir
    path = _path(config)
    rows, trusted_before = _load(path, top)
    files, fresh = [], {}
    for rel, size, mtime, ctime in _walk(top):
        row = rows.get(rel)
        known: Known | None = None
        if isinstance(row, list) and row[:3] == [size, mtime, ctime] and \
                mtime < trusted_before:
            known = _known(row[3:])
        if known is None:
            try:
                known = Entry.of(read(top / rel))
            except ArchiveError as exc:
                known = exc.message.removeprefix(f"{top / rel}: ")
            row = [size, mtime, ctime, *_row(known)]
        fresh[rel] = row  # (a row trusted is the one loaded: no copy per file)
        files.append((rel, (mtime, size), known))
    if fresh != rows:
        _save(path, top, fresh, started)
    return files


def _path(config: Config) -> Path:
    return config.state_dir / NAME


def _walk(top: Path) -> list[tuple[str, int, int, int]]:
    """(relative path, size, mtime_ns, ctime_ns) of each article file below `top`, in the
    order `iter_files` sorts paths (by their parts: each folder's names in order, depth
    first)."""
    found: list[tuple[str, int, int, int]] = []

    def walk(folder: str, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, f"{prefix}{name}/")
                elif name.endswith(articlefile.SUFFIX) and not name.startswith("."):
                    info = entry.stat()  # (a link to an article file is one, as for iter_files)
                    if stat.S_ISREG(info.st_mode):
                        found.append((prefix + name, info.st_size, info.st_mtime_ns,
                                      info.st_ctime_ns))
            except OSError:
                continue  # gone while listed, or a broken link: as if already gone

    if top.is_dir():
        walk(str(top), "")
    return found


def _row(known: Known) -> list:
    if isinstance(known, str):
        return [known]
    return [known.id, known.url, known.content_hash, known.record, known.words]


def _known(cells: list) -> Entry | None:
    """A row's entry back; None for a row that is not one (the file is read again): a file
    that could not be read (it may have been fixed by a chmod, which leaves its times), or a
    row this version cannot read."""
    if len(cells) != 5 or not isinstance(cells[0], str) or type(cells[4]) is not int or \
            not all(cell is None or isinstance(cell, str) for cell in cells[1:4]):
        return None
    return Entry(*cells)


def _load(path: Path, top: Path) -> tuple[dict[str, list], int]:
    """The catalog's rows and the mtime before which its entries are trusted ({}, 0 when
    there is none, or it is damaged, or another version's, or another folder's)."""
    try:
        data = json.loads(path.read_bytes())
        if data["version"] == VERSION and data["articles_dir"] == str(top) and \
                isinstance(data["rows"], dict):
            return data["rows"], int(data["written_ns"]) - RACY_NS
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        pass  # (a catalog written by hand, nested past JSON's recursion limit: rebuilt)
    return {}, 0


def _save(path: Path, top: Path, rows: dict[str, list], started: int) -> None:
    """Write the catalog (best effort: a read-only or full archive only makes the next import
    read its files again)."""
    data = {"version": VERSION, "articles_dir": str(top), "written_ns": started, "rows": rows}
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # (file names that are not UTF-8 are kept as JSON escapes of their odd bytes)
        articlefile.write_text(path, json.dumps(data, separators=(",", ":")), durable=False)
    except OSError:
        pass
