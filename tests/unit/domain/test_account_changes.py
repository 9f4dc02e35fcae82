"""Changing an account: masked echoes, a closed account's row imported back, the document rules
and the names errors carry, decided by the domain alone."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal

import pytest

from customer_credit.domain.account_planner import Origin, plan_change
from customer_credit.domain.accounts import (
    Account,
    AccountFields,
    AccountRequest,
    AccountStatus,
    DocumentType,
    FieldChange,
    asks_nothing_new,
    diff,
    document_key,
    lookup_email_key,
    new_account_id,
    normalize_document,
    validate_account_id,
    validate_request,
    without_masked_echoes,
)
from customer_credit.domain.credit_records import Hold
from customer_credit.domain.errors import AccountErrorCode, AccountRuleViolation, FieldError
from customer_credit.domain.pii import mask_document, mask_email
from tests.support.documents import CNPJ_COMPACT, CPF_COMPACT, OTHER_CPF

CURRENT = AccountFields(
    email="ana@example.com",
    document_type=DocumentType.CPF,
    document=CPF_COMPACT,
    credit_limit_cents=500_00,
    tolerance_units=500,
    description="VIP",
)
CLOSED = replace(CURRENT, status=AccountStatus.CLOSED)
ORIGIN = Origin(actor="clerk", at_ms=1_000)
# A CPF and a CNPJ of two distinct digits each, with valid check digits.
TWO_DIGIT_CPF = "00002220202"
TWO_DIGIT_CNPJ = "00001011101111"


def stored(fields: AccountFields) -> Account:
    return Account(
        id="acc-1",
        email=fields.email,
        document_type=fields.document_type,
        document=fields.document,
        credit_limit_cents=fields.credit_limit_cents,
        tolerance_units=fields.tolerance_units,
        description=fields.description,
        status=fields.status,
        version=3,
    )


def violation_of(request: AccountRequest, current: AccountFields | None) -> list[FieldError]:
    with pytest.raises(AccountRuleViolation) as violation:
        validate_request(request, current=current)
    return violation.value.errors


def described(errors: list[FieldError]) -> list[tuple[str | None, AccountErrorCode, str]]:
    """Each error as its field, its code and its message in English."""
    return [(error.field, error.code, error.message.english) for error in errors]


# --- masked echoes -------------------------------------------------------------------------------


def test_masks_show_the_first_letter_of_an_email_and_the_last_characters_of_a_document():
    assert mask_email("john@example.com") == "j***@example.com"
    assert mask_document("52998224725") == "***.***.*47-25"
    assert mask_document("11222333000181") == "**.***.***/**01-81"
    assert mask_document("AB12345") == "***2345"


def test_an_email_without_a_local_part_is_masked_whole():
    assert mask_email("example.com") == "***"


def test_a_document_of_four_characters_or_fewer_is_masked_whole():
    assert mask_document("A123") == "****"
    assert mask_document("12345") == "*2345"


def test_a_masked_email_and_document_sent_back_unchanged_are_dropped():
    echo = AccountRequest(email=mask_email(CURRENT.email), document=mask_document(CPF_COMPACT), description="new")

    assert without_masked_echoes(echo, CURRENT) == AccountRequest(description="new")


def test_a_new_email_and_document_pass_through_without_pii_read():
    request = AccountRequest(email="bea@example.com", document=OTHER_CPF)

    assert without_masked_echoes(request, CURRENT) == request


def test_a_key_without_pii_read_changes_the_email_and_document_while_their_masks_mean_unchanged():
    request = AccountRequest(email="bea@example.com", document=mask_document(CPF_COMPACT))

    change = plan_change(stored(CURRENT), request, ORIGIN, can_read_pii=False)

    assert change is not None
    assert (change.after.email, change.after.document) == ("bea@example.com", CPF_COMPACT)
    echo = replace(request, email=mask_email(CURRENT.email), document=OTHER_CPF)
    change = plan_change(stored(CURRENT), echo, ORIGIN, can_read_pii=False)
    assert change is not None
    assert (change.after.email, change.after.document) == (CURRENT.email, "11144477735")


def test_a_document_given_for_an_account_without_one_is_never_taken_for_an_echo():
    current = replace(CURRENT, document_type=None, document=None)
    request = AccountRequest(document_type="OTHER", document="***")

    assert without_masked_echoes(request, current) == request


# --- a closed account's row imported back --------------------------------------------------------


def test_a_closed_accounts_exported_row_asks_nothing_new():
    row = AccountRequest(
        email=CURRENT.email,
        document_type="CPF",
        document=CPF_COMPACT,
        credit_limit=Decimal("500.00"),
        tolerance=Decimal("0.05"),
        description="VIP",
        close=True,
    )

    assert asks_nothing_new(row, CLOSED)
    assert plan_change(stored(CLOSED), row, ORIGIN) is None


def test_a_row_of_only_id_and_status_closed_asks_nothing_new_of_a_closed_account():
    assert asks_nothing_new(AccountRequest(close=True), CLOSED)


@pytest.mark.parametrize(
    "row",
    [
        AccountRequest(close=False),
        AccountRequest(email="bea@example.com", close=True),
        AccountRequest(email="not an email", close=True),
        AccountRequest(credit_limit=Decimal("-1"), close=True),
    ],
    ids=["status open", "another email", "invalid email", "invalid limit"],
)
def test_a_row_that_reopens_changes_or_breaks_a_rule_asks_something_of_a_closed_account(row):
    assert not asks_nothing_new(row, CLOSED)
    with pytest.raises(AccountRuleViolation) as violation:
        plan_change(stored(CLOSED), row, ORIGIN)
    assert [error.code for error in violation.value.errors] == [AccountErrorCode.ACCOUNT_CLOSED]


def test_closing_an_open_account_asks_something_new():
    assert not asks_nothing_new(AccountRequest(close=True), CURRENT)


# --- documents and the fields errors name --------------------------------------------------------


@pytest.mark.parametrize(
    ("document_type", "document"),
    [(DocumentType.CPF, TWO_DIGIT_CPF), (DocumentType.CNPJ, TWO_DIGIT_CNPJ)],
)
def test_a_document_of_two_distinct_digits_with_valid_check_digits_is_accepted(document_type, document):
    assert normalize_document(document_type, document) == document


def test_a_cpf_of_one_repeated_digit_is_refused_though_its_check_digits_add_up():
    with pytest.raises(AccountRuleViolation) as violation:
        normalize_document(DocumentType.CPF, "11111111111")

    assert described(violation.value.errors) == [
        ("document", AccountErrorCode.INVALID_DOCUMENT, "CPF must have 11 digits with valid check digits.")
    ]


def test_a_cnpj_with_a_wrong_check_digit_is_refused_with_its_own_message():
    with pytest.raises(AccountRuleViolation) as violation:
        normalize_document(DocumentType.CNPJ, CNPJ_COMPACT[:-1] + "2")

    assert described(violation.value.errors) == [
        ("document", AccountErrorCode.INVALID_DOCUMENT, "CNPJ must have 14 characters with valid check digits.")
    ]


def test_an_unknown_document_type_is_an_error_on_document_type():
    errors = violation_of(AccountRequest(document_type="RG", document="123"), CURRENT)

    assert described(errors) == [
        ("documentType", AccountErrorCode.INVALID_DOCUMENT_TYPE, "Document type must be CPF, CNPJ or OTHER.")
    ]


def test_a_document_without_a_type_is_an_error_on_document_type():
    current = replace(CURRENT, document_type=None, document=None)

    errors = violation_of(AccountRequest(document="ABC123"), current)

    assert described(errors) == [
        ("documentType", AccountErrorCode.REQUIRED, "Document type is required with a document.")
    ]


def test_a_type_without_a_document_is_an_error_on_document():
    current = replace(CURRENT, document_type=None, document=None)

    errors = violation_of(AccountRequest(document_type="OTHER"), current)

    assert described(errors) == [("document", AccountErrorCode.REQUIRED, "Document is required with a document type.")]


def test_a_new_type_is_checked_against_the_stored_document():
    errors = violation_of(AccountRequest(document_type="CNPJ"), CURRENT)

    assert [(e.field, e.code) for e in errors] == [("document", AccountErrorCode.INVALID_DOCUMENT)]


def test_a_new_type_and_document_replace_the_stored_ones():
    fields = validate_request(AccountRequest(document_type="other", document="ab-12"), current=CURRENT)

    assert (fields.document_type, fields.document) == (DocumentType.OTHER, "AB12")


def test_every_bad_field_is_reported_at_once():
    request = AccountRequest(
        email="x", credit_limit=Decimal("0.001"), tolerance=Decimal("2"), description="\ud800", document_type="RG"
    )

    errors = violation_of(request, CURRENT)

    assert [e.field for e in errors] == ["email", "documentType", "creditLimit", "tolerance", "description"]


# --- ids, keys and what a change records ---------------------------------------------------------


@pytest.mark.parametrize("raw", ["a", "Acc_1-x", "k" * 64])
def test_an_id_of_1_to_64_letters_digits_underscores_or_hyphens_is_kept(raw):
    assert validate_account_id(raw) == raw


@pytest.mark.parametrize("raw", ["", "k" * 65, "acc 1", "acc.1"])
def test_any_other_id_is_an_error_on_id(raw):
    with pytest.raises(AccountRuleViolation) as violation:
        validate_account_id(raw)

    assert described(violation.value.errors) == [
        ("id", AccountErrorCode.INVALID_ID, "Id must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'.")
    ]


@pytest.mark.parametrize(
    ("document_type", "document", "key"),
    [
        (DocumentType.CPF, "529.982.247-25", "CPF:52998224725"),
        (" cnpj ", "11.222.333/0001-81", "CNPJ:11222333000181"),
        (None, "ab-12", ":AB12"),
    ],
)
def test_a_document_is_unique_by_its_type_and_compact_form(document_type, document, key):
    assert document_key(document_type, document) == key


def test_a_change_records_each_changed_field_with_its_display_values_before_and_after():
    after = replace(
        CURRENT,
        document_type=DocumentType.OTHER,
        document="AB12",
        credit_limit_cents=150_050,
        tolerance_units=525,
        description=None,
    )

    assert diff(CURRENT, after) == [
        FieldChange("documentType", "CPF", "OTHER"),
        FieldChange("document", CPF_COMPACT, "AB12"),
        FieldChange("creditLimit", "500.00", "1500.50"),
        FieldChange("tolerance", "0.05", "0.0525"),
        FieldChange("description", "VIP", None),
    ]


def test_a_change_records_a_new_email_and_status():
    assert diff(CURRENT, replace(CURRENT, email="bea@example.com", status=AccountStatus.CLOSED)) == [
        FieldChange("email", "ana@example.com", "bea@example.com"),
        FieldChange("status", "OPEN", "CLOSED"),
    ]


def test_a_cleared_document_type_is_recorded_as_none():
    before = replace(CURRENT, document_type=DocumentType.OTHER, document="AB12")

    assert diff(before, replace(before, document_type=None, document=None)) == [
        FieldChange("documentType", "OTHER", None),
        FieldChange("document", "AB12", None),
    ]


def test_a_new_account_id_is_a_random_uuid():
    first = new_account_id()

    assert uuid.UUID(first).version == 4 and str(uuid.UUID(first)) == first
    assert new_account_id() != first


def test_an_email_is_looked_up_as_stored_when_valid_and_folded_when_not():
    assert lookup_email_key("  Ana@EXAMPLE.com ") == "ana@example.com"
    assert lookup_email_key(" Not An Email ") == "not an email"


def test_an_account_holds_only_what_has_not_expired():
    holds = (Hold("t1", 10_00, 5_000), Hold("t2", 3_00, 9_000))

    assert Account(id="acc-1", holds=holds).held_now(4_999) == 13_00
    assert Account(id="acc-1", holds=holds).held_now(5_000) == 3_00


# --- the ends of each range ----------------------------------------------------------------------


@pytest.mark.parametrize(("limit", "cents"), [(Decimal("0"), 0), (Decimal("1000000000.00"), 100_000_000_000)])
def test_a_credit_limit_may_be_zero_or_exactly_the_maximum(limit, cents):
    assert validate_request(AccountRequest(credit_limit=limit), current=CURRENT).credit_limit_cents == cents


@pytest.mark.parametrize(("tolerance", "units"), [(Decimal("0"), 0), (Decimal("1"), 10_000)])
def test_a_tolerance_may_be_zero_or_exactly_one(tolerance, units):
    assert validate_request(AccountRequest(tolerance=tolerance), current=CURRENT).tolerance_units == units


def test_a_description_of_500_characters_is_kept_and_one_of_501_is_an_error_on_description():
    assert validate_request(AccountRequest(description="d" * 500), current=CURRENT).description == "d" * 500
    assert described(violation_of(AccountRequest(description="d" * 501), CURRENT)) == [
        ("description", AccountErrorCode.INVALID_DESCRIPTION, "Description must be at most 500 characters.")
    ]


def test_a_description_with_a_lone_surrogate_is_an_error_on_description():
    assert described(violation_of(AccountRequest(description="a\ud800"), CURRENT)) == [
        ("description", AccountErrorCode.INVALID_DESCRIPTION, "Description must be valid Unicode text.")
    ]
