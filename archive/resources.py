"""Files the package ships that live outside it in a source checkout: the page templates, the
default organisation authority file and the default publishers file (styles and translations
sit in the package itself).

In an installed wheel they sit inside the package (`archive/templates/`,
`archive/defaults/organisations.yaml`, `archive/defaults/publishers.yaml`). In a source
checkout the templates stay at the top level (`templates/`, where the design card puts them)
and the default files are the demo archive's (`data/organisations.yaml`,
`data/publishers.yaml`); `pyproject.toml` maps them into the wheel.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ConfigError

PACKAGE = Path(__file__).resolve().parent
_SOURCE_TREE = PACKAGE.parent


def _shipped(packaged: Path, in_source: Path) -> Path:
    """The installed copy, else the source tree's (only in a checkout, never site-packages)."""
    if packaged.exists():
        return packaged
    if (_SOURCE_TREE / "pyproject.toml").is_file() and in_source.exists():
        return in_source
    raise ConfigError(f"the installed package lacks {packaged}; reinstall press-archive")


def templates_dir() -> Path:
    """The folder of the site's page templates."""
    return _shipped(PACKAGE / "templates", _SOURCE_TREE / "templates")


def default_authority_file() -> Path:
    """The organisation authority file a new archive starts from."""
    return _shipped(PACKAGE / "defaults" / "organisations.yaml",
                    _SOURCE_TREE / "data" / "organisations.yaml")


def default_publishers_file() -> Path:
    """The publishers file a new archive starts from."""
    return _shipped(PACKAGE / "defaults" / "publishers.yaml",
                    _SOURCE_TREE / "data" / "publishers.yaml")
