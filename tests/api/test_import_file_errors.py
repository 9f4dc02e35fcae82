"""Files refused as a whole: each ImportCsvErrorCode comes back in the payload, and nothing is stored
(no run, no file chunks). Also the request-level refusals: 413 over the upload cap, 400 without the
preflight header, and a string where the Upload should be."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from customer_credit.persistence.database import IMPORT_CHUNKS, IMPORT_ROW_ERRORS, IMPORT_RUNS
from customer_credit.settings import Settings
from tests.support.csv_files import csv_file, row
from tests.support.graphql import graphql
from tests.support.imports import IMPORT_CSV, import_runs_total, upload_csv

MAX_UPLOAD_BYTES = 4096
MAX_IMPORT_ROWS = 5
MULTIPART_SLACK = 64 * 1024  # what the middleware allows on top of the upload cap for the multipart framing

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.fixture
def settings() -> Settings:
    return Settings(
        mongodb_uri="mongodb://unused",
        data_dir=Path("/nonexistent"),
        max_upload_bytes=MAX_UPLOAD_BYTES,
        max_import_rows=MAX_IMPORT_ROWS,
    )


def padded_file(size: int) -> bytes:
    """A valid CSV of exactly `size` bytes (a long description pads it)."""
    head = csv_file([row("", "big@example.com", description="")])
    return head[:-2] + b"x" * (size - len(head)) + b"\r\n"


BAD_FILES = [
    ("empty", b"", "CREATE", "EMPTY_FILE"),
    ("header-only", b"Id,Email\r\n", "CREATE", "EMPTY_FILE"),
    ("header-and-blank-lines", b"Id,Email\r\n\r\n,\r\n  \r\n", "CREATE", "EMPTY_FILE"),
    ("nul-bytes", b"Email\r\na@example.com\x00\r\n", "CREATE", "NOT_CSV"),
    ("png", PNG, "CREATE", "NOT_CSV"),
    ("xlsx", b"PK\x03\x04" + b"\x14\x00" * 20, "CREATE", "NOT_CSV"),
    ("not-a-header", b"hello world\r\nthis is prose\r\n", "CREATE", "NOT_CSV"),
    ("bom-then-invalid-utf8", b"\xef\xbb\xbfEmail\r\nj\xe3o@example.com\r\n", "CREATE", "ENCODING"),
    ("utf16", "Email\r\na@example.com\r\n".encode("utf-16"), "CREATE", "ENCODING"),
    ("too-large", padded_file(MAX_UPLOAD_BYTES + 1), "CREATE", "TOO_LARGE"),
    ("too-large-just-under-the-413-cap", padded_file(MAX_UPLOAD_BYTES + MULTIPART_SLACK - 1024), "CREATE", "TOO_LARGE"),
    (
        "too-many-rows",
        csv_file([row("", f"u{i}@example.com") for i in range(MAX_IMPORT_ROWS + 1)]),
        "CREATE",
        "TOO_MANY_ROWS",
    ),
    ("create-without-email", b"Id,Credit Limit\r\nx,10\r\n", "CREATE", "MISSING_REQUIRED_COLUMN"),
    ("update-without-id-or-email", b"Credit Limit,Status\r\n10,Open\r\n", "UPDATE", "MISSING_REQUIRED_COLUMN"),
    ("unknown-column", b"Email,Nickname\r\na@example.com,Al\r\n", "CREATE", "UNKNOWN_COLUMN"),
    ("duplicate-column", b"Email,E-mail\r\na@example.com,b@example.com\r\n", "CREATE", "DUPLICATE_COLUMN"),
]


async def stored_nothing(database) -> None:
    for name in (IMPORT_RUNS, IMPORT_CHUNKS, IMPORT_ROW_ERRORS):
        assert await database.collection(name).count_documents({}) == 0, name


@pytest.mark.parametrize(("content", "mode", "code"), [case[1:] for case in BAD_FILES], ids=[c[0] for c in BAD_FILES])
async def test_bad_file_is_refused_with_its_code_and_stores_nothing(client, database, content, mode, code):
    result = await upload_csv(client, content, mode)

    assert "errors" not in result, result
    payload = result["data"]["importCsv"]
    assert payload["importRun"] is None
    assert [e["code"] for e in payload["errors"]] == [code]
    assert payload["errors"][0]["message"]
    assert await import_runs_total(client) == 0
    await stored_nothing(database)


async def test_file_at_the_upload_limit_is_accepted(client):
    content = padded_file(MAX_UPLOAD_BYTES)

    payload = (await upload_csv(client, content))["data"]["importCsv"]

    assert payload["errors"] == []
    assert payload["importRun"]["fileSize"] == MAX_UPLOAD_BYTES


async def test_file_at_the_row_limit_is_accepted(client):
    content = csv_file([row("", f"u{i}@example.com") for i in range(MAX_IMPORT_ROWS)])

    payload = (await upload_csv(client, content))["data"]["importCsv"]

    assert payload["errors"] == []
    assert payload["importRun"]["totalRows"] == MAX_IMPORT_ROWS


def multipart(content: bytes) -> dict:
    operations = {"query": IMPORT_CSV, "variables": {"file": None, "mode": "CREATE"}}
    return {
        "data": {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        "files": {"0": ("accounts.csv", content, "text/csv")},
    }


async def test_upload_far_over_the_limit_is_http_413(client, database):
    content = padded_file(MAX_UPLOAD_BYTES + MULTIPART_SLACK + 1)

    response = await client.post("/graphql", headers={"Apollo-Require-Preflight": "true"}, **multipart(content))

    assert response.status_code == 413
    await stored_nothing(database)


async def test_multipart_without_the_preflight_header_is_http_400(client, database):
    response = await client.post("/graphql", **multipart(csv_file([row("", "a@example.com")])))

    assert response.status_code == 400
    await stored_nothing(database)


async def test_a_string_in_place_of_the_upload_is_a_clear_error(client, database):
    result = await graphql(client, IMPORT_CSV, file="Email\r\na@example.com\r\n", mode="CREATE")

    messages = [e["message"] for e in result.get("errors") or []]
    payload = (result.get("data") or {}).get("importCsv")
    if payload is not None:
        messages += [e["message"] for e in payload["errors"]]
        assert payload["importRun"] is None
    assert any("uploaded file" in message and "multipart" in message for message in messages), result
    await stored_nothing(database)


async def test_a_file_error_message_says_what_is_wrong(client):
    payload = (await upload_csv(client, b"Email,Nickname\r\na@example.com,Al\r\n"))["data"]["importCsv"]

    assert "Nickname" in payload["errors"][0]["message"]
