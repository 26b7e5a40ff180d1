"""The import pipeline: detect formats, finalise records, de-duplicate, write article files."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import signal
import stat
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from .. import articlefile, audit, countries
from ..config import Config
from ..editing import file_digest
from ..errors import ArchiveError, InvalidArticle
from ..models import Article
from ..organisations import Authority, authority_at, authority_problem, no_authority
from ..orgdefinitions import found_in
from ..publishers import Publishers, publishers_at, publishers_problem
from ..textnorm import (
    clean_line,
    content_hash,
    decode,
    fold,
    has_lone_surrogate,
    normalise_body,
    repair_mojibake,
)
from ..writelock import LOCK_NAME, writing
from . import catalog, importbase
from .boilerplate import suspicion
from .cleaning import Cleaning, clean_article
from .importers import ImportOptions, Notice, Rejected
from .importers import articles as article_importer
from .importers import html as html_importer
from .importers import scraped as scraped_importer
from .importers import tabular as export_importer
from .importers.tabular import parse_mapping
from .pubdates import evidence_date
from .sameness import SAME_TEXT, another_story, another_story_than_deleted, text_overlap

__all__ = ["ImportReport", "import_paths", "check_archive", "parse_mapping"]

# Order matters: the most specific formats sniff first.
IMPORTERS: tuple[ModuleType, ...] = (
    article_importer,
    export_importer,
    html_importer,
    scraped_importer,
)
COVERAGE_FIELDS = ("title", "section", "author", "date", "organisations", "url", "publisher")
UPLOADED = "uploaded"  # a workspace upload's pages are imported from `uploaded/<name>`


@dataclass
class ImportReport:
    """What an import (or a check) did, for people and for tests."""

    dry_run: bool = False
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    repaired: list[tuple[str, str]] = field(default_factory=list)
    same_text: list[tuple[str, str]] = field(default_factory=list)  # kept apart, said
    suspicious: list[tuple[str, str]] = field(default_factory=list)
    kept_edits: list[tuple[str, str]] = field(default_factory=list)  # the archivist's, kept
    deleted: list[tuple[str, str]] = field(default_factory=list)  # deleted by hand: left so
    lacking: Counter = field(default_factory=Counter)
    formats: Counter = field(default_factory=Counter)
    written: list[Path] = field(default_factory=list)
    # the article files this import changed: SHA-256 before, after (None: absent), for the
    # audit log, taken as each is written (hashing the whole archive first cost a read of
    # every file per import)
    files: dict[Path, tuple[str | None, str | None]] = field(default_factory=dict)
    stopped: str | None = None  # why the import stopped before its last input, if it did
    checked: int = 0
    notes: list[str] = field(default_factory=list)  # about the whole run, shown before counts
    cleaning: Cleaning = field(default_factory=Cleaning)  # what cleaning changed in sources
    notices: list[tuple[str, str]] = field(default_factory=list)  # inputs imported, with a remark

    def reject(self, source: str, reason: str) -> None:
        """Record an input that could not be imported."""
        self.rejected.append((source, reason))

    @property
    def partial(self) -> bool:
        """Whether some input was not imported (exit code 3 on the command line)."""
        return bool(self.rejected) or self.stopped is not None

    def changed(self, path: Path, before: str | None, after: str | None) -> None:
        """Note an article file's hashes around a write (the first `before` stays)."""
        first = self.files.get(path, (before, None))[0]
        self.files[path] = (first, after)

    def render(self) -> str:
        """A plain-text summary: rejections with reasons, then the counts."""
        lines = [f"rejected: {_shown(source)}: {reason}" for source, reason in self.rejected]
        lines += [f"repaired: {_shown(source)}: {note}" for source, note in self.repaired]
        lines += [f"note: {_shown(source)}: {note}" for source, note in self.notices]
        for label, entries in (("duplicate", self.duplicates), ("same text", self.same_text),
                               ("suspicious", self.suspicious), ("kept", self.kept_edits),
                               ("not re-imported", self.deleted)):
            lines += [f"{label}: {_shown(source)}: {note}" for source, note in entries]
        if self.formats:
            lines.append(
                "formats: " + ", ".join(f"{n} {name}" for name, n in sorted(self.formats.items()))
            )
        kept = self.imported + self.updated + self.unchanged
        if kept and self.lacking:
            lines.append(
                f"fields missing (of {kept} articles): "
                + ", ".join(
                    f"{name} {self.lacking[name]}"
                    + (" (made from the first sentence)" if name == "title" else "")
                    for name in COVERAGE_FIELDS
                    if self.lacking[name]
                )
            )
        if self.cleaning:
            lines.append(self.cleaning.summary())
        lines += self.notes
        if self.stopped:
            lines.append(f"stopped: {self.stopped}")
        if self.checked:
            lines.append(
                f"{self.checked} article files checked, {len(self.rejected)} rejected, "
                f"{len(self.duplicates)} duplicates"
            )
            return "\n".join(lines)
        prefix = "dry run, nothing written: " if self.dry_run else ""
        deleted = f"; {len(self.deleted)} deleted by hand, not re-imported" if self.deleted else ""
        lines.append(
            f"{prefix}{self.imported} imported, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.duplicates)} duplicates, "
            f"{len(self.rejected)} rejected{deleted}"
        )
        return "\n".join(lines)


