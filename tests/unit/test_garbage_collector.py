"""`serve` tunes CPython's garbage collector before it serves (see `tune_garbage_collector`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

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
