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


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


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


def summary(page) -> str:
    return page.locator("p.summary").inner_text()


def test_search_filter_narrow_read_switch_language_and_export(site, page):
    page.goto(site + "/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()

    # A French word with an elision, typed with the typographic apostrophe.
    page.get_by_label("Rechercher dans l’archive").fill("l’école")
    page.get_by_role("button", name="Rechercher").click()
    assert summary(page) == "4 articles pour « l’école »"
    expect(page.locator("mark").first).to_have_text(re.compile("école", re.IGNORECASE))

    filters = page.get_by_role("complementary", name="Filtres")
    filters.get_by_role("link", name=re.compile("^Union nationale")).click()
    assert summary(page) == "3 articles pour « l’école »"
    filters.get_by_role("link", name=re.compile("^Syndicat national")).click()
    filters.get_by_role("link", name=re.compile("^Société")).click()
    chips = page.get_by_role("list", name="Filtres actifs")
    expect(chips).to_contain_text(f"Organisation : {UNTM}")
    expect(chips).to_contain_text(f"Organisation : {SNEC}")
    expect(chips).to_contain_text("Rubrique : Société")
    assert summary(page) == "3 articles pour « l’école »"
    results_url = page.url

    # The histogram: one bar per year, each a link narrowing to that year.
    bar = page.locator("svg a[aria-label^='2019']")
    expect(bar).to_have_attribute("aria-label", "2019 : 2 articles")
    bar.focus()  # the bars are links a keyboard reaches
    page.keyboard.press("Enter")
    expect(chips).to_contain_text("Année : 2019")
    assert summary(page) == "2 articles pour « l’école »"
    dates = page.locator("ol.hits time").all_inner_texts()
    assert dates and all(d.endswith("2019") for d in dates)

    # Open an article and read it.
    page.get_by_role("link", name="Grève des enseignants à Bamako").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grève des enseignants à Bamako")
    expect(page.locator("article.full p.meta time")).to_have_text("5 juillet 2019")
    expect(page.locator(".citation")).to_contain_text("KONÉ Aminata, « Grève des enseignants")

    # English and back: the page stays the same, the interface and dates change.
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("article.full p.meta time")).to_have_text("July 5, 2019")
    expect(page.get_by_role("heading", name="Cite this article")).to_be_visible()
    page.goto(results_url)  # the language is remembered on the next page
    expect(page.get_by_role("button", name="Search")).to_be_visible()
    page.get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert summary(page) == "3 articles pour « l’école »"  # the switch kept the search

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
    assert summary(page) == "4 articles pour « école »"
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"the page scrolls sideways at {width}px ({overflow}px wide)"
    query = page.get_by_label("Rechercher dans l’archive")
    assert query.bounding_box()["width"] >= min(200, width * 0.5)
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"results-{width}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 5_000


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
    assert "estimated=0" in page.url
    expect(page.get_by_label("dates estimées incluses")).not_to_be_checked()
    expect(page.get_by_role("link", name=re.compile("Dates estimées exclues"))).to_be_visible()
    page.get_by_text("Articles par année, en tableau").click()
    expect(years).to_have_count(2)
    page.get_by_label("dates estimées incluses").check()
    page.get_by_role("button", name="Appliquer").click()
    expect(page.get_by_label("dates estimées incluses")).to_be_checked()
    page.get_by_text("Articles par année, en tableau").click()
    expect(years).to_have_count(3)
