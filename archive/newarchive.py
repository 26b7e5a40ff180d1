"""`archive init`: a new archive folder with its configuration, data and index folders."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .config import CONFIG_NAME, Config, config_text
from .errors import ArchiveError
from .resources import default_authority_file, default_publishers_file

# What an archive folder may already hold when `init` runs (a git repository among them).
ARCHIVE_ENTRIES = frozenset({CONFIG_NAME, "data", "index", ".gitignore", ".git", ".archive"})
GITIGNORE = ("# The index is derived from data/ and rebuilt by 'archive reindex'.\n/index/\n"
             "# Accounts, session key, audit log: private, never in a repository.\n"
             "/.archive/\n"
             "# The last good version of the organisations and publishers files.\n"
             ".*.last-good\n")


@dataclass
class InitReport:
    """What `init` created, and what it found already there and left alone."""

    folder: Path
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def render(self) -> str:
        """A summary for people: each path created or kept, then what to do next."""
        lines = [f"created {self.folder / name}" for name in self.created]
        lines += [f"kept (already there) {self.folder / name}" for name in self.kept]
        lines.append(f"archive: {self.folder / CONFIG_NAME}")
        lines.append(f"next: cd {self.folder} && archive import PATH... && archive reindex "
                     "&& archive serve")
        return "\n".join(lines)


def init_archive(folder: Path, site_name: str | None = None) -> InitReport:
    """Create a new archive in `folder` (made if needed); never overwrite anything there."""
    folder = Path(folder).expanduser().absolute()
    if folder.exists() and not folder.is_dir():
        raise ArchiveError(f"{folder} is a file, not a folder")
    strangers = sorted(p.name for p in folder.iterdir() if p.name not in ARCHIVE_ENTRIES) \
        if folder.is_dir() else []
    if strangers:
        shown = ", ".join(strangers[:5]) + (", …" if len(strangers) > 5 else "")
        raise ArchiveError(f"{folder} already holds files that are not an archive's ({shown}); "
                           "choose an empty or new folder")
    report = InitReport(folder)
    authority = default_authority_file()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _file(report, CONFIG_NAME, config_text(site_name or Config.site_name))
        _folder(report, "data/articles")
        _file(report, "data/organisations.yaml", authority.read_text(encoding="utf-8"))
        _file(report, "data/publishers.yaml",
              default_publishers_file().read_text(encoding="utf-8"))
        _folder(report, "index")
        _file(report, ".gitignore", GITIGNORE)
    except OSError as exc:
        raise ArchiveError(f"cannot create the archive in {folder}: "
                           f"{exc.strerror or exc} ({exc.filename or folder})") from None
    return report


def _file(report: InitReport, name: str, text: str) -> None:
    path = report.folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as handle:  # "x": never over an existing file
            handle.write(text)
    except FileExistsError:
        report.kept.append(name)
    else:
        report.created.append(name)


def _folder(report: InitReport, name: str) -> None:
    path = report.folder / name
    (report.kept if path.is_dir() else report.created).append(name + "/")
    path.mkdir(parents=True, exist_ok=True)
