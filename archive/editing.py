"""Correcting one article file: open it, change its fields or its text, see the diff, save it.

The workspace's "fix this article" (and any other tool) goes through here, so that an edit is
validated exactly as `archive check` validates a file (`articlefile.parse`, the file's place,
its id, canonical organisations) and written as an import writes (temp file, fsync, rename).

An edit never overwrites what someone else wrote meanwhile: the caller passes the hash of the
file as it was when the form was opened (`Opened.digest`), and a save finding another hash is
refused with both versions (`EditConflict`). The three-way merge of the next import keeps an
edit without help: the base record of `data/imports/` is what the last import wrote, and an
edit makes the file differ from it; so an edit never touches the base record. A date set by
hand gets `date_source: manual`.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import articlefile
from .config import Config
from .errors import ArchiveError, InvalidArticle, Missing, NotFound, Refused
from .models import Article
from .organisations import Authority, authority_at
from .textnorm import decode
from .writelock import writing

# The fields an edit form changes, in the order it shows them.
FORM_FIELDS = ("title", "section", "author", "date", "date_source", "organisations",
               "publisher", "url")
LIST_FORM_FIELDS = ("author", "organisations")  # one name a line
MANUAL = "manual"


class EditConflict(ArchiveError):
    """The file changed on disk since the form was opened: nothing was written."""

    status = 409

    def __init__(self, rel: str, current: str, current_digest: str, proposed: str,
                 gone: bool = False) -> None:
        super().__init__(f"{rel} " + ("was moved or deleted" if gone else "changed") +
                         " since it was opened (by another archivist, an import or an "
                         "editor); nothing was saved: compare both versions")
        self.rel = rel
        self.current = current
        self.current_digest = current_digest
        self.proposed = proposed
        self.gone = gone  # no file at `rel` any more: `current` is empty


class FieldErrors(ArchiveError):
    """An edit breaks the archive's rules: the reasons, by form field; nothing was written."""

    status = 422

    def __init__(self, errors: dict[str, InvalidArticle]) -> None:
        super().__init__("; ".join(f"{name}: {error.message}" for name, error in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Opened:
    """An article file as read: its text, the hash of its bytes, and what it parses to."""

    rel: str
    path: Path
    text: str
    digest: str
    article: Article | None = None
    problem: InvalidArticle | ArchiveError | None = None  # why it does not parse


@dataclass(frozen=True)
class Saved:
    """What a save wrote: where the file was and is now, its hashes before and after."""

    rel_before: str
    rel: str
    digest_before: str
    digest: str
    moved: bool = False
    files: list[str] = field(default_factory=list)  # relative to the data folder


def digest_of(raw: bytes) -> str:
    """The hash a form carries to notice a change on disk (of the file's bytes)."""
    return hashlib.sha256(raw).hexdigest()


def locate(config: Config, rel: str) -> Path:
    """The article file `rel` names below the articles folder; anything else is refused.

    `rel` is a path such as `2019/some-id.md` (as reports name files): no absolute path, no
    `..`, no hidden file, no link leading out; NotFound when no such file exists.
    """
    root = config.articles_dir.resolve()
    parts = rel.replace("\\", "/").split("/")
    if (not rel or rel.startswith("/") or "\x00" in rel or len(rel) > 300
            or any(p in ("", ".", "..") or p.startswith(".") for p in parts)
            or not rel.endswith(articlefile.SUFFIX)):
        raise Refused("article_file_name_invalid", file=rel[:100])
    path = root.joinpath(*parts)
    if not path.resolve().is_relative_to(root) or path.is_symlink():
        raise Refused("article_file_name_invalid", file=rel[:100])
    if not path.is_file():
        raise Missing("article_file_unknown", file=rel)
    return path


def relative(config: Config, path: Path) -> str:
    """A file's name below the articles folder, as the workspace's links carry it."""
    return path.resolve().relative_to(config.articles_dir.resolve()).as_posix()


def rel_of_id(config: Config, article_id: str) -> str:
    """The file of an article id (ids are checked first: no path can be smuggled in)."""
    from .models import ID_RE

    if not ID_RE.match(article_id or ""):
        raise Refused("article_id_not_id", id=(article_id or "")[:100])
    for path in sorted(config.articles_dir.glob(f"*/{article_id}{articlefile.SUFFIX}")):
        return relative(config, path)
    raise Missing("article_unknown", id=article_id)


def open_file(config: Config, rel: str) -> Opened:
    """Read an article file for editing; one that does not parse is opened as text."""
    path = locate(config, rel)
    raw = _read_bytes(path, config)
    digest = digest_of(raw)
    try:
        text = decode(raw, rel)
    except ArchiveError as exc:  # not UTF-8 even after repair: shown as the reader sees it
        return Opened(rel, path, raw.decode("utf-8", "replace"), digest, None, exc)
    try:
        return Opened(rel, path, text, digest, articlefile.parse(text, rel))
    except InvalidArticle as exc:
        return Opened(rel, path, text, digest, None, exc)


def _read_bytes(path: Path, config: Config) -> bytes:
    try:
        size = path.stat().st_size
        if size > config.limits.import_max_bytes:
            raise InvalidArticle("file_too_big", location=path.name, size=size,
                                 limit=config.limits.import_max_bytes)
        return path.read_bytes()
    except OSError as exc:
        raise InvalidArticle("file_unreadable", location=path.name,
                             reason=exc.strerror or "error") from None


def form_values(article: Article) -> dict[str, str]:
    """An article's editable fields as a form shows them (lists one name a line)."""
    values = {}
    for name in FORM_FIELDS:
        value = getattr(article, name)
        values[name] = "\n".join(value) if name in LIST_FORM_FIELDS else (value or "")
    return values


def from_form(article: Article, form: Mapping[str, str]) -> Article:
    """The article with the form's fields (absent ones unchanged); a new date is `manual`."""
    changes: dict[str, object] = {}
    for name in FORM_FIELDS:
        if name not in form:
            continue
        value = form[name] or ""
        if name in LIST_FORM_FIELDS:
            changes[name] = tuple(line.strip() for line in value.splitlines() if line.strip())
        else:  # the preview shows what the file will read back
            changes[name] = articlefile.as_read_back(value).strip() or None
    if "title" in changes:
        changes["title"] = changes["title"] or ""
    edited = article.replace(**changes)
    if edited.date != article.date and edited.date_source == article.date_source:
        edited = edited.replace(date_source=MANUAL if edited.date else None)
    if edited.date is None:
        edited = edited.replace(date_source=None)
    return edited


def check(config: Config, rel: str, article: Article, authority: Authority | None = None,
          ids: bool = True) -> tuple[Article, dict[str, InvalidArticle]]:
    """Validate an edited article as `archive check` would; organisations named by an acronym
    or an alias take their canonical name. Returns the article to write and the reasons by
    field (empty when it can be saved). Without `ids`, whether another file holds its id is
    left to the save, which asks under the write lock."""
    errors: dict[str, InvalidArticle] = {}
    candidate = article
    original = _original(config, rel)
    for _ in range(len(FORM_FIELDS) + 1):  # one pass per field at most
        problem = articlefile.first_problem(candidate)
        if problem is None:
            break
        name, (code, params) = problem
        errors.setdefault(name, InvalidArticle(code, **params))
        if original is None or name not in FORM_FIELDS:
            break
        candidate = candidate.replace(**{name: getattr(original, name)})
    authority = authority or authority_at(config.authority_file, last_good=True)
    if authority is not None and article.organisations:
        canonical, unknown = [], []
        for name in article.organisations:
            found = authority.canonical(name)
            if found is None:
                unknown.append(name)
            elif found not in canonical:
                canonical.append(found)
        if unknown:
            errors["organisations"] = InvalidArticle("organisation_unknown", name=unknown[0])
        else:
            article = article.replace(organisations=tuple(canonical))
    if not errors:
        try:  # the text written must read back as this article (quoting, odd characters)
            articlefile.parse(articlefile.render(article), rel)
        except InvalidArticle as exc:
            errors["title"] = exc
    if ids and not errors:
        other = id_holder(config, article.id, rel)
        if other is not None:
            errors["date"] = InvalidArticle("id_taken", id=article.id, other=other)
    return article, errors


def id_holder(config: Config, article_id: str, rel: str) -> str | None:
    """Another article file with this id (in any year's folder), as `archive check` would
    find it; None when the id is only the file's at `rel`, or when no file is at `rel` any
    more (moved meanwhile, it is likely the one found: saving says it is gone)."""
    own = (config.articles_dir / rel).resolve()
    if not own.is_file():
        return None
    for path in sorted(config.articles_dir.glob(f"*/{article_id}{articlefile.SUFFIX}")):
        if path.resolve() != own:
            return path.relative_to(config.articles_dir).as_posix()
    return None


def _original(config: Config, rel: str) -> Article | None:
    try:
        return open_file(config, rel).article
    except ArchiveError:
        return None


def diff(before: str, after: str, rel: str) -> str:
    """The change as a unified diff of the file (what the page shows before saving)."""
    return "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                        after.splitlines(keepends=True),
                                        fromfile=f"a/{rel}", tofile=f"b/{rel}"))


