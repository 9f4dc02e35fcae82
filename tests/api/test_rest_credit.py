"""REST compatibility for the credit: transactions, invoices, statements, limits and the store
configuration under `/api/creditcontrol`, with the `Idempotency-Key` header.

Amounts are worked out by hand in each test. JSON is read with exact decimals (`parse_float=Decimal`)
and, where the digits themselves matter, checked in the response text. Every (operation, status)
the OpenAPI document lists is answered as documented: test_rest_openapi.py.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from customer_credit.http.rest.exact_json import to_json
from customer_credit.usecases import credit as credit_usecases

API = "/api/creditcontrol"


def today() -> date:
    return datetime.now(UTC).date()


def account_url(account_id: str, *rest: str) -> str:
    return "/".join([f"{API}/accounts/{account_id}", *rest])


def exact(response: httpx.Response) -> Any:
    return response.json(parse_float=Decimal)


def money(text: str) -> Decimal:
    return Decimal(text)


async def send(
    client: httpx.AsyncClient, method: str, url: str, body: Any = None, key: str | bytes | None = None
) -> httpx.Response:
    """`body`: a dict (written as JSON, a Decimal as a number with its exact digits) or JSON text as is."""
    headers: dict[str, str | bytes] = {"Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    if body is None:
        content = None
    else:
        content = (body if isinstance(body, str) else to_json(body)).encode()
    return await client.request(method, url, content=content, headers=headers)


def num(value: str) -> Decimal:
    return Decimal(value)


async def open_account(client, account_id: str = "acc-1", limit: str = "1000.00", tolerance: str = "0") -> dict:
    body = '{"email": "%s@example.com", "creditLimit": %s, "tolerance": %s}' % (account_id, limit, tolerance)
    response = await send(client, "PUT", account_url(account_id), body)
    assert response.status_code == 201, response.text
    return exact(response)


async def account(client, account_id: str = "acc-1") -> dict:
    response = await client.get(account_url(account_id))
    assert response.status_code == 200, response.text
    return exact(response)


def numbers(found: dict) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    return found["spendingLimit"], found["balance"], found["heldCredit"], found["availableCredit"]


async def authorize(client, account_id: str = "acc-1", value: str = "100.00", key: str | None = None, **members):
    return await send(
        client, "POST", account_url(account_id, "transactions"), {"value": num(value), **members}, key=key
    )


async def authorized(client, account_id: str = "acc-1", value: str = "100.00", **members) -> dict:
    response = await authorize(client, account_id, value, **members)
    assert response.status_code == 201, response.text
    return exact(response)


async def settle(client, account_id: str, transaction_id: str, value: str, key: str | None = None):
    url = account_url(account_id, "transactions", transaction_id, "settlement")
    return await send(client, "PUT", url, {"value": num(value)}, key=key)


async def settled(client, account_id: str = "acc-1", value: str = "100.00", installments: int = 1) -> dict:
    transaction = await authorized(client, account_id, value, installments=installments)
    response = await settle(client, account_id, transaction["id"], value)
    assert response.status_code == 200, response.text
    return exact(response)


async def refund(client, account_id: str, transaction_id: str, value: str, key: str | None = None):
    url = account_url(account_id, "transactions", transaction_id, "refunds")
    return await send(client, "POST", url, {"value": num(value)}, key=key)


async def pay(client, account_id: str, invoice_id: str, key: str | None = None):
    return await send(client, "POST", account_url(account_id, "invoices", invoice_id, "payments"), key=key)


async def postpone(client, account_id: str, invoice_id: str, days: Any, key: str | None = None):
    url = account_url(account_id, "invoices", invoice_id, "postponement")
    return await send(client, "PUT", url, {"dueDays": days}, key=key)


def assert_error(response: httpx.Response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert body["message"]
    if field is not None:
        assert body["field"] == field, body


# --- authorize -----------------------------------------------------------------------------------


async def test_authorize_holds_the_value_and_answers_201_with_the_transaction(client):
    await open_account(client, limit="1000.00")

    response = await authorize(client, value="100.00", installments=3, orderId="order-1")

    assert response.status_code == 201, response.text
    transaction = exact(response)
    assert '"value":100.00' in response.text
    assert transaction["accountId"] == "acc-1"
    assert uuid.UUID(transaction["id"]).version == 4
    assert (transaction["status"], transaction["installments"], transaction["orderId"]) == ("Authorized", 3, "order-1")
    assert (transaction["settledValue"], transaction["refundedValue"], transaction["invoices"]) == (0, 0, [])
    assert transaction["settledAt"] is None and transaction["actor"] == "tester"
    assert numbers(await account(client)) == (money("1000.00"), 0, money("100.00"), money("900.00"))


async def test_authorize_defaults_to_one_installment_and_the_stores_ttl(client):
    await open_account(client)
    before = datetime.now(UTC)

    transaction = await authorized(client, value="10.50")

    expires = datetime.fromisoformat(transaction["expirationDate"].replace("Z", "+00:00"))
    assert transaction["installments"] == 1 and transaction["orderId"] is None
    assert timedelta(hours=119, minutes=59) < expires - before < timedelta(hours=120, minutes=1)


async def test_a_whole_number_written_with_a_fraction_is_an_integer(client):
    await open_account(client)

    response = await send(client, "POST", account_url("acc-1", "transactions"), '{"value": 30, "installments": 3.0}')

    assert response.status_code == 201, response.text
    assert exact(response)["installments"] == 3


async def test_authorize_keeps_the_expiration_date_asked_for(client):
    await open_account(client)
    when = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)

    transaction = await authorized(client, expirationDate=when.isoformat())

    assert transaction["expirationDate"] == when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


async def test_tolerance_counts_in_what_may_be_held(client):
    await open_account(client, limit="100.00", tolerance="0.1")

    response = await authorize(client, value="110.00")

    assert response.status_code == 201, response.text
    assert numbers(await account(client)) == (money("110.00"), 0, money("110.00"), 0)


async def test_more_than_the_available_credit_is_409_insufficient_credit_and_holds_nothing(client):
    await open_account(client, limit="100.00")
    await authorized(client, value="60.00")

    response = await authorize(client, value="40.01")

    assert_error(response, 409, "INSUFFICIENT_CREDIT", "value")
    assert (await account(client))["heldCredit"] == money("60.00")


async def test_authorize_on_an_unknown_account_is_404(client):
    assert_error(await authorize(client, account_id="nobody"), 404, "NOT_FOUND")


async def test_authorize_on_an_invalid_account_id_is_400_invalid_id(client):
    assert_error(await authorize(client, account_id="a.b"), 400, "INVALID_ID", "id")


async def test_authorize_on_a_closed_account_is_409_account_closed(client):
    await open_account(client)
    assert (await client.delete(account_url("acc-1"))).status_code == 200

    assert_error(await authorize(client), 409, "ACCOUNT_CLOSED")


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ('{"value": 0}', "INVALID_AMOUNT", "value"),
        ('{"value": -5}', "INVALID_AMOUNT", "value"),
        ('{"value": 10.001}', "INVALID_AMOUNT", "value"),
        ('{"value": 1000000000.01}', "INVALID_AMOUNT", "value"),
        ('{"value": "10.00"}', "INVALID_AMOUNT", "value"),
        ("{}", "INVALID_AMOUNT", "value"),
        ('{"value": 10, "installments": 13}', "INVALID_INSTALLMENTS", "installments"),
        ('{"value": 10, "installments": 0}', "INVALID_INSTALLMENTS", "installments"),
        ('{"value": 10, "installments": 2.5}', "INVALID_INSTALLMENTS", "installments"),
        ('{"value": 0.01, "installments": 2}', "INVALID_INSTALLMENTS", "installments"),
        ('{"value": 10, "expirationDate": "2020-01-01T00:00:00Z"}', "INVALID_EXPIRY", "expirationDate"),
        ('{"value": 10, "expirationDate": "2099-01-01T00:00:00Z"}', "INVALID_EXPIRY", "expirationDate"),
        ('{"value": 10, "expirationDate": "2030-01-01T00:00:00"}', "INVALID_EXPIRY", "expirationDate"),
        ('{"value": 10, "expirationDate": "tomorrow"}', "INVALID_EXPIRY", "expirationDate"),
        ('{"value": 10, "orderId": 5}', "INVALID_PARAMETER", "orderId"),
        ('{"value": 10, "orderId": "\\ud800"}', "INVALID_PARAMETER", "orderId"),
        ('{"value": 10, "amount": 10}', "UNKNOWN_MEMBER", "amount"),
        ('{"value": 10,}', "MALFORMED_JSON", None),
        ("[]", "MALFORMED_JSON", None),
    ],
)
async def test_a_bad_authorization_is_400_with_its_code_and_holds_nothing(client, unchanged_store, body, code, field):
    await open_account(client)

    async with unchanged_store():
        response = await send(client, "POST", account_url("acc-1", "transactions"), body)

    assert_error(response, 400, code, field)


async def test_every_bad_member_is_reported_at_once(client):
    await open_account(client)

    response = await send(
        client, "POST", account_url("acc-1", "transactions"), '{"value": "x", "installments": "3", "extra": 1}'
    )

    assert_error(response, 400, "UNKNOWN_MEMBER", "extra")
    assert {(e["field"], e["code"]) for e in response.json()["errors"]} == {
        ("extra", "UNKNOWN_MEMBER"),
        ("value", "INVALID_AMOUNT"),
        ("installments", "INVALID_INSTALLMENTS"),
    }


# --- idempotency ----------------------------------------------------------------------------------


async def test_a_retry_with_the_same_key_answers_the_same_transaction_and_holds_once(client):
    await open_account(client, limit="1000.00")
    key = f"order-42-{uuid.uuid4()}"

    first = await authorize(client, value="100.00", key=key, installments=3)
    retry = await authorize(client, value="100.00", key=key, installments=3)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert exact(retry)["id"] == exact(first)["id"]
    assert numbers(await account(client))[2:] == (money("100.00"), money("900.00"))


async def test_the_same_amount_written_otherwise_is_the_same_request(client):
    await open_account(client)
    key = str(uuid.uuid4())

    first = await send(client, "POST", account_url("acc-1", "transactions"), '{"value": 100}', key=key)
    retry = await send(client, "POST", account_url("acc-1", "transactions"), '{"value": 100.00}', key=key)

    assert exact(retry)["id"] == exact(first)["id"]


async def test_the_same_key_with_another_body_is_409_idempotency_key_reused(client):
    await open_account(client)
    key = str(uuid.uuid4())
    assert (await authorize(client, value="100.00", key=key)).status_code == 201

    response = await authorize(client, value="100.01", key=key)

    assert_error(response, 409, "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key")
    assert (await account(client))["heldCredit"] == money("100.00")


async def test_without_a_key_calls_are_not_deduplicated(client):
    await open_account(client)

    first = await authorized(client, value="100.00")
    second = await authorized(client, value="100.00")

    assert first["id"] != second["id"]
    assert (await account(client))["heldCredit"] == money("200.00")


async def test_a_refused_call_answers_its_refusal_again_on_a_retry(client):
    await open_account(client, limit="50.00")
    key = str(uuid.uuid4())
    assert_error(await authorize(client, value="80.00", key=key), 409, "INSUFFICIENT_CREDIT")
    await send(client, "PUT", account_url("acc-1", "creditlimit"), {"value": 100})

    retry = await authorize(client, value="80.00", key=key)

    assert_error(retry, 409, "INSUFFICIENT_CREDIT")
    assert (await account(client))["heldCredit"] == 0


async def test_a_settlement_retried_with_its_key_settles_once(client):
    await open_account(client)
    transaction = await authorized(client, value="100.00", installments=2)
    key = str(uuid.uuid4())

    first = await settle(client, "acc-1", transaction["id"], "100.00", key=key)
    retry = await settle(client, "acc-1", transaction["id"], "100.00", key=key)

    assert (first.status_code, retry.status_code) == (200, 200)
    assert [i["id"] for i in exact(retry)["invoices"]] == [i["id"] for i in exact(first)["invoices"]]
    assert (await account(client))["balance"] == money("-100.00")


@pytest.mark.parametrize("key", [b"", b"x" * 129, "caf\u00e9".encode("latin-1")], ids=["empty", "too-long", "latin-1"])
async def test_an_invalid_key_is_400_invalid_idempotency_key(client, unchanged_store, key):
    await open_account(client)

    async with unchanged_store():
        response = await send(client, "POST", account_url("acc-1", "transactions"), '{"value": 10}', key=key)

    assert_error(response, 400, "INVALID_IDEMPOTENCY_KEY", "Idempotency-Key")


# --- settle, cancel, refund ----------------------------------------------------------------------


async def test_settle_splits_the_value_into_installments_with_the_remainder_cents_first(client):
    await open_account(client, limit="1000.00")
    transaction = await authorized(client, value="100.00", installments=3, orderId="order-7")

    response = await settle(client, "acc-1", transaction["id"], "100.00")

    assert response.status_code == 200, response.text
    body = exact(response)
    assert (body["status"], body["settledValue"]) == ("Settled", money("100.00"))
    assert body["settledAt"] is not None
    invoices = body["invoices"]
    assert [i["value"] for i in invoices] == [money("33.34"), money("33.33"), money("33.33")]
    assert '"value":33.34' in response.text and '"value":33.33' in response.text
    assert [i["id"] for i in invoices] == [f"{transaction['id']}-0{k}" for k in (1, 2, 3)]
    assert [(i["installment"], i["numberOfInstallments"], i["status"]) for i in invoices] == [
        (1, 3, "Open"),
        (2, 3, "Open"),
        (3, 3, "Open"),
    ]
    assert [i["dueDate"] for i in invoices] == [(today() + timedelta(days=30 * k)).isoformat() for k in (1, 2, 3)]
    assert all(i["originalDueDate"] == i["dueDate"] and i["orderId"] == "order-7" for i in invoices)
    # the hold is released, the invoices are owed
    assert numbers(await account(client)) == (money("1000.00"), money("-100.00"), 0, money("900.00"))


async def test_settling_less_than_authorized_releases_the_whole_hold(client):
    await open_account(client)
    transaction = await authorized(client, value="100.00")

    body = exact(await settle(client, "acc-1", transaction["id"], "60.00"))

    assert [i["value"] for i in body["invoices"]] == [money("60.00")]
    assert numbers(await account(client))[1:] == (money("-60.00"), 0, money("940.00"))


async def test_settling_more_than_authorized_is_400_amount_exceeds_authorization(client):
    await open_account(client)
    transaction = await authorized(client, value="100.00")

    response = await settle(client, "acc-1", transaction["id"], "100.01")

    assert_error(response, 400, "AMOUNT_EXCEEDS_AUTHORIZATION", "value")


async def test_settling_twice_is_409_transaction_not_authorized(client):
    await open_account(client)
    transaction = await settled(client, value="10.00")

    assert_error(await settle(client, "acc-1", transaction["id"], "10.00"), 409, "TRANSACTION_NOT_AUTHORIZED")
    assert (await account(client))["balance"] == money("-10.00")


async def test_settling_an_expired_hold_is_409_transaction_expired(client):
    await open_account(client)
    soon = (datetime.now(UTC) + timedelta(seconds=4)).isoformat()
    transaction = await authorized(client, value="10.00", expirationDate=soon)
    await asyncio.sleep(4.2)

    response = await settle(client, "acc-1", transaction["id"], "10.00")

    assert_error(response, 409, "TRANSACTION_EXPIRED", "transactionId")
    found = await account(client)
    assert (found["balance"], found["heldCredit"]) == (0, 0)


async def test_cancel_releases_the_hold(client):
    await open_account(client, limit="100.00")
    transaction = await authorized(client, value="40.00")

    response = await client.delete(account_url("acc-1", "transactions", transaction["id"]))

    assert response.status_code == 200, response.text
    assert exact(response)["status"] == "Cancelled"
    assert numbers(await account(client))[2:] == (0, money("100.00"))


async def test_cancelling_a_settled_transaction_is_409_transaction_not_authorized(client):
    await open_account(client)
    transaction = await settled(client, value="10.00")

    response = await client.delete(account_url("acc-1", "transactions", transaction["id"]))

    assert_error(response, 409, "TRANSACTION_NOT_AUTHORIZED", "transactionId")


async def test_a_refund_lowers_the_open_invoices_from_the_last_and_the_excess_is_credit(client):
    await open_account(client, limit="1000.00")
    transaction = await settled(client, value="100.00", installments=3)
    first, second, third = (i["id"] for i in transaction["invoices"])
    assert (await pay(client, "acc-1", first)).status_code == 200  # balance −100.00 + 33.34 = −66.66

    response = await refund(client, "acc-1", transaction["id"], "50.00")

    assert response.status_code == 200, response.text
    body = exact(response)
    assert (body["refundedValue"], body["status"]) == (money("50.00"), "Settled")
    # 50.00 = the whole third invoice (33.33) + 16.67 of the second (33.33 → 16.66)
    assert [(i["value"], i["originalValue"], i["status"]) for i in body["invoices"]] == [
        (money("33.34"), money("33.34"), "Paid"),
        (money("16.66"), money("33.33"), "Open"),
        (0, money("33.33"), "Cancelled"),
    ]
    assert (await account(client))["balance"] == money("-16.66")  # −66.66 + 50.00

    # the last 50.00: 16.66 closes the second invoice, 33.34 (the paid first one) is credit in favour
    body = exact(await refund(client, "acc-1", transaction["id"], "50.00"))

    assert [i["status"] for i in body["invoices"]] == ["Paid", "Cancelled", "Cancelled"]
    assert (await account(client))["balance"] == money("33.34")
    assert_error(await refund(client, "acc-1", transaction["id"], "0.01"), 400, "AMOUNT_EXCEEDS_REFUNDABLE", "value")


async def test_refunding_an_authorized_transaction_is_400_amount_exceeds_refundable(client):
    await open_account(client)
    transaction = await authorized(client, value="10.00")

    assert_error(await refund(client, "acc-1", transaction["id"], "1.00"), 400, "AMOUNT_EXCEEDS_REFUNDABLE")


async def test_a_transaction_of_another_account_is_404_and_untouched(client, unchanged_store):
    await open_account(client, "acc-1")
    await open_account(client, "acc-2")
    transaction = await authorized(client, "acc-1", "10.00")

    async with unchanged_store():
        responses = [
            await settle(client, "acc-2", transaction["id"], "10.00"),
            await client.delete(account_url("acc-2", "transactions", transaction["id"])),
            await refund(client, "acc-2", transaction["id"], "1.00"),
        ]

    for response in responses:
        assert_error(response, 404, "NOT_FOUND", "transactionId")


async def test_an_unknown_transaction_is_404(client):
    await open_account(client)

    assert_error(await settle(client, "acc-1", "no-such-transaction", "1.00"), 404, "NOT_FOUND", "transactionId")


# --- invoices -------------------------------------------------------------------------------------


async def test_paying_an_invoice_credits_the_balance(client):
    await open_account(client, limit="1000.00")
    transaction = await settled(client, value="100.00", installments=3)
    invoice_id = transaction["invoices"][0]["id"]

    response = await pay(client, "acc-1", invoice_id)

    assert response.status_code == 200, response.text
    invoice = exact(response)
    assert (invoice["id"], invoice["status"], invoice["value"]) == (invoice_id, "Paid", money("33.34"))
    assert invoice["paidAt"] is not None and invoice["cancelledAt"] is None
    found = await client.get(account_url("acc-1"))
    assert '"balance":-66.66' in found.text
    assert numbers(exact(found)) == (money("1000.00"), money("-66.66"), 0, money("933.34"))


async def test_paying_twice_is_409_invoice_not_open(client):
    await open_account(client)
    invoice_id = (await settled(client, value="10.00"))["invoices"][0]["id"]
    await pay(client, "acc-1", invoice_id)

    assert_error(await pay(client, "acc-1", invoice_id), 409, "INVOICE_NOT_OPEN", "invoiceId")
    assert (await account(client))["balance"] == 0


async def test_a_payment_retried_with_its_key_pays_once(client):
    await open_account(client)
    first, second = (i["id"] for i in (await settled(client, value="10.00", installments=2))["invoices"])
    key = str(uuid.uuid4())

    assert (await pay(client, "acc-1", first, key=key)).status_code == 200
    assert (await pay(client, "acc-1", first, key=key)).status_code == 200
    assert_error(await pay(client, "acc-1", second, key=key), 409, "IDEMPOTENCY_KEY_REUSED")
    assert (await account(client))["balance"] == money("-5.00")


async def test_cancelling_an_invoice_credits_the_balance(client):
    await open_account(client)
    invoice = (await settled(client, value="100.00", installments=3))["invoices"][2]

    response = await client.delete(account_url("acc-1", "invoices", invoice["id"]))

    assert response.status_code == 200, response.text
    assert (exact(response)["status"], exact(response)["cancelledAt"] is not None) == ("Cancelled", True)
    assert (await account(client))["balance"] == money("-66.67")  # −100.00 + 33.33


async def test_cancelling_a_paid_invoice_is_409_invoice_paid(client):
    await open_account(client)
    invoice_id = (await settled(client, value="10.00"))["invoices"][0]["id"]
    await pay(client, "acc-1", invoice_id)

    response = await client.delete(account_url("acc-1", "invoices", invoice_id))

    assert_error(response, 409, "INVOICE_PAID", "invoiceId")


async def test_postponing_moves_the_due_date_and_keeps_the_original(client):
    await open_account(client)
    invoice = (await settled(client, value="10.00"))["invoices"][0]

    response = await postpone(client, "acc-1", invoice["id"], 10)

    assert response.status_code == 200, response.text
    moved = exact(response)
    assert moved["originalDueDate"] == invoice["dueDate"]
    assert moved["dueDate"] == (date.fromisoformat(invoice["dueDate"]) + timedelta(days=10)).isoformat()


async def test_postponing_past_the_store_maximum_is_400_invalid_postponement(client):
    await open_account(client)
    invoice_id = (await settled(client, value="10.00"))["invoices"][0]["id"]
    assert (await postpone(client, "acc-1", invoice_id, 20)).status_code == 200

    assert_error(await postpone(client, "acc-1", invoice_id, 11), 400, "INVALID_POSTPONEMENT", "dueDays")
    assert_error(await postpone(client, "acc-1", invoice_id, 0), 400, "INVALID_POSTPONEMENT", "dueDays")
    assert_error(await postpone(client, "acc-1", invoice_id, "5"), 400, "INVALID_POSTPONEMENT", "dueDays")


async def test_postponing_while_the_store_forbids_it_is_409_postponement_disabled(client):
    await open_account(client)
    invoice_id = (await settled(client, value="10.00"))["invoices"][0]["id"]
    assert (await send(client, "PUT", f"{API}/storeconfig", {"postponementEnabled": False})).status_code == 200

    assert_error(await postpone(client, "acc-1", invoice_id, 5), 409, "POSTPONEMENT_DISABLED")


async def test_an_invoice_of_another_account_is_404_and_untouched(client, unchanged_store):
    await open_account(client, "acc-1")
    await open_account(client, "acc-2")
    invoice_id = (await settled(client, "acc-1", "10.00"))["invoices"][0]["id"]

    async with unchanged_store():
        responses = [
            await pay(client, "acc-2", invoice_id),
            await postpone(client, "acc-2", invoice_id, 1),
            await client.delete(account_url("acc-2", "invoices", invoice_id)),
        ]

    for response in responses:
        assert_error(response, 404, "NOT_FOUND", "invoiceId")


# --- lists ----------------------------------------------------------------------------------------


async def test_the_statement_lists_every_change_newest_first_with_running_balances(client):
    await open_account(client, limit="1000.00")
    transaction = await settled(client, value="100.00", installments=3)
    await pay(client, "acc-1", transaction["invoices"][0]["id"])

    response = await client.get(account_url("acc-1", "statements"))

    assert response.status_code == 200, response.text
    page = exact(response)
    assert [(e["kind"], e["value"], e["balanceAfter"]) for e in page["data"]] == [
        ("Payment", money("33.34"), money("-66.66")),
        ("Invoice", money("-33.33"), money("-100.00")),
        ("Invoice", money("-33.33"), money("-66.67")),
        ("Invoice", money("-33.34"), money("-33.34")),
    ]
    assert '"value":-33.34,"balanceAfter":-33.34' in response.text
    assert page["summary"] == {"count": 4} and page["paging"] == {"next": None}
    assert {e["transactionId"] for e in page["data"]} == {transaction["id"]}
    assert [e["invoiceId"] for e in page["data"]][0] == transaction["invoices"][0]["id"]
    assert all(e["actor"] == "tester" for e in page["data"])


async def test_the_statement_pages_by_cursor_and_counts_every_entry(client):
    await open_account(client, limit="1000.00")
    transaction = await settled(client, value="100.00", installments=3)
    await pay(client, "acc-1", transaction["invoices"][0]["id"])
    url = account_url("acc-1", "statements")

    first = exact(await client.get(url, params={"limit": 3}))
    second = exact(await client.get(url, params={"limit": 3, "after": first["paging"]["next"]}))

    assert [e["kind"] for e in first["data"]] == ["Payment", "Invoice", "Invoice"]
    assert [e["value"] for e in second["data"]] == [money("-33.34")]
    assert first["summary"] == second["summary"] == {"count": 4}
    assert second["paging"]["next"] is None


async def test_the_statement_between_from_and_to(client):
    await open_account(client, limit="1000.00")
    transaction = await settled(client, value="100.00", installments=3)
    await asyncio.sleep(0.01)
    await pay(client, "acc-1", transaction["invoices"][0]["id"])
    settled_at = transaction["settledAt"]

    page = exact(await client.get(account_url("acc-1", "statements"), params={"from": settled_at, "to": settled_at}))
    later = exact(await client.get(account_url("acc-1", "statements"), params={"from": "2999-01-01T00:00:00Z"}))

    assert [e["kind"] for e in page["data"]] == ["Invoice"] * 3 and page["summary"] == {"count": 3}
    assert later == {"data": [], "summary": {"count": 0}, "paging": {"next": None}}


@pytest.mark.parametrize(
    "params",
    [
        {"from": "yesterday"},
        {"to": "2026-01-01T00:00:00"},
        {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"after": "not-a-cursor"},
    ],
)
async def test_bad_list_parameters_are_400_invalid_parameter(client, params):
    await open_account(client)

    response = await client.get(account_url("acc-1", "statements"), params=params)

    assert_error(response, 400, "INVALID_PARAMETER")


async def test_every_credit_list_counts_up_to_count_limit_with_its_precision(client):
    await open_account(client)
    await settled(client, value="100.00", installments=3)
    lists = (account_url("acc-1", "statements"), account_url("acc-1", "invoices"), f"{API}/invoices")

    for url in lists:
        bounded = exact(await client.get(url, params={"countLimit": 2, "limit": 1}))
        whole = exact(await client.get(url, params={"countLimit": 3}))

        assert bounded["summary"] == {"count": 2, "precision": "AT_LEAST"}, url
        assert len(bounded["data"]) == 1 and bounded["paging"]["next"], url
        assert whole["summary"] == {"count": 3, "precision": "EXACT"}, url


@pytest.mark.parametrize("count_limit", ["0", "100001", "many"])
async def test_a_count_limit_out_of_range_is_400_on_every_credit_list(client, count_limit):
    await open_account(client)

    for url in (account_url("acc-1", "statements"), account_url("acc-1", "invoices"), f"{API}/invoices"):
        assert_error(await client.get(url, params={"countLimit": count_limit}), 400, "INVALID_PARAMETER", "countLimit")


async def test_a_cursor_of_another_list_is_400(client):
    await open_account(client)
    await settled(client, value="10.00", installments=3)
    cursor = exact(await client.get(account_url("acc-1", "invoices"), params={"limit": 1}))["paging"]["next"]

    response = await client.get(account_url("acc-1", "invoices"), params={"after": cursor, "status": "Paid"})

    assert_error(response, 400, "INVALID_PARAMETER", "after")


async def test_lists_of_an_unknown_account_are_404(client):
    assert_error(await client.get(account_url("nobody", "statements")), 404, "NOT_FOUND")
    assert_error(await client.get(account_url("nobody", "invoices")), 404, "NOT_FOUND")


async def test_an_accounts_invoices_by_due_date_with_a_status_filter(client):
    await open_account(client)
    transaction = await settled(client, value="100.00", installments=3)
    first = transaction["invoices"][0]["id"]
    await pay(client, "acc-1", first)
    url = account_url("acc-1", "invoices")

    every = exact(await client.get(url))
    paid = exact(await client.get(url, params={"status": "Paid"}))
    opened = exact(await client.get(url, params={"status": "Open", "limit": 1}))

    assert [i["id"] for i in every["data"]] == [i["id"] for i in transaction["invoices"]]
    assert every["summary"] == {"count": 3}
    assert [i["id"] for i in paid["data"]] == [first] and paid["summary"] == {"count": 1}
    assert len(opened["data"]) == 1 and opened["summary"] == {"count": 2} and opened["paging"]["next"]
    assert_error(await client.get(url, params={"status": "Paga"}), 400, "INVALID_PARAMETER", "status")


@pytest.mark.parametrize("status", ["paid", "PAID", "pAiD"])
async def test_the_invoice_status_filter_takes_any_case(client, status):
    await open_account(client)
    transaction = await settled(client, value="100.00", installments=3)
    first = transaction["invoices"][0]["id"]
    await pay(client, "acc-1", first)

    for url in (account_url("acc-1", "invoices"), f"{API}/invoices"):
        assert [i["id"] for i in exact(await client.get(url, params={"status": status}))["data"]] == [first]


async def test_invoices_by_due_date_range_status_and_account(client):
    await open_account(client, "acc-1")
    await open_account(client, "acc-2")
    mine = (await settled(client, "acc-1", "90.00", installments=3))["invoices"]
    theirs = (await settled(client, "acc-2", "20.00", installments=2))["invoices"]
    await pay(client, "acc-2", theirs[0]["id"])
    second_due = mine[1]["dueDate"]  # 60 days from today, as theirs[1]

    def ids(response: httpx.Response) -> list[str]:
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["data"]]

    url = f"{API}/invoices"
    assert ids(await client.get(url, params={"creditAccountId": "acc-1"})) == [i["id"] for i in mine]
    assert set(ids(await client.get(url, params={"from": second_due, "to": second_due}))) == {
        mine[1]["id"],
        theirs[1]["id"],
    }
    assert set(ids(await client.get(url, params={"to": mine[0]["dueDate"], "status": "Open"}))) == {mine[0]["id"]}
    assert ids(await client.get(url, params={"status": "Paid"})) == [theirs[0]["id"]]
    assert ids(await client.get(url, params={"creditAccountId": "nobody"})) == []
    assert_error(await client.get(url, params={"from": "31/12/2026"}), 400, "INVALID_PARAMETER", "from")
    assert_error(await client.get(url, params={"creditAccountId": "a.b"}), 400, "INVALID_PARAMETER", "creditAccountId")


# --- limits and the store configuration ----------------------------------------------------------


async def test_the_credit_limit_changes_and_the_available_credit_follows(client):
    await open_account(client, limit="100.00")
    await authorized(client, value="80.00")

    response = await send(client, "PUT", account_url("acc-1", "creditlimit"), '{"value": 50.10}')

    assert response.status_code == 200, response.text
    assert '"creditLimit":50.10' in response.text
    # lowered below what is held: negative, and nothing more is authorized
    assert numbers(exact(response)) == (money("50.10"), 0, money("80.00"), money("-29.90"))
    assert_error(await authorize(client, value="0.01"), 409, "INSUFFICIENT_CREDIT")


async def test_the_tolerance_changes_the_spending_limit_while_the_store_enables_it(client):
    await open_account(client, limit="2000.50")

    response = await send(client, "PUT", account_url("acc-1", "tolerance"), '{"value": 0.1}')

    assert response.status_code == 200, response.text
    assert exact(response)["tolerance"] == money("0.1")
    assert exact(response)["spendingLimit"] == money("2200.55")  # 2000.50 × 1.1
    await send(client, "PUT", f"{API}/storeconfig", {"toleranceEnabled": False})
    assert (await account(client))["spendingLimit"] == money("2000.50")


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("creditlimit", '{"value": -1}', "INVALID_CREDIT_LIMIT"),
        ("creditlimit", '{"value": 1.001}', "INVALID_CREDIT_LIMIT"),
        ("creditlimit", "{}", "INVALID_CREDIT_LIMIT"),
        ("creditlimit", '{"value": 10, "email": "x@example.com"}', "UNKNOWN_MEMBER"),
        ("tolerance", '{"value": 1.5}', "INVALID_TOLERANCE"),
        ("tolerance", '{"value": "0.1"}', "INVALID_TOLERANCE"),
    ],
)
async def test_a_bad_limit_or_tolerance_is_400(client, unchanged_store, path, body, code):
    await open_account(client)

    async with unchanged_store():
        response = await send(client, "PUT", account_url("acc-1", path), body)

    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    assert response.json()["field"] in ("value", "email")


async def test_limits_never_open_an_account_and_a_closed_one_never_changes(client):
    assert_error(await send(client, "PUT", account_url("nobody", "creditlimit"), '{"value": 5}'), 404, "NOT_FOUND")
    await open_account(client)
    await client.delete(account_url("acc-1"))

    response = await send(client, "PUT", account_url("acc-1", "tolerance"), '{"value": 0.05}')

    assert_error(response, 409, "ACCOUNT_CLOSED")


async def test_store_config_reads_the_defaults_and_admin_changes_them(client, client_with):
    reader = await client_with("metrics:read")  # any valid key reads it

    defaults = (await reader.get(f"{API}/storeconfig")).json()
    response = await send(client, "PUT", f"{API}/storeconfig", {"invoiceDueDays": 15, "maxInstallments": 6})

    assert defaults == {
        "invoiceDueDays": 30,
        "maxInstallments": 12,
        "authorizationTtlHours": 120,
        "maxPostponementDays": 30,
        "toleranceEnabled": True,
        "postponementEnabled": True,
        "updatedAt": None,
        "updatedBy": None,
    }
    assert response.status_code == 200, response.text
    saved = response.json()
    assert (saved["invoiceDueDays"], saved["maxInstallments"], saved["updatedBy"]) == (15, 6, "tester")
    assert saved["updatedAt"] is not None
    assert (await reader.get(f"{API}/storeconfig")).json() == saved


async def test_the_store_config_is_what_the_rules_read(client):
    await send(client, "PUT", f"{API}/storeconfig", {"invoiceDueDays": 15, "maxInstallments": 2})
    await open_account(client)

    invoices = (await settled(client, value="10.00", installments=2))["invoices"]

    assert [i["dueDate"] for i in invoices] == [(today() + timedelta(days=15 * k)).isoformat() for k in (1, 2)]
    assert_error(await authorize(client, value="10.00", installments=3), 400, "INVALID_INSTALLMENTS")


async def test_a_whole_setting_written_with_a_fraction_is_an_integer(client):
    response = await send(client, "PUT", f"{API}/storeconfig", '{"invoiceDueDays": 15.0, "maxInstallments": 6e0}')

    assert response.status_code == 200, response.text
    assert (response.json()["invoiceDueDays"], response.json()["maxInstallments"]) == (15, 6)


async def test_an_out_of_range_setting_is_400_invalid_setting_and_nothing_changes(client):
    response = await send(
        client, "PUT", f"{API}/storeconfig", {"invoiceDueDays": 0, "maxInstallments": 6, "toleranceEnabled": "yes"}
    )

    assert_error(response, 400, "INVALID_SETTING")
    assert {(e["field"], e["code"]) for e in response.json()["errors"]} == {
        ("invoiceDueDays", "INVALID_SETTING"),
        ("toleranceEnabled", "INVALID_SETTING"),
    }
    assert (await client.get(f"{API}/storeconfig")).json()["maxInstallments"] == 12
    assert_error(await send(client, "PUT", f"{API}/storeconfig", {"dueDays": 1}), 400, "UNKNOWN_MEMBER", "dueDays")


async def test_closing_an_account_with_credit_in_use_is_409_open_balance(client):
    await open_account(client)
    await authorized(client, value="10.00")

    assert_error(await client.delete(account_url("acc-1")), 409, "OPEN_BALANCE")


# --- retries and scopes --------------------------------------------------------------------------


async def test_an_account_that_keeps_changing_is_503_try_again_with_retry_after(client, monkeypatch):
    await open_account(client)
    monkeypatch.setattr(credit_usecases, "MAX_ATTEMPTS", 0)

    response = await authorize(client, value="10.00", key=str(uuid.uuid4()))

    assert response.status_code == 503, response.text
    assert response.json()["code"] == "TRY_AGAIN" and response.json()["errorId"]
    assert response.headers["retry-after"] == "1"
    assert (await account(client))["heldCredit"] == 0


SCOPED = [
    ("POST", "acc-1/transactions", '{"value": 1}', "credit:write"),
    ("PUT", "acc-1/transactions/{tid}/settlement", '{"value": 1}', "credit:write"),
    ("DELETE", "acc-1/transactions/{tid}", None, "credit:write"),
    ("POST", "acc-1/transactions/{sid}/refunds", '{"value": 1}', "credit:write"),
    ("GET", "acc-1/statements", None, "credit:read"),
    ("GET", "acc-1/invoices", None, "credit:read"),
    ("GET", "/invoices", None, "credit:read"),
    ("POST", "acc-1/invoices/{iid}/payments", None, "invoices:write"),
    ("PUT", "acc-1/invoices/{iid}/postponement", '{"dueDays": 1}', "invoices:write"),
    ("DELETE", "acc-1/invoices/{iid}", None, "invoices:write"),
    ("PUT", "acc-1/creditlimit", '{"value": 1}', "accounts:write"),
    ("PUT", "acc-1/tolerance", '{"value": 0}', "accounts:write"),
    ("PUT", "/storeconfig", '{"maxInstallments": 3}', "admin"),
]
EVERY_SCOPE = {"accounts:read", "accounts:write", "credit:read", "credit:write", "invoices:write", "pii:read"}


@pytest.mark.parametrize(("method", "path", "body", "scope"), SCOPED, ids=[f"{m} {p}" for m, p, *_ in SCOPED])
async def test_each_route_needs_its_scope_and_answers_403_without_it(
    client, client_with, unchanged_store, database, method, path, body, scope
):
    await open_account(client)
    authorization = await authorized(client, value="10.00")
    settlement = await settled(client, value="10.00")
    ids = {"tid": authorization["id"], "sid": settlement["id"], "iid": settlement["invoices"][0]["id"]}
    url = (API + path) if path.startswith("/") else account_url(path.format(**ids))
    without = await client_with(*(EVERY_SCOPE - {scope}))
    with_it = await client_with(scope) if scope != "admin" else client

    async with unchanged_store():
        refused = await send(without, method, url, body)
    allowed = await send(with_it, method, url, body)

    assert_error(refused, 403, "FORBIDDEN")
    assert scope in refused.json()["message"]
    assert allowed.status_code < 300, allowed.text


async def test_the_openapi_document_lists_each_credit_route_with_its_scope(client):
    document = (await client.get(f"{API}/openapi.json")).json()

    for method, path, _, scope in SCOPED:
        template = path.replace("acc-1", "{accountId}").replace("{tid}", "{transactionId}")
        template = template.replace("{sid}", "{transactionId}").replace("{iid}", "{invoiceId}")
        template = API + (template if template.startswith("/") else f"/accounts/{template}")
        operation = document["paths"][template][method.lower()]
        assert operation["x-scopes"] == [scope], (method, template)
    assert "x-scopes" not in document["paths"][f"{API}/storeconfig"]["get"]
    keyed = {
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
        if any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation.get("parameters", []))
    }
    assert keyed == {
        "authorizeCredit",
        "settleCredit",
        "cancelCredit",
        "refundCredit",
        "payInvoice",
        "postponeInvoice",
        "cancelInvoice",
    }
