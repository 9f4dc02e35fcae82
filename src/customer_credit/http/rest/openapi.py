"""The OpenAPI 3.1 document at `GET /api/creditcontrol/openapi.json`, generated from the registry.

Nothing here is written by hand twice: paths, methods, parameters and statuses come from the
`Operation`s, and the schemas from the field lists the mapping code itself uses. Like every
route but the health checks, the document needs an API key (any key, no scope): the contract
makes every other route keyed, and a client that can call the API has one.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from customer_credit.domain.api_keys import Caller
from customer_credit.http.rest.accounts_json import ACCOUNT_FIELDS, HOLDER_FIELDS, REQUEST_FIELDS
from customer_credit.http.rest.bodies import object_schema
from customer_credit.http.rest.credit_json import (
    AUTHORIZE_FIELDS,
    CREDIT_LIMIT_FIELDS,
    ENTRY_MEMBERS,
    INVOICE_MEMBERS,
    POSTPONEMENT_FIELDS,
    REFUND_FIELDS,
    SETTLE_FIELDS,
    STORE_CONFIG_FIELDS,
    STORE_CONFIG_MEMBERS,
    TOLERANCE_FIELDS,
    TRANSACTION_MEMBERS,
    members_schema,
)
from customer_credit.http.rest.errors import ERROR_CODES
from customer_credit.http.rest.exact_json import to_json
from customer_credit.http.rest.spec import Operation, Outcome

OPENAPI_PATH = "/api/creditcontrol/openapi.json"

SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer <secret>`."},
    "appKey": {"type": "apiKey", "in": "header", "name": "X-VTEX-API-AppKey", "description": "The API key's name."},
    "appToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-VTEX-API-AppToken",
        "description": "The API key's secret.",
    },
}
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"appKey": [], "appToken": []}]


def ref(component: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{component}"}


def summary_schema(what: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["count"],
        "properties": {
            "count": {"type": "integer", "minimum": 0, "description": what},
            "precision": {
                "type": "string",
                "enum": ["EXACT", "AT_LEAST"],
                "description": "Only with countLimit: whether count is every match (EXACT) or countLimit, "
                "there being more (AT_LEAST).",
            },
        },
    }


def page_schema(item: str, order: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": f"{order} One keyset page: pass `paging.next` as `after` for the next one.",
        "required": ["data", "summary", "paging"],
        "properties": {
            "data": {"type": "array", "items": ref(item)},
            "summary": summary_schema("Every match, not only this page's."),
            "paging": {
                "type": "object",
                "required": ["next"],
                "properties": {
                    "next": {"type": ["string", "null"], "description": "The next page's `after`; null on the last."}
                },
            },
        },
    }


def component_schemas() -> dict[str, Any]:
    error_detail: dict[str, Any] = {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "enum": list(ERROR_CODES)},
            "message": {"type": "string"},
            "field": {"type": "string", "description": "The request member or parameter at fault, if one is."},
        },
    }
    return {
        "Account": {
            "type": "object",
            "required": [field.name for field in ACCOUNT_FIELDS],
            "properties": {field.name: field.schema for field in ACCOUNT_FIELDS},
        },
        "AccountRequest": object_schema(REQUEST_FIELDS, "The account PUT's body."),
        "HolderRequest": object_schema(HOLDER_FIELDS, "The holder to add."),
        "AccountList": {
            "type": "object",
            "required": ["data", "summary"],
            "properties": {
                "data": {"type": "array", "items": ref("Account")},
                "summary": summary_schema("Matching accounts."),
            },
        },
        "CreditTransaction": members_schema(
            TRANSACTION_MEMBERS, "A hold on an account's credit and what became of it."
        ),
        "Invoice": members_schema(INVOICE_MEMBERS, "One installment of a settled transaction."),
        "StatementEntry": members_schema(ENTRY_MEMBERS, "One change of an account's balance."),
        "StatementPage": page_schema("StatementEntry", "Newest first."),
        "InvoicePage": page_schema("Invoice", "By due date, then id."),
        "StoreConfig": members_schema(STORE_CONFIG_MEMBERS, "The store's credit settings."),
        "AuthorizeRequest": object_schema(AUTHORIZE_FIELDS, "What to hold."),
        "SettleRequest": object_schema(SETTLE_FIELDS, "What to settle."),
        "RefundRequest": object_schema(REFUND_FIELDS, "What to refund."),
        "PostponementRequest": object_schema(POSTPONEMENT_FIELDS, "How far to move the due date."),
        "CreditLimitRequest": object_schema(CREDIT_LIMIT_FIELDS, "The new credit limit."),
        "ToleranceRequest": object_schema(TOLERANCE_FIELDS, "The new tolerance."),
        "StoreConfigRequest": object_schema(STORE_CONFIG_FIELDS, "The settings to change; omitted or null: unchanged."),
        "ErrorDetail": error_detail,
        "Error": {
            "type": "object",
            "description": "The first error at the top level; every error in `errors` "
            "(validation reports all of a request's errors at once).",
            "required": ["code", "message"],
            "properties": {
                **error_detail["properties"],
                "errors": {"type": "array", "items": ref("ErrorDetail")},
                "errorId": {"type": "string", "description": "For 5xx: the id under which the failure was logged."},
            },
        },
    }


def response_object(outcome: Outcome) -> dict[str, Any]:
    response: dict[str, Any] = {"description": outcome.description}
    if outcome.component is not None:
        response["content"] = {outcome.media_type: {"schema": ref(outcome.component)}}
    elif outcome.schema is not None:
        response["content"] = {outcome.media_type: {"schema": outcome.schema}}
    if outcome.headers:
        response["headers"] = outcome.headers
    return response


def operation_object(operation: Operation) -> dict[str, Any]:
    scopes = ", ".join(operation.scopes) if operation.scopes else "none (any valid key)"
    body: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "description": f"{operation.description}\n\nScopes: {scopes}.",
        "tags": [operation.tag],
        "security": SECURITY,
        "responses": {str(status): response_object(o) for status, o in operation.all_responses().items()},
    }
    if operation.scopes:
        body["x-scopes"] = list(operation.scopes)
    if operation.parameters:
        body["parameters"] = [
            {
                "name": p.name,
                "in": p.location,
                "required": p.required or p.location == "path",
                "description": p.description,
                "schema": p.schema,
            }
            for p in operation.parameters
        ]
    if operation.request_component:
        schema = ref(operation.request_component)
        body["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    return body


def package_version() -> str:
    try:
        return metadata.version("customer-credit")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def openapi_document(operations: list[Operation]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        paths.setdefault(operation.path, {})[operation.method.lower()] = operation_object(operation)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Customer Credit: REST compatibility API",
            "version": package_version(),
            "description": "The original Customer Credit API's routes (accounts, transactions, invoices, "
            "statements, store configuration), served by the same rules as the GraphQL API at /graphql. Money is "
            "an exact JSON number (two decimal places); errors are `{code, message, field}` with 4xx statuses "
            "(400 the request, 404 NOT_FOUND, 409 the stored state refuses it). The money operations take an "
            "optional Idempotency-Key header. Authenticate with a Bearer key, or with the pair X-VTEX-API-AppKey "
            "(the key's name) and X-VTEX-API-AppToken (its secret).",
        },
        "tags": [{"name": tag} for tag in sorted({operation.tag for operation in operations})],
        "security": SECURITY,
        "paths": paths,
        "components": {"schemas": component_schemas(), "securitySchemes": SECURITY_SCHEMES},
    }


def openapi_operation(operations: list[Operation]) -> Operation:
    """The document's own route; it lists itself too."""
    holder: dict[str, bytes] = {}

    async def serve(request: Request, caller: Caller) -> Response:
        return Response(holder["body"], media_type="application/json")

    operation = Operation(
        method="GET",
        path=OPENAPI_PATH,
        operation_id="openApiDocument",
        summary="This OpenAPI document",
        description="Generated from the service's route registry.",
        tag="Meta",
        handler=serve,
        responses={
            200: Outcome("The OpenAPI 3.1 document.", schema={"type": "object", "required": ["openapi", "paths"]})
        },
    )
    holder["body"] = to_json(openapi_document([*operations, operation])).encode("utf-8")
    return operation
