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


def test_a_name_written_with_a_ligature_or_its_letters_is_one_name(authority: Authority) -> None:
    """The file writes `Centre national des œuvres universitaires`; French keyboards lack `œ`,
    and the press writes `oeuvres` as often (the shared corpus: 222 `oeu` to 537 `œ`)."""
    name = "Centre national des œuvres universitaires"
    assert authority.canonical("centre national des oeuvres universitaires") == name
    for text in ("Le Centre national des oeuvres universitaires a payé les bourses.",
                 "Le Centre National des Oeuvres Universitaires a payé les bourses.",
                 "LE CENTRE NATIONAL DES ŒUVRES UNIVERSITAIRES A PAYÉ LES BOURSES.",
                 "Le Centre national des œuvres universitaires a payé les bourses."):
        assert names(authority, text) == (name,), text


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


@pytest.mark.parametrize("body, entry", [
    # mnfr-aaf5c6faed31: the file's alias is "… des ligues des droits de l'homme"
    ("Son extradition vers la CPI a été la première de la RCA. La Fédération internationale des "
     "droits de l'homme (FIDH) a déclaré qu'elle avait signalé aux autorités de ce pays",
     "Fédération internationale pour les droits humains"),
    # mnfr-ea55f846c252: the short name of the Haut-Commissariat des Nations unies pour les
    # réfugiés
    ("des femmes et d'enfants déplacés à l'intérieur du pays, selon le Haut Commissariat aux "
     "Réfugiés (HCR).", "Haut-Commissariat des Nations unies pour les réfugiés"),
    # mnfr-c0993afd785e
    ("Le président de la Confédération africaine (CAF) a annoncé jeudi que les anciennes "
     "gloires Samuel Eto'o et Didier Drogba allaient devenir ses collaborateurs",
     "Confédération africaine de football"),
])
def test_an_acronym_spelled_out_shorter_or_longer_is_still_that_organisation(
        authority: Authority, body: str, entry: str) -> None:
    found = found_in(authority, "", body, "ML")
    assert entry in found.organisations
    assert not found.labels  # not recorded as an organisation of the article's own


@pytest.mark.parametrize("body, entry", [
    # mnfr-8616e3e4c0d1: two words of three in common, the third names another bank
    ("l'Institut interaméricain de coopération pour l'agriculture (IICA), la Banque "
     "interaméricaine de développement (BID) et Microsoft.", "Banque islamique de développement"),
    # gjfr-19a2ed225e7d: the Syrian FDS, not Mali's
    ("une grande base des combattants kurdes et arabes des Forces démocratiques syriennes (FDS), "
     "a été revendiquée jeudi soir", "Forces de défense et de sécurité"),
    # mnfr-6bccd9ee77eb: Sudan's Rapid Support Forces, named in French before their English
    # acronym, are not Reporters sans frontières
    ("des milices arabes connues sous le nom de Janjawid et liées aux Forces de soutien rapide "
     "(RSF) du gouvernement soudanais", "Reporters sans frontières"),
])
def test_an_acronym_spelled_out_as_another_body_of_the_same_kind_is_not_the_files(
        authority: Authority, body: str, entry: str) -> None:
    assert not any(name.startswith(entry) for name in found_in(authority, "", body,
                                                               "ML").organisations)


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


