"""`archive orgs add ACRONYM`: an organisation the articles define becomes an authority entry.

The entry is appended to the authority file (its comments and layout stay as they are),
checked as the file is checked when loaded, then written atomically: a file that cannot be read
or breaks its rules is never written over, nor one changed by someone else meanwhile.
Articles take the new canonical name without being rewritten: the index files their
`new_organisations` under it at the next reindex (the authority file's acronyms changed, so that
reindex is a full one), and each article's next import records it under `organisations`.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import articlefile, countries
from .errors import Conflicted, Refused
from .organisations import (
    KINDS,
    AuthorityError,
    Organisation,
    fold_same_length,
    load_authority,
    no_authority,
)
from .orgdefinitions import DefinedCandidate

# The kind an entry most likely has, from the first word of its name; "ngo" otherwise.
KIND_BY_HEAD = {
    "syndicat": "union", "parti": "party", "rassemblement": "party", "alliance": "party",
    "front": "party", "mouvement": "party", "convention": "party", "congres": "party",
    "ministere": "ministry", "cour": "court", "tribunal": "court", "forces": "military",
    "force": "military", "armee": "military", "brigade": "military", "gendarmerie": "military",
    "police": "state", "garde": "military", "peloton": "military", "escadron": "military",
    "banque": "bank", "societe": "company", "compagnie": "company", "entreprise": "company",
    "groupe": "company", "regie": "company", "chambre": "employer", "agence": "state",
    "office": "state", "institut": "state", "direction": "state", "commission": "state",
    "conseil": "state", "autorite": "state", "haut": "state", "haute": "state",
    "inspection": "state", "delegation": "state", "secretariat": "state", "caisse": "state",
    "parlement": "state", "senat": "state", "assemblee": "state", "bureau": "state",
    "etablissement": "state", "universite": "university", "ecole": "state", "academie": "state",
    "coalition": "coalition",
}
SECTION = "# --- Added by 'archive orgs add' (check each kind and country) -------------------"


@dataclass
class Promotion:
    """What `orgs add` wrote, and what it guessed, for the archivist to check."""

    path: Path
    entry: Organisation
    articles: int
    guessed: list[str]
    other_names: list[tuple[str, int]]

    def render(self) -> str:
        """A summary: the entry written, the guesses to check, what happens next."""
        entry = self.entry
        lines = [f"added to {self.path}: {entry.acronym} = {entry.name} (kind {entry.kind}, "
                 f"country {entry.country}), defined in {self.articles} articles"]
        lines += [f"guessed: {guess}; correct it in the file if it is wrong"
                  for guess in self.guessed]
        for name, count in self.other_names:
            lines.append(f"left alone: {count} articles define {entry.acronym} as {name} "
                         "(another body, or another spelling: add it as an alias by hand)")
        lines.append("next: 'archive reindex' files these articles under the new entry; their "
                     "next import records it under organisations")
        return "\n".join(lines)


def promote(path: Path, candidate: DefinedCandidate, name: str | None = None,
            kind: str | None = None, country: str | None = None) -> Promotion:
    """Append the entry an article-defined acronym makes to the authority file at `path`."""
    try:
        before = path.read_bytes()
    except FileNotFoundError:
        raise AuthorityError(no_authority(path)) from None
    except OSError as exc:
        raise AuthorityError(f"{path}: cannot read the organisation file ({exc.strerror})") \
            from None
    authority = load_authority(path)  # a broken file is reported, never written over
    known = authority.canonical(candidate.acronym)
    if known is not None:
        raise Conflicted("candidate_known", acronym=candidate.acronym, path=path, known=known)
    guessed = []
    name = " ".join((name or candidate.name).split())
    if kind is None:
        head = fold_same_length(name).split()[0].split("-")[0]
        kind = KIND_BY_HEAD.get(head, "ngo")
        guessed.append(f"kind {kind} (from '{name.split()[0]}')")
    elif kind not in KINDS:
        raise Refused("kind_unknown", kinds=", ".join(sorted(KINDS)))
    if country is None:
        country, why = _country(name, candidate)
        guessed.append(f"country {country} ({why})")
    entry = Organisation(name=name, kind=kind, country=country, acronym=candidate.acronym)
    text = before.decode("utf-8")
    addition = yaml.safe_dump([{"name": entry.name, "acronym": entry.acronym,
                                "kind": entry.kind, "country": entry.country}],
                              allow_unicode=True, sort_keys=False, width=100)
    if SECTION not in text:
        addition = f"\n{SECTION}\n{addition}"
    new_text = text + ("" if text.endswith("\n") or not text else "\n") + addition
    _replace_checked(path, before, new_text)
    others = [(n, c) for n, c in candidate.names.most_common() if n != name]
    return Promotion(path, entry, candidate.articles, guessed, others)


def _country(name: str, candidate: DefinedCandidate) -> tuple[str, str]:
    """The country its name names, else the one most of its articles' publishers are of."""
    named = countries.named_in(name)
    if named:
        return named, "its name names it"
    national = [(c, n) for c, n in candidate.countries.most_common()
                if c not in ("?", "international")]
    if national:
        return national[0][0], "the country of most articles defining it"
    return "international", "no country known for its articles"


def _replace_checked(path: Path, before: bytes, text: str) -> None:
    """Write `text` over `path` atomically, once it loads as a valid authority file and the file
    still holds what was read (`before`)."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".yaml", dir=path.parent)
    try:
        os.fchmod(fd, articlefile.shared_mode(path))  # (mkstemp's is its owner's only)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            load_authority(Path(tmp))
        except AuthorityError as exc:
            detail = exc.message.replace(tmp, str(path))
            raise Refused("authority_entry_breaks", detail=detail) from None
        if path.read_bytes() != before:
            raise Conflicted("authority_changed", path=path)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