def _shown(source: str) -> str:
    """A file name on one report line: a newline or control character in it is escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in source)


class _Articles(Mapping):
    """id -> (path, Article) of the archive's articles, each read from its file when first
    asked for (`catalog` knows the rest of them without reading them)."""

    def __init__(self, stamps: dict[str, tuple[int, int] | None]) -> None:
        # the file holding each id (the first of several), as text: a Path per file cost a
        # second at 100k articles
        self.paths: dict[str, str] = {}
        self.loaded: dict[str, Article] = {}
        self._stamps = stamps

    def path(self, article_id: str) -> Path:
        """The file holding an article."""
        return Path(self.paths[article_id])

    def __getitem__(self, article_id: str) -> tuple[Path, Article]:
        path = self.path(article_id)
        article = self.loaded.get(article_id)
        if article is None:
            # Its time now, before it is read: an edit since the survey makes the write refuse.
            stamp = _stamp(path)
            try:
                article = articlefile.read(path)
            except ArchiveError as exc:
                raise _Unreadable(path, exc.message.removeprefix(f"{path}: ")) from None
            self._stamps[str(path)] = stamp
            self.loaded[article_id] = article
        return path, article

    def __contains__(self, article_id: object) -> bool:
        return article_id in self.paths

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)


def _unreadable(reason: str) -> str:
    """'cannot be read (reason)', said once when the reason says it already."""
    return reason if reason.startswith("cannot be read") else f"cannot be read ({reason})"


class _Refusal(ArchiveError):
    """Why one record is not written, found while writing it (the import goes on)."""


class _Occupied(_Refusal):
    """The file an article goes to holds another one (a file put in the wrong place)."""

    def __init__(self, target: Path) -> None:
        super().__init__(f"{target} holds another article file ('archive check' says where "
                         "it belongs): left as it is; move that file, then import this again")


class _Unreadable(_Refusal):
    """An article file that could be read when the import began, and cannot be now."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"its article file {path} {_unreadable(reason)}; the import "
                         "never writes over it: fix that file, then import this again")


