"""Jobs started from the workspace (archive/indexing/jobruns.py): the CLI's job, its record."""

from __future__ import annotations

import pytest

from archive.errors import JobLocked
from archive.indexing import jobruns, status
from archive.indexing.joblock import job_lock

from .test_editing import imported  # noqa: F401 - the fixture


@pytest.fixture
def config(imported):  # noqa: F811
    return imported[0]


def test_a_reindex_runs_in_the_background_and_records_its_report(config):
    run = jobruns.start_reindex(config, "awa")
    assert run.kind == "reindex" and run.who == "awa"
    finished = jobruns.wait(config, run.id)
    assert finished.state == "done", finished
    assert "generation gen-" in finished.report and finished.counts["added"] == 1
    assert status(config).generation == finished.generation
    assert [r.id for r in jobruns.recent(config)] == [run.id]


def test_a_second_job_is_refused_naming_the_first(config):
    with job_lock(config.index_dir, "reindex --full"):
        with pytest.raises(JobLocked) as caught:
            jobruns.start_reindex(config, "awa")
    assert "'reindex --full'" in caught.value.message
    assert jobruns.recent(config) == []  # a refused job leaves no record


def test_a_rollback_is_recorded_and_serves_the_previous_generation(config):
    first = jobruns.wait(config, jobruns.start_reindex(config, "awa").id)
    path = next(config.articles_dir.rglob("*.md"))
    path.write_text(path.read_text(encoding="utf-8").replace("section: Monde",
                                                             "section: Europe"),
                    encoding="utf-8")
    second = jobruns.wait(config, jobruns.start_reindex(config, "awa").id)
    assert second.generation != first.generation
    back = jobruns.rollback(config, "awa")
    assert back.generation == first.generation == status(config).generation
    assert [r.kind for r in jobruns.recent(config)] == ["rollback", "reindex", "reindex"]


def test_a_job_whose_process_died_reads_as_interrupted(config):
    run = jobruns.start_reindex(config, "awa")
    jobruns.wait(config, run.id)
    record = jobruns._path(config, run.id)
    record.write_text(record.read_text().replace('"state": "done"', '"state": "running"')
                      .replace(f'"pid": {run.pid}', '"pid": 999999999'))
    assert jobruns.read(config, run.id).state == "interrupted"


def test_a_job_id_cannot_name_another_file(config):
    for bad in ("../CURRENT", "/etc/passwd", "a.b"):
        with pytest.raises(Exception) as caught:
            jobruns.read(config, bad)
        assert caught.value.status in (400, 404)
