"""Exports as a researcher opens them: the .xlsx workbook read back with openpyxl, and the file
name of every export saying which search it holds."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from archive.models import Article
from archive.web import create_app
from tests.webarchive import ARTICLES, build_archive

MONTH_ONLY = Article(id="bilan-de-mars", title="Bilan de mars", body="Le bilan du mois de mars.",
                     section="Économie", author=("Y. Coulibaly",), date="2019-03")
FORMULA = Article(id="formule", title='=HYPERLINK("http://x","clic")', body="Un corps piégé.",
                  date="2020-01-01", section="Société")


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("exports"), [*ARTICLES, MONTH_ONLY, FORMULA])


@pytest.fixture
def client(config):
    return create_app(config).test_client()


def workbook(response):
    assert response.status_code == 200
    assert response.mimetype == ("application/vnd.openxmlformats-officedocument."
                                 "spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    return header, [dict(zip(header, row, strict=True)) for row in rows[1:]]


def test_xlsx_has_the_csv_columns_and_rows_with_real_dates_and_text(client):
    header, rows = workbook(client.get("/export.xlsx?q=école"))
    csv_header = client.get("/export.csv?q=école").get_data(as_text=True).splitlines()[0]
    assert header == csv_header.lstrip("\ufeff").replace('"', "").split(",")
    assert len(rows) == 4
    enseignants = next(r for r in rows if r["id"].value == "greve-des-enseignants-a-bamako")
    assert enseignants["date"].value == dt.datetime(2019, 7, 5)
    assert enseignants["date"].is_date and enseignants["date"].number_format == "yyyy-mm-dd"
    assert enseignants["organisations"].value == (
        "Syndicat national de l'éducation et de la culture ; "
        "Union nationale des travailleurs du Mali")
    rentree = next(r for r in rows if r["id"].value == "rentree-scolaire-sous-tension")
    assert rentree["authors"].value == "Moussa Traoré ; Aminata Koné"


def test_xlsx_keeps_a_partial_date_as_text_and_a_formula_as_text(client):
    _header, rows = workbook(client.get("/export.xlsx?q=bilan OR HYPERLINK"))
    by_id = {r["id"].value: r for r in rows}
    assert by_id["bilan-de-mars"]["date"].value == "2019-03"  # no day invented
    title = by_id["formule"]["title"]
    assert title.value == '=HYPERLINK("http://x","clic")' and title.data_type == "s"


def test_xlsx_numbers_are_number_cells():
    from openpyxl import Workbook

    from archive.web.spreadsheet import _cell

    sheet = Workbook(write_only=True).create_sheet()
    assert _cell(sheet, 12).data_type == "n" and _cell(sheet, 12).value == 12
    assert _cell(sheet, "12").data_type == "s"


def test_xlsx_stops_at_the_named_limit(tmp_path):
    config = build_archive(tmp_path, ARTICLES, export_max_rows=2)
    response = create_app(config).test_client().get("/export.xlsx")
    assert response.headers["X-Export-Truncated"] == "true"
    assert len(workbook(response)[1]) == 2


def test_results_page_links_the_xlsx_export(client):
    html = client.get("/search?q=école").get_data(as_text=True)
    assert 'href="/export.xlsx?q=%C3%A9cole"' in html


def names(response) -> tuple[str, str]:
    header = response.headers["Content-Disposition"]
    assert header.startswith("attachment; filename=\"")
    plain = header.split('filename="')[1].split('"')[0]
    extended = unquote(header.split("filename*=UTF-8''")[1])
    return plain, extended


@pytest.mark.parametrize("url, plain, extended", [
    ("/export.csv?q=syndicat&from=2019&to=2020", "archive-syndicat-2019-2020.csv",
     "archive-syndicat-2019-2020.csv"),
    ("/export.xlsx?q=grève&section=Société", "archive-greve-societe.xlsx",
     "archive-grève-société.xlsx"),
    ("/export.jsonl?q=l’école&organisation=Union nationale des travailleurs du Mali",
     "archive-l-ecole-union-nationale-des-travailleurs-du-mali.jsonl",
     "archive-l-école-union-nationale-des-travailleurs-du-mali.jsonl"),
    ("/export.csv", "archive.csv", "archive.csv"),
    # what else tells two exports of the same words apart, in the same order whatever the
    # page's language
    ("/export.csv?organisation=UNTM&lineage=1&estimated=0&sort=newest&lang=en",
     "archive-untm-lignee-sans-estimees-recents.csv",
     "archive-untm-lignee-sans-estimees-recents.csv"),
    ("/export.jsonl?sort=oldest", "archive-anciens.jsonl", "archive-anciens.jsonl"),
])
def test_export_file_names_say_which_search_they_hold(client, url, plain, extended):
    assert names(client.get(url)) == (plain, extended)


def test_export_file_names_are_bounded_and_safe(client):
    long = " ".join(["enseignants"] * 12)
    plain, extended = names(client.get(f"/export.csv?q={long}"))
    assert len(plain) <= len("archive-.csv") + 60 and plain.endswith("s.csv")
    hostile = "../../etc/passwd; filename=evil.exe\r\nX y"
    response = client.get("/export.csv", query_string={"q": hostile})
    plain, extended = names(response)
    assert plain == "archive-etc-passwd-filename-evil-exe-x-y.csv" == extended
    assert "\n" not in response.headers["Content-Disposition"]
    from archive.web.filenames import content_disposition, export_names
    from archive.web.params import SearchParams

    header = content_disposition(*export_names(SearchParams(q='a"b\\c/../ ; é'), "csv"))
    assert header == "attachment; filename=\"archive-a-b-c-e.csv\"; filename*=UTF-8''archive-a-b-c-%C3%A9.csv"


def test_citation_downloads_name_their_file_both_ways(client):
    response = client.get("/article/greve-des-enseignants-a-bamako.ris")
    assert names(response) == ("greve-des-enseignants-a-bamako.ris",) * 2
