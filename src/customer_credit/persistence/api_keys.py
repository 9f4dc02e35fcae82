"""API keys at rest: the name, the scopes and a hash of the secret, never the secret."""

from __future__ import annotations

import time
from typing import Any

from pymongo.errors import DuplicateKeyError

from customer_credit.domain.api_keys import ApiKey, Caller, generate_secret, hash_secret
from customer_credit.persistence.database import API_KEYS, Database


class KeyNameTaken(Exception):
    pass


# The most keys whose checks one process keeps (the oldest checked is dropped first).
MAX_CACHED_KEYS = 1_000


class ApiKeyRepository:
    """`cache_seconds`: how long a successful check of a secret is reused without reading the store, so
    a request costs no read for its key; a key revoked by another process (the CLI, another replica) is
    refused at most that long after. Revoking through this repository drops its checks at once. Failed
    checks are never reused."""

    def __init__(self, database: Database, cache_seconds: float = 0.0):
        self.keys = database.collection(API_KEYS)
        self.cache_seconds = cache_seconds
        self._checked: dict[str, tuple[float, Caller]] = {}

    async def create(self, name: str, scopes: frozenset[str]) -> str:
        """Store a new key and return its secret, which is not kept."""
        secret = generate_secret()
        document = {
            "_id": name,
            "secret_hash": hash_secret(secret),
            "scopes": sorted(scopes),
            "created_at": int(time.time() * 1000),
            "revoked": False,
        }
        try:
            await self.keys.insert_one(document)
        except DuplicateKeyError:
            raise KeyNameTaken(name) from None
        return secret

    async def authenticate(self, secret: str) -> Caller | None:
        secret_hash = hash_secret(secret)
        checked = self._checked.get(secret_hash)
        if checked is not None and time.monotonic() - checked[0] < self.cache_seconds:
            return checked[1]
        read_at = time.monotonic()
        document = await self.keys.find_one({"secret_hash": secret_hash, "revoked": False})
        if document is None:
            self._checked.pop(secret_hash, None)
            return None
        caller = Caller(name=document["_id"], scopes=frozenset(document["scopes"]))
        if self.cache_seconds > 0:
            self._checked.pop(secret_hash, None)
            self._checked[secret_hash] = (read_at, caller)
            if len(self._checked) > MAX_CACHED_KEYS:
                del self._checked[next(iter(self._checked))]
        return caller

    async def authenticate_pair(self, name: str, secret: str) -> Caller | None:
        """The AppKey/AppToken style: the key's name and its secret."""
        caller = await self.authenticate(secret)
        return caller if caller is not None and caller.name == name else None

    async def list(self) -> list[ApiKey]:
        cursor = self.keys.find({}, {"secret_hash": 0}).sort("_id", 1)
        return [api_key_from_document(document) async for document in cursor]

    async def revoke(self, name: str) -> bool:
        self._checked = {key: entry for key, entry in self._checked.items() if entry[1].name != name}
        result = await self.keys.update_one({"_id": name, "revoked": False}, {"$set": {"revoked": True}})
        return result.modified_count == 1

    async def is_empty(self) -> bool:
        return await self.keys.find_one({}, {"_id": 1}) is None


def api_key_from_document(document: dict[str, Any]) -> ApiKey:
    return ApiKey(
        name=document["_id"],
        scopes=tuple(document["scopes"]),
        created_at_ms=document["created_at"],
        revoked=document.get("revoked", False),
    )
