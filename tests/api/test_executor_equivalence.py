"""The fast read path (plain scalar fields completed directly, orjson for the JSON text) answers
byte for byte what strawberry's own executor and JSON encoder answer: the same requests are sent
through both, on the same store, and the status, the content type and the bytes are compared."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import httpx
import pytest
from starlette.routing import Route
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from customer_credit.graphql.core.plain_fields import PlainField, PlainFieldExecutor
from customer_credit.http.graphql_view import GRAPHQL_PATH, GraphQLView
from tests.support.accounts import close_account, open_account
from tests.support.credit import authorize, settled
from tests.support.documents import CNPJ, CPF
from tests.support.holders import added_holder

ACCOUNT_SCALARS = "id email documentType document creditLimit tolerance status description createdAt updatedAt version"

EVERYTHING = f"""
query Everything {{
  accounts(first: 10) {{
    totalCount
    count {{ count precision }}
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
    edges {{ cursor node {{ id }} }}
    nodes {{
      {ACCOUNT_SCALARS}
      spendingLimit balance heldCredit availableCredit
      holders {{ id email addedAt }}
      history(first: 5) {{
        totalCount
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ at version actor source importRunId changes {{ field from to }} }}
      }}
    }}
  }}
}}
"""

SHAPES = """
query Shapes($first: Int, $withVersion: Boolean!) {
  listed: accounts(first: $first, orderBy: {field: EMAIL, direction: ASC}) {
    nodes {
      key: id
      id
      id
      mail: email
      __typename
      ...Money
      ... on Account { status createdAt }
      ... @include(if: $withVersion) { version }
      description @skip(if: false)
      document @skip(if: true)
    }
  }
  again: accounts(first: 2) { nodes { id ...Money } }
}
fragment Money on Account { creditLimit tolerance balance }
"""

PAGE = """
query Page($first: Int, $after: String, $filter: AccountFilter) {
  accounts(first: $first, after: $after, filter: $filter) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id email documentType } }
  }
}
"""

LEDGER = """
query Ledger($id: ID!) {
  account(id: $id) {
    id status spendingLimit balance heldCredit availableCredit
    transactions(first: 10) {
      totalCount
      nodes {
        id accountId amount settledAmount refundedAmount installments orderId status createdAt expiresAt settledAt actor
        invoices { id installment numberOfInstallments amount originalAmount status dueDate originalDueDate overdue }
      }
    }
    invoices(first: 10) { nodes { id transactionId amount status overdue dueDate paidAt cancelledAt } }
    statement(first: 10) { totalCount nodes { id at kind amount balanceAfter transactionId invoiceId actor note } }
  }
}
"""

ONE_ACCOUNT = f"query One($id: ID!) {{ account(id: $id) {{ {ACCOUNT_SCALARS} }} }}"

BY_EMAIL = "query ByEmail($email: String!) { accountByEmail(email: $email) { id email holders { email } } }"

COUNT_OUT_OF_RANGE = "query Counted { accounts(first: 2) { nodes { id } count(limit: 0) { count } } }"

UNKNOWN_FIELD = "query Unknown { accounts(first: 2) { nodes { id colour } } }"

PARTIAL = """
query Partial($id: ID!) {
  viewer { scopes }
  storeSettings { invoiceDueDays toleranceEnabled }
  account(id: $id) { id email document }
  transaction: creditTransaction(id: "none") { id }
}
"""

BAD_VARIABLE = "query Bad($first: Int) { accounts(first: $first) { nodes { id } } }"

# (client, query, variables, extra headers); the client is "admin" (every scope) or "reader"
# (accounts:read only: emails and documents masked, the credit lists FORBIDDEN).
REQUESTS = [
    ("admin", EVERYTHING, {}, {}),
    ("reader", EVERYTHING, {}, {}),
    ("admin", SHAPES, {"first": 10, "withVersion": True}, {}),
    ("admin", SHAPES, {"first": 3, "withVersion": False}, {}),
    ("admin", PAGE, {"first": 2}, {}),
    ("admin", PAGE, {"first": 5, "filter": {"status": "CLOSED"}}, {}),
    ("admin", PAGE, {"first": 5, "filter": {"search": "ação"}}, {}),
    ("admin", PAGE, {"first": 2, "after": "not-a-cursor"}, {}),
    ("admin", PAGE, {"first": 100_000}, {}),
    ("admin", LEDGER, {"id": "credit-1"}, {}),
    ("reader", LEDGER, {"id": "credit-1"}, {}),
    ("admin", ONE_ACCOUNT, {"id": "unicode-2"}, {}),
    ("admin", ONE_ACCOUNT, {"id": "control-5"}, {}),
    ("admin", ONE_ACCOUNT, {"id": "no-such-account"}, {}),
    ("reader", BY_EMAIL, {"email": "joao@example.com"}, {}),
    ("reader", PARTIAL, {"id": "unicode-2"}, {}),
    ("admin", COUNT_OUT_OF_RANGE, {}, {}),
    ("admin", COUNT_OUT_OF_RANGE, {}, {"Accept-Language": "pt-BR"}),
    ("admin", UNKNOWN_FIELD, {}, {}),
    ("admin", UNKNOWN_FIELD, {}, {"Accept": "application/graphql-response+json"}),
    ("admin", BAD_VARIABLE, {"first": "\ud800"}, {}),
    ("admin", BAD_VARIABLE, {"first": "cinquenta e três"}, {"Accept-Language": "pt-BR"}),
]


@pytest.fixture
def standard_path(app):
    """`with standard_path():` the service answers through strawberry's own executor and JSON encoder."""
    view = next(route.app for route in app.routes if isinstance(route, Route) and route.path == GRAPHQL_PATH)
    assert view.schema.execution_context_class is PlainFieldExecutor

    @contextlib.contextmanager
    def switched() -> Iterator[None]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(view.schema, "execution_context_class", StrawberryGraphQLCoreExecutionContext)
            patch.delattr(GraphQLView, "encode_json")
            yield

    return switched


