"""The OpenAPI document at /api/creditcontrol/openapi.json: generated from the route registry, and
every (operation, status) it documents is answered that way, with the documented body."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import pytest_asyncio
from starlette.routing import Route

OPENAPI_URL = "/api/creditcontrol/openapi.json"
ACCOUNT_URL = "/api/creditcontrol/accounts/{}"
ACCOUNTS_URL = "/api/creditcontrol/accounts"
EXPORT_URL = "/accounts/export.csv"
INVOICE_EXPORT_URL = "/invoices/export.csv"

OPEN_BODY = b'{"email": "open@example.com", "creditLimit": 1500.10}'
TAKEN_EMAIL_BODY = b'{"email": "taken@example.com"}'
BAD_EMAIL_BODY = b'{"email": "not-an-email"}'
OVERSIZED_BODY = b'{"description": "' + b"x" * 1_100_000 + b'"}'
CREDIT_URL = "/api/creditcontrol/accounts/{}/transactions"
SETTLE_URL = CREDIT_URL + "/{}/settlement"
REFUND_URL = CREDIT_URL + "/{}/refunds"
INVOICE_URL = "/api/creditcontrol/accounts/{}/invoices/{}"
INVOICES_URL = "/api/creditcontrol/invoices"
STORE_CONFIG_URL = "/api/creditcontrol/storeconfig"
VALUE_BODY = b'{"value": 10.00}'


@pytest_asyncio.fixture
async def document(client) -> dict:
    response = await client.get(OPENAPI_URL)
    assert response.status_code == 200
    return response.json()


@pytest_asyncio.fixture
async def seeded(client):
    for account_id, body in (
        ("acc-1", OPEN_BODY),
        ("acc-taken", TAKEN_EMAIL_BODY),
        ("acc-closed", b'{"email": "c@example.com"}'),
    ):
        assert (await client.put(ACCOUNT_URL.format(account_id), content=body)).status_code == 201
    assert (await client.delete(ACCOUNT_URL.format("acc-closed"))).status_code == 200


def resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


JSON_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def mismatches(schema: dict, value: Any, document: dict, where: str = "$") -> list[str]:
    """Where `value` breaks `schema`: types, required members, enums (the subset the document uses)."""
    schema = resolve(schema, document)
    types = schema.get("type")
    if types is not None:
        allowed = tuple(JSON_TYPES[t] for t in ([types] if isinstance(types, str) else types))
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            return [f"{where}: {value!r} is not {types}"]
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, dict):
        problems += [f"{where}.{name}: missing" for name in schema.get("required", []) if name not in value]
        for name, member in schema.get("properties", {}).items():
            if name in value:
                problems += mismatches(member, value[name], document, f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += mismatches(schema["items"], item, document, f"{where}[{index}]")
    return problems


# One request per documented (operationId, status); each gets the clients and the database switch.
SCENARIOS = {
    ("openOrChangeAccount", 200): lambda c: c.key.put(ACCOUNT_URL.format("acc-1"), content=b'{"creditLimit": 7}'),
    ("openOrChangeAccount", 201): lambda c: c.key.put(
        ACCOUNT_URL.format("acc-new"), content=OPEN_BODY.replace(b"open@", b"new@")
    ),
    ("openOrChangeAccount", 400): lambda c: c.key.put(ACCOUNT_URL.format("acc-new"), content=BAD_EMAIL_BODY),
    ("openOrChangeAccount", 401): lambda c: c.anonymous.put(ACCOUNT_URL.format("acc-new"), content=OPEN_BODY),
    ("openOrChangeAccount", 403): lambda c: c.reader.put(ACCOUNT_URL.format("acc-new"), content=OPEN_BODY),
    ("openOrChangeAccount", 409): lambda c: c.key.put(ACCOUNT_URL.format("acc-new"), content=TAKEN_EMAIL_BODY),
    ("openOrChangeAccount", 413): lambda c: c.key.put(ACCOUNT_URL.format("acc-1"), content=OVERSIZED_BODY),
    ("openOrChangeAccount", 503): lambda c: c.down(c.key.put(ACCOUNT_URL.format("acc-1"), content=OPEN_BODY)),
    ("getAccount", 200): lambda c: c.reader.get(ACCOUNT_URL.format("acc-1")),
    ("getAccount", 400): lambda c: c.key.get(ACCOUNT_URL.format("a.b")),
    ("getAccount", 401): lambda c: c.anonymous.get(ACCOUNT_URL.format("acc-1")),
    ("getAccount", 403): lambda c: c.writer.get(ACCOUNT_URL.format("acc-1")),
    ("getAccount", 404): lambda c: c.key.get(ACCOUNT_URL.format("nobody")),
    ("getAccount", 503): lambda c: c.down(c.key.get(ACCOUNT_URL.format("acc-1"))),
    ("closeAccount", 200): lambda c: c.key.delete(ACCOUNT_URL.format("acc-1")),
    ("closeAccount", 400): lambda c: c.key.delete(ACCOUNT_URL.format("a.b")),
    ("closeAccount", 401): lambda c: c.anonymous.delete(ACCOUNT_URL.format("acc-1")),
    ("closeAccount", 403): lambda c: c.reader.delete(ACCOUNT_URL.format("acc-1")),
    ("closeAccount", 404): lambda c: c.key.delete(ACCOUNT_URL.format("nobody")),
    ("closeAccount", 409): lambda c: c.key.delete(ACCOUNT_URL.format("acc-closed")),
    ("closeAccount", 503): lambda c: c.down(c.key.delete(ACCOUNT_URL.format("acc-1"))),
    ("searchAccounts", 200): lambda c: c.reader.get(ACCOUNTS_URL, params={"from": 1, "to": 2, "status": "Open"}),
    ("searchAccounts", 400): lambda c: c.key.get(ACCOUNTS_URL, params={"from": 1, "to": 101}),
    ("searchAccounts", 401): lambda c: c.anonymous.get(ACCOUNTS_URL),
    ("searchAccounts", 403): lambda c: c.writer.get(ACCOUNTS_URL),
    ("searchAccounts", 503): lambda c: c.down(c.key.get(ACCOUNTS_URL)),
    ("openApiDocument", 200): lambda c: c.writer.get(OPENAPI_URL),
    ("openApiDocument", 401): lambda c: c.anonymous.get(OPENAPI_URL),
    ("openApiDocument", 503): lambda c: c.down(c.key.get(OPENAPI_URL), "api_keys"),
    ("exportAccounts", 200): lambda c: c.key.get(EXPORT_URL, params={"status": "OPEN"}),
    ("exportAccounts", 400): lambda c: c.key.get(EXPORT_URL, params={"documentType": "RG"}),
    ("exportAccounts", 401): lambda c: c.anonymous.get(EXPORT_URL),
    ("exportAccounts", 403): lambda c: c.reader.get(EXPORT_URL),
    ("exportAccounts", 503): lambda c: c.down(c.key.get(EXPORT_URL)),
    ("exportInvoices", 200): lambda c: c.key.get(INVOICE_EXPORT_URL, params={"status": "Open", "overdue": "false"}),
    ("exportInvoices", 400): lambda c: c.key.get(INVOICE_EXPORT_URL, params={"dueFrom": "tomorrow"}),
    ("exportInvoices", 401): lambda c: c.anonymous.get(INVOICE_EXPORT_URL),
    ("exportInvoices", 403): lambda c: c.reader.get(INVOICE_EXPORT_URL),
    ("exportInvoices", 503): lambda c: c.down(c.key.get(INVOICE_EXPORT_URL), "ledger"),
}


# --- the credit operations: each scenario makes the state it needs through the admin key -----------


async def hold(c, value: bytes = VALUE_BODY) -> str:
    response = await c.key.post(CREDIT_URL.format("acc-1"), content=value)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def settled(c) -> tuple[str, str]:
    """A transaction of 10.00 settled in 2 installments: its id and its first invoice's."""
    transaction_id = await hold(c, b'{"value": 10.00, "installments": 2}')
    response = await c.key.put(SETTLE_URL.format("acc-1", transaction_id), content=VALUE_BODY)
    assert response.status_code == 200, response.text
    return transaction_id, response.json()["invoices"][0]["id"]


