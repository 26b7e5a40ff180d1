"""The site's pages and machine-readable answers: thin views over the library."""

from __future__ import annotations

import datetime as dt

from flask import (
    Response,
    g,
    jsonify,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from ..errors import IndexUnavailable, NotFound
from ..facets import registry
from ..indexing.schema import find_article
from ..models import ID_RE, Article
from ..search import records
from ..search.request import FacetCount, SearchResult
from ..search.run import facet_values, related, search
from ..textnorm import fold
from . import citations, exports, feeds
from . import params as searchparams
from .context import bp, generation, log, request_searcher, services, translator
from .errorpages import user_message
from .params import SearchParams

LATEST = 6
FEED_SIZE = 20
BROWSE_ALL_MAX = 400  # longer lists are shown one letter at a time
LETTERS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + ("#",)


# --- helpers for views ----------------------------------------------------------------------------


def _params() -> SearchParams:
    """This request's search parameters, checked (400 with a message when wrong)."""
    params = searchparams.parse(request.args, services().config.limits)
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
    params = _shown_filters(_params())
    result = _search(params)
    return render_template("search.html", params=params, result=result,
                           histogram=_histogram(result), lineage=_lineage(params))


def _lineage(params: SearchParams) -> tuple[str, ...]:
    """The predecessors and successors of the organisations the search filters on, for the
    link that includes them (`lineage=1`)."""
    from ..organisations import authority_at

    authority = authority_at(services().config.authority_file)
    if authority is None:
        return ()
    selected = [v for f in registry() if f.authority for v in params.selected.get(f.name, ())]
    names = [n for v in selected for n in authority.lineage(v)[1:]]
    return tuple(n for n in dict.fromkeys(names) if n not in selected)


def _shown_filters(params: SearchParams) -> SearchParams:
    """A section filter in any spelling (`section=societe`, an article's `SOCIÉTÉ`) under the
    one its facet shows, so that its chip and its ticked value are one and untick together."""
    facets, store = registry(), generation().facets
    shown = tuple((f, tuple(dict.fromkeys(store.shown(f, v) for v in values))
                   if f in facets.names() and facets[f].folded else values)
                  for f, values in params.filters)
    return params if shown == params.filters else params.change(filters=shown,
                                                                page=params.page)


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
    alphabetical = registry()[facet].order == "alphabetical"
    if not alphabetical:  # numbers, the largest (the newest year) first
        values = sorted(values, key=lambda v: (len(v.value), v.value), reverse=True)
    else:
        values = sorted(values, key=lambda v: (_letter_of(v.value), v.value.casefold()))
    present = {_letter_of(v.value) for v in values}
    if alphabetical and not letter and not contains and len(values) > BROWSE_ALL_MAX:
        letter = next((x for x in LETTERS if x in present), "")
    shown = [v for v in values if _letter_of(v.value) == letter] if letter else values
    return render_template("browse.html", facet=facet, params=params, values=shown,
                           total_values=len(values), letters=LETTERS, present=present,
                           letter=letter, contains=contains, alphabetical=alphabetical)


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


# --- machine-readable -----------------------------------------------------------------------------


@bp.route("/api/search")
def api_search():
    """The same search as /search, as JSON: hits, facets, histogram, paging."""
    params = _params()
    result = _search(params)
    return jsonify(
        query=params.q, total=result.total, page=result.page, pages=result.pages,
        page_size=result.page_size, sort=result.sort, partial=result.partial,
        estimated=result.estimated,
        suggestion=result.suggestion, elapsed_ms=result.elapsed_ms,
        hits=[records.record(h, records.API_HIT, permalink(h.id)) for h in result.hits],
        facets={name: _facet_json(values) for name, values in result.facets.items()},
        histogram=[{"year": y, "count": c} for y, c in result.histogram])


@bp.route("/api/article/<article_id>")
def api_article(article_id: str):
    """One article as JSON, with its permalink and related article ids."""
    item = _stored_article(article_id)
    return jsonify(
        **records.record(item, records.API_ARTICLE, permalink(item.id)),
        related=[h.id for h in related(generation(), item.id, services().config)])


def _export(kind: str) -> Response:
    params = _params()
    started = exports.start_export(generation(), params.request(), services().config)
    lines = exports.csv_lines if kind == "csv" else exports.jsonl_lines
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
        return jsonify(error=user_message(exc, 503), status=503, reason=reason), 503
    return jsonify(status="ok", generation=gen.name, articles=gen.manifest.get("articles"))
