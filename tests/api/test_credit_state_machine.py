"""The credit ledger as a Hypothesis state machine driving the public GraphQL API.

Random sequences of the money mutations (authorize, settle, cancel, refund, pay, cancel and postpone
invoices, adjust balances; ids that name nothing; retries with an idempotency key, keys reused with
other input, a key of one mutation used by another), of limit and store-settings changes and of reads
by id run against the app through httpx, next to an exact model in cents (tests/api/ledger_model.py).
Each call's error codes must be the model's; after every step, for every account, read through the
API only:

- balance = the sum of the statement entries, and each entry's balanceAfter is the running sum;
- heldCredit = the sum of the AUTHORIZED transactions' amounts;
- availableCredit = spendingLimit + balance − heldCredit;
- each SETTLED transaction's invoices' originalAmounts add up to its settledAmount (one invoice per
  installment); a transaction that is not SETTLED has no invoices;
- refundedAmount ≤ settledAmount;
- no overdraw: heldCredit − balance ≤ spendingLimit while only authorizations have raised what the
  account uses (no debit adjustment, no limit lowered, tolerance not turned off), and after every
  successful authorization;
- the four numbers, every transaction, every invoice and the statement (oldest first) are the model's;
- `invoiceTotals`, overall and by status, are the sums of every account's invoices, at any point of the
  flushes of the kept totals into their document (a rule of its own, as the credit sweeper does them).

Holds use the default expiry (120 hours), so time plays no part. Each example gets a fresh database;
the machine runs on mongomock-motor and, with fewer examples, on the embedded server.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from customer_credit.http.app import create_app
from customer_credit.persistence.database import Database, connect
from customer_credit.persistence.invoice_totals import InvoiceTotalsRepository
from customer_credit.settings import Settings
from tests.support.accounts import OPEN_OR_CHANGE
from tests.support.clients import http_client, make_key
from tests.support.credit import (
    ADJUST,
    AUTHORIZE,
    CANCEL,
    CANCEL_INVOICE,
    ENTRY,
    INVOICE,
    INVOICE_BY_ID,
    INVOICES,
    NUMBERS,
    PAY,
    POSTPONE,
    REFUND,
    SETTLE,
    TRANSACTION_BY_ID,
    UPDATE_SETTINGS,
)
from tests.support.graphql import graphql, payload_of
from tests.support.ledger_model import (
    REFUSALS,
    LedgerModel,
    cents_of,
    invoice_view_of,
    loose_money,
    money,
    tolerance_text,
    transaction_view_of,
)
from tests.support.mongomock import in_memory_database

MAX_ACCOUNTS = 3
PAGE = 100
INVOICE_TOTALS = """
query Totals($filter: InvoiceFilter) {
  invoiceTotals(filter: $filter) { count amount openCount openAmount paidAmount }
}
"""

# mutation → (document, the payload field that names its outcome)
MUTATIONS = {
    "authorizeCredit": (AUTHORIZE, "transaction"),
    "settleCredit": (SETTLE, "transaction"),
    "cancelCredit": (CANCEL, "transaction"),
    "refundCredit": (REFUND, "transaction"),
    "payInvoice": (PAY, "invoice"),
    "cancelInvoice": (CANCEL_INVOICE, "invoice"),
    "postponeInvoice": (POSTPONE, "invoice"),
    "adjustBalance": (ADJUST, "entry"),
}

# The transactions without their invoices (one more read each): those come from the account's invoices.
LISTS = {
    "transactions": "id accountId amount settledAmount refundedAmount installments orderId status createdAt",
    "invoices": INVOICE,
    "statement": ENTRY,
}


def ledgers_query(account_count: int) -> str:
    """One request for the numbers and the lists of several accounts (`a0`, `a1`, …), each list from
    its own cursor and only when asked for (`$w<list><n>`)."""
    variables, fields = [], []
    for n in range(account_count):
        variables.append(f"$id{n}: ID!")
        lists = []
        for name, selection in LISTS.items():
            variables += [f"$after_{name}{n}: String", f"$want_{name}{n}: Boolean!"]
            lists.append(
                f"{name}(first: {PAGE}, after: $after_{name}{n}) @include(if: $want_{name}{n}) {{"
                f" totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {selection} }} }}"
            )
        fields.append(f"a{n}: account(id: $id{n}) {{ id {NUMBERS} {' '.join(lists)} }}")
    return f"query Ledgers({', '.join(variables)}) {{ {' '.join(fields)} }}"


async def full_ledgers(client, account_ids: list[str]) -> dict[str, dict]:
    """Each account's numbers and its three lists, every page of them: one request, more only for a
    list longer than a page."""
    cursors = {(n, name): None for n in range(len(account_ids)) for name in LISTS}
    wanted = set(cursors)
    ledgers: dict[str, dict] = {}
    query = ledgers_query(len(account_ids))
    while wanted:
        variables: dict[str, Any] = {}
        for n, account_id in enumerate(account_ids):
            variables[f"id{n}"] = account_id
            for name in LISTS:
                variables[f"after_{name}{n}"] = cursors[n, name]
                variables[f"want_{name}{n}"] = (n, name) in wanted
        result = await graphql(client, query, **variables)
        assert "errors" not in result, result["errors"]
        for n, account_id in enumerate(account_ids):
            account = result["data"][f"a{n}"]
            ledger = ledgers.setdefault(account_id, {**{k: account[k] for k in NUMBERS.split()}, "counts": {}})
            for name in LISTS:
                if (n, name) not in wanted:
                    continue
                connection = account[name]
                ledger.setdefault(name, []).extend(connection["nodes"])
                ledger["counts"][name] = connection["totalCount"]
                if connection["pageInfo"]["hasNextPage"]:
                    cursors[n, name] = connection["pageInfo"]["endCursor"]
                else:
                    wanted.discard((n, name))
    return ledgers


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, each as often as its weight (the first is where shrinking heads)."""
    return st.sampled_from([s for weight, s in choices for _ in range(weight)]).flatmap(lambda s: s)


