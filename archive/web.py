"""The web front end: `create_app(config)` and its one blueprint of thin views.

Each request takes the serving generation once (CURRENT is read per request, so a reindex or a
rollback is seen at the next request) and keeps it to the end; a searcher opened for the
request is closed on teardown. Pages need no JavaScript; every handled error renders one page
in the user's language, and every response carries the security headers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask import Request as FlaskRequest
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, SecurityError

from . import citations, downloads, feeds, i18n, searchparams
from .config import Config, load_config
from .errors import ArchiveError, IndexUnavailable, NotFound, QueryError, RateLimited
from .i18n import N_, Translator
from .indexer import CurrentGeneration, Generation, find_article
from .models import ID_RE, Article
from .ratelimit import RateLimiter
from .resources import templates_dir
from .search import FacetCount, SearchResult, facet_values, related, search
from .searchparams import SearchParams
from .textnorm import fold

STATIC = Path(__file__).resolve().parent / "static"
LATEST = 6
QUERY_SAFE = "".join(chr(c) for c in range(33, 127))  # printable ASCII stays as it came
MAX_QUERY_BYTES = 16_384  # of URL parameters: every real search needs far fewer
STATIC_MAX_AGE = 24 * 3600
FEED_SIZE = 20
BROWSE_ALL_MAX = 400  # longer lists are shown one letter at a time
LETTERS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + ("#",)
BROWSE = {"organisation": "/organisations", "author": "/authors", "section": "/sections",
          "year": "/years"}
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
log = logging.getLogger(__name__)
bp = Blueprint("archive", __name__)


@dataclass
class Services:
    """What the app shares between requests: configuration, generation, catalogs, limiter."""

    config: Config
    current: CurrentGeneration
    catalogs: dict
    limiter: RateLimiter


def create_app(config: Config | None = None) -> Flask:
    """The Flask application for one archive (configuration from archive.yaml by default).

    With `trusted_hosts` configured (host names, `.example.org` for its subdomains) a request
    naming any other Host gets 400, so no absolute link (permalink, feed) can point elsewhere.
    """
    config = config or load_config()
    app = Flask(__name__, template_folder=str(templates_dir()), static_folder=str(STATIC))
    app.config["TRUSTED_HOSTS"] = list(config.trusted_hosts) or None
    app.request_class = ArchiveRequest
    app.extensions["archive"] = Services(
        config, CurrentGeneration(config.index_dir), i18n.load_translations(),
        RateLimiter(config.limits.rate_limit_per_minute))
    # The stylesheet's URL carries a hash of its content, so browsers may keep it for a day.
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = STATIC_MAX_AGE
    css_version = hashlib.sha256((STATIC / "style.css").read_bytes()).hexdigest()[:10]
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(_jinja_gettext, _jinja_ngettext, newstyle=True)
    app.jinja_env.globals.update(site_name=config.site_name, browse_pages=BROWSE,
                                 web_url=citations.web_url, css_version=css_version)
    app.register_blueprint(bp)
    return app


class ArchiveRequest(FlaskRequest):
    """A request whose query string always decodes: raw bytes that are not UTF-8 (browsers
    percent-encode, hostile clients need not) are percent-encoded instead of failing later."""

    def __init__(self, environ: dict, *args: object, **kwargs: object) -> None:
        super().__init__(environ, *args, **kwargs)
        try:
            self.query_string.decode()
        except UnicodeDecodeError:
            self.query_string = quote(self.query_string, safe=QUERY_SAFE).encode("ascii")


def services() -> Services:
    """The shared services of the running app."""
    return current_app.extensions["archive"]


def translator() -> Translator:
    """The current request's translator (the default language outside a request)."""
    t = g.get("t")
    if t is None:
        s = services()
        t = g.t = Translator(i18n.choose_locale(None, None, s.config.default_language),
                             s.catalogs)
    return t


def _jinja_gettext(message: str) -> str:
    return translator().catalog.gettext(message)


def _jinja_ngettext(singular: str, plural: str, n: int) -> str:
    return translator().catalog.ngettext(singular, plural, n)


