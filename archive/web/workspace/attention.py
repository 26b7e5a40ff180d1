"""What the workspace home shows as needing attention: what serves and whether data/ moved
since, the last jobs, every file rejected or kept at its last good version (with the reason
and a link to fix it), the organisation candidates."""

from __future__ import annotations

from dataclasses import dataclass, field

from ... import editing, orgreview
from ...config import Config
from ...errors import ArchiveError
from ...indexing import jobruns, status

JOBS_SHOWN = 5
CANDIDATES_SHOWN = 5
CHANGED_CHECKED = 500  # files changed since the last reindex parsed for the home page


@dataclass
class Problem:
    """A file that needs fixing: its name below data/articles, why, and what the site shows."""

    rel: str
    reason: str
    state: str  # "rejected" (not on the site), "kept" (its last good version is), "new"


@dataclass
class Attention:
    """Everything the home page lists."""

    serving: object = None  # a jobs.Status, or None
    index_problem: str | None = None
    jobs: list = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    candidates: object = None
    candidates_problem: str | None = None


def attention(config: Config) -> Attention:
    """Gather what the home page shows (each part says its own failure, none stops the page)."""
    found = Attention(jobs=jobruns.recent(config, JOBS_SHOWN))
    try:
        found.serving = status(config)
    except ArchiveError as exc:
        found.index_problem = exc.message
    seen = set()
    if found.serving is not None:
        manifest = found.serving.manifest
        for state in ("rejected", "kept"):
            for rel, (_digest, reason) in sorted((manifest.get(state) or {}).items()):
                found.problems.append(Problem(rel, reason, state))
                seen.add(rel)
        pending = (found.serving.added + found.serving.changed)[:CHANGED_CHECKED]
    else:
        pending = []
    for rel in pending:  # edited since the last reindex: will the next one take them?
        if rel in seen:
            continue
        try:
            opened = editing.open_file(config, rel)
        except ArchiveError as exc:
            found.problems.append(Problem(rel, exc.message, "new"))
            continue
        if opened.problem is not None:
            reason = opened.problem.message.removeprefix(f"{rel}: ")
            found.problems.append(Problem(rel, reason, "new"))
    try:
        found.candidates = orgreview.candidates(config)
    except ArchiveError as exc:
        found.candidates_problem = exc.message
    return found
