"""Which Whoosh the engine runs on: checked once, when `archive.engine` is first imported."""

from __future__ import annotations

from ..errors import ArchiveError

# Whoosh releases whose internals (listed in `archive/engine/__init__.py`) the engine was tested
# with: whoosh-reloaded 2.7.5, the fork's final release (pyproject pins >=2.7.5,<2.8).
TESTED_VERSIONS: tuple[tuple[int, ...], ...] = ((2, 7, 5),)
REQUIREMENT = "whoosh-reloaded>=2.7.5,<2.8"


def _dotted(version: tuple[int, ...] | tuple[object, ...]) -> str:
    return ".".join(str(part) for part in version)


def check_whoosh_version(version: tuple[object, ...]) -> None:
    """Refuse, naming the installed and supported versions and the fix, a Whoosh the engine
    was not tested with (`version` as `whoosh.__version__` gives it)."""
    if tuple(version) in TESTED_VERSIONS:
        return
    supported = ", ".join(_dotted(v) for v in TESTED_VERSIONS)
    raise ArchiveError(
        f"Whoosh {_dotted(tuple(version))} is installed, but the archive's search engine "
        f"was tested with Whoosh {supported} only (it reads Whoosh's index files through "
        f"internals that other versions may lay out differently); install the supported "
        f"version: pip install '{REQUIREMENT}'",
        details="Only one package may provide the `whoosh` module: uninstall any other "
                "(`pip uninstall whoosh`) before installing whoosh-reloaded.")
