"""The keys (ids, emails, documents) already met in a file, in flat memory.

A Python set of a million strings costs hundreds of megabytes; this keeps a
64-bit hash per key in one array (8 bytes a slot, open addressing with linear
probing, at most three slots in four taken), so a 1,000,000-row file (up to
three keys a row) needs about 32 MB. Two different keys share a 64-bit hash
with a probability of about 1e-7 for three million keys, which would flag a
row as a duplicate wrongly; that is the price of flat memory.
"""

from __future__ import annotations

from array import array
from hashlib import blake2b

MIN_BITS = 10


def empty_slots(expected: int) -> array[int]:
    """Slots for `expected` keys with at most three in four taken: the smallest power of two above 4/3 of them."""
    return array("Q", bytes(8 << max(MIN_BITS, (max(expected, 1) * 4 // 3).bit_length())))


class SeenKeys:
    def __init__(self, expected: int):
        self.slots = empty_slots(expected)
        self.taken = 0

    def add(self, key: str) -> bool:
        """Remember `key`; False when it was already there."""
        digest = int.from_bytes(blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little") or 1
        if not self._place(digest):
            return False
        self.taken += 1
        if self.taken * 4 > len(self.slots) * 3:
            self._grow()
        return True

    def _place(self, digest: int) -> bool:
        slots = self.slots
        mask = len(slots) - 1
        index = digest & mask
        while True:
            value = slots[index]
            if value == 0:
                slots[index] = digest
                return True
            if value == digest:
                return False
            index = (index + 1) & mask

    def _grow(self) -> None:
        """Twice the slots, for more keys than the file's rows promised (a run sizes it from its row count)."""
        old = self.slots
        self.slots = array("Q", bytes(16 * len(old)))
        for digest in old:
            if digest:
                self._place(digest)
