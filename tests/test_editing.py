"""Correcting an article through the library the workspace uses (archive/editing.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import articlefile, editing
from archive.cli import main
from archive.config import load_config
from archive.errors import InvalidArticle, NotFound, UsageError

from .conftest import CORPUS, require_shared

# A real record of the shared corpus (Le Devoir, 2017), with the title its page gives.
RECORD_ID = "gjfr-0054be98e852"
TITLE = "France : le Parlement adopte la loi sur la moralisation"


def real_record() -> dict:
    corpus = require_shared(CORPUS / "articles.jsonl")
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            if RECORD_ID in line[:40]:
                record = json.loads(line)
                record.update(title=TITLE, date="2017-08-09", section="Monde")
                return record
    pytest.skip(f"{RECORD_ID} not in the shared corpus")


def run(archive: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--data", str(archive / "data"),
                                     "--index", str(archive / "index")])


@pytest.fixture
def imported(archive_dir: Path):
    """An archive holding the record imported from an export (so with a base record)."""
    export = archive_dir / "export.jsonl"
    export.write_text(json.dumps(real_record(), ensure_ascii=False) + "\n", encoding="utf-8")
    result = run(archive_dir, "import", str(export))
    assert result.exit_code == 0, result.output
    config = load_config(data=str(archive_dir / "data"), index=str(archive_dir / "index"))
    (path,) = articlefile.iter_files(config.articles_dir)
    return config, editing.relative(config, path), export


def test_an_edit_is_saved_atomically_and_a_later_import_keeps_it(imported):
    config, rel, export = imported
    opened = editing.open_file(config, rel)
    assert opened.article is not None and opened.article.title == TITLE
    form = editing.form_values(opened.article) | {"title": "Le Parlement français adopte la "
                                                           "loi de moralisation",
                                                  "author": "Agence France-Presse"}
    edited = editing.from_form(opened.article, form)
    saved = editing.save_article(config, rel, edited, opened.digest)
    assert saved.rel == rel and saved.digest != opened.digest
    assert not list(config.articles_dir.rglob(".tmp-*"))
    # The source changes its section: the section follows, the archivist's fields stay.
    record = json.loads(export.read_text(encoding="utf-8"))
    record["section"] = "Europe"
    export.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run(config.data_dir.parent, "import", str(export))
    assert "1 updated" in result.output, result.output
    article = articlefile.read(config.articles_dir / rel)
    assert article.title == "Le Parlement français adopte la loi de moralisation"
    assert article.author == ("Agence France-Presse",)
    assert article.section == "Europe"


def test_a_line_separator_typed_in_a_field_is_saved_as_the_file_reads_it_back(imported):
    """U+2028 was previewed and saved, then read back from the file as a space."""
    config, rel, _ = imported
    opened = editing.open_file(config, rel)
    form = editing.form_values(opened.article) | {"section": "Monde\u2028Europe",
                                                  "author": "Awa Sangaré\u2028Moussa Diarra"}
    edited = editing.from_form(opened.article, form)
    assert (edited.section, edited.author) == ("Monde Europe", ("Awa Sangaré", "Moussa Diarra"))
    saved = editing.save_article(config, rel, edited, opened.digest)
    assert articlefile.read(config.articles_dir / saved.rel) == edited


def test_an_archivists_comment_lines_survive_a_form_edit_and_a_reimport(imported):
    """A note written as a comment above a field stays above it when the form saves the file
    and when a re-import rewrites it (the import used to drop it silently)."""
    config, rel, export = imported
    path = config.articles_dir / rel
    note = "# NOTE archiviste : date à vérifier auprès du journal (appel du 12 mars)"
    path.write_text(path.read_text(encoding="utf-8").replace("\nsection:", f"\n{note}\nsection:"),
                    encoding="utf-8")
    opened = editing.open_file(config, rel)
    edited = editing.from_form(opened.article, editing.form_values(opened.article)
                               | {"author": "Agence France-Presse"})
    editing.save_article(config, rel, edited, opened.digest)
    assert f"{note}\nsection: Monde\n" in path.read_text(encoding="utf-8")
    record = json.loads(export.read_text(encoding="utf-8"))
    export.write_text(json.dumps(record | {"section": "Europe"}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    assert "1 updated" in run(config.data_dir.parent, "import", str(export)).output
    assert f"{note}\nsection: Europe\n" in path.read_text(encoding="utf-8")
    assert articlefile.read(path).author == ("Agence France-Presse",)


def test_two_saves_opened_on_one_version_never_both_succeed(imported):
    """Two archivists open the form, then save at the same moment (two threads, as two
    server threads or workers): one edit is written, the other is refused with both versions;
    the same when one of them moves the file to another year."""
    import threading

    config, rel, _ = imported
    for trial in range(12):
        opened = editing.open_file(config, rel)
        values = editing.form_values(opened.article)
        edits = [editing.from_form(opened.article, values | {"section": f"Rubrique {trial}"}),
                 editing.from_form(opened.article, values | (
                     {"date": f"2016-03-0{1 + trial % 9}"} if trial % 2 else
                     {"author": f"Auteur {trial}"}))]
        start, outcome = threading.Barrier(2), []

        def save(edited, start=start, outcome=outcome, opened=opened):
            start.wait()
            try:
                outcome.append(editing.save_article(config, opened.rel, edited, opened.digest))
            except editing.EditConflict as conflict:
                outcome.append(conflict)

        threads = [threading.Thread(target=save, args=(e,)) for e in edits]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        saved = [o for o in outcome if isinstance(o, editing.Saved)]
        assert len(saved) == 1 and len(outcome) == 2, outcome
        files = list(articlefile.iter_files(config.articles_dir))
        assert len(files) == 1, files  # never a copy left behind by a move
        # the file is the edit that was saved, wherever it went
        assert editing.digest_of(files[0].read_bytes()) == saved[0].digest
        rel = editing.relative(config, files[0])


def test_a_save_waiting_on_a_move_under_way_is_told_the_file_moved_not_that_its_id_is_taken(
        imported):
    """A save checked the id before taking the write lock: while another save moving the file
    to a new year held the lock, both files existed, and the waiting save was refused with
    "id already used" (a CI run of the test above caught it)."""
    import threading

    from archive.writelock import writing

    config, rel, _ = imported
    opened = editing.open_file(config, rel)
    edited = editing.from_form(opened.article, editing.form_values(opened.article)
                               | {"section": "Europe"})
    source = config.articles_dir / rel
    moved = config.articles_dir / "2016" / source.name
    outcome = []

    def save():
        try:
            outcome.append(editing.save_article(config, rel, edited, opened.digest))
        except Exception as exc:  # noqa: BLE001 - the test reads what the save said
            outcome.append(exc)

    with writing(config):  # another save, half-way through its move: both files are there
        moved.parent.mkdir(exist_ok=True)
        moved.write_bytes(source.read_bytes().replace(b"2017-08-09", b"2016-03-01"))
        waiting = threading.Thread(target=save)
        waiting.start()
        waiting.join(0.5)
        source.unlink()  # the move's last step
    waiting.join()
    (told,) = outcome
    assert isinstance(told, editing.EditConflict) and told.gone, told


def test_the_diff_shows_the_change_of_the_file(imported):
    config, rel, _ = imported
    opened = editing.open_file(config, rel)
    edited = editing.from_form(opened.article, {"section": "Politique"})
    diff = editing.diff(opened.text, articlefile.render(edited), rel)
    assert "-section: Monde\n" in diff and "+section: Politique\n" in diff


def test_a_file_changed_since_the_form_was_opened_is_not_overwritten(imported):
    config, rel, _ = imported
    opened = editing.open_file(config, rel)
    path = config.articles_dir / rel
    theirs = path.read_text(encoding="utf-8").replace("section: Monde", "section: Europe")
    path.write_text(theirs, encoding="utf-8")  # another archivist, in an editor
    edited = editing.from_form(opened.article, {"title": "Moralisation de la vie politique"})
    with pytest.raises(editing.EditConflict) as caught:
        editing.save_article(config, rel, edited, opened.digest)
    assert caught.value.current == theirs
    assert "Moralisation de la vie politique" in caught.value.proposed
    assert path.read_text(encoding="utf-8") == theirs


def test_the_form_is_validated_as_archive_check_validates_with_a_reason_per_field(imported):
    config, rel, _ = imported
    opened = editing.open_file(config, rel)
    edited = editing.from_form(opened.article, {"title": "", "date": "2017-02-30",
                                                "url": "www.ledevoir.com/monde",
                                                "organisations": "Parti imaginaire du Mali"})
    _article, errors = editing.check(config, rel, edited)
    assert {name: e.code for name, e in errors.items()} == {
        "title": "title_missing", "date": "date_day", "url": "url_invalid",
        "organisations": "organisation_unknown"}
    with pytest.raises(editing.FieldErrors):
        editing.save_article(config, rel, edited, opened.digest)
    assert editing.open_file(config, rel).digest == opened.digest


def test_an_acronym_chosen_for_an_organisation_is_written_as_its_canonical_name(imported):
    config, rel, _ = imported
    opened = editing.open_file(config, rel)
    edited = editing.from_form(opened.article, {"organisations": "UNTM"})
    editing.save_article(config, rel, edited, opened.digest)
    assert articlefile.read(config.articles_dir / rel).organisations == (
        "Union nationale des travailleurs du Mali",)
    assert run(config.data_dir.parent, "check").exit_code == 0


def test_a_new_date_set_by_hand_is_manual_and_a_new_year_moves_the_file(imported):
    config, rel, _ = imported
    opened = editing.open_file(config, rel)
    edited = editing.from_form(opened.article, {"date": "2018-07-05",
                                                "date_source": opened.article.date_source})
    saved = editing.save_article(config, rel, edited, opened.digest)
    assert saved.moved and saved.rel == f"2018/{opened.article.id}.md"
    assert not (config.articles_dir / rel).exists()
    article = articlefile.read(config.articles_dir / saved.rel)
    assert (article.date, article.date_source) == ("2018-07-05", "manual")
    assert run(config.data_dir.parent, "check").exit_code == 0


def test_a_file_that_does_not_parse_opens_as_text_and_is_saved_once_it_parses(imported):
    config, rel, _ = imported
    path = config.articles_dir / rel
    good = path.read_text(encoding="utf-8")
    broken = good.replace(f"title: '{TITLE}'", f"title: {TITLE}")  # ': ' unquoted
    path.write_text(broken, encoding="utf-8")
    opened = editing.open_file(config, rel)
    assert opened.article is None and opened.text == broken
    assert "must be put in quotes" in opened.problem.message
    with pytest.raises(InvalidArticle):
        editing.save_text(config, rel, broken, opened.digest)
    saved = editing.save_text(config, rel, good, opened.digest)
    assert saved.rel == rel and path.read_text(encoding="utf-8") == good


@pytest.mark.parametrize("rel", ["../organisations.yaml", "2017/../../organisations.yaml",
                                 "/etc/passwd", "/tmp/x.md", "2017/.hidden.md", "..", "",
                                 "2017\\..\\..\\publishers.md", "../imports/x.md"])
def test_a_path_leading_out_of_the_articles_folder_is_refused(imported, rel):
    config, _, _ = imported
    before = {p: p.read_bytes() for p in config.data_dir.rglob("*") if p.is_file()}
    with pytest.raises((UsageError, NotFound)):
        editing.open_file(config, rel)
    with pytest.raises((UsageError, NotFound)):
        editing.save_text(config, rel, "---\nid: x\ntitle: x\n---\n\nx\n", "0" * 64)
    assert {p: p.read_bytes() for p in config.data_dir.rglob("*") if p.is_file()} == before


def test_a_link_out_of_the_articles_folder_is_refused(imported, tmp_path: Path):
    config, _, _ = imported
    outside = tmp_path / "outside.md"
    outside.write_text("---\nid: x\ntitle: x\n---\n\nx\n", encoding="utf-8")
    (config.articles_dir / "2017" / "link.md").symlink_to(outside)
    with pytest.raises(UsageError):
        editing.open_file(config, "2017/link.md")


def test_an_id_is_checked_before_it_names_a_file(imported):
    config, rel, _ = imported
    article_id = Path(rel).stem
    assert editing.rel_of_id(config, article_id) == rel
    for bad in ("../organisations", "*", "/etc/passwd", "a/../b"):
        with pytest.raises(UsageError):
            editing.rel_of_id(config, bad)


def test_a_body_laid_out_by_hand_is_kept_as_written_by_a_form_save_and_a_reimport(imported):
    """The form changes fields, never the text: a title corrected there rewrote the body, its
    lines joined into paragraphs (a list, an interview's questions and answers)."""
    config, rel, export = imported
    path = config.articles_dir / rel
    text = path.read_text(encoding="utf-8")
    first = articlefile.read(path).paragraphs[0]
    words = first.split()
    laid_out = "\n".join([" ".join(words[:6]), " ".join(words[6:12]), " ".join(words[12:])])
    path.write_text(text.replace(first, laid_out, 1), encoding="utf-8")
    typed = path.read_text(encoding="utf-8")
    body = typed[typed.index("\n---\n") + 5:]
    opened = editing.open_file(config, rel)
    edited = editing.from_form(opened.article, editing.form_values(opened.article)
                               | {"title": "Le Parlement français adopte la moralisation"})
    editing.save_article(config, rel, edited, opened.digest)
    saved = path.read_text(encoding="utf-8")
    assert saved.endswith(body) and f"\n{laid_out}\n" in saved
    assert "title: Le Parlement français adopte la moralisation" in saved
    # The source changes its section: the body the archivist laid out stays as it is.
    record = json.loads(export.read_text(encoding="utf-8"))
    export.write_text(json.dumps(record | {"section": "Europe"}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    assert "1 updated" in run(config.data_dir.parent, "import", str(export)).output
    again = path.read_text(encoding="utf-8")
    assert again.endswith(body) and "section: Europe" in again
    # Re-imported as an article file, it is normalised, as an archivist asks by doing so.
    run(config.data_dir.parent, "import", str(config.articles_dir))
    assert f"\n{laid_out}\n" not in path.read_text(encoding="utf-8")


def test_a_save_keeps_the_files_mode(imported):
    # (a save wrote the file 0600, its temporary file's mode: the other archivists sharing
    # the folder, and git's other users, could not read it any more)
    config, rel, _ = imported
    path = config.articles_dir / rel
    path.chmod(0o664)
    opened = editing.open_file(config, rel)
    edited = editing.from_form(opened.article, editing.form_values(opened.article)
                               | {"section": "Europe"})
    editing.save_article(config, rel, edited, opened.digest)
    assert path.stat().st_mode & 0o777 == 0o664
