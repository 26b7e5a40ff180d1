"""Load benchmark: the real WSGI server under a mixed load, with one incremental reindex halfway.

    .venv/bin/python bench/bench_load.py --n 10000 --duration 120
    .venv/bin/python bench/bench_load.py --n 100000 --reuse-from /tmp/bench-reindex-100000

Builds (or reuses) a synthetic archive of n articles (`bench/synthetic.py`) in a work folder,
starts `archive serve` as a subprocess on 127.0.0.1 and a free port with its own configuration
(rate limit lifted), and drives it from this process with a pool of keep-alive HTTP clients for
a bounded time: searches with facets, dates, sorts and deep pages, browsing, article pages, API
calls, a few bounded exports, and 10 % hostile requests (each expected to get its 400 or 404:
fuzzy-heavy queries and many filter values among them). Beside the clients, an attacker holds
`--slow-connections` sockets that send a partial request and trickle a byte every few seconds
(slow loris), and posts a 10 MB body every two seconds (each must get 413 at once).
Halfway through, ~100 article files are edited and `archive reindex` swaps in a new generation.

Reports requests per second, p50/p95/p99 latency per request kind, status counts, every failed
or unexpected response with its request, errors around the swap, and the server's resident
memory sampled each second (after warm-up, at the end, growth; with `--workers N`, the
production server on gunicorn, each worker's RSS too). Writes a JSON summary.
`--reuse-from DIR` hard-links the article files and the serving generation of another bench's
folder (DIR/data, DIR/index) instead of building: files are replaced, never written in place,
and a generation is never written once served, so the source is left untouched.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from synthetic import SECTIONS, Generator, pick_words, write_archive  # noqa: E402

from archive import articlefile  # noqa: E402
from archive.config import Config, load_config  # noqa: E402

HOSTILE_SHARE = 0.10
REQUEST_TIMEOUT_S = 60.0
SERVER_START_TIMEOUT_S = 60.0
MAX_DURATION_S = 600.0
SWAP_WINDOW_S = (2.0, 5.0)  # seconds before the reindex starts / after the swap
BENCH_LIMITS = {"rate_limit_per_minute": 10_000_000, "export_max_rows": 2_000}
OK, NOT_FOUND, REFUSED = frozenset({200}), frozenset({404}), frozenset({400})
LENIENT = frozenset({200, 400})  # a query the parser may repair or refuse, never a 5xx
# A request line past 8,190 bytes: the app's 400 under waitress, gunicorn's (and nginx's) 414.
TOO_LONG = frozenset({400, 414})


def bench_config(work: Path) -> Config:
    """The configuration of a bench folder (WORK/data, WORK/index) with the bench's limits, as
    the in-process benches (article, research pages, profile) drive the app."""
    config = load_config(None, data=work / "data", index=work / "index")
    return dataclasses.replace(config, limits=dataclasses.replace(config.limits,
                                                                 **BENCH_LIMITS))


# --- the archive ---------------------------------------------------------------------------------


def count_articles(data: Path) -> int:
    """Number of article files below data/articles."""
    return sum(1 for _ in articlefile.iter_files(data / "articles"))


def ensure_archive(work: Path, n: int, reuse_from: Path | None = None) -> dict:
    """Build (or reuse) work/data and work/index holding n synthetic articles; say how."""
    data, index = work / "data", work / "index"
    marker = work / "built.json"
    if marker.exists():
        built = json.loads(marker.read_text())
        if built.get("n") != n:
            raise SystemExit(f"{work} holds an archive of {built.get('n')} articles, not {n}: "
                             "use another --workdir")
        return {**built, "reused_workdir": True}
    if data.exists() or index.exists():
        raise SystemExit(f"{work} holds an unfinished archive: remove it or use another --workdir")
    started = time.monotonic()
    if reuse_from is not None:
        how = link_archive(reuse_from, work, n)
    else:
        write_archive(data, n)
        written = time.monotonic() - started
        out = run_archive(["reindex", "--full", "--data", str(data), "--index", str(index)])
        how = {"how": "built", "write_s": written, "index_s": time.monotonic() - started - written,
               "reindex_output": out.strip().splitlines()[-3:]}
    built = {"n": n, **how, "ready_s": time.monotonic() - started}
    marker.write_text(json.dumps(built, indent=1))
    return built


def link_archive(source: Path, work: Path, n: int) -> dict:
    """Hard-link another bench's articles and serving generation into work/ (no rebuild)."""
    src_data, src_index = (source / "data").resolve(), (source / "index").resolve()
    pointer = (src_index / "CURRENT").read_text(encoding="utf-8").split()
    if not pointer:
        raise SystemExit(f"{src_index} has no serving generation")
    have = count_articles(src_data)
    if have != n:
        raise SystemExit(f"{src_data} holds {have} articles, not {n}")
    data, index = work / "data", work / "index"
    data.mkdir(parents=True)
    index.mkdir(parents=True)
    subprocess.run(["cp", "-al", str(src_data / "articles"), str(data / "articles")], check=True)
    gen = pointer[0]
    subprocess.run(["cp", "-al", str(src_index / gen), str(index / gen)], check=True)
    # The copy is ours to change: drop the links to files a job would rewrite, write our own.
    (index / gen / "MAIN_WRITELOCK").unlink(missing_ok=True)
    manifest_path = index / gen / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["articles_dir"] = str((data / "articles").resolve())
    manifest_path.unlink()
    manifest_path.write_text(json.dumps(manifest, indent=0, sort_keys=True), encoding="utf-8")
    (index / "CURRENT").write_text(gen + "\n", encoding="utf-8")
    return {"how": f"hard-linked from {source} (generation {gen})"}


