"""The ids held by the base generation's unchanged files, kept compact for a full build.

A full build reads files in path order; an id an archivist mistyped as another article's must
not take that id from the file that held it (see `jobs._settled_ids`). At a million articles,
a dict of those ids held every id and path as Python strings in the job's process, and each
forked worker copied the pages of all of them (a dict copy touches every key's reference
count): hundreds of MB in each process of the tree. Here they are two UTF-8 blobs with their
offsets and a sorted table of the ids' hashes, read without writing to any of their pages.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping


class SettledIds(Mapping):
    """id -> relpath, read only; looked up by the id's hash (`hash()`: the same in a forked
    worker as in the process that built it), then compared in full."""

    def __init__(self, ids: list[str], rels: list[str]) -> None:
        if len(ids) != len(rels):
            raise ValueError("as many ids as paths are needed")
        order = sorted(range(len(ids)), key=lambda i: hash(ids[i]))
        self._hashes = array("q", (hash(ids[i]) for i in order))
        self._ids, self._id_ends = _blob(ids[i] for i in order)
        self._rels, self._rel_ends = _blob(rels[i] for i in order)

    def _row(self, article_id: str) -> int:
        """The row of an id, or -1."""
        if not isinstance(article_id, str):
            return -1
        key, hashes = hash(article_id), self._hashes
        wanted = article_id.encode("utf-8", "surrogatepass")
        i = bisect_left(hashes, key)
        while i < len(hashes) and hashes[i] == key:
            if _field(self._ids, self._id_ends, i) == wanted:
                return i
            i += 1
        return -1

    def __getitem__(self, article_id: str) -> str:
        i = self._row(article_id)
        if i < 0:
            raise KeyError(article_id)
        return _field(self._rels, self._rel_ends, i).decode("utf-8", "surrogatepass")

    def __contains__(self, article_id: object) -> bool:
        return self._row(article_id) >= 0  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[str]:
        return (_field(self._ids, self._id_ends, i).decode("utf-8", "surrogatepass")
                for i in range(len(self._hashes)))

    def __len__(self) -> int:
        return len(self._hashes)


def _blob(texts) -> tuple[bytes, array]:
    """Texts as one UTF-8 byte string and the end of each in it."""
    ends, parts, at = array("q"), [], 0
    for text in texts:
        raw = text.encode("utf-8", "surrogatepass")
        parts.append(raw)
        at += len(raw)
        ends.append(at)
    return b"".join(parts), ends


def _field(blob: bytes, ends: array, i: int) -> bytes:
    return blob[ends[i - 1] if i else 0:ends[i]]
