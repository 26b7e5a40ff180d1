"""Reindex jobs are crash safe: killed at any moment, the previous generation keeps answering.

These tests run the real `archive` command in subprocesses and kill it with SIGKILL, at random
moments or stopped at a chosen checkpoint of the job (through `tests/pausing.py`).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from whoosh.query import Term

from archive import articlefile
from archive.config import Config, load_config
from archive.errors import ArchiveError, IndexUnavailable
from archive.indexing import CurrentGeneration, filelist, generations, open_current
from archive.indexing.jobs import read_files, reindex
from archive.models import Article

WORDS = ("enseignants", "grève", "école", "sécurité", "récolte", "coton", "pluies", "marché",
         "santé", "hôpital", "élections", "députés", "assemblée", "justice", "paysans", "route",
         "électricité", "barrage", "jeunesse", "musique", "festival", "frontière", "accord")
SECTIONS = ("Politique", "Économie", "Société", "Culture", "Éducation")
QUERIES = ("coton", "grève", "sécurité", "festival", "mangue", "papaye")
N_ARTICLES = 300
PAUSING = Path(__file__).with_name("pausing.py")


def make_article(i: int, fruit: str) -> Article:
    """Article i; `fruit` is a word every article of one version of the archive carries."""
    rng = random.Random(i)
    words = [rng.choice(WORDS) for _ in range(60)]
    return Article(
        id=f"article-{i:04d}", title=f"{rng.choice(WORDS).capitalize()} à Bamako, numéro {i}",
        body=f"{' '.join(words)}.\n\nLes {fruit}s de la région sont arrivées au marché.",
        section=SECTIONS[i % len(SECTIONS)], author=(f"A. Auteur{i % 7}",),
        date=f"{2000 + i % 20}-0{1 + i % 9}-1{i % 10}", organisations=(f"Org {i % 11}",))


def write_version(config: Config, fruit: str, n: int = N_ARTICLES) -> None:
    """Write (or rewrite) the whole archive with the given fruit."""
    for i in range(n):
        articlefile.write(config.articles_dir, make_article(i, fruit))


def archive_cmd(config: Config, *args: str, pause: str | None = None) -> list[str]:
    """The command line of the real `archive` program on this archive.

    With `pause`, its job stops at that checkpoint (see tests/pausing.py) for a test to kill it.
    """
    program = [str(PAUSING), pause] if pause else ["-m", "archive"]
    return [sys.executable, *program, *args, "--data", str(config.data_dir),
            "--index", str(config.index_dir)]


def run(config: Config, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `archive` to its end."""
    return subprocess.run(archive_cmd(config, *args), capture_output=True, text=True,
                          env=env, timeout=120)


def answers(config: Config) -> tuple[str, dict]:
    """The serving generation's name and its answers to a fixed set of queries."""
    gen = open_current(config.index_dir)
    with gen.index.searcher() as searcher:
        result: dict = {}
        for word in QUERIES:
            terms = [t.text for t in gen.index.schema["body"].analyzer(word, mode="query")]
            docnums = list(Term("body", terms[0]).matcher(searcher).all_ids())
            result[word] = sorted(searcher.stored_fields(d)["id"] for d in docnums)
            result[f"{word}/sections"] = gen.facets.count_values("section", docnums)
        result["count"] = searcher.doc_count()
    return gen.name, result


@pytest.fixture
def archive(tmp_path: Path) -> Config:
    """A 300-article archive indexed once (every article mentions papayes)."""
    config = load_config(data=tmp_path / "data", index=tmp_path / "index")
    write_version(config, "papaye")
    done = run(config, "reindex")
    assert done.returncode == 0, done.stderr
    return config


