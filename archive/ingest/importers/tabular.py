"""JSON Lines and CSV exports: one record (line or row) becomes one Article.

Columns are found by name. `--map title=headline,body=text` names the export's column for
any of our fields; a field left unmapped is looked up under the names of DEFAULT_COLUMNS,
in order, ignoring case and accents (`Catégorie`, `THEME`, `Rubrique`). Other columns (such
as `source_dataset`) are not imported, and the import says so once per file (`Notice`).

Per record:
- the export's own id is provenance only: `imported_from` is `<file name>#<export id>`
  (or `<file name>:<line>` without an id), so re-importing the same export is stable;
- `author` is a list or a string of names joined by `et`, `and`, `&`, `,` or `;`;
  without one, a byline is taken from the end of the body (`archive.bylines`);
- `date` may be ISO, `05 Avril 2018 23:33`, `5 juillet 2019`, `2019-07`, `05/04/2018` or a
  year (`archive.dates.parse_date`; `date_source="page"`); without one, the pipeline looks
  at the URL, a dateline and the lead (`archive.ingest.pubdates`);
- the body is text, or a list of paragraphs (a JSON array; in CSV, a cell holding a JSON
  array of strings, or the Python list a pandas export writes): the paragraphs are joined;
- the body is normalised: line endings, one paragraph per line, hard-wrapped lines joined,
  leading photo credits and lone `© AGENCY` credit lines dropped;
- a whole number where text is expected (a numeric title or section column) is read as its
  digits, which JSON keeps exactly; a fraction, true/false, a list or an object is refused;
- a line JSON cannot decode (a syntax error, a key given twice, an integer of more than
  4,300 digits that Python refuses to read) is refused with its line;
- a missing title is derived from the body's first sentence (`derive_title`);
  `title_was_derived(article)` tells the pipeline which titles are derived, and stays true
  only as long as nobody corrects the title.
A bad record yields `Rejected("<path>:<line>", reason)` and the others go on.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from ...articlefile import validate
from ...config import Limits
from ...dates import max_year, parse_date
from ...errors import ConfigError, InvalidArticle
from ...models import Article
from ...textnorm import clean_line, clean_text, fold
from .. import rubrics
from ..bylines import report_credit, split_byline, split_opening_byline
from . import ImportOptions, Notice, Rejected

FORMAT = "export"
JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv", ".tsv")

# Our fields an export may fill, and the column names tried when --map does not name one.
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "title": ("title", "headline", "titre"),
    "body": ("body", "text", "content", "texte", "contenu", "article"),
    # the publisher's own division of its site, under the names exports give it
    "section": ("section", "rubrique", "categorie", "category", "rubric", "theme"),
    "author": ("author", "authors", "auteur", "auteurs", "byline"),
    "date": ("date", "published", "date_publication"),
    "url": ("url", "link", "lien"),
    "publisher": ("publisher", "source", "site", "journal"),
    "language": ("language", "lang", "langue"),
}
TITLE_MAX = 120
CSV_DELIMITERS = ",;\t|"

_AUTHOR_SPLIT = re.compile(r"\s*(?:;|,|&|\bet\b|\band\b)\s*", re.IGNORECASE)
# A credit names a photographer or agency and is not a sentence (no final full stop).
_PHOTO_CREDIT = re.compile(r"^(?:photos?|cr[ée]dits? photos?)\s*:\s*\S.{0,150}(?<![.!?])$",
                           re.IGNORECASE)
_COPYRIGHT_LINE = re.compile(r"^©\s*\S.{0,80}$")
_CONTINUES = re.compile(r"[a-zà-ÿœ,;]$")
_CONTINUATION = re.compile(r"^[a-zà-ÿœ]")
# A dateline opening the first sentence ("Paris — ", "PARIS | ", "(Paris) "): the body keeps
# it, a title made from that sentence leaves it out.
_DATELINE = re.compile(
    r"^(?:\([A-ZÀ-Ý][^()]{1,40}\)\s+|[A-ZÀ-Ý][\w'’., -]{1,40}?\s+[—–|]\s+(?=\S))")
_SENTENCE_END = re.compile(r"[.!?…]+[»”\"]?(?=\s|$)")
# A dot after these words does not end a sentence ("M. Keïta a déclaré").
_ABBREVIATIONS = {"m", "mm", "mme", "mmes", "mlle", "dr", "pr", "me", "st", "ste", "av", "cf",
                  "etc", "env", "no", "art", "gén", "col", "cdt", "lt", "sgt", "mgr", "vs",
                  "ed", "éd", "eds", "éds", "coll", "trad", "vol", "chap"}


# --- the importer interface --------------------------------------------------------------


def sniff(path: Path, head: str) -> bool:
    """A JSON Lines or CSV export, by its suffix (a `.json` file only if it holds JSON Lines)."""
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES + CSV_SUFFIXES:
        return True
    return suffix == ".json" and head.lstrip("\ufeff \t\r\n").startswith("{")


def read(path: Path, text: str, options: ImportOptions) -> Iterator[Article | Rejected]:
    """Each line (JSON Lines) or row (CSV) as an Article, or Rejected with its line number."""
    if path.suffix.lower() in CSV_SUFFIXES:
        yield from read_csv(path, text, options)
    else:
        yield from read_jsonl(path, text, options)


# --- the --map option ----------------------------------------------------------------------


def parse_mapping(spec: str) -> dict[str, str]:
    """Parse `--map title=headline,body=text` into {our field: export column}."""
    mapping: dict[str, str] = {}
    for pair in (p.strip() for p in (spec or "").split(",")):
        if not pair:
            continue
        field, sep, column = (part.strip() for part in pair.partition("="))
        if not sep or not field or not column:
            raise ConfigError(f"--map: '{pair}' is not field=column (e.g. title=headline)")
        if field not in DEFAULT_COLUMNS:
            known = ", ".join(DEFAULT_COLUMNS)
            raise ConfigError(f"--map: unknown field '{field}' (fields: {known})")
        if field in mapping:
            raise ConfigError(f"--map: field '{field}' is mapped twice")
        mapping[field] = column
    return mapping


def _columns(mapping: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """For each of our fields, the column names to try, in order."""
    return {f: (mapping[f],) if f in mapping else names for f, names in DEFAULT_COLUMNS.items()}


def _column_key(name: object) -> str:
    """A column name as it is matched: case, accents and surrounding spaces ignored."""
    return fold(str(name).strip())


def _pick(record: Mapping[str, object], names: tuple[str, ...]) -> tuple[str | None, object]:
    """The first of `names` the record has with a value (exact name, then ignoring case and
    accents)."""
    folded = {_column_key(k): k for k in record}
    for name in names:
        key = name if name in record else folded.get(_column_key(name))
        if key is not None and record[key] not in (None, ""):
            return str(key), record[key]
    return None, None


def unused_columns(names: list[str], columns: dict[str, tuple[str, ...]]) -> list[str]:
    """The columns of an export that fill none of our fields (when each field takes the
    first of its names the export has)."""
    present = {_column_key(n): n for n in reversed(names)}
    used = set()
    for candidates in columns.values():
        found = next((present[_column_key(c)] for c in candidates
                      if _column_key(c) in present), None)
        if found is not None:
            used.add(found)
    return [n for n in names if n not in used]


def notices(path: Path, text: str, options: ImportOptions) -> list[Notice]:
    """What the archivist should know about an export that is imported: the columns (of its
    header, or of its first record) that fill none of our fields."""
    text = text.lstrip("\ufeff")
    if path.suffix.lower() in CSV_SUFFIXES:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(text)
        try:
            names = [h.strip() for h in next(csv.reader(io.StringIO(text, newline=""),
                                                        delimiter=delimiter))]
        except (StopIteration, csv.Error):
            return []
    else:
        first = next((line for line in text.split("\n") if line.strip()), "")
        record, problem = _decode_line(first)
        if problem or not isinstance(record, dict):
            return []
        names = [str(k) for k in record]
    unused = unused_columns(names, _columns(options.mapping))
    if not unused:
        return []
    return [Notice(str(path), "columns not imported: " + ", ".join(unused)
                   + " (to import one, name it with --map FIELD=COLUMN)")]


# --- JSON Lines ---------------------------------------------------------------------------


def read_jsonl(path: Path, text: str, options: ImportOptions) -> Iterator[Article | Rejected]:
    """One JSON object per line; blank lines are skipped."""
    columns = _columns(options.mapping)
    first = True
    # split("\n"), not splitlines(): U+2028 and friends are legal inside JSON strings
    lines = text.lstrip("\ufeff").split("\n")
    decoded = (_decode_line(line)[0] for line in lines if line.strip())
    rubric_sites = rubrics.habitual(_openings(
        (record for record in decoded if isinstance(record, dict)), columns, options))
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        source = f"{path}:{line_no}"
        record, problem = _decode_line(line)
        if problem:
            yield Rejected(source, problem)
            continue
        if not isinstance(record, dict):
            yield Rejected(source, f"a line must be a JSON object, not {_json_type(record)}")
            continue
        if first:
            first = False
            # A file whose first record has no body field at all is not an article export
            # (a manifest, a log): one rejection for the file, not one per line.
            keys = {_column_key(k) for k in record}
            if not any(_column_key(name) in keys for name in columns["body"]):
                fields = ", ".join(str(k) for k in list(record)[:12])
                yield Rejected(str(path), f"no body field in the first record ({fields}); "
                                          "not an article export, or name it with "
                                          "--map body=<field>")
                return
        yield _record_to_article(record, columns, path, line_no, options, rubric_sites)


# What of a body shows how it opens (a credit line, then the first sentence's start): cleaning a
# whole body, or its first 1,000 characters, made the corpus's import 100 ms slower.
_OPENING_CHARS = 400


def _openings(records: Iterable[Mapping[str, object]], columns: dict[str, tuple[str, ...]],
              options: ImportOptions) -> Iterator[tuple[str, str]]:
    """(site, first paragraph) of each record an export holds, for `rubrics.habitual` (a
    record too odd to read gives none: its import says why)."""
    for record in records:
        try:
            values = {field: _pick(record, names) for field, names in columns.items()}
            key, body = values["body"]
            if body is None:
                continue
            first = next(iter(body_paragraphs(_body_text(key, body)[:_OPENING_CHARS])), "")
            url, publisher = values["url"][1], values["publisher"][1]
            yield rubrics.site_of(url if isinstance(url, str) else None,
                                  publisher if isinstance(publisher, str)
                                  else options.publisher), first
        except (InvalidArticle, ValueError, TypeError):
            continue


class _DuplicateKey(ValueError):
    """A JSON object naming a key twice (json.loads would keep the last value silently)."""


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    record = dict(pairs)
    if len(record) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return record


def _decode_line(line: str) -> tuple[object, str | None]:
    """One JSON Lines record, or None and why it cannot be decoded."""
    try:
        return json.loads(line, object_pairs_hook=_unique_keys), None
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON ({exc.msg}, column {exc.colno})"
    except RecursionError:
        return None, "invalid JSON (nested too deeply)"
    except _DuplicateKey as exc:
        return None, f"invalid JSON (key '{exc}' given twice; which one is meant?)"
    except ValueError:
        # Python refuses to read integers of more than sys.get_int_max_str_digits() digits
        # (a denial-of-service guard); json.loads raises a plain ValueError for them.
        limit = sys.get_int_max_str_digits()
        found = re.search(rf"[0-9]{{{limit + 1},}}", line)
        where = f" at column {found.start() + 1}" if found else ""
        return None, f"invalid JSON (a number of more than {limit:,} digits{where})"


def _json_type(value: object) -> str:
    names = {list: "a list", dict: "an object", str: "text", bool: "true/false",
             type(None): "null"}
    return names.get(type(value), "a number")


# --- CSV ----------------------------------------------------------------------------------


def read_csv(path: Path, text: str, options: ImportOptions) -> Iterator[Article | Rejected]:
    """A header row then one article per row; the delimiter is found from the header."""
    text = text.lstrip("\ufeff")
    limit = _max_body_chars(options)
    # Bodies may be long; the bound keeps a broken quote from swallowing the whole file.
    csv.field_size_limit(max(csv.field_size_limit(), limit + 1))
    delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(text)
    # strict: an unclosed quote is reported instead of swallowing the rest of the file
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        yield Rejected(str(path), "empty CSV file (no header row)")
        return
    except csv.Error as exc:
        yield Rejected(f"{path}:1", f"unreadable CSV header ({exc})")
        return
    problem = _header_problem(header, options.mapping)
    if problem:
        yield Rejected(str(path), problem)
        return
    columns = _columns(options.mapping)
    rubric_sites = rubrics.habitual(_openings(_csv_records(text, delimiter, header), columns,
                                              options))
    while True:
        line_no = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Rejected(f"{path}:{line_no}", f"unreadable CSV row ({exc})")
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(header):
            yield Rejected(f"{path}:{line_no}",
                           f"{len(row)} fields where the header has {len(header)}")
            continue
        yield _record_to_article(dict(zip(header, row, strict=True)), columns, path, line_no,
                                 options, rubric_sites)


def _csv_records(text: str, delimiter: str, header: list[str]) -> Iterator[dict[str, str]]:
    """The rows of a CSV export that read as records, quietly (`read_csv` reports the rest)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        next(reader)
    except (StopIteration, csv.Error):
        return
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            continue
        if len(row) == len(header):
            yield dict(zip(header, row, strict=True))


