"""Organisation candidates in the workspace: approve into the authority file, merge as an
alias of an existing entry, or dismiss (remembered). Thin views over `archive.orgreview`;
every change is recorded in the audit log by the signed-in account."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from ... import audit, orgreview
from ...errors import ArchiveError, Refused
from ...organisations import KINDS
from ..context import services
from ..errortexts import error_text
from . import auth, workspace


@workspace.route("/organisations")
@auth.login_required
def candidates(error: str | None = None, status: int = 200):
    """Candidates the articles suggest, each with its three actions."""
    config = services().config
    try:
        found = orgreview.candidates(config)
    except ArchiveError as exc:
        found, error = orgreview.Candidates(), exc.message
    problem = orgreview.dismissed_problem(config)
    if problem is not None and error is None:
        error = g.t.gettext("%(path)s is not valid (%(reason)s): the candidates its last good "
                            "version dismissed stay dismissed; correct it.",
                            path=orgreview.DISMISSED, reason=problem)
    return render_template("workspace/organisations.html", found=found, error=error,
                           kinds=sorted(KINDS)), status


@workspace.route("/organisations/<acronym>", methods=["POST"])
@auth.login_required
def review_candidate(acronym: str):
    """Approve, merge or dismiss one candidate."""
    config = services().config
    user = auth.current_user().name
    action = request.form.get("action")
    paths = [config.authority_file] if action in ("approve", "merge") \
        else [orgreview.dismissed_path(config)]
    try:
        with audit.changing(config, user, f"organisation {action}", paths,
                            acronym=acronym[:50]) as details:
            if action == "approve":
                promotion = orgreview.approve(
                    config, acronym, name=request.form.get("name"),
                    kind=request.form.get("kind") or None,
                    country=request.form.get("country") or None)
                details["entry"] = promotion.entry.name
                message = g.t.gettext("%(acronym)s added to the authority file as "
                                      "“%(name)s”. Reindex to file its articles under it.",
                                      acronym=acronym, name=promotion.entry.name)
            elif action == "merge":
                into = orgreview.merge(config, acronym, request.form.get("into", ""))
                details["entry"] = into
                message = g.t.gettext("%(acronym)s added to the aliases of “%(name)s”. "
                                      "Reindex to file its articles under it.",
                                      acronym=acronym, name=into)
            elif action == "dismiss":
                orgreview.dismiss(config, acronym, user)
                message = g.t.gettext("%(acronym)s dismissed: it will not be proposed again.",
                                      acronym=acronym)
            else:
                raise Refused("review_action_unknown", action=(action or "")[:50])
    except ArchiveError as exc:
        return candidates(error=g.t.gettext("%(label)s: %(value)s", label=acronym[:50],
                                            value=error_text(g.t, exc)),
                          status=exc.status if 400 <= exc.status < 500 else 422)
    flash(message)
    return redirect(url_for("workspace.candidates"))
