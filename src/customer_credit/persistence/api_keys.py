"""API keys at rest: the name, the scopes and a hash of the secret, never the secret."""

from __future__ import annotations

import time
from typing import Any

from pymongo.errors import DuplicateKeyError

from customer_credit.domain.api_keys import ApiKey, Caller, generate_secret, hash_secret
from customer_credit.persistence.database import API_KEYS, Database


class KeyNameTaken(Exception):
    pass


class ApiKeyRepository:
    def __init__(self, database: Database):
        self.keys = database.collection(API_KEYS)

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
        document = await self.keys.find_one({"secret_hash": hash_secret(secret), "revoked": False})
        if document is None:
            return None
        return Caller(name=document["_id"], scopes=frozenset(document["scopes"]))

    async def authenticate_pair(self, name: str, secret: str) -> Caller | None:
        """The AppKey/AppToken style: the key's name and its secret."""
        caller = await self.authenticate(secret)
        return caller if caller is not None and caller.name == name else None

    async def list(self) -> list[ApiKey]:
        cursor = self.keys.find({}, {"secret_hash": 0}).sort("_id", 1)
        return [api_key_from_document(document) async for document in cursor]

    async def revoke(self, name: str) -> bool:
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
