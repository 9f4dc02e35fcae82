"""The e2e tests' service (`customer-credit serve` as a subprocess, its admin key) and the
Playwright helpers they share: headless Chromium's settings, pages, signing in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from .processes import service_env

try:  # the tests import `expect` from here, so that a missing Playwright is a skip, not an error
    from playwright.sync_api import expect
except ImportError:
    expect = None

CHROMIUM = os.environ.get("CUSTOMER_CREDIT_CHROMIUM", "/usr/bin/chromium")
# As root, in a sandbox with no network: no sandboxing of its own, no background traffic.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REQUIRED = os.environ.get("CUSTOMER_CREDIT_E2E_REQUIRED") == "1"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
# Small batches, so an import of a few hundred rows moves the progress bar more than once.
E2E_BATCH_SIZE = "100"

OPEN_ACCOUNT = """
mutation OpenAccount($input: OpenOrChangeAccountInput!) {
  openOrChangeAccount(input: $input) { account { id email version } errors { field code message } }
}
"""

UPLOAD = """mutation($file: Upload!, $mode: ImportMode!, $kind: ImportKind) {
  importCsv(file: $file, mode: $mode, kind: $kind) { importRun { id } errors { code message } }
}"""
RUN_STATUS = "query($id: ID!) { importRun(id: $id) { status } }"


def unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} (CUSTOMER_CREDIT_E2E_REQUIRED=1)", pytrace=False)
    pytest.skip(reason)


@dataclass
class Service:
    url: str
    key: str
    data_dir: Path
    process: subprocess.Popen
    output: list[str] = field(default_factory=list)

    def api(self, query: str, key: str | None = None, **variables) -> dict:
        """A GraphQL call with the admin key (or `key`), for setting up data."""
        response = httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {key or self.key}"},
            timeout=30,
        )
        response.raise_for_status()
        body = response.json()
        assert not body.get("errors"), body
        return body["data"]

    def open_account(self, **fields) -> dict:
        fields.setdefault("email", f"e2e-{uuid.uuid4().hex[:10]}@example.com")
        data = self.api(OPEN_ACCOUNT, input=fields)["openOrChangeAccount"]
        assert not data["errors"], data["errors"]
        return data["account"]

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "customer_credit.cli", *args, "--data-dir", str(self.data_dir)],
            capture_output=True,
            text=True,
            timeout=60,
            env=service_env(IMPORT_BATCH_SIZE=E2E_BATCH_SIZE),
        )
        assert result.returncode == 0, result.stderr
        return result.stdout


def create_key(service: Service, scopes: str) -> str:
    """A new API key with these scopes (comma-separated), made with the CLI; its secret."""
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    return service.cli("api-keys", "create", "--name", name, "--scopes", scopes).strip().splitlines()[-1]


def wait_for_service(process: subprocess.Popen, url: str, output: list[str], timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("the service exited at start:\n" + "\n".join(output[-40:]), pytrace=False)
        try:
            healthy = httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            healthy = False
        marker = next((i for i, line in enumerate(output) if "shown only this once" in line), None)
        if healthy and marker is not None and len(output) > marker + 1:
            return output[marker + 1].strip()
        time.sleep(0.2)
    pytest.fail("the service did not start in time:\n" + "\n".join(output[-40:]), pytrace=False)


def new_page(browser, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, locale="pt-BR", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.errors = []  # uncaught exceptions in the page: each one fails the test
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def sign_in(page, service: Service, key: str | None = None, hash_: str = "#/accounts") -> None:
    """Open the admin page and sign in through its form."""
    page.goto(f"{service.url}/admin{hash_}")
    page.locator("#signin-key").fill(key or service.key)
    page.get_by_role("button", name="Entrar").click()
    page.locator("#view-signin").wait_for(state="hidden")


def import_and_wait(service: Service, name: str, content: bytes, mode: str, kind: str | None = None) -> str:
    """Upload a file (a GraphQL multipart request) and wait for its run to end; its id. `kind` None
    is an account import."""
    operations = {"query": UPLOAD, "variables": {"file": None, "mode": mode, "kind": kind}}
    response = httpx.post(
        f"{service.url}/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (name, content, "text/csv")},
        headers={"Authorization": f"Bearer {service.key}", "Apollo-Require-Preflight": "true"},
        timeout=30,
    )
    payload = response.json()["data"]["importCsv"]
    assert payload["errors"] == [], payload
    run_id = payload["importRun"]["id"]
    deadline = time.monotonic() + 60
    while service.api(RUN_STATUS, id=run_id)["importRun"]["status"] in ("QUEUED", "RUNNING"):
        assert time.monotonic() < deadline, f"run {run_id} did not end"
        time.sleep(0.1)
    return run_id
