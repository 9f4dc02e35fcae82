"""closeAccount, and what a closed account can and cannot do afterwards."""

from __future__ import annotations

import pytest

from tests.support.accounts import close_account, fetch_account, open_account, open_or_change
from tests.support.documents import CPF, CPF_COMPACT
from tests.support.graphql import codes


async def test_close_marks_the_account_closed_and_bumps_the_version(client):
    opened = await open_account(client, id="a1", email="ana@example.com", documentType="CPF", document=CPF)

    payload = await close_account(client, "a1")

    assert payload["errors"] == []
    closed = payload["account"]
    assert (closed["status"], closed["version"]) == ("CLOSED", 2)
    assert (closed["email"], closed["document"]) == (opened["email"], opened["document"])
    assert await fetch_account(client, "a1") == closed


async def test_close_of_an_unknown_id_is_not_found(client, unchanged_store):
    async with unchanged_store():
        payload = await close_account(client, "nobody")

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("id", "NOT_FOUND")]
    assert payload["account"] is None


@pytest.mark.parametrize("account_id", ["", "a" * 65, "não"])
async def test_close_of_a_malformed_id_is_invalid_id(client, account_id):
    payload = await close_account(client, account_id)

    assert codes(payload) == ["INVALID_ID"]


async def test_close_of_a_closed_account_is_account_closed(client, unchanged_store):
    await open_account(client, id="a1", email="ana@example.com")
    await close_account(client, "a1")

    async with unchanged_store():
        payload = await close_account(client, "a1")

    assert codes(payload) == ["ACCOUNT_CLOSED"]
    assert payload["account"] is None


async def test_change_of_a_closed_account_is_account_closed(client, unchanged_store):
    await open_account(client, id="a1", email="ana@example.com")
    await close_account(client, "a1")

    async with unchanged_store():
        payload = await open_or_change(client, id="a1", email="ana@example.com", creditLimit="500")

    assert codes(payload) == ["ACCOUNT_CLOSED"]
    assert payload["created"] is False and payload["account"] is None


async def test_closed_account_is_not_reopened_with_an_identical_request(client):
    await open_account(client, id="a1", email="ana@example.com")
    await close_account(client, "a1")

    payload = await open_or_change(client, id="a1", email="ana@example.com")

    assert codes(payload) == ["ACCOUNT_CLOSED"]
    assert (await fetch_account(client, "a1"))["status"] == "CLOSED"


async def test_closed_account_frees_its_email(client):
    await open_account(client, id="old", email="ana@example.com")
    await close_account(client, "old")

    payload = await open_or_change(client, id="new", email="ANA@example.com")

    assert payload["errors"] == [] and payload["created"] is True


async def test_closed_account_frees_its_document(client):
    await open_account(client, id="old", email="ana@example.com", documentType="CPF", document=CPF)
    await close_account(client, "old")

    account = await open_account(client, id="new", email="bia@example.com", documentType="CPF", document=CPF_COMPACT)

    assert account["document"] == CPF_COMPACT


async def test_closed_accounts_may_share_an_email_and_document(client):
    for account_id in ("first", "second"):
        await open_account(client, id=account_id, email="ana@example.com", documentType="CPF", document=CPF)
        await close_account(client, account_id)

    account = await open_account(client, id="third", email="ana@example.com", documentType="CPF", document=CPF)

    assert account["status"] == "OPEN"


async def test_open_account_keeps_the_email_a_closed_one_had(client):
    await open_account(client, id="old", email="ana@example.com")
    await close_account(client, "old")
    await open_account(client, id="new", email="ana@example.com")

    payload = await open_or_change(client, id="third", email="ana@example.com")

    assert codes(payload) == ["EMAIL_IN_USE"]
