"""Accounts and the audit log: the library (users file, hashes, permissions, audit lines) and
the real `archive users` commands, and the audit entry every CLI change leaves."""

from __future__ import annotations

import getpass
import json
import multiprocessing
import os
import stat
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from archive import accounts, audit
from archive.cli import main
from archive.config import Config, load_config
from archive.errors import ConfigError, UsageError

PASSWORD = "les enseignants de Bamako"  # a few words make a good password
# A real sentence of the corpus's kind, imported through an export.
SENTENCE = ("Les enseignants de Bamako ont cessé le travail lundi pour réclamer le paiement de "
            "leurs primes.")


def config_of(root: Path) -> Config:
    return Config(data_dir=root / "data", index_dir=root / "index",
                  authority_file=root / "data" / "organisations.yaml")


def run(archive: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(
        main, [*args, "--data", str(archive / "data"), "--index", str(archive / "index")],
        input=input)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- the users file -------------------------------------------------------------------------


def test_the_users_file_is_private_outside_data_and_holds_only_a_scrypt_hash(archive_dir):
    config = config_of(archive_dir)
    old = os.umask(0o022)  # a usual umask: files would otherwise be world-readable
    try:
        accounts.add_user(config, "Aminata", "admin", PASSWORD)
    finally:
        os.umask(old)
    path = config.users_path
    assert path == archive_dir / ".archive" / "users.yaml"
    assert not path.is_relative_to(config.data_dir)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    text = path.read_text(encoding="utf-8")
    assert PASSWORD not in text
    (entry,) = yaml.safe_load(text)["users"]
    assert entry["name"] == "aminata" and entry["role"] == "admin"
    assert entry["password"].startswith("scrypt:")


def test_a_users_file_others_may_read_is_refused_with_the_fix(archive_dir):
    config = config_of(archive_dir)
    accounts.add_user(config, "aminata", "admin", PASSWORD)
    config.users_path.chmod(0o644)
    with pytest.raises(accounts.AccountError, match="chmod 600"):
        accounts.verify(config, "aminata", PASSWORD)
    config.users_path.chmod(0o600)
    assert accounts.verify(config, "aminata", PASSWORD) is not None


def test_verify_takes_the_right_password_only_and_says_nothing_of_unknown_names(archive_dir):
    config = config_of(archive_dir)
    accounts.add_user(config, "aminata", "archivist", PASSWORD)
    user = accounts.verify(config, " Aminata ", PASSWORD)
    assert user is not None and user.name == "aminata" and user.role == "archivist"
    assert accounts.verify(config, "aminata", PASSWORD + "!") is None
    assert accounts.verify(config, "moussa", PASSWORD) is None
    assert accounts.verify(config, "aminata", "x" * 100_000) is None


def test_account_changes_are_checked(archive_dir):
    config = config_of(archive_dir)
    accounts.add_user(config, "aminata", "admin", PASSWORD)
    with pytest.raises(UsageError, match="already"):
        accounts.add_user(config, "AMINATA", "archivist", PASSWORD)
    with pytest.raises(UsageError, match="role"):
        accounts.add_user(config, "moussa", "root", PASSWORD)
    with pytest.raises(UsageError, match="at least 10"):
        accounts.add_user(config, "moussa", "archivist", "court")
    with pytest.raises(UsageError, match="account name"):
        accounts.add_user(config, "../moussa", "archivist", PASSWORD)
    with pytest.raises(UsageError, match="no account"):
        accounts.remove_user(config, "moussa")
    assert [u.name for u in accounts.list_users(config)] == ["aminata"]


def test_a_new_password_changes_the_stamp_that_ends_open_sessions(archive_dir):
    config = config_of(archive_dir)
    before = accounts.add_user(config, "aminata", "admin", PASSWORD)
    after = accounts.set_password(config, "aminata", "un autre mot de passe")
    assert before.stamp != after.stamp
    assert accounts.verify(config, "aminata", PASSWORD) is None
    assert accounts.verify(config, "aminata", "un autre mot de passe") == after
    accounts.remove_user(config, "aminata")
    assert accounts.get_user(config, "aminata") is None


def test_the_users_file_setting_is_read_and_kept_out_of_data(tmp_path):
    (tmp_path / "archive.yaml").write_text("users_file: private/comptes.yaml\n")
    config = load_config(tmp_path / "archive.yaml")
    assert config.users_path == tmp_path / "private" / "comptes.yaml"
    (tmp_path / "archive.yaml").write_text("users_file: data/users.yaml\n")
    with pytest.raises(ConfigError, match="outside data_dir"):
        load_config(tmp_path / "archive.yaml")


def test_a_new_archive_keeps_its_private_folder_out_of_git(tmp_path):
    result = CliRunner().invoke(main, ["init", str(tmp_path / "archive")])
    assert result.exit_code == 0, result.output
    assert "/.archive/" in (tmp_path / "archive" / ".gitignore").read_text().splitlines()


# --- archive users ---------------------------------------------------------------------------


def test_users_add_asks_the_password_twice_and_never_takes_it_as_an_option(archive_dir):
    result = run(archive_dir, "users", "add", "aminata", "--role", "admin", "--password", "x")
    assert result.exit_code == 2  # no such option
    result = run(archive_dir, "users", "add", "aminata", "--role", "admin",
                 input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # typed hidden
    assert "account aminata (admin) created" in result.output
    assert accounts.verify(config_of(archive_dir), "aminata", PASSWORD) is not None


def test_users_add_refuses_two_different_passwords(archive_dir):
    result = run(archive_dir, "users", "add", "aminata", "--role", "admin",
                 input=f"{PASSWORD}\nautre chose encore\n")
    assert result.exit_code != 0
    assert accounts.list_users(config_of(archive_dir)) == []


def test_there_is_no_default_account_and_list_says_how_to_create_one(archive_dir):
    result = run(archive_dir, "users", "list")
    assert result.exit_code == 0
    assert "archive users add NAME --role admin" in result.output


def test_users_list_remove_and_passwd(archive_dir):
    config = config_of(archive_dir)
    accounts.add_user(config, "aminata", "admin", PASSWORD)
    accounts.add_user(config, "moussa", "archivist", PASSWORD)
    listing = run(archive_dir, "users", "list").output
    assert "aminata  admin" in listing and "moussa  archivist" in listing
    assert "scrypt" not in listing
    result = run(archive_dir, "users", "passwd", "moussa",
                 input="le coton de Koutiala\nle coton de Koutiala\n")
    assert result.exit_code == 0, result.output
    assert accounts.verify(config, "moussa", "le coton de Koutiala") is not None
    assert run(archive_dir, "users", "remove", "moussa").exit_code == 0
    assert [u.name for u in accounts.list_users(config)] == ["aminata"]
    result = run(archive_dir, "users", "remove", "moussa")
    assert result.exit_code == 2 and "no account named moussa" in result.output


# --- the audit log ------------------------------------------------------------------------------


def test_every_cli_change_is_in_the_audit_log_with_the_system_user(archive_dir, tmp_path):
    config = config_of(archive_dir)
    me = getpass.getuser()
    run(archive_dir, "users", "add", "aminata", "--role", "admin",
        input=f"{PASSWORD}\n{PASSWORD}\n")
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"id": "greve-bamako", "title": "Grève des enseignants à Bamako",
                                  "body": SENTENCE, "date": "2019-07-05"}) + "\n",
                      encoding="utf-8")
    assert run(archive_dir, "import", str(export)).exit_code == 0
    assert run(archive_dir, "reindex").exit_code == 0
    article = next(config.articles_dir.rglob("*.md"))
    article.write_text(article.read_text(encoding="utf-8").replace("Grève", "La grève"),
                       encoding="utf-8")
    assert run(archive_dir, "reindex").exit_code == 0
    assert run(archive_dir, "rollback").exit_code == 0

    entries = audit.read(config, 10)
    assert [e["action"] for e in entries] == ["rollback", "reindex", "reindex", "import",
                                             "users add"]
    assert {e["who"] for e in entries} == {me}
    rollback, second, first, imported, added = entries
    assert rollback["before"] == second["after"] and rollback["after"] == first["after"]
    assert second["before"] == first["after"]
    (written,) = imported["files"]
    assert written["path"] == article.relative_to(archive_dir).as_posix()
    assert written["before"] is None and len(written["after"]) == 64
    assert added["account"] == "aminata"
    assert added["files"] == [{"path": ".archive/users.yaml", "before": None,
                               "after": audit.sha256_of(config.users_path)}]
    assert PASSWORD not in config.audit_file.read_text(encoding="utf-8")


