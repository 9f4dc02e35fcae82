"""Telling which unique index a duplicate-key error hit, on every backend."""

from __future__ import annotations

from pymongo.errors import BulkWriteError

DUPLICATE_KEY = 11000
UNIQUE_FIELDS = ("email_key", "document_key", "secret_hash", "_id")


def duplicate_field(details: dict | None, message: str = "") -> str | None:
    """The field of the unique index a duplicate-key error names.

    MongoDB and mongomock give `keyPattern`; the embedded server only names the
    index in its message (`idx_<collection>_<field>` or `<collection>._id`).
    """
    details = details or {}
    pattern = details.get("keyPattern") or details.get("keyValue")
    if pattern:
        return next(iter(pattern))
    text = message or details.get("errmsg", "")
    for field in UNIQUE_FIELDS:
        if field in text:
            return field
    return None


def bulk_write_failures(exc: BulkWriteError) -> dict[int, str | None]:
    """Index of each failed operation -> the unique field it clashed on (None: not a duplicate)."""
    failures = {}
    for error in exc.details.get("writeErrors", []):
        field = duplicate_field(error, error.get("errmsg", "")) if error.get("code") == DUPLICATE_KEY else None
        failures[error["index"]] = field
    return failures
