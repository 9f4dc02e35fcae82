"""Request fingerprints: a retry with the same input matches, any other input does not."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_credit.domain.credit import (
    CreditErrorCode,
    CreditRuleViolation,
    InvoiceStatus,
    check_same_request,
    request_fingerprint,
)

AUTHORIZE = {"accountId": "acc-1", "amount": Decimal("10.00"), "installments": 3, "idempotencyKey": "k-1"}


def test_a_fingerprint_is_a_sha256_hex_digest() -> None:
    digest = request_fingerprint("authorizeCredit", AUTHORIZE)

    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")


def test_a_stored_fingerprint_stays_valid_across_releases() -> None:
    # pinned: fingerprints are stored with the key for 48 hours, through deployments
    assert (
        request_fingerprint("authorizeCredit", AUTHORIZE)
        == "60f7458fe74f533906810338dbd9fb8f325459662e4444e940cc4b99c22a0f81"
    )


def test_a_stored_fingerprint_of_every_kind_of_value_stays_valid_across_releases() -> None:
    fields = {
        "note": "ação",
        "flag": True,
        "nested": {"a": [None, 1, "x"], 2: date(2026, 1, 5)},
        "rate": Decimal("1.2300500"),
        "huge": Decimal("-Infinity"),
        "status": InvoiceStatus.OPEN,
    }

    assert (
        request_fingerprint("postponeInvoice", fields)
        == "4e6c9907677fe41689ac6774168def662cd18eda3dbb0c6211fe543768c6429a"
    )


def test_a_stored_fingerprint_of_a_negative_amount_beyond_cents_stays_valid_across_releases() -> None:
    assert (
        request_fingerprint("adjustBalance", {"amount": Decimal("-0.001")})
        == "cabce80005b0a4ab0675bd8b8dfb3eae59b8fb7f43f934f80e729673eb9c17ce"
    )


def test_the_idempotency_key_under_its_python_name_is_not_part_of_the_fingerprint() -> None:
    assert request_fingerprint("settleCredit", {"amount": Decimal("1"), "idempotency_key": "a"}) == (
        request_fingerprint("settleCredit", {"amount": Decimal("1"), "idempotency_key": "b"})
    )


def test_the_idempotency_key_is_not_part_of_the_fingerprint() -> None:
    assert request_fingerprint("authorizeCredit", AUTHORIZE) == request_fingerprint(
        "authorizeCredit", {**AUTHORIZE, "idempotencyKey": "another"}
    )


def test_the_order_of_the_fields_does_not_matter() -> None:
    assert request_fingerprint("authorizeCredit", AUTHORIZE) == request_fingerprint(
        "authorizeCredit", dict(reversed(list(AUTHORIZE.items())))
    )


@pytest.mark.parametrize(("first", "second"), [("10.0", "10.00"), ("10", "1E+1"), ("0.10", "0.1"), ("-0", "0.00")])
def test_the_same_amount_written_differently_is_the_same_input(first: str, second: str) -> None:
    assert request_fingerprint("settleCredit", {"amount": Decimal(first)}) == request_fingerprint(
        "settleCredit", {"amount": Decimal(second)}
    )


def test_amounts_one_cent_apart_are_different_inputs() -> None:
    assert request_fingerprint("settleCredit", {"amount": Decimal("10.00")}) != request_fingerprint(
        "settleCredit", {"amount": Decimal("10.01")}
    )


def test_amounts_with_more_places_are_told_apart_by_value() -> None:
    one = request_fingerprint("settleCredit", {"amount": Decimal("1.001")})

    assert one == request_fingerprint("settleCredit", {"amount": Decimal("1.0010")})
    assert one != request_fingerprint("settleCredit", {"amount": Decimal("1.002")})


def test_huge_amounts_are_told_apart_digit_for_digit() -> None:
    # beyond the 28 digits of the default decimal context, where normalize() would round them together
    assert request_fingerprint("m", {"amount": Decimal("9" * 40)}) != request_fingerprint(
        "m", {"amount": Decimal("9" * 39 + "8")}
    )


def test_amounts_of_thousands_of_digits_are_fingerprinted_and_told_apart() -> None:
    assert request_fingerprint("m", {"amount": Decimal("1" * 5000)}) != request_fingerprint(
        "m", {"amount": Decimal("1" * 4999 + "2")}
    )


def test_amounts_beyond_cents_keep_their_sign() -> None:
    assert request_fingerprint("m", {"amount": Decimal("-0.001")}) != request_fingerprint(
        "m", {"amount": Decimal("0.001")}
    )


def test_the_same_input_to_another_mutation_is_another_request() -> None:
    fields = {"transactionId": "tx", "amount": Decimal("5.00")}

    assert request_fingerprint("settleCredit", fields) != request_fingerprint("refundCredit", fields)


def test_the_same_value_under_another_field_name_is_another_request() -> None:
    assert request_fingerprint("m", {"accountId": "x"}) != request_fingerprint("m", {"transactionId": "x"})


@pytest.mark.parametrize(
    ("first", "second"),
    [("10.00", Decimal("10.00")), ("1", 1), (True, 1), (False, 0), ("2024-03-01", date(2024, 3, 1)), ("", None)],
)
def test_values_of_different_kinds_are_different_inputs(first: object, second: object) -> None:
    assert request_fingerprint("m", {"f": first}) != request_fingerprint("m", {"f": second})


def test_a_field_given_as_none_is_the_same_as_a_field_not_given() -> None:
    assert request_fingerprint("authorizeCredit", {**AUTHORIZE, "orderId": None}) == request_fingerprint(
        "authorizeCredit", AUTHORIZE
    )


def test_an_enum_is_the_same_input_as_its_value() -> None:
    assert request_fingerprint("m", {"status": InvoiceStatus.OPEN}) == request_fingerprint("m", {"status": "OPEN"})


def test_a_lone_surrogate_is_fingerprinted_not_crashed_on() -> None:
    assert request_fingerprint("m", {"note": "\ud800"}) != request_fingerprint("m", {"note": "\udc00"})


def test_a_float_cannot_be_fingerprinted() -> None:
    with pytest.raises(TypeError, match="^cannot fingerprint a float$"):
        request_fingerprint("m", {"amount": 10.5})


def test_a_retry_with_the_same_fingerprint_is_the_same_request() -> None:
    digest = request_fingerprint("authorizeCredit", AUTHORIZE)

    check_same_request(digest, request_fingerprint("authorizeCredit", {**AUTHORIZE, "amount": Decimal("10.0")}))


def test_the_same_key_with_other_input_is_idempotency_key_reused() -> None:
    stored = request_fingerprint("authorizeCredit", AUTHORIZE)
    other = request_fingerprint("authorizeCredit", {**AUTHORIZE, "installments": 4})

    with pytest.raises(CreditRuleViolation) as caught:
        check_same_request(stored, other)

    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("idempotencyKey", CreditErrorCode.IDEMPOTENCY_KEY_REUSED)
    ]


scalars = st.one_of(
    st.text(max_size=20),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.booleans(),
    st.decimals(places=2, min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False),
    st.dates(),
)
inputs = st.dictionaries(st.text(min_size=1, max_size=12), scalars, max_size=6)


@given(st.text(max_size=20), inputs)
def test_equal_inputs_have_equal_fingerprints(mutation: str, fields: dict[str, object]) -> None:
    copy = {name: value for name, value in reversed(list(fields.items()))}

    assert request_fingerprint(mutation, fields) == request_fingerprint(mutation, copy)


@given(inputs, st.data())
def test_changing_any_one_field_changes_the_fingerprint(fields: dict[str, object], data: st.DataObject) -> None:
    fields = {name: value for name, value in fields.items() if name != "idempotencyKey"}
    name = data.draw(st.sampled_from(sorted(fields)) if fields else st.just("added"))
    value = data.draw(scalars)
    before = fields.get(name)
    # the same value in another spelling (10.0 vs 10.00, or 1 vs 1.00 of the same kind) is not a change
    if type(value) is type(before) and value == before:
        return

    assert request_fingerprint("m", fields) != request_fingerprint("m", {**fields, name: value})