LIMITS = weighted((6, st.integers(1_000, 300_000)), (1, st.sampled_from([0, 1])))
TOLERANCES = weighted((3, st.just(0)), (3, st.integers(0, 10_000)), (1, st.sampled_from([3333, 10_000])))
INSTALLMENTS = weighted((6, st.integers(1, 3)), (2, st.integers(4, 12)), (1, st.sampled_from([0, 13, 49])))
NOTES = weighted(
    (6, st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=20)),
    (1, st.sampled_from(["", "   ", " spaced out ", "n" * 500, "n" * 501])),
)


def utc_date_of(moment: str) -> date:
    return datetime.fromisoformat(moment).astimezone(UTC).date()


@dataclass
class Call:
    """A money mutation as sent, and what it answered."""

    mutation: str
    input: dict[str, Any]
    codes: list[str]
    result_id: str | None
    entry: dict | None = None  # adjustBalance's entry as first answered: entries never change

    @property
    def key(self) -> str:
        return self.input["idempotencyKey"]

    @property
    def claimed(self) -> bool:
        """Whether the key now names an operation (see ledger_model.REFUSALS)."""
        return not self.codes or self.codes[0] in REFUSALS[self.mutation]


@dataclass
class Backend:
    """An event loop of the test's own and a fresh database per example."""

    loop: asyncio.AbstractEventLoop
    open_database: Callable[[], Awaitable[Database]]
    close_database: Callable[[Database], Awaitable[None]]

    def run(self, coroutine: Awaitable[Any]) -> Any:
        return self.loop.run_until_complete(coroutine)


@contextmanager
def mongomock_backend() -> Iterator[Backend]:
    async def open_database() -> Database:
        database = in_memory_database(f"machine_{uuid.uuid4().hex[:12]}")
        await database.create_indexes()
        await InvoiceTotalsRepository(database).build()
        return database

    async def close_database(database: Database) -> None:
        database.close()

    loop = asyncio.new_event_loop()
    try:
        yield Backend(loop, open_database, close_database)
    finally:
        loop.close()


