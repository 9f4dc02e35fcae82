"""Holder emails: addAccountHolder, removeAccountHolder, Account.holders, and the rule that an email
is the email or a holder email of at most one open account, both ways."""

from __future__ import annotations

from customer_credit.domain.clock import now_ms
from customer_credit.persistence.accounts import AccountRepository
from customer_credit.persistence.database import ACCOUNTS, EMAIL_CLAIMS
from customer_credit.persistence.email_claims import CLAIM_LEASE_MS
from tests.support.accounts import close_account, fetch_account, open_account, open_or_change
from tests.support.graphql import codes, error_codes, graphql
from tests.support.holders import (
    ADD_HOLDER,
    REMOVE_HOLDER,
    add_holder,
    added_holder,
    holder_changes,
    remove_holder,
)


async def test_adding_a_holder_answers_the_account_with_it_at_the_next_version(client):
    await open_account(client, id="a1", email="ana@example.com")

    account = await added_holder(client, "a1", "Bia@Example.com")

    assert account["version"] == 2
    assert [holder["email"] for holder in account["holders"]] == ["Bia@example.com"]
    assert account["holders"][0]["id"] and account["holders"][0]["addedAt"]


async def test_adding_a_holder_is_recorded_in_the_history(client):
    await open_account(client, id="a1", email="ana@example.com")

    await added_holder(client, "a1", "bia@example.com")

    assert (await holder_changes(client, "a1"))[0] == (
        2,
        [{"field": "holders", "from": None, "to": "bia@example.com"}],
    )


async def test_holder_changes_in_the_history_are_masked_without_pii_read(client, client_with):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")
    reader = await client_with("accounts:read")

    assert (await holder_changes(reader, "a1"))[0] == (
        2,
        [{"field": "holders", "from": None, "to": "b***@example.com"}],
    )


async def test_holders_are_masked_without_pii_read(client, client_with):
    await open_account(client, id="a1", email="ana@example.com")
    reader = await client_with("accounts:read", "accounts:write")

    account = await added_holder(reader, "a1", "bia@example.com")

    assert [holder["email"] for holder in account["holders"]] == ["b***@example.com"]


async def test_adding_an_email_that_already_is_a_holder_changes_nothing(client):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")

    account = await added_holder(client, "a1", "BIA@example.com")

    assert account["version"] == 2
    assert len(account["holders"]) == 1


async def test_adding_the_accounts_own_email_is_email_in_use(client):
    await open_account(client, id="a1", email="ana@example.com")

    payload = await add_holder(client, "a1", "ANA@example.com")

    assert codes(payload) == ["EMAIL_IN_USE"]
    assert payload["account"] is None


async def test_adding_another_open_accounts_email_is_email_in_use(client):
    await open_account(client, id="a1", email="ana@example.com")
    await open_account(client, id="a2", email="bia@example.com")

    payload = await add_holder(client, "a2", "Ana@Example.com")

    assert codes(payload) == ["EMAIL_IN_USE"]
    assert (await fetch_account(client, "a2"))["version"] == 1


async def test_adding_another_open_accounts_holder_email_is_email_in_use(client):
    await open_account(client, id="a1", email="ana@example.com")
    await open_account(client, id="a2", email="bia@example.com")
    await added_holder(client, "a1", "caio@example.com")

    payload = await add_holder(client, "a2", "ＣＡＩＯ@example.com")

    assert codes(payload) == ["EMAIL_IN_USE"]


async def test_an_eleventh_holder_is_too_many_holders(client):
    await open_account(client, id="a1", email="ana@example.com")
    for n in range(10):
        await added_holder(client, "a1", f"holder{n}@example.com")

    payload = await add_holder(client, "a1", "one.more@example.com")

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("email", "TOO_MANY_HOLDERS")]


async def test_a_malformed_holder_email_is_invalid_email(client):
    await open_account(client, id="a1", email="ana@example.com")

    payload = await add_holder(client, "a1", "not-an-email")

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("email", "INVALID_EMAIL")]


async def test_adding_a_holder_to_an_unknown_account_is_not_found(client):
    payload = await add_holder(client, "nobody", "bia@example.com")

    assert codes(payload) == ["NOT_FOUND"]


async def test_adding_a_holder_to_a_closed_account_is_account_closed(client):
    await open_account(client, id="a1", email="ana@example.com")
    await close_account(client, "a1")

    payload = await add_holder(client, "a1", "bia@example.com")

    assert codes(payload) == ["ACCOUNT_CLOSED"]


async def test_opening_an_account_with_another_accounts_holder_email_is_email_in_use(client):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")

    payload = await open_or_change(client, id="a2", email="Bia@example.com")

    assert codes(payload) == ["EMAIL_IN_USE"]
    assert await fetch_account(client, "a2") is None


