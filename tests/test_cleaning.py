"""Clean text from sources: mojibake, scrapers' literal \\n, page furniture, repeated paragraphs
and French typography, each rule on real sentences of the shared corpus or of the seed's page
(quoted here), with the real sentences it must leave alone; and the import summary that counts
what was cleaned, through the real `archive import`."""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import articlefile, textnorm
from archive.articlefile import make_id, parse, render
from archive.cli import main
from archive.ingest.cleaning import clean_body
from archive.models import Article
from archive.textnorm import clean_line, mojibake_count, normalise_body, repair_mojibake

from .conftest import CORPUS, EXAMPLE_PAGE, require_shared

# gjfr-0054be98e852 (Le Devoir), and what a page saved in the wrong encoding makes of it
SENTENCE = "Le Parlement français a définitivement adopté mercredi un projet de loi"
AS_MAC_ROMAN = SENTENCE.encode("utf-8").decode("mac_roman")  # "fran√ßais … d√©finitivement"
AS_WINDOWS = SENTENCE.encode("utf-8").decode("cp1252")  # "franÃ§ais … dÃ©finitivement"


def run(archive: Path, *args: str):
    return CliRunner().invoke(
        main, [*args, "--data", str(archive / "data"), "--index", str(archive / "index")])


def imported(archive: Path) -> list[Article]:
    return [articlefile.read(p) for p in articlefile.iter_files(archive / "data" / "articles")]


def paragraphs(body: str) -> list[str]:
    return body.split("\n\n")


# --- mojibake ---------------------------------------------------------------------------------


@pytest.mark.parametrize("garbled", [AS_MAC_ROMAN, AS_WINDOWS, "Pr√©sent", "Ã©tÃ©"])
def test_mojibake_is_repaired_and_counted(garbled: str):
    repaired, fixed, left = repair_mojibake(garbled)
    assert repaired == {"Pr√©sent": "Présent", "Ã©tÃ©": "été"}.get(garbled, SENTENCE)
    assert fixed == mojibake_count(garbled) > 0 and left == 0


def test_a_line_mixing_two_kinds_of_mojibake_is_repaired_whole():
    # a Mac Roman title pasted above a Windows-1252 body, on one line of an export
    repaired, fixed, left = repair_mojibake(f"{AS_MAC_ROMAN} — {AS_WINDOWS}")
    assert repaired == f"{SENTENCE} — {SENTENCE}" and left == 0 and fixed == 6


@pytest.mark.parametrize("text", [
    "Bâtisseur d'empire automobile",  # gjfr-2278cf638cf0: ftfy finds "B√¢tisseur" plausible
    "1. Italie - 0,56€/an",  # gjfr-159c96d198bc: the euro sign is three bytes
    "l'adage “à vue d'œil point de question” (approximatif)",  # gjfr-092593da4fe4
])
@pytest.mark.parametrize("codec", ["mac_roman", "sloppy-windows-1252"])
def test_every_word_is_repaired_even_where_ftfy_would_leave_it(text: str, codec: str):
    import ftfy.bad_codecs  # noqa: F401  (the codec browsers use for Windows-1252)
    garbled = text.encode("utf-8").decode(codec)
    assert repair_mojibake(garbled)[0] == text


def test_a_character_lost_by_the_wrong_decoding_is_counted_as_not_repaired():
    # strict Windows-1252 has no character for the last byte of ”: the export lost it
    text = "l'adage “à vue d'œil point de question” (approximatif)"
    garbled = text.encode().decode("cp1252", errors="replace")
    repaired, fixed, left = repair_mojibake(garbled)
    assert repaired == "l'adage “à vue d'œil point de question\ufffd (approximatif)"
    assert (fixed, left) == (3, 1)


def test_mojibake_cut_short_cannot_be_repaired_and_is_counted_as_left():
    # a scraper cut the title in the middle of a Mac Roman apostrophe (‚Äô): what remains of it
    # is no character any more; the rest of the line is repaired
    repaired, fixed, left = repair_mojibake(AS_MAC_ROMAN + " l‚Ä")
    assert repaired == SENTENCE + " l‚Ä" and (fixed, left) == (3, 1)


def test_real_text_has_no_mojibake_and_is_left_as_it_is():
    # none of the typical sequences occurs in the shared corpus: "â" (âge, château), "Ã" in
    # "SÃO PAULO", "√" of a formula are text
    export = require_shared(CORPUS / "articles.jsonl")
    for line in export.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        for value in (record["title"], record["body"], record["section"]):
            assert not value or mojibake_count(value) == 0, record["id"]
    for text in ("Le château âgé de Ségou", "SÃO PAULO", "√2 ≈ 1,414"):
        assert repair_mojibake(text) == (text, 0, 0)


def test_an_import_repairs_mojibake_before_reading_the_page_and_says_so(archive_dir: Path,
                                                                        tmp_path: Path):
    page = require_shared(EXAMPLE_PAGE).read_text(encoding="utf-8")
    garbled = page.encode("utf-8").decode("cp1252", errors="replace")  # saved as Windows-1252
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "page.txt").write_text(garbled, encoding="utf-8")
    result = run(archive_dir, "import", str(inbox))
    assert result.exit_code == 0, result.output
    (article,) = imported(archive_dir)
    # the breadcrumb's section and the title are read from the repaired text
    assert article.title == "Renforcement des capacités : le CARES-Mali outille ses nouveaux membres"
    assert article.section == "Nation"
    assert "s’est tenu à Bamako du 1er au 05 juillet 2019" in article.body
    fixed = mojibake_count(garbled)
    assert re.search(rf"^repaired: .*page\.txt: {fixed} mojibake sequences repaired$",
                     result.output, re.M)
    assert f"cleaned: {fixed} mojibake sequences repaired, 0 repeated" in result.output


