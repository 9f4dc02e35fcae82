"""`customer-credit import` and `customer-credit export`, the real commands in subprocesses against a
real `serve` (embedded nx-27017 store), as a script would run them: output captured (not a
terminal), exit codes checked.

One `serve` for the module (started by test_serve's `Launcher`, which kills what it started);
each test works on accounts of its own, told apart by an email prefix.
"""

from __future__ import annotations

import csv
import re
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.graphql import gql
from tests.support.processes import CLI, Serve, cli_env, free_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

# Variables that would make rich colour or size a captured output.
TERMINAL_VARIABLES = {"FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES", "CLICOLOR_FORCE"}


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}"


def cli(service: Serve, *args: str, key: str | None = "admin", **env: str) -> subprocess.CompletedProcess[str]:
    """The command as a script runs it: stdout and stderr captured, URL and key from the environment."""
    variables = {k: v for k, v in cli_env().items() if k.upper() not in TERMINAL_VARIABLES | {"CUSTOMER_CREDIT_KEY"}}
    variables["CUSTOMER_CREDIT_URL"] = service.url
    if key is not None:
        variables["CUSTOMER_CREDIT_KEY"] = service.admin_secret if key == "admin" else key
    variables.update(env)
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=variables, timeout=45)


def count(service: Serve, prefix: str) -> int:
    response = gql(service.url, service.admin_secret, '{ accounts(filter: {search: "%s"}) { totalCount } }' % prefix)
    assert response.status_code == 200, response.text
    return response.json()["data"]["accounts"]["totalCount"]


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def good_rows(prefix: str, n: int = 7) -> str:
    return "Email,Credit Limit,Description\n" + "".join(
        f"{prefix}-{i}@example.com,{100 + i}.50,customer {i}\n" for i in range(n)
    )


def readable(result: subprocess.CompletedProcess[str]) -> None:
    """Captured output is plain text: no colour codes, no cursor movement, no carriage returns."""
    for stream in (result.stdout, result.stderr):
        assert "\x1b" not in stream and "\r" not in stream, stream


def test_import_of_good_rows_follows_the_run_and_exits_0(service: Serve, prefix: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "good.csv", good_rows(prefix))

    result = cli(service, "import", str(path), "--mode", "create")

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    readable(result)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Uploaded good.csv (7 rows): CREATE import, run "), lines
    run_id = lines[0].rsplit(" ", 1)[-1]
    # Progress as plain lines, ending with the finished run.
    progress = [line for line in lines if line.startswith(f"Import {run_id[:8]}: ")]
    assert progress and progress[-1] == f"Import {run_id[:8]}: SUCCEEDED, 7/7 rows (100%)", lines
    assert "SUCCEEDED - 7 rows: 7 created, 0 updated, 0 unchanged, 0 failed" in lines
    assert "Row errors" not in result.stdout
    assert count(service, prefix) == 7


