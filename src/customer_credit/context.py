"""The per-request context every resolver receives: the caller and the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .domain.keys import Caller
from .persistence.accounts import AccountRepository
from .persistence.api_keys import ApiKeyRepository
from .persistence.database import Database
from .settings import Settings


@dataclass
class Services:
    """What the app builds once in its lifespan and shares between requests."""

    settings: Settings
    database: Database
    accounts: AccountRepository
    api_keys: ApiKeyRepository
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings, database: Database) -> "Services":
        return cls(
            settings=settings,
            database=database,
            accounts=AccountRepository(database),
            api_keys=ApiKeyRepository(database),
        )


@dataclass
class RequestContext:
    request: Any
    response: Any
    caller: Caller
    services: Services

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def can_read_pii(self) -> bool:
        return self.caller.has("pii:read")
