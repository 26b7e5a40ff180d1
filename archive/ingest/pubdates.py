"""Publication dates an input does not state: from its address, a dateline, or an estimate.

An importer gives the date its input states (meta tags, JSON-LD, an export column, a date
printed next to the title or the byline): `date_source: page`. When it states none,
`evidence_date` looks, in this order, for

- `url`: a date in the path of the article's address. The publisher's site writes it when it
  publishes (`/2018/11/25/`, La Presse's `/201812/13/`, `/article/2020-12-24/`), so it is the
  publisher's own statement, as strong as a meta tag; it comes first because it is the
  publication date itself, where a dateline dates the dispatch.
- `dateline`: a place and a date opening the body, as agencies and papers print them
  ("Bamako, le 5 juillet 2019 –", "Paris, 21 jan 2019 (AFP) -"). A dateline without a year
  ("Bamako, 27 nov (AMAP) –") takes it from the same day written in full in the text.
- `text`: an estimate, only from current events dated in the lead (the title and the first
  two paragraphs of text, furniture lines left aside): a full date the lead ties to its own
  time by a weekday the calendar confirms ("ont tenu le jeudi 14 mars 2024", "Le mercredi
  12 juin 2024, le Conseil des Ministres s'est réuni", "ce lundi 26 mars 2018"); "ce"
  alone is not enough (the corpus's three, "ce 19 juin 1815", "ce 23 avril 2017", "ce 1er
  janvier 2019", recall or announce other days). The estimate is that date's month (the
  article may appear the next day, rarely the next month). It is dropped when the text
  mentions a later year as past (the lead then recalls an earlier event), when the date is
  announced as future or as an update ("mis à jour le"), and before the publisher's first
  year (1960 when it is unknown; `estimate_floor`).
  Failing that, the latest tweet the page embeds ("— Emmanuel Macron (@EmmanuelMacron) 15
  janvier 2019", an attribution cleaning drops): a page quotes a tweet on or after its day,
  live pages the same day. Its month is the estimate, under the same guards (a later year the
  text mentions as past, the publisher's first year). On the shared corpus, 47 articles embed
  tweets, none with a date of its own; the held-out audit's three were judged by hand and the
  estimate agrees with each (a referendum, a hostage-taking, a "grand débat" of that month).

A year the body merely mentions is never a publication date: an article on George
Washington's cook mentions 1812. Measured on the shared corpus (bench/measure_dates.py), the
former vote over every year the text mentions dated 504 of 2,330 articles, and of the 39 of
those a dated URL can check, 35 were wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from ..dates import MONTHS, check_date
from ..models import Article
from ..textnorm import fold

ESTIMATE_FLOOR = 1960  # no estimate before this year when the publisher's first year is unknown
LEAD_PARAGRAPHS = 2  # a chapeau, then the paragraph with the facts
LEAD_CHARS = 800
LEAD_MIN_CHARS = 60  # shorter paragraphs are page furniture ("Temps de lecture : 4 min")

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(WEEKDAYS)

# /2018/11/25/, /201812/13/ (La Presse), /2020-12-24/: a whole date as steps of the path
_URL_DATE = re.compile(
    r"/(?P<year>(?:19|20)\d\d)(?:/(?P<m1>\d\d)/(?P<d1>\d\d)|(?P<m2>\d\d)/(?P<d2>\d\d)"
    r"|-(?P<m3>\d\d)-(?P<d3>\d\d))(?=/|$)"
)

# A place of one to four words, an optional agency, then the date and a dash, colon, bar or
# the end of a sentence; read on folded text ("bamako, le 5 juillet 2019 –").
_DATELINE = re.compile(
    r"^(?P<place>[^\W\d_][\w'.-]*(?:[ -][^\W\d_][\w'.-]*){0,3})\s*(?:\([^)\n]{1,40}\)\s*)?,\s*"
    rf"(?:le\s+)?(?:(?:{_WEEKDAY})\s*,?\s+)?"
    rf"(?:(?P<day>[0-3]?\d)(?:er)?\s+(?P<month>{_MONTH_WORDS})\.?(?:\s+(?P<year>\d{{4}}))?"
    r"|(?P<nday>[0-3]?\d)[/.](?P<nmonth>[01]?\d)[/.](?P<nyear>\d{4}))"
    r"\s*(?:\((?P<agency>[^)\n]{2,30})\)\s*)?(?:[-–—:|]|\.(?:\s|$))"
)
_NOT_PLACES = frozenset(("le", "la", "les", "ce", "cette", "hier", "aujourd'hui", *WEEKDAYS))

# A full date after a weekday (a comma may follow it: "le dimanche, 06 octobre 2019")
_LEAD_DATE = re.compile(
    rf"\b(?P<weekday>{_WEEKDAY})\s*,?\s+"
    rf"(?P<day>[0-3]?\d)(?:er)?\s+(?P<month>{_MONTH_WORDS})\.?\s+(?P<year>\d{{4}})\b"
)
_FULL_DATE = re.compile(
    rf"\b(?P<day>[0-3]?\d)(?:er)?\s+(?P<month>{_MONTH_WORDS})\.?\s+(?P<year>\d{{4}})\b"
)
# A year the text mentions, not part of a number, a range's end or an amount ("2000 euros")
_YEAR = re.compile(r"(?<![\d.,/])(?:19|20)\d\d(?![\d/]|[.,]\d)")
_UNIT_AFTER = re.compile(
    r"\s*(?:%|€|\$|euros?\b|francs?\b|f ?cfa\b|dollars?\b|personnes\b|habitants\b|km\b|kg\b"
    r"|tonnes\b|hectares\b|ha\b|metres\b|m\b|eleves\b|candidats\b|emplois\b)"
)
# words announcing a plan, a budget or a deadline: the date after them is not yet past
_FUTURE_WORDS = frozenset(
    "d'ici horizon pour jusqu'en jusqu'au jusqu'a budget budgets exercice exercices prevu prevue "
    "prevus prevues annonce annoncee annonces annoncees prochain prochaine prochains prochaines "
    "echeance objectif vision programme programmee".split()
)
# a date after these is when the page changed, not when the events happened
_UPDATE = re.compile(r"(?:mis|mise)\s+a\s+jour|modifie|actualise")


def estimate_floor(first_year: int | None = None) -> int:
    """The earliest year an estimate may give: the publisher's first year, else 1960."""
    return first_year if first_year is not None else ESTIMATE_FLOOR