def test_an_export_escaping_its_mojibake_in_json_is_repaired_per_record(archive_dir: Path,
                                                                        tmp_path: Path):
    # json.dumps escapes every non-ASCII character: the file itself shows no mojibake
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"id": "x1", "title": AS_WINDOWS, "body": AS_MAC_ROMAN + " l‚Ä"})
                      + "\n", encoding="ascii")
    result = run(archive_dir, "import", str(export))
    assert result.exit_code == 0, result.output
    (article,) = imported(archive_dir)
    assert article.title == SENTENCE and article.body == SENTENCE + " l‚Ä"
    assert ("repaired: export.jsonl#x1: 6 mojibake sequences repaired; 1 mojibake sequences "
            "could not be repaired") in result.output
    assert "6 mojibake sequences repaired, 1 mojibake sequences not repairable" in result.output


# --- literal \n ---------------------------------------------------------------------------------


def test_literal_backslash_n_of_a_scraper_becomes_paragraph_breaks():
    # mnfr-062f223b843d (BBC Afrique)
    body, done = clean_body(r"Une portion de 10g de poudre de moringa apporte :\n\n31 "
                            r"kcals/128KJ\n2,5 g de protéines\n0,6 g de lipides")
    assert paragraphs(body) == ["Une portion de 10g de poudre de moringa apporte :",
                                "31 kcals/128KJ", "2,5 g de protéines", "0,6 g de lipides"]
    assert done.line_breaks == 3


# --- tweets ---------------------------------------------------------------------------------------

# gjfr-15bd07477c3c (Le Matin): an embedded tweet, its attribution, the tweet copied again
TWEET = ("Violences incompréhensibles à l’égard de la Police qui fait chaque jour de son mieux "
         "pour protéger les citoyens et la société. Scandaleux.")
EMBED = (f"«C'est inacceptable», a réagi le ministre belge de l'Intérieur Jan Jambon sur "
         f"Twitter. {TWEET}— Jan Jambon (@JanJambon) 30 novembre 2018  {TWEET} La manifestation "
         f"a commencé vers 10h30 (9h30 GMT) au carrefour Arts-Loi.")


def test_a_tweet_attribution_is_dropped_and_the_tweet_stands_once():
    body, done = clean_body(EMBED)
    assert paragraphs(body) == [
        "«C'est inacceptable», a réagi le ministre belge de l'Intérieur Jan Jambon sur Twitter.",
        TWEET, "La manifestation a commencé vers 10h30 (9h30 GMT) au carrefour Arts-Loi."]
    assert (done.furniture["tweet"], done.repeated) == (1, 1)


def test_a_tweet_attribution_alone_on_its_line_is_dropped_with_an_english_date():
    # gjfr-0a8b63145258
    body, done = clean_body("#rouen #giletsjaunes acte 10 pic.twitter.com/SpKzAbFzet\n\n"
                            "— Photo Jérémy (@Jeremy_76_photo) January 19, 2019\n\n"
                            "Des dizaines de milliers de «gilets jaunes» ont manifesté.")
    assert paragraphs(body) == ["#rouen #giletsjaunes acte 10",
                                "Des dizaines de milliers de «gilets jaunes» ont manifesté."]
    assert done.furniture["tweet"] == 1 and done.furniture["tweet_link"] == 1


def test_the_links_an_embedded_tweet_ends_with_are_dropped():
    # gjfr-01f7926d3835: the tweet's picture and address, before its attribution and in the
    # copy scrapers make after it
    tweet = ("Kanaky: révoltes dans plusieurs villes suite au référendum gagné de justesse par "
             "la puissance coloniale occupante. Caillassage des patrouilles, feux de poubelles et "
             "voitures, routes bloquées. Images de l'incendie d'une maison coloniale à Nouméa.")
    links = " https://t.co/PDIRasng0t pic.twitter.com/WBA4AhUhfy"
    body, done = clean_body(
        f"{tweet}{links}— Ter-Ter et Liberté (@TerTerEtLiberte) 4 novembre 2018  {tweet}{links} "
        "Avant une déclaration prévue à 19H30 locales")
    assert paragraphs(body) == [tweet, "Avant une déclaration prévue à 19H30 locales"]
    assert done.furniture["tweet_link"] == 4 and done.furniture["tweet"] == 1


@pytest.mark.parametrize("glued, kept", [
    # gjfr-3a66202a8645 and gjfr-3df5cfaec210: the next sentence's first word glued to the
    # link's ten characters was dropped with it
    ("#ActeVI #22Décembre pic.twitter.com/2pnPNfBGSnFlorian Philippot ne semble pas avoir été "
     "le seul", "#ActeVI #22Décembre Florian Philippot ne semble pas avoir été le seul"),
    ("Mon discours devant le congrès.https://t.co/L3OsCjFYYNEn guise de cap en revanche",
     "Mon discours devant le congrès. En guise de cap en revanche"),
])
def test_a_word_glued_to_a_tweet_link_stays(glued: str, kept: str):
    body, done = clean_body(glued)
    assert paragraphs(body) == [kept] and done.furniture["tweet_link"] == 1


