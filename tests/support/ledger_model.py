"""An exact model of the credit ledger in integer cents, for tests/api/test_credit_state_machine.py.

It follows the contract (/work/shared/design-credit.md, "The numbers of an account" and "Rules")
with the store's default settings, and nothing of how the service stores things. Each operation
returns the error codes the contract expects, in the order the service reports them ([] when it
succeeds), and applies its effect only when it succeeds. Two rules the service adds beyond the
contract, documented in domain/credit.py, are modelled too: at least one cent per installment
(INVALID_INSTALLMENTS when authorizing, INVALID_AMOUNT when settling), and a refund of a
transaction that is not SETTLED is AMOUNT_EXCEEDS_REFUNDABLE.

Time is left out: holds use the default expiry (120 hours), so none expires during a run, and
no invoice is overdue (the first is due 30 days after its settlement).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

TOLERANCE_SCALE = 10_000
MAX_NOTE_LENGTH = 500

# The codes a call can get once its key names an operation on an existing object: a retry answers
# them again, and the key can no longer be used with another input. Input errors found before that
# (an amount or a note that is not valid at all, an unknown id) are not an outcome of the key.
REFUSALS = {
    "authorizeCredit": {"INSUFFICIENT_CREDIT"},
    "settleCredit": {"TRANSACTION_NOT_AUTHORIZED", "AMOUNT_EXCEEDS_AUTHORIZATION", "INVALID_AMOUNT"},
    "cancelCredit": {"TRANSACTION_NOT_AUTHORIZED"},
    "refundCredit": {"AMOUNT_EXCEEDS_REFUNDABLE", "INVALID_AMOUNT"},
    "payInvoice": {"INVOICE_NOT_OPEN"},
    "cancelInvoice": {"INVOICE_NOT_OPEN", "INVOICE_PAID"},
    "postponeInvoice": {"INVOICE_NOT_OPEN", "INVALID_POSTPONEMENT"},
    "adjustBalance": set(),
}


def money(cents: int) -> str:
    """Cents as the API writes an amount: "-12.05", "0.00"."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def loose_money(cents: int) -> str:
    """The same amount spelled another way ("12.5", "7"), as a client might send it."""
    text = money(cents).rstrip("0").rstrip(".")
    return text if text not in ("", "-") else "0"


def cents_of(text: str) -> int:
    value = Decimal(text) * 100
    assert value == value.to_integral_value(), text
    return int(value)


def tolerance_text(units: int) -> str:
    return str(Decimal(units).scaleb(-4))


def split(amount: int, n: int) -> list[int]:
    """`n` parts adding up to `amount`, the remainder cents one each on the first."""
    base, remainder = divmod(amount, n)
    return [base + 1 if k < remainder else base for k in range(n)]


@dataclass
class Settings:
    """The store's settings (storeSettings), the defaults to begin with."""

    invoice_due_days: int = 30
    max_installments: int = 12
    tolerance_enabled: bool = True
    postponement_enabled: bool = True
    max_postponement_days: int = 30


@dataclass
class Entry:
    kind: str
    amount: int
    transaction_id: str | None = None
    invoice_id: str | None = None
    note: str | None = None


@dataclass
class Invoice:
    id: str
    transaction_id: str
    installment: int
    number_of_installments: int
    original_amount: int
    amount: int
    due_date: date
    original_due_date: date
    status: str = "OPEN"


@dataclass
class Transaction:
    id: str
    account_id: str
    amount: int
    installments: int
    order_id: str | None
    status: str = "AUTHORIZED"
    settled: int = 0
    refunded: int = 0
    invoice_ids: list[str] = field(default_factory=list)


@dataclass
class Account:
    id: str
    credit_limit: int
    tolerance_units: int
    balance: int = 0
    entries: list[Entry] = field(default_factory=list)
    transaction_ids: list[str] = field(default_factory=list)
    # Set once something other than an authorization raised what the account uses beyond its
    # spending limit (a debit adjustment, a limit lowered): only until then must heldCredit − balance
    # stay within spendingLimit.
    over_limit_allowed: bool = False


