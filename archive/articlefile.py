"""The article file: YAML front matter then the body, one UTF-8 file per article."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

from .dates import date_problem, datetime_problem
from .errors import ArchiveError, InvalidArticle, Problem, UnreadableInput
from .models import DATE_SOURCES, ID_RE, Article
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
    "new_organisations",
    "url",
    "publisher",
    "language",
    "demo",
    "imported_from",
    "imported_at",
    "content_hash",
)
LIST_FIELDS = ("author", "organisations", "new_organisations")
TEXT_FIELDS = tuple(f for f in ORDER if f not in LIST_FIELDS and f != "demo")
# libyaml's safe loader and dumper when present: same safety, ~10x faster on big imports.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# What YAML 1.1 makes of an unquoted scalar, in an archivist's words. The front matter is only
# composed, never constructed: no value is converted (yes -> True, 007 -> 7, 12:30 -> 750), no
# impossible date or huge integer can raise, and each value keeps its line for the message.
_KINDS = {
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true/false",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:null": "empty",
}
# Besides text, what a field takes as written: the dates YAML sees in date fields (so that
# date_problem and datetime_problem judge them), and a bare year such as `date: 2019`.
_ALSO_TEXT = {"date": ("a date", "a date and time", "a number"),
              "imported_at": ("a date", "a date and time")}
_BOOLS = yaml.constructor.SafeConstructor.bool_values
_SINGULAR = {"author": "author", "organisations": "organisation",
             "new_organisations": "organisation"}
# YAML 1.1 breaks lines at NEL, LS and PS (YAML 1.2 does not): pasted into a title they would
# split it and shift every line number an editor shows; as spaces they are what clean_line makes.
_ODD_BREAKS = re.compile("[\x85\u2028\u2029]")


def as_read_back(value: str) -> str:
    """A field's value as the file will read it back: YAML 1.1's odd line breaks as spaces."""
    return _ODD_BREAKS.sub(" ", value)


# The closing line: three dashes or more, alone ("---x" is text, not the end of the fields).
_CLOSING = re.compile(r"\n---+[ \t]*(?:\n|\Z)")
# git's marks around the two sides of a conflict it could not merge
_CONFLICT_START = re.compile(r"^<<<<<<<(?: .*)?$", re.M)
_CONFLICT_END = re.compile(r"^>>>>>>>(?: .*)?$", re.M)
# the opening of a second front matter at the top of the body: a file pasted twice
_SECOND_FRONT = re.compile(r"\A\s*---[ \t]*\n(?:#.*\n)*(?:id|title)[ \t]*:")


def make_id(title: str, key: str) -> str:
    """A stable, URL-safe, readable id: the title's slug and a short hash of a stable key."""
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]
    slug = slugify(title, 60) or "article"
    return f"{slug}-{digest}"


def relative_path(article: Article) -> Path:
    """Where an article lives below the articles folder: `<year>/<id>.md`."""
    folder = str(article.year) if article.year else UNDATED_FOLDER
    return Path(folder) / f"{article.id}{SUFFIX}"


def first_problem(article: Article) -> tuple[str, Problem] | None:
    """The first rule the article breaks, as (field, (error code, values)), or None."""
    if not article.id:
        return "id", ("id_missing", {})
    if not ID_RE.match(article.id):
        return "id", ("id_invalid", {"id": _quoted(article.id)})
    if not article.title.strip():
        return "title", ("title_missing", {})
    if not any(ch.isalnum() for ch in article.title):
        return "title", ("title_no_letter", {})
    if len(article.title) > MAX_TITLE:
        return "title", ("title_too_long", {"limit": MAX_TITLE})
    if not article.body.strip():
        return "body", ("body_empty", {})
    if article.date is not None:
        problem = date_problem(article.date)
        if problem:
            return "date", problem
    if article.date_source is not None and article.date_source not in DATE_SOURCES:
        return "date_source", ("date_source_invalid", {"sources": ", ".join(DATE_SOURCES)})
    if article.url is not None and not article.url.startswith(("http://", "https://")):
        return "url", ("url_invalid", {})
    for field in LIST_FIELDS:
        values = getattr(article, field)
        if not all(isinstance(v, str) and v.strip() for v in values):
            return field, ("names_invalid", {"field": field})
    if not (2 <= len(article.language) <= 3 and article.language.isalpha()):
        return "language", ("language_invalid", {"language": _quoted(article.language)})
    if article.imported_at is not None:
        problem = datetime_problem(article.imported_at)
        if problem:
            return "imported_at", problem
    return None