def run_archive(args: list[str], timeout: float = 3600) -> str:
    """Run one `archive` command in a subprocess; its output, or SystemExit when it fails."""
    proc = subprocess.run([sys.executable, "-m", "archive", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=timeout)
    if proc.returncode:
        raise SystemExit(f"archive {' '.join(args)} failed ({proc.returncode}):\n"
                         f"{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def write_config(work: Path) -> Path:
    """The server's own configuration: this archive, rate limiting out of the way."""
    lines = [f"data_dir: {json.dumps(str((work / 'data').resolve()))}",
             f"index_dir: {json.dumps(str((work / 'index').resolve()))}", "limits:"]
    lines += [f"  {key}: {value}" for key, value in BENCH_LIMITS.items()]
    path = work / "bench-load.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_current(index: Path) -> str:
    """The serving generation's name ('' while the pointer cannot be read)."""
    try:
        return (index / "CURRENT").read_text(encoding="utf-8").split("\n", 1)[0].strip()
    except OSError:
        return ""


# --- the server ----------------------------------------------------------------------------------


class Server:
    """`archive serve` in a subprocess on a free loopback port; stopped by `stop()`."""

    def __init__(self, config: Path, log: Path, threads: int, workers: int = 1) -> None:
        self.log = log
        self._log_handle = open(log, "w", encoding="utf-8")  # closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "archive", "serve", "--config", str(config),
             "--host", "127.0.0.1", "--port", "0", "--threads", str(threads),
             "--workers", str(workers)],
            stdout=self._log_handle, stderr=subprocess.STDOUT, cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.port = self._wait_port()
        self._wait_workers(workers)

    def _wait_workers(self, count: int, grace_s: float = 2.0) -> None:
        """Under gunicorn, wait for every worker (the port is bound before they are forked):
        the clients' keep-alive connections, made before the others are up, would all be
        accepted by the first worker, and the others would serve nothing."""
        if count < 2:
            return
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while len(self.workers()) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(grace_s)  # a forked worker reaches its accept loop

    def _wait_port(self) -> int:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited ({self.proc.returncode}):\n"
                                 + self.log.read_text(encoding="utf-8"))
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", self.log.read_text(encoding="utf-8"))
            if found:
                return int(found.group(1))
            time.sleep(0.1)
        raise SystemExit("the server did not say which port it listens on")

    def workers(self) -> list[int]:
        """The worker processes of `--workers N` (gunicorn's), none under waitress."""
        try:
            with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children",
                      encoding="ascii") as handle:
                return [int(pid) for pid in handle.read().split()]
        except OSError:
            return []

    @staticmethod
    def _status_kb(pid: int) -> dict[str, int] | None:
        wanted = {"VmRSS:": "rss", "RssAnon:": "anon", "RssFile:": "file"}
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as handle:
                lines = [line.split() for line in handle]
        except OSError:
            return None
        found = {wanted[row[0]]: int(row[1]) for row in lines if row and row[0] in wanted}
        return found if "rss" in found else None

    def memory_kb(self) -> dict[str, int] | None:
        """Resident memory in kB: all (VmRSS), anonymous (heap) and file-backed (mapped index),
        summed over the server and its workers (file-backed pages shared between workers count
        once per worker), and each worker's RSS (`workers`, by pid order)."""
        found = self._status_kb(self.proc.pid)
        if found is None:
            return None
        workers = [kb for kb in map(self._status_kb, self.workers()) if kb is not None]
        for kb in workers:
            for key in ("rss", "anon", "file"):
                found[key] = found.get(key, 0) + kb.get(key, 0)
        return {**found, "workers": [kb["rss"] for kb in workers]}

    def open_generations(self, index: Path) -> dict[str, dict[str, int]]:
        """Per index generation, the open descriptors and memory maps on its files of the
        server and its workers."""
        prefix = str(index.resolve()) + "/"
        census: dict[str, dict[str, int]] = defaultdict(lambda: {"fds": 0, "maps": 0})
        for pid in [self.proc.pid, *self.workers()]:
            try:
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    try:
                        target = os.readlink(f"/proc/{pid}/fd/{fd}")
                    except OSError:
                        continue
                    if target.startswith(prefix):
                        census[target[len(prefix):].split("/", 1)[0]]["fds"] += 1
                with open(f"/proc/{pid}/maps", encoding="utf-8") as handle:
                    for line in handle:
                        fields = line.split(maxsplit=5)
                        path = fields[5].strip() if len(fields) == 6 else ""
                        if path.startswith(prefix):
                            census[path[len(prefix):].split("/", 1)[0]]["maps"] += 1
            except OSError:
                continue
        return {name: dict(counts) for name, counts in sorted(census.items())}

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) the server and its workers have used so far (None once it
        has gone)."""
        total = 0.0
        for pid in [self.proc.pid, *self.workers()]:
            try:
                with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                if pid == self.proc.pid:
                    return None
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        """Terminate the server (kill it if it does not stop) and close its log."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # waitress stops cleanly on KeyboardInterrupt
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log_handle.close()

    def log_errors(self) -> list[str]:
        """The server log's lines that report an unhandled error or a traceback."""
        lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return [line for line in lines
                if "Traceback" in line or "unhandled error" in line or "ERROR" in line]


