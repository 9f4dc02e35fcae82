"""What each money operation writes, decided from the account's Ledger alone: the operation (the
transaction, invoices and entries in their states after it) and the change to the Ledger."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from customer_credit.domain.credit import (
    AuthorizationInput,
    CreditErrorCode,
    CreditRuleViolation,
    CreditTransactionStatus,
    InvoiceStatus,
    StatementEntryKind,
)
from customer_credit.domain.credit_records import (
    CreditTransaction,
    Hold,
    Invoice,
    Ledger,
    LedgerEffect,
    LedgerOp,
    OpenInvoice,
    OpKind,
    StatementEntry,
)
from customer_credit.domain.ledger_planner import (
    entry_id,
    plan_adjustment,
    plan_authorization,
    plan_cancel,
    plan_expiry,
    plan_invoice_settlement,
    plan_postponement,
    plan_refund_of,
    plan_settle,
    today,
)
from customer_credit.domain.settings_rules import StoreSettings

ACCOUNT = "acc-1"
HOUR_MS = 3_600_000
NOW = 1_767_225_600_000 + 10 * HOUR_MS  # 2026-01-01 10:00 UTC
EXPIRES = NOW + HOUR_MS
SETTLED_ON = date(2026, 1, 1)
DUES = (date(2026, 1, 31), date(2026, 3, 2), date(2026, 4, 1))  # every 30 days after settling


def authorized(amount_cents: int = 100_00, installments: int = 3) -> CreditTransaction:
    return CreditTransaction(
        id="t1",
        account_id=ACCOUNT,
        amount_cents=amount_cents,
        installments=installments,
        order_id="order-9",
        status=CreditTransactionStatus.AUTHORIZED,
        created_at_ms=NOW - HOUR_MS,
        expires_at_ms=EXPIRES,
        actor="shop",
    )


def holding(transaction: CreditTransaction, *, balance_cents: int = 0, revision: int = 0) -> Ledger:
    hold = Hold(transaction.id, transaction.amount_cents, EXPIRES)
    return Ledger(
        ACCOUNT,
        balance_cents=balance_cents,
        held_cents=hold.amount_cents,
        revision=revision,
        holds={transaction.id: hold},
    )


def invoice(installment: int, amount_cents: int, status: InvoiceStatus = InvoiceStatus.OPEN) -> Invoice:
    return Invoice(
        id=f"t1-{installment:02d}",
        account_id=ACCOUNT,
        transaction_id="t1",
        order_id="order-9",
        installment=installment,
        number_of_installments=3,
        amount_cents=amount_cents,
        original_amount_cents=amount_cents,
        status=status,
        due_date=DUES[installment - 1],
        original_due_date=DUES[installment - 1],
        created_at_ms=NOW - 10 * HOUR_MS,
    )


def settled(refunded_cents: int = 0) -> CreditTransaction:
    return replace(
        authorized(),
        status=CreditTransactionStatus.SETTLED,
        settled_cents=100_00,
        refunded_cents=refunded_cents,
        settled_at_ms=NOW - 10 * HOUR_MS,
        invoice_ids=("t1-01", "t1-02", "t1-03"),
    )


def refused(violation: pytest.ExceptionInfo[CreditRuleViolation]) -> tuple[str | None, CreditErrorCode, str]:
    (error,) = violation.value.errors
    return error.field, error.code, error.message.english


def test_entry_ids_sort_by_revision_then_place_and_never_read_as_a_date():
    assert entry_id("2026-01-05", 7, 3) == "e:2026-01-05:0000000007:03"


def test_today_is_the_utc_date_of_the_moment():
    assert today(NOW) == SETTLED_ON


def test_an_authorization_adds_a_hold_under_the_operation_id():
    inputs = AuthorizationInput(amount_cents=250_00, installments=2, expires_at_ms=EXPIRES, idempotency_key="k")

    op, effect = plan_authorization(ACCOUNT, "op-1", inputs, order_id="order-9", actor="shop", now_ms=NOW)

    transaction = CreditTransaction(
        id="op-1",
        account_id=ACCOUNT,
        amount_cents=250_00,
        installments=2,
        order_id="order-9",
        status=CreditTransactionStatus.AUTHORIZED,
        created_at_ms=NOW,
        expires_at_ms=EXPIRES,
        actor="shop",
    )
    assert op == LedgerOp("op-1", OpKind.AUTHORIZE, ACCOUNT, NOW, "shop", "op-1", transaction=transaction)
    assert effect == LedgerEffect(add_hold=Hold("op-1", 250_00, EXPIRES))


def test_settling_releases_the_hold_and_writes_one_invoice_and_one_entry_per_installment():
    transaction = authorized()
    ledger = holding(transaction, balance_cents=5_00, revision=4)

    op, effect = plan_settle(
        ledger,
        transaction,
        Decimal("100.00"),
        op_id="op-2",
        settings=StoreSettings(invoice_due_days=30),
        actor="clerk",
        now_ms=NOW,
    )

    amounts = (33_34, 33_33, 33_33)
    invoices = tuple(replace(invoice(k, amount), created_at_ms=NOW) for k, amount in enumerate(amounts, start=1))
    entries = tuple(
        StatementEntry(
            id=f"e:{ACCOUNT}:0000000005:{index:02d}",
            account_id=ACCOUNT,
            at_ms=NOW,
            kind=StatementEntryKind.INVOICE,
            amount_cents=-amount,
            balance_after_cents=balance_after,
            actor="clerk",
            transaction_id="t1",
            invoice_id=f"t1-{index + 1:02d}",
        )
        for index, (amount, balance_after) in enumerate(zip(amounts, (-28_34, -61_67, -95_00)))
    )
    settled_transaction = replace(
        transaction,
        status=CreditTransactionStatus.SETTLED,
        settled_cents=100_00,
        settled_at_ms=NOW,
        invoice_ids=("t1-01", "t1-02", "t1-03"),
    )
    assert op == LedgerOp(
        "op-2",
        OpKind.SETTLE,
        ACCOUNT,
        NOW,
        "clerk",
        "t1",
        revision=5,
        transaction=settled_transaction,
        invoices=invoices,
        entries=entries,
    )
    assert effect == LedgerEffect(
        balance_delta_cents=-100_00,
        remove_hold=Hold("t1", 100_00, EXPIRES),
        set_open_invoices=tuple(OpenInvoice(i.id, i.amount_cents, i.due_date) for i in invoices),
        set_refundable=(("t1", 100_00),),
    )


def test_settling_less_than_authorized_invoices_the_settled_amount_and_releases_the_whole_hold():
    transaction = authorized(installments=1)

    op, effect = plan_settle(
        holding(transaction),
        transaction,
        Decimal("60.00"),
        op_id="op-2",
        settings=StoreSettings(),
        actor="clerk",
        now_ms=NOW,
    )

    assert op.transaction is not None and op.transaction.settled_cents == 60_00
    assert [i.amount_cents for i in op.invoices] == [60_00]
    assert effect.balance_delta_cents == -60_00
    assert effect.remove_hold == Hold("t1", 100_00, EXPIRES)
    assert effect.set_refundable == (("t1", 60_00),)


def test_settling_more_than_the_hold_is_refused():
    transaction = authorized()

    with pytest.raises(CreditRuleViolation) as violation:
        plan_settle(
            holding(transaction),
            transaction,
            Decimal("100.01"),
            op_id="op-2",
            settings=StoreSettings(),
            actor="clerk",
            now_ms=NOW,
        )

    assert refused(violation)[1] is CreditErrorCode.AMOUNT_EXCEEDS_AUTHORIZATION


def test_an_authorized_transaction_whose_hold_is_gone_is_settled_as_expired():
    with pytest.raises(CreditRuleViolation) as violation:
        plan_settle(
            Ledger(ACCOUNT),
            authorized(),
            Decimal("10.00"),
            op_id="op-2",
            settings=StoreSettings(),
            actor="clerk",
            now_ms=NOW,
        )

    assert refused(violation) == (
        "transactionId",
        CreditErrorCode.TRANSACTION_NOT_AUTHORIZED,
        "Only an AUTHORIZED transaction can be settled; this one is EXPIRED.",
    )


def test_a_settled_transaction_is_not_settled_again():
    with pytest.raises(CreditRuleViolation) as violation:
        plan_settle(
            Ledger(ACCOUNT),
            settled(),
            Decimal("10.00"),
            op_id="op-2",
            settings=StoreSettings(),
            actor="clerk",
            now_ms=NOW,
        )

    assert refused(violation)[2] == "Only an AUTHORIZED transaction can be settled; this one is SETTLED."


def test_cancelling_releases_the_hold_as_the_next_revision():
    transaction = authorized()

    op, effect = plan_cancel(holding(transaction, revision=2), transaction, op_id="op-3", actor="clerk", now_ms=NOW)

    assert op == LedgerOp(
        "op-3",
        OpKind.CANCEL,
        ACCOUNT,
        NOW,
        "clerk",
        "t1",
        revision=3,
        transaction=replace(transaction, status=CreditTransactionStatus.CANCELLED),
    )
    assert effect == LedgerEffect(remove_hold=Hold("t1", 100_00, EXPIRES))


def test_a_hold_can_be_cancelled_until_the_millisecond_before_it_expires():
    transaction = authorized()

    op, _ = plan_cancel(holding(transaction), transaction, op_id="op-3", actor="clerk", now_ms=EXPIRES - 1)

    assert op.transaction is not None and op.transaction.status is CreditTransactionStatus.CANCELLED


@pytest.mark.parametrize(
    ("ledger", "now_ms"),
    [(holding(authorized()), EXPIRES), (Ledger(ACCOUNT), NOW)],
    ids=["hold at its expiry", "hold already released"],
)
def test_cancelling_an_expired_authorization_is_refused_as_expired(ledger, now_ms):
    with pytest.raises(CreditRuleViolation) as violation:
        plan_cancel(ledger, authorized(), op_id="op-3", actor="clerk", now_ms=now_ms)

    assert refused(violation) == (
        "transactionId",
        CreditErrorCode.TRANSACTION_EXPIRED,
        "The authorization has expired; nothing is held.",
    )


def test_cancelling_a_settled_transaction_is_refused_as_not_authorized():
    with pytest.raises(CreditRuleViolation) as violation:
        plan_cancel(Ledger(ACCOUNT), settled(), op_id="op-3", actor="clerk", now_ms=NOW)

    assert refused(violation) == (
        "transactionId",
        CreditErrorCode.TRANSACTION_NOT_AUTHORIZED,
        "Only an AUTHORIZED transaction can be cancelled; this one is SETTLED.",
    )


def test_the_sweeper_releases_a_hold_at_its_expiry_as_the_system():
    transaction = authorized()

    plan = plan_expiry(holding(transaction, revision=6), transaction, op_id="op-4", now_ms=EXPIRES)

    assert plan == (
        LedgerOp(
            "op-4",
            OpKind.EXPIRE,
            ACCOUNT,
            EXPIRES,
            "system",
            "t1",
            revision=7,
            transaction=replace(transaction, status=CreditTransactionStatus.EXPIRED),
        ),
        LedgerEffect(remove_hold=Hold("t1", 100_00, EXPIRES)),
    )


@pytest.mark.parametrize(
    ("ledger", "now_ms"),
    [(holding(authorized()), EXPIRES - 1), (Ledger(ACCOUNT), EXPIRES)],
    ids=["hold not yet expired", "no hold"],
)
def test_the_sweeper_has_nothing_to_release_before_expiry_or_without_a_hold(ledger, now_ms):
    assert plan_expiry(ledger, authorized(), op_id="op-4", now_ms=now_ms) is None


def paid_first_invoice_ledger(*, balance_cents: int = 0, revision: int = 0, refundable: int = 100_00) -> Ledger:
    """t1 settled for 100.00: the first invoice paid, the third postponed by 5 days."""
    return Ledger(
        ACCOUNT,
        balance_cents=balance_cents,
        revision=revision,
        open_invoices={
            "t1-02": OpenInvoice("t1-02", 33_33, DUES[1]),
            "t1-03": OpenInvoice("t1-03", 33_33, date(2026, 4, 6)),
        },
        refundable={"t1": refundable},
    )


def three_invoices() -> list[Invoice]:
    return [invoice(1, 33_34, InvoiceStatus.PAID), invoice(2, 33_33), invoice(3, 33_33)]


def test_a_refund_lowers_the_open_invoices_from_the_last_one_backwards():
    ledger = paid_first_invoice_ledger(balance_cents=-66_66, revision=8)

    op, effect = plan_refund_of(
        ledger, settled(), three_invoices(), Decimal("50.00"), op_id="op-5", actor="clerk", now_ms=NOW
    )

    cancelled_third = replace(invoice(3, 33_33), amount_cents=0, status=InvoiceStatus.CANCELLED, cancelled_at_ms=NOW)
    lowered_second = replace(invoice(2, 33_33), amount_cents=16_66)
    entry = StatementEntry(
        id=f"e:{ACCOUNT}:0000000009:00",
        account_id=ACCOUNT,
        at_ms=NOW,
        kind=StatementEntryKind.REFUND,
        amount_cents=50_00,
        balance_after_cents=-16_66,
        actor="clerk",
        transaction_id="t1",
    )
    assert op == LedgerOp(
        "op-5",
        OpKind.REFUND,
        ACCOUNT,
        NOW,
        "clerk",
        "t1",
        revision=9,
        transaction=replace(settled(), refunded_cents=50_00),
        invoices=(cancelled_third, lowered_second),
        entries=(entry,),
    )
    assert effect == LedgerEffect(
        balance_delta_cents=50_00,
        set_open_invoices=(OpenInvoice("t1-02", 16_66, DUES[1]),),
        close_invoices=("t1-03",),
        set_refundable=(("t1", 50_00),),
    )


def test_a_lowered_invoice_keeps_the_due_date_the_account_holds_for_it():
    op, effect = plan_refund_of(
        paid_first_invoice_ledger(), settled(), three_invoices(), Decimal("10.00"), op_id="op-5", actor="c", now_ms=NOW
    )

    assert [(i.id, i.amount_cents, i.due_date) for i in op.invoices] == [("t1-03", 23_33, date(2026, 4, 6))]
    assert effect.set_open_invoices == (OpenInvoice("t1-03", 23_33, date(2026, 4, 6)),)
    assert effect.close_invoices == ()


def test_an_invoice_the_account_no_longer_lists_as_open_is_not_lowered_even_if_its_document_reads_open():
    ledger = Ledger(ACCOUNT, open_invoices={"t1-02": OpenInvoice("t1-02", 33_33, DUES[1])}, refundable={"t1": 100_00})

    op, effect = plan_refund_of(
        ledger, settled(), three_invoices(), Decimal("40.00"), op_id="op-5", actor="c", now_ms=NOW
    )

    assert [i.id for i in op.invoices] == ["t1-02"]
    assert effect.close_invoices == ("t1-02",)
    assert effect.balance_delta_cents == 40_00
    assert effect.set_refundable == (("t1", 60_00),)


def test_a_refund_beyond_what_is_still_refundable_is_refused():
    ledger = paid_first_invoice_ledger(refundable=30_00)

    with pytest.raises(CreditRuleViolation) as violation:
        plan_refund_of(ledger, settled(70_00), three_invoices(), Decimal("30.01"), op_id="op-5", actor="c", now_ms=NOW)

    assert refused(violation) == (
        "amount",
        CreditErrorCode.AMOUNT_EXCEEDS_REFUNDABLE,
        "The amount is more than the 30.00 still refundable.",
    )


def test_what_is_still_refundable_comes_from_the_account_not_the_transaction_document():
    ledger = Ledger(ACCOUNT, refundable={"t1": 30_00})

    op, effect = plan_refund_of(ledger, settled(), [], Decimal("30.00"), op_id="op-5", actor="c", now_ms=NOW)

    assert op.transaction is not None and op.transaction.refunded_cents == 100_00
    assert effect.set_refundable == (("t1", 0),)


def test_a_transaction_the_account_no_longer_lists_as_refundable_has_nothing_left_to_refund():
    with pytest.raises(CreditRuleViolation) as violation:
        plan_refund_of(Ledger(ACCOUNT), settled(100_00), [], Decimal("0.01"), op_id="op-5", actor="c", now_ms=NOW)

    assert refused(violation)[2] == "The amount is more than the 0.00 still refundable."


def test_an_unsettled_transaction_has_nothing_refundable():
    ledger = Ledger(ACCOUNT, refundable={"t1": 100_00})
    transaction = replace(authorized(), settled_cents=100_00)

    with pytest.raises(CreditRuleViolation) as violation:
        plan_refund_of(ledger, transaction, [], Decimal("1.00"), op_id="op-5", actor="c", now_ms=NOW)

    assert refused(violation)[1] is CreditErrorCode.AMOUNT_EXCEEDS_REFUNDABLE


def lowered_open_ledger(*, balance_cents: int = 0, revision: int = 0) -> Ledger:
    """The second invoice open for 20.00 after a refund, postponed to 2026-03-12."""
    open_invoice = OpenInvoice("t1-02", 20_00, date(2026, 3, 12))
    return Ledger(ACCOUNT, balance_cents=balance_cents, revision=revision, open_invoices={"t1-02": open_invoice})


@pytest.mark.parametrize(
    ("kind", "status", "entry_kind", "stamp"),
    [
        (OpKind.PAY_INVOICE, InvoiceStatus.PAID, StatementEntryKind.PAYMENT, "paid_at_ms"),
        (OpKind.CANCEL_INVOICE, InvoiceStatus.CANCELLED, StatementEntryKind.CANCELLATION, "cancelled_at_ms"),
    ],
)
def test_paying_or_cancelling_an_invoice_closes_it_for_what_is_still_due(kind, status, entry_kind, stamp):
    ledger = lowered_open_ledger(balance_cents=-50_00, revision=3)

    op, effect = plan_invoice_settlement(ledger, invoice(2, 33_33), kind, op_id="op-6", actor="clerk", now_ms=NOW)

    after = replace(invoice(2, 33_33), status=status, amount_cents=20_00, due_date=date(2026, 3, 12), **{stamp: NOW})
    entry = StatementEntry(
        id=f"e:{ACCOUNT}:0000000004:00",
        account_id=ACCOUNT,
        at_ms=NOW,
        kind=entry_kind,
        amount_cents=20_00,
        balance_after_cents=-30_00,
        actor="clerk",
        transaction_id="t1",
        invoice_id="t1-02",
    )
    assert op == LedgerOp("op-6", kind, ACCOUNT, NOW, "clerk", "t1-02", revision=4, invoices=(after,), entries=(entry,))
    assert effect == LedgerEffect(balance_delta_cents=20_00, close_invoices=("t1-02",))


@pytest.mark.parametrize(
    ("kind", "document_status", "expected"),
    [
        (OpKind.PAY_INVOICE, InvoiceStatus.OPEN, (CreditErrorCode.INVOICE_NOT_OPEN, "this one is PAID.")),
        (OpKind.PAY_INVOICE, InvoiceStatus.CANCELLED, (CreditErrorCode.INVOICE_NOT_OPEN, "this one is CANCELLED.")),
        (OpKind.CANCEL_INVOICE, InvoiceStatus.OPEN, (CreditErrorCode.INVOICE_PAID, "refund the transaction.")),
        (OpKind.CANCEL_INVOICE, InvoiceStatus.CANCELLED, (CreditErrorCode.INVOICE_NOT_OPEN, "this one is CANCELLED.")),
    ],
    ids=["pay lagging open", "pay cancelled", "cancel lagging open", "cancel cancelled"],
)
def test_an_invoice_the_account_does_not_list_as_open_is_closed_already(kind, document_status, expected):
    """A document still reading OPEN is one whose payment has not been written back yet: PAID."""
    with pytest.raises(CreditRuleViolation) as violation:
        plan_invoice_settlement(
            Ledger(ACCOUNT), invoice(2, 33_33, document_status), kind, op_id="op-6", actor="c", now_ms=NOW
        )

    field, code, message = refused(violation)
    assert (field, code) == ("invoiceId", expected[0])
    assert message.endswith(expected[1])


def test_postponing_moves_the_due_date_the_account_holds():
    settings = StoreSettings(max_postponement_days=30)

    op, effect = plan_postponement(
        lowered_open_ledger(revision=1), invoice(2, 33_33), 10, settings=settings, op_id="op-7", actor="c", now_ms=NOW
    )

    after = replace(invoice(2, 33_33), amount_cents=20_00, due_date=date(2026, 3, 22))
    assert op == LedgerOp("op-7", OpKind.POSTPONE_INVOICE, ACCOUNT, NOW, "c", "t1-02", revision=2, invoices=(after,))
    assert effect == LedgerEffect(set_open_invoices=(OpenInvoice("t1-02", 20_00, date(2026, 3, 22)),))


def test_postponements_add_up_from_the_due_date_the_account_holds():
    """Already postponed by 10 days (2026-03-02 to 2026-03-12): 21 more pass a 30-day ceiling."""
    with pytest.raises(CreditRuleViolation) as violation:
        plan_postponement(
            lowered_open_ledger(),
            invoice(2, 33_33),
            21,
            settings=StoreSettings(max_postponement_days=30),
            op_id="op-7",
            actor="c",
            now_ms=NOW,
        )

    assert refused(violation) == (
        "days",
        CreditErrorCode.INVALID_POSTPONEMENT,
        "An invoice can be postponed by at most 30 days in total; 20 are left.",
    )


def test_postponing_needs_the_store_to_allow_it():
    with pytest.raises(CreditRuleViolation) as violation:
        plan_postponement(
            lowered_open_ledger(),
            invoice(2, 33_33),
            1,
            settings=StoreSettings(postponement_enabled=False),
            op_id="op-7",
            actor="c",
            now_ms=NOW,
        )

    assert refused(violation)[1] is CreditErrorCode.POSTPONEMENT_DISABLED


def test_an_invoice_the_account_does_not_list_as_open_is_not_postponed():
    with pytest.raises(CreditRuleViolation) as violation:
        plan_postponement(
            Ledger(ACCOUNT), invoice(2, 33_33), 1, settings=StoreSettings(), op_id="op-7", actor="c", now_ms=NOW
        )

    assert refused(violation) == (
        "invoiceId",
        CreditErrorCode.INVOICE_NOT_OPEN,
        "Only an OPEN invoice can be postponed; this one is PAID.",
    )


def test_an_adjustment_is_one_entry_with_its_note():
    op, effect = plan_adjustment(
        Ledger(ACCOUNT, balance_cents=-10_00, revision=11), -2_50, "goodwill", op_id="op-8", actor="admin", now_ms=NOW
    )

    entry = StatementEntry(
        id=f"e:{ACCOUNT}:0000000012:00",
        account_id=ACCOUNT,
        at_ms=NOW,
        kind=StatementEntryKind.ADJUSTMENT,
        amount_cents=-2_50,
        balance_after_cents=-12_50,
        actor="admin",
        note="goodwill",
    )
    assert op == LedgerOp("op-8", OpKind.ADJUST, ACCOUNT, NOW, "admin", entry.id, revision=12, entries=(entry,))
    assert effect == LedgerEffect(balance_delta_cents=-2_50)