@pytest.mark.parametrize("text", [
    # mnfr-b8c5959c5812: a handle without a date is a sentence of the article
    "Suivez le sur Twitter @jamesclayton5.",
    # gjfr-ff670658b5ca: a dash opening an aside is not an attribution
    "Comment ce mouvement — dont le nombre de manifestants samedi était bien inférieur à "
    "d’autres manifestations — a-t-il réussi à mettre en difficulté le pouvoir à ce point ?",
    # a name and a handle in an aside, with a date that is no month
    "— Le collectif (@giletsjaunes) annonce 12 rassemblements 2019 fois plus nombreux",
])
def test_text_that_only_looks_like_a_tweet_attribution_stays(text: str):
    body, done = clean_body(text)
    assert body == text and not done


# --- video prompts ----------------------------------------------------------------------------------


def test_video_prompts_are_dropped_alone_or_ending_a_paragraph():
    # mnfr-00cca87523c1 and mnfr-4223f622f23f (BBC Afrique)
    body, done = clean_body(
        "Le port du masque facial en public reste obligatoire dans tout le pays. A regarder :"
        "\n\nA regarder sur BBC Afrique:\n\nRegardez : Le Nigeria face au coronavirus\n\n"
        "La pandémie a fait plus de cent morts.")
    assert paragraphs(body) == [
        "Le port du masque facial en public reste obligatoire dans tout le pays.",
        "La pandémie a fait plus de cent morts."]
    assert done.furniture["video"] == 3


@pytest.mark.parametrize("text", [
    "«\u00a0Regardez ce que vivent nos amis britanniques\u00a0», a-t-il souligné.",  # gjfr-5658c1d2327e
    "Regardez ce que fait le gouvernement.",  # gjfr-2afbfbf91bbd
    "Regardez : il n'y a plus personne dans les rues de Bamako après 20 heures.",
])
def test_real_lines_starting_with_regardez_stay(text: str):
    body, done = clean_body(text)
    assert body == normalise_body(text) and not done


# --- related-reading prompts ---------------------------------------------------------------------


