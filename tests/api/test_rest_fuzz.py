"""Schemathesis against the generated OpenAPI document, in process: no 5xx, and every answer as documented.

Bounded: 150 generated requests per generation mode (positive, negative) over all operations,
about 15 s in all. The app runs on mongomock-motor only: schemathesis drives the ASGI app from
its own event loop in a thread, and a Motor client on the embedded server belongs to the loop
that created it.

Written with `schema.as_strategy()` and Hypothesis' `@given` rather than schemathesis' pytest
plugin: its lazy `schemathesis.pytest.from_fixture` (4.32.5) sets `request.node._nodeid`,
which pytest 9.2 no longer has.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
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
MAX_EXAMPLES = 150  # over all operations
# Two accounts for the generated requests to meet (an id of theirs, an email in use).
SEED = {
    "acc-1": b'{"email": "ana@example.com", "creditLimit": 1500.10, "document": "52998224725", "documentType": "CPF"}',
    "seeded": b'{"email": "bruno@example.com", "tolerance": 0.05}',
}


async def prepared_app():
    """The app on mongomock-motor, a key with every scope, and the seeded accounts."""
    database = in_memory_database("fuzz")
    await database.create_indexes()
    app = create_app(Settings(mongodb_uri="mongodb://unused", data_dir=Path("/nonexistent")), database=database)
    secret = await make_key(database, "fuzzer", {"admin"})
    headers = {"Authorization": f"Bearer {secret}"}
    async with http_client(app, secret) as client:
        for account_id, body in SEED.items():
            response = await client.put(f"/api/creditcontrol/accounts/{account_id}", content=body)
            assert response.status_code == 201, response.text
    return app, headers


@pytest.fixture(scope="module")
def keyed_app():
    return asyncio.run(prepared_app())


@pytest.mark.parametrize("mode", ["POSITIVE", "NEGATIVE"])
def test_rest_api_answers_generated_requests_as_documented_without_5xx(keyed_app, mode):
    app, headers = keyed_app
    schema = schemathesis.openapi.from_asgi(OPENAPI_URL, app, headers=headers)

    @given(case=schema.as_strategy(generation_mode=schemathesis.GenerationMode[mode]))
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def answers_as_documented(case):
        response = case.call(headers=headers)

        assert response.status_code < 500, (case.method, case.formatted_path, response.text)
        case.validate_response(response, headers=headers, excluded_checks=EXCLUDED_CHECKS)

    answers_as_documented()
