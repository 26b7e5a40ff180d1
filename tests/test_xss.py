"""Cross-site scripting and open redirects, against the real app over a real index.

Stored: hostile articles are imported through the normal importers (a JSON Lines export, a
scraped .txt page, article files naming an organisation of the authority file), indexed by the
real indexer, then every page, snippet, feed, export and API answer is read back: the payloads
come out as text (escaped) or not at all. Reflected: every parameter of every route gets the
payloads. HTML is parsed with the standard library, not searched for substrings only.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from archive import articlefile
from archive.config import load_config
from archive.indexing.jobs import reindex
from archive.ingest import import_paths
from archive.models import Article
from archive.web import create_app
from archive.web.app import SECURITY_HEADERS

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
DATA_URL = "data:text/html,<script>alert(1)</script>"
TEMPLATE = "{{7*7}} {% raw %}"
PAYLOADS = (SCRIPT, IMG, JS_URL, DATA_URL, TEMPLATE)
HOSTILE_ORG = f"Collectif {SCRIPT} des {IMG} {{{{7*7}}}}"
SITE_NAME = f"Archives {SCRIPT}"
# Every tag the templates write; anything else in a page came from data.
TEMPLATE_TAGS = {
    "html", "head", "meta", "title", "link", "body", "a", "header", "div", "nav", "form", "label",
    "input", "button", "main", "footer", "ul", "li", "h1", "h2", "h3", "p", "ol", "time", "span",
    "mark", "section", "article", "aside", "fieldset", "legend", "strong", "svg", "rect",
    "figure", "figcaption", "details", "summary", "table", "thead", "tbody", "tr", "th", "td",
    # the newspaper's title in a citation; an organisation's entry; the trend chart; help
    "cite", "code", "i", "dl", "dt", "dd", "g", "desc", "line", "polyline", "polygon", "circle",
    "text",
    # the workspace's forms, diffs, reports and progress bar
    "textarea", "select", "option", "pre", "progress", "caption",
}
URL_ATTRS = ("href", "src", "action", "formaction", "xlink:href", "poster", "data")


class PageAudit(HTMLParser):
    """Tags, attributes, links and snippet markup of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.snippet_tags: list[str] = []
        self._in_snippet = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if self._in_snippet:
            self.snippet_tags.append(tag)
            if tag == "p":
                self._in_snippet += 1
        elif tag == "p" and attributes.get("class") == "snippet":
            self._in_snippet = 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self._in_snippet and tag == "p":
            self._in_snippet -= 1

    def handle_endtag(self, tag):
        if self._in_snippet and tag == "p":
            self._in_snippet -= 1

    def handle_data(self, data):
        self.text.append(data)


def audit_html(html: str, where: str) -> PageAudit:
    """Parse a page and assert that no markup, handler or script link came from data."""
    audit = PageAudit()
    audit.feed(html)
    audit.close()
    for tag, attributes in audit.tags:
        assert tag in TEMPLATE_TAGS, (where, tag, attributes)
        for name, value in attributes.items():
            assert not name.startswith("on"), (where, tag, name, value)
            assert name.isascii() and re.fullmatch(r"[a-z][a-z0-9:-]*", name), (where, tag, name)
            if name in URL_ATTRS and value is not None:
                assert_safe_link(value, where, tag, attributes)
    assert set(audit.snippet_tags) <= {"mark"}, (where, audit.snippet_tags)
    text = "".join(audit.text)
    for rendered in ("Piège 49", "des 49", "Rubrique 49"):
        assert rendered not in text, (where, rendered)
    # Markup arrives as text only: the raw payload never reaches the parser as a tag.
    assert "<script" not in html.lower() and "<img" not in html.lower(), where
    return audit


def assert_safe_link(value: str, where: str, tag: str, attributes: dict) -> None:
    """A link stays on the site or goes to an http(s) page; `data:,` is the empty favicon."""
    cleaned = re.sub(r"[\x00-\x20]", "", value).lower()
    if tag == "link" and attributes.get("rel") == "icon":
        assert value == "data:,", (where, value)
        return
    assert not cleaned.startswith(("javascript:", "data:", "vbscript:")), (where, tag, value)
    assert not cleaned.startswith(("//", "/\\", "\\")), (where, tag, value)
    scheme = urlsplit(cleaned).scheme
    assert scheme in ("", "http", "https"), (where, tag, value)


