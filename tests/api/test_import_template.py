"""The downloadable template: its header and an example row that teaches without writing data (its Id
starts with `#`: the importer skips it and reports it nowhere), and that a filled-in template imports as typed."""

from __future__ import annotations

import csv
import io

import pytest

from tests.support.accounts import account_by_email, accounts_total
from tests.support.csv_files import HEADER
from tests.support.imports import error_triples, import_and_wait, import_runs_total, upload_csv

TEMPLATE_URL = "/imports/template.csv"


def parse(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def test_template_has_the_contract_header_and_an_example_row_marked_as_a_note(client):
    response = await client.get(TEMPLATE_URL)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = parse(response.content)
    assert rows[0] == list(HEADER)
    assert len(rows) == 2
    example = dict(zip(rows[0], rows[1]))
    assert example["Id"].startswith("#")
    assert "@" in example["Email"]
    assert example["Document Type"] in {"CPF", "CNPJ", "Other"}
    assert example["Status"] == "Open"
    assert "skipped" in example["Description"]


@pytest.mark.parametrize("mode", ["CREATE", "UPDATE"])
@pytest.mark.parametrize("dry_run", [False, True])
async def test_the_untouched_template_imports_nothing_and_says_it_holds_only_an_example(client, mode, dry_run):
    template = (await client.get(TEMPLATE_URL)).content

    payload = (await upload_csv(client, template, mode, dry_run=dry_run))["data"]["importCsv"]

    assert payload["importRun"] is None
    [error] = payload["errors"]
    assert error["code"] == "EMPTY_FILE"
    assert "only example rows" in error["message"] and "Id starts with #" in error["message"]
    assert await accounts_total(client) == 0
    assert await import_runs_total(client) == 0


async def test_rows_written_below_the_example_are_imported_and_numbered_as_in_the_spreadsheet(client, worker):
    template = parse((await client.get(TEMPLATE_URL)).content)
    rows = [
        ["", "first.below@example.com", "", "", "300", "", "", ""],  # row 3
        ["", "not-an-email", "", "", "", "", "", ""],  # row 4
    ]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([*template, *rows])

    run = await import_and_wait(client, buffer.getvalue().encode("utf-8"), "CREATE", filename="template.csv")

    assert (run["totalRows"], run["createdCount"], run["failedCount"]) == (2, 1, 1)
    assert error_triples(run) == [(4, "Email", "INVALID_EMAIL")]
    assert await accounts_total(client) == 1
    report = (await client.get(run["errorReportUrl"])).content.decode("utf-8-sig")
    assert "#" not in report


async def test_template_needs_an_api_key(anonymous):
    response = await anonymous.get(TEMPLATE_URL)

    assert response.status_code == 401


async def test_filled_in_template_imports_both_rows_as_typed(client, worker):
    template = parse((await client.get(TEMPLATE_URL)).content)
    header = template[0]
    rows = [
        ["", "ana.souza@example.com", "529.982.247-25", "CPF", "1500.50", "0.05", "Open", "First customer"],
        ["tmpl-2", "bruno@example.com", "11.222.333/0001-81", "CNPJ", "250", "0.1", "", "Second, with a comma"],
    ]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])

    run = await import_and_wait(client, buffer.getvalue().encode("utf-8"), "CREATE", filename="template.csv")

    assert (run["status"], run["createdCount"], run["failedCount"], run["totalRows"]) == ("SUCCEEDED", 2, 0, 2)
    first = await account_by_email(client, "ana.souza@example.com")
    assert first == {
        "id": first["id"],
        "email": "ana.souza@example.com",
        "documentType": "CPF",
        "document": "52998224725",
        "creditLimit": "1500.50",
        "tolerance": "0.05",
        "status": "OPEN",
        "description": "First customer",
        "version": 1,
    }
    second = await account_by_email(client, "bruno@example.com")
    assert second == {
        "id": "tmpl-2",
        "email": "bruno@example.com",
        "documentType": "CNPJ",
        "document": "11222333000181",
        "creditLimit": "250.00",
        "tolerance": "0.10",
        "status": "OPEN",
        "description": "Second, with a comma",
        "version": 1,
    }
