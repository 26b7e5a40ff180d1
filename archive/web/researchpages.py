"""Pages for researchers and the public beyond a search: an organisation's page, trends of up
to four organisations or queries (chart, table, CSV), and the About page (newspapers held,
articles per newspaper and year, where the data comes from, how to cite the archive)."""

from __future__ import annotations

import datetime as dt

from babel import Locale
from flask import Response, render_template, request

from ..dates import format_date
from ..errors import NotFound
from ..facets import N_, registry
from ..publishers import publishers_at
from ..search import querylang
from ..search.request import SearchRequest
from ..search.run import facet_values
from ..search.stats import MAX_SERIES, organisation_profile, per_year, trend, year_spans
from . import exports, trendchart
from .context import bp, generation, services, translator
from .filenames import content_disposition, export_names
from .localized import page_url, route
from .names import authority, newspaper_name, organisation_by_slug
from .params import SearchParams, parse_estimated

LATEST = 5
MEASURES = ("share", "count")
KINDS = {
    "union": N_("trade union"), "party": N_("political party"), "ministry": N_("ministry"),
    "state": N_("state institution"), "court": N_("court"), "military": N_("armed forces"),
    "armed_group": N_("armed group"), "regional": N_("regional organisation"),
    "international": N_("international organisation"), "ngo": N_("NGO"),
    "press": N_("press"), "company": N_("company"), "bank": N_("bank"),
    "employer": N_("employers' organisation"), "religious": N_("religious organisation"),
    "coalition": N_("coalition, movement"), "sport": N_("sport body"),
    "university": N_("university"),
}


def country_name(code: str | None) -> str:
    """A country code as its name in the visitor's language ("ML" → "Mali")."""
    t = translator()
    if not code:
        return ""
    if code == "international":
        return t.gettext("international")
    return Locale.parse(t.locale).territories.get(code, code)


def org_query(name: str) -> str:
    """The query-language form of one organisation: `org:UNTM`, or its name in quotes."""
    found = authority()
    entry = found.entry(name) if found is not None else None
    if entry is not None and entry.name == name and entry.acronym and \
            found.canonical(entry.acronym) == name:
        return f"org:{entry.acronym}"
    return f'org:"{name}"'


def trend_series(values) -> list[str]:
    """Template global: the series of a trend of the first organisations of a facet list."""
    return [org_query(v.value) for v in values[:MAX_SERIES]]


def search_as_query(params: SearchParams) -> str:
    """Template global: a search (words and filters) as one query of the query language, for
    its trend: `grève journal:"L’Essor" (org:UNTM OU org:SNEC)`, `org:UNTM org:SNEC` when
    every organisation ticked is required (`all=`)."""
    facets = registry()
    parts = [f"({params.q})" if params.q and params.filters else params.q]
    for name, values in params.filters:
        facet = facets[name]
        if facet.authority:
            terms = [org_query(v) for v in values]
        else:
            prefix = facet.prefixes[0] if facet.prefixes else None
            if prefix is None:
                continue
            terms = [f"{prefix}:{v}" if facet.kind == "year"
                     else f'{prefix}:"{v.replace(chr(34), " ")}"' for v in values]
        if len(terms) == 1 or params.all_required(name):
            parts += terms
        else:
            parts.append("(" + " OU ".join(terms) + ")")
    return " ".join(p for p in parts if p)


# --- an organisation's page ---------------------------------------------------------------------


@bp.route("/organisation/<slug>")
def organisation(slug: str):
    """One organisation: its authority entry, mentions, newspapers, co-mentions, trend."""
    name = organisation_by_slug(slug)
    if name is None:
        raise NotFound(translator().gettext("There is no organisation at this address."))
    found = authority()
    entry = found.entry(name) if found is not None else None
    if entry is not None and entry.name != name:
        entry = None
    config = services().config
    profile = organisation_profile(generation(), name, config, latest=LATEST)
    facet = next(f.name for f in registry() if f.authority)
    return render_template(
        "organisation.html", name=name, entry=entry, profile=profile, facet=facet,
        kind=translator().gettext(KINDS[entry.kind]) if entry and entry.kind in KINDS else "",
        country=country_name(entry.country) if entry else "", params=SearchParams(),
        chart=trendchart.chart(profile.trend, "share"), series=[org_query(name)],
        org_query=org_query, history=_history(found, entry))


