"""The site's pages and machine-readable answers: thin views over the library."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Response,
    g,
    jsonify,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from ..errors import IndexUnavailable, NotFound, QueryError
from ..facets import registry
from ..indexing.jobs import data_file_problems
from ..models import ID_RE, Article
from ..personnames import index_form
from ..personnames import initial as surname_initial
from ..personnames import sort_key as surname_key
from ..search import records
from ..search.request import FacetCount, Hit, SearchResult
from ..search.run import facet_values, related, related_kept, search, stored_article
from ..search.stats import year_spans
from ..textnorm import fold
from . import citations, exports, feeds, pagecache, queryhelp, spreadsheet
from . import params as searchparams
from .context import bp, client_address, generation, log, services, translator
from .errorpages import user_message
from .filenames import content_disposition, export_names
from .i18n import Translator
from .localized import SUFFIX, route
from .names import authority as authority_file
from .names import newspaper_name, value_labels
from .params import SearchParams
from .researchpages import org_query

LATEST = 6
FEED_SIZE = 20
BROWSE_ALL_MAX = 400  # longer lists are shown one letter at a time
BACK_MAX = 2_000  # characters of a `back=` link to the results an article came from
LETTERS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + ("#",)


# --- helpers for views ----------------------------------------------------------------------------


def _params() -> SearchParams:
    """This request's search parameters, checked (400 with a message when wrong)."""
    params = searchparams.parse(request.args, services().config.limits)
    g.params = params
    return params


def _search(params: SearchParams, respell: bool = True, **kwargs: object) -> SearchResult:
    result = search(generation(), params.request(**kwargs), services().config, respell=respell)
    if result.partial:  # another try may find more: not kept as the page of this search
        pagecache.uncacheable()
    return result


def _related(article_id: str) -> list:
    """The article's related articles; a list cut short by the time limit is not kept."""
    config = services().config
    found = related(generation(), article_id, config, snippets=False)  # titles are listed
    if not related_kept(generation(), article_id, config):
        pagecache.uncacheable()
    return found


def permalink(article_id: str) -> str:
    """The article's absolute address on this site."""
    return url_for("archive.article", article_id=article_id, _external=True)


def _stored_article(article_id: str) -> Article:
    """The article as the serving generation stored it (the index is the published state)."""
    if not ID_RE.match(article_id):
        raise NotFound(translator().gettext("There is no article at this address."))
    found = stored_article(generation(), article_id, services().config)
    if found is None:
        raise NotFound(translator().gettext("There is no article at this address."))
    return found


def _cited(item: Article) -> Article:
    """The article as citations name it: its newspaper under the newspaper facet's name."""
    return item.replace(publisher=newspaper_name(item.publisher))


def _named(hits: Iterable[Hit]) -> Iterator[Hit]:
    """Hits with their newspaper's name, as the facet shows it: a researcher's pivot table
    groups `www.tdg.ch` and `Tribune de Genève` as the site does."""
    return (dataclasses.replace(hit, newspaper=newspaper_name(hit.publisher)) for hit in hits)


def _histogram(result: SearchResult) -> list[tuple[int, int]]:
    """Hits per year with empty years filled in, so that the bars sit on a regular axis."""
    if not result.histogram:
        return []
    counts = dict(result.histogram)
    first, last = min(counts), max(counts)
    return [(year, counts.get(year, 0)) for year in range(first, last + 1)]


def axis_labels(years: list[int]) -> list[tuple[int, bool]]:
    """Which years of a histogram get a label: all of up to 7 years, else every 2nd (up to
    14), 5th (up to 35), 10th (up to 70) or 20th round year, so that labels never crowd the
    filters' column (16rem: a label and its gap take 37 px) nor a phone's width."""
    span = len(years)
    step = next((s for s, most in ((1, 7), (2, 14), (5, 35), (10, 70), (20, 140)) if span <= most),
                50)
    return [(year, step == 1 or year % step == 0) for year in years]


