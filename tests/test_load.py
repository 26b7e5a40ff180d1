"""Load: the real server under a short mixed load, with an incremental reindex swapped in halfway.

The short version of `bench/bench_load.py`: 2,000 synthetic articles, about 12 s of requests
from four keep-alive clients against `archive serve` in a subprocess on 127.0.0.1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import bench_load  # noqa: E402


@pytest.mark.slow
def test_server_holds_a_mixed_load_and_a_reindex_swap(tmp_path: Path) -> None:
    summary = bench_load.run(n=2000, duration=12, workdir=tmp_path, concurrency=4,
                             changed=50, log=lambda _line: None)
    report = bench_load.render(summary)

    # every request got an answer, none of them a server error
    assert summary["requests"] >= 100, report
    assert summary["failed_requests"] == 0, report
    assert summary["server_errors_5xx"] == 0, report
    assert summary["server_log_errors"] == [], report
    # ordinary requests got 200, hostile ones their 400 or 404, and no payload came back raw
    assert summary["unexpected_status"] == 0, report
    assert summary["payload_echoed"] == 0, report
    hostile = summary["hostile"]
    assert hostile["requests"] > 0 and hostile["as_expected"] == hostile["requests"], report
    assert summary["statuses"].get(400, 0) > 0, report
    # slow-loris sockets held throughout and 10 MB bodies left the site answering: each body
    # got its 413 at once
    attack = summary["attack"]
    assert attack["opened"] == attack["slow_connections"] > 100, report
    assert attack["large_bodies"] > 0 and set(attack["large_body_statuses"]) == {413}, report

    # the reindex swapped in a new generation while the clients kept going
    reindex = summary["reindex"]
    assert reindex["exit_code"] == 0, report
    assert "updated 50," in "\n".join(reindex["output"]), report
    assert reindex["swaps"] == 1, report
    assert reindex["generation_after"] != reindex["generation_before"], report
    # ... and the server let go of the generation it replaced: no file of it open or mapped
    assert reindex["generation_before"] not in reindex["open_files_at_end"], report
    around = summary["around_swap"]
    assert around["requests"] > 0 and around["failed"] == around["5xx"] == 0, report

    # the server's memory was sampled each second and did not run away
    memory = summary["memory_mb"]
    assert len(memory["samples"]) >= 10, report
    assert memory["growth_after_warmup"] < 100, report
