"""The workspace's pages through the real Flask app, signed in as a real account: the home,
fixing an article (form, diff, save, conflict, text), uploads, reindex, rollback, candidates."""

from __future__ import annotations

import io
import json
import os
import re
from html import unescape
from pathlib import Path

import pytest

from archive import accounts, articlefile, audit
from archive.editing import digest_of
from archive.indexing import jobruns, status
from archive.indexing.joblock import job_lock
from archive.web import create_app

from .test_editing import real_record
from .webarchive import build_archive

PASSWORD = "une phrase de passe solide"
FILE = "2019/greve-des-enseignants-a-bamako.md"
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def config(tmp_path: Path):
    config = build_archive(tmp_path / "archive")
    accounts.add_user(config, "awa", "archivist", PASSWORD)
    return config


def token(client, url: str = "/atelier/connexion") -> str:
    html = client.get(url).get_data(as_text=True)
    return TOKEN_RE.search(html).group(1)


def sign_in(client, name: str = "awa") -> None:
    answer = client.post("/atelier/connexion", data={"name": name, "password": PASSWORD,
                                                     "csrf_token": token(client)})
    assert answer.status_code == 302, answer.get_data(as_text=True)


@pytest.fixture
def client(config):
    client = create_app(config).test_client()
    sign_in(client)
    return client


def post(client, url: str, data: dict, page: str | None = None, **kwargs):
    """A form sent as a browser sends it: with the CSRF token of the page it is on."""
    return client.post(url, data={**data, "csrf_token": token(client, page or url)}, **kwargs)


def text(answer) -> str:
    return answer.get_data(as_text=True)


def file_text(config) -> str:
    return (config.articles_dir / FILE).read_text(encoding="utf-8")


# --- fixing an article --------------------------------------------------------------------------


def form_of(client, rel: str = FILE) -> dict:
    html = text(client.get(f"/atelier/fiche/{rel}"))
    values = dict(re.findall(r'<input id="f-\w+" name="(\w+)" type="\w+" value="([^"]*)"',
                             html))
    values.update(re.findall(r'<textarea id="f-\w+" name="(\w+)"[^>]*>([^<]*)</textarea>',
                             html))
    values = {name: unescape(value) for name, value in values.items()}
    values["digest"] = re.search(r'name="digest" value="(\w+)"', html).group(1)
    values["date_source"] = ""
    return values


def test_an_edit_is_previewed_as_a_diff_then_saved_and_recorded(client, config):
    values = form_of(client) | {"section": "Éducation"}
    preview = post(client, f"/atelier/fiche/{FILE}", values | {"action": "preview"},
                   page=f"/atelier/fiche/{FILE}")
    assert preview.status_code == 200
    html = text(preview)
    assert "-section: Société" in html and "+section: Éducation" in html
    assert "section: Société" in file_text(config)  # not saved yet
    saved = post(client, f"/atelier/fiche/{FILE}", values | {"action": "save"},
                 page=f"/atelier/fiche/{FILE}")
    assert saved.status_code == 302
    assert "section: Éducation" in file_text(config)
    (entry,) = [e for e in audit.read(config) if e["action"] == "edit"]
    assert entry["who"] == "awa" and entry["files"][0]["path"].endswith(FILE)
    assert entry["files"][0]["before"] != entry["files"][0]["after"]


def test_the_form_shows_the_reasons_next_to_the_fields_and_saves_nothing(client, config):
    before = file_text(config)
    values = form_of(client) | {"date": "2019-02-30", "url": "journal.example/x"}
    answer = post(client, f"/atelier/fiche/{FILE}", values | {"action": "save"},
                  page=f"/atelier/fiche/{FILE}")
    assert answer.status_code == 422
    html = text(answer)
    assert re.search(r'id="e-date">[^<]*2019-02-30', html)
    assert re.search(r'id="e-url">[^<]*http', html)
    assert file_text(config) == before


