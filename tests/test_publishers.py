"""The publishers file: each publisher's names, hosts, country and first year."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive import publishers
from archive.errors import ArchiveError
from archive.publishers import load_publishers, publishers_at

from .conftest import CORPUS, ROOT, require_shared

SHIPPED = ROOT / "data" / "publishers.yaml"


@pytest.fixture(scope="module")
def shipped() -> publishers.Publishers:
    return load_publishers(SHIPPED)


def test_every_publisher_of_the_demo_and_the_corpus_has_a_country(shipped) -> None:
    demo = {line.split(":", 1)[1].strip() for path in (ROOT / "data" / "articles").rglob("*.md")
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("publisher:")}
    assert demo and all(shipped.country_of(name) == "ML" for name in demo)
    rows = [json.loads(line) for line in
            require_shared(CORPUS / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    named = {(row["publisher"], row["url"]) for row in rows if row["publisher"]}
    assert all(shipped.country_of(name, url) for name, url in named), \
        [name for name, url in named if not shipped.country_of(name, url)]
    pages = [json.loads(line) for line in
             (CORPUS / "html" / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(shipped.country_of(None, page["url"]) for page in pages if page.get("url"))


@pytest.mark.parametrize("name, url, country", [
    ("La DH", None, "BE"), ("LaLibre", None, "BE"), ("Journal de Québec", None, "CA"),
    ("www.lapresse.ca", "https://www.lapresse.ca/x", "CA"), ("Guinéenews©", None, "GN"),
    ("Madame Figaro", "https://madame.lefigaro.fr/bien-etre/x", "FR"),  # a subdomain's site
    (None, "https://francais.radio.cz/le-ministre-de-la-sante-8698000", "CZ"),
    (None, "https://web.archive.org/web/20070228213001/http://www.alternatives-economiques.fr/"
           "site/hs7", "FR"),  # a page the Wayback Machine kept: its own site
    ("www.bbc.com", "https://www.bbc.com/afrique/region-12345", "international"),
    ("BBC", None, "international"),  # the generic name of the BBC: its French service here
    ("Le Quotidien de démonstration", None, "ML"),
    ("Un journal inconnu", "https://inconnu.example/x", None),
    (None, None, None),
])
def test_a_publisher_is_found_by_name_alias_host_or_url(shipped, name, url, country) -> None:
    assert shipped.country_of(name, url) == country


def test_first_year_is_known_where_established(shipped, tmp_path: Path) -> None:
    assert shipped.first_year("LaLibre") == 1884
    assert shipped.first_year("www.ledevoir.com") == 1910
    assert shipped.first_year("Le Quotidien de démonstration") is None  # fictional
    assert shipped.first_year("Un journal inconnu") is None
    # the dates' engineer's entry point: the shipped file, or an archive's own
    assert publishers.first_year("Mosaïque FM") == 2003
    assert publishers.first_year(None, "https://www.lematin.ch/x") is None
    own = tmp_path / "publishers.yaml"
    own.write_text("- {name: L'Essor, country: ML, first_year: 1949}\n", encoding="utf-8")
    assert publishers.first_year("L’Essor", path=own) == 1949
    assert publishers.first_year("L'Essor", path=tmp_path / "none.yaml") is None


@pytest.mark.parametrize("text, reason", [
    ("- {name: X}\n", "'country' must be"),
    ("- {name: X, country: NO}\n", "quote"),
    ("- {name: X, country: ML, first_year: 'vers 1990'}\n", "'first_year'"),
    ("- {name: X, country: ML, hosts: ['http://']}\n", "host names"),
    ("- {name: X, country: ML, colour: red}\n", "unknown field"),
    ("- {name: X, country: ML}\n- {name: Y, aliases: [x], country: FR}\n", "unique"),
    ("- {name: X, country: ML, hosts: [a.ml]}\n- {name: Y, hosts: [a.ml], country: FR}\n",
     "unique"),
    ("name: [unclosed\n", "not valid YAML"),
    ("name: X\n", "must be a list"),
])
def test_a_broken_publishers_file_is_refused_naming_it(tmp_path: Path, text: str,
                                                       reason: str) -> None:
    path = tmp_path / "publishers.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ArchiveError, match=reason) as caught:
        load_publishers(path)
    assert str(path) in caught.value.message


def test_the_file_is_read_once_per_version(tmp_path: Path) -> None:
    path = tmp_path / "publishers.yaml"
    assert publishers_at(path) is None
    path.write_text("- {name: A, country: ML}\n", encoding="utf-8")
    first = publishers_at(path)
    assert first is not None and publishers_at(path) is first
    path.write_text("- {name: B, country: SN}\n", encoding="utf-8")
    assert publishers_at(path).country_of("B") == "SN"


def test_a_field_typed_twice_in_an_entry_is_refused(tmp_path: Path) -> None:
    """A second `hosts:` line dropped the first one's hosts without a word (a red team)."""
    path = tmp_path / "publishers.yaml"
    path.write_text("- name: L'Essor\n  country: ML\n  hosts: [essor.ml]\n"
                    "  hosts: [www.essor.ml]\n", encoding="utf-8")
    with pytest.raises(ArchiveError, match="'hosts' is given twice"):
        load_publishers(path)