@dataclass
class _Existing:
    """The archive as it stands, keyed the ways an incoming article can collide with it."""

    # Each file's (mtime, size) when read, by its path as text: one that differs at write time
    # was edited meanwhile
    stamps: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    by_id: _Articles = field(init=False)
    by_url: dict[str, str] = field(default_factory=dict)
    by_hash: dict[str, list[str]] = field(default_factory=dict)  # wire copies share a text
    # export record id -> ids (a renamed export's record asks: `recorded`)
    by_record: dict[str, list[str]] = field(default_factory=dict)
    # Files that cannot be read, by the id they were written under (their name): an import
    # must never write over them, since what the archivist put there would be lost.
    broken: dict[str, tuple[Path, str]] = field(default_factory=dict)
    # Ids that two files or more claim (a file copied as a template, its id kept): an import
    # writes none of them, since whichever it took, it would replace the other.
    shared: dict[str, list[Path]] = field(default_factory=dict)
    words: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_id = _Articles(self.stamps)

    def add(self, path: Path, article: Article) -> None:
        """An article just written (or read): known by all its keys."""
        self.by_id.loaded[article.id] = article
        self.note(str(path), catalog.Entry.of(article))

    def note(self, path: str, entry: catalog.Entry) -> None:
        """An article known by its catalog entry."""
        self.by_id.paths[entry.id] = path
        if entry.url:
            self.by_url[entry.url] = entry.id
        if entry.content_hash:
            self.by_hash.setdefault(entry.content_hash, []).append(entry.id)
        record = entry.record
        if record is not None:
            recorded = self.by_record.setdefault(record, [])
            if entry.id not in recorded:  # (an update adds the article again)
                recorded.append(entry.id)

    def recorded(self, record: str) -> list[str]:
        """The ids of the articles last imported from an export's record of this id (from
        any export: ids repeat across exports, the caller checks the rest)."""
        return self.by_record.get(record, [])

    def median_words(self) -> int | None:
        """The archive's usual body length, once it holds enough articles to have one."""
        return sorted(self.words)[len(self.words) // 2] if len(self.words) >= 50 else None


def _load_existing(config: Config) -> _Existing:
    existing = _Existing()
    top = str(config.articles_dir)
    for rel, stamp, known in catalog.survey(config, articlefile.read):
        path = f"{top}/{rel}"
        if isinstance(known, str):
            stem = rel.rpartition("/")[2][:-len(articlefile.SUFFIX)]
            existing.broken[stem] = (Path(path), known)
            continue  # reported by `archive check`; the import goes on around it
        if known.id in existing.by_id:
            existing.shared.setdefault(known.id, [existing.by_id.path(known.id)]).append(
                Path(path))
        existing.stamps[path] = stamp
        existing.note(path, known)
        existing.words.append(known.words)
    return existing


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _load_authority(config: Config, report: ImportReport, missing: str) -> Authority | None:
    """The organisation authority, or None (said in the report) when the archive has none; its
    last good version when the file as it stands is broken (a rejection names it)."""
    authority = authority_at(config.authority_file, last_good=True)
    if authority is None:
        report.notes.append(f"{no_authority(config.authority_file)}: {missing}")
    _set_aside(config.authority_file, authority_problem(config.authority_file), report)
    return authority


def _set_aside(path: Path, problem: str | None, report: ImportReport) -> None:
    """Report a data file whose last good version the job used instead of it as it stands."""
    if problem is not None:
        report.reject(str(path), f"{problem.removeprefix(f'{path}: ')}; its last good version "
                                 "was used: correct the file, then run the job again")


def _load_publishers(config: Config, report: ImportReport) -> Publishers | None:
    """The publishers file, or None (said in the report): their countries decide what a
    generic institution name ("Assemblée nationale") means in an article."""
    publishers = publishers_at(config.publishers_file, last_good=True)
    _set_aside(config.publishers_file, publishers_problem(config.publishers_file), report)
    if publishers is None:
        report.notes.append(f"no publishers file at {config.publishers_file}: generic "
                            "institution names (Assemblée nationale…) are kept only where the "
                            "text names their country")
    return publishers


def collect_files(paths: Iterable[Path], report: ImportReport) -> Iterator[Path]:
    """Files named or found below the folders named; hidden files and escaping links skipped."""
    for given in paths:
        if given.is_dir():
            root = given.resolve()
            for current, dirs, files in os.walk(given):
                # os.walk never follows a linked folder: one leading out is said, not skipped
                for name in sorted(d for d in dirs if not d.startswith(".")):
                    link = Path(current) / name
                    if link.is_symlink() and not link.resolve().is_relative_to(root):
                        report.reject(
                            str(link),
                            "symbolic link to a folder outside the input "
                            "folder, not followed (name that folder to import it)",
                        )
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    path = Path(current) / name
                    if path.is_symlink():
                        try:
                            target = path.resolve(strict=True)
                        except (OSError, RuntimeError):  # dangling link or link loop
                            report.reject(str(path), "broken symbolic link (loop or no target)")
                            continue
                        if not target.is_relative_to(root):
                            report.reject(
                                str(path), "symbolic link pointing outside the input folder"
                            )
                            continue
                    yield path
        else:
            yield given


def _detect(path: Path, head: str) -> ModuleType | None:
    for importer in IMPORTERS:
        if importer.sniff(path, head):
            return importer
    return None


def _finalise(
    article: Article, source: str, authority: Authority | None, now: str, config: Config,
    publishers: Publishers | None = None,
) -> Article:
    """Clean a record, fill derived fields (hash, id, provenance, organisations), validate it."""
    body = normalise_body(article.body)
    if len(body) > config.limits.import_max_body_chars:
        raise InvalidArticle("body_too_long", location=source, size=len(body),
                             limit=config.limits.import_max_body_chars)
    title = clean_line(article.title)
    organisations, new = article.organisations, article.new_organisations
    if authority is not None:
        if organisations or new:
            canonical = []
            for name in organisations:
                found = authority.canonical(name)
                if found is None:
                    raise InvalidArticle("organisation_unknown", location=source, name=name)
                if found not in canonical:
                    canonical.append(found)
            # An organisation the article defined that the authority file has now (`archive
            # orgs add`) takes its canonical name: re-imported, the files converge on it.
            kept = []
            for label in new:
                found = authority.canonical(label)
                if found is not None and found not in canonical:
                    canonical.append(found)
                elif found is None and label not in kept:
                    kept.append(label)
            organisations, new = tuple(canonical), tuple(kept)
        else:
            country = publishers.country_of(article.publisher, article.url) if publishers \
                else None
            if country is None and config.country and countries.mentions(
                    config.country, f"{title}\n{body}"):
                # a newspaper of unknown country is the archive's own country's only when the
                # article names that country: the shared corpus's French articles filed the
                # Assemblée nationale, the Cour suprême under Mali's
                country = config.country
            found = found_in(authority, title, body, country)
            organisations, new = found.organisations, found.labels
    chash = content_hash(body)
    article = article.replace(
        title=title,
        body=body,
        section=clean_line(article.section) or None if article.section else None,
        author=tuple(clean_line(a) for a in article.author if clean_line(a)),
        # hidden characters out of what pages show and link to (title, section and author too)
        url=clean_line(article.url) or None if article.url else None,
        publisher=clean_line(article.publisher) or None if article.publisher else None,
        organisations=organisations,
        new_organisations=new,
        content_hash=chash,
        id=article.id or articlefile.make_id(title, _identity(article, source)),
        imported_from=article.imported_from or source,
        imported_at=article.imported_at or now,
    )
    return articlefile.validate(article, source)


def _dated_by_evidence(article: Article, first_year: int | None,
                       tweeted: Sequence[dt.date] = ()) -> Article:
    """An undated record dated from its URL, a dateline, its lead or its tweets, when they tell."""
    found = evidence_date(article, first_year, tweeted)
    return article.replace(date=found[0], date_source=found[1]) if found else article


def _identity(article: Article, source: str) -> str:
    """What names an article across re-imports: its URL, else its input file (or export
    record) and title, so that a re-scraped page with corrected text updates the same file."""
    return article.url or f"{Path(source).name}|{fold(article.title)}"


def _same_source(a: str | None, b: str | None) -> bool:
    return bool(a and b) and Path(a).name == Path(b).name


def merge(ours: Article, theirs: Article, base: importbase.Base | None
          ) -> tuple[Article, list[str]]:
    """Three-way merge of a re-imported article; also the fields both sides changed.

    ours: the article file now; theirs: the new import; base: what the last import wrote.
    Where both changed a field, the archivist's version stays (and is reported).
    """
    values: dict[str, object] = {}
    conflicts = []
    for name in importbase.MERGED_FIELDS:
        if name == "new_organisations":
            continue  # merged with organisations, as one field
        mine, new = _merged(ours, name), _merged(theirs, name)
        if base is None:  # imported before base records: the file's value wins where it has one
            present = any(mine) if name == "organisations" else bool(mine)
            values[name] = mine if present else new
            continue
        old = _merged(base, name)
        values[name] = new if mine in (old, new) else mine
        if mine not in (old, new) and new != old:
            conflicts.append(name)
    values["organisations"], values["new_organisations"] = values["organisations"]
    if base is not None:
        edited = importbase.body_digest(ours.body) != base.body_sha256
        moved = importbase.body_digest(theirs.body) != base.body_sha256
    else:  # the file's content_hash is the hash of the text its import wrote
        edited = ours.content_hash is not None and content_hash(ours.body) != ours.content_hash
        moved = theirs.content_hash != ours.content_hash
    body = ours.body if edited else theirs.body
    if edited and moved and ours.body != theirs.body:
        conflicts.append("body")
    return theirs.replace(id=ours.id, demo=ours.demo, body=body, **values), conflicts


def _merged(side: Article | importbase.Base, name: str) -> object:
    """A field's value as the merge compares it. An article's organisations are its authority
    names and its own ones together: an archivist who moved one from `new_organisations` to
    `organisations` (or removed it) made one edit, which a re-import keeps whole."""
    def value(field: str) -> object:
        return side.value(field) if isinstance(side, importbase.Base) else getattr(side, field)

    if name == "organisations":
        return (value("organisations"), value("new_organisations"))
    return value(name)


def _same(a: Article, b: Article) -> bool:
    return a.replace(imported_at=None) == b.replace(imported_at=None)


def import_paths(
    paths: list[Path],
    config: Config,
    *,
    dry_run: bool = False,
    mapping: dict[str, str] | None = None,
    publisher: str | None = None,
    progress: Callable | None = None,
    staged: Path | None = None,
    audit_as: str | None = None,
    inputs: dict | None = None,
) -> ImportReport:
    """Import every input into the data folder; bad inputs are reported, the rest goes on.
    `staged` names a workspace upload's staging folder (its pages are `uploaded/<name>`);
    `audit_as`, who the audit log names for the files written (with `inputs`, what was
    imported), even when the import is interrupted."""
    report = ImportReport(dry_run=dry_run)
    authority = _load_authority(config, report, "organisations not extracted")
    run = _ImportRun(
        config=config,
        options=ImportOptions(
            mapping=mapping or {},
            publisher=publisher,
            max_body_chars=config.limits.import_max_body_chars,
        ),
        authority=authority,
        existing=_load_existing(config),
        now=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        report=report,
        publishers=_load_publishers(config, report) if authority is not None else None,
        staged=staged,
    )
    files = list(collect_files(paths, run.report))
    bar = progress("import", len(files)) if progress else None
    try:
        for done, path in enumerate(files, 1):
            try:
                run.import_file(path)
            except _Unwritten as exc:
                left = len(files) - done
                report.stopped = (f"{exc.reason}; " + (f"{left} more input(s) not read; "
                                                       if left else "")
                                  + "free some space or make the archive writable, then "
                                  "import again (what was imported stays as it is)")
                break
            finally:
                if bar:
                    bar.advance()
        if bar:
            bar.close()
        if run.defined:
            report.notes.append(
                f"organisations the articles define that the authority file lacks: "
                f"{len(run.defined)} in {run.defining} articles, recorded as new_organisations "
                "('archive orgs candidates' lists them, 'archive orgs add ACRONYM' adds one)")
    finally:  # an interrupted import is recorded too, with what it wrote
        _sync(report)
        if audit_as is not None:
            _audit(config, report, audit_as, inputs or {})
    return report


def _sync(report: ImportReport) -> None:
    try:
        articlefile.sync_dirs(path.parent for path in report.written)
    except OSError as exc:
        report.notes.append(f"the written files could not be flushed to disk "
                            f"({exc.strerror}): a power cut now could lose them")


def _audit(config: Config, report: ImportReport, who: str, inputs: dict) -> None:
    """Record the article files an import changed in the audit log (none: no line)."""
    if not report.files:
        return
    try:
        audit.record(config, who, "import", files=report.files, **inputs,
                     imported=report.imported, updated=report.updated,
                     rejected=len(report.rejected),
                     **({"stopped": report.stopped} if report.stopped else {}))
    except OSError as exc:
        report.notes.append(f"the audit log {config.audit_file} could not be written "
                            f"({exc.strerror}): this import's changes are not recorded there")


def read_input(path: Path, limit: int, report: ImportReport) -> str | None:
    """The decoded text of one input file, or None after reporting why it cannot be read."""
    source = str(path)
    try:
        # O_NONBLOCK: opening a named pipe must not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                report.reject(source, "not a regular file (device, pipe or socket)")
                return None
            if info.st_size > limit:
                report.reject(source, f"{info.st_size:,} bytes, larger than the {limit:,} allowed "
                                      "(limits: import_max_bytes in archive.yaml)")
                return None
            # read(n) reserves n bytes up front: ask for the size seen, plus one to notice growth
            raw = handle.read(info.st_size + 1)
        if len(raw) > info.st_size:
            report.reject(source, "changed while being read (still being written?)")
            return None
        notes: list[str] = []
        text = decode(raw, source, notes)
        report.repaired.extend((source, note) for note in notes)
        return text
    except OSError as exc:
        report.reject(source, f"cannot be read ({exc.strerror})")
    except ArchiveError as exc:
        report.reject(source, exc.message.removeprefix(f"{source}: "))
    return None


@dataclass
class _ImportRun:
    """One import: its settings, the archive as it stands, and the report it fills."""

    config: Config
    options: ImportOptions
    authority: Authority | None
    existing: _Existing
    now: str
    report: ImportReport
    publishers: Publishers | None = None
    defined: set[str] = field(default_factory=set)  # acronyms of the articles' own bodies
    defining: int = 0  # articles that define one
    staged: Path | None = None  # a workspace upload's staging folder
    _deleted: dict[str, str] | None = None  # deleted_texts(), once read
    # ... and the same deleted articles by title, newspaper and date (`deleted_story`)
    _deleted_stories: dict[tuple[str, str, str, str], str] = field(default_factory=dict)
    # the articles this import created (no base yet in a dry run: `renamed` skips them)
    created_ids: set[str] = field(default_factory=set)
    _changes: dict[str, list[dict]] | None = None  # the audit log by file, read once if asked

    def import_file(self, path: Path) -> None:
        """Detect one input's format and accept each record it holds."""
        source = str(path)
        if has_lone_surrogate(source):
            # a name in another encoding than UTF-8 (a Latin-1 name copied from an old share):
            # it could be neither an article's provenance nor part of its id
            self.report.reject(source, "its name (or its folder's) is not UTF-8 text: rename "
                                       "it, then import it again")
            return
        text = read_input(path, self.config.limits.import_max_bytes, self.report)
        if text is None:
            return
        importer = _detect(path, text[:4096])
        if importer is None:
            self.report.reject(
                source, "unknown format (expected .txt page, .html, .jsonl, .csv or .md)"
            )
            return
        self.report.formats[importer.FORMAT] += 1
        if importer is not article_importer:
            text = self.repair(text, source)
        notices: list[Notice] = getattr(importer, "notices", lambda *a: [])(
            path, text, self.options)
        rejected = len(self.report.rejected)
        try:
            for record in importer.read(path, text, self.options):
                self.accept(record, path)
        except ArchiveError as exc:
            self.report.reject(source, exc.message.removeprefix(f"{source}: "))
        if all(name != source for name, _ in self.report.rejected[rejected:]):
            # (a file rejected whole is not imported: its columns do not matter)
            self.report.notices += [(n.source, n.message) for n in notices]

    def repair(self, text: str, source: str) -> str:
        """A source's text with its mojibake repaired before it is parsed (dates, bylines and
        breadcrumbs are read from it), said in the report."""
        text, fixed, left = repair_mojibake(text)
        if fixed or left:
            found = Cleaning(mojibake=fixed, mojibake_left=left)
            self.report.cleaning.add(found)
            self.report.repaired.append((source, found.note() or ""))
        return text

    def accept(self, record: Article | Rejected, path: Path) -> None:
        """Finalise one record, then write it as new, update, or report it as a duplicate."""
        if isinstance(record, Rejected):
            self.report.reject(record.source, record.reason)
            return
        own_word = path.suffix == articlefile.SUFFIX and bool(record.id)
        # A report names the file to fix: an article file itself, or the record of an export.
        source = str(path) if own_word else record.imported_from or self.provenance(path)
        try:
            self._accept(record, path, own_word, source)
        except _Refusal as exc:
            self.report.reject(source, exc.message)
        except _Unwritten as exc:
            if exc.stops:
                raise
            self.report.reject(source, f"{exc.reason}: the archive is as it was; fix it, "
                                       "then import this again")

    def _accept(self, record: Article, path: Path, own_word: bool, source: str) -> None:
        report, existing = self.report, self.existing
        if self.options.publisher and not record.publisher:
            record = record.replace(publisher=self.options.publisher)
        tweeted: list[dt.date] = []
        if not own_word:
            record, tweeted = self.clean(record, source)
        try:
            article = _finalise(record, source, self.authority, self.now, self.config,
                                self.publishers)
        except ArchiveError as exc:
            report.reject(source, exc.message.removeprefix(f"{source}: "))
            return
        if not own_word and article.date is None:
            # an article file is the archivist's word: a date they left out stays out
            article = _dated_by_evidence(article, self._first_year(article), tweeted)
        if article.new_organisations:
            self.defining += 1
            self.defined.update(article.new_organisations)

        problem = self.collision(article, own_word, path)
        if problem:
            report.reject(source, problem)
            return
        found = self.identify(article, source, own_word)
        if isinstance(found, str):
            report.reject(source, found)
            return
        article, match_id, base = found
        if match_id is None:
            self.add_new(article, source, own_word, base)
            return

        old_path, old = existing.by_id[match_id]
        kept = None  # what the archivist changed that the source changed too
        if own_word:
            # an article file is the archivist's own word: it replaces the stored one whole
            updated = article.replace(imported_at=old.imported_at or article.imported_at)
        elif (old.content_hash == article.content_hash
              and not _same_source(old.imported_from, article.imported_from)
              and not _same_record(old.imported_from, article.imported_from)):
            report.duplicates.append((source, f"same text as {old.id}"))
            return
        else:
            updated, conflicts = merge(old, article, base)
            if conflicts:
                kept = (str(old_path), _kept_note(conflicts, old, article))
        _count_lacking(updated, report)
        in_place = old_path == self.config.articles_dir / articlefile.relative_path(updated)
        # A source import leaves a file it does not change as it is (its layout, its comments);
        # re-importing article files is how an archivist asks to normalise them.
        # (compared as bytes: a file an old editor saved in Windows-1252 reads, and is
        # rewritten; its comment lines are part of the normal form)
        canonical = not own_word or not old_path.exists() or old_path.read_bytes() == \
            articlefile.render(old, keeping=articlefile.text_of(old_path)).encode("utf-8")
        if _same(updated, old) and in_place and canonical:
            report.unchanged += 1
        elif own_word and (undone := self.undoes(path, old_path)) is not None:
            report.reject(source, f"{undone}; {old_path} left as it is (to keep this file's "
                                  "version all the same, copy it over that one)")
            return
        elif self.write(updated, old_path, verbatim_body=not own_word):
            # (a source's update keeps the body as the archivist laid it out, if it kept it;
            # an article file re-imported is normalised, as asked)
            report.updated += 1
        else:
            report.reject(source, f"its article file {old_path} changed while this import ran "
                                  "(an edit in the workspace?): left as it is; import again "
                                  "to merge the source with it")
            return
        if kept is not None:
            report.kept_edits.append(kept)
        if not own_word:
            self.remember(article, base, source)

    def undoes(self, path: Path, old_path: Path) -> str | None:
        """Why importing the article file `path` over the archive's `old_path` would undo a
        change made there since `path` was copied (a stale copy of the file), or None.

        The audit log knows each version of a file and when it came: a file keeps its name
        (its id) when a new date moves it to another year's folder, so its changes are looked
        up by name. A change made outside the archive's tools (an editor) is known by the
        file's time only."""
        try:
            if path.resolve() == old_path.resolve():
                return None  # the archive's own file, re-imported to normalise it
            mine = hashlib.sha256(path.read_bytes()).hexdigest()
            now = hashlib.sha256(old_path.read_bytes()).hexdigest()
            copied, changed = path.stat().st_mtime, old_path.stat().st_mtime
        except OSError:
            return None  # (read when this import began: gone since, the write will tell)
        if self._changes is None:
            self._changes = {}
            for shown, changes in audit.changes_by_file(self.config).items():
                self._changes.setdefault(shown.rpartition("/")[2], []).extend(changes)
            for changes in self._changes.values():
                changes.sort(key=lambda change: change["when"])
        changes = self._changes.get(old_path.name, [])
        for change in reversed(changes):
            if change["before"] == mine and change["after"] != mine:
                return (f"this is the version of the file that {change['who']} replaced on "
                        f"{change['when'][:10]} ({change['action']}): importing it would undo "
                        "that change")
        # when the archive's file came to hold what it holds: the log's time, else the file's
        # (a checkout or a copy that wrote the same bytes again changed nothing)
        came = next((change["when"] for change in reversed(changes)
                     if change["after"] == now), None)
        if came is not None:
            try:
                changed = dt.datetime.fromisoformat(came).timestamp()
            except ValueError:
                pass
        if copied < changed:
            return (f"the archive's file was changed on {_day_and_time(changed)}, after this "
                    f"copy was last saved ({_day_and_time(copied)}): importing it would undo "
                    "that change")
        return None

    def provenance(self, path: Path) -> str:
        """What a page's `imported_from` says: its path, or `uploaded/<name>` for a workspace
        upload, whose staging folder is gone once imported (and differs at each upload)."""
        if self.staged is not None and path.parent == self.staged:
            return f"{UPLOADED}/{path.name}"
        return str(path)

    def _first_year(self, article: Article) -> int | None:
        """The publisher's first year of publication, when the publishers file knows it."""
        return self.publishers.first_year(article.publisher, article.url) \
            if self.publishers else None

    def clean(self, record: Article, source: str) -> tuple[Article, list[dt.date]]:
        """A source's record without mojibake, furniture or repeated paragraphs (counted), and
        the days of the tweets it embedded."""
        cleaned, done = clean_article(record)
        if cleaned.body != record.body and export_importer.title_was_derived(record):
            # the title was made from the body's first sentence: make it from the clean body
            cleaned = cleaned.replace(title=export_importer.derive_title(cleaned.body))
        if done:
            self.report.cleaning.add(done)
            note = done.note()
            if note:
                self.report.repaired.append((source, note))
        return cleaned, done.tweet_dates

    def collision(self, article: Article, own_word: bool, path: Path) -> str | None:
        """Why writing this article would destroy another file's content; None if it would not."""
        broken = self.existing.broken.get(article.id)
        if broken is not None:
            return (f"its article file {broken[0]} {_unreadable(broken[1])}; the import "
                    "never writes over it: fix that file (or remove it), then import again")
        shared = self.existing.shared.get(article.id)
        if shared is not None:
            # Two files of the archive claim one id: neither may replace the other.
            others = [p for p in shared if p.resolve() != path.resolve()]
            used = "is also used by" if len(others) < len(shared) else "is used by"
            return (f"id '{article.id}' {used} {' and '.join(map(str, others))}: give one of "
                    "them another id (archive check lists such files); the import writes "
                    "neither")
        owner = self.existing.by_url.get(article.url or "")
        if owner is not None and owner != article.id and (own_word or article.id in
                                                          self.existing.by_id):
            return (f"its url {article.url} belongs to article {owner} "
                    f"({self.existing.by_id.path(owner)}), not to {article.id}: "
                    "one url, one article")
        return None

    def identify(self, article: Article, source: str, own_word: bool
                 ) -> tuple[Article, str | None, importbase.Base | None] | str:
        """The archive's article this record is (its id, or None for a new one) and its base
        record; or why it is none: a record whose url is another story's."""
        existing = self.existing
        match_id = article.id if article.id in existing.by_id else None
        if match_id is None and article.url:
            match_id = existing.by_url.get(article.url)
        if own_word:
            return article, match_id, None
        base = importbase.read(self.config.data_dir, match_id or article.id)
        if match_id is None and base is None and not article.url:
            # no key of its own in the archive: the same story from a renamed export?
            match_id = self.renamed(article, source)
            if match_id is not None:
                article = article.replace(id=match_id)
                base = importbase.read(self.config.data_dir, match_id)
        if match_id is not None:
            apart = another_story(existing.by_id[match_id][1], article, base)
        else:  # a base without a file: an article the archivist deleted
            apart = base is not None and another_story_than_deleted(base, article)
        if not apart:
            return article, match_id, base
        if article.url:
            if match_id is None:
                return article, None, base  # said as deleted: nothing is lost
            old_path, old = existing.by_id[match_id]
            return (f"its url {article.url} is that of article {old.id} ({old_path}), whose "
                    "date, title and text are another's: not taken for an update of it (one "
                    "url, one article). A listing page's url? Give the record its own url, "
                    "then import it again")
        # Same file name and title, another day's text: a recurring title ("Communiqué du
        # conseil des ministres") in the numbered files of two scraping runs.
        article = article.replace(id=articlefile.make_id(
            article.title, f"{_identity(article, source)}|{article.date or article.content_hash}"))
        match_id = article.id if article.id in existing.by_id else None
        return article, match_id, importbase.read(self.config.data_dir, article.id)

    def renamed(self, article: Article, source: str) -> str | None:
        """The article an export's record is when its key (file name and title) is new but an
        article imported before this import from another file holds the same record id, title
        (as that import wrote it, or as the archivist corrected it), newspaper and date, and
        most of its text: the same story in an export the source renamed
        (`export-2019-07-06.jsonl`), perhaps corrected. None when there is none, or more than
        one.

        Only a record id says so: a red team merged two days' "Bréves de l'Est" of the same
        export (line numbers, no ids), two scraping runs' pages and two records of different
        ids, by title and text alone."""
        record = catalog.record_id(source)
        if record is None:
            return None
        existing, found = self.existing, []
        for other in existing.recorded(record):
            _path, old = existing.by_id.get(other, (None, None))
            if old is None or other in self.created_ids or old.url:
                continue  # (an article this import created is another record's)
            base = importbase.read(self.config.data_dir, other)
            if base is None or catalog.record_id(base.imported_from or "") != record:
                continue  # an article file never imported, or another record
            if fold(article.title) not in (fold(old.title), fold(str(base.value("title") or ""))):
                continue
            if (fold(str(base.value("publisher") or "")) == fold(article.publisher or "")
                    and base.value("date") == article.date
                    and text_overlap(old.body, article.body) >= SAME_TEXT):
                found.append(other)
        return found[0] if len(found) == 1 else None

    def deleted_story(self, article: Article, source: str) -> str | None:
        """The deleted article a record is by `renamed`'s test, its text aside (a deleted
        article is known only by its last import's record): the same record id from another
        file, title, newspaper and date."""
        record = catalog.record_id(source)
        if record is None or article.url:
            return None
        self.deleted_texts()
        gone = self._deleted_stories.get((record, *_story_key(
            article.title, article.publisher, article.date or "")))
        if gone is None:
            return None
        base = importbase.read(self.config.data_dir, gone)
        return None if base is None or _same_source(base.imported_from, source) else gone

    def add_new(self, article: Article, source: str, own_word: bool,
                base: importbase.Base | None) -> None:
        """A new article: written, unless it is a duplicate or was deleted by an archivist."""
        report, existing = self.report, self.existing
        twins = [existing.by_id[other][1] for other in existing.by_hash.get(
            article.content_hash or "", ()) if other in existing.by_id]
        if base is not None and twins:
            # its file is gone but its text is in another: an id the archivist changed by hand
            report.duplicates.append((source, f"same text as {twins[0].id} (no file has the id "
                                              f"{article.id} the import gave it: changed by "
                                              "hand?)"))
            return
        if base is not None:
            where = importbase.path_of(self.config.data_dir, article.id)
            report.deleted.append((source, f"article {article.id} was deleted from the archive; "
                                           f"to import it again, remove {where}"))
            return
        same = next((twin for twin in twins if not _distinct(article, twin)), None)
        if same is not None:
            report.duplicates.append((source, f"same text as {same.id}"))
            return
        if not own_word:
            gone = self.deleted_texts().get(importbase.body_digest(article.body))
            if gone is not None:
                # the same text under another key (a renamed export, a corrected title or
                # url, a shifted line number): the archivist deleted it, it stays deleted
                where = importbase.path_of(self.config.data_dir, gone)
                report.deleted.append((source, f"same text as article {gone}, which was "
                                               "deleted from the archive; to import it "
                                               f"again, remove {where}"))
                return
            gone = self.deleted_story(article, source)
            if gone is not None:  # ... or corrected too
                where = importbase.path_of(self.config.data_dir, gone)
                report.deleted.append((source, f"same title, newspaper and date as article "
                                               f"{gone}, which was deleted from the archive; "
                                               f"to import it again, remove {where}"))
                return
        if twins:
            report.same_text.append((source, f"same text as {twins[0].id}, kept as a separate "
                                             "article (another title or url: wire copy?)"))
        reason = suspicion(article.body, existing.median_words())
        if reason:
            report.suspicious.append((source, f"{reason}; imported as {article.id}"))
        self.write(article, None)
        self.created_ids.add(article.id)
        report.imported += 1  # (written: counted, whatever becomes of its import base)
        _count_lacking(article, report)
        if not own_word:
            self.remember(article, None, source)

    def deleted_texts(self) -> dict[str, str]:
        """{body fingerprint: id} of the articles an import wrote and an archivist deleted
        (their base records have no file), read once per import."""
        if self._deleted is None:
            existing = self.existing
            self._deleted = {}
            for article_id in importbase.ids(self.config.data_dir):
                if article_id not in existing.by_id and article_id not in existing.broken:
                    base = importbase.read(self.config.data_dir, article_id)
                    if base is not None and base.body_sha256:
                        self._deleted.setdefault(base.body_sha256, article_id)
                    record = catalog.record_id(base.imported_from or "") if base else None
                    if record is not None and not base.value("url"):
                        self._deleted_stories.setdefault((record, *_story_key(
                            str(base.value("title") or ""), base.value("publisher"),
                            str(base.value("date") or ""))), article_id)
        return self._deleted

    def write(self, article: Article, old_path: Path | None, verbatim_body: bool = False
              ) -> bool:
        """Write (unless dry run) and remember the article; remove its old file if it moved.
        False, writing nothing, when the old file changed since this import read it;
        `_Unwritten` when the data folder refuses the write (the archive left as it was).
        `verbatim_body`: a body that reads as the old file's is written as it is there."""
        articles_dir = self.config.articles_dir
        target = articles_dir / articlefile.relative_path(article)
        if not self.report.dry_run:
            # checked and written under the archive's write lock, as a workspace save is; a
            # Ctrl-C waits for the file to be written and noted for the audit log
            with _whole(), self._write_lock():
                if old_path is not None and _stamp(old_path) != \
                        self.existing.stamps.get(str(old_path)):
                    return False
                before, keeping = self._old_text(old_path)
                moved = old_path is not None and old_path.resolve() != target.resolve()
                if (moved or old_path is None) and (target.exists() or target.is_symlink()):
                    raise _Occupied(target)  # never written over: it is another article
                prior = before if old_path is not None and not moved else file_digest(target)
                try:
                    # an archivist's comment lines in the fields are kept
                    target = articlefile.write(articles_dir, article, sync_dir=False,
                                               keeping=keeping, verbatim_body=verbatim_body,
                                               mode_of=old_path)
                except OSError as exc:
                    raise _Unwritten(target, exc) from None
                if moved:
                    try:
                        old_path.unlink(missing_ok=True)
                    except OSError as exc:  # in two files it would be two articles
                        target.unlink(missing_ok=True)
                        raise _Unwritten(old_path, exc, "could not be moved") from None
                    self.report.changed(old_path, before, None)
                self.report.changed(target, prior, file_digest(target))
                self.report.written.append(target)
            self.existing.stamps[str(target)] = _stamp(target)
        self.existing.add(target, article)
        return True

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        """The archive's write lock; `_Unwritten` when its file cannot be made or opened (a
        read-only archive, another user's lock file)."""
        with ExitStack() as stack:
            try:
                stack.enter_context(writing(self.config))
            except OSError as exc:
                raise _Unwritten(self.config.users_path.parent / LOCK_NAME, exc,
                                 "could not be opened", stops=True) from None
            yield

    @staticmethod
    def _old_text(old_path: Path | None) -> tuple[str | None, str | None]:
        """The SHA-256 and text of the file about to be replaced (None, None: no such file);
        `_Unwritten` when it cannot be read now, since what it holds would be lost."""
        if old_path is None:
            return None, None
        try:
            raw = old_path.read_bytes()
        except FileNotFoundError:
            return None, None
        except OSError as exc:
            raise _Unwritten(old_path, exc, "could not be read before it was replaced") \
                from None
        try:
            text = decode(raw, str(old_path))
        except ArchiveError:
            text = None  # read and parsed when this import began: not binary
        return hashlib.sha256(raw).hexdigest(), text

    def remember(self, imported: Article, base: importbase.Base | None, source: str) -> None:
        """Keep what this import of a source wrote, as the base of the next merge."""
        new = importbase.base_of(imported)
        if self.report.dry_run or new == base:
            return
        target = importbase.path_of(self.config.data_dir, imported.id)
        try:
            # No fsync: a base lost in a crash only makes the next merge of this article
            # cautious.
            articlefile.write_text(target, importbase.render(new), durable=False, shared=True)
        except OSError as exc:
            if exc.errno in _FOLDER_WIDE:
                raise _Unwritten(target, exc) from None
            self.report.notices.append((source, f"imported as {imported.id}, but {target} "
                                                f"could not be written ({exc.strerror}): the "
                                                "next import of this source keeps the article "
                                                "file's value of each field that has one"))
            return
        self.report.written.append(target)


@contextmanager
def _whole() -> Iterator[None]:
    """Ctrl-C (SIGINT) held back until the block is done (in the main thread, where Python
    runs signal handlers): a file written is a file noted as written."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
        if caught:
            signal.raise_signal(signal.SIGINT)  # to the handler it was meant for


# Writes the whole data folder refuses: every next one would fail the same way.
_FOLDER_WIDE = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


class _Unwritten(Exception):
    """A file of the data folder an import could not write (or read before replacing it)."""

    def __init__(self, path: Path, exc: OSError, what: str = "could not be written",
                 stops: bool = False) -> None:
        super().__init__(str(path))
        self.reason = f"{path} {what} ({exc.strerror or type(exc).__name__})"
        self.stops = stops or exc.errno in _FOLDER_WIDE


def _day_and_time(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _story_key(title: str, publisher: object, date: str) -> tuple[str, str, str]:
    return fold(title), fold(str(publisher or "")), date


def _same_record(a: str | None, b: str | None) -> bool:
    """Two provenances naming the same export record id (`renamed`'s match)."""
    return bool(a and b) and catalog.record_id(a) is not None and \
        catalog.record_id(a) == catalog.record_id(b)


def _distinct(a: Article, b: Article) -> bool:
    """Two articles with the same text are still two when their titles or urls differ."""
    return fold(a.title) != fold(b.title) or bool(a.url and b.url and a.url != b.url)


def _kept_note(conflicts: list[str], ours: Article, theirs: Article) -> str:
    """What the archivist changed that the source changed too, and what the source says now."""
    shown = []
    for name in conflicts:
        value = getattr(theirs, name)
        if name == "body":
            said = "a new text"
        elif isinstance(value, tuple):  # authors, organisations: as a reader writes them
            said = "'" + ", ".join(value) + "'" if value else "none"
        else:
            said = repr(value)
        shown.append(f"{name} (the source now says {said})")
    return "your " + ", ".join(shown) + " kept as you left it in " + ours.id


def _count_lacking(article: Article, report: ImportReport) -> None:
    for name in COVERAGE_FIELDS:
        if not getattr(article, name):
            report.lacking[name] += 1
    if export_importer.title_was_derived(article):
        report.lacking["title"] += 1


def check_archive(config: Config) -> ImportReport:
    """Validate every article file in the data folder, as an import would."""
    report = ImportReport(dry_run=True)
    authority = _load_authority(config, report, "organisations not checked")
    publishers_at(config.publishers_file, last_good=True)  # a slip in it is said too
    _set_aside(config.publishers_file, publishers_problem(config.publishers_file), report)
    seen_ids: dict[str, Path] = {}
    seen_hashes: dict[str, tuple[Path, Article]] = {}
    promoted = 0  # articles whose new_organisations the authority file has now
    for path, right in articlefile.iter_misnamed(config.articles_dir):
        report.reject(str(path), articlefile.misnamed_reason(path.name, right))
    for path in articlefile.iter_files(config.articles_dir):
        report.checked += 1
        try:
            article = articlefile.read(path, config.limits.import_max_bytes)
        except ArchiveError as exc:
            report.reject(str(path), exc.message.removeprefix(f"{path}: "))
            continue
        expected = config.articles_dir / articlefile.relative_path(article)
        if path != expected:
            report.reject(
                str(path),
                f"should be at {expected.relative_to(config.articles_dir)} "
                "(its id and year decide its place)",
            )
        if article.id in seen_ids:
            report.reject(str(path), f"id '{article.id}' also used by {seen_ids[article.id]}")
        seen_ids.setdefault(article.id, path)
        if authority is not None:
            for name in article.organisations:
                if authority.canonical(name) != name:
                    report.reject(
                        str(path),
                        f"organisation '{name}' is not a canonical name of the authority file",
                    )
            promoted += any(authority.canonical(label) for label in article.new_organisations)
        chash = content_hash(article.body)
        if chash in seen_hashes:
            twin_path, twin = seen_hashes[chash]
            kind = report.same_text if _distinct(article, twin) else report.duplicates
            kind.append((str(path), f"same text as {twin_path}"))
        seen_hashes.setdefault(chash, (path, article))
        _count_lacking(article, report)
    if promoted:
        report.notes.append(
            f"{promoted} articles list under new_organisations an organisation the authority "
            "file has now: the index files them under its canonical name, and their next "
            "import (or 'archive import' of the article files) moves it to organisations")
    return report
