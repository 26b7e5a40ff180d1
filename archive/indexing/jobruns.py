"""Jobs started from the workspace: the CLI's reindex and rollback, with a record of each run.

A reindex runs `jobs.reindex` (the same job, under the same lock as `archive reindex`) in a
background thread of the web process; its progress and then its report go to a small JSON
record, `index/jobs/<run id>.json`, that any web worker reads for the progress page. A second
job is refused while one holds the lock, naming the first (`JobLocked`, as the CLI says it).
A record left "running" by a process that died says "interrupted": a killed job leaves the
previous generation serving, and the next reindex picks up the work.

The records are the index folder's operational history, derived like the index itself; the
lasting trail of who did what is the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..articlefile import write_text
from ..config import Config
from ..errors import ArchiveError, JobLocked, NotFound, UsageError
from . import jobs

FOLDER = "jobs"
KEEP = 50  # records kept; older ones are removed when a job starts
PROGRESS_EVERY = 0.25  # seconds between two writes of a running job's progress
_threads: dict[str, threading.Thread] = {}  # runs of this process, by id


@dataclass
class JobRun:
    """One job's record: what, who, when, how far, and its report once finished."""

    id: str
    kind: str  # "reindex", "reindex --full", "rollback"
    who: str
    started: str
    pid: int
    state: str = "running"  # running, done, partial (some files rejected or kept), failed
    finished: str | None = None
    label: str = ""  # the phase in progress
    done: int = 0
    total: int = 0
    report: str = ""
    error: str = ""
    generation: str | None = None  # what serves after it
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        """Whether the job is still working (not finished, its process alive)."""
        return self.state == "running"

    @property
    def percent(self) -> int:
        """How far the phase in progress is, 0 to 100."""
        return int(100 * self.done / self.total) if self.total else 0


def folder(config: Config) -> Path:
    """Where job records live."""
    return config.index_dir / FOLDER


def _path(config: Config, run_id: str) -> Path:
    if not run_id.isalnum() or len(run_id) > 40:
        raise UsageError(f"'{run_id[:40]}' is not the id of a job")
    return folder(config) / f"{run_id}.json"


def _save(config: Config, run: JobRun) -> None:
    write_text(_path(config, run.id), json.dumps(asdict(run), ensure_ascii=False),
               durable=False)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def read(config: Config, run_id: str) -> JobRun:
    """A job's record (NotFound when there is none); one whose process died is 'interrupted'."""
    try:
        raw = json.loads(_path(config, run_id).read_text(encoding="utf-8"))
        run = JobRun(**raw)
    except (OSError, ValueError, TypeError):
        raise NotFound(f"there is no job {run_id}") from None
    if run.state == "running" and not _alive(run):
        run.state = "interrupted"
        run.error = "the process running this job stopped before it finished; the previous " \
                    "generation still serves: start a reindex again"
    return run


def _alive(run: JobRun) -> bool:
    if run.pid == os.getpid():
        thread = _threads.get(run.id)
        return thread is not None and thread.is_alive()
    try:
        os.kill(run.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recent(config: Config, limit: int = 10) -> list[JobRun]:
    """The last jobs, newest first."""
    try:
        paths = sorted(folder(config).glob("*.json"), reverse=True)
    except OSError:
        return []
    runs = []
    for path in paths[:limit]:
        try:
            runs.append(read(config, path.stem))
        except ArchiveError:
            continue
    return runs


def _new_run(config: Config, kind: str, who: str) -> JobRun:
    # ids sort by start time, so that listing the folder lists the jobs in order
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S%f")
    return JobRun(id=f"{stamp}{secrets.token_hex(3)}", kind=kind, who=who, started=_now(),
                  pid=os.getpid())


def _prune(config: Config) -> None:
    for path in sorted(folder(config).glob("*.json"), reverse=True)[KEEP:]:
        path.unlink(missing_ok=True)


class _Progress:
    """The progress reporter `jobs.reindex` drives, writing the run's record now and then."""

    def __init__(self, config: Config, run: JobRun) -> None:
        self.config, self.run, self.last = config, run, 0.0

    def __call__(self, label: str, total: int) -> _Progress:
        self.run.label, self.run.total, self.run.done = label, max(total, 0), 0
        self._write(force=True)
        return self

    def advance(self, n: int = 1) -> None:
        """Count n more files done."""
        self.run.done += n
        self._write()

    def close(self) -> None:
        """The phase is over."""
        self._write(force=True)

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last >= PROGRESS_EVERY:
            self.last = now
            _save(self.config, self.run)


def start_reindex(config: Config, who: str, full: bool = False, wait: float = 30.0,
                  on_finished: Callable[[JobRun], None] | None = None) -> JobRun:
    """Start a reindex in the background and return its record once it holds the job lock.

    Raises JobLocked, naming the job that runs, when another one holds the lock.
    `on_finished` gets the finished record, in the job's thread (to record it in the audit log).
    """
    run = _new_run(config, "reindex --full" if full else "reindex", who)
    locked = threading.Event()
    refused: list[JobLocked] = []

    def on_locked() -> None:
        folder(config).mkdir(parents=True, exist_ok=True)
        _save(config, run)
        locked.set()

    def work() -> None:
        try:
            # one process: forking worker processes from a thread of a web server is unsafe
            report = jobs.reindex(config, full=full, progress=_Progress(config, run), procs=1,
                                  on_locked=on_locked)
        except JobLocked as exc:
            refused.append(exc)
            locked.set()
            return
        except ArchiveError as exc:
            _finish(config, run, "failed", error=exc.message)
        except Exception as exc:  # noqa: BLE001 - the record must say the job ended
            _finish(config, run, "failed", error=f"unexpected error: {type(exc).__name__}")
        else:
            run.generation = report.generation or report.previous
            run.counts = {"added": report.added, "updated": report.updated,
                          "deleted": report.deleted, "rejected": len(report.rejected),
                          "kept": len(report.kept), "articles": report.articles}
            partial = report.rejected or report.kept or report.set_aside
            _finish(config, run, "partial" if partial else "done",
                    report=report.render())
        finally:
            locked.set()
        if on_finished is not None:
            on_finished(run)

    thread = threading.Thread(target=work, name=f"archive-job-{run.id}", daemon=True)
    _threads[run.id] = thread
    thread.start()
    locked.wait(wait)
    if refused:
        _threads.pop(run.id, None)
        raise refused[0]
    _prune(config)
    return read(config, run.id) if _path(config, run.id).exists() else run


def _finish(config: Config, run: JobRun, state: str, report: str = "", error: str = "") -> None:
    run.state, run.report, run.error, run.finished = state, report, error, _now()
    try:
        _save(config, run)
    except OSError:
        pass  # a full or read-only index folder: the job's own error says what failed


def rollback(config: Config, who: str) -> JobRun:
    """Serve the previous generation again (the CLI's `archive rollback`), recorded as a job."""
    run = _new_run(config, "rollback", who)
    pointer = jobs.rollback(config)  # raises JobLocked / IndexUnavailable, nothing changed
    run.generation = pointer.current
    folder(config).mkdir(parents=True, exist_ok=True)
    _finish(config, run, "done",
            report=f"now serving {pointer.current} (previous: {pointer.previous})")
    return run


def wait(config: Config, run_id: str, timeout: float = 30.0) -> JobRun:
    """A job's record once it has finished (for tests and scripts)."""
    thread = _threads.get(run_id)
    if thread is not None:
        thread.join(timeout)
    return read(config, run_id)
