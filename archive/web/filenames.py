"""File names of downloads: what the search was, readable in a folder of exports.

`archive-syndicat-2019-2020.csv`: a slug of the query, the filter values and the dates, bounded,
in ASCII for the `filename` parameter every browser reads, and with its accents kept in the
RFC 5987 `filename*` that modern browsers prefer (`archive-société.csv`).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from ..textnorm import fold
from .params import SearchParams

PREFIX = "archive"
SLUG_MAX = 60  # characters of the slug after the prefix: a name stays readable in a folder
_NOT_WORD = re.compile(r"[\W_]+")


def _slug(parts: list[str], ascii_only: bool) -> str:
    words = []
    for part in parts:  # words split before folding: l’école is l-ecole, not lecole
        for word in _NOT_WORD.split(part.casefold()):
            word = fold(word).encode("ascii", "ignore").decode() if ascii_only else word
            words += [w for w in _NOT_WORD.split(word) if w]
    slug = ""
    for word in words:  # whole words only, up to the bound
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > SLUG_MAX:
            break
        slug = longer
    return slug or (words[0][:SLUG_MAX] if words else "")


# What else makes two exports of the same words differ (`SearchParams`), said after the slug
# and never cut by its bound: the same search in French or English gets the same name.
_LINEAGE, _NO_ESTIMATES, _TOGETHER = "lignee", "sans-estimees", "toutes"
_SORTED = {"newest": "recents", "oldest": "anciens"}


def export_names(params: SearchParams, extension: str) -> tuple[str, str]:
    """(ASCII name, Unicode name) of an export of this search: `archive-syndicat-2019.csv`,
    `archive-untm-lignee-sans-estimees-recents.csv` (lineage, estimated dates left out,
    newest first), `archive-untm-snec-toutes.csv` (every value ticked required)."""
    parts = [params.q, *(v for _f, values in params.filters for v in values),
             params.date_from, params.date_to]
    modifiers = [_TOGETHER if params.required() else "", _LINEAGE if params.lineage else "",
                 "" if params.estimated else _NO_ESTIMATES, _SORTED.get(params.sort, "")]
    names = []
    for ascii_only in (True, False):
        slug = "-".join(p for p in (_slug([p for p in parts if p], ascii_only), *modifiers) if p)
        names.append(f"{PREFIX}-{slug}.{extension}" if slug else f"{PREFIX}.{extension}")
    return names[0], names[1]


def content_disposition(ascii_name: str, unicode_name: str | None = None) -> str:
    """An attachment header with both names: `filename` (ASCII) and `filename*` (RFC 5987)."""
    safe = re.sub(r'[^A-Za-z0-9._-]', "_", ascii_name)
    encoded = quote(unicode_name or safe, safe="")
    return f"attachment; filename=\"{safe}\"; filename*=UTF-8''{encoded}"