async def test_changing_an_email_to_another_accounts_holder_email_is_email_in_use(client):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")
    await open_account(client, id="a2", email="caio@example.com")

    payload = await open_or_change(client, id="a2", email="bia@example.com")

    assert codes(payload) == ["EMAIL_IN_USE"]


async def test_changing_an_email_to_one_of_its_own_holders_is_email_in_use(client):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")

    payload = await open_or_change(client, id="a1", email="bia@example.com")

    assert codes(payload) == ["EMAIL_IN_USE"]


async def test_a_changed_email_is_free_for_a_holder_elsewhere(client):
    await open_account(client, id="a1", email="ana@example.com")
    await open_account(client, id="a2", email="bia@example.com")
    await open_account(client, id="a1", email="ana.new@example.com")

    account = await added_holder(client, "a2", "ana@example.com")

    assert [holder["email"] for holder in account["holders"]] == ["ana@example.com"]


async def test_removing_a_holder_answers_the_account_without_it(client):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")

    payload = await remove_holder(client, "a1", "BIA@example.com")

    assert payload["errors"] == []
    assert (payload["account"]["holders"], payload["account"]["version"]) == ([], 3)


async def test_a_removed_holders_email_is_free_for_another_account(client):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")
    await remove_holder(client, "a1", "bia@example.com")

    account = await open_account(client, id="a2", email="bia@example.com")

    assert account["status"] == "OPEN"


async def test_removing_an_email_that_is_no_holder_is_not_found(client):
    await open_account(client, id="a1", email="ana@example.com")

    payload = await remove_holder(client, "a1", "bia@example.com")

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("email", "NOT_FOUND")]


async def test_closing_an_account_frees_its_holder_emails(client):
    await open_account(client, id="a1", email="ana@example.com")
    await added_holder(client, "a1", "bia@example.com")
    await close_account(client, "a1")

    opened = await open_account(client, id="a2", email="bia@example.com")

    assert opened["status"] == "OPEN"


async def test_holder_mutations_need_accounts_write(client, client_with):
    await open_account(client, id="a1", email="ana@example.com")
    reader = await client_with("accounts:read", "pii:read")

    added = await graphql(reader, ADD_HOLDER, accountId="a1", email="bia@example.com")
    removed = await graphql(reader, REMOVE_HOLDER, accountId="a1", email="bia@example.com")

    assert (error_codes(added), error_codes(removed)) == (["FORBIDDEN"], ["FORBIDDEN"])
    assert (await fetch_account(client, "a1"))["version"] == 1


async def test_a_claim_left_by_a_crash_before_its_write_holds_the_email_while_it_may_be_in_flight(client, database):
    await open_account(client, id="a1", email="ana@example.com")
    await open_account(client, id="a2", email="caio@example.com")
    await database.collection(EMAIL_CLAIMS).insert_one(
        {"_id": "bia@example.com", "account_id": "a1", "version": 2, "at": now_ms()}
    )

    payload = await add_holder(client, "a2", "bia@example.com")

    assert codes(payload) == ["EMAIL_IN_USE"]


async def test_a_claim_left_by_a_crash_before_its_write_is_reclaimed_after_the_lease(client, database):
    await open_account(client, id="a1", email="ana@example.com")
    await open_account(client, id="a2", email="caio@example.com")
    await database.collection(EMAIL_CLAIMS).insert_one(
        {"_id": "bia@example.com", "account_id": "a1", "version": 2, "at": now_ms() - CLAIM_LEASE_MS - 1}
    )

    account = await added_holder(client, "a2", "bia@example.com")

    assert [holder["email"] for holder in account["holders"]] == ["bia@example.com"]


async def test_a_claim_left_by_a_crash_before_its_release_is_reclaimed_at_once(client, database):
    await open_account(client, id="a1", email="ana@example.com")
    await open_account(client, id="a2", email="caio@example.com")
    await database.collection(EMAIL_CLAIMS).insert_one(
        {"_id": "bia@example.com", "account_id": "a1", "version": 1, "at": now_ms()}
    )

    account = await added_holder(client, "a2", "bia@example.com")

    assert [holder["email"] for holder in account["holders"]] == ["bia@example.com"]


async def test_an_account_opened_before_holders_existed_gets_its_email_claimed(client, database):
    await database.collection(ACCOUNTS).insert_one(
        {"_id": "old-1", "email": "old@example.com", "email_key": "old@example.com", "status": "OPEN", "version": 1}
    )
    await open_account(client, id="a2", email="caio@example.com")

    brought = await AccountRepository(database).claim_unclaimed_emails()

    assert brought == 1
    assert codes(await add_holder(client, "a2", "OLD@example.com")) == ["EMAIL_IN_USE"]
