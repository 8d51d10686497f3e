"""What a command that failed tells the user: one or two lines and a documented exit status, never a traceback."""

from __future__ import annotations

import errno
import traceback
from dataclasses import dataclass

EXIT_ERROR = 1  # bad input or config, or an unexpected error
EXIT_USAGE = 2  # wrong options or arguments (typer/click)
EXIT_BAD_LINES = 3  # `pulse import` stored the good lines and rejected some
EXIT_DATABASE = 4  # the database cannot be reached, opened, written or is missing
EXIT_SERVICE = 5  # an external service (Telegram, a source API) is down or answered wrongly
EXIT_FILESYSTEM = 6  # a file could not be read or written (disk full, read-only, permissions)
EXIT_INTERRUPTED = 130


@dataclass
class Failure:
    """The user-facing account of an exception."""

    message: str
    hint: str
    code: int


class DatabaseMissing(Exception):
    """A command that only reads was pointed at a SQLite file that does not exist (nothing is created)."""


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:300]


def _database(exc: Exception) -> Failure:
    text = _first_line(exc)
    low = text.lower()
    if "readonly" in low or "read-only" in low:
        return Failure(f"the database is read-only: {text}", "check the permissions of the database file and its folder", EXIT_DATABASE)
    if "disk is full" in low or "no space" in low:
        return Failure(f"the disk is full: {text}", "free some space (or `pulse db prune`) and run the command again", EXIT_DATABASE)
    if "unable to open database" in low:
        return Failure(f"cannot open the database: {text}", "check storage.url / PULSE_DATABASE_URL and that its folder exists", EXIT_DATABASE)
    if "no such table" in low or "undefinedtable" in low or "does not exist" in low:
        return Failure(f"the database has no Culture Pulse schema: {text}", "run `pulse db upgrade` (or check that the URL names the right database)", EXIT_DATABASE)
    return Failure(f"database error: {text}", "check that the database is running and storage.url / PULSE_DATABASE_URL is right", EXIT_DATABASE)


def _os_error(exc: OSError) -> Failure:
    where = f" {exc.filename}" if exc.filename else ""
    reason = exc.strerror or str(exc)
    hints = {
        errno.ENOSPC: "free some disk space and run the command again",
        errno.EROFS: "the filesystem is read-only: write somewhere else",
        errno.EACCES: "check the permissions of that path",
        errno.ENOENT: "check the path",
    }
    return Failure(f"cannot use{where}: {reason}", hints.get(exc.errno or 0, "check the path and free space"), EXIT_FILESYSTEM)


def describe(exc: BaseException) -> Failure:
    """Classify any exception a command let through."""
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, KeyboardInterrupt):
        return Failure("interrupted", "", EXIT_INTERRUPTED)
    if isinstance(exc, DatabaseMissing):
        return Failure(str(exc), "run `pulse import`, `pulse collect` or `pulse db upgrade` first, or fix storage.url / PULSE_DATABASE_URL", EXIT_DATABASE)
    if isinstance(exc, SQLAlchemyError):
        return _database(exc)
    if isinstance(exc, OSError):
        return _os_error(exc)
    try:
        from telegram.error import TelegramError
    except ImportError:  # pragma: no cover
        TelegramError = ()  # type: ignore[assignment]  # noqa: N806
    import httpx
    import requests

    if isinstance(exc, TelegramError | httpx.HTTPError | requests.RequestException):
        return Failure(f"the service did not answer as expected: {type(exc).__name__}: {_first_line(exc)}",
                       "check the network, the token and api_base_url; `pulse doctor --online` tells more", EXIT_SERVICE)
    return Failure(f"unexpected error: {type(exc).__name__}: {_first_line(exc)}",
                   "run again with -v for the details, and report it if it persists", EXIT_ERROR)


def format_traceback(exc: BaseException) -> str:
    """The traceback, for -v."""
    return "".join(traceback.format_exception(exc))
