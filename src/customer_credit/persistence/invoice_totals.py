"""Invoice totals kept as invoices change (`domain/invoice_totals.py`): `invoiceTotals` reads one
document and the changes not yet added to it, where a `$group` summed the index entry of every
invoice it matched (30 ms for 300,000 invoices on the embedded server, growing with them).

Neither backend has transactions, so a change moves in steps, each one write of one document:
- the update that applies a ledger operation (`persistence/ledger.py`) records the operation's change
  of the totals on its account, under `totals_ops.<opId>`: recorded exactly when the operation is;
- a flush (the credit sweeper, every second) moves accounts' changes into the totals document:
  1. read up to FLUSH_BATCH accounts with changes (`totals_at`, under a sparse index);
  2. write the totals with their changes added and, in the same update, the accounts and operations
     they came from (the journal), on condition that the totals are at the version read (so no other
     flush moved meanwhile) and hold no journal;
  3. take the journal's operations off their accounts (unsetting `totals_ops.<opId>` twice is once);
  4. drop the journal.
  Whoever finds a journal finishes that flush first, so one interrupted at any step loses nothing.
- A read takes the totals and adds every change still on an account that is not in the journal. It
  is exact if the totals' version did not move while it read; otherwise it reads again, and after a
  few tries (or with more accounts waiting than it reads) the caller sums the invoices instead.

What the embedded server gets wrong shaped this: an `$inc` of 64 fields or more writes them as flat
dotted keys, and a `$push` of a sub-document stores it as a JSON string. So a change is one `$set` of
a list, and the totals are written whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pymongo import UpdateOne

from customer_credit.domain.credit import InvoiceStatus
from customer_credit.domain.invoice_totals import Buckets, added, bucket_key
from customer_credit.persistence.database import ACCOUNTS, INVOICE_TOTALS, INVOICES, Database

TOTALS_ID = "invoices"
TOTALS_OPS = "totals_ops"  # on an account: each operation's change of the totals not yet in them
TOTALS_AT = "totals_at"  # on an account with changes (sparse index): when the last was recorded
FLUSH_BATCH = 500
MOST_WAITING = 1_000  # accounts with changes a read adds up; with more waiting, the invoices are summed
READ_ATTEMPTS = 3
WITH_CHANGES = {TOTALS_AT: {"$gte": 0}}  # the accounts with changes, from the sparse index (`$exists` reads them all)


def change_update(op_id: str, change: Buckets, at_ms: int) -> dict[str, Any]:
    """The `$set` of an account that records an operation's change of the totals (none if it has none)."""
    if not change:
        return {}
    return {f"{TOTALS_OPS}.{op_id}": [[key, count, cents] for key, (count, cents) in change.items()], TOTALS_AT: at_ms}


def stored_buckets(buckets: Buckets) -> dict[str, dict[str, int]]:
    return {key: {"n": count, "c": cents} for key, (count, cents) in buckets.items()}


def buckets_in(stored: Mapping[str, Any] | None) -> Buckets:
    return {key: (int(value["n"]), int(value["c"])) for key, value in (stored or {}).items()}


def change_in(stored: list[list[Any]]) -> Buckets:
    return {key: (int(count), int(cents)) for key, count, cents in stored}


