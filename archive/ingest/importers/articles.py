"""Article files themselves: re-importing one validates and normalises it, keeping its id."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ...articlefile import SUFFIX, parse
from ...errors import InvalidArticle
from ...models import Article
from . import ImportOptions, Rejected

FORMAT = "article file"
# Front matter naming an article field: a scraped page opening with a "---" rule is not one.
_FRONT_MATTER = re.compile(r"^\ufeff?---[ \t]*\r?\n(?:.*\n)*?(?:id|title)\s*:", re.MULTILINE)


def sniff(path: Path, head: str) -> bool:
    """An article file: the `.md` suffix, or text opening with front matter that has an id/title."""
    return path.suffix.lower() == SUFFIX or bool(_FRONT_MATTER.match(head))


def read(path: Path, text: str, options: ImportOptions) -> Iterator[Article | Rejected]:
    """The file's article, with its own id and fields, or Rejected with the first broken rule."""
    try:
        article = parse(text, str(path))
    except InvalidArticle as exc:
        yield Rejected(str(path), exc.message.removeprefix(f"{path}: "))
        return
    if article.publisher is None and options.publisher:
        article = article.replace(publisher=options.publisher)
    yield article