# --- the hostile archive, imported and indexed for real -------------------------------------


def _export_records() -> list[dict]:
    body = (f"Les enseignants en grève à Bamako réclament leurs primes. {SCRIPT} "
            f"L'école reste fermée {IMG} et le syndicat prévient : {JS_URL} {DATA_URL} "
            f"{TEMPLATE} </mark><mark>faux</mark> &lt;b&gt; fin de la grève.")
    return [
        {"id": "x1", "title": f"Piège {{{{7*7}}}} grève {SCRIPT}", "body": body,
         "section": f"Rubrique {{{{7*7}}}} {IMG}", "author": [f"Awa {IMG}", f"{SCRIPT} Sy"],
         "date": "2021-03-04", "url": 'https://journal.example/a?x="><script>alert(2)</script>',
         "publisher": f"Le Journal {SCRIPT}"},
        {"id": "x2", "title": f"Grève des écoles {IMG}", "body": body + " Deuxième texte.",
         "date": "2021-03-05", "url": "https://journal.example/b", "section": SCRIPT},
        {"id": "x3", "title": "Lien javascript", "body": "Un texte sur la grève, encore.",
         "url": JS_URL},
        {"id": "x4", "title": "Lien data", "body": "Un autre texte sur la grève, toujours.",
         "url": DATA_URL},
    ]


