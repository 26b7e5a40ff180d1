"""A peer of the reindex benchmark: tantivy, built as `bench_relevance.py` builds it.

    .venv/bin/python bench/tantivy_peer.py DATA_DIR INDEX_DIR [--threads 2]

The schema and French analyzer (`french_index`) that `bench_relevance.Tantivy` uses too (id,
stemmed title and body; tantivy's French Snowball stemmer), fed from the article files read
with our article-file reader, written to disk. tantivy indexes on its own threads;
`--threads` matches our `--procs`. Run by `bench_reindex.py` in the same run as ours.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import tantivy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive import articlefile  # noqa: E402


def french_index(folder: Path | None = None) -> tantivy.Index:
    """A new tantivy index (in memory, or in `folder`) of id, title and body, the text fields
    through tantivy's French analyzer (Snowball stemmer, stop words, ASCII folding); the one
    `bench_relevance.py` ranks with too."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for field in ("title", "body"):
        builder.add_text_field(field, tokenizer_name="fr_stem")
    ix = (tantivy.Index(builder.build()) if folder is None
          else tantivy.Index(builder.build(), path=str(folder)))
    ix.register_tokenizer("fr_stem", (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stopword("french"))
        .filter(tantivy.Filter.stemmer("french"))
        .filter(tantivy.Filter.ascii_fold())
        .build()))
    return ix


def build(data: Path, folder: Path, threads: int) -> int:
    """Index every article file below `data` into a new tantivy index; return the count."""
    folder.mkdir(parents=True, exist_ok=False)
    ix = french_index(folder)
    writer = ix.writer(heap_size=50_000_000 * threads, num_threads=threads)
    count = 0
    for file in articlefile.iter_files(data / "articles"):
        a = articlefile.read(file)
        writer.add_document(tantivy.Document(id=a.id, title=a.title or "", body=a.body or ""))
        count += 1
    writer.commit()
    writer.wait_merging_threads()
    return count


def main() -> None:
    """Build the peer index and print its article count and duration."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("index", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    started = time.monotonic()
    count = build(args.data, args.index, args.threads)
    print(f"tantivy (threads={args.threads}): {count} articles in "
          f"{time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
