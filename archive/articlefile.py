"""The article file: YAML front matter then the body, one UTF-8 file per article."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

from .dates import check_date
from .errors import InvalidArticle, UnreadableInput
from .models import DATE_SOURCES, FIELD_NAMES, ID_RE, Article
from .textnorm import clean_line, decode, normalise_body, slugify

SUFFIX = ".md"
UNDATED_FOLDER = "sans-date"
MAX_TITLE = 500
MAX_FRONT_MATTER = 65_536
# Front matter order: what an archivist reads first comes first.
ORDER = (
    "id",
    "title",
    "section",
    "author",
    "date",
    "date_source",
    "organisations",
    "url",
    "publisher",
    "language",
    "demo",
    "imported_from",
    "imported_at",
    "content_hash",
)
LIST_FIELDS = ("author", "organisations")
# libyaml's safe loader and dumper when present: same safety, ~10x faster on big imports.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def make_id(title: str, key: str) -> str:
    """A stable, URL-safe, readable id: the title's slug and a short hash of a stable key."""
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]
    slug = slugify(title, 60) or "article"
    return f"{slug}-{digest}"


def relative_path(article: Article) -> Path:
    """Where an article lives below the articles folder: `<year>/<id>.md`."""
    folder = str(article.year) if article.year else UNDATED_FOLDER
    return Path(folder) / f"{article.id}{SUFFIX}"


def validate(article: Article, name: str = "article") -> Article:
    """Raise InvalidArticle naming the first rule the article breaks; return it otherwise."""

    def bad(reason: str) -> InvalidArticle:
        return InvalidArticle(f"{name}: {reason}")

    if not ID_RE.match(article.id or ""):
        raise bad(f"id '{article.id}' must be lowercase letters, digits and hyphens")
    if not article.title.strip():
        raise bad("missing title")
    if not any(ch.isalnum() for ch in article.title):
        raise bad("title has no letter or digit")
    if len(article.title) > MAX_TITLE:
        raise bad(f"title longer than {MAX_TITLE} characters")
    if not article.body.strip():
        raise bad("empty body")
    if article.date is not None:
        reason = check_date(article.date)
        if reason:
            raise bad(reason)
    if article.date_source is not None and article.date_source not in DATE_SOURCES:
        raise bad(f"date_source must be one of {', '.join(DATE_SOURCES)}")
    if article.url is not None and not article.url.startswith(("http://", "https://")):
        raise bad("url must start with http:// or https://")
    for field in LIST_FIELDS:
        values = getattr(article, field)
        if not all(isinstance(v, str) and v.strip() for v in values):
            raise bad(f"{field} must be a list of non-empty names")
    if not (2 <= len(article.language) <= 3 and article.language.isalpha()):
        raise bad(f"language '{article.language}' is not a language code such as fr")
    return article


