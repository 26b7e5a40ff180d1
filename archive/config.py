"""Configuration: defaults and named limits, read from one YAML file."""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import ConfigError

CONFIG_NAME = "archive.yaml"
ENV_VAR = "ARCHIVE_CONFIG"


def _limit(default: int | float, help: str) -> object:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Limits:
    """Every bound the archive enforces, by name, so that each can be tuned in one place."""

    # import
    import_max_bytes: int = _limit(20_000_000, "larger input files are rejected unread")
    import_max_body_chars: int = _limit(2_000_000, "characters in one article's body")
    # queries
    query_max_length: int = _limit(500, "characters in one query")
    query_max_depth: int = _limit(5, "nested parentheses")
    query_max_terms: int = _limit(32, "words and operators (each part of a word joined by "
                                      "dots or hyphens counts)")
    query_min_prefix: int = _limit(3, "letters before a trailing *")
    query_max_expansions: int = _limit(300, "words one prefix or fuzzy word may stand for")
    query_max_expanded_words: int = _limit(1000, "words all prefix and fuzzy words of one "
                                                 "query may stand for together")
    query_max_expanded_postings: int = _limit(12, "postings (each word's articles, summed) all "
                                                 "prefix and fuzzy words of one query may stand "
                                                 "for together, per article of the archive "
                                                 "(of 10,000 at least)")
    page_size: int = _limit(10, "results per page")
    page_size_max: int = _limit(100, "results per page a client may ask for")
    page_max: int = _limit(100, "deepest result page")
    search_time_limit: float = _limit(3.0, "seconds; matching past it is refused, "
                                           "ranking cut short")
    facet_values_shown: int = _limit(10, "values shown per facet")
    facet_values_max: int = _limit(5000, "values per facet a client may ask for")
    filter_values_max: int = _limit(50, "values one filter may hold")
    request_filter_values_max: int = _limit(20, "filter values one request may hold, all "
                                                "filters together")
    export_max_rows: int = _limit(10_000, "rows in one CSV or JSON Lines export")
    # web
    rate_limit_per_minute: int = _limit(120, "requests per client address over any minute")
    request_max_body_bytes: int = _limit(8192, "bytes of a request body (no page takes one): "
                                               "larger ones get 413 unread")
    request_max_header_bytes: int = _limit(32768, "bytes of a request line and headers")
    connection_limit: int = _limit(500, "open connections archive serve accepts at once")
    connection_idle_timeout: int = _limit(30, "seconds a connection may stay silent before "
                                              "archive serve closes it")
    # workspace
    workspace_idle_minutes: int = _limit(30, "minutes of inactivity after which a workspace "
                                             "session ends")
    signin_attempts: int = _limit(5, "sign-in attempts per account, and per address, over "
                                     "signin_window_minutes")
    signin_window_minutes: int = _limit(15, "minutes over which sign-in attempts are counted")
    workspace_form_max_bytes: int = _limit(4_000_000, "bytes of a workspace form (an article "
                                                      "file's text); uploads have their own")


