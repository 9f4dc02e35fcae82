"""Text that starts like a date (`2024-01-15-a`, `01/02/2024@x.com`) is text: ids, emails, documents and
idempotency keys of that shape are found, changed and listed like any other, on every backend."""

from __future__ import annotations

from tests.support.accounts import account_by_email, close_account, fetch_account, open_account, open_or_change
from tests.support.credit import AUTHORIZE, call, ledger, settled, succeed
from tests.support.graphql import graphql

ACCOUNT_IDS = """
query Accounts($filter: AccountFilter) { accounts(first: 10, filter: $filter) { totalCount nodes { id } } }
"""


async def test_an_account_whose_id_starts_like_a_date_is_found_changed_and_closed(client):
    await open_account(client, id="2024-01-15-a", email="dated@x.com")

    found = await fetch_account(client, "2024-01-15-a")
    changed = await open_or_change(client, id="2024-01-15-a", email="dated@x.com", creditLimit="10")
    closed = await close_account(client, "2024-01-15-a")

    assert found is not None and found["id"] == "2024-01-15-a"
    assert changed["errors"] == [] and changed["account"]["creditLimit"] == "10.00"
    assert closed["errors"] == [] and closed["account"]["status"] == "CLOSED"


async def test_an_email_that_starts_like_a_date_finds_its_account_and_stays_unique(client):
    await open_account(client, id="first", email="01/02/2024@x.com")

    found = await account_by_email(client, "01/02/2024@X.com")
    second = await open_or_change(client, id="second", email="01/02/2024@x.com")

    assert found["id"] == "first"
    assert [error["code"] for error in second["errors"]] == ["EMAIL_IN_USE"]


async def test_a_document_that_starts_like_a_date_is_found_by_the_document_filter(client):
    await open_account(client, id="with-doc", email="doc@x.com", documentType="OTHER", document="2024-01-15/77")

    result = await graphql(client, ACCOUNT_IDS, filter={"document": "2024-01-15/77"})

    assert result["data"]["accounts"] == {"totalCount": 1, "nodes": [{"id": "with-doc"}]}


async def test_a_date_like_idempotency_key_answers_a_retry_with_the_first_transaction(client):
    await open_account(client, id="2024-01-15-shopper", email="shopper@x.com", creditLimit="500")

    attempt = {"accountId": "2024-01-15-shopper", "amount": "10.00", "idempotencyKey": "2024-01-15-order-1"}

    first = await succeed(client, AUTHORIZE, "authorizeCredit", **attempt)
    retry = await call(client, AUTHORIZE, "authorizeCredit", **attempt)

    assert retry["errors"] == [] and retry["transaction"]["id"] == first["transaction"]["id"]
    assert retry["account"]["heldCredit"] == "10.00"


async def test_the_credit_of_an_account_whose_id_starts_like_a_date_is_listed(client):
    await open_account(client, id="2024-01-15-buyer", email="buyer@x.com", creditLimit="500")
    await settled(client, "2024-01-15-buyer", "30.00", installments=3)

    account = await ledger(client, "2024-01-15-buyer")

    assert account["transactions"]["totalCount"] == 1
    assert account["invoices"]["totalCount"] == 3
    assert [entry["kind"] for entry in account["statement"]["nodes"]] == ["INVOICE"] * 3
