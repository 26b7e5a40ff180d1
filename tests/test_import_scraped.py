"""Scraped page text: one article per page, with the site's furniture left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.dates import infer_date_from_text
from archive.ingest.importers import ImportOptions, Rejected, scraped
from archive.models import Article

SHARED = Path(__file__).resolve().parents[2] / "shared"
EXAMPLE = SHARED / "samples" / "pages" / "000_f199722963d6bb92.txt"

FURNITURE = (
    "Essayez à nouveau", "Nombre de visites", "Laisser un commentaire", "Content is protected",
    "Flash Infos", "Partager", "Facebook", "WhatsApp", "Lire aussi", "Publicité",
)

PARAGRAPH_1 = (
    "La mairie de Ségou a lancé lundi une campagne de curage des caniveaux avant l’hivernage, "
    "en présence des chefs de quartier et des associations de jeunes."
)
PARAGRAPH_2 = (
    "Selon le maire, les travaux dureront trois semaines et mobiliseront près de deux cents "
    "volontaires, « pour que les rues ne soient plus inondées », a-t-il insisté."
)
TEASERS = (
    "Essayez à nouveau\n\n"
    "Sikasso : la foire agricole ouvre ses portes \n\n"
    "Nombre de visites: 112 Les producteurs de mangues de la région …\n\n"
    "Laisser un commentaire\n\n"
    "Votre adresse de messagerie ne sera pas publiée. Les champs obligatoires sont indiqués"
    " avec *\n\n"
    "error: Content is protected !!"
)


def read_one(tmp_path: Path, text: str, name: str = "page.txt") -> Article | Rejected:
    """Write a page, read it back, and return the single record it gives."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    records = list(scraped.read(path, path.read_text(encoding="utf-8"), ImportOptions()))
    assert len(records) == 1
    return records[0]


def assert_no_furniture(article: Article) -> None:
    for word in FURNITURE:
        assert word not in article.body, word
    assert "Sikasso : la foire" not in article.body


def page(header: str, body: str, footer: str = TEASERS) -> str:
    """A page of the family: ticker, header, body lines, furniture."""
    return f"Flash Infos\n{header}\n\n{body}\n\n \n\n{footer}"


