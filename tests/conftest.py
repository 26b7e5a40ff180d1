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
    return _empty_archive(tmp_path)


def _empty_archive(root: Path) -> Path:
    data = root / "data"
    (data / "articles").mkdir(parents=True)
    for name in ("organisations.yaml", "publishers.yaml"):
        if (ROOT / "data" / name).exists():
            shutil.copy(ROOT / "data" / name, data / name)
    (root / "index").mkdir()
    return root


@pytest.fixture(scope="session")
def shared_export(tmp_path_factory) -> tuple[Path, Path, str]:
    """The shared corpus's export (2,295 articles) imported once for the session by the real
    `archive import` into an empty archive: (the export, the archive folder, what the command
    printed). Tests read it; one that writes to the archive makes its own."""
    from click.testing import CliRunner

    from archive.cli import main

    export = require_shared(CORPUS / "articles.jsonl")
    root = _empty_archive(tmp_path_factory.mktemp("shared-export"))
    result = CliRunner().invoke(main, ["import", str(export), "--data", str(root / "data"),
                                       "--index", str(root / "index")])
    assert result.exit_code == 0, result.output
    return export, root, result.output


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module (the browser test modules
    skip, with the reason, where either is absent)."""
    from tests.test_browser import ARGS, CHROMIUM, sync_api

    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def as_a_plain_user(command: list[str]) -> list[str]:
    """`command` run without root's right to read and write any file (a file mode 000 then
    refuses it, as it does any other user), by setpriv; skips the caller where that cannot be."""
    import os

    if os.geteuid() != 0:
        return command
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv (util-linux): a file mode 000 is "
                    "readable here, so an unreadable file cannot be made")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
