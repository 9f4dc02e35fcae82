"""`PUT /accounts/{accountId}/creditlimit`, `PUT /accounts/{accountId}/tolerance` and `GET|PUT /storeconfig`.

The limit and the tolerance change through the same use case as the account PUT
(`open_or_change_account`: validation, history, the ledger's headroom follow at once); unlike
it, these never open an account (404 NOT_FOUND for an unknown id). The store configuration is the
store settings of `usecases/store_settings.py`: any valid key reads it, only `admin` changes it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from starlette.requests import Request
from starlette.responses import Response

from customer_credit.domain.accounts import AccountRequest
from customer_credit.domain.api_keys import Caller
from customer_credit.domain.errors import AccountRuleViolation
from customer_credit.domain.settings_rules import StoreSettingsUpdate
from customer_credit.http.rest.accounts_json import account_json
from customer_credit.http.rest.bodies import InputField, parse_object
from customer_credit.http.rest.credit_json import (
    CREDIT_LIMIT_FIELDS,
    STORE_CONFIG_FIELDS,
    TOLERANCE_FIELDS,
    store_config_json,
)
from customer_credit.http.rest.errors import ApiError
from customer_credit.http.rest.exact_json import json_response
from customer_credit.http.rest.requests import (
    ACCOUNT_ID_PARAMETER,
    ACCOUNT_PATH,
    PREFIX,
    account_id_of,
    account_view,
    services,
    settings_of,
)
from customer_credit.http.rest.spec import Handler, Operation, Outcome
from customer_credit.usecases.accounts import not_found, open_or_change_account
from customer_credit.usecases.store_settings import update_store_settings

STORE_CONFIG_PATH = f"{PREFIX}/storeconfig"
SETTINGS_TAG = "Store configuration"
ACCOUNTS_TAG = "Accounts"


def account_change(
    fields: tuple[InputField, ...], request_of: Callable[[Decimal], AccountRequest], domain_field: str
) -> Handler:
    """A handler that changes one of the account's fields to the body's `value` (`request_of` says which;
    the domain's errors about it name `value`, the member at fault)."""

    async def change(request: Request, caller: Caller) -> Response:
        account_id = account_id_of(request)
        value: Decimal = parse_object(await request.body(), fields)["value"]
        accounts = services(request).accounts
        if await accounts.get(account_id, fields={"id"}) is None:
            raise not_found(account_id)
        try:
            outcome = await open_or_change_account(
                accounts,
                account_id=account_id,
                request=request_of(value),
                actor=caller.name,
                can_read_pii=caller.has("pii:read"),
            )
        except AccountRuleViolation as violation:
            raise ApiError.from_violation(violation, {domain_field: "value"}) from None
        return json_response(account_json(outcome.account, await account_view(request, caller)))

    return change


async def get_store_config(request: Request, caller: Caller) -> Response:
    return json_response(store_config_json(await settings_of(request)))


async def put_store_config(request: Request, caller: Caller) -> Response:
    values = parse_object(await request.body(), STORE_CONFIG_FIELDS)
    update = StoreSettingsUpdate(
        **{
            field.attribute: values[field.name]
            for field in STORE_CONFIG_FIELDS
            if field.attribute and field.name in values
        }
    )
    saved = await update_store_settings(services(request).store_settings, update, actor=caller.name)
    return json_response(store_config_json(saved))


def account_field_operation(
    path: str, operation_id: str, summary: str, what: str, component: str, handler: Handler, code: str
) -> Operation:
    return Operation(
        method="PUT",
        path=path,
        operation_id=operation_id,
        summary=summary,
        description=f"Sets the account's {what} to `value`, as the account PUT would (recorded in its history "
        "with the API key's name as actor); its availableCredit follows at once. Lowering it below what is in use "
        "is allowed (availableCredit is then negative). Never opens an account.",
        tag=ACCOUNTS_TAG,
        handler=handler,
        scopes=("accounts:write",),
        parameters=(ACCOUNT_ID_PARAMETER,),
        request_component=component,
        responses={
            200: Outcome("The account, changed (or already with this value).", "Account"),
            400: Outcome(
                f"The request breaks a rule; `code` says which: INVALID_ID, {code} (value), MALFORMED_JSON, "
                "UNKNOWN_MEMBER (naming the member).",
                "Error",
            ),
            404: Outcome("No account has this id (NOT_FOUND).", "Error"),
            409: Outcome("The account is closed (ACCOUNT_CLOSED) or changed meanwhile (VERSION_CONFLICT).", "Error"),
            413: Outcome("The request body is too large (TOO_LARGE).", "Error"),
        },
    )


SETTINGS_OPERATIONS: tuple[Operation, ...] = (
    account_field_operation(
        f"{ACCOUNT_PATH}/creditlimit",
        "changeCreditLimit",
        "Change an account's credit limit",
        "credit limit",
        "CreditLimitRequest",
        account_change(CREDIT_LIMIT_FIELDS, lambda value: AccountRequest(credit_limit=value), "creditLimit"),
        "INVALID_CREDIT_LIMIT",
    ),
    account_field_operation(
        f"{ACCOUNT_PATH}/tolerance",
        "changeTolerance",
        "Change an account's tolerance",
        "tolerance (how far over its credit limit it may spend, while the store setting toleranceEnabled is true)",
        "ToleranceRequest",
        account_change(TOLERANCE_FIELDS, lambda value: AccountRequest(tolerance=value), "tolerance"),
        "INVALID_TOLERANCE",
    ),
    Operation(
        method="GET",
        path=STORE_CONFIG_PATH,
        operation_id="getStoreConfig",
        summary="The store's credit configuration",
        description="The store settings every credit rule reads (the defaults until an admin changes them).",
        tag=SETTINGS_TAG,
        handler=get_store_config,
        responses={200: Outcome("The store configuration.", "StoreConfig")},
    ),
    Operation(
        method="PUT",
        path=STORE_CONFIG_PATH,
        operation_id="putStoreConfig",
        summary="Change the store's credit configuration",
        description="Only the members given change; nothing changes unless every one is in range. The change "
        "is stamped with the API key's name and the time (updatedBy, updatedAt).",
        tag=SETTINGS_TAG,
        handler=put_store_config,
        scopes=("admin",),
        request_component="StoreConfigRequest",
        responses={
            200: Outcome("The configuration as saved.", "StoreConfig"),
            400: Outcome(
                "A value is out of range or of the wrong type (INVALID_SETTING, each on its member), "
                "MALFORMED_JSON, or UNKNOWN_MEMBER (naming the member).",
                "Error",
            ),
            413: Outcome("The request body is too large (TOO_LARGE).", "Error"),
        },
    ),
)
