"""The import pipeline, through the real `archive import` and `archive check` commands."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import articlefile, audit
from archive.cli import main
from archive.config import load_config
from archive.errors import EXIT_PARTIAL
from archive.ingest import import_paths
from archive.models import Article
from archive.organisations import load_authority
from archive.textnorm import clean_line, clean_text, normalise_body

from .conftest import EXAMPLE_PAGE, ROOT, as_a_plain_user, require_shared

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


def imported_page(archive: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The sample page imported as it is: the page, and the article file it made."""
    page = tmp_path / "coton.txt"
    page.write_text(PAGE, encoding="utf-8")
    run(archive, "import", str(page))
    (path,) = article_files(archive)
    return page, path


def test_importing_the_example_page_writes_one_clean_article_file(archive_dir: Path):
    page = require_shared(EXAMPLE_PAGE)
    result = run(archive_dir, "import", str(page))
    assert result.exit_code == 0, result.output
    assert "1 imported" in result.output
    (path,) = article_files(archive_dir)
    assert path.parent.name == "sans-date"  # the page prints no date (tests/test_pubdates.py)
    article = articlefile.read(path)
    assert (
        article.title == "Renforcement des capacités : le CARES-Mali outille ses nouveaux membres"
    )
    assert article.section == "Nation"
    assert article.author == ("Y. Doumbia",)
    assert (article.date, article.date_source) == (None, None)
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
    page, path = imported_page(archive_dir, tmp_path)
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
    assert result.exit_code == EXIT_PARTIAL
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


def test_the_same_page_twice_is_a_duplicate_but_the_same_text_under_another_title_is_kept(
        archive_dir: Path, tmp_path: Path):
    (tmp_path / "a.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "b.txt").write_text(
        PAGE.replace(
            "Coton : la CMDT annonce une campagne record", "Campagne cotonnière record"
        ).replace("Par Awa Sangaré", "A. Sangaré"),
        encoding="utf-8",
    )
    (tmp_path / "c.txt").write_text(PAGE, encoding="utf-8")
    result = run(archive_dir, "import", *(str(tmp_path / n) for n in ("a.txt", "b.txt", "c.txt")))
    assert "2 imported" in result.output and "1 duplicates" in result.output, result.output
    assert "duplicate: " + str(tmp_path / "c.txt") + ": same text as coton-la-cmdt" in result.output
    assert "same text: " + str(tmp_path / "b.txt") + ": same text as coton-la-cmdt" in result.output
    assert sorted(articlefile.read(p).title for p in article_files(archive_dir)) == [
        "Campagne cotonnière record", "Coton : la CMDT annonce une campagne record"]


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
    assert result.exit_code == EXIT_PARTIAL
    assert "big.txt" in result.output and "larger than the 1,000 allowed (limits: " \
        "import_max_bytes in archive.yaml)" in result.output


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
    assert result.exit_code == EXIT_PARTIAL
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
    # A comment line among the fields is part of the normal form: kept, and no change
    path.write_text(path.read_text(encoding="utf-8").replace(
        "\ndate:", "\n# date lue sur la page imprimée\ndate:"), encoding="utf-8")
    assert "1 unchanged" in run(archive_dir, "import", str(articles)).output
    assert "# date lue sur la page imprimée\ndate: '2018-04-02'" in path.read_text(
        encoding="utf-8")


def test_an_article_file_an_old_editor_saved_in_windows_1252_is_read_and_rewritten(
        archive_dir: Path, tmp_path: Path):
    page, path = imported_page(archive_dir, tmp_path)
    article = articlefile.read(path)
    path.write_bytes(path.read_text(encoding="utf-8").replace(
        "section: Économie", "section: Économie rurale").encode("cp1252"))
    assert run(archive_dir, "check").exit_code == 0
    result = run(archive_dir, "import", str(archive_dir / "data" / "articles"))
    assert result.exit_code == 0 and "1 updated" in result.output, result.output
    assert articlefile.read(path) == article.replace(section="Économie rurale")
    assert path.read_text(encoding="utf-8") == articlefile.render(articlefile.read(path))


def test_a_file_whose_name_is_not_utf8_is_rejected_by_name_and_the_rest_goes_on(
        archive_dir: Path, tmp_path: Path):
    """A name in Latin-1 (copied from an old Windows share) cannot be an article's provenance;
    the import says so and imports the files around it."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text(PAGE, encoding="utf-8")
    (inbox / os.fsdecode(b"p\xe9age.txt")).write_text(
        PAGE.replace("Coton", "Mangue"), encoding="utf-8")
    (inbox / "z.txt").write_text(PAGE.replace("Coton", "Karité"), encoding="utf-8")
    result = run(archive_dir, "import", str(inbox))
    assert result.exit_code == EXIT_PARTIAL, result.output
    assert f"rejected: {inbox}/p\\udce9age.txt: its name (or its folder's) is not UTF-8" \
        in result.output
    assert "2 imported" in result.output and "1 rejected" in result.output
    assert len(article_files(archive_dir)) == 2


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


def test_the_whole_shared_export_imports(shared_export: tuple[Path, Path, str],
                                         tmp_path: Path):
    export, shared, output = shared_export  # imported by `archive import`, once a session
    counts = re.search(r"^(\d+) imported, 0 updated, 0 unchanged, (\d+) duplicates, "
                       r"0 rejected$", output, re.M)
    assert counts, output
    imported, duplicates = map(int, counts.groups())
    lines = sum(1 for _ in export.open(encoding="utf-8"))
    assert imported + duplicates == lines == 2295
    assert output.count("\nduplicate: ") == duplicates and "rejected: " not in output
    assert len(article_files(shared)) == imported
    assert re.search(r"^fields missing \(of \d+ articles\): ", output, re.M)  # per field
    print("\n" + output)
    archive = tmp_path / "archive"  # imported again into a copy: the session's stays as made
    shutil.copytree(shared, archive)
    config = load_config(data=archive / "data", index=archive / "index")
    again = import_paths([export], config)
    assert again.imported == 0 and again.updated == 0 and again.rejected == []


# --- re-imports never destroy an archivist's work ------------------------------------------------


def edit(path: Path, old: str, new: str) -> None:
    """Change a file's text as an archivist does in an editor."""
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, text)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_reimport_merges_three_ways_and_keeps_every_field_the_archivist_touched(
        archive_dir: Path, tmp_path: Path):
    page = tmp_path / "coton.txt"
    page.write_text(PAGE, encoding="utf-8")
    assert run(archive_dir, "import", str(page)).exit_code == 0
    (path,) = article_files(archive_dir)
    # The archivist deletes the author line, removes the organisation, corrects the title.
    edit(path, "author:\n- Awa Sangaré\n", "")
    edit(path, "organisations:\n- Compagnie malienne pour le développement des textiles\n", "")
    edit(path, "title: 'Coton : la CMDT annonce une campagne record'",
         "title: 'Coton : la CMDT annonce une récolte record'")
    # The site fixes its text and moves the article to another section.
    page.write_text(PAGE.replace("Accueil / Économie /", "Accueil / Agriculture /")
                    .replace("un meilleur prix", "un bien meilleur prix"), encoding="utf-8")
    result = run(archive_dir, "import", str(page))
    assert "1 updated" in result.output, result.output
    (path,) = article_files(archive_dir)
    article = articlefile.read(path)
    assert article.author == () and article.organisations == ()  # deleted: they stay deleted
    assert article.title == "Coton : la CMDT annonce une récolte record"
    assert article.section == "Agriculture"  # untouched by the archivist: follows the source
    assert "un bien meilleur prix" in article.body  # so does the text
    assert "kept:" not in result.output  # nothing both sides changed


