"""Reviewing organisation candidates: approve one into the authority file, merge it as an alias
of an existing entry, or dismiss it (remembered, so that it is not proposed again).

The candidates are those `archive orgs candidates` lists: organisations the articles define
that the authority file lacks, then acronyms they use unexplained. Approving one is `archive
orgs add` (`orgpromotion.promote`); merging adds its acronym (and name) to an entry's
aliases, the file's comments and layout kept; both check the new file as it is checked when
loaded and never write over a file changed meanwhile. Dismissals live in
`data/organisations-dismissed.yaml`, beside the authority file, kept with the archive.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import articlefile, yamlfiles
from .config import Config
from .errors import ArchiveError, ConfigError, Missing, Refused
from .filecache import ParsedFiles
from .models import Article
from .organisations import (
    KINDS,
    Authority,
    AuthorityError,
    Candidate,
    find_candidates,
    load_authority,
    no_authority,
)
from .orgdefinitions import DefinedCandidate, defined_candidates
from .orgpromotion import Promotion, _replace_checked, promote
from .publishers import publishers_at
from .writelock import writing

DISMISSED = "organisations-dismissed.yaml"
MAX_FORM = 200  # characters of a name, acronym or alias typed in a form


@dataclass
class Candidates:
    """What the articles suggest adding to the authority file, dismissed ones left out."""

    defined: list[DefinedCandidate] = field(default_factory=list)
    unexplained: list[Candidate] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.defined) + len(self.unexplained)


def dismissed_path(config: Config) -> Path:
    """The file remembering dismissed candidates."""
    return config.data_dir / DISMISSED


def dismissed(config: Config) -> frozenset[str]:
    """The acronyms an archivist dismissed; from the file's last good version when it is
    broken as it stands (`dismissed_problem` says why), never none of them: a slip in the
    file brought every dismissed candidate back, unsaid."""
    return _DISMISSED.get(dismissed_path(config), last_good=True) or frozenset()


def dismissed_problem(config: Config) -> str | None:
    """What is wrong with the dismissals file as it stands, or None."""
    dismissed(config)
    problem = _DISMISSED.problem(dismissed_path(config))
    return problem.removeprefix(f"{dismissed_path(config)}: ") if problem else None


def _load_dismissed(path: Path) -> frozenset[str]:
    text = path.read_text(encoding="utf-8")
    try:
        raw = yamlfiles.load(text) or []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: {where}not valid YAML ({problem})") from None
    if not isinstance(raw, list) or not all(
            isinstance(item, dict) and isinstance(item.get("acronym"), str) for item in raw):
        raise ConfigError(f"{path}: each entry must be '- acronym: NAME' (with by: and at:)")
    return frozenset(item["acronym"] for item in raw)


_DISMISSED = ParsedFiles(_load_dismissed, lambda path, why: ConfigError(
    f"{path}: cannot read the dismissed candidates ({why})"))


def _authority(config: Config) -> Authority:
    from .organisations import authority_at

    authority = authority_at(config.authority_file)
    if authority is None:
        raise AuthorityError(no_authority(config.authority_file))
    return authority


def _articles(config: Config) -> Iterator[tuple[Article, str | None]]:
    publishers = publishers_at(config.publishers_file)
    for path in articlefile.iter_files(config.articles_dir):
        try:
            article = articlefile.read(path, config.limits.import_max_bytes)
        except ArchiveError:
            continue  # the workspace lists broken files apart
        country = publishers.country_of(article.publisher, article.url) if publishers else None
        yield article, country or config.country


_CACHE: dict[Path, tuple[tuple, Candidates]] = {}


def _signature(config: Config) -> tuple:
    """What the candidates depend on: the articles (by the serving generation and the folder's
    files), the authority file and the dismissals."""
    def stamp(path: Path) -> int:
        try:
            return path.stat().st_mtime_ns
        except OSError:
            return 0

    files = [(p.name, stamp(p)) for p in sorted(config.articles_dir.glob("*"))]
    return (stamp(config.authority_file), stamp(dismissed_path(config)),
            stamp(config.index_dir / "CURRENT"), tuple(files))


def candidates(config: Config, min_count: int = 2, limit: int = 50) -> Candidates:
    """The candidates `archive orgs candidates` lists, less those dismissed (kept in memory
    until the articles, the authority file or the dismissals change)."""
    signature = (_signature(config), min_count, limit)
    cached = _CACHE.get(config.data_dir)
    if cached is not None and cached[0] == signature:
        return cached[1]
    authority = _authority(config)
    skip = dismissed(config)
    articles = list(_articles(config))
    defined = [c for c in defined_candidates(((a.new_organisations, country)
                                              for a, country in articles), authority)
               if c.acronym not in skip][:limit]
    listed = {c.acronym for c in defined} | skip
    unexplained = [c for c in find_candidates(((a.title, a.body) for a, _ in articles),
                                              authority)
                   if c.count >= min_count and c.acronym not in listed][:limit]
    found = Candidates(defined, unexplained)
    _CACHE[config.data_dir] = (signature, found)
    return found


def _find(config: Config, acronym: str) -> DefinedCandidate:
    """The candidate an acronym names, as a definition (an unexplained one has no name yet)."""
    found = candidates(config, min_count=1, limit=10_000)
    for candidate in found.defined:
        if candidate.acronym == acronym:
            return candidate
    for candidate in found.unexplained:
        if candidate.acronym == acronym:
            names = Counter({candidate.expansion: candidate.count}) if candidate.expansion \
                else Counter()
            return DefinedCandidate(acronym, candidate.count, names)
    raise Missing("candidate_unknown", acronym=acronym[:50])


def _clean(value: str | None, what: str) -> str | None:
    value = " ".join((value or "").split())
    if len(value) > MAX_FORM or any(not c.isprintable() for c in value):
        raise Refused(f"candidate_{what}_invalid")
    return value or None


def approve(config: Config, acronym: str, name: str | None = None, kind: str | None = None,
            country: str | None = None) -> Promotion:
    """Add a candidate to the authority file as a new entry (the CLI's `archive orgs add`)."""
    candidate = _find(config, acronym)
    name = _clean(name, "name")
    if name is None and not candidate.names:
        raise Refused("candidate_needs_name", acronym=acronym)
    if kind is not None and kind not in KINDS:
        raise Refused("kind_unknown", kinds=", ".join(sorted(KINDS)))
    country = _clean(country, "country")
    with writing(config):  # read, checked and replaced as one step
        return promote(config.authority_file, candidate, name=name, kind=kind or None,
                       country=country.upper() if country and len(country) == 2 else country)


def merge(config: Config, acronym: str, into: str) -> str:
    """Add a candidate's acronym (and the name articles define it with) to the aliases of the
    entry `into` names (its name, acronym or an alias); return the entry's canonical name."""
    candidate = _find(config, acronym)
    authority = load_authority(config.authority_file)
    canonical = authority.canonical(_clean(into, "entry") or "")
    if canonical is None:
        raise Missing("authority_entry_unknown", name=into[:100], path=config.authority_file)
    aliases = [acronym] + [n for n, _count in candidate.names.most_common()
                           if authority.canonical(n) is None][:1]
    with writing(config):
        add_aliases(config.authority_file, canonical, aliases)
    return canonical


def add_aliases(path: Path, canonical: str, aliases: list[str]) -> None:
    """Append aliases to the entry named `canonical`, its comments and layout kept."""
    before = path.read_bytes()
    text = before.decode("utf-8")
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    entry = next((node for node in getattr(root, "value", ())
                  if isinstance(node, yaml.MappingNode)
                  and any(k.value == "name" and getattr(v, "value", None) == canonical
                          for k, v in node.value)), None)
    if entry is None:
        raise Missing("authority_entry_unknown", name=canonical[:100], path=path)
    keys = {k.value: (k, v) for k, v in entry.value}
    lines = text.split("\n")
    if "aliases" in keys:
        key, value = keys["aliases"]
        old = [item.value for item in getattr(value, "value", ())
               if isinstance(item, yaml.ScalarNode)]
        new = old + [a for a in aliases if a not in old]
        last = _last_line(value)
        lines[key.start_mark.line:last + 1] = [
            " " * key.start_mark.column + "aliases: " + _flow(new)]
    else:
        key, value = keys.get("acronym") or keys["name"]
        at = _last_line(value) + 1
        lines.insert(at, " " * key.start_mark.column + "aliases: " + _flow(aliases))
    _replace_checked(path, before, "\n".join(lines))


def _last_line(node: yaml.Node) -> int:
    """The last line a value node is written on."""
    end = node.end_mark
    return end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line


def _flow(values: list[str]) -> str:
    return yaml.safe_dump(values, default_flow_style=True, allow_unicode=True,
                          width=1_000_000).strip()


def dismiss(config: Config, acronym: str, who: str) -> None:
    """Remember that a candidate is not an organisation to add."""
    _find(config, acronym)
    path = dismissed_path(config)
    with writing(config):
        problem = dismissed_problem(config)
        if problem is not None:  # appended to, it would stay broken and this one unheeded
            raise Refused("dismissals_invalid", path=path.name, reason=problem)
        _append_dismissal(path, acronym, who)
        dismissed(config)  # read now: the version a later slip falls back to


def _append_dismissal(path: Path, acronym: str, who: str) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ("# Organisation candidates an archivist dismissed: the workspace and 'archive "
                "orgs candidates'\n# no longer propose them. Remove an entry to see it "
                "again.\n")
    entry = yaml.safe_dump([{"acronym": acronym, "by": who,
                             "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}],
                           allow_unicode=True, sort_keys=False)
    articlefile.write_text(path, text + ("" if text.endswith("\n") else "\n") + entry,
                           shared=True)
