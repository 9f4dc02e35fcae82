"""API keys, scopes and masking of personal data, over HTTP."""

from __future__ import annotations

import time

import pytest

from customer_credit.domain.api_keys import ADMIN, SCOPES
from customer_credit.http.app import create_app
from customer_credit.persistence.api_keys import ApiKeyRepository
from customer_credit.settings import Settings
from tests.support.accounts import CLOSE, OPEN_OR_CHANGE, close_account, fetch_account, open_account, open_or_change
from tests.support.clients import http_client, make_key
from tests.support.documents import CNPJ, CPF, CPF_COMPACT
from tests.support.graphql import error_codes, graphql
from tests.support.waiting import eventually

ACCOUNTS = """
query Accounts { accounts { totalCount nodes { id email document } } }
"""

ACCOUNT_WITH_HISTORY = """
query Account($id: ID!) {
  account(id: $id) { id email document history { nodes { changes { field from to } } } }
}
"""

ACCOUNT_ID = """
query Account($id: ID!) { account(id: $id) { id } }
"""

# Each operation, the scope it needs, and variables that would succeed with that scope.
OPERATIONS = [
    ("account", ACCOUNT_ID, "accounts:read", {"id": "a1"}),
    ("accounts", ACCOUNTS, "accounts:read", {}),
    ("openOrChangeAccount", OPEN_OR_CHANGE, "accounts:write", {"input": {"id": "a1", "email": "new@example.com"}}),
    ("openOrChangeAccount", OPEN_OR_CHANGE, "accounts:write", {"input": {"email": "other@example.com"}}),
    ("closeAccount", CLOSE, "accounts:write", {"id": "a1"}),
]


@pytest.fixture
async def a1(client) -> dict:
    return await open_account(client, id="a1", email="ana@example.com", documentType="CPF", document=CPF)


# --- authentication --------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer cc_wrong", "Bearer ", "Basic dGVzdGVyOnNlY3JldA=="],
)
async def test_request_without_a_valid_key_is_a_bare_401(app, a1, unchanged_store, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    async with http_client(app, None) as caller, unchanged_store():
        response = await caller.post(
            "/graphql",
            json={"query": OPEN_OR_CHANGE, "variables": {"input": {"id": "a1", "email": "x@example.com"}}},
            headers=headers,
        )

    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["www-authenticate"] == "Bearer"


async def test_revoked_key_is_refused(app, database, a1):
    secret = await make_key(database, "old-key", {ADMIN})
    await ApiKeyRepository(database).revoke("old-key")

    async with http_client(app, secret) as caller:
        response = await caller.post("/graphql", json={"query": ACCOUNT_ID, "variables": {"id": "a1"}})

    assert (response.status_code, response.content) == (401, b"")


async def test_a_key_revoked_by_another_process_is_refused_once_its_check_expires(database, a1):
    """A checked key is trusted for API_KEY_CACHE_SECONDS without reading the store (one read per key,
    not per request); a revocation made elsewhere (the CLI, another replica) holds after at most that."""
    app = create_app(Settings(mongodb_uri="mongodb://unused", api_key_cache_seconds=1.0), database=database)
    secret = await make_key(database, "soon-gone", {"accounts:read"})
    async with http_client(app, secret) as caller:
        before = await caller.post("/graphql", json={"query": ACCOUNT_ID, "variables": {"id": "a1"}})
        revoked_at = time.monotonic()
        await ApiKeyRepository(database).revoke("soon-gone")
        still_trusted = await caller.post("/graphql", json={"query": ACCOUNT_ID, "variables": {"id": "a1"}})

        async def refused() -> None:
            response = await caller.post("/graphql", json={"query": ACCOUNT_ID, "variables": {"id": "a1"}})
            assert response.status_code == 401

        await eventually(refused, timeout=3.0)

    assert (before.status_code, still_trusted.status_code) == (200, 200)
    assert time.monotonic() - revoked_at < 1.0 + 0.5


async def test_a_key_revoked_by_the_service_itself_is_refused_at_once(app, database, a1):
    secret = await make_key(database, "soon-gone", {"accounts:read"})
    async with http_client(app, secret) as caller:
        before = await caller.post("/graphql", json={"query": ACCOUNT_ID, "variables": {"id": "a1"}})
        await app.state.services.api_keys.revoke("soon-gone")
        after = await caller.post("/graphql", json={"query": ACCOUNT_ID, "variables": {"id": "a1"}})

    assert (before.status_code, after.status_code) == (200, 401)


async def test_scheme_is_case_insensitive(app, database, a1):
    secret = await make_key(database, "lower", {"accounts:read"})

    async with http_client(app, None) as caller:
        response = await caller.post(
            "/graphql",
            json={"query": ACCOUNT_ID, "variables": {"id": "a1"}},
            headers={"Authorization": f"bearer {secret}"},
        )

    assert response.json() == {"data": {"account": {"id": "a1"}}}


async def test_empty_body_without_a_key_is_401_not_400(anonymous):
    response = await anonymous.post("/graphql", content=b"", headers={"Content-Type": "application/json"})

    assert (response.status_code, response.content) == (401, b"")


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_probes_are_public(anonymous, path):
    response = await anonymous.get(path)

    assert response.status_code == 200


async def test_graphiql_page_is_public(anonymous):
    response = await anonymous.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_graphql_over_get_is_not_public(anonymous):
    response = await anonymous.get(
        "/graphql", params={"query": "{ accounts { totalCount } }"}, headers={"Accept": "text/html"}
    )

    assert response.status_code == 401


async def test_post_asking_for_html_is_not_public(anonymous):
    response = await anonymous.post("/graphql", json={"query": ACCOUNTS}, headers={"Accept": "text/html"})

    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/administrator", "/admin.json", "/adminx/graphql"])
async def test_paths_that_only_start_with_admin_need_a_key(anonymous, path):
    response = await anonymous.get(path)

    assert response.status_code == 401


# --- scopes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "query", "scope", "variables"), OPERATIONS, ids=[f"{o[0]}-{i}" for i, o in enumerate(OPERATIONS)]
)
async def test_operation_without_its_scope_is_forbidden_and_writes_nothing(
    client_with, a1, unchanged_store, operation, query, scope, variables
):
    every_other_scope = [s for s in SCOPES if s not in (scope, ADMIN)]
    caller = await client_with(*every_other_scope)

    async with unchanged_store():
        result = await graphql(caller, query, **variables)

    assert all(value is None for value in (result["data"] or {}).values())
    assert error_codes(result) == ["FORBIDDEN"]
    assert scope in result["errors"][0]["message"]