def test_a_field_typed_twice_in_an_entry_is_refused_with_its_lines(tmp_path: Path) -> None:
    """A red team added a second `aliases:` line under ADEMA-PASJ: YAML kept the last one,
    `ADEMA` found nothing, and `archive orgs check` said the file was valid."""
    with pytest.raises(ArchiveError, match=r"'aliases' is given twice \(first on line 3\); "
                                           r"keep one.*line 6"):
        load_authority(write_authority(tmp_path, """- name: Alliance pour la démocratie au Mali
  acronym: ADEMA
  aliases: [ADEMA-PASJ, Adema]
  kind: party
  country: ML
  aliases: [Adema-Pasj]
"""))


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
    """The demo's scraped pages name no publisher: archive.yaml's country places those that
    name it. One that does not (the shared corpus's French, Algerian, Venezuelan articles of
    unknown newspapers) may be any country's: its Assemblée nationale was filed as Mali's."""
    assert CliRunner().invoke(main, ["init", str(tmp_path / "a")]).exit_code == 0
    config = tmp_path / "a" / "archive.yaml"
    export = tmp_path / "export.jsonl"
    malian = LE_DEVOIR + ". Les députés maliens ont aussi adopté le code minier."
    export.write_text(json.dumps({"title": "Dialogue social", "body": malian},
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
    export.write_text(json.dumps({"title": "Dialogue social", "body": LE_DEVOIR},
                                 ensure_ascii=False) + "\n", encoding="utf-8")
    assert run("import", str(export)).exit_code == 0
    assert organisations() == ()  # which country's assembly? the article does not say
    config.write_text(config.read_text(encoding="utf-8").replace("country: ML", "country: Mali"),
                      encoding="utf-8")
    assert "'country' must be a country code" in run("import", str(export)).stderr


# --- issue 17: names that change over time ---------------------------------------------------


def test_renamed_and_merged_bodies_are_their_own_entries_linked_in_time(
        authority: Authority) -> None:
    oua = authority.entry("OUA")
    assert oua is not None and oua.name == "Organisation de l'unité africaine"
    assert (oua.valid_from, oua.valid_until) == ("1963-05-25", "2002-07-09")
    assert authority.successors_of("OUA") == ("Union africaine",)
    assert authority.predecessors_of("UA") == ("Organisation de l'unité africaine",)
    assert authority.lineage("Union africaine") == ("Union africaine",
                                                    "Organisation de l'unité africaine")
    # CSP-PSD became CSP-DPA in April 2024, which merged with the CMA into the FLA.
    assert authority.lineage("CSP-PSD") == (
        "Cadre stratégique permanent pour la paix, la sécurité et le développement",
        "Cadre stratégique pour la défense du peuple de l'Azawad",
        "Front de libération de l'Azawad")
    assert set(authority.predecessors_of("FLA")) == {
        "Cadre stratégique pour la défense du peuple de l'Azawad",
        "Coordination des mouvements de l'Azawad"}
    # the lineage follows each direction, not a sibling's: the CMA is not the CSP-PSD's
    assert "Coordination des mouvements de l'Azawad" not in authority.lineage("CSP-PSD")
    assert authority.successors_of("CESC") == (
        "Conseil économique, social, environnemental et culturel",)
    assert authority.successors_of("GSPC") == ("Al-Qaïda au Maghreb islamique",)
    assert authority.successors_of("EIGS") == ("État islamique au Sahel",)
    assert authority.successors_of("Direction générale de la sécurité d'État") == (
        "Agence nationale de la sécurité d'État",)
    assert authority.successors_of("Groupe Wagner") == ("Africa Corps",)
    assert len(authority.successors_of("Université de Bamako")) == 4
    assert authority.lineage("nothing of the sort") == ()
    assert authority.entry("HCC").valid_until == "2023-07-22"  # abolished, no successor


@pytest.mark.parametrize("body, expected", [
    ("Le Cadre stratégique pour la défense du peuple de l'Azawad (CSP-DPA) a revendiqué "
     "l'attaque de Tinzaouatène.", "Cadre stratégique pour la défense du peuple de l'Azawad"),
    ("Les rebelles du CSP-DPA affirment contrôler la zone.",
     "Cadre stratégique pour la défense du peuple de l'Azawad"),
    ("Les groupes armés du nord se sont fondus dans le Front de libération de l'Azawad (FLA).",
     "Front de libération de l'Azawad"),
    ("Le FLA a annoncé la mort de plusieurs de ses combattants.",
     "Front de libération de l'Azawad"),
    ("L'État islamique au Sahel (EIS) a revendiqué l'embuscade de Tessit.",
     "État islamique au Sahel"),
    ("Selon des sources locales, l'ISSP a frappé près de Ménaka.", "État islamique au Sahel"),
    ("Le Groupe salafiste pour la prédication et le combat (GSPC) est devenu AQMI en 2007.",
     "Groupe salafiste pour la prédication et le combat"),
    ("Le sommet de l'Organisation de la conférence islamique s'est tenu à Dakar en 2008.",
     "Organisation de la coopération islamique"),
    ("L'OUA, créée en 1963 à Addis-Abeba, a cédé la place à l'Union africaine.",
     "Organisation de l'unité africaine"),
    ("Le Conseil économique, social, environnemental et culturel (CESEC) a été installé.",
     "Conseil économique, social, environnemental et culturel"),
    ("L'Agence nationale de la sécurité d'État (ANSE) a interpellé deux suspects.",
     "Agence nationale de la sécurité d'État"),
    ("Les instructeurs russes d'Africa Corps ont remplacé ceux de Wagner.", "Africa Corps"),
])
def test_the_new_names_of_renamed_bodies_are_tagged(authority: Authority, body: str,
                                                    expected: str) -> None:
    assert names(authority, body)[0] == expected


def test_the_french_dgse_is_not_the_malian_state_security(authority: Authority) -> None:
    body = "La DGSE, le service de renseignement extérieur français, aurait suivi l'otage."
    assert names(authority, body) == ()


# --- issue 17: corrections ---------------------------------------------------------------------


@pytest.mark.parametrize("body, expected", [
    # the defence and security forces are not the armed forces alone
    ("Les Forces armées et de sécurité du Mali ont sécurisé la ville.",
     ("Forces de défense et de sécurité du Mali",)),
    ("Les FAMa ont repoussé l'attaque.", ("Forces armées maliennes",)),
    # other countries' EU missions are not the Malian ones
    ("La mission EUCAP Sahel Niger forme la police nigérienne.", ()),
    ("L'EUTM RCA conseille l'armée centrafricaine.", ()),
    ("L'EUTM Mali a suspendu ses formations.", ("EUTM Mali",)),
    # as L'Essor writes the African branch of the world confederation
    ("Le secrétaire général de la CSI/Afrique a salué l'UNTM.",
     ("CSI-Afrique", "Union nationale des travailleurs du Mali")),
    ("Le Comité d'analyse et de recherche syndicale du Mali a tenu son atelier.",
     ("CARES-Mali",)),
    ("Le CARES/Mali organise un atelier ; le CARES a invité les centrales.", ("CARES-Mali",)),
    # parents apart from their branches
    ("WiLDAF, le réseau panafricain, tient son assemblée à Lomé.",
     ("Women in Law and Development in Africa",)),
    ("WILDAF-Mali a accompagné les victimes.", ("WILDAF-Mali",)),
    ("Selon Voice of America, les négociations ont repris.", ("Voice of America",)),
    ("La Force conjointe du G5 Sahel a mené une opération.",
     ("Force conjointe du G5 Sahel",)),
    ("Le Syndicat national des enseignants du secondaire de l'État et des collectivités "
     "(SYNESEC) a déposé un préavis.",
     ("Syndicat national des enseignants du secondaire de l'État et des collectivités",)),
])
def test_corrected_entries(authority: Authority, body: str, expected: tuple[str, ...]) -> None:
    assert names(authority, body) == expected


def test_corrected_kinds(authority: Authority) -> None:
    kinds = {name: authority.entry(name).kind for name in (
        "Police nationale", "AEEM", "CMAS", "M5-RFP", "FEMAFOOT", "USTTB")}
    assert kinds == {"Police nationale": "state", "AEEM": "union", "CMAS": "religious",
                     "M5-RFP": "coalition", "FEMAFOOT": "sport", "USTTB": "university"}


# --- issue 17: names that catch the wrong thing ------------------------------------------------


@pytest.mark.parametrize("body, expected", [
    ("Bamako a célébré la fête du 22 Septembre dans la ferveur.", ()),
    ("Le défilé du 22 Septembre a été annulé.", ()),
    ("Selon le bihebdomadaire 22 Septembre, le ministre a démissionné.", ("22 Septembre",)),
    ("Le journal «22 Septembre» a été suspendu.", ("22 Septembre",)),
    ("22 Septembre rapporte que la réunion a eu lieu.", ("22 Septembre",)),
    ("Le vote est acquis.\nAmadou Traoré / 22 Septembre", ("22 Septembre",)),
    ("C'est un journal du Mali qui l'a révélé.", ()),
    ("Journal du Mali a appris que le conseil des ministres est reporté.",
     ("Journal du Mali",)),
    ("D'après Journal du Mali, le budget a été adopté.", ("Journal du Mali",)),
    ("Le républicain Mitt Romney a voté contre.", ()),
    ("Selon Le Républicain, le Premier ministre a reçu les syndicats.", ("Le Républicain",)),
    ("Source : L'Essor", ("L'Essor",)),
    ("Travailler ensemble pour le Mali, disent les jeunes.", ()),
    ("La coalition Ensemble pour le Mali (EPM) soutient le président.",
     ("Ensemble pour le Mali",)),
])
def test_media_names_match_only_where_the_text_names_an_outlet(
        authority: Authority, body: str, expected: tuple[str, ...]) -> None:
    assert names(authority, body) == expected


def test_names_other_countries_share_mean_the_entry_only_in_its_country(
        authority: Authority) -> None:
    niger = "Les journalistes se sont réunis à la Maison de la presse ce samedi."
    assert names(authority, niger, country="NE") == ()
    assert names(authority, niger, country="ML") == ("Maison de la presse du Mali",)
    french = "Le Premier ministre a accordé un entretien au journal Les Échos."
    assert names(authority, french, country="FR") == ()
    assert names(authority, "Selon Les Échos, la grève continue.") == ("Les Échos",)
    niamey = "Selon Le Républicain, l'hebdomadaire de Niamey, le CNSP a reçu les syndicats."
    assert names(authority, niamey, country="NE") == (
        "Conseil national pour la sauvegarde de la patrie",)


@pytest.mark.parametrize("body, country, expected", [
    ("Le CNT a adopté la nouvelle loi électorale.", "ML", ("Conseil national de Transition",)),
    ("Le CNT a adopté la nouvelle loi électorale.", "GN",
     ("Conseil national de la transition",)),
    ("Le CNT a adopté la nouvelle loi électorale.", "TD", ()),
    ("Le CNT a adopté la nouvelle loi électorale.", "BF", ()),
    ("Le CNT a adopté la nouvelle loi électorale.", "international", ()),
    ("À Conakry, le CNT guinéen a voté la charte.", "ML", ("Conseil national de la transition",)),
    ("Le CNSP a fermé les frontières du Niger.", "NE",
     ("Conseil national pour la sauvegarde de la patrie",)),
    ("Le CNSP a dissous le gouvernement.", "ML", ("Comité national pour le salut du peuple",)),
    ("La CENI a publié les résultats provisoires.", "GN", ()),
    ("La HAC a suspendu la diffusion de la chaîne.", "BF", ()),
    ("La CNDH dénonce des arrestations arbitraires.", "NE", ()),
    ("Le MEF a présenté le budget.", "CI", ()),
    ("La DGE a publié le fichier électoral.", "SN", ()),
    ("Le CSI de Tillabéri manque de médicaments.", "NE", ()),
    ("La CSI a condamné l'arrestation des syndicalistes.", "ML",
     ("Confédération syndicale internationale",)),
])
def test_acronyms_of_other_countries_bodies_resolve_by_the_article_country(
        authority: Authority, body: str, country: str, expected: tuple[str, ...]) -> None:
    assert names(authority, body, country=country) == expected


@pytest.mark.parametrize("title, body, expected", [
    ("AU CNT, LE BUDGET 2024 ADOPTÉ À L'UNANIMITÉ", "Les conseillers ont voté mardi.", ()),
    ("", "Résultats du groupe C\nALG 2 - 1 TUN\nMLI 0 - 0 CIV", ()),
    ("", "L'ALG a tenu sa session ordinaire à Ouagadougou.",
     ("Autorité de développement intégré des États du Liptako-Gourma",)),
    # defined in the article: the headline in capitals names it too
    ("L'ALG SE RÉUNIT À NIAMEY", "L'Autorité du Liptako-Gourma tient sa session.",
     ("Autorité de développement intégré des États du Liptako-Gourma",)),
    ("", "© AFP", ("Agence France-Presse",)),  # a credit, not running text, still names it
    ("", "Le sommet de l'UA s'ouvre à Addis-Abeba.", ("Union africaine",)),
])
def test_short_acronyms_match_only_in_running_text(authority: Authority, title: str, body: str,
                                                   expected: tuple[str, ...]) -> None:
    assert names(authority, body, title=title) == expected


@pytest.mark.parametrize("body, country, expected", [
    ("Le prix CAF de la tonne de riz importé a augmenté de 12 %.", "ML", ()),
    ("La valeur CAF des importations a baissé.", "ML", ()),
    ("La CAF a sanctionné la Fédération malienne de football (FEMAFOOT).", "ML",
     ("Confédération africaine de football", "Fédération malienne de football")),
    ("La CAF verse les allocations familiales le 5 du mois.", "FR", ()),
])
def test_caf_is_guarded_against_the_trade_term(authority: Authority, body: str, country: str,
                                               expected: tuple[str, ...]) -> None:
    assert names(authority, body, country=country) == expected


# --- issue 17: the organisations it lacked -----------------------------------------------------


@pytest.mark.parametrize("body, expected", [
    ("La Fédération malienne de football a suspendu le championnat.",
     "Fédération malienne de football"),
    ("La FIFA a levé la suspension.", "Fédération internationale de football association"),
    ("La Cour des comptes a publié son premier rapport.", "Cour des comptes"),
    ("Le Pôle judiciaire spécialisé de lutte contre le terrorisme a ouvert une enquête.",
     "Pôle judiciaire spécialisé de lutte contre le terrorisme et la criminalité "
     "transnationale organisée"),
    ("Le Pôle national économique et financier a convoqué l'ancien ministre.",
     "Pôle national économique et financier"),
    ("Le Conseil supérieur de la magistrature s'est réuni.",
     "Conseil supérieur de la magistrature"),
    ("La Cour de justice de la CEDEAO a condamné l'État.", "Cour de justice de la CEDEAO"),
    ("L'AMRTP a infligé une amende à Orange Mali.",
     "Autorité malienne de régulation des télécommunications, des TIC et des postes"),
    ("L'ARMDS a annulé l'attribution du marché.",
     "Autorité de régulation des marchés publics et des délégations de service public"),
    ("La CREE a validé la hausse des tarifs.",
     "Commission de régulation de l'électricité et de l'eau"),
    ("La CENTIF a transmis le dossier au parquet.",
     "Cellule nationale de traitement des informations financières"),
    ("L'OPAM a distribué des vivres.", "Office des produits agricoles du Mali"),
    ("Le Commissariat à la sécurité alimentaire a lancé la distribution gratuite.",
     "Commissariat à la sécurité alimentaire"),
    ("Le SYLDEF et le SYNEFCT ont rejoint la grève de la FENAREC.",
     "Syndicat libre et démocratique de l'enseignement fondamental"),
    ("Le Front pour la sauvegarde de la démocratie (FSD) boycotte le dialogue.",
     "Front pour la sauvegarde de la démocratie"),
    ("Espoir Mali Koura (EMK) a rejoint le M5-RFP.", "Espoir Mali Koura"),
    ("Le mouvement Yerewolo Debout sur les remparts a manifesté.",
     "Yerewolo Debout sur les remparts"),
    ("La Katiba Macina a revendiqué l'attaque.", "Katiba Macina"),
    ("Le MSA a participé à la réunion de Kidal.", "Mouvement pour le salut de l'Azawad"),
    ("Barrick Gold a suspendu ses opérations à Loulo-Gounkoto.", "Barrick Gold"),
    ("La SOREM-Mali gère désormais la mine.",
     "Société de recherche et d'exploitation des ressources minérales du Mali"),
    ("Le Conseil malien des chargeurs a dénoncé les tracasseries.",
     "Conseil malien des chargeurs"),
    ("Selon Joliba TV News, le débat a été interrompu.", "Joliba TV News"),
    ("Radio Mikado FM cessera d'émettre avec le départ de la MINUSMA.", "Radio Mikado FM"),
    ("Le Comité de suivi de l'Accord ne s'est plus réuni depuis 2022.",
     "Comité de suivi de l'Accord"),
    ("La BIDC a accordé un prêt au Mali.",
     "Banque d'investissement et de développement de la CEDEAO"),
    ("Les juges de l'OHADA ont tranché.",
     "Organisation pour l'harmonisation en Afrique du droit des affaires"),
    ("L'UNOWAS a appelé au dialogue.",
     "Bureau des Nations unies pour l'Afrique de l'Ouest et le Sahel"),
    ("Le HCDH s'inquiète des exécutions sommaires.",
     "Haut-Commissariat des Nations unies aux droits de l'homme"),
    ("La LIMAMA a appelé au calme.",
     "Ligue malienne des imams et érudits pour la solidarité islamique au Mali"),
    ("La CNOP réclame des engrais.", "Coordination nationale des organisations paysannes"),
    ("Reporters sans frontières a dénoncé l'expulsion du journaliste.",
     "Reporters sans frontières"),
    ("Le Stade malien a battu le Djoliba AC en finale.", "Stade malien de Bamako"),
    ("La Confédération malienne du travail a rejoint le mouvement.",
     "Confédération malienne du travail"),
])
def test_organisations_the_file_lacked_are_tagged(authority: Authority, body: str,
                                                  expected: str) -> None:
    assert names(authority, body)[0] == expected


def test_a_stadium_is_not_the_club(authority: Authority) -> None:
    assert names(authority, "Le match s'est joué dans le plus grand stade malien.") == ()


# --- issue 17: the file's new fields and `archive orgs check` -------------------------------


def write_orgs(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "organisations.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("entry, message", [
    ("valid_from: 2024-13", "'valid_from' must be a year, YYYY-MM or YYYY-MM-DD"),
    ("valid_from: hier", "'valid_from' must be a year"),
    ("valid_from: 2024-04\n  valid_until: 2023", "'valid_until' (2023) is before 'valid_from'"),
    ("successors: [Nothing Known]", "successor 'Nothing Known' names no other entry"),
    ("successors: [UNTM]", "successor 'UNTM' names no other entry"),  # itself
    ("review: ''", "'review' must say"),
    ("guard: {outlet: yes please}", "guard 'outlet' must be true or false"),
    ("guard: {sometimes: true}", "unknown guard(s) sometimes"),
    ("guard: {not_in: [Niger]}", "guard 'not_in' must list country codes"),
])
def test_the_new_fields_are_checked(tmp_path: Path, entry: str, message: str) -> None:
    path = write_orgs(tmp_path, "- name: Union nationale des travailleurs du Mali\n"
                                "  acronym: UNTM\n  kind: union\n  country: ML\n  " + entry + "\n")
    with pytest.raises(ArchiveError) as caught:
        load_authority(path)
    assert message in str(caught.value)


def test_dates_read_as_yaml_reads_them(tmp_path: Path) -> None:
    path = write_orgs(tmp_path, "- {name: A B C, kind: union, country: ML, valid_from: 2021, "
                                "valid_until: 2024-04-01, successors: [D E F]}\n"
                                "- {name: D E F, kind: union, country: ML, valid_from: 2024-04}\n")
    first = load_authority(path).entries[0]
    assert (first.valid_from, first.valid_until, first.successors) == (
        "2021", "2024-04-01", ("D E F",))


def test_lineage_is_bounded_even_in_a_loop(tmp_path: Path) -> None:
    text = "".join(f"- {{name: Corps {n}, kind: union, country: ML, "
                   f"successors: [Corps {(n + 1) % 20}]}}\n" for n in range(20))
    authority = load_authority(write_orgs(tmp_path, text))
    assert len(authority.lineage("Corps 0")) == 12


def test_orgs_check_lists_overlaps_short_aliases_and_reviews(tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["init", str(tmp_path / "a")]).exit_code == 0
    path = tmp_path / "a" / "data" / "organisations.yaml"
    path.write_text(
        "- {name: Cadre ancien, kind: armed_group, country: ML, valid_until: 2024-11,"
        " successors: [Front nouveau]}\n"
        "- {name: Front nouveau, kind: armed_group, country: ML, valid_from: 2024-04,"
        " aliases: [FN]}\n"
        "- {name: Union gardée, kind: union, country: ML, aliases: [UG],"
        " guard: {not_after: [prix]}}\n"
        "- {name: Union douteuse, kind: union, country: ML, review: expansion not verified}\n"
        "- {name: Union exacte, kind: union, country: ML, valid_until: 2024-04,"
        " successors: [Union suivante]}\n"
        "- {name: Union suivante, kind: union, country: ML, valid_from: 2024-04-15}\n",
        encoding="utf-8")
    result = CliRunner().invoke(main, ["orgs", "check", "--config",
                                       str(tmp_path / "a" / "archive.yaml")])
    assert result.exit_code == 0, result.output  # listed for an archivist, not a failure
    assert result.stdout.splitlines()[1:7] == [
        "validity dates overlapping a successor's (1):",
        "  Cadre ancien (until 2024-11) and its successor Front nouveau (from 2024-04)",
        "aliases shorter than four characters without a guard (1):",
        "  FN (Front nouveau)",
        "entries marked for review (1):",
        "  Union douteuse: expansion not verified"]


def test_orgs_check_of_the_shipped_file_lists_what_to_review() -> None:
    result = CliRunner().invoke(main, ["orgs", "check", "--config", str(ROOT / "archive.yaml")])
    assert result.exit_code == 0, result.output
    assert "organisations, all valid" in result.stdout
    assert "entries marked for review (" in result.stdout
    assert "  Université de Bamako: " in result.stdout
    assert "validity dates overlapping" not in result.stdout


@pytest.mark.parametrize("slip", ["organisations", "publishers"])
def test_a_slip_in_the_organisations_or_publishers_file_stops_neither_the_site_nor_the_jobs(
        tmp_path: Path, slip: str) -> None:
    """A red team: one space too many in `organisations.yaml` (or an unquoted `country: NO` in
    `publishers.yaml`) made the running site answer 500 on its home and search pages, and
    every import, check and reindex stop. Each now goes on with the file's last good version,
    says which file is wrong and why (exit 3), and `archive orgs check` still refuses it."""
    from archive.config import load_config
    from archive.web import create_app

    archive_dir = tmp_path / "a"
    assert CliRunner().invoke(main, ["init", str(archive_dir)]).exit_code == 0
    config_path = archive_dir / "archive.yaml"

    def run(*args: str):
        return CliRunner().invoke(main, [*args, "--config", str(config_path)])

    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps(LINEAGE_EXPORT[1], ensure_ascii=False) + "\n",
                      encoding="utf-8")
    assert run("import", str(export)).exit_code == 0
    assert run("reindex").exit_code == 0
    client = create_app(load_config(config_path)).test_client()
    assert client.get("/search?q=Union+africaine").status_code == 200  # (read once, good)

    broken = archive_dir / "data" / f"{slip}.yaml"
    text = broken.read_text(encoding="utf-8")
    if slip == "organisations":
        broken.write_text(text.replace("\n  kind:", "\n   kind:", 1), encoding="utf-8")
    else:
        broken.write_text(text + "- name: Le Journal norvégien\n  country: NO\n",
                          encoding="utf-8")
    for url in ("/", "/search?q=Union+africaine", "/search?organisation=Union+africaine",
                f"/article/{next(iter(articlefile.iter_files(archive_dir / 'data' / 'articles'))).stem}"):
        assert client.get(url).status_code == 200, url
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and f"{slip}.yaml: invalid" in health["warnings"][0]

    # the jobs, each a fresh process: the copy kept beside the file is its last good version
    for args in (["import", str(export)], ["check"], ["reindex", "--full"], ["status"]):
        result = run(*args)
        assert result.exit_code == 3, (args, result.output)
        assert f"{slip}.yaml" in result.output and "last good version" in result.output, args
    assert "Union africaine" in run("search", "--org", "Union africaine").output
    if slip == "organisations":
        refused = run("orgs", "check")  # the file as it stands is refused
        assert refused.exit_code != 0 and "organisations.yaml" in refused.output
    broken.write_text(text, encoding="utf-8")
    assert run("status").exit_code == 0 and "last good" not in run("status").output


