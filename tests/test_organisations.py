"""The organisation authority file, extraction from article text, and new-acronym candidates."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import articlefile
from archive.cli import main
from archive.errors import ArchiveError
from archive.models import Article
from archive.organisations import (
    Authority,
    authority_at,
    find_candidates,
    generic_forms,
    load_authority,
)
from archive.orgdefinitions import Definition, found_in, parse_label

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLE_PAGE = SHARED / "samples" / "pages" / "000_f199722963d6bb92.txt"
CORPUS = SHARED / "corpus" / "articles.jsonl"


@pytest.fixture(scope="module")
def authority() -> Authority:
    return load_authority(ROOT / "data" / "organisations.yaml")


def names(authority: Authority, body: str, title: str = "",
          country: str | None = "ML") -> tuple[str, ...]:
    """What an article says, published in Mali unless told (the demo's and the seed's press)."""
    return authority.extract(title, body, country)


# --- the shipped authority file ------------------------------------------------------------


def test_the_shipped_file_is_valid_and_large(authority: Authority) -> None:
    assert len(authority.entries) >= 150
    kinds = {entry.kind for entry in authority.entries}
    assert {"union", "party", "ministry", "regional", "international", "ngo", "press"} <= kinds


def test_every_spelling_in_the_file_is_found_and_maps_back(authority: Authority) -> None:
    # A generic form several countries' entries share (CNT: Mali's and Guinea's) names none of
    # them out of context; in an article of the entry's country it names that entry.
    by_form = Counter(f.casefold() for e in authority.entries for f in generic_forms(e))
    for entry in authority.entries:
        country = "ML" if entry.country == "international" else entry.country
        for form in entry.forms:
            if by_form[form.casefold()] > 1:
                assert authority.canonical(form) in (None, *(
                    e.name for e in authority.entries
                    if form.casefold() in {f.casefold() for f in generic_forms(e)})), form
            else:
                assert authority.canonical(form) == entry.name, form
            assert names(authority, f"Selon {form}, tout va bien.", country=country) == \
                (entry.name,), form


def test_no_entry_is_a_bare_place(authority: Authority) -> None:
    for place in ("Mali", "Bamako", "Afrique", "Sahel", "Niger", "France", "Kayes"):
        assert authority.canonical(place) is None, place


def test_canonical_ignores_case_accents_elision_and_dots(authority: Authority) -> None:
    assert authority.canonical("UNTM") == "Union nationale des travailleurs du Mali"
    assert authority.canonical("l’UNTM") == authority.canonical("untm")
    assert authority.canonical("O.N.U.") == "Organisation des Nations unies"
    assert authority.canonical("ECOWAS") == authority.canonical("Cédéao") == \
        authority.canonical("CEDEAO")
    assert authority.canonical("EU") == authority.canonical("union europeenne") == \
        "Union européenne"
    assert authority.canonical("FAMas") == "Forces armées maliennes"
    assert authority.canonical("Inconnu du bataillon") is None


def test_aliases_of_lists_the_other_names(authority: Authority) -> None:
    aliases = authority.aliases_of("Banque africaine de développement")
    assert "BAD" in aliases and "AfDB" in aliases
    assert authority.aliases_of("AfDB") == aliases
    assert authority.aliases_of("nothing like it") == ()


def test_protected_tokens_hold_acronyms_and_hyphen_parts(authority: Authority) -> None:
    tokens = authority.protected_tokens()
    assert {"untm", "cares-mali", "cares", "csi-afrique", "edm-sa", "fama"} <= tokens
    assert all(token == token.lower() for token in tokens)
    assert "union" not in tokens  # words of long names stay ordinary words
    assert not {"femmes", "sa", "un", "au"} & tokens  # ONU-Femmes, EDM-SA, UN, AU


# --- extraction, rule by rule ------------------------------------------------------------------


def test_example_page(authority: Authority) -> None:
    if not SAMPLE_PAGE.exists():
        pytest.skip(f"../shared corpus not available: {SAMPLE_PAGE} is missing")
    found = names(authority, SAMPLE_PAGE.read_text(encoding="utf-8"))
    expected = {authority.canonical(a) for a in
                ("CARES-Mali", "CSI-Afrique", "CFDT", "UNTM", "CSTM", "GSB", "UTM", "RMA", "UE")}
    assert expected <= set(found)
    assert found[0] == "CARES-Mali"  # order of first mention
    assert len(found) == len(set(found))
    assert all(authority.canonical(name) == name for name in found)
    for wrong in ("Mali", "Bamako", "Orokia Camara", "CARES", "Décembre"):
        assert wrong not in found


def test_elided_forms(authority: Authority) -> None:
    found = names(authority, "Les militants de l'UNTM et d’EDM-SA ont rencontré ceux de l’UE.")
    assert found == ("Union nationale des travailleurs du Mali", "Énergie du Mali",
                     "Union européenne")


def test_dotted_and_plural_acronyms(authority: Authority) -> None:
    assert names(authority, "Un rapport de l'O.N.U. sur le Sahel.") == \
        ("Organisation des Nations unies",)
    assert names(authority, "Les FAMas ont repris la ville.") == ("Forces armées maliennes",)


def test_hyphenated_names_match_longest_first(authority: Authority) -> None:
    found = names(authority, "Le CARES-Mali et la CSI-Afrique, membres de la CSI.")
    assert found == ("CARES-Mali", "CSI-Afrique", "Confédération syndicale internationale")


def test_full_names_written_loosely(authority: Authority) -> None:
    found = names(authority, "Le Groupe de Suivi Budgétaire a reçu l’Union Technique de la "
                             "Mutualité et la délégation de l’Union Européenne.")
    assert found == ("Groupe de suivi budgétaire", "Union technique de la mutualité malienne",
                     "Union européenne")


def test_english_names_map_to_the_french_entry(authority: Authority) -> None:
    found = names(authority, "ECOWAS, the World Bank and the IMF met the African Union.")
    assert found == ("Communauté économique des États de l'Afrique de l'Ouest", "Banque mondiale",
                     "Fonds monétaire international", "Union africaine")


def test_acronym_spelled_out_as_something_else_is_not_that_organisation(
        authority: Authority) -> None:
    body = "Le Syndicat des agriculteurs du Mali (SAM) a tenu son congrès. Le SAM a élu son bureau."
    assert "Syndicat autonome de la magistrature" not in names(authority, body)
    body = "Le Syndicat autonome de la magistrature (SAM) proteste. Le SAM exige des moyens."
    assert names(authority, body) == ("Syndicat autonome de la magistrature",)


def test_lowercase_lookalikes_are_not_acronyms(authority: Authority) -> None:
    assert names(authority, "Le ramadan, le rma de utm, une Rma et le faré.") == ()
    assert names(authority, "Des bandits ont attaqué le car près de Kati.") == ()


def test_no_person_place_or_common_word(authority: Authority) -> None:
    body = ("Moussa Traoré, ministre, est arrivé à Bamako au Mali pour un plan international "
            "d'action contre la faim. Le candidat républicain a parlé de l'essor du pays.")
    assert names(authority, body) == ()


def test_headline_in_capitals_does_not_turn_words_into_acronyms(authority: Authority) -> None:
    assert names(authority, "", title="UN HOMME ARRÊTÉ AU MARCHÉ, IL AVAIT EU PEUR") == ()
    assert names(authority, "Le vote à l'ONU et à l'UE, puis à l'AU.") == \
        ("Organisation des Nations unies", "Union européenne", "Union africaine")


def test_one_word_names_need_their_capital(authority: Authority) -> None:
    assert names(authority, "La Primature et Barkhane.") == ("Primature", "Opération Barkhane")
    assert names(authority, "la primature et barkhane.") == ()


# --- validation of the authority file ----------------------------------------------------------


def write_authority(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "organisations.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_duplicate_alias_names_the_file_and_the_entry(tmp_path: Path) -> None:
    path = write_authority(tmp_path, """
