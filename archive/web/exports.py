"""Researcher downloads: a whole result set as CSV or JSON Lines, streamed, bounded.

At most `export_max_rows` rows (a named limit). The search runs before anything is sent, so a
refused query still gets a clean 400; the rows are then written out as they are serialised.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..indexing.serving import Generation
from ..search import records
from ..search.request import Hit, SearchRequest
from ..search.run import search

LIST_SEP = " ; "
# What makes a spreadsheet read a cell as a formula, full-width forms included (LibreOffice
# and Excel accept ＝ as =).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
BOM = "\ufeff"  # so that Excel reads the file as UTF-8 (accents), as LibreOffice does anyway


@dataclass
class Export:
    """A started export: how many articles matched, how many rows will come, and the hits."""

    total: int
    rows: int
    hits: Iterator[Hit]

    @property
    def truncated(self) -> bool:
        """True when the result set is larger than the export limit."""
        return self.rows < self.total


def start_export(source: Generation | str | Path, request: SearchRequest,
                 config: Config) -> Export:
    """Search the whole bounded result set now (errors surface here); rows stream on demand.

    One search for all rows, not page after page: relevance windows of different sizes need
    not agree at their edges, and a row must never be repeated or skipped.
    """
    limit = config.limits.export_max_rows
    # The export is bounded by export_max_rows, not by the page limits meant for people.
    bounded = dataclasses.replace(config, limits=dataclasses.replace(
        config.limits, page_size_max=limit, page_max=1))
    result = search(source, dataclasses.replace(request, page=1, page_size=limit,
                                                facet_limit=1), bounded, respell=False)
    return Export(total=result.total, rows=len(result.hits), hits=iter(result.hits))


def pages_of(rows: int, page_size: int) -> int:
    """How many requests an export of `rows` counts for: the API pages its rows fill, one at
    least."""
    return max(1, -(-rows // page_size))


def columns() -> tuple[str, ...]:
    """The export columns (CSV header, JSON Lines keys)."""
    return records.fields(records.EXPORT)


def _cell(value: object) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading apostrophe,
    and so does each part after a `;`: a spreadsheet told to split this comma-separated file on
    `;`, as French ones are, makes a cell of each (`Grève;=1+1;` stays text). A `,` needs no
    guard: split on `,`, the file's quotes keep each cell whole, and split on `;`, a comma is
    text (tests/test_spreadsheet.py opens the file in LibreOffice both ways). Guarding the
    parts after a `,` too wrote `(23 %, '-6)` into the corpus's real sentences."""
    if value is None:
        return ""
    text = LIST_SEP.join(value) if isinstance(value, list) else str(value)
    return ";".join(_guarded(part) for part in text.split(";"))


def _guarded(part: str) -> str:
    """The part with an apostrophe before its first character (spaces aside) when that one
    would start a formula."""
    start = len(part) - len(part.lstrip(" \u00a0"))
    if part[start:].startswith(FORMULA_START):
        return part[:start] + "'" + part[start:]
    return part


def csv_table(rows: Iterable[Iterable[object]]) -> str:
    """A small table as the exports write CSV: BOM, every cell quoted and formula-guarded."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return BOM + buffer.getvalue()


def csv_lines(hits: Iterator[Hit], permalink: Callable[[str], str]) -> Iterator[str]:
    """CSV (RFC 4180, UTF-8 with a byte-order mark, header row, every cell quoted) one line at
    a time; lists joined with ' ; '."""
    buffer = io.StringIO()
    # Every cell quoted: a spreadsheet then takes each as one cell whatever its separator.
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    header = columns()
    writer.writerow(header)
    yield BOM + flush()
    for hit in hits:
        row = records.record(hit, header, permalink(hit.id))
        writer.writerow([_cell(row[c]) for c in header])
        yield flush()


def jsonl_lines(hits: Iterator[Hit], permalink: Callable[[str], str]) -> Iterator[str]:
    """JSON Lines: one JSON object per hit and line, UTF-8, lists kept as arrays."""
    for hit in hits:
        yield json.dumps(records.record(hit, records.EXPORT, permalink(hit.id)),
                         ensure_ascii=False) + "\n"
