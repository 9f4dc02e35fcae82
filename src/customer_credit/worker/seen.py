"""The keys (ids, emails, documents) already met in a file, in flat memory.

A Python set of a million strings costs hundreds of megabytes; this keeps a
64-bit hash per key in one array (8 bytes a slot, open addressing), so a
1,000,000-row file needs about 64 MB. Two different keys share a 64-bit hash
with a probability of about 1e-7 for three million keys, which would flag a
row as a duplicate wrongly; that is the price of flat memory.
"""

from __future__ import annotations

from array import array
from hashlib import blake2b


class SeenKeys:
    def __init__(self, expected: int):
        size = 1 << max(10, (2 * max(expected, 1)).bit_length())
        self.mask = size - 1
        self.slots = array("Q", bytes(8 * size))

    def add(self, key: str) -> bool:
        """Remember `key`; False when it was already there."""
        digest = int.from_bytes(blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little") or 1
        slots, mask = self.slots, self.mask
        index = digest & mask
        while True:
            value = slots[index]
            if value == 0:
                slots[index] = digest
                return True
            if value == digest:
                return False
            index = (index + 1) & mask
