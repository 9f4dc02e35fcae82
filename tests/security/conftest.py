"""Fixtures of the security tests.

They run on mongomock only: what they check (limits, masking, logs, parsing) happens above the
database, and the API tests already run every operation on the embedded server too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.support.logs import JsonLines


@pytest.fixture
def backend() -> str:
    return "mongomock"


@pytest.fixture
def json_log(caplog) -> Iterator[JsonLines]:
    """The service's log as JSON lines, from DEBUG up (caplog lowers the levels and restores them)."""
    caplog.set_level(logging.DEBUG)
    handler = JsonLines()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
