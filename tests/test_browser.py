"""A person's visit in a real headless Chromium, JavaScript switched off, against the real app
served by waitress: search, tick filters, narrow by the histogram, read, switch language, export.

Needs Debian's `chromium` (/usr/bin/chromium) and Playwright's Python package; `playwright
install` cannot download browsers here, so the system browser is driven via executable_path.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from tests.webarchive import SNEC, UNTM, build_archive, served

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium package to run browser tests",
                allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright's Python package is missing: pip install -e .[test]")
expect = sync_api.expect


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The app over a tiny real index, served by waitress on a free port of 127.0.0.1."""
    from archive.web import create_app

    config = build_archive(tmp_path_factory.mktemp("archive"), page_size=3)
    with served(create_app(config)) as base:
        yield base


def new_page(browser, width: int, scripts: bool = False):
    """A tab of its own context at that width; `scripts` for axe-core (the site has none)."""
    context = browser.new_context(java_script_enabled=scripts, bypass_csp=scripts,
                                  viewport={"width": width, "height": 800}, locale="fr-FR")
    return context, context.new_page()


def fits(page, width: int) -> None:
    """The page does not scroll sideways at that width."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{page.url} scrolls sideways at {width}px ({wide}px wide)"


@pytest.fixture
def page(browser):
    context = browser.new_context(java_script_enabled=False, accept_downloads=True,
                                  viewport={"width": 1280, "height": 900}, locale="fr-FR")
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    yield tab
    context.close()
    assert not problems, f"console errors (CSP violations?): {problems}"


def summary(page):
    """The line saying how many articles answer: an `expect` waits for the page a click leads to."""
    return page.locator("p.summary")


def test_search_filter_narrow_read_switch_language_and_export(site, page):
    page.goto(site + "/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()

    # A French word with an elision, typed with the typographic apostrophe.
    page.get_by_label("Rechercher dans l’archive").fill("l’école")
    page.get_by_role("button", name="Rechercher").click()
    expect(summary(page)).to_have_text("4 articles pour «\u202fl’école\u202f»")
    expect(page.locator("mark").first).to_have_text(re.compile("école", re.IGNORECASE))

    filters = page.get_by_role("complementary", name="Filtres")
    filters.get_by_role("link", name=re.compile("^Union nationale")).click()
    expect(summary(page)).to_have_text("3 articles pour «\u202fl’école\u202f»")
    filters.get_by_role("link", name=re.compile("^Syndicat national")).click()
    filters.get_by_role("link", name=re.compile("^Société")).click()
    chips = page.get_by_role("list", name="Filtres actifs")
    expect(chips).to_contain_text(f"Organisation : {UNTM}")
    expect(chips).to_contain_text(f"Organisation : {SNEC}")
    expect(chips).to_contain_text("Rubrique : Société")
    expect(summary(page)).to_have_text("3 articles pour «\u202fl’école\u202f»")
    results_url = page.url

    # The histogram: one bar per year, each a link narrowing to that year.
    bar = page.locator("svg a[aria-label^='2019']")
    expect(bar).to_have_attribute("aria-label", "2019\u202f: 2 articles")
    bar.focus()  # the bars are links a keyboard reaches
    page.keyboard.press("Enter")
    expect(chips).to_contain_text("Année : 2019")
    expect(summary(page)).to_have_text("2 articles pour «\u202fl’école\u202f»")
    dates = page.locator("ol.hits time").all_inner_texts()
    assert dates and all(d.endswith("2019") for d in dates)

    # Open an article and read it.
    page.get_by_role("link", name="Grève des enseignants à Bamako").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grève des enseignants à Bamako")
    expect(page.locator("article.full p.meta time")).to_have_text("5 juillet 2019")
    expect(page.locator(".citation")).to_contain_text("KONÉ Aminata, «\u202fGrève des enseignants")

    # English and back: the page stays the same, the interface and dates change.
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("article.full p.meta time")).to_have_text("July 5, 2019")
    expect(page.get_by_role("heading", name="Cite this article")).to_be_visible()
    page.goto(results_url)  # the language is remembered on the next page
    expect(page.get_by_role("button", name="Search")).to_be_visible()
    page.get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(summary(page)).to_have_text("3 articles pour «\u202fl’école\u202f»")  # the switch kept the search

    # Take the results away as CSV.
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert len(rows) == 3
    assert all(UNTM in r["organisations"] or SNEC in r["organisations"] for r in rows)
    assert {r["section"] for r in rows} == {"Société"}


@pytest.mark.parametrize("width", [360, 1280])
def test_results_page_fits_the_screen_and_is_saved_as_a_screenshot(site, page, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(site + "/search?q=école")
    expect(summary(page)).to_have_text("4 articles pour «\u202fécole\u202f»")
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"the page scrolls sideways at {width}px ({overflow}px wide)"
    query = page.get_by_label("Rechercher dans l’archive")
    assert query.bounding_box()["width"] >= min(200, width * 0.5)
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"results-{width}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 5_000


# A source address of the corpus, and a body quoting one: on a phone, half the corpus's article
# pages scrolled sideways (19 of 40 with an address), and one snippet holding an address cut
# the results page's right edge.
LONG_URL = ("https://www.journaldemontreal.com/2018/12/01/france-les-gilets-jaunes-de-retour-au-"
            "cur-de-paris")


@pytest.fixture(scope="module")
def long_url_site(tmp_path_factory):
    from archive.models import Article
    from archive.web import create_app

    article = Article(id="une-semaine-apres-un-defile-7f448d2f", date="2019-03-23",
                      title="Une semaine après un défilé émaillé de violences", url=LONG_URL,
                      section="Monde", author=("Agence France-Presse",),
                      body=f"Les gilets jaunes sont appelés à manifester de nouveau ({LONG_URL}). "
                           "La préfecture a interdit les Champs-Élysées.")
    config = build_archive(tmp_path_factory.mktemp("longurl"), [article])
    with served(create_app(config)) as base:
        yield base


@pytest.mark.parametrize("path", ["/article/une-semaine-apres-un-defile-7f448d2f",
                                  "/article/une-semaine-apres-un-defile-7f448d2f?lang=en",
                                  "/search?q=manifester"])
def test_a_long_address_wraps_instead_of_widening_the_page_on_a_phone(long_url_site, browser,
                                                                      path):
    context, tab = new_page(browser, 360)
    try:
        tab.goto(long_url_site + path)
        fits(tab, 360)
    finally:
        context.close()


def test_on_a_phone_the_first_result_is_on_the_first_screen_and_the_years_after_them(site,
                                                                                     browser):
    """The chart of years, the sort and two filters above the results pushed the first one
    below a 360 × 740 screen; the years now head the filters, which follow the results."""
    context, tab = new_page(browser, 360)
    try:
        tab.set_viewport_size({"width": 360, "height": 740})
        tab.goto(site + f"/search?q=grève&section=Société&organisation={UNTM}")
        first = tab.locator("ol.hits li").first.bounding_box()
        assert first["y"] + 40 <= 740, first
        chart = tab.locator("figure.histo").bounding_box()
        assert chart["y"] > first["y"]
        fits(tab, 360)
    finally:
        context.close()


@pytest.fixture(scope="module")
def dated_site(tmp_path_factory):
    """An archive where some dates are estimated from the text (tests/test_estimated_dates.py)."""
    from archive.web import create_app
    from tests.test_estimated_dates import ARTICLES as DATED

    config = build_archive(tmp_path_factory.mktemp("dated"), DATED)
    with served(create_app(config)) as base:
        yield base


def test_unticking_estimated_dates_narrows_the_years_without_javascript(dated_site, page):
    page.goto(dated_site + "/search?lang=fr")
    box = page.get_by_label("dates estimées incluses")
    expect(box).to_be_checked()
    page.get_by_text("Articles par année, en tableau").click()
    years = page.locator(".histo tbody tr")
    expect(years).to_have_count(3)
    box.uncheck()
    page.get_by_role("button", name="Appliquer").click()
    expect(page).to_have_url(re.compile("estimated=0"))
    expect(page.get_by_label("dates estimées incluses")).not_to_be_checked()
    expect(page.get_by_role("link", name=re.compile("Dates estimées exclues"))).to_be_visible()
    page.get_by_text("Articles par année, en tableau").click()
    expect(years).to_have_count(2)
    page.get_by_label("dates estimées incluses").check()
    page.get_by_role("button", name="Appliquer").click()
    expect(page.get_by_label("dates estimées incluses")).to_be_checked()
    page.get_by_text("Articles par année, en tableau").click()
    expect(years).to_have_count(3)


# --- accessibility: axe-core on every kind of page, at a phone's and a desktop's width -----------

AXE_PAGES = {
    "home": "/",
    "results": "/search?q=école&organisation=" + UNTM + "&organisation=" + SNEC,
    "results-all": "/search?organisation=" + UNTM + "&organisation=" + SNEC
                   + "&all=organisation",
    "article": "/article/greve-des-enseignants-a-bamako",
    "help": "/aide",
    "no-results": "/search?q=enseignnants&section=Culture",
    "organisation": "/organisation/union-nationale-des-travailleurs-du-mali",
    "trends": "/tendances?s=UNTM&s=org:CEDEAO&s=grève",
    "newspapers": "/journaux",
    "about": "/a-propos",
}


@pytest.fixture
def scripted_page(browser):
    """A tab that runs axe-core: scripts on and the CSP bypassed (the site has no script)."""
    context = browser.new_context(java_script_enabled=True, bypass_csp=True,
                                  viewport={"width": 1280, "height": 900}, locale="fr-FR")
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("name", list(AXE_PAGES))
def test_axe_finds_no_violation_and_each_page_is_saved_as_a_screenshot(site, scripted_page,
                                                                      name, width):
    from tests.axe import describe, violations

    scripted_page.set_viewport_size({"width": width, "height": 800})
    scripted_page.goto(site + AXE_PAGES[name])
    found = violations(scripted_page)
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"{name}-{width}.png"
    scripted_page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 5_000
    assert found == [], describe(found)


# --- the histogram's year labels at a phone's width -----------------------------------------------

# A real sentence of the shared corpus (Le Devoir), one article a year.
SENTENCE = ("Le Parlement français a définitivement adopté mercredi un projet de loi sur la "
            "moralisation de la vie politique.")


@pytest.fixture(scope="module", params=[(1983, 2022), (1961, 2022)], ids=["40-years", "62-years"])
def long_site(request, tmp_path_factory):
    """An archive with one article a year over a long span: the crowded histograms."""
    from archive.models import Article
    from archive.web import create_app

    first, last = request.param
    articles = [Article(id=f"loi-{year}", title=f"Moralisation de la vie politique, {year}",
                        body=SENTENCE, section="Politique", date=f"{year}-06-15")
                for year in range(first, last + 1)]
    config = build_archive(tmp_path_factory.mktemp("years"), articles)
    with served(create_app(config)) as base:
        yield base


@pytest.mark.parametrize("width", [360, 1280])
def test_histogram_year_labels_fit_without_overlap(long_site, page, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(long_site + "/search?q=moralisation")
    labels = page.locator(".axis .y")
    years = [int(y) for y in labels.all_inner_texts()]
    assert len(years) >= 4 and all(y % 5 == 0 for y in years)
    boxes = [labels.nth(i).bounding_box() for i in range(len(years))]
    for left, right in zip(boxes, boxes[1:], strict=False):
        assert left["x"] + left["width"] + 4 <= right["x"], (years, boxes)  # a gap between
    assert boxes[0]["x"] >= 0 and boxes[-1]["x"] + boxes[-1]["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for year, box in zip(years, boxes, strict=True):  # each label stands under its own bar
        bar = page.locator(f"svg a[href$='year={year}'] rect.b").bounding_box()
        assert abs(bar["x"] + bar["width"] / 2 - (box["x"] + box["width"] / 2)) < 3, year
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("figure.histo").screenshot(path=str(ARTIFACTS / f"histogram-{len(years)}-"
                                                                f"labels-{width}.png"))

# --- newspapers, About, an organisation's page, trends --------------------------------------------

RESEARCH_PAGES = [
    ("newspapers", "/journaux", "Journaux", False),
    ("about", "/a-propos", "À propos de l’archive", False),
    ("organisation", "/organisation/union-nationale-des-travailleurs-du-mali",
     f"{UNTM} (UNTM)", True),
    ("trends", "/tendances?s=UNTM&s=org:CEDEAO&s=grève", "Tendances", True),
]


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("name, path, heading, chart", RESEARCH_PAGES,
                         ids=[p[0] for p in RESEARCH_PAGES])
def test_research_pages_fit_the_screen_draw_their_chart_and_are_saved(site, page, width, name,
                                                                     path, heading, chart):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(site + path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"{path} scrolls sideways at {width}px ({overflow}px wide)"
    if chart:
        svg = page.locator("figure.trend svg[role='img']")
        expect(svg).to_be_visible()
        title = svg.locator("title").first.text_content()
        assert title.startswith("Articles par an")
        assert svg.get_attribute("aria-labelledby") == "trend-title trend-desc"
        box = svg.bounding_box()
        assert 0 < box["width"] <= width and box["height"] > 100
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"{name}-{width}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 5_000


def test_a_trend_is_drawn_from_the_form_without_javascript(site, page):
    page.goto(site + "/tendances")
    page.get_by_label("Série 1").fill("UNTM")
    page.get_by_label("Série 2").fill("org:CEDEAO")
    page.get_by_role("button", name="Tracer").click()
    expect(page.locator("ul.legend li")).to_have_count(2)
    page.get_by_role("link", name="articles", exact=True).click()
    expect(page.locator("figure.trend svg title").first).to_have_text("Articles par an")
