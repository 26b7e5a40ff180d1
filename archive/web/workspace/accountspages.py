"""The admin's accounts page (`/atelier/comptes`): list, add, remove, reset a password."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from ... import accounts, audit
from ...errors import UsageError
from ..context import services
from . import auth, workspace

FIELD_MAX = 200


@workspace.route("/comptes")
@auth.login_required(role="admin")
def accounts_page():
    """Every account with its role, and the forms that change them."""
    return _page()


def _page(errors: dict[str, str] | None = None, form: dict | None = None, status: int = 200):
    return render_template("workspace/accounts.html", users=accounts.list_users(services().config),
                           roles=accounts.ROLES, errors=errors or {}, form=form or {}), status


def _passwords(errors: dict[str, str]) -> str | None:
    """The password typed twice, or None with the reason in `errors`."""
    t = g.t
    password = request.form.get("password", "")
    if password != request.form.get("password2", ""):
        errors["password"] = t.gettext("The two passwords differ.")
        return None
    try:
        return accounts.check_password(password)
    except UsageError:
        errors["password"] = t.gettext("A password needs %(min)s to %(max)s characters (a few "
                                       "words make a good one).", min=accounts.PASSWORD_MIN,
                                       max=accounts.PASSWORD_MAX)
        return None


@workspace.route("/comptes/ajouter", methods=["POST"])
@auth.login_required(role="admin")
def add_account():
    """Create an account."""
    config, t = services().config, g.t
    name = request.form.get("name", "")[:FIELD_MAX]
    role = request.form.get("role", "")
    errors: dict[str, str] = {}
    try:
        name = accounts.check_name(name)
    except UsageError:
        errors["name"] = t.gettext("A name holds 1 to 64 letters a-z, digits, “.”, “_”, “-” or "
                                   "“@”, and starts with a letter or a digit.")
    if role not in accounts.ROLES:
        errors["role"] = t.gettext("Choose a role.")
    password = _passwords(errors)
    if not errors and accounts.get_user(config, name) is not None:
        errors["name"] = t.gettext("There is already an account with this name.")
    if errors:
        return _page(errors, {"name": name, "role": role}, 400)
    with audit.changing(config, auth.current_user().name, "users add",
                        [config.users_path], account=name, role=role):
        accounts.add_user(config, name, role, password)
    flash(t.gettext("Account %(name)s created.", name=name))
    return redirect(url_for("workspace.accounts_page"))


@workspace.route("/comptes/<name>/supprimer", methods=["POST"])
@auth.login_required(role="admin")
def remove_account(name: str):
    """Delete an account (not one's own: an admin cannot lock everyone out by mistake)."""
    config, t = services().config, g.t
    user = accounts.get_user(config, name)
    if user is None:
        flash(t.gettext("There is no account with this name."))
    elif user.name == auth.current_user().name:
        flash(t.gettext("You cannot remove your own account."))
    else:
        with audit.changing(config, auth.current_user().name, "users remove",
                            [config.users_path], account=user.name):
            accounts.remove_user(config, user.name)
        flash(t.gettext("Account %(name)s removed.", name=user.name))
    return redirect(url_for("workspace.accounts_page"))


@workspace.route("/comptes/<name>/mot-de-passe", methods=["POST"])
@auth.login_required(role="admin")
def reset_password(name: str):
    """Give an account a new password (its open sessions end)."""
    config, t = services().config, g.t
    user = accounts.get_user(config, name)
    if user is None:
        flash(t.gettext("There is no account with this name."))
        return redirect(url_for("workspace.accounts_page"))
    errors: dict[str, str] = {}
    password = _passwords(errors)
    if errors:
        return _page({f"password-{user.name}": errors["password"]}, {}, 400)
    with audit.changing(config, auth.current_user().name, "users passwd",
                        [config.users_path], account=user.name):
        accounts.set_password(config, user.name, password)
    if user.name == auth.current_user().name:  # one's own: stay signed in with the new one
        auth.sign_in(accounts.get_user(config, user.name))
    flash(t.gettext("New password set for %(name)s.", name=user.name))
    return redirect(url_for("workspace.accounts_page"))
