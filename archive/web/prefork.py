"""`archive serve --workers N`: the app on gunicorn, one pre-forked process per core.

Waitress is one process, so one core serves Python. Gunicorn forks N workers, each with its
own app; the index generations are immutable files each worker opens read-only, so the page
cache holds them once for all. The settings follow waitress's (`server.server_options`) where
gunicorn has one; the host check stays in the app. Each worker keeps its own rate limiter
budget: nginx in front (deploy/nginx.conf, limit_req) is the per-client limit (README,
"Production"). Gunicorn needs fork and fcntl: it does not run on Windows, where `archive
serve` keeps waitress. A gthread worker's thread reads a request to its end, so a client that
trickles one holds it: unlike waitress, gunicorn must stand behind nginx, which buffers
requests (README, "Production").
"""

from __future__ import annotations

import gc
import socket

from ..config import Config

# The longest request line gunicorn accepts (its maximum short of "unlimited"); the app's own
# limit on the query string (app.MAX_QUERY_BYTES, 16 KB) is larger, so a longer search is
# refused by gunicorn with a plain 400.
REQUEST_LINE_MAX = 8190
# A worker silent this long (stuck, not busy: gthread workers beat between requests) is
# replaced; one stopping finishes its requests within the grace time.
WORKER_TIMEOUT = 60
GRACEFUL_TIMEOUT = 10


def available() -> str | None:
    """Why gunicorn cannot run here, or None when it can."""
    try:
        import gunicorn.app.base  # noqa: F401  (imports fcntl: absent on Windows)
    except ImportError as exc:
        return f"gunicorn cannot run here ({exc})"
    return None


def gunicorn_options(config: Config, workers: int, threads: int, fd: int) -> dict[str, object]:
    """Gunicorn settings from the named limits, as close to waitress's as gunicorn has."""
    limits = config.limits
    return {
        "bind": [f"fd://{fd}"],
        "workers": workers,
        # Threads in each worker, as waitress's: a slow page does not hold the whole process.
        "worker_class": "gthread",
        "threads": threads,
        # waitress's connection_limit: clients held at once by one worker.
        "worker_connections": limits.connection_limit,
        # waitress's channel_timeout: a kept-alive connection silent this long is closed.
        "keepalive": limits.connection_idle_timeout,
        "timeout": WORKER_TIMEOUT,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        # waitress's max_request_header_size, per header line; the body limit is the app's
        # MAX_CONTENT_LENGTH (413), as under waitress.
        "limit_request_line": REQUEST_LINE_MAX,
        "limit_request_field_size": limits.request_max_header_bytes,
        "limit_request_fields": 100,
        # Forwarded headers are the app's ProxyFix's, and only behind trusted_proxies (waitress
        # drops them otherwise): gunicorn reads X-Forwarded-Proto only from a local proxy then.
        "forwarded_allow_ips": "127.0.0.1,::1" if config.trusted_proxies else "",
        "proc_name": "press-archive",
        # The app is built once, before the fork (it opens no index file: each worker opens
        # the generation on its first request), its templates compiled (warmup.py), so the
        # workers share its code and start accepting together: built after the fork, the
        # first worker up took every waiting keep-alive connection (all 8 of the load
        # bench's) and the other served none.
        "preload_app": True,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (0 picks a free port), made before gunicorn starts so
    that the app knows its port (the host check) and port 0 works as with waitress."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run(config: Config, sock: socket.socket, host: str, workers: int, threads: int) -> None:
    """Serve the app on a bound socket with gunicorn until stopped (SIGINT or SIGTERM)."""
    from gunicorn.app.base import BaseApplication

    from .app import create_app
    from .server import allow_bound
    from .warmup import warm

    port = sock.getsockname()[1]
    options = gunicorn_options(config, workers, threads, sock.fileno())

    class Archive(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            app = create_app(config)
            allow_bound(app, host, port)
            warm(app)  # templates compiled once, here, for every worker
            # what the master built is never collected in a worker: its pages stay shared
            gc.freeze()
            return app

    Archive().run()
