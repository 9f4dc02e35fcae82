"""Known faults documented by strict xfail tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


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
