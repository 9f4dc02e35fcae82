"""The credit contract's Scopes section, one rule at a time, over GraphQL.

- `credit:read` reads transactions, invoices and statements (Account.transactions/invoices/statement,
  creditTransaction, invoice, invoices);
- `credit:write` authorizes, settles, cancels and refunds;
- `invoices:write` pays, cancels and postpones invoices and adjusts balances;
- `accounts:read` shows the four numbers of an account;
- `updateStoreSettings` needs `admin`, and `admin` has all;
- a money mutation refused as FORBIDDEN writes nothing (not even its idempotency key).

Each refusal is tried with a key holding every other scope but `admin`, so only the one scope is
missing. (`accounts:write` managing holders is not tested: addAccountHolder is not built yet.)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from customer_credit.domain.api_keys import ADMIN, SCOPES
from customer_credit.persistence.database import (
    ACCOUNT_EVENTS,
    ACCOUNTS,
    CREDIT_TRANSACTIONS,
    IDEMPOTENCY_KEYS,
    INVOICES,
    STATEMENT_ENTRIES,
    STORE_SETTINGS,
)
from tests.support.credit import (
    ADJUST,
    AUTHORIZE,
    CANCEL,
    CANCEL_INVOICE,
    NUMBERS,
    PAY,
    POSTPONE,
    REFUND,
    SETTLE,
    authorize,
    credit_account,
    ledger,
    settled,
)
from tests.support.graphql import error_codes, graphql

CREDIT_COLLECTIONS = [ACCOUNTS, ACCOUNT_EVENTS, CREDIT_TRANSACTIONS, INVOICES, STATEMENT_ENTRIES, IDEMPOTENCY_KEYS]


@dataclass(frozen=True)
class Ids:
    """An account with one hold of 100.00 and one settlement of 60.00 in 2 invoices."""

    account: str
    held: str
    settled: str
    invoice: str


@pytest.fixture
async def ids(client) -> Ids:
    account_id = await credit_account(client, limit="1000.00")
    held = await authorize(client, account_id, "100.00")
    sold = await settled(client, account_id, "60.00", installments=2)
    return Ids(account_id, held["id"], sold["id"], sold["invoices"][0]["id"])


@dataclass(frozen=True)
class Operation:
    name: str  # the top-level field
    scope: str
    document: str
    variables: Callable[[Ids], dict[str, Any]]
    also_needs: tuple[str, ...] = ()  # reading through `account(id:)` needs accounts:read too

    def __str__(self) -> str:
        return self.name


def account_list(field: str, node: str = "id") -> Operation:
    document = f"query List($id: ID!) {{ account(id: $id) {{ id {field} {{ totalCount nodes {{ {node} }} }} }} }}"
    return Operation("account", "credit:read", document, lambda ids: {"id": ids.account}, ("accounts:read",))


READS = {
    "Account.transactions": account_list("transactions"),
    "Account.invoices": account_list("invoices"),
    "Account.statement": account_list("statement", "id kind transactionId"),
    "creditTransaction": Operation(
        "creditTransaction",
        "credit:read",
        "query Transaction($id: ID!) { creditTransaction(id: $id) { id status invoices { id } } }",
        lambda ids: {"id": ids.settled},
    ),
    "invoice": Operation(
        "invoice",
        "credit:read",
        "query Invoice($id: ID!) { invoice(id: $id) { id amount status } }",
        lambda ids: {"id": ids.invoice},
    ),
    "invoices": Operation(
        "invoices",
        "credit:read",
        "query Invoices($filter: InvoiceFilter) { invoices(filter: $filter) { totalCount nodes { id amount } } }",
        lambda ids: {"filter": {"accountId": ids.account}},
    ),
}


def money_mutation(name: str, scope: str, document: str, input: Callable[[Ids], dict[str, Any]]) -> Operation:
    return Operation(name, scope, document, lambda ids: {"input": {**input(ids), "idempotencyKey": f"scoped-{name}"}})


CREDIT_WRITES = {
    "authorizeCredit": money_mutation(
        "authorizeCredit", "credit:write", AUTHORIZE, lambda ids: {"accountId": ids.account, "amount": "10.00"}
    ),
    "settleCredit": money_mutation(
        "settleCredit", "credit:write", SETTLE, lambda ids: {"transactionId": ids.held, "amount": "100.00"}
    ),
    "cancelCredit": money_mutation("cancelCredit", "credit:write", CANCEL, lambda ids: {"transactionId": ids.held}),
    "refundCredit": money_mutation(
        "refundCredit", "credit:write", REFUND, lambda ids: {"transactionId": ids.settled, "amount": "5.00"}
    ),
}
INVOICE_WRITES = {
    "payInvoice": money_mutation("payInvoice", "invoices:write", PAY, lambda ids: {"invoiceId": ids.invoice}),
    "cancelInvoice": money_mutation(
        "cancelInvoice", "invoices:write", CANCEL_INVOICE, lambda ids: {"invoiceId": ids.invoice}
    ),
    "postponeInvoice": money_mutation(
        "postponeInvoice", "invoices:write", POSTPONE, lambda ids: {"invoiceId": ids.invoice, "days": 5}
    ),
    "adjustBalance": money_mutation(
        "adjustBalance",
        "invoices:write",
        ADJUST,
        lambda ids: {"accountId": ids.account, "amount": "-7.50", "note": "goodwill"},
    ),
}
WRITES = {**CREDIT_WRITES, **INVOICE_WRITES}
# What each write does to the account's numbers (spendingLimit, balance, heldCredit, availableCredit),
# from 1000.00 / -60.00 / 100.00 / 840.00.
AFTER = {
    "authorizeCredit": ("1000.00", "-60.00", "110.00", "830.00"),
    "settleCredit": ("1000.00", "-160.00", "0.00", "840.00"),
    "cancelCredit": ("1000.00", "-60.00", "0.00", "940.00"),
    "refundCredit": ("1000.00", "-55.00", "100.00", "845.00"),
    "payInvoice": ("1000.00", "-30.00", "100.00", "870.00"),
    "cancelInvoice": ("1000.00", "-30.00", "100.00", "870.00"),
    "postponeInvoice": ("1000.00", "-60.00", "100.00", "840.00"),
    "adjustBalance": ("1000.00", "-67.50", "100.00", "832.50"),
}
BEFORE = ("1000.00", "-60.00", "100.00", "840.00")
UPDATE_SETTINGS = """
mutation Settings($input: StoreSettingsInput!) {
  updateStoreSettings(input: $input) { settings { invoiceDueDays } errors { code } }
}
"""
STORE_SETTINGS_QUERY = "query { storeSettings { invoiceDueDays } }"


def all_but(scope: str) -> list[str]:
    return [s for s in SCOPES if s not in (scope, ADMIN)]


def numbers(account: dict) -> tuple[str, ...]:
    return tuple(account[k] for k in NUMBERS.split())


async def store_contents(database) -> dict[str, list[dict]]:
    return {
        name: await database.collection(name).find({}).sort("_id", 1).to_list(length=None)
        for name in CREDIT_COLLECTIONS
    }


def assert_forbidden(result: dict, scope: str, *hidden: str) -> None:
    """FORBIDDEN naming the scope, nothing in `data`, and none of the hidden ids anywhere in the answer."""
    assert error_codes(result) == ["FORBIDDEN"], result
    assert f"'{scope}'" in result["errors"][0]["message"]
    assert all(value is None for value in (result["data"] or {}).values()), result["data"]
    text = json.dumps(result)
    assert not [value for value in hidden if value in text], text


# --- credit:read ------------------------------------------------------------------------------


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
async def test_credit_reads_without_credit_read_are_forbidden_and_return_nothing(client_with, ids, read):
    caller = await client_with(*all_but("credit:read"))

    result = await graphql(caller, read.document, **read.variables(ids))

    assert_forbidden(result, "credit:read", ids.held, ids.settled, ids.invoice, "60.00", "30.00")


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
async def test_credit_reads_need_nothing_more_than_credit_read(client_with, ids, read):
    caller = await client_with(read.scope, *read.also_needs)

    result = await graphql(caller, read.document, **read.variables(ids))

    assert "errors" not in result, result["errors"]
    assert result["data"][read.name] is not None
    assert ids.settled in json.dumps(result["data"])


# --- credit:write and invoices:write ------------------------------------------------------------


@pytest.mark.parametrize("write", CREDIT_WRITES.values(), ids=CREDIT_WRITES.keys())
async def test_authorize_settle_cancel_and_refund_need_credit_write(client_with, ids, write):
    forbidden = await graphql(await client_with(*all_but("credit:write")), write.document, **write.variables(ids))
    allowed = await graphql(await client_with("credit:write"), write.document, **write.variables(ids))

    assert_forbidden(forbidden, "credit:write")
    assert "errors" not in allowed, allowed["errors"]
    assert allowed["data"][write.name]["errors"] == []
    assert numbers(allowed["data"][write.name]["account"]) == AFTER[write.name]


@pytest.mark.parametrize("write", INVOICE_WRITES.values(), ids=INVOICE_WRITES.keys())
async def test_invoice_actions_and_adjustments_need_invoices_write(client_with, ids, write):
    forbidden = await graphql(await client_with(*all_but("invoices:write")), write.document, **write.variables(ids))
    allowed = await graphql(await client_with("invoices:write"), write.document, **write.variables(ids))

    assert_forbidden(forbidden, "invoices:write")
    assert "errors" not in allowed, allowed["errors"]
    assert allowed["data"][write.name]["errors"] == []
    assert numbers(allowed["data"][write.name]["account"]) == AFTER[write.name]


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
async def test_a_forbidden_money_mutation_writes_nothing(client, client_with, database, ids, write):
    before = await ledger(client, ids.account)
    stored = await store_contents(database)
    caller = await client_with(*all_but(write.scope))

    result = await graphql(caller, write.document, **write.variables(ids))

    assert error_codes(result) == ["FORBIDDEN"]
    assert await ledger(client, ids.account) == before
    assert numbers(before) == BEFORE
    assert await store_contents(database) == stored
    # Not even its key: the same call by a key allowed to make it is a first call, and applies.
    retried = await graphql(client, write.document, **write.variables(ids))
    assert retried["data"][write.name]["errors"] == []
    assert numbers(await ledger(client, ids.account)) == AFTER[write.name]


# --- accounts:read, admin -----------------------------------------------------------------------


async def test_accounts_read_alone_shows_the_four_numbers(client_with, ids):
    caller = await client_with("accounts:read")

    result = await graphql(caller, f"query Numbers($id: ID!) {{ account(id: $id) {{ {NUMBERS} }} }}", id=ids.account)

    assert "errors" not in result, result["errors"]
    assert numbers(result["data"]["account"]) == BEFORE


async def test_update_store_settings_needs_admin(client_with, database):
    every_other_scope = await client_with(*all_but(ADMIN))
    admin = await client_with(ADMIN)

    forbidden = await graphql(every_other_scope, UPDATE_SETTINGS, input={"invoiceDueDays": 10})
    unchanged = await graphql(every_other_scope, STORE_SETTINGS_QUERY)
    stored = await database.collection(STORE_SETTINGS).find({}).to_list(length=None)
    allowed = await graphql(admin, UPDATE_SETTINGS, input={"invoiceDueDays": 10})

    assert_forbidden(forbidden, ADMIN)
    assert (unchanged["data"]["storeSettings"]["invoiceDueDays"], stored) == (30, [])
    assert allowed["data"]["updateStoreSettings"] == {"settings": {"invoiceDueDays": 10}, "errors": []}


@pytest.mark.parametrize("operation", [*READS.values(), *WRITES.values()], ids=[*READS.keys(), *WRITES.keys()])
async def test_admin_alone_has_every_credit_scope(client_with, ids, operation):
    admin = await client_with(ADMIN)

    result = await graphql(admin, operation.document, **operation.variables(ids))

    assert "errors" not in result, result["errors"]
    payload = result["data"][operation.name]
    assert payload is not None
    assert not (isinstance(payload, dict) and payload.get("errors")), payload
