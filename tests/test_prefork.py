"""`archive serve --workers 2`: the real command on gunicorn, started here on a loopback port,
answering /healthz and a search from two worker processes, then stopped cleanly. Skipped, with
the reason, where gunicorn cannot run (Windows)."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.web import prefork
from tests.test_production import _free_port, _wait_for
from tests.webarchive import build_archive

pytestmark = pytest.mark.skipif(prefork.available() is not None,
                                reason=f"{prefork.available()}: --workers is untested")


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in children.read_text().split()] if children.exists() else []


def test_two_gunicorn_workers_answer_and_stop_cleanly(tmp_path):
    config = build_archive(tmp_path)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "archive", "--data", str(config.data_dir),
         "--index", str(config.index_dir), "serve", "--workers", "2", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    try:
        _wait_for(port, server, "archive serve --workers 2")
        assert _get(port, "/healthz")[0] == 200
        status, body = _get(port, "/api/search?q=enseignants")
        assert status == 200
        assert "greve-des-enseignants-a-bamako" in [h["id"] for h in json.loads(body)["hits"]]
        deadline = time.monotonic() + 10
        while len(_children(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_children(server.pid)) == 2  # the arbiter and its two workers
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=20)
    assert server.returncode == 0, output
    assert "gunicorn, 2 workers" in output and output.rstrip().endswith("stopped")