class InvoiceTotalsRepository:
    def __init__(self, database: Database):
        self.totals = database.collection(INVOICE_TOTALS)
        self.accounts = database.collection(ACCOUNTS)
        self.invoices = database.collection(INVOICES)

    async def read(self) -> Buckets | None:
        """The totals of every invoice by bucket; None if they are not kept (not built) or could not be
        read exactly (see the module's docstring)."""
        for _ in range(READ_ATTEMPTS):
            kept = await self.totals.find_one({"_id": TOTALS_ID})
            if kept is None:
                return None
            waiting = await self._waiting(MOST_WAITING + 1)
            if len(waiting) > MOST_WAITING:
                return None
            again = await self.totals.find_one({"_id": TOTALS_ID}, ["v"])
            if again is not None and again["v"] == kept["v"]:
                moved = _journaled(kept.get("j"))
                changes = [
                    change_in(change)
                    for account_id, ops in waiting.items()
                    for op_id, change in ops.items()
                    if (account_id, op_id) not in moved
                ]
                return added(buckets_in(kept.get("b")), *changes)
        return None

    async def _waiting(self, limit: int) -> dict[str, dict[str, list[list[Any]]]]:
        """Accounts with changes: each operation's change, by operation id."""
        cursor = self.accounts.find(WITH_CHANGES, [TOTALS_OPS]).limit(limit)
        return {d["_id"]: d.get(TOTALS_OPS) or {} async for d in cursor}

    async def flush(self) -> int:
        """Move up to FLUSH_BATCH accounts' changes into the totals; how many accounts it moved (0 when
        the totals are not built: the build counts the invoices themselves)."""
        kept = await self.totals.find_one({"_id": TOTALS_ID})
        if kept is not None and kept.get("j"):
            await self._finish(kept["j"])
            kept = await self.totals.find_one({"_id": TOTALS_ID})
        if kept is None or kept.get("j"):
            return 0
        cursor = self.accounts.find(WITH_CHANGES, [TOTALS_OPS, "rev"]).limit(FLUSH_BATCH)
        accounts = [(d["_id"], d.get("rev"), d.get(TOTALS_OPS) or {}) async for d in cursor]
        if not accounts:
            return 0
        changes = [change_in(change) for _, _, ops in accounts for change in ops.values()]
        journal = {"s": kept["v"] + 1, "p": [{"a": a, "r": rev, "o": list(ops)} for a, rev, ops in accounts]}
        started = await self.totals.update_one(
            {"_id": TOTALS_ID, "v": kept["v"], "j": {"$exists": False}},
            {"$set": {"b": stored_buckets(added(buckets_in(kept.get("b")), *changes)), "j": journal}, "$inc": {"v": 1}},
        )
        if started.matched_count == 0:
            return 0  # another process's flush went first
        await self._finish(journal)
        return len(accounts)

    async def _finish(self, journal: dict[str, Any]) -> None:
        """Steps 3 and 4 of a flush: the journal's operations off their accounts, then the journal dropped.
        An account no operation changed since it was read has none but those: all go, with its mark.
        (Every operation with a change moves the account's `rev`.)"""
        parts = journal["p"]
        await self.accounts.bulk_write(
            [UpdateOne({"_id": p["a"], "rev": p["r"]}, {"$unset": {TOTALS_OPS: "", TOTALS_AT: ""}}) for p in parts],
            ordered=False,
        )
        taken_off = [
            UpdateOne({"_id": p["a"]}, {"$unset": {f"{TOTALS_OPS}.{op_id}": "" for op_id in p["o"]}})
            for p in parts
            if p["o"]
        ]
        if taken_off:
            await self.accounts.bulk_write(taken_off, ordered=False)
        await self.totals.update_one({"_id": TOTALS_ID, "j.s": journal["s"]}, {"$unset": {"j": ""}, "$inc": {"v": 1}})

    async def build(self) -> int:
        """Keep the totals of a store whose invoices were written before they were kept: count every
        invoice into a new totals document (a start-up upgrade; `usecases.credit.keep_invoice_totals`
        first writes the documents of every pending operation). Changes accounts carry are dropped: the
        invoices show them. Returns how many invoices it counted (0 if the totals were kept already)."""
        if await self.totals.find_one({"_id": TOTALS_ID}, ["_id"]) is not None:
            return 0
        await self.accounts.update_many(WITH_CHANGES, {"$unset": {TOTALS_OPS: "", TOTALS_AT: ""}})
        buckets = await self.summed()
        await self.totals.update_one(
            {"_id": TOTALS_ID}, {"$setOnInsert": {"v": 0, "b": stored_buckets(buckets)}}, upsert=True
        )
        return sum(count for count, _ in buckets.values())

    async def summed(self) -> Buckets:
        """The buckets summed from the invoices themselves: what the kept totals must be (a whole scan)."""
        buckets: Buckets = {}
        for status in InvoiceStatus:
            pipeline: list[dict[str, Any]] = [
                {"$match": {"status": {"$gte": status.value, "$lte": status.value}}},
                {"$group": {"_id": "$due_date", "n": {"$sum": 1}, "c": {"$sum": "$amount_cents"}}},
            ]
            async for group in self.invoices.aggregate(pipeline):
                key = bucket_key(status, date.fromisoformat(group["_id"]))
                buckets[key] = (int(group["n"]), int(group["c"]))
        return added(buckets)


def _journaled(journal: dict[str, Any] | None) -> set[tuple[str, str]]:
    """The (account, operation) pairs whose changes a flush has added to the totals (and may not yet
    have taken off their account)."""
    if not journal:
        return set()
    return {(part["a"], op_id) for part in journal["p"] for op_id in part["o"]}
