"""The workspace lets no one in where they don't belong: the real app over a tiny real archive.

Every route of the `workspace` blueprint is enumerated from the app's URL map, so routes added
later are checked too: anonymous visitors are sent to sign in (pages) or refused (actions);
archivists cannot manage accounts; forms without the session's CSRF token change nothing;
`next` never leaves the site; guessing passwords is slowed; sessions renew at sign-in and end
when idle; the users file is never served.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import unquote

import pytest

from archive import accounts, audit
from archive.web import create_app
from tests.webarchive import build_archive

ADMIN, ARCHIVIST = "aminata", "moussa"
PASSWORD = "les enseignants de Bamako"
OTHER = "la campagne cotonnière"
EVIL = ["//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)",
        "/\t/evil.example", "http:/evil.example", "//evil.example/atelier", "\\\\evil.example"]
SAMPLE = {"int": "1", "path": "2019/greve", "string": "greve-des-enseignants-a-bamako"}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("archive")
    config = build_archive(root)
    accounts.add_user(config, ADMIN, "admin", PASSWORD)
    accounts.add_user(config, ARCHIVIST, "archivist", PASSWORD)
    return config


@pytest.fixture
def app(archive):
    return create_app(archive)


@pytest.fixture
def client(app):
    return app.test_client()


def token(client, path: str = "/atelier/connexion") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, name: str, password: str = PASSWORD, **extra: str):
    return client.post("/atelier/connexion", data={"name": name, "password": password,
                                                  "csrf_token": token(client), **extra})


def signed_in(app, name: str):
    client = app.test_client()
    response = sign_in(client, name)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def workspace_rules(app):
    """(path with sample values, methods) of every workspace route but the public ones."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("workspace."):
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, "_workspace_public", False):
            continue
        values = {arg: SAMPLE.get(type(rule._converters[arg]).__name__.removesuffix(
            "Converter").lower(), "x") for arg in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]
        found.append((rule.endpoint, path, rule.methods - {"HEAD", "OPTIONS"}))
    return found