def validate(article: Article, name: str = "article") -> Article:
    """Raise InvalidArticle naming the first rule the article breaks; return it otherwise."""
    problem = first_problem(article)
    if problem:
        code, params = problem[1]
        raise InvalidArticle(code, location=name, **params)
    return article


def _quoted(text: str, limit: int = 60) -> str:
    """A value as a message shows it (within its quotes): control characters escaped, cut."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:limit])
    return f"{shown}…" if len(text) > limit else shown


def render(article: Article, keeping: str | None = None, verbatim_body: bool = False) -> str:
    """The file text for an article; `keeping`, the file's text before, gives the comment
    lines of its fields (an archivist's notes), each kept above the field it preceded, and,
    with `verbatim_body`, the body as it was written there when it reads as the article's
    (its line breaks and spacing: a change of title does not reflow a poem or a list)."""
    text = _render(article)
    if keeping and verbatim_body:
        text = _with_body(text, keeping, article.body)
    return _with_comments(text, keeping) if keeping else text


def _with_body(text: str, before: str, body: str) -> str:
    try:
        _front, written = _split(before, "article")
    except InvalidArticle:
        return text
    written = written.strip("\n").rstrip()
    if not written or normalise_body(written) != body:
        return text
    return text[: text.index("\n---\n\n", 3) + 6] + written + "\n"


_KEY_LINE = re.compile(r"([A-Za-z_][\w-]*)\s*:")


def _with_comments(text: str, before: str) -> str:
    """`text` with the comment lines of `before`'s fields, above the same field (at the end of
    the fields when that field is gone)."""
    try:
        old_front, _ = _split(before, "before")
    except InvalidArticle:
        return text
    blocks: dict[str | None, list[str]] = {}
    pending: list[str] = []
    for line in old_front.split("\n"):
        if line.lstrip().startswith("#"):
            pending.append(line.strip())
        elif pending and (key := _KEY_LINE.match(line)):
            blocks.setdefault(key.group(1), []).extend(pending)
            pending = []
    if pending:
        blocks.setdefault(None, []).extend(pending)
    if not blocks:
        return text
    front, body = text[4:].split("\n---\n", 1)
    lines = []
    for line in front.split("\n"):
        key = _KEY_LINE.match(line)
        if key and key.group(1) in blocks:
            lines += blocks.pop(key.group(1))
        lines.append(line)
    lines += [comment for block in blocks.values() for comment in block]
    return "---\n" + "\n".join(lines) + "\n---\n" + body


def _render(article: Article) -> str:
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
                raise InvalidArticle("yaml_references", location=name)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, front, name) from None


# YAML's own words for the mistakes archivists make, and what to do about them.
_YAML_HINTS = (
    ("mapping values are not allowed", "a value holding ': ' must be put in quotes"),
    ("sequence entries are not allowed", "a value starting with '- ' must be put in quotes"),
    ("found unexpected end of stream", "a quote opened here is never closed"),
    ("could not find expected ':'", "this line is not a field (name: value); a value going on "
                                    "over several lines must be indented"),
    ("while scanning a block scalar", "a value starting with '|' or '>' must be put in quotes"),
)
# Errors found past their cause: the mark of the token being read shows where it started.
_STARTED_AT = (
    "while scanning a simple key", "while scanning a quoted scalar", "while parsing a flow"
)
# YAML 1.1 refuses C0 and C1 control characters (but tab, newline and NEL) and U+FFFE/U+FFFF.
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _yaml_error(exc: yaml.YAMLError, front: str, name: str) -> InvalidArticle:
    """A YAML error as `name: line N: front matter is not valid YAML (what to do)`."""
    if isinstance(exc, yaml.reader.ReaderError):
        found = _NOT_PRINTABLE.search(front)
        if found:  # libyaml gives a byte offset: find the character ourselves
            line = front.count("\n", 0, found.start()) + 1
            return InvalidArticle("yaml_invalid", location=f"{name}: line {line}",
                                  problem=f"character U+{ord(found.group()):04X} is not "
                                          "allowed: remove it")
    context = getattr(exc, "context", None) or ""
    mark = getattr(exc, "problem_mark", None)
    if context.startswith(_STARTED_AT) or mark is None:
        mark = getattr(exc, "context_mark", None) or mark
    problem = getattr(exc, "problem", None) or ""
    what = next((hint for key, hint in _YAML_HINTS if key in f"{context} {problem}"), problem)
    if mark is not None:
        char = front[mark.index] if 0 <= mark.index < len(front) else ""
        lines = front.split("\n")
        start = lines[mark.line][:1] if mark.line < len(lines) else ""
        if start == "\t":
            what = "a tab cannot indent YAML: use spaces"
        elif char == "\t":
            what = "a tab cannot stand here: use a space, or put the value in quotes"
        elif "cannot start any token" in problem and char:
            what = f"a value starting with '{char}' must be put in quotes"
        return InvalidArticle("yaml_invalid", location=f"{name}: line {mark.line + 1}",
                              problem=what or _short(exc))
    return InvalidArticle("yaml_invalid", location=name, problem=what or _short(exc))


def _short(exc: yaml.YAMLError) -> str:
    return " ".join(str(exc).split())[:200]


def parse(text: str, name: str = "article") -> Article:
    """Parse an article file's text; raise InvalidArticle with the reason when it is wrong.

    Reasons about one field start with `line N:`, counted in the file (the opening --- is 1).
    """
    front, body = _split(text, name)
    _refuse_aliases(front, name)
    fields = _fields(_compose(front, name), name)
    if "#" in front:
        _refuse_inline_comments(fields, front, name)
    article = _article(fields, body, name)
    problem = first_problem(article)
    if problem:
        field, (code, params) = problem
        where = f"{name}: line {_line(fields[field])}" if field in fields else name
        raise InvalidArticle(code, location=where, **params)
    return article


def _split(text: str, name: str) -> tuple[str, str]:
    """The front matter (from the end of the opening --- line) and the body."""
    text = text.lstrip("\ufeff")
    if "\r" in text:  # CRLF or old Mac line ends: the --- lines must still be found
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    opening = text[: text.find("\n")] if "\n" in text else text
    if not text.startswith("---") or opening.rstrip(" \t") != "---":
        raise InvalidArticle("front_matter_missing", location=name)
    closing = _CLOSING.search(text, 3)
    if closing is None:
        raise InvalidArticle("front_matter_unclosed", location=name)
    front = text[3 : closing.start()]
    if len(front) > MAX_FRONT_MATTER:
        # fields are short; a huge header is an attack on the (pure-Python) YAML token scan
        raise InvalidArticle("front_matter_too_long", location=name, limit=MAX_FRONT_MATTER)
    if _ODD_BREAKS.search(front):
        front = _ODD_BREAKS.sub(" ", front)
    conflict = _CONFLICT_START.search(text)
    if conflict is not None and _CONFLICT_END.search(text, conflict.end()):
        line = text.count("\n", 0, conflict.start()) + 1
        raise InvalidArticle("merge_conflict", location=f"{name}: line {line}")
    body = text[closing.end() :]
    if _SECOND_FRONT.match(body):
        line = text.count("\n", 0, closing.end()) + 1 + (len(body) - len(body.lstrip()))
        raise InvalidArticle("front_matter_twice", location=f"{name}: line {line}")
    return front, body


def _refuse_inline_comments(fields: dict[str, yaml.Node], front: str, name: str) -> None:
    """A ' #' after a plain value starts a comment: 'Le mouvement #MeToo' would lose a part."""
    for field, node in fields.items():
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for item in items:
            if not isinstance(item, yaml.ScalarNode) or item.style:
                continue  # a quoted value ends at its quote: a comment after it is the writer's
            end = item.end_mark.index
            stop = front.find("\n", end)
            rest = front[end:] if stop < 0 else front[end:stop]
            if rest.lstrip(" \t").startswith("#"):
                raise _bad(name, item, "inline_comment", field=field)


def _compose(front: str, name: str) -> yaml.Node | None:
    """The front matter's YAML node tree (no value constructed), or InvalidArticle."""
    try:
        loader = _Loader(front)  # the pure-Python loader checks every character here
        try:
            return loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, front, name) from None
    except RecursionError:  # the pure-Python composer recurses once per nesting level
        raise InvalidArticle("front_matter_too_deep", location=name) from None


