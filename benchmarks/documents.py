"""Account documents exactly as the service writes them, for loading a store without the import:
each generated row planned by the service's own `plan_open` (as the import's BatchPlanner does) and
turned into a document by its own `account_document`.

`SettledCredit` adds an account's credit the same way: each operation planned by the service's own
ledger planner, its effect applied to the account document as the service's `$inc`/`$set`/`$unset`
(`effect_update`), and the transaction, invoices and statement entries it decides written as the
service's own document functions write them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date

import csvgen
from customer_credit.domain.account_planner import Origin, plan_open
from customer_credit.domain.accounts import AccountRequest, EventSource
from customer_credit.domain.credit import AuthorizationInput, utc_date
from customer_credit.domain.credit_records import Invoice, LedgerEffect, LedgerOp, OpKind
from customer_credit.domain.invoice_totals import Buckets, added, totals_change
from customer_credit.domain.ledger_planner import plan_authorization, plan_invoice_settlement, plan_settle
from customer_credit.domain.money import cents_to_decimal, tolerance_units_to_decimal
from customer_credit.domain.settings_rules import StoreSettings
from customer_credit.persistence.accounts import account_document
from customer_credit.persistence.ledger import (
    HEADROOM_PLAIN,
    effect_update,
    entry_document,
    invoice_document,
    ledger_from_document,
    transaction_document,
)
from customer_credit.usecases.credit import FORGET_AFTER_MS

DAY_MS = 86_400_000
HOUR_MS = 3_600_000


def sequential_id(index: int) -> str:
    """`00000000-0000-4000-8000-<index>`: shaped like a generated id (a lower-case UUID) but in order, so
    each insert appends to the indexes of `_id` and `id_key` instead of landing anywhere in them."""
    return f"00000000-0000-4000-8000-{index:012d}"


def account_documents(
    rows: Iterable[csvgen.Row],
    *,
    run_id: str = "floor",
    opened_ms: int | None = None,
    account_id: Callable[[int], str] = sequential_id,
) -> Iterator[dict]:
    """One document per row, the row's id `account_id(index)`, opened from `opened_ms` on (default: now)."""
    now = int(time.time() * 1000) if opened_ms is None else opened_ms  # about two rows per ms, as an import
    for index, row in enumerate(rows):
        request = AccountRequest(
            email=row.email,
            document_type=row.document_type,
            document=row.document,
            credit_limit=cents_to_decimal(row.credit_limit_cents),
            tolerance=tolerance_units_to_decimal(row.tolerance_units),
            description=row.description,
        )
        origin = Origin(
            actor="bench",
            at_ms=now + index // 2,
            source=EventSource.IMPORT,
            import_run_id=run_id,
            import_row=index + 2,
        )
        yield account_document(plan_open(account_id(index), request, origin))


