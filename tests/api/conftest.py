"""Fixtures of the API tests. The fixtures `database`, `app`, `client`, `anonymous` and `client_with`
come from tests/conftest.py; every test here runs on both backends. Helpers live in tests/support.
"""

from __future__ import annotations

import pytest

from customer_credit.persistence.database import Database
from tests.support.accounts import stored_state
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
def account_writes(monkeypatch: pytest.MonkeyPatch) -> AccountWrites:
    """Every account insert and update the app makes from here on, to show a race happened."""
    return AccountWrites().watch(monkeypatch)
