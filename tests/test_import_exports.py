"""JSON Lines / CSV exports and re-imported article files, through the importers' read()."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from archive import articlefile
from archive.config import Limits
from archive.errors import ArchiveError
from archive.ingest.importers import ImportOptions, Rejected
from archive.ingest.importers import articles as article_files
from archive.ingest.importers import tabular as exports
from archive.models import Article

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS_EXPORT = SHARED / "corpus" / "articles.jsonl"


def read_export(path: Path, text: str, mapping: str = "", publisher: str | None = None):
    """Write text to path, then read it back as the pipeline would."""
    path.write_text(text, encoding="utf-8")
    options = ImportOptions(mapping=exports.parse_mapping(mapping), publisher=publisher)
    return list(exports.read(path, path.read_text(encoding="utf-8-sig"), options))


def jsonl(*records: object) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)
                     for r in records) + "\n"


BODY = ("La Compagnie malienne pour le développement des textiles a annoncé à Koutiala une "
        "récolte record. Les producteurs saluent l’arrivée des engrais à temps.")


# --- the shared corpus --------------------------------------------------------------------


def test_every_article_of_the_shared_export_imports_with_a_title_and_a_body():
    if not CORPUS_EXPORT.exists():
        pytest.skip(f"../shared corpus not available: {CORPUS_EXPORT} is missing")
    text = CORPUS_EXPORT.read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    results = list(exports.read(CORPUS_EXPORT, text, ImportOptions()))

    rejected = [r for r in results if isinstance(r, Rejected)]
    assert rejected == []
    assert len(results) == len(records) == 2295
    assert all(a.title.strip() and a.body.strip() and a.id == "" for a in results)
    assert len({a.imported_from for a in results}) == len(results)  # provenance keys are stable
    assert not any(a.body.startswith("Photo:") or "\r" in a.body for a in results)
    assert not any(p.startswith("© ") and len(p) < 40 for a in results for p in a.paragraphs)

    def count(test) -> int:
        return sum(1 for a in results if test(a))

    coverage = {
        "url": count(lambda a: a.url),
        "section": count(lambda a: a.section),
        "author (bylines)": count(lambda a: a.author),
        "date from export": count(lambda a: a.date_source == "page"),
        "date inferred from text": count(lambda a: a.date_source == "text"),
        "publisher": count(lambda a: a.publisher),
        "derived title": count(exports.title_was_derived),
    }
    print("\ncoverage of", len(results), "articles:", coverage)

    def present(field: str) -> int:
        return sum(1 for r in records if r.get(field))

    # Nothing the export has is lost, and a title is derived wherever it had none.
    assert coverage["url"] == present("url")
    assert coverage["section"] == present("section")
    assert coverage["publisher"] == present("publisher")
    assert coverage["date from export"] == present("date")
    assert coverage["derived title"] >= len(records) - present("title")
    assert all(len(a.title) <= exports.TITLE_MAX for a in results if exports.title_was_derived(a))
    # Measured: 90 bylines, nearly all on the Algerian papers' bodies.
    assert coverage["author (bylines)"] >= 50


# --- JSON Lines -------------------------------------------------------------------------------


def test_a_mapping_names_the_export_columns(tmp_path: Path):
    (article,) = read_export(tmp_path / "export.jsonl", jsonl(
        {"ref": "k-17", "headline": "Coton : une récolte record", "text": BODY,
         "body": "ignored: the mapping says the body is in 'text'"},
    ), mapping="title=headline,body=text,id=ref")
    assert article.title == "Coton : une récolte record"
    assert article.body == BODY
    assert article.imported_from == "export.jsonl#k-17"


def test_a_bad_line_is_rejected_with_its_line_number_and_the_others_import(tmp_path: Path):
    path = tmp_path / "export.jsonl"
    results = read_export(path, jsonl(
        {"id": "a1", "title": "Première", "body": BODY},
        '{"id": "a2", "title": "Cassée", "body": "texte',
        "",
        ["not", "an", "object"],
        {"id": "a4", "title": ["Titre"], "body": BODY},
        {"id": "a5", "title": "Sans corps"},
        {"id": "a6", "title": "Auteurs", "body": BODY, "author": {"nom": "Diarra"}},
        {"id": "a7", "title": "Dernière", "body": BODY, "url": "ftp://example.org/a7"},
        {"id": "a8", "title": "Quand ?", "body": BODY, "date": "le jour du marché"},
        {"id": "a9", "title": "Fin", "body": BODY},
    ))
    rejected = {r.source: r.reason for r in results if isinstance(r, Rejected)}
    assert [a.title for a in results if isinstance(a, Article)] == ["Première", "Fin"]
    assert set(rejected) == {f"{path}:{n}" for n in (2, 4, 5, 6, 7, 8, 9)}
    assert rejected[f"{path}:2"].startswith("invalid JSON")
    assert "JSON object" in rejected[f"{path}:4"]
    assert "'title' (title) must be text" in rejected[f"{path}:5"]
    assert rejected[f"{path}:6"].startswith("missing body")
    assert "author" in rejected[f"{path}:7"]
    assert "url must start with http" in rejected[f"{path}:8"]
    assert "le jour du marché" in rejected[f"{path}:9"]


def test_a_line_json_cannot_decode_is_rejected_with_its_line_and_the_others_import(
        tmp_path: Path):
    path = tmp_path / "export.jsonl"
    huge = "1" + "0" * 4300  # one digit over the limit of Python's int()
    lines = [
        json.dumps({"id": "a1", "title": "Première", "body": BODY}),
        '{"id": "a2", "title": "Géant", "body": "Texte.", "vues": ' + huge + "}",
        '{"id": "a3", "title": "Deux titres", "title": "Lequel ?", "body": "Texte."}',
        '{"id": "a4", "body": "Texte.", "notes": [1, -' + huge + "]}",
        '{"id": "a5", "title": "Réel géant", "body": "' + BODY + '", "note": ' + huge + ".5}",
    ]
    results = read_export(path, jsonl(*lines))
    rejected = {r.source: r.reason for r in results if isinstance(r, Rejected)}
    # a float has no digit limit (an unused column may hold one); an integer has
    assert [a.title for a in results if isinstance(a, Article)] == ["Première", "Réel géant"]
    assert rejected == {
        f"{path}:2": "invalid JSON (a number of more than 4,300 digits at column "
                     f"{lines[1].index(huge) + 1})",
        f"{path}:3": "invalid JSON (key 'title' given twice; which one is meant?)",
        f"{path}:4": "invalid JSON (a number of more than 4,300 digits at column "
                     f"{lines[3].index(huge) + 1})",
    }


def test_a_whole_number_for_a_title_or_section_is_its_digits(tmp_path: Path):
    # JSON digits are exact, so a numeric column keeps its text
    (article,) = read_export(tmp_path / "export.jsonl",
                             jsonl({"title": 1960, "section": 12, "body": BODY}))
    assert (article.title, article.section) == ("1960", "12")


def test_a_reports_credit_gives_an_unsigned_record_its_authors(tmp_path: Path):
    """mnfr-43eddada3256 (BBC Afrique) ends "Un reportage de Late Wodi Lawson.": its author;
    the credit stays in the text. A record's own author column wins."""
    body = BODY + " Un reportage de Late Wodi Lawson."
    (credited, signed) = read_export(tmp_path / "export.jsonl", jsonl(
        {"title": "Alice", "body": body}, {"title": "Bob", "body": body, "author": "A. Traoré"}))
    assert credited.author == ("Late Wodi Lawson",) and credited.body.endswith("Lawson.")
    assert signed.author == ("A. Traoré",)


