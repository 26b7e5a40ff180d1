"""Uploads for import (archive/ingest/uploads.py): staged, dry run, confirmed."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from archive import articlefile
from archive.config import Limits, load_config
from archive.errors import Conflicted
from archive.ingest import uploads

from .conftest import ROOT
from .test_editing import real_record


@pytest.fixture
def config(archive_dir: Path):
    return load_config(data=str(archive_dir / "data"), index=str(archive_dir / "index"))


def export() -> bytes:
    return (json.dumps(real_record(), ensure_ascii=False) + "\n").encode("utf-8")


def test_a_dry_run_says_what_would_be_imported_and_rejected_then_the_import_does_it(config):
    upload = uploads.stage(config, [("devoir.jsonl", io.BytesIO(export())),
                                    ("notes.md", io.BytesIO(b"---\ntitle: x\n"))])
    report = uploads.dry_run(config, upload)
    assert (report.imported, len(report.rejected)) == (1, 1)
    assert "notes.md: front matter is not closed" in uploads.shown(upload, report.render())
    assert list(articlefile.iter_files(config.articles_dir)) == []
    report = uploads.confirm(config, upload)
    assert report.imported == 1
    (path,) = articlefile.iter_files(config.articles_dir)
    assert articlefile.read(path).title.startswith("France : le Parlement")
    assert sorted(p.name for p in upload.folder.iterdir()) == [uploads.CLAIM, uploads.OUTCOME]
    assert uploads.state(config, upload.token) == "imported"
    assert uploads.outcome(config, upload.token)["counts"]["imported"] == 1


def test_an_upload_is_imported_once_when_confirmed_twice_at_once(config):
    """A double click on "Import" ran the import twice (two lines in the audit log)."""
    upload = uploads.stage(config, [("devoir.jsonl", io.BytesIO(export()))])
    start, results = threading.Barrier(2), []

    def confirm():
        start.wait()
        try:
            results.append(uploads.confirm(config, upload).imported)
        except Conflicted as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == [1, "upload_claimed"]
    assert len(list(articlefile.iter_files(config.articles_dir))) == 1


def test_an_import_whose_process_died_can_be_confirmed_again(config):
    upload = uploads.stage(config, [("devoir.jsonl", io.BytesIO(export()))])
    claim = upload.folder / uploads.CLAIM
    claim.write_text(str(os.getpid()))  # this process: alive
    assert uploads.state(config, upload.token) == "importing"
    hours_ago = time.time() - (uploads.CLAIM_HOURS + 1) * 3600
    os.utime(claim, (hours_ago, hours_ago))  # a live id, but so old another process took it
    assert uploads.state(config, upload.token) == "staged"
    assert not claim.exists()
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    (upload.folder / uploads.CLAIM).write_text(finished.stdout.strip())  # a killed worker's
    assert uploads.state(config, upload.token) == "staged"
    assert uploads.confirm(config, upload).imported == 1


def test_the_same_page_uploaded_twice_changes_nothing_the_second_time(config):
    """Its provenance was the upload's staging folder, new at each upload and gone after it:
    each upload of the same page rewrote the article ("1 updated")."""
    page = (ROOT / "data" / "inbox" / "demo_001.txt").read_bytes()
    first = uploads.confirm(config, uploads.stage(config, [("demo_001.txt", io.BytesIO(page))]))
    assert first.imported == 1
    (path,) = articlefile.iter_files(config.articles_dir)
    written = path.read_bytes()
    assert articlefile.read(path).imported_from == "uploaded/demo_001.txt"
    again = uploads.confirm(config, uploads.stage(config, [("demo_001.txt", io.BytesIO(page))]))
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 1)
    assert path.read_bytes() == written


@pytest.mark.parametrize("name", ["../../data/articles/evil.md", "/etc/cron.d/x.md",
                                  "..\\..\\evil.md", ".hidden.md", "..", ""])
def test_an_uploaded_name_never_leads_out_of_the_staging_folder(config, name):
    upload = uploads.stage(config, [(name, io.BytesIO(b"---\ntitle: x\n"))])
    (staged,) = upload.names
    assert "/" not in staged and not staged.startswith(".")
    assert (upload.folder / staged).is_file()
    assert list(config.data_dir.rglob("evil.md")) == []


@pytest.mark.parametrize("name, start, end", [
    ("Export de la rédaction du Quotidien, tous les articles de janvier à juin 2021 (version "
     "corrigée et relue par le service de documentation).jsonl", "Export-de-la-redaction-du-",
     "-version-corrigee.jsonl"),
    ("مقال.txt", "upload.txt", "upload.txt"),
    ("Marché de Médina-Coura.txt", "Marche-de-Medina-Coura.txt", "Marche-de-Medina-Coura.txt"),
])
def test_an_uploaded_name_keeps_its_extension_however_long_or_foreign(config, name, start, end):
    """A red team: a long name was cut before its extension (`.jsonl`) and rejected as an
    unknown format, under a name the archivist never gave; an Arabic one became `txt`."""
    (staged,) = uploads.stage(config, [(name, io.BytesIO(b"{}\n"))]).names
    assert staged.startswith(start) and staged.endswith(end), staged
    assert len(staged) <= uploads.NAME_MAX


def test_a_file_over_the_import_limit_is_refused_and_nothing_kept(config):
    config = dataclasses.replace(config, limits=Limits(import_max_bytes=1000))
    with pytest.raises(uploads.UploadTooLarge):
        uploads.stage(config, [("big.jsonl", io.BytesIO(b"x" * 1001))])
    assert list(uploads.folder(config).iterdir()) == []


def test_the_confirmed_import_uses_the_options_of_the_dry_run(config):
    record = real_record()
    line = {"headline": record["title"], "text": record["body"], "url": record["url"]}
    data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
    upload = uploads.stage(config, [("devoir.jsonl", io.BytesIO(data))],
                           mapping="title=headline,body=text", publisher="Le Devoir")
    found = uploads.find(config, upload.token)
    assert uploads.confirm(config, found).imported == 1
    (path,) = articlefile.iter_files(config.articles_dir)
    assert articlefile.read(path).publisher == "Le Devoir"


def test_a_token_names_only_an_upload(config):
    for bad in ("../../data", "0" * 32, "/etc"):
        with pytest.raises(Exception) as caught:
            uploads.find(config, bad)
        assert caught.value.status == 404
