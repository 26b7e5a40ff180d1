"""The index schema and its documents: what an Article becomes in Whoosh, and back.

Whoosh pickles the schema into every generation, naming the classes and functions of its
analyzer by their import paths. A generation records `SCHEMA_VERSION` and those paths
(`schema_classes`); one built with another version, or naming code that has moved since, is
rebuilt in full by `archive reindex` and never opened (`schema_problem`).
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import pickletools
from collections.abc import Mapping

from whoosh import columns, fields
from whoosh.analysis import RegexTokenizer

from ..engine.positions import SidecarPositions
from ..errors import InvalidArticle
from ..facets import LEGACY_FACETS, registry
from ..models import Article
from .analysis import french_analyzer

# 2: the analyzer moved to archive.indexing.analysis; 3: date_source; 4: folded facets
# (section) record the spellings counted under each value (`<facet>.spellings.json`);
# 5: the newspaper facet (`publisher_text`, its arrays, grouped by the publishers file);
# Savoy's light stemmer instead of Snowball (`analysis.STEMMER`); names and acronyms
# indexed in capitals, elided words also under their elided form; 6: each article's key terms
# stored (`keyterms`), picked while indexing, for its related articles; 7: each segment's
# positions sidecar (`engine.positions`), read by phrases and proximity instead of Whoosh's
# 8: each segment's postings sidecar (`engine.docsidecar`): document numbers and weights as
# flat arrays, read by `Postings.arrays` instead of decoding Whoosh's blocks; 9: in segments of
# 65,536 documents or more, its document numbers as uint16 low halves plus runs of high halves;
# 10: text fields' positions kept in the positions sidecar only (`SidecarPositions`)
SCHEMA_VERSION = 10
INDEX_NAME = "MAIN"
# Exact-valued multi-valued fields are indexed as one term per line: a name keeps its spaces,
# dots and commas ("Y. Doumbia", "Ministère de l'Économie, des Finances").
VALUE_SEP = "\n"


def _values_tokenizer() -> RegexTokenizer:
    return RegexTokenizer(r"[^\n]+")


def _text(analyzer, field_boost: float = 1.0, **kwargs) -> fields.TEXT:
    """A text field whose positions live in the positions sidecar only (Whoosh's postings
    keep document numbers and weights): phrases read them there."""
    field = fields.TEXT(analyzer=analyzer, field_boost=field_boost, **kwargs)
    field.format = SidecarPositions(field_boost=field_boost)
    return field


def build_schema(protected: frozenset[str] = frozenset()) -> fields.Schema:
    """The index schema: French text fields, each facet's exact field and word-search twin."""
    french = french_analyzer(protected)
    schema = {
        "id": fields.ID(unique=True, stored=True),
        "title": _text(french, field_boost=2.0, stored=True),
        "body": _text(french, stored=True),
        "date": fields.ID(stored=True, sortable=True),
        # where the date comes from (`models.DATE_SOURCES`); `text` marks an estimate
        "date_source": fields.ID(stored=True),
        "url": fields.ID(stored=True),
        "publisher": fields.ID(stored=True),
        "language": fields.ID(stored=True),
        "path": fields.ID(stored=True),
        "hash": fields.STORED(),
        # each article's key terms, a column the index writer fills (`keyterms.summary`)
        "keyterms": fields.COLUMN(columns.VarBytesColumn()),
    }
    for facet in registry():
        if facet.kind == "year":
            schema[facet.field] = fields.NUMERIC(int, bits=32, stored=True)
            continue
        # A multi-valued field holds one term per line (VALUE_SEP).
        schema[facet.field] = (fields.ID(stored=True, analyzer=_values_tokenizer())
                               if facet.multi else fields.ID(stored=True))
        if facet.text_field:
            schema[facet.text_field] = _text(french)
    return fields.Schema(**schema)


@functools.cache
def schema_classes() -> tuple[str, ...]:
    """Every class and function the pickled schema names (`module.name`), sorted."""
    names = set()
    # Protocol 2 writes each global as one GLOBAL opcode whose argument is "module name".
    for opcode, arg, _pos in pickletools.genops(pickle.dumps(build_schema(), protocol=2)):
        if opcode.name == "GLOBAL":
            names.add(".".join(str(arg).split(" ")))
    return tuple(sorted(names))


