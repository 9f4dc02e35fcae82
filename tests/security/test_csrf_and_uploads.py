"""Uploads: a multipart request must carry a non-simple header (a browser on another site cannot
add one without a CORS preflight), the `Upload` argument must be a real file, and the file must be
text CSV whatever content type it claims."""

from __future__ import annotations

import gzip
import io
import json
import zipfile

import pytest

from customer_credit.persistence.database import ACCOUNTS, IMPORT_CHUNKS, IMPORT_RUNS
from tests.support.graphql import graphql
from tests.support.imports import IMPORT_CSV

CSV = b"Email\r\ncsrf@example.com\r\n"
OPERATIONS = {"query": IMPORT_CSV, "variables": {"file": None, "mode": "CREATE"}}


async def post_multipart(
    client, headers: dict, *, content: bytes = CSV, content_type: str = "text/csv", filename: str = "accounts.csv"
):
    return await client.post(
        "/graphql",
        data={"operations": json.dumps(OPERATIONS), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (filename, content, content_type)},
        headers=headers,
    )


async def stored_nothing(database) -> bool:
    counts = [await database.collection(name).count_documents({}) for name in (IMPORT_RUNS, IMPORT_CHUNKS, ACCOUNTS)]
    return counts == [0, 0, 0]


# --- the preflight header ---------------------------------------------------------------------


async def test_multipart_without_a_preflight_header_is_400_and_creates_nothing(client, database):
    response = await post_multipart(client, {})

    assert response.status_code == 400
    assert response.json()["code"] == "CSRF"
    assert await stored_nothing(database)


@pytest.mark.parametrize(
    "content_type",
    ["MULTIPART/FORM-DATA", "Multipart/Form-Data", " multipart/form-data", "multipart/mixed"],
)
async def test_multipart_in_any_spelling_without_a_preflight_header_is_400(client, database, content_type):
    body = (
        b'--b\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
        + json.dumps(OPERATIONS).encode()
        + b'\r\n--b\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0": ["variables.file"]}'
        + b'\r\n--b\r\nContent-Disposition: form-data; name="0"; filename="a.csv"\r\n\r\n'
        + CSV
        + b"\r\n--b--\r\n"
    )
    response = await client.post("/graphql", content=body, headers={"Content-Type": f"{content_type}; boundary=b"})

    assert response.status_code == 400
    assert await stored_nothing(database)


@pytest.mark.parametrize("header", ["Apollo-Require-Preflight", "X-Apollo-Operation-Name"])
async def test_multipart_with_either_preflight_header_is_served(client, header):
    response = await post_multipart(client, {header: "Import"})

    assert response.status_code == 200, response.text
    payload = response.json()["data"]["importCsv"]
    assert payload["errors"] == [] and payload["importRun"]["status"] in ("QUEUED", "RUNNING")


async def test_simple_form_post_is_refused_before_the_key_matters(anonymous, database):
    """What a cross-site HTML form could send: no key, no preflight header; nothing is created."""
    response = await post_multipart(anonymous, {})

    assert response.status_code in (400, 401)
    assert await stored_nothing(database)


async def test_url_encoded_form_post_is_refused(client, database):
    response = await client.post("/graphql", data={"query": 'mutation { closeAccount(id: "x") { errors { code } } }'})

    assert response.status_code == 400
    assert await stored_nothing(database)


# --- the Upload argument must be a file -------------------------------------------------------


async def test_json_string_in_place_of_the_upload_is_refused_and_creates_nothing(client, database):
    result = await graphql(client, IMPORT_CSV, file="Email\r\nsneaky@example.com\r\n", mode="CREATE")

    refused_in_payload = (result.get("data") or {}).get("importCsv", {}).get("errors")
    assert refused_in_payload or result.get("errors"), result
    assert await stored_nothing(database)


async def test_json_object_in_place_of_the_upload_is_refused_and_creates_nothing(client, database):
    result = await graphql(
        client, IMPORT_CSV, file={"filename": "a.csv", "file": "Email\r\nx@example.com"}, mode="CREATE"
    )

    refused_in_payload = (result.get("data") or {}).get("importCsv", {}).get("errors")
    assert refused_in_payload or result.get("errors"), result
    assert await stored_nothing(database)


async def test_multipart_map_pointing_at_a_text_field_is_refused(client, database):
    """`map` names a plain form field, not a file part: its text never stands in for a file."""
    response = await client.post(
        "/graphql",
        data={
            "operations": json.dumps(OPERATIONS),
            "map": json.dumps({"0": ["variables.file"]}),
            "0": "Email\r\nsneaky@example.com\r\n",
        },
        files={"unused": ("a.csv", CSV, "text/csv")},
        headers={"Apollo-Require-Preflight": "true"},
    )

    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["data"]["importCsv"]["errors"]
    assert await stored_nothing(database)


# --- the content must be text CSV, whatever it claims -----------------------------------------


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("accounts.csv", CSV)
    return buffer.getvalue()


NOT_CSV = {
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89",
    "zip-holding-a-csv": zip_bytes(),
    "gzip-of-a-csv": gzip.compress(CSV),
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\x00\x00",
    "elf": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56,
    "random-bytes": bytes(range(256)) * 4,
}


@pytest.mark.parametrize("declared", ["text/csv", "application/vnd.ms-excel", "text/plain"])
@pytest.mark.parametrize("content", NOT_CSV.values(), ids=NOT_CSV.keys())
async def test_binary_content_is_not_csv_whatever_its_declared_type(client, database, content, declared):
    response = await post_multipart(
        client, {"Apollo-Require-Preflight": "true"}, content=content, content_type=declared, filename="accounts.csv"
    )

    assert response.status_code == 200, response.text
    payload = response.json()["data"]["importCsv"]
    assert payload["importRun"] is None
    assert [error["code"] for error in payload["errors"]] in (["NOT_CSV"], ["ENCODING"])
    assert await stored_nothing(database)


@pytest.mark.parametrize("declared", ["image/png", "application/octet-stream", "application/x-msdownload"])
async def test_text_csv_is_judged_by_its_content_not_its_declared_type(client, declared):
    response = await post_multipart(
        client, {"Apollo-Require-Preflight": "true"}, content_type=declared, filename="accounts.exe"
    )

    assert response.status_code == 200, response.text
    payload = response.json()["data"]["importCsv"]
    assert payload["errors"] == []


async def test_file_name_is_only_a_label(client):
    """A path in the file name is stored as the name it is, never used to open or write a file."""
    response = await post_multipart(client, {"Apollo-Require-Preflight": "true"}, filename="../../etc/passwd")

    assert response.status_code == 200, response.text
    run = response.json()["data"]["importCsv"]["importRun"]
    assert run["fileName"] in ("../../etc/passwd", "passwd")