def test_the_blueprint_has_the_routes_the_workspace_pages_build_on(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {"workspace.home", "workspace.sign_in", "workspace.sign_out",
            "workspace.accounts_page"} <= endpoints
    public = sorted(rule.endpoint for rule in app.url_map.iter_rules()
                    if rule.endpoint.startswith("workspace.")
                    and getattr(app.view_functions[rule.endpoint], "_workspace_public", False))
    assert public == ["workspace.sign_in", "workspace.sign_out"]  # and nothing else


def test_every_workspace_route_refuses_an_anonymous_visitor(app, client):
    rules = workspace_rules(app)
    assert len(rules) >= 5
    form_token = token(client)  # a valid token: the refusal must come from the missing sign-in
    for endpoint, path, methods in rules:
        for method in methods:
            if method == "GET":
                response = client.get(path)
                assert response.status_code == 302, endpoint
                location = response.headers["Location"]
                assert location.startswith("/atelier/connexion"), endpoint
                assert "Set-Cookie" not in response.headers or "user" not in str(response)
            else:
                response = client.open(path, method=method, data={"csrf_token": form_token})
                assert response.status_code == 401, endpoint
                assert "Connectez-vous" in response.get_data(as_text=True)


def test_an_anonymous_page_visit_comes_back_after_signing_in(client):
    response = client.get("/atelier/comptes?lang=en")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/atelier/connexion?next=/atelier/comptes?lang%3Den&lang=en"
    form = client.get(location).get_data(as_text=True)
    assert 'name="next" value="/atelier/comptes?lang=en"' in form
    assert "Sign in to the workspace" in form  # English, as asked
    response = sign_in(client, ADMIN, next="/atelier/comptes?lang=en")
    assert response.headers["Location"] == "/atelier/comptes?lang=en"


def test_an_archivist_cannot_manage_accounts(app, archive):
    client = signed_in(app, ARCHIVIST)
    assert client.get("/atelier").status_code == 200
    home = client.get("/atelier").get_data(as_text=True)
    assert "/atelier/comptes" not in home  # no link to what they may not open
    assert client.get("/atelier/comptes").status_code == 403
    form_token = token(client, "/atelier")
    before = archive.users_path.read_bytes()
    for path, data in (("/atelier/comptes/ajouter", {"name": "intrus", "role": "admin",
                                                     "password": OTHER, "password2": OTHER}),
                       (f"/atelier/comptes/{ADMIN}/supprimer", {}),
                       (f"/atelier/comptes/{ADMIN}/mot-de-passe",
                        {"password": OTHER, "password2": OTHER})):
        response = client.post(path, data={"csrf_token": form_token, **data})
        assert response.status_code == 403, path
    assert archive.users_path.read_bytes() == before


def test_an_admin_adds_resets_and_removes_an_account_and_each_change_is_audited(app, archive):
    client = signed_in(app, ADMIN)
    page = client.get("/atelier/comptes").get_data(as_text=True)
    assert ADMIN in page and ARCHIVIST in page and "scrypt" not in page
    form_token = token(client, "/atelier/comptes")
    response = client.post("/atelier/comptes/ajouter", data={
        "csrf_token": form_token, "name": "Issa", "role": "archivist", "password": OTHER,
        "password2": OTHER})
    assert response.status_code == 302
    assert accounts.verify(archive, "issa", OTHER) is not None
    response = client.post("/atelier/comptes/issa/mot-de-passe", data={
        "csrf_token": form_token, "password": PASSWORD, "password2": "autre chose"})
    assert response.status_code == 400
    assert "Les deux mots de passe diffèrent." in response.get_data(as_text=True)
    assert accounts.verify(archive, "issa", OTHER) is not None
    client.post("/atelier/comptes/issa/mot-de-passe", data={
        "csrf_token": form_token, "password": PASSWORD, "password2": PASSWORD})
    assert accounts.verify(archive, "issa", PASSWORD) is not None
    client.post("/atelier/comptes/issa/supprimer", data={"csrf_token": form_token})
    assert accounts.get_user(archive, "issa") is None
    client.post(f"/atelier/comptes/{ADMIN}/supprimer", data={"csrf_token": form_token})
    assert accounts.get_user(archive, ADMIN) is not None  # not one's own
    entries = audit.read(archive, 3)
    assert [(e["who"], e["action"], e["account"]) for e in entries] == [
        (ADMIN, "users remove", "issa"), (ADMIN, "users passwd", "issa"),
        (ADMIN, "users add", "issa")]


def test_a_form_without_or_with_a_wrong_csrf_token_changes_nothing(app, archive):
    client = signed_in(app, ADMIN)
    before = archive.users_path.read_bytes()
    data = {"name": "intrus", "role": "admin", "password": OTHER, "password2": OTHER}
    for sent in ({}, {"csrf_token": "x"}, {"csrf_token": token(app.test_client())}):
        response = client.post("/atelier/comptes/ajouter", data={**data, **sent})
        assert response.status_code == 400
        assert "rien n’a été modifié" in response.get_data(as_text=True)
    response = client.post(f"/atelier/comptes/{ARCHIVIST}/supprimer")
    assert response.status_code == 400
    assert archive.users_path.read_bytes() == before
    # the sign-in form too: no one can be signed in by another site's form
    anonymous = app.test_client()
    response = anonymous.post("/atelier/connexion", data={"name": ADMIN, "password": PASSWORD})
    assert response.status_code == 400
    assert anonymous.get("/atelier").status_code == 302
    # and signing out
    assert client.post("/atelier/deconnexion").status_code == 400
    assert client.get("/atelier").status_code == 200


@pytest.mark.parametrize("target", EVIL)
def test_next_never_leaves_the_site(client, target):
    response = sign_in(client, ARCHIVIST, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/atelier"
    form = client.get("/atelier/connexion", query_string={"next": target})
    assert form.status_code == 302 and form.headers["Location"] == "/atelier"


def test_next_keeps_a_path_of_the_site(client):
    response = sign_in(client, ARCHIVIST, next="/search?q=grève")
    assert unquote(response.headers["Location"]) == "/search?q=grève"


def test_wrong_passwords_and_unknown_accounts_get_the_same_answer(client):
    wrong = sign_in(client, ADMIN, "pas le bon mot de passe")
    unknown = sign_in(client, "personne", "pas le bon mot de passe")
    assert wrong.status_code == unknown.status_code == 401
    message = "Nom de compte ou mot de passe incorrect."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert client.get("/atelier").status_code == 302


def test_guessing_one_account_from_many_addresses_is_slowed(app, archive):
    limit = archive.limits.signin_attempts
    for n in range(limit):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        assert sign_in(client, ADMIN, "mauvais mot de passe").status_code == 401
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.1.1"
    response = sign_in(client, ADMIN)  # the right password, too late
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.get_data(as_text=True)
    assert client.get("/atelier").status_code == 302
    # another account from a fresh address is not held up
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.1.2"
    assert sign_in(other, ARCHIVIST).status_code == 302


def test_guessing_many_accounts_from_one_address_is_slowed(app, archive):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    for n in range(archive.limits.signin_attempts):
        assert sign_in(client, f"compte{n}", "mauvais mot de passe").status_code == 401
    response = sign_in(client, ARCHIVIST)
    assert response.status_code == 429
    assert client.get("/atelier").status_code == 302


def test_the_session_id_changes_at_sign_in(client):
    client.get("/atelier/connexion")
    with client.session_transaction("/atelier") as session:
        session["sid"] = "planted-by-an-attacker"
        planted_token = session.get("csrf_token")
    sign_in(client, ARCHIVIST)
    with client.session_transaction("/atelier") as session:
        assert session["user"] == ARCHIVIST
        assert session["sid"] != "planted-by-an-attacker" and len(session["sid"]) >= 32
        assert session.get("csrf_token") != planted_token


def test_a_session_ends_after_the_idle_limit(app, archive):
    client = signed_in(app, ARCHIVIST)
    assert client.get("/atelier").status_code == 200
    idle = archive.limits.workspace_idle_minutes * 60
    with client.session_transaction("/atelier") as session:
        session["seen"] = int(time.time()) - idle + 60  # within the limit
    assert client.get("/atelier").status_code == 200
    with client.session_transaction("/atelier") as session:
        session["seen"] = int(time.time()) - idle - 1
    response = client.get("/atelier")
    assert response.status_code == 302
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Votre session a pris fin après une période d’inactivité" in form
    assert client.get("/atelier").status_code == 302


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(app):
    """Each request refreshes the idle time: a copied cookie kept in use lived for ever."""
    client = signed_in(app, ARCHIVIST)
    with client.session_transaction("/atelier") as session:
        session["since"] = int(time.time()) - 12 * 3600 + 60
    assert client.get("/atelier").status_code == 200
    with client.session_transaction("/atelier") as session:
        session["since"] = int(time.time()) - 12 * 3600 - 1
    response = client.get("/atelier")
    assert response.status_code == 302
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Votre session a pris fin 12 heures après votre connexion" in form


def test_signing_out_ends_the_session_for_a_copy_of_its_cookie_too(app):
    """The session is a signed cookie: signing out only cleared the browser's, and a copy
    (taken from a shared computer, a proxy log) still opened the workspace and saved edits."""
    client = signed_in(app, ARCHIVIST)
    copy = app.test_client()
    copy.set_cookie("atelier", client.get_cookie("atelier", path="/atelier").value,
                    path="/atelier")
    assert copy.get("/atelier").status_code == 200
    answer = client.post("/atelier/deconnexion", data={"csrf_token": token(client, "/atelier")})
    assert answer.status_code == 302
    assert copy.get("/atelier").status_code == 302  # to the sign-in page
    assert client.get("/atelier").status_code == 302
    other = signed_in(app, ARCHIVIST)  # a new sign-in is a new session
    assert other.get("/atelier").status_code == 200


def test_a_tiny_idle_limit_from_the_configuration(tmp_path):
    config = build_archive(tmp_path, workspace_idle_minutes=1)
    accounts.add_user(config, ARCHIVIST, "archivist", PASSWORD)
    client = signed_in(create_app(config), ARCHIVIST)
    with client.session_transaction("/atelier") as session:
        session["seen"] = int(time.time()) - 61
    assert client.get("/atelier").status_code == 302


def test_a_new_password_or_a_removal_ends_open_sessions(app, archive):
    accounts.add_user(archive, "awa", "archivist", PASSWORD)
    client = signed_in(app, "awa")
    accounts.set_password(archive, "awa", OTHER)
    assert client.get("/atelier").status_code == 302
    client = app.test_client()
    assert sign_in(client, "awa", OTHER).status_code == 302
    accounts.remove_user(archive, "awa")
    assert client.get("/atelier").status_code == 302


def test_signing_out_ends_the_session(app):
    client = signed_in(app, ARCHIVIST)
    response = client.post("/atelier/deconnexion", data={"csrf_token": token(client, "/atelier")})
    assert response.status_code == 302
    assert client.get("/atelier").status_code == 302
    assert "Vous êtes déconnecté." in client.get("/atelier/connexion").get_data(as_text=True)


def test_the_cookie_is_httponly_samesite_lax_and_only_for_the_workspace(app):
    client = app.test_client()
    cookie = sign_in(client, ARCHIVIST).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/atelier" in cookie
    assert "Secure" not in cookie  # plain http: a Secure cookie would never come back
    assert "Set-Cookie" not in client.get("/").headers  # the public site sets no session


def test_the_cookie_is_secure_over_https(app):
    client = app.test_client()
    page = client.get("/atelier/connexion", base_url="https://localhost")
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    response = client.post("/atelier/connexion", base_url="https://localhost",
                           headers={"Referer": "https://localhost/atelier/connexion"},
                           data={"name": ARCHIVIST, "password": PASSWORD,
                                 "csrf_token": form_token.group(1)})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_workspace_pages_are_never_stored_and_keep_the_security_headers(app):
    client = signed_in(app, ADMIN)
    for path in ("/atelier", "/atelier/comptes", "/atelier/connexion"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert "script-src" not in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


def test_the_sign_in_page_says_how_to_create_the_first_account(tmp_path):
    config = build_archive(tmp_path)
    html = create_app(config).test_client().get("/atelier/connexion").get_data(as_text=True)
    assert "Aucun compte n’existe encore" in html
    assert "archive users add NAME --role admin" in html


def test_the_users_file_and_the_session_key_are_never_served(app, archive):
    client = signed_in(app, ADMIN)
    secret = archive.users_path.read_text(encoding="utf-8")
    key_file = archive.state_dir / "secret_key"
    assert key_file.is_file()
    for path in ("/static/../../.archive/users.yaml", "/static/..%2f..%2f.archive/users.yaml",
                 "/static/%2e%2e/%2e%2e/.archive/users.yaml", "/.archive/users.yaml",
                 "/static/" + str(archive.users_path), "/static//" + str(archive.users_path),
                 "/atelier/../.archive/users.yaml", "/.archive/secret_key",
                 "/static/" + str(key_file), "/data/../.archive/users.yaml"):
        response = client.get(path, follow_redirects=True)  # /static//… is merged first
        body = response.get_data(as_text=True)
        assert response.status_code in (400, 404), path
        assert "scrypt" not in body and secret[-40:] not in body, path
    for path in (archive.users_path, key_file):
        assert path.stat().st_mode & 0o077 == 0, path
        assert not path.is_relative_to(archive.data_dir)


def test_workspace_forms_may_be_larger_than_the_public_sites_bodies(app, archive):
    client = signed_in(app, ADMIN)
    form_token = token(client, "/atelier")
    big = "x" * (archive.limits.request_max_body_bytes * 2)
    response = client.post("/atelier/comptes/ajouter", data={
        "csrf_token": form_token, "name": "awa2", "role": "archivist", "password": OTHER,
        "password2": OTHER, "note": big})
    assert response.status_code == 302  # read: a workspace form, not the public limit
    anonymous = app.test_client()
    response = anonymous.post("/atelier/connexion", data={"name": big})
    assert response.status_code == 413  # the sign-in form keeps the small limit


def test_an_unsafe_users_file_refuses_sign_in_but_not_the_public_site(tmp_path):
    config = build_archive(tmp_path)
    accounts.add_user(config, ADMIN, "admin", PASSWORD)
    app = create_app(config)
    client = signed_in(app, ADMIN)
    Path(config.users_path).chmod(0o644)
    assert client.get("/atelier").status_code == 503
    assert app.test_client().get("/").status_code == 200