def back_link(value: str | None) -> str | None:
    """The results an article was opened from (`back=`), when it is a search of this site:
    a relative /search path and query, nothing that could lead elsewhere; else None."""
    if not value or len(value) > BACK_MAX or any(c.isspace() or ord(c) < 32 or c == "\\"
                                                 for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.fragment or value.startswith("//"):
        return None
    return value if parts.path == url_for("archive.search_page") else None


def _facet_json(values: list[FacetCount]) -> list[dict]:
    return [{"value": v.value, "count": v.count, "selected": v.selected} for v in values]


# --- pages ----------------------------------------------------------------------------------------


@bp.route("/")
def home():
    """Search box, size and span of the archive, browse entries, latest articles."""
    latest = _search(SearchParams(sort="newest"), respell=False, page_size=LATEST)
    years = [year for year, _count in latest.histogram]
    return render_template("home.html", result=latest, first=min(years, default=None),
                           last=max(years, default=None), params=SearchParams())


@bp.route("/search")
def search_page():
    """Results with snippets, facets, active filters, histogram, sort and pagination."""
    params = _shown_filters(_params())
    result = _search(params)
    histogram = _histogram(result)
    return render_template("search.html", params=params, result=result, histogram=histogram,
                           axis=axis_labels([year for year, _count in histogram]),
                           lineage=_lineage(params))


def _lineage(params: SearchParams) -> tuple[str, ...]:
    """The predecessors and successors of the organisations the search filters on, for the
    link that includes them (`lineage=1`)."""
    authority = authority_file()
    if authority is None:
        return ()
    selected = [v for f in registry() if f.authority for v in params.selected.get(f.name, ())]
    found = [n for v in selected for n in authority.lineage(v)[1:]]
    return tuple(n for n in dict.fromkeys(found) if n not in selected)


def _shown_filters(params: SearchParams) -> SearchParams:
    """A section filter in any spelling (`section=societe`, an article's `SOCIÉTÉ`) under the
    one its facet shows, so that its chip and its ticked value are one and untick together."""
    facets, store = registry(), generation().facets
    shown = tuple((f, tuple(dict.fromkeys(store.shown(f, v) for v in values))
                   if f in facets.names() and facets[f].folded else values)
                  for f, values in params.filters)
    return params if shown == params.filters else params.change(filters=shown,
                                                                page=params.page)


@route("/aide", "/help", "help")
def help_page():
    """How to write a search: every operator and prefix, with examples that run as shown.
    The path says the language (/aide in French, /help in English), as a link shared says."""
    locale = "en" if request.endpoint.endswith(SUFFIX["en"]) else "fr"
    g.t = Translator(locale, services().catalogs)
    # chosen once per generation (in any language, whatever the query string): 23 searches,
    # 0.8 s of CPU at a million articles. (Not `Generation.derived`, whose lock the searches
    # take again.)
    serving = generation().path
    topics = _HELP_TOPICS.get(serving)
    if topics is None:
        topics = _help_topics()
        _HELP_TOPICS.clear()  # the generation before is no longer served
        _HELP_TOPICS[serving] = topics
    return render_template("help.html", topics=topics, params=SearchParams())


_HELP_TOPICS: dict[Path, list] = {}  # the serving generation's help examples, per worker


def _help_topics() -> list[tuple[str, list[queryhelp.Example]]]:
    """The help's topics and examples, each in words this archive holds."""
    prefixes = {p for f in registry() for p in f.prefixes}
    counts: dict[str, int] = {}

    def found(query: str) -> int:
        if query not in counts:
            try:
                counts[query] = _search(SearchParams(q=query), respell=False, page_size=1,
                                        facet_limit=1).total
            except QueryError:
                counts[query] = 0
        return counts[query]

    values = _help_values()
    return [(topic.title, [queryhelp.shown(e, found, values) for e in topic.examples
                           if e.needs_prefix is None or e.needs_prefix in prefixes])
            for topic in queryhelp.TOPICS]


def _help_values() -> dict[str, str]:
    """What the help's examples may name in this archive: each facet's most frequent value as
    a query writes it (`UNTM`, `"Aminata Traoré"`), its latest year and two years before."""
    everything = _search(SearchParams(), respell=False, page_size=1)
    values = {}
    for facet, counts in everything.facets.items():
        if not counts or '"' in counts[0].value:
            continue  # (a name holding quotes cannot be typed between them)
        value = counts[0].value
        if registry()[facet].authority:
            values[facet] = org_query(value).removeprefix("org:")
        else:
            values[facet] = value if value.isalnum() else f'"{value}"'
    years = [year for year, count in everything.histogram if count]
    if years:
        values["year"], values["earlier"] = str(max(years)), str(max(years) - 2)
    return values


@bp.route("/article/<article_id>")
def article(article_id: str):
    """One article in full, with links to matching searches, related articles and citations."""
    item = _stored_article(article_id)
    config = services().config
    link = permalink(item.id)
    return render_template(
        "article.html", article=item, permalink=link, params=SearchParams(),
        back=back_link(request.args.get("back")),
        related=_related(item.id),
        citation=_citation(_cited(item), link, config.site_name))


def _citation(item: Article, link: str, site_name: str) -> str:
    """The citation in the page's language: French press style (HTML, the newspaper in
    italics), or Chicago style in English."""
    if translator().locale == "en":
        return citations.english_citation(item, link, site_name)
    return citations.french_citation(item, link, site_name, markup=True)


@bp.route("/article/<article_id>.ris")
def article_ris(article_id: str):
    """The article's citation as an RIS file."""
    item = _stored_article(article_id)
    text = citations.ris(_cited(item), permalink(item.id), services().config.site_name)
    return _download(text, "application/x-research-info-systems", f"{item.id}.ris")


@bp.route("/article/<article_id>.bib")
def article_bibtex(article_id: str):
    """The article's citation as a BibTeX file."""
    item = _stored_article(article_id)
    text = citations.bibtex(_cited(item), permalink(item.id), services().config.site_name)
    return _download(text, "application/x-bibtex", f"{item.id}.bib")


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    if mimetype.startswith(("text/", "application/x-")):
        response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    response.headers["Content-Disposition"] = content_disposition(filename)
    return response


def browse(facet: str):
    """Every value of one facet with its count; A–Z navigation and a filter box for long lists."""
    params = _params()
    contains = request.args.get("filter", "").strip()[:100]
    letter = request.args.get("letter", "").strip().upper()[:1]
    values = facet_values(generation(), params.request(), facet, services().config,
                          contains=contains)
    order = registry()[facet].order
    alphabetical = order != "numeric"
    letter_of = surname_initial if order == "surname" else _letter_of
    if not alphabetical:  # numbers, the largest (the newest year) first
        values = sorted(values, key=lambda v: (len(v.value), v.value), reverse=True)
    elif order == "surname":  # "Traoré, A." next to "Traoré, Aminata": two values, side by side
        values = sorted(values, key=lambda v: (letter_of(v.value), surname_key(v.value)))
    else:
        values = sorted(values, key=lambda v: (_letter_of(v.value), v.value.casefold()))
    present = {letter_of(v.value) for v in values}
    if alphabetical and not letter and not contains and len(values) > BROWSE_ALL_MAX:
        letter = next((x for x in LETTERS if x in present), "")
    shown = [v for v in values if letter_of(v.value) == letter] if letter else values
    spec = registry()[facet]
    spans = year_spans(generation(), facet, services().config) if spec.kind == "names" else {}
    labels = value_labels(spec, [v.value for v in shown])
    if order == "surname":
        labels = {v.value: index_form(v.value) for v in shown}
    return render_template("browse.html", facet=facet, params=params, values=shown,
                           total_values=len(values), letters=LETTERS, present=present,
                           letter=letter, contains=contains, alphabetical=alphabetical,
                           spans=spans, labels=labels, org_pages=spec.authority)


def _letter_of(value: str) -> str:
    first = fold(value[:1]).upper()
    return first if "A" <= first <= "Z" else "#"


@bp.record
def _browse_pages(state) -> None:
    """A browse page per facet that has one, added as each app is made (from the registry then
    in force): `archive.browse_<facet>` at its declared path."""
    for facet in registry():
        if facet.browse_path is not None:
            state.add_url_rule(facet.browse_path, f"browse_{facet.name}", browse,
                               defaults={"facet": facet.name})
            for locale, path in facet.browse_paths:  # `/newspapers` beside `/journaux`
                state.add_url_rule(path, f"browse_{facet.name}_{locale}", browse,
                                   defaults={"facet": facet.name})


# --- machine-readable -----------------------------------------------------------------------------


@bp.route("/api/search")
def api_search():
    """The same search as /search, as JSON: hits, facets, histogram, paging (`page_size` up
    to `page_size_max`; `pages` counts the pages a script may ask for, at most `page_max`)."""
    params = _params()
    raw = request.args.get("page_size")
    if raw is not None and not raw.strip().isdigit():
        raise QueryError("page_size_not_whole")
    result = _search(params, page_size=int(raw) if raw is not None else None)
    page_max = services().config.limits.page_max
    return jsonify(
        query=params.q, total=result.total, page=result.page,
        pages=min(result.pages, page_max), page_max=page_max, page_size=result.page_size,
        sort=result.sort, partial=result.partial, estimated=result.estimated,
        suggestion=result.suggestion, elapsed_ms=result.elapsed_ms,
        hits=[records.record(h, records.API_HIT, permalink(h.id)) for h in _named(result.hits)],
        facets={name: _facet_json(values) for name, values in result.facets.items()},
        histogram=[{"year": y, "count": c} for y, c in result.histogram])


@bp.route("/api/article/<article_id>")
def api_article(article_id: str):
    """One article as JSON, with its permalink and related article ids."""
    item = _stored_article(article_id)
    return jsonify(
        **records.record(item, records.API_ARTICLE, permalink(item.id)),
        related=[h.id for h in _related(item.id)])


def _export(kind: str) -> Response:
    params = _params()
    config = services().config
    started = exports.start_export(generation(), params.request(), config)
    # An export of 10,000 rows does the work of 100 API pages of 100 (1.6 to 4.6 s of CPU at a
    # million articles): it counts as those pages against the client's budget.
    services().limiter.charge(client_address(),
                              exports.pages_of(started.rows, config.limits.page_size_max) - 1)
    hits = _named(started.hits)
    if kind == "xlsx":  # a zip file: written whole, at most export_max_rows rows
        response = Response(spreadsheet.workbook_bytes(hits, permalink),
                            mimetype=spreadsheet.MIMETYPE)
    else:
        lines = exports.csv_lines if kind == "csv" else exports.jsonl_lines
        mimetype = "text/csv" if kind == "csv" else "application/x-ndjson"
        # The generation is passed in: the stream keeps it even if CURRENT moves meanwhile.
        body = stream_with_context(lines(hits, permalink))
        response = Response(body, mimetype=mimetype)
        response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    response.headers["Content-Disposition"] = content_disposition(*export_names(params, kind))
    response.headers["X-Total-Count"] = str(started.total)
    response.headers["X-Export-Rows"] = str(started.rows)
    response.headers["X-Export-Truncated"] = "true" if started.truncated else "false"
    return response


@bp.route("/export.csv")
def export_csv():
    """The whole result set as CSV, streamed, up to export_max_rows rows."""
    return _export("csv")


@bp.route("/export.xlsx")
def export_xlsx():
    """The whole result set as an Excel workbook (typed cells), up to export_max_rows rows."""
    return _export("xlsx")


@bp.route("/export.jsonl")
def export_jsonl():
    """The whole result set as JSON Lines, streamed, up to export_max_rows rows."""
    return _export("jsonl")


@bp.route("/feed.atom")
def feed():
    """An Atom feed of the newest articles matching a search, to follow it."""
    params = _params().change(sort="newest")
    result = _search(params, respell=False, page_size=FEED_SIZE, facet_limit=1)
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
                           updated, lang=t.locale,
                           estimated_label=t.gettext("date estimated from the text"))
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

    Its files' sizes and sampled blocks are checked (a few ms, once a second at most) and the
    next slice of its bytes hashed (see `CurrentGeneration.check`); damage found makes every
    page answer 503 until a reindex replaces the generation.
    """
    s = services()
    try:
        gen = s.current.check(scrub=True)
    except IndexUnavailable as exc:
        log.warning("index unavailable: %s", exc.message)
        # For operators, but public: the reason without where the folders are.
        reason = exc.message.replace(str(s.config.index_dir), "index/").replace(
            str(s.config.data_dir), "data/")
        return jsonify(error=user_message(exc, 503), status=503, reason=reason), 503
    # an archivist's slip in the organisations or publishers file: the site serves their last
    # good version, and says so to whoever watches it
    warnings = [f"{Path(name).name}: invalid, its last good version serves ({reason})"
                for name, reason in data_file_problems(s.config)]
    for warning in warnings:
        log.warning("%s", warning)
    return jsonify(status="ok", generation=gen.name, articles=gen.manifest.get("articles"),
                   **({"warnings": warnings} if warnings else {}))
