"""Where the archive lives: archive.yaml found as git finds its repository, `archive init`,
overrides by --config, $ARCHIVE_CONFIG, --data and --index, before or after the subcommand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from archive.cli import main
from archive.config import load_config
from archive.errors import ConfigError
from tests.conftest import ROOT

INBOX = ROOT / "data" / "inbox"


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below a folder with its content."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def cli(*args: str, env: dict | None = None):
    """Run the real `archive` command in-process (stdout and stderr kept apart)."""
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch) -> Path:
    """A working folder outside the source checkout, with no archive.yaml above it."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("ARCHIVE_CONFIG", raising=False)
    assert not any((p / "archive.yaml").exists() for p in (folder, *folder.parents))
    return folder


def test_the_project_configuration_points_at_the_shipped_data(monkeypatch):
    monkeypatch.chdir(ROOT)
    config = load_config()
    assert config.data_dir == ROOT / "data"
    assert config.index_dir == ROOT / "index"
    assert config.authority_file == ROOT / "data" / "organisations.yaml"
    assert config.limits.query_max_length == 500


def test_paths_are_relative_to_the_configuration_file(tmp_path: Path):
    (tmp_path / "archive.yaml").write_text("data_dir: store\nlimits:\n  page_size: 20\n")
    config = load_config(tmp_path / "archive.yaml")
    assert config.data_dir == tmp_path / "store"
    assert config.authority_file == tmp_path / "store" / "organisations.yaml"
    assert config.limits.page_size == 20


def test_environment_variable_names_the_configuration(tmp_path: Path, monkeypatch):
    (tmp_path / "other.yaml").write_text("site_name: Essai\n")
    monkeypatch.setenv("ARCHIVE_CONFIG", str(tmp_path / "other.yaml"))
    assert load_config().site_name == "Essai"


def test_command_line_overrides_win(tmp_path: Path):
    config = load_config(data=tmp_path / "d", index=tmp_path / "i")
    assert config.data_dir == tmp_path / "d" and config.index_dir == tmp_path / "i"


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("limits:\n  page_size: -3\n", "page_size"),
        ("limits:\n  no_such_limit: 3\n", "no_such_limit"),
        ("colour: blue\n", "colour"),
        ("- a list\n", "mapping"),
        ("data_dir: [\n", "not valid YAML"),
        ("x: !!python/object:os.system {}\n", "not valid YAML"),
    ],
)
def test_a_broken_configuration_is_refused_with_the_reason(tmp_path: Path, text, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=fragment):
        load_config(path)


