"""The archivists' workspace (`/atelier`): a blueprint of its own, closed by default.

`auth.guard` runs before every view of the blueprint (see auth.py); every response says
`Cache-Control: no-store`, so no shared cache or browser history keeps a workspace page.
Views live in modules of this package, each registering on `workspace`.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, g, render_template
from flask_wtf.csrf import CSRFError

from ...config import Config
from ...errors import Refused
from ..context import services
from ..errortexts import error_text
from ..ratelimit import RateLimiter
from . import auth

workspace = Blueprint("workspace", __name__, url_prefix="/atelier")
SIGNIN_LIMITER = "workspace_signin"


@workspace.before_request
def _guard() -> None:
    auth.load_user(services().config)
    auth.guard()


@workspace.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"  # HTTP/1.0 caches
    return response


@workspace.errorhandler(CSRFError)
def _csrf_refused(exc: CSRFError):
    t = g.t
    return render_template(
        "workspace/refused.html", status=400, title=t.gettext("Form refused"),
        message=t.gettext("This form has expired or did not come from this site: nothing was "
                          "changed. Go back, reload the page and try again.")), 400


@workspace.errorhandler(Refused)
def _request_refused(exc: Refused):
    t = g.t
    return render_template("workspace/refused.html", status=exc.status,
                           title=t.gettext("Request refused"), message=error_text(t, exc)), \
        exc.status


def init_app(app: Flask, config: Config) -> None:
    """Mount the workspace on the app: sessions, CSRF, the sign-in limiter, the routes."""
    from . import (  # noqa: F401 - imported for their routes
        accountspages,
        articles,
        home,
        importpages,
        jobpages,
        orgpages,
        signin,
    )

    auth.setup(app, config)
    limits = config.limits
    app.extensions[SIGNIN_LIMITER] = RateLimiter(limits.signin_attempts,
                                                 window=limits.signin_window_minutes * 60)
    app.register_blueprint(workspace)
