"""What every REST handler reads: the services, the path's ids, the store settings, the view of
an account for this caller, and the `Idempotency-Key` header."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request

from customer_credit.domain.accounts import validate_account_id
from customer_credit.domain.api_keys import Caller
from customer_credit.domain.clock import now_ms
from customer_credit.domain.settings_rules import StoreSettings
from customer_credit.http.rest.accounts_json import ACCOUNT_ID_SCHEMA, AccountView
from customer_credit.http.rest.spec import Parameter
from customer_credit.usecases.credit import Ledgers
from customer_credit.usecases.store_settings import store_settings

PREFIX = "/api/creditcontrol"
ACCOUNTS_PATH = f"{PREFIX}/accounts"
ACCOUNT_PATH = f"{ACCOUNTS_PATH}/{{accountId}}"
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")

ACCOUNT_ID_PARAMETER = Parameter(
    "accountId", "path", ACCOUNT_ID_SCHEMA, "The account's id: 1 to 64 characters of A-Z, a-z, 0-9, _ or -.", True
)


def whole_number(text: str) -> int | None:
    """A query parameter's whole number: digits only (no sign, no fraction), at most nine; else None."""
    return int(text) if WHOLE_NUMBER.fullmatch(text) else None


def services(request: Request) -> Any:
    return request.app.state.services


def account_id_of(request: Request) -> str:
    """The path's account id, checked (400 INVALID_ID)."""
    return validate_account_id(request.path_params["accountId"])


async def settings_of(request: Request) -> StoreSettings:
    """The store's settings, read once per request."""
    cached = getattr(request.state, "store_settings", None)
    if cached is None:
        cached = await store_settings(services(request).store_settings)
        request.state.store_settings = cached
    return cached


async def account_view(request: Request, caller: Caller) -> AccountView:
    settings = await settings_of(request)
    return AccountView(pii=caller.has("pii:read"), tolerance_enabled=settings.tolerance_enabled, now_ms=now_ms())


async def ledgers_of(request: Request) -> Ledgers:
    context = services(request)
    return Ledgers(context.ledger, context.accounts, await settings_of(request))


def idempotency_key_of(request: Request) -> str | None:
    """The `Idempotency-Key` header, as sent (the use cases check it); None without one: not deduplicated."""
    return request.headers.get(IDEMPOTENCY_KEY_HEADER)
