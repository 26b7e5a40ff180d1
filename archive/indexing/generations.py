"""Index generations: `index/gen-*/` folders, the CURRENT pointer, manifests, checks, cleanup.

CURRENT holds two lines: the serving generation, then the previous one (kept for rollback).
Both change in one atomic `os.replace`, so a crash leaves either the old pair or the new one.
A generation is never written once CURRENT names it.

Readers hold a shared flock on the folder of each generation they have open (`hold`), and
cleanup removes an old generation only when it can take that lock exclusively: a request still
running on a generation several swaps old keeps it on disk until it ends, and a later job
removes it. The lock dies with the reader's process, so a crashed web worker holds nothing.

A job announces the points it passes (`checkpoint`) to the observers in `checkpoint_observers`:
none in production; tests register one that stops a job at a chosen point to kill it there.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import IndexUnavailable

POINTER = "CURRENT"
MANIFEST = "manifest.json"
PREFIX = "gen-"
NAME_RE = re.compile(r"^gen-\d{8}T\d{6}\d{6}Z-\d+\Z")
FILE_TABLE = "index_files"  # manifest key: relpath -> [size, sha256, samples] of every file
SAMPLE_BLOCK = 4096
SAMPLE_BLOCKS = 8  # head, tail and evenly spaced blocks between: at most 32 KiB read per file

# Called with the name of each point a job passes, in order (see CHECKPOINTS); empty in
# production. The names are a contract with the tests that stop jobs there.
checkpoint_observers: list[Callable[[str], None]] = []
CHECKPOINTS = (
    "planned",  # the job knows what to do; no new folder yet
    "documents-added",  # the writer holds the documents, nothing committed (one process only)
    "segments-written",  # the new generation's segments and TOC are on disk
    "facets-written",
    "checked",  # counted and probed; no manifest yet (a folder without one is unfinished)
    "fsynced",  # complete and durable, not serving
    "swap",  # CURRENT is about to be replaced
    "swapped",  # CURRENT names the new generation
    "cleanup",  # an old generation is being removed (its manifest already gone)
)


@dataclass(frozen=True)
class Pointer:
    """What CURRENT says: the serving generation and the one before it."""

    current: str
    previous: str | None


def new_name() -> str:
    """A fresh generation name, sortable by time: gen-<UTC timestamp with µs>-<pid>."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{PREFIX}{stamp}-{os.getpid()}"


def read_pointer(index_dir: Path) -> Pointer | None:
    """The pointer's content, or None when there is no index yet; cheap enough per request."""
    try:
        text = (Path(index_dir) / POINTER).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexUnavailable(f"cannot read the index pointer: {exc.strerror}") from None
    except UnicodeDecodeError:
        text = ""  # binary garbage: reported as damaged below
    lines = [line.strip() for line in text.splitlines()]
    if not lines or not NAME_RE.match(lines[0]):
        raise IndexUnavailable("the index pointer file CURRENT is damaged; "
                               "run 'archive reindex --full'")
    previous = lines[1] if len(lines) > 1 and NAME_RE.match(lines[1]) else None
    return Pointer(lines[0], previous)


