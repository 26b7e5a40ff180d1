"""Dates: French parsing with our own month table, validation and display with Babel."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from babel.dates import format_date as babel_format_date

from .errors import Problem, message
from .textnorm import fold

MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fev": 2, "fevr": 2, "mars": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9,
    "sept": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
    # English month names appear in exports and meta tags of bilingual sites
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}
MIN_YEAR = 1800

_MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
ISO_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def max_year() -> int:
    """The latest year an article can carry (next year, for time zones and scheduled posts)."""
    return dt.date.today().year + 1


def check_date(value: str) -> str | None:
    """Return why a `YYYY`, `YYYY-MM` or `YYYY-MM-DD` value is impossible, or None if it is fine."""
    problem = date_problem(value)
    return None if problem is None else message(problem[0], **problem[1])


def date_problem(value: str) -> Problem | None:
    """Why a date value is impossible, as an error code and its values, or None if it is fine."""
    # [0-9], not \d: other scripts' digits would pass int() yet sort apart from 0-9 in the index
    match = re.fullmatch(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?", value)
    if not match:
        return "date_format", {"value": _shown(value)}
    year, month, day = (int(g) if g else None for g in match.groups())
    if not MIN_YEAR <= year <= max_year():
        return "date_year", {"value": value}
    if month is not None and not 1 <= month <= 12:
        return "date_month", {"value": value}
    if day is not None:
        try:
            dt.date(year, month, day)
        except ValueError:
            return "date_day", {"value": value}
    return None


def _shown(value: str, limit: int = 40) -> str:
    """A wrong value as a message shows it, cut when long (a pasted paragraph, a huge number)."""
    return value if len(value) <= limit else f"{value[:limit]}…"


# ISO 8601 as the archive writes it (2025-06-01T08:00:00+00:00) and as people type it
# (a space for the T, no seconds, Z, or the date alone); fromisoformat then checks it is real.
_DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)


def datetime_problem(value: str, field: str = "imported_at") -> Problem | None:
    """Why an ISO date and time is wrong, as an error code and its values, or None."""
    if not _DATETIME_RE.fullmatch(value):
        return "datetime_format", {"field": field, "value": _shown(value)}
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return "datetime_unreal", {"field": field, "value": value}
    return None


def parse_iso_date(text: str) -> str | None:
    """The date at the start of an ISO timestamp ('2019-07-05T10:00:00Z' → '2019-07-05').

    For the timestamps machines write (meta tags, htmldate): it reads whatever date starts the
    text ('20190705' → '2019'); a value people or exports write goes to `parse_date`.
    """
    match = ISO_RE.match(text.strip())
    if not match:
        return None
    year, month, day = match.groups()
    value = year + (f"-{int(month):02d}" if month else "") + (f"-{int(day):02d}" if day else "")
    return value if check_date(value) is None else None


# The date forms parse_date reads: ISO (a time may follow), day/month/year, a written date.
_ISO_VALUE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?$")
_NUMERIC_VALUE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")
_WRITTEN_DATE = re.compile(
    rf"\b(?:(?P<day>\d{{1,2}})(?:er|e)?\s+)?(?P<month>{_MONTH_WORDS})\.*\s+(?P<year>\d{{4}})\b"
)


def parse_date(text: str, any_year: bool = False) -> str | None:
    """A date as people and exports write it, as `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; None when
    it cannot be read or is impossible.

    Read in this order: ISO (`2019`, `2019-7`, `2019-07-05`; a time may follow after `T` or a
    space), day/month/year (`05/04/2018`, `5.4.2018`, `05-04-2018`; anything may follow, such
    as a time), then the first written date in the text, French or English (`5 juillet 2019`,
    `1er mars 2024`, `05 Avril 2018 23:33`, `Publié le 3 mars 2024`, `mars 2019`), whose month
    is kept when its day does not exist. `any_year` takes any four-digit year (a search bound
    may lie in the future); otherwise the year is one an article can carry (`check_date`).
    """
    text = text.strip()
    match = _ISO_VALUE.match(text)
    if match:
        return _checked(*match.groups(), any_year=any_year)
    match = _NUMERIC_VALUE.match(text)
    if match:
        day, month, year = match.groups()
        return _checked(year, month, day, any_year=any_year)
    for match in _WRITTEN_DATE.finditer(fold(text)):
        month = str(MONTHS[match["month"]])
        found = match["day"] and _checked(match["year"], month, match["day"], any_year=any_year)
        found = found or _checked(match["year"], month, None, any_year=any_year)
        if found:
            return found
    return None


def _checked(year: str, month: str | None, day: str | None, any_year: bool) -> str | None:
    """The ISO value of these parts (digits of any script), or None when it is impossible."""
    value = f"{int(year):04d}" + (f"-{int(month):02d}" if month else "") + (
        f"-{int(day):02d}" if day else "")
    # With any year, the month and day are judged in a leap year that check_date accepts.
    judged = "2000" + value[4:] if any_year else value
    return value if check_date(judged) is None else None


# How an estimated date reads: "vers 2019" in French, "c. 2019" in English
ESTIMATE_WORDS = {"fr": "vers", "en": "c."}


# A results page shows a date per hit, and Babel took 9.4 µs to format one (0.5 kept); an archive's
# days number in the thousands.
@lru_cache(maxsize=16_384)
def format_date(value: str | None, locale: str = "fr", estimated: bool = False) -> str:
    """Display a stored date: '5 juillet 2019', '1er mai 2018', 'juillet 2019' or '2019'
    (English on request: 'July 5, 2019'); an estimate reads 'vers juillet 2019' / 'c. 2019'."""
    if not value:
        return ""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        text = babel_format_date(dt.date(*parts), format="long", locale=locale)
        if locale == "fr" and parts[2] == 1:
            text = "1er" + text[1:]  # French writes the first of the month as an ordinal
    elif len(parts) == 2:
        text = babel_format_date(dt.date(parts[0], parts[1], 1), format="LLLL y", locale=locale)
    else:
        text = str(parts[0])
    if estimated:
        text = f"{ESTIMATE_WORDS.get(locale, ESTIMATE_WORDS['en'])} {text}"
    return text
