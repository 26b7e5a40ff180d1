"""Readers' side of the index: open a generation (checked), follow CURRENT as it moves."""

from __future__ import annotations

import math
import os
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from whoosh import index
from whoosh.searching import Searcher

from ..errors import IndexUnavailable
from . import generations
from .facetstore import FacetStore
from .schema import INDEX_NAME, schema_problem
from .scrub import Scrub

T = TypeVar("T")


@dataclass
class Generation:
    """One open, immutable index generation, as readers use it."""

    path: Path
    index: index.Index
    facets: FacetStore
    manifest: dict = field(repr=False)
    # each thread's open reader: Whoosh readers seek shared files, so threads never share one
    _readers: threading.local = field(default_factory=threading.local, repr=False,
                                      compare=False)
    # what readers computed from this generation (search caches): they go with it
    _derived: dict = field(default_factory=dict, repr=False, compare=False)
    _deriving: threading.Lock = field(default_factory=threading.Lock, repr=False,
                                      compare=False)

    @property
    def name(self) -> str:
        """The generation's folder name."""
        return self.path.name

    def searcher(self) -> Searcher:
        """A searcher over this thread's reader of the generation, opened on the thread's first
        search and kept (a generation never changes; opening its segments anew cost every
        request milliseconds); closing the searcher leaves the reader open for the next one."""
        reader = getattr(self._readers, "reader", None)
        if reader is None:
            reader = self._readers.reader = self.index.reader()
        return Searcher(reader, fromindex=self.index, closereader=False)

    def derived(self, key: Hashable, compute: Callable[[], T]) -> T:
        """What `compute()` makes of this generation, made once and kept while the generation is
        (a worker's search caches: hundreds of MB at a million articles, which must go with
        the generation a reindex replaced, not outlive it)."""
        found = self._derived.get(key)
        if found is None:
            with self._deriving:
                found = self._derived.get(key)
                if found is None:
                    found = self._derived[key] = compute()
        return found


def open_generation(gen_dir: Path) -> Generation:
    """Open one generation folder for reading; IndexUnavailable if anything is missing or broken."""
    gen_dir = Path(gen_dir)
    if not gen_dir.is_dir():
        raise IndexUnavailable(f"index generation {gen_dir.name} is missing; "
                               "run 'archive reindex --full'")
    try:
        held = generations.hold(gen_dir)
    except OSError:
        raise IndexUnavailable(f"index generation {gen_dir.name} is missing; "
                               "run 'archive reindex --full'") from None
    try:
        manifest = generations.read_manifest(gen_dir)
        outdated = schema_problem(manifest)
        if outdated:  # unpickling it would import code by paths that may no longer exist
            raise IndexUnavailable(f"index generation {gen_dir.name} was built by another "
                                   f"version of the archive: {outdated}; run 'archive reindex'")
        # Sizes and sampled blocks: a zeroed or overwritten segment is refused here, before a
        # search stumbles on it.
        generations.verify(gen_dir, manifest)
        try:
            ix = index.open_dir(str(gen_dir), indexname=INDEX_NAME)
            ix.reader().close()  # opens every segment: a missing or truncated file shows up here
        except Exception as exc:  # Whoosh reports damage with many exception types
            raise IndexUnavailable(f"index generation {gen_dir.name} is damaged "
                                   f"({describe(exc)}); run 'archive reindex --full'") from None
        generation = Generation(gen_dir, ix, FacetStore.open(gen_dir), manifest)
    except BaseException:
        os.close(held)
        raise
    # Whoosh opens the folder's files anew for every searcher, so the folder must outlive every
    # request using this Generation: the reader's lock goes when the last reference does.
    weakref.finalize(generation, os.close, held)
    return generation


