"""The GraphQL-over-HTTP spec's conformance audits (the npm package `graphql-http`, its `serverAudits`)
against a real `customer-credit serve`: every MUST and every SHOULD passes (the MAYs are reported only).

The audits run in Node (`tests/graphql_http_audit/audit.mjs`, the package pinned by its package.json and
package-lock.json); `npm ci` installs it there when it is missing. Without Node and npm the test fails:
`make test` on a machine without them does not check the spec (`.ci/run` installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.processes import REPO, Launcher

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

AUDIT_DIR = REPO / "tests" / "graphql_http_audit"
JUDGED = ("MUST", "SHOULD")


def audit_runner() -> list[str]:
    """`node audit.mjs`, with the pinned packages installed (`npm ci`) if they are not yet."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("The GraphQL-over-HTTP audit needs Node.js and npm on the PATH (scripts/install-node.sh).")
    if not (AUDIT_DIR / "node_modules" / "graphql-http").is_dir():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=AUDIT_DIR, check=True, timeout=240
        )
    return [node, str(AUDIT_DIR / "audit.mjs")]


def test_graphql_over_http_audits_find_no_must_or_should_failure(launcher: Launcher, tmp_path: Path) -> None:
    command = audit_runner()
    served = launcher.serve(tmp_path / "data")
    assert served.admin_secret is not None, served.announcement

    finished = subprocess.run(
        [*command, served.url + "/graphql"],
        env={**os.environ, "GRAPHQL_AUDIT_KEY": served.admin_secret},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert finished.returncode == 0, finished.stderr
    results = [json.loads(line) for line in finished.stdout.splitlines()]
    assert sum(result["name"].startswith(JUDGED) for result in results) >= 36, finished.stdout  # 13 MUSTs, 23 SHOULDs
    failed = [result for result in results if result["name"].startswith(JUDGED) and result["status"] != "ok"]
    assert failed == [], "\n".join(f"{r['id']} {r['name']}: {r['reason']}" for r in failed)