def test_a_save_over_a_file_changed_meanwhile_is_refused_with_both_versions(client, config):
    values = form_of(client) | {"title": "Grève des enseignants à Bamako et Kayes"}
    theirs = file_text(config).replace("section: Société", "section: Éducation")
    (config.articles_dir / FILE).write_text(theirs, encoding="utf-8")
    answer = post(client, f"/atelier/fiche/{FILE}", values | {"action": "save"},
                  page=f"/atelier/fiche/{FILE}")
    assert answer.status_code == 409
    html = text(answer)
    assert "section: Éducation" in html and "Bamako et Kayes" in html
    assert file_text(config) == theirs


def test_a_save_after_the_file_moved_shows_what_was_typed_and_where_it_went(client, config):
    """Moussa opens the form; meanwhile a new date moves the file to 2018/. His save used to
    answer the public site's 404 and lose what he typed."""
    typed = form_of(client) | {"title": "Grève des enseignants à Bamako et Kayes"}
    moved = form_of(client) | {"date": "2018-12-03"}
    assert post(client, f"/atelier/fiche/{FILE}", moved | {"action": "save"},
                page=f"/atelier/fiche/{FILE}").status_code == 302
    answer = post(client, f"/atelier/fiche/{FILE}", typed | {"action": "save"}, page="/atelier")
    assert answer.status_code == 409
    html = text(answer)
    assert "le fichier n’est plus là" in html and "Bamako et Kayes" in html
    new_place = "2018/" + FILE.split("/")[1]
    assert f'href="/atelier/fiche/{new_place}"' in html
    assert "Bamako et Kayes" not in (config.articles_dir / new_place).read_text(encoding="utf-8")


def test_a_save_after_the_file_was_deleted_or_broken_by_hand_shows_what_was_typed(client,
                                                                                  config):
    path = config.articles_dir / FILE
    typed = form_of(client) | {"title": "Grève des enseignants à Bamako et Kayes"}
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("section: Société", "section: Société\nsection: Éducation"),
                    encoding="utf-8")  # a duplicate key: the file no longer parses
    answer = post(client, f"/atelier/fiche/{FILE}", typed | {"action": "save"}, page="/atelier")
    assert answer.status_code == 409 and "Bamako et Kayes" in text(answer)
    assert "section: Éducation" in text(answer)  # the file as it is now
    path.unlink()
    answer = post(client, f"/atelier/texte/{FILE}", {"text": good.replace(
        "Grève des enseignants", "Grève des maîtres"), "digest": "0", "action": "save"},
        page="/atelier")
    assert answer.status_code == 409 and "Grève des maîtres" in text(answer)
    assert not path.exists()


def test_the_text_editor_refuses_an_id_another_year_s_file_holds(client, config):
    """Giving the Bamako article the id of the 2020 Sikasso one was saved, and `archive check`
    and the next reindex then refused one of the two: the article left the site."""
    good = file_text(config)
    digest = digest_of((config.articles_dir / FILE).read_bytes())
    taken = good.replace("id: greve-des-enseignants-a-bamako", "id: greve-dans-les-hopitaux")
    answer = post(client, f"/atelier/texte/{FILE}", {"text": taken, "digest": digest,
                                                    "action": "save"},
                  page=f"/atelier/texte/{FILE}")
    assert answer.status_code == 422 and "2020/greve-dans-les-hopitaux.md" in text(answer)
    assert file_text(config) == good
    assert not (config.articles_dir / "2019" / "greve-dans-les-hopitaux.md").exists()


def test_a_field_longer_than_the_form_takes_is_refused_not_cut(client, config):
    """A 25,000-character section was saved cut to 20,000 without a word."""
    before = file_text(config)
    values = form_of(client) | {"section": "Société " * 3125}
    answer = post(client, f"/atelier/fiche/{FILE}", values | {"action": "save"},
                  page=f"/atelier/fiche/{FILE}")
    assert answer.status_code == 422
    shown = re.search(r"Plus de ([^<]*) caractères", text(answer))
    assert shown and re.sub(r"\D", "", shown.group(1)) == "20000", text(answer)[:500]
    assert file_text(config) == before