def _line(node: yaml.Node) -> int:
    """A node's line in the file: the front matter text starts on the opening --- line."""
    return node.start_mark.line + 1


def _bad(name: str, node: yaml.Node, code: str, **params: object) -> InvalidArticle:
    return InvalidArticle(code, location=f"{name}: line {_line(node)}", **params)


def _fields(root: yaml.Node | None, name: str) -> dict[str, yaml.Node]:
    """Field name -> value node; a field given twice, unknown or not named by text is refused."""
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise _bad(name, root, "front_matter_not_mapping")
    fields: dict[str, yaml.Node] = {}
    keys: dict[str, yaml.Node] = {}
    for key, value in root.value:
        if not isinstance(key, yaml.ScalarNode):
            raise _bad(name, key, "field_name_not_word", kind=_kind(key))
        if key.value in keys:
            # libyaml would keep the last silently: the archivist meant one of the two
            raise _bad(name, key, "field_twice", field=_quoted(key.value),
                       first=_line(keys[key.value]))
        keys[key.value] = key
        fields[key.value] = value
    unknown = [key for key in keys if key not in ORDER]
    if unknown:
        where = keys[unknown[0]]
        if unknown == ["body"]:
            raise _bad(name, where, "body_in_field")
        shown = ", ".join(_quoted(k) for k in sorted(unknown))
        raise _bad(name, where, "unknown_fields", fields=shown)
    return fields


