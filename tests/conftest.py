"""Shared fixtures: paths to the shared corpus and a fresh archive layout in tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLE_PAGE = SHARED / "samples" / "pages" / "000_f199722963d6bb92.txt"
CORPUS = SHARED / "corpus"


def require_shared(path: Path) -> Path:
    """Skip the calling test, with the reason, when the ../shared material is not there."""
    if not path.exists():
        pytest.skip(
            f"../shared corpus not available: {path} is missing (tests read it, never copy it)"
        )
    return path


@pytest.fixture
def archive_dir(tmp_path: Path) -> Path:
    """An empty archive: data/ with the project's authority and publishers files, and index/
    (what `archive init` makes)."""
    data = tmp_path / "data"
    (data / "articles").mkdir(parents=True)
    for name in ("organisations.yaml", "publishers.yaml"):
        if (ROOT / "data" / name).exists():
            shutil.copy(ROOT / "data" / name, data / name)
    (tmp_path / "index").mkdir()
    return tmp_path


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module (the browser test modules
    skip, with the reason, where either is absent)."""
    from tests.test_browser import ARGS, CHROMIUM, sync_api

    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()