@pytest.mark.parametrize("text, kept", [
    # gjfr-b8bc66d82100: the related headline glued to the next sentence ("humanitaireUne")
    ("a tweeté le secrétaire d’État américain Mike Pompeo.LIRE AUSSI : Venezuela: le Canada "
     "réclame l'accès sans restriction de l'aide humanitaireUne ONG locale, Foro Pena, a accusé "
     "les militaires vénézuéliens",
     "a tweeté le secrétaire d’État américain Mike Pompeo. Une ONG locale, Foro Pena, a accusé "
     "les militaires vénézuéliens"),
    # gjfr-0157f15424f2: a headline in guillemets, the next sentence opening a quotation
    ("dont l'AFP a pu visionner les images.Lire aussi: «Le grand débat ne doit pas être qu’un "
     "show à l’américaine»\"Quand les flics ont voulu disperser les gens, il a reçu une grenade",
     "dont l'AFP a pu visionner les images. \"Quand les flics ont voulu disperser les gens, il "
     "a reçu une grenade"),
    # gjfr-21db3db56226: a headline ending with a name, before an elided article
    ("«Et moi, je gagne quoi dans tout ça?»Lire aussi: Le référendum à la suisse, objectif des "
     "«gilets jaunes» d’AnnecyL’augmentation du salaire minimum est donc la bonne réponse?",
     "«Et moi, je gagne quoi dans tout ça?» L’augmentation du salaire minimum est donc la bonne "
     "réponse?"),
    # mnfr-01a1a94765e1, mnfr-08f5eaf02b3c: a prompt naming BBC Afrique, whose link the
    # source dropped: the article's text goes on
    ("avec les Forces armées maliennes (FAMA). A ne pas manquer sur BBC Afrique : Plus au "
     "nord, l'Espagne s'est retirée des jeux de guerre multinationaux",
     "avec les Forces armées maliennes (FAMA). Plus au nord, l'Espagne s'est retirée des jeux "
     "de guerre multinationaux"),
    ("A regarder aussi sur BBC Afrique: La carrière d'Eto'o a également inclus des passages à "
     "Majorque, à l'Inter Milan et à Chelsea.",
     "La carrière d'Eto'o a également inclus des passages à Majorque, à l'Inter Milan et à "
     "Chelsea."),
    # mnfr-0c774738591b: "rater" as "manquer"
    ("Messi a également touché le poteau dans le temps additionnel. A ne pas rater sur BBC "
     "Afrique : Le grand Pelé a marqué 643 buts en 19 saisons",
     "Messi a également touché le poteau dans le temps additionnel. Le grand Pelé a marqué 643 "
     "buts en 19 saisons"),
    # mnfr-73da999def71: a prompt ending its paragraph, whatever its verb
    ("pour qu'elles décident si le match sera rejoué ou non. A écouter :",
     "pour qu'elles décident si le match sera rejoué ou non."),
    # gjfr-841ecd606837: a prompt and its headline, a paragraph of their own
    ("LIRE AUSSI: manifestation et blocage à Sclessin et Wandre, incident à l'aéroport de "
     "Liège", ""),
    # headlines glued to each other and to the text by single spaces: they end where the
    # text's next sentence opens
    # mnfr-4a27a10db03e (BBC Afrique): two headlines glued by spaces, then the text
    ("Samuel Eto'o met fin à une longue carrière jalonnée de prestigieuses distinctions. Lire "
     "aussi: Samuel Eto'o : \"Ma femme prend bien soin de moi\" Samuel Eto’o promet une maison "
     "à un ancien lion Né le 10 mars 1981 à Douala au Cameroun, Samuel Eto'o Fils est "
     "considéré comme l'un des meilleurs footballeurs.",
     "Samuel Eto'o met fin à une longue carrière jalonnée de prestigieuses distinctions. Né le "
     "10 mars 1981 à Douala au Cameroun, Samuel Eto'o Fils est considéré comme l'un des "
     "meilleurs footballeurs."),
    # mnfr-a12d5a6567ff: four headlines, the first words of each a capital too
    ("Lire aussi : CAN 2019 : le Sénégal se qualifie pour les demi-finales de la CAN CAN 2019 : "
     "le Nigéria file en demi-finales au détriment de l'Afrique du Sud CAN 2019 : l'Algérie se "
     "qualifie pour les demi-finales Les Lions gagnent leur combat face aux Ecureuils La "
     "sélection sénégalaise a pu se qualifier après une victoire sur celle du Bénin.",
     "La sélection sénégalaise a pu se qualifier après une victoire sur celle du Bénin."),
    # mnfr-b9f09f5bfcbe: headlines to the end of the paragraph, none a sentence
    ("Le président a décrété sept jours de deuil national. Lire aussi: Burundi: Kafando a "
     "rencontré Nkrunziza Burundi: des exilés déplorent leur exclusion Burundi : \"Ils m'ont "
     "fait une injection dans les testicules\"",
     "Le président a décrété sept jours de deuil national."),
    # gjfr-305981cd2487: ... but not the article's footnote after them
    ("nous sommes des gens respectueux de l’environnement.» Lire également: Les «gilets "
     "jaunes», routes bloquées et parole libérée * Prénoms d’emprunt",
     "nous sommes des gens respectueux de l’environnement.» * Prénoms d’emprunt"),
    # gjfr-140a20edf02f (Le Temps, an interview): the headline, not the interviewer's question
    ("les manifestations des «gilets jaunes» sont, elles, par nature imprévisibles. Lire "
     "aussi: A Bourges, les «gilets jaunes» croient au printemps de la révolte En quoi est-ce "
     "que la couverture médiatique a-t-elle elle-même évolué au fil des semaines? Il y a "
     "clairement depuis le début une forme de fascination de la part des chaînes d’info.",
     "les manifestations des «gilets jaunes» sont, elles, par nature imprévisibles. En quoi "
     "est-ce que la couverture médiatique a-t-elle elle-même évolué au fil des semaines? Il y "
     "a clairement depuis le début une forme de fascination de la part des chaînes d’info."),
    # a newspaper or a name inside the text's first sentence is no sentence's start (a red
    # team's cases on the sample page's kind: the start of the sentence was lost)
    ("Lire aussi : Forêt classée du Mandé : environ 10 hectares reboisés Le séminaire a été "
     "ouvert par le secrétaire général de l’UNTM, Yacouba Katilé, qui a confié au quotidien "
     "L’Essor que la protection sociale restait la priorité des syndicats.",
     "Le séminaire a été ouvert par le secrétaire général de l’UNTM, Yacouba Katilé, qui a "
     "confié au quotidien L’Essor que la protection sociale restait la priorité des syndicats."),
    ("Lire aussi : Renforcement des capacités : le CARES-Mali outille ses nouveaux membres La "
     "coordinatrice du CARES-Mali a confié à notre confrère Le Républicain que le séminaire "
     "avait permis de consolider les acquis.",
     "La coordinatrice du CARES-Mali a confié à notre confrère Le Républicain que le "
     "séminaire avait permis de consolider les acquis."),
    # initials are no full stop ("J. P.")
    ("Lire aussi : Gilets jaunes : un mort à Arles Il a déclaré garder ces armes pour le compte "
     "de J. P. (Johan Perrin), contre 200 euros par jour.",
     "Il a déclaré garder ces armes pour le compte de J. P. (Johan Perrin), contre 200 euros "
     "par jour."),
    ("À lire aussi : Tombouctou : la culture comme rempart Les organisateurs du Festival Au "
     "Désert ont annoncé jeudi le report de l’édition 2019.",
     "Les organisateurs du Festival Au Désert ont annoncé jeudi le report de l’édition 2019."),
])
def test_related_reading_prompts_are_dropped_with_the_headline_they_introduce(text, kept):
    body, done = clean_body(f"{text}\n\nLa suite de l'article.")
    assert paragraphs(body) == [p for p in (kept, "La suite de l'article.") if p]
    assert done.furniture["related"] == 1


