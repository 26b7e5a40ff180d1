"""The publishers file: each publisher's names, web hosts, country and first year.

An article's `publisher` (or, failing that, its url's host) finds its entry. The country
decides which country's institutions a generic name means ("Assemblée nationale" in a
Senegalese paper is Senegal's); the first year bounds the dates guessed from an article's text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from . import yamlfiles
from .errors import ConfigError
from .filecache import ParsedFiles

FIELDS = ("name", "aliases", "hosts", "country", "first_year")
COUNTRY_RE = re.compile(r"^(?:[A-Z]{2}|international)\Z")  # \Z: no final newline
HOST_RE = re.compile(r"^[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)+\Z")
_WAYBACK_RE = re.compile(r"^https?://web\.archive\.org/web/[^/]+/(https?://.+)$")


class PublishersError(ConfigError):
    """The publishers file is unreadable or breaks its rules."""


@dataclass(frozen=True)
class Publisher:
    """One entry of the publishers file."""

    name: str
    country: str  # an ISO code, or "international" (its news are of many countries)
    aliases: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    first_year: int | None = None


def _name_key(text: str) -> str:
    """Case, accents, spaces and punctuation ignored: "LaLibre" is "La Libre", "Guinéenews©"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", "", plain.removeprefix("www."))


def _host(text: str) -> str | None:
    """The host an url or a bare host name ("www.tdg.ch") gives, without "www."; else None."""
    text = text.strip().lower()
    if "://" in text:
        try:
            text = urlsplit(text).hostname or ""
        except ValueError:
            return None
    text = text.removeprefix("www.").rstrip(".")
    return text if HOST_RE.match(text) else None


@dataclass
class Publishers:
    """The loaded publishers file, with its lookups."""

    entries: tuple[Publisher, ...]
    _by_name: dict[str, Publisher] = field(default_factory=dict, repr=False)
    _by_host: dict[str, Publisher] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for entry in self.entries:
            for name in (entry.name, *entry.aliases):
                self._by_name.setdefault(_name_key(name), entry)
            for host in entry.hosts:
                self._by_host.setdefault(host, entry)

    def find(self, publisher: str | None, url: str | None = None) -> Publisher | None:
        """The entry for an article's publisher (name, alias or host), else for its url's host
        (a subdomain finds its domain: madame.lefigaro.fr is lefigaro.fr)."""
        if publisher:
            found = self._by_name.get(_name_key(publisher)) or self._by_host_of(publisher)
            if found is not None:
                return found
        return self._by_host_of(url) if url else None

    def _by_host_of(self, text: str) -> Publisher | None:
        archived = _WAYBACK_RE.match(text)  # a page kept by the Wayback Machine: its own url
        host = _host(archived.group(1) if archived else text)
        while host and "." in host:
            if found := self._by_host.get(host):
                return found
            host = host.partition(".")[2]
        return None

    def country_of(self, publisher: str | None, url: str | None = None) -> str | None:
        """The country of an article's publisher: a code, "international", or None (unknown)."""
        found = self.find(publisher, url)
        return found.country if found else None

    def first_year(self, publisher: str | None, url: str | None = None) -> int | None:
        """The year the publisher started publishing, when the file knows it."""
        found = self.find(publisher, url)
        return found.first_year if found else None


# --- loading ---------------------------------------------------------------------------------



def publishers_at(path: Path, last_good: bool = False) -> Publishers | None:
    """The publishers file at `path`, read once per version of the file; None when there is
    none (an archive may have none). A file that is there but broken raises PublishersError,
    unless `last_good` asks for its last version that read (`publishers_problem` says why)."""
    return _PUBLISHERS.get(path, last_good)


def publishers_problem(path: Path) -> str | None:
    """What is wrong with the publishers file as it stands, when its last good version serves
    instead; None when nothing is."""
    return _PUBLISHERS.problem(path)


def first_year(publisher: str | None, url: str | None = None,
               path: Path | None = None) -> int | None:
    """The first year of publication of an article's publisher (by name, alias, host or url),
    from the publishers file at `path` (default: the one the package ships); None if unknown."""
    if path is None:
        from .resources import default_publishers_file

        path = default_publishers_file()
    publishers = publishers_at(path)
    return publishers.first_year(publisher, url) if publishers else None


def load_publishers(path: Path) -> Publishers:
    """Read and validate the publishers file; PublishersError names the file and the entry."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PublishersError(f"{path}: cannot read the publishers file ({exc.strerror})") \
            from None
    except UnicodeDecodeError:
        raise PublishersError(f"{path}: the publishers file is not UTF-8 text") from None
    try:
        raw = yamlfiles.load(text)
    except (yaml.YAMLError, ValueError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise PublishersError(f"{path}: not valid YAML ({detail})") from None
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise PublishersError(f"{path}: must be a list of publishers (- name: ...)")
    entries = tuple(_entry(item, number, path) for number, item in enumerate(raw, 1))
    seen: dict[str, str] = {}
    for entry in entries:
        keys = [("name", _name_key(n)) for n in (entry.name, *entry.aliases)]
        keys += [("host", h) for h in entry.hosts]
        for kind, key in dict.fromkeys(keys):
            other = seen.setdefault(f"{kind}:{key}", entry.name)
            if other != entry.name:
                raise PublishersError(f"{path}: publisher '{entry.name}': a {kind} it shares "
                                      f"with '{other}'; each name and host must be unique")
    return Publishers(entries)


_PUBLISHERS = ParsedFiles(load_publishers, lambda path, why: PublishersError(
    f"{path}: cannot read the publishers file ({why})"))


def _entry(item: object, number: int, path: Path) -> Publisher:
    where = f"{path}: entry {number}"
    if not isinstance(item, dict):
        raise PublishersError(f"{where}: must be a mapping with name and country")
    if isinstance(item.get("name"), str):
        where += f" ('{item['name']}')"
    unknown = sorted(str(k) for k in item if k not in FIELDS)
    if unknown:
        raise PublishersError(f"{where}: unknown field(s) {', '.join(unknown)}")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PublishersError(f"{where}: 'name' is required")
    country = item.get("country")
    if not isinstance(country, str) or not COUNTRY_RE.match(country):
        raise PublishersError(f"{where}: 'country' must be a code such as ML, or international "
                              "(quote \"NO\": YAML reads a bare NO as false)")
    lists = {}
    for key in ("aliases", "hosts"):
        values = item.get(key) or []
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip()
                                                   for v in values):
            raise PublishersError(f"{where}: '{key}' must be a list")
        lists[key] = tuple(" ".join(v.split()) for v in values)
    hosts = tuple(_host(h) or "" for h in lists["hosts"])
    if not all(hosts):
        raise PublishersError(f"{where}: 'hosts' must be host names such as maliweb.net")
    year = item.get("first_year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)
                             or not 1600 <= year <= 2100):
        raise PublishersError(f"{where}: 'first_year' must be a year such as 1949")
    return Publisher(name=" ".join(name.split()), country=country, aliases=lists["aliases"],
                     hosts=hosts, first_year=year)
