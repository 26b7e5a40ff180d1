"""Who may enter the workspace: sessions, roles, CSRF, the session key, safe `next` paths.

Closed by default: the blueprint's `guard` runs before every workspace view and refuses an
anonymous visitor (pages redirect to the sign-in page, actions get 401) and a role too low
(403) unless the view is marked `public`; `login_required(role=...)` raises a view's role
(and checks it again, so a view moved elsewhere stays guarded). Every POST of the workspace,
the sign-in form included, needs the session's CSRF token (Flask-WTF), or gets 400 before the
view runs.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import secrets
import stat
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect, generate_csrf
from markupsafe import Markup, escape

from ... import accounts
from ...accounts import User
from ...articlefile import write_text
from ...config import Config
from ...errors import Refused
from ...writelock import writing

log = logging.getLogger(__name__)
csrf = CSRFProtect()
SIGN_IN = "workspace.sign_in"
HOME = "workspace.home"
COOKIE = "atelier"
COOKIE_PATH = "/atelier"  # the public pages never receive (nor vary on) the session
SEEN_EVERY = 30  # seconds: the last-seen time is rewritten at most this often
# A session ends this long after sign-in however busy: a copied cookie kept in use by someone
# else (each request refreshes the idle time) does not live on for ever.
SESSION_HOURS = 12
# Sessions signed out, by a digest of their id, in the private folder: a copy of the cookie
# is refused after sign-out, by every worker (the cookie itself is signed, not stored).
SIGNED_OUT = "signed_out.json"
_signed_out: dict[str, tuple[tuple[int, int], dict[str, float]]] = {}  # path: (stat, entries)
_PUBLIC = "_workspace_public"
_ROLE = "_workspace_role"
_BODY_LIMIT = "_workspace_body_limit"


class WorkspaceSessions(SecureCookieSessionInterface):
    """Flask's signed cookie session, Secure exactly when the request came over HTTPS (as
    `request.is_secure` sees it, behind the trusted proxies of `trusted_proxies`)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure over HTTPS, so a browser never sends the session over plain HTTP."""
        return request.is_secure


def session_key(config: Config) -> bytes:
    """The archive's session-signing key: made on first use into `<archive>/.archive/
    secret_key` (mode 0600; never shipped, never served), read after that."""
    path = config.state_dir / "secret_key"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        accounts.private_folder(path.parent)
        key = secrets.token_bytes(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker made it first: use theirs
            return session_key(config)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key.hex().encode("ascii"))
            handle.flush()
            os.fsync(handle.fileno())
        return key.hex().encode("ascii")
    with os.fdopen(fd, "rb") as handle:
        if stat.S_IMODE(os.fstat(handle.fileno()).st_mode) & 0o077:
            raise accounts.AccountError(
                f"the session key {path} may be read by others: chmod 600 {path}")
        key = handle.read().strip()
    if len(key) < 32:
        raise accounts.AccountError(f"the session key {path} is too short: delete it and a "
                                    "new one is made (everyone signs in again)")
    return key


def setup(app: Flask, config: Config) -> None:
    """Give the app the workspace's session (cookie flags, key) and CSRF protection."""
    try:
        app.secret_key = session_key(config)
    except OSError as exc:  # a read-only archive folder: the public site still serves
        log.warning("workspace disabled: no session key in %s (%s)", config.state_dir, exc)
    app.session_interface = WorkspaceSessions()
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE, SESSION_COOKIE_PATH=COOKIE_PATH,
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        # checked only where the workspace asks (its POSTs), not on the public site
        WTF_CSRF_CHECK_DEFAULT=False,
        # a form may stay open as long as the session lives (the idle limit ends both)
        WTF_CSRF_TIME_LIMIT=None,
    )
    csrf.init_app(app)
    app.jinja_env.globals.update(csrf_field=csrf_field, current_user=current_user)


def csrf_field() -> Markup:
    """The hidden CSRF input every workspace form carries."""
    return Markup(f'<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">')


# --- who is here -----------------------------------------------------------------------------


def current_user() -> User | None:
    """The signed-in account of this request, or None."""
    return g.get("workspace_user")


def _now() -> float:
    return time.time()


def load_user(config: Config) -> None:
    """Find the session's account; end the session when it idled too long, or when its
    account was removed or given a new password since."""
    g.workspace_user = None
    name = session.get("user")
    if not name:
        return
    now = _now()
    seen, since = session.get("seen", 0), session.get("since", 0)
    idle = config.limits.workspace_idle_minutes * 60
    if not isinstance(seen, int | float) or now - seen > idle:
        session.clear()
        flash(g.t.gettext("Your session ended after a period without activity: sign in "
                          "again."))
        return
    if not isinstance(since, int | float) or now - since > SESSION_HOURS * 3600:
        session.clear()
        flash(g.t.gettext("Your session ended %(hours)s hours after you signed in: sign in "
                          "again.", hours=SESSION_HOURS))
        return
    if _digest(session.get("sid")) in signed_out(config):
        session.clear()  # a copy of a cookie whose session was signed out
        return
    try:
        user = accounts.get_user(config, name)
    except accounts.AccountError as exc:
        log.error("workspace: %s", exc.message)
        abort(503)
    if user is None or user.stamp != session.get("stamp"):
        session.clear()
        return
    if now - seen >= SEEN_EVERY:
        session["seen"] = int(now)
    g.workspace_user = user


def sign_in(user: User) -> None:
    """Start a new session for this account: everything of the old one (its id and CSRF
    token included) is dropped, so a session planted before sign-in is worth nothing."""
    session.clear()
    now = int(_now())
    session.update(sid=secrets.token_urlsafe(32), user=user.name, stamp=user.stamp,
                   seen=now, since=now)


def sign_out(config: Config) -> None:
    """End the session, here and for any copy of its cookie."""
    sid = session.get("sid")
    session.clear()
    if not isinstance(sid, str):
        return
    path = config.users_path.parent / SIGNED_OUT
    now = _now()
    # kept while a copy could still be in use: at most the session's whole life
    with writing(config):
        entries = {k: t for k, t in _read_signed_out(path).items()
                   if now - t < SESSION_HOURS * 3600}
        entries[_digest(sid)] = now
        write_text(path, json.dumps(entries))


def signed_out(config: Config) -> dict[str, float]:
    """The signed-out sessions (digest of id: when), read again only when the file changed."""
    path = config.users_path.parent / SIGNED_OUT
    try:
        info = path.stat()
    except FileNotFoundError:
        return {}
    key = (info.st_mtime_ns, info.st_size)
    cached = _signed_out.get(str(path))
    if cached is None or cached[0] != key:
        cached = _signed_out[str(path)] = (key, _read_signed_out(path))
    return cached[1]


def _read_signed_out(path: Path) -> dict[str, float]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return entries if isinstance(entries, dict) else {}


def _digest(sid: object) -> str:
    return hashlib.sha256(str(sid).encode("utf-8")).hexdigest()[:32]


# --- guards ----------------------------------------------------------------------------------


def public(view: Callable) -> Callable:
    """Mark a workspace view anyone may reach (the sign-in page): CSRF still applies."""
    setattr(view, _PUBLIC, True)
    return view


def login_required(view: Callable | None = None, *, role: str = "archivist") -> Callable:
    """Let only a signed-in account holding `role` (or higher) through: anonymous visitors of
    a page are sent to the sign-in page, of an action get 401; a role too low gets 403.
    Usable bare (`@login_required`) or with a role (`@login_required(role="admin")`)."""
    accounts.check_role(role)

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def guarded(*args: object, **kwargs: object) -> object:
            refuse_unless(role)
            return func(*args, **kwargs)

        setattr(guarded, _ROLE, role)
        return guarded

    return decorate(view) if view is not None else decorate


def body_limit(limit_name: str) -> Callable:
    """Let a workspace view take bodies up to the named limit of `Limits` (an upload takes
    `import_max_bytes`) instead of `workspace_form_max_bytes`; refused past it unread."""

    def decorate(view: Callable) -> Callable:
        setattr(view, _BODY_LIMIT, limit_name)
        return view

    return decorate


def request_body_limit(app: Flask, config: Config) -> int:
    """The bytes this request's body may hold: the site's small limit, a workspace form's,
    or what the workspace view names with `body_limit`."""
    limits = config.limits
    if request.blueprint != "workspace":
        return limits.request_max_body_bytes
    view = app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, _PUBLIC, False):
        return limits.request_max_body_bytes  # anonymous visitors send small forms only
    return getattr(limits, getattr(view, _BODY_LIMIT, "workspace_form_max_bytes"))


def refuse_unless(role: str) -> None:
    """Stop the request unless a signed-in account holds `role`."""
    user = current_user()
    if user is None:
        if request.method in ("GET", "HEAD"):
            abort(redirect(sign_in_url(request.full_path if request.query_string
                                       else request.path)))
        abort(401)
    if not user.may(role):
        abort(403)


def guard() -> None:
    """Before every workspace view: the role it needs (archivist unless it says otherwise or
    is public), then the CSRF token of a form sent."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and not getattr(view, _PUBLIC, False):
        if not current_app.secret_key:
            abort(503)
        refuse_unless(getattr(view, _ROLE, "archivist"))
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        if not current_app.secret_key:
            abort(503)
        if (request.mimetype == "multipart/form-data" and request.content_length
                and not request.form and not request.files):
            # Werkzeug reads an undecodable form (a file name in Latin-1) as an empty one,
            # which the CSRF check would call an expired form
            raise Refused("form_unreadable")
        csrf.protect()


# --- where to go after signing in ---------------------------------------------------------------


def safe_next(target: str | None) -> str:
    """`target` when it is a path of this site, else the workspace home: never another site
    (`//evil.example`, `/\\evil.example`, `https://…`, `javascript:`), never a path with
    characters a browser would drop or reinterpret."""
    home = url_for(HOME)
    if not target or len(target) > 2000:
        return home
    if any(ord(c) < 0x21 or c == "\\" or ord(c) == 0x7F for c in target):
        return home
    if not target.startswith("/") or target.startswith("//"):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return home
    return target


def sign_in_url(next_path: str | None = None) -> str:
    """The sign-in page, with where to return after it (when that is on this site)."""
    next_path = safe_next(next_path) if next_path else None
    args = {"next": next_path} if next_path and next_path != url_for(HOME) else {}
    lang = request.args.get("lang")
    if lang:
        args["lang"] = lang
    return url_for(SIGN_IN, **args)


def users_exist(config: Config) -> bool:
    """Whether any account exists (the sign-in page says how to create the first one)."""
    return bool(accounts.list_users(config))


def path_within(folder: Path, candidate: Path) -> bool:
    """Whether `candidate`, resolved, lies inside `folder` (for views naming files)."""
    try:
        candidate.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True
