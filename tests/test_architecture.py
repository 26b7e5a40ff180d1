"""The package's shape: each stage imports only what stands below it (DESIGN.md).

records and settings (the top-level modules) < engine < ingest, indexing < search < web < cli;
ingest and indexing stand side by side and do not import each other.
"""

from __future__ import annotations

import ast

from tests.conftest import ROOT

RANK = {"records": 0, "engine": 1, "ingest": 2, "indexing": 2, "search": 3, "web": 4, "cli": 5}
EDGES = {"archive.__main__"}  # `python -m archive` runs the command line: the top by design


def stage(module: str) -> str:
    """The stage a module of the package belongs to."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in RANK:
        return parts[1]
    return "records"


def package_imports() -> list[tuple[str, str]]:
    """(importing module, imported module) for every relative import in the package."""
    found = []
    for path in sorted((ROOT / "archive").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        here = parts[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = here[: len(here) - (node.level - 1)]
                if node.module:
                    found.append((module, ".".join(base + node.module.split("."))))
                else:
                    found += [(module, ".".join(base + [a.name])) for a in node.names]
    return found


def test_no_stage_imports_a_stage_above_it_or_beside_it():
    wrong = [f"{a} imports {b}" for a, b in package_imports() if a not in EDGES
             and stage(a) != stage(b) and RANK[stage(b)] >= RANK[stage(a)]]
    assert wrong == []


def test_the_check_sees_every_stage():
    seen = {stage(b) for _a, b in package_imports()} | {stage(a) for a, _b in package_imports()}
    assert seen == set(RANK)
