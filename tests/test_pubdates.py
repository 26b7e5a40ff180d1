"""Publication dates from evidence: a dated URL, a dateline, an estimate from the lead only.

Sentences are quoted from the shared corpus (BBC Afrique, Mosaïque FM, La DH, Journal de
Montréal…) and from Malian pages of the seed's kind; the shared corpus holds no dateline with
a date (its datelines read "PARIS |", "VIMY, France –"), so those are agency formats.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import articlefile
from archive.cli import main
from archive.ingest.pubdates import (
    dateline_date,
    estimate_date,
    estimate_floor,
    evidence_date,
    tweet_estimate,
    url_date,
)
from archive.models import DATE_SOURCES, Article

from .conftest import CORPUS, require_shared

WASHINGTON_COOK = "mnfr-0c76eeb60fb7"  # BBC Afrique: "Hercules Posey : … cuisinier de George Washington"


def run(archive: Path, *args: str):
    return CliRunner().invoke(
        main, [*args, "--data", str(archive / "data"), "--index", str(archive / "index")])


def imported(archive: Path, *records: dict) -> list[Article]:
    """Import these export records with the real CLI; the article files it wrote."""
    export = archive / "export.jsonl"
    export.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                      encoding="utf-8")
    result = run(archive, "import", str(export))
    assert result.exit_code == 0, result.output
    return [articlefile.read(p) for p in sorted((archive / "data" / "articles").rglob("*.md"))]


def corpus_record(record_id: str) -> dict:
    path = require_shared(CORPUS / "articles.jsonl")
    for line in path.open(encoding="utf-8"):
        record = json.loads(line)
        if record["id"] == record_id:
            return record
    raise AssertionError(f"{record_id} is not in the shared corpus")


# --- dated URLs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "expected"), [
    ("https://www.journaldemontreal.com/2018/11/25/trump-evoque-les-gilets-jaunes-francais-pour"
     "-maintenir-la-pression-sur-macron-et-lue", "2018-11-25"),
    ("https://www.lapresse.ca/international/europe/201812/13/01-5207839-les-gilets-jaunes-sous-"
     "pression-apres-lattaque-de-strasbourg.php", "2018-12-13"),
    ("https://www.sudinfo.be/id300074/article/2020-12-24/il-brise-le-couvre-feu-et-est-surpris-au"
     "-volant-23h30-mellet-je-me-fiche-pas-mal", "2020-12-24"),
    # numbers that are not dates: story and article ids, an archive capture, a page number
    ("https://www.lematin.ch/monde/mobilisation-gilets-jaunes-suivie/story/20095157", None),
    ("https://www.bbc.com/afrique/sports-49409027", None),
    ("https://web.archive.org/web/20070228213001/http://www.alternatives-economiques.fr/site/"
     "hs72_003_35heures.html", None),
    ("https://www.mosaiquefm.net/fr/actualite-politique-tunisie/312646/chahed-evoque-des-mesures",
     None),
    ("https://example.org/2019/02/30/un-jour-qui-n-existe-pas", None),
    (None, None),
])
def test_a_date_in_the_path_of_the_address(url: str | None, expected: str | None) -> None:
    assert url_date(url) == expected


def test_the_url_date_is_the_publisher_evidence_first(archive_dir: Path) -> None:
    (article,) = imported(archive_dir, {
        "title": "Trump évoque les «gilets jaunes»",
        "url": "https://www.journaldemontreal.com/2018/11/25/trump-evoque-les-gilets-jaunes",
        "body": "WASHINGTON | Donald Trump a une nouvelle fois mis la pression dimanche sur "
                "Emmanuel Macron et plus largement sur l’Union européenne.\n\nLe samedi 24 "
                "novembre 2018, plus de 100 000 personnes ont manifesté en France."})
    assert (article.date, article.date_source) == ("2018-11-25", "url")


# --- datelines ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "expected"), [
    # the AFP's own dateline, as its NewsML feed prints it
    ("Paris, 21 jan 2019 (AFP) - Le gouvernement a présenté lundi son projet.", "2019-01-21"),
    ("Bamako, le 12 mars 2021. La campagne cotonnière 2020-2021 s’achève.", "2021-03-12"),
    ("BAMAKO, le 5 juillet 2019 – Le ministre de la Santé a lancé la campagne.", "2019-07-05"),
    ("Bamako, le 05/07/2019 – Le ministre de la Santé a lancé la campagne.", "2019-07-05"),
    # no year in the dateline: the same day written in full in the text gives it
    ("Bamako, 27 nov (AMAP) – Le Centre International de Conférences de Bamako (CICB) a "
     "accueilli, ce jeudi 27 novembre 2025, la Journée d’information sur le RAMED.",
     "2025-11-27"),
    ("Bamako, 27 nov (AMAP) – Le ministre a reçu les délégués.", None),
    # the corpus's own datelines state no date
    ("PARIS | Les premiers «gilets jaunes» convergeaient samedi vers les Champs-Élysées.", None),
    ("VIMY, France – Le premier ministre Justin Trudeau a honoré samedi en France la mémoire des "
     "soldats canadiens.", None),
    ("Londres - Manchester United a raté l'occasion de prendre la deuxième place.", None),
    # an opening sentence that starts with a date is not a dateline
    ("Dimanche 6 janvier 2019, les messages de félicitations affluent sur le GSM de notre homme.",
     None),
    ("Le 18 novembre 1978, 914 adeptes de la secte américaine du \"Temple du peuple\" meurent "
     "dans la jungle de Guyana.", None),
    ("Le 14 avril 2021, une députée suppléante du Parti national a pris place au Congrès.", None),
])
def test_a_dateline_opening_the_body(body: str, expected: str | None) -> None:
    assert dateline_date(body) == expected


def test_a_dateline_dates_an_export_record_and_says_so(archive_dir: Path) -> None:
    (article,) = imported(archive_dir, {
        "title": "Coton : fin de campagne",
        "body": "Bamako, le 12 mars 2021. La campagne cotonnière 2020-2021 s’achève. Le 10 mars "
                "2021, les producteurs de Sikasso ont livré leurs dernières balles."})
    assert (article.date, article.date_source) == ("2021-03-12", "dateline")


# --- estimates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("title", "body", "expected"), [
    # Mosaïque FM, dated 2018-03-25 by its own export: a weekday the calendar confirms
    ("Zouhair Hamdi garde son poste de SG du Courant populaire",
     "Zouhair Hamdi a été reconduit ce dimanche 25 Mars 2018 au poste de secrétaire général du "
     "Courant populaire.", "2018-03"),
    # La DH
    ("Philippe Moureaux, l'intraitable",
     "Le socialiste est décédé ce samedi 15 décembre 2018 à l'âge de 79 ans.", "2018-12"),
    # Malian pages (Koulouba, Bamako): the weekday form of the country's press
    ("communiqué du Conseil des Ministres du mercredi 12 juin 2024",
     "Le mercredi 12 juin 2024, le Conseil des Ministres s’est réuni en séance ordinaire au "
     "Palais de Koulouba sous la présidence du Colonel Assimi GOITA.", "2024-06"),
    ("Mali : le ministre Housseïni Amion Guindo au Parc & Zoo national",
     "C’est pourquoi il s’est rendu le dimanche, 06 octobre 2019, en compagnie de quelques "
     "cadres de son cabinet au Parc national et au Zoo de Bamako.", "2019-10"),
    # La DH: a date in the lead with nothing tying it to the text's own time
    ("Il y a 40 ans jour pour jour, la folie du \"Temple du peuple\"",
     "Le 18 novembre 1978, 914 adeptes de la secte américaine du \"Temple du peuple\" meurent "
     "dans la jungle de Guyana, volontaires ou victimes.", None),
    ("Le fantasque Jawad Bendaoud, logeur présumé de Daech",
     "Il avait logé deux djihadistes des attentats du 13 novembre 2015 à Paris.", None),
    # Le Temps: "ce" alone ties nothing to the text's own time
    ("Cette France qui veut Marine Le Pen",
     "«Ces jeunes électeurs voient ce 23 avril 2017 comme un marqueur historique, explique "
     "Christèle Marchand-Lagier dans son livre «Le vote FN».", None),
    # a weekday the calendar denies (14 March 2024 was a Thursday)
    ("Marché de Médina-Coura", "Les commerçants ont tenu le lundi 14 mars 2024 une assemblée "
     "générale pour dénoncer l’état des allées.", None),
    # the date a page changed, announced events
    ("Deux ans et demi en Macronie", "Article mis à jour le mardi 7 janvier 2020.", None),
    ("Dialogue social", "Les deux parties signeront l’accord prévu le mardi 31 décembre 2024 "
     "à Bamako.", None),
])
def test_an_estimate_needs_current_events_dated_in_the_lead(title: str, body: str,
                                                             expected: str | None) -> None:
    assert estimate_date(title, body) == expected


def test_a_weekday_date_past_the_lead_is_no_estimate() -> None:
    lead = ("Zouhair Hamdi a été reconduit au poste de secrétaire général du Courant populaire. "
            "Le congrès a réuni les délégués des régions pendant deux jours.")
    later = "Zouhair Hamdi a été reconduit ce dimanche 25 Mars 2018 au poste de secrétaire général."
    assert estimate_date("Courant populaire", f"{lead}\n\n{lead}\n\n{later}") is None
    assert estimate_date("Courant populaire", f"{later}\n\n{lead}") == "2018-03"


def test_a_later_past_year_in_the_text_vetoes_the_estimate() -> None:
    lead = "Le socialiste est décédé ce samedi 15 décembre 2018 à l'âge de 79 ans."
    assert estimate_date("Philippe Moureaux", lead) == "2018-12"
    assert estimate_date("Philippe Moureaux", f"{lead}\n\nSon procès s’est ouvert en 2020.") is None
    # a year announced as future is no veto
    assert estimate_date("Philippe Moureaux", f"{lead}\n\nUn hommage est prévu d’ici 2030.") == (
        "2018-12")


def test_no_estimate_before_1960_or_the_publishers_first_year() -> None:
    body = ("L’Assemblée constituante de la Fédération du Mali s’est ouverte le samedi 17 janvier "
            "1959 à Dakar.")
    assert estimate_floor(None) == 1960
    assert estimate_date("Fédération du Mali", body) is None
    assert estimate_date("Fédération du Mali", body, first_year=1949) == "1959-01"  # L'Essor
    recent = "Le mercredi 12 juin 2024, le Conseil des Ministres s’est réuni à Koulouba."
    assert estimate_date("Conseil des ministres", recent, first_year=2025) is None


def test_george_washingtons_cook_is_no_longer_dated_1812(archive_dir: Path) -> None:
    record = corpus_record(WASHINGTON_COOK)
    assert "1812" in record["body"]
    (article,) = imported(archive_dir, record)
    assert article.title.startswith("Hercules Posey")
    assert (article.date, article.date_source) == (None, None)


def test_an_estimate_is_recorded_as_text_to_the_month(archive_dir: Path) -> None:
    (article,) = imported(archive_dir, {
        "title": "Marché de Médina-Coura : les commerçants réclament l’assainissement",
        "body": "Les commerçants du marché de Médina-Coura, au cœur de Bamako, ont tenu le jeudi "
                "14 mars 2024 une assemblée générale pour dénoncer l’état des allées et des "
                "caniveaux."})
    assert (article.date, article.date_source) == ("2024-03", "text")
    assert article.date_estimated


def test_evidence_comes_in_order_url_dateline_estimate() -> None:
    body = ("Bamako, le 5 juillet 2019 – Les commerçants ont tenu le jeudi 4 juillet 2019 une "
            "assemblée générale.")
    article = Article(id="a", title="Marché", body=body)
    assert evidence_date(article) == ("2019-07-05", "dateline")
    dated = article.replace(url="https://example.ml/2019/07/06/marche")
    assert evidence_date(dated) == ("2019-07-06", "url")
    lead_only = article.replace(body=body.split("– ", 1)[1])
    assert evidence_date(lead_only) == ("2019-07", "text")


# An embedded tweet as La Tribune de Genève and Le Matin printed it (shared corpus, gjfr-c5c619a7f5be)
GRAND_DEBAT = (
    "Emmanuel Macron a lancé mardi le grand débat national par un échange-marathon de plus de "
    "6h30 heures avec 600 maires normands. Fin d’un premier temps de dialogue à Bourgtheroulde. "
    "Merci aux maires présents pour ces longs échanges ! pic.twitter.com/jY2CavJBQV— Emmanuel "
    "Macron (@EmmanuelMacron) 15 janvier 2019")


def test_the_latest_tweet_a_page_embeds_estimates_its_month(archive_dir: Path) -> None:
    """Cleaning drops the attribution, and its day dates the undated page: on or after it."""
    (article,) = imported(archive_dir, {"title": "Macron lance le grand débat",
                                        "body": GRAND_DEBAT})
    assert "@EmmanuelMacron" not in article.body
    assert (article.date, article.date_source, article.date_estimated) == ("2019-01", "text", True)


def test_a_quoted_tweet_does_not_date_a_later_text() -> None:
    tweeted = [dt.date(2019, 1, 15), dt.date(2018, 11, 4)]
    assert tweet_estimate(tweeted, "Le débat s’est achevé.") == "2019-01"
    # the text recalls the tweet from a later year
    assert tweet_estimate(tweeted, "En 2021, le président s’en est souvenu.") is None
    assert tweet_estimate(tweeted, "", first_year=2020) is None  # before the publisher existed
    assert tweet_estimate([], "Le débat s’est achevé.") is None


def test_the_lead_s_own_date_comes_before_the_tweets() -> None:
    body = ("Les commerçants ont tenu le jeudi 14 mars 2024 une assemblée générale pour dénoncer "
            "l’état des allées.")
    article = Article(id="a", title="Marché", body=body)
    assert evidence_date(article, tweeted=[dt.date(2024, 2, 1)]) == ("2024-03", "text")
    assert evidence_date(article.replace(body="Une assemblée générale."),
                         tweeted=[dt.date(2024, 2, 1)]) == ("2024-02", "text")


def test_tweets_date_the_corpus_s_undated_pages_that_embed_them(archive_dir: Path) -> None:
    """The held-out audit judged these two by hand: a hostage-taking on Friday 23 March 2018,
    and the grand débat Emmanuel Macron opened on Tuesday 15 January 2019."""
    hostages, debate = corpus_record("gjfr-9b87c442dc7a"), corpus_record("gjfr-c5c619a7f5be")
    assert not hostages["date"] and not debate["date"]
    articles = {a.url: a for a in imported(archive_dir, hostages, debate)}
    assert (articles[hostages["url"]].date, articles[debate["url"]].date) == ("2018-03", "2019-01")


def test_an_article_file_left_undated_stays_undated(archive_dir: Path) -> None:
    """An archivist who removed a date is not overruled by the lead on the next import."""
    (article,) = imported(archive_dir, {
        "title": "Marché de Médina-Coura", "body": "Les commerçants ont tenu le jeudi 14 mars "
        "2024 une assemblée générale pour dénoncer l’état des allées et des caniveaux."})
    path = next((archive_dir / "data" / "articles").rglob("*.md"))
    undated = article.replace(date=None, date_source=None)
    path.unlink()
    articlefile.write(archive_dir / "data" / "articles", undated)
    result = run(archive_dir, "import", str(archive_dir / "data" / "articles"))
    assert result.exit_code == 0, result.output
    (again,) = [articlefile.read(p) for p in (archive_dir / "data" / "articles").rglob("*.md")]
    assert (again.date, again.date_source) == (None, None)


def test_files_of_every_date_source_parse_and_old_ones_still_do(tmp_path: Path) -> None:
    assert DATE_SOURCES == ("page", "url", "dateline", "text", "manual")
    for source in ("page", "text", "manual", "url", "dateline"):
        article = Article(id="a-1", title="Titre", body="Texte.", date="2019-07-05",
                          date_source=source)
        assert articlefile.parse(articlefile.render(article)).date_source == source
    with pytest.raises(Exception, match="date_source must be one of page, url, dateline"):
        articlefile.parse(articlefile.render(Article(
            id="a-1", title="Titre", body="Texte.", date="2019", date_source="guess")))


# --- measured on the shared corpus ----------------------------------------------------------------


def test_estimates_on_checkable_corpus_articles_are_right() -> None:
    """Every article of the corpus whose date can be checked (its own date field, a dated
    URL) is estimated as if it had no other evidence: what the rule keeps must be right.

    Measured: 241 checkable articles (with the HTML manifest's 30), 7 estimates, 7 right to
    the month; the vote over mentioned years it replaces made 68, of which 43 were wrong."""
    path = require_shared(CORPUS / "articles.jsonl")
    made = right = 0
    for line in path.open(encoding="utf-8"):
        record = json.loads(line)
        reference = record["date"] or url_date(record["url"])
        if not reference:
            continue
        estimate = estimate_date(record["title"] or "", record["body"])
        if estimate:
            made += 1
            right += reference.startswith(estimate)
    assert made >= 5
    assert right == made


def test_an_import_takes_the_publishers_first_year_from_the_publishers_file(
        archive_dir: Path) -> None:
    publishers = archive_dir / "data" / "publishers.yaml"
    publishers.write_text(publishers.read_text(encoding="utf-8") + (
        "- name: Le Journal d’hier\n  country: ML\n  first_year: 2025\n"
        "- name: Le Journal d’avant\n  country: ML\n  first_year: 2001\n"), encoding="utf-8")
    lead = ("Les commerçants du marché de Médina-Coura, au cœur de Bamako, ont tenu le jeudi "
            "14 mars 2024 une assemblée générale pour dénoncer l’état des allées.")
    articles = imported(archive_dir,
                        {"title": "Médina-Coura", "body": lead, "publisher": "Le Journal d’hier",
                         "url": "https://hier.example.ml/medina"},
                        {"title": "Médina-Coura", "body": lead, "publisher": "Le Journal d’avant",
                         "url": "https://avant.example.ml/medina"})
    dates = {a.publisher: a.date for a in articles}
    # no estimate before a paper existed
    assert dates == {"Le Journal d’hier": None, "Le Journal d’avant": "2024-03"}
