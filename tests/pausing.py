"""Run the `archive` command, stopped at a chosen checkpoint of its job: for kill tests.

    python tests/pausing.py POINT archive-arguments...

POINT is one of `generations.CHECKPOINTS`, or several joined by commas to stop at the last
one once the others have passed in order (`swapped,cleanup`: a cleanup after the swap, not the
one a job starts with). At that point the job prints `paused at POINT` on stderr and sleeps,
for the test to kill it there.
"""

from __future__ import annotations

import sys
import time

from archive.cli import main
from archive.indexing import generations


def pause_at(spec: str) -> None:
    """Register a checkpoint observer that stops the job at `spec`."""
    wanted = spec.split(",")
    unknown = set(wanted) - set(generations.CHECKPOINTS)
    if unknown:
        raise SystemExit(f"unknown checkpoint(s): {', '.join(sorted(unknown))}")
    passed: list[str] = []

    def observe(name: str) -> None:
        if len(passed) < len(wanted) - 1:
            if name == wanted[len(passed)]:
                passed.append(name)
        elif name == wanted[-1]:
            print(f"paused at {spec}", file=sys.stderr, flush=True)
            time.sleep(120)

    generations.checkpoint_observers.append(observe)


if __name__ == "__main__":
    pause_at(sys.argv[1])
    main(sys.argv[2:], prog_name="archive")