def test_orgs_check_fails_on_a_broken_successor(tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["init", str(tmp_path / "a")]).exit_code == 0
    path = tmp_path / "a" / "data" / "organisations.yaml"
    path.write_text("- {name: Union seule, kind: union, country: ML, successors: [Nulle]}\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["orgs", "check", "--config",
                                       str(tmp_path / "a" / "archive.yaml")])
    assert result.exit_code == 1 and "successor 'Nulle' names no other entry" in result.stderr


# --- issue 17: a search may ask for an organisation's lineage ---------------------------------

LINEAGE_EXPORT = [
    {"id": "oua-1", "title": "Le sommet de l'OUA à Lomé",
     "body": "Les chefs d'État de l'Organisation de l'unité africaine se sont réunis à Lomé "
             "pour préparer la création de la nouvelle organisation continentale.",
     "publisher": "Le Quotidien de démonstration", "date": "2000-07-10"},
    {"id": "ua-1", "title": "L'Union africaine suspend le Mali",
     "body": "L'Union africaine a suspendu le Mali de ses instances après le coup d'État, "
             "a annoncé son Conseil de paix et de sécurité à Addis-Abeba.",
     "publisher": "Le Quotidien de démonstration", "date": "2020-08-20"},
]


@pytest.fixture
def lineage_archive(tmp_path: Path):
    assert CliRunner().invoke(main, ["init", str(tmp_path / "a")]).exit_code == 0
    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                              for r in LINEAGE_EXPORT), encoding="utf-8")
    config = tmp_path / "a" / "archive.yaml"

    def run(*args: str):
        return CliRunner().invoke(main, [*args, "--config", str(config)])

    assert run("import", str(export)).exit_code == 0
    assert run("reindex").exit_code == 0
    return config, run