def fsync_path(path: Path) -> None:
    """fsync one file or folder (a folder's fsync makes its entries — renames — durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(folder: Path, durable: Collection[tuple[int, int]] = ()) -> None:
    """fsync every file below a folder, then the folders themselves, deepest first.

    Files whose (device, inode) is in `durable` (hard links to the files of a generation
    fsynced when it was built) are left out: their content is on disk already, and the new
    name is made durable by its folder's fsync. An incremental job links hundreds of them.
    """
    folders = []
    for root, _dirs, files in os.walk(folder):
        folders.append(Path(root))
        for name in files:
            path = Path(root) / name
            if durable:
                stat = path.stat()
                if (stat.st_dev, stat.st_ino) in durable:
                    continue
            fsync_path(path)
    for path in reversed(folders):
        fsync_path(path)


def checkpoint(name: str) -> None:
    """Tell the observers (none in production) that a job has reached point `name`."""
    for observer in checkpoint_observers:
        observer(name)


def swap(index_dir: Path, new: str, previous: str | None) -> None:
    """Make `new` the serving generation, atomically and durably, keeping `previous`."""
    index_dir = Path(index_dir)
    tmp = index_dir / f".{POINTER}.tmp-{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(new + "\n" + (previous or "") + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    checkpoint("swap")
    os.replace(tmp, index_dir / POINTER)
    fsync_path(index_dir)
    checkpoint("swapped")


def hold(gen_dir: Path) -> int:
    """Take a reader's shared lock on a generation folder; the descriptor to close releases it."""
    fd = os.open(gen_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        # Blocks only while a cleanup is removing this very folder; the reader then finds it
        # gone and looks at CURRENT again.
        fcntl.flock(fd, fcntl.LOCK_SH)
    except OSError:
        pass  # a file system without flock on folders: read unprotected rather than not at all
    except BaseException:
        os.close(fd)
        raise
    return fd


@dataclass
class Cleanup:
    """What a cleanup removed, and the old generations it kept because a reader still uses them."""

    removed: list[str]
    in_use: list[str]
    failed: list[str] = field(default_factory=list)  # could not be removed (read-only folder)


def generation_names(index_dir: Path) -> list[str]:
    """The generation folders in the index folder, newest first (names sort by build time)."""
    try:
        entries = list(os.scandir(index_dir))
    except OSError:
        return []
    return sorted((e.name for e in entries if NAME_RE.match(e.name) and e.is_dir()),
                  reverse=True)


def unaccounted(index_dir: Path) -> list[str]:
    """Generations CURRENT cannot account for, being missing or damaged; newest first.

    Only folders with a readable manifest count: one without is an unfinished build. With
    CURRENT intact there are none (every other generation is old, see `cleanup`).
    """
    try:
        if read_pointer(index_dir) is not None:
            return []
    except IndexUnavailable:
        pass
    return [name for name in generation_names(index_dir)
            if (Path(index_dir) / name / MANIFEST).is_file()]


def cleanup(index_dir: Path, keep: tuple[str, ...] = ()) -> Cleanup:
    """Remove generations other than the current, previous and `keep` ones, and stray temp files.

    Call it only while holding the job lock: no other job can be building a generation then.
    A generation some reader holds (see `hold`) is left for a later cleanup. Without a
    readable CURRENT, every generation that may have served is kept (see `unaccounted`).
    What cannot be removed is reported, never raised: a job's outcome does not depend on it.
    """
    index_dir = Path(index_dir)
    try:
        pointer = read_pointer(index_dir)
    except IndexUnavailable:
        pointer = None
    protected = set(keep)
    if pointer is not None:
        protected |= {pointer.current, pointer.previous or ""}
    else:
        protected |= set(unaccounted(index_dir))
    result = Cleanup([], [])
    try:
        entries = sorted(os.scandir(index_dir), key=lambda e: e.name)
    except OSError:
        entries = []  # no index folder yet, or one we cannot list: nothing to remove
    for entry in entries:
        name = entry.name
        if name.startswith(PREFIX) and name not in protected and entry.is_dir():
            outcome = _remove_unread(Path(entry.path))
        elif name.startswith(f".{POINTER}.tmp-"):
            try:
                os.unlink(entry.path)
                outcome = "removed"
            except FileNotFoundError:
                outcome = "removed"
            except OSError:
                outcome = "failed"
        else:
            continue
        getattr(result, outcome).append(name)
    return result


def _remove_unread(gen_dir: Path) -> str:
    """Remove a generation folder unless a reader holds it: "removed", "in_use" or "failed"."""
    try:
        fd = os.open(gen_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:  # gone already, or unreadable: no reader holds it through a lock
        return _remove(gen_dir)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return "in_use"
        except OSError:
            pass  # no flock on folders here (NFS wants a writable descriptor): remove as before
        return _remove(gen_dir)
    finally:
        os.close(fd)


def _remove(gen_dir: Path) -> str:
    """Remove a folder, its manifest first: a removal cut short never looks like a generation."""
    try:
        (gen_dir / MANIFEST).unlink(missing_ok=True)
    except OSError:
        return "failed" if gen_dir.exists() else "removed"
    checkpoint("cleanup")
    shutil.rmtree(gen_dir, ignore_errors=True)
    return "failed" if gen_dir.exists() else "removed"


def problem(gen_dir: Path, deep: bool = False) -> str | None:
    """What keeps a generation folder from serving (no manifest, damaged files), or None."""
    try:
        manifest = read_manifest(gen_dir)
    except IndexUnavailable:
        return "no readable manifest: an unfinished build"
    return damage(gen_dir, manifest, deep)


@dataclass(frozen=True)
class OnDisk:
    """A generation folder as `archive status` lists it."""

    name: str
    built_at: str | None
    articles: int | None
    problem: str | None  # None: intact by the cheap check (sizes and sampled blocks)

    @property
    def state(self) -> str:
        """In a few words: intact, damaged (and how), unfinished or not checked."""
        return self.problem or "intact"


def on_disk(index_dir: Path) -> list[OnDisk]:
    """Every generation folder, newest first, with its manifest's facts and the cheap check."""
    found = []
    for name in generation_names(index_dir):
        gen_dir = Path(index_dir) / name
        try:
            manifest = read_manifest(gen_dir)
        except IndexUnavailable:
            found.append(OnDisk(name, None, None, "unfinished or damaged: no readable manifest"))
            continue
        issue = damage(gen_dir, manifest)
        if issue:
            issue = f"damaged: {issue}"
        elif not manifest.get(FILE_TABLE):
            issue = "not checked: built before manifests listed their files"
        found.append(OnDisk(name, manifest.get("built_at"), manifest.get("articles"), issue))
    return found


def read_manifest(gen_dir: Path) -> dict:
    """The manifest of a generation: files and hashes, when and from where it was built."""
    try:
        return json.loads((Path(gen_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexUnavailable(
            f"index generation {Path(gen_dir).name} has no readable manifest "
            f"({type(exc).__name__}); run 'archive reindex --full'") from None


def write_manifest(gen_dir: Path, manifest: dict) -> None:
    """Write the manifest of a generation being built (fsynced with the rest of it later)."""
    (Path(gen_dir) / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=0, sort_keys=True), encoding="utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def sample_digest(path: Path) -> str:
    """A digest of a few blocks of a file (head, tail, evenly spaced): cheap, for `verify`.

    Catches a file zeroed, overwritten or swapped at the same size; damage between the
    sampled blocks is for the deep check (whole-file hashes) to find.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size <= SAMPLE_BLOCK * SAMPLE_BLOCKS:
            digest.update(handle.read())
        else:
            last = size - SAMPLE_BLOCK
            for k in range(SAMPLE_BLOCKS):
                digest.update(os.pread(handle.fileno(), SAMPLE_BLOCK,
                                       last * k // (SAMPLE_BLOCKS - 1)))
    return digest.hexdigest()[:32]


def file_table(gen_dir: Path, reuse: dict | None = None) -> dict[str, list]:
    """Size, SHA-256, sampled-blocks digest, inode and mtime of every file of a generation.

    The manifest is left out. `reuse` maps (device, inode) to a known [size, hash, samples, …]:
    files hard-linked from a verified base generation are not read again. The inode and mtime
    say when the hash was taken (see `damage`'s `trust_stat`).
    """
    gen_dir = Path(gen_dir)
    table = {}
    for path in sorted(p for p in gen_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(gen_dir).as_posix()
        if rel == MANIFEST or rel.endswith("LOCK"):  # Whoosh's lock files are not content
            continue
        stat = path.stat()
        known = (reuse or {}).get((stat.st_dev, stat.st_ino))
        if known and known[0] == stat.st_size:
            # A base built before samples were recorded: sample its file now (cheap).
            entry = known[:3] if len(known) > 2 else [*known, sample_digest(path)]
        else:
            entry = [stat.st_size, _sha256(path), sample_digest(path)]
        table[rel] = [*entry, stat.st_ino, stat.st_mtime_ns]
    return table


def known_files(gen_dir: Path, manifest: dict) -> dict[tuple[int, int], list]:
    """(device, inode) -> [size, hash, samples] of a generation's files, for `file_table`."""
    found = {}
    for rel, entry in (manifest.get(FILE_TABLE) or {}).items():
        try:
            stat = (Path(gen_dir) / rel).stat()
        except OSError:
            continue
        found[(stat.st_dev, stat.st_ino)] = entry
    return found


def damage(gen_dir: Path, manifest: dict, deep: bool = False,
           trust_stat: bool = False) -> str | None:
    """What is wrong with a generation's files, or None when they are as the manifest says.

    The cheap check costs a stat per file and a few sampled blocks (see `sample_digest`);
    the deep one reads and hashes every file. Generations built before manifests listed
    their files are not checked, those built before samples were recorded by size only.

    With `trust_stat`, the deep check hashes only the files whose inode or mtime differ from
    those recorded when they were hashed; the others get the cheap check. Every write through
    the file system moves a file's mtime, so what this misses is a write whose mtime was put
    back on purpose or damage below the file system: the web workers' health checks (which
    hash every byte in turn, see `scrub.py`) and `archive rollback --to` still find those.
    """
    gen_dir = Path(gen_dir)
    table = manifest.get(FILE_TABLE)
    if not table:
        return None
    if not (gen_dir / MANIFEST).is_file():
        return f"{MANIFEST} is missing"
    for rel, (size, digest, *rest) in table.items():
        path = gen_dir / rel
        samples = rest[:1]
        try:
            stat = path.stat()
            actual = stat.st_size
            if actual != size:
                return f"{rel} has {actual} bytes instead of {size}"
            hashed_as_is = trust_stat and rest[1:3] == [stat.st_ino, stat.st_mtime_ns]
            if deep and not hashed_as_is and _sha256(path) != digest:
                return f"{rel} does not hold what was written"
            if (not deep or hashed_as_is) and samples and sample_digest(path) != samples[0]:
                return f"{rel} does not hold what was written (sampled blocks differ)"
        except OSError as exc:
            return f"{rel}: {exc.strerror}"
    return None


def verify(gen_dir: Path, manifest: dict, deep: bool = False, trust_stat: bool = False) -> None:
    """Raise IndexUnavailable when a file of the generation is missing, resized or altered.

    See `damage` for what the cheap check, the deep one (`deep=True`) and `trust_stat` look at.
    """
    problem = damage(gen_dir, manifest, deep, trust_stat)
    if problem:
        raise damaged(gen_dir, problem)


def damaged(gen_dir: Path, problem: str) -> IndexUnavailable:
    """The error that says a generation cannot serve, and why (`problem`, from `damage`)."""
    return IndexUnavailable(f"index generation {Path(gen_dir).name} is damaged ({problem}); "
                            "run 'archive reindex --full'")
