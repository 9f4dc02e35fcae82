"""Faults: a database outage's driver message, and known faults documented by strict xfail tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

# What the driver says when it cannot reach the database: internals no client may ever see.
DRIVER_DETAIL = "db-7.internal.example.net:27017: [Errno 111] Connection refused, Topology Description: <...>"


class Fault(AssertionError):
    """The failure an xfail test documents. Such tests are marked `xfail(strict=True, raises=Fault)`
    and make only their decisive assertions inside `documents_fault()`, so that anything else going
    wrong (a timeout while setting up, say) still fails the test instead of passing for the fault."""


@contextlib.contextmanager
def documents_fault() -> Iterator[None]:
    try:
        yield
    except AssertionError as exc:
        raise Fault(*exc.args) from exc
