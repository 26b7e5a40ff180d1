"""The archivist's whole flow in a real headless Chromium, scripts off: sign in, fix a file
that does not parse (as text), reindex (the job page reloads itself), see the change on the
public site, roll back after confirming; at a phone's and a desktop's width. Then axe-core on
each page of fixing, importing, reindexing and reviewing candidates. Same browser set-up as
tests/test_browser.py; screenshots in tests/artifacts/."""

from __future__ import annotations

import json
import re

import pytest

from archive import accounts, articlefile
from archive.indexing.jobs import reindex
from archive.models import Article
from tests.test_browser import ARTIFACTS, expect, fits, new_page
from tests.webarchive import build_archive, served

NAME, PASSWORD = "awa", "les enseignants de Bamako"
FILE = "2019/greve-des-enseignants-a-bamako.md"
OLD_TITLE = "Grève des enseignants à Bamako"
NEW_TITLE = "Grève des enseignants à Bamako : la reprise"


@pytest.fixture
def site(tmp_path):
    """A served archive whose FILE was indexed, then broken by a slip while editing (a ': '
    unquoted): its last good version serves."""
    from archive.web import create_app

    config = build_archive(tmp_path / "archive", signin_attempts=100,
                           rate_limit_per_minute=100000)
    accounts.add_user(config, NAME, "archivist", PASSWORD)
    path = config.articles_dir / FILE
    path.write_text(path.read_text(encoding="utf-8").replace(f"title: {OLD_TITLE}",
                                                             f"title: {NEW_TITLE}"),
                    encoding="utf-8")
    report = reindex(config)
    assert [rel for rel, _ in report.kept] == [FILE]
    defining = Article(id="definit-une-organisation", date="2019-07-08",
                       title="Une fédération se présente",
                       body="La Fédération malienne des pirates (FEMAPI) a tenu congrès.",
                       new_organisations=("Fédération malienne des pirates (FEMAPI)",))
    articlefile.write(config.articles_dir, defining)
    with served(create_app(config)) as base:
        yield base, config


def shot(page, name: str, width: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"atelier-{name}-{width}.png"), full_page=True)


def sign_in(page, base: str) -> None:
    page.goto(base + "/atelier")
    page.get_by_label("Nom du compte").fill(NAME)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("À traiter")


def submit(button) -> None:
    """Send the button's form and wait until the page it leads to has loaded.

    A click returns once the navigation has started, so axe, run at once, could find the next
    page without its document yet (`add_script_tag`: "Cannot read properties of null")."""
    with button.page.expect_navigation():
        button.click()


def wait_for_job(page) -> None:
    """The job page reloads itself (meta refresh, no script) until the job has finished."""
    expect(page.locator(".state-done")).to_be_visible(timeout=30_000)


@pytest.mark.parametrize("width", [360, 1280])
def test_fix_a_broken_file_reindex_see_it_public_and_roll_back(site, browser, width):
    base, config = site
    context, page = new_page(browser, width)
    try:
        sign_in(page, base)
        problems = page.locator("ul.problems")
        expect(problems).to_contain_text(FILE)
        expect(problems).to_contain_text("sa dernière version valide est sur le site")
        fits(page, width)
        shot(page, "home", width)
        page.get_by_role("link", name=FILE).click()
        # the file does not parse: it opens as text, with the reason and its line
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Modifier un fichier d’article comme texte")
        expect(page.get_by_role("alert")).to_contain_text("Ligne 3")
        editor = page.get_by_label("Le fichier")
        text = editor.input_value()
        editor.fill(text.replace(f"title: {NEW_TITLE}", f"title: '{NEW_TITLE}'"))
        fits(page, width)
        shot(page, "text", width)
        page.get_by_role("button", name="Vérifier et prévisualiser la modification").click()
        expect(page.locator("pre.diff .add")).to_contain_text(f"+title: '{NEW_TITLE}'")
        fits(page, width)
        shot(page, "preview", width)
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_role("status")).to_contain_text(f"Enregistré\u202f: {FILE}")
        page.get_by_role("link", name="À traiter", exact=True).click()
        page.get_by_role("button", name="Réindexer").click()
        wait_for_job(page)
        expect(page.locator("pre.report")).to_contain_text("updated 1")
        fits(page, width)
        shot(page, "job", width)
        page.goto(base + "/article/greve-des-enseignants-a-bamako")
        expect(page.locator("h1")).to_contain_text("la reprise")
        page.goto(base + "/atelier")
        expect(page.get_by_text("Aucun fichier à corriger.")).to_be_visible()
        page.get_by_role("link", name="Revenir à la génération précédente").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Revenir en arrière")
        fits(page, width)
        shot(page, "rollback", width)
        page.get_by_role("button", name=re.compile("Oui, servir de nouveau")).click()
        wait_for_job(page)
        page.goto(base + "/article/greve-des-enseignants-a-bamako")
        expect(page.locator("h1")).to_have_text(OLD_TITLE)
    finally:
        context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_axe_finds_no_violation_on_each_workspace_page(site, browser, width, tmp_path):
    from tests.axe import describe, violations

    base, config = site
    context, page = new_page(browser, width, scripts=True)
    found: dict[str, list] = {}

    def check(name: str) -> None:
        found[name] = violations(page)
        fits(page, width)
        shot(page, name, width)

    try:
        sign_in(page, base)
        check("home")
        page.goto(f"{base}/atelier/texte/{FILE}")
        check("text")
        submit(page.get_by_role("button", name="Vérifier et prévisualiser la modification"))
        check("text-refused")
        page.goto(f"{base}/atelier/fiche/2019/ecoles-fermees-a-kayes.md")
        check("form")
        page.get_by_label("Nom, sigle ou variante").fill("UNTM")
        submit(page.get_by_role("button", name="Rechercher"))
        check("form-search")
        page.get_by_label("Date", exact=True).fill("2019-02-30")
        submit(page.get_by_role("button", name="Prévisualiser la modification"))
        check("form-errors")
        page.get_by_label("Date", exact=True).fill("2019-11-21")
        submit(page.get_by_role("button", name="Prévisualiser la modification"))
        check("form-preview")
        page.goto(base + "/atelier/import")
        check("import")
        export = tmp_path / "export.jsonl"
        export.write_text(json.dumps({"title": "Récolte record de coton", "url":
                                      "https://journal.example/coton", "body":
                                      "La campagne cotonnière dépasse les prévisions."},
                                     ensure_ascii=False) + "\n", encoding="utf-8")
        page.get_by_label("Fichiers", exact=True).set_input_files(str(export))
        submit(page.get_by_role("button", name="Envoyer et voir ce qui serait importé"))
        check("dry-run")
        submit(page.get_by_role("button", name="Importer", exact=True))
        check("imported")
        page.goto(base + "/atelier/organisations")
        check("candidates")
        page.goto(base + "/atelier/retour")
        check("rollback")
        page.goto(base + "/atelier")
        page.get_by_role("button", name="Réindexer").click()
        expect(page.locator(".state-partial")).to_be_visible(timeout=30_000)  # FILE is broken
        check("job")
    finally:
        context.close()
    assert all(v == [] for v in found.values()), {k: describe(v) for k, v in found.items() if v}
