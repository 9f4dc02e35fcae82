"""A CSV row goes through the same rules as the API, so it can fail with every account error code."""

from __future__ import annotations

from customer_credit.csv.rows import FILE_ONLY_CODES, INVOICE_CODES, ImportRowErrorCode
from customer_credit.domain.credit import CreditErrorCode
from customer_credit.domain.errors import AccountErrorCode


def test_every_account_error_code_is_an_import_row_error_code_in_the_same_order():
    account_codes = [code.value for code in AccountErrorCode]

    assert [code.value for code in ImportRowErrorCode][: len(account_codes)] == account_codes


def test_the_other_import_row_error_codes_are_the_file_only_and_the_invoice_ones():
    extra = set(ImportRowErrorCode) - {ImportRowErrorCode(code.value) for code in AccountErrorCode}

    assert extra == set(FILE_ONLY_CODES) | set(INVOICE_CODES)


def test_every_invoice_code_is_a_credit_error_code():
    assert {code.value for code in INVOICE_CODES} <= {code.value for code in CreditErrorCode}
