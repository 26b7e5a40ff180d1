"""Reviewing organisation candidates (archive/orgreview.py): approve, merge as alias, dismiss."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import orgreview
from archive.cli import main
from archive.config import load_config
from archive.errors import EXIT_PARTIAL, ArchiveError, NotFound, Refused
from archive.organisations import load_authority

# Sentences of the shared corpus (La Libre Belgique, Le Monde) that define an organisation.
AFCN = ("L'Agence Fédérale de Contrôle Nucléaire (AFCN) a donné son feu vert au redémarrage "
        "du réacteur.")
CRAN = ("Le Conseil représentatif des associations noires (CRAN) a saisi la justice.")
FMF = ("La Fédération malienne du football (FMF) a désigné le sélectionneur.")


def run(archive: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--data", str(archive / "data"),
                                     "--index", str(archive / "index")])


@pytest.fixture
def config(archive_dir: Path):
    export = archive_dir / "export.jsonl"
    records = [{"title": title, "body": body, "url": f"https://example.org/{n}",
                "date": "2019-05-0" + str(n + 1)}
               for n, (title, body) in enumerate((("Le réacteur redémarre", AFCN),
                                                  ("Plainte du CRAN", CRAN),
                                                  ("Un sélectionneur désigné", FMF)))]
    export.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                      encoding="utf-8")
    assert run(archive_dir, "import", str(export)).exit_code == 0
    return load_config(data=str(archive_dir / "data"), index=str(archive_dir / "index"))


def listed(config) -> set[str]:
    return {c.acronym for c in orgreview.candidates(config, min_count=1).defined}


def test_the_candidates_are_those_the_articles_define(config):
    assert {"AFCN", "CRAN", "FMF"} <= listed(config)


def test_approving_a_candidate_adds_its_entry_with_the_fields_given(config):
    promotion = orgreview.approve(config, "AFCN", name="Agence fédérale de contrôle nucléaire",
                                  kind="state", country="be")
    entry = load_authority(config.authority_file).entry(promotion.entry.name)
    assert (entry.name, entry.acronym, entry.kind, entry.country) == (
        "Agence fédérale de contrôle nucléaire", "AFCN", "state", "BE")
    assert "AFCN" not in listed(config)


def test_a_country_code_no_country_has_is_refused(config):
    """`zz` was written as `country: ZZ`, and `archive orgs check` accepted it."""
    before = config.authority_file.read_bytes()
    with pytest.raises(ArchiveError, match="'country' must be a country's code"):
        orgreview.approve(config, "AFCN", name="Agence fédérale de contrôle nucléaire",
                          kind="state", country="zz")
    assert config.authority_file.read_bytes() == before


def test_merging_a_candidate_adds_it_to_an_entry_aliases_keeping_the_file_layout(config):
    before = config.authority_file.read_text(encoding="utf-8")
    assert orgreview.merge(config, "FMF", "FEMAFOOT") == "Fédération malienne de football"
    after = config.authority_file.read_text(encoding="utf-8")
    authority = load_authority(config.authority_file)
    assert authority.canonical("FMF") == "Fédération malienne de football"
    assert ("aliases: [Femafoot, Malian Football Federation, FMF, Fédération malienne du "
            "football]") in after
    assert len(after.splitlines()) == len(before.splitlines())  # comments and layout kept
    assert "FMF" not in listed(config)


def test_merging_into_an_entry_without_aliases_writes_the_field(config):
    orgreview.merge(config, "CRAN", "UNTM")
    text = config.authority_file.read_text(encoding="utf-8")
    assert "  acronym: UNTM\n  aliases: [CRAN, Conseil représentatif des associations noires]\n" in text


def test_two_archivists_changing_the_authority_file_at_once_both_keep_their_change(config):
    """One approves a candidate while another merges another one (two threads, as two
    server threads or workers): each read-check-replace holds the archive's write lock, so
    neither replaces the file the other has just written."""
    import threading

    start, errors = threading.Barrier(2), []

    def act(change) -> None:
        start.wait()
        try:
            change()
        except Exception as exc:  # noqa: BLE001 (the test reports whatever stopped a thread)
            errors.append(exc)

    changes = [lambda: orgreview.approve(config, "AFCN", name="Agence fédérale de contrôle "
                                         "nucléaire", kind="state", country="be"),
               lambda: orgreview.merge(config, "FMF", "FEMAFOOT")]
    threads = [threading.Thread(target=act, args=(c,)) for c in changes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    authority = load_authority(config.authority_file)
    assert not errors and authority.canonical("AFCN") == "Agence fédérale de contrôle nucléaire"
    assert authority.canonical("FMF") == "Fédération malienne de football"


def test_a_dismissed_candidate_is_remembered_by_the_workspace_and_the_cli(config):
    orgreview.dismiss(config, "CRAN", "awa")
    assert "CRAN" not in listed(config)
    assert "CRAN" in orgreview.dismissed(config)
    result = run(config.data_dir.parent, "orgs", "candidates", "--min-count", "1")
    assert "AFCN" in result.output and "CRAN" not in result.output
    with pytest.raises(NotFound):
        orgreview.dismiss(config, "CRAN", "awa")


def test_a_slip_in_the_dismissals_file_brings_nothing_back_and_is_said(config):
    # (a broken file read as no dismissal at all: every dismissed candidate came back, unsaid,
    # and a new dismissal was appended to the broken file, unheeded)
    orgreview.dismiss(config, "CRAN", "awa")
    path = orgreview.dismissed_path(config)
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("- acronym: CRAN", "- acronym: CRAN\n   by: [awa"),
                    encoding="utf-8")
    assert "CRAN" not in listed(config)  # its last good version still counts
    result = run(config.data_dir.parent, "orgs", "candidates", "--min-count", "1")
    assert result.exit_code == EXIT_PARTIAL and "CRAN" not in result.output.split("\n")[0]
    assert f"{path} is not valid (line " in result.output
    assert "the candidates its last good version dismissed stay dismissed" in result.output
    with pytest.raises(Refused) as refused:
        orgreview.dismiss(config, "FMF", "awa")
    assert refused.value.code == "dismissals_invalid"
    assert "FMF" not in path.read_text(encoding="utf-8")
    path.write_text(good, encoding="utf-8")
    assert orgreview.dismissed_problem(config) is None
    orgreview.dismiss(config, "FMF", "awa")
    assert orgreview.dismissed(config) == {"CRAN", "FMF"}
