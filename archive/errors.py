"""One family of errors, each with a message meant for the person who caused it."""

from __future__ import annotations

# Exit codes of every `archive` command (the README lists them).
EXIT_FAILED = 1  # (0 is done) the command failed: the reason is on stderr, nothing was changed
EXIT_USAGE = 2  # a wrong option, or no usable configuration
EXIT_PARTIAL = 3  # done, but some files were rejected or kept at an earlier version


class ArchiveError(Exception):
    """Base of every error the archive reports to a user.

    `message` is safe to show (no traceback, no internal path); `status` is the HTTP
    status the web edge answers with; `exit_code` is what the CLI exits with. `details`,
    when given, is more for the same person (several lines: what is there, how to recover);
    the CLI prints it on stdout before the message.
    """

    status: int = 500
    exit_code: int = EXIT_FAILED

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ConfigError(ArchiveError):
    """The configuration file is missing, unreadable or invalid."""

    exit_code = EXIT_USAGE


class UsageError(ArchiveError):
    """A command was given something it cannot mean (e.g. a malformed generation name)."""

    status = 400
    exit_code = 2


class InvalidArticle(ArchiveError):
    """An article (file or imported record) breaks the archive's rules."""

    status = 422


class UnreadableInput(ArchiveError):
    """An input file cannot be decoded or parsed at all."""

    status = 422


class NotFound(ArchiveError):
    """Something asked for does not exist."""

    status = 404


class QueryError(ArchiveError):
    """A search query or parameter the archive refuses, with a hint to fix it."""

    status = 400


class IndexUnavailable(ArchiveError):
    """No usable index generation is serving."""

    status = 503


class JobLocked(ArchiveError):
    """Another job holds the archive's job lock."""

    status = 409


class RateLimited(ArchiveError):
    """Too many requests from one client."""

    status = 429