def save_article(config: Config, rel: str, article: Article, expected: str) -> Saved:
    """Write an edited article over `rel` if the file still has the hash `expected`.

    The article is checked first (FieldErrors, nothing written); a new year moves the file to
    its new folder, as `archive check` wants it.
    """
    # the id is checked under the lock, after the version: checked before it, a save racing a
    # date change that moved the file found the moved file and was told its id was taken
    article, errors = check(config, rel, article, ids=False)
    if errors:
        raise FieldErrors(errors)
    # the comment lines of its fields (an archivist's notes) stay, above the same fields
    # (a file gone meanwhile has none: _write then says it is gone)
    # (the body, which a form does not change, as it was written)
    text = articlefile.render(article, keeping=articlefile.text_of(config.articles_dir / rel),
                              verbatim_body=True)
    try:
        return _write(config, rel, text, article, expected)
    except InvalidArticle as exc:
        if exc.code != "id_taken":
            raise
        raise FieldErrors({"date": InvalidArticle("id_taken", **exc.params)}) from None


def save_text(config: Config, rel: str, text: str, expected: str) -> Saved:
    """Write a file's corrected text over `rel` once it parses, if the file still has the hash
    `expected`; InvalidArticle (with its line) when it does not parse."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text.encode("utf-8")) > config.limits.import_max_bytes:
        raise InvalidArticle("file_too_big", location=rel, size=len(text.encode("utf-8")),
                             limit=config.limits.import_max_bytes)
    article = articlefile.parse(text, rel)
    authority = authority_at(config.authority_file, last_good=True)
    if authority is not None:
        for name in article.organisations:
            if authority.canonical(name) != name:
                raise FieldErrors({"organisations": InvalidArticle(
                    "organisation_unknown", location=rel, name=name)})
    return _write(config, rel, text, article, expected)  # which checks the id, locked


def _write(config: Config, rel: str, text: str, article: Article, expected: str) -> Saved:
    # checked and written as one step: two saves opened on one version never both succeed
    with writing(config):
        try:
            path = locate(config, rel)
        except NotFound:  # moved (a new date) or deleted meanwhile: the edit is shown, kept
            raise EditConflict(rel, "", "", text, gone=True) from None
        raw = _read_bytes(path, config)
        before = digest_of(raw)
        if before != expected:
            raise EditConflict(rel, raw.decode("utf-8", "replace"), before, text)
        target_rel = articlefile.relative_path(article).as_posix()
        target = config.articles_dir / target_rel
        other = id_holder(config, article.id, rel)
        if other is not None:  # taken meanwhile (checked again under the lock)
            raise InvalidArticle("id_taken", location=rel, id=article.id, other=other)
        articlefile.write_text(target, text, shared=True, mode_of=path)
        moved = target.resolve() != path.resolve()
        if moved:
            path.unlink(missing_ok=True)
        articlefile.sync_dirs({target.parent, path.parent} if moved else {target.parent})
    after = digest_of(text.encode("utf-8"))
    data = config.data_dir.resolve()
    files = [p.resolve().relative_to(data).as_posix() if p.resolve().is_relative_to(data)
             else str(p) for p in ([path, target] if moved else [target])]
    return Saved(rel, target_rel, before, after, moved, files)


def file_digest(path: Path) -> str | None:
    """The hash of a file's bytes, None when it cannot be read (for audit records)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


__all__ = ["EditConflict", "FieldErrors", "Opened", "Saved", "check", "diff", "digest_of",
           "file_digest", "form_values", "from_form", "locate", "open_file", "rel_of_id",
           "relative", "save_article", "save_text"]
