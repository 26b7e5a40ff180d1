"""What `archive orgs check` reports of a valid authority file: dates that overlap a
successor's, short aliases without a guard, entries marked for an archivist's review."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .organisations import Authority, Organisation

# An alias this short (letters and digits) catches other things unless a guard narrows it.
SHORT_ALIAS = 4


@dataclass(frozen=True)
class Findings:
    """The three lists of the report; none of them makes the file invalid."""

    overlaps: tuple[str, ...] = ()
    short_aliases: tuple[str, ...] = ()
    reviews: tuple[str, ...] = ()

    def render(self) -> str:
        """The report's sections, each with its count; '' when there is nothing to report."""
        lines: list[str] = []
        for title, items in (
                ("validity dates overlapping a successor's", self.overlaps),
                ("aliases shorter than four characters without a guard", self.short_aliases),
                ("entries marked for review", self.reviews)):
            if items:
                lines.append(f"{title} ({len(items)}):")
                lines += [f"  {item}" for item in items]
        return "\n".join(lines)


def findings(authority: Authority) -> Findings:
    """What an archivist should look at in the authority file."""
    overlaps, short, reviews = [], [], []
    for entry in authority.entries:
        for name in entry.successors:
            successor = authority.entry(name)
            if successor is not None and _overlap(entry, successor):
                overlaps.append(f"{entry.name} (until {entry.valid_until}) and its successor "
                                f"{successor.name} (from {successor.valid_from})")
        if entry.guard is None:
            short += [f"{alias} ({entry.name})" for alias in entry.aliases
                      if len(re.sub(r"[\W_]", "", alias)) < SHORT_ALIAS]
        if entry.review:
            reviews.append(f"{entry.name}: {entry.review}")
    return Findings(tuple(overlaps), tuple(short), tuple(reviews))


def _overlap(entry: Organisation, successor: Organisation) -> bool:
    """Whether a name was still valid after its successor's began, at the precision both
    dates share (2024-04 and 2024-04-15 do not overlap; 2024-11 and 2024-04 do)."""
    until, start = entry.valid_until, successor.valid_from
    if not until or not start:
        return False
    shared = min(len(until), len(start))
    return until[:shared] > start[:shared]