def test_when_both_sides_changed_a_field_the_archivists_version_stays_and_is_reported(
        archive_dir: Path, tmp_path: Path):
    page, path = imported_page(archive_dir, tmp_path)
    edit(path, "section: Économie", "section: Agriculture")
    edit(path, "grâce à des pluies", "grâce à des Pluies")  # a change of case is an edit too
    page.write_text(PAGE.replace("Accueil / Économie /", "Accueil / Société /")
                    .replace("un meilleur prix", "un bien meilleur prix"), encoding="utf-8")
    result = run(archive_dir, "import", str(page))
    article = articlefile.read(path)
    assert article.section == "Agriculture"
    assert "grâce à des Pluies" in article.body and "un bien meilleur prix" not in article.body
    (kept,) = [line for line in result.output.splitlines() if line.startswith("kept:")]
    assert kept.startswith(f"kept: {path}: your section (the source now says 'Société'), "
                           "body (the source now says a new text) kept as you left it"), kept
    # Next time the source is as it was: nothing more to say, nothing changes.
    again = run(archive_dir, "import", str(page))
    assert "1 unchanged" in again.output and "kept:" not in again.output
    # Authors are said as a reader writes them
    edit(path, "- Awa Sangaré", "- A. Sangaré")
    page.write_text(PAGE.replace("Par Awa Sangaré", "Par Awa Sangaré et Moussa Diarra"),
                    encoding="utf-8")
    assert "author (the source now says 'Awa Sangaré, Moussa Diarra')" in run(
        archive_dir, "import", str(page)).output


def test_an_article_deleted_by_the_archivist_is_not_brought_back(archive_dir: Path,
                                                                 tmp_path: Path):
    page, path = imported_page(archive_dir, tmp_path)
    path.unlink()
    result = run(archive_dir, "import", str(page))
    assert result.exit_code == 0 and article_files(archive_dir) == []
    assert "0 imported" in result.output and "1 deleted by hand, not re-imported" in result.output
    line = next(line for line in result.output.splitlines()
                if line.startswith("not re-imported:"))
    assert f"{page}: article {path.stem} was deleted from the archive" in line
    # The report says how to bring it back on purpose, and that works.
    record = Path(line.rsplit("remove ", 1)[1])
    record.unlink()
    assert "1 imported" in run(archive_dir, "import", str(page)).output


def test_an_article_whose_id_the_archivist_changed_is_not_said_deleted(archive_dir: Path,
                                                                      tmp_path: Path):
    page, path = imported_page(archive_dir, tmp_path)
    renamed = path.with_name("coton-campagne-record.md")
    renamed.write_text(path.read_text(encoding="utf-8").replace(
        f"id: {path.stem}", "id: coton-campagne-record"), encoding="utf-8")
    path.unlink()
    typed = renamed.read_bytes()
    result = run(archive_dir, "import", str(page))
    assert "not re-imported" not in result.output and "0 imported" in result.output
    assert (f"duplicate: {page}: same text as coton-campagne-record (no file has the id "
            f"{path.stem} the import gave it: changed by hand?)") in result.output
    assert article_files(archive_dir) == [renamed] and renamed.read_bytes() == typed


def test_an_edit_saved_while_an_import_runs_is_never_written_over(archive_dir: Path,
                                                                  tmp_path: Path):
    """An import reads an article, then writes it: at 100k articles, minutes later. An
    archivist's save in the workspace meanwhile was replaced by the import's merge of what the
    file held before it."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "coton.txt").write_text(PAGE, encoding="utf-8")
    run(archive_dir, "import", str(inbox))
    (path,) = article_files(archive_dir)
    # the same text under another title: its import reads the article above, to compare
    (inbox / "a.txt").write_text(PAGE.replace("Coton : la CMDT annonce une campagne record",
                                              "Mangue : une campagne record"), encoding="utf-8")
    (inbox / "coton.txt").write_text(PAGE.replace("un meilleur prix", "un bien meilleur prix"),
                                     encoding="utf-8")

    class Saving:
        """The import's progress bar: after its first input, the archivist saves an edit."""

        def __init__(self, *_args) -> None:
            self.done = 0

        def advance(self) -> None:
            self.done += 1
            if self.done == 1:
                edit(path, "section: Économie", "section: Agriculture")

        def close(self) -> None:
            pass

    config = load_config(None, data=archive_dir / "data", index=archive_dir / "index")
    report = import_paths([inbox], config, progress=Saving)
    saved = path.read_text(encoding="utf-8")
    assert "section: Agriculture" in saved and "un bien meilleur prix" not in saved
    (line,) = [f"{source}: {reason}" for source, reason in report.rejected]
    assert f"its article file {path} changed while this import ran" in line
    assert report.imported == 1
    # imported again, the source and the edit merge
    again = run(archive_dir, "import", str(inbox))
    merged = articlefile.read(path)
    assert "1 updated" in again.output and merged.section == "Agriculture"
    assert "un bien meilleur prix" in merged.body


BROKEN = {
    "invalid YAML": ("section: Économie", "section: [Économie"),
    "unknown field": ("section: Économie", "section: Économie\nrubrique: Agriculture"),
    "invalid value": ("language: fr", "language: français"),
}


@pytest.mark.parametrize("damage", list(BROKEN))
def test_an_import_never_writes_over_a_file_it_cannot_read(archive_dir: Path, tmp_path: Path,
                                                           damage: str):
    page, path = imported_page(archive_dir, tmp_path)
    edit(path, *BROKEN[damage])
    typed = path.read_bytes()
    page.write_text(PAGE.replace("un meilleur prix", "un bien meilleur prix"), encoding="utf-8")
    for args in (("--dry-run", str(page)), (str(page),)):
        result = run(archive_dir, "import", *args)
        assert result.exit_code == EXIT_PARTIAL
        line = next(line for line in result.output.splitlines() if line.startswith("rejected:"))
        assert line.startswith(f"rejected: {page}: its article file {path} cannot be read (")
        assert "never writes over it: fix that file" in line
        assert path.read_bytes() == typed and article_files(archive_dir) == [path]


