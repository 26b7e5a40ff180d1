"""Read replicas (docs/scaling.md): a machine that receives each new generation folder and flips
its own CURRENT serves what the writer serves, and refuses a copy that did not arrive whole.

The writer is the real `archive reindex`; the replica runs the real `archive rollback --to`
and the real Flask app on an index folder that holds only what was shipped to it.
"""

from __future__ import annotations

import dataclasses
import filecmp
import os
import shutil
from pathlib import Path

from archive import articlefile
from archive.config import Config, load_config
from archive.indexing import generations
from archive.web import create_app
from tests.test_reindex_jobs import make_article, run, write_version

N = 60


def ship(writer: Config, replica: Config, name: str) -> int:
    """Copy generation `name` to the replica as `rsync --link-dest` does: a file the replica's
    serving generation already holds, byte for byte, is hard-linked, not sent; returns the
    number of files sent."""
    source, target = writer.index_dir / name, replica.index_dir / name
    pointer = generations.read_pointer(replica.index_dir) if (
        replica.index_dir / generations.POINTER).exists() else None
    have = replica.index_dir / pointer.current if pointer else None
    sent = 0
    for path in sorted(source.rglob("*")):
        out = target / path.relative_to(source)
        if path.is_dir():
            out.mkdir(parents=True, exist_ok=True)
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        old = have / path.relative_to(source) if have else None
        if old is not None and old.is_file() and filecmp.cmp(old, path, shallow=False):
            os.link(old, out)
        else:
            shutil.copy2(path, out)
            sent += 1
    return sent


def totals(config: Config) -> dict[str, int]:
    """Hits per query through the JSON API of the real app on this index."""
    unthrottled = dataclasses.replace(config, limits=dataclasses.replace(
        config.limits, rate_limit_per_minute=10**9))
    client = create_app(unthrottled).test_client()
    return {q: client.get(f"/api/search?q={q}").get_json()["total"]
            for q in ("papaye", "mangue", "coton", "grève")}


def test_a_replica_serves_each_generation_it_receives_and_sends_only_new_segments(
        tmp_path: Path):
    writer = load_config(data=tmp_path / "w" / "data", index=tmp_path / "w" / "index")
    write_version(writer, "papaye", N)
    assert run(writer, "reindex").returncode == 0
    # The replica has the configuration (authority, publishers) but no articles, only index/.
    replica_data = tmp_path / "r" / "data"
    replica_data.mkdir(parents=True)
    for name in ("organisations.yaml", "publishers.yaml"):
        if (writer.data_dir / name).exists():
            shutil.copy2(writer.data_dir / name, replica_data / name)
    replica = load_config(data=replica_data, index=tmp_path / "r" / "index")
    replica.index_dir.mkdir(parents=True)

    first = generations.read_pointer(writer.index_dir).current
    ship(writer, replica, first)
    flipped = run(replica, "rollback", "--to", first)
    assert flipped.returncode == 0, flipped.stderr
    assert totals(replica) == totals(writer) and totals(replica)["papaye"] == N

    # A day's work on the writer: five articles changed; the incremental generation shares the
    # unchanged segment files, so the replica receives little.
    for i in range(5):
        articlefile.write(writer.articles_dir, make_article(i, "mangue"))
    assert run(writer, "reindex").returncode == 0
    second = generations.read_pointer(writer.index_dir).current
    assert second != first
    sent = ship(writer, replica, second)
    files = sum(1 for p in (writer.index_dir / second).rglob("*") if p.is_file())
    assert sent < files, "unchanged segment files must not be sent again"
    assert run(replica, "rollback", "--to", second).returncode == 0
    assert totals(replica) == totals(writer) and totals(replica)["mangue"] == 5
    assert generations.read_pointer(replica.index_dir) == generations.Pointer(second, first)


def test_a_replica_refuses_a_copy_that_did_not_arrive_whole(tmp_path: Path):
    writer = load_config(data=tmp_path / "w" / "data", index=tmp_path / "w" / "index")
    write_version(writer, "papaye", N)
    assert run(writer, "reindex").returncode == 0
    replica = load_config(data=tmp_path / "r" / "data", index=tmp_path / "r" / "index")
    (replica.data_dir / "articles").mkdir(parents=True)
    replica.index_dir.mkdir(parents=True)
    first = generations.read_pointer(writer.index_dir).current
    ship(writer, replica, first)
    assert run(replica, "rollback", "--to", first).returncode == 0

    write_version(writer, "mangue", N)
    assert run(writer, "reindex").returncode == 0
    second = generations.read_pointer(writer.index_dir).current
    ship(writer, replica, second)
    # the copy was cut short: the largest file sent (not one linked to the serving generation:
    # rsync never writes into those, it links or replaces) lost its tail
    largest = max((p for p in (replica.index_dir / second).rglob("*")
                   if p.is_file() and p.stat().st_nlink == 1), key=lambda p: p.stat().st_size)
    os.truncate(largest, largest.stat().st_size // 2)
    refused = run(replica, "rollback", "--to", second)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert f"generation {second} cannot serve" in refused.stderr
    assert f"generation {first} still serves, unchanged" in refused.stderr
    assert generations.read_pointer(replica.index_dir).current == first
    assert totals(replica)["papaye"] == N and totals(replica)["mangue"] == 0