@pytest.mark.parametrize("given, kind", [
    (2019.5, "a number"),  # a float's digits are not exact (1.10 reads as 1.1)
    (True, "true/false"),
    (["Coton"], "a list"),
    ({"fr": "Coton"}, "an object"),
])
def test_a_title_of_another_type_is_refused(tmp_path: Path, given: object, kind: str):
    path = tmp_path / "export.jsonl"
    (rejected,) = read_export(path, jsonl({"title": given, "body": BODY}))
    assert isinstance(rejected, Rejected)
    assert (rejected.source, rejected.reason) == (f"{path}:1",
                                                  f"'title' (title) must be text, not {kind}")


def test_a_body_over_the_limit_is_rejected(tmp_path: Path):
    huge = "mot " * (Limits().import_max_body_chars // 4 + 1)
    (rejected,) = read_export(tmp_path / "big.jsonl", jsonl({"title": "Trop long", "body": huge}))
    assert isinstance(rejected, Rejected)
    assert "over the" in rejected.reason


@pytest.mark.parametrize("given", [
    "Awa Sangaré et Moussa Keïta",
    "Awa Sangaré, Moussa Keïta",
    "Awa Sangaré; Moussa Keïta",
    ["Awa Sangaré", "Moussa Keïta"],
])
def test_several_authors_become_a_list_of_names(tmp_path: Path, given: object):
    (article,) = read_export(tmp_path / "export.jsonl",
                             jsonl({"title": "Coton", "body": BODY, "author": given}))
    assert article.author == ("Awa Sangaré", "Moussa Keïta")


@pytest.mark.parametrize("given, expected", [
    ("2019-07-05T10:30:00Z", "2019-07-05"),
    ("05 Avril 2018 23:33", "2018-04-05"),
    ("5 juillet 2019", "2019-07-05"),
    ("2019-07", "2019-07"),
    ("05/04/2018", "2018-04-05"),
    ("05-04-2018", "2018-04-05"),
    ("5.4.2018 à 10h", "2018-04-05"),
    ("Publié le 1er mars 2024", "2024-03-01"),
    ("31 février 2019", "2019-02"),  # a written date keeps its month when the day is impossible
    ("٢٠١٩-٠٧-٠٥", "2019-07-05"),  # digits of another script are read, and written 0-9
    (2019, "2019"),
])
def test_export_dates_are_read_in_their_usual_shapes(tmp_path: Path, given, expected):
    (article,) = read_export(tmp_path / "export.jsonl",
                             jsonl({"title": "Coton", "body": BODY, "date": given}))
    assert (article.date, article.date_source) == (expected, "page")


@pytest.mark.parametrize("given", ["2019-02-30", "31/02/2019", "2019-13", "1750", "2150-01-01",
                                   "20190705", "le jour du marché"])
def test_an_impossible_export_date_is_rejected(tmp_path: Path, given: str):
    (rejected,) = read_export(tmp_path / "export.jsonl",
                              jsonl({"title": "Coton", "body": BODY, "date": given}))
    assert isinstance(rejected, Rejected)
    assert given in rejected.reason


def test_without_a_date_column_the_importer_gives_no_date(tmp_path: Path):
    """The export states no date: the pipeline reads the dateline (tests/test_pubdates.py)."""
    body = ("Bamako, le 12 mars 2021. La campagne cotonnière 2020-2021 s’achève. "
            "Le 10 mars 2021, les producteurs de Sikasso ont livré leurs dernières balles.")
    (article,) = read_export(tmp_path / "export.jsonl", jsonl({"title": "Coton", "body": body}))
    assert (article.date, article.date_source) == (None, None)


def test_the_body_is_normalised_into_paragraphs(tmp_path: Path):
    raw = ("Photo:  Awa Traoré Agence France-Presse\r\nLe marché de Médine\r\n\r\n"
           "Bamako — Les commerçants du marché de Médine ont rouvert jeudi.\r\n"
           "La mairie avait ordonné la fermeture\r\npour travaux d’assainissement.\r\n"
           "\r\n\r\n                © AFP          \r\n")
    (article,) = read_export(tmp_path / "export.jsonl", jsonl({"body": raw}))
    assert article.paragraphs == [
        "Bamako — Les commerçants du marché de Médine ont rouvert jeudi.",
        "La mairie avait ordonné la fermeture pour travaux d’assainissement.",
    ]
    assert article.title == "Les commerçants du marché de Médine ont rouvert jeudi"
    assert exports.title_was_derived(article)
    assert not exports.title_was_derived(article.replace(title="Médine rouvre"))


def test_a_derived_title_stops_at_a_word_and_is_marked_as_cut():
    body = ("M. Keïta a rappelé devant les élus de la région de Kayes que les travaux de la route "
            "nationale reliant Kayes à Diboli reprendront après la saison des pluies, selon le "
            "calendrier arrêté par le ministère. La suite viendra plus tard.")
    title = exports.derive_title(body)
    assert title.startswith("M. Keïta a rappelé")  # "M." does not end the sentence
    assert title.endswith("…") and len(title) <= exports.TITLE_MAX
    assert body.startswith(title[:-1])  # cut between two words
    assert body[len(title) - 1] == " "


@pytest.mark.parametrize("opening, title", [
    ("BAMAKO | Le marché rouvre. Les commerçants", "Le marché rouvre"),
    ("(Kayes) Le train siffle à nouveau. La gare", "Le train siffle à nouveau"),
    # (a rubric leaves the body of a site that glues them before the title is made:
    # test_a_rubric_glued_before_the_first_sentence_leaves_the_body_of_a_site_that_glues_them)
    ("Marine Le Pen a été mise en examen. Fin", "Marine Le Pen a été mise en examen"),
    ("Donald Trump Une fois de plus a tweeté. Fin", "Donald Trump Une fois de plus a tweeté"),
    ("«Nous irons? Oui.» Le maire a parlé. Fin", "«Nous irons? Oui.»"),
    ("Qui paiera la route ? Les élus hésitent.", "Qui paiera la route ?"),
    # gjfr-2afbfbf91bbd: a publisher's "Ed." ends no sentence (the title was "… (Ed")
    ("Auteur de «Danser sur un volcan» (Ed. Albin Michel), Nicolas Baverez est habitué à dresser"
     " un diagnostic sombre. Invité ce jeudi",
     "Auteur de «Danser sur un volcan» (Ed. Albin Michel), Nicolas Baverez est habitué à dresser"
     " un diagnostic sombre"),
])
def test_a_derived_title_skips_datelines_and_rubrics_and_respects_quotes(opening, title):
    assert exports.derive_title(opening) == title


# lenouvelliste.ch's first paragraphs (shared corpus), each glued to its rubric
RUBRICATED = {
    "Justice Le rappeur MHD, de son vrai nom Mohammed Sylla, a été mis en examen.":
        "Le rappeur MHD, de son vrai nom Mohammed Sylla, a été mis en examen.",
    "CONTESTATION Le mouvement des ''gilets jaunes'' se poursuit.":
        "Le mouvement des ''gilets jaunes'' se poursuit.",
    "coupe davis La France a remporté la Coupe Davis ce dimanche face à la Belgique.":
        "La France a remporté la Coupe Davis ce dimanche face à la Belgique.",
    "France Lundi, des apiculteurs bretons ont entamé un \"convoi mortuaire\" de ruches.":
        "Lundi, des apiculteurs bretons ont entamé un \"convoi mortuaire\" de ruches.",
    "Collision Neuf jours après la collision qui s’est déroulée au large de la Corse.":
        "Neuf jours après la collision qui s’est déroulée au large de la Corse.",
    "Coup de théâtre Alors qu'il accusait sa belle-famille depuis plusieurs mois.":
        "Alors qu'il accusait sa belle-famille depuis plusieurs mois.",
    # ... and theirs without one, or the rubric a name (both kept whole)
    "Un appel anonyme annonçant l'explosion d'une bombe a provoqué l'évacuation.":
        "Un appel anonyme annonçant l'explosion d'une bombe a provoqué l'évacuation.",
    "Marine Le Pen a été mise en examen pour avoir diffusé des photos.":
        "Marine Le Pen a été mise en examen pour avoir diffusé des photos.",
}
# Openings of other sites that look like a rubric before a sentence (a red team's, and the
# corpus's "IPM Group" and "BBC Africa Eye"): a word of them lost its text.
NOT_RUBRICATED = [
    "Les Trois Mousquetaires sont de retour sur les écrans.",
    "Radio Mille Collines a appelé au meurtre pendant des semaines.",
    "Jean Du Bois a déclaré qu'il ne se représenterait pas.",
    "BAMAKO Les commerçants du marché de Médine ont rouvert jeudi.",
    "Niamey Le gouvernement a annoncé un couvre-feu.",
    "UNTM Les syndicats ont déposé un préavis de grève.",
    "selon Le Monde, la grève a été suivie.",
    "Justice Le tribunal a tranché en faveur des enseignants.",
    "IPM Group, qui édite notamment La Libre et La DH, a confirmé ce jeudi la nouvelle.",
]


def test_a_rubric_glued_before_the_first_sentence_leaves_the_body_of_a_site_that_glues_them(
        tmp_path: Path):
    """Bodies began "Justice Le rappeur MHD…" (in snippets, exports and citations), and titles
    made from them too. A rubric leaves a body only where its site shows the habit, most of its
    records opening so: the same words elsewhere are the sentence's own."""
    records = [{"url": f"https://www.lenouvelliste.ch/articles/monde/{n}",
                "body": f"{opening}\nLa suite de l'article."}
               for n, opening in enumerate(RUBRICATED)]
    records += [{"url": f"https://www.journal.example/{n}", "body": f"{opening}\nLa suite."}
                for n, opening in enumerate(NOT_RUBRICATED)]
    articles = read_export(tmp_path / "export.jsonl", jsonl(*records))
    assert [a.paragraphs[0] for a in articles] == [*RUBRICATED.values(), *NOT_RUBRICATED]
    assert articles[0].title == "Le rappeur MHD, de son vrai nom Mohammed Sylla, a été mis en " \
                                "examen"
    # the site's habit is the export's: one of its records alone keeps its words
    (alone,) = read_export(tmp_path / "one.jsonl", jsonl(records[0]))
    assert alone.paragraphs[0] == next(iter(RUBRICATED))
    # a CSV export reads the same
    rows = io.StringIO()
    csv.writer(rows).writerows([["url", "body"], *([r["url"], r["body"]] for r in records)])
    assert [a.paragraphs[0] for a in read_export(tmp_path / "export.csv", rows.getvalue())] \
        == [*RUBRICATED.values(), *NOT_RUBRICATED]


def test_a_byline_at_the_end_of_the_body_becomes_the_author(tmp_path: Path):
    body = BODY + "\n" + "Les semences sont arrivées à temps dans les coopératives.\nA. Diarra"
    (article,) = read_export(tmp_path / "export.jsonl", jsonl({"title": "Coton", "body": body}))
    assert article.author == ("A. Diarra",)
    assert "Diarra" not in article.body


def test_a_byline_opening_the_body_becomes_the_author(tmp_path: Path):
    # gjfr-9cbed4120ec9 (La Libre): "Par Géry De Maet.Alors que la colère des gilets jaunes…"
    if not CORPUS_EXPORT.exists():
        pytest.skip(f"../shared corpus not available: {CORPUS_EXPORT} is missing")
    row = next(r for r in map(json.loads, CORPUS_EXPORT.read_text(encoding="utf-8").splitlines())
               if r["id"] == "gjfr-9cbed4120ec9")
    (article,) = read_export(tmp_path / "export.jsonl", jsonl(row))
    assert article.author == ("Géry De Maet",)
    assert article.body.startswith("Alors que la colère des gilets jaunes")


def test_the_publisher_option_fills_only_a_missing_publisher(tmp_path: Path):
    results = read_export(tmp_path / "export.jsonl", jsonl(
        {"title": "Un", "body": BODY},
        {"title": "Deux", "body": BODY, "publisher": "L’Essor"},
    ), publisher="Le Républicain")
    assert [a.publisher for a in results] == ["Le Républicain", "L’Essor"]


# --- CSV ------------------------------------------------------------------------------------


SEMICOLON_CSV = (
    "\ufeffDate;url;Section;Titre;Article;Auteur\r\n"
    "05 Avril 2018 23:33;https://example.org/a;Politique;Réunion à Ségou;"
    "\"Le gouverneur a réuni les élus; la séance a duré\r\ntoute la journée.\";Awa Sangaré\r\n"
    "2019-07-05;;Économie;\"Le prix du coton\";\"Les cours remontent.\";\r\n"
    "2019-07-06;;Économie;Ligne bancale;Trop de champs;x;y\r\n"
    "\r\n"
    "2019-07-07;;Sport;Les Aigles gagnent;Les Aigles ont battu le Ghana.;\r\n"
)


def test_a_semicolon_csv_with_french_columns_imports_row_by_row(tmp_path: Path):
    path = tmp_path / "export.csv"
    results = read_export(path, SEMICOLON_CSV, mapping="title=Titre")
    articles = [r for r in results if isinstance(r, Article)]
    assert [a.title for a in articles] == ["Réunion à Ségou", "Le prix du coton",
                                           "Les Aigles gagnent"]
    first = articles[0]
    assert first.body == "Le gouverneur a réuni les élus; la séance a duré toute la journée."
    assert (first.date, first.date_source) == ("2018-04-05", "page")
    assert (first.section, first.url, first.author) == (
        "Politique", "https://example.org/a", ("Awa Sangaré",))
    assert first.imported_from == "export.csv:2"
    # the quoted field spans two lines, so the ragged row is physical line 5
    assert [r for r in results if isinstance(r, Rejected)] == [
        Rejected(f"{path}:5", "7 fields where the header has 6")]


def test_comma_and_tab_csv_are_recognised(tmp_path: Path):
    comma = read_export(tmp_path / "a.csv", 'title,body\n"Kayes, ville rail",Le train siffle.\n')
    tab = read_export(tmp_path / "b.tsv", "title\tbody\nKayes\tLe train siffle, enfin.\n")
    assert [a.title for a in comma + tab] == ["Kayes, ville rail", "Kayes"]
    assert exports.sniff_delimiter("a;b;c\n1,5;2;3\n") == ";"


def test_an_unclosed_quote_is_reported_instead_of_swallowing_the_file(tmp_path: Path):
    path = tmp_path / "export.csv"
    results = read_export(path, 'title,body\nKayes,Le train siffle.\nSégou,"Le fleuve monte\n')
    assert [a.title for a in results if isinstance(a, Article)] == ["Kayes"]
    assert [r.source for r in results if isinstance(r, Rejected)] == [f"{path}:3"]


def test_a_csv_without_a_body_column_is_rejected_once_with_a_hint(tmp_path: Path):
    path = tmp_path / "export.csv"
    (rejected,) = read_export(path, "titre,texte_integral\nUn,Deux\nTrois,Quatre\n")
    assert rejected.source == str(path)
    assert "--map body=" in rejected.reason
    (missing,) = read_export(path, "titre,texte\nUn,Deux\n", mapping="title=headline")
    assert "headline" in missing.reason


# --- the --map option -----------------------------------------------------------------------


def test_parse_mapping_reads_pairs_and_refuses_mistakes():
    assert exports.parse_mapping("") == {}
    assert exports.parse_mapping(" title = headline , body=text ") == {
        "title": "headline", "body": "text"}
    for spec, hint in [("title", "field=column"), ("titre=headline", "unknown field 'titre'"),
                       ("title=", "field=column"), ("title=a,title=b", "mapped twice")]:
        with pytest.raises(ArchiveError) as caught:
            exports.parse_mapping(spec)
        assert hint in caught.value.message


# --- sniffing -------------------------------------------------------------------------------


def test_each_importer_claims_its_own_files():
    assert exports.sniff(Path("a.jsonl"), "{") and exports.sniff(Path("a.CSV"), "x,y")
    assert exports.sniff(Path("a.json"), '{"title": 1}')
    assert not exports.sniff(Path("a.json"), "[1, 2]")
    assert not exports.sniff(Path("page.txt"), "Accueil / Nation")
    assert article_files.sniff(Path("a.md"), "")
    assert article_files.sniff(Path("a.txt"), "---\nid: a\ntitle: T\n---\n")
    assert not article_files.sniff(Path("page.txt"), "---\nFlash Infos\n---\nAccueil / Nation")


# --- article files --------------------------------------------------------------------------


VALID = Article(id="coton-record-1a2b3c4d", title="Coton : une récolte record", body=BODY,
                section="Économie", author=("Awa Sangaré",), date="2019-07-05",
                date_source="page", url="https://example.org/coton", publisher="L’Essor")


def read_article_file(path: Path, text: str) -> list:
    path.write_text(text, encoding="utf-8")
    return list(article_files.read(path, path.read_text(encoding="utf-8"), ImportOptions()))


def test_a_valid_article_file_round_trips(tmp_path: Path):
    assert read_article_file(tmp_path / "a.md", articlefile.render(VALID)) == [VALID]


@pytest.mark.parametrize("change, reason", [
    (("section: Économie", "section: !!python/object:os.system Économie"), "tags are not allowed"),
    (("section: Économie", "rubrique: Économie"), "unknown field(s) rubrique"),
    (("date: '2019-07-05'", "date: '2019-02-30'"), "not a real day"),
])
def test_a_broken_article_file_is_rejected_with_the_reason(tmp_path: Path, change, reason):
    text = articlefile.render(VALID)
    assert change[0] in text
    path = tmp_path / "a.md"
    (rejected,) = read_article_file(path, text.replace(*change, 1))
    assert isinstance(rejected, Rejected)
    assert rejected.source == str(path)
    assert reason in rejected.reason


def test_a_jsonl_file_that_is_not_an_article_export_is_rejected_once(tmp_path: Path):
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text('{"file": "a.html", "expected_date": "2020-03-17"}\n'
                        '{"file": "b.html", "expected_date": "2020-03-18"}\n', encoding="utf-8")
    records = list(exports.read(manifest, manifest.read_text(), ImportOptions()))
    assert len(records) == 1 and isinstance(records[0], Rejected)
    assert records[0].source == str(manifest)
    assert "no body field" in records[0].reason and "file, expected_date" in records[0].reason


# --- sections under their usual column names ------------------------------------------------


@pytest.mark.parametrize("column", [
    "section", "Rubrique", "RUBRIQUE", "catégorie", "Categorie", "CATÉGORIE", "category",
    "Rubric", "theme", "Thème", " THEME "])
def test_the_usual_section_columns_fill_the_section_without_a_mapping(tmp_path: Path,
                                                                       column: str):
    # MasakhaNEWS (BBC Afrique) exports name it "category"; French CMSs "rubrique" or "thème"
    for path in (tmp_path / "export.jsonl", tmp_path / "export.csv"):
        text = (jsonl({"title": "Coton", column: "politics", "body": BODY})
                if path.suffix == ".jsonl" else
                f'title;{column};body\nCoton;politics;"{BODY}"\n')
        (article,) = read_export(path, text)
        assert article.section == "politics", path


def test_section_takes_the_first_usual_column_the_export_has(tmp_path: Path):
    (article,) = read_export(tmp_path / "export.jsonl", jsonl(
        {"title": "Coton", "theme": "Agriculture", "rubrique": "Économie", "body": BODY}))
    assert article.section == "Économie"
    columns = exports._columns({})
    assert exports.unused_columns(["title", "theme", "rubrique", "body", "source_dataset"],
                                  columns) == ["theme", "source_dataset"]


def test_the_columns_an_export_does_not_import_are_named_once(tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_text(f'titre;Thème;texte;vues;source_dataset\nCoton;Économie;"{BODY}";12;x\n'
                    f'Mil;Économie;"{BODY}";3;y\n', encoding="utf-8")
    (notice,) = exports.notices(path, path.read_text(encoding="utf-8"), ImportOptions())
    assert (notice.source, notice.message) == (
        str(path), "columns not imported: vues, source_dataset (to import one, name it with "
                   "--map FIELD=COLUMN)")
    assert exports.notices(path, path.read_text(encoding="utf-8"), ImportOptions(
        mapping={"publisher": "source_dataset", "language": "vues"})) == []


# --- a body given as a list of paragraphs -------------------------------------------------------

# gjfr-26fade4d537d (La DH)
LEAD_DH = "Les \"gilets jaunes\" ont négocié une baisse des prix du carburant jusqu'au 11 décembre."
NEXT_DH = ("Comme annoncé hier, la pompe à essence du Cora de Châtelineau a rouvert après avoir "
           "été réapprovisionnée en carburants.")


def test_a_body_given_as_a_json_list_of_paragraphs_is_joined_as_paragraphs(tmp_path: Path):
    (article,) = read_export(tmp_path / "export.jsonl", jsonl(
        {"title": "Châtelineau", "body": [LEAD_DH, "", f"  {NEXT_DH}  "]}))
    assert article.body == f"{LEAD_DH}\n\n{NEXT_DH}"


@pytest.mark.parametrize("cell", [
    json.dumps([LEAD_DH, NEXT_DH], ensure_ascii=False),  # a JSON array
    repr([LEAD_DH, NEXT_DH]),  # the Python list a pandas DataFrame.to_csv writes
])
def test_a_csv_cell_holding_a_list_of_paragraphs_is_joined_as_paragraphs(tmp_path: Path,
                                                                         cell: str):
    quoted = '"' + cell.replace('"', '""') + '"'
    (article,) = read_export(tmp_path / "export.csv", f"title,body\nChâtelineau,{quoted}\n")
    assert article.body == f"{LEAD_DH}\n\n{NEXT_DH}"


@pytest.mark.parametrize("body", [
    "[Vidéo] Les \"gilets jaunes\" ont négocié une baisse des prix [mise à jour]",
    "[1, 2, 3]",  # not paragraphs: text as it is
])
def test_a_csv_body_in_brackets_that_is_no_list_of_paragraphs_stays_text(tmp_path: Path,
                                                                         body: str):
    quoted = '"' + body.replace('"', '""') + '"'
    (article,) = read_export(tmp_path / "export.csv", f"title,body\nChâtelineau,{quoted}\n")
    assert article.body == body


def test_a_json_list_body_holding_something_else_than_text_is_refused(tmp_path: Path):
    path = tmp_path / "export.jsonl"
    (rejected,) = read_export(path, jsonl({"title": "Châtelineau", "body": [LEAD_DH, 12]}))
    assert isinstance(rejected, Rejected)
    assert rejected.reason == "'body' (body) must be text, not a list holding a number"
