"""What a request shares with the app: the blueprint, services, translator, generation."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import (
    Blueprint,
    current_app,
    g,
)

from ..config import Config
from ..indexing.serving import CurrentGeneration, Generation
from . import i18n
from .i18n import Translator
from .ratelimit import RateLimiter

log = logging.getLogger(__name__)
bp = Blueprint("archive", __name__)


@dataclass
class Services:
    """What the app shares between requests: configuration, generation, catalogs, limiter."""

    config: Config
    current: CurrentGeneration
    catalogs: dict
    limiter: RateLimiter


def services() -> Services:
    """The shared services of the running app."""
    return current_app.extensions["archive"]


def translator() -> Translator:
    """The current request's translator (the default language outside a request)."""
    t = g.get("t")
    if t is None:
        s = services()
        t = g.t = Translator(i18n.choose_locale(None, None, s.config.default_language),
                             s.catalogs)
    return t


def jinja_gettext(message: str) -> str:
    return translator().catalog.gettext(message)


def jinja_ngettext(singular: str, plural: str, n: int) -> str:
    return translator().catalog.ngettext(singular, plural, n)


def generation() -> Generation:
    """The generation serving this request, taken once per request."""
    if "generation" not in g:
        g.generation = services().current.get()
    return g.generation


def request_searcher():
    """A searcher for this request's lookups by id, closed on teardown."""
    if "searcher" not in g:
        g.searcher = generation().searcher()
    return g.searcher
