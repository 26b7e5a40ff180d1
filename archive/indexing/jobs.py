"""Reindex jobs and index status: plan from file hashes, build, check, swap, clean up."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import shutil
import time
from collections import ChainMap
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index

from .. import articlefile
from ..config import Config
from ..errors import ArchiveError, IndexUnavailable, InvalidArticle, NotFound, UsageError
from ..organisations import authority_at, authority_problem
from ..orgdefinitions import organisation_values
from ..publishers import publishers_at, publishers_problem
from ..textnorm import decode
from . import (
    analysis,
    collector,
    filelist,
    generations,
    idlecpu,
    indexer,
    parallel,
    schema,
    serving,
)
from .filescan import FileStats, scan
from .joblock import job_lock
from .readahead import ReadAhead
from .settledids import SettledIds

FILES = filelist.COLUMN_FILE  # relpath -> [hash, size, mtime_ns, id]; apart from the manifest
RACY_SECONDS = 5  # files changed this close to the last build are always hashed
MIN_FILES_FOR_PROCS = 5000  # below this, starting sub-processes costs more than it saves
IDLE_FOR_PROCS = 0.8  # cores idle (sampled) for the walk of data/ to take a second process


def protected_tokens(config: Config) -> frozenset[str]:
    """Tokens the French analyzer must keep whole, from the organisations authority file."""
    authority = authority_at(config.authority_file, last_good=True)
    return frozenset() if authority is None else frozenset(authority.protected_tokens())


def data_file_problems(config: Config) -> list[tuple[str, str]]:
    """(file, what is wrong) of the organisations and publishers files whose last good
    version a job used instead (an archivist's slip in them stops no job)."""
    found = []
    for path, load, problem in ((config.authority_file, authority_at, authority_problem),
                                (config.publishers_file, publishers_at, publishers_problem)):
        load(path, last_good=True)
        why = problem(path)
        if why is not None:
            found.append((str(path), why.removeprefix(f"{path}: ")))
    return found


def _tokens_digest(tokens: frozenset[str]) -> str:
    return hashlib.sha256("\n".join(sorted(tokens)).encode("utf-8")).hexdigest()[:16]


def read_files(gen_dir: Path) -> filelist.FileList:
    """The per-file part of a generation's manifest: relpath -> [hash, size, mtime_ns, id]."""
    return filelist.read(gen_dir)


# Why a path that is not UTF-8 text is left out (its bytes shown escaped where it is named)
UNNAMED = ("its name is not UTF-8 text (copied from a system with another encoding?): "
           "rename it, then run 'archive reindex'")


def _left_out(stats: FileStats) -> list[tuple[str, str]]:
    """The files below data/ no job reads, each with why: a name that is not UTF-8 text (set
    aside from `stats`), or one almost an article file's (`x.MD`, `x.md.txt`)."""
    left = [(rel, UNNAMED) for rel in stats.set_aside_unnamed()]
    for rel in stats.misnamed:
        name = rel.rpartition("/")[2]
        right = articlefile.misnamed(name) or name
        left.append((rel, f"{articlefile.misnamed_reason(name, right)}, then run "
                          "'archive reindex'"))
    return left


def shown_name(rel: str) -> str:
    """A path on a report line, its undecodable bytes escaped (\\xe9)."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")

@dataclass
class Plan:
    """What a reindex would do, from comparing data/ with the serving generation."""

    mode: str  # "full" or "incremental"
    reason: str
    base: str | None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    still_rejected: list[tuple[str, str]] = field(default_factory=list)
    still_kept: list[tuple[str, str]] = field(default_factory=list)  # invalid, last good serves
    left_out: list[tuple[str, str]] = field(default_factory=list)  # `_left_out`
    hashes: dict[str, str | None] = field(default_factory=dict)
    old_files: filelist.FileList = field(default_factory=filelist.FileList)
    stats: FileStats = field(default_factory=FileStats)
    steps: dict[str, tuple[float, float]] = field(default_factory=dict)  # wall, CPU seconds

    @property
    def empty(self) -> bool:
        """True when the serving generation already matches data/."""
        return self.mode == "incremental" and not (self.added or self.changed or self.deleted)


def _hash_file(path: Path) -> str | None:
    """A file's content hash; None when it cannot be read (reading it again rejects it with
    the reason, and a file rejected so stays rejected until it can be read)."""
    try:
        with open(path, "rb") as handle:
            return schema.file_hash(handle.read())
    except OSError:
        return None


def hash_files(folder: Path, rels: list[str], threads: int = 4) -> dict[str, str | None]:
    """Content hashes of many files; threads overlap the reads (hashlib releases the GIL)."""
    def chunk(part: list[str]) -> list[str]:
        return [_hash_file(folder / rel) for rel in part]

    size = max(1, -(-len(rels) // threads))
    parts = [rels[i:i + size] for i in range(0, len(rels), size)]
    with ThreadPoolExecutor(threads) as pool:
        digests = [d for part in pool.map(chunk, parts) for d in part]
    return dict(zip(rels, digests, strict=True))


def _serving_damage(index_dir: Path) -> tuple[str, IndexUnavailable | None] | None:
    """The serving generation's name and what its deep check raised (None: intact); None
    when no generation serves."""
    pointer = None
    try:
        pointer = generations.read_pointer(index_dir)
        if pointer is None:
            return None
        gen_dir = index_dir / pointer.current
        generations.verify(gen_dir, generations.read_manifest(gen_dir), deep=True,
                           trust_stat=True)
    except IndexUnavailable as exc:
        return (pointer.current, exc) if pointer else None
    return pointer.current, None


def _scan_procs(index_dir: Path) -> int:
    """Processes to walk data/ with: two on a large archive (as many files as the serving
    generation has articles, about), where a stat per file costs seconds, when a core is
    idle now (sampled: see `idlecpu`); one otherwise. On a busy machine (load average 12 on
    2 cores) a helper made the walk of 1M files slower, 26-30 s instead of 21-23 s, and cost
    a fifth more CPU."""
    if (os.cpu_count() or 1) < 2:
        return 1
    try:
        pointer = generations.read_pointer(index_dir)
        articles = generations.read_manifest(index_dir / pointer.current).get("articles") \
            if pointer else 0
    except IndexUnavailable:
        articles = 0
    if not isinstance(articles, int) or articles < MIN_FILES_FOR_PROCS:
        return 1
    return 2 if idlecpu.idle_cores() >= IDLE_FOR_PROCS else 1


@dataclass
class _Base:
    """The generation a job starts from, as read while data/ is walked: its name, manifest
    and file list, or the reason a full build is due."""

    name: str | None = None
    reason: str = ""
    manifest: dict = field(default_factory=dict)
    files: filelist.FileList = field(default_factory=filelist.FileList)
    spent: tuple[float, float] = (0.0, 0.0)  # wall, CPU seconds of this process


def _read_base(index_dir: Path, full: bool) -> _Base:
    """The serving generation's manifest and file list (not yet its deep check)."""
    wall, cpu = time.monotonic(), time.process_time()
    try:
        pointer = generations.read_pointer(index_dir)
    except IndexUnavailable:
        pointer, damaged = None, True  # rebuilt in full, the garbage replaced at the swap
    else:
        damaged = False
    base = _Base(pointer.current if pointer else None)
    if full:
        base.reason = "--full asked"
    elif damaged:
        base.reason = "index pointer CURRENT damaged"
    elif base.name is None:
        lost = generations.unaccounted(index_dir)
        base.reason = "index pointer CURRENT missing" if lost else "no index yet"
    else:
        try:
            base.manifest = generations.read_manifest(index_dir / base.name)
            base.files = read_files(index_dir / base.name)
        except IndexUnavailable as exc:
            base.reason = f"serving generation unusable ({exc.message})"
    base.spent = (time.monotonic() - wall, time.process_time() - cpu)
    return base


