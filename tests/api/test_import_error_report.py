"""`GET /imports/{id}/errors.csv`: the failed rows as uploaded, plus `Row` and `Error`, in the upload's
delimiter and UTF-8 with a BOM, safe to open in a spreadsheet, and importable again once fixed; it needs
the `imports:read` scope."""

from __future__ import annotations

import csv
import io

from tests.support.accounts import account_by_email
from tests.support.csv_files import HEADER, csv_file, csv_text, row
from tests.support.imports import import_and_wait

FORMULA_FILE = csv_file(
    [
        row("", "good@example.com"),  # 2: created
        row("", "not-an-email", description='=HYPERLINK("http://evil","x")'),  # 3
        row("", "plus@example.com", credit_limit="+5"),  # 4
        row("", "minus@example.com", credit_limit="-1"),  # 5
        row("bad id!", "at@example.com", description="@SUM(A1:A2)"),  # 6
        row("", "not-an-email-either", description="\tindented"),  # 7
        row("", "no-at-all", description="\rcarriage"),  # 8
    ]
)


def report_url(run: dict) -> str:
    return f"/imports/{run['id']}/errors.csv"


def parse(body: bytes, delimiter: str = ",") -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, so spreadsheets read the accents right"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def written(lines: list[list[str]], delimiter: str) -> bytes:
    """The report's lines saved again by a spreadsheet: same delimiter, UTF-8 with a BOM."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(lines)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


async def test_report_has_the_failed_rows_as_uploaded_with_row_and_error(client, worker):
    content = csv_file(
        [
            row("", "good@example.com", description="kept out"),
            row("x-1", "not-an-email", "", "", "10", "0.05", "Open", "first, bad"),
            row("", "ok@example.com", credit_limit="1,500"),
        ]
    )
    run = await import_and_wait(client, content)

    response = await client.get(report_url(run))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = parse(response.content)
    assert lines[0] == [*HEADER, "Row", "Error"]
    assert [line[:-1] for line in lines[1:]] == [
        ["x-1", "not-an-email", "", "", "10", "0.05", "Open", "first, bad", "3"],
        ["", "ok@example.com", "", "", "1,500", "", "", "", "4"],
    ]
    assert lines[1][-1].startswith("Email: ")
    assert lines[2][-1].startswith("Credit Limit: ") and "ambiguous" in lines[2][-1]


async def test_a_row_with_several_errors_is_one_line_with_every_message(client, worker):
    run = await import_and_wait(client, csv_file([row("bad id!", "not-an-email")]))

    lines = parse((await client.get(report_url(run))).content)

    assert len(lines) == 2
    assert lines[1][-2] == "2"
    assert "Id: " in lines[1][-1] and "Email: " in lines[1][-1]


async def test_formula_cells_are_neutralised(client, worker):
    run = await import_and_wait(client, FORMULA_FILE)
    assert run["failedCount"] == 6

    lines = parse((await client.get(report_url(run))).content)

    cells = {line[-2]: dict(zip(HEADER, line)) for line in lines[1:]}
    assert cells["3"]["Description"] == '\'=HYPERLINK("http://evil","x")'
    assert cells["4"]["Credit Limit"] == "'+5"
    assert cells["5"]["Credit Limit"] == "'-1"
    assert cells["6"]["Description"] == "'@SUM(A1:A2)"
    assert cells["7"]["Description"] == "'\tindented"
    assert cells["8"]["Description"] == "'\rcarriage"
    for line in lines:
        for cell in line:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), line


async def test_error_messages_that_look_like_formulas_are_neutralised_too(client, worker):
    run = await import_and_wait(client, b"Email,Credit Limit\r\n=1+1,-5\r\n")

    lines = parse((await client.get(report_url(run))).content)

    assert lines[1][:2] == ["'=1+1", "'-5"]
    assert not lines[1][-1].startswith(("=", "+", "-", "@"))


async def test_report_of_a_pt_br_file_keeps_its_delimiter_header_and_accents(client, worker):
    content = csv_text([("não-é-email", "Conta de São Paulo")], ("E-mail", "Descrição"), delimiter=";").encode("cp1252")
    run = await import_and_wait(client, content)

    body = (await client.get(report_url(run))).content

    assert body.startswith("\ufeffE-mail;Descrição;Row;Error\r\n".encode()), body[:60]
    lines = parse(body, delimiter=";")
    assert lines[0] == ["E-mail", "Descrição", "Row", "Error"]
    assert lines[1][:3] == ["não-é-email", "Conta de São Paulo", "2"]
    assert lines[1][3].startswith("E-mail: ")


async def test_a_fixed_report_of_a_semicolon_cp1252_file_uploads_again_and_its_rows_are_applied(client, worker):
    header = ("E-mail", "Documento", "Tipo de Documento", "Limite de Crédito", "Descrição")
    upload = csv_text(
        [
            ("ana.lima@example.com", "", "", "1.500,00", "Loja de Goiânia"),  # 2: created
            ("joão.ávila", "", "", "200,00", "Cliente de São Paulo"),  # 3: bad email
            ("bia.rocha@example.com", "529.982.247-26", "CPF", "1,500", "Açaí; sorvetes"),  # 4: bad CPF and limit
        ],
        header,
        delimiter=";",
    ).encode("cp1252")
    first = await import_and_wait(client, upload)
    assert (first["createdCount"], first["failedCount"]) == (1, 2)

    body = (await client.get(report_url(first))).content
    assert body.startswith(b"\xef\xbb\xbf") and body.splitlines()[0].count(b";") == len(header) + 1
    lines = parse(body, delimiter=";")
    assert lines[0] == [*header, "Row", "Error"]
    fixes = {"3": {0: "joao.avila@example.com"}, "4": {1: "529.982.247-25", 3: "1.500,00"}}
    for line in lines[1:]:
        for index, value in fixes[line[len(header)]].items():
            line[index] = value

    second = await import_and_wait(client, written(lines, ";"), filename="errors-fixed.csv")

    assert (second["status"], second["createdCount"], second["failedCount"]) == ("SUCCEEDED", 2, 0)
    joao = await account_by_email(client, "joao.avila@example.com")
    assert (joao["creditLimit"], joao["description"]) == ("200.00", "Cliente de São Paulo")
    bia = await account_by_email(client, "bia.rocha@example.com")
    assert (bia["document"], bia["creditLimit"], bia["description"]) == ("52998224725", "1500.00", "Açaí; sorvetes")


async def test_the_report_of_an_uploaded_report_has_one_row_and_one_error_column(client, worker):
    first = await import_and_wait(client, csv_file([row("", "not-an-email")]))
    report = (await client.get(report_url(first))).content

    second = await import_and_wait(client, report)

    assert second["errors"]["nodes"][0]["code"] == "INVALID_EMAIL"
    lines = parse((await client.get(report_url(second))).content)
    assert lines[0] == [*HEADER, "Row", "Error"]
    assert lines[1][: len(HEADER) + 1] == [*row("", "not-an-email"), "2"]


async def test_report_of_a_run_without_errors_is_only_the_header(client, worker):
    run = await import_and_wait(client, csv_file([row("", "good@example.com")]))

    lines = parse((await client.get(report_url(run))).content)

    assert lines == [[*HEADER, "Row", "Error"]]


async def test_unknown_run_is_404(client):
    response = await client.get("/imports/no-such-run/errors.csv")

    assert response.status_code == 404


async def test_report_needs_imports_read(client, client_with, worker):
    run = await import_and_wait(client, csv_file([row("", "not-an-email")]))
    writer = await client_with("imports:write", "accounts:read", "pii:read")
    reader = await client_with("imports:read")

    assert (await writer.get(report_url(run))).status_code == 403
    assert (await reader.get(report_url(run))).status_code == 200


async def test_report_needs_an_api_key(anonymous, client, worker):
    run = await import_and_wait(client, csv_file([row("", "not-an-email")]))

    assert (await anonymous.get(report_url(run))).status_code == 401


async def test_a_malformed_rows_surplus_cells_follow_the_error(client, worker):
    run = await import_and_wait(client, b"Email,Description\r\na@example.com,one,two,three\r\n")

    lines = parse((await client.get(report_url(run))).content)

    assert lines[1][:3] == ["a@example.com", "one", "2"]
    assert lines[1][4:] == ["two", "three"]
