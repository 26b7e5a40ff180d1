"""Bylines ordered by surname, on the real names of the demo archive and the shared corpus."""

from __future__ import annotations

import shutil

import pytest

from archive.personnames import index_form, initial, is_corporate, sort_key, split_name
from archive.textnorm import fold
from tests.conftest import CORPUS, ROOT, require_shared

# Bylines of the demo archive (data/articles): initials, and "Maïga" as a surname.
DEMO = ["Y. Coulibaly", "A. Traoré", "Aminata Traoré", "Oumar Maïga", "A. Touré",
        "Jean-Baptiste Dakouo", "Moussa Keïta", "CARES-Mali"]
# Bylines closing articles of the shared corpus: a particle (Ould, El), surnames in capitals,
# initials only.
CORPUS_BYLINES = ["S. Ould Ali", "M. EL BEY", "Chabane BOUARISSA", "Imène AMOKRANE",
                  "A. Boukarine", "RAMDANE B.", "R. B.", "Lyès Menacer", "APS"]


@pytest.mark.parametrize("byline, listed", [
    ("Y. Coulibaly", "Coulibaly, Y."),
    ("A. Traoré", "Traoré, A."),
    ("Aminata Traoré", "Traoré, Aminata"),
    ("Oumar Maïga", "Maïga, Oumar"),
    ("Jean-Baptiste Dakouo", "Dakouo, Jean-Baptiste"),
    ("CARES-Mali", "CARES-Mali"),
    ("S. Ould Ali", "Ould Ali, S."),
    ("M. EL BEY", "EL BEY, M."),
    ("Chabane BOUARISSA", "BOUARISSA, Chabane"),
    ("RAMDANE B.", "RAMDANE, B."),
    ("R. B.", "R. B."),
    ("APS", "APS"),
    # Particles and orders the two sources do not show, written as Malian bylines write them.
    ("Mohamed Ag Erless", "Ag Erless, Mohamed"),
    ("Maïga Oumar", "Maïga, Oumar"),
    ("Coulibaly Y.", "Coulibaly, Y."),
    ("Charles de Gaulle", "Gaulle, Charles de"),
])
def test_a_byline_is_listed_surname_first(byline, listed):
    assert index_form(byline) == listed


def test_the_bylines_quoted_here_are_real():
    demo = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "data" / "articles").rglob("*.md"))
    assert [b for b in DEMO if b not in demo] == []
    corpus = require_shared(CORPUS / "articles.jsonl").read_text(encoding="utf-8")
    assert [b for b in CORPUS_BYLINES if b not in corpus] == []


def test_initials_and_full_names_sort_side_by_side_by_surname():
    ordered = sorted(DEMO + CORPUS_BYLINES, key=lambda b: (initial(b), sort_key(b)))
    assert [index_form(b) for b in ordered] == [
        "AMOKRANE, Imène", "APS", "BOUARISSA, Chabane", "Boukarine, A.", "CARES-Mali",
        "Coulibaly, Y.", "Dakouo, Jean-Baptiste", "EL BEY, M.", "Keïta, Moussa",
        "Maïga, Oumar", "Menacer, Lyès", "Ould Ali, S.", "R. B.", "RAMDANE, B.", "Touré, A.",
        "Traoré, A.", "Traoré, Aminata"]
    assert initial("S. Ould Ali") == "O" and initial("Oumar Maïga") == "M"
    assert split_name("A. Traoré") != split_name("Aminata Traoré")  # never merged


def test_the_authors_page_lists_the_demo_bylines_by_surname(tmp_path):
    from archive.config import load_config
    from archive.indexing.jobs import reindex
    from archive.web import create_app

    shutil.copytree(ROOT / "data" / "articles", tmp_path / "data" / "articles")
    shutil.copy(ROOT / "data" / "organisations.yaml", tmp_path / "data" / "organisations.yaml")
    (tmp_path / "index").mkdir()
    (tmp_path / "archive.yaml").write_text("data_dir: data\nindex_dir: index\n", encoding="utf-8")
    config = load_config(tmp_path / "archive.yaml")
    reindex(config, full=True)
    client = create_app(config).test_client()
    html = client.get("/authors").get_data(as_text=True)
    import re

    listed = re.findall(r'<li><a href="/search\?author=([^"]+)">([^<]+)</a>', html)
    names = [shown for _link, shown in listed]
    assert names.index("Traoré, Aminata") == names.index("Traoré, A.") + 1
    assert names.index("Coulibaly, Y.") < names.index("Dakouo, Jean-Baptiste") < names.index(
        "Maïga, Oumar") < names.index("Touré, A.")
    link = dict((shown, href) for href, shown in listed)["Traoré, A."]
    assert link == "A.+Traor%C3%A9"  # the filter keeps the byline as written
    t_only = client.get("/authors?letter=T").get_data(as_text=True)
    assert "Traoré, A." in t_only and "Coulibaly" not in t_only


@pytest.mark.parametrize("byline, corporate", [
    ("Agence France-Presse", True), ("The Wall Street Journal", True),
    ("Union européenne", True), ("Organisation mondiale de la santé", True),
    ("École des enfants handicapés auditifs (EEHA)", True), ("La rédaction", True),
    # people, particles and all (the shared corpus's 66 bylines are all people's)
    ("Lyès Menacer", False), ("Charles de GAULLE", False), ("Mohamed Ag Erless", False),
    ("Marine Le Pen", False), ("Ana dos Santos", False), ("Ludwig van Beethoven", False),
    ("RABAH KARÈCHE", False), ("AFP", False),
])
def test_a_body_is_told_from_a_person(byline: str, corporate: bool):
    assert is_corporate(byline) is corporate
    if corporate:  # listed as written, under its first letter
        assert index_form(byline) == byline and initial(byline) == fold(byline[0]).upper()