def generation() -> Generation:
    """The generation serving this request, taken once per request."""
    if "generation" not in g:
        g.generation = services().current.get()
    return g.generation


def request_searcher():
    """A searcher for this request's lookups by id, closed on teardown."""
    if "searcher" not in g:
        g.searcher = generation().index.searcher()
    return g.searcher


# --- request life -------------------------------------------------------------------------------


@bp.before_app_request
def _start() -> None:
    s = services()
    g.t = Translator(i18n.choose_locale(request.args.get("lang"), request.cookies.get(i18n.COOKIE),
                                        s.config.default_language), s.catalogs)
    if len(request.query_string) > MAX_QUERY_BYTES:
        raise QueryError(g.t.gettext("The search is too long or too complex: shorten it."))
    if request.endpoint in ("static", "archive.healthz"):
        return
    allowed, retry_after = s.limiter.allow(request.remote_addr or "?")
    if not allowed:
        g.retry_after = retry_after
        raise RateLimited(g.t.gettext("Too many requests: please wait a minute and try again."))


@bp.after_app_request
def _finish(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Language"] = translator().locale
    response.vary.add("Cookie")
    asked = request.args.get("lang")
    if asked in i18n.LOCALES and request.cookies.get(i18n.COOKIE) != asked:
        response.set_cookie(i18n.COOKIE, asked, max_age=i18n.COOKIE_MAX_AGE, samesite="Lax",
                            httponly=True, secure=request.is_secure)
    if "retry_after" in g:
        response.headers["Retry-After"] = str(g.retry_after)
    return response


@bp.teardown_app_request
def _close(_exc: BaseException | None) -> None:
    searcher = g.pop("searcher", None)
    if searcher is not None:
        searcher.close()
    g.pop("generation", None)


# --- errors -------------------------------------------------------------------------------------

QUERY_HINTS = (
    # The search module words its refusals in English; people get them in their language.
    ("cannot start with a wildcard",
     N_("A word cannot start with *: put at least %(n)s letters before it, e.g. syndic*.")),
    ("only a trailing *", N_("Only a * at the end of a word is allowed, e.g. syndic*.")),
    ("prefix needs at least",
     N_("Put at least %(n)s letters before the *, e.g. syndic*.")),
    ("only very common words",
     N_("The search holds only very common words (le, la, de…): add a more specific word.")),
    ("over the limit", N_("The search is too long or too complex: shorten it.")),
    ("stands for more than",
     N_("This prefix stands for too many words: type more letters before the *.")),
    ("too broad to answer in time",
     N_("This search is too broad to answer in time: add a more specific word, or type more "
        "letters before the *.")),
    ("a year or a range",
     N_("année: takes a year or a range of years, e.g. année:2019 or année:2015-2018.")),
    ("could not be understood",
     N_("The search could not be understood: check the quotes and parentheses, or use plain "
     "words.")),
)


def _user_message(exc: Exception, status: int) -> str:
    """What to tell a person: the error's own message for their mistakes, a generic one else."""
    t = translator()
    if isinstance(exc, QueryError):
        for fragment, message in QUERY_HINTS:
            if fragment in exc.message:
                return t.gettext(message, n=services().config.limits.query_min_prefix)
        return exc.message
    if isinstance(exc, ArchiveError) and status in (404, 429):
        return exc.message
    return {
        400: t.gettext("The request is not valid."),
        404: t.gettext("This page does not exist, or no longer exists."),
        405: t.gettext("This address does not accept that kind of request."),
        503: t.gettext("The archive is being prepared or updated: please try again in a "
                       "moment."),
    }.get(status, t.gettext("Something went wrong on our side. Please try again later."))


def _title(status: int) -> str:
    t = translator()
    return {
        400: t.gettext("This search cannot be run"),
        404: t.gettext("Page not found"),
        429: t.gettext("Too many requests"),
        503: t.gettext("Archive unavailable"),
    }.get(status, t.gettext("Error"))


@bp.app_errorhandler(Exception)
def _error(exc: Exception):
    """One error page (or JSON body under /api and for exports) for every failure."""
    if isinstance(exc, SecurityError):  # an untrusted Host: no page link can be built for it
        return Response(_user_message(exc, 400), 400, mimetype="text/plain"), 400
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
    message = _user_message(exc, status)
    if _wants_json():
        return jsonify(error=message, status=status), status
    params = g.get("params") or SearchParams(q=request.args.get("q", "")[:500])
    return render_template("error.html", status=status, title=_title(status), message=message,
                           params=params), status


def _index_damage() -> IndexUnavailable | None:
    """After an unexpected failure: the damage found in the serving generation's files, if any."""
    try:
        services().current.check(deep=True)
    except IndexUnavailable as exc:
        return exc
    except Exception:  # noqa: BLE001 - the original failure is the one to report
        log.exception("while checking the index after a failure")
    return None


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/export.jsonl", "/healthz")


# --- helpers for views ----------------------------------------------------------------------------


def _params() -> SearchParams:
    """This request's search parameters, checked (400 with a message when wrong)."""
    params = searchparams.parse(request.args, services().config.limits, translator())
    g.params = params
    return params


def _search(params: SearchParams, **kwargs: object) -> SearchResult:
    return search(generation(), params.request(**kwargs), services().config)


def permalink(article_id: str) -> str:
    """The article's absolute address on this site."""
    return url_for("archive.article", article_id=article_id, _external=True)


def _stored_article(article_id: str) -> Article:
    """The article as the serving generation stored it (the index is the published state)."""
    if not ID_RE.match(article_id):
        raise NotFound(translator().gettext("There is no article at this address."))
    found = find_article(request_searcher(), article_id)
    if found is None:
        raise NotFound(translator().gettext("There is no article at this address."))
    return found


def _histogram(result: SearchResult) -> list[tuple[int, int]]:
    """Hits per year with empty years filled in, so that the bars sit on a regular axis."""
    if not result.histogram:
        return []
    counts = dict(result.histogram)
    first, last = min(counts), max(counts)
    return [(year, counts.get(year, 0)) for year in range(first, last + 1)]


def _hit_json(hit) -> dict:
    return {"id": hit.id, "title": hit.title, "date": hit.date, "section": hit.section,
            "authors": hit.authors, "organisations": hit.organisations,
            "publisher": hit.publisher, "url": hit.url, "permalink": permalink(hit.id),
            "snippet_html": hit.snippet_html, "score": hit.score}


def _facet_json(values: list[FacetCount]) -> list[dict]:
    return [{"value": v.value, "count": v.count, "selected": v.selected} for v in values]


# --- pages ----------------------------------------------------------------------------------------


@bp.route("/")
def home():
    """Search box, size and span of the archive, browse entries, latest articles."""
    latest = _search(SearchParams(sort="newest"), page_size=LATEST)
    years = [year for year, _count in latest.histogram]
    return render_template("home.html", result=latest, first=min(years, default=None),
                           last=max(years, default=None), params=SearchParams())


@bp.route("/search")
def search_page():
    """Results with snippets, facets, active filters, histogram, sort and pagination."""
    params = _params()
    result = _search(params)
    return render_template("search.html", params=params, result=result,
                           histogram=_histogram(result))


@bp.route("/article/<article_id>")
def article(article_id: str):
    """One article in full, with links to matching searches, related articles and citations."""
    item = _stored_article(article_id)
    config = services().config
    link = permalink(item.id)
    return render_template(
        "article.html", article=item, permalink=link, params=SearchParams(),
        related=related(generation(), item.id, config),
        citation=citations.french_citation(item, link, config.site_name))


@bp.route("/article/<article_id>.ris")
def article_ris(article_id: str):
    """The article's citation as an RIS file."""
    item = _stored_article(article_id)
    text = citations.ris(item, permalink(item.id), services().config.site_name)
    return _download(text, "application/x-research-info-systems", f"{item.id}.ris")


@bp.route("/article/<article_id>.bib")
def article_bibtex(article_id: str):
    """The article's citation as a BibTeX file."""
    item = _stored_article(article_id)
    text = citations.bibtex(item, permalink(item.id), services().config.site_name)
    return _download(text, "application/x-bibtex", f"{item.id}.bib")


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    if mimetype.startswith(("text/", "application/x-")):
        response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def browse(facet: str):
    """Every value of one facet with its count; A–Z navigation and a filter box for long lists."""
    params = _params()
    contains = request.args.get("filter", "").strip()[:100]
    letter = request.args.get("letter", "").strip().upper()[:1]
    values = facet_values(generation(), params.request(), facet, services().config,
                          contains=contains)
    if facet == "year":
        values = sorted(values, key=lambda v: v.value, reverse=True)
    else:
        values = sorted(values, key=lambda v: (_letter_of(v.value), v.value.casefold()))
    present = {_letter_of(v.value) for v in values}
    if facet != "year" and not letter and not contains and len(values) > BROWSE_ALL_MAX:
        letter = next((x for x in LETTERS if x in present), "")
    shown = [v for v in values if _letter_of(v.value) == letter] if letter else values
    return render_template("browse.html", facet=facet, params=params, values=shown,
                           total_values=len(values), letters=LETTERS, present=present,
                           letter=letter, contains=contains)


def _letter_of(value: str) -> str:
    first = fold(value[:1]).upper()
    return first if "A" <= first <= "Z" else "#"


for _facet, _path in BROWSE.items():
    bp.add_url_rule(_path, f"browse_{_facet}", browse, defaults={"facet": _facet})


# --- machine-readable -----------------------------------------------------------------------------


@bp.route("/api/search")
def api_search():
    """The same search as /search, as JSON: hits, facets, histogram, paging."""
    params = _params()
    result = _search(params)
    return jsonify(
        query=params.q, total=result.total, page=result.page, pages=result.pages,
        page_size=result.page_size, sort=result.sort, partial=result.partial,
        suggestion=result.suggestion, elapsed_ms=result.elapsed_ms,
        hits=[_hit_json(h) for h in result.hits],
        facets={name: _facet_json(values) for name, values in result.facets.items()},
        histogram=[{"year": y, "count": c} for y, c in result.histogram])


@bp.route("/api/article/<article_id>")
def api_article(article_id: str):
    """One article as JSON, with its permalink and related article ids."""
    item = _stored_article(article_id)
    return jsonify(
        id=item.id, title=item.title, date=item.date, section=item.section,
        authors=list(item.author), organisations=list(item.organisations),
        publisher=item.publisher, url=item.url, language=item.language, body=item.body,
        permalink=permalink(item.id),
        related=[h.id for h in related(generation(), item.id, services().config)])


def _export(kind: str) -> Response:
    params = _params()
    started = downloads.start_export(generation(), params.request(), services().config)
    lines = downloads.csv_lines if kind == "csv" else downloads.jsonl_lines
    mimetype = "text/csv" if kind == "csv" else "application/x-ndjson"
    # The generation is passed in: the stream keeps it even if CURRENT moves meanwhile.
    body = stream_with_context(lines(started.hits, permalink))
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    response.headers["Content-Disposition"] = f'attachment; filename="archive-{stamp}.{kind}"'
    response.headers["X-Total-Count"] = str(started.total)
    response.headers["X-Export-Rows"] = str(started.rows)
    response.headers["X-Export-Truncated"] = "true" if started.truncated else "false"
    return response


@bp.route("/export.csv")
def export_csv():
    """The whole result set as CSV, streamed, up to export_max_rows rows."""
    return _export("csv")


@bp.route("/export.jsonl")
def export_jsonl():
    """The whole result set as JSON Lines, streamed, up to export_max_rows rows."""
    return _export("jsonl")


@bp.route("/feed.atom")
def feed():
    """An Atom feed of the newest articles matching a search, to follow it."""
    params = _params().change(sort="newest")
    result = _search(params, page_size=FEED_SIZE, facet_limit=1)
    t = translator()
    title = (t.gettext("%(site)s — search: %(query)s", site=services().config.site_name,
                       query=params.q) if params.q else services().config.site_name)
    query = params.query_string()
    self_url = url_for("archive.feed", _external=True) + (f"?{query}" if query else "")
    page_url = url_for("archive.search_page", _external=True) + (f"?{query}" if query else "")
    built = generation().manifest.get("built_at")
    try:
        updated = dt.datetime.fromisoformat(built) if built else dt.datetime.now(dt.UTC)
    except ValueError:
        updated = dt.datetime.now(dt.UTC)
    if updated.tzinfo is None:
        updated = updated.replace(tzinfo=dt.UTC)
    body = feeds.atom_feed(title, self_url, self_url, page_url, result.hits, permalink,
                           updated, lang=t.locale)
    return Response(body, mimetype=feeds.ATOM_TYPE)


@bp.route("/opensearch.xml")
def opensearch():
    """The OpenSearch description: lets a browser add the archive as a search engine."""
    config = services().config
    base = url_for("archive.home", _external=True).rstrip("/")
    body = feeds.opensearch_description(
        config.site_name, translator().gettext("Search the press archive"),
        f"{base}/search?q={{searchTerms}}", f"{base}/feed.atom?q={{searchTerms}}",
        f"{base}/api/search?q={{searchTerms}}", lang=translator().locale)
    return Response(body, mimetype=feeds.OPENSEARCH_TYPE)


@bp.route("/healthz")
def healthz():
    """The serving generation and its article count; 503 and the reason when it cannot serve.

    Its files are checked on every call (sizes and sampled blocks, a few ms) and hashed once a
    minute; damage found makes every page answer 503 until a reindex replaces the generation.
    """
    s = services()
    try:
        gen = s.current.check(deep=True)
    except IndexUnavailable as exc:
        log.warning("index unavailable: %s", exc.message)
        # For operators, but public: the reason without where the folders are.
        reason = exc.message.replace(str(s.config.index_dir), "index/").replace(
            str(s.config.data_dir), "data/")
        return jsonify(error=_user_message(exc, 503), status=503, reason=reason), 503
    return jsonify(status="ok", generation=gen.name, articles=gen.manifest.get("articles"))


@bp.app_context_processor
def _template_context() -> dict:
    t = translator()
    limits = services().config.limits
    return {
        "t": t, "page_max": limits.page_max, "export_max": limits.export_max_rows,
        "sorts": (("relevance", t.gettext("relevance")), ("newest", t.gettext("newest first")),
                  ("oldest", t.gettext("oldest first"))),
        "facet_names": {"section": t.gettext("Section"), "author": t.gettext("Author"),
                        "organisation": t.gettext("Organisation"), "year": t.gettext("Year")},
        "facet_titles": {"section": t.gettext("Sections"), "author": t.gettext("Authors"),
                         "organisation": t.gettext("Organisations"), "year": t.gettext("Years")},
        "browse_endpoints": {f: f"archive.browse_{f}" for f in BROWSE},
    }


@bp.app_template_filter("date")
def _date_filter(value: str | None) -> str:
    return translator().date(value)


@bp.app_template_filter("number")
def _number_filter(value: int) -> str:
    return translator().number(value)


@bp.app_template_filter("snippet")
def _snippet_filter(value: str) -> Markup:
    # The search module escapes everything but its own <mark> tags: the one trusted HTML.
    return Markup(value)


@bp.app_template_global()
def search_url(params: SearchParams, endpoint: str = "archive.search_page", **extra: str) -> str:
    """A relative link to a search (or an export or feed of it) with these parameters."""
    query = params.query_string(**extra)
    return url_for(endpoint) + (f"?{query}" if query else "")


@bp.app_template_global()
def lang_url(locale: str) -> str:
    """This very page in another language: same path and parameters, `lang` replaced."""
    items = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    # A path such as //other.site must not become a link off the site, nor /<TAB>/other.site
    # (browsers drop tabs and newlines from links): what follows the slash is percent-encoded.
    path = "/" + quote(request.path.lstrip("/\\"), safe="/")
    return path + "?" + urlencode(items + [("lang", locale)])
