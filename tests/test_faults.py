"""Faults: a killed job, a damaged index, a full disk. The site answers, the next job repairs.

The archive here is a few hundred real article files indexed by the real `archive` command;
damage is done to the files the way a crash or a failing disk would do it.
"""

from __future__ import annotations

import dataclasses
import errno
import gc
import hashlib
import json
import logging
import os
import random
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import urlopen

import pytest
from click.testing import CliRunner
from whoosh.filedb import filestore

from archive.cli import main
from archive.config import Config, load_config
from archive.errors import IndexUnavailable
from archive.indexing import generations
from archive.indexing.serving import CurrentGeneration
from archive.web import create_app
from tests.test_reindex_jobs import archive_cmd, leftovers, run, wait_for, write_version
from tests.webarchive import served

N = 200
QUERIES = ("coton", "grève", "festival")


def tree_digest(folder: Path) -> str:
    """One hash over every file name, content and mtime below a folder."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(path.relative_to(folder).as_posix().encode())
        if path.is_file():
            digest.update(path.read_bytes() + str(path.stat().st_mtime_ns).encode())
    return digest.hexdigest()


def unthrottled(config: Config) -> Config:
    """The same archive with a rate limit no test client reaches."""
    return dataclasses.replace(config, limits=dataclasses.replace(
        config.limits, rate_limit_per_minute=10**9))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A 200-article archive indexed once by the real command, copied by each test."""
    root = tmp_path_factory.mktemp("faults")
    config = load_config(data=root / "data", index=root / "index")
    write_version(config, "papaye", N)
    done = run(config, "reindex")
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture
def archive(built: Path, tmp_path: Path) -> Config:
    """A private copy of the built archive."""
    shutil.copytree(built, tmp_path / "a")
    return unthrottled(load_config(data=tmp_path / "a" / "data", index=tmp_path / "a" / "index"))


def serving(config: Config) -> Path:
    """The folder of the serving generation."""
    return config.index_dir / generations.read_pointer(config.index_dir).current


def totals(client) -> dict[str, int]:
    """Hits per query, through the JSON API."""
    return {q: client.get(f"/api/search?q={q}").get_json()["total"] for q in QUERIES}


# --- a damaged index --------------------------------------------------------------------------


