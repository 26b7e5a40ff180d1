"""What the last import wrote for each article: the base of a three-way merge.

A re-import compares three versions of an article's metadata, as version control merges:
the base (what the last import of its source wrote, kept here), ours (the article file as
the archivist left it) and theirs (what the source says now). A field the archivist changed,
emptied or deleted stays as they left it; a field they did not touch follows the source.

Base records live beside the articles, one small JSON file per article under
`data/imports/<xx>/<id>.json` (xx: two hex digits of the id's hash, so that no folder grows
to a million entries). They are the import's own bookkeeping, not for editing: JSON is ten
times faster to write than YAML, and a base lost in a crash only makes that article's next
merge fall back to the rule for articles imported before base records existed. They also
remember the articles an archivist deleted: an import whose article has a base record but no
file leaves it deleted and says so.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..models import Article

FOLDER = "imports"
# What an archivist may correct in a file; a re-import merges each of them three ways.
MERGED_FIELDS = ("title", "section", "author", "date", "date_source", "organisations",
                 "new_organisations", "url", "publisher", "language")
LIST_FIELDS = ("author", "organisations", "new_organisations")
ABOUT = ("what the last import of this article wrote; the next import compares the article "
         "file with it to keep the archivist's corrections (written by 'archive import')")


@dataclass(frozen=True)
class Base:
    """An article's metadata and body fingerprint as its last import wrote them."""

    fields: dict[str, object]
    body_sha256: str
    imported_from: str | None = None

    def value(self, name: str) -> object:
        """A merged field's base value, in the Article's own types (lists as tuples)."""
        value = self.fields.get(name)
        if name in LIST_FIELDS:
            return tuple(value or ())
        return value


def body_digest(body: str) -> str:
    """The exact fingerprint of a body (a change of case or spacing counts as an edit)."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def base_of(article: Article) -> Base:
    """The base record an import of this article leaves behind."""
    fields = {name: getattr(article, name) for name in MERGED_FIELDS}
    return Base({k: list(v) if k in LIST_FIELDS else v for k, v in fields.items()},
                body_digest(article.body), article.imported_from)


def path_of(data_dir: Path, article_id: str) -> Path:
    """Where the base record of an article lives."""
    shard = hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:2]
    return Path(data_dir) / FOLDER / shard / f"{article_id}.json"


def read(data_dir: Path, article_id: str) -> Base | None:
    """An article's base record; None when it has none or it cannot be read (no base known)."""
    try:
        raw = json.loads(path_of(data_dir, article_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable, or not JSON: no base is known
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("fields"), dict):
        return None
    return Base(raw["fields"], str(raw.get("body_sha256") or ""), raw.get("imported_from"))


def render(base: Base) -> str:
    """The text of a base record."""
    data = {"about": ABOUT, "imported_from": base.imported_from,
            "body_sha256": base.body_sha256, "fields": base.fields}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def ids(data_dir: Path) -> list[str]:
    """The ids of every article that has a base record (listed, not read), sorted."""
    folder = Path(data_dir) / FOLDER
    if not folder.is_dir():
        return []
    return sorted(entry.name[:-5] for shard in os.scandir(folder) if shard.is_dir()
                  for entry in os.scandir(shard.path) if entry.name.endswith(".json"))
