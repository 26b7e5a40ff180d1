"""Bylines: the signature at the end of an article becomes author names, never a sentence."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from archive.ingest.bylines import (
    normalise_name,
    parse_byline,
    report_credit,
    split_byline,
    split_opening_byline,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus" / "articles.jsonl"

BODY = [
    "Les cotonculteurs de Koutiala ont reçu mardi leurs premières semences de la campagne.",
    "Selon le directeur régional, la distribution se poursuivra jusqu’à la fin du mois.",
]


@pytest.mark.parametrize(
    ("signature", "names"),
    [
        ("Y.Doumbia", ("Y. Doumbia",)),
        ("Y. Doumbia", ("Y. Doumbia",)),
        ("Par Moussa Koné", ("Moussa Koné",)),
        ("A.T. Diarra", ("A.T. Diarra",)),
        ("Moussa KONE", ("Moussa KONE",)),
        ("Yacouba Doumbia et Aminata Traoré", ("Yacouba Doumbia", "Aminata Traoré")),
        ("Par Awa Sangaré, Issa Maïga et B. Cissé", ("Awa Sangaré", "Issa Maïga", "B. Cissé")),
        ("Par Awa Sangaré, Envoyée spéciale à Gao", ("Awa Sangaré",)),
        ("Y.D.", ("Y.D.",)),
        ("L. M./Agences", ("L. M.",)),
        ("F. S.", ("F. S.",)),
        ("Jean Dupont, correspondant à Kayes", ("Jean Dupont",)),
        ("Propos recueillis par Fatoumata Coulibaly", ("Fatoumata Coulibaly",)),
        ("Recueilli par Patrick ANGEVIN.", ("Patrick ANGEVIN",)),  # Ouest-France
        ("Par Awa Traoré et Moussa Keïta.", ("Awa Traoré", "Moussa Keïta")),
        ("Hamadoun Ould Mohamed", ("Hamadoun Ould Mohamed",)),
        ("S. L.-K.", ("S. L.-K.",)),
    ],
)
def test_a_signature_line_gives_its_people(signature: str, names: tuple[str, ...]) -> None:
    paragraphs, authors = split_byline([*BODY, signature])
    assert authors == names
    assert paragraphs == BODY


@pytest.mark.parametrize(
    "signature",
    ["La Rédaction", "Source: L'Essor", "Source : AMAP", "AMAP", "APS", "© AFP",
     "Avec l’Agence France-Presse", "(TDG)"],
)
def test_agencies_and_desks_leave_the_body_but_name_nobody(signature: str) -> None:
    assert split_byline([*BODY, signature]) == (BODY, ())


@pytest.mark.parametrize("tag", ["(afp/nxp)", "(ats/nxp)", "(TDG)", "(Le Matin)", "(AFP)"])
def test_an_agency_tag_after_the_last_sentence_is_cut(tag: str) -> None:
    last = "Le marché de Médine rouvrira lundi, a annoncé la mairie."
    paragraphs, authors = split_byline([BODY[0], f"{last} {tag}"])
    assert paragraphs == [BODY[0], last]
    assert authors == ()


def test_initials_in_parentheses_are_a_person() -> None:
    paragraphs, authors = split_byline([BODY[0], "Le trafic a repris dans la soirée. (K.D.)"])
    assert authors == ("K.D.",)
    assert paragraphs[-1] == "Le trafic a repris dans la soirée."


def test_a_person_then_an_agency_line_gives_the_person() -> None:
    assert split_byline([*BODY, "Oumar Sidibé", "Source : AMAP"]) == (BODY, ("Oumar Sidibé",))


def test_a_signature_on_the_last_line_of_a_multi_line_paragraph() -> None:
    paragraphs, authors = split_byline([BODY[0], BODY[1] + "\nAminata Traoré"])
    assert authors == ("Aminata Traoré",)
    assert paragraphs == BODY


@pytest.mark.parametrize(
    "last",
    [
        "Le calme est revenu vers 21 h.",
        "Plus de détails à venir.",
        "Par la suite.",
        "Par ailleurs, le ministre a démenti.",
        "La rencontre est signée Issa Traoré.",
        "Bamako et Kayes : la situation reste calme.",
        "Tout savoir sur la finale de la Coupe du Mali",
        "Le rapport de la Cour des comptes",
        "Koulikoro-Gare",
        "Côte d’Ivoire",
        "(Décret n°2019-0123)",
        "Une facture divisée par deux (...)",
        "« Nous reviendrons », a-t-il promis.",
        "Vive la République",
        "MERCI À TOUS",
    ],
)
def test_a_real_last_paragraph_is_never_eaten(last: str) -> None:
    assert split_byline([*BODY, last]) == ([*BODY, last], ())


def test_a_body_made_of_one_name_is_left_alone() -> None:
    assert split_byline(["Moussa Koné"]) == (["Moussa Koné"], ())


def test_names_keep_their_case_and_get_their_spaces_back() -> None:
    assert normalise_name("Y.Doumbia") == "Y. Doumbia"
    assert normalise_name("  A.T.  Diarra ") == "A.T. Diarra"
    assert normalise_name("Moussa KONE") == "Moussa KONE"


def test_parse_byline_tells_signature_from_text() -> None:
    assert parse_byline("Par Arnaud Bouvier et Michel Conrath") == (
        "Arnaud Bouvier",
        "Michel Conrath",
    )
    assert parse_byline("La Rédaction") == ()
    assert parse_byline("Le ministre a visité Sikasso.") is None


@pytest.mark.parametrize("opening, rest, names", [
    # gjfr-3fc61109392a: the byline, a paragraph of its own, with the writer's role
    (["Par Etienne Dujardin, juriste et conseiller communal MR à Woluwe-Saint-Pierre.",
      "La co-présidente d'Ecolo, Zakia Khattabi, a demandé sur Twitter"],
     ["La co-présidente d'Ecolo, Zakia Khattabi, a demandé sur Twitter"], ("Etienne Dujardin",)),
    # gjfr-9cbed4120ec9: glued to the text by its period
    (["Par Géry De Maet.Alors que la colère des gilets jaunes ne semble pas s’estomper"],
     ["Alors que la colère des gilets jaunes ne semble pas s’estomper"], ("Géry De Maet",)),
    # mnfr-35bdcb76fc91: before the scraper's literal \n
    (["Par Nobuhle Simelane\\nBBC News, Johannesburg La médaille du prix Nobel de la paix"],
     ["BBC News, Johannesburg La médaille du prix Nobel de la paix"], ("Nobuhle Simelane",)),
    # mnfr-8616e3e4c0d1, mnfr-fc70b1740301, mnfr-74ba58c0e32f: a name without "Par", then
    # the BBC's sign glued to the text (the name stayed in the body, no author was set)
    (["Analía Llorente\\nBBC News Mundo Excusez-moi, pouvez-vous me donner le mot de passe"],
     ["BBC News Mundo Excusez-moi, pouvez-vous me donner le mot de passe"], ("Analía Llorente",)),
    (["Nick Hartley", "BBC News Gales Il y a presque 10 ans, James Howells a jeté un disque dur"],
     ["BBC News Gales Il y a presque 10 ans, James Howells a jeté un disque dur"],
     ("Nick Hartley",)),
    (["André Biernath - @andre_biernath\\nBBC News Brésil à Londres C'est une erreur de penser"],
     ["BBC News Brésil à Londres C'est une erreur de penser"], ("André Biernath",)),
    # mnfr-01bbba69a4e5: set off by an asterisk
    (["Par Zaria Gorvett * \"FEARFUL DISASTER\", titrait le Chicago Tribune"],
     ["\"FEARFUL DISASTER\", titrait le Chicago Tribune"], ("Zaria Gorvett",)),
])
def test_a_byline_opening_the_text_gives_its_people(opening, rest, names) -> None:
    assert split_opening_byline(opening) == (rest, names)


@pytest.mark.parametrize("opening", [
    # gjfr-414644d2710b, mnfr-98deaef4e568: "Par" opening a sentence
    ["Par rapport à novembre, l'indicateur, qui perd trois points à 102 points, décroche"],
    ["Par un match époustouflant, les Grues de l'Ouganda ont maitrisé les Léopards"],
    # mnfr-d13c1ea4f1cf: nothing sets the name off from the text ("Esau Williams" or
    # "Esau Williams Yahya Jammeh"?)
    ["Par Esau Williams Yahya Jammeh, le célèbre ancien président gambien en exil, pourrait"],
    # a name and a role without "Par" heads an interview with that person
    ["Moussa Traoré, ministre de la Santé", "Il a répondu à nos questions."],
    # mnfr-40dc64c801b5: a desk is no author
    ["La rédaction\\nBBC News Mundo Lundi, des sismologues danois et suédois ont détecté"],
    # a byline that would be the whole text
    ["Par Leo Sands"],
    ["Par Leo Sands - "],
])
def test_text_that_opens_like_a_byline_is_left(opening) -> None:
    assert split_opening_byline(opening) == (opening, ())


def _corpus_bodies() -> list[str]:
    if not CORPUS.exists():
        pytest.skip(f"../shared corpus not available: {CORPUS} is missing")
    with CORPUS.open(encoding="utf-8") as lines:
        return [body for row in map(json.loads, lines) if (body := row.get("body"))]


@pytest.mark.parametrize("ending, names", [
    # the shared corpus's opinion pieces: a name alone on its line, then the writer's role
    (["Par Ali Yahia Abdennour", "Militant des droits de l’homme"], ("Ali Yahia Abdennour",)),
    (["Mbaï-Hadji Mbaïrewaye", "Ancien chef intérimaire de Démocratie Québec",
      "Parti d’opposition à la Ville de Québec"], ("Mbaï-Hadji Mbaïrewaye",)),
    (["B. M.", "(*) Directeur de Stractegia Consulting et enseignant universitaire à Madrid"],
     ("B. M.",)),
])
def test_a_signature_followed_by_the_writers_role_gives_the_writer(ending, names) -> None:
    kept, found = split_byline(["Le texte de la tribune s’achève ici.", *ending])
    assert (kept, found) == (["Le texte de la tribune s’achève ici."], names)


@pytest.mark.parametrize("ending", [
    # gjfr-8ae2c31f379c: a sentence naming someone, then the source's cut mark
    ["Martin de Duve, directeur de l’asbl Univers Santé, tempère.", "(...)"],
    ["Samedi 5 juillet", "Bamako"],
])
def test_lines_after_a_sentence_are_no_signature(ending) -> None:
    paragraphs = ["Le texte de l’article.", *ending]
    assert split_byline(paragraphs) == (paragraphs, ())


@pytest.mark.parametrize("ending, names", [
    # the shared corpus's BBC Afrique reports and videos (mnfr-43eddada3256, -51b28aae9b7a,
    # -5d3eabacb46a, -9c2fe964f704, -ff9110a82493, -d519c329c2e3)
    ("Elle dit vouloir rendre les gens heureux. Un reportage de Late Wodi Lawson.",
     ("Late Wodi Lawson",)),
    ("des enjeux du football. Un reportage de Mila Kimbuini et Alassane Dia Lire aussi: CAN "
     "2019 : le Sénégal toujours en quête du premier trophée", ("Mila Kimbuini", "Alassane Dia")),
    ("gérée par des femmes. Vidéo de Sally Boyani et Anne Okumu Réalisation : Mercy Juma",
     ("Sally Boyani", "Anne Okumu")),  # not the crew
    ("sur 100 mètres. Reportage : Babacar Diarra. A lire aussi sur cette athlète: Nouveau "
     "record de Marie-Josée Ta Lou", ("Babacar Diarra",)),
    ("la forêt recule. Reporter : Gaius Kowene pour Questions d'Argent Montage : Geneviève "
     "Sagno D'autres épisodes de Questions d'Argent :", ("Gaius Kowene",)),
    ("au Ghana. Reportage de Emeline Nsingi Nkosi pour l'émission économique Question "
     "d'Argent.", ("Emeline Nsingi Nkosi",)),
    # no person: a programme; a sentence that mentions a report; a credit before more text
    ("la finale. Un reportage de l'émission BBC Sport Afrique.", ()),
    ("Un reportage de Jean Dupont diffusé sur France 2 a montré la crise.", ()),
    ("Un reportage de Late Wodi Lawson. Elle dit vouloir rendre les gens heureux.", ()),
])
def test_a_reports_credit_ending_the_text_names_its_reporters(ending, names) -> None:
    assert report_credit(["Premier paragraphe.", ending]) == names


def test_bylines_over_the_press_corpus() -> None:
    """Most signed exports are found, and nothing found is a sentence or a long phrase."""
    bodies = _corpus_bodies()
    signed = cut = 0
    for body in bodies:
        paragraphs = [line.strip() for line in body.replace("\r", "").split("\n") if line.strip()]
        kept, authors = split_byline(paragraphs)
        signed += bool(authors)
        cut += kept != paragraphs
        assert kept, "a body was emptied"
        # what was removed is short: a signature line, or a tag cut from the last sentence
        removed = paragraphs[len(kept) :]
        assert all(len(line) <= 160 for line in removed), removed
        if kept[-1] != paragraphs[len(kept) - 1]:
            assert paragraphs[len(kept) - 1].startswith(kept[-1])
            assert len(paragraphs[len(kept) - 1]) - len(kept[-1]) <= 45
        for name in authors:
            assert len(name.split()) <= 6, name
            # a sentence has lower-case words; a name has at most particles (de, ould, ben)
            assert not re.search(r"\b[a-zà-ÿ]{5,}\b", name), name
    # measured on the 2,295-article dev sample: 90 bodies name people, 252 lose a signature
    assert signed >= 80, f"only {signed} signed bodies found"
    assert cut >= 200, f"only {cut} signatures removed"
    assert signed <= len(bodies) // 10, f"{signed} signed bodies: too many, suspicious"
