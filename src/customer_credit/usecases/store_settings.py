"""Reading and changing the store's credit settings."""

from __future__ import annotations

from customer_credit.domain.clock import now_ms
from customer_credit.domain.settings_rules import StoreSettings, StoreSettingsUpdate, apply_settings_update
from customer_credit.persistence.store_settings import StoreSettingsRepository


async def store_settings(repo: StoreSettingsRepository) -> StoreSettings:
    """The settings in force: the stored ones, or the defaults while none are stored."""
    return await repo.get()


async def update_store_settings(
    repo: StoreSettingsRepository, update: StoreSettingsUpdate, actor: str
) -> StoreSettings:
    """Change the given settings and stamp who and when; the settings as saved.

    Raises CreditRuleViolation (every INVALID_SETTING at once) and then writes nothing.
    """
    current = await repo.get()
    changed = apply_settings_update(current, update, now_ms=now_ms(), actor=actor)
    await repo.save(changed)
    return changed
