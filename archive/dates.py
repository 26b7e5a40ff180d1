"""Dates: French parsing with our own month table, validation and display with Babel."""

from __future__ import annotations

import datetime as dt
import re

from babel.dates import format_date as babel_format_date

from .textnorm import fold

MONTHS = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fev": 2, "fevr": 2, "mars": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9,
    "sept": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
    # English month names appear in exports and meta tags of bilingual sites
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}
MIN_YEAR = 1800

_MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
FRENCH_DATE_RE = re.compile(
    rf"\b(?:(?P<day>[0-3]?\d)(?:er|e)?\s+)?(?P<month>{_MONTH_WORDS})\.?\s+(?P<year>(?:1[89]|20)\d\d)\b"
)
ISO_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def max_year() -> int:
    """The latest year an article can carry (next year, for time zones and scheduled posts)."""
    return dt.date.today().year + 1


def check_date(value: str) -> str | None:
    """Return why a `YYYY`, `YYYY-MM` or `YYYY-MM-DD` value is impossible, or None if it is fine."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value)
    if not match:
        return f"date '{value}' is not YYYY-MM-DD, YYYY-MM or YYYY"
    year, month, day = (int(g) if g else None for g in match.groups())
    if not MIN_YEAR <= year <= max_year():
        return f"date '{value}' has an impossible year"
    if month is not None and not 1 <= month <= 12:
        return f"date '{value}' has an impossible month"
    if day is not None:
        try:
            dt.date(year, month, day)
        except ValueError:
            return f"date '{value}' is not a real day"
    return None


def parse_french_date(text: str) -> str | None:
    """The first French written date in text ('5 juillet 2019', 'mars 2024') as ISO, or None."""
    match = FRENCH_DATE_RE.search(fold(text))
    if not match:
        return None
    year, month = int(match["year"]), MONTHS[match["month"]]
    if match["day"]:
        value = f"{year:04d}-{month:02d}-{int(match['day']):02d}"
        if check_date(value) is None:
            return value
    value = f"{year:04d}-{month:02d}"
    return value if check_date(value) is None else None


def parse_iso_date(text: str) -> str | None:
    """The date at the start of an ISO timestamp ('2019-07-05T10:00:00Z' → '2019-07-05')."""
    match = ISO_RE.match(text.strip())
    if not match:
        return None
    year, month, day = match.groups()
    value = year + (f"-{int(month):02d}" if month else "") + (f"-{int(day):02d}" if day else "")
    return value if check_date(value) is None else None


def format_date(value: str | None, locale: str = "fr") -> str:
    """Display a stored date: '5 juillet 2019', 'juillet 2019' or '2019' (English on request)."""
    if not value:
        return ""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        return babel_format_date(dt.date(*parts), format="long", locale=locale)
    if len(parts) == 2:
        return babel_format_date(dt.date(parts[0], parts[1], 1), format="LLLL y", locale=locale)
    return str(parts[0])
