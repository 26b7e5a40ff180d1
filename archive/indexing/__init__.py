"""Indexing: article files become index generations; readers open the one CURRENT names.

`analysis` (the French analyzer), `schema` (what an Article becomes in Whoosh), `indexer`
(writing a generation), `facetstore` (facet arrays), `generations` (folders, CURRENT,
manifests, checks), `joblock`, `parallel`, `jobs` (reindex, status, rollback), and `serving`
(opening a generation for readers).

Public API: `reindex`, `status`, `rollback`, `open_current`, `CurrentGeneration`, `Generation`.
"""

from .jobs import reindex, rollback, status
from .serving import CurrentGeneration, Generation, open_current

__all__ = ["CurrentGeneration", "Generation", "open_current", "reindex", "rollback", "status"]
