"""One job at a time: an OS lock on `index/.lock`, held for the whole job, freed on death."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import JobLocked

LOCK_NAME = ".lock"
_held: set[int] = set()  # descriptors holding the lock in this process


def close_inherited() -> None:
    """In a forked worker: close the copy of the lock, so the lock dies with the job itself."""
    for fd in list(_held):
        os.close(fd)
        _held.discard(fd)


def holder(index_dir: Path) -> dict:
    """What the lock file says about the job that holds (or last held) the lock."""
    try:
        return json.loads((Path(index_dir) / LOCK_NAME).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


@contextmanager
def job_lock(index_dir: Path, job: str) -> Iterator[None]:
    """Hold the job lock for the `with` block; raise JobLocked naming the running job if taken."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    # O_CREAT without O_TRUNC: truncating before we own the lock would wipe the holder's note.
    fd = os.open(index_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            info = holder(index_dir)
            who = (f"'{info.get('job', '?')}' (pid {info.get('pid', '?')}, "
                   f"started {info.get('started', '?')})") if info else "another job"
            raise JobLocked(f"{who} is already running on {index_dir}; "
                            "wait for it to finish") from None
        note = json.dumps({"job": job, "pid": os.getpid(),
                           "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, note.encode("utf-8"), 0)
        except OSError:
            pass  # a full disk: the note is a courtesy, the flock is the lock
        _held.add(fd)
        yield
    finally:
        _held.discard(fd)
        os.close(fd)  # closing the descriptor releases the flock
