"""API keys and scopes, import counters, the clock, and what the credit records answer about themselves."""

from __future__ import annotations

import time
from datetime import date

import pytest

from customer_credit.domain.api_keys import (
    SCOPES,
    Caller,
    MissingScope,
    check_scopes,
    generate_secret,
    hash_secret,
    parse_scopes,
    validate_key_name,
)
from customer_credit.domain.clock import now_ms
from customer_credit.domain.credit import CreditTransactionStatus, InvoiceStatus
from customer_credit.domain.credit_records import CreditTransaction, Hold, Invoice, Ledger, LedgerEffect
from customer_credit.domain.errors import AccountErrorCode, AccountRuleViolation, FieldError
from customer_credit.domain.imports import ImportCounters, ImportStatus, RowOutcome
from customer_credit.domain.messages import message, verbatim

# --- API keys --------------------------------------------------------------------------------------


def test_a_caller_has_its_own_scopes_only():
    caller = Caller("reader", frozenset({"accounts:read"}))

    assert caller.has("accounts:read")
    assert not caller.has("accounts:write")
    assert caller.effective_scopes() == ("accounts:read",)


def test_an_admin_key_has_every_scope_in_their_listed_order():
    admin = Caller("root", frozenset({"admin"}))

    assert admin.has("pii:read")
    assert admin.effective_scopes() == SCOPES


def test_a_secret_is_prefixed_and_random():
    first, second = generate_secret(), generate_secret()

    assert first.startswith("cc_") and len(first) == 3 + 43
    assert first != second


def test_a_secret_is_stored_as_its_sha256_hex_digest():
    assert hash_secret("cc_x") == "9da25277c7c21a40d57a89497f0cf3bca6ef5567f8c25fbf41878b82b77d370c"


def test_a_secret_with_a_lone_surrogate_still_hashes():
    assert len(hash_secret("cc_\ud800")) == 64


def test_scopes_are_read_from_a_comma_separated_list_with_spaces_and_blanks():
    assert parse_scopes(" accounts:read, ,pii:read ,") == frozenset({"accounts:read", "pii:read"})


def test_unknown_scopes_are_refused_by_name_with_the_known_ones():
    with pytest.raises(ValueError) as error:
        parse_scopes("pii:write,accounts:read,bogus")

    assert str(error.value) == f"unknown scope(s): bogus, pii:write; known: {', '.join(SCOPES)}"


def test_an_empty_scope_list_is_refused():
    with pytest.raises(ValueError, match="^at least one scope is required$"):
        parse_scopes(" , ")


@pytest.mark.parametrize("name", ["a", "ops.bot@shop-1_x", "k" * 64])
def test_a_key_name_of_1_to_64_allowed_characters_is_kept(name):
    assert validate_key_name(name) == name


@pytest.mark.parametrize("name", ["", "k" * 65, "with space", "ação"])
def test_any_other_key_name_is_refused(name):
    with pytest.raises(ValueError, match="^a key name is 1 to 64 characters"):
        validate_key_name(name)


def test_the_first_missing_scope_is_the_error():
    caller = Caller("reader", frozenset({"accounts:read"}))

    missing = check_scopes(caller, ["accounts:read", "pii:read", "credit:write"])

    assert isinstance(missing, MissingScope)
    assert missing.scope == "pii:read"
    assert missing.text == message("FORBIDDEN", scope="pii:read")
    assert missing.text.english == "This API key lacks the scope 'pii:read'."


def test_a_caller_with_every_scope_asked_for_passes():
    assert check_scopes(Caller("reader", frozenset({"accounts:read"})), ["accounts:read"]) is None


def test_a_request_without_a_key_lacks_every_scope():
    missing = check_scopes(None, ["metrics:read"])

    assert missing is not None and missing.scope == "metrics:read"


# --- errors, imports, clock ------------------------------------------------------------------------


def test_a_violation_reads_as_its_messages_joined():
    violation = AccountRuleViolation(
        [
            FieldError("email", AccountErrorCode.REQUIRED, message("REQUIRED.email")),
            FieldError(None, AccountErrorCode.OPEN_BALANCE, verbatim("Other.")),
        ]
    )

    assert str(violation) == "Email is required.; Other."


