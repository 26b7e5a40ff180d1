"""One error page (or JSON body) for every failure, in the visitor's language."""

from __future__ import annotations

from flask import (
    Response,
    g,
    jsonify,
    render_template,
    request,
)
from werkzeug.exceptions import HTTPException, SecurityError

from ..errors import ArchiveError, IndexUnavailable
from .context import bp, log, services, translator
from .errortexts import error_text
from .params import SearchParams

# --- errors -------------------------------------------------------------------------------------


def user_message(exc: Exception, status: int) -> str:
    """What to tell a person: the error's own message for their mistakes, a generic one else."""
    t = translator()
    if isinstance(exc, ArchiveError) and exc.code:
        return error_text(t, exc)
    if isinstance(exc, ArchiveError) and status in (404, 429):
        return exc.message
    return {
        400: t.gettext("The request is not valid."),
        401: t.gettext("Sign in to the workspace to do this."),
        403: t.gettext("Your account may not do this."),
        404: t.gettext("This page does not exist, or no longer exists."),
        405: t.gettext("This address does not accept that kind of request."),
        413: t.gettext("This address does not accept data sent with the request."),
        503: t.gettext("The archive is being prepared or updated: please try again in a "
                       "moment."),
    }.get(status, t.gettext("Something went wrong on our side. Please try again later."))


def _title(status: int) -> str:
    t = translator()
    return {
        400: t.gettext("This search cannot be run"),
        401: t.gettext("Sign-in needed"),
        403: t.gettext("Not allowed"),
        404: t.gettext("Page not found"),
        413: t.gettext("Request too large"),
        429: t.gettext("Too many requests"),
        503: t.gettext("Archive unavailable"),
    }.get(status, t.gettext("Error"))


@bp.app_errorhandler(Exception)
def _error(exc: Exception):
    """One error page (or JSON body under /api and for exports) for every failure."""
    if isinstance(exc, SecurityError):  # an untrusted Host: no page link can be built for it
        text = translator().gettext("This host name is not the archive's.")
        return Response(text, 400, mimetype="text/plain"), 400
    if isinstance(exc, HTTPException):
        status = exc.code or 500
    elif isinstance(exc, ArchiveError):
        status = exc.status
    else:
        status = 500
    if status == 500 and not isinstance(exc, HTTPException | ArchiveError):
        log.exception("unhandled error on %s", request.path)
        damage = _index_damage()
        if damage is not None:  # a damaged index, not a bug: say so, as for a missing one
            log.warning("index unavailable: %s", damage.message)
            exc, status = damage, 503
    elif status >= 500:
        if isinstance(exc, IndexUnavailable):
            log.warning("index unavailable: %s", exc.message)
        else:
            log.exception("unhandled error on %s", request.path)
    message = user_message(exc, status)
    if _wants_json():
        # scripts may act on the code, people read the message
        code = exc.code if isinstance(exc, ArchiveError) and exc.code else \
            _STATUS_CODES.get(status, "error")
        return jsonify(error=message, status=status, code=code), status
    params = g.get("params") or SearchParams(q=request.args.get("q", "")[:500])
    return render_template("error.html", status=status, title=_title(status), message=message,
                           params=params), status


def _index_damage() -> IndexUnavailable | None:
    """After an unexpected failure: the damage found in the serving generation's files, if any."""
    try:
        services().current.check(scrub=True, fresh=True)  # a passed check may predate it
    except IndexUnavailable as exc:
        return exc
    except Exception:  # noqa: BLE001 - the original failure is the one to report
        log.exception("while checking the index after a failure")
    return None


# The code of a JSON error that names no failure of its own (errors.MESSAGES names the others)
_STATUS_CODES = {400: "bad_request", 401: "sign_in_needed", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 413: "request_body_too_large", 429: "rate_limited",
                 500: "internal_error", 503: "index_unavailable"}


def _wants_json() -> bool:
    # every export: a script fetching a CSV reads the reason, not an HTML page
    return request.path.startswith(("/api/", "/export.")) or request.path == "/healthz"