@pytest.mark.parametrize(
    ("operation", "query", "scope", "variables"), OPERATIONS, ids=[f"{o[0]}-{i}" for i, o in enumerate(OPERATIONS)]
)
async def test_operation_with_just_its_scope_is_allowed(client_with, a1, operation, query, scope, variables):
    caller = await client_with(scope)

    result = await graphql(caller, query, **variables)

    assert "errors" not in result
    payload = result["data"][operation]
    assert payload is not None and not (isinstance(payload, dict) and payload.get("errors"))


# --- masking ---------------------------------------------------------------------------


async def test_account_is_masked_without_pii_read(client_with, a1):
    caller = await client_with("accounts:read")

    account = await fetch_account(caller, "a1")

    assert (account["email"], account["document"]) == ("a***@example.com", "***.***.*47-25")
    assert account["id"] == "a1" and account["documentType"] == "CPF"


async def test_account_is_shown_in_full_with_pii_read(client_with, a1):
    caller = await client_with("accounts:read", "pii:read")

    account = await fetch_account(caller, "a1")

    assert (account["email"], account["document"]) == ("ana@example.com", CPF_COMPACT)


@pytest.mark.parametrize(
    ("document_type", "document", "masked"),
    [("CNPJ", CNPJ, "**.***.***/**01-81"), ("OTHER", "AB123456", "****3456"), ("OTHER", "X99", "***")],
)
async def test_every_document_type_is_masked(client, client_with, document_type, document, masked):
    await open_account(client, id="d1", email="d@example.com", documentType=document_type, document=document)
    caller = await client_with("accounts:read")

    assert (await fetch_account(caller, "d1"))["document"] == masked


async def test_account_list_is_masked_without_pii_read(client_with, a1):
    caller = await client_with("accounts:read")

    result = await graphql(caller, ACCOUNTS)

    assert result["data"]["accounts"]["nodes"] == [
        {"id": "a1", "email": "a***@example.com", "document": "***.***.*47-25"}
    ]


async def test_history_changes_are_masked_without_pii_read(client, client_with, a1):
    await open_account(client, id="a1", email="bruno@example.com", documentType="CPF", document="111.444.777-35")
    caller = await client_with("accounts:read")

    result = await graphql(caller, ACCOUNT_WITH_HISTORY, id="a1")

    newest, first = result["data"]["account"]["history"]["nodes"]
    assert {c["field"]: (c["from"], c["to"]) for c in newest["changes"]} == {
        "email": ("a***@example.com", "b***@example.com"),
        "document": ("***.***.*47-25", "***.***.*77-35"),
    }
    assert {c["field"]: c["to"] for c in first["changes"]}["email"] == "a***@example.com"


async def test_mutation_payload_is_masked_without_pii_read(client_with):
    caller = await client_with("accounts:write")

    result = await graphql(
        caller, OPEN_OR_CHANGE, input={"email": "carla@example.com", "documentType": "CPF", "document": CPF}
    )

    account = result["data"]["openOrChangeAccount"]["account"]
    assert (account["email"], account["document"]) == ("c***@example.com", "***.***.*47-25")


async def test_close_payload_is_masked_without_pii_read(client_with, a1):
    caller = await client_with("accounts:write")

    payload = await close_account(caller, "a1")

    assert payload["account"]["email"] == "a***@example.com"


async def test_a_key_without_pii_read_sending_back_masked_values_keeps_the_real_ones(client, client_with):
    account = await open_account(client, email="maria@example.com", documentType="CPF", document=CPF)
    editor = await client_with("accounts:read", "accounts:write")
    masked = await fetch_account(editor, account["id"])

    payload = await open_or_change(
        editor,
        id=account["id"],
        email=masked["email"],
        documentType="CPF",
        document=masked["document"],
        creditLimit="250.00",
    )

    assert payload["errors"] == []
    stored = await fetch_account(client, account["id"])
    assert (stored["email"], stored["document"], stored["creditLimit"]) == ("maria@example.com", CPF_COMPACT, "250.00")
