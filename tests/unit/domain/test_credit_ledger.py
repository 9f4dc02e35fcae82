"""The ledger's invariants: an account that adds up shows no drift; each kind of drift is named."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from hypothesis import given
from hypothesis import strategies as st

from customer_credit.domain.credit import CreditTransactionStatus, InvoiceStatus
from customer_credit.domain.ledger import held_credit_cents, ledger_drift


@dataclass(frozen=True)
class LedgerEntry:
    amount_cents: int
    balance_after_cents: int
    id: str | None = None


@dataclass(frozen=True)
class TransactionRecord:
    id: str
    status: CreditTransactionStatus
    amount_cents: int
    expires_at_ms: int
    settled_cents: int = 0
    refunded_cents: int = 0


@dataclass(frozen=True)
class InvoiceRecord:
    id: str
    transaction_id: str
    original_amount_cents: int
    amount_cents: int
    status: InvoiceStatus


NOW = 1_700_000_000_000
LATER = NOW + 3_600_000
AUTHORIZED, SETTLED = CreditTransactionStatus.AUTHORIZED, CreditTransactionStatus.SETTLED
OPEN, PAID = InvoiceStatus.OPEN, InvoiceStatus.PAID

# tx-1: 100.00 settled in 3 (33.34, 33.33, 33.33); installment 1 paid; 10.00 refunded off installment 3.
# tx-2: 50.00 held until LATER.
# Entries: −33.34, −33.33, −33.33, +33.34 (payment), +10.00 (refund) → balance −56.66.
ENTRIES = [
    LedgerEntry(-3334, -3334, "e1"),
    LedgerEntry(-3333, -6667, "e2"),
    LedgerEntry(-3333, -10_000, "e3"),
    LedgerEntry(3334, -6666, "e4"),
    LedgerEntry(1000, -5666, "e5"),
]
TRANSACTIONS = [
    TransactionRecord("tx-1", SETTLED, 12_000, NOW - 1, settled_cents=10_000, refunded_cents=1000),
    TransactionRecord("tx-2", AUTHORIZED, 5000, LATER),
]
INVOICES = [
    InvoiceRecord("tx-1-01", "tx-1", 3334, 3334, PAID),
    InvoiceRecord("tx-1-02", "tx-1", 3333, 3333, OPEN),
    InvoiceRecord("tx-1-03", "tx-1", 3333, 2333, OPEN),
]


def drift(
    *,
    balance: int = -5666,
    held: int | None = 5000,
    entries: Sequence[LedgerEntry] = ENTRIES,
    transactions: Sequence[TransactionRecord] = TRANSACTIONS,
    invoices: Sequence[InvoiceRecord] = INVOICES,
    now_ms: int = NOW,
) -> list[str]:
    return ledger_drift(
        account_id="acc-1",
        balance_cents=balance,
        held_cents=held,
        entries=entries,
        transactions=transactions,
        invoices=invoices,
        now_ms=now_ms,
    )


def test_an_account_that_adds_up_shows_no_drift() -> None:
    assert drift() == []


def test_an_account_with_nothing_in_it_shows_no_drift() -> None:
    assert drift(balance=0, held=0, entries=[], transactions=[], invoices=[]) == []


def test_a_balance_other_than_the_sum_of_the_entries_is_drift() -> None:
    assert drift(balance=-5667) == ["account acc-1: balance is -56.67 but its 5 statement entries add up to -56.66"]


def test_a_wrong_balance_after_is_drift_on_that_entry_only() -> None:
    entries = [*ENTRIES[:1], LedgerEntry(-3333, -6666, "e2"), *ENTRIES[2:]]

    assert drift(entries=entries) == [
        "account acc-1: entry e2 has balanceAfter -66.66 but the entries up to it add up to -66.67"
    ]


def test_an_entry_without_an_id_is_named_by_its_position() -> None:
    entries = [LedgerEntry(-100, -100), LedgerEntry(50, -40)]

    assert drift(balance=-50, held=None, entries=entries, transactions=[], invoices=[]) == [
        "account acc-1: entry #2 has balanceAfter -0.40 but the entries up to it add up to -0.50"
    ]


def test_a_held_amount_other_than_the_active_holds_is_drift() -> None:
    assert drift(held=0) == ["account acc-1: heldCredit is 0.00 but its active holds add up to 50.00"]


def test_a_hold_past_its_expiry_no_longer_counts_as_held() -> None:
    assert drift(held=0, now_ms=LATER) == []


def test_no_stored_held_amount_skips_that_check() -> None:
    assert drift(held=None, now_ms=LATER) == []


def test_settled_invoices_not_adding_up_to_the_settled_amount_is_drift() -> None:
    invoices = [*INVOICES[:2], InvoiceRecord("tx-1-03", "tx-1", 3332, 2332, OPEN)]

    assert drift(invoices=invoices) == [
        "account acc-1: transaction tx-1 is settled for 100.00 but its 3 invoices' originalAmounts add up to 99.99"
    ]


def test_a_settled_transaction_with_no_invoices_is_drift() -> None:
    assert drift(invoices=[]) == [
        "account acc-1: transaction tx-1 is settled for 100.00 but its 0 invoices' originalAmounts add up to 0.00"
    ]


def test_refunding_more_than_was_settled_is_drift() -> None:
    transactions = [TransactionRecord("tx-1", SETTLED, 12_000, NOW, 10_000, 10_001), TRANSACTIONS[1]]

    assert drift(transactions=transactions) == [
        "account acc-1: transaction tx-1 has refundedAmount 100.01 above settledAmount 100.00"
    ]


def test_settling_more_than_was_authorized_is_drift() -> None:
    transactions = [TransactionRecord("tx-1", SETTLED, 9_999, NOW, 10_000, 1000), TRANSACTIONS[1]]

    assert drift(transactions=transactions) == [
        "account acc-1: transaction tx-1 has settledAmount 100.00 above its amount 99.99"
    ]


def test_a_negative_transaction_amount_is_drift() -> None:
    assert drift(held=-5000, transactions=[TRANSACTIONS[0], TransactionRecord("tx-2", AUTHORIZED, -5000, LATER)]) == [
        "account acc-1: transaction tx-2 has a negative amount"
    ]


def test_an_invoice_amount_above_its_original_is_drift() -> None:
    invoices = [*INVOICES[:2], InvoiceRecord("tx-1-03", "tx-1", 3333, 3334, OPEN)]

    assert drift(invoices=invoices) == [
        "account acc-1: invoice tx-1-03 has amount 33.34 outside 0 to its originalAmount 33.33"
    ]


def test_an_invoice_of_an_unknown_transaction_is_drift() -> None:
    invoices = [*INVOICES, InvoiceRecord("tx-9-01", "tx-9", 100, 100, OPEN)]

    assert drift(invoices=invoices) == [
        "account acc-1: invoices of transaction tx-9, which is not one of the account's"
    ]


def test_invoices_of_a_transaction_not_settled_are_drift() -> None:
    invoices = [*INVOICES, InvoiceRecord("tx-2-01", "tx-2", 5000, 5000, OPEN)]

    assert drift(invoices=invoices) == ["account acc-1: transaction tx-2 is AUTHORIZED yet has 1 invoices"]


def test_an_invoice_a_refund_brought_to_zero_is_no_drift() -> None:
    invoices = [*INVOICES[:2], InvoiceRecord("tx-1-03", "tx-1", 3333, 0, InvoiceStatus.CANCELLED)]

    assert drift(invoices=invoices) == []


def test_settling_exactly_the_authorized_amount_is_no_drift() -> None:
    transactions = [TransactionRecord("tx-1", SETTLED, 10_000, NOW - 1, settled_cents=10_000), TRANSACTIONS[1]]

    assert drift(transactions=transactions) == []


def test_a_negative_settled_or_refunded_amount_is_drift() -> None:
    transactions = [
        TransactionRecord("tx-3", AUTHORIZED, 0, NOW - 1, settled_cents=-1),
        TransactionRecord("tx-4", AUTHORIZED, 0, NOW - 1, refunded_cents=-1),
    ]

    assert drift(held=None, entries=[], balance=0, transactions=transactions, invoices=[]) == [
        "account acc-1: transaction tx-3 has a negative amount",
        "account acc-1: transaction tx-4 has a negative amount",
    ]


def test_several_drifts_are_all_reported() -> None:
    assert len(drift(balance=0, held=0)) == 2


def test_held_credit_is_the_sum_of_the_authorized_holds_not_past_expiry() -> None:
    transactions = [
        TransactionRecord("a", AUTHORIZED, 1000, LATER),
        TransactionRecord("b", AUTHORIZED, 2000, NOW),  # expires at this very moment
        TransactionRecord("c", CreditTransactionStatus.CANCELLED, 4000, LATER),
        TransactionRecord("d", AUTHORIZED, 8000, NOW + 1),
    ]

    assert held_credit_cents(transactions, NOW) == 9000


@given(st.lists(st.integers(min_value=-(10**9), max_value=10**9), max_size=30))
def test_entries_whose_balance_after_is_the_running_sum_show_no_drift(amounts: list[int]) -> None:
    entries = [LedgerEntry(a, after) for a, after in zip(amounts, accumulate(amounts), strict=True)]

    assert drift(balance=sum(amounts), held=None, entries=entries, transactions=[], invoices=[]) == []


@given(st.lists(st.integers(min_value=-(10**9), max_value=10**9), min_size=1, max_size=30), st.data())
def test_one_wrong_balance_after_is_exactly_one_drift(amounts: list[int], data: st.DataObject) -> None:
    entries = [LedgerEntry(a, after) for a, after in zip(amounts, accumulate(amounts), strict=True)]
    position = data.draw(st.integers(min_value=0, max_value=len(entries) - 1))
    off_by = data.draw(st.integers(min_value=-100, max_value=100).filter(bool))
    entries[position] = LedgerEntry(entries[position].amount_cents, entries[position].balance_after_cents + off_by)

    found = drift(balance=sum(amounts), held=None, entries=entries, transactions=[], invoices=[])

    assert len(found) == 1 and f"entry #{position + 1} " in found[0]


def test_settled_above_authorized_and_refunded_above_settled_are_both_reported() -> None:
    transactions = [TransactionRecord("tx-1", SETTLED, 9_999, NOW, 10_000, 10_001), TRANSACTIONS[1]]

    assert drift(transactions=transactions) == [
        "account acc-1: transaction tx-1 has refundedAmount 100.01 above settledAmount 100.00",
        "account acc-1: transaction tx-1 has settledAmount 100.00 above its amount 99.99",
    ]