@pytest.mark.parametrize("text", [
    # mnfr-0358f723084e: no glued headline after the prompt, so no telling where a headline
    # would end: article text may follow (the source dropped the link)
    "Lire aussi : Galilée a remis en question la vision du cosmos d'Aristote, qui plaçait la "
    "Terre au centre de l'univers, acceptée comme la seule vérité par l'intelligentsia de "
    "l'époque.",
    # the text after a prompt is a sentence, then another: not a headline, whatever glue
    # follows (mnfr-0bd4adfe8fff's prompt before "…correctement\". Si elle…")
    "Lire aussi : Il est impossible d'organiser des Jeux \"normaux\" avec l'épidémie. Le "
    "comité l'a reconnu sur YouTube",
    # mnfr-b271d03fe653: the article's own question, answered by a quotation
    "Lire aussi : Quels types d'endroits pourraient offrir de telles conditions ? \"Les "
    "fossiles vraiment anciens sont préservés dans des endroits où les humains ne se "
    "retrouvent pas\", explique-t-il.",
    # mnfr-ad9099c7a282 ("six images, une par décennie"): the decade's heading, its prompt's
    # links gone
    "Lire aussi : 1990 - Retour de la démocratie après des années de dictature militaire "
    "Après 16 ans de dictature militaire sanglante, le pays revient à la démocratie.",
    # a name is no sentence's start ("Marine Le Pen"), nor a title after "selon"
    "Lire aussi : Marine Le Pen face à Emmanuel Macron, le duel voulu par les Français, "
    "selon Le Monde qui le relève. Les sondages le disaient.",
    # a question may be the article's own, answered after it; initials are no full stop
    "Lire aussi : Qui veut la peau de l’UNTM ? Le syndicat a-t-il encore du poids face au "
    "gouvernement de transition ? Pour le secrétaire général, la réponse est oui.",
    # a paragraph the prompt opens may be a sentence without its full stop
    "Lire aussi : Brexit : Bruxelles est prêt à reprendre les discussions Il prévient la "
    "nouvelle coalition : \"Il faudra opérer des choix, nous sommes prêts à dialoguer mais il "
    "n'y a aucune chance pour que l'on approuve votre budget si rien ne change dans les "
    "semaines qui viennent\"",
    # mnfr-1bc6c01c503b: a long quotation whose full stop is glued to the next sentence
    "Lire aussi : \"Les décès sont assez inquiétants, le nombre de décès signalés est en "
    "augmentation, mais si vous regardez globalement le nombre total de décès et le nombre "
    "total de cas, le taux de mortalité est à peu près le même qu'auparavant - mais il reste "
    "élevé, aussi élevé que le taux de mortalité de la grippe\".Seule la province du Hubei - "
    "qui représente plus de 80 % de l'ensemble des infections chinoises - utilise la nouvelle "
    "définition.",
    # gjfr-adc9d48cc2a4, gjfr-143fcbc94954: the words in running text, no prompt
    "Le temps de voir aussi Yannis Salibur rejoindre les vestiaires à cause d'un deuxième "
    "carton jaune.",
    "«Pas de démocratie sans tamazight», donne à lire un panneau : il est en polystyrène.",
])
def test_text_after_a_prompt_that_cannot_be_told_from_a_headline_stays(text):
    body, done = clean_body(text)
    assert body == normalise_body(text) and not done


def test_organisations_named_only_in_related_headlines_are_not_the_articles(archive_dir: Path):
    """mnfr-4a27a10db03e, on Samuel Eto'o's retirement, was filed under Jeune Afrique and the
    CAF, which only its related headlines named ("Samuel Eto'o menace Jeune Afrique")."""
    row = next(r for r in map(json.loads, require_shared(CORPUS / "articles.jsonl").read_text(
        encoding="utf-8").splitlines()) if r["id"] == "mnfr-4a27a10db03e")
    export = archive_dir / "bbc.jsonl"
    export.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run(archive_dir, "import", str(export))
    assert result.exit_code == 0, result.output
    [article] = imported(archive_dir)
    assert "Jeune Afrique" not in article.body and "Né le 10 mars 1981" in article.body
    assert not {"Jeune Afrique", "Confédération africaine de football"} & set(
        article.organisations)


def test_an_organisation_named_only_in_a_prompt_is_not_the_articles(archive_dir: Path):
    """mnfr-569e765b7b82 (BBC Afrique) named BBC Afrique only in "A ne pas manquer sur BBC
    Afrique :"; 166 corpus articles were filed under an organisation only their prompts named."""
    row = next(r for r in map(json.loads, require_shared(CORPUS / "articles.jsonl").read_text(
        encoding="utf-8").splitlines()) if r["id"] == "mnfr-569e765b7b82")
    assert "A ne pas manquer sur BBC Afrique" in row["body"]
    export = archive_dir / "bbc.jsonl"
    export.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run(archive_dir, "import", str(export))
    assert result.exit_code == 0, result.output
    assert "related-reading prompts 1" in result.output
    [article] = imported(archive_dir)
    assert "BBC Afrique" not in article.body
    assert "BBC Afrique" not in article.organisations


# --- credit lines -------------------------------------------------------------------------------------


def test_a_credit_line_of_the_site_is_dropped_from_a_scraped_page(archive_dir: Path,
                                                                  tmp_path: Path):
    # the seed's page, with the site's credit line above the signature "Y.Doumbia"
    page = require_shared(EXAMPLE_PAGE).read_text(encoding="utf-8")
    (tmp_path / "page.txt").write_text(page.replace("\nY.Doumbia\n", "\nLESOLEIL.SN\n\nY.Doumbia\n"),
                                       encoding="utf-8")
    result = run(archive_dir, "import", str(tmp_path / "page.txt"))
    assert result.exit_code == 0, result.output
    (article,) = imported(archive_dir)
    assert "LESOLEIL" not in article.body
    assert article.body.endswith("a t-elle précisé.")
    assert article.author == ("Y. Doumbia",)
    assert "1 furniture lines dropped (credit lines 1)" in result.output


@pytest.mark.parametrize("line, dropped", [
    ("LESOLEIL.SN", True),
    ("www.maliweb.net", True),
    ("Source : aBamako.com", True),
    ("Y.Doumbia", False),  # the seed page's signature: an initial, not a site
    ("A.Touré", False),
    ("Le site maliweb.net a publié la liste.", False),
])
def test_only_a_site_address_alone_on_its_line_is_a_credit(line: str, dropped: bool):
    body, done = clean_body(f"Le séminaire s’est tenu à Bamako.\n\n{line}")
    assert (line not in body) is dropped
    assert done.furniture["credit"] == dropped


