"""The import pipeline, through the real `archive import` and `archive check` commands."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from archive import articlefile
from archive.cli import main
from archive.config import load_config
from archive.ingest import import_paths
from archive.organisations import load_authority
from archive.textnorm import clean_line, clean_text, normalise_body

from .conftest import CORPUS, EXAMPLE_PAGE, ROOT, require_shared

PAGE = """Flash Infos
Accueil / Économie / Coton : la CMDT annonce une campagne record

Coton : la CMDT annonce une campagne record

La Compagnie malienne pour le développement des textiles (CMDT) a annoncé à Bamako une production record pour la campagne agricole, grâce à des pluies régulières.

Les producteurs de Koutiala saluent l’arrivée des engrais à temps, tandis que le syndicat des cotonculteurs réclame un meilleur prix au kilo.

Par Awa Sangaré

Essayez à nouveau

Nombre de visites: 12 Les pluies reviennent …

Laisser un commentaire

error: Content is protected !!
"""


def run(archive: Path, *args: str):
    """Run the real CLI on the archive folder, as an archivist would."""
    return CliRunner().invoke(
        main, [*args, "--data", str(archive / "data"), "--index", str(archive / "index")]
    )


def article_files(archive: Path) -> list[Path]:
    return list(articlefile.iter_files(archive / "data" / "articles"))


def test_importing_the_example_page_writes_one_clean_article_file(archive_dir: Path):
    page = require_shared(EXAMPLE_PAGE)
    result = run(archive_dir, "import", str(page))
    assert result.exit_code == 0, result.output
    assert "1 imported" in result.output
    (path,) = article_files(archive_dir)
    assert path.parent.name == "2019"
    article = articlefile.read(path)
    assert (
        article.title == "Renforcement des capacités : le CARES-Mali outille ses nouveaux membres"
    )
    assert article.section == "Nation"
    assert article.author == ("Y. Doumbia",)
    assert article.date == "2019" and article.date_source == "text"
    assert article.body.startswith("Le 3ème séminaire national de formation")
    assert article.body.endswith("a t-elle précisé.")
    for furniture in (
        "Essayez à nouveau",
        "Nombre de visites",
        "Content is protected",
        "Laisser un commentaire",
        "Flash Infos",
        "Forêt classe",
    ):
        assert furniture not in article.body
    authority = load_authority(archive_dir / "data" / "organisations.yaml")
    for acronym in ("CARES-Mali", "CSI-Afrique", "CFDT", "UNTM", "CSTM", "GSB", "UTM", "RMA", "UE"):
        assert authority.canonical(acronym) in article.organisations, (
            acronym,
            article.organisations,
        )
    assert article.content_hash.startswith("sha256:")
    assert article.imported_from == str(page)
    assert path.name == f"{article.id}.md" and article.id.startswith("renforcement-des-capacites")


def test_importing_the_same_input_twice_changes_nothing(archive_dir: Path, tmp_path: Path):
    page = tmp_path / "coton.txt"
    page.write_text(PAGE, encoding="utf-8")
    assert run(archive_dir, "import", str(page)).exit_code == 0
    (path,) = article_files(archive_dir)
    before = path.read_bytes(), path.stat().st_mtime_ns
    second = run(archive_dir, "import", str(page))
    assert second.exit_code == 0
    assert "0 imported, 0 updated, 1 unchanged" in second.output
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_dry_run_reports_and_writes_nothing(archive_dir: Path, tmp_path: Path):
    page = tmp_path / "coton.txt"
    page.write_text(PAGE, encoding="utf-8")
    result = run(archive_dir, "import", "--dry-run", str(page))
    assert result.exit_code == 0
    assert "dry run" in result.output and "1 imported" in result.output
    assert article_files(archive_dir) == []


def test_an_archivist_correction_survives_a_reimport_of_the_changed_source(
    archive_dir: Path, tmp_path: Path
):
    page = tmp_path / "coton.txt"
    page.write_text(PAGE, encoding="utf-8")
    run(archive_dir, "import", str(page))
    (path,) = article_files(archive_dir)
    corrected = articlefile.read(path).replace(
        section="Agriculture", date="2021-05-04", date_source="manual"
    )
    path.unlink()
    articlefile.write(archive_dir / "data" / "articles", corrected)
    page.write_text(PAGE.replace("un meilleur prix", "un bien meilleur prix"), encoding="utf-8")
    result = run(archive_dir, "import", str(page))
    assert "1 updated" in result.output, result.output
    (path,) = article_files(archive_dir)
    article = articlefile.read(path)
    assert article.section == "Agriculture" and article.date == "2021-05-04"
    assert "un bien meilleur prix" in article.body


def test_bad_inputs_are_reported_by_name_and_the_rest_goes_on(archive_dir: Path, tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.txt").write_text(PAGE, encoding="utf-8")
    (inbox / "latin1.txt").write_bytes(
        PAGE.replace("Coton", "Mangue").replace("CMDT", "APCAM").encode("cp1252")
    )
    (inbox / "empty.txt").write_text("", encoding="utf-8")
    (inbox / "furniture.txt").write_text(
        "Flash Infos\n\nEssayez à nouveau\n\nLaisser un commentaire\n\n"
        "error: Content is protected !!\n",
        encoding="utf-8",
    )
    (inbox / "binary.txt").write_bytes(b"\x00\x01\x02" * 500)
    (inbox / "tagged.md").write_text(
        "---\nid: x-1\ntitle: !!python/object/apply:os.system ['echo owned']\n---\n\nCorps.\n",
        encoding="utf-8",
    )
    (inbox / "impossible.md").write_text(
        "---\nid: date-impossible\ntitle: Une date impossible\ndate: '2019-02-30'\n---\n\nCorps.\n",
        encoding="utf-8",
    )
    (inbox / "notes.docx").write_bytes(b"PK\x03\x04 not a text format")
    result = run(archive_dir, "import", str(inbox))
    assert result.exit_code == 1
    out = result.output
    for name, reason in [
        ("empty.txt", ""),
        ("furniture.txt", ""),
        ("binary.txt", "binary"),
        ("tagged.md", ""),
        ("impossible.md", "not a real day"),
        ("notes.docx", "format"),
    ]:
        line = next((line for line in out.splitlines() if name in line), None)
        assert line is not None and line.startswith("rejected:"), (name, out)
        assert reason in line
    assert "2 imported" in out and "6 rejected" in out
    titles = {articlefile.read(p).title for p in article_files(archive_dir)}
    assert titles == {
        "Coton : la CMDT annonce une campagne record",
        "Mangue : la APCAM annonce une campagne record",
    }
    assert "owned" not in out


def test_duplicates_by_text_are_reported_not_written(archive_dir: Path, tmp_path: Path):
    (tmp_path / "a.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "b.txt").write_text(
        PAGE.replace(
            "Coton : la CMDT annonce une campagne record", "Campagne cotonnière record"
        ).replace("Par Awa Sangaré", "A. Sangaré"),
        encoding="utf-8",
    )
    (tmp_path / "c.txt").write_text(PAGE, encoding="utf-8")
    result = run(archive_dir, "import", *(str(tmp_path / n) for n in ("a.txt", "b.txt", "c.txt")))
    assert "1 imported" in result.output and "2 duplicates" in result.output, result.output
    assert "b.txt: same text as" in result.output and "c.txt: same text as" in result.output
    assert len(article_files(archive_dir)) == 1


def test_huge_files_are_refused_unread(archive_dir: Path, tmp_path: Path):
    (tmp_path / "archive.yaml").write_text("limits:\n  import_max_bytes: 1000\n")
    big = tmp_path / "big.txt"
    big.write_text(PAGE * 10, encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "import",
            str(big),
            "--config",
            str(tmp_path / "archive.yaml"),
            "--data",
            str(archive_dir / "data"),
        ],
    )
    assert result.exit_code == 1
    assert "big.txt" in result.output and "larger than the 1,000 allowed" in result.output


def test_a_link_out_of_the_input_folder_is_not_followed(archive_dir: Path, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text(PAGE, encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "link.txt").symlink_to(secret)
    result = run(archive_dir, "import", str(inbox))
    assert "outside the input folder" in result.output
    assert article_files(archive_dir) == []


def test_check_validates_every_file_of_the_archive(archive_dir: Path, tmp_path: Path):
    page = tmp_path / "coton.txt"
    page.write_text(PAGE, encoding="utf-8")
    run(archive_dir, "import", str(page))
    assert run(archive_dir, "check").exit_code == 0
    broken = archive_dir / "data" / "articles" / "2020" / "casse-00000000.md"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text("---\nid: casse-00000000\ntitle: ''\n---\n\nCorps.\n", encoding="utf-8")
    result = run(archive_dir, "check")
    assert result.exit_code == 1
    assert "casse-00000000.md: line 3: missing title" in result.output
    assert "2 article files checked, 1 rejected" in result.output


def test_reimporting_article_files_normalises_them(archive_dir: Path):
    articles = archive_dir / "data" / "articles"
    path = articles / "2018" / "a-la-main-12345678.md"
    path.parent.mkdir(parents=True)
    path.write_text(
        "---\ntitle: '  Écrit   à la main '\nid: a-la-main-12345678\ndate: 2018-04-02\n"
        "author: Fanta Keïta\n---\nPremier   paragraphe.\n\n\n\nSecond.\n",
        encoding="utf-8",
    )
    result = run(archive_dir, "import", str(articles))
    assert result.exit_code == 0 and "1 updated" in result.output, result.output
    article = articlefile.read(path)
    assert article.title == "Écrit à la main" and article.author == ("Fanta Keïta",)
    assert article.body == "Premier paragraphe.\n\nSecond."
    assert path.read_text(encoding="utf-8") == articlefile.render(article)
    assert "1 unchanged" in run(archive_dir, "import", str(articles)).output


def test_cleaning_drops_invisible_characters_before_composing_accents():
    """A zero-width space between a letter and its accent (pasted text) must not keep them
    apart: one cleaning gives composed (NFC) text, and cleaning again changes nothing."""
    assert clean_line("Se\u200b\u0301curite\u0301 a\u0300 Kayes") == "Sécurité à Kayes"
    text = "La se\u200b\u0301curite\u0301\r\n\r\n\x0cd\u2019abord."
    assert clean_text(clean_text(text)) == clean_text(text)
    assert normalise_body(text) == "La sécurité\n\nd’abord."


def test_a_killed_import_never_leaves_half_a_file(archive_dir: Path, tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in range(300):
        (inbox / f"p{n:03}.txt").write_text(
            PAGE.replace("record", f"record numéro {n}").replace(
                "Koutiala", f"Koutiala ({n} producteurs)"
            ),
            encoding="utf-8",
        )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "archive",
            "import",
            str(inbox),
            "--data",
            str(archive_dir / "data"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(article_files(archive_dir)) < 20:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    files = article_files(archive_dir)
    assert 0 < len(files) < 300
    for path in files:
        articlefile.read(path)  # every file that exists is whole
    result = run(archive_dir, "import", str(inbox))
    assert result.exit_code == 0
    assert len(article_files(archive_dir)) == 300


def test_the_whole_shared_export_imports(tmp_path: Path):
    export = require_shared(CORPUS / "articles.jsonl")
    config = load_config(data=tmp_path / "data", index=tmp_path / "index")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "organisations.yaml").write_bytes(
        (ROOT / "data" / "organisations.yaml").read_bytes()
    )
    report = import_paths([export], config)
    lines = sum(1 for _ in export.open(encoding="utf-8"))
    assert report.rejected == []
    assert report.imported + len(report.duplicates) == lines == 2295
    assert len(article_files(tmp_path)) == report.imported
    print("\n" + report.render())
    again = import_paths([export], config)
    assert again.imported == 0 and again.updated == 0
    assert json.dumps(report.lacking)  # coverage is reported per field