def test_an_article_file_cannot_take_the_url_of_another_article(archive_dir: Path,
                                                                tmp_path: Path):
    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps({
        "title": title, "url": f"https://presse.example.ml/{n}",
        "body": PAGE.split("\n\n")[2] + f" Article {n}."}) + "\n"
        for n, title in enumerate(("Coton à Koutiala", "Mangue à Sikasso"))), encoding="utf-8")
    assert "2 imported" in run(archive_dir, "import", str(export)).output
    before = {p: p.read_bytes() for p in article_files(archive_dir)}
    owner = next(articlefile.read(p) for p in before if "koutiala" in p.name)
    typed = tmp_path / "nouveau.md"
    typed.write_text("---\nid: un-autre-article\ntitle: Un autre article\n"
                     f"url: {owner.url}\n---\n\nUn texte écrit à la main.\n", encoding="utf-8")
    result = run(archive_dir, "import", str(typed))
    assert result.exit_code == EXIT_PARTIAL
    assert (f"rejected: {typed}: its url {owner.url} belongs to article {owner.id} "
            f"({next(p for p in before if 'koutiala' in p.name)}), not to un-autre-article"
            ) in result.output
    assert {p: p.read_bytes() for p in article_files(archive_dir)} == before


TEASER = ("Pourquoi vous devez soutenir le journalisme indépendant. Cet article est réservé à "
          "nos abonnés. Pour lire la suite, abonnez-vous dès aujourd’hui.")


def test_distinct_articles_sharing_a_teaser_or_a_wire_text_are_all_kept_and_said(
        archive_dir: Path, tmp_path: Path):
    wire = " ".join(PAGE.split("\n\n")[2:4])
    records = [{"title": f"Dossier numéro {n}", "url": f"https://abonnes.example.ml/{n}",
                "body": TEASER} for n in range(5)]
    records += [{"title": "Coton : campagne record", "url": f"https://{site}.example.ml/coton",
                 "body": wire} for site in ("essor", "republicain")]
    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = run(archive_dir, "import", str(export))
    out = result.output
    assert "7 imported" in out and "0 duplicates" in out, out
    assert len(article_files(archive_dir)) == 7
    assert out.count("suspicious: ") == 5 and "paywall or subscription teaser" in out
    assert out.count("same text: ") == 5  # four teasers and one wire copy, each said once
    assert "kept as a separate article" in out
    # The same records again are the same articles: nothing new, nothing dropped.
    again = run(archive_dir, "import", str(export)).output
    assert "0 imported, 0 updated, 7 unchanged" in again


def test_a_body_far_shorter_than_usual_is_imported_and_reported(archive_dir: Path,
                                                                tmp_path: Path):
    page = tmp_path / "bref.txt"
    short = PAGE.split("\n\n")[2][:120] + "."
    page.write_text("Accueil / Économie / Bref\n\nBref\n\n" + short + "\n", encoding="utf-8")
    result = run(archive_dir, "import", str(page))
    assert "1 imported" in result.output
    assert f"suspicious: {page}: body has only 19 words: a fragment?" in result.output
    assert len(article_files(archive_dir)) == 1


def test_two_archive_files_with_one_id_are_never_merged_into_one(archive_dir: Path,
                                                                tmp_path: Path):
    page, path = imported_page(archive_dir, tmp_path)
    articles = archive_dir / "data" / "articles"
    # The archivist copies the file to two wrong year folders and edits one copy.
    (articles / "2001").mkdir()
    (articles / "2002").mkdir()
    first, second = articles / "2001" / path.name, articles / "2002" / path.name
    first.write_bytes(path.read_bytes())
    second.write_text(path.read_text(encoding="utf-8").replace("Économie", "Agriculture"),
                      encoding="utf-8")
    path.unlink()
    typed = {p: p.read_bytes() for p in (first, second)}
    for args in (("--dry-run", str(articles)), (str(articles),)):
        result = run(archive_dir, "import", *args)
        assert result.exit_code == EXIT_PARTIAL and "Traceback" not in result.output
        assert f"rejected: {first}: id '{path.stem}' is also used by {second}" in result.output
        assert f"rejected: {second}: id '{path.stem}' is also used by {first}" in result.output
    # Both copies are untouched: whichever the import took, it would replace the other.
    assert {p: p.read_bytes() for p in (first, second)} == typed and not path.exists()


def test_a_file_copied_as_a_template_with_its_id_kept_is_never_written_over(
        archive_dir: Path, tmp_path: Path):
    """The archivist copies an article file to start a new one and forgets its `id:` line:
    neither a re-import of the source nor one of the archive may replace one with the other."""
    page = tmp_path / "coton.txt"
    page.write_text(PAGE, encoding="utf-8")
    run(archive_dir, "import", str(page))
    (original,) = article_files(archive_dir)
    copy = original.parent / "nouvel-article.md"
    copy.write_text(original.read_text(encoding="utf-8").replace(
        "Coton : la CMDT annonce une campagne record", "Un article écrit à la main"),
        encoding="utf-8")
    typed = {p: p.read_bytes() for p in (original, copy)}
    check = run(archive_dir, "check")
    assert f"id '{original.stem}' also used by" in check.output
    for args in ((str(page),), (str(archive_dir / "data" / "articles"),)):
        result = run(archive_dir, "import", *args)
        assert result.exit_code == EXIT_PARTIAL, result.output
        assert f"id '{original.stem}' is" in result.output and "writes neither" in result.output
        assert {p: p.read_bytes() for p in article_files(archive_dir)} == typed


def test_records_an_export_gives_one_listing_url_are_not_merged_into_one_article(
        archive_dir: Path, tmp_path: Path):
    """A scraper that gave every record its listing page's url: the first is the url's
    article, the others are refused by name with the reason, never merged into it."""
    news = [("Grève des enseignants à Bamako", "2019-05-03", PAGE.split("\n\n")[2]),
            ("Le prix du coton fixé pour la campagne", "2020-04-10", PAGE.split("\n\n")[3]),
            ("Report des élections locales", "2021-01-12",
             "Les élections communales prévues en janvier sont reportées à une date ultérieure, "
             "a annoncé le ministère de l'Administration territoriale après une réunion.")]
    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps({
        "id": f"a{n}", "url": "https://journal.example.ml/actualites/", "title": title,
        "date": date, "body": body}) + "\n" for n, (title, date, body) in enumerate(news)),
        encoding="utf-8")
    for _ in range(2):  # the same export again changes nothing
        result = run(archive_dir, "import", str(export))
        assert result.exit_code == EXIT_PARTIAL and "kept:" not in result.output, result.output
        refused = [line for line in result.output.splitlines() if line.startswith("rejected:")]
        assert [line.split(": ")[1] for line in refused] == ["export.jsonl#a1", "export.jsonl#a2"]
        assert all("is that of article greve-des-enseignants-a-bamako-" in line
                   and "A listing page's url? Give the record its own url" in line
                   for line in refused)
    (path,) = article_files(archive_dir)
    assert articlefile.read(path).title == "Grève des enseignants à Bamako"
    assert "0 imported, 0 updated, 1 unchanged" in result.output


