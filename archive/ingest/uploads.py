"""Files uploaded for import: kept aside, imported as a dry run, then for real once confirmed.

An upload is staged in its own folder, `index/uploads/<token>/` (outside `data/`, which holds
only the archive), under names reduced to safe ones: a name can never lead out of it. Each file
obeys the limit `archive import` applies (`import_max_bytes`), counted while it is copied, so a
body that lies about its size is cut off too. The dry run and the import are `import_paths`,
the CLI's own, with the options the archivist gave (a field mapping, a publisher), stored with
the files so that the confirmed import does what the dry run showed.

An upload is imported once: the confirmation claims it first (a double click's second request
finds it claimed), and what the import did stays beside it for its page, the staged files gone.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..config import Config
from ..errors import Conflicted, Missing, Refused
from .importers.tabular import parse_mapping
from .pipeline import ImportReport, import_paths

FOLDER = "uploads"
OPTIONS = ".options.json"
CLAIM = ".claimed"  # the id of the process importing the upload
OUTCOME = ".outcome.json"  # what the confirmed import did, for its page
OUTCOME_DAYS = 7  # how long an import's page stays
CLAIM_HOURS = 6  # a claim older than this is a dead process's whose id another one took
MAX_FILES = 50
CHUNK = 65_536
_TOKEN_RE = re.compile(r"^[a-f0-9]{32}\Z")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class UploadTooLarge(Refused):
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


NAME_MAX = 100  # characters of a staged name
SUFFIX_MAX = 10  # an extension longer than this is part of the name


def safe_name(name: str, taken: Iterable[str] = ()) -> str:
    """A file name reduced to letters, digits, dots, hyphens and underscores, never hidden nor
    a path; its extension (which tells the format) kept; unique among `taken`."""
    base = unicodedata.normalize("NFKD", name.replace("\\", "/").rsplit("/", 1)[-1])
    base = _UNSAFE.sub("-", base.encode("ascii", "ignore").decode())
    stem, dot, suffix = base.rpartition(".")
    if not dot or not suffix.strip("-") or len(suffix) > SUFFIX_MAX:
        stem, suffix = base, ""
    # shortened before its extension, which tells the format (a red team: a long name lost
    # `.jsonl`, and "مقال.txt" became "txt")
    stem = stem.strip(".-")[:NAME_MAX - len(suffix) - 1].strip(".-") or "upload"
    base = f"{stem}.{suffix}" if suffix else stem
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
    _forget_old_outcomes(config)
    token = secrets.token_hex(16)
    target = folder(config) / token
    target.mkdir(parents=True)
    limit = config.limits.import_max_bytes
    names: list[str] = []
    try:
        for name, stream in files:
            if len(names) >= MAX_FILES:
                raise Refused("upload_too_many_files", limit=MAX_FILES)
            safe = safe_name(name, names)
            size = 0
            with open(target / safe, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise UploadTooLarge("upload_too_large", name=safe, limit=limit)
                    out.write(chunk)
            names.append(safe)
        if not names:
            raise Refused("upload_empty")
        (target / OPTIONS).write_text(json.dumps({"mapping": mapping, "publisher": publisher}),
                                      encoding="utf-8")
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return Upload(token, target, tuple(names), mapping, publisher)


def _target(config: Config, token: str) -> Path:
    if not _TOKEN_RE.match(token or ""):
        raise Missing("upload_unknown")
    return folder(config) / token


def find(config: Config, token: str) -> Upload:
    """A staged upload by its token (Missing when it was imported, discarded or never was)."""
    target = _target(config, token)
    try:
        options = json.loads((target / OPTIONS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise Missing("upload_unknown") from None
    names = tuple(sorted(p.name for p in target.iterdir() if not p.name.startswith(".")))
    return Upload(token, target, names, options.get("mapping") or "", options.get("publisher"))


def dry_run(config: Config, upload: Upload) -> ImportReport:
    """What importing the upload would do: imported, updated, rejected and why."""
    return _import(config, upload, dry_run=True)


def confirm(config: Config, upload: Upload, who: str | None = None) -> ImportReport:
    """Import the upload for real, once (Conflicted when another request has claimed it), the
    audit log naming `who`; then its staged files go and what the import did stays for its
    page (`outcome`)."""
    claim = upload.folder / CLAIM
    try:
        fd = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise Conflicted("upload_claimed") from None
    with os.fdopen(fd, "w") as handle:
        handle.write(str(os.getpid()))
    try:
        report = _import(config, upload, dry_run=False, who=who)
    except BaseException:
        claim.unlink(missing_ok=True)  # nothing half-claimed: it can be confirmed again
        raise
    counts = {"imported": report.imported, "updated": report.updated,
              "unchanged": report.unchanged, "duplicates": len(report.duplicates),
              "rejected": len(report.rejected), "stopped": report.stopped}
    done = json.dumps({"counts": counts, "text": shown(upload, report.render())})
    (upload.folder / f"{OUTCOME}.tmp").write_text(done, encoding="utf-8")
    os.replace(upload.folder / f"{OUTCOME}.tmp", upload.folder / OUTCOME)
    for name in (*upload.names, OPTIONS):
        (upload.folder / name).unlink(missing_ok=True)
    return report


def state(config: Config, token: str) -> str:
    """Where an upload stands: 'staged', 'importing' or 'imported' (Missing when it was
    discarded or never was)."""
    target = _target(config, token)
    if (target / OUTCOME).is_file():
        return "imported"
    claim = target / CLAIM
    if claim.is_file():
        if _alive(claim):
            return "importing"
        claim.unlink(missing_ok=True)  # its process died mid-import: it may be confirmed again
    if (target / OPTIONS).is_file():
        return "staged"
    raise Missing("upload_unknown")


def outcome(config: Config, token: str) -> dict:
    """What a confirmed import did: its counts and its report (Missing before it is done)."""
    try:
        return json.loads((_target(config, token) / OUTCOME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise Missing("upload_unknown") from None


def _alive(claim: Path) -> bool:
    """Whether the process that claimed an upload still runs."""
    try:
        if claim.stat().st_mtime < time.time() - CLAIM_HOURS * 3600:
            return False
        pid = claim.read_text(encoding="utf-8")
        if not pid:
            return True  # claimed this instant: its id is being written
        os.kill(int(pid), 0)
    except PermissionError:
        return True  # another user's process: it exists
    except (OSError, ValueError):
        return False
    return True


def _forget_old_outcomes(config: Config) -> None:
    """Drop the pages of imports done more than OUTCOME_DAYS ago."""
    cutoff = time.time() - OUTCOME_DAYS * 86400
    for done in folder(config).glob(f"*/{OUTCOME}"):
        try:
            if done.stat().st_mtime < cutoff:
                shutil.rmtree(done.parent, ignore_errors=True)
        except OSError:
            continue


def discard(upload: Upload) -> None:
    """Forget a staged upload."""
    shutil.rmtree(upload.folder, ignore_errors=True)


def _import(config: Config, upload: Upload, dry_run: bool, who: str | None = None
            ) -> ImportReport:
    paths = [upload.folder / name for name in upload.names]
    return import_paths(paths, config, dry_run=dry_run, mapping=parse_mapping(upload.mapping),
                        publisher=upload.publisher, staged=upload.folder, audit_as=who,
                        inputs={"uploaded": list(upload.names)})


def shown(upload: Upload, text: str) -> str:
    """A report with the staged files named as uploaded (no staging folder in the names)."""
    return text.replace(f"{upload.folder}/", "")