def render(article: Article) -> str:
    """The file text for an article."""
    meta: dict[str, object] = {}
    for key in ORDER:
        value = getattr(article, key)
        if key in LIST_FIELDS:
            value = list(value)
        if key == "demo" and not value:
            continue
        if value is None or value == []:
            continue
        meta[key] = value
    front = yaml.dump(meta, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    return f"---\n{front}---\n\n{article.body.strip()}\n"


def _refuse_aliases(front: str, name: str) -> None:
    """Anchors and aliases have no use in an article and enable billion-laughs expansions."""
    if not any(mark in front for mark in "&*!"):
        return  # no token can be an anchor, alias or tag: skip the slow pure-Python scan
    try:
        for token in yaml.scan(front):
            if isinstance(token, (yaml.AnchorToken, yaml.AliasToken, yaml.TagToken)):
                raise InvalidArticle(f"{name}: YAML anchors, aliases and tags are not allowed")
    except yaml.YAMLError as exc:
        raise InvalidArticle(f"{name}: front matter is not valid YAML ({_short(exc)})") from None


def _short(exc: yaml.YAMLError) -> str:
    return " ".join(str(exc).split())[:200]


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return str(value)


def _as_list(value: object, field: str, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise InvalidArticle(f"{name}: {field} must be a list")
    return tuple(clean_line(str(v)) for v in value if v is not None and str(v).strip())


def parse(text: str, name: str = "article") -> Article:
    """Parse an article file's text; raise InvalidArticle with the reason when it is wrong."""
    text = text.lstrip("\ufeff")
    if not text.startswith("---"):
        raise InvalidArticle(f"{name}: no front matter (the file must start with ---)")
    end = text.find("\n---", 3)
    if end < 0:
        raise InvalidArticle(f"{name}: front matter is not closed by a --- line")
    front = text[3:end]
    if len(front) > MAX_FRONT_MATTER:
        # fields are short; a huge header is an attack on the (pure-Python) YAML token scan
        raise InvalidArticle(f"{name}: front matter longer than {MAX_FRONT_MATTER:,} characters")
    body = text[end + 4 :].lstrip("-")
    _refuse_aliases(front, name)
    try:
        meta = yaml.load(front, Loader=_Loader) or {}
    except yaml.YAMLError as exc:
        raise InvalidArticle(f"{name}: front matter is not valid YAML ({_short(exc)})") from None
    if not isinstance(meta, dict):
        raise InvalidArticle(f"{name}: front matter must be a mapping of fields")
    unknown = sorted(str(k) for k in meta if k not in FIELD_NAMES)
    if unknown:
        raise InvalidArticle(f"{name}: unknown field(s) {', '.join(unknown)}")
    date = _as_text(meta.get("date"))
    article = Article(
        id=str(meta.get("id") or ""),
        title=clean_line(str(meta.get("title") or "")),
        body=normalise_body(body),
        section=_as_text(meta.get("section")),
        author=_as_list(meta.get("author"), "author", name),
        date=date,
        date_source=_as_text(meta.get("date_source")),
        organisations=_as_list(meta.get("organisations"), "organisations", name),
        url=_as_text(meta.get("url")),
        publisher=_as_text(meta.get("publisher")),
        language=str(meta.get("language") or "fr"),
        imported_from=_as_text(meta.get("imported_from")),
        imported_at=_as_text(meta.get("imported_at"))
        if not isinstance(meta.get("imported_at"), dt.datetime)
        else meta["imported_at"].isoformat(),
        content_hash=_as_text(meta.get("content_hash")),
        demo=bool(meta.get("demo", False)),
    )
    return validate(article, name)


def read(path: Path, max_bytes: int | None = None) -> Article:
    """Read and validate one article file."""
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise UnreadableInput(f"{path}: {size:,} bytes, larger than the {max_bytes:,} allowed")
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableInput(f"{path}: cannot be read ({exc.strerror})") from None
    return parse(decode(raw, str(path)), str(path))


def write(articles_dir: Path, article: Article, sync_dir: bool = True) -> Path:
    """Write an article atomically (temp file, fsync, rename): a kill never leaves half a file.

    Batch writers pass sync_dir=False and call `sync_dirs` once at the end.
    """
    target = articles_dir / relative_path(article)
    write_text(target, render(article))
    if sync_dir:
        sync_dirs([target.parent])
    return target


def write_text(target: Path, text: str) -> None:
    """Replace a file's text atomically (temp file, fsync, rename); its folder is made."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=target.suffix, dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sync_dirs(folders: Iterable[Path]) -> None:
    """fsync folders so that the renames done in them survive a power cut."""
    for folder in set(folders):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def iter_files(articles_dir: Path) -> Iterator[Path]:
    """Every article file below the articles folder, in a stable order (temp files skipped)."""
    if not articles_dir.is_dir():
        return
    for path in sorted(articles_dir.rglob(f"*{SUFFIX}")):
        if not path.name.startswith(".") and path.is_file():
            yield path