def describe(exc: Exception) -> str:
    """An exception in a few words, without the full path an OSError would print."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {Path(exc.filename).name}" if exc.filename else exc.strerror
    return f"{type(exc).__name__}: {str(exc)[:80]}"


def open_current(index_dir: Path) -> Generation:
    """Open the generation CURRENT names; IndexUnavailable with a clear message otherwise."""
    index_dir = Path(index_dir)
    for _attempt in range(3):
        pointer = generations.read_pointer(index_dir)
        if pointer is None:
            raise IndexUnavailable(f"there is no index in {index_dir} yet; run 'archive reindex'")
        try:
            return open_generation(index_dir / pointer.current)
        except IndexUnavailable:
            # A job may have swapped and cleaned up between our read and our open: look again.
            if generations.read_pointer(index_dir) == pointer:
                raise
    raise IndexUnavailable("the index keeps changing while being opened; try again")


class CurrentGeneration:
    """For long-lived readers (web workers): the serving generation, reopened when CURRENT moves.

    `get()` reads the small pointer file on every call (microseconds) and opens the new
    generation only when it changed; a request keeps the Generation it got until it ends.
    """

    VERDICT_SECONDS = 1.0  # a cheap check passed stands this long: a loop of calls costs one
    SCRUB_RATE = 8 << 20  # bytes a second the scrub hashes, over the calls that ask for it
    SCRUB_MAX = 128 << 20  # bytes one call hashes at most (about 0.1 s from the page cache)

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._open: Generation | None = None
        self._damaged: dict[str, str] = {}  # generation name -> why it cannot serve
        self._verdict: tuple[str, float] = ("", -math.inf)  # generation, when its check passed
        self._scrub: Scrub | None = None
        self._scrubbed_at = -math.inf
        self._scrubbing = threading.Lock()

    def get(self) -> Generation:
        """The serving generation, opened once per change of CURRENT."""
        try:
            pointer = generations.read_pointer(self.index_dir)
        except IndexUnavailable:
            self._open = None  # let go of a generation CURRENT no longer names (see `hold`)
            raise
        if pointer is not None and pointer.current in self._damaged:
            raise IndexUnavailable(self._damaged[pointer.current])
        current = self._open
        if current is not None and pointer is not None and current.name == pointer.current:
            return current
        with self._lock:
            if self._open is None or pointer is None or self._open.name != pointer.current:
                self._open = None  # released once the requests still using it end
                self._open = open_current(self.index_dir)
            return self._open

    def check(self, scrub: bool = False, fresh: bool = False) -> Generation:
        """The serving generation, its files checked: sizes and sampled blocks (a few ms, at
        most once a second unless `fresh`, as after a failure), and with `scrub` the next slice
        of its bytes hashed (`Scrub`).

        The scrub hashes SCRUB_RATE bytes for each second since its last slice, SCRUB_MAX at
        most, so however often it is asked, it costs a bounded share of a core and no call waits
        long; called at least every 16 s, it hashes 480 MB a minute (every byte of a 100k-article
        archive; a million articles' 4.3 GB in nine minutes). Damage found here marks the
        generation: every later `get()` refuses it at once, until CURRENT names another one.
        """
        gen = self.get()
        now = time.monotonic()
        try:
            if (fresh or self._verdict[0] != gen.name
                    or now - self._verdict[1] >= self.VERDICT_SECONDS):
                generations.verify(gen.path, gen.manifest)
                self._verdict = (gen.name, now)
            # One thread hashes at a time; the others make do with the cheap check meanwhile.
            if scrub and self._scrubbing.acquire(blocking=False):
                try:
                    self._scrub_slice(gen, now)
                finally:
                    self._scrubbing.release()
        except IndexUnavailable as exc:
            self._damaged[gen.name] = exc.message
            raise
        return gen

    def _scrub_slice(self, gen: Generation, now: float) -> None:
        if self._scrub is None or self._scrub.gen_dir != gen.path:
            self._scrub = Scrub(gen.path, gen.manifest)
            self._scrubbed_at = -math.inf  # a new generation: its first slice is a full one
        budget = min(self.SCRUB_MAX, (now - self._scrubbed_at) * self.SCRUB_RATE)
        self._scrubbed_at = now
        problem = self._scrub.step(int(budget))
        if problem:
            raise generations.damaged(gen.path, problem)
