"""The app server `archive serve` runs: waitress, with settings against slow and large clients.

Waitress reads requests asynchronously (a silent socket costs no worker thread) but by default
keeps 100 connections and two minutes of silence each, and spools bodies up to 1 GiB to disk:
101 sockets trickling a byte every 45 s locked every other client out. The settings here come
from the named limits of archive.yaml; nginx in front (deploy/nginx.conf) adds what waitress
lacks, a deadline for a whole request header and body, and per-client rate limiting.
"""

from __future__ import annotations

from flask import Flask
from waitress import create_server
from waitress.server import BaseWSGIServer, MultiSocketServer

from .. import accounts
from ..config import Config
from .app import allow_address


def server_options(config: Config) -> dict[str, object]:
    """Waitress settings from the named limits, each with why."""
    limits = config.limits
    return {
        # Sockets, not threads: an idle or trickling client holds only a file descriptor, so
        # many may wait while the worker threads serve others (well under the usual 1024 fds).
        "connection_limit": limits.connection_limit,
        # A connection silent this long is closed, checked this often: a slow-loris client
        # must keep sending, and one gone quiet frees its place within seconds.
        "channel_timeout": limits.connection_idle_timeout,
        "cleanup_interval": max(1, min(10, limits.connection_idle_timeout // 3)),
        # The largest body a page takes: a larger one is answered 413 from its Content-Length
        # (or as the chunks arrive) instead of being spooled whole to a temporary file.
        "max_request_body_size": body_limit(config),
        # The request line carries the query string (16 KB at most, app.MAX_QUERY_BYTES).
        "max_request_header_size": limits.request_max_header_bytes,
        # Request data kept in memory before spooling to disk: a body never gets that far.
        "inbuf_overflow": 65_536,
        # A response waits in memory up to 1 MB (a result page, a feed), larger ones (exports)
        # spill to a temporary file; a client that stops reading holds its thread after 4 MB
        # instead of waitress's 16 MB.
        "outbuf_overflow": 1_048_576,
        "outbuf_high_watermark": 4_194_304,
        "ident": "press-archive",
        # Waitress drops X-Forwarded-* headers it was not told to trust; behind our own
        # proxies (trusted_proxies) the app's ProxyFix reads them, so that they pass.
        "clear_untrusted_proxy_headers": not config.trusted_proxies,
    }


def body_limit(config: Config) -> int:
    """The largest body waitress reads. No public page takes one; the workspace's forms and
    uploads take up to `import_max_bytes` once the archive has accounts (when the server
    starts). Waitress reads a whole body before the app refuses it, so without accounts a
    large body gets 413 unread; with them, nginx in front stops public bodies at 16 KB."""
    limits = config.limits
    try:
        workspace = bool(accounts.list_users(config))
    except accounts.AccountError:
        workspace = False  # an unreadable users file: no one can sign in
    if not workspace:
        return limits.request_max_body_bytes
    return max(limits.request_max_body_bytes, limits.workspace_form_max_bytes,
               limits.import_max_bytes)


def make_server(app: Flask, host: str, port: int, threads: int = 4
                ) -> BaseWSGIServer | MultiSocketServer:
    """A waitress server for the app on host:port (0 picks a free port), with the archive's
    settings; the app then answers the address it is bound to (see `app.allow_address`)."""
    config = app.extensions["archive"].config
    server = create_server(app, host=host, port=port, threads=threads, **server_options(config))
    allow_bound(app, host, server.effective_port)
    return server


def allow_bound(app: Flask, host: str, port: int) -> None:
    """Let the app answer the address it is bound to, and loopback when bound to every
    interface (see `app.allow_address`)."""
    allow_address(app, host, port)
    if host in ("127.0.0.1", "::1", "0.0.0.0", "::"):
        loopback = "[::1]" if ":" in host else "127.0.0.1"
        allow_address(app, loopback.strip("[]"), port)