def schema_problem(manifest: Mapping[str, object]) -> str | None:
    """Why a generation's schema is not the one this code reads; None when it is."""
    version = manifest.get("schema_version")
    if version != SCHEMA_VERSION:
        return f"index schema changed (version {version}, this archive reads {SCHEMA_VERSION})"
    recorded = manifest.get("schema_classes")
    if recorded is not None and tuple(recorded) != schema_classes():
        gone = sorted(set(recorded) - set(schema_classes()))
        added = sorted(set(schema_classes()) - set(recorded))
        what = (f"it names code no longer here: {', '.join(gone)}" if gone
                else f"it lacks {', '.join(added)}")
        return f"index schema changed ({what})"
    # A facet's fields and arrays are part of the schema: another set of facets is another one.
    facets = tuple(manifest.get("facets") or LEGACY_FACETS)
    if facets != registry().names():
        return (f"index schema changed (facets {', '.join(facets)}; this archive has "
                f"{', '.join(registry().names())})")
    return None


def facet_names() -> list[str]:
    """The facets of a generation built now, for its manifest (`schema_problem` reads them)."""
    return list(registry().names())


def folded_facet_names() -> list[str]:
    """The facets whose values group their spellings (`Facet.folded`), for the manifest: a
    generation grouped otherwise still serves, and the next reindex rebuilds it whole."""
    return [f.name for f in registry() if f.folded]


def file_hash(raw: bytes) -> str:
    """The content hash the manifest records for an article file."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def document(article: Article, relpath: str, digest: str) -> dict:
    """The Whoosh document for an article, validated so that a bad value never reaches a writer."""
    doc: dict = {
        "id": article.id, "title": article.title, "body": article.body,
        "language": article.language, "path": relpath, "hash": digest,
    }
    facets = registry()
    for facet in facets:
        if facet.kind != "names":
            continue
        value = getattr(article, facet.attribute)
        if facet.multi:
            values = list(dict.fromkeys(value))
            if values:
                doc[facet.field] = VALUE_SEP.join(values)
                if facet.text_field:
                    doc[facet.text_field] = doc[facet.field]
                doc[f"_stored_{facet.field}"] = values
        elif value:
            doc[facet.field] = value
            if facet.text_field:
                doc[facet.text_field] = value
    if article.date:
        doc["date"] = article.date
        if article.date_source:
            doc["date_source"] = article.date_source
        if facets.year is not None:
            doc[facets.year.field] = getattr(article, facets.year.attribute)
    for name in ("url", "publisher"):
        if getattr(article, name):
            doc[name] = getattr(article, name)
    _check_document(doc, relpath)
    return doc


def stored_values(value: object) -> tuple[str, ...]:
    """A multi-valued stored field as a tuple (stored as a list, or as one string of lines)."""
    if not value:
        return ()
    if isinstance(value, str):
        return tuple(v for v in value.split(VALUE_SEP) if v)
    return tuple(value)


def stored_article(stored: Mapping[str, object]) -> Article:
    """The Article an index document was made from, read back from its stored fields."""
    values: dict[str, object] = {
        "id": str(stored["id"]), "title": str(stored.get("title", "")),
        "body": str(stored.get("body", "")), "date": stored.get("date"),
        "date_source": stored.get("date_source"), "url": stored.get("url"),
        "publisher": stored.get("publisher"),
        "language": str(stored.get("language") or "fr"),
    }
    for facet in registry():
        if facet.kind == "names":
            value = stored.get(facet.field)
            values[facet.attribute] = stored_values(value) if facet.multi else value
    return Article(**values)


def _check_document(doc: dict, name: str) -> None:
    """Whoosh 2.7.5 attaches a failed document's words to the next one: refuse bad values first."""
    year = registry().year
    for key, value in doc.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if year is not None and key == year.field:
                if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= 9999:
                    raise InvalidArticle("index_year_invalid", location=name, value=repr(item))
                continue
            if not isinstance(item, str) or not item.strip():
                raise InvalidArticle("index_value_invalid", location=name, field=key)
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidArticle("index_value_characters", location=name, field=key) from None
            if key.startswith("_stored_") and VALUE_SEP in item:
                raise InvalidArticle("index_name_multiline", location=name, field=key[8:])
