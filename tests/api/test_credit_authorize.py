"""authorizeCredit: what an account can spend, holds, and the rules of an authorization."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.accounts import close_account, open_account
from tests.support.credit import (
    AUTHORIZE,
    TRANSACTION_BY_ID,
    UPDATE_SETTINGS,
    authorize,
    call,
    codes,
    credit_account,
    key,
    ledger,
    succeed,
)
from tests.support.graphql import graphql


async def test_a_new_account_can_spend_its_limit_plus_tolerance_rounded_down(client):
    account_id = await credit_account(client, limit="1000.00", tolerance="0.0525")

    numbers = await ledger(client, account_id)

    assert numbers["spendingLimit"] == "1052.50"
    assert (numbers["balance"], numbers["heldCredit"], numbers["availableCredit"]) == ("0.00", "0.00", "1052.50")


async def test_spending_limit_rounds_down_to_the_cent(client):
    account_id = await credit_account(client, limit="0.03", tolerance="0.3333")  # 0.03 × 1.3333 = 0.039999

    assert (await ledger(client, account_id))["spendingLimit"] == "0.03"


async def test_without_tolerance_enabled_the_spending_limit_is_the_credit_limit(client):
    account_id = await credit_account(client, limit="1000.00", tolerance="0.10")
    await graphql(client, UPDATE_SETTINGS, input={"toleranceEnabled": False})

    numbers = await ledger(client, account_id)

    assert (numbers["spendingLimit"], numbers["availableCredit"]) == ("1000.00", "1000.00")


async def test_an_authorization_holds_its_amount(client):
    account_id = await credit_account(client, limit="1000.00")

    payload = await succeed(client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="300.00", orderId="o-1")

    transaction = payload["transaction"]
    assert (transaction["status"], transaction["amount"], transaction["orderId"]) == ("AUTHORIZED", "300.00", "o-1")
    assert transaction["actor"] == "tester"
    assert (payload["account"]["heldCredit"], payload["account"]["availableCredit"]) == ("300.00", "700.00")


async def test_an_authorization_expires_by_default_after_the_stores_ttl(client):
    account_id = await credit_account(client)
    before = datetime.now(UTC)

    transaction = await authorize(client, account_id, "10.00")

    expires = datetime.fromisoformat(transaction["expiresAt"])
    assert before + timedelta(hours=120) - timedelta(seconds=5) <= expires <= datetime.now(UTC) + timedelta(hours=120)


async def test_the_whole_available_credit_can_be_held(client):
    account_id = await credit_account(client, limit="100.00")
    await authorize(client, account_id, "60.00")

    payload = await call(client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="40.00")

    assert payload["errors"] == []
    assert payload["account"]["availableCredit"] == "0.00"


async def test_more_than_the_available_credit_is_refused_and_nothing_is_held(client):
    account_id = await credit_account(client, limit="100.00")
    await authorize(client, account_id, "60.00")

    payload = await call(client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="40.01")

    assert codes(payload) == ["INSUFFICIENT_CREDIT"]
    assert payload["transaction"] is None
    numbers = await ledger(client, account_id)
    assert (numbers["heldCredit"], numbers["transactions"]["totalCount"]) == ("60.00", 1)


async def test_a_closed_account_cannot_authorize(client):
    account_id = await credit_account(client)
    await close_account(client, account_id)

    payload = await call(client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="1.00")

    assert codes(payload) == ["ACCOUNT_CLOSED"]


async def test_an_unknown_account_is_not_found(client):
    payload = await call(client, AUTHORIZE, "authorizeCredit", accountId="nobody", amount="1.00")

    assert codes(payload) == ["NOT_FOUND"]


@pytest.mark.parametrize("amount", ["0", "-1.00", "0.001", "1000000000.01"])
async def test_an_amount_that_is_not_a_positive_sum_of_cents_is_invalid(client, amount):
    account_id = await credit_account(client)

    payload = await call(client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount=amount)

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("amount", "INVALID_AMOUNT")]
    assert (await ledger(client, account_id))["heldCredit"] == "0.00"


@pytest.mark.parametrize("installments", [0, 13])
async def test_installments_outside_1_to_the_stores_maximum_are_invalid(client, installments):
    account_id = await credit_account(client)

    payload = await call(
        client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="100.00", installments=installments
    )

    assert codes(payload) == ["INVALID_INSTALLMENTS"]


async def test_twelve_installments_are_allowed_by_default(client):
    account_id = await credit_account(client)

    payload = await call(client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="100.00", installments=12)

    assert payload["errors"] == []


@pytest.mark.parametrize("offset", [timedelta(seconds=-1), timedelta(days=30, seconds=5)])
async def test_an_expiry_in_the_past_or_beyond_30_days_is_invalid(client, offset):
    account_id = await credit_account(client)
    expires_at = (datetime.now(UTC) + offset).isoformat()

    payload = await call(
        client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="1.00", expiresAt=expires_at
    )

    assert codes(payload) == ["INVALID_EXPIRY"]


@pytest.mark.parametrize("idempotency_key", ["", "x" * 129, "caf\u00e9"])
async def test_an_idempotency_key_must_be_1_to_128_printable_ascii_characters(client, idempotency_key):
    account_id = await credit_account(client)

    payload = await call(
        client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="1.00", idempotencyKey=idempotency_key
    )

    assert codes(payload) == ["INVALID_IDEMPOTENCY_KEY"]


async def test_a_key_of_128_characters_is_accepted(client):
    account_id = await credit_account(client)

    payload = await call(
        client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="1.00", idempotencyKey="k" * 128
    )

    assert payload["errors"] == []


async def test_a_retry_with_the_same_key_returns_the_same_transaction_and_holds_once(client):
    account_id = await credit_account(client)
    same = key()

    first = await succeed(
        client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="25.00", idempotencyKey=same
    )
    again = await succeed(
        client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="25.00", idempotencyKey=same
    )

    assert again["transaction"]["id"] == first["transaction"]["id"]
    assert (await ledger(client, account_id))["heldCredit"] == "25.00"


async def test_the_same_key_with_another_input_is_refused(client):
    account_id = await credit_account(client)
    same = key()
    await succeed(client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="25.00", idempotencyKey=same)

    payload = await call(
        client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="26.00", idempotencyKey=same
    )

    assert codes(payload) == ["IDEMPOTENCY_KEY_REUSED"]
    assert (await ledger(client, account_id))["heldCredit"] == "25.00"


async def test_a_refusal_is_answered_again_to_a_retry_with_its_key(client):
    account_id = await credit_account(client, limit="10.00")
    same = key()
    first = await call(client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="20.00", idempotencyKey=same)
    await graphql(
        client,
        'mutation { openOrChangeAccount(input: {id: "%s", creditLimit: "50.00"}) { errors { code } } }' % account_id,
    )

    again = await call(client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="20.00", idempotencyKey=same)

    assert codes(first) == codes(again) == ["INSUFFICIENT_CREDIT"]
    assert (await ledger(client, account_id))["heldCredit"] == "0.00"


async def test_a_retry_after_its_expiry_has_passed_answers_the_original_authorization(client):
    account_id = await credit_account(client, limit="100.00")
    same = key()
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    arguments = {"accountId": account_id, "amount": "30.00", "expiresAt": soon, "idempotencyKey": same}
    first = await succeed(client, AUTHORIZE, "authorizeCredit", **arguments)
    await asyncio.sleep(2.2)

    again = await succeed(client, AUTHORIZE, "authorizeCredit", **arguments)

    assert again["transaction"]["id"] == first["transaction"]["id"]


async def test_an_invalid_request_does_not_use_up_its_key(client):
    account_id = await credit_account(client, limit="100.00")
    same = key()
    refused = await call(client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="0.00", idempotencyKey=same)

    corrected = await succeed(
        client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="10.00", idempotencyKey=same
    )

    assert codes(refused) == ["INVALID_AMOUNT"]
    assert corrected["transaction"]["amount"] == "10.00"


async def test_twenty_concurrent_calls_with_one_key_hold_once(client):
    account_id = await credit_account(client)
    same = key()

    payloads = await asyncio.gather(
        *(
            call(client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="5.00", idempotencyKey=same)
            for _ in range(20)
        )
    )

    assert {p["transaction"]["id"] for p in payloads} == {payloads[0]["transaction"]["id"]}
    numbers = await ledger(client, account_id)
    assert (numbers["heldCredit"], numbers["transactions"]["totalCount"]) == ("5.00", 1)


async def test_concurrent_authorizations_never_hold_more_than_the_spending_limit(client):
    account_id = await credit_account(client, limit="100.00")

    payloads = await asyncio.gather(
        *(call(client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="7.00") for _ in range(30))
    )

    held = [p for p in payloads if not p["errors"]]
    assert len(held) == 14  # 14 × 7.00 = 98.00; a 15th would be 105.00
    assert {code for p in payloads for code in codes(p)} == {"INSUFFICIENT_CREDIT"}
    assert (await ledger(client, account_id))["heldCredit"] == "98.00"


async def test_a_hold_past_its_expiry_is_no_longer_held_nor_authorized(client):
    account_id = await credit_account(client, limit="100.00")
    soon = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()
    transaction = await authorize(client, account_id, "80.00", expiresAt=soon)
    await asyncio.sleep(3.2)

    numbers = await ledger(client, account_id)
    found = (await graphql(client, TRANSACTION_BY_ID, id=transaction["id"]))["data"]["creditTransaction"]

    assert (numbers["heldCredit"], numbers["availableCredit"]) == ("0.00", "100.00")
    assert found["status"] == "EXPIRED"


async def test_an_expired_hold_frees_its_credit_for_a_new_authorization(client):
    account_id = await credit_account(client, limit="100.00")
    soon = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()
    await authorize(client, account_id, "80.00", expiresAt=soon)
    await asyncio.sleep(3.2)

    payload = await call(client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="90.00")

    assert payload["errors"] == []
    assert payload["account"]["heldCredit"] == "90.00"


async def test_a_limit_lowered_below_what_is_held_makes_the_available_credit_negative(client):
    account_id = await credit_account(client, limit="100.00")
    await authorize(client, account_id, "80.00")

    await open_account(client, id=account_id, creditLimit="50.00")

    numbers = await ledger(client, account_id)
    assert numbers["availableCredit"] == "-30.00"
    payload = await call(client, AUTHORIZE, "authorizeCredit", accountId=account_id, amount="0.01")
    assert codes(payload) == ["INSUFFICIENT_CREDIT"]