def test_import_with_bad_rows_lists_them_and_exits_1(service: Serve, prefix: str, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "mixed.csv",
        (
            "Id,Email,Credit Limit\n"
            f"{prefix}-1,{prefix}-1@example.com,100\n"  # row 2: good
            f"{prefix}-2,not-an-email,100\n"  # row 3: INVALID_EMAIL
            f"{prefix}-3,{prefix}-3@example.com,abc\n"  # row 4: INVALID_CREDIT_LIMIT
            f"{prefix}-1,{prefix}-4@example.com,100\n"  # row 5: DUPLICATE_IN_FILE (Id)
            f"{prefix}-5,{prefix}-5@example.com,1.500\n"  # row 6: INVALID_CREDIT_LIMIT (ambiguous)
            f"{prefix}-6,{prefix}-6@example.com,600\n"  # row 7: good
            f"{prefix}-8,{prefix}-8@example.com,[/x] :smile:\n"  # row 8: INVALID_CREDIT_LIMIT, quoting rich markup
        ),
    )

    result = cli(service, "import", str(path), "--mode", "create")

    assert result.returncode == 1, result.stdout + result.stderr
    readable(result)
    out = result.stdout
    assert "COMPLETED_WITH_ERRORS - 7 rows: 2 created, 0 updated, 0 unchanged, 5 failed" in out
    table = {}
    for line in out.splitlines():
        cells = line.split()
        if cells and cells[0].isdigit():
            table.setdefault(int(cells[0]), set()).update(cell for cell in cells if cell.isupper() and "_" in cell)
    assert table == {
        3: {"INVALID_EMAIL"},
        4: {"INVALID_CREDIT_LIMIT"},
        5: {"DUPLICATE_IN_FILE"},
        6: {"INVALID_CREDIT_LIMIT"},
        8: {"INVALID_CREDIT_LIMIT"},
    }, out
    # The file's text is shown as it is: rich markup and emoji codes stay literal.
    assert '"[/x] :smile:"' in out
    report_url = next(line.rsplit(" ", 1)[-1] for line in out.splitlines() if line.startswith("Error report"))
    assert report_url.startswith(service.url + "/imports/") and report_url.endswith("/errors.csv")
    report = httpx.get(report_url, headers={"Authorization": f"Bearer {service.admin_secret}"}, timeout=10)
    assert report.status_code == 200 and len(report.text.strip().splitlines()) == 6
    assert count(service, prefix) == 2

    # The table is capped; the rest are counted, and the report has them all.
    capped = cli(service, "import", str(path), "--mode", "create", "--show-errors", "2")
    assert capped.returncode == 1
    total = int(re.search(r"^Row errors \((\d+)\):$", capped.stdout, re.M).group(1))
    assert total > 5  # the 2 good rows of the first import now exist: ACCOUNT_EXISTS, EMAIL_IN_USE
    assert f"… and {total - 2} more" in capped.stdout.splitlines()


def test_a_refused_file_exits_2_with_the_payload_code(service: Serve, prefix: str, tmp_path: Path) -> None:
    unknown = write_csv(tmp_path / "unknown.csv", f"Email,Favourite Colour\n{prefix}@example.com,blue\n")
    result = cli(service, "import", str(unknown), "--mode", "create")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: the service refused unknown.csv: UNKNOWN_COLUMN: "), result.stderr

    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"Email\n\x00\x01\x02\n")
    result = cli(service, "import", str(binary), "--mode", "update")
    assert result.returncode == 2 and "NOT_CSV" in result.stderr, result.stderr

    missing = cli(service, "import", str(tmp_path / "nowhere.csv"), "--mode", "create")
    assert missing.returncode == 2 and "no such file" in missing.stderr

    bad_mode = cli(service, "import", str(unknown), "--mode", "upsert")
    assert bad_mode.returncode == 2 and "--mode" in bad_mode.stderr
    assert count(service, prefix) == 0


def test_a_wrong_or_missing_key_or_an_unreachable_service_exits_2(service: Serve, prefix: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "good.csv", good_rows(prefix, 2))

    wrong = cli(service, "import", str(path), "--mode", "create", key="cc_not-a-key")
    assert wrong.returncode == 2
    assert "HTTP 401" in wrong.stderr and "cc_not-a-key" not in wrong.stderr + wrong.stdout

    flag = cli(service, "import", str(path), "--mode", "create", "--key", "cc_also-wrong", key=None)
    assert flag.returncode == 2 and "HTTP 401" in flag.stderr

    missing = cli(service, "export", str(tmp_path / "out.csv"), key=None)
    assert missing.returncode == 2
    assert missing.stderr == "error: no API key: pass --key or set CUSTOMER_CREDIT_KEY\n"

    # A key without the scope: a GraphQL FORBIDDEN for the import, an HTTP 403 for the export.
    created = subprocess.run(
        [
            *CLI,
            "api-keys",
            "--data-dir",
            str(service.data_dir),
            "create",
            "--name",
            f"reader-{prefix}",
            "--scopes",
            "accounts:read",
        ],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=25,
    )
    assert created.returncode == 0, created.stderr
    reader = created.stdout.splitlines()[-1]
    forbidden = cli(service, "import", str(path), "--mode", "create", key=reader)
    assert forbidden.returncode == 2 and "FORBIDDEN" in forbidden.stderr, forbidden.stderr
    no_pii = cli(service, "export", str(tmp_path / "out.csv"), key=reader)
    assert no_pii.returncode == 2 and "HTTP 403" in no_pii.stderr and "pii:read" in no_pii.stderr, no_pii.stderr

    closed_port = free_port()
    unreachable = cli(service, "import", str(path), "--mode", "create", "--url", f"http://127.0.0.1:{closed_port}")
    assert unreachable.returncode == 2 and "cannot connect" in unreachable.stderr, unreachable.stderr
    assert count(service, prefix) == 0
    assert not (tmp_path / "out.csv").exists()


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(service: Serve, prefix: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "good.csv", good_rows(prefix, 5))

    result = cli(service, "import", str(path), "--mode", "create", "--dry-run")

    assert result.returncode == 0, result.stdout + result.stderr
    readable(result)
    assert "dry run of CREATE import" in result.stdout
    assert "SUCCEEDED (dry run, nothing written) - 5 rows: 5 created, 0 updated, 0 unchanged, 0 failed" in result.stdout
    assert count(service, prefix) == 0