@contextmanager
def embedded_backend(uri: str) -> Iterator[Backend]:
    """One Motor client on this test's loop; a database of its own per example, dropped after it."""
    loop = asyncio.new_event_loop()
    holder = loop.run_until_complete(_connect(uri))

    async def open_database() -> Database:
        database = Database(client=holder.client, db=holder.client[f"machine_{uuid.uuid4().hex[:12]}"])
        await database.create_indexes()
        await InvoiceTotalsRepository(database).build()
        return database

    async def close_database(database: Database) -> None:
        await holder.client.drop_database(database.db.name)

    try:
        yield Backend(loop, open_database, close_database)
    finally:
        holder.close()
        loop.close()


async def _connect(uri: str) -> Database:
    return connect(uri, "unused", timeout_ms=5000)


class CreditLedgerMachine(RuleBasedStateMachine):
    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend
        self.model = LedgerModel()
        self.calls: list[Call] = []
        self.used_keys: set[tuple[str, str]] = set()
        self.account_ids: list[str] = []
        self.transaction_ids: list[str] = []  # in the order they were authorized
        self.invoice_ids: list[str] = []
        self.database = backend.run(backend.open_database())
        app = create_app(
            Settings(mongodb_uri="mongodb://unused", data_dir=Path("/nonexistent")), database=self.database
        )
        self.client = http_client(app, backend.run(make_key(self.database, "machine", {"admin"})))

    def teardown(self) -> None:
        self.backend.run(self.client.aclose())
        self.backend.run(self.backend.close_database(self.database))

    def run(self, coroutine: Awaitable[Any]) -> Any:
        return self.backend.run(coroutine)

    # --- calling the API -----------------------------------------------------------------------

    def send(self, mutation: str, input: dict[str, Any]) -> dict:
        document, _ = MUTATIONS[mutation]
        return payload_of(self.run(graphql(self.client, document, input=input)), mutation)

    def expected_codes(self, mutation: str, input: dict[str, Any], payload: dict) -> list[str]:
        """The model's codes for the call; applied to the model when it succeeds."""
        model = self.model
        amount = cents_of(input["amount"]) if "amount" in input else 0
        if mutation == "authorizeCredit":
            new_id = payload["transaction"]["id"] if payload["transaction"] else None
            return model.authorize(input["accountId"], amount, input["installments"], input.get("orderId"), new_id)
        if mutation == "settleCredit":
            settled = payload["transaction"]
            on = utc_date_of(settled["settledAt"]) if settled and settled["settledAt"] else datetime.now(UTC).date()
            return model.settle(input["transactionId"], amount, on=on)
        if mutation == "cancelCredit":
            return model.cancel(input["transactionId"])
        if mutation == "refundCredit":
            return model.refund(input["transactionId"], amount)
        if mutation == "payInvoice":
            return model.pay(input["invoiceId"])
        if mutation == "cancelInvoice":
            return model.cancel_invoice(input["invoiceId"])
        if mutation == "postponeInvoice":
            return model.postpone(input["invoiceId"], input["days"])
        assert mutation == "adjustBalance"
        return model.adjust(input["accountId"], amount, input["note"])

    def perform(self, mutation: str, **input: Any) -> Call:
        """Send a new call (a fresh key unless one is given) and check it against the model."""
        input.setdefault("idempotencyKey", f"key-{uuid.uuid4()}")
        assert (mutation, input["idempotencyKey"]) not in self.used_keys
        payload = self.send(mutation, input)
        expected = self.expected_codes(mutation, input, payload)
        actual = [error["code"] for error in payload["errors"]]
        assert actual == expected, f"{mutation}({input}): {payload['errors']}, the model expected {expected}"
        _, field = MUTATIONS[mutation]
        if expected:
            assert (payload[field], payload["account"]) == (None, None)
            result_id = None
        else:
            result_id = self.check_outcome(mutation, payload)
        if field == "entry" and not expected:
            entry, account_id = payload["entry"], input["accountId"]
            shown = (entry["kind"], entry["amount"], entry["transactionId"], entry["invoiceId"], entry["note"])
            assert shown == self.model.statement_view(account_id)[-1]
            assert entry["balanceAfter"] == self.model.numbers(account_id)["balance"]
        call = Call(mutation, input, actual, result_id, payload["entry"] if field == "entry" else None)
        self.calls.append(call)
        self.used_keys.add((mutation, call.key))
        return call

    def check_outcome(self, mutation: str, payload: dict) -> str:
        """A successful payload shows what the model holds now; the id of what it names."""
        _, field = MUTATIONS[mutation]
        found = payload[field]
        assert found is not None, payload
        account_id = payload["account"]["id"]
        assert {k: payload["account"][k] for k in NUMBERS.split()} == self.model.numbers(account_id)
        if field == "transaction":
            assert transaction_view_of(found) == self.model.transaction_view(found["id"])
        elif field == "invoice":
            assert invoice_view_of(found) == self.model.invoice_view(found["id"])
        return found["id"]

    # --- choosing ------------------------------------------------------------------------------

    def draw_transaction(self, data, status: str) -> str:
        """Mostly one whose status the operation needs, else any."""
        preferred = [t for t in self.transaction_ids if self.model.transactions[t].status == status]
        options = [(4, st.sampled_from(preferred))] if preferred else []
        return data.draw(weighted(*options, (1, st.sampled_from(self.transaction_ids))), label="transaction")

    def draw_invoice(self, data) -> str:
        """Mostly an OPEN one, else any."""
        open_ = [i for i in self.invoice_ids if self.model.invoices[i].status == "OPEN"]
        options = [(4, st.sampled_from(open_))] if open_ else []
        return data.draw(weighted(*options, (1, st.sampled_from(self.invoice_ids))), label="invoice")

    # --- accounts ------------------------------------------------------------------------------

    def open_account(self, limit: int, tolerance: int) -> None:
        account_id = f"acc-{uuid.uuid4().hex[:10]}"
        result = self.run(
            graphql(
                self.client,
                OPEN_OR_CHANGE,
                input={
                    "id": account_id,
                    "email": f"{account_id}@example.com",
                    "creditLimit": money(limit),
                    "tolerance": tolerance_text(tolerance),
                },
            )
        )
        assert payload_of(result, "openOrChangeAccount")["errors"] == []
        self.model.open_account(account_id, limit, tolerance)
        self.account_ids.append(account_id)

    @initialize(limit=LIMITS, tolerance=TOLERANCES)
    def first_account(self, limit: int, tolerance: int) -> None:
        self.open_account(limit, tolerance)

    @precondition(lambda self: len(self.account_ids) < MAX_ACCOUNTS)
    @rule(limit=LIMITS, tolerance=TOLERANCES)
    def another_account(self, limit: int, tolerance: int) -> None:
        self.open_account(limit, tolerance)

    @rule(data=st.data(), limit=LIMITS, tolerance=TOLERANCES)
    def change_limit(self, data, limit: int, tolerance: int) -> None:
        account_id = data.draw(st.sampled_from(self.account_ids), label="account")
        input = {"id": account_id, "creditLimit": money(limit), "tolerance": tolerance_text(tolerance)}
        payload = payload_of(self.run(graphql(self.client, OPEN_OR_CHANGE, input=input)), "openOrChangeAccount")
        assert payload["errors"] == []
        self.model.change_limit(account_id, limit, tolerance)

    @rule(
        changes=st.fixed_dictionaries(
            {},
            optional={
                "tolerance_enabled": st.booleans(),
                "postponement_enabled": weighted((3, st.just(True)), (1, st.just(False))),
                "invoice_due_days": st.integers(1, 120),
                "max_installments": st.integers(1, 48),
                "max_postponement_days": st.integers(0, 180),
            },
        )
    )
    def change_settings(self, changes: dict[str, Any]) -> None:
        """updateStoreSettings: the next operations follow the new settings."""
        input = {"".join(w.capitalize() if n else w for n, w in enumerate(k.split("_"))): v for k, v in changes.items()}
        payload = payload_of(self.run(graphql(self.client, UPDATE_SETTINGS, input=input)), "updateStoreSettings")
        assert payload["errors"] == []
        self.model.change_settings(**changes)

    # --- holds ---------------------------------------------------------------------------------

    @rule(data=st.data(), installments=INSTALLMENTS)
    def authorize(self, data, installments: int) -> None:
        """Amounts within the available credit, at it, just over it, far over it, and of a few cents."""
        account_id = data.draw(st.sampled_from(self.account_ids), label="account")
        available = max(self.model.available(self.model.accounts[account_id]), 0)
        within = [(6, st.integers(1, available)), (1, st.just(available))] if available else []
        amount = data.draw(
            weighted(
                *within,
                (1, st.just(available + 1)),
                (1, st.integers(available + 1, available + 10**6)),
                (1, st.integers(1, 5)),
            ),
            label="amount",
        )
        order_id = data.draw(st.none() | st.just(f"order-{uuid.uuid4().hex[:6]}"), label="orderId")
        extra = {"orderId": order_id} if order_id else {}
        call = self.perform(
            "authorizeCredit", accountId=account_id, amount=money(amount), installments=installments, **extra
        )
        if not call.codes:
            self.transaction_ids.append(call.result_id)
            numbers = self.model.numbers(account_id)
            held_less_balance = cents_of(numbers["heldCredit"]) - cents_of(numbers["balance"])
            assert held_less_balance <= cents_of(numbers["spendingLimit"]), "an authorization overdrew"

    @rule(data=st.data(), installments=st.integers(1, 6), part=st.sampled_from(["all", "some"]))
    def purchase(self, data, installments: int, part: str) -> None:
        """An order as a store makes one: a hold within the available credit, settled at once
        (in full, or less when fewer items shipped), so that invoices are there to act on."""
        account_id = data.draw(st.sampled_from(self.account_ids), label="account")
        installments = min(installments, self.model.settings.max_installments)
        available = self.model.available(self.model.accounts[account_id])
        if available < installments:
            return
        amount = data.draw(st.integers(installments, available), label="amount")
        call = self.perform("authorizeCredit", accountId=account_id, amount=money(amount), installments=installments)
        settled = amount if part == "all" else data.draw(st.integers(installments, amount), label="settled")
        self.transaction_ids.append(call.result_id)
        self.perform("settleCredit", transactionId=call.result_id, amount=money(settled))
        self.invoice_ids += self.model.transactions[call.result_id].invoice_ids

    @precondition(lambda self: self.transaction_ids)
    @rule(data=st.data())
    def settle(self, data) -> None:
        transaction_id = self.draw_transaction(data, "AUTHORIZED")
        transaction = self.model.transactions[transaction_id]
        full = transaction.amount
        amount = data.draw(
            weighted(
                (4, st.just(full)),
                (4, st.integers(min(transaction.installments, full), full)),
                (1, st.integers(full + 1, full + 10_000)),
                (1, st.integers(0, transaction.installments)),
            ),
            label="amount",
        )
        call = self.perform("settleCredit", transactionId=transaction_id, amount=money(amount))
        if not call.codes:
            self.invoice_ids += self.model.transactions[transaction_id].invoice_ids

    @precondition(lambda self: self.transaction_ids)
    @rule(data=st.data())
    def cancel(self, data) -> None:
        self.perform("cancelCredit", transactionId=self.draw_transaction(data, "AUTHORIZED"))

    @precondition(lambda self: self.transaction_ids)
    @rule(data=st.data())
    def refund(self, data) -> None:
        transaction_id = self.draw_transaction(data, "SETTLED")
        refundable = self.model.refundable(transaction_id)
        within = [(4, st.integers(1, refundable)), (2, st.just(refundable))] if refundable else []
        amount = data.draw(
            weighted(
                *within,
                (1, st.just(refundable + 1)),
                (1, st.integers(refundable + 1, refundable + 10_000)),
                (1, st.just(0)),
            ),
            label="amount",
        )
        self.perform("refundCredit", transactionId=transaction_id, amount=money(amount))

    # --- invoices and adjustments --------------------------------------------------------------

    @precondition(lambda self: self.invoice_ids)
    @rule(data=st.data())
    def pay_invoice(self, data) -> None:
        self.perform("payInvoice", invoiceId=self.draw_invoice(data))

    @precondition(lambda self: self.invoice_ids)
    @rule(data=st.data())
    def cancel_invoice(self, data) -> None:
        self.perform("cancelInvoice", invoiceId=self.draw_invoice(data))

    @precondition(lambda self: self.invoice_ids)
    @rule(
        data=st.data(),
        days=weighted(
            (5, st.integers(1, 15)), (1, st.just(30)), (1, st.integers(31, 60)), (1, st.sampled_from([0, -1]))
        ),
    )
    def postpone_invoice(self, data, days: int) -> None:
        self.perform("postponeInvoice", invoiceId=self.draw_invoice(data), days=days)

    @rule(
        data=st.data(),
        amount=weighted((6, st.integers(-50_000, 50_000)), (1, st.sampled_from([0, -1, 1]))),
        note=NOTES,
    )
    def adjust_balance(self, data, amount: int, note: str) -> None:
        account_id = data.draw(st.sampled_from(self.account_ids), label="account")
        # Keys are scoped to the mutation: one used by another mutation is a new key here.
        elsewhere = sorted({c.key for c in self.calls} - {k for m, k in self.used_keys if m == "adjustBalance"})
        key = data.draw((st.none() | st.sampled_from(elsewhere)) if elsewhere else st.none(), label="key")
        extra = {"idempotencyKey": key} if key else {}
        self.perform("adjustBalance", accountId=account_id, amount=money(amount), note=note, **extra)

    @rule(
        mutation=st.sampled_from(sorted(MUTATIONS)),
        unknown=st.sampled_from(["missing", "acc-missing", "00000000-0000-4000-8000-000000000000-01"]),
    )
    def unknown_target(self, mutation: str, unknown: str) -> None:
        """An id that names nothing: NOT_FOUND, nothing changes."""
        target = {
            "authorizeCredit": {"accountId": unknown, "amount": "1.00", "installments": 1},
            "settleCredit": {"transactionId": unknown, "amount": "1.00"},
            "cancelCredit": {"transactionId": unknown},
            "refundCredit": {"transactionId": unknown, "amount": "1.00"},
            "payInvoice": {"invoiceId": unknown},
            "cancelInvoice": {"invoiceId": unknown},
            "postponeInvoice": {"invoiceId": unknown, "days": 1},
            "adjustBalance": {"accountId": unknown, "amount": "1.00", "note": "nobody"},
        }[mutation]
        self.perform(mutation, **target)

    # --- idempotency ---------------------------------------------------------------------------

    @precondition(lambda self: self.calls)
    @rule(data=st.data(), loosely=st.booleans())
    def retry(self, data, loosely: bool) -> None:
        """The same key and the same input (an amount perhaps spelled "12.5" for "12.50"): the
        first call's outcome again, and nothing applied again (the invariants compare the model)."""
        call = data.draw(st.sampled_from(self.calls), label="call")
        input = dict(call.input)
        if loosely and "amount" in input:
            input["amount"] = loose_money(cents_of(input["amount"]))
        if not call.claimed:
            # An input error took no key: the retry is judged afresh (a store setting, such as
            # maxInstallments, may have changed since, and the same input may now be valid).
            self.calls.remove(call)
            self.used_keys.discard((call.mutation, call.key))
            self.perform(call.mutation, **input)
            return
        payload = self.send(call.mutation, input)
        codes = [error["code"] for error in payload["errors"]]
        assert codes == call.codes, f"retry of {call}: {payload['errors']}"
        if not call.codes:
            assert self.check_outcome(call.mutation, payload) == call.result_id
            if call.entry is not None:
                assert payload["entry"] == call.entry

    @precondition(lambda self: any(call.claimed for call in self.calls))
    @rule(data=st.data())
    def reuse_key(self, data) -> None:
        """A key whose operation was decided, with another input: IDEMPOTENCY_KEY_REUSED, nothing changes."""
        call = data.draw(st.sampled_from([c for c in self.calls if c.claimed]), label="call")
        input = dict(call.input)
        if "amount" in input:
            input["amount"] = money(cents_of(input["amount"]) + data.draw(st.sampled_from([1, -1, 100]), label="by"))
        elif "days" in input:
            input["days"] += 1
        elif "transactionId" in input:
            others = [t for t in self.transaction_ids if t != input["transactionId"]]
            input["transactionId"] = data.draw(st.sampled_from([*others, "missing"]), label="transactionId")
        else:
            others = [i for i in self.invoice_ids if i != input["invoiceId"]]
            input["invoiceId"] = data.draw(st.sampled_from([*others, "missing"]), label="invoiceId")
        payload = self.send(call.mutation, input)
        assert [error["code"] for error in payload["errors"]] == ["IDEMPOTENCY_KEY_REUSED"], payload["errors"]
        _, field = MUTATIONS[call.mutation]
        assert (payload[field], payload["account"]) == (None, None)

    # --- reads by id ---------------------------------------------------------------------------

    @precondition(lambda self: self.transaction_ids)
    @rule(data=st.data())
    def read_by_id(self, data) -> None:
        """creditTransaction, invoice and invoices(filter) show what the model holds."""
        transaction_id = data.draw(st.sampled_from(self.transaction_ids), label="transaction")
        found = payload_of(self.run(graphql(self.client, TRANSACTION_BY_ID, id=transaction_id)), "creditTransaction")
        assert transaction_view_of(found) == self.model.transaction_view(transaction_id)
        invoice_ids = self.model.transactions[transaction_id].invoice_ids
        for invoice_id in invoice_ids:
            invoice = payload_of(self.run(graphql(self.client, INVOICE_BY_ID, id=invoice_id)), "invoice")
            assert invoice_view_of(invoice) == self.model.invoice_view(invoice_id)
        listed = payload_of(
            self.run(graphql(self.client, INVOICES, filter={"transactionId": transaction_id}, first=PAGE)), "invoices"
        )
        assert listed["totalCount"] == len(invoice_ids)
        assert sorted(invoice["id"] for invoice in listed["nodes"]) == sorted(invoice_ids)
        account_id = self.model.transactions[transaction_id].account_id
        by_account = payload_of(
            self.run(graphql(self.client, INVOICES, filter={"accountId": account_id}, first=1)), "invoices"
        )
        assert by_account["totalCount"] == len(self.model.invoice_ids_of(account_id))

    @rule()
    def flush_invoice_totals(self) -> None:
        """What the credit sweeper does every second: the accounts' changes of the totals moved into them."""
        self.run(InvoiceTotalsRepository(self.database).flush())

    # --- invariants ----------------------------------------------------------------------------

    @invariant()
    def ledgers_add_up_and_match_the_model(self) -> None:
        ledgers = self.run(full_ledgers(self.client, self.account_ids))
        for account_id, api in ledgers.items():
            self.check_account(account_id, api)
        self.check_invoice_totals([invoice for api in ledgers.values() for invoice in api["invoices"]])

    def check_invoice_totals(self, invoices: list[dict]) -> None:
        """`invoiceTotals` (kept as invoices change) are the sums of every invoice, whatever was flushed."""
        for status in (None, "OPEN", "PAID", "CANCELLED"):
            matching = [i for i in invoices if status is None or i["status"] == status]
            filter = {"status": status} if status else {}
            totals = payload_of(self.run(graphql(self.client, INVOICE_TOTALS, filter=filter)), "invoiceTotals")
            open_ones = [i for i in matching if i["status"] == "OPEN"]
            assert totals == {
                "count": len(matching),
                "amount": money(sum(cents_of(i["amount"]) for i in matching)),
                "openCount": len(open_ones),
                "openAmount": money(sum(cents_of(i["amount"]) for i in open_ones)),
                "paidAmount": money(sum(cents_of(i["amount"]) for i in matching if i["status"] == "PAID")),
            }, f"invoiceTotals of {filter}"

    def check_account(self, account_id: str, api: dict) -> None:
        model = self.model
        spending, balance = cents_of(api["spendingLimit"]), cents_of(api["balance"])
        held, available = cents_of(api["heldCredit"]), cents_of(api["availableCredit"])
        transactions, invoices = api["transactions"], api["invoices"]
        entries = list(reversed(api["statement"]))  # oldest first
        assert api["counts"] == {
            "transactions": len(transactions),
            "invoices": len(invoices),
            "statement": len(entries),
        }

        # The ledger adds up, read through the API alone.
        assert balance == sum(cents_of(e["amount"]) for e in entries), "balance is not the sum of the statement"
        running = 0
        for entry in entries:
            running += cents_of(entry["amount"])
            assert cents_of(entry["balanceAfter"]) == running, f"balanceAfter of {entry} is not the running sum"
        assert held == sum(cents_of(t["amount"]) for t in transactions if t["status"] == "AUTHORIZED")
        assert available == spending + balance - held
        by_transaction: dict[str, list[dict]] = {}
        for invoice in invoices:
            by_transaction.setdefault(invoice["transactionId"], []).append(invoice)
        for t in transactions:
            mine = by_transaction.get(t["id"], [])
            if t["status"] == "SETTLED":
                assert sum(cents_of(i["originalAmount"]) for i in mine) == cents_of(t["settledAmount"])
                assert sorted(i["installment"] for i in mine) == list(range(1, t["installments"] + 1))
            else:
                assert (mine, t["settledAmount"]) == ([], "0.00")
            assert 0 <= cents_of(t["refundedAmount"]) <= cents_of(t["settledAmount"])
        if not model.accounts[account_id].over_limit_allowed:
            assert held - balance <= spending, "heldCredit − balance is above the spending limit"

        # Orders as documented: transactions and the statement newest first, invoices by due date.
        created = [datetime.fromisoformat(t["createdAt"]) for t in transactions]
        assert created == sorted(created, reverse=True)
        moments = [datetime.fromisoformat(e["at"]) for e in entries]
        assert moments == sorted(moments)
        assert [(i["dueDate"], i["id"]) for i in invoices] == sorted((i["dueDate"], i["id"]) for i in invoices)

        # And it is exactly the model's.
        assert {k: api[k] for k in NUMBERS.split()} == model.numbers(account_id)
        invoice_ids = {
            t: [i["id"] for i in sorted(mine, key=lambda i: i["installment"])] for t, mine in by_transaction.items()
        }
        assert {
            t["id"]: transaction_view_of({**t, "invoices": invoice_ids.get(t["id"], [])}) for t in transactions
        } == {t: model.transaction_view(t) for t in model.accounts[account_id].transaction_ids}
        assert {i["id"]: invoice_view_of(i) for i in invoices} == {
            i: model.invoice_view(i) for i in model.invoice_ids_of(account_id)
        }
        assert [
            (e["kind"], e["amount"], e["transactionId"], e["invoiceId"], e["note"]) for e in entries
        ] == model.statement_view(account_id)
        for entry in entries:
            assert entry["actor"] == "machine"


def run_machine(backend: Backend, *, max_examples: int, steps: int) -> None:
    run_state_machine_as_test(
        lambda: CreditLedgerMachine(backend),
        settings=settings(
            max_examples=max_examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


# About 25–30 s on mongomock and 20–35 s on the embedded server when they pass (2 busy cores).
# A failure is shrunk before it is reported, replaying each candidate on a fresh database: that
# may take up to the five minutes Hypothesis allows itself, hence the longer timeout.
@pytest.mark.timeout(600)
def test_the_ledger_follows_its_model_on_mongomock():
    with mongomock_backend() as backend:
        run_machine(backend, max_examples=25, steps=35)


@pytest.mark.integration
@pytest.mark.timeout(600)
def test_the_ledger_follows_its_model_on_the_embedded_server(embedded_uri):
    with embedded_backend(embedded_uri) as backend:
        run_machine(backend, max_examples=8, steps=25)