# --- the request mix -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """One request to make: its kind, path, the statuses that are right, text it must not echo."""

    kind: str
    path: str
    expect: frozenset[int] = OK
    must_not_echo: str = ""



class Mix:
    """A seeded, realistic request mix over one synthetic archive."""

    WEIGHTS = {
        "search_one": 12, "search_two": 8, "search_phrase": 6, "search_facets": 12,
        "search_dates": 6, "search_deep": 4, "browse_filtered": 8, "browse_lists": 6,
        "article": 13, "api_search": 6, "api_article": 4, "export": 1, "feed_home": 4,
    }

    def __init__(self, n: int, seed: int = 42) -> None:
        gen = Generator(seed)
        self.words = pick_words(40)
        sample = random.Random(seed).sample(range(n), min(n, 300))
        self.ids = [gen.article(i).id for i in sample]
        self.sections = list(SECTIONS)
        self.authors = gen.authors
        self.orgs = gen.orgs
        self.years = [str(y) for y in range(1995, 2027)]
        self.kinds = list(self.WEIGHTS)
        self.weights = [self.WEIGHTS[k] for k in self.kinds]

    def next(self, rng: random.Random) -> Planned:
        """The next request: hostile with probability HOSTILE_SHARE, else by the weights."""
        if rng.random() < HOSTILE_SHARE:
            return self.hostile(rng)
        kind = rng.choices(self.kinds, self.weights)[0]
        return getattr(self, kind)(rng)

    # ordinary visitors

    def _word(self, rng: random.Random) -> str:
        return rng.choice(self.words)

    def _filters(self, rng: random.Random, count: int) -> list[tuple[str, str]]:
        choices = [("section", lambda: rng.choice(self.sections)),
                   ("year", lambda: rng.choice(self.years)),
                   ("author", lambda: rng.choice(self.authors)),
                   ("organisation", lambda: rng.choice(self.orgs))]
        return [(name, value()) for name, value in rng.sample(choices, count)]

    @staticmethod
    def _url(path: str, params: list[tuple[str, str]]) -> str:
        return f"{path}?{urlencode(params)}" if params else path

    def search_one(self, rng):
        return Planned("search_one", self._url("/search", [("q", self._word(rng))]))

    def search_two(self, rng):
        q = f"{self._word(rng)} {self._word(rng)}"
        return Planned("search_two", self._url("/search", [("q", q)]))

    def search_phrase(self, rng):
        q = f'"{self._word(rng)} {self._word(rng)}"'
        return Planned("search_phrase", self._url("/search", [("q", q)]))

    def search_facets(self, rng):
        params = [("q", self._word(rng)), *self._filters(rng, rng.randint(1, 3))]
        params.append(("sort", rng.choice(("relevance", "newest", "oldest"))))
        return Planned("search_facets", self._url("/search", params))

    def search_dates(self, rng):
        first = rng.randint(1995, 2024)
        last = rng.randint(first, 2026)
        params = [("q", self._word(rng)), ("from", f"{first}-{rng.randint(1, 12):02d}"),
                  ("to", str(last)), ("sort", rng.choice(("newest", "oldest", "relevance")))]
        return Planned("search_dates", self._url("/search", params))

    def search_deep(self, rng):
        # frequent words, so that deep pages exist; page_max is 100
        params = [("q", rng.choice(self.words[:5])), ("page", str(rng.randint(20, 100)))]
        return Planned("search_deep", self._url("/search", params))

    def browse_filtered(self, rng):
        params = [*self._filters(rng, rng.randint(1, 2)), ("sort", "newest")]
        if rng.random() < 0.3:
            params.append(("page", str(rng.randint(2, 5))))
        return Planned("browse_filtered", self._url("/search", params))

    def browse_lists(self, rng):
        path = rng.choice(("/sections", "/organisations", "/years", "/authors"))
        params = [("letter", rng.choice("ABCDKST"))] if path in ("/organisations", "/authors") \
            and rng.random() < 0.5 else []
        return Planned("browse_lists", self._url(path, params))

    def article(self, rng):
        return Planned("article", f"/article/{rng.choice(self.ids)}")

    def api_search(self, rng):
        params = [("q", self._word(rng)), *self._filters(rng, rng.randint(0, 2))]
        return Planned("api_search", self._url("/api/search", params))

    def api_article(self, rng):
        return Planned("api_article", f"/api/article/{rng.choice(self.ids)}")

    def export(self, rng):
        # narrow (a word in one section and one year) and capped by export_max_rows anyway
        params = [("q", self._word(rng)), ("section", rng.choice(self.sections)),
                  ("year", rng.choice(self.years))]
        path = rng.choice(("/export.csv", "/export.jsonl"))
        return Planned("export", self._url(path, params))

    def feed_home(self, rng):
        path = rng.choice(("/", "/feed.atom?" + urlencode({"q": self._word(rng)}),
                           "/healthz", "/opensearch.xml"))
        return Planned("feed_home", path)

    # hostile visitors

    def hostile(self, rng: random.Random) -> Planned:
        """A malformed, oversized or malicious request, with the answer it must get."""
        w = self._word(rng)
        qw = quote(w)  # for the paths written by hand below
        xss = '<script>alert("x1")</script>'
        img = '"><img src=x onerror=alert(2)>'
        cases = [
            (f"/search?q={qw}&page=0", REFUSED, ""),
            (f"/search?q={qw}&page=-3", REFUSED, ""),
            (f"/search?q={qw}&page=abc", REFUSED, ""),
            (f"/search?q={qw}&page={10**30}", REFUSED, ""),
            (f"/search?q={qw}&page=101", REFUSED, ""),
            ("/search?" + urlencode({"q": " ".join([w] * 400)}), TOO_LONG, ""),
            ("/search?" + urlencode({"q": "x" * 5000}), REFUSED, ""),
            ("/search?" + urlencode({"q": f'"{w} {self._word(rng)}'}), LENIENT, ""),
            ("/search?" + urlencode({"q": f"*{w[2:]}"}), REFUSED, ""),
            ("/search?" + urlencode({"q": "(" * 40 + w + ")" * 40}), LENIENT, ""),
            ("/search?" + urlencode({"q": f"{w}) OR (("}), LENIENT, ""),
            ("/search?" + urlencode({"q": xss}), LENIENT, xss),
            ("/search?" + urlencode({"q": w, "section": img}), OK, img),
            ("/api/search?" + urlencode({"q": xss}), LENIENT, ""),  # JSON may hold it as data
            ("/search?" + urlencode({"q": f"{w}\u202e\u0301\x00\x07 🦊"}), LENIENT, ""),
            (f"/search?q={qw}&year=20x9", REFUSED, ""),
            (f"/search?q={qw}&from=2020&to=2010", REFUSED, ""),
            (f"/search?q={qw}&from=2019-13-45", REFUSED, ""),
            (f"/search?q={qw}&sort=random", REFUSED, ""),
            ("/search?" + urlencode([("q", w)] + [("section", f"s{i}") for i in range(60)]),
             REFUSED, ""),
            # many filter values across facets: a bounded answer, or a clear 400
            ("/search?" + urlencode([("q", w)] + [(facet, f"{facet[:2]}{i}") for i in range(12)
                                                  for facet in ("section", "author",
                                                                "organisation")]),
             REFUSED, ""),
            # fuzzy-heavy: every word expanded, within the time limit and the word budget
            ("/search?" + urlencode({"q": " ".join(f"{self._word(rng)}~"
                                                   for _ in range(32))}), LENIENT, ""),
            ("/api/search?" + urlencode({"q": " ".join(f"{self._word(rng)[:3]}*"
                                                       for _ in range(20))}), LENIENT, ""),
            ("/search?" + urlencode({"q": w, "author": "A" * 400}), REFUSED, ""),
            (f"/api/search?q={qw}&page=-1", REFUSED, ""),
            (f"/export.csv?q={qw}&page=abc", REFUSED, ""),
            ("/article/" + quote("<script>"), NOT_FOUND, ""),
            ("/article/../../etc/passwd", NOT_FOUND, ""),
            ("/article/" + "0" * 40, NOT_FOUND, ""),
            ("/api/article/nope", NOT_FOUND, ""),
            ("/search?" + urlencode({"q": w, "lang": "javascript:alert(3)"}), OK,
             "javascript:alert(3)"),
        ]
        path, expect, payload = rng.choice(cases)
        return Planned("hostile", path, expect, payload)


