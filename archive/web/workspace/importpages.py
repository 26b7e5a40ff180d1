"""Importing from the workspace: upload pages or exports, read the dry run, then confirm.

Thin views over `archive.ingest.uploads` (the CLI's `import_paths`, its formats and limits).
The upload route alone takes a body as large as an import accepts (`import_max_bytes`), and a
larger one is refused from its Content-Length before it is read; the import is recorded in
the audit log by the signed-in account.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from ...errors import ArchiveError, Conflicted
from ...ingest import uploads
from ..context import services
from ..errortexts import error_text
from . import auth, workspace


@workspace.route("/import", methods=["GET"])
@auth.login_required
def import_page():
    """The upload form."""
    return render_template("workspace/import.html", error=None, form={})


@workspace.route("/import", methods=["POST"])
@auth.login_required
@auth.body_limit("import_max_bytes")
def upload():
    """Stage the files sent, then show the dry run."""
    config = services().config
    files = [(f.filename or "", f.stream) for f in request.files.getlist("files")
             if f.filename]
    form = {"mapping": request.form.get("mapping", "")[:500],
            "publisher": request.form.get("publisher", "")[:200]}
    if not files:
        return render_template("workspace/import.html", form=form,
                               error=g.t.gettext("Choose at least one file to send.")), 400
    try:
        staged = uploads.stage(config, files, mapping=form["mapping"],
                               publisher=form["publisher"])
    except ArchiveError as exc:
        return render_template("workspace/import.html", error=error_text(g.t, exc),
                               form=form), \
            exc.status if exc.status < 500 else 400
    return redirect(url_for("workspace.dry_run", token=staged.token))


@workspace.route("/import/<token>")
@auth.login_required
def dry_run(token: str):
    """What importing the staged files would do."""
    config = services().config
    if uploads.state(config, token) != "staged":
        return redirect(url_for("workspace.imported", token=token))
    staged = uploads.find(config, token)
    report = uploads.dry_run(config, staged)
    return render_template("workspace/dryrun.html", staged=staged, report=report,
                           text=uploads.shown(staged, report.render()))


@workspace.route("/import/<token>", methods=["POST"])
@auth.login_required
def confirm_import(token: str):
    """Import the staged files for real (or discard them), once: a second click, or a reload,
    is sent to the page of the import the first one runs."""
    config = services().config
    if uploads.state(config, token) != "staged":
        return redirect(url_for("workspace.imported", token=token))
    staged = uploads.find(config, token)
    if request.form.get("action") == "discard":
        uploads.discard(staged)
        flash(g.t.gettext("The upload was discarded: nothing was imported."))
        return redirect(url_for("workspace.home"))
    try:
        uploads.confirm(config, staged, auth.current_user().name)
    except Conflicted as exc:
        if exc.code != "upload_claimed":
            raise
    return redirect(url_for("workspace.imported", token=token))


@workspace.route("/import/<token>/fait")
@auth.login_required
def imported(token: str):
    """What a confirmed import did; while it runs, a page that reloads itself."""
    config = services().config
    state = uploads.state(config, token)
    if state == "staged":
        return redirect(url_for("workspace.dry_run", token=token))
    if state == "importing":
        return render_template("workspace/imported.html", outcome=None, refresh=2)
    return render_template("workspace/imported.html", outcome=uploads.outcome(config, token))
