"""What the import tests share: CSV builders, the queries they read results with, and small helpers.

The fixtures (`database`, `app`, `client`, `client_with`, `worker`) and the upload helpers
(`upload_csv`, `wait_for_run`, `import_and_wait`) come from tests/conftest.py.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

import httpx

from tests.conftest import graphql

HEADER = ("Id", "Email", "Document", "Document Type", "Credit Limit", "Tolerance", "Status", "Description")

ACCOUNT_WITH_HISTORY = """
query AccountWithHistory($id: ID!) {
  account(id: $id) {
    id email documentType document creditLimit tolerance status description version
    history(first: 100) { totalCount nodes { version actor source importRunId changes { field from to } } }
  }
}
"""

ACCOUNTS_TOTAL = """
query AccountsTotal { accounts(first: 0) { totalCount } }
"""

ACCOUNT_BY_EMAIL = """
query AccountByEmail($email: String!) {
  accounts(first: 10, filter: {email: $email}) {
    totalCount
    nodes { id email documentType document creditLimit tolerance status description version }
  }
}
"""

IMPORT_RUNS_TOTAL = """
query ImportRunsTotal { importRuns(first: 0) { totalCount } }
"""


def csv_text(
    rows: Iterable[Sequence[str]],
    header: Sequence[str] | None = HEADER,
    *,
    delimiter: str = ",",
    line_end: str = "\r\n",
) -> str:
    """A CSV document as a spreadsheet would write it (fields quoted only when needed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    if header is not None:
        writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()


def csv_file(
    rows: Iterable[Sequence[str]],
    header: Sequence[str] | None = HEADER,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    line_end: str = "\r\n",
) -> bytes:
    return csv_text(rows, header, delimiter=delimiter, line_end=line_end).encode(encoding)


def row(
    id: str = "",
    email: str = "",
    document: str = "",
    document_type: str = "",
    credit_limit: str = "",
    tolerance: str = "",
    status: str = "",
    description: str = "",
) -> tuple[str, ...]:
    """A row in the template's column order."""
    return (id, email, document, document_type, credit_limit, tolerance, status, description)


def error_triples(run: dict) -> list[tuple[int, str | None, str]]:
    """(row, column, code) of each row error, in row order."""
    return [(e["row"], e["column"], e["code"]) for e in run["errors"]["nodes"]]


def counts(run: dict) -> dict[str, int]:
    return {
        name: run[name]
        for name in ("totalRows", "processedRows", "createdCount", "updatedCount", "unchangedCount", "failedCount")
    }


async def account_with_history(client: httpx.AsyncClient, account_id: str) -> dict | None:
    result = await graphql(client, ACCOUNT_WITH_HISTORY, id=account_id)
    assert "errors" not in result, result["errors"]
    return result["data"]["account"]


async def accounts_by_email(client: httpx.AsyncClient, email: str) -> list[dict]:
    result = await graphql(client, ACCOUNT_BY_EMAIL, email=email)
    assert "errors" not in result, result["errors"]
    return result["data"]["accounts"]["nodes"]


async def account_by_email(client: httpx.AsyncClient, email: str) -> dict:
    found = await accounts_by_email(client, email)
    assert len(found) == 1, found
    return found[0]


async def accounts_total(client: httpx.AsyncClient) -> int:
    result = await graphql(client, ACCOUNTS_TOTAL)
    assert "errors" not in result, result["errors"]
    return result["data"]["accounts"]["totalCount"]


async def import_runs_total(client: httpx.AsyncClient) -> int:
    result = await graphql(client, IMPORT_RUNS_TOTAL)
    assert "errors" not in result, result["errors"]
    return result["data"]["importRuns"]["totalCount"]
