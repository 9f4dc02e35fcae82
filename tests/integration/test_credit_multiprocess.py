"""Money against real processes: two `serve` processes authorizing on one account of a shared
store never hold more than it can spend, and a burst of authorizations cut by `kill -9`, retried
with its idempotency keys after a restart, holds each key exactly once and leaves a ledger that
`customer-credit check` finds consistent.
"""

from __future__ import annotations

import random
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from customer_credit.persistence.database import IDEMPOTENCY_KEYS
from tests.support.graphql import gql, gql_data
from tests.support.processes import CLI, ExternalMongo, Launcher, Serve, create_key, service_env
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

OPEN = """
mutation Open($email: String!, $limit: Decimal!) {
  openOrChangeAccount(input: {email: $email, creditLimit: $limit}) { account { id spendingLimit } errors { code } }
}
"""
AUTHORIZE = """
mutation Authorize($input: AuthorizeCreditInput!) {
  authorizeCredit(input: $input) { transaction { id amount } errors { code } }
}
"""
LEDGER = """
query Ledger($id: ID!) {
  account(id: $id) { heldCredit transactions(first: 1) { totalCount } }
}
"""


@dataclass(frozen=True)
class Call:
    """One authorizeCredit call as the client saw it."""

    key: str
    cents: int
    service: int
    started: float
    ended: float
    transaction_id: str | None = None
    codes: tuple[str, ...] = ()
    cut: bool = False  # no answer: the connection broke


def cents(amount: str) -> int:
    return int(Decimal(amount) * 100)