def make_plan(config: Config, full: bool = False) -> Plan:
    """Decide between a full and an incremental reindex and list the files it touches."""
    steps, clock, read = {}, _Clock(), []
    with ThreadPoolExecutor(1) as pool:
        # The serving generation is hashed while data/ is listed (hashlib releases the GIL),
        # and its file list read by this process while forked helpers walk data/: at a
        # million files each took a core for seconds, one after the other.
        checked = None if full else pool.submit(_serving_damage, config.index_dir)
        stats = scan(config.articles_dir, _scan_procs(config.index_dir),
                     meanwhile=lambda: read.append(_read_base(config.index_dir, full)))
        damage = checked.result() if checked else None
    left_out = _left_out(stats)
    start = read[0]
    steps["scan"], steps["scan:list"] = clock.lap(), start.spent
    base, reason, manifest, old = start.name, start.reason, start.manifest, start.files
    if not reason:
        try:  # segments are reused by an incremental build: damaged ones would live on
            if damage is None or damage[0] != base:
                generations.verify(config.index_dir / base, manifest, deep=True,
                                   trust_stat=True)
            elif damage[1]:
                raise damage[1]
        except IndexUnavailable as exc:
            reason = f"serving generation unusable ({exc.message})"
        else:
            if outdated := schema.schema_problem(manifest):
                reason = outdated
            elif manifest.get("folded_facets") != schema.folded_facet_names():
                # a generation serves as it was grouped, but its arrays are built whole once
                reason = ("facets now group spellings differently (folded: "
                          f"{', '.join(schema.folded_facet_names())})")
            elif manifest.get("protected_digest") != _tokens_digest(protected_tokens(config)):
                reason = "organisations authority file changed"
            elif manifest.get("articles_dir") != str(config.articles_dir):
                reason = f"data folder changed (was {manifest.get('articles_dir')})"
    steps["list"] = clock.lap()
    if reason:
        return Plan("full", reason, base, added=sorted(stats), stats=stats, steps=steps,
                    left_out=left_out)
    plan = Plan("incremental", "index exists", base, stats=stats, old_files=old, steps=steps,
                left_out=left_out)
    rejected = manifest.get("rejected") or {}
    kept = manifest.get("kept") or {}
    # Like git, trust a file whose size and mtime are those recorded: only the others are read
    # and hashed (at 100k articles this turns a 10 s scan into a stat pass). A file modified
    # within seconds of the last build may share its recorded mtime (coarse clock): hash it.
    built = dt.datetime.fromisoformat(manifest.get("built_at") or "1970-01-01T00:00:00+00:00")
    racy_after = int((built.timestamp() - RACY_SECONDS) * 1e9)
    # Only those hashed are looked at one by one: at a million files, building a record per
    # unchanged file cost more than the stats; the comparison runs over columns.
    stale, plan.deleted = old.compare(stats, racy_after)
    suspects = sorted(stale)
    steps["compare"] = clock.lap()
    plan.hashes = hash_files(config.articles_dir, suspects)
    steps["hash"] = clock.lap()
    plan.unchanged = len(stats) - len(suspects)
    for rel, digest in plan.hashes.items():
        if rel not in old:
            if rel in rejected and rejected[rel][0] == digest:
                plan.still_rejected.append((rel, rejected[rel][1]))
            else:
                plan.added.append(rel)
        elif old[rel][0] == digest and rel not in kept:
            plan.unchanged += 1
        elif old[rel][0] == digest:  # a kept file back to what serves: built to say it is fine
            plan.changed.append(rel)
        elif rel in kept and kept[rel][0] == digest:
            plan.still_kept.append((rel, kept[rel][1]))
        else:
            plan.changed.append(rel)
    if plan.added or plan.changed or plan.deleted:
        # Something moved: a file rejected for a duplicate id may be valid now, look again.
        plan.added = sorted(plan.added + [rel for rel, _ in plan.still_rejected])
        plan.changed = sorted(plan.changed + [rel for rel, _ in plan.still_kept])
        plan.still_rejected, plan.still_kept = [], []
    return plan


