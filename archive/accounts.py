"""The workspace's accounts: a users file of names, roles and password hashes, owner-only.

Passwords are kept only as werkzeug's scrypt hashes (memory-hard, in the standard library's
hashlib through OpenSSL: no new dependency). The file lives outside `data/` and outside
anything the site serves (`users_file`, default `<archive>/.archive/users.yaml`), is created
with mode 0600 in a folder of mode 0700, rewritten atomically (temporary file, then rename)
under a lock, and refused when others may read it: a hash that leaks can be attacked offline.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import stat
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml
from werkzeug.security import check_password_hash, generate_password_hash

from .articlefile import write_text
from .config import Config
from .errors import ArchiveError, UsageError

ROLES = ("archivist", "admin")
PASSWORD_MIN = 10  # characters; long passphrases beat complexity rules (NIST SP 800-63B)
PASSWORD_MAX = 1024  # bounds the work one sign-in attempt can ask for
_NAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")
_METHOD = "scrypt"
# Checked against when a name is unknown, so that a wrong name costs what a wrong password
# costs and the answer's timing does not say which accounts exist.
_DUMMY_HASH = generate_password_hash("not a password of anyone's", method=_METHOD)


class AccountError(ArchiveError):
    """The users file is unsafe or unreadable, or an account change cannot be made."""


@dataclass(frozen=True)
class User:
    """A signed-in person (no hash: what the web keeps of them)."""

    name: str
    role: str
    # Changes with the password: sessions opened before a reset or a removal no longer match.
    stamp: str

    @property
    def is_admin(self) -> bool:
        """Whether this person may manage accounts."""
        return self.role == "admin"

    def may(self, role: str) -> bool:
        """Whether this person holds `role` or a higher one (admin ⊃ archivist)."""
        return ROLES.index(self.role) >= ROLES.index(role)


def users_file(config: Config) -> Path:
    """Where the archive's users file is."""
    return config.users_path


def normalise_name(name: str) -> str:
    """An account name as stored: NFC, trimmed, lowercase."""
    return unicodedata.normalize("NFC", name).strip().lower()


def check_name(name: str) -> str:
    """The normalised account name, or UsageError saying what a name may hold."""
    normal = normalise_name(name)
    if not _NAME.fullmatch(normal):
        raise UsageError(f"account name {name!r}: use 1 to 64 letters a-z, digits, '.', '_', "
                         "'-' or '@', starting with a letter or a digit")
    return normal


def check_role(role: str) -> str:
    """The role, or UsageError naming the roles there are."""
    if role not in ROLES:
        raise UsageError(f"role {role!r}: choose one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    """The password, or UsageError when it is too short or too long."""
    if len(password) < PASSWORD_MIN:
        raise UsageError(f"the password must have at least {PASSWORD_MIN} characters "
                         "(a few words make a good one)")
    if len(password) > PASSWORD_MAX:
        raise UsageError(f"the password must have at most {PASSWORD_MAX} characters")
    return password


# --- the file ---------------------------------------------------------------------------------


def _read(path: Path) -> list[dict]:
    """The accounts in the users file ([] when there is none); AccountError when unsafe."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise AccountError(f"cannot read the users file {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise AccountError(f"the users file {path} is not a regular file")
        if mode & 0o077:
            raise AccountError(
                f"the users file {path} may be read by others (mode {stat.S_IMODE(mode):04o}): "
                f"it holds password hashes. Make it private with: chmod 600 {path}")
        raw = handle.read()
    try:
        loaded = yaml.safe_load(raw.decode("utf-8")) or {}
    except (UnicodeDecodeError, yaml.YAMLError):
        raise AccountError(f"the users file {path} is not valid YAML") from None
    users = loaded.get("users") if isinstance(loaded, dict) else None
    if not isinstance(users, list) or not all(
            isinstance(u, dict) and isinstance(u.get("name"), str) and u.get("role") in ROLES
            and isinstance(u.get("password"), str) for u in users):
        raise AccountError(f"the users file {path} is damaged: expected 'users:' with a name, "
                           "role and password hash for each account")
    return users


def _write(path: Path, users: list[dict]) -> None:
    """Replace the users file atomically; the new file is owner-only from its creation."""
    text = ("# Accounts of the archive's workspace: names, roles, password hashes (scrypt).\n"
            "# Change them with 'archive users'; keep this file private (mode 600).\n"
            + yaml.safe_dump({"users": users}, allow_unicode=True, sort_keys=False))
    # write_text's temporary file (mkstemp) is owner-only whatever the umask, and the rename
    # keeps that mode
    write_text(path, text)


def private_folder(folder: Path) -> Path:
    """Create `folder` (mode 0700) when missing; return it."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


@contextmanager
def _changing(config: Config):
    """The accounts, locked against other writers; what the block leaves in the list is
    written back."""
    path = users_file(config)
    private_folder(path.parent)
    lock_fd = os.open(path.parent / ".users.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        users = _read(path)
        yield users
        _write(path, users)
    finally:
        os.close(lock_fd)


def _find(users: list[dict], name: str) -> dict | None:
    return next((u for u in users if u["name"] == name), None)


def _stamp(password_hash: str) -> str:
    # Changes with every new password (new salt); a digest, so the cookie holds nothing of it.
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


def _user(entry: dict) -> User:
    return User(entry["name"], entry["role"], _stamp(entry["password"]))


# --- what the CLI and the admin's page call ------------------------------------------------------


def list_users(config: Config) -> list[User]:
    """Every account, by name."""
    return sorted((_user(u) for u in _read(users_file(config))), key=lambda u: u.name)


def get_user(config: Config, name: str) -> User | None:
    """The account of that name, or None."""
    entry = _find(_read(users_file(config)), normalise_name(name))
    return _user(entry) if entry else None


def add_user(config: Config, name: str, role: str, password: str) -> User:
    """Create an account; UsageError when the name is taken or anything is invalid."""
    name, role = check_name(name), check_role(role)
    hashed = generate_password_hash(check_password(password), method=_METHOD)
    with _changing(config) as users:
        if _find(users, name):
            raise UsageError(f"there is already an account named {name}")
        users.append({"name": name, "role": role, "password": hashed,
                      "created": datetime.now(UTC).isoformat(timespec="seconds")})
    return User(name, role, _stamp(hashed))


def remove_user(config: Config, name: str) -> User:
    """Delete an account (its sessions end at their next request); UsageError when unknown."""
    name = normalise_name(name)
    with _changing(config) as users:
        entry = _find(users, name)
        if entry is None:
            raise UsageError(f"no account named {name}")
        users.remove(entry)
    return _user(entry)


def set_password(config: Config, name: str, password: str) -> User:
    """Give an account a new password (its open sessions end); UsageError when unknown."""
    name = normalise_name(name)
    hashed = generate_password_hash(check_password(password), method=_METHOD)
    with _changing(config) as users:
        entry = _find(users, name)
        if entry is None:
            raise UsageError(f"no account named {name}")
        entry["password"] = hashed
    return _user(entry)


def verify(config: Config, name: str, password: str) -> User | None:
    """The account when the password is its own, else None (an unknown name takes as long)."""
    entry = _find(_read(users_file(config)), normalise_name(name))
    if len(password) > PASSWORD_MAX:
        password = password[:PASSWORD_MAX + 1]  # still wrong, but cheap to hash
    if entry is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return _user(entry) if check_password_hash(entry["password"], password) else None