async def paid(c) -> str:
    _, invoice_id = await settled(c)
    assert (await c.key.post(INVOICE_URL.format("acc-1", invoice_id) + "/payments")).status_code == 200
    return invoice_id


async def settle_scenario(c, body: bytes = VALUE_BODY, twice: bool = False):
    transaction_id = (await settled(c))[0] if twice else await hold(c)
    return await c.key.put(SETTLE_URL.format("acc-1", transaction_id), content=body)


async def cancel_scenario(c, settle_first: bool = False):
    transaction_id = (await settled(c))[0] if settle_first else await hold(c)
    return await c.key.delete(CREDIT_URL.format("acc-1") + f"/{transaction_id}")


async def refund_scenario(c, body: bytes = b'{"value": 1.00}', reuse_key: bool = False):
    transaction_id, _ = await settled(c)
    url = REFUND_URL.format("acc-1", transaction_id)
    if not reuse_key:
        return await c.key.post(url, content=body)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    assert (await c.key.post(url, content=b'{"value": 1.00}', headers=key)).status_code == 200
    return await c.key.post(url, content=b'{"value": 2.00}', headers=key)


async def after_settlement(c, url: str, **params: Any):
    """A list read after a settlement, so that its page has entries to check against the schema."""
    await paid(c)
    return await c.key.get(url, params=params)


