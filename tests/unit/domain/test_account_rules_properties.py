"""Property tests of the account rules: whatever comes in, the answer is a valid result or an
`AccountRuleViolation` with a code, never another exception; a valid result obeys the rules."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from customer_credit.domain.accounts import (
    AccountFields,
    AccountRequest,
    AccountStatus,
    DocumentType,
    credit_limit_cents,
    normalize_document,
    normalize_email,
    tolerance_units,
    validate_request,
)
from customer_credit.domain.errors import AccountErrorCode, AccountRuleViolation
from customer_credit.domain.money import MAX_CREDIT_LIMIT_CENTS, TOLERANCE_SCALE
from tests.support.documents import full_width, math_bold

from .strategies import any_decimal, cpf_with_check_digits, hostile_text, punctuated, valid_cnpjs, valid_cpfs

CODES = set(AccountErrorCode)
ASCII_DOCUMENT = re.compile(r"[0-9A-Z]+")


def assert_violation(violation: AccountRuleViolation, *allowed: AccountErrorCode) -> None:
    assert violation.errors, "a violation names at least one error"
    for error in violation.errors:
        assert error.code in (allowed or CODES)
        assert error.message.english


# --- email ------------------------------------------------------------------------------------


@given(hostile_text)
@example("\ud800@example.com")
@example("a@\udfff.com")
@example("ana@exa\u0000mple.com")
@example("a" * 65 + "@example.com")
@example("ana@" + "a" * 300 + ".com")
def test_normalize_email_returns_an_address_or_invalid_email(raw):
    try:
        email = normalize_email(raw)
    except AccountRuleViolation as violation:
        assert_violation(violation, AccountErrorCode.INVALID_EMAIL)
        return
    assert isinstance(email, str) and "@" in email
    assert email == email.strip()


@given(st.emails())
def test_every_valid_address_normalises_to_itself_on_a_second_pass(raw):
    try:
        email = normalize_email(raw)
    except AccountRuleViolation:
        return  # hypothesis' emails() allows forms the validator refuses (a quoted local part, say)
    assert normalize_email(email) == email


@given(st.emails(), st.sampled_from(["", " ", "\t", "  \n"]))
def test_surrounding_whitespace_does_not_change_an_address(raw, space):
    try:
        expected = normalize_email(raw)
    except AccountRuleViolation:
        return
    assert normalize_email(space + raw + space) == expected


# --- documents --------------------------------------------------------------------------------


@pytest.mark.parametrize("document_type", list(DocumentType))
@given(raw=hostile_text)
@example(raw="٥٢٩٩٨٢٢٤٧٢٥")  # a valid CPF in Arabic-Indic digits
def test_normalize_document_returns_ascii_or_invalid_document(document_type, raw):
    try:
        document = normalize_document(document_type, raw)
    except AccountRuleViolation as violation:
        assert_violation(violation, AccountErrorCode.INVALID_DOCUMENT)
        return
    # Only ASCII: another script's digits would make a second key for the same document.
    assert ASCII_DOCUMENT.fullmatch(document), document
    assert normalize_document(document_type, document) == document


@pytest.mark.parametrize(
    ("document_type", "raw", "plain"),
    [
        (DocumentType.CPF, full_width("529.982.247-25"), "52998224725"),
        (DocumentType.CPF, math_bold("52998224725"), "52998224725"),
        (DocumentType.CNPJ, full_width("11.222.333/0001-81"), "11222333000181"),
        (DocumentType.CNPJ, math_bold("12") + "ABC" + math_bold("34501") + "DE" + math_bold("35"), "12ABC34501DE35"),
    ],
    ids=["cpf-full-width", "cpf-math-bold", "cnpj-full-width", "alphanumeric-cnpj-math-bold"],
)
def test_a_document_in_lookalike_digits_is_the_same_document_in_ascii(document_type, raw, plain):
    """NFKC, then ASCII only: full-width and mathematical digits are the document's own digits, so
    the same CPF/CNPJ never gets a second document_key."""
    assert normalize_document(document_type, raw) == plain


@given(punctuated(valid_cpfs))
def test_a_valid_cpf_with_any_separators_is_the_same_cpf(case):
    plain, written = case

    assert normalize_document(DocumentType.CPF, written) == plain


@given(punctuated(valid_cnpjs))
def test_a_valid_cnpj_with_any_separators_is_the_same_cnpj(case):
    plain, written = case

    assert normalize_document(DocumentType.CNPJ, written) == plain


@given(valid_cnpjs)
def test_an_alphanumeric_cnpj_in_lower_case_is_the_same_cnpj(plain):
    assert normalize_document(DocumentType.CNPJ, plain.lower()) == plain


@given(
    st.one_of(valid_cpfs, st.text("0123456789", min_size=11, max_size=11)),
    st.integers(min_value=0, max_value=10),
    st.integers(min_value=0, max_value=9),
)
def test_an_eleven_digit_cpf_is_valid_exactly_when_its_check_digits_are(cpf_digits, position, digit):
    """Against an independent implementation of the check digits (one changed digit is usually,
    not always, caught: the scheme maps remainders 10 and 0 to the same digit)."""
    candidate = cpf_digits[:position] + str(digit) + cpf_digits[position + 1 :]
    expected = candidate == cpf_with_check_digits(candidate[:9]) and len(set(candidate)) > 1

    try:
        normalize_document(DocumentType.CPF, candidate)
        accepted = True
    except AccountRuleViolation:
        accepted = False

    assert accepted is expected


@pytest.mark.parametrize("digit", "0123456789")
def test_a_cpf_of_one_repeated_digit_is_invalid(digit):
    with pytest.raises(AccountRuleViolation):
        normalize_document(DocumentType.CPF, digit * 11)


# --- money ------------------------------------------------------------------------------------


@given(any_decimal)
def test_credit_limit_is_cents_in_range_or_invalid_credit_limit(value):
    try:
        cents = credit_limit_cents(value)
    except AccountRuleViolation as violation:
        assert_violation(violation, AccountErrorCode.INVALID_CREDIT_LIMIT)
        return
    assert isinstance(cents, int) and 0 <= cents <= MAX_CREDIT_LIMIT_CENTS
    assert Decimal(cents) / 100 == value


@given(any_decimal)
def test_tolerance_is_units_in_range_or_invalid_tolerance(value):
    try:
        units = tolerance_units(value)
    except AccountRuleViolation as violation:
        assert_violation(violation, AccountErrorCode.INVALID_TOLERANCE)
        return
    assert isinstance(units, int) and 0 <= units <= TOLERANCE_SCALE
    assert Decimal(units) / TOLERANCE_SCALE == value


@given(st.decimals(min_value=0, max_value=1_000_000_000, places=3, allow_nan=False))
def test_a_third_decimal_place_is_refused_never_rounded(value):
    assume(value != value.quantize(Decimal("0.01")))

    with pytest.raises(AccountRuleViolation):
        credit_limit_cents(value)


# --- the whole request ------------------------------------------------------------------------

maybe_text = st.one_of(st.none(), hostile_text, st.emails())
maybe_decimal = st.one_of(st.none(), any_decimal)


def requests_with(email: st.SearchStrategy) -> st.SearchStrategy[AccountRequest]:
    return st.builds(
        AccountRequest,
        email=email,
        document_type=st.one_of(
            st.none(), st.sampled_from(["CPF", "CNPJ", "OTHER", "cpf", " Cnpj ", "other", ""]), hostile_text
        ),
        document=st.one_of(maybe_text, valid_cpfs, valid_cnpjs),
        credit_limit=maybe_decimal,
        tolerance=maybe_decimal,
        description=maybe_text,
        close=st.booleans(),
    )


requests = requests_with(maybe_text)
# What storage can hold as a description: what normalize_description keeps (stripped, not empty), or
# None for no description; never '' nor surrounding whitespace.
stored_descriptions = st.one_of(st.none(), st.text(min_size=1, max_size=20).map(str.strip).filter(bool))
currents = st.one_of(
    st.none(),
    st.builds(
        lambda document, **fields: AccountFields(
            document_type=DocumentType.CPF if document else None, document=document, **fields
        ),
        email=st.just("ana@example.com"),
        document=st.sampled_from([None, "52998224725"]),
        credit_limit_cents=st.integers(min_value=0, max_value=MAX_CREDIT_LIMIT_CENTS),
        tolerance_units=st.integers(min_value=0, max_value=TOLERANCE_SCALE),
        description=stored_descriptions,
        status=st.sampled_from(list(AccountStatus)),
    ),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(requests, currents)
def test_validate_request_gives_valid_fields_or_a_violation_with_codes(request, current):
    try:
        fields = validate_request(request, current=current)
    except AccountRuleViolation as violation:
        assert_violation(violation)
        return
    assert fields.email and "@" in fields.email
    assert 0 <= fields.credit_limit_cents <= MAX_CREDIT_LIMIT_CENTS
    assert 0 <= fields.tolerance_units <= TOLERANCE_SCALE
    assert (fields.document is None) == (fields.document_type is None)
    if fields.document is not None:
        assert ASCII_DOCUMENT.fullmatch(fields.document)
    assert fields.description is None or 0 < len(fields.description) <= 500
    assert current is None or current.status is AccountStatus.OPEN


@given(requests_with(st.none()))
def test_opening_without_an_email_is_always_refused_as_required(request):
    with pytest.raises(AccountRuleViolation) as raised:
        validate_request(request, current=None)

    assert any(e.field == "email" and e.code is AccountErrorCode.REQUIRED for e in raised.value.errors)


@given(requests)
def test_a_closed_account_is_never_changed(request):
    closed = AccountFields("ana@example.com", None, None, 100_00, 0, None, AccountStatus.CLOSED)

    with pytest.raises(AccountRuleViolation) as raised:
        validate_request(request, current=closed)

    assert [e.code for e in raised.value.errors] == [AccountErrorCode.ACCOUNT_CLOSED]