def _history(found, entry) -> dict[str, object]:
    """An authority entry's dates of validity and the entries before and after it."""
    if entry is None:
        return {}
    return {"valid_from": entry.valid_from, "valid_until": entry.valid_until,
            "predecessors": found.predecessors_of(entry.name),
            "successors": found.successors_of(entry.name),
            "lineage": len(found.lineage(entry.name)) > 1}


# --- trends ---------------------------------------------------------------------------------------


def _asked() -> tuple[list[str], str]:
    series = [s.strip() for s in request.args.getlist("s") if s.strip()]
    measure = request.args.get("measure", "share")
    return list(dict.fromkeys(series)), measure if measure in MEASURES else "share"


def _trend(series: list[str]):
    limits = services().config.limits
    for text in series:  # refused queries get the error page, worded from their code
        querylang.parse_query(text, limits)
    estimated = parse_estimated(request.args)
    return trend(generation(), [(s, SearchRequest(query=s, estimated=estimated))
                                for s in series], services().config)


@route("/tendances", "/trends", "trends")
def trends():
    """Articles per year of up to four organisations or queries: chart, table, CSV."""
    series, measure = _asked()
    if len(series) > MAX_SERIES:
        message = translator().gettext(
            "A trend compares at most %(max)s organisations or queries; you asked for "
            "%(count)s. Remove some and try again.", max=MAX_SERIES, count=len(series))
        return render_template("trends.html", series=series[:MAX_SERIES], message=message,
                               result=None, chart=None, measure=measure,
                               max_series=MAX_SERIES, params=SearchParams()), 400
    result = _trend(series) if series else None
    return render_template("trends.html", series=series, message=None, result=result,
                           chart=trendchart.chart(result, measure) if result else None,
                           measure=measure, max_series=MAX_SERIES, params=SearchParams())


@route("/tendances.csv", "/trends.csv", "trends_csv")
def trends_csv():
    """The figures of a trend as CSV: one row per year, articles and per 1,000 per series."""
    series, _measure = _asked()
    if not series or len(series) > MAX_SERIES:
        raise NotFound(translator().gettext(
            "Ask for one to %(max)s organisations or queries.", max=MAX_SERIES))
    result = _trend(series)
    rows = [["year", "all articles"] + [f"{kind}: {s.label}" for s in result.series
                                         for kind in ("articles", "per 1000")]]
    for i, year in enumerate(result.years):
        row = [year, result.totals[i]]
        for s in result.series:
            row += [s.counts[i], s.per_mille[i]]
        rows.append(row)
    response = Response(exports.csv_table(rows), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = content_disposition(
        *export_names(SearchParams(q=" ".join(["tendance", *series])), "csv"))
    return response


# --- about --------------------------------------------------------------------------------------


@route("/a-propos", "/about", "about")
def about():
    """The newspapers held, articles per newspaper and year, sources, how to cite."""
    config = services().config
    gen = generation()
    facet = "publisher"
    counts = sorted(((v.value, v.count) for v in facet_values(gen, SearchRequest(), facet,
                                                              config) if v.count),
                    key=lambda item: (-item[1], item[0].casefold()))
    spans = year_spans(gen, facet, config)
    table = per_year(gen, facet, config)
    years = sorted({y for row in table.values() for y in row})
    publishers = publishers_at(config.publishers_file, last_good=True)
    countries = {}
    for value, _n in counts:
        entry = publishers.find(value) if publishers is not None else None
        countries[value] = country_name(entry.country) if entry else ""
    total = gen.manifest.get("articles") or sum(c for _v, c in counts)
    built = str(gen.manifest.get("built_at") or "")[:10] or None
    today = dt.date.today().isoformat()
    # each citation in its own language, whatever the interface's
    today_fr, today_en = format_date(today, "fr"), format_date(today, "en")
    return render_template(
        "about.html", newspapers=counts, spans=spans, table=table, years=years,
        countries=countries, total=total, built=built, today_fr=today_fr, today_en=today_en,
        home=page_url("archive.home", _external=True), params=SearchParams(), facet=facet)


def newspaper_filter(value: str | None) -> str | None:
    """Template filter: a publisher as the newspaper facet names it."""
    return newspaper_name(value)