def test_a_search_includes_predecessors_and_successors_only_on_request(
        lineage_archive) -> None:
    config, run = lineage_archive
    assert search_org(run, "Union africaine")[0] == 1  # not silently
    widened = run("search", "--org", "Union africaine", "--lineage", "--json")
    assert widened.exit_code == 0, widened.output
    assert json.loads(widened.stdout)["total"] == 2
    assert json.loads(run("search", "--org", "OUA", "--lineage", "--json").stdout)["total"] == 2


def test_a_search_may_require_every_organisation_given_each_with_its_lineage(
        tmp_path: Path) -> None:
    """`--all org`: the articles filed under each `--org` given, where several OR; with
    `--lineage`, each of them stands for its predecessors and successors."""
    assert CliRunner().invoke(main, ["init", str(tmp_path / "a")]).exit_code == 0
    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [
        *LINEAGE_EXPORT,
        {"id": "ua-2", "title": "L'Union africaine et la Cédéao à Niamey",
         "body": "L'Union africaine et la Communauté économique des États de l'Afrique de "
                 "l'Ouest (Cédéao) ont tenu une réunion conjointe à Niamey sur la sécurité.",
         "publisher": "Le Quotidien de démonstration", "date": "2021-03-02"},
        {"id": "oua-2", "title": "L'OUA salue la Cédéao",
         "body": "L'Organisation de l'unité africaine a salué la médiation de la Communauté "
                 "économique des États de l'Afrique de l'Ouest (Cédéao) au Liberia.",
         "publisher": "Le Quotidien de démonstration", "date": "1997-08-02"},
        {"id": "cedeao-1", "title": "La Cédéao à Abuja",
         "body": "La Communauté économique des États de l'Afrique de l'Ouest (Cédéao) a tenu "
                 "son sommet ordinaire à Abuja.",
         "publisher": "Le Quotidien de démonstration", "date": "2021-06-20"}]),
        encoding="utf-8")
    config = tmp_path / "a" / "archive.yaml"

    def total(*args: str) -> int:
        result = CliRunner().invoke(main, ["search", *args, "--json", "--config", str(config)])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["total"]

    for args in (["import", str(export)], ["reindex"]):
        assert CliRunner().invoke(main, [*args, "--config", str(config)]).exit_code == 0
    pair = ["--org", "Union africaine", "--org", "CEDEAO"]
    assert total(*pair) == 4  # either: ua-1, ua-2, oua-2, cedeao-1
    assert total(*pair, "--all", "org") == 1  # ua-2
    assert total(*pair, "--all", "organisation", "--lineage") == 2  # ua-2, oua-2
    refused = CliRunner().invoke(main, ["search", "--section", "Monde", "--all", "section",
                                        "--config", str(config)])
    assert refused.exit_code != 0 and "an article has one section" in refused.output


def test_the_results_page_offers_the_lineage_and_the_api_takes_it(lineage_archive) -> None:
    from archive.config import load_config
    from archive.web import create_app

    config, _ = lineage_archive
    client = create_app(load_config(config)).test_client()
    page = client.get("/search?organisation=Union+africaine").get_data(as_text=True)
    assert "Inclure aussi ses prédécesseurs et successeurs\u202f: Organisation de " \
           "l&#39;unité africaine</a>" in page
    assert "lineage=1" in page
    widened = client.get("/search?organisation=Union+africaine&lineage=1").get_data(
        as_text=True)
    assert "Prédécesseurs et successeurs inclus" in widened and "les exclure" in widened
    english = client.get("/search?organisation=Union+africaine&lang=en").get_data(as_text=True)
    assert "Also include its predecessors and successors:" in english
    assert client.get("/api/search?organisation=Union+africaine").get_json()["total"] == 1
    assert client.get("/api/search?organisation=Union+africaine&lineage=1"
                      ).get_json()["total"] == 2