- {name: Union nationale des travailleurs du Mali, acronym: UNTM, kind: union, country: ML}
- {name: Une autre union, aliases: [untm], kind: union, country: ML}
""")
    with pytest.raises(ArchiveError) as caught:
        load_authority(path)
    assert "organisations.yaml" in caught.value.message
    assert "Une autre union" in caught.value.message and "untm" in caught.value.message


@pytest.mark.parametrize("entry, reason", [
    ("{acronym: UNTM, kind: union, country: ML}", "'name' is required"),
    ("{name: X, kind: club, country: ML}", "'kind' must be one of"),
    ("{name: X, kind: union, country: NO}", "quote"),
    ("{name: X, kind: union, country: ML, acronym: untm}", "'acronym'"),
    ("{name: X, kind: union, country: ML, colour: red}", "unknown field"),
])
def test_broken_entries_are_refused(tmp_path: Path, entry: str, reason: str) -> None:
    with pytest.raises(ArchiveError, match=reason):
        load_authority(write_authority(tmp_path, f"- {entry}\n"))


def test_not_yaml_at_all(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="not valid YAML"):
        load_authority(write_authority(tmp_path, "- name: [unclosed\n"))


# --- candidates and the CLI ------------------------------------------------------------------


def test_find_candidates_spots_unknown_acronyms(authority: Authority) -> None:
    texts = [
        ("Congrès", "La Coordination des agriculteurs du Kénédougou (CAK) a tenu son congrès. "
                    "Le CAK réclame des semences. Moussa KONATE a parlé. Chapitre XIV."),
        ("Suite", "Le CAK et l'UNTM ont signé un accord au Mali (ML) avec la RDC."),
    ]
    found = {c.acronym: c for c in find_candidates(texts, authority)}
    assert set(found) == {"CAK"}
    assert found["CAK"].count == 3
    assert found["CAK"].expansion == "Coordination des agriculteurs du Kénédougou"
    assert len(found["CAK"].examples) == 3


def write_articles(data: Path, bodies: list[str]) -> None:
    """A data folder: the shipped authority file (the default place) and some articles."""
    (data / "organisations.yaml").write_bytes((ROOT / "data" / "organisations.yaml").read_bytes())
    for number, body in enumerate(bodies):
        article = Article(id=f"article-{number}", title=f"Article {number}", body=body,
                          date="2020-01-0" + str(number + 1))
        articlefile.write(data / "articles", article)


def test_cli_candidates_reads_the_data_folder(tmp_path: Path) -> None:
    write_articles(tmp_path, [
        "Le Front uni des riziculteurs (FUR) manifeste avec l'UNTM.",
        "Le FUR demande une audience à la Primature.",
    ])
    (tmp_path / "articles" / "2020" / "broken.md").write_text("no front matter", encoding="utf-8")
    result = CliRunner().invoke(main, ["orgs", "candidates", "--data", str(tmp_path),
                                       "--min-count", "2"])
    assert result.exit_code == 0, result.output
    assert "FUR (2) = Front uni des riziculteurs" in result.stdout
    assert not any(line.startswith("UNTM") for line in result.stdout.splitlines())
    assert "broken.md" in result.stderr


def test_cli_list_counts_articles(tmp_path: Path) -> None:
    write_articles(tmp_path, ["L'UNTM et la CSTM.", "L'UNTM encore."])
    result = CliRunner().invoke(main, ["orgs", "list", "--data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["2", "UNTM", "union", *"Union nationale des travailleurs du Mali"
                                .split()]


def test_cli_check_reports_a_broken_file(tmp_path: Path) -> None:
    config = tmp_path / "archive.yaml"
    broken = write_authority(tmp_path, "- {name: X, kind: union}\n")
    config.write_text(f"authority_file: {broken}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["orgs", "check", "--config", str(config)])
    assert result.exit_code == 1
    assert "organisations.yaml" in result.stderr and "country" in result.stderr
    good = CliRunner().invoke(main, ["orgs", "check"])
    assert good.exit_code == 0 and "all valid" in good.stdout


def test_the_authority_file_is_loaded_once_per_version(tmp_path: Path) -> None:
    path = tmp_path / "organisations.yaml"
    assert authority_at(path) is None  # no file: an archive may have none
    write_authority(tmp_path, "- {name: Union A, acronym: UA, kind: union, country: ML}\n")
    first = authority_at(path)
    assert first is not None and authority_at(path) is first
    write_authority(tmp_path, "- {name: Union B, acronym: UB, kind: union, country: ML}\n")
    second = authority_at(path)  # same size, new version: read again
    assert second is not first and second.canonical("UB") == "Union B"
    path.unlink()
    assert authority_at(path) is None
    path.mkdir()  # something is there but it is no authority file: broken, not missing
    with pytest.raises(ArchiveError, match="cannot read the organisation file"):
        authority_at(path)


@pytest.mark.parametrize("state", ["missing", "broken", "directory"])
def test_every_command_agrees_on_a_missing_or_broken_authority_file(tmp_path: Path,
                                                                      state: str) -> None:
    (tmp_path / "data").mkdir()
    write_articles(tmp_path / "data", ["L'UNTM et la CSTM.", "L'UNTM encore."])
    authority = tmp_path / "elsewhere" / "organisations.yaml"
    config = tmp_path / "archive.yaml"
    config.write_text(f"data_dir: data\nindex_dir: index\nauthority_file: {authority}\n",
                      encoding="utf-8")

    def run(*args: str):
        return CliRunner().invoke(main, [*args, "--config", str(config)])

    assert run("reindex").exit_code == 0  # an index to search, built without the file
    authority.parent.mkdir()
    if state == "broken":
        write_authority(authority.parent, "- {name: X, kind: union}\n")
    elif state == "directory":
        authority.mkdir()
    commands = {"import": run("import", str(tmp_path / "data" / "articles")),
                "check": run("check"), "reindex": run("reindex"),
                "search": run("search", "UNTM"), "orgs check": run("orgs", "check"),
                "orgs list": run("orgs", "list")}
    codes = {name: result.exit_code for name, result in commands.items()}
    if state == "missing":  # no authority file: said, and every command but orgs goes on
        assert codes == {"import": 0, "check": 0, "reindex": 0, "search": 0, "orgs check": 1,
                         "orgs list": 2}
        assert f"no organisation authority file at {authority}: organisations not " \
               "extracted" in commands["import"].stdout
        for name in ("orgs check", "orgs list"):
            assert f"error: no organisation authority file at {authority}" \
                   in commands[name].stderr
    else:  # a broken file (or a folder in its place) stops them all, naming it
        assert codes == {"import": 2, "check": 2, "reindex": 2, "search": 2, "orgs check": 1,
                         "orgs list": 2}
        for result in commands.values():
            assert f"error: {authority}: " in result.stderr and "Traceback" not in result.output


# --- the real corpus -------------------------------------------------------------------------


def test_extraction_over_the_corpus_is_safe_and_fast(authority: Authority) -> None:
    if not CORPUS.exists():
        pytest.skip(f"../shared corpus not available: {CORPUS} is missing")
    with CORPUS.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for _, line in zip(range(500), handle, strict=False)]
    started = time.perf_counter()
    for row in rows:
        for name in authority.extract(row.get("title") or "", row.get("body") or ""):
            assert authority.canonical(name) == name
    per_article_ms = 1000 * (time.perf_counter() - started) / len(rows)
    print(f"organisation extraction: {per_article_ms:.2f} ms per article")
    assert per_article_ms < 50


@pytest.mark.parametrize("value", ["2019-02-30", "1" * 5000])
def test_an_authority_file_value_yaml_cannot_read_is_reported_not_a_traceback(
        tmp_path: Path, value: str) -> None:
    config = tmp_path / "archive.yaml"
    broken = write_authority(tmp_path, f"- {{name: X, kind: union, country: ML, acronym: {value}}}\n")
    config.write_text(f"authority_file: {broken}\n", encoding="utf-8")
    # orgs check finds the file broken (1); for other commands it is the configuration (2)
    for args, code in ((["orgs", "check"], 1), (["import", str(tmp_path)], 2),
                       (["orgs", "list"], 2)):
        result = CliRunner().invoke(main, [*args, "--config", str(config)])
        assert result.exit_code == code, (args, result.output)
        assert f"error: {broken}: a value YAML cannot read (" in result.stderr, args
        assert "put it in quotes" in result.stderr and "Traceback" not in result.output


# --- organisations an article defines itself ----------------------------------------------------


def defined(authority: Authority, body: str) -> list[str]:
    return [d.label for d in found_in(authority, "", body, "ML").defined]


@pytest.mark.parametrize("body, label", [
    # the examples (Malian press), and the corpus's (BBC Afrique, MasakhaNEWS)
    ("La Fédération sénégalaise de football (FSF) a convoqué son assemblée générale.",
     "Fédération sénégalaise de football (FSF)"),
    ("L’Union nationale des sociétés coopératives des producteurs de coton (UN-SCPC) exige "
     "le paiement.", "Union nationale des sociétés coopératives des producteurs de coton "
                     "(UN-SCPC)"),
    ("Le comité exécutif de la Confédération africaine d'athlétisme (CAA) a voté le",
     "Confédération africaine d'athlétisme (CAA)"),
    # an acronym spoken as a word, written so by BBC Afrique
    ("La Confédération africaine d'athlétisme (Caa), l'instance dirigeante de l'athlétisme",
     "Confédération africaine d'athlétisme (CAA)"),
    # the other way round (Algerian press): the acronym, then its name in brackets
    ("marqué par la présence de nombreux militants du MAK (Mouvement pour l’autonomie de la "
     "Kabylie). On pouvait", "Mouvement pour l’autonomie de la Kabylie (MAK)"),
    # a name in lower case (Ivorian press in BBC Afrique), and one in English (Le Temps)
    ("déposé samedi sa candidature à la présidence de la fédération ivoirienne de football "
     "(FIF).", "Fédération ivoirienne de football (FIF)"),
    ("règlement avec la Federal Trade Commission (FTC)", "Federal Trade Commission (FTC)"),
    # a line break inside the name
    ("L’Union nationale des sociétés coopératives\ndes producteurs de coton (UN-SCPC) exige",
     "Union nationale des sociétés coopératives des producteurs de coton (UN-SCPC)"),
    # a country's adjective at the end that gives no letter is the journalist's gloss
    ("Le président du Conseil supérieur de l’audiovisuel français (CSA), Olivier Schrameck",
     "Conseil supérieur de l’audiovisuel (CSA)"),
])
def test_an_organisation_the_article_defines_is_found(authority: Authority, body: str,
                                                      label: str) -> None:
    assert defined(authority, body) == [label]


@pytest.mark.parametrize("body", [
    # a place, and a region by its initials (La DH, AFP in Le Devoir)
    "l’ancien policier d’élite Jean Michel Fauvergue (Seine-et-Marne)",
    "un cas par semaine. Parmi ces maternités, onze sont en Ile-de-France (IDF)",
    # a year, a party after a person's name, a list of unions (Swiss and Belgian press)
    "ndums dans les quatre ans à venir, comme prévu par l'accord de Nouméa (1998).",
    "comme la suppression de l'ISF, Christine Pirès-Beaune (PS) et Yannick Jadot (EELV)",
    "ce sont donc les trois organisations syndicales (FGTB, CSC, CGSLB) qui",
    # a person's initials (the corpus has none: written the way the press does it)
    "Le meeting de Jean-Luc Mélenchon (JLM) a fait salle comble.",
    # a tax, a country, an office: initials that match, but no body
    "le rétablissement de l'Impôt sur la fortune (ISF), qui frappait",
    "l'est de la République démocratique du Congo (RDC) où",
    "a confié le directeur départemental de la sécurité publique (DDSP) dans un",
    # an English gloss of a competition, an event, a method (BBC Afrique, La DH, Le Devoir)
    "la finale de la Coupe des Nations de l'UFOA (WAFU Cup of nations) face au Ghana",
    "Le 52e Consumer Electronics Show (CES)",
    "a mis au point le Maslach Burnout Inventory (MBI)",
])
def test_false_definitions_are_not_organisations(authority: Authority, body: str) -> None:
    assert defined(authority, body) == []


def test_an_organisation_the_authority_file_has_is_not_new(authority: Authority) -> None:
    body = "Selon l'Organisation mondiale de la santé (OMS), la pandémie recule."
    assert found_in(authority, "", body).organisations == ("Organisation mondiale de la santé",)
    assert defined(authority, body) == []
    # the file's SAM is another body: this one is the article's own
    body = "Le Syndicat des agriculteurs du Mali (SAM) a tenu son congrès. Le SAM a élu son bureau."
    assert defined(authority, body) == ["Syndicat des agriculteurs du Mali (SAM)"]
    assert "Syndicat autonome de la magistrature" not in names(authority, body)


def test_a_label_reads_back_and_finds_its_entry_once_promoted(authority: Authority) -> None:
    label = "Confédération africaine d'athlétisme (CAA)"
    assert parse_label(label) == Definition("Confédération africaine d'athlétisme", "CAA")
    assert parse_label("Confédération africaine d'athlétisme") is None
    assert authority.canonical(label) is None
    # an entry named so, or of this acronym with that name, is what the label means now
    assert authority.canonical("Union européenne (UE)") == "Union européenne"
    assert authority.canonical("Autre chose (UE)") is None


# --- generic institution names: the article's country ------------------------------------------

LE_DEVOIR = ("Le volet final de ce texte, voté mercredi en fin de journée par une large majorité à "
             "l’Assemblée nationale juste avant la pause estivale")


def test_a_generic_name_means_the_institution_of_the_article_country(
        authority: Authority) -> None:
    assert names(authority, LE_DEVOIR, country="ML") == ("Assemblée nationale",)
    assert names(authority, LE_DEVOIR, country="CA") == ()  # no Canadian entry: left out
    assert names(authority, LE_DEVOIR, country="international") == ()  # BBC Afrique
    assert names(authority, LE_DEVOIR, country=None) == ()  # publisher unknown
    # its acronym too (a Belgian paper on the Congolese electoral commission)
    assert names(authority, "La CENI a publié les résultats.", country="BE") == ()
    assert names(authority, "La CENI a publié les résultats.") == \
        ("Commission électorale nationale indépendante",)


@pytest.mark.parametrize("body", [
    "Ministère de la Santé du Sénégal",  # BBC Afrique
    "le ministère de l'intérieur britannique",
    "Le ministère des Affaires étrangères tchèque a convoqué l'ambassadeur.",
    "la Cour suprême des États-Unis a tranché",
    "la décision de l’Assemblée nationale française",
])
def test_a_country_named_next_to_a_generic_name_decides(authority: Authority,
                                                        body: str) -> None:
    assert names(authority, body, country="ML") == ()  # not Mali's, even in a Malian paper


def test_names_that_name_their_country_or_are_proper_names_are_not_generic(
        authority: Authority) -> None:
    for country in ("ML", "FR", "international", None):
        assert names(authority, "Un député de l'Assemblée nationale du Mali.", country=country) \
            == ("Assemblée nationale",)
        # BBC Afrique on the Malian army and on Barkhane
        assert names(authority, "les Forces armées maliennes et l'opération Barkhane",
                     country=country) == ("Forces armées maliennes", "Opération Barkhane")
    by_name = {e.name: e for e in authority.entries}
    assert generic_forms(by_name["Primature"]) == {"Primature"}
    assert generic_forms(by_name["Assemblée nationale"]) == {"Assemblée nationale"}
    assert not generic_forms(by_name["Office du Niger"])
    assert not generic_forms(by_name["Opération Barkhane"])


def test_countries_may_share_a_generic_name_but_not_a_canonical_one(tmp_path: Path) -> None:
    path = write_authority(tmp_path, """
