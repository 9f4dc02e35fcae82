"""Duplicate detection inside a file uses the keys the unique indexes use, and only among rows
that would hold them (open accounts)."""

from __future__ import annotations

from tests.support.accounts import close_account, open_account
from tests.support.csv_files import csv_file, row
from tests.support.documents import CPF
from tests.support.imports import counts, error_triples, import_and_wait

FULL_WIDTH_CPF = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in CPF)  # "５２９.９８２.２４７-２５"


async def test_a_cpf_in_full_width_digits_is_a_duplicate_of_the_same_cpf_in_ascii(client, worker):
    file = csv_file([row("", "ascii@example.com", CPF, "CPF"), row("", "wide@example.com", FULL_WIDTH_CPF, "CPF")])

    run = await import_and_wait(client, file, "CREATE")

    assert error_triples(run) == [(3, "Document", "DUPLICATE_IN_FILE")]
    assert counts(run)["createdCount"] == 1


async def test_a_document_written_with_other_punctuation_is_a_duplicate(client, worker):
    file = csv_file([row("", "one@example.com", CPF, "CPF"), row("", "two@example.com", "52998224725", "cpf")])

    run = await import_and_wait(client, file, "CREATE")

    assert error_triples(run) == [(3, "Document", "DUPLICATE_IN_FILE")]


async def test_a_closed_row_sharing_a_document_with_an_open_row_is_not_a_duplicate(client, worker):
    closed = await open_account(client, email="was.here@example.com", documentType="CPF", document=CPF)
    await close_account(client, closed["id"])
    current = await open_account(client, email="is.here@example.com", documentType="CPF", document=CPF)
    file = csv_file(
        [
            row(current["id"], "is.here@example.com", CPF, "CPF", status="Open"),
            row(closed["id"], "was.here@example.com", CPF, "CPF", status="Closed"),
        ]
    )

    run = await import_and_wait(client, file, "UPDATE")

    assert error_triples(run) == []
    assert counts(run)["unchangedCount"] == 2


async def test_two_open_rows_sharing_a_document_are_still_duplicates_in_an_update(client, worker):
    first = await open_account(client, email="first@example.com")
    second = await open_account(client, email="second@example.com")
    file = csv_file(
        [row(first["id"], document=CPF, document_type="CPF"), row(second["id"], document=CPF, document_type="CPF")]
    )

    run = await import_and_wait(client, file, "UPDATE")

    assert error_triples(run) == [(3, "Document", "DUPLICATE_IN_FILE")]
