"""What a server does once, before its first visitor, so that no visitor waits for it.

Jinja compiles a template the first time a page renders it, and Babel loads a language's
formats the first time it writes a date or a number in it: 150 to 200 ms for the 27 templates,
which the first visitor of each page paid in each worker (a worker's first organisation page
spent 153 ms compiling its four). Done in gunicorn's master before the fork, the compiled
templates are shared by every worker. The index is not touched here: each worker opens the
generation itself (prefork.py).
"""

from __future__ import annotations

from flask import Flask

from . import i18n


def warm(app: Flask) -> int:
    """Compile every template and load each interface language's formats; the number of
    templates compiled."""
    names = app.jinja_env.list_templates()
    for name in names:
        app.jinja_env.get_template(name)
    catalogs = app.extensions["archive"].catalogs
    for locale in i18n.LOCALES:
        translator = i18n.Translator(locale, catalogs)
        translator.date("2019-07-01")
        translator.number(12_345.5)
    return len(names)