async def invoice_scenario(c, method: str, suffix: str = "", body: bytes | None = None, pay_first: bool = False):
    invoice_id = await paid(c) if pay_first else (await settled(c))[1]
    return await c.key.request(method, INVOICE_URL.format("acc-1", invoice_id) + suffix, content=body)


UNKNOWN_TRANSACTION = CREDIT_URL.format("acc-1") + "/no-such-transaction"
UNKNOWN_INVOICE = INVOICE_URL.format("acc-1", "no-such-invoice")
CREDIT_SCENARIOS = {
    ("authorizeCredit", 201): lambda c: c.key.post(CREDIT_URL.format("acc-1"), content=VALUE_BODY),
    ("authorizeCredit", 400): lambda c: c.key.post(CREDIT_URL.format("acc-1"), content=b'{"value": 0}'),
    ("authorizeCredit", 401): lambda c: c.anonymous.post(CREDIT_URL.format("acc-1"), content=VALUE_BODY),
    ("authorizeCredit", 403): lambda c: c.reader.post(CREDIT_URL.format("acc-1"), content=VALUE_BODY),
    ("authorizeCredit", 404): lambda c: c.key.post(CREDIT_URL.format("nobody"), content=VALUE_BODY),
    ("authorizeCredit", 409): lambda c: c.key.post(CREDIT_URL.format("acc-closed"), content=VALUE_BODY),
    ("authorizeCredit", 413): lambda c: c.key.post(CREDIT_URL.format("acc-1"), content=OVERSIZED_BODY),
    ("authorizeCredit", 503): lambda c: c.down(c.key.post(CREDIT_URL.format("acc-1"), content=VALUE_BODY), "ledger"),
    ("settleCredit", 200): lambda c: settle_scenario(c),
    ("settleCredit", 400): lambda c: settle_scenario(c, b'{"value": 10.01}'),
    ("settleCredit", 401): lambda c: c.anonymous.put(UNKNOWN_TRANSACTION + "/settlement", content=VALUE_BODY),
    ("settleCredit", 403): lambda c: c.reader.put(UNKNOWN_TRANSACTION + "/settlement", content=VALUE_BODY),
    ("settleCredit", 404): lambda c: c.key.put(UNKNOWN_TRANSACTION + "/settlement", content=VALUE_BODY),
    ("settleCredit", 409): lambda c: settle_scenario(c, twice=True),
    ("settleCredit", 413): lambda c: c.key.put(UNKNOWN_TRANSACTION + "/settlement", content=OVERSIZED_BODY),
    ("settleCredit", 503): lambda c: c.down(
        c.key.put(UNKNOWN_TRANSACTION + "/settlement", content=VALUE_BODY), "ledger"
    ),
    ("cancelCredit", 200): lambda c: cancel_scenario(c),
    ("cancelCredit", 400): lambda c: c.key.delete(CREDIT_URL.format("a.b") + "/t-1"),
    ("cancelCredit", 401): lambda c: c.anonymous.delete(UNKNOWN_TRANSACTION),
    ("cancelCredit", 403): lambda c: c.reader.delete(UNKNOWN_TRANSACTION),
    ("cancelCredit", 404): lambda c: c.key.delete(UNKNOWN_TRANSACTION),
    ("cancelCredit", 409): lambda c: cancel_scenario(c, settle_first=True),
    ("cancelCredit", 503): lambda c: c.down(c.key.delete(UNKNOWN_TRANSACTION), "ledger"),
    ("refundCredit", 200): lambda c: refund_scenario(c),
    ("refundCredit", 400): lambda c: refund_scenario(c, b'{"value": 10.01}'),
    ("refundCredit", 401): lambda c: c.anonymous.post(UNKNOWN_TRANSACTION + "/refunds", content=VALUE_BODY),
    ("refundCredit", 403): lambda c: c.reader.post(UNKNOWN_TRANSACTION + "/refunds", content=VALUE_BODY),
    ("refundCredit", 404): lambda c: c.key.post(UNKNOWN_TRANSACTION + "/refunds", content=VALUE_BODY),
    ("refundCredit", 409): lambda c: refund_scenario(c, reuse_key=True),
    ("refundCredit", 413): lambda c: c.key.post(UNKNOWN_TRANSACTION + "/refunds", content=OVERSIZED_BODY),
    ("refundCredit", 503): lambda c: c.down(c.key.post(UNKNOWN_TRANSACTION + "/refunds", content=VALUE_BODY), "ledger"),
    ("getStatements", 200): lambda c: after_settlement(c, ACCOUNT_URL.format("acc-1") + "/statements"),
    ("getStatements", 400): lambda c: c.key.get(ACCOUNT_URL.format("acc-1") + "/statements", params={"limit": 0}),
    ("getStatements", 401): lambda c: c.anonymous.get(ACCOUNT_URL.format("acc-1") + "/statements"),
    ("getStatements", 403): lambda c: c.reader.get(ACCOUNT_URL.format("acc-1") + "/statements"),
    ("getStatements", 404): lambda c: c.key.get(ACCOUNT_URL.format("nobody") + "/statements"),
    ("getStatements", 503): lambda c: c.down(c.key.get(ACCOUNT_URL.format("acc-1") + "/statements")),
    ("getAccountInvoices", 200): lambda c: after_settlement(c, ACCOUNT_URL.format("acc-1") + "/invoices", limit=1),
    ("getAccountInvoices", 400): lambda c: c.key.get(ACCOUNT_URL.format("acc-1") + "/invoices", params={"status": "x"}),
    ("getAccountInvoices", 401): lambda c: c.anonymous.get(ACCOUNT_URL.format("acc-1") + "/invoices"),
    ("getAccountInvoices", 403): lambda c: c.reader.get(ACCOUNT_URL.format("acc-1") + "/invoices"),
    ("getAccountInvoices", 404): lambda c: c.key.get(ACCOUNT_URL.format("nobody") + "/invoices"),
    ("getAccountInvoices", 503): lambda c: c.down(c.key.get(ACCOUNT_URL.format("acc-1") + "/invoices")),
    ("searchInvoices", 200): lambda c: after_settlement(c, INVOICES_URL, status="Open", creditAccountId="acc-1"),
    ("searchInvoices", 400): lambda c: c.key.get(INVOICES_URL, params={"from": "tomorrow"}),
    ("searchInvoices", 401): lambda c: c.anonymous.get(INVOICES_URL),
    ("searchInvoices", 403): lambda c: c.reader.get(INVOICES_URL),
    ("searchInvoices", 503): lambda c: c.down(c.key.get(INVOICES_URL), "ledger"),
    ("payInvoice", 200): lambda c: invoice_scenario(c, "POST", "/payments"),
    ("payInvoice", 400): lambda c: c.key.post(INVOICE_URL.format("a.b", "i-1") + "/payments"),
    ("payInvoice", 401): lambda c: c.anonymous.post(UNKNOWN_INVOICE + "/payments"),
    ("payInvoice", 403): lambda c: c.reader.post(UNKNOWN_INVOICE + "/payments"),
    ("payInvoice", 404): lambda c: c.key.post(UNKNOWN_INVOICE + "/payments"),
    ("payInvoice", 409): lambda c: invoice_scenario(c, "POST", "/payments", pay_first=True),
    ("payInvoice", 503): lambda c: c.down(c.key.post(UNKNOWN_INVOICE + "/payments"), "ledger"),
    ("postponeInvoice", 200): lambda c: invoice_scenario(c, "PUT", "/postponement", b'{"dueDays": 5}'),
    ("postponeInvoice", 400): lambda c: invoice_scenario(c, "PUT", "/postponement", b'{"dueDays": 0}'),
    ("postponeInvoice", 401): lambda c: c.anonymous.put(UNKNOWN_INVOICE + "/postponement", content=b'{"dueDays": 5}'),
    ("postponeInvoice", 403): lambda c: c.reader.put(UNKNOWN_INVOICE + "/postponement", content=b'{"dueDays": 5}'),
    ("postponeInvoice", 404): lambda c: c.key.put(UNKNOWN_INVOICE + "/postponement", content=b'{"dueDays": 5}'),
    ("postponeInvoice", 409): lambda c: invoice_scenario(c, "PUT", "/postponement", b'{"dueDays": 5}', pay_first=True),
    ("postponeInvoice", 413): lambda c: c.key.put(UNKNOWN_INVOICE + "/postponement", content=OVERSIZED_BODY),
    ("postponeInvoice", 503): lambda c: c.down(
        c.key.put(UNKNOWN_INVOICE + "/postponement", content=b'{"dueDays": 5}'), "ledger"
    ),
    ("cancelInvoice", 200): lambda c: invoice_scenario(c, "DELETE"),
    ("cancelInvoice", 400): lambda c: c.key.delete(INVOICE_URL.format("a.b", "i-1")),
    ("cancelInvoice", 401): lambda c: c.anonymous.delete(UNKNOWN_INVOICE),
    ("cancelInvoice", 403): lambda c: c.reader.delete(UNKNOWN_INVOICE),
    ("cancelInvoice", 404): lambda c: c.key.delete(UNKNOWN_INVOICE),
    ("cancelInvoice", 409): lambda c: invoice_scenario(c, "DELETE", pay_first=True),
    ("cancelInvoice", 503): lambda c: c.down(c.key.delete(UNKNOWN_INVOICE), "ledger"),
    ("getStoreConfig", 200): lambda c: c.reader.get(STORE_CONFIG_URL),
    ("getStoreConfig", 401): lambda c: c.anonymous.get(STORE_CONFIG_URL),
    ("getStoreConfig", 503): lambda c: c.down(c.key.get(STORE_CONFIG_URL), "store_settings"),
    ("putStoreConfig", 200): lambda c: c.key.put(STORE_CONFIG_URL, content=b'{"maxInstallments": 6}'),
    ("putStoreConfig", 400): lambda c: c.key.put(STORE_CONFIG_URL, content=b'{"maxInstallments": 49}'),
    ("putStoreConfig", 401): lambda c: c.anonymous.put(STORE_CONFIG_URL, content=b'{"maxInstallments": 6}'),
    ("putStoreConfig", 403): lambda c: c.writer.put(STORE_CONFIG_URL, content=b'{"maxInstallments": 6}'),
    ("putStoreConfig", 413): lambda c: c.key.put(STORE_CONFIG_URL, content=OVERSIZED_BODY),
    ("putStoreConfig", 503): lambda c: c.down(
        c.key.put(STORE_CONFIG_URL, content=b'{"maxInstallments": 6}'), "store_settings"
    ),
}
for _operation, _path, _body in (
    ("changeCreditLimit", "/creditlimit", b'{"value": 20.00}'),
    ("changeTolerance", "/tolerance", b'{"value": 0.05}'),
):
    _url = ACCOUNT_URL + _path
    CREDIT_SCENARIOS.update(
        {
            (_operation, 200): lambda c, u=_url, b=_body: c.key.put(u.format("acc-1"), content=b),
            (_operation, 400): lambda c, u=_url: c.key.put(u.format("acc-1"), content=b'{"value": -1}'),
            (_operation, 401): lambda c, u=_url, b=_body: c.anonymous.put(u.format("acc-1"), content=b),
            (_operation, 403): lambda c, u=_url, b=_body: c.reader.put(u.format("acc-1"), content=b),
            (_operation, 404): lambda c, u=_url, b=_body: c.key.put(u.format("nobody"), content=b),
            (_operation, 409): lambda c, u=_url, b=_body: c.key.put(u.format("acc-closed"), content=b),
            (_operation, 413): lambda c, u=_url: c.key.put(u.format("acc-1"), content=OVERSIZED_BODY),
            (_operation, 503): lambda c, u=_url, b=_body: c.down(c.key.put(u.format("acc-1"), content=b)),
        }
    )
