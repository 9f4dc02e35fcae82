"""`customer-credit check`, the real command against a running `serve`'s store: 0 when every
account's ledger adds up, 1 and one line per drift when one does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from pymongo import MongoClient

from customer_credit.persistence.embedded import running_server_uri
from tests.support.graphql import gql_data
from tests.support.processes import Launcher

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

OPEN = (
    'mutation { openOrChangeAccount(input: {email: "checked@example.com", creditLimit: "500.00"}) { account { id } } }'
)
AUTHORIZE = """
mutation($account: ID!) {
  authorizeCredit(input: {accountId: $account, amount: "90.00", installments: 3, idempotencyKey: "k-auth"}) {
    transaction { id } errors { code }
  }
}
"""
SETTLE = """
mutation($transaction: ID!) {
  settleCredit(input: {transactionId: $transaction, amount: "90.00", idempotencyKey: "k-settle"}) { errors { code } }
}
"""


def check(launcher: Launcher, data_dir: Path):
    return launcher.run("check", "--data-dir", str(data_dir), data_dir=data_dir)


@pytest.fixture
def settled_account(launcher: Launcher, tmp_path: Path) -> tuple[Path, str]:
    data_dir = tmp_path / "data"
    serve = launcher.serve(data_dir)
    secret = serve.admin_secret
    account_id = gql_data(serve.url, secret, OPEN)["openOrChangeAccount"]["account"]["id"]
    transaction = gql_data(serve.url, secret, AUTHORIZE, {"account": account_id})["authorizeCredit"]["transaction"]
    assert gql_data(serve.url, secret, SETTLE, {"transaction": transaction["id"]})["settleCredit"]["errors"] == []
    return data_dir, account_id


def test_a_ledger_that_adds_up_exits_0(launcher, settled_account):
    data_dir, _ = settled_account

    result = check(launcher, data_dir)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "Checked 1 accounts: 0 with drift."


def test_a_balance_that_is_not_the_sum_of_the_entries_is_printed_and_exits_1(launcher, settled_account):
    data_dir, account_id = settled_account
    uri = running_server_uri(data_dir)
    assert uri is not None
    with MongoClient(uri) as client:
        client["customer_credit"]["accounts"].update_one({"_id": account_id}, {"$inc": {"balance_cents": 1}})

    result = check(launcher, data_dir)

    assert result.returncode == 1
    assert f"account {account_id}: balance is -89.99 but its 3 statement entries add up to -90.00" in result.stdout
    assert result.stdout.splitlines()[-1] == "Checked 1 accounts: 1 with drift."


def test_kept_invoice_totals_that_are_not_what_the_invoices_add_up_to_are_printed_and_exit_1(launcher, settled_account):
    data_dir, _ = settled_account
    uri = running_server_uri(data_dir)
    assert uri is not None
    with MongoClient(uri) as client:
        kept = client["customer_credit"]["invoice_totals"]
        kept.update_one({"_id": "invoices"}, {"$set": {"b.PAID|2020-01-01": {"n": 1, "c": 500}}})

    result = check(launcher, data_dir)

    assert result.returncode == 1
    assert "invoice totals PAID|2020-01-01: kept 1 invoices of 5.00 but the invoices are 0 of 0.00" in result.stdout
    assert result.stdout.splitlines()[-2:] == [
        "Checked 1 accounts: 0 with drift.",
        "Kept invoice totals: 1 bucket(s) with drift.",
    ]
