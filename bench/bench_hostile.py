"""What hostile requests cost one web worker, beside an ordinary search, on one archive.

    .venv/bin/python bench/bench_hostile.py --work /tmp/bench100k
    .venv/bin/python bench/bench_hostile.py --work /tmp/b1m [--only trend]

Drives the real Flask app (Flask's test client, in this process, page cache off) over the
archive in WORK/data and WORK/index, with the bench's limits (`bench_load.bench_config`: no
rate limit, so that each request is answered or refused on its own cost). Each request runs
twice; the table gives its status and CPU milliseconds, the better of the two, and how many
ordinary one-word searches of the same run that CPU would have served. The cases are those a
red-team passes found at a million articles: words joined by dots (one typed run, up to 99
analysed words), the same expression typed 31 times, a trend of four series, each too broad
to match in time, full exports, a typo respelt inside a phrase, minus signs in a row, a word
of a thousand letters respelt or fuzzy, typos respelt for a trend or an export. What
each must stay under: the time limit (`search_time_limit`, 3 s) for a page, whatever it holds.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from bench_load import bench_config  # noqa: E402
from synthetic import vocabulary  # noqa: E402

from archive.indexing.analysis import analyze  # noqa: E402
from archive.web import create_app  # noqa: E402

ORDINARY = "/search?q=gouvernement"


def cases(words: list[str], short: list[str], distinct: list[str]) -> dict[str, str]:
    """Name -> URL of each hostile request, made of the archive's most frequent words (and of
    its frequent short ones where 99 must fit in a query of 500 characters, or of the most
    frequent of each stem)."""
    def dotted(count: int, start: int = 0, pool: list[str] = short) -> str:
        return ".".join((pool * (count // len(pool) + 2))[start:start + count])

    def search(text: str) -> str:
        return "/search?q=" + quote(text)

    # a typo the respelling turns into a stem held by every article, in a phrase and alone
    typos = '"' + " ".join(["gouvrn"] * 16) + '" ' + " ".join(["gouvrn"] * 16)
    ored = " OU ".join(f'"{a} {b}"' for a, b in (
        ("plus", "gouvernement"), ("ministre", "sécurité"), ("électeur", "économie"),
        ("finance", "santé"), ("éducation", "agriculture")))

    return {
        "a word of 99 dotted parts": search(dotted(99)),
        "a fuzzy word of 99 dotted parts": search(dotted(99) + "~"),
        "a fuzzy word of 30 dotted parts": search(dotted(30) + "~"),
        "a word of 16 dotted parts, twice": search(dotted(16) + " " + dotted(16)),
        "a word, then it elided 31 times": search(f"{words[7]} " + " ".join(
            [f"l'{words[7]}"] * 31)),
        "an expression typed 16 times": search(" ".join([f"{words[0]} d'{words[1]}"] * 16)),
        "a phrase of 30 dotted parts": search(f'"{dotted(30, pool=words)}"'),
        "a trend of four phrases of 30": "/tendances?" + urlencode(
            [("s", f'"{dotted(30, start, words)}"') for start in (0, 30, 60, 90)]),
        "a trend of four 30-part fuzzy words": "/tendances?" + urlencode(
            [("s", dotted(30, start) + "~") for start in (0, 1, 2, 3)]),
        "an export of every article holding a frequent word": "/export.csv?q=" + quote(
            words[7]),
        # the second red-team pass
        "a phrase of a typo x16, the typo x16 (respelt)": search(typos),
        "a trend of four such series": "/tendances?" + urlencode(
            [("s", typos.replace("gouvrn", typo)) for typo in ("gouvrn", "govern", "gouvrnn",
                                                                "gouvren")]),
        "a phrase of 30 frequent words": search(f'"{" ".join([words[0], words[1]] * 15)}"'),
        "an export of five ORed phrases": "/export.csv?q=" + quote(ored),
        "an export of one of them": "/export.csv?q=" + quote('"plus gouvernement"'),
        "the same as a workbook": "/export.xlsx?q=" + quote(ored),
        "495 minus signs, then a word": search("-" * 495 + words[0]),
        "29 elided words, OR a word": search(f"({words[0]} " + " ".join(
            f"l'{w}" for w in distinct[1:30]) + f") OU {words[0]}"),
        # the third: one very long word respelt or fuzzy (the lexicon compared with it word by
        # word), typos respelt for pages that never show the suggestion
        "a word of 999 letters (k, then 499 'ⅷ'), respelt": search("k" + "ⅷ" * 499),
        "the same, fuzzy": search("k" + "ⅷ" * 498 + "~"),
        "a trend of four series of 31 typos": "/tendances?" + urlencode(
            [("s", " ".join(_typo(w, start) for w in distinct[:31])) for start in range(4)]),
        "an export of 31 typos": "/export.csv?q=" + quote(" ".join(
            _typo(w, 0) for w in distinct[:31])),
    }


def _typo(word: str, start: int) -> str:
    """The word with one letter replaced by `q`: from its third letter on, `start` later."""
    at = min(2 + start, len(word) - 1)
    return word[:at] + "q" + word[at + 1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--only", default="", help="the cases whose name holds this text")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="search_time_limit in seconds (3 unless told): a lower one shows "
                             "what a page of several searches does at its limit")
    args = parser.parse_args()
    config = bench_config(args.work)
    # the export at its real bound (the load bench's limits cut it to 2,000 rows)
    limits = dataclasses.replace(config.limits, export_max_rows=10_000)
    if args.time_limit is not None:
        limits = dataclasses.replace(limits, search_time_limit=args.time_limit)
    config = dataclasses.replace(config, limits=limits)
    app = create_app(config)
    pages = app.extensions.get("archive_pages")
    if pages is not None:
        pages.max_bytes = 0
    client = app.test_client()

    def cost(url: str) -> tuple[int, float, float]:
        best_cpu = best_wall = float("inf")
        status = 0
        for _ in range(2):
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(url, headers={"Host": "localhost"})
            response.get_data()
            response.close()
            best_cpu = min(best_cpu, 1000 * (time.process_time() - cpu))
            best_wall = min(best_wall, 1000 * (time.perf_counter() - wall))
            status = response.status_code
        return status, best_cpu, best_wall

    # content words (the analyzer keeps them), most frequent first
    content = [w for w in vocabulary() if analyze(w, mode="query")]
    short = [w for w in content if len(w) <= 4 and len(analyze(w, mode="query")) == 1][:10]
    words = content[:120]
    stems: dict[str, str] = {}
    for word in content:
        stems.setdefault(analyze(word, mode="query")[0], word)
    distinct = list(stems.values())
    _status, ordinary, _wall = cost(ORDINARY)
    _status, ordinary, _wall = cost(ORDINARY)  # the generation opened and its caches warm
    print(f"an ordinary search ({ORDINARY}): {ordinary:.1f} ms of CPU")
    print(f"{'request':55} {'status':>6} {'CPU ms':>9} {'wall ms':>9} {'searches':>9}")
    worst = 0.0
    for name, url in cases(words, short, distinct).items():
        if args.only and args.only not in name:
            continue
        status, cpu, wall = cost(url)
        worst = max(worst, cpu)
        print(f"{name:55} {status:>6} {cpu:>9.1f} {wall:>9.1f} {cpu / ordinary:>9.0f}",
              flush=True)
    print(f"the costliest: {worst:.1f} ms of CPU ({worst / ordinary:.0f} ordinary searches)")


if __name__ == "__main__":
    main()
