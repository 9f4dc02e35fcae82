"""A short, bounded fuzz of the GraphQL endpoint, in process: schemathesis (through
hypothesis-graphql) writes valid and invalid queries and mutations from the schema itself; none may
end in an HTTP 5xx or a masked unexpected error.

Derandomized on purpose: the same inputs (EXAMPLES_PER_OPERATION per operation and mode) every run,
so `make test` is a regression check that never fails by chance. Exploring new inputs is the job of
`make fuzz` (tests/security/fuzz_server.py): longer, against a real server, with a fresh seed each
run that it prints, and `FUZZ_SEED=N make fuzz` to replay one."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from customer_credit.http.app import create_app
from customer_credit.settings import Settings
from tests.support.clients import make_key
from tests.support.mongomock import in_memory_database

from . import fuzz_hooks

EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def fuzz_target():
    """The app on an in-process store, an admin key, and the schema schemathesis reads by introspection."""
    database = in_memory_database(f"fuzz_{uuid.uuid4().hex[:8]}")
    asyncio.run(database.create_indexes())
    headers = {"Authorization": f"Bearer {asyncio.run(make_key(database, 'fuzzer', {'admin'}))}"}
    app = create_app(Settings(mongodb_uri="mongodb://unused", data_dir=Path("/nonexistent")), database=database)
    schema = schemathesis.graphql.from_asgi("/graphql", app, headers=headers)
    operations = {result.ok().label: result.ok() for result in schema.get_all_operations()}
    return operations, headers


OPERATIONS = [
    "Query.account",
    "Query.accounts",
    "Query.importRun",
    "Query.importRuns",
    "Mutation.openOrChangeAccount",
    "Mutation.closeAccount",
    "Mutation.importCsv",
]


def test_the_fuzzer_sees_every_query_and_mutation(fuzz_target):
    operations, _ = fuzz_target

    assert set(OPERATIONS) <= set(operations)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("label", OPERATIONS)
def test_generated_requests_never_get_a_5xx_or_an_internal_error(fuzz_target, label, mode):
    operations, headers = fuzz_target
    failures: list[str] = []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operations[label].as_strategy(generation_mode=mode))
    def run(case):
        response = case.call(headers=headers)
        if response.status_code >= 500 or fuzz_hooks.internal_errors(response.content):
            failures.append(f"{response.status_code} for {case.body!r}: {response.text[:300]}")

    run()

    assert failures == []
