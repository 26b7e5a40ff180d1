"""Hostile files for the importers: one inbox mixing good pages with attacks, through the real
`archive import`; each attack is rejected or repaired by name with a reason, the rest imported,
and nothing outside the data folder is read or written.

Decisions these tests pin down:
- a few NUL bytes in a text file are dropped (reported as a repair); a mostly-NUL file is binary;
- a file that is not valid UTF-8 is decoded line by line (UTF-8, else Windows-1252), so a UTF-8
  page pasted into a cp1252 one keeps its accents on both sides; UTF-16 with a BOM is decoded;
- a title over 500 characters, or without a letter or digit, rejects the article (no truncation);
- a symbolic link inside an input folder is followed only to a file inside that folder; a path
  the archivist names on the command line is trusted even when it is a link.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from archive import accounts, articlefile
from archive.cli import main
from archive.config import load_config
from archive.errors import EXIT_PARTIAL, InvalidArticle
from archive.indexing import generations
from archive.indexing.jobs import read_files
from archive.models import Article
from archive.web import create_app

from .test_workspace import PASSWORD, sign_in

LIMITS = "limits:\n  import_max_bytes: 1000000\n  import_max_body_chars: 200000\n"
BIG = 50 * 1024 * 1024


def page(n: int, title: str = "") -> str:
    """A scraped page whose text is unique to n (the archive de-duplicates by text)."""
    title = title or f"Campagne agricole numéro {n} à Ségou"
    return (
        f"Accueil / Économie / {title}\n\n{title}\n\n"
        f"La chambre d’agriculture de Ségou a présenté le bilan numéro {n} de la campagne, "
        f"avec {n * 7 + 3} tonnes de mil et de sorgho récoltées malgré des pluies tardives.\n\n"
        f"Les producteurs de la zone {n} réclament des semences améliorées pour l’an prochain.\n"
    )


def article(id_: str, front: str, body: str = "Le corps de l’article, assez long.") -> str:
    """An article file with the given id and extra front matter lines."""
    return f"---\nid: {id_}\n{front}\n---\n\n{body}\n"


def warm_up(tmp_path: Path) -> None:
    """Import one good page first, so that memory measured after it is the attack's, not the
    first-time loading of the importers' modules."""
    (tmp_path / "chauffe").mkdir()
    (tmp_path / "chauffe" / "page.txt").write_text(page(99), encoding="utf-8")
    (tmp_path / "chauffe" / "page.md").write_text(article("chauffe", "title: Chauffe"))
    assert run(tmp_path, "import", str(tmp_path / "chauffe")).exit_code == 0


def run(tmp_path: Path, *args: str):
    """The real CLI on the archive in tmp_path, with its own configuration file."""
    return CliRunner().invoke(
        main,
        [*args, "--config", str(tmp_path / "archive.yaml"), "--data", str(tmp_path / "data"),
         "--index", str(tmp_path / "index")],
    )


def snapshot(root: Path, skip: str = "data") -> dict[str, tuple[int, int, int]]:
    """Every entry below root except `skip`, without following links: mode, size, mtime."""
    seen = {}
    for current, dirs, files in os.walk(root):
        if Path(current) == root:
            dirs[:] = [d for d in dirs if d != skip]
        for name in dirs + files:
            path = Path(current) / name
            info = path.lstat()
            seen[str(path.relative_to(root))] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return seen


def data_snapshot(tmp_path: Path) -> dict[str, bytes]:
    """Every file of the articles folder with its bytes."""
    articles = tmp_path / "data" / "articles"
    return {str(p.relative_to(articles)): p.read_bytes() for p in articles.rglob("*") if p.is_file()}


class OpenedFiles:
    """The files Python opens while active (an audit hook: hooks cannot be removed)."""

    paths: list[str] = []
    active = False

    @classmethod
    def hook(cls, event: str, args: tuple) -> None:
        if cls.active and event in ("open", "os.scandir", "os.listdir") and args:
            target = args[0]
            if isinstance(target, (str, bytes, os.PathLike)):
                cls.active = False  # realpath must not re-enter the hook
                try:
                    # where the bytes really come from: a followed link shows its target
                    cls.paths.append(os.path.realpath(os.fsdecode(target)))
                finally:
                    cls.active = True


sys.addaudithook(OpenedFiles.hook)


