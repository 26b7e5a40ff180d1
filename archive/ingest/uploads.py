"""Files uploaded for import: kept aside, imported as a dry run, then for real once confirmed.

An upload is staged in its own folder, `index/uploads/<token>/` (outside `data/`, which holds
only the archive), under names reduced to safe ones: a name can never lead out of it. Each file
obeys the limit `archive import` applies (`import_max_bytes`), counted while it is copied, so a
body that lies about its size is cut off too. The dry run and the import are `import_paths`,
the CLI's own, with the options the archivist gave (a field mapping, a publisher), stored with
the files so that the confirmed import does what the dry run showed.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..config import Config
from ..errors import ArchiveError, NotFound, UsageError
from .importers.tabular import parse_mapping
from .pipeline import ImportReport, import_paths

FOLDER = "uploads"
OPTIONS = ".options.json"
MAX_FILES = 50
CHUNK = 65_536
_TOKEN_RE = re.compile(r"^[a-f0-9]{32}\Z")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class UploadTooLarge(ArchiveError):
    """An uploaded file is over the import's size limit: nothing of it was kept."""

    status = 413


@dataclass(frozen=True)
class Upload:
    """Files staged for one import, and the options it runs with."""

    token: str
    folder: Path
    names: tuple[str, ...]
    mapping: str = ""
    publisher: str | None = None


def safe_name(name: str, taken: Iterable[str] = ()) -> str:
    """A file name reduced to letters, digits, dots, hyphens and underscores, never hidden nor
    a path; its extension (which tells the format) kept; unique among `taken`."""
    base = unicodedata.normalize("NFKD", name.replace("\\", "/").rsplit("/", 1)[-1])
    base = _UNSAFE.sub("-", base.encode("ascii", "ignore").decode()).strip(".-")[:100]
    base = base or "upload"
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    candidate, n = base, 1
    while candidate in set(taken):
        n += 1
        candidate = f"{stem}-{n}.{suffix}" if suffix else f"{stem}-{n}"
    return candidate


def folder(config: Config) -> Path:
    """Where uploads are staged."""
    return config.index_dir / FOLDER


def stage(config: Config, files: Iterable[tuple[str, BinaryIO]], mapping: str = "",
          publisher: str | None = None) -> Upload:
    """Copy uploaded files (name, stream) into a new staging folder, each within the limit."""
    parse_mapping(mapping)  # a wrong mapping is refused now, not after the upload
    publisher = " ".join((publisher or "").split())[:200] or None
    token = secrets.token_hex(16)
    target = folder(config) / token
    target.mkdir(parents=True)
    limit = config.limits.import_max_bytes
    names: list[str] = []
    try:
        for name, stream in files:
            if len(names) >= MAX_FILES:
                raise UsageError(f"at most {MAX_FILES} files in one upload")
            safe = safe_name(name, names)
            size = 0
            with open(target / safe, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise UploadTooLarge(f"{safe}: larger than the {limit:,} bytes an "
                                             "import accepts (limit import_max_bytes)")
                    out.write(chunk)
            names.append(safe)
        if not names:
            raise UsageError("no file was sent")
        (target / OPTIONS).write_text(json.dumps({"mapping": mapping, "publisher": publisher}),
                                      encoding="utf-8")
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return Upload(token, target, tuple(names), mapping, publisher)


def find(config: Config, token: str) -> Upload:
    """A staged upload by its token (NotFound when it was imported, discarded or never was)."""
    if not _TOKEN_RE.match(token or ""):
        raise NotFound("there is no such upload")
    target = folder(config) / token
    try:
        options = json.loads((target / OPTIONS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound("there is no such upload (imported or discarded already?)") from None
    names = tuple(sorted(p.name for p in target.iterdir() if not p.name.startswith(".")))
    return Upload(token, target, names, options.get("mapping") or "", options.get("publisher"))


def dry_run(config: Config, upload: Upload) -> ImportReport:
    """What importing the upload would do: imported, updated, rejected and why."""
    return _import(config, upload, dry_run=True)


def confirm(config: Config, upload: Upload) -> ImportReport:
    """Import the upload for real, then remove its staging folder."""
    report = _import(config, upload, dry_run=False)
    discard(upload)
    return report


def discard(upload: Upload) -> None:
    """Forget a staged upload."""
    shutil.rmtree(upload.folder, ignore_errors=True)


def _import(config: Config, upload: Upload, dry_run: bool) -> ImportReport:
    paths = [upload.folder / name for name in upload.names]
    return import_paths(paths, config, dry_run=dry_run, mapping=parse_mapping(upload.mapping),
                        publisher=upload.publisher, staged=upload.folder)


def shown(upload: Upload, text: str) -> str:
    """A report with the staged files named as uploaded (no staging folder in the names)."""
    return text.replace(f"{upload.folder}/", "")
