"""The store's credit settings: one document, `_id: "store"`, in `store_settings`.

Nothing stored means the contract's defaults; a setting missing from the stored document
(one added after it was written) reads as its default too. `updated_at` is int epoch
milliseconds, never a datetime (a top-level `$set` of a datetime is a string on the embedded
server).
"""

from __future__ import annotations

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
    def __init__(self, database: Database):
        self.collection = database.collection(STORE_SETTINGS)

    async def get(self) -> StoreSettings:
        return settings_from_document(await self.collection.find_one({"_id": STORE_ID}))

    async def save(self, settings: StoreSettings) -> None:
        """Write every setting: an upsert with `$set` of plain values (ints, booleans, strings, null)."""
        await self.collection.update_one({"_id": STORE_ID}, {"$set": settings_document(settings)}, upsert=True)
