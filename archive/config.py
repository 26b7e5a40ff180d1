"""Configuration: defaults and named limits, read from one YAML file."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "archive.yaml"
ENV_VAR = "ARCHIVE_CONFIG"


@dataclass(frozen=True)
class Limits:
    """Every bound the archive enforces, by name, so that each can be tuned in one place."""

    # import
    import_max_bytes: int = 20_000_000
    import_max_body_chars: int = 2_000_000
    # queries
    query_max_length: int = 500
    query_max_depth: int = 5
    query_max_terms: int = 32
    query_min_prefix: int = 3
    query_max_expansions: int = 300
    page_size: int = 10
    page_size_max: int = 100
    page_max: int = 100
    search_time_limit: float = 3.0
    facet_values_shown: int = 10
    facet_values_max: int = 5000
    filter_values_max: int = 50
    export_max_rows: int = 10_000
    # web
    rate_limit_per_minute: int = 120


@dataclass(frozen=True)
class Config:
    """Where the archive lives and how it behaves."""

    data_dir: Path
    index_dir: Path
    authority_file: Path
    site_name: str = "Archives de la presse malienne"
    default_language: str = "fr"
    # Host names the site answers to (".example.org" covers its subdomains); empty = any.
    # Set it in production: absolute links (permalinks, feeds) are built from the Host header.
    trusted_hosts: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    source: Path | None = None

    @property
    def articles_dir(self) -> Path:
        """Folder holding the article files."""
        return self.data_dir / "articles"


def _resolve(base: Path, value: object, key: str) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"configuration: '{key}' must be a folder or file path")
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path)


def load_config(
    path: str | os.PathLike | None = None,
    *,
    data: str | os.PathLike | None = None,
    index: str | os.PathLike | None = None,
) -> Config:
    """Read the configuration file (explicit, $ARCHIVE_CONFIG, or archive.yaml) and overrides."""
    chosen = Path(path) if path else Path(os.environ[ENV_VAR]) if os.environ.get(ENV_VAR) else None
    raw: dict = {}
    source: Path | None = None
    if chosen is not None or DEFAULT_CONFIG.exists():
        source = (chosen or DEFAULT_CONFIG).resolve()
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read configuration {source}: {exc.strerror}") from None
        try:
            raw = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"configuration {source} is not valid YAML: {exc}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"configuration {source} must be a mapping of settings")
    base = source.parent if source else ROOT

    known = {"data_dir", "index_dir", "authority_file", "site_name", "default_language",
             "trusted_hosts", "limits"}
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

    data_dir = Path(data) if data else _resolve(base, raw.get("data_dir", "data"), "data_dir")
    index_dir = Path(index) if index else _resolve(base, raw.get("index_dir", "index"), "index_dir")
    if "authority_file" in raw:
        authority = _resolve(base, raw["authority_file"], "authority_file")
    else:
        authority = data_dir / "organisations.yaml"
    return Config(
        data_dir=data_dir.resolve(),
        index_dir=index_dir.resolve(),
        authority_file=authority.resolve(),
        site_name=str(raw.get("site_name", Config.site_name)),
        default_language=str(raw.get("default_language", "fr")),
        trusted_hosts=tuple(h.strip() for h in hosts),
        limits=limits,
        source=source,
    )
