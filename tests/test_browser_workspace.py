"""Signing in to the workspace and out again in a real headless Chromium (scripts off, as the
site has none) at a phone's and a desktop's width, and axe-core on the sign-in and accounts
pages. Same browser set-up as tests/test_browser.py."""

from __future__ import annotations

import pytest

from archive import accounts
from tests.test_browser import ARTIFACTS, expect, fits, new_page
from tests.webarchive import build_archive, served

ADMIN, PASSWORD = "aminata", "les enseignants de Bamako"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from archive.web import create_app

    # every test signs in from 127.0.0.1: room for them all within the sign-in limit
    config = build_archive(tmp_path_factory.mktemp("archive"), signin_attempts=100)
    accounts.add_user(config, ADMIN, "admin", PASSWORD)
    accounts.add_user(config, "moussa", "archivist", PASSWORD)
    with served(create_app(config)) as base:
        yield base


def sign_in(page, site: str, password: str = PASSWORD) -> None:
    page.goto(site + "/atelier/comptes")  # a page of the workspace: sent to sign in first
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à l’atelier")
    page.get_by_label("Nom du compte").fill(ADMIN)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


@pytest.mark.parametrize("width", [360, 1280])
def test_sign_in_and_out(site, browser, width):
    context, page = new_page(browser, width)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        sign_in(page, site, "pas le bon mot de passe")
        expect(page.get_by_role("alert")).to_have_text("Nom de compte ou mot de passe incorrect.")
        fits(page, width)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        # back where the visit started, signed in
        expect(page.get_by_role("heading", level=1)).to_have_text("Comptes")
        assert page.url == site + "/atelier/comptes"
        expect(page.get_by_text(f"Connecté\u202f: {ADMIN}")).to_be_visible()
        expect(page.get_by_role("row", name="moussa")).to_contain_text("archiviste")
        fits(page, width)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"workspace-accounts-{width}.png"), full_page=True)
        page.get_by_role("button", name="Se déconnecter").click()
        expect(page.get_by_role("status")).to_have_text("Vous êtes déconnecté.")
        page.goto(site + "/atelier")
        expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à l’atelier")
    finally:
        context.close()
    # the wrong password's answer is a 401 page, which Chromium reports; nothing else may be
    expected = "the server responded with a status of 401"
    assert [p for p in problems if expected not in p] == [], f"console errors: {problems}"
    assert len(problems) <= 1


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("name", ["sign-in", "accounts", "home"])
def test_axe_finds_no_violation_on_the_workspace_pages(site, browser, name, width):
    from tests.axe import describe, violations

    context, page = new_page(browser, width, scripts=True)
    try:
        if name != "sign-in":
            sign_in(page, site)
            expect(page.get_by_role("heading", level=1)).to_have_text("Comptes")
        page.goto(site + {"sign-in": "/atelier/connexion", "accounts": "/atelier/comptes",
                          "home": "/atelier"}[name])
        found = violations(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"workspace-{name}-{width}.png"), full_page=True)
    finally:
        context.close()
    assert found == [], describe(found)
