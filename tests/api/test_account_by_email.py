"""accountByEmail: the checkout's lookup of the open account by its email or a holder email."""

from __future__ import annotations

from tests.support.accounts import close_account, open_account
from tests.support.graphql import error_codes, graphql
from tests.support.holders import LOOKUP_BY_EMAIL, added_holder, lookup, remove_holder


async def test_finds_the_account_by_its_email_in_any_case(client):
    await open_account(client, id="a1", email="ana@example.com")

    found = await lookup(client, "ANA@Example.COM")

    assert found is not None and found["id"] == "a1"


async def test_finds_the_account_by_a_holder_email(client):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")

    found = await lookup(client, "Bia@example.com")

    assert found is not None and found["id"] == "a1"


async def test_finds_the_account_by_a_full_width_spelling_of_its_email(client):
    await open_account(client, id="a1", email="ana@example.com")

    found = await lookup(client, "ａｎａ@example.com")

    assert found is not None and found["id"] == "a1"


async def test_an_unknown_email_finds_nothing(client):
    await open_account(client, id="a1", email="ana@example.com")

    assert await lookup(client, "nobody@example.com") is None


async def test_a_closed_accounts_email_finds_nothing(client):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")
    await close_account(client, "a1")

    assert (await lookup(client, "ana@example.com"), await lookup(client, "bia@example.com")) == (None, None)


async def test_a_removed_holders_email_finds_nothing(client):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")
    await remove_holder(client, "a1", "bia@example.com")

    assert await lookup(client, "bia@example.com") is None


async def test_emails_are_masked_without_pii_read(client, client_with):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")
    reader = await client_with("accounts:read")

    found = await lookup(reader, "bia@example.com")

    assert found is not None
    assert (found["email"], [h["email"] for h in found["holders"]]) == ("a***@example.com", ["b***@example.com"])


async def test_the_lookup_needs_accounts_read(client, client_with):
    await open_account(client, id="a1", email="ana@example.com")
    outsider = await client_with("credit:read")

    result = await graphql(outsider, LOOKUP_BY_EMAIL, email="ana@example.com")

    assert error_codes(result) == ["FORBIDDEN"]