# --- the attacker on connections ----------------------------------------------------------------


class Attack(threading.Thread):
    """Slow-loris sockets kept trickling, and large bodies posted now and then: what each got."""

    def __init__(self, port: int, slow: int, trickle_s: float = 5.0, body_every_s: float = 2.0
                 ) -> None:
        super().__init__(daemon=True)
        self.port, self.slow = port, slow
        self.trickle_s, self.body_every_s = trickle_s, body_every_s
        self.stop = threading.Event()
        self.opened = 0
        self.refused = 0  # slow sockets the server would not even accept
        self.closed_by_server = 0
        self.bodies: list[tuple[int, float]] = []  # (status, seconds to the answer)

    def run(self) -> None:
        sockets = []
        for _ in range(self.slow):
            try:
                sock = socket.create_connection(("127.0.0.1", self.port), timeout=2)
                sock.sendall(b"GET /search?q=gr")
                sockets.append(sock)
                self.opened += 1
            except OSError:
                self.refused += 1
        next_trickle = next_body = time.monotonic()
        while not self.stop.wait(0.1):
            now = time.monotonic()
            if now >= next_trickle:
                next_trickle = now + self.trickle_s
                alive = []
                for sock in sockets:
                    try:
                        sock.sendall(b"e")
                        alive.append(sock)
                    except OSError:
                        self.closed_by_server += 1
                        sock.close()
                sockets = alive
            if now >= next_body:
                next_body = now + self.body_every_s
                self.bodies.append(self._large_body())
        for sock in sockets:
            sock.close()

    def _large_body(self) -> tuple[int, float]:
        started = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
                sock.sendall(f"POST /api/search HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                             "Content-Length: 10485760\r\n\r\n".encode() + b"x" * 65536)
                line = sock.recv(64).split(b"\r\n", 1)[0].split()
                status = int(line[1]) if len(line) > 1 else 0
        except (OSError, ValueError):
            status = 0
        return status, time.monotonic() - started

    def summary(self) -> dict:
        """What the attack got, for the run's figures."""
        times = sorted(t * 1000 for _s, t in self.bodies)
        return {"slow_connections": self.slow, "opened": self.opened, "refused": self.refused,
                "closed_by_server": self.closed_by_server,
                "large_bodies": len(self.bodies),
                "large_body_statuses": dict(Counter(s for s, _t in self.bodies)),
                "large_body_p50_ms": percentile(times, 50),
                "large_body_max_ms": times[-1] if times else float("nan")}


# --- the clients ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one request got."""

    kind: str
    path: str
    start: float  # seconds since the load began
    latency: float
    status: int  # 0 when no response came back
    error: str = ""
    unexpected: bool = False
    echoed: bool = False
    size: int = 0


@dataclass
class Load:
    """Thread-pool clients, each with one keep-alive connection, running until told to stop."""

    port: int
    mix: Mix
    concurrency: int
    max_requests: int
    seed: int = 42
    outcomes: list[Outcome] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    t0: float = 0.0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start the client threads."""
        self.t0 = time.monotonic()
        for number in range(self.concurrency):
            thread = threading.Thread(target=self._client, args=(number,), daemon=True,
                                      name=f"load-{number}")
            thread.start()
            self._threads.append(thread)

    def join(self, timeout: float = REQUEST_TIMEOUT_S + 5) -> None:
        """Stop the clients and wait for each one's request in flight."""
        self.stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _client(self, number: int) -> None:
        rng = random.Random(self.seed * 1000 + number)
        conn = None
        while not self.stop.is_set():
            with self._lock:
                if len(self.outcomes) >= self.max_requests:
                    self.stop.set()
                    break
            planned = self.mix.next(rng)
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                  timeout=REQUEST_TIMEOUT_S)
            started = time.monotonic()
            try:
                conn.request("GET", planned.path, headers={"Accept-Language": "fr"})
                response = conn.getresponse()
                body = response.read()
                outcome = Outcome(planned.kind, planned.path, started - self.t0,
                                  time.monotonic() - started, response.status, size=len(body))
                outcome.unexpected = response.status not in planned.expect
                if planned.must_not_echo:
                    outcome.echoed = planned.must_not_echo.encode() in body
                if response.will_close:
                    conn.close()
                    conn = None
            except Exception as exc:  # any failure is a figure to report, never a crash
                outcome = Outcome(planned.kind, planned.path, started - self.t0,
                                  time.monotonic() - started, 0, error=repr(exc))
                conn.close()
                conn = None
            with self._lock:
                self.outcomes.append(outcome)
        if conn is not None:
            conn.close()


