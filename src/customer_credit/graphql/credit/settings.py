"""`storeSettings` (any valid key) and `updateStoreSettings` (admin): the store's credit settings."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from strawberry.types import Info

from customer_credit.domain.credit import CreditRuleViolation
from customer_credit.domain.settings_rules import StoreSettings as StoreSettingsRecord
from customer_credit.domain.settings_rules import StoreSettingsUpdate
from customer_credit.graphql.core.permissions import requires
from customer_credit.graphql.credit.errors import CreditError, credit_errors
from customer_credit.usecases.store_settings import store_settings, update_store_settings


@strawberry.type
class StoreSettings:
    invoice_due_days: int = strawberry.field(
        description="Invoice k of a settlement is due k times this many days after it (1 to 120)."
    )
    max_installments: int = strawberry.field(description="The most installments an authorization may ask (1 to 48).")
    authorization_ttl_hours: int = strawberry.field(
        description="How long a hold lives when authorizeCredit gives no expiresAt (1 to 720)."
    )
    tolerance_enabled: bool = strawberry.field(
        description="Whether an account's tolerance counts in its spendingLimit."
    )
    postponement_enabled: bool = strawberry.field(description="Whether invoices may be postponed.")
    max_postponement_days: int = strawberry.field(
        description="The most days an invoice may be postponed, in total (0 to 180)."
    )
    updated_at: datetime | None = strawberry.field(description="Null while the defaults were never changed.")
    updated_by: str | None = strawberry.field(description="The name of the API key that last updated them.")

    @classmethod
    def of(cls, settings: StoreSettingsRecord) -> StoreSettings:
        updated_at = settings.updated_at_ms
        return cls(
            invoice_due_days=settings.invoice_due_days,
            max_installments=settings.max_installments,
            authorization_ttl_hours=settings.authorization_ttl_hours,
            tolerance_enabled=settings.tolerance_enabled,
            postponement_enabled=settings.postponement_enabled,
            max_postponement_days=settings.max_postponement_days,
            updated_at=datetime.fromtimestamp(updated_at / 1000, tz=UTC) if updated_at is not None else None,
            updated_by=settings.updated_by,
        )


@strawberry.input(description="Only the given settings change; every value out of range is INVALID_SETTING.")
class StoreSettingsInput:
    invoice_due_days: int | None = None
    max_installments: int | None = None
    authorization_ttl_hours: int | None = None
    tolerance_enabled: bool | None = None
    postponement_enabled: bool | None = None
    max_postponement_days: int | None = None

    def update(self) -> StoreSettingsUpdate:
        return StoreSettingsUpdate(
            invoice_due_days=self.invoice_due_days,
            max_installments=self.max_installments,
            authorization_ttl_hours=self.authorization_ttl_hours,
            tolerance_enabled=self.tolerance_enabled,
            postponement_enabled=self.postponement_enabled,
            max_postponement_days=self.max_postponement_days,
        )


@strawberry.type
class StoreSettingsPayload:
    settings: StoreSettings | None
    errors: list[CreditError]


@strawberry.type
class StoreSettingsQueries:
    @strawberry.field(description="The store's credit settings (the defaults until an admin changes them).")
    async def store_settings(self, info: Info) -> StoreSettings:
        return StoreSettings.of(await store_settings(info.context.services.store_settings))


@strawberry.type
class StoreSettingsMutations:
    @strawberry.mutation(permission_classes=[requires("admin")])
    async def update_store_settings(self, info: Info, input: StoreSettingsInput) -> StoreSettingsPayload:
        context = info.context
        try:
            settings = await update_store_settings(
                context.services.store_settings, input.update(), actor=context.caller.name
            )
        except CreditRuleViolation as violation:
            return StoreSettingsPayload(settings=None, errors=credit_errors(violation.errors))
        return StoreSettingsPayload(settings=StoreSettings.of(settings), errors=[])