def test_an_address_the_article_announces_is_its_text():
    # trafilatura__infocomcgt.fr.caisse.html (shared corpus pages)
    text = ("Site internet de la #CaisseDeGreve :\n\ncaisse-solidarite.fr\n\n"
            "Faisons vivre la solidarité pour obtenir des avancées sociales")
    body, done = clean_body(text)
    assert body == text and not done


# --- paywall teasers ------------------------------------------------------------------------------------

LEAD = ("Le 3ème séminaire national de formation des membres du (CARES-Mali) qui s’est tenu à "
        "Bamako du 1er au 05 juillet 2019 s’inscrit dans la 2e Phase du Projet.")  # the seed page
REST = ("Le séminaire qui s’est déroulé sur cinq (5) jours a permis au CARES de faire le bilan "
        "des acquis et de se doter d’une feuille de route.")


def test_a_teaser_line_inside_an_article_is_furniture():
    body, done = clean_body(f"{LEAD}\n\nCet article est réservé aux abonnés. Déjà abonné ?"
                            f"\n\n{REST}")
    assert paragraphs(body) == [LEAD, REST] and done.furniture["teaser"] == 1


def test_a_body_ending_with_a_teaser_keeps_it_and_is_imported_as_suspicious(archive_dir: Path,
                                                                           tmp_path: Path):
    export = tmp_path / "export.jsonl"
    rows = [{"id": "t1", "title": "Séminaire du CARES-Mali", "body":
             f"{LEAD}\n\nLa suite est réservée aux abonnés."},
            {"id": "t2", "title": "Bilan du CARES-Mali", "body":
             f"{LEAD}\n\nPour lire la suite, abonnez-vous.\n\n{REST}"}]
    export.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                      encoding="utf-8")
    result = run(archive_dir, "import", str(export))
    assert result.exit_code == 0, result.output
    bodies = {a.title: a.body for a in imported(archive_dir)}
    assert bodies["Séminaire du CARES-Mali"].endswith("La suite est réservée aux abonnés.")
    assert bodies["Bilan du CARES-Mali"] == f"{LEAD}\n\n{REST}"
    assert re.search(r"^suspicious: export\.jsonl#t1: body looks like a paywall", result.output,
                     re.M)
    assert "export.jsonl#t2" not in result.output
    assert "(paywall teaser lines 1)" in result.output


def test_a_body_its_source_cut_short_is_imported_as_suspicious(archive_dir: Path):
    """La DH and La Libre end 107 corpus teasers with "(...)": gjfr-02c8ff8667e1 is 68 words,
    the corpus's median 439, yet nothing said it was cut short."""
    row = next(r for r in map(json.loads, require_shared(CORPUS / "articles.jsonl").read_text(
        encoding="utf-8").splitlines()) if r["id"] == "gjfr-02c8ff8667e1")
    assert row["body"].rstrip().endswith("privatisations en tête.\n(...)")
    export = archive_dir / "dh.jsonl"
    export.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run(archive_dir, "import", str(export))
    assert result.exit_code == 0, result.output
    assert re.search(r"^suspicious: dh\.jsonl#gjfr-02c8ff8667e1: body ends with « \(\.\.\.\) »: "
                     r"the source cut the article short", result.output, re.M), result.output
    [article] = imported(archive_dir)
    assert article.body.endswith("(...)")  # kept as the source gave it


@pytest.mark.parametrize("ending", [
    # gjfr-046160750aee: an ellipsis the writer chose, before the cut
    "deux mondes que tout oppose... Et pourtant!",
    "Le débat reste ouvert (voir ci-dessus…).",
])
def test_an_ellipsis_in_the_text_is_no_cut(ending: str):
    from archive.ingest.boilerplate import suspicion
    assert suspicion(f"{LEAD} {REST} {ending}") is None


# --- repeated paragraphs ----------------------------------------------------------------------------------

# gjfr-26fade4d537d (La DH): the lead, repeated by the scraper further down
LEAD_DH = "Les \"gilets jaunes\" ont négocié une baisse des prix du carburant jusqu'au 11 décembre."
NEXT_DH = ("Comme annoncé hier, la pompe à essence du Cora de Châtelineau a rouvert après avoir "
           "été réapprovisionnée en carburants.")
# gjfr-278f6fd086c9 (La DH): two paragraphs, then the same two glued into one
BLOCKED = "Les dépôts de Feluy et Wierde restent bloqués par les manifestants."
BRAFCO = ("La Brafco déplore également le blocage des camions qui doivent charger du mazout de "
          "chauffage, contrairement à ce que les \"gilets jaunes\" avaient annoncé ce week-end.")
CLOSING = "Des embarras en région liégeoise"


def test_a_paragraph_repeated_by_the_scraper_is_kept_once_where_it_first_stands():
    body, done = clean_body(f"{LEAD_DH}\n\n{NEXT_DH}\n\n{LEAD_DH}\n\n{CLOSING}")
    assert paragraphs(body) == [LEAD_DH, NEXT_DH, CLOSING] and done.repeated == 1


def test_a_nested_copy_of_earlier_paragraphs_is_collapsed():
    body, done = clean_body(f"{BLOCKED}\n\n{BRAFCO}\n\n{CLOSING}\n\n{BLOCKED} {BRAFCO}")
    assert paragraphs(body) == [BLOCKED, BRAFCO, CLOSING] and done.repeated == 2


