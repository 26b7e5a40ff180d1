"""Whole public pages kept per worker for the serving generation, and their ETags.

A generation never changes once served, so a public page is a function of the generation, the
request (scheme, host, path and query string as sent) and the language it is shown in (the
`lang` parameter or cookie); the organisation and newspaper files, which the workspace edits
without a reindex, are part of the key through their size and time. A page asked again in the
same generation is answered from memory (bounded in bytes, least recently asked out first), and
a revisit sending the page's ETag back (If-None-Match) gets 304 without a lookup. A new
generation empties the cache: nothing is shared across generations. Only 200 answers of the
listed endpoints are kept, never a streamed one (exports), one setting a cookie, one the view
marks as cut short (a search past its time limit), nor anything of the workspace.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from flask import Response, current_app, g, request

from ..config import Config

# Per worker: a search page weighs about 60 KB, an article page 20 KB.
CACHE_BYTES = 32 * 1024 * 1024
ENTRY_MAX_BYTES = 1024 * 1024
CACHED_ENDPOINTS = frozenset({
    "archive.home", "archive.search_page", "archive.article", "archive.api_search",
    "archive.api_article", "archive.feed", "archive.opensearch"})
CACHED_PREFIXES = ("archive.browse_", "archive.help")


@dataclass(frozen=True)
class Page:
    """One kept answer: its body, status and the headers its view set."""

    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]


class PageCache:
    """Answers of one generation by request key, at most `max_bytes` of bodies."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.generation = ""
        self.size = 0
        self.hits = self.misses = self.not_modified = 0
        self._pages: OrderedDict[str, Page] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, generation: str, etag: str) -> Page | None:
        """The answer kept for this key in this generation, or None (counted as a miss)."""
        with self._lock:
            page = self._pages.get(etag) if generation == self.generation else None
            if page is None:
                self.misses += 1
                return None
            self._pages.move_to_end(etag)
            self.hits += 1
            return page

    def put(self, generation: str, etag: str, page: Page) -> None:
        """Keep an answer; one of a newer generation first drops every older one."""
        if len(page.body) > min(ENTRY_MAX_BYTES, self.max_bytes):
            return
        with self._lock:
            if generation != self.generation:
                self._pages.clear()
                self.size, self.generation = 0, generation
            old = self._pages.pop(etag, None)
            if old is not None:
                self.size -= len(old.body)
            self._pages[etag] = page
            self.size += len(page.body)
            while self.size > self.max_bytes:
                _key, dropped = self._pages.popitem(last=False)
                self.size -= len(dropped.body)

    def stats(self) -> dict[str, int]:
        """Hits, misses, 304s, pages and bytes held: for benchmarks."""
        with self._lock:
            return {"hits": self.hits, "misses": self.misses,
                    "not_modified": self.not_modified, "pages": len(self._pages),
                    "bytes": self.size}


def cacheable(endpoint: str | None) -> bool:
    """Whether answers of this endpoint are a function of generation, request and language."""
    return endpoint is not None and (endpoint in CACHED_ENDPOINTS
                                     or endpoint.startswith(CACHED_PREFIXES))


def _version(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return "-"
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def etag_of(generation: str, locale: str, config: Config) -> str:
    """This request's page key, which is also its ETag (quoted, strong)."""
    # a HEAD is a GET without its body: the same page, the same key
    method = "GET" if request.method == "HEAD" else request.method
    parts = (generation, locale, method, request.scheme, request.host.lower(),
             request.full_path, _version(config.authority_file),
             _version(config.publishers_file))
    digest = hashlib.blake2b("\x00".join(parts).encode("utf-8", "surrogateescape"),
                             digest_size=16).hexdigest()
    return f'"{digest}"'


def answer(cache: PageCache, generation: str, locale: str, config: Config) -> Response | None:
    """Before the view: 304 for a revisit holding the page's ETag, the kept page, or None (then
    `keep` stores what the view answers)."""
    # HEAD too: it runs the whole view (a HEAD of a cached search recomputed it each time)
    if request.method not in ("GET", "HEAD") or not cacheable(request.endpoint):
        return None
    etag = etag_of(generation, locale, config)
    if etag in request.headers.get("If-None-Match", ""):
        cache.not_modified += 1
        response = Response(status=304)
        response.headers["ETag"] = etag
        return response
    g.page_key = (generation, etag)
    page = cache.get(generation, etag) if cache.max_bytes else None
    if page is None:
        return None
    g.page_key = None  # answered from the cache: nothing to keep again
    response = Response(page.body, status=page.status, headers=list(page.headers))
    response.headers["ETag"] = etag
    return response


def keep(cache: PageCache, response: Response) -> None:
    """After the view: keep a whole 200 answer of a cacheable page, and give it its ETag."""
    key = g.pop("page_key", None)
    if key is None or g.get("page_uncacheable") or response.status_code != 200:
        return
    if response.is_streamed or response.direct_passthrough or "Set-Cookie" in response.headers:
        return
    generation, etag = key
    if cache.max_bytes:
        cache.put(generation, etag, Page(response.get_data(), response.status_code,
                                         tuple(response.headers.items())))
    response.headers["ETag"] = etag


def page_cache() -> PageCache:
    """The running app's page cache (one per app, so one per worker process)."""
    return current_app.extensions["archive_pages"]


def uncacheable() -> None:
    """Mark this request's answer as not to be kept (cut short by a time limit)."""
    g.page_uncacheable = True
