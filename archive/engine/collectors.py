"""Whoosh's time limit for a search, as a threaded server needs it, with an allowed-set filter.

`TimeLimit` is the exception Whoosh's collector raises when the limit passes; the engine's
own scoring (`bm25.top_documents`) raises it too, carrying the best documents found so far.
"""

from __future__ import annotations

from whoosh.collectors import TimeLimit, TimeLimitCollector

__all__ = ["AllowedTimeLimit", "TimeLimit"]


class AllowedTimeLimit(TimeLimitCollector):
    """A time limit (no SIGALRM: searches run in threads) that also keeps only the allowed
    documents.

    Whoosh's TimeLimitCollector loops over the matches itself, so a FilterCollector below it
    never filters: hits from outside the filters came back while the total was right.
    """

    def __init__(self, child, timelimit: float, allowed: set[int] | None) -> None:
        super().__init__(child, timelimit, use_alarm=False)
        self.allowed = allowed

    def collect_matches(self) -> None:
        """Collect the child's matches that are allowed, until the time limit passes."""
        # Overrides Whoosh's loop: `timedout`, `offset` and `child` are the collector's state.
        child, allowed = self.child, self.allowed
        for sub_docnum in child.matches():
            if self.timedout:
                raise TimeLimit
            if allowed is None or self.offset + sub_docnum in allowed:
                child.collect(sub_docnum)
