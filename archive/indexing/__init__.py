"""Indexing: article files become index generations; readers open the one CURRENT names.

`analysis` (the French analyzer), `schema` (what an Article becomes in Whoosh), `indexer`
(writing a generation), `facetstore` (facet arrays), `generations` (folders, CURRENT,
manifests, checks), `joblock`, `parallel`, `collector` (the garbage collector's frozen set
during a job), `jobs` (reindex, status, rollback), and `serving` (opening a generation for
readers).

Public API: `reindex`, `status`, `rollback`, `open_current`, `CurrentGeneration`, `Generation`.
"""

from .serving import CurrentGeneration, Generation, open_current

__all__ = ["CurrentGeneration", "Generation", "open_current", "reindex", "rollback", "status"]
JOBS = ("reindex", "rollback", "status")


def __getattr__(name: str) -> object:
    """The jobs' functions, imported when first asked for: a web worker never needs them, and
    their imports (the parallel build among them) would cost every worker's start."""
    if name in JOBS:
        from . import jobs

        return getattr(jobs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