def build_inbox(tmp_path: Path) -> tuple[Path, dict[str, tuple[str, str]]]:
    """The mixed batch, and for each file what must happen: (rejected|repaired|imported, text)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "secret.txt").write_text(page(900, "Secret défense"), encoding="utf-8")
    expect: dict[str, tuple[str, str]] = {}

    def put(name: str, content: str | bytes, outcome: str, text: str) -> None:
        path = inbox / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        expect[name] = (outcome, text)

    # good files, some with awkward names
    put("bon article.txt", page(1), "imported", "Campagne agricole numéro 1 à Ségou")
    put("éditorial à Kayes.txt", page(2), "imported", "Campagne agricole numéro 2 à Ségou")
    put("-commence-par-un-tiret.txt", page(3), "imported", "Campagne agricole numéro 3 à Ségou")
    put("retour\nà la ligne.txt", page(4), "imported", "Campagne agricole numéro 4 à Ségou")
    put("regle.txt", "---\n" + page(5, "Un filet en tête de page"), "imported",
        "Un filet en tête de page")

    # YAML tags, in article files and in front matter of a text file
    put("tag-system.md", article("tag-a", "title: !!python/object/apply:os.system ['touch PWNED']"),
        "rejected", "YAML anchors, aliases and tags are not allowed")
    put("tag-name.md", article("tag-b", "title: Titre\nsection: !!python/name:os.system"),
        "rejected", "YAML anchors, aliases and tags are not allowed")
    put("tag-custom.md", article("tag-c", "title: !fr Élections à Kayes"),
        "rejected", "YAML anchors, aliases and tags are not allowed")
    put("tag-front.txt", article("tag-d", "title: !!python/object/new:os.system [id]"),
        "rejected", "YAML anchors, aliases and tags are not allowed")
    laughs = "\n".join(
        ["section: &a0 [\"lol\"]"]
        + [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    )
    put("rires.md", article("rires", f"title: Rires\n{laughs}"),
        "rejected", "YAML anchors, aliases and tags are not allowed")

    # sizes: over the file limit (refused unread), and a body over import_max_body_chars
    with (inbox / "enorme.txt").open("wb") as out:
        out.write(page(6).encode())
        out.write(b"Une phrase de remplissage sans fin. " * (BIG // 36))
    expect["enorme.txt"] = ("rejected", "larger than the 1,000,000 allowed")
    with (inbox / "enorme.jsonl").open("wb") as out:
        out.write(b'{"title": "Une ligne", "body": "' + b"a" * BIG + b'"}')
    expect["enorme.jsonl"] = ("rejected", "larger than the 1,000,000 allowed")
    put("long-corps.txt", page(7) + ("Un très long paragraphe. " * 36_000) + "\n", "rejected",
        "exceeds the 200,000 allowed")
    rows = [
        "title,body",
        f'"Premier rang","{page(8)}"',
        f'"Champ géant","{"x" * 900_000}"',
        f'"Troisième rang","{page(9)}"',
    ]
    put("champ-geant.csv", "\n".join(rows) + "\n", "rejected", "")  # line checked below

    # NUL bytes
    put("quelques-nuls.txt", page(10).replace("Les producteurs", "Les\x00 produc\x00teurs"),
        "repaired", "2 NUL byte(s) dropped")
    put("binaire.txt", page(11).encode() + b"\x00" * 10_000, "rejected", "binary file")

    # encodings
    mixed = page(12).split("\n\n")
    put("mixte.txt", "\n\n".join(mixed[:2]).encode("utf-8") + b"\n\n"
        + "\n\n".join(mixed[2:]).encode("cp1252"), "repaired", "mixed encodings")
    put("bom-utf8.txt", "\ufeff" + page(13), "imported", "Campagne agricole numéro 13 à Ségou")
    put("utf16.txt", page(14).encode("utf-16"), "repaired", "decoded as UTF-16")
    lines = [
        json.dumps({"id": "e1", "title": "Élection à Ségou", "body": page(15)}, ensure_ascii=False),
        json.dumps({"id": "e2", "title": "Récolte à Kayes", "body": page(16)}, ensure_ascii=False),
    ]
    put("export-mixte.jsonl", lines[0].encode("utf-8") + b"\n" + lines[1].encode("cp1252"),
        "repaired", "mixed encodings")
    put("indecodable.jsonl", lines[0].encode("utf-8") + b"\n" + b'{"body": "\x81\xe9"}\n',
        "rejected", "line 2 cannot be decoded as UTF-8 or Windows-1252 text")

    # invisible and control characters, long and empty titles
    put("controles.md", article(
        "controles-1", "title: \"Bamako\\u202e\\u200b : \\x07le\\u2066 budget\\u200d voté\"",
        "Le conseil\u200b a voté\u202e le budget\x1b de\u2060 la ville.\ufeff"),
        "imported", "Bamako : le budget voté")
    put("titre-long.md", article("titre-long", "title: " + "Très long titre " * 40),
        "rejected", "title longer than 500 characters")
    put("titre-blanc.md", article("titre-blanc", "title: '  \t '"), "rejected", "missing title")
    put("titre-ponctuation.md", article("titre-ponct", "title: '?! … — «»'"),
        "rejected", "title has no letter or digit")
    put("mauvais\nnom.md", article("sans-titre", "title: ''"), "rejected", "missing title")

    # escapes: ids, dates and urls
    put("traversee.md", article("../../etc/passwd", "title: Traversée"),
        "rejected", "id '../../etc/passwd' must be lowercase letters, digits and hyphens")
    put("annee.md", article("annee-1", "title: Année\ndate: '../../../2019'"), "rejected", "date")
    put("url-js.md", article("url-js", "title: Lien\nurl: 'javascript:alert(1)'"),
        "rejected", "url must start with http:// or https://")
    put("export-url.jsonl", json.dumps({"title": "Lien", "url": "javascript:alert(1)",
                                        "body": page(17)}) + "\n",
        "rejected", "url must start with http:// or https://")

    # links and special files
    (inbox / "lien-dehors.txt").symlink_to(secret / "secret.txt")
    expect["lien-dehors.txt"] = ("rejected", "symbolic link pointing outside the input folder")
    (inbox / "dossier-dehors").symlink_to(secret)
    expect["dossier-dehors"] = ("rejected", "symbolic link to a folder outside the input folder")
    (inbox / "dossier-dedans").symlink_to(inbox)  # a loop back up: neither walked nor an error
    expect["dossier-dedans"] = ("imported", "")
    (inbox / "boucle-a.txt").symlink_to(inbox / "boucle-b.txt")
    (inbox / "boucle-b.txt").symlink_to(inbox / "boucle-a.txt")
    expect["boucle-a.txt"] = ("rejected", "broken symbolic link")
    expect["boucle-b.txt"] = ("rejected", "broken symbolic link")
    (inbox / "lien-dedans.txt").symlink_to(inbox / "bon article.txt")
    expect["lien-dedans.txt"] = ("duplicate", "same text as")
    os.mkfifo(inbox / "tube.txt")
    expect["tube.txt"] = ("rejected", "not a regular file")
    return inbox, expect


def report_line(output: str, name: str) -> str:
    """The report lines about one input, its newlines shown escaped as the report does."""
    shown = name.replace("\n", "\\n")
    found = [line for line in output.splitlines() if f"/{shown}:" in line]
    assert found, (name, output)
    return "\n".join(found)


def test_a_hostile_batch_is_sorted_out_and_stays_in_the_data_folder(tmp_path: Path):
    (tmp_path / "archive.yaml").write_text(LIMITS, encoding="utf-8")
    (tmp_path / "data").mkdir()
    inbox, expect = build_inbox(tmp_path)
    before = snapshot(tmp_path)

    OpenedFiles.paths, OpenedFiles.active = [], True
    started = time.monotonic()
    try:
        result = run(tmp_path, "import", str(inbox))
    finally:
        OpenedFiles.active = False
    elapsed = time.monotonic() - started
    out = result.output

    assert result.exit_code == EXIT_PARTIAL, out
    assert elapsed < 30, elapsed
    for name, (outcome, text) in expect.items():
        if outcome == "imported":  # a short body may be flagged as suspicious, never more
            about = [line for line in out.replace("\\n", "").splitlines()
                     if f"/{name.replace(chr(10), '')}:" in line]
            assert all(line.startswith("suspicious:") for line in about), (name, out)
            continue
        line = report_line(out, name)
        kind = {"rejected": "rejected:", "repaired": "repaired:", "duplicate": "duplicate:"}
        assert line.startswith(kind[outcome]) and text in line, (name, line)
    # a file name with a newline stays on one report line
    assert "rejected: " in report_line(out, "mauvais\nnom.md")
    giant_row = 2 + page(8).count("\n") + 1  # the row after the header and a multi-line row
    csv_line = report_line(out, f"champ-geant.csv:{giant_row}")
    assert csv_line.startswith("rejected:"), csv_line

    articles = [articlefile.read(p) for p in articlefile.iter_files(tmp_path / "data" / "articles")]
    titles = {a.title for a in articles}
    for name, (outcome, text) in expect.items():
        if outcome == "imported" and text:
            assert text in titles, (name, sorted(titles))
    assert {"Premier rang", "Troisième rang", "Élection à Ségou", "Récolte à Kayes",
            "Campagne agricole numéro 10 à Ségou", "Campagne agricole numéro 12 à Ségou",
            "Campagne agricole numéro 14 à Ségou"} <= titles
    assert not {"Secret défense", "Champ géant", "Lien"} & titles
    by_title = {a.title: a for a in articles}
    assert "Les producteurs de la zone 10" in by_title["Campagne agricole numéro 10 à Ségou"].body
    mixed = by_title["Campagne agricole numéro 12 à Ségou"].body
    assert "chambre d’agriculture de Ségou" in mixed and "Les producteurs de la zone 12" in mixed
    assert "Ã" not in mixed  # the UTF-8 half was not read as cp1252
    assert "Les producteurs de la zone 16" in by_title["Récolte à Kayes"].body  # the cp1252 line
    assert by_title["Bamako : le budget voté"].body == "Le conseil a voté le budget de la ville."
    for a in articles:
        assert not any(ord(c) < 32 and c != "\n" for c in a.title + a.body)
        assert "\u202e" not in a.title + a.body and "\u200b" not in a.title + a.body
    assert f"{len(articles)} imported" in out

    # nothing outside data/ written but the audit log's entry and the archive's write lock (an
    # empty file; the import's catalog of article files is written once there are some),
    # nothing outside the inbox, data/ and Python read
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith(".archive")} == before
    assert sorted(k for k in after if k.startswith(".archive")) == [
        ".archive", ".archive/.writes.lock", ".archive/audit.jsonl"]
    assert {p.relative_to(tmp_path / "data").parts[0] for p in (tmp_path / "data").iterdir()} == {
        "articles", "imports"  # the article files, and what the import wrote of each
    }
    real = tmp_path.resolve()
    allowed = (str(real / "data"), str(real / "inbox"), str(real / "archive.yaml"),
               str(real / ".archive" / "audit.jsonl"), str(real / ".archive" / ".writes.lock"),
               str(real / ".archive" / "import-catalog.json"), str(real / ".archive" / ".tmp-"),
               sys.prefix, sys.base_prefix, str(Path(articlefile.__file__).parent),
               f"/proc/{os.getpid()}/status")  # (the umask new files are written with)
    strays = sorted({p for p in OpenedFiles.paths if not p.startswith(allowed)})
    assert strays == [], strays
    assert str(real / "inbox" / "bon article.txt") in OpenedFiles.paths  # the hook does see reads
    assert not any(str(real / "secret") in p for p in OpenedFiles.paths)
    assert not (Path.cwd() / "PWNED").exists() and not (tmp_path / "PWNED").exists()

    # the archive is whole and a second run changes nothing
    assert not [p for p in (tmp_path / "data").rglob(".tmp-*")]
    check = run(tmp_path, "check")
    assert check.exit_code == 0, check.output
    stored = data_snapshot(tmp_path)
    again = run(tmp_path, "import", str(inbox))
    assert again.exit_code == EXIT_PARTIAL
    assert f"0 imported, 0 updated, {len(articles)} unchanged" in again.output, again.output
    assert data_snapshot(tmp_path) == stored
    # not even an audit entry: nothing changed (but the import's catalog of the files, now
    # that there are some)
    unchanged = {k: v for k, v in snapshot(tmp_path).items() if k != ".archive/import-catalog.json"}
    assert {k: v for k, v in unchanged.items() if k != ".archive"} == \
        {k: v for k, v in after.items() if k != ".archive"}


def test_a_named_link_is_trusted_because_the_archivist_chose_it(tmp_path: Path):
    (tmp_path / "archive.yaml").write_text(LIMITS, encoding="utf-8")
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    (elsewhere / "page.txt").write_text(page(30), encoding="utf-8")
    link = tmp_path / "raccourci.txt"
    link.symlink_to(elsewhere / "page.txt")
    result = run(tmp_path, "import", str(link))
    assert result.exit_code == 0, result.output
    assert "1 imported" in result.output
    (path,) = articlefile.iter_files(tmp_path / "data" / "articles")
    assert articlefile.read(path).title == "Campagne agricole numéro 30 à Ségou"


@pytest.mark.parametrize("suffix", [".txt", ".jsonl", ".csv", ".md"])
def test_a_50_mb_file_is_refused_unread_fast_and_in_little_memory(tmp_path: Path, suffix: str):
    (tmp_path / "archive.yaml").write_text("", encoding="utf-8")
    big = tmp_path / f"enorme{suffix}"
    with big.open("wb") as out:
        out.write(b"title,body\n" if suffix == ".csv" else b'{"body": "')
        out.write(b"x" * BIG)
    warm_up(tmp_path)
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = run(tmp_path, "import", str(big))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    assert result.exit_code == EXIT_PARTIAL
    assert f"enorme{suffix}: {BIG + 10:,} bytes, larger than the 20,000,000 allowed" in (
        result.output
    ) or f"enorme{suffix}: {BIG + 11:,} bytes" in result.output, result.output
    print(f"\n50 MB {suffix}: {elapsed:.3f} s, peak {peak:,} bytes")
    assert elapsed < 2, elapsed
    assert peak < 5_000_000, peak


def test_billion_laughs_front_matter_is_refused_fast_and_small(tmp_path: Path):
    (tmp_path / "archive.yaml").write_text("", encoding="utf-8")
    levels = ['a0: &a0 "' + "lol" * 100 + '"'] + [
        f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)
    ]
    bomb = tmp_path / "bombe.md"
    bomb.write_text(article("bombe", "title: Rires\n" + "\n".join(levels)), encoding="utf-8")
    # the same bomb hidden in a long, otherwise harmless front matter
    padded = tmp_path / "bombe-rembourree.md"
    padded.write_text(article("bombe-2", "title: Sports & loisirs\nsection: '" + "x" * 200_000
                              + "'\n" + "\n".join(levels)), encoding="utf-8")
    warm_up(tmp_path)
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = run(tmp_path, "import", str(bomb), str(padded))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    assert result.exit_code == EXIT_PARTIAL
    assert "bombe.md: YAML anchors, aliases and tags are not allowed" in result.output
    assert "bombe-rembourree.md: front matter longer than 65,536 characters" in result.output
    assert elapsed < 2, elapsed
    print(f"\nbillion laughs: {elapsed:.3f} s, peak {peak:,} bytes")
    assert peak < 5_000_000, peak


# --- article files as an archivist may type them --------------------------------------------
#
# Decisions these tests pin down:
# - the front matter is read as YAML but no value is converted: a text field must be text
#   (`title: 1960`, `title: yes`, `section: no` are refused with "put it in quotes"), since
#   YAML would otherwise turn `007` into 7, `12:30` into 750 and `no` into false; `date` and
#   `imported_at` take what YAML sees as a date (and `date` a bare year) exactly as written,
#   so that the date checks judge what the archivist typed;
# - `demo` is true or false; `author` and `organisations` are a name or a list of names;
# - a field given twice, an unknown field, `body:` as a field, and a ` #` comment after a value
#   (which would cut a title such as "#MeToo" short) are refused;
# - each reason about one field names its line in the file (the opening --- is line 1).


def typed(front: str, body: str = "Le corps de l’article, assez long.") -> str:
    """An article file as typed by hand: the front matter lines as given, then the body."""
    return f"---\n{front}\n---\n\n{body}\n"


HEAD = "id: saisie-1\ntitle: Grève des enseignants à Kayes\n"  # lines 2 and 3
QUOTE = " (put it in quotes)"

# Each of these crashed the commands, was silently changed, or was refused with a wrong reason.
REFUSED = [
    # impossible dates and times YAML itself tried to build (ValueError before)
    ("jour-impossible", typed(HEAD + "date: 2019-02-30"),
     "line 4: date '2019-02-30' is not a real day"),
    ("mois-impossible", typed(HEAD + "date: 2019-13-01"),
     "line 4: date '2019-13-01' has an impossible month"),
    ("heure-impossible", typed(HEAD + "imported_at: 2019-01-01 25:00:00"),
     "line 4: imported_at '2019-01-01 25:00:00' is not a real date and time"),
    ("rubrique-heure-impossible", typed(HEAD + "section: 2019-01-01 25:00:00"),
     "line 4: section must be text, not a date and time" + QUOTE),
    ("titre-entier-geant", typed("id: saisie-1\ntitle: " + "9" * 5000),
     "line 3: title must be text, not a number" + QUOTE),
    ("date-entier-geant", typed(HEAD + "date: " + "1" * 5000),
     f"line 4: date '{'1' * 40}…' is not YYYY-MM-DD, YYYY-MM or YYYY"),
    ("crlf-jour-impossible", typed(HEAD + "date: 2019-02-30").replace("\n", "\r\n"),
     "line 4: date '2019-02-30' is not a real day"),
    ("bom-mois-impossible", "\ufeff" + typed(HEAD + "date: 2019-13-01"),
     "line 4: date '2019-13-01' has an impossible month"),
    # values YAML converted silently
    ("titre-annee", typed("id: saisie-1\ntitle: 1960"),
     "line 3: title must be text, not a number" + QUOTE),
    ("titre-oui", typed("id: saisie-1\ntitle: yes"),
     "line 3: title must be text, not true/false" + QUOTE),
    ("titre-heure", typed("id: saisie-1\ntitle: 12:30"),
     "line 3: title must be text, not a number" + QUOTE),
    ("rubrique-non", typed(HEAD + "section: no"),
     "line 4: section must be text, not true/false" + QUOTE),
    ("rubrique-horodatage", typed(HEAD + "section: 2019-01-01 10:00:00"),
     "line 4: section must be text, not a date and time" + QUOTE),
    ("date-avec-heure", typed(HEAD + "date: 2019-02-03 10:00:00"),
     "line 4: date '2019-02-03 10:00:00' is not YYYY-MM-DD, YYYY-MM or YYYY"),
    ("titre-liste", typed("id: saisie-1\ntitle: [Grève, Kayes]"),
     "line 3: title must be text, not a list"),
    ("titre-dictionnaire", typed("id: saisie-1\ntitle: {grève: Kayes}"),
     "line 3: title must be text, not a mapping"),
    ("auteur-dictionnaire", typed(HEAD + "author: {nom: Diarra}"),
     "line 4: author must be a name or a list of names, not a mapping"),
    ("auteurs-imbriques", typed(HEAD + "author: [[Awa Sangaré, Moussa Keïta]]"),
     "line 4: each author must be a name (text), not a list"),
    ("auteur-nombre", typed(HEAD + "author:\n- Awa Sangaré\n- 3"),
     "line 6: each author must be a name (text), not a number" + QUOTE),
    ("organisations-nombre", typed(HEAD + "organisations: 3"),
     "line 4: each organisation must be a name (text), not a number" + QUOTE),
    ("demo-peut-etre", typed(HEAD + 'demo: "maybe"'),
     "line 4: demo must be true or false, not text"),
    ("demo-faux-entre-guillemets", typed(HEAD + "demo: 'false'"),
     "line 4: demo must be true or false, not text (write it without quotes)"),
    ("langue-nombre", typed(HEAD + "language: 12"),
     "line 4: language must be text, not a number" + QUOTE),
    ("langue-norvegien", typed(HEAD + "language: no"),
     "line 4: language must be text, not true/false" + QUOTE),
    ("url-nombre", typed(HEAD + "url: 3"), "line 4: url must be text, not a number" + QUOTE),
    ("id-zeros", typed("id: 007\ntitle: Grève"), "line 2: id must be text, not a number" + QUOTE),
    ("id-fin-de-ligne", typed('id: "saisie-1\\n"\ntitle: Grève'),
     "line 2: id 'saisie-1\\n' must be lowercase letters, digits and hyphens"),
    ("date-chiffres-arabes", typed(HEAD + "date: '٢٠١٩-٠٢-٠٣'"),
     "line 4: date '٢٠١٩-٠٢-٠٣' is not YYYY-MM-DD, YYYY-MM or YYYY"),
    ("horodatage-libre", typed(HEAD + "imported_at: hier soir"),
     "line 4: imported_at 'hier soir' is not a date and time such as 2025-06-01T08:00:00+00:00"),
    # keys
    ("cle-booleenne", typed(HEAD + "yes: x"), "line 4: unknown field(s) yes"),
    ("cle-liste", typed(HEAD + "? [a]\n: b"),
     "line 4: a field name must be a word such as title, not a list"),
    ("titre-en-double", typed(HEAD + "title: Grève des enseignants à Sikasso"),
     "line 4: 'title' is given twice (first on line 3); keep one"),
    ("corps-en-champ", typed(HEAD + "body: Le texte"),
     "line 4: the body goes after the closing --- line, not in a field"),
    # how the text is laid out
    ("vide", "---\n---\n\nLe corps.\n", "missing id"),
    ("tabulation", typed(HEAD + "author:\n\t- Awa Sangaré"),
     "line 5: front matter is not valid YAML (a tab cannot indent YAML: use spaces)"),
    ("deux-points", typed("id: saisie-1\ntitle: Mali: la grève continue"),
     "line 3: front matter is not valid YAML (a value holding ': ' must be put in quotes)"),
    ("caractere-de-controle", typed("id: saisie-1\ntitle: Grève\x1b à Kayes"),
     "line 3: front matter is not valid YAML (character U+001B is not allowed: remove it)"),
    ("mot-diese", typed("id: saisie-1\ntitle: Le mouvement #MeToo arrive à Bamako"),
     "line 3: ' #' starts a YAML comment, which cuts title short: put the value in quotes, "
     "or the comment on its own line"),
    ("fermeture-collee", typed(HEAD).replace("\n---\n", "\n---x\n"),
     "front matter is not closed by a --- line"),
]


@pytest.mark.parametrize("text, reason", [pytest.param(t, r, id=n) for n, t, r in REFUSED])
def test_a_typed_article_file_is_refused_with_its_line_and_reason(tmp_path: Path, text: str,
                                                                   reason: str):
    path = tmp_path / "saisie.md"
    path.write_text(text, encoding="utf-8", newline="")  # CR and CRLF stay as typed
    with pytest.raises(InvalidArticle) as refused:
        articlefile.read(path)
    assert refused.value.message == f"{path}: {reason}"


@pytest.mark.parametrize("text", [pytest.param(t, id=n) for n, t, _r in REFUSED])
def test_without_libyaml_a_typed_file_is_refused_too(tmp_path: Path, monkeypatch, text: str):
    # PyYAML's pure-Python loader is the fallback where libyaml is missing; its messages
    # differ, but it must refuse the same files, by name, without a traceback
    monkeypatch.setattr(articlefile, "_Loader", yaml.SafeLoader)
    path = tmp_path / "saisie.md"
    path.write_text(text, encoding="utf-8", newline="")
    with pytest.raises(InvalidArticle, match=f"^{re.escape(str(path))}: "):
        articlefile.read(path)


# Read now; before, they were refused with a wrong reason or changed silently.
READ = [
    ("fins-de-ligne-mac", typed(HEAD + "section: Nation").replace("\n", "\r"),
     {"section": "Nation"}),
    ("separateur-de-ligne", typed("id: saisie-1\ntitle: Grève\u2028à Kayes"),
     {"title": "Grève à Kayes"}),
    ("horodatage-tel-que-saisi", typed(HEAD + "imported_at: 2019-01-01 10:00:00"),
     {"imported_at": "2019-01-01 10:00:00"}),
]
# Read before and still: what people type most often must keep working.
STILL_READ = [
    ("date-sans-guillemets", typed(HEAD + "date: 2019-02-03"), {"date": "2019-02-03"}),
    ("annee-sans-guillemets", typed(HEAD + "date: 2019"), {"date": "2019"}),
    ("bom-crlf", "\ufeff" + typed(HEAD + "author: Awa Sangaré").replace("\n", "\r\n"),
     {"author": ("Awa Sangaré",)}),
    ("tabulation-apres-deux-points", typed(HEAD + "section:\tNation"), {"section": "Nation"}),
    ("commentaire-sur-sa-ligne", typed(HEAD + "# vérifié le 3 mars\ndemo: yes"), {"demo": True}),
    ("commentaire-apres-guillemets", typed(HEAD + "section: 'Nation' # vérifié"),
     {"section": "Nation"}),
    ("auteur-vide-ignore", typed(HEAD + "author:\n- Awa Sangaré\n-\n- ''"),
     {"author": ("Awa Sangaré",)}),
    ("titre-entre-guillemets", typed("id: saisie-1\ntitle: 'yes'"), {"title": "yes"}),
]


@pytest.mark.parametrize("text, expected",
                         [pytest.param(t, e, id=n) for n, t, e in READ + STILL_READ])
def test_a_typed_article_file_is_read_as_typed(tmp_path: Path, text: str, expected: dict):
    path = tmp_path / "saisie.md"
    path.write_text(text, encoding="utf-8", newline="")
    found = articlefile.read(path)
    assert {name: getattr(found, name) for name in expected} == expected
    assert found.body == "Le corps de l’article, assez long."


@pytest.mark.parametrize("value", ["1960", "yes", "No", "null", "~", "2019-02-03",
                                   "2019-02-03 10:00:00", "12:30", "0x1F", "007", ".nan",
                                   "Mali: la grève", "Le mouvement #MeToo", "- Tiret",
                                   "@Bamako", "% de hausse", "'Citation'", "[Kayes]", "true"])
def test_what_the_archive_writes_reads_back_exactly(tmp_path: Path, value: str):
    title = value if any(c.isalnum() for c in value) else "Kayes"  # a title needs a letter
    written = Article(id="ecrit-1", title=title, body="Le corps.", section=value,
                      author=(value, "Awa Sangaré"), organisations=(value,), publisher=value,
                      imported_at="2025-06-01T08:00:00+00:00")
    text = articlefile.render(written)
    shown = [line.split(" ", 1)[1] for line in text.splitlines() if value in line]
    assert len(shown) == (5 if title == value else 4), text
    # quoted wherever YAML would read the plain text as something else
    assert all(line[0] in "'\"" for line in shown), text
    path = tmp_path / "ecrit.md"
    path.write_text(text, encoding="utf-8")
    assert articlefile.read(path) == written


# --- every command goes on past such files and names them -----------------------------------

GOOD = [
    Article(id=f"synapel-{n}", title=f"Le SYNAPEL et l’UNTM mobilisent à Ségou ({n})",
            body=f"Le SYNAPEL, syndicat des pêcheurs, et l’UNTM réunissent {n * 40} délégués "
                 f"à Ségou pour la campagne numéro {n}.", date=f"2019-03-0{n}")
    for n in range(1, 4)
]


def archive_with_typed_files(tmp_path: Path) -> dict[str, str]:
    """The good articles written by the archive, plus every REFUSED file in data/articles/2019;
    returns {relative path of each refused file: its reason}."""
    (tmp_path / "archive.yaml").write_text("", encoding="utf-8")
    articles = tmp_path / "data" / "articles"
    for good in GOOD:
        articlefile.write(articles, good)
    return add_typed_files(articles)


def add_typed_files(articles: Path) -> dict[str, str]:
    (articles / "2019").mkdir(parents=True, exist_ok=True)
    for name, text, _reason in REFUSED:
        (articles / "2019" / f"{name}.md").write_text(text, encoding="utf-8", newline="")
    return {f"2019/{name}.md": reason for name, _text, reason in REFUSED}


def assert_no_crash(result) -> None:
    """The command ended by itself (an exit code, maybe 1), not by an uncaught exception."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception), result.output)
    assert "Traceback" not in result.output


