"""CREATE imports: good rows are created, every bad row is reported at its row and column, and one
bad row never stops the others."""

from __future__ import annotations

import uuid

from customer_credit.persistence.database import ACCOUNT_EVENTS
from tests.support.accounts import (
    account_by_email,
    account_with_history,
    accounts_by_email,
    close_account,
    open_account,
)
from tests.support.csv_files import csv_text, row
from tests.support.documents import CNPJ, CPF, OTHER_CPF
from tests.support.imports import counts, error_triples, import_and_wait

# Row numbers are spreadsheet rows: the header is row 1, and the blank lines (rows 14 and 15) count.
BEFORE_BLANKS = [
    row("", "good.one@example.com", CPF, "CPF", "1500.50", "5%", "Open", "first good row"),  # 2
    row("", "", "", "", "10"),  # 3
    row("bad id!", "bad.id@example.com"),  # 4
    row("", "not-an-email"),  # 5
    row("", "bad.doc@example.com", "123.456.789-00", "CPF"),  # 6
    row("", "bad.type@example.com", "X1", "Passport"),  # 7
    row("", "negative@example.com", credit_limit="-5"),  # 8
    row("", "ambiguous@example.com", credit_limit="1,500"),  # 9
    row("", "tolerance@example.com", tolerance="150%"),  # 10
    row("", "TAKEN@example.com"),  # 11
    row("", "doc.in.use@example.com", "11144477735", "cpf"),  # 12
    row("taken-id", "exists@example.com"),  # 13
]
AFTER_BLANKS = [
    row("imp-1", "Dup@Example.com", CNPJ, "CNPJ", "0", "0"),  # 16
    row("imp-1", "other@example.com"),  # 17
    row("", "dup@EXAMPLE.com"),  # 18
    row("", "dup.doc@example.com", "11222333000181", "CNPJ"),  # 19
    row("", "status@example.com", status="Maybe"),  # 20
    (*row("", "malformed@example.com"), "surplus"),  # 21
    row("", "closed@example.com", status="Closed"),  # 22
    row("", "good.three@example.com", description="last good row"),  # 23
]
MIXED_FILE = (csv_text(BEFORE_BLANKS) + "\r\n,,,,,,,\r\n" + csv_text(AFTER_BLANKS, header=None)).encode()

EXPECTED_ERRORS = [
    (3, "Email", "REQUIRED"),
    (4, "Id", "INVALID_ID"),
    (5, "Email", "INVALID_EMAIL"),
    (6, "Document", "INVALID_DOCUMENT"),
    (7, "Document Type", "INVALID_DOCUMENT_TYPE"),
    (8, "Credit Limit", "INVALID_CREDIT_LIMIT"),
    (9, "Credit Limit", "INVALID_CREDIT_LIMIT"),
    (10, "Tolerance", "INVALID_TOLERANCE"),
    (11, "Email", "EMAIL_IN_USE"),
    (12, "Document", "DOCUMENT_IN_USE"),
    (13, "Id", "ACCOUNT_EXISTS"),
    (17, "Id", "DUPLICATE_IN_FILE"),
    (18, "Email", "DUPLICATE_IN_FILE"),
    (19, "Document", "DUPLICATE_IN_FILE"),
    (20, "Status", "INVALID_STATUS"),
    (21, None, "MALFORMED_ROW"),
    (22, "Status", "INVALID_STATUS"),
]
DATA_ROWS = len(BEFORE_BLANKS) + len(AFTER_BLANKS)
GOOD_EMAILS = ("good.one@example.com", "dup@example.com", "good.three@example.com")


async def import_mixed_file(client) -> dict:
    await open_account(client, id="taken-id", email="taken@example.com", documentType="CPF", document=OTHER_CPF)
    return await import_and_wait(client, MIXED_FILE, "CREATE")


async def test_every_row_error_is_reported_at_its_row_and_column(client, worker):
    run = await import_mixed_file(client)

    assert error_triples(run) == EXPECTED_ERRORS
    assert run["errors"]["totalCount"] == len(EXPECTED_ERRORS)