def test_a_single_violation_carries_one_error():
    violation = AccountRuleViolation.single("id", AccountErrorCode.INVALID_ID, verbatim("Bad id."))

    assert violation.errors == [FieldError("id", AccountErrorCode.INVALID_ID, verbatim("Bad id."))]
    assert str(violation) == "Bad id."


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (None, ImportCounters(11, 1, 2, 3, 5)),
        (RowOutcome.CREATED, ImportCounters(11, 2, 2, 3, 4)),
        (RowOutcome.UPDATED, ImportCounters(11, 1, 3, 3, 4)),
        (RowOutcome.UNCHANGED, ImportCounters(11, 1, 2, 4, 4)),
    ],
)
def test_each_row_counts_as_processed_and_under_its_outcome(outcome, expected):
    before = ImportCounters(processed_rows=10, created_count=1, updated_count=2, unchanged_count=3, failed_count=4)

    assert before.counted([outcome]) == expected


def test_a_batch_counts_each_of_its_rows_under_its_outcome():
    outcomes = [RowOutcome.CREATED, None, RowOutcome.CREATED, RowOutcome.UNCHANGED, RowOutcome.UPDATED, None]

    assert ImportCounters(processed_rows=2, created_count=2).counted(outcomes) == ImportCounters(8, 4, 1, 1, 2)


@pytest.mark.parametrize(
    ("status", "finished"),
    [
        (ImportStatus.QUEUED, False),
        (ImportStatus.RUNNING, False),
        (ImportStatus.SUCCEEDED, True),
        (ImportStatus.COMPLETED_WITH_ERRORS, True),
        (ImportStatus.FAILED, True),
    ],
)
def test_an_import_is_finished_once_it_is_neither_queued_nor_running(status, finished):
    assert status.finished is finished


def test_the_clock_is_epoch_milliseconds():
    before = int(time.time() * 1000)

    stamp = now_ms()

    assert before <= stamp <= int(time.time() * 1000)


# --- records ---------------------------------------------------------------------------------------


def test_the_ledger_counts_a_hold_as_held_until_its_expiry():
    ledger = Ledger("acc-1", holds={"t1": Hold("t1", 10_00, 5_000), "t2": Hold("t2", 3_00, 9_000)})

    assert ledger.held_now(4_999) == 13_00
    assert ledger.held_now(5_000) == 3_00
    assert ledger.expired_holds(4_999) == []
    assert ledger.expired_holds(5_000) == [Hold("t1", 10_00, 5_000)]


def test_an_authorized_transaction_reads_as_expired_from_its_expiry_on():
    transaction = CreditTransaction("t1", "acc-1", 10_00, 1, None, CreditTransactionStatus.AUTHORIZED, 0, 5_000, "a")

    assert transaction.status_at(4_999) is CreditTransactionStatus.AUTHORIZED
    assert transaction.status_at(5_000) is CreditTransactionStatus.EXPIRED


def test_a_settled_transaction_stays_settled_past_its_expiry():
    transaction = CreditTransaction("t1", "acc-1", 10_00, 1, None, CreditTransactionStatus.SETTLED, 0, 5_000, "a")

    assert transaction.status_at(9_000) is CreditTransactionStatus.SETTLED


def test_an_open_invoice_is_overdue_the_day_after_its_due_date():
    due = date(2026, 3, 2)
    invoice = Invoice("t1-01", "acc-1", "t1", None, 1, 1, 10_00, 10_00, InvoiceStatus.OPEN, due, due, 0)

    assert not invoice.overdue(due)
    assert invoice.overdue(date(2026, 3, 3))


def test_an_effect_moves_headroom_by_the_balance_less_what_it_holds():
    assert LedgerEffect(balance_delta_cents=-7_00, remove_hold=Hold("t1", 10_00, 0)).headroom_delta_cents == 3_00
    assert LedgerEffect(add_hold=Hold("t2", 4_00, 0)).held_delta_cents == 4_00
    assert LedgerEffect(add_hold=Hold("t2", 4_00, 0)).headroom_delta_cents == -4_00
    assert LedgerEffect().held_delta_cents == 0