def indexed(tmp_path: Path) -> set[str]:
    """The files the serving generation indexed."""
    index = tmp_path / "index"
    return set(read_files(index / generations.read_pointer(index).current))


def test_check_names_every_typed_file_with_its_reason(tmp_path: Path):
    refused = archive_with_typed_files(tmp_path)
    result = run(tmp_path, "check")
    assert_no_crash(result)
    assert result.exit_code == EXIT_PARTIAL
    articles = tmp_path / "data" / "articles"
    for rel, reason in refused.items():
        assert f"rejected: {articles / rel}: {reason}\n" in result.output, (rel, result.output)
    rejected = [line for line in result.output.splitlines() if line.startswith("rejected:")]
    assert len(rejected) == len(refused)
    assert f"{len(GOOD) + len(refused)} article files checked, {len(refused)} rejected" \
        in result.output


def test_import_goes_on_past_typed_files_and_undecodable_export_lines(tmp_path: Path):
    (tmp_path / "archive.yaml").write_text("", encoding="utf-8")
    articles = tmp_path / "data" / "articles"
    add_typed_files(articles)  # broken files already in data/ must not stop an import
    inbox = tmp_path / "inbox"
    refused = {f"{inbox}/{rel}": reason for rel, reason in add_typed_files(inbox).items()}
    (inbox / "bon.md").write_text(articlefile.render(GOOD[0]), encoding="utf-8")
    (inbox / "page.txt").write_text(page(40), encoding="utf-8")
    export = inbox / "export.jsonl"
    export.write_text(
        json.dumps({"id": "e1", "title": "Récolte à Kayes", "body": page(41)}) + "\n"
        + '{"id": "e2", "title": "Géant", "body": "Texte.", "vues": 1' + "0" * 5000 + "}\n"
        + json.dumps({"id": "e3", "title": 1960, "body": page(42)}) + "\n",
        encoding="utf-8")
    column = export.read_text(encoding="utf-8").split("\n")[1].index("10000") + 1
    refused[f"{export}:2"] = f"invalid JSON (a number of more than 4,300 digits at column {column})"
    result = run(tmp_path, "import", str(inbox))
    assert_no_crash(result)
    assert result.exit_code == EXIT_PARTIAL
    for source, reason in refused.items():
        assert f"rejected: {source}: {reason}\n" in result.output, (source, result.output)
    assert f"4 imported, 0 updated, 0 unchanged, 0 duplicates, {len(refused)} rejected" \
        in result.output
    typed_names = {name for name, _text, _reason in REFUSED}
    titles = {articlefile.read(p).title for p in articlefile.iter_files(articles)
              if p.stem not in typed_names}
    assert titles == {GOOD[0].title, "Campagne agricole numéro 40 à Ségou", "Récolte à Kayes",
                      "1960"}


