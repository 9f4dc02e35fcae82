"""Messages follow the request's Accept-Language (pt-BR / pt: Portuguese; anything else: English);
codes never change with it. On both backends, through GraphQL payloads, GraphQL top-level errors,
import row errors read back (GraphQL and errors.csv) and REST error bodies."""

from __future__ import annotations

import pytest

from customer_credit.persistence.database import IMPORT_ROW_ERRORS
from tests.support.accounts import OPEN_OR_CHANGE
from tests.support.imports import IMPORT_RUN, import_and_wait

PORTUGUESE = {"Accept-Language": "pt-BR,pt;q=0.9,en;q=0.5"}
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
ACCOUNTS_URL = "/api/creditcontrol/accounts"

BAD_ACCOUNT = {"email": "not-an-email", "documentType": "CPF", "document": "123"}
ACCOUNTS = "query { accounts(first: 1) { totalCount } }"
BAD_EMAIL_ROW = b"Email,Credit Limit\nnot-an-email,1.500\n"
BAD_JSON_BODY = '{"email": "ana@example.com"'
BAD_PUT_BODY = '{"email": "not-an-email", "creditLimit": -1}'
# A row error as stored before row errors kept their message's key and parameters.
LEGACY_ROW_ERROR = {
    "row": 3,
    "seq": 0,
    "column": "Email",
    "code": "INVALID_EMAIL",
    "message": "Email is not valid: written before messages had keys.",
    "account_id": None,
}
OVERSIZED_BODY = b'{"query": "' + b"x" * 1_100_000 + b'"}'
GOOD_PUT_BODY = '{"email": "ana@example.com"}'


async def ask(client, query: str, headers: dict[str, str] | None = None, **variables) -> dict:
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


async def payload_errors(client, headers: dict[str, str] | None) -> list[dict]:
    result = await ask(client, OPEN_OR_CHANGE, headers, input=BAD_ACCOUNT)
    return result["data"]["openOrChangeAccount"]["errors"]


def by_code(errors: list[dict]) -> dict[str, str]:
    return {error["code"]: error["message"] for error in errors}


async def test_payload_errors_are_in_portuguese_for_pt_br_with_the_same_codes(client):
    portuguese = await payload_errors(client, PORTUGUESE)
    english = await payload_errors(client, ENGLISH)

    assert [(e["field"], e["code"]) for e in portuguese] == [(e["field"], e["code"]) for e in english]
    assert by_code(portuguese) == {
        "INVALID_EMAIL": "E-mail inválido: confira se ele tem um @ e um domínio, como nome@exemplo.com.br.",
        "INVALID_DOCUMENT": "O CPF deve ter 11 dígitos, com dígitos verificadores válidos.",
    }
    assert by_code(english)["INVALID_DOCUMENT"] == "CPF must have 11 digits with valid check digits."
    assert by_code(english)["INVALID_EMAIL"].startswith("Email is not valid: ")


@pytest.mark.parametrize("header", [None, "", "fr-FR", "es;q=0.9, de;q=0.8", "*", "pt-BR;q=0, en"])
async def test_english_is_the_default(client, header):
    headers = {"Accept-Language": header} if header is not None else None

    errors = await payload_errors(client, headers)

    assert by_code(errors)["INVALID_DOCUMENT"] == "CPF must have 11 digits with valid check digits."


@pytest.mark.parametrize("header", ["pt", "pt-PT", "PT-br", "fr;q=0.4, pt;q=0.8"])
async def test_any_portuguese_preference_gets_portuguese(client, header):
    errors = await payload_errors(client, {"Accept-Language": header})

    assert by_code(errors)["INVALID_DOCUMENT"].startswith("O CPF deve ter 11 dígitos")


async def test_a_missing_scope_is_said_in_the_request_language(client_with):
    reader = await client_with("imports:read")

    portuguese = await ask(reader, ACCOUNTS, PORTUGUESE)
    english = await ask(reader, ACCOUNTS, ENGLISH)

    assert [e["extensions"]["code"] for e in portuguese["errors"]] == ["FORBIDDEN"]
    assert [e["extensions"]["code"] for e in english["errors"]] == ["FORBIDDEN"]
    assert portuguese["errors"][0]["message"] == "Esta chave de API não tem o escopo 'accounts:read'."
    assert english["errors"][0]["message"] == "This API key lacks the scope 'accounts:read'."