@dataclass(frozen=True)
class Config:
    """Where the archive lives and how it behaves."""

    data_dir: Path
    index_dir: Path
    authority_file: Path
    site_name: str = "Archives de la presse malienne"
    default_language: str = "fr"
    # Host names the site answers to (".example.org" covers its subdomains, "name:port" one
    # port only), compared case-insensitively; empty = only `localhost` and the address
    # `archive serve` binds to. Set it in production: absolute links are built from the Host.
    trusted_hosts: tuple[str, ...] = ()
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto it believes (0: none,
    # the default: a client could otherwise choose the address the rate limit keys on).
    trusted_proxies: int = 0
    limits: Limits = field(default_factory=Limits)
    source: Path | None = None
    # The country of the archive's own press (ML): an article whose publisher the publishers
    # file does not place, and which names it, is taken to be from it. None: an archive of
    # many countries' press.
    country: str | None = None
    # The workspace's accounts (password hashes): outside data/ and anything served.
    # None: <archive>/.archive/users.yaml.
    users_file: Path | None = None

    @property
    def root(self) -> Path:
        """The archive's own folder: the data folder's parent (where `archive init` puts
        archive.yaml), so that `--data` naming another archive finds that archive's accounts."""
        return self.data_dir.parent

    @property
    def state_dir(self) -> Path:
        """The archive's private folder (mode 0700): accounts, the session key; never served."""
        return self.root / ".archive"

    @property
    def users_path(self) -> Path:
        """The users file of the workspace's accounts."""
        return self.users_file if self.users_file is not None else self.state_dir / "users.yaml"

    @property
    def audit_file(self) -> Path:
        """The audit log (JSON Lines): every change, who made it, the files' hashes. In the
        archive's private folder, not in data/: a reindex or a rollback never writes data/."""
        return self.state_dir / "audit.jsonl"

    @property
    def articles_dir(self) -> Path:
        """Folder holding the article files."""
        return self.data_dir / "articles"

    @property
    def publishers_file(self) -> Path:
        """The publishers file (names, hosts, country, first year of each publisher)."""
        return self.data_dir / "publishers.yaml"

    def describe(self) -> str:
        """Which archive this is, for the last line of every command's summary."""
        if self.source is not None:
            return f"archive: {self.source}"
        return f"archive: data {self.data_dir}, index {self.index_dir} (no {CONFIG_NAME})"


def _resolve(base: Path, value: object, key: str) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"configuration: '{key}' must be a folder or file path")
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path)


def find_config(explicit: str | os.PathLike | None = None,
                start: str | os.PathLike | None = None) -> Path | None:
    """The configuration file, found as git finds its repository; None when there is none.

    `--config` (explicit) first, then $ARCHIVE_CONFIG, then `archive.yaml` in the start folder
    (the current one by default) or its nearest parent. Never the package's own folder: an
    installed package must not write into site-packages.
    """
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    folder = Path(start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / CONFIG_NAME).is_file():
            return candidate / CONFIG_NAME
    return None


def _read_settings(source: Path) -> dict:
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {source}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"configuration {source} is not UTF-8 text") from None
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"configuration {source} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"configuration {source} must be a mapping of settings")
    return raw