SCRAPED_PAGE = f"""Flash Infos
Accueil / Société / Grève {{{{7*7}}}} à Kayes &lt;i&gt;
Grève {SCRIPT} des enseignants à Kayes {{% raw %}}
Par {IMG} Moussa
Les enseignants de Kayes sont en grève depuis lundi {SCRIPT} pour leurs primes.
Le syndicat dit que l'école restera fermée {IMG} jusqu'à nouvel ordre {{{{7*7}}}}.
Essayez à nouveau
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """An archive holding hostile articles imported through the normal importers."""
    root = tmp_path_factory.mktemp("xss")
    data, inbox = root / "data", root / "inbox"
    (data / "articles").mkdir(parents=True)
    inbox.mkdir()
    authority = (ROOT / "data" / "organisations.yaml").read_text(encoding="utf-8")
    entry = (f"- name: {json.dumps(HOSTILE_ORG)}\n  kind: ngo\n  country: ML\n")
    (data / "organisations.yaml").write_text(authority + "\n" + entry, encoding="utf-8")
    (root / "archive.yaml").write_text(
        f"site_name: {json.dumps(SITE_NAME)}\ndata_dir: data\nindex_dir: index\n"
        "limits:\n  rate_limit_per_minute: 1000000\n", encoding="utf-8")
    config = load_config(root / "archive.yaml")
    (inbox / "export.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in _export_records()) + "\n",
        encoding="utf-8")
    (inbox / "page.txt").write_text(SCRAPED_PAGE, encoding="utf-8")
    known = Article(id="organisation-piegee", title="Le collectif piégé se met en grève",
                    body="Le collectif annonce une grève générale.", date="2022-01-02",
                    organisations=(HOSTILE_ORG,))
    unknown = Article(id="organisation-inconnue", title="Une organisation inconnue",
                      body="Texte sans importance sur la grève.", date="2022-01-03",
                      organisations=(SCRIPT,))
    for article in (known, unknown):
        (inbox / f"{article.id}{articlefile.SUFFIX}").write_text(articlefile.render(article),
                                                                encoding="utf-8")
    report = import_paths([inbox], config)
    reindex(config, full=True)
    return config, report


@pytest.fixture(scope="module")
def client(hostile):
    return create_app(hostile[0]).test_client()


@pytest.fixture(scope="module")
def stored(client):
    """Every stored article as the API gives it (raw data, for the other pages to show)."""
    ids = [h["id"] for h in client.get("/api/search?page_size=100&sort=newest")
           .get_json()["hits"]]
    pages = client.get("/api/search?sort=newest&page=2").get_json()
    assert pages["pages"] <= 2
    ids += [h["id"] for h in pages["hits"]]
    return {i: client.get(f"/api/article/{i}").get_json() for i in dict.fromkeys(ids)}


def test_the_payloads_went_through_the_importers_as_data(hostile, stored):
    _config, report = hostile
    reasons = dict(report.rejected)
    assert any("url must start with http" in r for r in reasons.values())  # javascript:, data:
    unknown = [r for s, r in report.rejected if "organisation-inconnue" in s]
    assert unknown and "not in the authority file" in unknown[0]
    assert report.imported == 4, report.render()  # two exports, the page, the known org
    texts = json.dumps(list(stored.values()), ensure_ascii=False)
    for payload in (SCRIPT, IMG, "{{7*7}}", "{% raw %}", JS_URL, "data:text/html"):
        assert payload in texts, payload  # kept verbatim in the data, escaped at the edge
    fields = {name: [a[name] for a in stored.values()] for name in
              ("title", "section", "authors", "organisations", "url", "publisher", "body")}
    for name, values in fields.items():
        assert any("<script" in json.dumps(v) or "onerror" in json.dumps(v)
                   for v in values), name
    assert [HOSTILE_ORG] in fields["organisations"]
    assert not any(a["url"] and not a["url"].startswith("https://") for a in stored.values())


def _pages(stored: dict) -> list[str]:
    ids = list(stored)
    org = quote(HOSTILE_ORG)
    section = quote(next(a["section"] for a in stored.values() if a["section"]
                         and "<" in a["section"]))
    author = quote(next(n for a in stored.values() for n in a["authors"] if "<" in n))
    urls = ["/", "/search?q=grève", "/search?q=script", "/search?q=alert", "/search?q=img",
            "/search?q=mark", "/search?q=javascript", "/search?q=7", "/search?q=raw",
            "/search?q=grève&sort=newest&page=2", f"/search?organisation={org}",
            f"/search?section={section}", f"/search?author={author}",
            f"/search?q=grève&section={section}&author={author}&organisation={org}",
            "/organisations", "/authors", "/sections", "/years", f"/authors?filter={author}",
            "/organisations?letter=C", "/sections?letter=%23", "/organisations?q=grève",
            "/search?q=grevve", "/nowhere", "/search?page=0"]
    urls += [f"/article/{i}" for i in ids] + [f"/article/{i}?lang=en" for i in ids[:2]]
    return urls


def test_every_html_page_shows_the_payloads_as_text(client, stored):
    shown = 0
    for url in _pages(stored):
        response = client.get(url)
        assert response.status_code in (200, 400, 404), url
        assert response.mimetype == "text/html", url
        audit = audit_html(response.get_data(as_text=True), url)
        text = "".join(audit.text)
        shown += SCRIPT in text or IMG in text
    assert shown > 10  # the payloads were on the pages, as text


def test_the_article_page_keeps_the_text_and_its_link_safe(client, stored):
    piege = next(i for i, a in stored.items() if a["title"].startswith("Piège"))
    html = client.get(f"/article/{piege}").get_data(as_text=True)
    audit = audit_html(html, piege)
    text = "".join(audit.text)
    assert "Piège {{7*7}} grève <script>alert(1)</script>" in text
    assert "{% raw %}" in text and HOSTILE_ORG not in text
    links = [a.get("href") for tag, a in audit.tags if tag == "a"]
    original = [h for h in links if h and h.startswith("https://journal.example")]
    assert original == ['https://journal.example/a?x="><script>alert(2)</script>']  # one value
    org_page = next(i for i, a in stored.items() if a["organisations"])
    org_text = "".join(audit_html(client.get(f"/article/{org_page}").get_data(as_text=True),
                                  org_page).text)
    assert HOSTILE_ORG in org_text


def test_snippets_hold_only_the_highlight_tag(client):
    for query in ("grève", "script alert", "img onerror", "mark faux", "école", '"7 7"'):
        html = client.get(f"/search?q={quote(query)}").get_data(as_text=True)
        audit = audit_html(html, query)
        assert audit.snippet_tags.count("mark") >= 1, query
        for hit in client.get(f"/api/search?q={quote(query)}").get_json()["hits"]:
            snippet = PageAudit()
            snippet.feed(hit["snippet_html"])
            assert {tag for tag, _ in snippet.tags} <= {"mark"}, hit["snippet_html"]
            assert not any(attrs for _, attrs in snippet.tags), hit["snippet_html"]


def test_feeds_are_well_formed_xml_with_text_only(client):
    ns = {"a": "http://www.w3.org/2005/Atom"}
    for url in ("/feed.atom", "/feed.atom?q=grève", "/feed.atom?q=script",
                f"/feed.atom?organisation={quote(HOSTILE_ORG)}"):
        response = client.get(url)
        assert response.mimetype == "application/atom+xml"
        assert b"<script" not in response.data and b"<img" not in response.data
        feed = ET.fromstring(response.data)
        for element in feed.iter():
            assert element.tag.startswith("{http://www.w3.org/2005/Atom}"), element.tag
            assert element.get("type") in (None, "text", "text/html", "application/atom+xml")
            href = element.get("href")
            if href:
                assert href.startswith("http://localhost/"), href
        entries = feed.findall("a:entry", ns)
        if url == "/feed.atom?q=script":
            assert entries and any(SCRIPT in (e.findtext("a:title", namespaces=ns) or "")
                                   for e in entries)
    description = client.get("/opensearch.xml")
    assert b"<script" not in description.data
    root = ET.fromstring(description.data)
    assert all(u.get("template").startswith("http://localhost/") for u in root
               if u.get("template"))


def test_exports_citations_and_api_are_never_html(client, stored):
    downloads = ["/export.csv?q=grève", "/export.jsonl?q=grève", "/api/search?q=script",
                 "/export.csv", "/export.jsonl"]
    for article_id in stored:
        downloads += [f"/article/{article_id}.ris", f"/article/{article_id}.bib",
                      f"/api/article/{article_id}"]
    for url in downloads:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype in ("text/csv", "application/x-ndjson", "application/json",
                                     "application/x-research-info-systems",
                                     "application/x-bibtex"), (url, response.mimetype)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        if not url.startswith("/api/"):
            assert response.headers["Content-Disposition"].startswith("attachment;"), url
        text = response.get_data(as_text=True)
        if url.endswith((".ris", ".bib")):
            assert JS_URL not in text, url  # a link field never holds a script address
    rows = list(csv.DictReader(io.StringIO(client.get("/export.csv?q=grève")
                                           .get_data(as_text=True))))
    assert rows and all("<mark>" not in r["snippet"] for r in rows)  # plain text there
    assert any(SCRIPT in r["title"] for r in rows)  # as data, in a text/csv attachment


def test_bibtex_and_ris_cannot_be_broken_out_of(client, stored):
    for article_id, _article in stored.items():
        bib = client.get(f"/article/{article_id}.bib").get_data(as_text=True)
        depth = 0
        for previous, char in zip(" " + bib, bib, strict=False):
            if previous == "\\":
                continue
            depth += {"{": 1, "}": -1}.get(char, 0)
            assert depth >= 0, article_id
        assert depth == 0, article_id
        assert bib.count("\n@") == 0 and bib.startswith("@")
        ris = client.get(f"/article/{article_id}.ris").get_data(as_text=True)
        tags = re.findall(r"^([A-Z][A-Z0-9])  - ", ris, re.M)
        assert tags[0] == "TY" and tags[-1] == "ER" and tags.count("ER") == 1, article_id
        urls = re.findall(r"^UR  - (.*)\r$", ris, re.M)
        assert all(u.startswith(("http://", "https://")) for u in urls), urls


# --- reflected: every parameter of every route -------------------------------------------------

REFLECTED = (SCRIPT, IMG, "'><svg/onload=alert(1)>", JS_URL, DATA_URL, TEMPLATE,
             '" autofocus onfocus="alert(1)', "</title><script>alert(1)</script>",
             "%3Cscript%3Ealert(1)%3C/script%3E", "\u0000<script>", "<!--", "]]><x>")
PARAMS = ("q", "section", "author", "organisation", "year", "from", "to", "sort", "page",
          "lang", "filter", "letter", "x")
HTML_ROUTES = ("/", "/search", "/organisations", "/authors", "/sections", "/years",
               "/article/{id}", "/nowhere")
OTHER_ROUTES = ("/api/search", "/api/article/{id}", "/export.csv", "/export.jsonl",
                "/feed.atom", "/opensearch.xml", "/healthz", "/article/{id}.ris",
                "/article/{id}.bib")


@pytest.mark.parametrize("route", HTML_ROUTES + OTHER_ROUTES)
def test_reflected_payloads_in_every_parameter(client, stored, route):
    path = route.format(id=next(iter(stored)))
    for name in PARAMS:
        for payload in REFLECTED:
            url = f"{path}?{name}={quote(payload, safe='')}&q=grève"
            response = client.get(url)
            assert response.status_code in (200, 400, 404), (url, response.status_code)
            for header, value in SECURITY_HEADERS.items():
                assert response.headers[header] == value, url
            body = response.get_data(as_text=True)
            if response.mimetype == "text/html":
                audit_html(body, url)
            elif response.mimetype.endswith("xml"):
                assert "<script" not in body and "<svg" not in body, url
                ET.fromstring(response.data)
            else:
                assert response.mimetype != "text/html"
            location = response.headers.get("Location")
            assert location is None or location.startswith("/"), (url, location)


def test_payloads_in_the_path_are_escaped(client):
    for path in ("/%3Cscript%3Ealert(1)%3C/script%3E", "/article/%22%3E%3Cimg%20src=x%3E",
                 "/api/article/%3Cscript%3E", "/%7B%7B7*7%7D%7D"):
        response = client.get(path)
        assert response.status_code == 404
        if response.mimetype == "text/html":
            audit_html(response.get_data(as_text=True), path)
        else:
            assert response.is_json


# --- open redirects -----------------------------------------------------------------------------

OFF_SITE = ("//evil.example", "https://evil.example", "/\\evil.example", "\\\\evil.example",
            JS_URL, "/%09/evil.example", "/%2F/evil.example", "http:evil.example",
            "/%5C%5Cevil.example", "%0a//evil.example")


def _switches(html: str) -> list[str]:
    return [a.get("href") for tag, a in _tags(html) if tag == "a" and a.get("hreflang")]


def _tags(html: str):
    audit = PageAudit()
    audit.feed(html)
    return audit.tags


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_never_leads_off_site(client, target):
    for path, query in ((f"/{target}", ""), ("/", f"lang={quote(target, safe='')}"),
                        (target, "lang=en"), (f"/search/{target}", "q=x"),
                        (f"/static//{target}", ""), (f"/static/{target}", "lang=en"),
                        ("/search", f"q=gr%C3%A8ve&lang={quote(target, safe='')}&next={target}")):
        url = f"{path}?{query}"
        # PATH_INFO as a server passes it: the test client would read //x as a host name.
        response = client.get("/", environ_overrides={
            "PATH_INFO": unquote(path if path.startswith("/") else "/" + path),
            "QUERY_STRING": query})
        assert response.status_code in (200, 308, 400, 404), (url, response.status_code)
        location = response.headers.get("Location")
        assert location is None or location.startswith("http://localhost/"), (url, location)
        if response.mimetype == "text/html":
            for href in _switches(response.get_data(as_text=True)):
                assert_safe_link(href, url, "a", {})
                cleaned = re.sub(r"[\x00-\x20]", "", href)  # browsers drop tabs and newlines
                assert cleaned.startswith("/") and not cleaned.startswith(("//", "/\\")), href


def test_unknown_hosts_are_refused_when_trusted_hosts_are_set(hostile):
    config = dataclasses.replace(hostile[0], trusted_hosts=("archive.example", "localhost"))
    app = create_app(config)
    client = app.test_client()
    assert client.get("/", headers={"Host": "archive.example"}).status_code == 200
    for host in ("evil.example", "archive.example.evil.example", "localhost@evil.example"):
        response = client.get("/search?q=grève", headers={"Host": host})
        assert response.status_code == 400, host
        body = response.get_data(as_text=True)
        assert "evil.example" not in body and "Traceback" not in body
        for header, value in SECURITY_HEADERS.items():
            assert response.headers[header] == value
    # Closed by default: with no trusted_hosts, only localhost (in any case) is answered.
    default_app = create_app(hostile[0]).test_client()
    assert default_app.get("/", headers={"Host": "anything.example"}).status_code == 400
    assert default_app.get("/", headers={"Host": "LOCALHOST:8000"}).status_code == 200


def test_the_site_name_from_the_configuration_is_escaped_too(client):
    html = client.get("/").get_data(as_text=True)
    audit = audit_html(html, "/")
    assert SITE_NAME in "".join(audit.text)


# --- stored through the workspace: every field an archivist types -------------------------------


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """An archive whose hostile values were typed into the workspace by a signed-in archivist:
    an article's form (title, section, author, organisation, url, newspaper), its text, an
    approved organisation candidate, an upload; then reindexed from the workspace."""
    from archive import accounts
    from archive.indexing import jobruns
    from tests.test_workspace import FILE, PASSWORD, form_of, post, sign_in
    from tests.webarchive import build_archive

    config = build_archive(tmp_path_factory.mktemp("ws-xss"), rate_limit_per_minute=1000000)
    accounts.add_user(config, "awa", "archivist", PASSWORD)
    client = create_app(config).test_client()
    sign_in(client)
    # An organisation the articles define, approved under a hostile name and kind.
    defining = Article(id="definit-une-organisation", date="2019-07-08",
                       title="Une fédération se présente",
                       body="La Fédération malienne des pirates (FEMAPI) a tenu congrès.",
                       new_organisations=("Fédération malienne des pirates (FEMAPI)",))
    articlefile.write(config.articles_dir, defining)
    post(client, "/atelier/organisations/FEMAPI",
         {"action": "approve", "name": HOSTILE_ORG, "kind": "ngo", "country": "ML"},
         page="/atelier/organisations")
    page = f"/atelier/fiche/{FILE}"
    values = form_of(client) | {
        "title": f"Piège {{{{7*7}}}} {SCRIPT}", "section": f"Rubrique {{{{7*7}}}} {IMG}",
        "author": f"Awa {IMG}\n{SCRIPT} Sy", "organisations": HOSTILE_ORG,
        "url": 'https://journal.example/a?x="><script>alert(2)</script>',
        "publisher": f"Le Journal {SCRIPT}"}
    saved = post(client, page, values | {"action": "save"}, page=page)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    rel = f"2019/{FILE.split('/')[1]}"
    text = (config.articles_dir / rel).read_text(encoding="utf-8")
    digest = __import__("hashlib").sha256(text.encode()).hexdigest()
    post(client, f"/atelier/texte/{rel}",
         {"text": text + f"\n{SCRIPT} {IMG} {TEMPLATE} </pre><pre>\n", "digest": digest,
          "action": "save"}, page=f"/atelier/texte/{rel}")
    upload = post(client, "/atelier/import",
                  {"files": (io.BytesIO(json.dumps(_export_records()[0]).encode()),
                             f"{SCRIPT}<img src=x onerror=alert(1)>.jsonl")},
                  page="/atelier/import", content_type="multipart/form-data")
    assert upload.status_code == 302, upload.get_data(as_text=True)[-1500:]
    started = post(client, "/atelier/reindexer", {}, page="/atelier")
    run_id = started.location.rsplit("/", 1)[1]
    jobruns.wait(config, run_id)
    return config, client, rel, upload.location, run_id


def test_values_typed_in_the_workspace_are_escaped_on_public_and_workspace_pages(workspace):
    config, client, rel, upload, run_id = workspace
    article = articlefile.read(config.articles_dir / rel)
    assert SCRIPT in article.title and SCRIPT in article.body and HOSTILE_ORG in \
        article.organisations  # stored verbatim: escaped at the edge
    urls = ["/", "/search?q=piège", f"/article/{article.id}", "/organisations",
            "/atelier", f"/atelier/fiche/{rel}", f"/atelier/texte/{rel}",
            "/atelier/organisations", upload, f"/atelier/travaux/{run_id}", "/atelier/import"]
    shown = 0
    for url in urls:
        assert isinstance(url, str), (url, urls)
        response = client.get(url)
        assert response.status_code == 200, url
        found = audit_html(response.get_data(as_text=True), url)
        shown += SCRIPT in "".join(found.text) or IMG in "".join(found.text)
    assert shown >= 6


def test_the_preview_and_the_refusal_of_a_workspace_edit_show_the_values_as_text(workspace):
    from tests.test_workspace import form_of, post

    config, client, rel, _upload, _run = workspace
    page = f"/atelier/fiche/{rel}"
    values = form_of(client, rel) | {"title": f"Titre {SCRIPT} {IMG}",
                                     "section": f"{TEMPLATE} </pre>{SCRIPT}"}
    preview = post(client, page, values | {"action": "preview"}, page=page)
    refused = post(client, page, values | {"action": "save", "digest": "0" * 64}, page=page)
    errors = post(client, page, values | {"action": "preview", "date": SCRIPT}, page=page)
    for name, answer, status in (("preview", preview, 200), ("conflict", refused, 409),
                                 ("errors", errors, 422)):
        assert answer.status_code == status, name
        found = audit_html(answer.get_data(as_text=True), name)
        assert SCRIPT in "".join(found.text), name
