"""The web front end: `create_app(config)` and its one blueprint of thin views.

Each request takes the serving generation once (CURRENT is read per request, so a reindex or a
rollback is seen at the next request) and keeps it to the end; a searcher opened for the
request is closed on teardown. Pages need no JavaScript; every handled error renders one page
in the user's language, and every response carries the security headers.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote, urlencode

from flask import (
    Flask,
    Response,
    current_app,
    g,
    request,
    session,
    url_for,
)
from flask import Request as FlaskRequest
from markupsafe import Markup, escape
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from ..allocator import keep_freed_memory
from ..config import Config, load_config
from ..errors import QueryError, RateLimited, RequestTooLarge
from ..facets import registry
from ..indexing.serving import CurrentGeneration
from ..resources import templates_dir
from ..search.querylang import quoted_whole
from ..textnorm import strip_controls
from . import (  # noqa: F401 - imported for their routes and handlers
    citations,
    errorpages,
    i18n,
    pagecache,
    researchpages,
    views,
    workspace,
)
from .context import (
    Services,
    bp,
    client_address,
    generation,
    jinja_gettext,
    jinja_ngettext,
    services,
    template_gettext,
    translator,
)
from .i18n import Translator
from .localized import SUFFIX, localized_endpoint, page_url
from .names import slug
from .params import SearchParams
from .ratelimit import RateLimiter

STATIC = Path(__file__).resolve().parent / "static"
QUERY_SAFE = "".join(chr(c) for c in range(33, 127))  # printable ASCII stays as it came
MAX_QUERY_BYTES = 16_384  # of URL parameters: every real search needs far fewer
STATIC_MAX_AGE = 24 * 3600
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


def create_app(config: Config | None = None) -> Flask:
    """The Flask application for one archive (configuration from archive.yaml by default).

    A request naming a Host outside `trusted_hosts` (host names, `.example.org` for its
    subdomains, `name:port` for one port; any case) gets 400, so no absolute link (permalink,
    feed, redirect) can point elsewhere. With none configured, only `localhost` and the
    address the server binds to (`allow_address`) are answered: closed by default.
    """
    config = config or load_config()
    keep_freed_memory()  # a search's temporaries serve the next one (see allocator.py)
    app = Flask(__name__, template_folder=str(templates_dir()), static_folder=str(STATIC))
    # Our own check (in _start) replaces Werkzeug's, which is case-sensitive, ignores ports and
    # lets every host through when the list is empty.
    app.config["TRUSTED_HOSTS"] = None
    app.config["ARCHIVE_HOSTS"] = [h.lower() for h in config.trusted_hosts]
    app.config["ARCHIVE_BOUND"] = []
    # Bodies past this are refused however they come (chunked ones when read).
    app.config["MAX_CONTENT_LENGTH"] = config.limits.request_max_body_bytes
    if config.trusted_proxies:
        # Only behind that many proxies of ours: their X-Forwarded-For names the client.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxies,
                                x_proto=config.trusted_proxies)
    app.request_class = ArchiveRequest
    app.extensions["archive"] = Services(
        config, CurrentGeneration(config.index_dir), i18n.load_translations(),
        RateLimiter(config.limits.rate_limit_per_minute))
    # ARCHIVE_PAGE_CACHE_BYTES=0 turns the page cache off (benchmarks of the uncached pages)
    app.extensions["archive_pages"] = pagecache.PageCache(
        int(os.environ.get("ARCHIVE_PAGE_CACHE_BYTES", pagecache.CACHE_BYTES)))
    # The stylesheet's URL carries a hash of its content, so browsers may keep it for a day.
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = STATIC_MAX_AGE
    css_version = hashlib.sha256((STATIC / "style.css").read_bytes()).hexdigest()[:10]
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(jinja_gettext, jinja_ngettext, newstyle=True)
    # `_()` and `gettext()` without Jinja's wrapper around the catalog (one call, not three)
    app.jinja_env.globals.update({"gettext": template_gettext, "_": template_gettext})
    browse_pages = {f.name: f.browse_path for f in registry() if f.browse_path is not None}
    app.jinja_env.globals.update(site_name=config.site_name, browse_pages=browse_pages,
                                 web_url=citations.web_url, css_version=css_version,
                                 page_url=page_url, slug=slug)
    app.jinja_env.filters["newspaper"] = researchpages.newspaper_filter
    app.jinja_env.globals.update(trend_series=researchpages.trend_series,
                                 search_as_query=researchpages.search_as_query)
    app.register_blueprint(bp)
    workspace.init_app(app, config)
    return app


def allow_address(app: Flask, host: str, port: int) -> None:
    """Answer requests naming the address the server binds to (`archive serve --host --port`),
    as well as localhost, when no `trusted_hosts` are configured."""
    shown = f"[{host}]" if ":" in host else host
    app.config["ARCHIVE_BOUND"].append(f"{shown}:{port}".lower())


def host_allowed(host: str, trusted: list[str], bound: list[str]) -> bool:
    """Whether a Host header (`name` or `name:port`, any case) is one the site answers to."""
    host = host.strip().lower().rstrip(".")
    name, _, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
    if not name:
        name, port = host, ""
    if not trusted:
        return name == "localhost" or host in bound
    for entry in trusted:
        entry_name, _, entry_port = entry.partition(":")
        if entry_port and entry_port != port:
            continue
        if entry_name.startswith("."):
            if name.endswith(entry_name) or name == entry_name[1:]:
                return True
        elif name == entry_name:
            return True
    return False


class ArchiveRequest(FlaskRequest):
    """A request whose query string always decodes: raw bytes that are not UTF-8 (browsers
    percent-encode, hostile clients need not) are percent-encoded instead of failing later."""

    def __init__(self, environ: dict, *args: object, **kwargs: object) -> None:
        super().__init__(environ, *args, **kwargs)
        try:
            self.query_string.decode()
        except UnicodeDecodeError:
            self.query_string = quote(self.query_string, safe=QUERY_SAFE).encode("ascii")


# --- request life -------------------------------------------------------------------------------


@bp.before_app_request
def _start() -> Response | None:
    s = services()
    g.t = Translator(i18n.choose_locale(request.args.get("lang"), request.cookies.get(i18n.COOKIE),
                                        s.config.default_language), s.catalogs)
    app_config = current_app.config
    if not host_allowed(request.headers.get("Host", ""), app_config["ARCHIVE_HOSTS"],
                        app_config["ARCHIVE_BOUND"]):
        raise SecurityError(f"untrusted host {request.headers.get('Host', '')[:100]!r}")
    limits = s.config.limits
    # The public site takes no body; workspace forms and uploads take larger ones.
    body_limit = workspace.auth.request_body_limit(current_app, s.config)
    if body_limit != limits.request_max_body_bytes:
        request.max_content_length = body_limit  # a chunked body is cut there when read
        request.max_form_memory_size = body_limit
    if (request.content_length or 0) > body_limit:
        raise RequestTooLarge("request_body_too_large", size=request.content_length,
                              limit=body_limit)
    if len(request.query_string) > MAX_QUERY_BYTES:
        raise QueryError("request_too_long", size=len(request.query_string),
                         limit=MAX_QUERY_BYTES)
    # Every filter of every page, those of pages yet to come included: what one request may
    # ask for bounds what one answer may hold (each value is a chip and a facet entry whose
    # links repeat the whole query).
    # counted as the parser reads them: the same value twice is one filter
    counts = {f.name: len({v.strip() for v in request.args.getlist(f.param) if v.strip()})
              for f in registry()}
    for facet, count in counts.items():  # one filter too long is the more precise advice
        if count > limits.filter_values_max:
            raise QueryError("too_many_filter_values", count=count, facet=facet,
                             limit=limits.filter_values_max)
    count = sum(counts.values())
    if count > limits.request_filter_values_max:
        raise QueryError("too_many_filter_values_total", count=count,
                         limit=limits.request_filter_values_max)
    if request.endpoint in ("static", "archive.healthz"):
        return
    if request.blueprint == "workspace" and session.get("user"):
        # A signed session (its account checked next, by the workspace): archivists behind
        # one newsroom address, a job page reloading every 2 s, are not the public's budget.
        return
    allowed, retry_after = s.limiter.allow(client_address())
    if not allowed:
        g.retry_after = retry_after
        raise RateLimited(g.t.gettext("Too many requests: please wait a minute and try again."))
    if request.method in ("GET", "HEAD") and pagecache.cacheable(request.endpoint):
        return pagecache.answer(pagecache.page_cache(), generation().name, g.t.locale, s.config)
    return None


@bp.after_app_request
def _finish(response: Response) -> Response:
    pagecache.keep(pagecache.page_cache(), response)  # before the headers every answer gets
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
    g.pop("generation", None)


@bp.app_context_processor
def _template_context() -> dict:
    t = translator()
    limits = services().config.limits
    facets = registry()
    return {
        "t": t, "page_max": limits.page_max, "export_max": limits.export_max_rows,
        "sorts": (("relevance", t.gettext("relevance")), ("newest", t.gettext("newest first")),
                  ("oldest", t.gettext("oldest first"))),
        # the facets in the order people see them; templates loop over these
        "facet_specs": facets.shown(),
        "year_facet": facets.year.name if facets.year is not None else None,
        "facet_names": {f.name: t.gettext(f.label) for f in facets},
        "facet_titles": {f.name: t.gettext(f.label_plural) for f in facets},
        "browse_endpoints": {f.name: localized_endpoint(f"archive.browse_{f.name}")
                             for f in facets if f.browse_path is not None},
    }


@bp.app_template_filter("date")
def _date_filter(value: str | None, estimated: bool = False) -> str:
    return translator().date(value, estimated)


@bp.app_template_filter("visible")
def _visible_filter(value: str | None) -> str:
    # An index built before import stripped them may still hold bidi or zero-width controls.
    return strip_controls(value or "")


@bp.app_template_test("quoted")
def _quoted_test(value: str) -> bool:
    return quoted_whole(value)


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
    # a results page links a hundred times to the same few paths: built once per request
    paths = g.setdefault("endpoint_paths", {})
    path = paths.get(endpoint)
    if path is None:
        path = paths[endpoint] = url_for(endpoint)
    return path + (f"?{query}" if query else "")


def _year_urls(params: SearchParams, facet: str, histogram: list[tuple[int, int]]
               ) -> dict[int, str]:
    """Each histogram bar's link (the search narrowed to its year), by year: its bar and its
    table row share it, and the years' links differ in the year only."""
    years = [year for year, _count in histogram]
    path = search_url(params, "archive.search_page").partition("?")[0]
    found = params.query_strings(lambda value: params.only(facet, value), map(str, years))
    return {year: f"{path}?{query}" for year, query in zip(years, found, strict=True)}


