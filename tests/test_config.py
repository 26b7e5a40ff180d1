"""Configuration: one YAML file, overridable by --config, $ARCHIVE_CONFIG, --data and --index."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import main
from archive.config import ROOT, load_config
from archive.errors import ConfigError


def test_the_project_configuration_points_at_the_shipped_data():
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
