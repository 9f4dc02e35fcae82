"""The ledger's invariants, checked from stored numbers alone.

`customer-credit check` loads an account's documents, turns them into these records and prints
what `ledger_drift` finds; an empty list means the account adds up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from customer_credit.domain.credit import CreditTransactionStatus, InvoiceStatus, is_active_hold
from customer_credit.domain.money import cents_to_decimal


class EntryView(Protocol):
    """A statement entry as stored, in the order it was applied (credit_records.StatementEntry)."""

    @property
    def id(self) -> str | None: ...
    @property
    def amount_cents(self) -> int: ...
    @property
    def balance_after_cents(self) -> int: ...


class TransactionView(Protocol):
    """What the checks read of a transaction (credit_records.CreditTransaction)."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> CreditTransactionStatus: ...
    @property
    def amount_cents(self) -> int: ...
    @property
    def expires_at_ms(self) -> int: ...
    @property
    def settled_cents(self) -> int: ...
    @property
    def refunded_cents(self) -> int: ...


class InvoiceView(Protocol):
    """What the checks read of an invoice (credit_records.Invoice)."""

    @property
    def id(self) -> str: ...
    @property
    def transaction_id(self) -> str: ...
    @property
    def original_amount_cents(self) -> int: ...
    @property
    def amount_cents(self) -> int: ...
    @property
    def status(self) -> InvoiceStatus: ...


def held_credit_cents(transactions: Iterable[TransactionView], now_ms: int) -> int:
    """heldCredit: the amounts of the AUTHORIZED transactions not past expiresAt."""
    return sum(t.amount_cents for t in transactions if is_active_hold(t.status, t.expires_at_ms, now_ms))


def _money(cents: int) -> str:
    return str(cents_to_decimal(cents))


def ledger_drift(
    *,
    account_id: str,
    balance_cents: int,
    held_cents: int | None,
    entries: Sequence[EntryView],
    transactions: Sequence[TransactionView],
    invoices: Sequence[InvoiceView],
    now_ms: int,
) -> list[str]:
    """Every way the account's stored numbers disagree with the contract's invariants.

    The contract's four: balance = the sum of the entries; each balanceAfter = the running sum;
    held = the active holds (only when a held amount is stored, `held_cents` not None); for each
    SETTLED transaction, its invoices' originalAmounts add up to settledAmount. Also, as they
    follow from the rules: refunded ≤ settled ≤ authorized, and no amount below 0; an invoice's
    amount between 0 and its originalAmount; invoices only of this account's SETTLED transactions.
    """
    drift: list[str] = []
    where = f"account {account_id}"

    running = 0
    for position, entry in enumerate(entries, start=1):
        running += entry.amount_cents
        if entry.balance_after_cents != running:
            name = f"entry {entry.id}" if entry.id else f"entry #{position}"
            drift.append(
                f"{where}: {name} has balanceAfter {_money(entry.balance_after_cents)} "
                f"but the entries up to it add up to {_money(running)}"
            )
    if balance_cents != running:
        drift.append(
            f"{where}: balance is {_money(balance_cents)} but its {len(entries)} statement entries "
            f"add up to {_money(running)}"
        )

    if held_cents is not None:
        expected_held = held_credit_cents(transactions, now_ms)
        if held_cents != expected_held:
            drift.append(
                f"{where}: heldCredit is {_money(held_cents)} but its active holds add up to {_money(expected_held)}"
            )

    by_transaction: dict[str, list[InvoiceView]] = {}
    for invoice in invoices:
        by_transaction.setdefault(invoice.transaction_id, []).append(invoice)
        if not 0 <= invoice.amount_cents <= invoice.original_amount_cents:
            drift.append(
                f"{where}: invoice {invoice.id} has amount {_money(invoice.amount_cents)} outside 0 to "
                f"its originalAmount {_money(invoice.original_amount_cents)}"
            )

    known = {t.id for t in transactions}
    for transaction_id in sorted(by_transaction.keys() - known):
        drift.append(f"{where}: invoices of transaction {transaction_id}, which is not one of the account's")

    for t in transactions:
        name = f"{where}: transaction {t.id}"
        if min(t.amount_cents, t.settled_cents, t.refunded_cents) < 0:
            drift.append(f"{name} has a negative amount")
        else:
            if t.refunded_cents > t.settled_cents:
                drift.append(
                    f"{name} has refundedAmount {_money(t.refunded_cents)} above settledAmount "
                    f"{_money(t.settled_cents)}"
                )
            if t.settled_cents > t.amount_cents:
                drift.append(
                    f"{name} has settledAmount {_money(t.settled_cents)} above its amount {_money(t.amount_cents)}"
                )
        own = by_transaction.get(t.id, [])
        if t.status is CreditTransactionStatus.SETTLED:
            total = sum(i.original_amount_cents for i in own)
            if total != t.settled_cents:
                drift.append(
                    f"{name} is settled for {_money(t.settled_cents)} but its {len(own)} invoices' "
                    f"originalAmounts add up to {_money(total)}"
                )
        elif own:
            drift.append(f"{name} is {t.status.value} yet has {len(own)} invoices")
    return drift
