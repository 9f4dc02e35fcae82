"""The per-request context every resolver receives: the caller and the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from customer_credit.accept_language import request_language
from customer_credit.domain.api_keys import Caller
from customer_credit.domain.messages import Language
from customer_credit.domain.settings_rules import StoreSettings
from customer_credit.graphql.accounts.types import Account
from customer_credit.observability.metrics import Metrics
from customer_credit.persistence.account_batches import AccountBatchRepository
from customer_credit.persistence.accounts import AccountRepository
from customer_credit.persistence.api_keys import ApiKeyRepository
from customer_credit.persistence.database import Database
from customer_credit.persistence.imports import ImportRunRepository
from customer_credit.persistence.ledger import LedgerRepository
from customer_credit.persistence.store_settings import StoreSettingsRepository
from customer_credit.settings import Settings
from customer_credit.usecases.credit import Ledgers


@dataclass
class Services:
    """What the app builds once in its lifespan and shares between requests."""

    settings: Settings
    database: Database
    accounts: AccountRepository
    api_keys: ApiKeyRepository
    imports: ImportRunRepository
    account_batches: AccountBatchRepository
    store_settings: StoreSettingsRepository
    ledger: LedgerRepository
    metrics: Metrics
    import_worker: Any = None

    @classmethod
    def build(cls, settings: Settings, database: Database, metrics: Metrics | None = None) -> Services:
        return cls(
            settings=settings,
            database=database,
            accounts=AccountRepository(database),
            api_keys=ApiKeyRepository(database, settings.api_key_cache_seconds),
            imports=ImportRunRepository(database),
            account_batches=AccountBatchRepository(database),
            store_settings=StoreSettingsRepository(database),
            ledger=LedgerRepository(database),
            metrics=metrics or Metrics(),
        )

    async def ledgers(self) -> Ledgers:
        """What a credit operation needs, with the store's settings as they are now."""
        return Ledgers(self.ledger, self.accounts, await self.store_settings.get())


@dataclass
class RequestContext:
    request: Any
    response: Any
    caller: Caller | None
    services: Services
    connection_params: dict[str, Any] | None = None
    _store_settings: StoreSettings | None = field(default=None, repr=False)

    async def store_settings(self) -> StoreSettings:
        """The store's settings, read once per request."""
        if self._store_settings is None:
            self._store_settings = await self.services.store_settings.get()
        return self._store_settings

    async def account(self, account_id: str) -> Account | None:
        """The account as a payload shows it (masked for a key without `pii:read`)."""
        found = await self.services.accounts.get(account_id)
        return Account.of(found, pii=self.can_read_pii) if found is not None else None

    async def ledgers(self) -> Ledgers:
        return Ledgers(self.services.ledger, self.services.accounts, await self.store_settings())

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def language(self) -> Language:
        """The language the request's Accept-Language asks for: every message it reads is in it."""
        return request_language(getattr(self.request, "headers", None))

    @property
    def can_read_pii(self) -> bool:
        return self.caller is not None and self.caller.has("pii:read")