@pytest.fixture
def plain_completions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the fields the fast path completes, to show that it is the one answering."""
    counted = [0]
    complete = PlainField.complete

    def counting(self: PlainField, source: object) -> object:
        counted[0] += 1
        return complete(self, source)

    monkeypatch.setattr(PlainField, "complete", counting)
    return counted


@pytest.fixture
async def store(client: httpx.AsyncClient) -> None:
    """Accounts with every kind of value: null and set documents, non-ASCII and control characters,
    holders, a closed account, a changed one, and credit with invoices and statement entries."""
    await open_account(client, id="plain-1", email="ana@example.com", documentType="CPF", document=CPF)
    await open_account(
        client,
        id="unicode-2",
        email="joao@example.com",
        documentType="CNPJ",
        document=CNPJ,
        description="Conta de João — ação 🎉",
        creditLimit="1234.56",
        tolerance="0.0525",
    )
    await open_account(client, id="other-3", email="carla@example.org", documentType="OTHER", document="X99")
    await close_account(client, "other-3")
    await open_account(client, id="quotes-4", email="ze@example.net", description='quote " backslash \\ slash /')
    await open_account(client, id="control-5", email="del@example.net", description="tab\tnew line\nDEL\x7f")
    await open_account(client, id="plain-1", email="ana@example.com", description="mudou: ç")
    await added_holder(client, "unicode-2", "maria@example.com")
    await open_account(client, id="credit-1", email="credit@example.com", creditLimit="1000.00")
    await settled(client, "credit-1", "300.00", installments=3)
    await authorize(client, "credit-1", "50.00")


@pytest.fixture
async def reader(client_with) -> httpx.AsyncClient:
    return await client_with("accounts:read")


async def answers(client: httpx.AsyncClient, query: str, variables: dict, headers: dict) -> tuple:
    body = json.dumps({"query": query, "variables": variables})  # by hand: a lone surrogate stays escaped
    response = await client.post("/graphql", content=body, headers={"Content-Type": "application/json", **headers})
    return response.status_code, response.headers["content-type"], response.content


@pytest.mark.parametrize(("who", "query", "variables", "headers"), REQUESTS)
async def test_the_fast_path_answers_the_same_bytes_as_the_standard_executor(
    store, client, reader, plain_completions, standard_path, who, query, variables, headers
):
    caller = client if who == "admin" else reader

    fast = await answers(caller, query, variables, headers)
    completed_fast = plain_completions[0]
    with standard_path():
        standard = await answers(caller, query, variables, headers)

    assert fast == standard
    assert plain_completions[0] == completed_fast  # the standard answer took no shortcut


async def test_the_fast_path_answers_a_list_of_scalars(store, client, plain_completions):
    """The answer the benchmark reads: every node's fields come from the fast path."""
    query = "query List { accounts(first: 50) { nodes { %s } } }" % ACCOUNT_SCALARS

    status, _, content = await answers(client, query, {}, {})

    nodes = json.loads(content)["data"]["accounts"]["nodes"]
    assert status == 200 and len(nodes) == 6
    assert plain_completions[0] == 11 * len(nodes)
    assert b"\\u00e7" in content  # escaped as json.dumps escapes it (ensure_ascii)


async def test_get_requests_answer_the_same_bytes(store, client, plain_completions, standard_path):
    params = {"query": "query G { accounts(first: 5) { nodes { %s } } }" % ACCOUNT_SCALARS}

    fast = await client.get("/graphql", params=params)
    with standard_path():
        standard = await client.get("/graphql", params=params)

    assert (fast.status_code, fast.content) == (standard.status_code, standard.content)
    assert plain_completions[0] > 0
