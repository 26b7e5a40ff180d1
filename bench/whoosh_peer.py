"""The peer of the reindex benchmark: a plain Whoosh build of the same article files.

    .venv/bin/python bench/whoosh_peer.py DATA_DIR INDEX_DIR [--procs 2]

What the issue calls "plain Whoosh": its own French analyzer (`LanguageAnalyzer("fr")`, with
Whoosh's pure-Python Snowball stemmer), its multi-process writer, the same memory limit per
process as ours, the same fields. Files are parsed with our article-file reader, as a plain
build would need something of the kind. Run by `bench_reindex.py` in the same run as ours,
so that both figures see the same machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from whoosh import fields, index
from whoosh.analysis import LanguageAnalyzer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive import articlefile  # noqa: E402


def schema() -> fields.Schema:
    """Our schema's fields, with Whoosh's own analyzers."""
    french = LanguageAnalyzer("fr")
    return fields.Schema(
        id=fields.ID(unique=True, stored=True), title=fields.TEXT(french, stored=True),
        body=fields.TEXT(french, stored=True), section=fields.ID(stored=True),
        author=fields.KEYWORD(stored=True, commas=True),
        organisation=fields.KEYWORD(stored=True, commas=True),
        year=fields.NUMERIC(int, bits=32, stored=True), date=fields.ID(stored=True, sortable=True),
        url=fields.ID(stored=True), publisher=fields.ID(stored=True), path=fields.ID(stored=True),
    )


def main() -> None:
    """Build the peer index and print its article count and duration."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("index", type=Path)
    parser.add_argument("--procs", type=int, default=2)
    args = parser.parse_args()
    started = time.monotonic()
    args.index.mkdir(parents=True, exist_ok=False)
    ix = index.create_in(str(args.index), schema())
    writer = ix.writer(procs=args.procs, limitmb=128, multisegment=True)
    count = 0
    for path in articlefile.iter_files(args.data / "articles"):
        article = articlefile.read(path)
        doc = {"id": article.id, "title": article.title, "body": article.body,
               "path": str(path.relative_to(args.data))}
        if article.section:
            doc["section"] = article.section
        if article.author:
            doc["author"] = ",".join(article.author)
        if article.organisations:
            doc["organisation"] = ",".join(article.organisations)
        if article.date:
            doc["date"], doc["year"] = article.date, article.year
        for name in ("url", "publisher"):
            if getattr(article, name):
                doc[name] = getattr(article, name)
        writer.add_document(**doc)
        count += 1
    writer.commit()
    print(f"plain Whoosh (procs={args.procs}): {count} articles in "
          f"{time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