@pytest.mark.parametrize("command", [
    pytest.param(("reindex",), id="incremental"),
    pytest.param(("reindex", "--full"), id="full"),
    pytest.param(("reindex", "--full", "--procs", "2"), id="full-2-processes"),
    pytest.param(("reindex", "--dry-run"), id="dry-run"),
])
def test_reindex_goes_on_past_typed_files_and_names_them(tmp_path: Path, command):
    (tmp_path / "archive.yaml").write_text("", encoding="utf-8")
    articles = tmp_path / "data" / "articles"
    for good in GOOD[:2]:
        articlefile.write(articles, good)
    assert run(tmp_path, "reindex").exit_code == 0  # the serving index before the bad files
    refused = add_typed_files(articles)
    articlefile.write(articles, GOOD[2])
    result = run(tmp_path, *command)
    assert_no_crash(result)
    assert result.exit_code == EXIT_PARTIAL  # done, files rejected
    for rel, reason in refused.items():
        assert f"  rejected {rel}: {reason}\n" in result.output, (rel, result.output)
    assert "worker" not in result.output
    rels = [articlefile.relative_path(a).as_posix() for a in GOOD]
    if "--dry-run" in command:
        assert f"would add 1, update 0, delete 0; rejected {len(refused)}\n" in result.output
        assert f"  add {rels[2]}\n" in result.output and "more to add" not in result.output
        assert indexed(tmp_path) == set(rels[:2])
    else:
        assert f", rejected {len(refused)}\n" in result.output
        assert f"serves {len(GOOD)} articles" in result.output
        assert indexed(tmp_path) == set(rels)