# --- measuring -----------------------------------------------------------------------------------


class Watcher(threading.Thread):
    """Samples the server's RSS every second and notes when CURRENT changes (every 50 ms)."""

    def __init__(self, server: Server, index: Path, t0: float) -> None:
        super().__init__(daemon=True, name="watcher")
        self.server, self.index, self.t0 = server, index, t0
        self.rss: list[tuple[float, dict[str, int]]] = []
        self.swaps: list[tuple[float, str]] = []
        self.done = threading.Event()

    def run(self) -> None:
        """Sample until told to stop."""
        current, next_rss = read_current(self.index), 0.0
        while not self.done.is_set():
            now = time.monotonic() - self.t0
            name = read_current(self.index)
            if name and name != current:
                self.swaps.append((now, name))
                current = name
            if now >= next_rss:
                kb = self.server.memory_kb()
                if kb is not None:
                    self.rss.append((now, kb))
                next_rss += 1.0
            self.done.wait(0.05)


def percentile(sorted_values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def edit_articles(data: Path, n: int, count: int, seed: int = 42) -> list[int]:
    """Rewrite `count` article files spread over the archive with new bodies; their numbers."""
    gen = Generator(seed)
    step = max(n // count, 1)
    numbers = list(range(3, n, step))[:count]
    revision = int(time.time())
    for i in numbers:
        articlefile.write(data / "articles", gen.article(i, revision=revision))
    return numbers


def summarise(load: Load, watcher: Watcher, duration: float, warmup: float,
              reindex: dict, server_errors: list[str]) -> dict:
    """The figures of one run, as a JSON-ready dict."""
    outcomes = list(load.outcomes)
    elapsed = max((o.start + o.latency for o in outcomes), default=duration)
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_kind[o.kind].append(o)
    kinds = {}
    for kind in sorted(by_kind):
        done = by_kind[kind]
        lat = sorted(o.latency * 1000 for o in done if o.start >= warmup and o.status)
        kinds[kind] = {"requests": len(done), "p50_ms": percentile(lat, 50),
                       "p95_ms": percentile(lat, 95), "p99_ms": percentile(lat, 99),
                       "max_ms": lat[-1] if lat else float("nan"),
                       "statuses": dict(sorted(Counter(o.status for o in done).items()))}
    failed = [o for o in outcomes if o.status == 0]
    five = [o for o in outcomes if o.status >= 500]
    unexpected = [o for o in outcomes if o.unexpected and o.status]
    echoed = [o for o in outcomes if o.echoed]
    swap_at = reindex.get("swap_at")
    window = None
    if swap_at is not None:
        lo, hi = reindex["started_at"] - SWAP_WINDOW_S[0], swap_at + SWAP_WINDOW_S[1]
        around = [o for o in outcomes if lo <= o.start <= hi]
        lat = sorted(o.latency * 1000 for o in around if o.status)
        window = {"from_s": lo, "to_s": hi, "requests": len(around),
                  "failed": sum(o.status == 0 for o in around),
                  "5xx": sum(o.status >= 500 for o in around),
                  "unexpected": sum(o.unexpected for o in around),
                  "p50_ms": percentile(lat, 50), "p95_ms": percentile(lat, 95),
                  "p99_ms": percentile(lat, 99)}
    rss = watcher.rss

    def memory(key: str) -> dict:
        after_warmup = next((kb[key] for t, kb in rss if t >= warmup), None)
        end = rss[-1][1][key] if rss else None
        return {"after_warmup": after_warmup and after_warmup / 1024,
                "end": end and end / 1024,
                "max": max((kb[key] for _, kb in rss), default=0) / 1024,
                "growth_after_warmup": (end - after_warmup) / 1024
                if end is not None and after_warmup is not None else None}

    def example(items: list[Outcome]) -> list[dict]:
        return [{"kind": o.kind, "path": o.path[:300], "status": o.status, "error": o.error,
                 "at_s": round(o.start, 2)} for o in items[:20]]

    return {
        "duration_s": elapsed, "warmup_s": warmup, "requests": len(outcomes),
        "requests_per_s": len(outcomes) / elapsed if elapsed else 0.0,
        "statuses": dict(sorted(Counter(o.status for o in outcomes).items())),
        "kinds": kinds,
        "failed_requests": len(failed), "failed_examples": example(failed),
        "server_errors_5xx": len(five), "5xx_examples": example(five),
        "unexpected_status": len(unexpected), "unexpected_examples": example(unexpected),
        "payload_echoed": len(echoed), "echoed_examples": example(echoed),
        "hostile": {"requests": len(by_kind.get("hostile", [])),
                    "as_expected": sum(bool(o.status) and not o.unexpected
                                       for o in by_kind.get("hostile", []))},
        "reindex": reindex, "around_swap": window,
        "worker_rss_mb": worker_rss(rss, warmup),
        "memory_mb": {**memory("rss"), "anon": memory("anon"), "file": memory("file"),
                      "samples": [(round(t, 1), round(kb["rss"] / 1024, 1),
                                   round(kb.get("anon", 0) / 1024, 1)) for t, kb in rss]},
        "server_log_errors": server_errors[:20],
    }


def worker_rss(rss: list[tuple[float, dict]], warmup: float) -> dict | None:
    """Each worker's RSS in MB after warm-up, at the end and at most (None under waitress)."""
    if not rss or not rss[-1][1].get("workers"):
        return None
    after = next((kb["workers"] for t, kb in rss if t >= warmup), rss[-1][1]["workers"])
    most = [max(kb["workers"][i] for _, kb in rss if len(kb["workers"]) > i)
            for i in range(len(rss[-1][1]["workers"]))]
    return {"after_warmup": [round(kb / 1024) for kb in after],
            "end": [round(kb / 1024) for kb in rss[-1][1]["workers"]],
            "max": [round(kb / 1024) for kb in most]}


def run(n: int, duration: float, workdir: Path, concurrency: int = 8, server_threads: int = 4,
        changed: int = 100, max_requests: int = 200_000, reuse_from: Path | None = None,
        warmup: float | None = None, log=print, slow_connections: int = 150,
        workers: int = 1) -> dict:
    """Build or reuse the archive, serve it, load it with a reindex halfway; the figures."""
    duration = min(duration, MAX_DURATION_S)
    warmup = min(15.0, duration / 6) if warmup is None else warmup
    workdir.mkdir(parents=True, exist_ok=True)
    built = ensure_archive(workdir, n, reuse_from)
    log(f"archive of {n} articles ready ({built['how']}, {built.get('ready_s', 0):.0f}s)")
    config = write_config(workdir)
    data, index = workdir / "data", workdir / "index"
    mix = Mix(n)
    server = Server(config, workdir / "server.log", server_threads, workers)
    load = watcher = reindex_proc = attack = None
    reindex: dict = {}
    server_cpu = client_cpu = None
    load_before = os.getloadavg()[0]
    try:
        log(f"server pid {server.proc.pid} on 127.0.0.1:{server.port}; "
            f"{concurrency} clients for {duration:.0f}s")
        load = Load(server.port, mix, concurrency, max_requests)
        cpu_before = server.cpu_seconds() or 0.0
        # the clients run on the same cores: their own CPU (this process, not the reindex job)
        client_before = _own_cpu()
        if slow_connections:
            attack = Attack(server.port, slow_connections)
            attack.start()
        load.start()
        watcher = Watcher(server, index, load.t0)
        watcher.start()
        load.stop.wait(duration / 2)
        before = read_current(index)
        reindex["edit_started_at"] = time.monotonic() - load.t0
        reindex["open_files_before"] = server.open_generations(index)
        edited = edit_articles(data, n, changed)
        reindex["started_at"] = time.monotonic() - load.t0
        reindex_proc = subprocess.Popen(
            [sys.executable, "-m", "archive", "reindex", "--config", str(config)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        out, _ = reindex_proc.communicate(timeout=max(duration, 300))
        reindex.update(finished_at=time.monotonic() - load.t0, exit_code=reindex_proc.returncode,
                       edited=len(edited), output=out.strip().splitlines())
        reindex_proc = None
        log(f"reindex done at {reindex['finished_at']:.1f}s: "
            + " | ".join(reindex["output"][:3]))
        load.stop.wait(max(0.0, load.t0 + duration - time.monotonic()))
        load.join()
        server_cpu = (server.cpu_seconds() or 0.0) - cpu_before
        client_cpu = _own_cpu() - client_before
        reindex["open_files_at_end"] = server.open_generations(index)
        watcher.done.set()
        watcher.join()
        swaps = watcher.swaps
        reindex.update(generation_before=before, generation_after=read_current(index),
                       swap_at=swaps[0][0] if swaps else None, swaps=len(swaps))
    finally:
        if attack is not None:
            attack.stop.set()
            attack.join(15)
        if load is not None:
            load.join()
        if watcher is not None:
            watcher.done.set()
        if reindex_proc is not None and reindex_proc.poll() is None:
            reindex_proc.kill()
            reindex_proc.wait()
        server.stop()
    summary = summarise(load, watcher, duration, warmup, reindex, server.log_errors())
    summary.update(attack=attack.summary() if attack is not None else None)
    summary.update(n=n, concurrency=concurrency, server_threads=server_threads, workers=workers,
                   archive=built,
                   server_cpu_s=server_cpu, load_average=(load_before, os.getloadavg()[0]),
                   cpus=os.cpu_count())
    if server_cpu and summary["requests"]:
        summary["server_cpu_ms_per_request"] = server_cpu * 1000 / summary["requests"]
    summary["client_cpu_s"] = client_cpu
    if client_cpu and summary["requests"]:
        summary["client_cpu_ms_per_request"] = client_cpu * 1000 / summary["requests"]
    return summary


def _own_cpu() -> float:
    """CPU seconds of this process (the clients and the attacker), children left out."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- reporting -----------------------------------------------------------------------------------


def render(summary: dict) -> str:
    """The run's figures as a table for people."""
    s = summary
    cpu = s.get("server_cpu_ms_per_request")
    lines = [f"n={s['n']}: {s['requests']} requests in {s['duration_s']:.0f}s = "
             f"{s['requests_per_s']:.1f} req/s ({s['concurrency']} clients, "
             f"{s.get('workers', 1)} server process(es) of {s['server_threads']} threads; "
             f"latencies after {s['warmup_s']:.0f}s warm-up)",
             f"server CPU {s.get('server_cpu_s') or 0:.0f}s = "
             f"{cpu if cpu else float('nan'):.1f} ms per request; the clients' own CPU "
             f"{s.get('client_cpu_s') or 0:.0f}s = "
             f"{s.get('client_cpu_ms_per_request') or float('nan'):.1f} ms per request; "
             "load average "
             f"{s['load_average'][0]:.1f} -> {s['load_average'][1]:.1f} on {s['cpus']} cores",
             f"{'kind':16} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
             "  statuses"]
    for kind, k in s["kinds"].items():
        statuses = " ".join(f"{code}:{count}" for code, count in k["statuses"].items())
        lines.append(f"{kind:16} {k['requests']:6d} {k['p50_ms']:8.1f} {k['p95_ms']:8.1f} "
                     f"{k['p99_ms']:8.1f} {k['max_ms']:8.1f}  {statuses}")
    lines.append("statuses: " + ", ".join(f"{c}: {m}" for c, m in s["statuses"].items()))
    lines.append(f"failed requests (no response): {s['failed_requests']}; 5xx: "
                 f"{s['server_errors_5xx']}; unexpected status: {s['unexpected_status']}; "
                 f"payload echoed: {s['payload_echoed']}; hostile as expected: "
                 f"{s['hostile']['as_expected']}/{s['hostile']['requests']}")
    for key in ("failed_examples", "5xx_examples", "unexpected_examples", "echoed_examples"):
        for e in s[key][:5]:
            lines.append(f"  {key.split('_')[0]}: {e['status']} {e['path'][:120]} {e['error']}")
    a = s.get("attack")
    if a:
        lines.append(f"attack: {a['opened']}/{a['slow_connections']} slow connections opened "
                     f"({a['refused']} refused), {a['closed_by_server']} closed by the server; "
                     f"{a['large_bodies']} bodies of 10 MB: {a['large_body_statuses']}, p50 "
                     f"{a['large_body_p50_ms']:.0f} ms, max {a['large_body_max_ms']:.0f} ms")
    r, w = s["reindex"], s["around_swap"]
    if r.get("swap_at") is not None:
        lines.append(f"reindex: {r['edited']} files edited at {r['edit_started_at']:.1f}s, job "
                     f"{r['started_at']:.1f}s -> {r['finished_at']:.1f}s, CURRENT swapped at "
                     f"{r['swap_at']:.1f}s ({r['generation_before']} -> {r['generation_after']})")
        lines.append(f"around the swap ({w['from_s']:.1f}s-{w['to_s']:.1f}s): {w['requests']} "
                     f"requests, {w['failed']} failed, {w['5xx']} 5xx, {w['unexpected']} "
                     f"unexpected; p50 {w['p50_ms']:.0f} ms, p95 {w['p95_ms']:.0f} ms, "
                     f"p99 {w['p99_ms']:.0f} ms")
    else:
        lines.append(f"reindex: NO SWAP seen (exit {r.get('exit_code')}): {r.get('output')}")
    if r.get("open_files_at_end") is not None:
        lines.append(f"server's open files per generation: under load before the reindex "
                     f"{r.get('open_files_before')}; clients stopped at the end "
                     f"{r['open_files_at_end']}")
        replaced = r["open_files_at_end"].get(r.get("generation_before") or "", {})
        if r.get("generation_after") != r.get("generation_before"):
            lines.append("the replaced generation at the end: " + (
                f"STILL OPEN ({replaced.get('fds', 0)} descriptors, {replaced.get('maps', 0)} "
                "maps)" if replaced else "released by every process"))
    m = s["memory_mb"]
    for label, part in (("RSS", m), ("  of which anonymous", m["anon"]),
                        ("  of which file-backed", m["file"])):
        growth = part["growth_after_warmup"]
        lines.append(f"server {label}: {part['after_warmup'] or 0:.0f} MB after warm-up, "
                     f"{part['end'] or 0:.0f} MB at the end, max {part['max']:.0f} MB, growth "
                     f"after warm-up {growth if growth is not None else float('nan'):+.0f} MB")
    w = s.get("worker_rss_mb")
    if w:
        lines.append(f"per-worker RSS (MB): after warm-up {w['after_warmup']}, at the end "
                     f"{w['end']}, max {w['max']}")
    if s["server_log_errors"]:
        lines.append(f"server log errors: {len(s['server_log_errors'])}, first: "
                     f"{s['server_log_errors'][0][:200]}")
    return "\n".join(lines)


def main() -> None:
    """Command line: run the load benchmark, print the table, write the JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="Synthetic articles.")
    parser.add_argument("--duration", type=float, default=120.0,
                        help=f"Seconds of load (at most {MAX_DURATION_S:.0f}).")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="Folder for the archive, index, config and log "
                             "(default /tmp/bench-load-N; reused when already built).")
    parser.add_argument("--reuse-from", type=Path, default=None,
                        help="Hard-link DIR/data and DIR/index's serving generation instead of "
                             "building (e.g. /tmp/bench-reindex-100000).")
    parser.add_argument("--concurrency", type=int, default=8, help="Client threads.")
    parser.add_argument("--server-threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1,
                        help="Server processes: 1 is waitress, more is gunicorn "
                             "(`archive serve --workers N`).")
    parser.add_argument("--warmup", type=float, default=None,
                        help="Seconds left out of latencies and memory growth (default: "
                             "duration/6, at most 15).")
    parser.add_argument("--changed", type=int, default=100,
                        help="Article files edited before the reindex.")
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--slow-connections", type=int, default=None,
                        help="Slow-loris sockets held during the load (0: none; default 150 "
                             "with waitress, 0 with gunicorn, which must stand behind nginx).")
    parser.add_argument("--json", type=Path, default=None,
                        help="Where to write the summary (default WORKDIR/load-summary.json).")
    args = parser.parse_args()
    workdir = args.workdir or Path(f"/tmp/bench-load-{args.n}")
    if args.slow_connections is None:
        # A gthread worker's thread reads a request to its end, so trickling clients hold every
        # thread of a bare gunicorn (archive/web/prefork.py): in production nginx buffers them.
        args.slow_connections = 150 if args.workers == 1 else 0
        if args.workers > 1:
            print("no slow-loris attack: gunicorn stands behind nginx, which buffers requests "
                  "(--slow-connections N to hold N anyway)")

    def interrupted(_signum, _frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)
    try:
        summary = run(args.n, args.duration, workdir, args.concurrency, args.server_threads,
                      args.changed, args.max_requests, args.reuse_from, args.warmup,
                      slow_connections=args.slow_connections, workers=args.workers)
    except KeyboardInterrupt:
        print("interrupted: server and clients stopped", file=sys.stderr)
        sys.exit(130)
    out = args.json or workdir / "load-summary.json"
    out.write_text(json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8")
    print(render(summary))
    print(f"summary: {out}")


if __name__ == "__main__":
    main()