def test_a_later_part_copied_from_a_longer_paragraph_is_collapsed():
    body, done = clean_body(f"{BLOCKED} {BRAFCO}\n\n{CLOSING}\n\n{BRAFCO}")
    assert paragraphs(body) == [f"{BLOCKED} {BRAFCO}", CLOSING] and done.repeated == 1


@pytest.mark.parametrize("text", [
    # gjfr-13ef6c13f01f: an intertitle quoting the paragraph under it
    "\"Les Français doivent être prioritaires chez eux\"\n\n\"Les Français doivent être "
    "prioritaires chez eux\", a-t-il ajouté, pendant que des militants clamaient \"Macron "
    "démission\".",
    # gjfr-d7a9e2e99847: an intertitle taken from a sentence
    "Dominique Sabrier présentait plusieurs plaies\n\nLes enquêteurs ont exposé, lundi "
    "après-midi, que Dominique Sabrier présentait plusieurs plaies.",
    # gjfr-3b9dd391d8e0: a whole quotation may be quoted again (an interview, a slogan)
    "\"Un grand homme par le talent, un scorpion avec un fameux caractère.\"\n\nIl le "
    "répétait souvent.\n\n\"Un grand homme par le talent, un scorpion avec un fameux "
    "caractère.\"",
    # a short line twice ("Pourquoi ?" in an interview)
    "Pourquoi ?\n\nParce que les prix montent.\n\nPourquoi ?\n\nParce que l'essence manque.",
])
def test_intertitles_quotations_and_short_lines_may_come_twice(text: str):
    body, done = clean_body(text)
    assert body == text and not done


# --- the summary, on the shared corpus ------------------------------------------------------------


def test_the_import_summary_counts_what_was_cleaned(shared_export: tuple[Path, Path, str]):
    export, _archive, output = shared_export  # what `archive import` printed of the export
    cleaned = re.search(r"^cleaned: (.*)$", output, re.M)[1]

    def count(pattern: str) -> int:
        return int(re.search(pattern, cleaned)[1])
    assert count(r"(\d+) mojibake sequences repaired") == 0
    assert count(r"(\d+) repeated paragraphs collapsed") >= 100
    assert count(r"tweet attributions (\d+)") >= 100 and count(r"video prompts (\d+)") >= 5
    assert count(r"related-reading prompts (\d+)") >= 250
    assert count(r"(\d+) literal \\n made line breaks") >= 100
    # the articles whose paragraphs were collapsed are named, for an archivist to look at
    assert "repaired: articles.jsonl#gjfr-26fade4d537d: 1 repeated paragraphs collapsed" \
        in output
    assert "note: " + str(export) + ": columns not imported: source_dataset" in output


# --- French typography ----------------------------------------------------------------------------------

# gjfr-15de52e528c0 and gjfr-329cf1454293
GUILLEMETS = "Les «\u00a0gilets jaunes\u00a0» présents à Wierde jusque lundi matin au moins"
QUESTION = "Harraga\u00a0sous Boutef : et la part du «système»\u00a0?"


def test_titles_keep_french_non_breaking_spaces_and_only_them():
    assert clean_line(GUILLEMETS) == GUILLEMETS
    # before a question mark it stays; between two words it is a plain space
    assert clean_line(QUESTION) == "Harraga sous Boutef : et la part du «système»\u00a0?"
    assert clean_line("Mali\u202f: la grève  continue\u202f!") == "Mali\u202f: la grève continue\u202f!"
    assert clean_line("«\u00a0 \u00a0Oui\u00a0\u00a0»") == "«\u00a0Oui\u00a0»"
    assert clean_line("Crise sociale en France :\u00a0Douzième samedi") == \
        "Crise sociale en France : Douzième samedi"  # after a colon: a plain space


def test_bodies_keep_them_too_and_an_article_file_round_trips_them():
    body = normalise_body("En quoi la fronde des «\u00a0gilets jaunes\u00a0» est-elle "
                          "inédite\u00a0?  C’est un mouvement\u00a0\u00a0exceptionnel.")
    assert body == ("En quoi la fronde des «\u00a0gilets jaunes\u00a0» est-elle inédite\u00a0? "
                    "C’est un mouvement exceptionnel.")  # gjfr-ff670658b5ca
    article = Article(id=make_id(GUILLEMETS, "k"), title=GUILLEMETS, body=body)
    assert article.id.startswith("les-gilets-jaunes-presents-a-wierde") and article.id.isascii()
    assert parse(render(article), "a.md") == article


def test_an_imported_title_keeps_them_and_search_snippets_and_ids_still_work(archive_dir: Path,
                                                                            tmp_path: Path):
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"id": "g1", "title": GUILLEMETS, "section": "Belgique",
                                  "body": "Les «\u00a0gilets jaunes\u00a0» bloquent le dépôt de "
                                          "Wierde depuis samedi\u00a0!"}, ensure_ascii=False)
                      + "\n", encoding="utf-8")
    assert run(archive_dir, "import", str(export)).exit_code == 0
    (article,) = imported(archive_dir)
    assert article.title == GUILLEMETS and "samedi\u00a0!" in article.body
    assert article.id.isascii() and article.id.startswith("les-gilets-jaunes-presents")
    assert run(archive_dir, "reindex").exit_code == 0
    found = run(archive_dir, "search", "gilets jaunes Wierde", "--json")
    assert found.exit_code == 0, found.output
    (hit,) = json.JSONDecoder().raw_decode(found.output)[0]["hits"]
    assert hit["title"] == GUILLEMETS
    assert hit["snippet_html"] == ("Les «\u00a0<mark>gilets</mark> <mark>jaunes</mark>\u00a0» "
                                   "bloquent le dépôt de <mark>Wierde</mark> depuis samedi\u00a0!")