SCENARIOS.update(CREDIT_SCENARIOS)


# --- holders: each scenario that needs one adds it through the admin key ------------------------------

HOLDERS_URL = ACCOUNT_URL + "/holders"
HOLDER_URL = HOLDERS_URL + "/{}"
HOLDER_BODY = b'{"claims": {"email": "holder@example.com"}}'


async def with_holder(c) -> str:
    response = await c.key.post(HOLDERS_URL.format("acc-1"), content=HOLDER_BODY)
    assert response.status_code == 201, response.text
    return response.json()["holders"][0]["id"]


async def add_holder_again(c):
    await with_holder(c)
    return await c.key.post(HOLDERS_URL.format("acc-1"), content=HOLDER_BODY)


async def remove_holder_of(c, client_name: str = "key"):
    holder_id = await with_holder(c)
    return await getattr(c, client_name).delete(HOLDER_URL.format("acc-1", holder_id))


async def remove_holder_of_closed(c):
    holder_id = await with_holder(c)
    assert (await c.key.delete(ACCOUNT_URL.format("acc-1"))).status_code == 200
    return await c.key.delete(HOLDER_URL.format("acc-1", holder_id))


SCENARIOS.update(
    {
        ("addAccountHolder", 200): add_holder_again,
        ("addAccountHolder", 201): lambda c: c.key.post(HOLDERS_URL.format("acc-1"), content=HOLDER_BODY),
        ("addAccountHolder", 400): lambda c: c.key.post(
            HOLDERS_URL.format("acc-1"), content=b'{"claims": {"email": "not-an-email"}}'
        ),
        ("addAccountHolder", 401): lambda c: c.anonymous.post(HOLDERS_URL.format("acc-1"), content=HOLDER_BODY),
        ("addAccountHolder", 403): lambda c: c.reader.post(HOLDERS_URL.format("acc-1"), content=HOLDER_BODY),
        ("addAccountHolder", 404): lambda c: c.key.post(HOLDERS_URL.format("nobody"), content=HOLDER_BODY),
        ("addAccountHolder", 409): lambda c: c.key.post(
            HOLDERS_URL.format("acc-1"), content=b'{"claims": {"email": "taken@example.com"}}'
        ),
        ("addAccountHolder", 503): lambda c: c.down(c.key.post(HOLDERS_URL.format("acc-1"), content=HOLDER_BODY)),
        ("removeAccountHolder", 200): remove_holder_of,
        ("removeAccountHolder", 400): lambda c: c.key.delete(HOLDER_URL.format("a.b", "h")),
        ("removeAccountHolder", 401): lambda c: remove_holder_of(c, "anonymous"),
        ("removeAccountHolder", 403): lambda c: remove_holder_of(c, "reader"),
        ("removeAccountHolder", 404): lambda c: c.key.delete(HOLDER_URL.format("acc-1", "nobody")),
        ("removeAccountHolder", 409): remove_holder_of_closed,
        ("removeAccountHolder", 503): lambda c: c.down(c.key.delete(HOLDER_URL.format("acc-1", "h"))),
    }
)


