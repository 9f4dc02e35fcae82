"""Fixtures of the modules that start the real service (and their own database) as subprocesses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import ExternalMongo, Launcher, Serve, cli_env


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    """Starts `serve` and CLI commands; afterwards kills every process it started."""
    started = Launcher(tmp_path)
    try:
        yield started
    finally:
        started.cleanup()


@pytest.fixture
def external_db(tmp_path: Path) -> Iterator[ExternalMongo]:
    """A database the test owns: it can stop, restart or freeze it while services use it."""
    server = ExternalMongo(tmp_path / "external-db")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    """One `serve` per module on its own embedded store. Small import batches: a run has several
    checkpoints to follow."""
    tmp_path = tmp_path_factory.mktemp("service")
    launcher = Launcher(tmp_path)
    try:
        serve = launcher.serve(tmp_path / "data", env=cli_env(IMPORT_BATCH_SIZE="3"))
        assert serve.admin_secret is not None
        yield serve
    finally:
        launcher.cleanup()