def test_the_example_page(tmp_path: Path) -> None:
    if not EXAMPLE.exists():
        pytest.skip(f"../shared corpus not available: {EXAMPLE} is missing")
    article = read_one(tmp_path, EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(article, Article)
    assert article.id == ""
    assert article.section == "Nation"
    assert article.title == (
        "Renforcement des capacités : le CARES-Mali outille ses nouveaux membres"
    )
    assert article.author == ("Y. Doumbia",)
    assert (article.date, article.date_source) == ("2019", "text")
    assert article.body.startswith("Le 3ème séminaire national de formation")
    assert article.body.endswith("a t-elle précisé.")
    for word in ("Essayez à nouveau", "Nombre de visites", "Forêt classe", "Laisser un commentaire",
                 "Content is protected", "Flash Infos", "Y.Doumbia"):
        assert word not in article.body
    assert len(article.paragraphs) == 7


@pytest.mark.parametrize("separator", [" / ", " > ", " » ", " | ", " › "])
def test_breadcrumb_separators(tmp_path: Path, separator: str) -> None:
    title = "Ségou : les caniveaux curés avant l’hivernage"
    crumb = separator.join(["Accueil", "Société", title])
    text = page(f"{crumb}\n\n{title}", f"{PARAGRAPH_1}\n\n{PARAGRAPH_2}\n\nPar Moussa Koné")
    article = read_one(tmp_path, text)
    assert (article.title, article.section) == (title, "Société")
    assert article.author == ("Moussa Koné",)
    assert article.paragraphs == [PARAGRAPH_1, PARAGRAPH_2]
    assert_no_furniture(article)


def test_the_section_is_the_last_step_before_the_title(tmp_path: Path) -> None:
    title = "Budget 2024 : les députés adoptent la loi de finances"
    text = page(f"Accueil » Actualités » Politique » {title}\n{title}", PARAGRAPH_1)
    assert read_one(tmp_path, text).section == "Politique"


def test_a_breadcrumb_cut_short_still_finds_its_title(tmp_path: Path) -> None:
    title = "Ségou : les caniveaux curés avant l’hivernage par les jeunes des quartiers"
    text = page(f"Accueil / Société / Ségou : les caniveaux curés…\n\n{title}", PARAGRAPH_1)
    article = read_one(tmp_path, text)
    assert (article.title, article.section) == (title, "Société")


def test_a_page_date_under_the_title_wins(tmp_path: Path) -> None:
    title = "Kayes : la route nationale 1 rouverte à la circulation"
    header = f"Accueil / Région / {title}\n\n{title}\n\nPublié le 12 mars 2024 à 10h30"
    article = read_one(tmp_path, page(header, f"{PARAGRAPH_1}\n\nA.T. Diarra"))
    assert (article.date, article.date_source) == ("2024-03-12", "page")
    assert article.author == ("A.T. Diarra",)
    assert "Publié le" not in article.body


def test_a_numeric_date_line_before_the_title(tmp_path: Path) -> None:
    title = "Mopti : reprise des cours dans les écoles"
    text = page(f"12/03/2024\nAccueil > Éducation > {title}\n{title}", PARAGRAPH_1)
    article = read_one(tmp_path, text)
    assert (article.date, article.date_source) == ("2024-03-12", "page")
    assert (article.title, article.section) == (title, "Éducation")


def test_a_page_without_breadcrumb_nor_byline(tmp_path: Path) -> None:
    title = "Hivernage : Ségou se prépare"
    article = read_one(tmp_path, page(title, f"{PARAGRAPH_1}\n\n{PARAGRAPH_2}"))
    assert (article.title, article.section, article.author) == (title, None, ())
    assert article.paragraphs == [PARAGRAPH_1, PARAGRAPH_2]


def test_share_bar_ads_and_read_also_are_left_out(tmp_path: Path) -> None:
    title = "Ségou : les caniveaux curés avant l’hivernage"
    header = f"Accueil | Société | {title}\n{title}\nPartager\nFacebook\nWhatsApp"
    body = (
        f"{PARAGRAPH_1}\n\nPublicité\n\nLire aussi\n\nGao : un nouveau forage pour le quartier"
        f" Château\n\n{PARAGRAPH_2}\n\nLire aussi : Tombouctou accueille le festival\n\n"
        "Yacouba Doumbia et Aminata Traoré\n\nPartager\n\nFacebook Twitter WhatsApp"
    )
    article = read_one(tmp_path, page(header, body))
    assert article.paragraphs == [PARAGRAPH_1, PARAGRAPH_2]
    assert article.author == ("Yacouba Doumbia", "Aminata Traoré")
    assert "Gao" not in article.body and "Tombouctou" not in article.body
    assert_no_furniture(article)


@pytest.mark.parametrize(
    ("signature", "author"),
    [
        ("Y. Doumbia", ("Y. Doumbia",)),
        ("Moussa KONE", ("Moussa KONE",)),
        ("Y.D.", ("Y.D.",)),
        ("La Rédaction", ()),
        ("Source: L'Essor", ()),
        ("AMAP", ()),
    ],
)
def test_signatures_at_the_end(tmp_path: Path, signature: str, author: tuple[str, ...]) -> None:
    title = "Ségou : les caniveaux curés"
    article = read_one(tmp_path, page(f"Accueil / Société / {title}\n{title}",
                                      f"{PARAGRAPH_1}\n\n{signature}"))
    assert article.author == author
    assert article.paragraphs == [PARAGRAPH_1]


def test_a_teaser_left_after_the_signature_is_cut(tmp_path: Path) -> None:
    title = "Ségou : les caniveaux curés"
    body = f"{PARAGRAPH_1}\n\nMoussa Koné\n\nKoutiala : la campagne cotonnière démarre"
    article = read_one(tmp_path, page(f"Accueil / Société / {title}\n{title}", body, footer=""))
    assert article.paragraphs == [PARAGRAPH_1]
    assert article.author == ("Moussa Koné",)


def test_a_byline_under_the_title(tmp_path: Path) -> None:
    title = "Ségou : les caniveaux curés"
    header = f"Accueil / Société / {title}\n{title}\nPar Awa Sangaré\n\n05/07/2019"
    article = read_one(tmp_path, page(header, PARAGRAPH_1))
    assert article.author == ("Awa Sangaré",)
    assert article.date == "2019-07-05"
    assert article.paragraphs == [PARAGRAPH_1]


def test_date_from_text_gives_a_year_never_a_day(tmp_path: Path) -> None:
    title = "Koulikoro : bilan de la crue"
    body = (
        "Les eaux du fleuve ont commencé à monter le 3 août 2022, selon la protection civile. "
        "Depuis 2012, la ville n’avait pas connu pareille crue. Le plan d’aménagement prévu "
        "d’ici 2026 devra en tenir compte."
    )
    article = read_one(tmp_path, page(title, body))
    assert (article.date, article.date_source) == ("2022", "text")


def test_no_date_at_all(tmp_path: Path) -> None:
    article = read_one(tmp_path, page("Koulikoro : bilan de la crue", PARAGRAPH_1))
    assert (article.date, article.date_source) == (None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Réunion tenue le 5 juillet 2019, suivie d’une visite le 9 juillet 2019.", "2019-07"),
        ("Du 1er au 5 juillet 2019, puis en juin 2019 ; fin prévue pour décembre 2019.", "2019"),
        ("Les budgets 2020 et 2021 ont été discutés en mars 2019.", "2019"),
        ("Créée en 1998, l’association de 2000 membres a voté en 2015 puis fin 2015.", "2015"),
        ("Le dossier, ouvert en 2010, reste en suspens.", None),
        ("Le pays vise l’autosuffisance d’ici 2035.", None),
        ("Aucune date ici.", None),
        # never older than the latest past year the text mentions
        ("Le 8 mai 1945, à Sétif, le 8 mai 1945 reste une date. Un colloque s’est tenu en 2018.",
         None),
        ("Le 8 mai 1945 reste une date. Un colloque s’est tenu le 3 mai 2018 à Alger.", "2018"),
    ],
)
def test_infer_date_from_text(text: str, expected: str | None) -> None:
    assert infer_date_from_text(text) == expected