def test_export_then_import_back_in_update_mode_changes_nothing(service: Serve, prefix: str, tmp_path: Path) -> None:
    created = cli(
        service,
        "import",
        str(
            write_csv(
                tmp_path / "seed.csv",
                (
                    "Email,Document,Document Type,Credit Limit,Tolerance,Description\n"
                    f'{prefix}-a@example.com,529.982.247-25,CPF,1500.00,5%,"Quotes "" and, commas\nand a second line"\n'
                    f"{prefix}-b@example.com,,,0,0,\n"
                    f"{prefix}-c@example.com,PASS-0042,Other,999.99,0.0525,Crédito 🚀\n"
                ),
            )
        ),
        "--mode",
        "create",
    )
    assert created.returncode == 0, created.stdout + created.stderr

    target = tmp_path / "export.csv"
    exported = cli(service, "export", str(target), "--search", prefix, "--status", "open")
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == f"Exported 3 accounts to {target}\n"
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["Email"] for row in rows) == [f"{prefix}-{x}@example.com" for x in "abc"]
    assert target.stat().st_mode & 0o077 == 0, "an export holds personal data: owner-only permissions"

    again = cli(service, "import", str(target), "--mode", "update")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "SUCCEEDED - 3 rows: 0 created, 0 updated, 3 unchanged, 0 failed" in again.stdout

    # Refusals leave no file behind (nor a partial one).
    refused = cli(service, "export", str(tmp_path / "refused.csv"), key="cc_not-a-key")
    assert refused.returncode == 2 and "HTTP 401" in refused.stderr
    bad_filter = cli(service, "export", str(tmp_path / "refused.csv"), "--status", "pending")
    assert bad_filter.returncode == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv", "seed.csv"]

    # `-` writes the file to stdout and the count to stderr.
    piped = cli(service, "export", "-", "--search", prefix)
    assert piped.returncode == 0
    assert piped.stdout.lstrip("\ufeff").startswith("Id,Email,")
    assert piped.stderr == "Exported 3 accounts.\n"


def test_formula_like_values_survive_the_round_trip(service: Serve, prefix: str, tmp_path: Path) -> None:
    """An export neutralises cells a spreadsheet would evaluate ('=...); an import reads them back."""
    seed = write_csv(
        tmp_path / "seed.csv",
        (
            "Id,Email,Description\n"
            f"-{prefix},{prefix}-a@example.com,=SUM(A1:A2)\n"
            f"{prefix}-b,{prefix}-b@example.com,-10% promo\n"
            f"{prefix}-c,{prefix}-c@example.com,@home\n"
        ),
    )
    assert cli(service, "import", str(seed), "--mode", "create").returncode == 0
    target = tmp_path / "export.csv"
    assert cli(service, "export", str(target), "--search", prefix).returncode == 0  # the emails match
    exported = target.read_text(encoding="utf-8-sig")
    assert "'=SUM(A1:A2)" in exported and "'-10% promo" in exported and f"'-{prefix}" in exported  # formula-safe

    again = cli(service, "import", str(target), "--mode", "update")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "SUCCEEDED - 3 rows: 0 created, 0 updated, 3 unchanged, 0 failed" in again.stdout, again.stdout