class SettledCredit:
    """One settled credit transaction of an account, as the service would have left it: authorized, settled
    a day later in `installments` invoices `invoiceDueDays` (30) apart, and each invoice already due paid on
    its due date unless it is one left overdue. `add` plans each operation from the account document as it
    stands (`ledger_from_document`), applies its effect to that document and keeps the documents it writes,
    in their last state, in `transactions`, `invoices` and `entries`.

    The result is what `customer-credit check` holds the account against: the balance is the sum of the
    entries, each `balance_after` the running sum, nothing held, the invoices adding up to the settlement.
    The invoice totals of every account added (`invoice_totals`) are those the service keeps, once flushed.
    The ids are fixed (`…-9000-<number>` for the transaction, `…-a00<k>-<number>` for later operations), so
    two loads of a store are the same; the account keeps its decided operations in `done`, as a store does
    within `FORGET_AFTER_MS` of them, and no `pending_at` (as the background worker leaves it).
    """

    SETTINGS = StoreSettings()
    ACTOR = "bench"

    def __init__(self, now_ms: int):
        self.now_ms = now_ms
        self.today = utc_date(now_ms)
        self.transactions: list[dict] = []
        self.invoices: list[dict] = []
        self.entries: list[dict] = []
        self._transactions: dict[str, dict] = {}  # the account's, by id, while `add` writes them
        self._invoices: dict[str, dict] = {}
        self.invoice_totals: Buckets = {}  # of every invoice so far, as the flushes leave them kept

    def take(self) -> tuple[list[dict], list[dict], list[dict]]:
        """The documents kept so far, and forget them."""
        taken = self.transactions, self.invoices, self.entries
        self.transactions, self.invoices, self.entries = [], [], []
        return taken

    def add(self, account: dict, number: int, *, installments: int = 3) -> bool:
        """Account `number` (of those with credit) settles part of its limit; False if its limit is too small.

        Settled 1 to 150 days ago (spread by `number`), so its invoices fall due in the past and in the coming
        months; of those already due, about two in three were paid on their due date, the rest are overdue."""
        headroom = account[HEADROOM_PLAIN]
        amount_cents = max(installments, headroom * (1 + number % 9) // 10)
        if amount_cents > headroom:
            return False
        settled_ms = (self.now_ms // DAY_MS - (1 + number * 7 % 150)) * DAY_MS + 15 * HOUR_MS
        authorized_ms = settled_ms - DAY_MS
        transaction_id = f"00000000-0000-4000-9000-{number:012d}"
        inputs = AuthorizationInput(
            amount_cents=amount_cents,
            installments=installments,
            expires_at_ms=authorized_ms + self.SETTINGS.authorization_ttl_hours * HOUR_MS,
            idempotency_key="-",
        )
        op, effect = plan_authorization(
            account["_id"], transaction_id, inputs, order_id=f"order-{number}", actor=self.ACTOR, now_ms=authorized_ms
        )
        self._apply(account, op, effect)
        assert op.transaction is not None
        op, effect = plan_settle(
            ledger_from_document(account),
            op.transaction,
            cents_to_decimal(amount_cents),
            op_id=self._op_id(1, number),
            settings=self.SETTINGS,
            actor=self.ACTOR,
            now_ms=settled_ms,
        )
        self._apply(account, op, effect)
        for invoice in op.invoices:
            if invoice.due_date < self.today and (number + invoice.installment) % 3:
                self._pay(account, invoice, number)
        self.transactions.extend(self._transactions.values())
        self.invoices.extend(self._invoices.values())
        self._transactions.clear()
        self._invoices.clear()
        return True

    def _pay(self, account: dict, invoice: Invoice, number: int) -> None:
        paid_ms = (invoice.due_date - date(1970, 1, 1)).days * DAY_MS + 10 * HOUR_MS
        op, effect = plan_invoice_settlement(
            ledger_from_document(account),
            invoice,
            OpKind.PAY_INVOICE,
            op_id=self._op_id(1 + invoice.installment, number),
            actor=self.ACTOR,
            now_ms=paid_ms,
        )
        self._apply(account, op, effect)

    @staticmethod
    def _op_id(k: int, number: int) -> str:
        return f"00000000-0000-4000-a{k:03d}-{number:012d}"

    def _apply(self, account: dict, op: LedgerOp, effect: LedgerEffect) -> None:
        """What `LedgerRepository._apply` and then `complete` leave: the effect applied (the revision moved on
        for every operation but an authorization, decided operations older than `FORGET_AFTER_MS`
        forgotten), the operation done, and its documents in their state after it."""
        self.invoice_totals = added(
            self.invoice_totals, totals_change(ledger_from_document(account).open_invoices, op.invoices)
        )
        inc, sets, unset = effect_update(effect)
        unset.update({f"done.{o}": "" for o, d in account["done"].items() if d["t"] < op.at_ms - FORGET_AFTER_MS})
        if op.kind is not OpKind.AUTHORIZE:
            inc["rev"] = 1
        for path, delta in inc.items():
            account[path] += delta
        for path, value in sets.items():
            _dotted(account, path)[path.split(".", 1)[1]] = value
        for path in unset:
            _dotted(account, path).pop(path.split(".", 1)[1], None)
        account["done"][op.id] = {"t": op.at_ms, "e": None, "r": op.result_id}
        # The service's guarded upserts (`_write_state`): each document in its latest state, with `rev`.
        if op.transaction is not None:
            written = {"_id": op.transaction.id, **transaction_document(op.transaction), "rev": op.revision}
            self._transactions[op.transaction.id] = written
        for invoice in op.invoices:
            self._invoices[invoice.id] = {"_id": invoice.id, **invoice_document(invoice), "rev": op.revision}
        self.entries.extend(entry_document(e) for e in op.entries)


def _dotted(document: dict, path: str) -> dict:
    """The sub-document a dotted `field.key` path names (every ledger map is one level deep)."""
    field, _ = path.split(".", 1)
    return document[field]