def test_inferred_dates_agree_with_the_known_dates_of_the_corpus() -> None:
    """Over the corpus articles that carry a date, a guess is rare to miss, and never a day."""
    corpus = SHARED / "corpus" / "articles.jsonl"
    if not corpus.exists():
        pytest.skip(f"../shared corpus not available: {corpus} is missing")
    dated = [row for row in map(json.loads, corpus.open(encoding="utf-8")) if row.get("date")]
    guesses = [
        (row["date"], infer_date_from_text(f"{row.get('title') or ''}\n{row.get('body') or ''}"))
        for row in dated
    ]
    made = [(known, guess) for known, guess in guesses if guess]
    right = [known for known, guess in made if known.startswith(guess)]
    assert all(len(guess) <= 7 for _, guess in made)
    # measured on the dev sample: 25 dated articles, 11 guesses, all 11 right
    assert len(made) >= len(dated) // 3
    assert len(right) >= 0.9 * len(made)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n \n",
        "Flash Infos\n\nPartager\n\nFacebook\n\nEssayez à nouveau\n\nLaisser un commentaire\n\n"
        "error: Content is protected !!",
    ],
)
def test_empty_or_furniture_only_pages_are_rejected(tmp_path: Path, text: str) -> None:
    record = read_one(tmp_path, text)
    assert isinstance(record, Rejected)
    assert record.source.endswith("page.txt")


def test_a_page_without_identifiable_title_is_rejected(tmp_path: Path) -> None:
    record = read_one(tmp_path, page("", f"{PARAGRAPH_1}\n\n{PARAGRAPH_2}"))
    assert isinstance(record, Rejected)
    assert "title" in record.reason


def test_a_title_without_text_is_rejected(tmp_path: Path) -> None:
    record = read_one(tmp_path, page("Accueil / Nation / Titre seul\nTitre seul", ""))
    assert isinstance(record, Rejected)
    assert "no article text" in record.reason


def test_sniff() -> None:
    assert scraped.sniff(Path("page.txt"), "")
    assert scraped.sniff(Path("page.dat"), "Flash Infos\nAccueil / Nation / Titre\n")
    assert not scraped.sniff(Path("export.jsonl"), '{"title": "Accueil"}\n')
    assert scraped.FORMAT == "scraped page"


def test_a_date_line_that_also_signs(tmp_path: Path) -> None:
    title = "Œuvres d’art : le musée national rouvre ses salles"
    header = (
        f"Accueil / Culture / {title}\n{title}\n"
        "Publié le 12 mars 2024 par Moussa Koné\nMis à jour le 13 mars 2024\nNombre de visites: 12"
    )
    article = read_one(tmp_path, page(header, f"{PARAGRAPH_1}\n\nLa Rédaction"))
    assert (article.date, article.date_source) == ("2024-03-12", "page")
    assert article.author == ("Moussa Koné",)
    assert article.paragraphs == [PARAGRAPH_1]
