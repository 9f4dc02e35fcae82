"""What the ledger does after a crash or on its own: operations cut off before their documents are
written are completed, holds past their expiry are released, and accounts opened before the ledger
existed get an empty one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from customer_credit.persistence.accounts import AccountRepository
from customer_credit.persistence.database import ACCOUNTS, CREDIT_TRANSACTIONS, INVOICE_TOTALS
from customer_credit.persistence.invoice_totals import TOTALS_AT, TOTALS_OPS
from customer_credit.persistence.ledger import LedgerRepository
from customer_credit.usecases.credit import keep_invoice_totals, sweep
from tests.support.credit import SETTLE, authorize, call, credit_account, key, ledger, succeed


class CutOff(Exception):
    """Stands for the process dying between the account's update and the documents that follow."""


class CrashSwitch:
    """Once armed, the next operation is applied to its account and the process 'dies' before
    writing anything else."""

    def __init__(self) -> None:
        self.armed = False
        self.tripped = 0

    def arm(self) -> None:
        self.armed = True


@pytest.fixture
def crash(monkeypatch) -> CrashSwitch:
    switch = CrashSwitch()
    original = LedgerRepository.complete

    async def complete(self, op):
        if switch.armed:
            switch.armed = False
            switch.tripped += 1
            raise CutOff(op.id)
        return await original(self, op)

    monkeypatch.setattr(LedgerRepository, "complete", complete)
    return switch


async def test_a_settlement_cut_off_before_its_invoices_is_completed_by_the_next_read(lenient, crash):
    account_id = await credit_account(lenient)
    transaction = await authorize(lenient, account_id, "90.00", installments=3)
    crash.arm()
    same = key()

    response = await lenient.post(
        "/graphql",
        json={
            "query": SETTLE,
            "variables": {"input": {"transactionId": transaction["id"], "amount": "90.00", "idempotencyKey": same}},
        },
    )
    numbers = await ledger(lenient, account_id)

    assert crash.tripped == 1
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert numbers["balance"] == "-90.00"
    assert (numbers["invoices"]["totalCount"], numbers["statement"]["totalCount"]) == (3, 3)


async def test_keeping_invoice_totals_first_writes_the_invoices_of_a_cut_off_settlement(lenient, crash, database):
    account_id = await credit_account(lenient)
    transaction = await authorize(lenient, account_id, "90.00", installments=3)
    crash.arm()
    settle = {"transactionId": transaction["id"], "amount": "90.00", "idempotencyKey": key()}
    await lenient.post("/graphql", json={"query": SETTLE, "variables": {"input": settle}})
    assert crash.tripped == 1
    # The store as an earlier version left it: no kept totals, no change recorded on the account.
    await database.collection(INVOICE_TOTALS).delete_many({})
    await database.collection(ACCOUNTS).update_one({"_id": account_id}, {"$unset": {TOTALS_OPS: "", TOTALS_AT: ""}})

    assert await keep_invoice_totals(LedgerRepository(database)) == 3
    assert (await LedgerRepository(database).totals.read()) == await LedgerRepository(database).totals.summed()


async def test_a_retry_of_a_cut_off_settlement_answers_it_and_applies_nothing_again(lenient, crash):
    account_id = await credit_account(lenient)
    transaction = await authorize(lenient, account_id, "40.00", installments=2)
    crash.arm()
    input = {"transactionId": transaction["id"], "amount": "40.00", "idempotencyKey": key()}
    await lenient.post("/graphql", json={"query": SETTLE, "variables": {"input": input}})

    retried = await succeed(lenient, SETTLE, "settleCredit", **input)

    assert [i["amount"] for i in retried["transaction"]["invoices"]] == ["20.00", "20.00"]
    assert (await ledger(lenient, account_id))["balance"] == "-40.00"


async def test_the_sweep_writes_the_documents_of_an_operation_left_pending(lenient, database, crash):
    account_id = await credit_account(lenient)
    crash.arm()
    await lenient.post(
        "/graphql",
        json={
            "query": "mutation($i: AuthorizeCreditInput!) { authorizeCredit(input: $i) { errors { code } } }",
            "variables": {"i": {"accountId": account_id, "amount": "5.00", "idempotencyKey": key()}},
        },
    )
    assert crash.tripped == 1
    assert await database.collection(CREDIT_TRANSACTIONS).count_documents({"account_id": account_id}) == 0
    await database.collection(ACCOUNTS).update_one({"_id": account_id}, {"$set": {"pending_at": 0}})

    await sweep(LedgerRepository(database))

    assert await database.collection(CREDIT_TRANSACTIONS).count_documents({"account_id": account_id}) == 1
    stored = await database.collection(ACCOUNTS).find_one({"_id": account_id})
    assert stored["pending"] == {} and "pending_at" not in stored


async def test_the_sweep_releases_holds_past_their_expiry(client, database):
    account_id = await credit_account(client, limit="100.00")
    soon = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()
    transaction = await authorize(client, account_id, "60.00", expiresAt=soon)
    await asyncio.sleep(3.2)

    released = await sweep(LedgerRepository(database))

    assert released == 1
    stored = await database.collection(CREDIT_TRANSACTIONS).find_one({"_id": transaction["id"]})
    account = await database.collection(ACCOUNTS).find_one({"_id": account_id})
    assert (stored["status"], account["held_cents"], account["holds"]) == ("EXPIRED", 0, {})
    assert (await ledger(client, account_id))["availableCredit"] == "100.00"


async def test_a_released_hold_cannot_be_settled(client, database):
    account_id = await credit_account(client)
    soon = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()
    transaction = await authorize(client, account_id, "6.00", expiresAt=soon)
    await asyncio.sleep(3.2)
    await sweep(LedgerRepository(database))

    payload = await call(client, SETTLE, "settleCredit", transactionId=transaction["id"], amount="6.00")

    assert [e["code"] for e in payload["errors"]] == ["TRANSACTION_NOT_AUTHORIZED"]


async def test_an_account_opened_before_the_ledger_gets_an_empty_one(client, database):
    await database.collection(ACCOUNTS).insert_one(
        {
            "_id": "old-1",
            "email": "old@example.com",
            "email_key": "old@example.com",
            "credit_limit_cents": 50_000,
            "tolerance_units": 1_000,
            "status": "OPEN",
            "version": 1,
            "created_at": 1,
            "updated_at": 1,
        }
    )

    added = await AccountRepository(database).add_missing_ledgers()

    assert added == 1
    numbers = await ledger(client, "old-1")
    assert (numbers["spendingLimit"], numbers["availableCredit"], numbers["balance"]) == ("550.00", "550.00", "0.00")
    authorized = await authorize(client, "old-1", "550.00")
    assert authorized["status"] == "AUTHORIZED"
