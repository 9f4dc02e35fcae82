"""`SeenKeys`: the keys met in a file, 8 bytes a slot, at most three slots in four taken."""

from __future__ import annotations

from customer_credit.worker.seen import SeenKeys


def test_a_new_key_is_remembered_and_the_same_key_again_is_a_duplicate() -> None:
    seen = SeenKeys(10)

    assert seen.add("email:ana@example.com") is True
    assert seen.add("email:ana@example.com") is False
    assert seen.add("email:bia@example.com") is True


def test_keys_are_told_apart_exactly_as_given() -> None:
    seen = SeenKeys(10)
    seen.add("email:ana@example.com")

    assert seen.add("id:ana@example.com") is True
    assert seen.add("email:Ana@example.com") is True


def test_a_million_row_file_of_three_keys_a_row_takes_about_32_mb() -> None:
    slots = SeenKeys(3_000_000).slots

    assert 3_000_000 / len(slots) <= 0.75
    assert len(slots) * slots.itemsize == 32 * 1024 * 1024


def test_more_keys_than_expected_are_all_remembered_as_the_slots_grow() -> None:
    seen = SeenKeys(1)
    first = len(seen.slots)
    keys = [f"email:user{n}@example.com" for n in range(5 * first)]

    assert all(seen.add(key) for key in keys)
    assert not any(seen.add(key) for key in keys)
    assert len(seen.slots) > first and seen.taken / len(seen.slots) <= 0.75