class LedgerModel:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.accounts: dict[str, Account] = {}
        self.transactions: dict[str, Transaction] = {}
        self.invoices: dict[str, Invoice] = {}

    # --- the numbers of an account ---------------------------------------------------------

    def spending_limit(self, account: Account) -> int:
        if not self.settings.tolerance_enabled:
            return account.credit_limit
        return account.credit_limit * (TOLERANCE_SCALE + account.tolerance_units) // TOLERANCE_SCALE

    def held(self, account: Account) -> int:
        return sum(
            self.transactions[t].amount for t in account.transaction_ids if self.transactions[t].status == "AUTHORIZED"
        )

    def available(self, account: Account) -> int:
        return self.spending_limit(account) + account.balance - self.held(account)

    def numbers(self, account_id: str) -> dict[str, str]:
        account = self.accounts[account_id]
        return {
            "spendingLimit": money(self.spending_limit(account)),
            "balance": money(account.balance),
            "heldCredit": money(self.held(account)),
            "availableCredit": money(self.available(account)),
        }

    # --- accounts --------------------------------------------------------------------------

    def open_account(self, account_id: str, credit_limit: int, tolerance_units: int) -> None:
        self.accounts[account_id] = Account(account_id, credit_limit, tolerance_units)

    def change_limit(self, account_id: str, credit_limit: int, tolerance_units: int) -> None:
        account = self.accounts[account_id]
        before = self.spending_limit(account)
        account.credit_limit, account.tolerance_units = credit_limit, tolerance_units
        if self.spending_limit(account) < before:
            account.over_limit_allowed = True

    def change_settings(self, **changes: object) -> None:
        """updateStoreSettings; turning tolerance off lowers spending limits at once."""
        before = {a.id: self.spending_limit(a) for a in self.accounts.values()}
        for name, value in changes.items():
            setattr(self.settings, name, value)
        for account in self.accounts.values():
            if self.spending_limit(account) < before[account.id]:
                account.over_limit_allowed = True

    # --- holds -----------------------------------------------------------------------------

    def authorize(
        self, account_id: str, amount: int, installments: int, order_id: str | None, new_id: str | None
    ) -> list[str]:
        codes = []
        if amount <= 0:
            codes.append("INVALID_AMOUNT")
        if not 1 <= installments <= self.settings.max_installments:
            codes.append("INVALID_INSTALLMENTS")
        elif amount > 0 and installments > amount:
            codes.append("INVALID_INSTALLMENTS")
        if codes:
            return codes
        account = self.accounts.get(account_id)
        if account is None:
            return ["NOT_FOUND"]
        if amount > self.available(account):
            return ["INSUFFICIENT_CREDIT"]
        assert new_id is not None
        self.transactions[new_id] = Transaction(new_id, account_id, amount, installments, order_id)
        account.transaction_ids.append(new_id)
        return []

    def settle(self, transaction_id: str, amount: int, *, on: date) -> list[str]:
        transaction = self.transactions.get(transaction_id)
        if transaction is None:
            return ["NOT_FOUND"]
        if amount <= 0:
            return ["INVALID_AMOUNT"]
        if transaction.status != "AUTHORIZED":
            return ["TRANSACTION_NOT_AUTHORIZED"]
        if amount > transaction.amount:
            return ["AMOUNT_EXCEEDS_AUTHORIZATION"]
        if amount < transaction.installments:
            return ["INVALID_AMOUNT"]
        account = self.accounts[transaction.account_id]
        n = transaction.installments
        for k, part in enumerate(split(amount, n), start=1):
            invoice_id = f"{transaction_id}-{k:02d}"
            due = on + timedelta(days=k * self.settings.invoice_due_days)
            self.invoices[invoice_id] = Invoice(invoice_id, transaction_id, k, n, part, part, due, due)
            transaction.invoice_ids.append(invoice_id)
            account.balance -= part
            account.entries.append(Entry("INVOICE", -part, transaction_id, invoice_id))
        transaction.status, transaction.settled = "SETTLED", amount
        return []

    def cancel(self, transaction_id: str) -> list[str]:
        transaction = self.transactions.get(transaction_id)
        if transaction is None:
            return ["NOT_FOUND"]
        if transaction.status != "AUTHORIZED":
            return ["TRANSACTION_NOT_AUTHORIZED"]
        transaction.status = "CANCELLED"
        return []

    def refundable(self, transaction_id: str) -> int:
        transaction = self.transactions[transaction_id]
        return transaction.settled - transaction.refunded if transaction.status == "SETTLED" else 0

    def refund(self, transaction_id: str, amount: int) -> list[str]:
        """Lowers the OPEN invoices from the last installment backwards (one brought to 0 is
        CANCELLED); the whole amount is one REFUND entry, what exceeds them is in the holder's favour."""
        transaction = self.transactions.get(transaction_id)
        if transaction is None:
            return ["NOT_FOUND"]
        if amount <= 0:
            return ["INVALID_AMOUNT"]
        if transaction.status != "SETTLED" or amount > self.refundable(transaction_id):
            return ["AMOUNT_EXCEEDS_REFUNDABLE"]
        remaining = amount
        for invoice_id in reversed(transaction.invoice_ids):
            invoice = self.invoices[invoice_id]
            if remaining == 0:
                break
            if invoice.status != "OPEN":
                continue
            cut = min(remaining, invoice.amount)
            invoice.amount -= cut
            remaining -= cut
            if invoice.amount == 0:
                invoice.status = "CANCELLED"
        account = self.accounts[transaction.account_id]
        account.balance += amount
        account.entries.append(Entry("REFUND", amount, transaction_id))
        transaction.refunded += amount
        return []

    # --- invoices and adjustments ----------------------------------------------------------

    def _close_invoice(self, invoice: Invoice, status: str, kind: str) -> None:
        invoice.status = status
        account = self.accounts[self.transactions[invoice.transaction_id].account_id]
        account.balance += invoice.amount
        account.entries.append(Entry(kind, invoice.amount, invoice.transaction_id, invoice.id))

    def pay(self, invoice_id: str) -> list[str]:
        invoice = self.invoices.get(invoice_id)
        if invoice is None:
            return ["NOT_FOUND"]
        if invoice.status != "OPEN":
            return ["INVOICE_NOT_OPEN"]
        self._close_invoice(invoice, "PAID", "PAYMENT")
        return []

    def cancel_invoice(self, invoice_id: str) -> list[str]:
        invoice = self.invoices.get(invoice_id)
        if invoice is None:
            return ["NOT_FOUND"]
        if invoice.status == "PAID":
            return ["INVOICE_PAID"]
        if invoice.status != "OPEN":
            return ["INVOICE_NOT_OPEN"]
        self._close_invoice(invoice, "CANCELLED", "CANCELLATION")
        return []

    def postpone(self, invoice_id: str, days: int) -> list[str]:
        invoice = self.invoices.get(invoice_id)
        if invoice is None:
            return ["NOT_FOUND"]
        if not self.settings.postponement_enabled:
            return ["POSTPONEMENT_DISABLED"]
        if invoice.status != "OPEN":
            return ["INVOICE_NOT_OPEN"]
        already = (invoice.due_date - invoice.original_due_date).days
        if days < 1 or already + days > self.settings.max_postponement_days:
            return ["INVALID_POSTPONEMENT"]
        invoice.due_date += timedelta(days=days)
        return []

    def adjust(self, account_id: str, amount: int, note: str) -> list[str]:
        codes = []
        if amount == 0:
            codes.append("INVALID_AMOUNT")
        if not 1 <= len(note.strip()) <= MAX_NOTE_LENGTH:
            codes.append("INVALID_NOTE")
        if codes:
            return codes
        account = self.accounts.get(account_id)
        if account is None:
            return ["NOT_FOUND"]
        account.balance += amount
        account.entries.append(Entry("ADJUSTMENT", amount, note=note.strip()))
        if amount < 0:
            account.over_limit_allowed = True
        return []

    # --- what the API should show ----------------------------------------------------------

    def transaction_view(self, transaction_id: str) -> dict:
        t = self.transactions[transaction_id]
        return {
            "id": t.id,
            "accountId": t.account_id,
            "amount": money(t.amount),
            "settledAmount": money(t.settled),
            "refundedAmount": money(t.refunded),
            "installments": t.installments,
            "orderId": t.order_id,
            "status": t.status,
            "invoices": list(t.invoice_ids),
        }

    def invoice_view(self, invoice_id: str) -> dict:
        i = self.invoices[invoice_id]
        return {
            "id": i.id,
            "accountId": self.transactions[i.transaction_id].account_id,
            "transactionId": i.transaction_id,
            "orderId": self.transactions[i.transaction_id].order_id,
            "installment": i.installment,
            "numberOfInstallments": i.number_of_installments,
            "amount": money(i.amount),
            "originalAmount": money(i.original_amount),
            "status": i.status,
            "overdue": False,
            "dueDate": i.due_date.isoformat(),
            "originalDueDate": i.original_due_date.isoformat(),
            "paid": i.status == "PAID",
            "cancelled": i.status == "CANCELLED",
        }

    def statement_view(self, account_id: str) -> list[tuple]:
        """Oldest first: (kind, amount, transactionId, invoiceId, note)."""
        return [
            (e.kind, money(e.amount), e.transaction_id, e.invoice_id, e.note) for e in self.accounts[account_id].entries
        ]

    def invoice_ids_of(self, account_id: str) -> list[str]:
        return [i for t in self.accounts[account_id].transaction_ids for i in self.transactions[t].invoice_ids]


def transaction_view_of(node: dict) -> dict:
    """An API CreditTransaction in the shape of LedgerModel.transaction_view."""
    keys = ("id", "accountId", "amount", "settledAmount", "refundedAmount", "installments", "orderId", "status")
    return {**{k: node[k] for k in keys}, "invoices": [i if isinstance(i, str) else i["id"] for i in node["invoices"]]}


def invoice_view_of(node: dict) -> dict:
    """An API Invoice in the shape of LedgerModel.invoice_view."""
    keys = (
        "id",
        "accountId",
        "transactionId",
        "orderId",
        "installment",
        "numberOfInstallments",
        "amount",
        "originalAmount",
        "status",
        "overdue",
        "dueDate",
        "originalDueDate",
    )
    view = {k: node[k] for k in keys}
    view["paid"] = node["paidAt"] is not None
    view["cancelled"] = node["cancelledAt"] is not None
    return view