def test_an_organisation_is_found_in_the_authority_file_and_added(client, config):
    values = form_of(client)
    found = post(client, f"/atelier/fiche/{FILE}", values | {"action": "search",
                                                              "orgq": "CEDEAO"},
                 page=f"/atelier/fiche/{FILE}")
    name = "Communauté économique des États de l'Afrique de l'Ouest"
    assert 'value="Communauté économique des États de l&#39;Afrique de l&#39;Ouest"' in \
        text(found)
    post(client, f"/atelier/fiche/{FILE}", values | {"action": "save",
                                                      "add_organisation": name},
         page=f"/atelier/fiche/{FILE}")
    assert name in articlefile.read(config.articles_dir / FILE).organisations


def test_the_authority_search_reads_oe_as_the_ligature(client, config):
    """The file writes `Centre national des œuvres universitaires`; an archivist types `oeuvres`."""
    found = post(client, f"/atelier/fiche/{FILE}", form_of(client) | {
        "action": "search", "orgq": "oeuvres universitaires"}, page=f"/atelier/fiche/{FILE}")
    assert 'value="Centre national des œuvres universitaires"' in text(found)


def test_a_file_that_does_not_parse_is_fixed_as_text(client, config):
    good = file_text(config)
    broken = good.replace("section: Société", "section: Société: grève")
    (config.articles_dir / FILE).write_text(broken, encoding="utf-8")
    form = client.get(f"/atelier/fiche/{FILE}")
    assert form.status_code == 302 and form.location.endswith(f"/atelier/texte/{FILE}")
    html = text(client.get(f"/atelier/texte/{FILE}"))
    assert "must be put in quotes" in html or "guillemets" in html
    digest = re.search(r'name="digest" value="(\w+)"', html).group(1)
    still = post(client, f"/atelier/texte/{FILE}", {"text": broken, "digest": digest,
                                                     "action": "save"},
                 page=f"/atelier/texte/{FILE}")
    assert still.status_code == 422 and file_text(config) == broken
    saved = post(client, f"/atelier/texte/{FILE}", {"text": good, "digest": digest,
                                                     "action": "save"},
                 page=f"/atelier/texte/{FILE}")
    assert saved.status_code == 302 and file_text(config) == good


