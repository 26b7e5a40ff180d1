"""Interface languages: French by default, English on request, with Babel catalogs and formats.

The `.po` catalogs under `archive/web/translations/` are compiled in memory when the app starts
(no `.mo` file to build or to go stale), so a fresh clone serves translated pages at once.
Message ids are English; the French catalog translates every one of them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from .. import dates

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"
NNBSP = "\u202f"  # narrow no-break space: French typography's space before : ; ! ? » and after «
_SPACE_BEFORE = re.compile(r"(?<=\S)[ \u00a0]+(?=[:;!?»])")
_SPACE_AFTER = re.compile(r"«[ \u00a0]+")


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined; translate it where it is shown."""
    return message


def choose_locale(asked: str | None, remembered: str | None, default: str = DEFAULT_LOCALE) -> str:
    """The interface language: `?lang=` first, then the cookie, then the configured default."""
    for candidate in (asked, remembered, default):
        if candidate in LOCALES:
            return candidate
    return DEFAULT_LOCALE


def french_spacing(text: str) -> str:
    """French typography: the space before `: ; ! ? »` and after `«` becomes a narrow no-break
    space, so that a line never breaks there ('Rubrique : Société' cannot end a line at ':').
    Only an existing space is replaced: `titre:grève` and `https://` stay as they are."""
    return _SPACE_AFTER.sub("«" + NNBSP, _SPACE_BEFORE.sub(NNBSP, text))


def po_path(locale: str, folder: Path = TRANSLATIONS_DIR) -> Path:
    """Where the catalog of one language lives."""
    return folder / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalog(po_file: Path) -> Translations:
    """Compile one `.po` file in memory (what `pybabel compile` writes to disk) and load it."""
    locale = po_file.parent.parent.name
    with open(po_file, "rb") as handle:
        catalog = read_po(handle, locale=locale)
    if locale == "fr":  # a message added with plain spaces still reads as French typography
        for message in catalog:
            if not message.id:  # the header: its plural formula is code, not French
                continue
            if isinstance(message.string, tuple | list):
                message.string = tuple(french_spacing(x) for x in message.string)
            elif message.string:
                message.string = french_spacing(message.string)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def load_translations(folder: Path = TRANSLATIONS_DIR) -> dict[str, NullTranslations]:
    """A translations object per supported language; English (the message ids) needs none."""
    loaded: dict[str, NullTranslations] = {}
    for locale in LOCALES:
        path = po_path(locale, folder)
        loaded[locale] = compile_catalog(path) if path.is_file() else NullTranslations()
    return loaded


class Translator:
    """gettext and formats bound to one language, for a request or a template."""

    def __init__(self, locale: str, catalogs: Mapping[str, NullTranslations]) -> None:
        self.locale = locale
        self.catalog = catalogs.get(locale) or NullTranslations()

    def gettext(self, message: str, **values: object) -> str:
        """The message in this language, with `%(name)s` placeholders filled."""
        text = self.catalog.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The singular or plural message in this language; `num` is filled with n."""
        text = self.catalog.ngettext(singular, plural, n)
        return text % {"num": self.number(n), **values}

    def date(self, value: str | None, estimated: bool = False) -> str:
        """A stored date for display: '5 juillet 2019', '1er mai 2018' or 'July 5, 2019';
        an estimate reads 'vers 2019' / 'c. 2019'."""
        try:
            return dates.format_date(value, locale=self.locale, estimated=estimated)
        except (ValueError, TypeError):
            return value or ""

    def number(self, value: int | float) -> str:
        """A number with this language's grouping: 12 345 or 12,345."""
        return _number(value, self.locale)


# Babel formats a number in ~60 µs and a results page shows a hundred counts (facets, years):
# the same few thousand counts recur, so their text is kept.
@lru_cache(maxsize=16_384, typed=True)
def _number(value: int | float, locale: str) -> str:
    return format_decimal(value, locale=locale)