def wait_for(proc: subprocess.Popen, text: str, timeout: float = 60) -> None:
    """Read the process's stderr until a line contains text."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if text in line:
            return
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"process never printed {text!r}")


def leftovers(config: Config) -> list[str]:
    """Entries of the index folder that are neither CURRENT, the lock, nor a kept generation."""
    pointer = generations.read_pointer(config.index_dir)
    kept = {generations.POINTER, ".lock", pointer.current, pointer.previous}
    return sorted(p.name for p in config.index_dir.iterdir() if p.name not in kept)


def test_killing_reindex_at_any_moment_keeps_the_previous_generation_serving(archive: Config):
    old_name, old_answers = answers(archive)
    write_version(archive, "mangue")  # every file changes: the job has real work to do
    # One uninterrupted run tells what the new answers are and how long a job takes.
    started = time.monotonic()
    assert run(archive, "reindex").returncode == 0
    duration = time.monotonic() - started
    new_name, new_answers = answers(archive)
    assert new_answers != old_answers and new_answers["count"] == N_ARTICLES
    rng = random.Random(1234)
    # Random moments find what nobody thought of; the chosen points make sure that kills land
    # inside the build and around the swap whatever the machine's speed.
    trials = [("timer", None)] * 8 + [("pause", point) for point in (
        "documents-added", "checked", "swap", "swapped")]
    phases: Counter = Counter()
    for kind, point in trials:
        assert run(archive, "rollback").returncode == 0
        assert answers(archive) == (old_name, old_answers)
        full = rng.random() < 0.5
        proc = subprocess.Popen(archive_cmd(archive, "reindex", *(["--full"] if full else []),
                                            pause=point),
                                stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        if point:
            wait_for(proc, f"paused at {point}")
        else:
            time.sleep(rng.uniform(0.05, duration * 0.9))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        name, got = answers(archive)
        mid_build = any(p.name.startswith(generations.PREFIX) for p in
                        (archive.index_dir / n for n in leftovers(archive)))
        phases[("mid-build" if mid_build else "before") if name == old_name else "after"] += 1
        if name == old_name:
            assert got == old_answers, (kind, point)
        else:
            # Killed after the swap: the new generation serves, complete and checked.
            assert got == new_answers, (kind, point)
        assert point != "swap" or name == old_name
        assert point != "swapped" or name != old_name
        finished = run(archive, "reindex")
        assert finished.returncode == 0, finished.stderr
        assert answers(archive)[1] == new_answers
        assert leftovers(archive) == []
    print("kills by phase:", dict(phases))
    assert phases["mid-build"] >= 2 and phases["after"] >= 1


def test_a_second_job_is_refused_while_one_runs(archive: Config):
    write_version(archive, "mangue", n=50)
    first = subprocess.Popen(archive_cmd(archive, "reindex", pause="swap"),
                             stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        wait_for(first, "paused at swap")
        second = run(archive, "reindex")
        assert second.returncode == 1
        assert f"pid {first.pid}" in second.stderr and "'reindex'" in second.stderr
        assert run(archive, "rollback").returncode == 1
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    # The kill freed the lock: the next job runs.
    assert run(archive, "reindex").returncode == 0


def test_queries_during_a_reindex_each_come_from_one_generation(archive: Config):
    write_version(archive, "mangue")
    reader = CurrentGeneration(archive.index_dir)
    seen: Counter = Counter()
    errors: list[BaseException] = []
    stop = threading.Event()

    def query_loop() -> None:
        while not stop.is_set():
            try:
                gen = reader.get()
                with gen.index.searcher() as searcher:
                    papaye = list(Term("body", "papay").matcher(searcher).all_ids())
                    mangue = list(Term("body", "mangu").matcher(searcher).all_ids())
                    sections = gen.facets.count_values("section", papaye + mangue)
                    total = searcher.doc_count()
                # Wholly one version: all papayes or all mangues, never a mix.
                assert (len(papaye), len(mangue)) in ((total, 0), (0, total)), gen.name
                assert sum(sections.values()) == total
                seen["papaye" if papaye else "mangue"] += 1
            except BaseException as exc:  # noqa: BLE001 - report any failure from the thread
                errors.append(exc)
                return

    threads = [threading.Thread(target=query_loop) for _ in range(3)]
    for thread in threads:
        thread.start()
    job = run(archive, "reindex", "--full")
    time.sleep(0.3)
    stop.set()
    for thread in threads:
        thread.join()
    assert job.returncode == 0, job.stderr
    assert errors == []
    assert seen["papaye"] > 0 and seen["mangue"] > 0


# A reader in its own process, as a web worker is: it opens the serving generation, says which,
# then counts the articles holding each stemmed word it is sent, on that same generation.
READER = """
import sys
from whoosh.query import Term
from archive.indexing import open_current
gen = open_current(sys.argv[1])
print(gen.name, flush=True)
for word in sys.stdin:
    with gen.index.searcher() as searcher:
        print(len(list(Term("body", word.strip()).matcher(searcher).all_ids())), flush=True)
