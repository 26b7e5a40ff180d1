"""The allocator policy of searching processes: memory freed by one search serves the next.

Each case runs in a fresh interpreter, since the policy holds for a whole process (and every
web app this test session creates has already asked for it).
"""

from __future__ import annotations

import ctypes
import subprocess
import sys

import pytest

# A search's temporaries at a million articles: arrays of 8 MB (a score per document, a
# frequent word's postings in float64), made and freed together, search after search.
ROUNDS = """
import resource, numpy as np
{policy}
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def search():
    temporaries = [np.ones(1_000_000) for _ in range(5)]
    return sum(float(t[-1]) for t in temporaries)
search()
before = faults()
for _ in range(10):
    search()
print((faults() - before) / 10)
"""


def _faults_per_round(policy: str) -> float:
    done = subprocess.run([sys.executable, "-c", ROUNDS.format(policy=policy)],
                          capture_output=True, text=True, check=True)
    return float(done.stdout)


def _glibc() -> bool:
    try:
        ctypes.CDLL(None).mallopt  # noqa: B018 - only glibc has it
    except (OSError, AttributeError):
        return False
    return True


@pytest.mark.skipif(not _glibc(), reason="the policy is glibc's mallopt; this C library has none")
def test_memory_freed_by_a_search_serves_the_next_without_the_kernel():
    # glibc alone gives the 40 MB back after each round and faults it in again
    assert _faults_per_round("") > 5
    kept = _faults_per_round("from archive.allocator import keep_freed_memory\n"
                             "assert keep_freed_memory()")
    assert kept < 1


@pytest.mark.skipif(not _glibc(), reason="the policy is glibc's mallopt; this C library has none")
def test_a_web_app_keeps_freed_memory(tmp_path):
    app = (f"from archive.config import load_config\nfrom archive.web import create_app\n"
           f"create_app(load_config(data={str(tmp_path)!r}, index={str(tmp_path / 'index')!r}))")
    assert _faults_per_round(app) < 1