def test_a_source_update_at_the_same_url_is_still_an_update(archive_dir: Path, tmp_path: Path):
    """The site rewrote its article the same day, title and text: the same url's article."""
    export = tmp_path / "export.jsonl"
    record = {"url": "https://journal.example.ml/coton", "date": "2024-03-14",
              "title": "Coton : la CMDT annonce une campagne record", "body": PAGE.split("\n\n")[2]}
    export.write_text(json.dumps(record) + "\n", encoding="utf-8")
    run(archive_dir, "import", str(export))
    export.write_text(json.dumps({**record, "title": "Coton : la récolte dépasse les attentes",
                                  "body": PAGE.split("\n\n")[3]}) + "\n", encoding="utf-8")
    result = run(archive_dir, "import", str(export))
    assert "0 imported, 1 updated" in result.output, result.output
    (path,) = article_files(archive_dir)
    assert articlefile.read(path).title == "Coton : la récolte dépasse les attentes"


def test_a_recurring_title_in_same_named_files_of_two_runs_is_two_articles(
        archive_dir: Path, tmp_path: Path):
    """Each scraping run numbers its pages from 1, and the weekly communiqué has one title:
    page_1.txt of May and page_1.txt of June are two articles, and stay two."""
    title = "Communiqué du conseil des ministres"
    texts = {"mai": "Le conseil des ministres s'est réuni le mercredi 8 mai 2024 au palais de "
                    "Koulouba. Il a adopté un projet de décret fixant le prix du coton graine "
                    "pour la campagne agricole et nommé deux directeurs régionaux.",
             "juin": "Réuni le mercredi 12 juin 2024 sous la présidence du chef de l'État, "
                     "le gouvernement a examiné la rentrée scolaire, le recrutement de "
                     "trois mille enseignants et la réhabilitation des écoles de Mopti."}
    for month, text in texts.items():
        (tmp_path / month).mkdir()
        (tmp_path / month / "page_1.txt").write_text(
            f"Flash Infos\nAccueil / Politique / {title}\n\n{title}\n\n{text}\n",
            encoding="utf-8")
    for expected in ("2 imported", "0 imported, 0 updated, 2 unchanged"):
        result = run(archive_dir, "import", str(tmp_path / "mai"), str(tmp_path / "juin"))
        assert expected in result.output, result.output
    dates = sorted(articlefile.read(p).date[:7] for p in article_files(archive_dir))
    assert dates == ["2024-05", "2024-06"]
    # June's deleted by the archivist stays deleted, and May's is still May's
    june = next(p for p in article_files(archive_dir) if "2024-06" in articlefile.read(p).date)
    june.unlink()
    result = run(archive_dir, "import", str(tmp_path / "mai"), str(tmp_path / "juin"))
    assert "0 imported, 0 updated, 1 unchanged" in result.output, result.output
    assert "1 deleted by hand, not re-imported" in result.output


@pytest.mark.parametrize("change", ["renamed export", "corrected title", "url with a slash",
                                    "record added on top"])
def test_a_deleted_article_stays_deleted_when_its_source_names_it_another_way(
        archive_dir: Path, tmp_path: Path, change: str):
    records = [{"title": "Le prix du coton fixé pour la campagne", "date": "2020-04-10",
                "body": PAGE.split("\n\n")[2]},
               {"title": "Report des élections locales", "date": "2021-01-12",
                "url": "https://journal.example.ml/elections", "body": PAGE.split("\n\n")[3]}]
    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert "2 imported" in run(archive_dir, "import", str(export)).output
    for path in article_files(archive_dir):
        path.unlink()
    if change == "renamed export":
        export = export.rename(tmp_path / "export-2024-06.jsonl")
    elif change == "corrected title":
        records[0]["title"] = "Le prix du coton est fixé pour la campagne"
    elif change == "url with a slash":
        records[1]["url"] += "/"
    else:
        records.insert(0, {"title": "Une nouvelle", "date": "2022-02-02",
                           "body": "Un tout autre texte, sur un tout autre sujet, arrive ici."})
    export.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = run(archive_dir, "import", str(export))
    assert "2 deleted by hand, not re-imported" in result.output, result.output
    kept = [articlefile.read(p).title for p in article_files(archive_dir)]
    assert kept == (["Une nouvelle"] if change == "record added on top" else [])


