"""Reindexing and rolling back from the workspace: start a job, follow it on a page that
refreshes itself (no JavaScript), read its report, roll back after a confirmation.

Thin views over `archive.indexing.jobruns` (the CLI's reindex and rollback, under its lock);
each job is recorded in the audit log by the signed-in account.
"""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from ... import audit
from ...errors import ArchiveError, IndexUnavailable, JobLocked
from ...indexing import jobruns, status
from ...indexing.generations import read_pointer
from ...indexing.joblock import holder
from ..context import services
from ..i18n import N_
from . import auth, workspace

REFRESH_SECONDS = 2


def _serving() -> str | None:
    try:
        pointer = read_pointer(services().config.index_dir)
    except IndexUnavailable:
        return None
    return pointer.current if pointer else None


@workspace.route("/reindexer", methods=["POST"])
@auth.login_required
def start_reindex():
    """Start a reindex (refused, naming the job that runs, while another one holds the lock)."""
    config = services().config
    user = auth.current_user()
    before = _serving()

    def finished(run: jobruns.JobRun) -> None:
        audit.record(config, user.name, "reindex", before=before, after=run.generation,
                     job=run.id, state=run.state, **run.counts)

    try:
        run = jobruns.start_reindex(config, user.name, on_finished=finished)
    except JobLocked:
        return _locked()
    return redirect(url_for("workspace.job", run_id=run.id))


def _locked():
    """The refusal of a second job, naming the one that runs."""
    info = holder(services().config.index_dir)
    return render_template(
        "workspace/refused.html", status=409, title=g.t.gettext("Another job is running"),
        message=g.t.gettext("A job is already running: “%(job)s”, started %(started)s "
                            "(process %(pid)s). Wait for it to finish, then start again.",
                            job=info.get("job", "?"), started=info.get("started", "?"),
                            pid=info.get("pid", "?"))), 409


@workspace.route("/travaux/<run_id>")
@auth.login_required
def job(run_id: str):
    """A job's progress (the page reloads itself while it runs), then its report."""
    run = jobruns.read(services().config, run_id)
    return render_template("workspace/job.html", run=run,
                           refresh=REFRESH_SECONDS if run.running else None)


@workspace.route("/retour", methods=["GET", "POST"])
@auth.login_required
def rollback():
    """Serve the previous generation again: a page that says what will happen, then the
    confirmed rollback."""
    config = services().config
    try:
        current = status(config)
    except ArchiveError as exc:
        current, problem = None, exc.message
    else:
        problem = None
    if request.method == "GET":
        return render_template("workspace/rollback.html", current=current, problem=problem)
    user = auth.current_user()
    before = _serving()
    try:
        run = jobruns.rollback(config, user.name)
    except JobLocked:
        return _locked()
    except IndexUnavailable as exc:
        return render_template("workspace/rollback.html", current=current,
                               problem=exc.message), 409
    audit.record(config, user.name, "rollback", before=before, after=run.generation,
                 job=run.id)
    return redirect(url_for("workspace.job", run_id=run.id))


STATES = {"running": N_("running"), "done": N_("done"),
          "partial": N_("done, some files rejected or kept at their last good version"),
          "failed": N_("failed"), "interrupted": N_("interrupted")}


def job_state(state: str) -> str:
    """A job's state in the page's language."""
    return g.t.gettext(STATES.get(state, state))


@workspace.context_processor
def _job_labels() -> dict:
    return {"job_state": job_state}