async def test_import_row_errors_are_read_back_in_the_request_language(client, worker):
    run = await import_and_wait(client, BAD_EMAIL_ROW)

    portuguese = (await ask(client, IMPORT_RUN, PORTUGUESE, id=run["id"]))["data"]["importRun"]
    english = (await ask(client, IMPORT_RUN, ENGLISH, id=run["id"]))["data"]["importRun"]

    def rows(errors: dict) -> list[tuple]:
        return [(e["row"], e["column"], e["code"]) for e in errors["nodes"]]

    assert (
        rows(portuguese["errors"])
        == rows(english["errors"])
        == [
            (2, "Credit Limit", "INVALID_CREDIT_LIMIT"),
            (2, "Email", "INVALID_EMAIL"),
        ]
    )
    assert [e["message"] for e in portuguese["errors"]["nodes"]] == [
        '"1.500" é ambíguo: pode ser 1500 ou 1,5. Escreva números inteiros sem separador de milhar (1500) '
        "e decimais com a parte decimal (1500,00 ou 1,5)",
        "E-mail inválido: confira se ele tem um @ e um domínio, como nome@exemplo.com.br.",
    ]
    assert english["errors"]["nodes"][0]["message"].startswith('"1.500" is ambiguous: it could be 1500 or 1.5.')


async def test_a_row_error_stored_with_its_english_text_only_is_read_back_as_it_is(client, worker, database):
    run = await import_and_wait(client, BAD_EMAIL_ROW)
    legacy = {**LEGACY_ROW_ERROR, "_id": f"{run['id']}:3:0", "run_id": run["id"]}
    await database.collection(IMPORT_ROW_ERRORS).insert_one(legacy)

    portuguese = (await ask(client, IMPORT_RUN, PORTUGUESE, id=run["id"]))["data"]["importRun"]

    assert portuguese["errors"]["nodes"][-1] == {
        "row": 3,
        "column": "Email",
        "code": "INVALID_EMAIL",
        "message": "Email is not valid: written before messages had keys.",
        "accountId": None,
    }


async def test_the_error_report_is_written_in_the_request_language(client, worker):
    run = await import_and_wait(client, BAD_EMAIL_ROW)
    url = f"/imports/{run['id']}/errors.csv"

    portuguese = (await client.get(url, headers=PORTUGUESE)).content.decode("utf-8-sig")
    english = (await client.get(url, headers=ENGLISH)).content.decode("utf-8-sig")

    assert "Email: E-mail inválido" in portuguese and 'Credit Limit: ""1.500"" é ambíguo' in portuguese
    assert "Email: Email is not valid" in english and 'Credit Limit: ""1.500"" is ambiguous' in english


async def test_rest_errors_are_in_the_request_language_with_the_same_codes(client):
    url = f"{ACCOUNTS_URL}/acc-lang"
    json_headers = {"Content-Type": "application/json"}

    portuguese = await client.put(url, content=BAD_PUT_BODY, headers={**json_headers, **PORTUGUESE})
    english = await client.put(url, content=BAD_PUT_BODY, headers={**json_headers, **ENGLISH})
    malformed = await client.put(url, content=BAD_JSON_BODY, headers={**json_headers, **PORTUGUESE})

    assert portuguese.status_code == english.status_code == 400
    assert [e["code"] for e in portuguese.json()["errors"]] == [e["code"] for e in english.json()["errors"]]
    assert by_code(portuguese.json()["errors"])["INVALID_CREDIT_LIMIT"] == (
        "O limite de crédito deve estar entre 0 e 1.000.000.000,00, com no máximo 2 casas decimais."
    )
    assert by_code(english.json()["errors"])["INVALID_CREDIT_LIMIT"] == (
        "Credit limit must be between 0 and 1000000000.00 with at most 2 decimal places."
    )
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "MALFORMED_JSON"
    assert malformed.json()["message"] == "O corpo da requisição não é um JSON válido."


async def test_a_rest_missing_scope_is_said_in_the_request_language(client_with):
    reader = await client_with("accounts:read")

    response = await reader.put(
        f"{ACCOUNTS_URL}/acc-lang",
        content=GOOD_PUT_BODY,
        headers={"Content-Type": "application/json", **PORTUGUESE},
    )

    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"
    assert response.json()["message"] == "Esta chave de API não tem o escopo 'accounts:write'."


async def test_a_body_over_the_limit_is_refused_in_the_request_language(client, settings):
    response = await client.post(
        "/graphql", content=OVERSIZED_BODY, headers={"Content-Type": "application/json", **PORTUGUESE}
    )

    assert response.status_code == 413
    assert response.json() == {
        "code": "TOO_LARGE",
        "message": f"O corpo da requisição passa de {settings.max_body_bytes} bytes.",
    }
