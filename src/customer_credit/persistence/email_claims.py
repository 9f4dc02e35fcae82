"""Which open account holds an email, as its own email or a holder's: one claim document per email key.

`email_claims` keeps `{_id: <email key>, account_id, version, at}`; `_id` is unique, so of any
number of concurrent claims of one email exactly one insert succeeds, whichever account (and
whichever role, main or holder) each wants it for. There are no multi-document transactions, so
a claim and the account write it permits are two writes, ordered to be safe:

- **Claim before the write.** `version` is the version the account will have once the write that
  adds the email lands; `at` is when the claim was made.
- **A claim counts while its account holds the email** (open, and the email is its email's or a
  holder's key), **or while its write may still be in flight**: the account is below `version`
  and the claim is younger than `CLAIM_LEASE_MS`. Any other claim is stale — left by a write that
  failed, a crash between the two writes, or a release that did not happen — and the next claimer
  of that email deletes it (only that exact claim: same account, same version) and claims again.
  So a crash can hold an email for at most the lease.
- **Release after the write** that frees the email (a holder removed, an email changed, the account
  closed), only claims older than that write's version, so a later claim of the same email by the
  same account is never released by an earlier change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pymongo.errors import BulkWriteError, DuplicateKeyError

from customer_credit.domain.account_planner import in_use
from customer_credit.domain.accounts import AccountStatus, email_key
from customer_credit.domain.clock import now_ms
from customer_credit.domain.errors import AccountRuleViolation
from customer_credit.persistence.database import ACCOUNTS, EMAIL_CLAIMS, Database
from customer_credit.persistence.errors import DUPLICATE_KEY

# How long a claim whose account does not hold the email yet counts as a write in flight.
CLAIM_LEASE_MS = 60_000
# Stale claims deleted (each then claimed again) before a claim gives up as EMAIL_IN_USE.
CLAIM_ATTEMPTS = 3


@dataclass(frozen=True)
class Claim:
    key: str
    account_id: str
    version: int
    at_ms: int


def claim_of(document: dict[str, Any]) -> Claim:
    return Claim(document["_id"], document["account_id"], document["version"], document["at"])


def stored_keys(account: dict[str, Any] | None) -> frozenset[str]:
    """The email keys a stored account (its status, email and holders) holds now."""
    if account is None or account.get("status") != AccountStatus.OPEN.value:
        return frozenset()
    holders = (account.get("holders") or {}).values()
    return frozenset({email_key(account["email"]), *(email_key(holder["email"]) for holder in holders)})


def holds(account: dict[str, Any] | None, key: str) -> bool:
    return key in stored_keys(account)


HOLDING_FIELDS = {"status": 1, "email": 1, "holders": 1, "version": 1}


class EmailClaims:
    def __init__(self, database: Database):
        self.claims = database.collection(EMAIL_CLAIMS)
        self.accounts = database.collection(ACCOUNTS)

    async def claim(self, account_id: str, keys: Iterable[str], version: int) -> None:
        """Claim every key for the account's write at `version`; EMAIL_IN_USE (and nothing claimed) if
        another open account holds one of them or is about to."""
        claimed: list[str] = []
        try:
            for key in sorted(keys):
                await self.claim_one(account_id, key, version)
                claimed.append(key)
        except AccountRuleViolation:
            await self.undo(account_id, claimed, version)
            raise

    async def claim_one(self, account_id: str, key: str, version: int) -> None:
        for _ in range(CLAIM_ATTEMPTS):
            at = now_ms()
            try:
                await self.claims.insert_one({"_id": key, "account_id": account_id, "version": version, "at": at})
                return
            except DuplicateKeyError:
                pass
            if await self.settle(account_id, key, version, at):
                return
        raise AccountRuleViolation([in_use("email")])

    async def settle(self, account_id: str, key: str, version: int, at: int) -> bool:
        """After a failed insert: True if the claim is (now) this account's; raises EMAIL_IN_USE if the
        claim counts for another account; False after deleting a stale claim (claim again)."""
        document = await self.claims.find_one({"_id": key})
        if document is None:
            return False
        claim = claim_of(document)
        if claim.account_id == account_id:
            # A claim of this account's own (an earlier write of it): move it to this write's version.
            if claim.version >= version:
                return True
            moved = await self.claims.update_one(
                {"_id": key, "account_id": account_id, "version": claim.version},
                {"$set": {"version": version, "at": at}},
            )
            return moved.matched_count == 1
        if await self.counts(claim, at):
            raise AccountRuleViolation([in_use("email")])
        await self.claims.delete_one({"_id": key, "account_id": claim.account_id, "version": claim.version})
        return False

    async def counts(self, claim: Claim, now: int) -> bool:
        owner = await self.accounts.find_one({"_id": claim.account_id}, HOLDING_FIELDS)
        if holds(owner, claim.key):
            return True
        in_flight = (owner or {}).get("version", 0) < claim.version
        return in_flight and now - claim.at_ms < CLAIM_LEASE_MS

    async def claim_batch(self, wanted: list[tuple[str, frozenset[str], int]]) -> set[int]:
        """Claims for many writes at once (an import's batch): one insert for all, and the slow path
        only for the keys that were taken. The positions that could not claim every key (their
        claims undone)."""
        documents: list[dict[str, Any]] = []
        owners: list[tuple[int, str]] = []
        at = now_ms()
        for position, (account_id, keys, version) in enumerate(wanted):
            for key in sorted(keys):
                documents.append({"_id": key, "account_id": account_id, "version": version, "at": at})
                owners.append((position, key))
        if not documents:
            return set()
        taken: list[int] = []
        try:
            await self.claims.insert_many(documents, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != DUPLICATE_KEY for error in errors):
                raise
            taken = [error["index"] for error in errors]
        failed: set[int] = set()
        for index in taken:
            position, key = owners[index]
            account_id, _, version = wanted[position]
            try:
                await self.claim_one(account_id, key, version)
            except AccountRuleViolation:
                failed.add(position)
        for position in failed:
            account_id, keys, version = wanted[position]
            await self.undo(account_id, keys, version)
        return failed

    async def undo(self, account_id: str, keys: Iterable[str], version: int) -> None:
        """The write that claimed `keys` at `version` did not land: give back the claims its account
        does not hold (a concurrent write of the same account may have added them)."""
        keys = list(keys)
        if not keys:
            return
        owner = await self.accounts.find_one({"_id": account_id}, HOLDING_FIELDS)
        for key in keys:
            if not holds(owner, key):
                await self.claims.delete_one({"_id": key, "account_id": account_id, "version": version})

    async def release(self, account_id: str, keys: Iterable[str], version: int) -> None:
        """After the write at `version` that let go of `keys`: their claims made before it."""
        keys = sorted(keys)
        if keys:
            await self.claims.delete_many({"_id": {"$in": keys}, "account_id": account_id, "version": {"$lt": version}})

    async def find(self, keys: set[str]) -> list[Claim]:
        if not keys:
            return []
        return [claim_of(document) async for document in self.claims.find({"_id": {"$in": sorted(keys)}})]

    async def claim_unclaimed(self) -> int:
        """Claim the emails of open accounts written before claims existed (no `holders` member yet);
        returns how many accounts were brought over."""
        brought = 0
        async for document in self.accounts.find({"email_key": {"$exists": True}, "holders": {"$exists": False}}):
            account_id = document["_id"]
            try:
                await self.claim(account_id, stored_keys(document), document.get("version", 0))
            except AccountRuleViolation:
                continue
            result = await self.accounts.update_one(
                {"_id": account_id, "holders": {"$exists": False}}, {"$set": {"holders": {}}}
            )
            brought += result.modified_count
        return brought
