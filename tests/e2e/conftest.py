"""End-to-end fixtures: the real service on the embedded store, and headless Chromium
(Debian's package, /usr/bin/chromium) driven by Playwright for Python.

Without Chromium or Playwright the tests skip with the reason; set
CUSTOMER_CREDIT_E2E_REQUIRED=1 (CI) to make that a failure instead. `scripts/install-browser.sh`
installs Chromium. axe-core, for the accessibility check, is fetched once from the npm
registry with `npm pack` (a pinned version) into pytest's cache directory, never committed.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

try:  # the tests import `expect` from here, so that a missing Playwright is a skip, not an error
    from playwright.sync_api import expect
except ImportError:
    expect = None

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
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
AXE_VERSION = "4.11.4"
REQUIRED = os.environ.get("CUSTOMER_CREDIT_E2E_REQUIRED") == "1"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}

_screenshots_taken: list[Path] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: end-to-end in headless Chromium against the real service")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if _screenshots_taken:
        terminalreporter.write_sep("-", "e2e screenshots")
        terminalreporter.write_line(f"{len(_screenshots_taken)} PNG files in {SCREENSHOTS}")


def unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} (CUSTOMER_CREDIT_E2E_REQUIRED=1)", pytrace=False)
    pytest.skip(reason)


# ---------------------------------------------------------------------------- the service


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
        data = self.api(
            """mutation($input: OpenOrChangeAccountInput!) {
                 openOrChangeAccount(input: $input) { account { id email version } errors { field code message } }
               }""",
            input=fields,
        )["openOrChangeAccount"]
        assert not data["errors"], data["errors"]
        return data["account"]

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "customer_credit.cli", *args, "--data-dir", str(self.data_dir)],
            capture_output=True,
            text=True,
            timeout=60,
            env=service_env(),
        )
        assert result.returncode == 0, result.stderr
        return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"MONGODB_URI", "CUSTOMER_CREDIT_DATA_DIR"}}
    env["PYTHONUNBUFFERED"] = "1"
    # Small batches, so an import of a few hundred rows moves the progress bar more than once.
    env["IMPORT_BATCH_SIZE"] = "100"
    return env


# Package scope, not session: Playwright's sync API keeps an event loop marked as running in
# this thread while it is started, which breaks pytest-asyncio's tests in the packages after.
@pytest.fixture(scope="package")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`customer-credit serve` on a free port and an empty data directory; its first start
    prints the admin key's secret, which the tests sign in with."""
    data_dir = tmp_path_factory.mktemp("e2e-data")
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "customer_credit.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=service_env(),
        cwd=REPO,
    )
    output: list[str] = []

    def drain() -> None:  # keep reading, or the access log would fill the pipe and block the server
        for line in process.stdout:
            output.append(line.rstrip("\n"))

    threading.Thread(target=drain, name="e2e-service-output", daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    try:
        key = wait_for_service(process, url, output)
        yield Service(url=url, key=key, data_dir=data_dir, process=process, output=output)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


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


# ---------------------------------------------------------------------------- the browser


@pytest.fixture(scope="package")
def browser():
    if expect is None:
        unavailable("Playwright for Python is not installed (pip install -e '.[test]')")
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium is not installed at {CHROMIUM} (run scripts/install-browser.sh)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, locale="pt-BR", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.errors = []  # uncaught exceptions in the page: each one fails the test
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


@pytest.fixture
def page(browser, service):
    page = new_page(browser)
    yield page
    errors = page.errors
    page.context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture
def phone_page(browser, service):
    page = new_page(browser, PHONE)
    yield page
    errors = page.errors
    page.context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture
def shoot():
    """Save a PNG of the page under test-artifacts/screenshots/."""

    def take(page, name: str, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        _screenshots_taken.append(path)
        return path

    return take


# ---------------------------------------------------------------------------- axe-core


@pytest.fixture(scope="session")
def axe_source(pytestconfig: pytest.Config) -> str:
    """axe-core's axe.min.js, from `npm pack axe-core@AXE_VERSION` (npm checks the registry's
    integrity hash), kept in pytest's cache directory (git-ignored) after the first run."""
    cache = getattr(pytestconfig, "cache", None)  # None under -p no:cacheprovider
    folder = (
        cache.mkdir(f"axe-core-{AXE_VERSION}") if cache else Path(tempfile.gettempdir()) / f"axe-core-{AXE_VERSION}"
    )
    folder.mkdir(parents=True, exist_ok=True)
    cached = folder / "axe.min.js"
    if not cached.exists():
        npm = shutil.which("npm")
        if npm is None:
            unavailable("npm is not installed: it fetches axe-core for the accessibility check")
        with tempfile.TemporaryDirectory() as tmp:
            result = subprocess.run(
                [npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", tmp, "--silent"],
                capture_output=True,
                text=True,
                timeout=180,
                cwd=tmp,
            )
            tarballs = list(Path(tmp).glob("axe-core-*.tgz"))
            if result.returncode != 0 or not tarballs:
                unavailable(f"could not fetch axe-core {AXE_VERSION} with npm: {result.stderr.strip()[-300:]}")
            with tarfile.open(tarballs[0]) as tar:
                member = tar.extractfile("package/axe.min.js")
                partial = cached.with_suffix(".part")
                partial.write_bytes(member.read())
                partial.replace(cached)
    return cached.read_text(encoding="utf-8")


@pytest.fixture
def check_accessibility(axe_source):
    """Run axe-core on the page as it is now; fail on any serious or critical violation."""

    def check(page, what: str) -> None:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            # Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) allows it.
            page.evaluate(axe_source)
        result = page.evaluate(
            """async () => {
                 const r = await axe.run(document, { resultTypes: ['violations'] });
                 return r.violations.map(v => ({
                   id: v.id, impact: v.impact, help: v.help,
                   nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary).slice(0, 5),
                 }));
               }"""
        )
        bad = [v for v in result if v["impact"] in ("serious", "critical")]
        report = "\n".join(f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in bad)
        assert not bad, f"axe-core found serious/critical violations on {what}:\n{report}"

    return check


# ---------------------------------------------------------------------------- helpers


def sign_in(page, service: Service, key: str | None = None, hash_: str = "#/accounts") -> None:
    """Open the admin page and sign in through its form."""
    page.goto(f"{service.url}/admin{hash_}")
    page.locator("#signin-key").fill(key or service.key)
    page.get_by_role("button", name="Entrar").click()
    page.locator("#view-signin").wait_for(state="hidden")


def import_csv(rows: int, bad_row_index: int, prefix: str) -> bytes:
    """A CREATE file of `rows` accounts whose row `bad_row_index` (0-based) has a bad email."""
    lines = ["Email,Document,Document Type,Credit Limit,Tolerance,Description"]
    for i in range(rows):
        email = "not-an-email" if i == bad_row_index else f"{prefix}-{i:04d}@example.com"
        lines.append(f"{email},,,{100 + i}.00,5%,importada")
    return ("\n".join(lines) + "\n").encode()