def _cut(pattern: str, zero: bool = False):
    def damage(config: Config) -> None:
        path = next(serving(config).glob(pattern))
        size = path.stat().st_size
        with open(path, "r+b") as handle:
            if zero:
                handle.write(b"\0" * size)
            else:
                handle.truncate(size // 2)
    return damage


DAMAGE = {
    "index folder missing": lambda c: shutil.rmtree(c.index_dir),
    "CURRENT missing": lambda c: (c.index_dir / "CURRENT").unlink(),
    "CURRENT dangling": lambda c: shutil.rmtree(serving(c)),
    "CURRENT garbage": lambda c: (c.index_dir / "CURRENT").write_bytes(b"\xff\x00gen-??\n"),
    "postings truncated": _cut("*.pst"),
    "postings zeroed": _cut("*.pst", zero=True),
    # what a word search reads (engine.docsidecar): Whoosh's .pst is not read by it any more
    "postings sidecar zeroed": _cut("*.body.dno", zero=True),
    "terms zeroed": _cut("*.trm", zero=True),
    "stored fields truncated": _cut("*_stored.col"),
    "table of contents truncated": _cut("*.toc"),
    "facet arrays truncated": _cut("facets/section.layers"),
    "manifest gone": lambda c: (serving(c) / "manifest.json").unlink(),
}


def assert_unavailable(client, config: Config) -> str:
    """Every page answers 503 in the visitor's language; /healthz says why, without paths."""
    health = client.get("/healthz")
    assert health.status_code == 503
    reason = health.get_json()["reason"]
    assert reason and "Traceback" not in reason and str(config.index_dir.parent) not in reason
    for url in ("/", "/search?q=coton", "/search?q=coton&section=Culture&sort=newest",
                "/article/article-0003", "/feed.atom?q=coton"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 503, url
        assert "Archive indisponible" in html and "réessayez dans un instant" in html, url
        assert str(config.index_dir.parent) not in html and "Traceback" not in html
    english = client.get("/search?q=coton&lang=en").get_data(as_text=True)
    assert "Archive unavailable" in english
    api = client.get("/api/search?q=coton")
    assert api.status_code == 503 and api.get_json()["status"] == 503
    return reason


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_a_damaged_index_answers_503_and_reindex_full_repairs_it(archive: Config, kind: str,
                                                                 caplog):
    caplog.set_level(logging.CRITICAL)  # the server log has the details; not this test's output
    running = create_app(archive).test_client()
    before = totals(running)  # opened before the damage
    data = tree_digest(archive.data_dir)
    DAMAGE[kind](archive)
    fresh = create_app(archive).test_client()  # a server started after the damage
    reason = assert_unavailable(fresh, archive)
    assert_unavailable(running, archive)
    print(kind, "->", reason)
    status = run(archive, "status")  # the operator's view says the same, and what to do
    assert status.returncode == 1 and "run 'archive reindex" in status.stderr, status.stderr
    repaired = run(archive, "reindex", "--full")
    assert repaired.returncode == 0, repaired.stderr
    for client in (running, fresh):
        assert client.get("/healthz").status_code == 200
        assert totals(client) == before
    assert tree_digest(archive.data_dir) == data
    assert leftovers(archive) == []


@pytest.mark.parametrize("kind", ["CURRENT dangling", "CURRENT garbage", "postings zeroed",
                                  "facet arrays truncated"])
def test_a_plain_reindex_on_a_damaged_index_rebuilds_it_in_full(archive: Config, kind: str):
    before = totals(create_app(archive).test_client())
    DAMAGE[kind](archive)
    done = run(archive, "reindex")
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith("full reindex (") and ("damaged" in first or "unusable" in first)
    print(kind, "->", first)
    assert totals(create_app(archive).test_client()) == before
    assert run(archive, "status").returncode == 0


# --- SIGKILL while the site is being queried ------------------------------------------------

# Every point of a reindex job where a kill leaves something different behind, in job order
# (see generations.CHECKPOINTS). From its first file to the swap, an incremental job's folder
# shares hard-linked files with the serving generation and a full job's does not: both are
# killed at each of those points. Before them nothing is written; after the swap the new
# generation is whole whichever way it was built.
BUILDING = ("documents-added", "segments-written", "facets-written", "checked", "fsynced", "swap")
AFTER_SWAP = ("swapped", "swapped,cleanup")  # "swapped,cleanup": the cleanup after the swap
KILLS = [("planned", ())] + [(point, flags) for point in BUILDING
                             for flags in ((), ("--full",))] + [
    ("swapped", ("--full",)), ("swapped,cleanup", ()),
    ("segments-written", ("--full", "--procs", "2"))]


def rendered(config: Config, fruit: str, scratch: Path) -> dict[Path, bytes]:
    """The article files of one version of the archive, as bytes to write in a few ms."""
    other = dataclasses.replace(config, data_dir=scratch / fruit, index_dir=scratch / "index")
    write_version(other, fruit, N)
    files = {config.articles_dir / path.relative_to(other.articles_dir): path.read_bytes()
             for path in other.articles_dir.rglob("*.md")}
    assert len(files) == N
    return files


@pytest.mark.slow
def test_killing_reindex_while_the_site_is_queried_never_fails_a_request(archive: Config,
                                                                       tmp_path: Path):
    # Written before the site is queried: under load, rendering 200 files takes seconds.
    versions = {fruit: rendered(archive, fruit, tmp_path / "versions")
                for fruit in ("papaye", "mangue")}
    server = ExitStack()
    base = server.enter_context(served(create_app(archive)))

    def get(path: str) -> tuple[int, bytes]:
        try:
            with urlopen(base + quote(path, safe="/?=&"), timeout=30) as response:
                return response.status, response.read()
        except HTTPError as exc:
            return exc.code, exc.read()

    def fruit_served() -> str:
        return "papaye" if json.loads(get("/api/search?q=papaye")[1])["total"] else "mangue"

    expected = {q: json.loads(get(f"/api/search?q={q}")[1])["total"] for q in QUERIES}
    statuses: Counter = Counter()
    wrong: list[str] = []
    stop = threading.Event()

    def hammer(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            q = rng.choice(QUERIES)
            path = rng.choice((f"/search?q={q}", f"/api/search?q={q}", "/healthz",
                               "/api/search?q=papaye", "/api/search?q=mangue"))
            status, body = get(path)
            statuses[status] += 1
            if status != 200:
                wrong.append(f"{path}: {status} {body[:200]!r}")
            elif path == f"/api/search?q={q}" and json.loads(body)["total"] != expected[q]:
                wrong.append(f"{path}: total {json.loads(body)['total']}, not {expected[q]}")
            elif "papaye" in path or "mangue" in path:
                if json.loads(body)["total"] not in (0, N):  # one version whole, never a mix
                    wrong.append(f"{path}: {json.loads(body)['total']} hits")
            # paced, so that the jobs being killed get a core: a hundred requests a second
            # from each client still land in every moment of every job
            stop.wait(0.01)

    clients = [threading.Thread(target=hammer, args=(k,)) for k in range(3)]
    for client in clients:
        client.start()
    started, kills, fruit = time.monotonic(), [], "papaye"
    try:
        for k, (point, flags) in enumerate(KILLS):
            old, fruit = fruit, ("mangue", "papaye")[k % 2]
            for path, content in versions[fruit].items():  # every file changes: real work
                path.write_bytes(content)
            proc = subprocess.Popen(archive_cmd(archive, "reindex", *flags, pause=point),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True)
            wait_for(proc, f"paused at {point}")
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills.append(f"{point} {' '.join(flags)}".strip())
            time.sleep(0.2)  # the site keeps being queried with the job dead
            # Killed before the swap the old version serves, after it the new one, whole.
            assert fruit_served() == (fruit if point in AFTER_SWAP else old), kills[-1]
            finished = run(archive, "reindex")
            assert finished.returncode == 0, finished.stderr
            assert fruit_served() == fruit
            # Only a generation a request was still reading may stay, and the job says so.
            kept = [line for line in finished.stdout.splitlines() if "still read" in line]
            assert all(name in "".join(kept) for name in leftovers(archive)), finished.stdout
        assert run(archive, "status").returncode == 0
    finally:
        stop.set()
        for client in clients:
            client.join()
        server.close()
    duration = time.monotonic() - started
    print("responses:", dict(statuses), f"{len(kills)} kills in {duration:.1f}s:", kills)
    assert wrong == []
    # With no request running any more, the next job leaves nothing behind.
    assert run(archive, "reindex").returncode == 0 and leftovers(archive) == []
    assert len(kills) == len(KILLS) == 16 and sum(statuses.values()) > 100


# --- a full disk ------------------------------------------------------------------------------


class Disk:
    """Whoosh's file writes with a byte budget: past it, writes fail with ENOSPC, like a disk."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.failed = 0

    def open(self, path, mode="r", *args, **kwargs):
        handle = open(path, mode, *args, **kwargs)  # noqa: SIM115 - returned to the caller
        return self._Limited(handle, self) if "w" in mode or "a" in mode else handle

    class _Limited:
        def __init__(self, handle, disk: Disk) -> None:
            self._handle, self._disk = handle, disk

        def write(self, data) -> int:
            self._disk.budget -= len(data)
            if self._disk.budget < 0:
                self._disk.failed += 1
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return self._handle.write(data)

        def __getattr__(self, name: str):
            return getattr(self._handle, name)


def generation_dirs(config: Config) -> list[str]:
    return sorted(p.name for p in config.index_dir.glob(generations.PREFIX + "*"))


@pytest.mark.parametrize("mode", ["full", "incremental", "full with 2 processes"])
def test_a_full_disk_fails_the_job_cleanly_and_the_old_generation_serves(
        archive: Config, mode: str, monkeypatch):
    client = create_app(archive).test_client()
    before, gens = totals(client), generation_dirs(archive)
    write_version(archive, "mangue", N)  # every file changed: a whole segment to write
    disk = Disk(budget=20_000)
    monkeypatch.setattr(filestore, "open", disk.open, raising=False)
    args = ["reindex", "--data", str(archive.data_dir), "--index", str(archive.index_dir)]
    args += {"full": ["--full"], "incremental": [],
             "full with 2 processes": ["--full", "--procs", "2"]}[mode]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    message = result.stderr.strip()
    assert message.startswith("error: no space left on device while writing generation gen-")
    assert "still serves" in message and len(message.splitlines()) == 1, message
    assert mode.endswith("processes") or disk.failed  # the workers failed in their own process
    # The partial generation is gone at once, the old one serves, the lock is free.
    assert generation_dirs(archive) == gens and leftovers(archive) == []
    assert totals(client) == before and client.get("/healthz").status_code == 200
    monkeypatch.undo()
    assert run(archive, "reindex").returncode == 0


def test_a_really_full_disk(archive: Config, tmp_path: Path):
    """The index folder on a small tmpfs that holds one generation, not two."""
    # tmpfs gives each file whole pages: the sidecars' many small files count as pages
    size = sum(-(-p.stat().st_size // 4096) * 4096 for p in serving(archive).rglob("*")
               if p.is_file())
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size * 3 // 2}", "tmpfs",
                           str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip()}); "
                    "the injected ENOSPC test covers the same path")
    try:
        config = dataclasses.replace(archive, index_dir=mount / "index")
        shutil.copytree(archive.index_dir, config.index_dir)
        client = create_app(config).test_client()
        before, gens = totals(client), generation_dirs(config)
        write_version(config, "mangue", N)
        for args in (("reindex", "--full"), ("reindex",)):
            failed = run(config, *args)
            assert failed.returncode == 1, failed.stdout
            assert failed.stderr.startswith("error: no space left on device while writing "
                                            "generation gen-"), failed.stderr
            assert "Traceback" not in failed.stderr
            assert generation_dirs(config) == gens and leftovers(config) == []
            assert totals(client) == before
    finally:
        client = None  # the app holds its generation's folder open (a reader's lock)
        gc.collect()
        # lazily: the search state of the last generations (memory-mapped facet arrays) may
        # outlive the app in this process; the mount goes when they do
        subprocess.run(["umount", "--lazy", str(mount)], check=False)


@pytest.mark.parametrize("kind", ["postings sidecar zeroed", "stored fields truncated"])
def test_a_search_failing_on_damage_answers_503_before_any_health_check(archive: Config,
                                                                        kind: str, caplog):
    client = create_app(archive).test_client()
    assert client.get("/search?q=coton").status_code == 200
    DAMAGE[kind](archive)
    caplog.set_level(logging.WARNING, logger="archive.web")
    first = client.get("/search?q=grève&lang=en")  # a word not read before the damage
    assert first.status_code == 503 and "Archive unavailable" in first.get_data(as_text=True)
    # The server log keeps both the failure and the damage found after it.
    assert any(r.exc_info for r in caplog.records)
    assert any("is damaged" in r.getMessage() for r in caplog.records)
    assert client.get("/healthz").status_code == 503


# --- the index folder read-only or full: reindex and rollback fail cleanly ------------------


def answers(client) -> dict[str, int]:
    """Hits per query, and which version of the archive serves (papayes or mangues)."""
    return {q: client.get(f"/api/search?q={q}").get_json()["total"]
            for q in (*QUERIES, "papaye", "mangue")}


@pytest.fixture(scope="module")
def built_two(built: Path, tmp_path_factory) -> Path:
    """The built archive with a previous generation (papayes) to roll back to, the mangues
    serving, and data/ back at papayes: a reindex and a rollback both have something to do.
    Made once for the module (a reindex a test), copied by each test."""
    root = tmp_path_factory.mktemp("two-versions") / "a"
    shutil.copytree(built, root)
    config = load_config(data=root / "data", index=root / "index")
    write_version(config, "mangue", N)
    assert run(config, "reindex").returncode == 0
    write_version(config, "papaye", N)
    return root


@pytest.fixture
def two_versions(built_two: Path, tmp_path: Path) -> Config:
    """A private copy of `built_two`."""
    shutil.copytree(built_two, tmp_path / "a")
    return unthrottled(load_config(data=tmp_path / "a" / "data", index=tmp_path / "a" / "index"))


@contextmanager
def tmpfs(tmp_path: Path, size: int) -> Iterator[Path]:
    """A fresh tmpfs of `size` bytes, unmounted at the end; skips where mounting is refused."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}): run as root")
    try:
        yield mount
    finally:
        gc.collect()  # apps hold their generation's folder open (a reader's lock)
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "--lazy", str(mount)], check=False)