def test_a_correction_in_a_renamed_export_updates_its_article_and_keeps_edits(
        archive_dir: Path, tmp_path: Path):
    """The source renamed its export (`export-2024-06.jsonl`) and corrected one record: it was
    imported as a second article beside the first (the key is the file name and title)."""
    text = PAGE.split("\n\n")[2]
    records = [{"id": "101", "title": "Le prix du coton fixé pour la campagne",
                "date": "2020-04-10", "body": text, "publisher": "L’Essor"},
               {"id": "102", "title": "Report des élections locales", "date": "2021-01-12",
                "body": PAGE.split("\n\n")[3], "publisher": "L’Essor"}]
    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert "2 imported" in run(archive_dir, "import", str(export)).output
    path = next(p for p in article_files(archive_dir) if "coton" in p.name)
    edited = articlefile.read(path).replace(section="Économie")  # the archivist's edit
    path.write_text(articlefile.render(edited), encoding="utf-8")
    records[0]["body"] = text.replace(text.split()[3], text.split()[3] + " (corrigé)", 1)
    renamed = tmp_path / "export-2024-06.jsonl"
    renamed.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = run(archive_dir, "import", str(renamed))
    # (the other record's file now names the renamed export it came from)
    assert "0 imported, 2 updated, 0 unchanged, 0 duplicates" in result.output, result.output
    assert len(article_files(archive_dir)) == 2
    updated = articlefile.read(path)
    assert "(corrigé)" in updated.body and updated.section == "Économie"
    assert "0 imported, 0 updated, 2 unchanged" in run(archive_dir, "import",
                                                        str(renamed)).output
    # deleted by the archivist, it stays deleted when corrected and renamed again
    path.unlink()
    records[0]["body"] += " Une phrase ajoutée."
    renamed.rename(tmp_path / "export-2024-07.jsonl")
    (tmp_path / "export-2024-07.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = run(archive_dir, "import", str(tmp_path / "export-2024-07.jsonl"))
    assert "1 deleted by hand, not re-imported" in result.output, result.output
    assert "same title, newspaper and date as article" in result.output
    assert len(article_files(archive_dir)) == 1


def test_a_renamed_export_corrects_an_article_whose_title_the_archivist_corrected(
        archive_dir: Path, tmp_path: Path):
    """A red team: the archivist corrected a title, then the source renamed its export and
    corrected the text; the record was matched by the file's title, so it came in as a second
    article beside the archivist's. It is the same record (same id, the title its import
    wrote), so it updates that article, the archivist's title kept."""
    text = PAGE.split("\n\n")[2]
    record = {"id": "101", "title": "Le prix du coton fixé pour la campane",
              "date": "2020-04-10", "body": text, "publisher": "L’Essor"}
    (tmp_path / "export.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert "1 imported" in run(archive_dir, "import", str(tmp_path / "export.jsonl")).output
    (path,) = article_files(archive_dir)
    corrected = articlefile.read(path).replace(title="Le prix du coton fixé pour la campagne")
    path.write_text(articlefile.render(corrected), encoding="utf-8")
    record["body"] = text + " Une phrase ajoutée par la rédaction."
    renamed = tmp_path / "export-2024-06.jsonl"
    renamed.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = run(archive_dir, "import", str(renamed))
    assert "0 imported, 1 updated" in result.output, result.output
    (path,) = article_files(archive_dir)
    updated = articlefile.read(path)
    assert updated.title == "Le prix du coton fixé pour la campagne"
    assert updated.body.endswith("Une phrase ajoutée par la rédaction.")


@pytest.mark.parametrize("case", ["same export, no ids", "other record id",
                                  "two runs of pages", "dry run"])
def test_two_columns_of_one_title_and_day_are_never_merged(archive_dir: Path, tmp_path: Path,
                                                           case: str):
    """A red team's cases: a daily column ("Bréves de l'Est") whose second day reprints part of
    the first was merged over it by title, newspaper, date and text; only a renamed export's
    own record id says two records are one story."""
    first, second = PAGE.split("\n\n")[2], PAGE.split("\n\n")[2] + " " + PAGE.split(
        "\n\n")[3]
    rows = [{"title": "Bréves de l'Est", "publisher": "El Watan", "date": "2019-01-08",
             "body": body} for body in (first, second)]
    if case == "other record id":
        rows[0]["id"], rows[1]["id"] = "101", "205"
        inputs = [tmp_path / "export.jsonl", tmp_path / "export-2.jsonl"]
        inputs[0].write_text(json.dumps(rows[0]) + "\n", encoding="utf-8")
        inputs[1].write_text(json.dumps(rows[1]) + "\n", encoding="utf-8")
    elif case == "two runs of pages":
        inputs = []
        for run_name, body in (("run1", first), ("run2", second)):
            (tmp_path / run_name).mkdir()
            page = tmp_path / run_name / f"page_{len(inputs) + 3}.txt"
            page.write_text(f"Accueil / Régions / Bréves de l'Est\n\nBréves de l'Est\n\n{body}\n",
                            encoding="utf-8")
            inputs.append(page)
    else:
        inputs = [tmp_path / "export.jsonl"]
        inputs[0].write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    if case == "dry run":
        planned = run(archive_dir, "import", "--dry-run", str(inputs[0]))
        assert "2 imported, 0 updated" in planned.output, planned.output
    for path in inputs:
        assert run(archive_dir, "import", str(path)).exit_code == 0
    for _again in range(2):  # and importing them again changes nothing
        result = run(archive_dir, "import", *map(str, inputs))
        assert " 0 updated" in result.output and "0 imported" in result.output, result.output
    bodies = sorted(articlefile.read(p).body for p in article_files(archive_dir))
    assert bodies == sorted([first, second])


def test_a_same_titled_story_of_another_newspaper_or_day_stays_another_article(
        archive_dir: Path, tmp_path: Path):
    """A wire copy in another paper's export, or a recurring title another day, is not taken
    for a renamed export's correction."""
    text = PAGE.split("\n\n")[2]
    first = tmp_path / "essor.jsonl"
    first.write_text(json.dumps({"title": "Communiqué du conseil des ministres",
                                 "date": "2020-04-10", "body": text,
                                 "publisher": "L’Essor"}) + "\n", encoding="utf-8")
    assert "1 imported" in run(archive_dir, "import", str(first)).output
    other = tmp_path / "autre.jsonl"
    other.write_text("".join(json.dumps(r) + "\n" for r in [
        {"title": "Communiqué du conseil des ministres", "date": "2020-04-10",
         "body": text + " Avec l’AMAP.", "publisher": "Le Républicain"},
        {"title": "Communiqué du conseil des ministres", "date": "2020-04-17",
         "body": text + " Une autre semaine.", "publisher": "L’Essor"}]), encoding="utf-8")
    result = run(archive_dir, "import", str(other))
    assert "2 imported, 0 updated" in result.output, result.output
    assert len(article_files(archive_dir)) == 3


def test_an_archivist_edit_of_an_article_organisations_survives_a_promotion(archive_dir: Path):
    body = "La Fédération sénégalaise de football (FSF) a convoqué l’Assemblée nationale."
    export = archive_dir / "export.jsonl"
    export.write_text("".join(json.dumps({
        "id": f"f-{n}", "title": f"Football : la FSF convoque son assemblée ({n})",
        "body": f"{body} Communiqué {n}.", "publisher": "Le Quotidien de démonstration",
        "date": "2024-03-01"}, ensure_ascii=False) + "\n" for n in (1, 2)), encoding="utf-8")
    assert run(archive_dir, "import", str(export)).exit_code == 0
    edited_path, untouched_path = sorted(article_files(archive_dir))
    article = articlefile.read(edited_path)
    assert article.organisations == ("Assemblée nationale",)
    assert article.new_organisations == ("Fédération sénégalaise de football (FSF)",)
    # The archivist adds an organisation by hand to one; then FSF joins the authority file.
    edited = article.replace(organisations=("Assemblée nationale", "Union européenne"))
    edited_path.write_text(articlefile.render(edited), encoding="utf-8")
    assert run(archive_dir, "orgs", "add", "FSF").exit_code == 0
    again = run(archive_dir, "import", str(export))
    assert again.exit_code == 0, again.output
    kept = articlefile.read(edited_path)
    # Their organisations are one edit, kept whole: FSF is not lost on the way.
    assert kept.organisations == edited.organisations
    assert kept.new_organisations == edited.new_organisations
    assert "kept:" in again.stdout and "your organisations" in again.stdout
    # The article nobody edited follows the source: the canonical name.
    final = articlefile.read(untouched_path)
    assert final.organisations == ("Fédération sénégalaise de football", "Assemblée nationale")
    assert final.new_organisations == ()


# --- a file or a folder the import cannot read or write -----------------------------------------


def cli(archive: Path, *args: str) -> subprocess.CompletedProcess:
    """The real `archive` program in a subprocess, as an archivist (not root) runs it."""
    command = [sys.executable, "-m", "archive", *args, "--data", str(archive / "data"),
               "--index", str(archive / "index")]
    return subprocess.run(as_a_plain_user(command), capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=archive)


def test_an_article_file_nobody_can_read_is_reported_and_the_import_goes_on(
        archive_dir: Path, tmp_path: Path):
    # (it crashed every import with a traceback: the audit hashed every file first)
    page, path = imported_page(archive_dir, tmp_path)
    path.chmod(0)
    other = tmp_path / "other.txt"
    other.write_text(PAGE.replace("Coton : la CMDT", "Mangue : la CMDT"), encoding="utf-8")
    done = cli(archive_dir, "import", str(archive_dir / "data" / "articles"), str(other))
    assert done.returncode == EXIT_PARTIAL and "Traceback" not in done.stderr, done.stderr
    assert f"rejected: {path}: cannot be read (Permission denied)" in done.stdout
    assert "1 imported, 0 updated, 0 unchanged" in done.stdout
    path.chmod(0o644)
    assert len(article_files(archive_dir)) == 2 and articlefile.read(path).title.startswith(
        "Coton")
    # The new article is in the audit log, with no hash for what was not there before.
    config = load_config(None, data=str(archive_dir / "data"), index=str(archive_dir / "index"))
    entry = json.loads(config.audit_file.read_text(encoding="utf-8").splitlines()[-1])
    assert [(f["path"].split("/")[-1].startswith("mangue"), f["before"]) for f in
            entry["files"]] == [(True, None)]


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 2 MB tmpfs (skipped where it cannot be mounted); unmounted after the test."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2M", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip()})")
    yield mount
    subprocess.run(["umount", "--lazy", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """Take every free byte of the file system holding `folder`; the filler's path."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        chunk = 1 << 20
        while chunk:
            try:
                os.write(fd, b"\0" * chunk)
            except OSError:
                chunk //= 2
    finally:
        os.close(fd)
    return filler


def pages(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"p{i}.txt").write_text(PAGE.replace("record", f"record n° {i}"),
                                          encoding="utf-8")
    return folder


@pytest.mark.parametrize("refusal", ["no space left", "read-only"])
def test_a_full_or_read_only_archive_stops_the_import_cleanly(small_disk: Path, tmp_path: Path,
                                                              refusal: str):
    # (it stopped halfway with a traceback, writing no report and no audit line)
    archive = small_disk / "archive"
    shutil.copytree(_empty(tmp_path), archive)
    inbox = pages(tmp_path / "inbox", 3)
    if refusal == "no space left":
        filler = fill(small_disk)
    else:
        subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    done = cli(archive, "import", str(inbox))
    assert done.returncode == EXIT_PARTIAL and "Traceback" not in done.stderr, done.stderr
    (stop,) = [line for line in done.stdout.splitlines() if line.startswith("stopped: ")]
    reason = "(No space left on device)" if refusal == "no space left" \
        else "(Read-only file system)"
    assert reason in stop and "2 more input(s) not read" in stop, stop
    assert "0 imported" in done.stdout
    assert article_files(archive) == [] and not list(archive.rglob(".tmp-*"))
    # Once there is room again, the same import does it all.
    if refusal == "no space left":
        filler.unlink()
    else:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    done = cli(archive, "import", str(inbox))
    assert done.returncode == 0 and "3 imported" in done.stdout, done.stdout


def _empty(tmp_path: Path) -> Path:
    from .conftest import _empty_archive

    return _empty_archive(tmp_path / "empty")


def test_an_article_its_folder_refuses_is_rejected_by_name_and_the_others_are_imported(
        archive_dir: Path, tmp_path: Path):
    inbox = pages(tmp_path / "inbox", 2)
    dated = Article(id="coton-2021", title="Coton : une campagne record en 2021",
                    body="La CMDT annonce une campagne record.", date="2021-03-03")
    (inbox / "coton-2021.md").write_text(articlefile.render(dated), encoding="utf-8")
    blocked = archive_dir / "data" / "articles" / "sans-date"
    blocked.mkdir()
    blocked.chmod(0o555)  # the undated ones' folder
    done = cli(archive_dir, "import", str(inbox))
    blocked.chmod(0o755)
    assert done.returncode == EXIT_PARTIAL and "Traceback" not in done.stderr, done.stderr
    rejected = [line for line in done.stdout.splitlines() if line.startswith("rejected: ")]
    assert len(rejected) == 2 and all(
        f"{blocked}/" in line and "could not be written (Permission denied): the archive is "
        "as it was" in line for line in rejected), rejected
    assert "1 imported" in done.stdout and "stopped" not in done.stdout
    assert [p.parent.name for p in article_files(archive_dir)] == ["2021"]


def test_an_interrupted_import_is_in_the_audit_log_with_what_it_wrote(archive_dir: Path,
                                                                      tmp_path: Path):
    inbox = pages(tmp_path / "inbox", 3)
    config = load_config(None, data=str(archive_dir / "data"), index=str(archive_dir / "index"))

    class Interrupted:
        done = 0

        def __call__(self, label: str, total: int):
            return self

        def advance(self) -> None:
            self.done += 1
            if self.done == 2:
                raise KeyboardInterrupt  # Ctrl-C after the second page

    with pytest.raises(KeyboardInterrupt):
        import_paths([inbox], config, progress=Interrupted(), audit_as="aminata",
                     inputs={"inputs": [str(inbox)]})
    (entry,) = [json.loads(line) for line in config.audit_file.read_text().splitlines()]
    assert entry["who"] == "aminata" and entry["imported"] == 2
    assert sorted(f["path"] for f in entry["files"]) == sorted(
        p.relative_to(archive_dir).as_posix() for p in article_files(archive_dir))
    assert len(entry["files"]) == 2


# --- a stale copy of an article file --------------------------------------------------------


def copy_of(path: Path, folder: Path) -> Path:
    """An archivist's copy of an article file, taken now (its time is the copy's, as cp's)."""
    folder.mkdir(exist_ok=True)
    copy = folder / path.name
    copy.write_bytes(path.read_bytes())
    return copy


def test_an_old_copy_of_an_article_file_never_undoes_a_later_correction(archive_dir: Path,
                                                                       tmp_path: Path):
    # (the copy replaced the file whole: the correction made meanwhile was lost, unsaid)
    _page, path = imported_page(archive_dir, tmp_path)
    old = copy_of(path, tmp_path / "clé-usb")
    corrected = copy_of(path, tmp_path / "correction")
    edit(corrected, "section: Économie", "section: Agriculture")
    assert "1 updated" in run(archive_dir, "import", str(corrected)).output
    fixed = path.read_bytes()
    result = run(archive_dir, "import", str(old))
    assert result.exit_code == EXIT_PARTIAL
    (line,) = [line for line in result.output.splitlines() if line.startswith("rejected:")]
    who = json.loads((archive_dir / ".archive" / "audit.jsonl").read_text().splitlines()[-1])
    assert line == (f"rejected: {old}: this is the version of the file that {who['who']} "
                    f"replaced on {who['when'][:10]} (import): importing it would undo that "
                    f"change; {path} left as it is (to keep this file's version all the same, "
                    "copy it over that one)")
    assert path.read_bytes() == fixed and articlefile.read(path).section == "Agriculture"
    # The same copy edited since (a real change of its own) is the archivist's newer word.
    edit(old, "title: 'Coton : la CMDT annonce une campagne record'",
         "title: 'Coton : la CMDT annonce une récolte record'")
    assert "1 updated" in run(archive_dir, "import", str(old)).output
    assert articlefile.read(path).title == "Coton : la CMDT annonce une récolte record"


def test_a_copy_last_saved_before_the_archives_file_changed_is_not_imported_over_it(
        archive_dir: Path, tmp_path: Path):
    _page, path = imported_page(archive_dir, tmp_path)
    copy = copy_of(path, tmp_path / "portable")
    edit(copy, "section: Économie", "section: Agriculture")  # edited on a laptop, on Monday
    os.utime(copy, (time.time() - 3 * 86400,) * 2)
    edit(path, "title: 'Coton : la CMDT annonce une campagne record'",  # in the archive since
         "title: 'Coton : la CMDT annonce une récolte record'")
    before = path.read_bytes()
    result = run(archive_dir, "import", str(copy))
    assert result.exit_code == EXIT_PARTIAL
    when = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"
    assert re.search(rf"the archive's file was changed on {when}, after this copy was last "
                     rf"saved \({when}\): importing it would undo that change",
                     result.output), result.output
    assert path.read_bytes() == before
    # The archive's own files re-imported in place are never stale copies of themselves.
    assert run(archive_dir, "import", str(archive_dir / "data" / "articles")).exit_code == 0


# --- the import's catalog of the archive ---------------------------------------------------------


def aged(folder: Path, seconds: int = 3600) -> None:
    """Every file below `folder` last changed `seconds` ago (so that a catalog trusts them)."""
    past = time.time() - seconds
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))


