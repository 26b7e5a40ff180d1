"""A peer of the reindex benchmark: SQLite FTS5 with French stemming, from the article files.

    .venv/bin/python bench/fts5_peer.py DATA_DIR DB_PATH

The same builder (`fill`) as `bench_search.py`'s FTS5 peer (title and body analysed by our French
analyzer, stems in an FTS5 table; facet tables with their indexes; one `optimize`), but timed
from the article files (read with our article-file reader), as a reindex starts. SQLite has
one writer, so this is one process. Run by `bench_reindex.py` in the same run as ours.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive import articlefile  # noqa: E402
from archive.indexing.analysis import analyze  # noqa: E402
from archive.models import Article  # noqa: E402


def build(data: Path, path: Path) -> int:
    """Index every article file below `data` into a new FTS5 database; return the count."""
    files = articlefile.iter_files(data / "articles")
    return fill(path, (articlefile.read(file) for file in files))


def fill(path: Path, articles: Iterable[Article]) -> int:
    """Write the articles into a new FTS5 database at `path` (stemmed title and body, facet
    tables with their indexes, one `optimize`); return the count. `bench_search.py` fills its
    peer with the same function."""
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE docs(id INTEGER PRIMARY KEY, aid TEXT, title TEXT, date TEXT,
                          section TEXT, year INTEGER);
        CREATE TABLE doc_author(doc INTEGER, author TEXT);
        CREATE TABLE doc_org(doc INTEGER, org TEXT);
        CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='unicode61');
    """)
    count = 0
    for i, a in enumerate(articles):
        db.execute("INSERT INTO docs VALUES (?,?,?,?,?,?)",
                   (i, a.id, a.title, a.date, a.section, a.year))
        db.executemany("INSERT INTO doc_author VALUES (?,?)", [(i, x) for x in a.author])
        db.executemany("INSERT INTO doc_org VALUES (?,?)", [(i, x) for x in a.organisations])
        db.execute("INSERT INTO fts(rowid, title, body) VALUES (?,?,?)",
                   (i, " ".join(analyze(a.title)), " ".join(analyze(a.body))))
        count += 1
    db.executescript("""
        CREATE INDEX doc_author_doc ON doc_author(doc);
        CREATE INDEX doc_org_doc ON doc_org(doc);
        CREATE INDEX docs_date ON docs(date);
        CREATE INDEX docs_section ON docs(section);
        INSERT INTO fts(fts) VALUES('optimize');
    """)
    db.commit()
    db.close()
    return count


def main() -> None:
    """Build the peer database and print its article count and duration."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("db", type=Path)
    args = parser.parse_args()
    started = time.monotonic()
    args.db.unlink(missing_ok=True)
    count = build(args.data, args.db)
    print(f"SQLite FTS5 + French stemming: {count} articles in "
          f"{time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