@contextmanager
def read_only_index(config: Config, tmp_path: Path) -> Iterator[tuple[Config, str]]:
    """The archive with its index folder read-only, and the refusal expected on writing there.

    As root: a copy on a tmpfs remounted read-only. Otherwise `chmod` refuses writes (it
    cannot stop root, so root without mount rights skips).
    """
    if os.geteuid() != 0:
        targets = [config.index_dir, *config.index_dir.rglob("*")]
        for path in targets:
            path.chmod(path.stat().st_mode & ~0o222)
        try:
            yield config, "permission denied"
        finally:
            for path in targets:
                path.chmod(path.stat().st_mode | 0o200)
        return
    size = sum(p.stat().st_size for p in config.index_dir.rglob("*") if p.is_file())
    with tmpfs(tmp_path, 2 * size + (1 << 20)) as mount:
        moved = dataclasses.replace(config, index_dir=mount / "index")
        shutil.copytree(config.index_dir, moved.index_dir)
        done = subprocess.run(["mount", "-o", "remount,ro", str(mount)], capture_output=True,
                              text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot remount a tmpfs read-only here ({done.stderr.strip()})")
        yield moved, "read-only file system"


def fill(folder: Path) -> None:
    """Take every free byte of the file system holding `folder`."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        chunk = 1 << 20
        while chunk:
            try:
                os.write(fd, b"\0" * chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                chunk //= 2
    finally:
        os.close(fd)


def assert_refused(config: Config, args: tuple[str, ...], first_line: str, client,
                   before: dict) -> None:
    """The command fails with exactly this first line and exit code 1; nothing changed."""
    pointer = (config.index_dir / "CURRENT").read_bytes()
    failed = run(config, *args)
    assert failed.returncode == 1, (args, failed.stdout, failed.stderr)
    assert "Traceback" not in failed.stderr + failed.stdout
    assert failed.stderr.splitlines()[0] == first_line, failed.stderr
    assert (config.index_dir / "CURRENT").read_bytes() == pointer
    assert answers(client) == before and client.get("/healthz").status_code == 200
    assert answers(create_app(config).test_client()) == before  # a worker started now agrees


def test_on_a_read_only_index_folder_reindex_and_rollback_fail_cleanly(two_versions: Config,
                                                                       tmp_path: Path):
    with read_only_index(two_versions, tmp_path) as (config, refusal):
        client = create_app(config).test_client()
        before, name = answers(client), serving(config).name
        assert before["mangue"] == N
        for args in (("reindex",), ("reindex", "--full"), ("rollback",)):
            assert_refused(config, args, (
                f"error: {refusal} while taking the job lock in {config.index_dir}; "
                f"generation {name} still serves, unchanged: make the index folder writable "
                f"and run 'archive {' '.join(args)}' again"), client, before)


def test_on_a_full_index_disk_reindex_and_rollback_fail_cleanly(two_versions: Config,
                                                                tmp_path: Path):
    size = sum(p.stat().st_size for p in two_versions.index_dir.rglob("*") if p.is_file())
    with tmpfs(tmp_path, 2 * size) as mount:
        config = dataclasses.replace(two_versions, index_dir=mount / "index")
        shutil.copytree(two_versions.index_dir, config.index_dir)
        fill(mount)
        client = create_app(config).test_client()
        before, name, gens = answers(client), serving(config).name, generation_dirs(config)
        kept = (f"{name} still serves, unchanged: free some space and run 'archive {{}}' "
                "again")
        for args in (("reindex",), ("reindex", "--full")):
            pointer = (config.index_dir / "CURRENT").read_bytes()
            failed = run(config, *args)
            assert failed.returncode == 1 and "Traceback" not in failed.stderr + failed.stdout
            new = failed.stderr.split()[9]  # "error: no space … writing generation NAME"
            assert new.startswith("gen-") and new not in gens
            assert failed.stderr.splitlines()[0] == (
                f"error: no space left on device while writing generation {new} in "
                f"{config.index_dir}; it was removed and generation "
                + kept.format(" ".join(args)))
            assert (config.index_dir / "CURRENT").read_bytes() == pointer
            assert generation_dirs(config) == gens and leftovers(config) == []
            assert answers(client) == before
        assert_refused(config, ("rollback",), (
            f"error: no space left on device while writing the index pointer "
            f"{config.index_dir / 'CURRENT'}; generation " + kept.format("rollback")),
            client, before)
        client = None


# --- CURRENT lost while generations are still on disk ---------------------------------------


@pytest.mark.parametrize("kind", ["CURRENT missing", "CURRENT garbage"])
def test_with_current_lost_status_lists_the_generations_and_rollback_to_serves_one(
        two_versions: Config, kind: str):
    mangues = serving(two_versions).name
    papayes = generations.read_pointer(two_versions.index_dir).previous
    DAMAGE[kind](two_versions)
    status = run(two_versions, "status")
    assert status.returncode == 1 and "run 'archive reindex" in status.stderr, status.stderr
    assert "'archive rollback --to GEN'" in status.stderr
    listing = status.stdout.splitlines()
    print(status.stdout)
    assert listing[0].startswith("index generations on disk, newest first (checked by file "
                                 "sizes and sampled blocks")
    for line, name in zip(listing[1:3], (mangues, papayes), strict=True):
        built = generations.read_manifest(two_versions.index_dir / name)["built_at"]
        assert line.split() == [name, "built", f"{built},", str(N), "articles;", "intact"]
    assert "archive rollback --to GEN" in listing[3] and "archive reindex --full" in listing[4]

    restored = run(two_versions, "rollback", "--to", papayes)
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.splitlines()[0] == f"now serving {papayes} (previous: None)"
    assert answers(create_app(two_versions).test_client())["papaye"] == N
    # What served before becomes "previous" when it is intact: back to the mangues, and again.
    assert run(two_versions, "rollback", "--to", mangues).returncode == 0
    assert generations.read_pointer(two_versions.index_dir) == generations.Pointer(mangues,
                                                                                   papayes)
    assert run(two_versions, "rollback").returncode == 0
    assert answers(create_app(two_versions).test_client())["papaye"] == N
    assert run(two_versions, "status").returncode == 0


def test_rollback_to_refuses_what_is_not_an_intact_generation(two_versions: Config):
    index_dir = two_versions.index_dir
    papayes = generations.read_pointer(index_dir).previous
    # One byte changed between the blocks the cheap check samples: only hashing finds it.
    postings = _largest_segment_file(index_dir / papayes)
    assert postings.stat().st_size > 2 * generations.SAMPLE_BLOCKS * generations.SAMPLE_BLOCK
    with open(postings, "r+b") as handle:
        handle.seek(generations.SAMPLE_BLOCK + 100)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0xFF]))
    assert generations.problem(index_dir / papayes) is None
    (index_dir / "not-a-generation").mkdir()
    pointer = (index_dir / "CURRENT").read_bytes()
    mangues = serving(two_versions).name
    for name, code, message in (
            ("../a", 2, "error: '../a' is not the name of an index generation (gen-…): "
                        "'archive status' lists those on disk"),
            ("not-a-generation", 2, "error: 'not-a-generation' is not the name of an index "
                                    "generation (gen-…): 'archive status' lists those on disk"),
            ("gen-20000101T000000000000Z-1", 1, "error: there is no generation "
             f"gen-20000101T000000000000Z-1 in {index_dir}: 'archive status' lists those on "
             "disk"),
            (papayes, 1, f"error: generation {papayes} cannot serve ({postings.name} does not "
                         f"hold what was written); generation {mangues} still serves, "
                         "unchanged: choose another one ('archive status' lists them) or run "
                         "'archive reindex --full'")):
        refused = run(two_versions, "rollback", "--to", name)
        assert (refused.returncode, refused.stderr.strip()) == (code, message)
        assert (index_dir / "CURRENT").read_bytes() == pointer


@pytest.mark.parametrize("kind", ["CURRENT missing", "CURRENT garbage"])
def test_a_reindex_with_current_lost_keeps_the_generations_it_cannot_account_for(
        two_versions: Config, kind: str):
    mangues = serving(two_versions).name
    papayes = generations.read_pointer(two_versions.index_dir).previous
    DAMAGE[kind](two_versions)
    done = run(two_versions, "reindex")
    assert done.returncode == 0, done.stderr
    print(done.stdout)
    lines = done.stdout.splitlines()
    state = {"CURRENT missing": "missing", "CURRENT garbage": "damaged"}[kind]
    assert lines[0] == f"full reindex (index pointer CURRENT {state})"
    assert (f"CURRENT was missing or damaged: kept the generations found on disk: {mangues}, "
            f"{papayes}") in lines
    assert (f"  {mangues}, the newest intact one, is now the previous generation: 'archive "
            "rollback' serves it again") in lines
    pointer = generations.read_pointer(two_versions.index_dir)
    assert pointer.previous == mangues and leftovers(two_versions) == [papayes]
    assert answers(create_app(two_versions).test_client())["papaye"] == N  # data/ as it is
    # The one kept as previous serves again with a plain rollback...
    assert run(two_versions, "rollback").returncode == 0
    assert answers(create_app(two_versions).test_client())["mangue"] == N
    # ...and the next job removes the others as old generations, saying so.
    gc.collect()  # the apps above hold the generations they served (a reader's lock)
    again = run(two_versions, "reindex")
    assert f"removed old generations and leftovers: {papayes}" in again.stdout, again.stdout
    assert leftovers(two_versions) == []


# --- damage noticed before the first failed search -----------------------------------------


@pytest.mark.parametrize("kind", ["postings zeroed", "terms zeroed"])
def test_a_zeroed_segment_is_refused_before_any_search_fails_on_it(archive: Config, kind: str,
                                                                    caplog):
    caplog.set_level(logging.WARNING, logger="archive.web")
    running = create_app(archive).test_client()
    assert running.get("/healthz").status_code == 200
    assert running.get("/search?q=coton").status_code == 200
    DAMAGE[kind](archive)  # same size: only the content tells
    time.sleep(CurrentGeneration.VERDICT_SECONDS)  # a check passed stands that long
    health = running.get("/healthz")
    assert health.status_code == 503
    assert "does not hold what was written" in health.get_json()["reason"]
    assert running.get("/search?q=grève").status_code == 503
    fresh = create_app(archive).test_client()  # a worker started after the damage
    assert fresh.get("/search?q=grève").status_code == 503
    assert fresh.get("/healthz").status_code == 503
    # Refused from the files' samples: no search failed on the damage first.
    failures = [r.getMessage() for r in caplog.records if r.exc_info]
    assert failures == []
    assert all("index unavailable" in r.getMessage() for r in caplog.records)


def test_health_checks_hash_every_byte_in_slices_of_a_bounded_size(archive: Config):
    # A million articles' health check hashed 4.3 GB in the call that fell due (3.5 to 15 s):
    # now each call hashes a slice and the next resumes there, mid-file if need be.
    gen_dir = serving(archive)
    table = generations.read_manifest(gen_dir)[generations.FILE_TABLE]
    path = _largest_segment_file(gen_dir)
    rel = path.relative_to(gen_dir).as_posix()
    before = sum(entry[0] for name, entry in table.items() if name < rel)
    _alter_between_samples(path, keep_mtime=True)  # only every byte's hash tells
    current = CurrentGeneration(archive.index_dir)
    current.SCRUB_MAX = slice_size = 4096
    current.SCRUB_RATE = 1 << 60  # every call gets a whole slice
    # The file is found when its last byte has been hashed, not a slice sooner.
    calls_to_find = -(-(before + table[rel][0]) // slice_size)
    for _call in range(calls_to_find - 1):
        current.check(scrub=True)
    with pytest.raises(IndexUnavailable, match=f"{rel} does not hold what was written"):
        current.check(scrub=True)
    with pytest.raises(IndexUnavailable, match="does not hold what was written"):
        current.get()  # marked: refused at once from now on


def test_a_scrub_hashes_at_its_rate_however_often_it_is_asked(archive: Config):
    current = CurrentGeneration(archive.index_dir)
    current.SCRUB_MAX = 1 << 40
    current.check(scrub=True)  # a generation's first slice is a whole one: every byte, intact
    _alter_between_samples(_largest_segment_file(serving(archive)), keep_mtime=True)
    current.SCRUB_RATE = 1  # a byte a second: asked again at once, it hashes next to nothing
    current.check(scrub=True)
    current.SCRUB_RATE = 1 << 60  # the next call hashes a whole round again
    with pytest.raises(IndexUnavailable, match="does not hold what was written"):
        current.check(scrub=True)


def test_a_failure_right_after_a_health_check_still_finds_the_damage(archive: Config, caplog):
    # The verdict that spares a loop of health checks must not hide damage from the check made
    # after an unexpected failure: that one looks at the files afresh.
    caplog.set_level(logging.CRITICAL)
    running = create_app(archive).test_client()
    assert running.get("/search?q=coton").status_code == 200
    assert running.get("/healthz").status_code == 200
    DAMAGE["postings sidecar zeroed"](archive)
    assert running.get("/search?q=grève").status_code == 503  # a word not read before


def test_a_health_check_passed_stands_for_a_while(archive: Config):
    # /healthz is never rate limited: a client calling it in a loop must not cost a sampled
    # check a call (10 ms at a million articles).
    current = CurrentGeneration(archive.index_dir)
    current.VERDICT_SECONDS = 3600
    current.check()
    DAMAGE["postings zeroed"](archive)
    current.check()  # the verdict stands
    current.VERDICT_SECONDS = 0
    with pytest.raises(IndexUnavailable, match="sampled blocks differ"):
        current.check()


def test_generations_built_before_samples_were_recorded_still_serve(archive: Config):
    gen_dir = serving(archive)
    manifest = generations.read_manifest(gen_dir)
    table = manifest[generations.FILE_TABLE]
    manifest[generations.FILE_TABLE] = {rel: entry[:2] for rel, entry in table.items()}
    generations.write_manifest(gen_dir, manifest)
    client = create_app(archive).test_client()
    before = totals(client)
    assert client.get("/healthz").status_code == 200
    write_version(archive, "mangue", N)
    assert run(archive, "reindex").returncode == 0  # incremental: linked files get samples
    rebuilt = generations.read_manifest(serving(archive))[generations.FILE_TABLE]
    assert all(len(entry) == 5 for entry in rebuilt.values())  # + inode and mtime hashed at
    assert totals(client) == before and client.get("/healthz").status_code == 200


def _largest_segment_file(gen_dir: Path) -> Path:
    """The generation's largest segment file (since schema 10, Whoosh's .pst of a small
    archive is smaller than the sampled blocks: it keeps no positions)."""
    return max((p for p in gen_dir.glob("MAIN_*.*") if not p.name.endswith(".toc")),
               key=lambda p: p.stat().st_size)


def _alter_between_samples(path: Path, keep_mtime: bool) -> None:
    """Flip one byte no sampled block covers; put the file's mtime back if asked."""
    before = path.stat()
    assert before.st_size > 2 * generations.SAMPLE_BLOCKS * generations.SAMPLE_BLOCK
    with open(path, "r+b") as handle:
        handle.seek(generations.SAMPLE_BLOCK + 100)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0xFF]))
    if keep_mtime:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _rebuild(config: Config) -> None:
    """Build the copy anew: its manifest records this copy's own files (a copy's inodes are
    not the original's) and folder."""
    done = run(config, "reindex", "--full")
    assert done.returncode == 0, done.stderr


