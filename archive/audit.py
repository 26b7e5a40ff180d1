"""The audit trail: one JSON line per change to the archive, whoever made it and however.

`.archive/audit.jsonl` beside data/ (Config.audit_file): kept with the archive, in its private
folder, since a reindex or a rollback must never write into data/ (and usernames need not be
published with the articles).
Each line says when (UTC, ISO 8601), who (the signed-in account on the web, the system user on
the command line), what action, which files with their SHA-256 before and after (null: absent),
and the action's own details. Lines are appended with O_APPEND in a single write() each, then
fsynced, so that writers in several processes (web workers, a CLI import) never interleave
within a line and a crash loses at most the line being written.
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from .config import Config

MAX_FILES = 1000  # files listed on one line; a bigger change lists that many and the count
_READ_BLOCK = 1 << 16

FileChanges = Mapping[str | Path, tuple[str | None, str | None]]


def system_user() -> str:
    """Who runs the command line: the system account's name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return f"uid {os.getuid()}"


def sha256_of(path: Path) -> str | None:
    """The file's SHA-256 in hex, or None when there is no such file."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(_READ_BLOCK):
                digest.update(block)
    except (FileNotFoundError, IsADirectoryError):
        return None
    return digest.hexdigest()


def hashes(paths: Iterable[Path]) -> dict[Path, str | None]:
    """SHA-256 of each path (None for a missing one)."""
    return {Path(p): sha256_of(Path(p)) for p in paths}


def shown_path(config: Config, path: str | Path) -> str:
    """A path relative to the archive's folder when inside it (the log moves with it)."""
    path = Path(path)
    try:
        return path.resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return str(path)


def record(config: Config, who: str, action: str, files: FileChanges | None = None,
           before: object = None, after: object = None, **details: object) -> dict:
    """Append one entry to the audit log and return it.

    `files` maps each changed file to its (SHA-256 before, after), None where it did not
    exist; `before`/`after` describe a change that is not a file's (a generation served).
    Everything must be JSON-serialisable (paths are written as text).
    """
    changed = [{"path": shown_path(config, path), "before": old, "after": new}
               for path, (old, new) in (files or {}).items() if old != new]
    entry: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "who": who,
                   "action": action}
    if files is not None:
        entry["files"] = changed[:MAX_FILES]
        if len(changed) > MAX_FILES:
            entry["files_total"] = len(changed)
    if before is not None or after is not None:
        entry["before"], entry["after"] = before, after
    entry.update(details)
    line = json.dumps(entry, ensure_ascii=False, default=str, separators=(",", ":")) + "\n"
    path = config.audit_file
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        # a file name that is not UTF-8 text (its odd bytes held as lone surrogates) is
        # written as JSON's \udcXX escape of them, which reads back as the same name
        data = line.encode("utf-8", "backslashreplace")
        # (held while the end is looked at and written: another writer's line in progress
        # must not look like a cut one)
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            # the last line was cut (a full disk): this one must not be read as its end
            data = b"\n" + data
        written = os.write(fd, data)  # one write: O_APPEND places it whole at the end
        while written < len(data):  # only on a full disk or a signal; finish the line
            written += os.write(fd, data[written:])
        fcntl.flock(fd, fcntl.LOCK_UN)  # (the other writers need not wait for the disk)
        os.fsync(fd)
    finally:
        os.close(fd)
    return entry


@contextmanager
def changing(config: Config, who: str, action: str, paths: Iterable[Path],
             **details: object) -> Iterator[dict]:
    """Record a change of these files once the block succeeds (hashes taken before and
    after it); nothing is recorded when it raises. The yielded dict takes more details."""
    paths = [Path(p) for p in paths]
    before = hashes(paths)
    extra: dict = {}
    yield extra
    after = hashes(paths)
    record(config, who, action, files={p: (before[p], after[p]) for p in paths},
           **details, **extra)


def read(config: Config, limit: int = 50) -> list[dict]:
    """The last `limit` entries, newest first (a damaged line is skipped)."""
    try:
        with open(config.audit_file, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            # Read backwards in blocks until enough lines are in hand: the log only grows.
            block, data = 1 << 16, b""
            while size > 0 and data.count(b"\n") <= limit:
                step = min(block, size)
                size -= step
                handle.seek(size)
                data = handle.read(step) + data
    except FileNotFoundError:
        return []
    lines = data.split(b"\n")
    if size > 0:
        lines = lines[1:]  # the first may be cut
    entries = []
    for raw in reversed(lines):
        if len(entries) >= limit:
            break
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def changes_by_file(config: Config) -> dict[str, list[dict]]:
    """Every recorded change of each file, oldest first, by its path as the log shows it
    (`shown_path`): dicts of when, who, action, before and after (a damaged line skipped)."""
    found: dict[str, list[dict]] = {}
    try:
        with open(config.audit_file, "rb") as handle:
            for raw in handle:
                _note_changes(raw, found)
    except FileNotFoundError:
        pass
    return found


def _note_changes(raw: bytes, found: dict[str, list[dict]]) -> None:
    try:
        entry = json.loads(raw.decode("utf-8"))
        for change in entry.get("files") or ():
            found.setdefault(change["path"], []).append({
                "when": entry.get("when", ""), "who": entry.get("who", ""),
                "action": entry.get("action", ""), "before": change.get("before"),
                "after": change.get("after")})
    except (UnicodeDecodeError, ValueError, AttributeError, KeyError, TypeError):
        pass  # a damaged line: the log is appended to by several processes, a crash may cut one