def evidence_date(article: Article, first_year: int | None = None,
                  tweeted: Sequence[dt.date] = ()) -> tuple[str, str] | None:
    """(date, date_source) from the article's URL, its dateline, its lead or the tweets it
    embedded, or None.

    `first_year` is the publisher's first year of publication, when known: no estimate
    before it (nor before 1960 when it is unknown). `tweeted` are the days of the tweet
    attributions cleaning dropped from its body.
    """
    found = url_date(article.url)
    if found:
        return found, "url"
    found = dateline_date(article.body)
    if found:
        return found, "dateline"
    found = estimate_date(article.title, article.body, first_year) or tweet_estimate(
        tweeted, article.body, first_year)
    if found:
        return found, "text"
    return None


def url_date(url: str | None) -> str | None:
    """The date a URL's path states (`/2018/11/25/slug`), or None."""
    if not url:
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    match = _URL_DATE.search(path)
    if not match:
        return None
    month, day = next((match[f"m{i}"], match[f"d{i}"]) for i in (1, 2, 3) if match[f"m{i}"])
    return _real(int(match["year"]), int(month), int(day))


def dateline_date(body: str) -> str | None:
    """The date of a dateline opening the body ("Bamako, le 5 juillet 2019 –"), or None."""
    head = _folded(body[:200])
    match = _DATELINE.match(head)
    if not match or match["place"] in _NOT_PLACES:
        return None
    if match["nday"]:
        return _real(int(match["nyear"]), int(match["nmonth"]), int(match["nday"]))
    day, month = int(match["day"]), MONTHS[match["month"]]
    if match["year"]:
        return _real(int(match["year"]), month, day)
    # "Bamako, 27 nov (AMAP) –": the year of the same day written in full in the text
    years = {int(m["year"]) for m in _FULL_DATE.finditer(_folded(body))
             if int(m["day"]) == day and MONTHS[m["month"]] == month}
    return _real(years.pop(), month, day) if len(years) == 1 else None


def estimate_date(title: str, body: str, first_year: int | None = None) -> str | None:
    """The month of the current events the lead dates (`YYYY-MM`), or None (module doc)."""
    paragraphs = [p for p in body.split("\n") if len(p.strip()) >= LEAD_MIN_CHARS]
    lead = _folded("\n".join([title, *paragraphs[:LEAD_PARAGRAPHS]])[: len(title) + LEAD_CHARS])
    floor, today = estimate_floor(first_year), dt.date.today()
    found: list[dt.date] = []
    for match in _LEAD_DATE.finditer(lead):
        try:
            date = dt.date(int(match["year"]), MONTHS[match["month"]], int(match["day"]))
        except ValueError:
            continue
        if WEEKDAYS[date.weekday()] != match["weekday"]:
            continue  # a weekday the calendar denies: a typo, or not this date
        start = match.start()
        if _future(lead, start) or _UPDATE.search(lead[max(0, start - 30) : start]):
            continue
        if floor <= date.year and date <= today:
            found.append(date)
    if not found:
        return None
    date = max(found)
    if any(year > date.year for year in past_years(body)):
        return None  # the lead recalls an earlier event: the text is of a later year
    return f"{date.year:04d}-{date.month:02d}"


def tweet_estimate(tweeted: Sequence[dt.date], body: str,
                   first_year: int | None = None) -> str | None:
    """The month of the latest tweet a page embedded (`YYYY-MM`), or None (module doc)."""
    days = [day for day in tweeted
            if estimate_floor(first_year) <= day.year and day <= dt.date.today()]
    if not days:
        return None
    latest = max(days)
    if any(year > latest.year for year in past_years(body)):
        return None  # the text is of a later year: it quotes an old tweet
    return f"{latest.year:04d}-{latest.month:02d}"


def past_years(text: str) -> list[int]:
    """The years a text mentions as past: not amounts ("2000 euros"), not announced as future
    ("d'ici 2030", "budget 2020"), not after this year."""
    folded = _folded(text)
    years = []
    for match in _YEAR.finditer(folded):
        year = int(match.group())
        if (year <= dt.date.today().year and not _UNIT_AFTER.match(folded, match.end())
                and not _future(folded, match.start())):
            years.append(year)
    return years


def _future(folded: str, start: int) -> bool:
    """Whether one of the three words before position `start` announces something to come."""
    words = re.findall(r"[\w'-]+", folded[max(0, start - 40) : start])[-3:]
    return any(word in _FUTURE_WORDS for word in words)


def _folded(text: str) -> str:
    return fold(text).replace("’", "'")


def _real(year: int, month: int, day: int) -> str | None:
    """`YYYY-MM-DD` when that day exists and is not in the future, else None."""
    value = f"{year:04d}-{month:02d}-{day:02d}"
    if check_date(value) is not None or dt.date(year, month, day) > dt.date.today():
        return None
    return value
