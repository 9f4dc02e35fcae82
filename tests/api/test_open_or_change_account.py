"""openOrChangeAccount: opening, changing, and every business rule on the fields."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from customer_credit.settings import Settings
from tests.support.accounts import fetch_account, open_account, open_or_change
from tests.support.documents import ALPHANUMERIC_CNPJ, CNPJ, CNPJ_COMPACT, CPF, CPF_COMPACT, OTHER_CPF
from tests.support.graphql import codes

# --- opening and changing --------------------------------------------------------------


async def test_open_without_id_generates_a_uuid4(client):
    payload = await open_or_change(client, email="ana@example.com")

    assert payload["created"] is True
    assert uuid.UUID(payload["account"]["id"]).version == 4


async def test_open_with_unknown_id_opens_that_id(client):
    payload = await open_or_change(client, id="customer-42", email="ana@example.com")

    assert payload["created"] is True
    assert payload["account"]["id"] == "customer-42"
    assert payload["account"]["version"] == 1


async def test_open_with_known_id_changes_that_account(client):
    await open_account(client, id="customer-42", email="ana@example.com")

    payload = await open_or_change(client, id="customer-42", email="ana@example.com", creditLimit="250.00")

    assert payload["created"] is False
    assert payload["account"]["creditLimit"] == "250.00"
    assert payload["account"]["version"] == 2


async def test_open_sets_defaults_status_and_timestamps(client):
    account = await open_account(client, email="ana@example.com")

    assert account["creditLimit"] == "100.00"
    assert Decimal(account["tolerance"]) == 0
    assert account["status"] == "OPEN"
    assert account["documentType"] is None and account["document"] is None and account["description"] is None
    assert account["createdAt"] == account["updatedAt"]
    assert account["createdAt"].endswith(("Z", "+00:00"))


class TestDefaultCreditLimitSetting:
    @pytest.fixture
    def settings(self) -> Settings:
        return Settings(
            mongodb_uri="mongodb://unused", data_dir=Path("/nonexistent"), default_credit_limit=Decimal("250")
        )

    async def test_open_uses_the_configured_default_credit_limit(self, client):
        account = await open_account(client, email="ana@example.com")

        assert account["creditLimit"] == "250.00"


async def test_open_stores_every_given_field(client):
    account = await open_account(
        client,
        id="full",
        email="ana@example.com",
        documentType="CPF",
        document=CPF,
        creditLimit="1500.5",
        tolerance="0.0525",
        description="  VIP customer  ",
    )

    assert account == {
        **account,
        "email": "ana@example.com",
        "documentType": "CPF",
        "document": CPF_COMPACT,
        "creditLimit": "1500.50",
        "tolerance": "0.0525",
        "description": "VIP customer",
    }
    assert await fetch_account(client, "full") == account


async def test_change_leaves_omitted_fields_unchanged(client):
    before = await open_account(
        client,
        id="a1",
        email="ana@example.com",
        documentType="CPF",
        document=CPF,
        creditLimit="1500.00",
        tolerance="0.05",
        description="VIP",
    )

    after = await open_account(client, id="a1", email="ana@example.com", creditLimit="2000.00")

    assert after["creditLimit"] == "2000.00"
    unchanged = ("email", "documentType", "document", "tolerance", "description", "status", "createdAt")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}


async def test_change_without_difference_keeps_the_version(client):
    before = await open_account(client, id="a1", email="ana@example.com", creditLimit="1500.00")

    payload = await open_or_change(client, id="a1", email="ana@example.com", creditLimit="1500")

    assert payload["created"] is False and payload["errors"] == []
    assert payload["account"]["version"] == 1
    assert payload["account"]["updatedAt"] == before["updatedAt"]


async def test_change_bumps_version_and_updated_at(client):
    before = await open_account(client, id="a1", email="ana@example.com")

    after = await open_account(client, id="a1", email="ana@example.com", tolerance="0.1")

    assert after["version"] == before["version"] + 1
    assert after["updatedAt"] >= before["updatedAt"]
    assert after["createdAt"] == before["createdAt"]


async def test_change_can_swap_document_type_and_document_together(client):
    await open_account(client, id="a1", email="ana@example.com", documentType="CPF", document=CPF)

    account = await open_account(client, id="a1", email="ana@example.com", documentType="CNPJ", document=CNPJ)

    assert (account["documentType"], account["document"]) == ("CNPJ", CNPJ_COMPACT)


async def test_change_of_document_alone_is_checked_against_the_stored_type(client):
    await open_account(client, id="a1", email="ana@example.com", documentType="CPF", document=CPF)

    payload = await open_or_change(client, id="a1", email="ana@example.com", document=CNPJ)

    assert codes(payload) == ["INVALID_DOCUMENT"]


async def test_empty_description_clears_it(client):
    await open_account(client, id="a1", email="ana@example.com", description="VIP")

    account = await open_account(client, id="a1", email="ana@example.com", description="")

    assert account["description"] is None


# --- email -----------------------------------------------------------------------------


async def test_email_is_stored_normalised(client):
    account = await open_account(client, email="  Ana.Silva@EXAMPLE.com ")

    assert account["email"] == "Ana.Silva@example.com"


@pytest.mark.parametrize("email", ["", "   "])
async def test_blank_email_is_required(client, unchanged_store, email):
    async with unchanged_store():
        payload = await open_or_change(client, email=email)

    assert payload["errors"] == [{"field": "email", "code": "REQUIRED", "message": payload["errors"][0]["message"]}]
    assert payload["account"] is None and payload["created"] is False


@pytest.mark.parametrize("email", ["not-an-email", "ana@", "ana@@example.com"])
async def test_malformed_email_is_invalid_email(client, unchanged_store, email):
    async with unchanged_store():
        payload = await open_or_change(client, email=email)

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("email", "INVALID_EMAIL")]


async def test_email_used_by_an_open_account_is_email_in_use(client, unchanged_store):
    await open_account(client, id="first", email="ana@example.com")

    async with unchanged_store():
        payload = await open_or_change(client, id="second", email="ana@example.com")

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("email", "EMAIL_IN_USE")]
    assert payload["created"] is False and payload["account"] is None


async def test_email_in_use_is_compared_case_insensitively(client):
    await open_account(client, email="Ana@x.com")

    payload = await open_or_change(client, email="ana@X.COM")

    assert codes(payload) == ["EMAIL_IN_USE"]


async def test_changing_to_another_accounts_email_is_email_in_use(client, unchanged_store):
    await open_account(client, id="first", email="ana@example.com")
    await open_account(client, id="second", email="bia@example.com")

    async with unchanged_store():
        payload = await open_or_change(client, id="second", email="ANA@example.com")

    assert codes(payload) == ["EMAIL_IN_USE"]


async def test_changing_the_case_of_ones_own_email_is_allowed(client):
    await open_account(client, id="a1", email="ana@example.com")

    account = await open_account(client, id="a1", email="Ana@Example.com")

    assert account["email"] == "Ana@example.com"
    assert account["version"] == 2


# --- id --------------------------------------------------------------------------------


@pytest.mark.parametrize("account_id", ["", "a" * 65, "ação", "a.b", "a:1"])
async def test_id_outside_the_allowed_characters_is_invalid_id(client, unchanged_store, account_id):
    async with unchanged_store():
        payload = await open_or_change(client, id=account_id, email="ana@example.com")

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("id", "INVALID_ID")]


async def test_id_of_64_allowed_characters_is_accepted(client):
    account_id = ("Az09_-" * 11)[:64]

    account = await open_account(client, id=account_id, email="ana@example.com")

    assert account["id"] == account_id


# --- documents -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document_type", "document", "stored"),
    [
        ("CPF", CPF, CPF_COMPACT),
        ("CPF", CPF_COMPACT, CPF_COMPACT),
        ("CNPJ", CNPJ, CNPJ_COMPACT),
        ("CNPJ", ALPHANUMERIC_CNPJ, "12ABC34501DE35"),
        ("CNPJ", "12abc34501de35", "12ABC34501DE35"),
        ("OTHER", "AB-12.34/5 6", "AB123456"),
        ("OTHER", "9" * 32, "9" * 32),
    ],
)
async def test_valid_document_is_stored_without_punctuation(client, document_type, document, stored):
    account = await open_account(client, email="ana@example.com", documentType=document_type, document=document)

    assert (account["documentType"], account["document"]) == (document_type, stored)


@pytest.mark.parametrize(
    ("document_type", "document"),
    [
        ("CPF", "529.982.247-24"),  # wrong check digit
        ("CPF", "5299822472"),  # 10 digits
        ("CPF", "111.111.111-11"),  # all the same digit (its check digits happen to be valid)
        ("CPF", "000.000.000-00"),
        ("CNPJ", "11.222.333/0001-82"),
        ("CNPJ", "12.ABC.345/01DE-36"),
        ("CNPJ", "1122233300018"),  # 13 characters
        ("CNPJ", "00.000.000/0000-00"),
        ("OTHER", "9" * 33),
        ("OTHER", "ção"),
        ("OTHER", "A_1"),
    ],
)
async def test_invalid_document_is_invalid_document(client, unchanged_store, document_type, document):
    async with unchanged_store():
        payload = await open_or_change(client, email="ana@example.com", documentType=document_type, document=document)

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("document", "INVALID_DOCUMENT")]


async def test_document_without_document_type_requires_the_type(client, unchanged_store):
    async with unchanged_store():
        payload = await open_or_change(client, email="ana@example.com", document=CPF)

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("documentType", "REQUIRED")]


@pytest.mark.parametrize("document", [None, "  "])
async def test_document_type_without_document_requires_the_document(client, unchanged_store, document):
    async with unchanged_store():
        payload = await open_or_change(client, email="ana@example.com", documentType="CPF", document=document)

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("document", "REQUIRED")]


async def test_document_used_by_an_open_account_is_document_in_use(client, unchanged_store):
    await open_account(client, email="ana@example.com", documentType="CPF", document=CPF)

    async with unchanged_store():
        payload = await open_or_change(client, email="bia@example.com", documentType="CPF", document=CPF)

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("document", "DOCUMENT_IN_USE")]


async def test_document_in_use_ignores_punctuation(client):
    await open_account(client, email="ana@example.com", documentType="CPF", document=CPF)

    payload = await open_or_change(client, email="bia@example.com", documentType="CPF", document=CPF_COMPACT)

    assert codes(payload) == ["DOCUMENT_IN_USE"]


async def test_alphanumeric_cnpj_in_use_ignores_case_and_punctuation(client):
    await open_account(client, email="ana@example.com", documentType="CNPJ", document=ALPHANUMERIC_CNPJ)

    payload = await open_or_change(client, email="bia@example.com", documentType="CNPJ", document="12abc34501de35")

    assert codes(payload) == ["DOCUMENT_IN_USE"]


async def test_changing_to_another_accounts_document_is_document_in_use(client, unchanged_store):
    await open_account(client, id="first", email="ana@example.com", documentType="CPF", document=CPF)
    await open_account(client, id="second", email="bia@example.com", documentType="CPF", document=OTHER_CPF)

    async with unchanged_store():
        payload = await open_or_change(client, id="second", email="bia@example.com", document=CPF_COMPACT)

    assert codes(payload) == ["DOCUMENT_IN_USE"]


async def test_same_number_under_another_document_type_is_not_in_use(client):
    await open_account(client, email="ana@example.com", documentType="CPF", document=CPF)

    account = await open_account(client, email="bia@example.com", documentType="OTHER", document=CPF_COMPACT)

    assert account["document"] == CPF_COMPACT


# INVALID_DOCUMENT_TYPE: `documentType` is the DocumentType enum here, so a value outside it
# is refused by GraphQL validation before any resolver runs (see test_bad_input). The code
# is reached by the CSV import, whose "Document Type" column is free text.


# --- credit limit and tolerance --------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("0", "0.00"),
        ("-0", "0.00"),
        ("1234.5", "1234.50"),
        ("1.000", "1.00"),
        ("1E+3", "1000.00"),
        ("1000000000.00", "1000000000.00"),
    ],
)
async def test_credit_limit_within_bounds_is_stored_exactly(client, given, shown):
    account = await open_account(client, email="ana@example.com", creditLimit=given)

    assert account["creditLimit"] == shown


@pytest.mark.parametrize("given", ["-0.01", "1000000000.01", "1.005", "0.001"])
async def test_credit_limit_out_of_bounds_or_too_precise_is_refused(client, unchanged_store, given):
    async with unchanged_store():
        payload = await open_or_change(client, email="ana@example.com", creditLimit=given)

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("creditLimit", "INVALID_CREDIT_LIMIT")]


@pytest.mark.parametrize(
    ("given", "shown"),
    [("0", "0.00"), ("1", "1.00"), ("0.0525", "0.0525"), ("0.1000", "0.10")],
)
async def test_tolerance_within_bounds_is_stored_exactly(client, given, shown):
    account = await open_account(client, email="ana@example.com", tolerance=given)

    assert account["tolerance"] == shown


@pytest.mark.parametrize("given", ["-0.0001", "1.0001", "0.00001"])
async def test_tolerance_out_of_bounds_or_too_precise_is_refused(client, unchanged_store, given):
    async with unchanged_store():
        payload = await open_or_change(client, email="ana@example.com", tolerance=given)

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("tolerance", "INVALID_TOLERANCE")]


async def test_invalid_change_of_an_existing_account_writes_nothing(client, unchanged_store):
    await open_account(client, id="a1", email="ana@example.com")

    async with unchanged_store():
        payload = await open_or_change(client, id="a1", email="ana@example.com", creditLimit="-5")

    assert codes(payload) == ["INVALID_CREDIT_LIMIT"]
    assert payload["created"] is False and payload["account"] is None


async def test_every_bad_field_is_reported_at_once(client):
    payload = await open_or_change(
        client, email="nope", documentType="CPF", document="123", creditLimit="-1", tolerance="2", description="x" * 501
    )

    assert sorted((e["field"], e["code"]) for e in payload["errors"]) == [
        ("creditLimit", "INVALID_CREDIT_LIMIT"),
        ("description", "INVALID_DESCRIPTION"),
        ("document", "INVALID_DOCUMENT"),
        ("email", "INVALID_EMAIL"),
        ("tolerance", "INVALID_TOLERANCE"),
    ]
    assert all(e["message"] for e in payload["errors"])


# --- expectedVersion -------------------------------------------------------------------


async def test_matching_expected_version_applies_the_change(client):
    await open_account(client, id="a1", email="ana@example.com")

    account = await open_account(client, id="a1", email="ana@example.com", creditLimit="5", expectedVersion=1)

    assert (account["creditLimit"], account["version"]) == ("5.00", 2)


async def test_stale_expected_version_is_version_conflict(client, unchanged_store):
    await open_account(client, id="a1", email="ana@example.com")
    await open_account(client, id="a1", email="ana@example.com", creditLimit="5")

    async with unchanged_store():
        payload = await open_or_change(client, id="a1", email="ana@example.com", creditLimit="7", expectedVersion=1)

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("expectedVersion", "VERSION_CONFLICT")]
    assert payload["account"] is None


async def test_expected_version_for_an_unknown_id_is_version_conflict(client, unchanged_store):
    async with unchanged_store():
        payload = await open_or_change(client, id="nobody", email="ana@example.com", expectedVersion=3)

    assert codes(payload) == ["VERSION_CONFLICT"]


async def test_expected_version_zero_opens_an_unknown_id(client):
    payload = await open_or_change(client, id="new-one", email="ana@example.com", expectedVersion=0)

    assert payload["created"] is True and payload["errors"] == []


async def test_expected_version_zero_on_an_existing_account_is_version_conflict(client):
    await open_account(client, id="a1", email="ana@example.com")

    payload = await open_or_change(client, id="a1", email="ana@example.com", creditLimit="9", expectedVersion=0)

    assert codes(payload) == ["VERSION_CONFLICT"]
