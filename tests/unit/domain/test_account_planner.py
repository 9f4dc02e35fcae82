"""What opening, changing and closing an account writes: the new fields, the event recording them,
and the stored account once written."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from customer_credit.domain.account_planner import (
    AccountChange,
    Origin,
    check_closable,
    in_use,
    plan_change,
    plan_close,
    plan_open,
)
from customer_credit.domain.accounts import (
    Account,
    AccountEvent,
    AccountFields,
    AccountRequest,
    AccountStatus,
    DocumentType,
    EventSource,
    FieldChange,
)
from customer_credit.domain.credit_records import Hold
from customer_credit.domain.errors import AccountErrorCode, AccountRuleViolation, FieldError

ORIGIN = Origin(actor="importer", at_ms=2_000, source=EventSource.IMPORT, import_run_id="run-1", import_row=5)
STORED = Account(
    id="acc-1",
    email="ana@example.com",
    credit_limit_cents=100_00,
    version=3,
    created_at_ms=1_000,
    updated_at_ms=1_500,
    balance_cents=-20_00,
    held_cents=0,
    holds=(),
)


def codes(violation: pytest.ExceptionInfo[AccountRuleViolation]) -> list[AccountErrorCode]:
    return [error.code for error in violation.value.errors]


def described(errors: list[FieldError]) -> list[tuple[str | None, AccountErrorCode, str]]:
    """Each error as its field, its code and its message in English."""
    return [(error.field, error.code, error.message.english) for error in errors]


def test_opening_writes_version_1_with_every_given_field_as_a_change():
    change = plan_open("acc-9", AccountRequest(email="Bea@Example.com", description="new"), ORIGIN)

    fields = AccountFields("Bea@example.com", None, None, 100_00, 0, "new")
    event = AccountEvent(
        account_id="acc-9",
        version=1,
        at_ms=2_000,
        actor="importer",
        source=EventSource.IMPORT,
        changes=(
            FieldChange("email", None, "Bea@example.com"),
            FieldChange("creditLimit", None, "100.00"),
            FieldChange("tolerance", None, "0.00"),
            FieldChange("description", None, "new"),
            FieldChange("status", None, "OPEN"),
        ),
        import_run_id="run-1",
        import_row=5,
    )
    assert change == AccountChange("acc-9", None, fields, event)
    assert change.version == 1
    assert not change.closes


def test_opening_uses_the_stores_default_credit_limit():
    change = plan_open("acc-9", AccountRequest(email="bea@example.com"), ORIGIN, default_credit_limit_cents=250_00)

    assert change.after.credit_limit_cents == 250_00


def test_an_account_cannot_open_as_closed():
    with pytest.raises(AccountRuleViolation) as violation:
        plan_open("acc-9", AccountRequest(email="bea@example.com", close=True), ORIGIN)

    assert described(violation.value.errors) == [
        ("status", AccountErrorCode.ACCOUNT_CLOSED, "A new account opens as Open.")
    ]


def test_an_opened_account_as_stored_starts_its_times_and_money_at_the_event():
    account = plan_open("acc-9", AccountRequest(email="bea@example.com"), ORIGIN).applied()

    assert (account.version, account.created_at_ms, account.updated_at_ms) == (1, 2_000, 2_000)
    assert (account.balance_cents, account.held_cents, account.holds) == (0, 0, ())


def test_a_change_is_the_next_version_recording_only_what_changed():
    change = plan_change(STORED, AccountRequest(credit_limit=Decimal("150"), email="ana@example.com"), ORIGIN)

    assert change is not None
    assert change.before is STORED
    assert (change.account_id, change.event.account_id, change.version) == ("acc-1", "acc-1", 4)
    assert change.event.changes == (FieldChange("creditLimit", "100.00", "150.00"),)


def test_a_changed_account_as_stored_keeps_its_creation_time_and_money():
    holds = (Hold("t1", 5_00, 9_000),)
    stored = Account(
        id="acc-1",
        email="ana@example.com",
        credit_limit_cents=300_00,
        description="VIP",
        version=3,
        created_at_ms=1_000,
        balance_cents=-20_00,
        held_cents=5_00,
        holds=holds,
    )

    change = plan_change(
        stored, AccountRequest(document_type="CPF", document="529.982.247-25", tolerance=Decimal("0.1")), ORIGIN
    )

    assert change is not None
    assert change.applied() == Account(
        id="acc-1",
        email="ana@example.com",
        document_type=DocumentType.CPF,
        document="52998224725",
        credit_limit_cents=300_00,
        tolerance_units=1000,
        description="VIP",
        status=AccountStatus.OPEN,
        version=4,
        created_at_ms=1_000,
        updated_at_ms=2_000,
        last_event=change.event,
        balance_cents=-20_00,
        held_cents=5_00,
        holds=holds,
    )


def test_a_caller_who_reads_pii_means_what_it_sends_even_a_value_that_looks_like_a_mask():
    change = plan_change(STORED, AccountRequest(email="a***@example.com"), ORIGIN)

    assert change is not None and change.after.email == "a***@example.com"


def test_a_request_that_changes_nothing_plans_nothing():
    assert plan_change(STORED, AccountRequest(email="ana@example.com"), ORIGIN) is None


def test_closing_through_a_change_closes_an_account_that_owes_nothing():
    settled = Account(id="acc-1", email="ana@example.com", version=3)

    change = plan_change(settled, AccountRequest(close=True), ORIGIN)

    assert change is not None and change.closes
    assert change.after.status is AccountStatus.CLOSED


def test_closing_through_a_change_is_refused_while_something_is_owed():
    with pytest.raises(AccountRuleViolation) as violation:
        plan_change(STORED, AccountRequest(close=True), ORIGIN)

    assert codes(violation) == [AccountErrorCode.OPEN_BALANCE]


def test_plan_close_closes_the_account_as_the_next_version():
    account = Account(id="acc-1", email="ana@example.com", version=7, balance_cents=3_00)

    change = plan_close(account, ORIGIN)

    closed = replace(account.fields, status=AccountStatus.CLOSED)
    event = AccountEvent(
        "acc-1", 8, 2_000, "importer", EventSource.IMPORT, (FieldChange("status", "OPEN", "CLOSED"),), "run-1", 5
    )
    assert change == AccountChange("acc-1", account, closed, event)
    assert change.closes
    assert change.applied().status is AccountStatus.CLOSED


def test_an_account_is_not_closed_twice():
    closed = Account(id="acc-1", email="ana@example.com", status=AccountStatus.CLOSED)

    with pytest.raises(AccountRuleViolation) as violation:
        plan_close(closed, ORIGIN)

    assert described(violation.value.errors) == [
        (None, AccountErrorCode.ACCOUNT_CLOSED, "The account is already closed.")
    ]


@pytest.mark.parametrize(
    ("balance_cents", "held_cents", "closable"),
    [(0, 0, True), (1, 0, True), (-1, 0, False), (0, 1, False)],
    ids=["settled", "credit in favour", "owes a cent", "a cent on hold"],
)
def test_an_account_closes_only_with_nothing_held_and_nothing_owed(balance_cents, held_cents, closable):
    account = Account(id="acc-1", balance_cents=balance_cents, held_cents=held_cents)

    if closable:
        check_closable(account)
        return
    with pytest.raises(AccountRuleViolation) as violation:
        check_closable(account)
    assert violation.value.errors[0].field is None
    assert codes(violation) == [AccountErrorCode.OPEN_BALANCE]


def test_a_closed_account_does_not_count_as_closing_again():
    closed = Account(id="acc-1", email="ana@example.com", status=AccountStatus.CLOSED)
    after = AccountFields("ana@example.com", None, None, 0, 0, None, AccountStatus.CLOSED)
    event = AccountEvent("acc-1", 2, 0, "a", EventSource.API, ())

    assert not AccountChange("acc-1", closed, after, event).closes


@pytest.mark.parametrize(
    ("field", "code", "message"),
    [
        ("email", AccountErrorCode.EMAIL_IN_USE, "The email is used by another open account."),
        ("document", AccountErrorCode.DOCUMENT_IN_USE, "The document is used by another open account."),
    ],
)
def test_an_email_or_document_held_by_another_open_account_is_in_use(field, code, message):
    assert described([in_use(field)]) == [(field, code, message)]