def _cpu() -> float:
    """CPU seconds of this process (every thread) and of its children that have ended."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class _Clock:
    """Wall and CPU seconds since the last lap."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.monotonic(), _cpu()

    def lap(self) -> tuple[float, float]:
        """(wall, CPU) seconds since the last lap (or the start)."""
        wall, cpu = time.monotonic(), _cpu()
        spent = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return spent


@dataclass
class Report:
    """What a reindex did (or would do, for --dry-run)."""

    mode: str
    reason: str
    generation: str | None = None
    dry_run: bool = False
    added: int = 0
    updated: int = 0
    deleted: int = 0
    articles: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)  # `_left_out`: not indexed
    # Files indexed before that have become invalid: their last good version still serves.
    kept: list[tuple[str, str]] = field(default_factory=list)
    # The organisations or publishers file, broken as it stands: its last good version was used
    set_aside: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    in_use: list[str] = field(default_factory=list)  # old generations a reader still holds
    unremoved: list[str] = field(default_factory=list)  # leftovers cleanup could not remove
    found: list[str] = field(default_factory=list)  # generations kept, CURRENT being lost
    previous: str | None = None  # the generation `archive rollback` returns to
    duration: float = 0.0
    processed: int = 0
    listing: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds of each phase (all threads)
    behind: list[str] = field(default_factory=list)  # what only a full reindex would change

    def render(self) -> str:
        """A summary for people and logs."""
        rate = self.processed / self.duration if self.duration > 0 else 0.0
        lines = [f"{'dry run: ' if self.dry_run else ''}{self.mode} reindex ({self.reason})"]
        lines += self.listing
        kept = f", kept at their last good version {len(self.kept)}" if self.kept else ""
        refused = len(self.rejected) + len(self.left_out)
        if self.dry_run:
            lines.append(f"would add {self.added}, update {self.updated}, delete {self.deleted}; "
                         f"rejected {refused}{kept}")
        else:
            lines.append(f"added {self.added}, updated {self.updated}, deleted {self.deleted}, "
                         f"rejected {refused}{kept}")
        for name, reason in self.rejected:
            lines.append(f"  rejected {name}: {reason}")
        lines += [f"  rejected {shown_name(name)}: {why}" for name, why in self.left_out]
        for name, reason in self.kept:
            lines.append(f"  kept the last good version of {name}, now invalid: {reason}")
        for name, reason in self.set_aside:
            lines.append(f"  used the last good version of {name}, now invalid: {reason}; "
                         "correct it, then run 'archive reindex' again")
        if self.generation:
            lines.append(f"generation {self.generation} serves {self.articles} articles")
        elif not self.dry_run:
            lines.append(f"index already up to date ({self.articles} articles)")
        lines.append(f"{self.duration:.1f}s, {rate:.0f} articles/s")
        if self.phases:
            lines.append("phases: " + ", ".join(
                f"{k} {v:.1f}s" + (f" ({self.cpu[k]:.1f}s CPU)" if k in self.cpu else "")
                for k, v in self.phases.items()))
        if self.removed:
            lines.append(f"removed old generations and leftovers: {', '.join(self.removed)}")
        if self.in_use:
            lines.append(f"kept old generations still read by a request, for a later job to "
                         f"remove: {', '.join(self.in_use)}")
        if self.unremoved:
            lines.append(f"could not remove (the index folder refuses it): "
                         f"{', '.join(self.unremoved)}")
        if self.found:
            lines += _render_found(self.found, self.previous)
        lines += render_behind(self.behind)
        return "\n".join(lines)


def render_behind(behind: list[str]) -> list[str]:
    """How an index built by an earlier version reads words, and the one command that updates
    it; nothing for an index built as today's are."""
    if not behind:
        return []
    return ["the index reads words as an earlier version built it, which "
            "'archive reindex --full' updates:", *(f"  {line}" for line in behind)]


