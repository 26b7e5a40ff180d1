"""Scraped page text: one article per page, with the site's furniture left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.ingest.cleaning import clean_article
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
    # The page prints no date; "du 1er au 05 juillet 2019" in its text is no evidence of one.
    assert (article.date, article.date_source) == (None, None)
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


def test_text_glued_to_a_read_also_title_is_kept(tmp_path: Path) -> None:
    """A red team's page of the sample's kind: the prompt's line went on with the article's
    first sentence, and the whole line was dropped as a teaser. It stays; the import's
    cleaning then cuts the prompt and its title where it can tell the text's start."""
    title = "Ségou : les caniveaux curés avant l’hivernage"
    header = f"Accueil | Société | {title}\n{title}"
    glued = f"Lire aussi : Gao : un nouveau forage pour le quartier Château {PARAGRAPH_1}"
    body = f"{glued}\n\n{PARAGRAPH_2}\n\nLire aussi : Tombouctou accueille le festival"
    article = read_one(tmp_path, page(header, body))
    assert article.paragraphs == [glued, PARAGRAPH_2]  # the teaser line alone still goes
    cleaned, _done = clean_article(article)
    assert cleaned.paragraphs == [PARAGRAPH_1, PARAGRAPH_2]


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


def test_a_year_the_text_mentions_is_not_the_page_date(tmp_path: Path) -> None:
    """The importer reads the dates the page prints; the lead is the pipeline's to read."""
    title = "Koulikoro : bilan de la crue"
    body = (
        "Les eaux du fleuve ont commencé à monter le 3 août 2022, selon la protection civile. "
        "Depuis 2012, la ville n’avait pas connu pareille crue. Le plan d’aménagement prévu "
        "d’ici 2026 devra en tenir compte."
    )
    article = read_one(tmp_path, page(title, body))
    assert (article.date, article.date_source) == (None, None)


def test_no_date_at_all(tmp_path: Path) -> None:
    article = read_one(tmp_path, page("Koulikoro : bilan de la crue", PARAGRAPH_1))
    assert (article.date, article.date_source) == (None, None)


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


def test_a_date_after_the_byline_under_the_title(tmp_path: Path) -> None:
    title = "Ségou : les caniveaux curés"
    header = f"Accueil / Société / {title}\n{title}\nPar Boubacar Sidiki Haidara - 05/07/2019"
    article = read_one(tmp_path, page(header, PARAGRAPH_1))
    assert (article.date, article.date_source) == ("2019-07-05", "page")
    assert article.author == ("Boubacar Sidiki Haidara",)
    assert article.paragraphs == [PARAGRAPH_1]


def test_l_essor_publication_line_under_the_title(tmp_path: Path) -> None:
    title = "Échanges d’expérience : Le DG de l’AMAP à l’écoute des structures publiques sœurs"
    header = f"Accueil / Culture / {title}\n{title}\nPublié mardi 27 mai 2025 à 07:45"
    article = read_one(tmp_path, page(header, PARAGRAPH_1))
    assert (article.date, article.date_source) == ("2025-05-27", "page")


@pytest.mark.parametrize(("ending", "author"), [
    ("Y. Doumbia, le 14 mars 2024", ("Y. Doumbia",)),
    ("Bamako, le 14 mars 2024\n\nY. Doumbia", ("Y. Doumbia",)),
    ("Y. Doumbia\n\n14 mars 2024", ("Y. Doumbia",)),
])
def test_a_date_beside_the_signature(tmp_path: Path, ending: str, author: tuple[str, ...]) -> None:
    title = "Ségou : les caniveaux curés"
    article = read_one(tmp_path, page(f"Accueil / Société / {title}\n{title}",
                                      f"{PARAGRAPH_1}\n\n{ending}"))
    assert (article.date, article.date_source) == ("2024-03-14", "page")
    assert article.author == author
    assert article.paragraphs == [PARAGRAPH_1]


def test_the_edition_printed_above_the_signature(tmp_path: Path) -> None:
    """maliactu.net, republishing Nouvel Horizon."""
    title = "Mali : le ministre Housseïni Amion Guindo au Parc & Zoo national du Mali"
    ending = ("RETROUVEZ L’INTÉGRALITÉ DE L’ARTICLE DANS LA PARUTION DU MARDI 8 OCTOBRE 2019\n\n"
              "Par Alpha C. SOW\n\nSource : Nouvel Horizon")
    article = read_one(tmp_path, page(f"Accueil / Société / {title}\n{title}",
                                      f"{PARAGRAPH_1}\n\n{ending}"))
    assert (article.date, article.date_source) == ("2019-10-08", "page")
    assert article.author == ("Alpha C. SOW",)
    assert article.paragraphs == [PARAGRAPH_1]


def test_a_sentence_ending_with_a_date_is_no_signature_date(tmp_path: Path) -> None:
    title = "Ségou : les caniveaux curés"
    body = f"{PARAGRAPH_1}\n\nLa réunion s’est tenue à la mairie de Ségou, le 14 mars 2024"
    article = read_one(tmp_path, page(f"Accueil / Société / {title}\n{title}", body))
    assert (article.date, article.date_source) == (None, None)