def test_a_reindex_hashes_in_full_every_serving_file_written_since_it_was_hashed(
        archive: Config):
    _rebuild(archive)
    _alter_between_samples(_largest_segment_file(serving(archive)),
                           keep_mtime=False)
    write_version(archive, "mangue", 3)
    done = run(archive, "reindex")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("full reindex (serving generation unusable ("), \
        done.stdout


def test_a_reindex_trusts_serving_files_unwritten_since_hashed_and_the_site_still_hashes_them(
        archive: Config):
    # A reindex at a million articles spent seconds hashing gigabytes of segments no one had
    # written to: a file whose inode and mtime are those recorded gets the sampled check only.
    # Damage that leaves the mtime as it was is the web workers' deep check's to find.
    _rebuild(archive)
    client = create_app(archive).test_client()
    before = totals(client)
    _alter_between_samples(_largest_segment_file(serving(archive)),
                           keep_mtime=True)
    write_version(archive, "mangue", 3)
    done = run(archive, "reindex")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "incremental reindex (index exists)", done.stdout
    fresh = create_app(archive).test_client()
    health = fresh.get("/healthz")
    assert health.status_code == 503
    assert "does not hold what was written" in health.get_json()["reason"]
    repaired = run(archive, "reindex", "--full")
    assert repaired.returncode == 0, repaired.stderr
    assert fresh.get("/healthz").status_code == 200
    assert totals(fresh)["coton"] == before["coton"]