def test_the_cli_reports_a_broken_configuration_without_a_traceback(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("limits: 3\n")
    result = CliRunner().invoke(main, ["check", "--config", str(path)])
    assert result.exit_code == 2
    assert "limits" in result.output and "Traceback" not in result.output


def test_trusted_hosts_are_a_list_of_names(tmp_path: Path):
    (tmp_path / "archive.yaml").write_text("trusted_hosts: [archives.example.ml, .example.org]\n")
    assert load_config(tmp_path / "archive.yaml").trusted_hosts == (
        "archives.example.ml", ".example.org")
    (tmp_path / "bad.yaml").write_text("trusted_hosts: archives.example.ml\n")
    with pytest.raises(ConfigError, match="trusted_hosts"):
        load_config(tmp_path / "bad.yaml")


# --- found as git finds its repository -------------------------------------------------------


def test_a_command_run_below_an_archive_works_on_that_archive(elsewhere: Path):
    assert cli("init", elsewhere / "presse").exit_code == 0
    below = elsewhere / "presse" / "data" / "articles"
    source_data = tree(ROOT / "data")
    shutil.os.chdir(below)
    done = cli("import", INBOX)
    assert done.exit_code == 0, done.output
    assert len(list(below.rglob("*.md"))) == 4
    assert done.stdout.splitlines()[-1] == f"archive: {elsewhere / 'presse' / 'archive.yaml'}"
    assert tree(ROOT / "data") == source_data  # never the package's own folder


def test_with_no_archive_yaml_anywhere_the_command_says_so_and_writes_nothing(
        elsewhere: Path):
    source_data = tree(ROOT / "data")
    for args in (("import", INBOX), ("status",), ("reindex",), ("check",), ("search", "mali")):
        done = cli(*args)
        assert done.exit_code == 2, (args, done.output)
        assert done.stderr.startswith(f"error: no archive.yaml in {elsewhere} or any folder "
                                      "above it"), done.stderr
        assert "archive init DIR" in done.stderr and "Traceback" not in done.output
    assert list(elsewhere.iterdir()) == []
    assert tree(ROOT / "data") == source_data


def test_the_nearest_archive_yaml_wins_then_the_environment_then_config(elsewhere: Path):
    for name in ("outer", "outer/inner", "other"):
        cli("init", elsewhere / name, "--name", name)
    shutil.os.chdir(elsewhere / "outer" / "inner" / "data")
    assert load_config().site_name == "outer/inner"
    env = str(elsewhere / "other" / "archive.yaml")
    assert cli("status", env={"ARCHIVE_CONFIG": env}).stderr.startswith(
        "error: there is no index in " + str(elsewhere / "other" / "index"))
    outer = str(elsewhere / "outer" / "archive.yaml")
    done = cli("status", "--config", outer, env={"ARCHIVE_CONFIG": env})
    assert str(elsewhere / "outer" / "index") in done.stderr


def test_archive_options_work_before_and_after_the_subcommand(elsewhere: Path):
    cli("init", elsewhere / "a")
    cli("init", elsewhere / "b")
    config_a, config_b = elsewhere / "a" / "archive.yaml", elsewhere / "b" / "archive.yaml"
    assert cli("--config", config_a, "import", INBOX).exit_code == 0
    assert cli("import", INBOX, "--config", config_b, "--dry-run").exit_code == 0
    assert len(list((elsewhere / "a").rglob("*.md"))) == 4
    assert not list((elsewhere / "b").rglob("*.md"))  # a dry run wrote nothing
    # After the subcommand wins over before it.
    done = cli("--config", config_a, "reindex", "--config", config_b)
    assert done.exit_code == 0 and done.stdout.splitlines()[-1] == f"archive: {config_b}"
    assert cli("--config", config_a, "--index", elsewhere / "b" / "index",
               "status").exit_code == 0


# --- archive init ------------------------------------------------------------------------------


def test_init_creates_a_working_archive_and_says_what_it_created(elsewhere: Path):
    done = cli("init", "presse", "--name", "Archives: L'Essor")
    assert done.exit_code == 0, done.output
    folder = elsewhere / "presse"
    created = [line.removeprefix("created ") for line in done.stdout.splitlines()
               if line.startswith("created ")]
    assert created == [str(folder / name) for name in (
        "archive.yaml", "data/articles", "data/organisations.yaml", "data/publishers.yaml",
        "index", ".gitignore")]
    for name in ("organisations.yaml", "publishers.yaml"):
        assert (folder / "data" / name).read_bytes() == (ROOT / "data" / name).read_bytes()
    assert "/index/" in (folder / ".gitignore").read_text().splitlines()
    config = load_config(folder / "archive.yaml")
    assert config.site_name == "Archives: L'Essor"
    assert (config.data_dir, config.index_dir) == (folder / "data", folder / "index")
    assert yaml.safe_load((folder / "archive.yaml").read_text())["data_dir"] == "data"
    shutil.os.chdir(folder)
    assert cli("import", INBOX).exit_code == 0
    assert cli("reindex").exit_code == 0
    found = cli("search", "karité")
    assert found.exit_code == 0 and "Karité : les femmes de Bougouni" in found.stdout


def test_init_refuses_a_folder_holding_other_files_and_never_overwrites(elsewhere: Path):
    (elsewhere / "thesis").mkdir()
    (elsewhere / "thesis" / "chapter1.md").write_text("mon texte")
    done = cli("init", elsewhere / "thesis")
    assert done.exit_code == 1 and "chapter1.md" in done.stderr
    assert "not an archive's" in done.stderr
    assert sorted(p.name for p in (elsewhere / "thesis").iterdir()) == ["chapter1.md"]
    # An archive's own files are kept as they are: init again completes, never overwrites.
    cli("init", elsewhere / "a", "--name", "Premier nom")
    (elsewhere / "a" / "data" / "organisations.yaml").write_text("- name: Mon organisation\n")
    (elsewhere / "a" / "index").rmdir()
    again = cli("init", elsewhere / "a", "--name", "Autre nom")
    assert again.exit_code == 0
    assert f"created {elsewhere / 'a' / 'index'}" in again.stdout
    assert f"kept (already there) {elsewhere / 'a' / 'archive.yaml'}" in again.stdout
    assert load_config(elsewhere / "a" / "archive.yaml").site_name == "Premier nom"
    assert (elsewhere / "a" / "data" / "organisations.yaml").read_text() == \
        "- name: Mon organisation\n"


# --- every summary names the archive -----------------------------------------------------------


def test_every_command_names_the_archive_it_worked_on(elsewhere: Path):
    cli("init", elsewhere / "presse")
    shutil.os.chdir(elsewhere / "presse")
    named = f"archive: {elsewhere / 'presse' / 'archive.yaml'}"
    failed = cli("status")  # a failure names the archive too: a wrong folder shows at once
    assert failed.exit_code == 1 and failed.stdout.splitlines()[-1] == named
    assert failed.stderr.startswith("error: there is no index in")
    for args in (("import", INBOX), ("check",), ("reindex",), ("reindex", "--dry-run"),
                 ("status",), ("reindex", "--full"), ("rollback",), ("search", "karité"),
                 ("orgs", "check"), ("orgs", "list"), ("orgs", "candidates")):
        done = cli(*args)
        assert done.exit_code == 0, (args, done.output)
        assert done.stdout.splitlines()[-1] == named, args
    as_json = cli("search", "karité", "--json")
    assert yaml.safe_load(as_json.stdout)["total"] >= 1  # stdout stays pure JSON
    assert as_json.stderr.strip() == named


def test_import_says_when_the_data_folder_has_no_authority_file(tmp_path: Path):
    data = tmp_path / "elsewhere"
    done = cli("import", INBOX, "--data", data, "--index", tmp_path / "index")
    assert done.exit_code == 0
    assert (f"no organisation authority file at {data / 'organisations.yaml'}: "
            "organisations not extracted") in done.stdout
    assert "organisations not checked" in cli("check", "--data", data).stdout
