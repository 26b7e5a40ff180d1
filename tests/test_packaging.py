"""The package as users install it: a wheel in a fresh virtual environment, outside the source
tree, runs init, import, reindex and serve with the whole site (styles, both languages)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.request import urlopen

import pytest

from tests.conftest import ROOT

SKIPPED = (".git", ".venv", "index", "build", "tests", "bench", "__pycache__", "*.egg-info",
           ".pytest_cache", ".ruff_cache")


def sh(*args: object, cwd: Path, timeout: int = 300) -> str:
    """Run a command to its end; fail the test with its output when it fails."""
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


def get(url: str) -> tuple[str, str]:
    """A page's text and content type."""
    with urlopen(url, timeout=20) as response:
        return response.read().decode("utf-8"), response.headers["Content-Type"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with the project installed from its wheel (not editable)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"  # a clean copy: building never writes into the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*SKIPPED))
    sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", root / "dist", source,
       cwd=root)
    wheel = next((root / "dist").glob("press_archive-*.whl"))
    shutil.rmtree(source)
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("archive/templates/search.html", "archive/web/static/style.css",
                    "archive/web/translations/fr/LC_MESSAGES/messages.po",
                    "archive/defaults/organisations.yaml", "archive/defaults/publishers.yaml"):
        assert shipped in names
    assert not [n for n in names if n.startswith(("data/", "templates/", "archive/defaults/a"))]
    venv = root / "venv"
    sh(sys.executable, "-m", "venv", venv, cwd=root)
    sh(venv / "bin" / "pip", "install", "-q", wheel, cwd=root, timeout=600)
    return venv


def test_a_wheel_installed_in_a_fresh_venv_runs_the_whole_archive(installed: Path,
                                                                  tmp_path: Path):
    archive = installed / "bin" / "archive"
    where = sh(installed / "bin" / "python", "-c", "import archive; print(archive.__file__)",
               cwd=tmp_path)
    assert where.startswith(str(installed)) and str(ROOT) not in where
    sh(archive, "init", "presse", "--name", "Archives de Bamako", cwd=tmp_path)
    site = tmp_path / "presse"
    imported = sh(archive, "import", ROOT / "data" / "inbox", cwd=site)
    assert "4 imported" in imported and "organisations not extracted" not in imported
    assert len(list((site / "data" / "articles").rglob("*.md"))) == 4
    sh(archive, "reindex", cwd=site)
    server = subprocess.Popen([archive, "serve", "--port", "0"], cwd=site,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        address = re.search(r"http://127\.0\.0\.1:\d+/", server.stdout.readline()).group(0)
        home, _ = get(address)
        assert "Archives de Bamako" in home and 'lang="fr"' in home
        css = re.search(r'href="(/static/style\.css[^"]*)"', home).group(1)
        style, kind = get(address.rstrip("/") + css)
        assert kind.startswith("text/css")
        assert style == (ROOT / "archive" / "web" / "static" / "style.css").read_text("utf-8")
        french, _ = get(address + "search?q=karit%C3%A9")
        # the result's title marks the word searched
        assert "<mark>Karité</mark> : les femmes de Bougouni" in french and "Rechercher" in french
        english, _ = get(address + "search?q=karit%C3%A9&lang=en")
        assert 'lang="en"' in english and "Search" in english and "Rechercher" not in english
        assert "CSTM" in get(address + "search?q=CSTM")[0]  # the authority file did its work
    finally:
        server.terminate()
        server.wait(timeout=10)
    site_packages = next(installed.glob("lib/python*/site-packages"))
    assert not (site_packages / "data").exists() and not (site_packages / "index").exists()