async def test_counts_add_up_and_blank_lines_are_skipped(client, worker):
    run = await import_mixed_file(client)

    assert run["status"] == "COMPLETED_WITH_ERRORS"
    assert counts(run) == {
        "totalRows": DATA_ROWS,
        "processedRows": DATA_ROWS,
        "createdCount": 3,
        "updatedCount": 0,
        "unchangedCount": 0,
        "failedCount": DATA_ROWS - 3,
    }
    assert run["errorReportUrl"] == f"/imports/{run['id']}/errors.csv"


async def test_good_rows_are_created_with_their_values(client, worker):
    await import_mixed_file(client)

    first = await account_by_email(client, "good.one@example.com")
    assert (
        first["documentType"],
        first["document"],
        first["creditLimit"],
        first["tolerance"],
        first["description"],
    ) == ("CPF", "52998224725", "1500.50", "0.05", "first good row")
    second = await account_by_email(client, "dup@example.com")
    assert (second["id"], second["document"], second["creditLimit"]) == ("imp-1", "11222333000181", "0.00")
    third = await account_by_email(client, "good.three@example.com")
    assert (third["creditLimit"], third["tolerance"], third["status"]) == ("100.00", "0.00", "OPEN")


async def test_failed_rows_create_no_account(client, worker):
    await import_mixed_file(client)

    for email in (
        "bad.id@example.com",
        "bad.doc@example.com",
        "negative@example.com",
        "ambiguous@example.com",
        "tolerance@example.com",
        "doc.in.use@example.com",
        "exists@example.com",
        "other@example.com",
        "dup.doc@example.com",
        "status@example.com",
        "malformed@example.com",
        "closed@example.com",
    ):
        assert await accounts_by_email(client, email) == [], email
    assert len(await accounts_by_email(client, "taken@example.com")) == 1


async def test_in_use_errors_name_the_account_that_holds_the_value(client, worker):
    run = await import_mixed_file(client)

    holders = {e["code"]: e["accountId"] for e in run["errors"]["nodes"] if e["row"] in (11, 12, 13)}
    assert holders == {"EMAIL_IN_USE": "taken-id", "DOCUMENT_IN_USE": "taken-id", "ACCOUNT_EXISTS": "taken-id"}


async def test_created_accounts_have_an_import_event_with_the_run_id(client, worker):
    run = await import_mixed_file(client)

    for email in GOOD_EMAILS:
        account = await account_with_history(client, (await account_by_email(client, email))["id"])
        assert account["version"] == 1
        assert account["history"]["totalCount"] == 1
        [event] = account["history"]["nodes"]
        assert (event["version"], event["source"], event["importRunId"], event["actor"]) == (
            1,
            "IMPORT",
            run["id"],
            "tester",
        )
        assert {"field": "email", "from": None, "to": account["email"]} in event["changes"]


async def test_a_created_accounts_first_event_is_stored_apart_by_its_first_change(client, database, worker):
    await import_and_wait(client, csv_text([row("imp-1", "ana@example.com")]).encode())
    stored = database.collection(ACCOUNT_EVENTS)
    assert await stored.count_documents({"account_id": "imp-1"}) == 0  # the import keeps it in the account

    await open_account(client, id="imp-1", email="ana@example.com", description="changed")

    assert sorted(event["version"] for event in await stored.find({"account_id": "imp-1"}).to_list(None)) == [1, 2]
    history = (await account_with_history(client, "imp-1"))["history"]
    assert [node["version"] for node in history["nodes"]] == [2, 1]
    assert history["totalCount"] == 2


async def test_generated_ids_are_uuids(client, worker):
    await import_mixed_file(client)

    account = await account_by_email(client, "good.one@example.com")
    assert uuid.UUID(account["id"]).version == 4


