"""The time limit of a search: `TimeLimit`, Whoosh's exception, which the engine's own scoring
(`bm25.top_documents`) raises carrying the best documents found so far."""

from __future__ import annotations

from whoosh.collectors import TimeLimit

__all__ = ["TimeLimit"]