class Callers:
    def __init__(self, key, reader, writer, anonymous, down):
        self.key, self.reader, self.writer, self.anonymous = key, reader, writer, anonymous
        self._down = down

    def down(self, request, *repositories: str):
        """The request, sent once `repositories` fail as a lost database does (by default the
        accounts: API keys still work)."""
        self._down(*(repositories or ("accounts",)))
        return request


def documented(document: dict) -> list[tuple[str, str, str, int, dict]]:
    return [
        (path, method, operation["operationId"], int(status), response)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for status, response in operation["responses"].items()
    ]


async def test_document_is_openapi_3_1_with_both_auth_styles(document):
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] and document["info"]["version"]
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert {schemes["appKey"]["name"], schemes["appToken"]["name"]} == {"X-VTEX-API-AppKey", "X-VTEX-API-AppToken"}
    assert document["security"] == [{"bearerAuth": []}, {"appKey": [], "appToken": []}]


async def test_document_lists_exactly_the_apps_rest_and_export_routes(app, document):
    served = {
        (route.path, method.lower())
        for route in app.routes
        if isinstance(route, Route)
        and (route.path.startswith("/api/creditcontrol/") or route.path in (EXPORT_URL, INVOICE_EXPORT_URL))
        and "{rest:path}" not in route.path
        for method in route.methods - {"HEAD"}
    }

    assert {(path, method) for path, item in document["paths"].items() for method in item} == served