def _behind(gen_dir: Path) -> list[str]:
    """What the generation's pickled analyzer reads differently from today's."""
    try:
        ix = whoosh_index.open_dir(str(gen_dir), indexname=schema.INDEX_NAME)
        return analysis.behind(ix.schema["body"].analyzer)
    except Exception:  # an advice line: never the reason a finished job or a status fails
        return []


def _render_found(kept: list[str], previous: str | None) -> list[str]:
    """What a job did with generations CURRENT could not account for, and how to get one back."""
    lines = [f"CURRENT was missing or damaged: kept the generations found on disk: "
             f"{', '.join(kept)}"]
    if previous in kept:
        lines.append(f"  {previous}, the newest intact one, is now the previous generation: "
                     f"'archive rollback' serves it again")
    lines.append("  'archive rollback --to GEN' serves any of them ('archive status' lists "
                 "them); the next reindex removes all but the previous one")
    return lines


def _read_article(config: Config, rel: str, ahead: ReadAhead | None = None):
    """Read, hash and parse one file (from `ahead` if given); raise ArchiveError (with a
    relative name) when it is bad."""
    path = config.articles_dir / rel
    try:
        raw = ahead.read(str(path)) if ahead is not None else path.read_bytes()
    except OSError as exc:
        raise InvalidArticle("file_unreadable", reason=exc.strerror) from None
    if len(raw) > config.limits.import_max_bytes:
        raise InvalidArticle("file_too_big", size=len(raw), limit=config.limits.import_max_bytes)
    return schema.file_hash(raw), articlefile.parse(decode(raw, rel), rel)


class _ArticleReader:
    """`read(rel)` for `indexer.index_files`: a file's hash and Article, its organisations
    also under the authority file's names; `ahead(rels)` reads those files ahead meanwhile."""

    def __init__(self, config: Config, authority) -> None:
        self.config, self.authority = config, authority
        self._ahead: ReadAhead | None = None
        self._names: dict[str, str] = {}  # organisation names looked up in the authority file

    def __call__(self, rel: str):
        digest, article = _read_article(self.config, rel, self._ahead)
        # An article's own organisations are found in the organisation facet too, under the
        # authority file's name once `archive orgs add` has put them there; a name typed by
        # its acronym or an alias, under the entry's name.
        values = organisation_values(article.organisations, article.new_organisations,
                                     self.authority, self._names)
        if values == article.organisations and not article.new_organisations:
            return digest, article
        return digest, article.replace(organisations=values, new_organisations=())

    @contextmanager
    def ahead(self, rels: list[str]) -> Iterator[None]:
        """Have the kernel read `rels` ahead while they are asked for in order."""
        folder = self.config.articles_dir
        self._ahead = ReadAhead(str(folder / rel) for rel in rels)
        try:
            yield
        finally:
            self._ahead.close()
            self._ahead = None


def _reason(exc: ArchiveError, rel: str) -> str:
    message = exc.message
    return message[len(rel) + 2:] if message.startswith(f"{rel}: ") else message


def reindex(config: Config, full: bool = False, dry_run: bool = False,
            progress: Callable | None = None, procs: int | None = None,
            limitmb: int = 128, on_locked: Callable[[], None] | None = None) -> Report:
    """Run one reindex job: under the job lock, build, check and swap in a new generation.

    `limitmb` bounds each writer's in-memory postings before they spill to sorted runs on disk.
    `on_locked` is called once the job holds the lock (a caller running the job in the
    background learns then that it was not refused).
    """
    started = time.monotonic()
    if dry_run:
        plan = make_plan(config, full)
        report = _dry_run(config, plan, progress)
    else:
        job = "reindex" + (" --full" if full else "")
        # `held` keeps what the job sets up on the way (its plan frozen) until the job ends
        with _job_lock(config.index_dir, job), ExitStack() as held:
            if on_locked is not None:
                on_locked()
            report = _run(config, full, progress, procs, limitmb, job, held)
    report.duration = time.monotonic() - started
    return report


@contextmanager
def _job_lock(index_dir: Path, job: str) -> Iterator[None]:
    """The job lock; a lock file the index folder refuses (read-only, full) ends the job cleanly."""
    with ExitStack() as stack:
        try:
            stack.enter_context(job_lock(index_dir, job))
        except OSError as exc:
            raise _write_error(exc, f"taking the job lock in {index_dir}",
                               _serving_note(index_dir), job) from None
        yield


