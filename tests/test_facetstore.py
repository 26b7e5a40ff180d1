"""The facet arrays of a generation (`archive/indexing/facetstore.py`): what they count is what
each document carries, however many documents are counted, in whichever width the ordinals are
stored, for generations written before the widths were recorded, and after a generation reuses
another's arrays."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from archive.indexing.facetstore import EMPTY, EMPTY16, MAX_LAYERS, FacetStore, write_facets

N = 400
ORGS = [f"Organisation {i:02d}" for i in range(30)]
SECTIONS = ["Culture", "Économie", "Politique", "Santé", "Société"]
SHOWN = {"section": {s: s for s in SECTIONS}}  # a folded facet: each spelling is its value


def _documents(seed: int, count: int, first: int = 0) -> dict[str, dict[int, list[str]]]:
    """Multi-valued facets: 0–11 organisations a document (past MAX_LAYERS, so some are the
    rare extra values), 0–2 authors, one section or none."""
    rng = random.Random(seed)
    orgs = {d: rng.sample(ORGS, rng.choice([0, 0, 1, 1, 2, 3, 6, MAX_LAYERS + 3]))
            for d in range(first, first + count)}
    authors = {d: rng.sample(["Koné", "Diarra", "Traoré", "Coulibaly"], rng.randint(0, 2))
               for d in range(first, first + count)}
    sections = {d: [rng.choice(SECTIONS)] for d in range(first, first + count)
                if rng.random() < 0.9}
    return {"organisation": orgs, "author": authors, "section": sections}


def _expected(per_doc: dict[int, list[str]], docs) -> Counter:
    return Counter(v for d in docs for v in per_doc.get(d, []))


def _subsets(rng: random.Random) -> list:
    everything = list(range(N))
    return [
        [], [7], sorted(rng.sample(everything, 25)), everything[: N // 2],
        everything[: N // 2 + 1],  # just past half: the others are counted and subtracted
        sorted(rng.sample(everything, N - 30)), everything,
        np.array(sorted(rng.sample(everything, 300)), dtype=np.int32),
        rng.sample(everything, 350),  # not sorted: counted as given
        set(rng.sample(everything, 390)),
    ]


@pytest.fixture
def written(tmp_path: Path):
    facets = _documents(1, N)
    write_facets(tmp_path, N, facets, {d: "2020-01-01" for d in range(N)}, shown=SHOWN)
    return tmp_path, facets


def test_counts_are_what_the_documents_carry_for_any_set_of_documents(written):
    gen_dir, facets = written
    store = FacetStore.open(gen_dir)
    rng = random.Random(2)
    for docs in _subsets(rng):
        for facet, per_doc in facets.items():
            expected = _expected(per_doc, docs)
            assert store.count_values(facet, docs) == expected, (facet, docs)
        together = store.count_many(list(facets), docs)
        assert {f: Counter({store.values(f)[o]: c for o, c in counted.items()})
                for f, counted in together.items()} == {
            f: _expected(per_doc, docs) for f, per_doc in facets.items()}


def test_ordinals_of_fewer_than_65535_values_are_stored_in_two_bytes(written):
    gen_dir, facets = written
    meta = json.loads((gen_dir / "facets" / "meta.json").read_text(encoding="utf-8"))
    assert meta["widths"] == {"organisation": 2, "author": 2, "section": 2}
    store = FacetStore.open(gen_dir)
    assert store.grid("organisation").dtype == np.uint16
    assert store.empty("organisation") == EMPTY16
    assert (gen_dir / "facets" / "organisation.layers").stat().st_size == 2 * MAX_LAYERS * N
    for docnum in (0, 1, 2, N - 1):
        names = sorted(store.values("organisation")[o]
                       for o in store.ordinals("organisation", docnum))
        assert names == sorted(facets["organisation"][docnum])


def test_a_facet_of_65535_values_or_more_keeps_four_bytes(tmp_path: Path):
    n = 80_000  # 68,571 values: one for each document but every seventh
    per_doc = {d: [f"v{d:06d}"] for d in range(n) if d % 7}
    write_facets(tmp_path, n, {"author": per_doc}, {})
    store = FacetStore.open(tmp_path)
    assert store.grid("author").dtype == np.uint32 and store.empty("author") == EMPTY
    for docs in ([], [1, 2, 7], list(range(0, n, 3)), list(range(n))):
        assert store.count_values("author", docs) == _expected(per_doc, docs)


def test_a_generation_written_before_the_widths_is_read_in_four_bytes(written):
    """Facet arrays written before `widths` (uint32, EMPTY 0xFFFFFFFF) count the same."""
    gen_dir, facets = written
    folder = gen_dir / "facets"
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    for facet in meta.pop("widths"):
        path = folder / f"{facet}.layers"
        narrow = np.fromfile(path, dtype=np.uint16).astype(np.uint32)
        narrow[narrow == EMPTY16] = EMPTY
        narrow.tofile(path)
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    store = FacetStore.open(gen_dir)
    assert store.grid("organisation").dtype == np.uint32
    for docs in _subsets(random.Random(3)):
        for facet, per_doc in facets.items():
            assert store.count_values(facet, docs) == _expected(per_doc, docs), facet
    assert sorted(store.values("organisation")[o] for o in store.ordinals("organisation", 5)) \
        == sorted(facets["organisation"][5])


def test_a_generation_reusing_two_byte_arrays_counts_old_and_new_documents(written):
    """An incremental build copies the base's ranges, remapping ordinals (new values sort in
    between) and the base's EMPTY16 to no value."""
    base_dir, old = written
    base = FacetStore.open(base_dir)
    new_dir = base_dir / "next"
    new_dir.mkdir()
    added = _documents(4, 20, first=N - 100)
    added["organisation"] = {d: vals + ["Aaa nouvelle"] for d, vals in
                             added["organisation"].items()}
    # the first 100 documents are dropped, the others move down by 100, 20 new ones follow
    write_facets(new_dir, N - 100 + 20, added, {}, base=base, reused=[(100, 0, N - 100)],
                 shown=SHOWN)
    store = FacetStore.open(new_dir)
    for facet in old:
        merged = {d - 100: v for d, v in old[facet].items() if d >= 100}
        merged.update(added[facet])
        everything = range(N - 100 + 20)
        assert store.count_values(facet, everything) == _expected(merged, everything), facet
        some = list(range(0, N - 80, 3))
        assert store.count_values(facet, some) == _expected(merged, some), facet