def test_a_long_article_is_saved_through_the_real_server(config):
    """`archive serve` (waitress) refused every body over 8 KB before the app saw it: the text
    of any long article, any upload of a saved page. It takes what the workspace takes."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    from .webarchive import served

    jar = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(
        http.cookiejar.CookieJar()))

    def form(url: str, fields: dict) -> tuple[int, str]:
        page = jar.open(url).read().decode("utf-8")
        fields = fields | {"csrf_token": TOKEN_RE.search(page).group(1)}
        try:
            with jar.open(url, urllib.parse.urlencode(fields).encode("utf-8")) as answer:
                return answer.status, answer.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    longer = file_text(config).rstrip("\n") + "\n\n" + "Un long paragraphe ajouté. " * 2000
    with served(create_app(config)) as base:
        assert form(f"{base}/atelier/connexion", {"name": "awa", "password": PASSWORD})[0] == 200
        status_code, page = form(f"{base}/atelier/texte/{FILE}", {
            "text": longer, "action": "save",
            "digest": digest_of((config.articles_dir / FILE).read_bytes())})
    assert status_code == 200 and len(longer.encode("utf-8")) > 50_000, page[:300]
    assert file_text(config) == longer


@pytest.mark.parametrize("rel", ["../organisations.yaml", "..%2Forganisations.yaml",
                                 "%2Fetc%2Fpasswd", "2019/..%2F..%2Forganisations.yaml",
                                 "2019/%2E%2E/%2E%2E/audit.md"])
def test_an_edit_naming_a_file_outside_the_articles_folder_changes_nothing(client, config,
                                                                           rel):
    before = {p: p.read_bytes() for p in config.data_dir.rglob("*") if p.is_file()}
    answer = client.post(f"/atelier/texte/{rel}",
                         data={"text": "---\nid: x\ntitle: x\n---\n\nx\n", "digest": "0",
                               "action": "save", "csrf_token": token(client, "/atelier")})
    # (308: Werkzeug first merges the slashes of //etc/passwd, and the path is refused then)
    assert answer.status_code in (308, 400, 404)
    assert client.get(f"/atelier/fiche/{rel}", follow_redirects=True).status_code in (400, 404)
    after = {p: p.read_bytes() for p in config.data_dir.rglob("*") if p.is_file()
             and p.name != "audit.jsonl"}
    assert after == {p: b for p, b in before.items() if p.name != "audit.jsonl"}


# --- home, reindex, rollback ----------------------------------------------------------------------


def test_the_home_lists_what_needs_attention_with_links_to_fix(client, config):
    path = config.articles_dir / FILE
    # (another size: the index notices a change by size and time, as `archive status` does)
    path.write_text(path.read_text(encoding="utf-8").replace("date: '2019-07-05'",
                                                             "date: '2019-07-315'"),
                    encoding="utf-8")
    html = text(client.get("/atelier?lang=en"))
    assert status(config).generation in html and "0 added, 1 changed, 0 deleted" in html
    assert f'href="/atelier/fiche/{FILE}"' in html
    assert "2019-07-315" in html


def test_a_reindex_is_followed_on_a_self_refreshing_page_then_rolled_back(client, config):
    first = status(config).generation
    path = config.articles_dir / FILE
    path.write_text(path.read_text(encoding="utf-8").replace("section: Société",
                                                             "section: Éducation"),
                    encoding="utf-8")
    started = post(client, "/atelier/reindexer", {}, page="/atelier")
    assert started.status_code == 302
    run_id = started.location.rsplit("/", 1)[1]
    jobruns.wait(config, run_id)
    page = text(client.get(f"/atelier/travaux/{run_id}"))
    assert 'http-equiv="refresh"' not in page and "updated 1" in page
    second = status(config).generation
    assert second != first
    confirm = client.get("/atelier/retour")
    assert first in text(confirm) and status(config).generation == second  # asks first
    back = post(client, "/atelier/retour", {})
    assert back.status_code == 302 and status(config).generation == first
    actions = [e["action"] for e in audit.read(config)]
    assert actions[:2] == ["rollback", "reindex"]


def test_a_running_job_page_refreshes_itself_and_a_second_job_is_refused(client, config):
    with job_lock(config.index_dir, "reindex --full"):
        refused = post(client, "/atelier/reindexer", {}, page="/atelier")
        assert refused.status_code == 409
        assert "reindex --full" in text(refused)
    run = jobruns._new_run(config, "reindex", "awa")
    jobruns.folder(config).mkdir(exist_ok=True)
    jobruns._threads[run.id] = type("Alive", (), {"is_alive": lambda self: True})()
    jobruns._save(config, run)
    page = text(client.get(f"/atelier/travaux/{run.id}"))
    assert '<meta http-equiv="refresh" content="2">' in page


# --- uploads ---------------------------------------------------------------------------------------


def test_an_upload_is_shown_as_a_dry_run_then_imported_on_confirmation(client, config):
    export = (json.dumps(real_record(), ensure_ascii=False) + "\n").encode("utf-8")
    sent = post(client, "/atelier/import", {"files": (io.BytesIO(export), "devoir.jsonl")},
                content_type="multipart/form-data")
    assert sent.status_code == 302
    dry = client.get(sent.location)
    assert "1 imported" in text(dry) or "1 nouveaux" in text(dry)
    assert not list(config.articles_dir.glob("2017/*.md"))
    done = post(client, sent.location, {"action": "import"})
    assert done.status_code == 302 and done.location.endswith("/fait")
    assert "1 nouveaux" in text(client.get(done.location))
    assert len(list(config.articles_dir.glob("2017/*.md"))) == 1
    # a double click's second request, or a reload, shows the same import: it runs once
    again = client.post(sent.location, data={"action": "import",
                                             "csrf_token": token(client, "/atelier")})
    assert again.status_code == 302 and again.location == done.location
    assert client.get(sent.location).location == done.location
    (entry,) = [e for e in audit.read(config) if e["action"] == "import"]
    assert entry["who"] == "awa" and entry["imported"] == 1


def test_an_import_under_way_has_a_page_that_reloads_itself(client, config):
    export = (json.dumps(real_record(), ensure_ascii=False) + "\n").encode("utf-8")
    sent = post(client, "/atelier/import", {"files": (io.BytesIO(export), "devoir.jsonl")},
                content_type="multipart/form-data")
    token_of_upload = sent.location.rsplit("/", 1)[-1]
    claim = config.index_dir / "uploads" / token_of_upload / ".claimed"
    claim.write_text(str(os.getpid()))  # claimed by a live process: this one
    again = post(client, sent.location, {"action": "import"}, page="/atelier")
    assert again.status_code == 302
    page = text(client.get(again.location))
    assert "Importation en cours" in page and 'http-equiv="refresh"' in page
    assert not list(config.articles_dir.glob("2017/*.md"))


class Unreadable(io.BytesIO):
    """A request body that fails the request if anything reads it."""

    def read(self, *args) -> bytes:
        raise AssertionError("the body was read")

    readline = readinto = read1 = read


def test_an_upload_over_the_limit_is_refused_before_its_body_is_read(config):
    import dataclasses

    from archive.config import Limits
    small = dataclasses.replace(config, limits=dataclasses.replace(Limits(),
                                                                   import_max_bytes=2000))
    client = create_app(small).test_client()
    sign_in(client)
    answer = client.post("/atelier/import", input_stream=Unreadable(),
                         environ_overrides={"CONTENT_LENGTH": "5000"},
                         content_type="multipart/form-data; boundary=x")
    assert answer.status_code == 413
    fits = client.post("/atelier/import", data={"files": (io.BytesIO(b"x" * 1500), "a.csv"),
                                                "csrf_token": token(client, "/atelier")},
                       content_type="multipart/form-data")
    assert fits.status_code == 302  # the same route takes a body within the import's limit


def test_an_upload_whose_file_name_is_not_utf8_is_refused_with_the_reason(client, config):
    """Werkzeug reads such a form as empty: it was refused as an expired form (CSRF)."""
    before = sorted(config.data_dir.rglob("*"))
    boundary, page = "limite", b"Titre\n\nUn texte de quelques mots."
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{token(client, '/atelier/import')}\r\n--{boundary}\r\n").encode() + (
        b'Content-Disposition: form-data; name="files"; filename="caf\xe9.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\n" + page + f"\r\n--{boundary}--\r\n".encode())
    answer = client.post("/atelier/import", data=body,
                         content_type=f"multipart/form-data; boundary={boundary}")
    assert answer.status_code == 400
    assert "le nom d’un fichier n’est pas du texte UTF-8" in text(answer)
    assert "expiré" not in text(answer)
    assert sorted(config.data_dir.rglob("*")) == before


def test_an_uploaded_name_with_dots_stays_in_the_staging_folder(client, config):
    sent = post(client, "/atelier/import",
                {"files": (io.BytesIO(b"---\ntitle: x\n"), "../../data/articles/x.md")},
                page="/atelier/import", content_type="multipart/form-data")
    assert sent.status_code == 302
    assert not (config.articles_dir / "x.md").exists()
    assert not (config.data_dir / "x.md").exists()


# --- organisation candidates ------------------------------------------------------------------------


def add_candidate_afcn(config) -> None:
    """An article that defines an organisation the authority file lacks (AFCN)."""
    article = articlefile.read(config.articles_dir / FILE).replace(
        id="afcn-feu-vert", new_organisations=("Agence Fédérale de Contrôle Nucléaire (AFCN)",),
        url="https://journal.example/afcn", date="2019-07-06",
        body="L'Agence Fédérale de Contrôle Nucléaire (AFCN) a donné son feu vert.")
    articlefile.write(config.articles_dir, article)


def test_candidates_are_approved_and_dismissed_from_their_page(client, config):
    add_candidate_afcn(config)
    html = text(client.get("/atelier/organisations"))
    assert "AFCN" in html
    done = post(client, "/atelier/organisations/AFCN",
                {"action": "approve", "name": "Agence fédérale de contrôle nucléaire",
                 "kind": "state", "country": "BE"}, page="/atelier/organisations")
    assert done.status_code == 302
    assert "acronym: AFCN" in config.authority_file.read_text(encoding="utf-8")
    assert [e["action"] for e in audit.read(config)][0] == "organisation approve"


def test_a_refused_review_or_a_missing_file_is_told_in_the_page_s_language(client, config):
    """The review's refusals and the workspace's 404 texts were English on French pages."""
    add_candidate_afcn(config)
    before = config.authority_file.read_bytes()
    refused = post(client, "/atelier/organisations/AFCN",
                   {"action": "approve", "name": "Agence", "kind": "club"},
                   page="/atelier/organisations")
    assert refused.status_code == 400
    assert "AFCN\u202f: Le type doit être l’un de ceux-ci\u202f: " in text(refused)
    gone = post(client, "/atelier/organisations/ZZZZ", {"action": "dismiss"},
                page="/atelier/organisations")
    assert gone.status_code == 404 and "ZZZZ n’est plus candidat" in text(gone)
    assert config.authority_file.read_bytes() == before
    missing = client.get("/atelier/fiche/2019/nulle-part.md")
    assert missing.status_code == 404
    assert "Il n’y a pas de fichier d’article 2019/nulle-part.md." in text(missing)
    english = client.get("/atelier/fiche/2019/nulle-part.md?lang=en")
    assert "There is no article file 2019/nulle-part.md." in text(english)


def test_a_slip_in_the_dismissals_file_is_shown_and_refuses_another_dismissal(client, config):
    add_candidate_afcn(config)
    done = post(client, "/atelier/organisations/AFCN", {"action": "dismiss"},
                page="/atelier/organisations")
    assert done.status_code == 302 and "AFCN écarté" in text(client.get("/atelier/organisations"))
    assert "AFCN" not in text(client.get("/atelier/organisations"))
    path = config.data_dir / "organisations-dismissed.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("- acronym: AFCN", "- acronym: AFCN\n   by: [awa"),
                    encoding="utf-8")
    html = text(client.get("/atelier/organisations"))
    assert "organisations-dismissed.yaml n’est pas valide (line " in html
    assert "les candidats que sa dernière version valide écartait restent écartés" in html
    assert "AFCN" not in html.split("restent écartés")[1]  # still dismissed


# --- the guard -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [f"/atelier/fiche/{FILE}", f"/atelier/texte/{FILE}",
                                 "/atelier/import", "/atelier/retour", "/atelier/organisations",
                                 "/atelier/travaux/123"])
def test_every_page_refuses_an_anonymous_visitor(config, url):
    client = create_app(config).test_client()
    answer = client.get(url)
    assert answer.status_code == 302 and "/atelier/connexion" in answer.location


@pytest.mark.parametrize("url", [f"/atelier/fiche/{FILE}", f"/atelier/texte/{FILE}",
                                 "/atelier/import", "/atelier/retour", "/atelier/reindexer",
                                 "/atelier/organisations/UNTM", "/atelier/import/" + "a" * 32])
def test_every_action_refuses_an_anonymous_visitor_and_changes_nothing(config, url):
    client = create_app(config).test_client()
    before = file_text(config)
    answer = client.post(url, data={"action": "save", "text": "x", "digest": "x"})
    assert answer.status_code in (401, 403)
    assert file_text(config) == before and audit.read(config) == []


def test_a_form_without_its_csrf_token_changes_nothing(client, config):
    values = form_of(client) | {"section": "Éducation", "action": "save"}
    for data in (values, values | {"csrf_token": "faux"}):
        assert client.post(f"/atelier/fiche/{FILE}", data=data).status_code == 400
    assert "section: Société" in file_text(config)
    assert client.post("/atelier/reindexer").status_code == 400
    assert jobruns.recent(config) == []
