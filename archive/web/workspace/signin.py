"""Signing in and out of the workspace, with failed attempts slowed per account and address."""

from __future__ import annotations

import logging
import math

from flask import current_app, flash, g, redirect, render_template, request, url_for

from ... import accounts
from ..context import client_address, services
from . import SIGNIN_LIMITER, auth, workspace

log = logging.getLogger(__name__)
FIELD_MAX = 200  # characters of a name typed in the form: far more than any account's


@workspace.route("/connexion", methods=["GET", "POST"])
@auth.public
def sign_in():
    """The sign-in form; on success a new session and the page asked for (on this site)."""
    config = services().config
    t = g.t
    target = auth.safe_next(request.values.get("next"))
    if auth.current_user() is not None and request.method == "GET":
        return redirect(target)
    message, status = None, 200
    name = request.form.get("name", "")[:FIELD_MAX]
    if request.method == "POST":
        password = request.form.get("password", "")
        limiter = current_app.extensions[SIGNIN_LIMITER]
        # Both are counted on every attempt, so neither guessing one account's password from
        # many addresses nor many accounts' from one address goes fast.
        by_account = limiter.allow("account:" + accounts.normalise_name(name))
        by_address = limiter.allow("address:" + client_address())
        if not (by_account[0] and by_address[0]):
            wait = max(r for ok, r in (by_account, by_address) if not ok)
            minutes = math.ceil(wait / 60)
            log.warning("workspace: sign-in attempts throttled (address %s)",
                        client_address())
            message, status = t.ngettext(
                "Too many sign-in attempts: wait %(num)s minute, then try again.",
                "Too many sign-in attempts: wait %(num)s minutes, then try again.",
                minutes), 429
        else:
            try:
                user = accounts.verify(config, name, password)
            except accounts.AccountError as exc:
                log.error("workspace: %s", exc.message)
                user = None
            if user is not None:
                auth.sign_in(user)
                log.info("workspace: %s signed in from %s", user.name, client_address())
                return redirect(target)
            log.warning("workspace: failed sign-in from %s", client_address())
            # The same words whether the account exists or not.
            message, status = t.gettext("Wrong account name or password."), 401
    return render_template(
        "workspace/signin.html", message=message, name=name,
        next=target if target != url_for(auth.HOME) else "",
        no_accounts=_no_accounts(config)), status


def _no_accounts(config) -> bool:
    try:
        return not auth.users_exist(config)
    except accounts.AccountError as exc:
        log.error("workspace: %s", exc.message)
        return False


@workspace.route("/deconnexion", methods=["POST"])
@auth.public
def sign_out():
    """End the session; back to the sign-in page."""
    user = auth.current_user()
    auth.sign_out(services().config)
    if user is not None:
        log.info("workspace: %s signed out", user.name)
        flash(g.t.gettext("You are signed out."))
    return redirect(auth.sign_in_url())
