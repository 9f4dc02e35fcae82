"""The files people actually upload: pt-BR spreadsheets (`;`, Windows-1252, `1.500,50`, `5%`), UTF-8 with a
BOM, camelCase headers, quoted fields holding delimiters and line breaks."""

from __future__ import annotations

import pytest

from tests.support.accounts import account_by_email, account_with_history
from tests.support.csv_files import HEADER, csv_text, row
from tests.support.imports import error_triples, import_and_wait

PT_BR_HEADER = ("E-mail", "Documento", "Tipo de Documento", "Limite de Crédito", "Tolerância", "Status", "Descrição")
CAMEL_HEADER = ("id", "email", "document", "documentType", "creditLimit", "tolerance", "status", "description")


async def test_pt_br_spreadsheet_in_windows_1252(client, worker):
    content = csv_text(
        [
            (
                "maria@example.com",
                "529.982.247-25",
                "CPF",
                "1.500,50",
                "5%",
                "Aberta",
                "Cliente de São Paulo – preferência",
            ),
            ("joao@example.com", "", "", "R$ 2.000,00", "2,5%", "aberta", "Açaí"),
        ],
        PT_BR_HEADER,
        delimiter=";",
    ).encode("cp1252")
    assert b"\xe9" in content and b"\x96" in content  # é and the en dash, as Windows-1252 bytes

    run = await import_and_wait(client, content, "CREATE", filename="contas.csv")

    assert (run["status"], run["createdCount"], run["failedCount"]) == ("SUCCEEDED", 2, 0)
    maria = await account_by_email(client, "maria@example.com")
    assert (
        maria["document"],
        maria["documentType"],
        maria["creditLimit"],
        maria["tolerance"],
        maria["description"],
    ) == ("52998224725", "CPF", "1500.50", "0.05", "Cliente de São Paulo – preferência")
    joao = await account_by_email(client, "joao@example.com")
    assert (joao["creditLimit"], joao["tolerance"], joao["description"]) == ("2000.00", "0.025", "Açaí")


async def test_pt_br_row_errors_name_the_portuguese_columns(client, worker):
    content = csv_text(
        [("maria@example.com", "", "", "1.500", "abc", "Talvez", "")], PT_BR_HEADER, delimiter=";"
    ).encode("cp1252")

    run = await import_and_wait(client, content, "CREATE")

    assert error_triples(run) == [
        (2, "Limite de Crédito", "INVALID_CREDIT_LIMIT"),
        (2, "Tolerância", "INVALID_TOLERANCE"),
        (2, "Status", "INVALID_STATUS"),
    ]


async def test_utf8_with_a_bom(client, worker):
    content = b"\xef\xbb\xbf" + csv_text([row("bom-1", "bom@example.com", description="Ação ✓")]).encode()

    run = await import_and_wait(client, content, "CREATE")

    assert run["createdCount"] == 1
    account = await account_with_history(client, "bom-1")
    assert (account["email"], account["description"]) == ("bom@example.com", "Ação ✓")


async def test_camel_case_headers(client, worker):
    content = csv_text(
        [("camel-1", "camel@example.com", "11.222.333/0001-81", "cnpj", "1,500.50", "0.1", "open", "x")], CAMEL_HEADER
    ).encode()

    run = await import_and_wait(client, content, "CREATE")

    assert run["createdCount"] == 1
    account = await account_with_history(client, "camel-1")
    assert (account["documentType"], account["creditLimit"], account["tolerance"]) == ("CNPJ", "1500.50", "0.10")


async def test_quoted_fields_hold_delimiters_quotes_and_line_breaks(client, worker):
    description = 'Line one, with a comma\nline two: "quoted"'
    content = csv_text(
        [
            row("quoted-1", "quoted@example.com", credit_limit="1,500.00", description=description),
            row("", "not-an-email"),
        ]
    ).encode()
    assert content.count(b"\n") == 4  # header, two records, and the line break inside the quoted field

    run = await import_and_wait(client, content, "CREATE")

    account = await account_with_history(client, "quoted-1")
    assert (account["creditLimit"], account["description"]) == ("1500.00", description)
    assert error_triples(run) == [(3, "Email", "INVALID_EMAIL")]  # a record spanning two lines is one row


@pytest.mark.parametrize("line_end", ["\n", "\r"], ids=["LF", "CR"])
async def test_other_line_endings(client, worker, line_end):
    content = csv_text(
        [row("", "first@example.com"), row("", "not-an-email"), row("", "third@example.com")], line_end=line_end
    ).encode()

    run = await import_and_wait(client, content, "CREATE")

    assert (run["totalRows"], run["createdCount"]) == (3, 2)
    assert error_triples(run) == [(3, "Email", "INVALID_EMAIL")]


async def test_columns_in_any_order_and_only_some_of_them(client, worker):
    content = csv_text([("200", "order@example.com")], ("Credit Limit", "Email")).encode()

    run = await import_and_wait(client, content, "CREATE")

    assert run["createdCount"] == 1
    assert (await account_by_email(client, "order@example.com"))["creditLimit"] == "200.00"


async def test_export_only_columns_are_ignored(client, worker):
    content = csv_text(
        [(*row("", "export@example.com"), "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z")],
        (*HEADER, "Created At", "Updated At"),
    ).encode()

    run = await import_and_wait(client, content, "CREATE")

    assert (run["createdCount"], run["failedCount"]) == (1, 0)
