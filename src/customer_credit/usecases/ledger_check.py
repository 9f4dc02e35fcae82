"""`customer-credit check`: every account's ledger held against the contract's invariants, read only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from customer_credit.domain.clock import now_ms
from customer_credit.domain.ledger import ledger_drift
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
