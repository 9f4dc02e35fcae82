"""The store's credit settings: one document, `_id: "store"`, in `store_settings`.

Nothing stored means the contract's defaults; a setting missing from the stored document
(one added after it was written) reads as its default too. `updated_at` is int epoch
milliseconds, never a datetime (a top-level `$set` of a datetime is a string on the embedded
server).
"""

from __future__ import annotations

import time
from typing import Any

from customer_credit.domain.settings_rules import DEFAULT_STORE_SETTINGS, StoreSettings
from customer_credit.persistence.database import STORE_SETTINGS, Database

STORE_ID = "store"

# attribute of StoreSettings → key in the stored document
STORED_KEYS = {
    "invoice_due_days": "invoice_due_days",
    "max_installments": "max_installments",
    "authorization_ttl_hours": "authorization_ttl_hours",
    "tolerance_enabled": "tolerance_enabled",
    "postponement_enabled": "postponement_enabled",
    "max_postponement_days": "max_postponement_days",
    "updated_at_ms": "updated_at",
    "updated_by": "updated_by",
}


def settings_document(settings: StoreSettings) -> dict[str, Any]:
    """The stored fields (without `_id`)."""
    return {key: getattr(settings, attribute) for attribute, key in STORED_KEYS.items()}


def settings_from_document(document: dict[str, Any] | None) -> StoreSettings:
    if document is None:
        return DEFAULT_STORE_SETTINGS
    return StoreSettings(
        **{
            attribute: document.get(key, getattr(DEFAULT_STORE_SETTINGS, attribute))
            for attribute, key in STORED_KEYS.items()
        }
    )


class StoreSettingsRepository:
    """Every authorization needs the settings, which change rarely: they are read at most once per
    `max_age_s` per process. A save in this process is seen at once; one in another process within
    `max_age_s`."""

    def __init__(self, database: Database, max_age_s: float = 1.0):
        self.collection = database.collection(STORE_SETTINGS)
        self.max_age_s = max_age_s
        self._cached: tuple[float, StoreSettings] | None = None

    async def get(self) -> StoreSettings:
        if self._cached is not None and time.monotonic() - self._cached[0] < self.max_age_s:
            return self._cached[1]
        read_at = time.monotonic()
        settings = settings_from_document(await self.collection.find_one({"_id": STORE_ID}))
        if self._cached is None or self._cached[0] <= read_at:  # not over a save made meanwhile
            self._cached = (read_at, settings)
        return settings

    async def save(self, settings: StoreSettings) -> None:
        """Write every setting: an upsert with `$set` of plain values (ints, booleans, strings, null)."""
        self._cached = None
        await self.collection.update_one({"_id": STORE_ID}, {"$set": settings_document(settings)}, upsert=True)
        self._cached = (time.monotonic(), settings)