def import_output(archive: Path, *inputs: Path) -> str:
    """What `archive import` printed (its progress lines aside), with the archive's own folder
    named alike."""
    output = run(archive, "import", *map(str, inputs)).output.replace(str(archive), "ARCHIVE")
    return "\n".join(line for line in output.splitlines() if not line.startswith("import: "))


def test_an_import_that_trusts_its_catalog_does_what_one_reading_every_file_does(
        shared_export: tuple[Path, Path, str], tmp_path: Path):
    """The catalog keeps each file's id, url, text hash and record id under its size and
    mtime: an import then parses only the files changed since. Both ways must agree on every
    record of a real export: corrected texts, wire copies under other titles, the rest as it
    was."""
    export, shared, _output = shared_export
    warm, cold = tmp_path / "warm", tmp_path / "cold"
    shutil.copytree(shared, warm)
    aged(warm / "data")
    page = tmp_path / "coton.txt"  # any import makes the catalog: all of it trusted next time
    page.write_text(PAGE, encoding="utf-8")
    assert "1 imported" in import_output(warm, page)
    aged(warm / "data")
    assert "1 unchanged" in import_output(warm, page)
    catalog_file = warm / ".archive" / "import-catalog.json"
    made = catalog_file.read_bytes()
    shutil.copytree(warm, cold)
    (cold / ".archive" / "import-catalog.json").unlink()
    records = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    for record in records[:300:30]:  # the source corrected ten texts
        record["body"] += "\n\nRectificatif : une erreur s’était glissée dans cet article."
    copies = [dict(record, title=f"Revue de presse : {record['title'] or 'sans titre'}",
                   url=None, id=None) for record in records[300:600:30]]  # ten wire copies
    # (the same export's first 300 records, under the name the source gives it now)
    renamed = tmp_path / "export-2.jsonl"
    renamed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                               for r in records[:300] + copies), encoding="utf-8")
    trusted, read_all = import_output(warm, renamed), import_output(cold, renamed)
    assert trusted == read_all
    assert "10 imported, 300 updated, 0 unchanged, 0 duplicates, 0 rejected" in trusted, trusted
    assert trusted.count("\nsame text: ") == 10
    assert catalog_file.read_bytes() == made  # every file was known: nothing to note
    def files(archive: Path) -> dict[Path, bytes]:  # (each import dates what it wrote)
        return {p.relative_to(archive): re.sub(rb"\nimported_at: .*\n", b"\n", p.read_bytes())
                for p in (archive / "data").rglob("*.md")}

    tree = files(warm)
    assert tree == files(cold)
    assert sum(b"Rectificatif : une erreur" in text for text in tree.values()) == 10