def sniff_delimiter(text: str) -> str:
    """The delimiter the header line uses most, among comma, semicolon, tab and bar."""
    header = text.split("\n", 1)[0]
    header = re.sub(r'"[^"]*"', "", header)  # a quoted column name may hold any character
    counts = {d: header.count(d) for d in CSV_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header_problem(header: list[str], mapping: Mapping[str, str]) -> str | None:
    """Why the header cannot work, or None: duplicate, missing mapped or body column."""
    seen = {h.casefold() for h in header}
    if len(seen) != len(header):
        return "the CSV header names a column twice"
    listed = ", ".join(header)
    keys = {_column_key(h) for h in header}
    for field, column in mapping.items():
        if column not in header and _column_key(column) not in keys:
            return f"--map {field}={column}: no column '{column}' in the header ({listed})"
    body_names = _columns(mapping)["body"]
    if not any(_column_key(n) in keys for n in body_names):
        return f"no body column in the header ({listed}); name it with --map body=<column>"
    return None


# --- one record -----------------------------------------------------------------------------


def _record_to_article(record: Mapping[str, object], columns: dict[str, tuple[str, ...]],
                       path: Path, line_no: int, options: ImportOptions,
                       rubric_sites: frozenset[str]) -> Article | Rejected:
    source = f"{path}:{line_no}"
    try:
        article = record_to_article(record, columns, path.name, line_no, options, rubric_sites)
        validate(article.replace(id="x"), source)  # our id comes later; check the rest now
    except InvalidArticle as exc:
        return Rejected(source, exc.message.removeprefix(f"{source}: "))
    return article


def record_to_article(record: Mapping[str, object], columns: dict[str, tuple[str, ...]],
                      file_name: str, line_no: int, options: ImportOptions,
                      rubric_sites: frozenset[str] = frozenset()) -> Article:
    """Build an Article (id="") from one export record; raise InvalidArticle when it is wrong.
    A record of one of `rubric_sites` loses the rubric glued before its first sentence."""
    values = {field: _pick(record, names) for field, names in columns.items()}

    def text(field: str) -> str | None:
        key, value = values[field]
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            # JSON digits are exact, so a numeric title or section column keeps its text;
            # a float is not (1.10 reads as 1.1), nor a list or object: those are refused.
            value = str(value)
        if not isinstance(value, str):
            raise InvalidArticle("export_value_type", key=key, field=field,
                                 kind=_json_type(value))
        return clean_line(value) or None

    key, raw_body = values["body"]
    if raw_body is None:
        names = "/".join(columns["body"])
        raise InvalidArticle("export_body_missing", names=names)
    raw_body = _body_text(key, raw_body)
    limit = _max_body_chars(options)
    if len(raw_body) > limit:
        raise InvalidArticle("export_body_too_long", size=len(raw_body), limit=limit)
    paragraphs = body_paragraphs(raw_body)
    if not paragraphs:
        raise InvalidArticle("body_empty")
    if rubrics.site_of(text("url"), text("publisher") or options.publisher) in rubric_sites:
        paragraphs[0] = paragraphs[0][rubrics.rubric_end(paragraphs[0], habit=True):]

    authors = _authors(*values["author"])
    if not authors:
        paragraphs, authors = _byline(paragraphs)
    body = "\n\n".join(paragraphs)

    date = _date(*values["date"])

    title = text("title") or derive_title(body)
    source_id = _source_id(*values["id"])
    return Article(
        id="",
        title=title,
        body=body,
        section=text("section"),
        author=authors,
        date=date,
        date_source="page" if date else None,
        url=text("url"),
        publisher=text("publisher") or options.publisher,
        language=text("language") or "fr",
        imported_from=f"{file_name}#{source_id}" if source_id else f"{file_name}:{line_no}",
    )


def _body_text(key: str | None, value: object) -> str:
    """The body as text: a list of paragraphs (a JSON array, or a CSV cell holding one) is
    joined with blank lines; any other type is refused."""
    if isinstance(value, str) and value.lstrip().startswith("[") and value.rstrip().endswith("]"):
        value = _listed_paragraphs(value.strip())
    if isinstance(value, list):
        if all(isinstance(p, str) for p in value):
            return "\n\n".join(value)
        kind = next(_json_type(p) for p in value if not isinstance(p, str))
        raise InvalidArticle("export_value_type", key=key, field="body",
                             kind=f"a list holding {kind}")
    if not isinstance(value, str):
        raise InvalidArticle("export_value_type", key=key, field="body", kind=_json_type(value))
    return value


def _listed_paragraphs(cell: str) -> list[str] | str:
    """A text cell holding a list of paragraphs as JSON (`["…", "…"]`) or as the Python list
    pandas writes (`['…', '…']`): the list; any other text (`[Vidéo] …`) as it is."""
    for read_list in (json.loads, ast.literal_eval):
        try:
            value = read_list(cell)
        except (ValueError, SyntaxError, RecursionError, MemoryError, TypeError):
            continue
        if isinstance(value, list) and value and all(isinstance(p, str) for p in value):
            return value
    return cell


def _max_body_chars(options: ImportOptions) -> int:
    # ImportOptions may carry the configured limit; the default limit applies otherwise.
    return int(getattr(options, "max_body_chars", None) or Limits().import_max_body_chars)


def _source_id(key: str | None, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidArticle("export_id_type", key=key)
    return clean_line(str(value)) or None


def _authors(key: str | None, value: object) -> tuple[str, ...]:
    """Names from a list or from one string joining several ('A et B', 'A, B', 'A; B')."""
    if value is None:
        return ()
    if isinstance(value, str):
        parts = _AUTHOR_SPLIT.split(value)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        parts = value
    else:
        raise InvalidArticle("export_author_type", key=key)
    names = (clean_line(p) for p in parts)
    return tuple(dict.fromkeys(n for n in names if n))


def _byline(paragraphs: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """The byline at the end of the body, else the one opening it, and the body without it."""
    rest, authors = split_byline(paragraphs)
    if not rest:  # a "byline" that is the whole body is not one
        return paragraphs, ()
    if not authors:
        rest, authors = split_opening_byline(list(rest))
    if not authors:
        authors = report_credit(list(rest))
    return list(rest), tuple(authors)


def _date(key: str | None, value: object) -> str | None:
    """The export's date as YYYY[-MM[-DD]]; raise InvalidArticle when it cannot be read."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 1800 <= value <= max_year():
        return str(value)
    if not isinstance(value, str):
        raise InvalidArticle("export_date_type", key=key)
    parsed = parse_date(value)
    if parsed is None:
        raise InvalidArticle("export_date_unreadable", value=value.strip()[:40])
    return parsed


# --- bodies and titles ------------------------------------------------------------------------


def body_paragraphs(raw: str) -> list[str]:
    """Clean paragraphs: any line break ends one, except inside a hard-wrapped sentence."""
    blocks = [b for b in re.split(r"\n\s*\n", clean_text(raw)) if b.strip()]
    if blocks:
        blocks = _drop_leading_credit(blocks)
    paragraphs: list[str] = []
    for line in (ln for block in blocks for ln in block.split("\n")):
        line = line.strip()  # clean_text already collapsed spaces and dropped control characters
        if not line or _COPYRIGHT_LINE.match(line):
            continue
        if paragraphs and _CONTINUES.search(paragraphs[-1]) and _CONTINUATION.match(line):
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
    return paragraphs


def _drop_leading_credit(blocks: list[str]) -> list[str]:
    """Drop a leading 'Photo: … Agence France-Presse' line, with its caption when set apart."""
    lines = blocks[0].split("\n")
    if not _PHOTO_CREDIT.match(lines[0].strip()):
        return blocks
    if len(blocks) > 1 and len(blocks[0]) <= 300:
        return blocks[1:]  # credit and caption form their own short block
    rest = "\n".join(lines[1:])
    return ([rest] if rest.strip() else []) + blocks[1:]


def derive_title(body: str) -> str:
    """A title from the body's first sentence: at most TITLE_MAX characters, cut at a word."""
    first = next((p for p in body.split("\n\n") if p.strip()), "")
    first = _DATELINE.sub("", clean_line(first), count=1)
    sentence = first
    for match in _SENTENCE_END.finditer(first):
        word = re.findall(r"\w+$", first[: match.start()])
        if word and (word[0].casefold() in _ABBREVIATIONS or len(word[0]) == 1):
            continue
        if _inside_quotes(first[: match.end()]):
            continue
        sentence = first[: match.end()]
        break
    sentence = sentence.rstrip()
    if sentence.endswith(".") and not sentence.endswith(".."):
        sentence = sentence[:-1]
    if len(sentence) <= TITLE_MAX:
        return sentence
    cut = sentence[: TITLE_MAX - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:—–-") + "…"


def _inside_quotes(text: str) -> bool:
    """Does text end inside a quotation (« », “ ” or an odd number of ")?"""
    opened = text.count("«") - text.count("»") + text.count("“") - text.count("”")
    return opened > 0 or text.count('"') % 2 == 1


def title_was_derived(article: Article) -> bool:
    """True when the article's title is the one derive_title makes from its body."""
    return article.title == derive_title(article.body)