class HistogramBar(NamedTuple):
    """One year of a results page's histogram, with its link and labels."""

    year: int
    count: int
    number: str  # the count, written in the page's language
    link: str
    label: Markup  # "2019: 1 234 articles"
    title: Markup  # "2019: 1 234"
    x: int
    y: str
    height: str
    selected: bool


@bp.app_template_global()
def histogram_bars(params: SearchParams, facet: str, histogram: list[tuple[int, int]]
                   ) -> list[HistogramBar]:
    """The histogram's bars, as the template wrote them: its three translations and five filters
    a bar, through Jinja's call machinery, cost a results page about a tenth of its CPU."""
    t = translator()
    links = _year_urls(params, facet, histogram)
    top = max((count for _year, count in histogram), default=0)
    selected = params.selected.get(facet, ())
    # The catalog's messages are trusted markup and a year needs no escaping: formatted as
    # strings, with only the number escaped, they are what Markup's own `%` gives (which
    # escapes each value through a helper object: two thirds of this function's time).
    pair = t.catalog.gettext("%(label)s: %(value)s")
    bars = []
    for k, (year, count) in enumerate(histogram):
        h = (50 * count / top) if top else 0
        number = t.number(count)
        shown = escape(number)
        articles = t.catalog.ngettext("%(num)s article", "%(num)s articles", count) \
            % {"num": shown}
        bars.append(HistogramBar(year, count, number, links[year],
                                 Markup(pair % {"label": year, "value": articles}),
                                 Markup(pair % {"label": year, "value": shown}), k * 10,
                                 f"{58 - h:.1f}", f"{h + 2:.1f}", str(year) in selected))
    return bars


