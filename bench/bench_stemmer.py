"""Compare PyStemmer and Whoosh's pure-Python Snowball French stemmer on the corpus words.

Run: .venv/bin/python bench/bench_stemmer.py [path/to/articles.jsonl]
Prints the speed of each stemmer (uncached, every distinct folded word once), their
agreement, the disagreements, and the speed of the whole analyzer in tokens per second
(against Whoosh's stock LanguageAnalyzer('fr'), which stems with its pure-Python port).
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import Stemmer
from whoosh.analysis import LanguageAnalyzer
from whoosh.lang.snowball.french import FrenchStemmer

from archive.indexing import stemmers
from archive.indexing.analysis import STEMMER, fold, french_analyzer

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "articles.jsonl"


def corpus_texts(path: Path) -> list[str]:
    """Titles and bodies of the JSON-lines corpus."""
    texts = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            texts.extend(record.get(key) or "" for key in ("title", "body"))
    return texts


def timed(function, words: list[str], rounds: int = 3) -> tuple[float, list[str]]:
    """Best wall time over a few rounds, and the stems of the last one."""
    best, stems = float("inf"), []
    for _ in range(rounds):
        start = time.perf_counter()
        stems = [function(w) for w in words]
        best = min(best, time.perf_counter() - start)
    return best, stems


def main() -> None:
    """Print the figures."""
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    if not path.exists():
        sys.exit(f"corpus not found: {path}")
    texts = corpus_texts(path)
    words = sorted({fold(w) for text in texts for w in re.findall(r"[^\W\d_]+", text)})
    print(f"{len(texts)} texts, {len(words)} distinct folded words")

    pystemmer = Stemmer.Stemmer("french", 0)  # cache off: measure the stemmer itself
    whoosh = FrenchStemmer()
    t_py, py = timed(pystemmer.stemWord, words)
    t_wh, wh = timed(whoosh.stem, words, rounds=1)
    print(f"PyStemmer {len(words) / t_py:12,.0f} words/s ({t_py * 1e3:.0f} ms)")
    print(f"Whoosh    {len(words) / t_wh:12,.0f} words/s ({t_wh * 1e3:.0f} ms)")
    print(f"speed-up  {t_wh / t_py:.1f}x")
    # Savoy's light and minimal stemmers (pure Python, uncached here; the analyzer caches).
    for name in ("light", "minimal"):
        t_ours, _ = timed(stemmers.STEMMERS[name], words)
        print(f"{name:9} {len(words) / t_ours:12,.0f} words/s ({t_ours * 1e3:.0f} ms, uncached)")
    differ = [(w, a, b) for w, a, b in zip(words, py, wh, strict=True) if a != b]
    share = 100 * (1 - len(differ) / len(words))
    print(f"agreement {len(words) - len(differ)}/{len(words)} ({share:.2f}%)")
    for word, a, b in differ[:40]:
        print(f"  {word:24} PyStemmer={a:20} Whoosh={b}")

    # The analyzer against Whoosh's stock French one, alternating to share the machine's load.
    ours, stock = french_analyzer(), LanguageAnalyzer("fr")
    print(f"analyzer stemmer: {STEMMER}")
    chars = sum(map(len, texts))
    for _ in range(2):
        for name, analyzer in (("analyzer", ours), ("stock fr", stock)):
            start = time.perf_counter()
            count = sum(1 for text in texts for _ in analyzer(text, positions=True, chars=True))
            elapsed = time.perf_counter() - start
            rate = f"{count / elapsed:12,.0f} tokens/s, {chars / elapsed / 1e6:.2f} MB/s"
            print(f"{name}  {rate} ({count} tokens with positions and chars)")

if __name__ == "__main__":
    main()