def _kind(node: yaml.Node) -> str:
    """What a node holds, as the messages name it."""
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    kind = _KINDS.get(node.tag, "text")
    if kind == "a date" and len(node.value) > 10:
        return "a date and time"
    return kind


def _hint(node: yaml.Node) -> str:
    return " (put it in quotes)" if isinstance(node, yaml.ScalarNode) else ""


def _text(fields: dict[str, yaml.Node], field: str, name: str) -> str | None:
    """A text field as written in the file, None when absent or empty."""
    node = fields.get(field)
    if node is None:
        return None
    kind = _kind(node)
    if kind == "empty":
        return None
    if kind == "text" or kind in _ALSO_TEXT.get(field, ()):
        return node.value
    raise _bad(name, node, "field_not_text", field=field, kind=kind, hint=_hint(node))


def _names(fields: dict[str, yaml.Node], field: str, name: str) -> tuple[str, ...]:
    """A list field: one name or a list of names; empty entries are skipped."""
    node = fields.get(field)
    if node is None:
        return ()
    if isinstance(node, yaml.MappingNode):
        raise _bad(name, node, "names_not_mapping", field=field)
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    names = []
    for item in items:
        kind = _kind(item)
        if kind == "empty":
            continue
        if kind != "text":
            raise _bad(name, item, "name_not_text", item=_SINGULAR[field], kind=kind,
                       hint=_hint(item))
        value = clean_line(item.value)
        if value:
            names.append(value)
    return tuple(names)


def _flag(fields: dict[str, yaml.Node], field: str, name: str) -> bool:
    """A true/false field; absent or empty is false."""
    node = fields.get(field)
    if node is None or _kind(node) == "empty":
        return False
    if _kind(node) == "true/false":
        return _BOOLS[node.value.lower()]
    quoted = isinstance(node, yaml.ScalarNode) and node.value.lower() in _BOOLS
    hint = " (write it without quotes)" if quoted else ""
    raise _bad(name, node, "flag_not_bool", field=field, kind=_kind(node), hint=hint)


def _article(fields: dict[str, yaml.Node], body: str, name: str) -> Article:
    """The Article the fields describe, each value of the type its field needs."""
    text = {field: _text(fields, field, name) for field in TEXT_FIELDS}
    return Article(
        id=text["id"] or "",
        title=clean_line(text["title"] or ""),
        body=normalise_body(body),
        section=text["section"],
        author=_names(fields, "author", name),
        date=text["date"],
        date_source=text["date_source"],
        organisations=_names(fields, "organisations", name),
        new_organisations=_names(fields, "new_organisations", name),
        url=clean_line(text["url"]) or None if text["url"] else None,
        publisher=clean_line(text["publisher"]) or None if text["publisher"] else None,
        language=text["language"] or "fr",
        imported_from=text["imported_from"],
        imported_at=text["imported_at"],
        content_hash=text["content_hash"],
        demo=_flag(fields, "demo", name),
    )


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