def test_an_edit_that_keeps_a_files_size_and_time_is_still_seen(archive_dir: Path,
                                                                tmp_path: Path):
    # A catalog trusts a file whose size and mtime it recorded; an edit within the same clock
    # tick as the import (or a tool that restores the mtime) keeps both: a file changed that
    # close to the catalog's writing is read again.
    page, path = imported_page(archive_dir, tmp_path)
    assert "1 unchanged" in run(archive_dir, "import", str(page)).output  # (catalog made)
    info = path.stat()
    same_length = "coton-corrige-" + "0" * (len(path.stem) - len("coton-corrige-"))
    path.write_text(path.read_text(encoding="utf-8").replace(f"id: {path.stem}",
                                                              f"id: {same_length}"),
                    encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size
    result = run(archive_dir, "import", str(page))
    assert f"same text as {same_length} (no file has the id {path.stem}" in result.output, \
        result.output
    assert article_files(archive_dir) == [path]


def test_a_damaged_catalog_is_rebuilt_from_the_files(archive_dir: Path, tmp_path: Path):
    page, path = imported_page(archive_dir, tmp_path)
    aged(archive_dir / "data")
    catalog_file = archive_dir / ".archive" / "import-catalog.json"
    for damage in (b"{\"version\": 1, \"rows\": ", b"\x00" * 64, b"[]"):
        catalog_file.write_bytes(damage)
        assert "0 imported, 0 updated, 1 unchanged" in run(archive_dir, "import",
                                                           str(page)).output
        assert json.loads(catalog_file.read_bytes())["rows"]


def test_files_an_import_writes_have_the_modes_a_new_file_would_or_the_ones_they_had(
        archive_dir: Path, tmp_path: Path):
    # (every article file was written 0600, its temporary file's mode: unreadable to the web
    # server's account and to the other archivists sharing the folder)
    page = tmp_path / "coton.txt"
    page.write_text(PAGE, encoding="utf-8")
    command = [sys.executable, "-m", "archive", "import", str(page), "--data",
               str(archive_dir / "data"), "--index", str(archive_dir / "index")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(command, env=env, umask=0o002, check=True, capture_output=True)
    (path,) = article_files(archive_dir)
    (base,) = (archive_dir / "data" / "imports").rglob("*.json")
    assert (path.stat().st_mode & 0o777, base.stat().st_mode & 0o777) == (0o664, 0o664)
    path.chmod(0o640)  # the archivist's choice
    page.write_text(PAGE.replace("un meilleur prix", "un bien meilleur prix"), encoding="utf-8")
    done = subprocess.run(command, env=env, umask=0o002, check=True, capture_output=True,
                          text=True)
    assert "1 updated" in done.stdout and path.stat().st_mode & 0o777 == 0o640


def test_ctrl_c_stops_an_import_with_what_it_did_kept_and_in_the_audit_log(archive_dir: Path,
                                                                          tmp_path: Path):
    inbox = pages(tmp_path / "inbox", 300)
    command = [sys.executable, "-m", "archive", "import", str(inbox), "--data",
               str(archive_dir / "data"), "--index", str(archive_dir / "index")]
    proc = subprocess.Popen(command, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(article_files(archive_dir)) < 20:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err and "Aborted" not in err, err
    assert err.startswith("interrupted: what was done is kept whole"), err
    written = article_files(archive_dir)
    assert 20 <= len(written) < 300
    for path in written:
        articlefile.read(path)  # whole
    config = load_config(None, data=str(archive_dir / "data"), index=str(archive_dir / "index"))
    (entry,) = [json.loads(line) for line in config.audit_file.read_text().splitlines()]
    assert sorted(f["path"] for f in entry["files"]) == sorted(
        p.relative_to(archive_dir).as_posix() for p in written)


# --- a second red team on the archivist's paths ----------------------------------------------


def test_a_stale_copy_is_known_after_the_correction_moved_the_file(archive_dir: Path,
                                                                    tmp_path: Path):
    # (the copy's version was looked up under the file's new path only: a correction that
    # dated the article, moving it to its year's folder, let the stale copy undo it, move
    # the file back, and the next imports keep it as the archivist's own edit)
    _page, path = imported_page(archive_dir, tmp_path)
    old = copy_of(path, tmp_path / "clé-usb")
    corrected = copy_of(path, tmp_path / "correction")
    edit(corrected, "title: 'Coton : la CMDT annonce une campagne record'",
         "title: 'Coton : la CMDT annonce une campagne record'\ndate: '2019-03-14'")
    assert "1 updated" in run(archive_dir, "import", str(corrected)).output
    (moved,) = article_files(archive_dir)
    assert moved.parent.name == "2019"
    result = run(archive_dir, "import", str(old))
    assert result.exit_code == EXIT_PARTIAL
    assert f"rejected: {old}: this is the version of the file that " in result.output
    assert article_files(archive_dir) == [moved] and articlefile.read(moved).date == "2019-03-14"


def test_a_file_written_again_with_the_same_bytes_does_not_make_a_copy_stale(archive_dir: Path,
                                                                             tmp_path: Path):
    # (a git checkout or a restore wrote the archive's file again, unchanged: its new time made
    # every copy taken before "older than the archive's file", and a correction was refused)
    _page, path = imported_page(archive_dir, tmp_path)
    copy = copy_of(path, tmp_path / "portable")
    edit(copy, "section: Économie", "section: Agriculture")
    path.write_bytes(path.read_bytes())  # the same bytes, a new time, after the copy's
    os.utime(path, (time.time() + 60,) * 2)
    assert "1 updated" in run(archive_dir, "import", str(copy)).output
    assert articlefile.read(path).section == "Agriculture"


def test_a_file_made_readable_again_is_read_again_by_the_next_import(archive_dir: Path,
                                                                     tmp_path: Path):
    # (the catalog trusted its "cannot be read" row: a chmod changes no mtime)
    page, path = imported_page(archive_dir, tmp_path)
    aged(archive_dir / "data")  # (a file written just before is read again anyway)
    path.chmod(0)
    assert "cannot be read (Permission denied)" in cli(archive_dir, "import", str(page)).stdout
    path.chmod(0o644)
    done = cli(archive_dir, "import", str(page))
    assert done.returncode == 0 and "1 unchanged" in done.stdout, done.stdout


@pytest.mark.parametrize("row", ["5", "[]", '[1, 2, 3, "id", ["a list"], null, null, 4]',
                                 "[" * 100_000 + "]" * 100_000])
def test_a_catalog_row_that_is_no_row_is_read_from_the_file(archive_dir: Path, tmp_path: Path,
                                                           row: str):
    page, path = imported_page(archive_dir, tmp_path)
    aged(archive_dir / "data")
    catalog_file = archive_dir / ".archive" / "import-catalog.json"
    assert run(archive_dir, "import", str(page)).exit_code == 0  # (the catalog made)
    data = json.loads(catalog_file.read_text(encoding="utf-8"))
    rel = path.relative_to(archive_dir / "data" / "articles").as_posix()
    text = json.dumps(data).replace(json.dumps(data["rows"][rel]), row)
    catalog_file.write_text(text, encoding="utf-8")
    assert "1 unchanged" in run(archive_dir, "import", str(page)).output


def test_an_audit_line_cut_by_a_full_disk_does_not_swallow_the_next(archive_dir: Path,
                                                                    tmp_path: Path):
    page, _path = imported_page(archive_dir, tmp_path)
    log = archive_dir / ".archive" / "audit.jsonl"
    with log.open("ab") as handle:
        handle.write(b'{"when":"2026-12-05T03:00:00+00:00","who":"awa","action":"imp')
    page.write_text(PAGE.replace("un meilleur prix", "un bien meilleur prix"), encoding="utf-8")
    assert "1 updated" in run(archive_dir, "import", str(page)).output
    config = load_config(None, data=str(archive_dir / "data"), index=str(archive_dir / "index"))
    assert [e["action"] for e in audit.read(config)] == ["import", "import"]


def test_an_article_file_whose_name_is_not_utf8_is_updated_and_in_the_audit_log(
        archive_dir: Path, tmp_path: Path):
    # (the audit line could not be encoded: a traceback after the files were written)
    page, path = imported_page(archive_dir, tmp_path)
    odd = Path(os.fsdecode(os.fsencode(path.parent) + b"/caf\xe9.md"))
    path.rename(odd)
    page.write_text(PAGE.replace("un meilleur prix", "un bien meilleur prix"), encoding="utf-8")
    result = run(archive_dir, "import", str(page))
    assert result.exit_code == 0 and "1 updated" in result.output, result.output
    config = load_config(None, data=str(archive_dir / "data"), index=str(archive_dir / "index"))
    (entry, _first) = audit.read(config)
    assert {f["path"].rpartition("/")[2] for f in entry["files"]} == {"caf\udce9.md", path.name}


def test_an_article_moved_by_a_new_date_never_replaces_another_file_of_its_name(
        archive_dir: Path, tmp_path: Path):
    # (a file an archivist made from it as a template, kept in the year folder under its
    # name, was written over when an import dated the article: the other article was lost)
    _page, path = imported_page(archive_dir, tmp_path)
    other = archive_dir / "data" / "articles" / "2024" / path.name
    other.parent.mkdir()
    other.write_text(path.read_text(encoding="utf-8").replace(f"id: {path.stem}",
                                                              "id: mon-nouvel-article"),
                     encoding="utf-8")
    mine = other.read_bytes()
    corrected = copy_of(path, tmp_path / "correction")
    edit(corrected, "title: 'Coton : la CMDT annonce une campagne record'",
         "title: 'Coton : la CMDT annonce une campagne record'\ndate: '2024-03-14'")
    result = run(archive_dir, "import", str(corrected))
    assert f"{other} holds another article file" in result.output, result.output
    assert other.read_bytes() == mine and path.exists()


def test_an_article_moved_to_its_year_keeps_its_mode(archive_dir: Path, tmp_path: Path):
    _page, path = imported_page(archive_dir, tmp_path)
    path.chmod(0o640)
    corrected = copy_of(path, tmp_path / "correction")
    edit(corrected, "title: 'Coton : la CMDT annonce une campagne record'",
         "title: 'Coton : la CMDT annonce une campagne record'\ndate: '2019-03-14'")
    assert "1 updated" in run(archive_dir, "import", str(corrected)).output
    (moved,) = article_files(archive_dir)
    assert moved.parent.name == "2019" and moved.stat().st_mode & 0o777 == 0o640
