"""Measure the dates an import gives the shared corpus, against the dates that can be checked.

Run: .venv/bin/python bench/measure_dates.py [ARCHIVE_DIR]
Without ARCHIVE_DIR it makes a fresh archive in a temporary folder (`archive init`) and imports
`../shared/corpus/articles.jsonl` and `../shared/corpus/html` into it with the real CLI. Given
an archive imported by older code, it measures that code's dates (the "before" figures).

Prints:
1. the dates per `date_source`, and how precise they are (day, month, year);
2. each source checked against the references there are: the HTML manifest's expected dates,
   the corpus's own `date` field (1.1 % of its records), a date in the article's URL
   (`/2018/11/25/`, La Presse's `/201812/13/`). A date is right when the reference starts with
   it (an estimated `2018-11` is right for `2018-11-25`). A `url` date checked against its own
   URL is right by construction: that row only shows the references agree with each other;
3. the estimate rule alone on every checkable article, as if it had no other evidence, since
   the import estimates only articles without a checkable date;
4. for BBC Afrique, which numbers its articles in publication order (`/afrique/monde-61813726`)
   but gives no dates: how many estimates break that order (each break is at least one wrong
   estimate).
"""

from __future__ import annotations

import bisect
import collections
import json
import re
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from archive.articlefile import read as read_article
from archive.cli import main
from archive.ingest.pubdates import estimate_date, url_date

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
BBC_ID = re.compile(r"bbc\.com/afrique/[a-z-]+-(\d+)$")


def references() -> tuple[dict[str, str], dict[str, str]]:
    """Reference dates by HTML file name (manifest) and by corpus record id (its own field)."""
    manifest = {}
    for line in (SHARED / "html" / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("expected_date"):
            manifest[record["file"]] = record["expected_date"]
    corpus = {}
    for line in (SHARED / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("date"):
            corpus[record["id"]] = record["date"]
    return manifest, corpus


def import_corpus(folder: Path) -> None:
    """A fresh archive in `folder` holding the shared corpus, made with the real CLI."""
    runner = CliRunner()
    result = runner.invoke(main, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        main,
        ["--config", str(folder / "archive.yaml"), "import",
         str(SHARED / "articles.jsonl"), str(SHARED / "html")],
    )
    print(result.output.strip().splitlines()[-2])


def verdict(date: str | None, reference: str) -> str:
    """'right', 'wrong' or 'none' for one date against a full reference date."""
    if not date:
        return "none"
    return "right" if reference.startswith(date) else "wrong"


def out_of_order(dated: list[tuple[int, str]]) -> int:
    """How many (number, date) pairs must go for the dates to follow the numbers' order."""
    tails: list[str] = []  # longest non-decreasing run of dates, by patience sorting
    for _number, date in sorted(dated):
        index = bisect.bisect_right(tails, date)
        tails[index:index + 1] = [date]
    return len(dated) - len(tails)


def measure(archive: Path) -> None:
    """Print the figures for the article files of `archive`."""
    manifest, corpus = references()
    sources: collections.Counter[str] = collections.Counter()
    precision: collections.Counter[tuple[str, int]] = collections.Counter()
    checks: collections.Counter[tuple[str, str, str]] = collections.Counter()
    alone: collections.Counter[str] = collections.Counter()
    wrong: list[str] = []
    bbc: list[tuple[int, str]] = []
    for path in sorted((archive / "data" / "articles").rglob("*.md")):
        article = read_article(path)
        source = article.date_source or "no date"
        sources[source] += 1
        if article.date:
            precision[(source, len(article.date))] += 1
        origin = article.imported_from or ""
        refs = []
        if Path(origin).name in manifest:
            refs.append(("manifest", manifest[Path(origin).name]))
        if "#" in origin and origin.split("#", 1)[1] in corpus:
            refs.append(("corpus date", corpus[origin.split("#", 1)[1]]))
        if url_date(article.url):
            refs.append(("url date", url_date(article.url)))
        for kind, reference in refs:
            result = verdict(article.date, reference)
            checks[(kind, source, result)] += 1
            if result == "wrong":
                wrong.append(f"  {kind} {reference} vs {article.date} ({source}): "
                             f"{article.title[:60]}")
        if refs:
            estimate = estimate_date(article.title, article.body)
            alone[verdict(estimate, refs[0][1])] += 1
        number = BBC_ID.search(article.url or "")
        if number and article.date_source == "text":
            bbc.append((int(number[1]), article.date))
    total = sum(sources.values())
    print(f"{total} articles")
    shapes = {10: "day", 7: "month", 4: "year"}
    for source, count in sources.most_common():
        kinds = ", ".join(f"{precision[(source, n)]} {name}" for n, name in shapes.items()
                          if precision[(source, n)])
        print(f"  {source:10} {count:5}  ({100 * count / total:.1f} %)  {kinds}")
    print("checked (reference kind, date_source: right / wrong / no date)")
    for kind in ("manifest", "corpus date", "url date"):
        for source in sorted({s for k, s, _ in checks if k == kind}):
            row = [checks[(kind, source, r)] for r in ("right", "wrong", "none")]
            print(f"  {kind:11} {source:10} {row[0]:4} right {row[1]:4} wrong {row[2]:4} none")
    print("wrong dates:")
    print("\n".join(wrong) or "  none")
    print(f"the estimate rule alone on the {sum(alone.values())} checkable articles: "
          f"{alone['right']} right, {alone['wrong']} wrong, {alone['none']} not estimated")
    print(f"BBC Afrique: {len(bbc)} estimates, {out_of_order(bbc)} out of the site's "
          "numbering order")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        measure(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            import_corpus(Path(tmp) / "archive")
            measure(Path(tmp) / "archive")