def text_of(path: Path) -> str | None:
    """A file's text as `read` decodes it, or None when it cannot be read (best effort)."""
    try:
        return decode(path.read_bytes(), str(path))
    except (OSError, ArchiveError):
        return None


def write(articles_dir: Path, article: Article, sync_dir: bool = True,
          keeping: str | None = None, verbatim_body: bool = False,
          mode_of: Path | None = None) -> Path:
    """Write an article atomically (temp file, fsync, rename): a kill never leaves half a file;
    `keeping`, the file's text before, gives the comment lines to keep (and the body's
    layout, with `verbatim_body`: `render`); `mode_of`, the file it replaces (moved by a new
    date), its mode.

    Batch writers pass sync_dir=False and call `sync_dirs` once at the end.
    """
    target = articles_dir / relative_path(article)
    write_text(target, render(article, keeping, verbatim_body), shared=True, mode_of=mode_of)
    if sync_dir:
        sync_dirs([target.parent])
    return target


def write_text(target: Path, text: str, durable: bool = True, shared: bool = False,
               mode_of: Path | None = None) -> None:
    """Replace a file's text atomically (temp file, fsync unless not `durable`, rename).

    The file is its owner's only (mkstemp's mode), unless `shared`: then it keeps the mode of
    the file it replaces (or `mode_of`'s, the file it moves), or takes a new file's (0666 less
    the umask), as an editor saves it.
    (Article files written 0600 by an import were unreadable to the web server's account and
    to the other archivists sharing the folder.)
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=target.suffix, dir=target.parent)
    try:
        if shared:
            os.fchmod(fd, shared_mode(mode_of if mode_of is not None and mode_of.exists()
                                      else target))
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def shared_mode(target: Path) -> int:
    """The permission bits for a shared file written over `target`: its own, or a new
    file's."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~_umask()


@functools.cache
def _umask() -> int:
    """This process's umask, read once (setting it to read it is not thread-safe, and it does
    not change while the archive runs)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def sync_dirs(folders: Iterable[Path]) -> None:
    """fsync folders so that the renames done in them survive a power cut."""
    for folder in set(folders):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def misnamed(name: str) -> str | None:
    """The name a file named almost like an article file should have (`x.MD`, `x.md `,
    `x.md.txt` -> `x.md`), or None: such a file is no article of the archive until renamed,
    and is said, never skipped silently. Hidden files and backups (`x.md~`, `x.md.bak`) are
    none."""
    if name.startswith(".") or name.endswith(SUFFIX):
        return None
    stem = name.rstrip(" \t.\r\u00a0")  # a space, a dot or a Windows line end after it
    if stem.lower().endswith(SUFFIX + ".txt"):  # an editor that saved it as text
        stem = stem[:-4]
    if stem.lower().endswith(SUFFIX) and len(stem) > len(SUFFIX):
        return stem[:-len(SUFFIX)] + SUFFIX
    return None


def misnamed_reason(name: str, right: str) -> str:
    """Why a misnamed file is left out, and what to do, for a report line."""
    if name.rstrip(" \t.\r\u00a0") != name:
        why = f"its name ends with a space or a dot after {SUFFIX}"
    elif name.lower().endswith(SUFFIX + ".txt"):
        why = f"its name ends in {name[-4:]} after {SUFFIX} (saved as text by an editor?)"
    else:
        why = f"its name ends in {name[-len(SUFFIX):]}, not {SUFFIX}"
    return f"{why}, so it is not read as an article: rename it '{right}'"


def iter_misnamed(articles_dir: Path) -> Iterator[tuple[Path, str]]:
    """Every misnamed file below the articles folder, with the name it should have."""
    if not articles_dir.is_dir():
        return
    for path in sorted(articles_dir.rglob("*")):
        right = misnamed(path.name)
        if right is not None and path.is_file():
            yield path, right


def iter_files(articles_dir: Path) -> Iterator[Path]:
    """Every article file below the articles folder, in a stable order (temp files skipped)."""
    if not articles_dir.is_dir():
        return
    for path in sorted(articles_dir.rglob(f"*{SUFFIX}")):
        if not path.name.startswith(".") and path.is_file():
            yield path
