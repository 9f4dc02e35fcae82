"""`customer-credit check`: every account's ledger against the contract's invariants, read only.

Prints each drift found, one line each, and exits 1 if there is any (0 when every account adds
up and the kept invoice totals are what the invoices add up to). An operation a crash left
half-written (its documents not yet written) is reported too: the service writes them on the next
read of that account, or within 15 s in its background pass.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from customer_credit.cli.store import require_store, settings_for, with_database

if TYPE_CHECKING:
    from customer_credit.persistence.database import Database


async def check(database: Database) -> tuple[int, int, int]:
    """How many accounts were checked, how many drift, and how many invoice-totals buckets drift."""
    from customer_credit.persistence.ledger import LedgerRepository
    from customer_credit.usecases.ledger_check import check_ledgers, invoice_totals_drift

    accounts = drifting = 0
    ledger = LedgerRepository(database)
    totals_drift = await invoice_totals_drift(ledger)
    for line in totals_drift:
        print(line)
    async for result in check_ledgers(ledger):
        accounts += 1
        for line in result.drift:
            print(line)
        if result.pending:
            print(f"account {result.account_id}: {result.pending} operation(s) applied but not yet followed through")
        if result.drift or result.pending:
            drifting += 1
    return accounts, drifting, len(totals_drift)


def check_command(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    require_store(settings)
    accounts, drifting, totals_drifting = asyncio.run(with_database(settings, check))
    print(f"Checked {accounts} accounts: {drifting} with drift.")
    if totals_drifting:
        print(f"Kept invoice totals: {totals_drifting} bucket(s) with drift.")
    return 1 if drifting or totals_drifting else 0