def load_config(
    path: str | os.PathLike | None = None,
    *,
    data: str | os.PathLike | None = None,
    index: str | os.PathLike | None = None,
    start: str | os.PathLike | None = None,
) -> Config:
    """Read the configuration (see `find_config`), with --data/--index overrides.

    With no configuration file anywhere, only an explicit data folder and index folder
    together say where the archive is; anything less is refused with advice.
    """
    found = find_config(path, start)
    source = found.resolve() if found else None
    if source is None and (data is None or index is None):
        here = Path(start or Path.cwd()).resolve()
        raise ConfigError(
            f"no {CONFIG_NAME} in {here} or any folder above it: this is not an archive. "
            f"Create one with 'archive init DIR', or name its configuration with --config "
            f"or ${ENV_VAR}")
    raw = _read_settings(source) if source else {}
    base = source.parent if source else Path.cwd()

    known = {"data_dir", "index_dir", "authority_file", "site_name", "default_language",
             "trusted_hosts", "trusted_proxies", "limits", "country", "users_file"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"configuration: unknown setting(s) {', '.join(unknown)}")

    limit_values = raw.get("limits") or {}
    if not isinstance(limit_values, dict):
        raise ConfigError("configuration: 'limits' must be a mapping")
    limit_fields = {f.name: f for f in dataclasses.fields(Limits)}
    for key, value in limit_values.items():
        if key not in limit_fields:
            raise ConfigError(f"configuration: unknown limit '{key}'")
        expected = float if limit_fields[key].type == "float" else int
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"configuration: limit '{key}' must be a positive number")
        limit_values[key] = expected(value)
    limits = Limits(**limit_values)
    hosts = raw.get("trusted_hosts") or []
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h.strip() for h in hosts):
        raise ConfigError("configuration: 'trusted_hosts' must be a list of host names")

    proxies = raw.get("trusted_proxies", 0)
    if isinstance(proxies, bool) or not isinstance(proxies, int) or not 0 <= proxies <= 5:
        raise ConfigError("configuration: 'trusted_proxies' must be a whole number from 0 "
                          "to 5 (the reverse proxies in front of the site)")
    country = raw.get("country")
    if country is not None and (not isinstance(country, str) or
                                not re.fullmatch(r"[A-Z]{2}|international", country)):
        raise ConfigError("configuration: 'country' must be a country code such as ML "
                          "(quote \"NO\": YAML reads a bare NO as false)")
    data_dir = Path(data) if data else _resolve(base, raw.get("data_dir", "data"), "data_dir")
    index_dir = Path(index) if index else _resolve(base, raw.get("index_dir", "index"), "index_dir")
    if "authority_file" in raw:
        authority = _resolve(base, raw["authority_file"], "authority_file")
    else:
        authority = data_dir / "organisations.yaml"
    users = _resolve(base, raw["users_file"], "users_file").resolve() if "users_file" in raw \
        else None
    if users is not None and (users.is_relative_to(data_dir.resolve())
                              or users.is_relative_to(index_dir.resolve())):
        raise ConfigError("configuration: 'users_file' must lie outside data_dir and index_dir "
                          "(it holds password hashes)")
    return Config(
        data_dir=data_dir.resolve(),
        index_dir=index_dir.resolve(),
        authority_file=authority.resolve(),
        site_name=str(raw.get("site_name", Config.site_name)),
        default_language=str(raw.get("default_language", "fr")),
        trusted_hosts=tuple(h.strip() for h in hosts),
        trusted_proxies=proxies,
        limits=limits,
        source=source,
        country=country,
        users_file=users,
    )


def config_text(site_name: str) -> str:
    """The `archive.yaml` of a new archive: its settings, and every limit at its default."""
    limits = []
    for spec in dataclasses.fields(Limits):
        setting = f"#   {spec.name}: {spec.default}"
        limits.append(f"{setting:<40}# {spec.metadata['help']}")
    name = yaml.safe_dump(site_name, allow_unicode=True, default_flow_style=True,
                          width=10**6).removesuffix("\n...\n").strip()
    return "\n".join([
        "# Configuration of this archive. Paths are relative to this file.",
        "# Every `archive` command run in this folder (or below it) reads it; --config FILE or",
        "# $ARCHIVE_CONFIG name another one, and --data DIR / --index DIR override the folders.",
        f"site_name: {name}",
        "data_dir: data",
        "index_dir: index",
        "# The organisation authority file; defaults to <data_dir>/organisations.yaml.",
        "# authority_file: data/organisations.yaml",
        "default_language: fr",
        "# The country of this archive's press: an article whose publisher data/publishers.yaml",
        "# does not place, and which names it, is taken to be from it, so that a generic name",
        "# (\"Assemblée nationale\") means that country's. Leave it out for many countries' press.",
        "# country: ML",
        "# Host names the site answers to (any case; \".example.org\" for its subdomains,",
        "# \"name:port\" for one port); any other Host header gets 400. Set it in production to",
        "# the public host name, since permalinks and feeds are built from the Host header.",
        "# Empty: only localhost and the address `archive serve` binds to.",
        "trusted_hosts: []",
        "# Reverse proxies in front of the site (nginx: 1) whose X-Forwarded-For the rate limit",
        "# believes; 0 when clients reach the app server directly.",
        "trusted_proxies: 0",
        "# The workspace's accounts (password hashes, mode 600), outside data/; 'archive users'",
        "# manages them. Default: .archive/ in the folder holding data_dir.",
        "# users_file: .archive/users.yaml",
        "# Named limits, shown at their defaults; uncomment the ones to change.",
        "# limits:",
        *limits,
        "",
    ])