def _dry_run(config: Config, plan: Plan, progress: Callable | None) -> Report:
    report = Report(plan.mode, plan.reason, dry_run=True, rejected=list(plan.still_rejected),
                    left_out=plan.left_out, set_aside=data_file_problems(config))
    todo = plan.added + plan.changed
    old = plan.old_files
    gone = set(plan.changed) | set(plan.deleted)
    base_files = _base_files(config, plan)
    ids = {entry[3]: rel for rel, entry in old.items() if rel not in gone} \
        or ChainMap({}, _settled_ids(plan, base_files))
    bar = progress("checking", len(todo)) if progress else None
    for rel in todo:
        try:
            _digest, article = _read_article(config, rel)
            if ids.get(article.id, rel) != rel:
                raise InvalidArticle("id_taken", id=article.id, other=ids[article.id])
            ids[article.id] = rel
        except ArchiveError as exc:
            report.rejected.append((rel, _reason(exc, rel)))
        if bar:
            bar.advance()
    if bar:
        bar.close()
    for entry in _keepable(report, base_files, set(ids)):  # as a job would
        report.rejected.remove(entry)
        report.kept.append(entry)
    bad = {rel for rel, _ in report.rejected + report.kept}
    report.added = sum(rel not in bad for rel in plan.added)
    report.updated = sum(rel not in bad for rel in plan.changed)
    report.deleted = len(plan.deleted)
    report.processed = len(todo)
    for label, names in (("add", plan.added), ("update", plan.changed), ("delete", plan.deleted)):
        names = [rel for rel in names if rel not in bad]  # rejected files are listed apart
        shown = names[:20]
        report.listing += [f"  {label} {rel}" for rel in shown]
        if len(names) > len(shown):
            report.listing.append(f"  ... and {len(names) - len(shown)} more to {label}")
    return report


