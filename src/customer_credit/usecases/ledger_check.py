"""`customer-credit check`: every account's ledger held against the contract's invariants, read only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from customer_credit.domain.clock import now_ms
from customer_credit.domain.ledger import ledger_drift
from customer_credit.domain.money import cents_to_decimal
from customer_credit.persistence.ledger import LedgerRepository


@dataclass(frozen=True)
class AccountCheck:
    account_id: str
    drift: list[str]
    pending: int  # operations applied whose documents are not written yet (the next read writes them)


async def check_ledgers(ledger: LedgerRepository) -> AsyncIterator[AccountCheck]:
    """One result per account. Nothing is written: an operation a crash left pending is reported
    (its documents are missing until the service writes them), not completed."""
    for account_id in await ledger.account_ids():
        state = await ledger.read(account_id)
        if state is None:
            continue
        now = now_ms()
        drift = ledger_drift(
            account_id=account_id,
            balance_cents=state.balance_cents,
            held_cents=state.held_now(now),
            entries=await ledger.all_entries(account_id),
            transactions=await ledger.all_transactions(account_id),
            invoices=await ledger.all_invoices(account_id),
            now_ms=now,
        )
        yield AccountCheck(account_id, drift, len(state.pending))


async def invoice_totals_drift(ledger: LedgerRepository) -> list[str]:
    """Each bucket of the kept invoice totals (`persistence/invoice_totals.py`) that differs from what
    the invoices add up to, one line each; none if the kept totals cannot be read (not built yet, or
    more changes waiting than a read adds up). An operation pending on an account is in the kept totals
    before its invoices are written: it is reported with its account."""
    kept = await ledger.totals.read()
    if kept is None:
        return []
    summed = await ledger.totals.summed()
    lines = []
    for key in sorted(set(kept) | set(summed)):
        (kept_count, kept_cents), (count, cents) = kept.get(key, (0, 0)), summed.get(key, (0, 0))
        if (kept_count, kept_cents) != (count, cents):
            lines.append(
                f"invoice totals {key}: kept {kept_count} invoices of {cents_to_decimal(kept_cents)}"
                f" but the invoices are {count} of {cents_to_decimal(cents)}"
            )
    return lines