def amount_of(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


def authorize(url: str, secret: str, account_id: str, key: str, value: int, service: int) -> Call:
    started = time.monotonic()
    variables = {"input": {"accountId": account_id, "amount": amount_of(value), "idempotencyKey": key}}
    try:
        response = gql(url, secret, AUTHORIZE, variables, timeout=30)
    except httpx.TransportError:
        return Call(key, value, service, started, time.monotonic(), cut=True)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    payload = body["data"]["authorizeCredit"]
    transaction = payload["transaction"]
    return Call(
        key,
        value,
        service,
        started,
        time.monotonic(),
        transaction_id=transaction["id"] if transaction else None,
        codes=tuple(error["code"] for error in payload["errors"]),
    )


def open_account(url: str, secret: str, limit: str) -> tuple[str, int]:
    payload = gql_data(url, secret, OPEN, {"email": f"{uuid.uuid4().hex[:12]}@example.com", "limit": limit})
    account = payload["openOrChangeAccount"]["account"]
    return account["id"], cents(account["spendingLimit"])


def ledger(url: str, secret: str, account_id: str) -> tuple[int, int]:
    """(held cents, number of transactions) of the account."""
    account = gql_data(url, secret, LEDGER, {"id": account_id})["account"]
    return cents(account["heldCredit"]), account["transactions"]["totalCount"]


async def claimed_keys(database) -> list[str]:
    """The idempotency keys the store has seen (each claimed when its operation began)."""
    return [document["_id"] async for document in database[IDEMPOTENCY_KEYS].find({}, ["_id"])]


def overlapping_across_services(calls: list[Call]) -> int:
    """Pairs of calls to different processes that were in flight at the same moment."""
    return sum(
        1
        for a in calls
        for b in calls
        if a.service == 0 and b.service == 1 and a.started < b.ended and b.started < a.ended
    )


def test_two_processes_on_one_store_never_hold_more_than_the_spending_limit(
    launcher: Launcher, external_db: ExternalMongo, tmp_path: Path
) -> None:
    secret = create_key(external_db)
    env = service_env(external_db)
    services = [launcher.serve(tmp_path / "unused", env=env) for _ in range(2)]
    account_id, spending = open_account(services[0].url, secret, "1000.00")
    rng = random.Random(2026)
    amounts = [rng.randint(500, 4000) for _ in range(100)]  # 5.00 to 40.00: about twice the limit in all

    with ThreadPoolExecutor(max_workers=20) as pool:
        calls = list(
            pool.map(
                lambda n: authorize(services[n % 2].url, secret, account_id, f"two-{n}", amounts[n], n % 2),
                range(100),
            )
        )

    held = [call for call in calls if call.transaction_id]
    refused = [call for call in calls if not call.transaction_id]
    held_cents, transactions = ledger(services[1].url, secret, account_id)
    print(f"\n{len(held)} held, {len(refused)} refused; {overlapping_across_services(calls)} overlapping pairs")
    assert sum(call.cents for call in held) <= spending
    assert sum(call.cents for call in held) == held_cents
    assert transactions == len(held)
    assert all(call.codes == ("INSUFFICIENT_CREDIT",) for call in refused), {call.codes for call in refused}
    assert refused, "the amounts asked fitted the limit: nothing was contended"
    assert {call.service for call in held} == {0, 1}, "one process held everything"
    assert overlapping_across_services(calls) > 0, "the two processes never authorized at the same moment"


def burst_cut_by_kill_9(
    serve: Serve, external_db: ExternalMongo, secret: str, account_id: str, burst: list[tuple[str, int]]
) -> list[Call]:
    """The burst by 16 concurrent clients. Once 15 of them were answered, the service is killed as soon as
    the store holds the key of a call still unanswered (an operation under way), or once 110 were answered."""
    answered: list[Call] = []
    lock = threading.Lock()

    def call(item: tuple[str, int]) -> Call:
        made = authorize(serve.url, secret, account_id, item[0], item[1], 0)
        with lock:
            answered.append(made)
        return made

    def operation_under_way() -> bool:
        with lock:
            done = {made.key for made in answered}
        if len(done) < 15:
            return False
        claimed = set(external_db.call(claimed_keys))
        return len(done) >= 110 or any(f"authorizeCredit:{key}" in claimed for key, _ in burst if key not in done)

    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = [pool.submit(call, item) for item in burst]
        wait_until(operation_under_way, 60, "an operation under way after 15 answers", interval=0.005)
        serve.kill()
        return [future.result() for future in futures]


def test_a_burst_cut_by_kill_9_and_retried_with_its_keys_holds_each_key_once(
    launcher: Launcher, external_db: ExternalMongo, tmp_path: Path
) -> None:
    secret = create_key(external_db)
    env = service_env(external_db)
    account_id, _ = open_account(launcher.serve(tmp_path / "unused", env=env).url, secret, "100000.00")
    burst: list[tuple[str, int]] = []
    calls: list[Call] = []
    interrupted: list[Call] = []
    # A kill can land while every call in flight is still being authenticated: then burst again.
    for attempt in range(5):
        keys = [(f"burst-{attempt}-{n}", 100 + n) for n in range(120)]
        burst += keys
        calls += burst_cut_by_kill_9(
            launcher.serve(tmp_path / "unused", env=env), external_db, secret, account_id, keys
        )
        claimed = set(external_db.call(claimed_keys))
        interrupted = [call for call in calls if call.cut and f"authorizeCredit:{call.key}" in claimed]
        if interrupted:
            break
    before_kill = {call.key: call.transaction_id for call in calls if call.transaction_id}
    assert interrupted, "no operation was under way at any kill: every cut call was cut before it began"
    assert all(not call.codes for call in calls), {call.codes for call in calls}

    restarted = launcher.serve(tmp_path / "unused", env=env)
    retried = [authorize(restarted.url, secret, account_id, key, value, 1) for key, value in burst]

    print(
        f"\n{len(before_kill)} answered before the kill, {len(interrupted)} cut while under way, {attempt + 1} bursts"
    )
    assert all(call.transaction_id and not call.codes for call in retried), [c for c in retried if c.codes]
    assert all(before_kill[call.key] == call.transaction_id for call in retried if call.key in before_kill)
    assert len({call.transaction_id for call in retried}) == len(burst)
    assert ledger(restarted.url, secret, account_id) == (sum(value for _, value in burst), len(burst))
    check = subprocess.run([*CLI, "check"], capture_output=True, text=True, env=env, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.splitlines()[-1] == "Checked 1 accounts: 0 with drift."
