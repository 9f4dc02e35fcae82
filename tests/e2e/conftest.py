"""End-to-end fixtures: the real service on the embedded store, and headless Chromium
(Debian's package, /usr/bin/chromium) driven by Playwright for Python.

Without Chromium or Playwright the tests skip with the reason; set
CUSTOMER_CREDIT_E2E_REQUIRED=1 (CI) to make that a failure instead. `scripts/install-browser.sh`
installs Chromium. axe-core, for the accessibility check, is fetched once from the npm
registry with `npm pack` (a pinned version) into pytest's cache directory, never committed.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    E2E_BATCH_SIZE,
    PHONE,
    Service,
    expect,
    new_page,
    unavailable,
    wait_for_service,
)
from tests.support.processes import free_port, service_env

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
AXE_VERSION = "4.11.4"
_screenshots_taken: list[Path] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: end-to-end in headless Chromium against the real service")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if _screenshots_taken:
        terminalreporter.write_sep("-", "e2e screenshots")
        terminalreporter.write_line(f"{len(_screenshots_taken)} PNG files in {SCREENSHOTS}")


# ---------------------------------------------------------------------------- the service


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
        env=service_env(IMPORT_BATCH_SIZE=E2E_BATCH_SIZE),
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
