"""Schemathesis against the generated OpenAPI document, in process: no 5xx, and every answer as documented.

Bounded: 300 generated requests per generation mode (positive, negative) over all operations.
In the positive mode, half of the requests that name an account, a transaction or an invoice in
their path name a seeded one (an account with authorized and settled transactions and their
invoices), so that the credit operations meet real state and not only 404s; the negative mode
keeps its generated paths (a substituted one could turn a request meant to be refused into a
valid one). The app runs on mongomock-motor only: schemathesis drives the ASGI app from
its own event loop in a thread, and a Motor client on the embedded server belongs to the loop
that created it.

Written with `schema.as_strategy()` and Hypothesis' `@given` rather than schemathesis' pytest
plugin: its lazy `schemathesis.pytest.from_fixture` (4.32.5) sets `request.node._nodeid`,
which pytest 9.2 no longer has.

The document must also describe what the API accepts closely enough that a generated client sends
valid requests: schemathesis' own engine, the one `st run` drives, generates valid data for every
operation (its examples, coverage and fuzzing phases) and `st run`'s warning collector must report no
"schema validation mismatch" (an operation that refused every valid request it was sent, mostly as 400).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.cli.commands.run.context import ExecutionContext  # noqa: E402
from schemathesis.engine import Status, events, from_schema  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

from customer_credit.http.app import create_app  # noqa: E402
from customer_credit.settings import Settings  # noqa: E402
from tests.support.clients import http_client, make_key  # noqa: E402
from tests.support.mongomock import in_memory_database  # noqa: E402

OPENAPI_URL = "/api/creditcontrol/openapi.json"
# A schema-valid body may still break a domain rule a JSON schema cannot state (email syntax,
# check digits, "documentType with a document", an email already in use): those 400/409s are
# right, so "positive data must be accepted" is not checked. Everything else is (status codes,
# content types, headers and bodies as documented; schema-invalid requests refused with 4xx).
EXCLUDED_CHECKS = [positive_data_acceptance]
MAX_EXAMPLES = 300  # over all operations
# Two accounts for the generated requests to meet (an id of theirs, an email in use).
SEED = {
    "acc-1": b'{"email": "ana@example.com", "creditLimit": 1500.10, "document": "52998224725", "documentType": "CPF"}',
    "seeded": b'{"email": "bruno@example.com", "tolerance": 0.05}',
}


# Refused for what the request names, not for its data: a schema cannot know that a transaction is not
# Settled (then nothing is refundable: 400 AMOUNT_EXCEEDS_REFUNDABLE, as the contract says), nor which
# invoice ids exist (a generated one names none: 404), nor how many days an invoice has left to postpone.
STATE_BOUND = {
    "POST /api/creditcontrol/accounts/{accountId}/transactions/{transactionId}/refunds",
    "PUT /api/creditcontrol/accounts/{accountId}/invoices/{invoiceId}/postponement",
}
VALID_DATA_EXAMPLES = 30  # per operation and phase


@dataclass(frozen=True)
class Seeded:
    transactions: tuple[str, ...]  # of acc-1: three Authorized, then two Settled
    invoices: tuple[str, ...]  # the settled ones', three each


async def seed_credit(client: httpx.AsyncClient) -> Seeded:
    transactions, invoices = [], []
    for settle in (False, False, False, True, True):
        response = await client.post(
            "/api/creditcontrol/accounts/acc-1/transactions", content=b'{"value": 90.00, "installments": 3}'
        )
        assert response.status_code == 201, response.text
        transaction_id = response.json()["id"]
        transactions.append(transaction_id)
        if settle:
            response = await client.put(
                f"/api/creditcontrol/accounts/acc-1/transactions/{transaction_id}/settlement",
                content=b'{"value": 90.00}',
            )
            assert response.status_code == 200, response.text
            invoices += [invoice["id"] for invoice in response.json()["invoices"]]
    return Seeded(tuple(transactions), tuple(invoices))


async def prepared_app():
    """The app on mongomock-motor, a key with every scope, the seeded accounts and credit."""
    database = in_memory_database("fuzz")
    await database.create_indexes()
    app = create_app(Settings(mongodb_uri="mongodb://unused", data_dir=Path("/nonexistent")), database=database)
    secret = await make_key(database, "fuzzer", {"admin"})
    headers = {"Authorization": f"Bearer {secret}"}
    async with http_client(app, secret) as client:
        for account_id, body in SEED.items():
            response = await client.put(f"/api/creditcontrol/accounts/{account_id}", content=body)
            assert response.status_code == 201, response.text
        seeded = await seed_credit(client)
    return app, headers, seeded


@pytest.fixture(scope="module")
def keyed_app():
    return asyncio.run(prepared_app())


@pytest.mark.parametrize("mode", ["POSITIVE", "NEGATIVE"])
def test_rest_api_answers_generated_requests_as_documented_without_5xx(keyed_app, mode):
    app, headers, seeded = keyed_app
    schema = schemathesis.openapi.from_asgi(OPENAPI_URL, app, headers=headers)
    known = {
        "accountId": st.just("acc-1"),
        "transactionId": st.sampled_from(seeded.transactions),
        "invoiceId": st.sampled_from(seeded.invoices),
    }

    @given(case=schema.as_strategy(generation_mode=schemathesis.GenerationMode[mode]), data=st.data())
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def answers_as_documented(case, data):
        if mode == "POSITIVE" and case.path_parameters and data.draw(st.booleans(), label="seeded path"):
            for name in case.path_parameters.keys() & known.keys():
                case.path_parameters[name] = data.draw(known[name], label=name)
        response = case.call(headers=headers)

        assert response.status_code < 500, (case.method, case.formatted_path, response.text)
        case.validate_response(response, headers=headers, excluded_checks=EXCLUDED_CHECKS)

    answers_as_documented()


def test_generated_valid_requests_are_not_mostly_rejected_as_invalid():
    app, headers, _ = asyncio.run(prepared_app())
    schema = schemathesis.openapi.from_asgi(OPENAPI_URL, app, headers=headers)
    config = schema.config
    config.update(headers=headers, continue_on_failure=True)
    config.phases.update(phases=["examples", "coverage", "fuzzing"])
    config.generation.update(
        modes=[schemathesis.GenerationMode.POSITIVE],
        max_examples=VALID_DATA_EXAMPLES,
        deterministic=True,
        database="none",
    )
    # Only a server error fails a scenario: a failed one is left out of the warnings, which are the point here.
    config.checks.update(included_check_names=["not_a_server_error"])
    run = ExecutionContext(config=config)
    failed = []
    for event in from_schema(schema).execute():
        run.on_event(event)
        if isinstance(event, events.ScenarioFinished) and event.status in (Status.FAILURE, Status.ERROR):
            failed.append((event.phase, event.label))

    assert failed == []
    assert run.statistic.total_cases > 100
    assert run.warnings.validation_mismatch - STATE_BOUND == set()
