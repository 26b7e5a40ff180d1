"""Importers: one module per input format, each turning raw input into Article records.

An importer module exposes:
    FORMAT: str                                  the format's name in reports
    def sniff(path: Path, head: str) -> bool     does this file look like my format?
    def read(path: Path, text: str, options: ImportOptions) -> Iterator[Article | Rejected]
and may expose
    def notices(path: Path, text: str, options: ImportOptions) -> list[Notice]
        what the archivist should know about an input that is imported (unused columns)

`text` is the decoded, still uncleaned content. Records carry `id=""`: the pipeline
(`archive.ingest`) assigns ids, hashes, provenance and organisations, validates and writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rejected:
    """An input (or one record of it) that could not become an article, and why."""

    source: str
    reason: str


@dataclass(frozen=True)
class Notice:
    """Something the archivist should know about an input that is still imported (columns of
    an export that fill no field)."""

    source: str
    message: str


@dataclass(frozen=True)
class ImportOptions:
    """Choices of one import run that importers need."""

    mapping: Mapping[str, str] = field(default_factory=dict)
    publisher: str | None = None
    max_body_chars: int | None = None  # the configured limit; importers check it early
