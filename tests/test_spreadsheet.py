"""The CSV export opened by a real spreadsheet: LibreOffice Calc, headless, reading the file as a
French user's would (`;` as separator), and as an English one's (`,`). No cell may become a
formula. Skipped, with the reason, where LibreOffice is absent (CI installs Debian's
libreoffice-calc-nogui).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from archive.models import Article
from archive.web import create_app
from tests.webarchive import build_archive

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (Debian: "
                                "apt-get install libreoffice-calc-nogui): the CSV export is not "
                                "opened in a spreadsheet")

HOSTILE = [
    Article(id="greve-point-virgule", title="Grève;=1+1;", body="Un corps.", date="2020-01-01",
            author=("Koné; =2+3", "@SUM(1;2)")),
    Article(id="virgule-et-plus", title="Budget, +5+5 et -3-3", body="Un corps.",
            date="2020-01-02", section="=HYPERLINK(\"http://x\";\"y\")"),
    Article(id="pleine-chasse", title="＝1+1；＠SUM(1)", body="Un corps.", date="2020-01-03",
            organisations=("\t=1+1",)),
    # a shared-corpus sentence: a comma in a cell is text, guarded or not (`(23 %, '-6)`)
    Article(id="sondage", title="Popularité", date="2018-12-10", author=("Koné, =2+3",), body=(
        "Mais le président, dont la cote de confiance a atteint un nouveau plus bas (23 %, -6), "
        "selon un sondage Ifop-Fiducial, n'a pas prévu de s'exprimer.")),
]


@pytest.mark.parametrize("separator", [59, 44], ids=["semicolon", "comma"])
def test_no_exported_cell_becomes_a_formula_in_libreoffice(tmp_path, separator):
    config = build_archive(tmp_path / "archive", HOSTILE)
    data = create_app(config).test_client().get("/export.csv").get_data()
    source = tmp_path / "export.csv"
    source.write_bytes(data)
    out = tmp_path / "out"
    # separator, text delimiter ", UTF-8 (76), from line 1; a profile of its own in tmp_path
    done = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--norestore", f"--infilter=CSV:{separator},34,76,1", "--convert-to", "fods",
         "--outdir", str(out), str(source)],
        capture_output=True, text=True, timeout=120)
    converted = out / "export.fods"
    assert converted.exists(), done.stdout + done.stderr
    sheet = converted.read_text(encoding="utf-8")
    assert "Grève" in sheet  # read as UTF-8, accents intact
    assert "table:formula" not in sheet
    if separator == 44:  # split on commas, the file's quotes keep the sentence whole
        assert "plus bas (23 %, -6), selon un sondage" in sheet