@pytest.mark.parametrize("command", [("reindex",), ("reindex", "--full"),
                                     ("reindex", "--dry-run")])
def test_an_article_file_whose_name_is_not_utf8_is_named_and_left_out(tmp_path: Path,
                                                                      command):
    """A file copied from an old Windows zip, `café.md` in Latin-1: every reindex crashed
    writing its manifest, and the workspace home answered 500."""
    (tmp_path / "archive.yaml").write_text("", encoding="utf-8")
    articles = tmp_path / "data" / "articles"
    for good in GOOD[:2]:
        articlefile.write(articles, good)
    assert run(tmp_path, "reindex").exit_code == 0
    folder = articlefile.relative_path(GOOD[0]).parent
    odd = articles / folder / os.fsdecode(b"caf\xe9.md")
    odd.write_text("---\ntitle: [\n---\n\nCorps.\n", encoding="utf-8")  # nor does it parse
    articlefile.write(articles, GOOD[2])
    result = run(tmp_path, *command)
    assert_no_crash(result)
    assert result.exit_code == EXIT_PARTIAL
    assert f"  rejected {folder}/caf\\xe9.md: its name is not UTF-8 text" in result.output
    served = GOOD if "--dry-run" not in command else GOOD[:2]
    assert indexed(tmp_path) == {articlefile.relative_path(a).as_posix() for a in served}
    status = run(tmp_path, "status")
    assert_no_crash(status)
    assert f"left out: {folder}/caf\\xe9.md: its name is not UTF-8 text" in status.output
    config = load_config(tmp_path / "archive.yaml")
    accounts.add_user(config, "awa", "archivist", PASSWORD)
    client = create_app(config).test_client()
    sign_in(client)
    assert client.get("/atelier").status_code == 200


def test_orgs_commands_go_on_past_typed_files_and_name_them(tmp_path: Path):
    refused = archive_with_typed_files(tmp_path)
    authority = Path(__file__).resolve().parents[1] / "data" / "organisations.yaml"
    shutil.copy(authority, tmp_path / "data" / "organisations.yaml")
    articles = tmp_path / "data" / "articles"
    for command in ("candidates", "list"):
        result = run(tmp_path, "orgs", command)
        assert_no_crash(result)
        assert result.exit_code == 0
        for rel, reason in refused.items():
            assert f"skipped: {articles / rel}: {reason}\n" in result.stderr, (rel, command)
        if command == "candidates":
            assert "SYNAPEL (6)" in result.stdout  # title and body of each good article
        else:
            assert f"{len(GOOD)}  UNTM" in result.stdout
