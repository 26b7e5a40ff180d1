"""Import benchmark: what an archivist waits for when importing one page into a big archive.

`.venv/bin/python bench/bench_import.py --n 100000 [--work /tmp/bench-import]`

Every import checks each incoming record against the whole archive (ids, urls, texts, export
record ids). It used to parse every article file first: that is the "cold" figure below (no
catalog yet: every file is parsed, as every import once did), measured in the same run as the
"warm" one (the catalog `archive/ingest/catalog.py` keeps, files parsed only when changed
since) and one after an archivist changed `--changed` files. Each import is the real
`archive import` of one new scraped page, in its own process: wall and CPU time, peak RSS.
The pages imported are removed afterwards (with their import bases), so that the archive
stays the synthetic one of n articles (`bench/synthetic.py`, shared with bench_reindex.py's
--work).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_reindex import ROOT, ensure_archive, rewrite_some, run_job  # noqa: E402

from archive import articlefile  # noqa: E402
from archive.config import load_config  # noqa: E402
from archive.ingest import catalog, importbase  # noqa: E402

PAGE = """Accueil / Économie / {title}

{title}

Les commerçants du marché de Médina-Coura, au cœur de Bamako, ont tenu une assemblée générale
pour dénoncer l’état des allées et des caniveaux ({stamp}). Depuis plusieurs mois, les ordures
s’accumulent entre les étals et l’eau stagne après chaque averse.

La Chambre de commerce et d’industrie du Mali (CCIM), sollicitée par les délégués, promet de
plaider leur cause auprès des autorités du district.

Par Fatoumata Diallo
"""


def import_one(data: Path, work: Path, label: str, code: Path | None = None) -> dict:
    """Import one new page (with the package in `code`, a checkout, if given); its figures;
    then take its article out again."""
    stamp = f"{label} {time.time_ns()}"
    page = work / "inbox" / f"{label}.txt"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(PAGE.format(title=f"Marché de Médina-Coura : {stamp}", stamp=stamp),
                    encoding="utf-8")
    command = ("-c", f"import sys; sys.path.insert(0, {str(code)!r}); "
                     "from archive.cli import main; main()") if code else ("-m", "archive")
    figures = run_job(["import", str(page), "--data", str(data), "--index",
                       str(work / "index")], command=command)
    if "1 imported" not in figures["output"]:
        raise SystemExit(f"unexpected import report:\n{figures['output']}")
    config = load_config(None, data=data, index=work / "index")
    for path in articlefile.iter_files(config.articles_dir / "sans-date"):
        if path.read_text(encoding="utf-8").find(stamp) >= 0:
            path.unlink()
            importbase.path_of(data, path.stem).unlink(missing_ok=True)
    return {k: round(v, 3) for k, v in figures.items() if k != "output"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-import"))
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--baseline", type=Path, default=None,
                        help="a checkout of an earlier commit (git worktree add DIR REV): its "
                             "import of one page is measured in the same run")
    args = parser.parse_args()
    data = args.work / "data"
    ensure_archive(data, args.n)
    for name in ("organisations.yaml", "publishers.yaml"):  # as a real archive has them
        if not (data / name).exists():
            shutil.copy(ROOT / "data" / name, data / name)
    state = load_config(None, data=data, index=args.work / "index").state_dir
    (state / catalog.NAME).unlink(missing_ok=True)
    results: dict = {"n": args.n}
    if args.baseline:
        results["baseline"] = import_one(data, args.work, "baseline", args.baseline)
    results["cold"] = import_one(data, args.work, "cold")  # every file parsed, as before
    results["warm"] = import_one(data, args.work, "warm")
    rewrite_some(data, args.n, args.changed)
    results[f"after {args.changed} changed"] = import_one(data, args.work, "changed")
    results["catalog_mb"] = round((state / catalog.NAME).stat().st_size / 2**20, 1)
    for key in ("baseline", "cold", "warm", f"after {args.changed} changed"):
        if key not in results:
            continue
        r = results[key]
        print(f"one-page import at n={args.n}, {key}: {r['wall_s']:.2f}s wall, "
              f"{r['cpu_s']:.2f}s CPU, peak RSS {r['peak_process_rss_mb']:.0f} MB")
    cold, warm = results["cold"], results["warm"]
    print(f"warm is {cold['wall_s'] / warm['wall_s']:.1f}x faster than parsing every file "
          f"(cold, the way every import went before the catalog); catalog "
          f"{results['catalog_mb']} MB")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