# Pieces of text that cleaning changes or keeps, and their neighbours: spaces (plain, French
# non-breaking ones, others), line breaks, a combining accent, control and zero-width characters.
_TEXT_PIECES = list("ab é:;!?«»") + ["\n", "\n\n", "\u00a0", "\u202f", "\t", "e\u0301",
                                       "\u200b", "\r", "\u2007", "\x85", "\u3000", " \u00a0",
                                       "\u2028", "\ufeff", "\x1f", "\u202e"]


def test_a_text_already_clean_is_returned_as_the_full_cleaning_returns_it():
    """The fast path of normalise_body and clean_line (a text cleaning leaves unchanged is
    returned as it is) gives the full cleaning's result on any text, and takes every text that
    cleaning yields."""
    rng = random.Random(24)
    for _ in range(60_000):
        text = "".join(rng.choice(_TEXT_PIECES) for _ in range(rng.randint(0, 12)))
        body = textnorm._normalise_body_fully(text)
        assert normalise_body(text) == body, repr(text)
        assert normalise_body(f"\n{text}\n") == body, repr(text)
        assert clean_line(text) == textnorm._clean_line_fully(text), repr(text)
        assert textnorm._is_clean(body), repr(body)


@pytest.mark.parametrize("text", [
    "a  b", "a \n\nb", "a\n\n b", "a\nb", "a\n\n\nb", " a", "a ", "a\tb", "e\u0301t\u00e9",
    "a\u200bb", "a\rb", "a\r\n\r\nb", "a\u00a0b", "«\u00a0 a»", "«\u00a0\u00a0a", "a\u00a0",
    "\u00a0a", "a \u00a0:", "a\u202f\nb", "a\u2007b", "a\x85b", "a\u2028b", "\ufeffa",
    "a\u3000b", "«\u202f\u00a0a", "a\u00a0\u00a0!", "a\x00b", "\u202eevil"])
def test_a_text_cleaning_changes_takes_the_full_path(text: str):
    """Each of these is changed by cleaning: a fast path taking it would return it unchanged."""
    body = textnorm._normalise_body_fully(text)
    assert body != text.strip("\n")
    assert normalise_body(text) == body
    if "\n" not in text:
        assert clean_line(text) == textnorm._clean_line_fully(text) != text


def test_the_odd_characters_are_every_space_and_control_cleaning_changes():
    """_UNCLEAN holds every white space character but the plain space, the line feed and the
    two non-breaking spaces, and every control character clean_text drops; nothing else. None
    of them, no line break and no white space but the plain space is printable (the first
    check of _is_clean takes paragraphs of printable characters)."""
    kept = " \n\u00a0\u202f"
    for code in range(0x110000):
        char = chr(code)
        odd = (char.isspace() and char not in kept) or bool(textnorm._CONTROL.match(char))
        assert bool(textnorm._UNCLEAN.match(char)) == odd, hex(code)
        if odd or (char.isspace() and char != " "):
            assert not char.isprintable(), hex(code)


def test_corpus_texts_cleaned_once_take_the_fast_path_after():
    """Every title and body of the real corpus: cleaned as in full, and the result (what an
    article file holds) recognised as clean, so that a reindex does not clean it again."""
    path = require_shared(CORPUS / "articles.jsonl")
    with path.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    for record in records:
        text = record.get("body") or ""
        body = normalise_body(text)
        assert body == textnorm._normalise_body_fully(text)
        assert textnorm._is_clean(body) and normalise_body(f"\n{body}\n") == body
        for value in (record.get("title") or "", *(record.get("author") or [])):
            line = clean_line(value)
            assert line == textnorm._clean_line_fully(value)
            assert textnorm._is_clean(line) and clean_line(line) == line


# --- folding, for hashes, slugs and the index ---------------------------------------------------


def test_folding_lowercases_strips_accents_and_expands_ligatures_on_real_sentences():
    # sentences of the shared corpus (gjfr articles), with ligatures and capital accents
    assert textnorm.fold("les élus, est au cœur des «ateliers constituants» qu’Étienne "
                         "Chouard organise ici et là") == \
        "les elus, est au coeur des «ateliers constituants» qu’etienne chouard organise ici et la"
    assert textnorm.fold("Rancœur envers Macron À Bordeaux") == "rancoeur envers macron a bordeaux"
    assert textnorm.fold("ŒUVRE, Æ, straße, Ça") == "oeuvre, ae, strasse, ca"
    assert textnorm.fold("Bamako, 12 MAI") == "bamako, 12 mai"  # plain ASCII


def test_folding_a_whole_body_folds_each_of_its_words():
    # the body at once (content hashes, boilerplate) and word by word (the index) agree
    path = require_shared(CORPUS / "articles.jsonl")
    with path.open(encoding="utf-8") as lines:
        bodies = [json.loads(line)["body"] or "" for line in itertools.islice(lines, 300)]
    for body in bodies:
        words = re.findall(r"\w+", body)
        assert re.findall(r"\w+", textnorm.fold(body)) == \
            [w for word in words for w in re.findall(r"\w+", textnorm.fold(word))]