- {name: Assemblée nationale, aliases: [Assemblée nationale du Mali], kind: state, country: ML}
- {name: Assemblée nationale du Sénégal, aliases: [Assemblée nationale], kind: state, country: SN}
""")
    shared = load_authority(path)
    body = "L'Assemblée nationale a voté la loi."
    assert shared.extract("", body, "SN") == ("Assemblée nationale du Sénégal",)
    assert shared.extract("", body, "ML") == ("Assemblée nationale",)
    assert shared.extract("", body, "FR") == ()
    assert shared.canonical("Assemblée nationale") == "Assemblée nationale"  # a canonical name
    assert shared.canonical("Assemblée nationale du Sénégal") == "Assemblée nationale du Sénégal"
    write_authority(tmp_path, """
- {name: Assemblée nationale, kind: state, country: ML}
- {name: Assemblée nationale, kind: state, country: SN}
""")
    with pytest.raises(ArchiveError, match="already names"):
        load_authority(path)
    write_authority(tmp_path, """
- {name: Union nationale des travailleurs du Mali, acronym: UNTM, kind: union, country: ML}
- {name: Union des travailleurs, aliases: [Union nationale des travailleurs du Mali], kind: union, country: SN}
""")
    with pytest.raises(ArchiveError, match="already names"):
        load_authority(path)


# --- forms scraped text takes, and offices -----------------------------------------------------


def test_matching_survives_scraped_forms(authority: Authority) -> None:
    assert names(authority, "Les 6-Nations-Unies ont voté.") == ("Organisation des Nations unies",)
    # a subheading glued to the next sentence (Le Soleil, Québec)
    assert names(authority, "déploré l’ONG.Danger imminentSave the Children a dénoncé une "
                            "situation") == ("Save the Children",)
    assert names(authority, "selon la Banque mondialeLe président a dit") == ("Banque mondiale",)
    assert names(authority, "Le Fonds monétaire\ninternational a prêté.") == \
        ("Fonds monétaire international",)
    # a hyphen inside words is no glue: anti-, -t-il
    assert names(authority, "un discours anti-Banque mondiale, a-t-il dit") == ()


@pytest.mark.parametrize("body", [
    "s le début de la campagne, abordées par les différents candidats à la présidence de la "
    "République.",  # La Libre
    "l’ex-diplomate se voyait briguer la présidence de la République sous les couleurs des "
    "Républicains.",  # Le Temps
    "Il a été élu à la présidence de la République en 2013.",
])
def test_an_office_is_not_the_institution(authority: Authority, body: str) -> None:
    assert names(authority, body) == ()


def test_the_institution_named_like_the_office_is_still_found(authority: Authority) -> None:
    body = "A Paris, la présidence de la République a de son côté déclaré à l'AFP que la France"
    assert names(authority, body)[0] == "Présidence de la République"


# --- an archive's own organisations: import, candidates, add, reindex, re-import --------------

FSF = "La Fédération sénégalaise de football (FSF) a convoqué son assemblée générale."
EXPORT = [
    {"id": "ml-1", "title": "Football : la FSF convoque son assemblée",
     "body": FSF + " L’Assemblée nationale a salué la FSF.",
     "publisher": "Le Quotidien de démonstration", "date": "2024-03-01"},
    {"id": "be-1", "title": "Les Aigles du Mali en Belgique",
     "body": FSF + " L’Assemblée nationale a voté la loi sur les clubs.",
     "publisher": "La Libre Belgique", "date": "2024-03-02"},
]


@pytest.fixture
def own_orgs(tmp_path: Path):
    """A new archive that imported two articles defining FSF; a runner of its CLI."""
    assert CliRunner().invoke(main, ["init", str(tmp_path / "a")]).exit_code == 0
    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in EXPORT),
                      encoding="utf-8")

    def run(*args: str):
        return CliRunner().invoke(main, [*args, "--config", str(tmp_path / "a" / "archive.yaml")])

    imported = run("import", str(export))
    assert imported.exit_code == 0, imported.output
    assert "organisations the articles define that the authority file lacks: 1 in 2 " \
           "articles" in imported.stdout
    return tmp_path / "a", run


def files_by_id(archive: Path) -> dict[str, Article]:
    return {a.id: a for a in map(articlefile.read, articlefile.iter_files(archive / "data" /
                                                                            "articles"))}


def search_org(run, value: str) -> tuple[int, list[str]]:
    """Hits and organisation facet values of a filter (a value) or a query (org:…)."""
    args = [value] if value.startswith("org:") else ["--org", value]
    result = run("search", *args, "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    return found["total"], [c["value"] for c in found["facets"]["organisation"]]


def test_an_archive_records_finds_and_promotes_its_own_organisations(own_orgs) -> None:
    archive, run = own_orgs
    files = files_by_id(archive)
    by_publisher = {a.publisher: a for a in files.values()}
    malian, belgian = by_publisher["Le Quotidien de démonstration"], by_publisher[
        "La Libre Belgique"]
    label = "Fédération sénégalaise de football (FSF)"
    assert malian.organisations == ("Assemblée nationale",)  # a Malian paper: Mali's
    assert belgian.organisations == ()  # a Belgian paper's Assemblée nationale is not Mali's
    assert malian.new_organisations == belgian.new_organisations == (label,)
    text = (archive / "data" / "articles" / "2024" / f"{malian.id}.md").read_text("utf-8")
    assert f"new_organisations:\n- {label}\n" in text  # plain YAML an archivist can edit
    assert run("check").exit_code == 0

    candidates = run("orgs", "candidates")
    assert candidates.stdout.splitlines()[:2] == [
        "defined by the articles, not in the authority file ('archive orgs add ACRONYM' adds "
        "one):", "FSF (2 articles) = Fédération sénégalaise de football"]
    assert run("reindex").exit_code == 0
    assert search_org(run, label) == (2, [label, "Assemblée nationale"])  # a facet value
    assert search_org(run, "org:FSF")[0] == 2  # the query language finds its acronym

    authority_file = archive / "data" / "organisations.yaml"
    before = authority_file.read_text(encoding="utf-8")
    added = run("orgs", "add", "FSF")
    assert added.exit_code == 0, added.output
    assert "added to" in added.stdout and "FSF = Fédération sénégalaise de football (kind " \
           "ngo, country SN), defined in 2 articles" in added.stdout
    after = authority_file.read_text(encoding="utf-8")
    assert after.startswith(before)  # the file's entries and comments stay as they were
    assert load_authority(authority_file).canonical("FSF") == \
        "Fédération sénégalaise de football"
    assert run("orgs", "add", "FSF").exit_code == 1  # already there
    assert "no article defines ZZZ" in run("orgs", "add", "ZZZ").stderr
    assert not run("orgs", "candidates").stdout.startswith("defined by the articles")

    checked = run("check")
    assert checked.exit_code == 0
    assert "2 articles list under new_organisations an organisation the authority file has " \
           "now" in checked.stdout
    reindexed = run("reindex")
    assert "full reindex (organisations authority file changed)" in reindexed.stdout
    canonical = "Fédération sénégalaise de football"
    assert search_org(run, "FSF") == (2, [canonical, "Assemblée nationale"])
    assert search_org(run, "org:FSF")[0] == 2
    assert search_org(run, label)[0] == 2  # an old link still finds them
    # Re-imported, the files take the canonical name (here: the article files themselves).
    assert run("import", str(archive / "data" / "articles")).exit_code == 0
    for article in files_by_id(archive).values():
        assert canonical in article.organisations and article.new_organisations == ()


def test_orgs_add_never_writes_over_a_file_it_cannot_read(own_orgs) -> None:
    archive, run = own_orgs
    authority_file = archive / "data" / "organisations.yaml"
    broken = authority_file.read_text(encoding="utf-8") + "- {name: X, kind: union}\n"
    authority_file.write_text(broken, encoding="utf-8")
    result = run("orgs", "add", "FSF")
    assert result.exit_code == 2 and str(authority_file) in result.stderr
    assert authority_file.read_text(encoding="utf-8") == broken
    assert not list(authority_file.parent.glob(".tmp-*"))


def test_an_archive_of_one_country_press_says_so_for_articles_without_a_publisher(
        tmp_path: Path) -> None:
    """The demo's scraped pages name no publisher: archive.yaml's country places them."""
    assert CliRunner().invoke(main, ["init", str(tmp_path / "a")]).exit_code == 0
    config = tmp_path / "a" / "archive.yaml"
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"title": "Dialogue social", "body": LE_DEVOIR},
                                 ensure_ascii=False) + "\n", encoding="utf-8")

    def organisations() -> tuple[str, ...]:
        (path,) = articlefile.iter_files(tmp_path / "a" / "data" / "articles")
        found = articlefile.read(path).organisations
        path.unlink()
        for base in (tmp_path / "a" / "data" / "imports").rglob("*.json"):
            base.unlink()
        return found

    def run(*args: str):
        return CliRunner().invoke(main, [*args, "--config", str(config)])

    assert run("import", str(export)).exit_code == 0
    assert organisations() == ()  # a new archive may hold many countries' press
    config.write_text(config.read_text(encoding="utf-8") + "country: ML\n", encoding="utf-8")
    assert run("import", str(export)).exit_code == 0
    assert organisations() == ("Assemblée nationale",)
    config.write_text(config.read_text(encoding="utf-8").replace("country: ML", "country: Mali"),
                      encoding="utf-8")
    assert "'country' must be a country code" in run("import", str(export)).stderr
