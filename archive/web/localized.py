"""Pages whose path is a word: French first (`/tendances`), English on request (`/trends`).

Each such page answers at both paths (a link shared in either language works), and links
name the path of the visitor's language: endpoint `x` for French, `x_en` for English.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, url_for

from .context import bp, translator

SUFFIX = {"en": "_en"}


def route(french: str, english: str, endpoint: str) -> Callable:
    """Register a view at its French path (endpoint `endpoint`) and its English one."""
    def register(view: Callable) -> Callable:
        bp.add_url_rule(french, endpoint, view)
        bp.add_url_rule(english, endpoint + SUFFIX["en"], view)
        return view
    return register


def localized_endpoint(endpoint: str, locale: str | None = None) -> str:
    """The endpoint of a page in the visitor's language, when it has a path of its own."""
    suffix = SUFFIX.get(locale or translator().locale, "")
    wanted = endpoint + suffix
    return wanted if suffix and wanted in current_app.view_functions else endpoint


def page_url(endpoint: str, **values: object) -> str:
    """A link to a page at its path in the visitor's language (`archive.trends`)."""
    return url_for(localized_endpoint(endpoint), **values)