def _run(config: Config, full: bool, progress: Callable | None, procs: int | None,
         limitmb: int, job: str, held: ExitStack) -> Report:
    index_dir = config.index_dir
    clock, cpu = time.monotonic(), _cpu()
    # With CURRENT missing or damaged, the generations on disk may be the only good copies
    # left: this job keeps them all and makes the newest intact one "previous".
    lost = generations.unaccounted(index_dir)
    cleaned = generations.cleanup(index_dir)  # leftovers of crashed runs (`lost` stays)
    plan = make_plan(config, full)
    # The plan holds lists with a row per file: each full pass of the garbage collector walked
    # them all (0.17 s at a million files, three passes in an incremental job), though they
    # hold no cycle. Frozen, the collector leaves them, and what the job had before, alone
    # (given back at the job's end: the workspace runs jobs in the web server's process).
    held.enter_context(collector.frozen())
    planned, planned_cpu = time.monotonic() - clock, _cpu() - cpu
    generations.checkpoint("planned")
    previous = plan.base or _newest_intact(index_dir, lost)
    if not plan.stats and previous:
        try:
            serving = generations.read_manifest(index_dir / previous).get("articles", 0)
        except IndexUnavailable:
            serving = 0
        if serving:
            raise ArchiveError(f"no article files in {config.articles_dir}: refusing to replace "
                               f"an index of {serving} articles with an empty one")
    report = Report(plan.mode, plan.reason, removed=cleaned.removed, in_use=cleaned.in_use,
                    unremoved=cleaned.failed, rejected=plan.still_rejected,
                    kept=plan.still_kept, found=lost, previous=previous,
                    left_out=plan.left_out, set_aside=data_file_problems(config))
    if plan.empty:
        report.articles = plan.unchanged + len(plan.still_kept)
        return report
    protected = protected_tokens(config)
    name = generations.new_name()
    gen_dir = index_dir / name
    report.phases["plan"], report.cpu["plan"] = planned, planned_cpu
    for label, (wall, used) in plan.steps.items():
        report.phases[f"plan:{label}"], report.cpu[f"plan:{label}"] = wall, used
    clock, cpu = time.monotonic(), _cpu()

    def phase(label: str) -> None:
        nonlocal clock, cpu
        now, used = time.monotonic(), _cpu()
        report.phases[label], report.cpu[label] = now - clock, used - cpu
        clock, cpu = now, used

    try:
        files, probes = _build(config, plan, gen_dir, protected, report, progress, procs,
                               limitmb)
        phase("index")
        generations.checkpoint("segments-written")
        base_dir = index_dir / plan.base if plan.mode == "incremental" else None
        publishers = publishers_at(config.publishers_file, last_good=True)
        indexer.build_facets(whoosh_index.open_dir(str(gen_dir), indexname=schema.INDEX_NAME),
                             gen_dir, base_dir, publishers)
        phase("facets")
        generations.checkpoint("facets-written")
        if plan.mode == "full":  # in the scan's order: see FileList.compare
            ordered = {rel: files[rel] for rel in plan.stats.rels if rel in files}
            ordered.update(files)  # none left out, should a file not be in the scan
            files = filelist.of(ordered)
        filelist.write(gen_dir, files)
        indexer.check(gen_dir, len(files), probes, absent=plan.deleted[:5])
        phase("check")
        generations.checkpoint("checked")
        # Written once, checked and complete: a folder with a manifest is a finished build.
        manifest = {
            "schema_version": schema.SCHEMA_VERSION,
            "schema_classes": list(schema.schema_classes()),
            "facets": schema.facet_names(),
            "folded_facets": schema.folded_facet_names(),
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "articles_dir": str(config.articles_dir),
            "articles": len(files),
            "mode": plan.mode,
            "based_on": plan.base if plan.mode == "incremental" else None,
            "protected_digest": _tokens_digest(protected),
            "rejected": {rel: [plan.hashes.get(rel) or _hash_file(config.articles_dir / rel),
                               reason] for rel, reason in report.rejected},
            "kept": {rel: [plan.hashes.get(rel) or _hash_file(config.articles_dir / rel),
                           reason] for rel, reason in report.kept},
        }
        reuse = generations.known_files(base_dir, generations.read_manifest(base_dir)) \
            if base_dir else None
        manifest[generations.FILE_TABLE] = generations.file_table(gen_dir, reuse)
        generations.write_manifest(gen_dir, manifest)
        generations.fsync_tree(gen_dir, reuse or ())
        generations.fsync_path(index_dir)
        phase("fsync")
        generations.checkpoint("fsynced")
        generations.swap(index_dir, name, previous)
    except BaseException as exc:
        if not _serves(index_dir, name):  # a failure after the swap keeps what now serves
            shutil.rmtree(gen_dir, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _write_error(exc, f"writing generation {name} in {index_dir}",
                               f"it was removed and {_serving_note(index_dir)}", job) from None
        raise
    report.generation = name
    report.articles = len(files)
    if plan.mode == "incremental":
        report.behind = _behind(gen_dir)
    cleaned = generations.cleanup(index_dir, keep=tuple(lost))
    report.removed += cleaned.removed
    report.in_use = cleaned.in_use
    report.unremoved = cleaned.failed
    phase("swap+cleanup")
    return report


def _newest_intact(index_dir: Path, names: list[str]) -> str | None:
    """The first of `names` (newest first) whose files pass the cheap check."""
    for name in names:
        if generations.problem(index_dir / name) is None:
            return name
    return None


def _serves(index_dir: Path, name: str) -> bool:
    try:
        pointer = generations.read_pointer(index_dir)
    except IndexUnavailable:
        return False
    return pointer is not None and pointer.current == name


def _write_error(exc: OSError, doing: str, kept: str, job: str) -> ArchiveError:
    """One line for a write the index folder refused: what, while doing what, what still
    serves (the caller has undone its partial work), what to do."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        what, fix = "no space left on device", "free some space"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        what = "read-only file system" if exc.errno == errno.EROFS else "permission denied"
        fix = "make the index folder writable"
    else:
        what, fix = (exc.strerror or type(exc).__name__).lower(), "fix the cause"
    return ArchiveError(f"{what} while {doing}; {kept}: {fix} and run 'archive {job}' again")


def _serving_note(index_dir: Path) -> str:
    """What serves, for a message saying that a failed job changed nothing."""
    try:
        pointer = generations.read_pointer(index_dir)
    except IndexUnavailable:
        return "CURRENT is unchanged"
    if pointer is None:
        return "no generation serves yet"
    return f"generation {pointer.current} still serves, unchanged"


def _build(config: Config, plan: Plan, gen_dir: Path, protected: frozenset[str],
           report: Report, progress: Callable | None,
           procs: int | None, limitmb: int) -> tuple[dict[str, list], list[tuple[str, str]]]:
    """Write the documents of a new generation; return its file list and probe articles."""
    todo = plan.added + plan.changed
    bar = progress("reindex", len(todo)) if progress else None

    read = _ArticleReader(config, authority_at(config.authority_file, last_good=True))

    settled = _settled_ids(plan, _base_files(config, plan))
    if plan.mode == "full":
        if procs is None:
            big = len(plan.added) >= MIN_FILES_FOR_PROCS
            procs = min(2, os.cpu_count() or 1) if big else 1
        ix = indexer.create(gen_dir, schema.build_schema(protected))
        if procs > 1:
            batch = parallel.build(ix, gen_dir, plan.added, read, plan.stats, procs, bar,
                                   limitmb, settled)
            files = batch.files
        else:
            files = {}
    else:
        files = plan.old_files.copy()
        ix = indexer.clone(config.index_dir / plan.base, gen_dir)
    if plan.mode == "incremental" or procs == 1:
        w = indexer.writer(ix, limitmb)
        try:
            for rel in plan.deleted + plan.changed:
                w.delete_by_term("path", rel)
                files.pop(rel)
            ids = ChainMap({}, filelist.of(files).ids() or settled)
            with read.ahead(todo):
                batch = indexer.index_files(w, todo, read, plan.stats, ids,
                                            bar.advance if bar else None)
            generations.checkpoint("documents-added")
            w.commit()
        except BaseException:
            w.cancel()
            raise
        files.update(batch.files)
    if bar:
        bar.close()
    changed = set(plan.changed)
    report.deleted = len(plan.deleted)
    report.updated = sum(rel in changed for rel in batch.order)
    report.added = len(batch.order) - report.updated
    report.rejected += batch.rejected
    report.processed = len(todo)
    _keep_last_good(config, plan, ix, files, report, limitmb)
    probes = batch.probes
    if not probes and files:
        probes = [(next(iter(files.values()))[3], "")]
    return files, probes


def _base_files(config: Config, plan: Plan) -> filelist.FileList:
    """The file list of the generation a job starts from ({} when there is none or it is bad)."""
    if plan.old_files or not plan.base:
        return plan.old_files
    try:
        return read_files(config.index_dir / plan.base)
    except IndexUnavailable:
        return filelist.FileList()


def _settled_ids(plan: Plan, base_files: Mapping[str, list]) -> Mapping[str, str]:
    """Ids held in the base generation by files unchanged since (by size and mtime).

    A full build reads files in path order: without this, a file whose id an archivist
    mistyped as another article's would take that id, and the article that held it would
    be the one rejected.
    """
    if plan.mode != "full":
        return {}
    return SettledIds(*filelist.of(base_files).unchanged(plan.stats))


def _keepable(report: Report, base_files: dict[str, list], ids: set[str]) -> list[tuple]:
    """Rejected files the base generation held under an id no other file has taken since."""
    return [(rel, reason) for rel, reason in report.rejected
            if rel in base_files and base_files[rel][3] not in ids]


def _keep_last_good(config: Config, plan: Plan, ix, files: dict[str, list], report: Report,
                    limitmb: int) -> None:
    """Serve again the last good version of indexed files that have become invalid.

    An archivist's slip (a typo in a date, a broken line of YAML) must not unpublish an
    article: its document is copied from the generation the job started from, under the
    file's old hash, so the next job reads the file again and indexes it once it is fixed.
    """
    if not report.rejected:
        return
    base_files = _base_files(config, plan)
    keep = _keepable(report, base_files, set(filelist.of(files).ids()))
    if not keep:
        return
    try:
        documents = indexer.stored_documents(config.index_dir / plan.base,
                                             {rel: base_files[rel][0] for rel, _ in keep})
    except IndexUnavailable:
        return  # the base generation cannot be read: the files stay rejected, as reported
    w = indexer.writer(ix, limitmb)
    try:
        for rel, reason in keep:
            if rel in documents:
                w.add_document(**documents[rel])
                files[rel] = base_files[rel]
                report.rejected.remove((rel, reason))
                report.kept.append((rel, reason))
        w.commit()
    except BaseException:
        w.cancel()
        raise


@dataclass
class Status:
    """The serving generation and how far data/ has moved since it was built."""

    generation: str
    previous: str | None
    manifest: dict
    added: list[str]
    changed: list[str]
    deleted: list[str]
    older: list[str] = field(default_factory=list)  # kept by cleanup: a request was reading
    behind: list[str] = field(default_factory=list)  # what only a full reindex would change
    left_out: list[tuple[str, str]] = field(default_factory=list)  # `_left_out`
    set_aside: list[tuple[str, str]] = field(default_factory=list)  # data_file_problems

    def render(self) -> str:
        """A summary for people."""
        m = self.manifest
        problems = [f"{name}: invalid ({reason}); the site and the jobs use its last good "
                    "version until it is corrected" for name, reason in self.set_aside]
        lines = [
            f"serving generation: {self.generation}",
            f"articles: {m.get('articles')}",
            f"built: {m.get('built_at')} ({m.get('mode')}) from {m.get('articles_dir')}",
            f"previous generation (for rollback): {self.previous or 'none'}",
        ]
        if self.older:
            lines.append(f"older generations still on disk (the next reindex removes those no "
                         f"request reads): {', '.join(self.older)}")
        for key, what in (("rejected", "rejected (not served)"),
                          ("kept", "invalid, their last good version served")):
            if m.get(key):
                lines.append(f"{what}: {len(m[key])} file(s); fix them and run 'archive reindex'")
                lines += [f"  {rel}: {reason}" for rel, (_digest, reason) in sorted(m[key].items())]
        lines += [f"left out: {shown_name(name)}: {why}" for name, why in self.left_out]
        if self.added or self.changed or self.deleted:
            lines.append(f"changed since: {len(self.added)} added, {len(self.changed)} changed, "
                         f"{len(self.deleted)} deleted; run 'archive reindex'")
        elif m.get("folded_facets") == schema.folded_facet_names():
            lines.append("data/ unchanged since (index up to date)")
        if m.get("folded_facets") != schema.folded_facet_names():
            lines.append("the next 'archive reindex' rebuilds the index whole, once: facets now "
                         f"group spellings differently (folded: "
                         f"{', '.join(schema.folded_facet_names())})")
        return "\n".join(lines + problems + render_behind(self.behind))


def status(config: Config) -> Status:
    """Describe the serving generation; compare data/ with it by size and mtime, then hash.

    When nothing can serve, the IndexUnavailable raised says why, and its details list the
    generations on disk and how to serve one again or rebuild.
    """
    try:
        return _status(config)
    except IndexUnavailable as exc:
        raise IndexUnavailable(exc.message, details=recovery(config.index_dir)) from None


def _status(config: Config) -> Status:
    try:
        pointer = generations.read_pointer(config.index_dir)
    except IndexUnavailable:
        if not generations.generation_names(config.index_dir):
            raise
        raise IndexUnavailable(_lost_pointer(config.index_dir, "damaged")) from None
    if pointer is None:
        if generations.generation_names(config.index_dir):
            raise IndexUnavailable(_lost_pointer(config.index_dir, "missing"))
        raise IndexUnavailable(
            f"there is no index in {config.index_dir} yet; run 'archive reindex'")
    gen_dir = config.index_dir / pointer.current
    manifest = generations.read_manifest(gen_dir)
    generations.verify(gen_dir, manifest, deep=True)
    old = read_files(gen_dir)
    stats = scan(config.articles_dir)
    left_out = _left_out(stats)
    rejected = manifest.get("rejected") or {}
    kept = manifest.get("kept") or {}
    differ, deleted = old.compare(stats, racy_after=2**63 - 1)  # by size and mtime only
    # a rejected file is pending again once its content changed (fixed, or broken otherwise)
    added = sorted(rel for rel in differ if rel not in old and (
        rel not in rejected or _hash_file(config.articles_dir / rel) != rejected[rel][0]))
    changed = []
    for rel in differ:
        entry = old.get(rel)
        if entry is None:
            continue
        digest = _hash_file(config.articles_dir / rel)
        if digest != kept.get(rel, [digest])[0] or (digest != entry[0] and rel not in kept):
            changed.append(rel)
    older = sorted(p.name for p in config.index_dir.glob(f"{generations.PREFIX}*")
                   if p.name not in (pointer.current, pointer.previous) and p.is_dir())
    return Status(pointer.current, pointer.previous, manifest, added, sorted(changed), deleted,
                  older, _behind(gen_dir), left_out, data_file_problems(config))


def _lost_pointer(index_dir: Path, state: str) -> str:
    """Why CURRENT cannot be followed while generations are on disk, and the two ways out."""
    return (f"the index pointer CURRENT in {index_dir} is {state}, but generations are on "
            "disk: serve one with 'archive rollback --to GEN' or run 'archive reindex --full'")


def recovery(index_dir: Path) -> str:
    """Every generation on disk (built when, how many articles, intact or not) and how to serve
    one again or rebuild; empty when there is none."""
    found = generations.on_disk(index_dir)
    if not found:
        return ""
    try:
        pointer = generations.read_pointer(index_dir)
    except IndexUnavailable:
        pointer = None
    roles = {pointer.current: " (named by CURRENT)", pointer.previous: " (previous)"} \
        if pointer else {}
    width = max(len(gen.name) for gen in found)
    lines = ["index generations on disk, newest first (checked by file sizes and sampled "
             "blocks, not hashed):"]
    for gen in found:
        built = f"built {gen.built_at}, {gen.articles} articles" if gen.built_at else "-"
        lines.append(f"  {gen.name:<{width}}  {built}; {gen.state}{roles.get(gen.name, '')}")
    lines.append("to serve one of them: archive rollback --to GEN (it is hashed in full first)")
    lines.append("to rebuild the index from data/: archive reindex --full")
    return "\n".join(lines)


def rollback(config: Config, to: str | None = None) -> generations.Pointer:
    """Serve the previous generation again, or generation `to`, once it opens cleanly.

    The generation that served before becomes the previous one. `to` works without a usable
    CURRENT; it must be a generation folder of the index (see `archive status`), intact to
    its last byte.
    """
    if to is not None and not generations.NAME_RE.match(to):
        raise UsageError(f"'{to}' is not the name of an index generation (gen-…): "
                         "'archive status' lists those on disk")
    job = "rollback" + (f" --to {to}" if to else "")
    index_dir = config.index_dir
    with _job_lock(index_dir, job):
        if to is None:
            pointer = _pointer_for_rollback(index_dir)
            if pointer.previous:
                serving.open_generation(index_dir / pointer.previous)
            if not pointer.previous or not (index_dir / pointer.previous /
                                            generations.MANIFEST).is_file():
                raise IndexUnavailable("there is no previous index generation to roll back to")
            new = generations.Pointer(pointer.previous, pointer.current)
        else:
            _check_servable(index_dir, to)
            old = _pointer_or_none(index_dir)
            if old is not None and old.current == to:
                return old  # already serving: CURRENT stays as it is
            new = generations.Pointer(to, _previous_for(index_dir, old, to))
        try:
            generations.swap(index_dir, new.current, new.previous)
        except OSError as exc:
            raise _write_error(exc, f"writing the index pointer {index_dir / generations.POINTER}",
                               _serving_note(index_dir), job) from None
        return new


def _pointer_or_none(index_dir: Path) -> generations.Pointer | None:
    """What CURRENT says, or None when it is missing or damaged."""
    try:
        return generations.read_pointer(index_dir)
    except IndexUnavailable:
        return None


def _pointer_for_rollback(index_dir: Path) -> generations.Pointer:
    """CURRENT, or an error saying how to serve a generation without it."""
    try:
        pointer = generations.read_pointer(index_dir)
    except IndexUnavailable:
        pointer, why = None, "damaged"
    else:
        why = "missing"
    if pointer is not None:
        return pointer
    if not generations.generation_names(index_dir):
        raise IndexUnavailable("there is no index to roll back; run 'archive reindex'")
    raise IndexUnavailable(_lost_pointer(index_dir, why))


def _previous_for(index_dir: Path, old: generations.Pointer | None,
                  target: str) -> str | None:
    """What becomes 'previous' when `target` serves: what served if intact, else the previous."""
    for name in (old.current, old.previous) if old else ():
        if name and name != target and generations.problem(index_dir / name) is None:
            return name
    return None


def _check_servable(index_dir: Path, name: str) -> None:
    """Refuse a generation that is absent, damaged (hashed in full) or that Whoosh cannot open."""
    gen_dir = index_dir / name
    if not gen_dir.is_dir():
        raise NotFound(f"there is no generation {name} in {index_dir}: 'archive status' lists "
                       "those on disk")
    problem = generations.problem(gen_dir, deep=True)
    if problem is None:
        try:
            serving.open_generation(gen_dir)
        except IndexUnavailable as exc:
            problem = exc.message
    if problem:
        raise IndexUnavailable(f"generation {name} cannot serve ({problem}); "
                               f"{_serving_note(index_dir)}: choose another one ('archive status' "
                               "lists them) or run 'archive reindex --full'")
