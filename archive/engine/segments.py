"""Whoosh's segments and table of contents (TOC) handled by hand, for the parallel build and
for cloning a generation.

A parallel build's workers each finish one segment without committing (`worker_writer`,
`finish_segment`); the parent then writes one TOC listing them all, in order
(`commit_segments`). A generation is cloned for an incremental update by linking its segment
files and copying its TOC (`clone_files`): Whoosh writes each segment file once under a fresh
random name and records deletions in the TOC (`_MAIN_<n>.toc`), which it writes anew; on commit
it unlinks files it no longer needs, an unlink of our link only.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from whoosh.index import TOC, Index

from .segmentwriter import FastSegmentWriter, Summary


def worker_writer(ix: Index, limitmb: int, summary: Summary | None = None) -> FastSegmentWriter:
    """A writer for one worker of a parallel build: it takes no index lock (the job lock guards
    the build, and the workers write side by side, each into its own segment)."""
    return FastSegmentWriter(ix, _lk=False, limitmb=limitmb, summary=summary, compound=False)


def finish_segment(w: FastSegmentWriter, indexed: bool):
    """Close a worker's writer without committing; its finished segment (picklable), or None
    when it indexed nothing."""
    segment = w._finalize_segment() if indexed else None
    if segment is None:
        w._close_segment()
    # No w._finish(): it would delete the temp folder (MAIN.tmp) the other workers still use;
    # the parent's writer removes it at commit.
    return segment


def commit_segments(ix: Index, segments: list) -> None:
    """Make the workers' segments, in this order, the index's content: one new TOC."""
    w = ix.writer(compound=False)
    try:
        w._close_segment()  # the parent's own segment stays empty; the TOC omits it
        w._commit_toc(segments)
    finally:
        w._finish()


def clone_files(source_dir: Path, gen_dir: Path, indexname: str) -> None:
    """Put into `gen_dir` a writable copy of the index `indexname` of `source_dir`: segment
    files hard-linked (copied where links are not possible), TOC files copied; Whoosh's locks
    and every file that is not Whoosh's are left out."""
    toc, segment = TOC._pattern(indexname), TOC._segment_pattern(indexname)
    for entry in os.scandir(source_dir):
        if not entry.is_file():
            continue
        target = gen_dir / entry.name
        if toc.match(entry.name):
            shutil.copy2(entry.path, target)
        elif segment.match(entry.name):
            try:
                os.link(entry.path, target)
            except OSError:  # a file system without hard links: copying is slower, as safe
                shutil.copy2(entry.path, target)