@bp.app_template_global()
def facet_urls(params: SearchParams, facet: str, counts: list) -> list[str]:
    """Each listed value's link (the value ticked, or unticked when it is ticked), in order:
    the links of the values not ticked differ in that value only."""
    path = search_url(params, "archive.search_page").partition("?")[0]
    unticked = iter(params.query_strings(lambda value: params.toggled(facet, value),
                                         [c.value for c in counts if not c.selected]))
    return [search_url(params.toggled(facet, c.value)) if c.selected else f"{path}?{next(unticked)}"
            for c in counts]


@bp.app_template_global()
def lang_url(locale: str) -> str:
    """This very page in another language: same path and parameters, `lang` replaced; a page
    with a path in each language (/aide and /help, /tendances and /trends) links to its twin."""
    items = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    twin = localized_endpoint((request.endpoint or "").removesuffix(SUFFIX["en"]), locale)
    if request.endpoint and twin != request.endpoint and twin.removesuffix(SUFFIX["en"]) == \
            request.endpoint.removesuffix(SUFFIX["en"]):
        return url_for(twin, **(request.view_args or {})) + "?" + urlencode(
            items + [("lang", locale)])
    # A path such as //other.site must not become a link off the site, nor /<TAB>/other.site
    # (browsers drop tabs and newlines from links): what follows the slash is percent-encoded.
    path = "/" + quote(request.path.lstrip("/\\"), safe="/")
    return path + "?" + urlencode(items + [("lang", locale)])


@bp.app_template_global()
def help_url() -> str:
    """The search help in the page's language."""
    return page_url("archive.help")