"""


def test_a_generation_still_read_outlives_later_jobs_until_its_reader_lets_go(archive: Config):
    reader = subprocess.Popen([sys.executable, "-c", READER, str(archive.index_dir)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        held = reader.stdout.readline().strip()
        for fruit in ("mangue", "goyave"):  # two jobs: `held` is neither current nor previous
            write_version(archive, fruit)
            done = run(archive, "reindex")
            assert done.returncode == 0, done.stderr
        pointer = generations.read_pointer(archive.index_dir)
        assert held not in (pointer.current, pointer.previous)
        assert (f"kept old generations still read by a request, for a later job to remove: "
                f"{held}") in done.stdout
        # The request still running on it gets whole answers from the old version.
        for word, expected in (("papay", N_ARTICLES), ("goyav", 0)):
            reader.stdin.write(word + "\n")
            reader.stdin.flush()
            assert int(reader.stdout.readline()) == expected
        assert leftovers(archive) == [held]
        status = run(archive, "status")
        assert f"older generations still on disk (the next reindex removes those no request " \
               f"reads): {held}" in status.stdout
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
    # Once the reader has let go, the next job removes it, even with nothing to index.
    done = run(archive, "reindex")
    assert done.returncode == 0, done.stderr
    assert f"removed old generations and leftovers: {held}" in done.stdout
    assert leftovers(archive) == []


def test_where_folders_cannot_be_locked_reading_and_jobs_still_work(tmp_path: Path,
                                                                    monkeypatch):
    # Some network file systems refuse flock on a folder: the reader's lock is then lost,
    # not the reading, and cleanup removes old generations as it did before readers locked.
    config = load_config(data=tmp_path / "data", index=tmp_path / "index")
    write_version(config, "papaye", n=20)
    reindex(config)
    real = fcntl.flock

    def flock(fd: int, operation: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.ENOLCK, "No locks available")
        real(fd, operation)

    monkeypatch.setattr(fcntl, "flock", flock)
    held = open_current(config.index_dir)
    with held.index.searcher() as searcher:
        assert searcher.doc_count() == 20
    for fruit in ("mangue", "goyave"):
        write_version(config, fruit, n=20)
        report = reindex(config)
    assert report.removed == [held.name] and report.in_use == []


def test_a_killed_scan_leaves_no_helper_walking(tmp_path: Path):
    # On a large archive a forked helper walks half of data/: killed with the job, it must
    # not walk on (nor keep the job lock, which it closes first).
    root = tmp_path / "articles"
    for year in range(2000, 2004):
        (root / str(year)).mkdir(parents=True)
        for i in range(500):
            (root / str(year) / f"a{i}.md").write_text("x", encoding="utf-8")
    # a slow disk: each stat takes 2 ms, so that a helper outliving the job would walk on
    code = ("import os, sys, time; from pathlib import Path\n"
            "from archive.indexing.filescan import scan\n"
            "real = os.stat\n"
            "def slow(*args, **kwargs):\n"
            "    time.sleep(0.002)\n"
            "    return real(*args, **kwargs)\n"
            "os.stat = slow\n"
            "while True: scan(Path(sys.argv[1]), 2)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(root)])
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 30
    helpers: list[str] = []
    while not helpers and time.monotonic() < deadline:
        helpers = children.read_text().split() if children.exists() else []
    assert helpers, "no helper seen"
    time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 1  # its walk takes 2 s
    alive = helpers
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in helpers if Path(f"/proc/{pid}/stat").exists()
                 and Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"]
        time.sleep(0.05)
    assert alive == []


def test_a_scan_helper_that_fails_has_its_share_walked_by_the_job(tmp_path: Path,
                                                                  monkeypatch):
    from archive.indexing import filescan

    root = tmp_path / "articles"
    for year in range(2000, 2004):
        (root / str(year)).mkdir(parents=True)
        (root / str(year) / "a.md").write_text("x", encoding="utf-8")

    def broken(*_args, **_kwargs):  # the helper (a fork of this process) cannot send its columns
        raise OSError("pipe refused")

    monkeypatch.setattr(filescan, "_encode", broken)
    found = filescan.scan(root, 2)
    assert sorted(found) == [f"{year}/a.md" for year in range(2000, 2004)]


def test_a_killed_parallel_build_leaves_no_worker_and_no_lock(archive: Config):
    write_version(archive, "mangue", n=4 * N_ARTICLES)  # big enough to be killed mid-build
    proc = subprocess.Popen(archive_cmd(archive, "reindex", "--full", "--procs", "2"),
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 30
    while len(workers := children.read_text().split()) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(workers) == 2
    time.sleep(0.2)  # let the workers index for a while
    assert proc.poll() is None, "the build ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 2  # PDEATHSIG kills at once; an orphan would work on
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = [pid for pid in workers if Path(f"/proc/{pid}/stat").exists()
             and Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"]
    assert alive == []
    assert answers(archive)[1]["papaye"]  # the old generation still serves
    finished = run(archive, "reindex")
    assert finished.returncode == 0, finished.stderr
    assert leftovers(archive) == []


# --- the file list of a generation ------------------------------------------------------------


def _serving_dir(config: Config) -> Path:
    return config.index_dir / generations.read_pointer(config.index_dir).current


def test_an_incremental_job_links_the_file_list_and_writes_only_the_changes(archive: Config):
    # At a million articles writing the whole list again cost seconds per job.
    whole = (_serving_dir(archive) / filelist.COLUMN_FILE).stat().st_ino
    for i in (1, 2):
        articlefile.write(archive.articles_dir, make_article(i, "mangue"))
    (archive.articles_dir / articlefile.relative_path(make_article(3, "x"))).unlink()
    articlefile.write(archive.articles_dir, make_article(N_ARTICLES, "mangue"))  # a new one
    report = reindex(archive)
    assert (report.added, report.updated, report.deleted) == (1, 2, 1)
    first = _serving_dir(archive)
    assert (first / filelist.COLUMN_FILE).stat().st_ino == whole
    changes = json.loads((first / "filelist-delta.json").read_text(encoding="utf-8"))
    assert sorted(changes) == sorted(articlefile.relative_path(make_article(i, "x")).as_posix()
                                     for i in (1, 2, 3, N_ARTICLES))
    # A later job starts from the list and its changes, and adds its own.
    (archive.articles_dir / articlefile.relative_path(make_article(N_ARTICLES, "x"))).unlink()
    articlefile.write(archive.articles_dir, make_article(4, "mangue"))
    report = reindex(archive)
    assert (report.added, report.updated, report.deleted) == (0, 1, 1)
    assert report.articles == N_ARTICLES - 1
    assert (_serving_dir(archive) / filelist.COLUMN_FILE).stat().st_ino == whole
    _name, found = answers(archive)
    assert (len(found["mangue"]), len(found["papaye"])) == (3, N_ARTICLES - 4)
    assert reindex(archive).generation is None  # nothing left to do


def test_a_job_run_in_a_serving_process_leaves_the_garbage_collector_as_it_found_it(
        archive: Config):
    # The workspace runs jobs in the web server's process: the plan's rows are frozen out of
    # the collector's passes for the job only, whether it ends well or not.
    import gc

    articlefile.write(archive.articles_dir, make_article(1, "mangue"))
    assert reindex(archive).updated == 1
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    (archive.articles_dir / articlefile.relative_path(make_article(2, "x"))).write_text(
        "---\ntitle: [unclosed\n---\n", encoding="utf-8")
    articlefile.write(archive.articles_dir, make_article(3, "mangue"))
    report = reindex(archive)
    # the broken file is reported, its last good version kept
    assert report.updated == 1 and [rel for rel, _ in report.kept] == \
        [articlefile.relative_path(make_article(2, "x")).as_posix()]
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    assert reindex(archive, full=True, procs=2).mode == "full"  # with worker processes
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    empty = load_config(data=archive.data_dir, index=archive.index_dir)
    # what a gunicorn worker froze before a job (its app, shared with the master) stays so
    app = {"shared": ["with the master"]}

    def frozen(obj: object) -> bool:  # the collector lists all it tracks but the frozen
        return gc.is_tracked(obj) and not any(seen is obj for seen in gc.get_objects())

    gc.freeze()
    try:
        assert frozen(app)
        assert reindex(archive, full=True, procs=2).mode == "full"
        assert frozen(app)
        for path in empty.articles_dir.rglob("*.md"):
            path.unlink()
        with pytest.raises(ArchiveError, match="refusing to replace"):
            reindex(empty)
        assert frozen(app)
    finally:
        gc.unfreeze()
    with pytest.raises(ArchiveError, match="refusing to replace"):
        reindex(empty)
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_a_generation_with_the_json_file_list_is_linked_and_updated_incrementally(
        archive: Config):
    # Generations written before the binary columns hold filelist.json: a job reads it, links
    # it and writes its changes beside it, and the next job reads both.
    gen_dir = _serving_dir(archive)
    files = read_files(gen_dir)
    (gen_dir / "filelist.json").write_text(json.dumps(files.columns()), encoding="utf-8")
    (gen_dir / filelist.COLUMN_FILE).unlink()
    manifest = generations.read_manifest(gen_dir)
    manifest[generations.FILE_TABLE] = generations.file_table(gen_dir)
    generations.write_manifest(gen_dir, manifest)
    whole = (gen_dir / "filelist.json").stat().st_ino
    articlefile.write(archive.articles_dir, make_article(1, "mangue"))
    report = reindex(archive)
    assert (report.mode, report.updated, report.articles) == ("incremental", 1, N_ARTICLES)
    assert (_serving_dir(archive) / "filelist.json").stat().st_ino == whole
    (archive.articles_dir / articlefile.relative_path(make_article(2, "x"))).unlink()
    report = reindex(archive)
    assert (report.mode, report.deleted, report.articles) == ("incremental", 1, N_ARTICLES - 1)
    now = dict(read_files(_serving_dir(archive)).items())
    one, two = (articlefile.relative_path(make_article(i, "x")).as_posix() for i in (1, 2))
    assert two not in now and now[one][0] != files[one][0]
    assert {rel: entry for rel, entry in now.items() if rel != one} == \
        {rel: entry for rel, entry in files.items() if rel not in (one, two)}


def test_a_full_build_keeps_the_file_list_in_the_scan_order(archive: Config):
    # Rows in the scan's order let the next comparison skip a look-up per file (an edit, a
    # rename over the file, keeps its place in both on ext4; other changes fall back).
    from archive.indexing.filescan import scan

    report = reindex(archive, full=True)
    assert report.mode == "full"
    order = scan(archive.articles_dir).rels
    assert order != sorted(order)  # else this test could not tell
    assert read_files(_serving_dir(archive)).columns()["rel"] == order
    articlefile.write(archive.articles_dir, make_article(5, "mangue"))
    assert reindex(archive).updated == 1


def test_the_binary_file_list_keeps_any_file_name_and_refuses_a_cut_one(tmp_path: Path):
    names = {"2020/a.md": ["sha256:1", 10, -5, "a"], "2020/saut\nde ligne.md": ["h", 0, 2**62, "b"],
             "2020/\udce9t\u00e9.md": ["h", 3, 4, "\u00e9t\u00e9"], "x/\u4e2d.md": ["h", 5, 6, "c"]}
    filelist.write(tmp_path, filelist.of(names))
    assert dict(filelist.read(tmp_path).items()) == names
    data = (tmp_path / filelist.COLUMN_FILE).read_bytes()
    (tmp_path / filelist.COLUMN_FILE).write_bytes(data[:-3])
    with pytest.raises(IndexUnavailable):
        filelist.read(tmp_path)


def test_a_generation_with_the_file_list_of_earlier_versions_is_updated_incrementally(
        archive: Config):
    gen_dir = _serving_dir(archive)
    files = read_files(gen_dir)
    (gen_dir / "files.json").write_text(json.dumps(dict(files.items())), encoding="utf-8")
    (gen_dir / filelist.COLUMN_FILE).unlink()
    manifest = generations.read_manifest(gen_dir)
    manifest[generations.FILE_TABLE] = generations.file_table(gen_dir)
    generations.write_manifest(gen_dir, manifest)
    articlefile.write(archive.articles_dir, make_article(1, "mangue"))
    report = reindex(archive)
    assert (report.mode, report.updated, report.articles) == ("incremental", 1, N_ARTICLES)
    now = dict(read_files(_serving_dir(archive)).items())
    one = articlefile.relative_path(make_article(1, "x")).as_posix()
    assert now[one][0] != files[one][0] and now[one][3] == files[one][3]
    assert {rel: entry for rel, entry in now.items() if rel != one} == \
        {rel: entry for rel, entry in files.items() if rel != one}
