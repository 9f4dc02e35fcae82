"""The store that `serve` and `api-keys` work on: MONGODB_URI, or the embedded one in a data directory."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from customer_credit.cli.errors import CommandError
from customer_credit.settings import Settings

if TYPE_CHECKING:
    from customer_credit.persistence.database import Database

T = TypeVar("T")


def settings_for(args: argparse.Namespace) -> Settings:
    """--data-dir beats CUSTOMER_CREDIT_DATA_DIR. Settings(data_dir=...) would be ignored:
    the field is read through its alias only."""
    settings = Settings()
    data_dir = getattr(args, "data_dir", None)
    return settings.model_copy(update={"data_dir": Path(data_dir)}) if data_dir else settings


def check_data_dir(path: Path) -> None:
    """Fail before anything starts, in one line, rather than in the embedded server's log."""
    if path.exists() and not path.is_dir():
        raise CommandError(f"data directory {path} is not usable: it is not a directory", 2)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise CommandError(f"data directory {path} is not usable: {exc.strerror or exc}", 2) from None


def startup_error(exc: BaseException | None) -> CommandError | None:
    from customer_credit.persistence.database import DatabaseError
    from customer_credit.persistence.embedded import DataDirInUse, EmbeddedServerError

    if isinstance(exc, DataDirInUse):
        return CommandError(str(exc), 2)
    if isinstance(exc, EmbeddedServerError):
        return CommandError(f"the embedded database did not start: {exc}")
    if isinstance(exc, DatabaseError):
        # Its message is a long topology description; the first clause says what failed.
        return CommandError(f"cannot use the database: {str(exc).split(', Timeout:')[0]}")
    return None


def require_store(settings: Settings) -> None:
    """For the commands that only read or revoke: an embedded store is made on first use, and one
    made for them (in a mistyped --data-dir, or in ./data of whatever directory this runs in)
    would only answer that it is empty."""
    from customer_credit.persistence.embedded import holds_store

    if settings.mongodb_uri is None and not holds_store(settings.data_dir, settings.mongodb_database):
        raise CommandError(
            f"there is no store in {settings.data_dir.resolve()}: "
            "point at one with --data-dir, CUSTOMER_CREDIT_DATA_DIR or MONGODB_URI",
            2,
        )


async def with_database(settings: Settings, action: Callable[[Database], Awaitable[T]]) -> T:
    """Run `action(database)` against the configured store, reusing a running `serve`'s embedded
    server (so a command never opens the same SQLite files from a second server)."""
    from customer_credit.persistence.database import DatabaseError, connect
    from customer_credit.persistence.embedded import EmbeddedServerError, embedded_store

    async def run(uri: str) -> T:
        database = connect(uri, settings.mongodb_database, timeout_ms=settings.mongodb_timeout_ms)
        try:
            await database.create_indexes()
            return await action(database)
        finally:
            database.close()

    try:
        if settings.mongodb_uri:
            return await run(settings.mongodb_uri)
        async with embedded_store(settings.data_dir) as uri:
            return await run(uri)
    except (EmbeddedServerError, DatabaseError) as exc:
        error = startup_error(exc)
        if error is None:
            raise
        raise error from None