async def test_account_schema_is_built_from_the_fields_the_routes_return(client, document, seeded):
    account = (await client.get(ACCOUNT_URL.format("acc-1"))).json()

    schema = document["components"]["schemas"]["Account"]
    assert set(schema["required"]) == set(schema["properties"]) == set(account)


async def test_request_schema_lists_the_put_body_members(document):
    schema = document["components"]["schemas"]["AccountRequest"]

    assert set(schema["properties"]) == {
        "email",
        "creditLimit",
        "document",
        "documentType",
        "tolerance",
        "description",
        "expectedVersion",
    }


async def test_every_documented_status_has_a_scenario_here(document):
    assert {(operation_id, status) for _, _, operation_id, status, _ in documented(document)} == set(SCENARIOS)


@pytest.mark.parametrize(("operation_id", "status"), sorted(SCENARIOS))
async def test_every_route_answers_as_documented(
    client, client_with, anonymous, seeded, database_down, document, operation_id, status
):
    callers = Callers(
        client, await client_with("accounts:read"), await client_with("accounts:write"), anonymous, database_down
    )
    response_doc = next(r for _, _, o, s, r in documented(document) if (o, s) == (operation_id, status))

    response = await SCENARIOS[(operation_id, status)](callers)

    assert response.status_code == status, response.text
    content = response_doc.get("content")
    if content is None:
        assert response.content == b""
        return
    ((media_type, body),) = content.items()
    assert response.headers["content-type"].startswith(media_type)
    for header in response_doc.get("headers", {}):
        assert header.lower() in response.headers, header
    if media_type == "application/json":
        assert mismatches(body["schema"], response.json(), document) == []