async def test_error_columns_are_the_headers_as_written_in_the_file(client, worker):
    header = ("ID", "e-mail", "Documento", "tipo de documento", "creditLimit", "Tolerância", "SITUAÇÃO", "description")
    content = csv_text(
        [
            ("bad id!", "a@example.com", "", "", "", "", "", ""),
            ("", "b@example.com", "1", "CPF", "", "", "", ""),
            ("", "c@example.com", "1", "Passport", "", "", "", ""),
            ("", "d@example.com", "", "", "abc", "", "", ""),
            ("", "e@example.com", "", "", "", "2", "", ""),
            ("", "f@example.com", "", "", "", "", "Maybe", ""),
            ("", "", "", "", "", "", "", "no email"),
        ],
        header,
    ).encode()

    run = await import_and_wait(client, content, "CREATE")

    assert error_triples(run) == [
        (2, "ID", "INVALID_ID"),
        (3, "Documento", "INVALID_DOCUMENT"),
        (4, "tipo de documento", "INVALID_DOCUMENT_TYPE"),
        (5, "creditLimit", "INVALID_CREDIT_LIMIT"),
        (6, "Tolerância", "INVALID_TOLERANCE"),
        (7, "SITUAÇÃO", "INVALID_STATUS"),
        (8, "e-mail", "REQUIRED"),
    ]


async def test_a_row_with_several_bad_cells_reports_each(client, worker):
    content = csv_text([row("", "not-an-email", "", "", "1,500", "2")]).encode()

    run = await import_and_wait(client, content, "CREATE")

    assert sorted(error_triples(run)) == [
        (2, "Credit Limit", "INVALID_CREDIT_LIMIT"),
        (2, "Email", "INVALID_EMAIL"),
        (2, "Tolerance", "INVALID_TOLERANCE"),
    ]
    assert (run["failedCount"], run["processedRows"]) == (1, 1)


async def test_document_without_type_is_required(client, worker):
    content = csv_text([row("", "a@example.com", CPF, "")]).encode()

    run = await import_and_wait(client, content, "CREATE")

    assert error_triples(run) == [(2, "Document Type", "REQUIRED")]


async def test_a_file_of_good_rows_succeeds(client, worker):
    content = csv_text([row("", f"user{i}@example.com") for i in range(7)]).encode()

    run = await import_and_wait(client, content, "CREATE")

    assert run["status"] == "SUCCEEDED"
    assert counts(run) == {
        "totalRows": 7,
        "processedRows": 7,
        "createdCount": 7,
        "updatedCount": 0,
        "unchangedCount": 0,
        "failedCount": 0,
    }
    assert run["errorReportUrl"] is None
    assert run["errors"]["totalCount"] == 0


async def test_a_bad_document_type_is_not_also_reported_as_missing(client, worker):
    content = csv_text([row("", "a@example.com", CPF, "Passport", "abc")]).encode()

    run = await import_and_wait(client, content, "CREATE")

    assert sorted(error_triples(run)) == [
        (2, "Credit Limit", "INVALID_CREDIT_LIMIT"),
        (2, "Document Type", "INVALID_DOCUMENT_TYPE"),
    ]


async def test_a_bad_id_and_a_bad_email_are_both_reported(client, worker):
    content = csv_text([row("bad id!", "not-an-email")]).encode()

    run = await import_and_wait(client, content, "CREATE")

    assert error_triples(run) == [(2, "Id", "INVALID_ID"), (2, "Email", "INVALID_EMAIL")]


async def test_a_description_over_500_characters_is_invalid(client, worker):
    content = csv_text([row("", "long@example.com", description="x" * 501)]).encode()

    run = await import_and_wait(client, content, "CREATE")

    assert error_triples(run) == [(2, "Description", "INVALID_DESCRIPTION")]


async def test_the_email_and_document_of_a_closed_account_are_free(client, worker):
    await open_account(client, id="old", email="reuse@example.com", documentType="CPF", document=CPF)
    await close_account(client, "old")

    run = await import_and_wait(client, csv_text([row("", "reuse@example.com", CPF, "CPF")]).encode(), "CREATE")

    assert (run["createdCount"], run["failedCount"]) == (1, 0)
