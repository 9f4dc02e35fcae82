"""Fixtures of the API tests. The fixtures `database`, `app`, `client`, `anonymous` and `client_with`
come from tests/conftest.py; every test here runs on both backends. Helpers live in tests/support.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from pymongo.errors import ServerSelectionTimeoutError

from customer_credit.persistence.database import Database
from tests.support.accounts import close_account, open_account, stored_state
from tests.support.documents import CNPJ, CPF
from tests.support.faults import DRIVER_DETAIL
from tests.support.races import AccountWrites


@pytest.fixture
def unchanged_store(database: Database):
    """`async with unchanged_store():` asserts that the block wrote no account and no event."""

    class Unchanged:
        async def __aenter__(self):
            self.before = await stored_state(database)

        async def __aexit__(self, *exc_info):
            if exc_info[0] is None:
                assert await stored_state(database) == self.before, "the request wrote to the store"

    return Unchanged


@pytest.fixture
def database_down(app, monkeypatch):
    """`database_down()`: from then on every call to the app's repositories raises what the driver
    raises when it cannot reach the database (ServerSelectionTimeoutError), the API-key lookup
    included. `database_down("imports")`: only those repositories (`Services` attribute names)."""

    async def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise ServerSelectionTimeoutError(DRIVER_DETAIL)

    async def unreachable_rows(*args: Any, **kwargs: Any) -> Any:
        raise ServerSelectionTimeoutError(DRIVER_DETAIL)
        yield

    def down(*repositories: str) -> None:
        services = app.state.services
        for name in repositories or ("api_keys", "accounts", "imports", "account_batches"):
            repository = getattr(services, name)
            for method, function in inspect.getmembers(type(repository), inspect.isfunction):
                if inspect.iscoroutinefunction(function):
                    monkeypatch.setattr(repository, method, unreachable)
                elif inspect.isasyncgenfunction(function):
                    monkeypatch.setattr(repository, method, unreachable_rows)

    return down


@pytest.fixture
def account_writes(monkeypatch: pytest.MonkeyPatch) -> AccountWrites:
    """Every account insert and update the app makes from here on, to show a race happened."""
    return AccountWrites().watch(monkeypatch)


@pytest.fixture
async def four_kinds(client) -> None:
    """Accounts that differ in every filterable field."""
    await open_account(client, id="alpha-1", email="ana@example.com", documentType="CPF", document=CPF)
    await open_account(client, id="beta-2", email="Bruno@Example.com", documentType="CNPJ", document=CNPJ)
    await open_account(client, id="gamma-3", email="carla@example.org", documentType="OTHER", document="X99")
    await close_account(client, "gamma-3")
    await open_account(client, id="delta-4", email="alpha@example.net")