def test_a_dry_run_or_a_failed_change_leaves_no_entry(archive_dir, tmp_path):
    config = config_of(archive_dir)
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"id": "x", "title": "Titre", "body": SENTENCE}) + "\n")
    assert run(archive_dir, "import", "--dry-run", str(export)).exit_code == 0
    assert run(archive_dir, "users", "remove", "personne").exit_code == 2
    assert audit.read(config) == []


def test_read_gives_the_newest_first_and_skips_a_damaged_line(archive_dir):
    config = config_of(archive_dir)
    for n in range(5):
        audit.record(config, "aminata", "edit", n=n)
    with open(config.audit_file, "a", encoding="utf-8") as handle:
        handle.write('{"cut in the mid')  # a crash while writing: the line is incomplete
    assert [e["n"] for e in audit.read(config, 3)] == [4, 3, 2]
    assert len(audit.read(config, 100)) == 5


def _append_many(root: str, worker: int) -> None:
    config = config_of(Path(root))
    for n in range(100):
        audit.record(config, f"worker{worker}", "edit", note="é" * 3000, n=n)


def test_writers_in_several_processes_never_mix_their_lines(archive_dir):
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_many, args=(str(archive_dir), w))
               for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    lines = config_of(archive_dir).audit_file.read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]  # each line whole: none interleaved
    assert len(entries) == 400
    assert {(e["who"], e["n"]) for e in entries} == {(f"worker{w}", n)
                                                     for w in range(4) for n in range(100)}
