"""`serve` tunes CPython's garbage collector before it serves (see `tune_garbage_collector`)."""

from __future__ import annotations

import gc
import signal
from collections.abc import Iterator

import pytest
import uvicorn

from customer_credit.cli.main import parser
from customer_credit.cli.serve import GC_YOUNG_THRESHOLD, tune_garbage_collector


@pytest.fixture
def collector_restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_the_young_generation_is_collected_every_10000_allocations(collector_restored) -> None:
    tune_garbage_collector()

    assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, 10, 10) == (10_000, 10, 10)


def test_what_start_up_built_is_kept_out_of_later_collections(collector_restored) -> None:
    built_at_start_up = [{"kept": n} for n in range(1000)]

    tune_garbage_collector()

    assert gc.get_freeze_count() >= len(built_at_start_up)
    assert all(tracked is not built_at_start_up for tracked in gc.get_objects())  # not in any generation


@pytest.fixture
def signal_handlers_restored() -> Iterator[None]:
    """`serve` installs its own SIGINT and SIGTERM handlers."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


def test_serve_tunes_the_collector_before_the_server_runs(
    collector_restored, signal_handlers_restored, monkeypatch, tmp_path
) -> None:
    thresholds_when_serving: list[tuple[int, int, int]] = []

    def run(server: uvicorn.Server, sockets=None) -> None:
        thresholds_when_serving.append(gc.get_threshold())

    monkeypatch.setattr(uvicorn.Server, "run", run)
    args = parser().parse_args(["serve", "--port", "0", "--data-dir", str(tmp_path)])

    assert args.handler(args) == 0
    assert thresholds_when_serving == [(GC_YOUNG_THRESHOLD, 10, 10)]
