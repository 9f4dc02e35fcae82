"""`customer-credit import` and `customer-credit export`: a file into or out of a running service.

Exit codes, for scripts:
  0  every row was good (import), or the file was written (export)
  1  the import ran but some rows failed, or the run ended FAILED
  2  nothing was done: the file or the call was refused (a file-level error such as NOT_CSV
     or UNKNOWN_COLUMN, HTTP 401/403, a bad argument, the service unreachable, a file that
     cannot be read or written); also when contact is lost while following an accepted run
     (its id is printed, so that it can be looked up: the run goes on in the service)
  130 interrupted (Ctrl-C); an accepted import goes on in the service
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from customer_credit.cli.client import EXPORT_PATH, INVOICE_EXPORT_PATH, RemoteError, ServiceClient, api_key, printable
from customer_credit.cli.progress import BarProgress, PlainProgress, follow, make_console

EXIT_OK = 0
EXIT_ROWS_FAILED = 1
EXIT_INTERRUPTED = 130

DEFAULT_SHOWN_ERRORS = 20


def summary_line(run: dict[str, Any], dry_run: bool) -> str:
    counts = (
        f"{run['totalRows'] if run['totalRows'] is not None else run['processedRows']} rows: "
        f"{run['createdCount']} created, {run['updatedCount']} updated, "
        f"{run['unchangedCount']} unchanged, {run['failedCount']} failed"
    )
    return f"{run['status']} (dry run, nothing written) - {counts}" if dry_run else f"{run['status']} - {counts}"


def print_row_errors(console, client: ServiceClient, run_id: str, run: dict[str, Any], limit: int) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    errors = client.row_errors(run_id, limit)
    if errors.shown:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title=None)
        table.add_column("Row", justify="right", no_wrap=True)
        table.add_column("Column", no_wrap=True)
        table.add_column("Code", no_wrap=True)
        table.add_column("Message", overflow="fold")
        for error in errors.shown:
            table.add_row(
                *(
                    Text(printable(cell))
                    for cell in (error["row"], error["column"] or "", error["code"], error["message"])
                )
            )
        console.print(f"Row errors ({errors.total}):", markup=False)
        console.print(table)
    more = errors.total - len(errors.shown)
    if more > 0:
        console.print(f"… and {more} more", markup=False)
    if run.get("errorReportUrl"):
        console.print(f"Error report (every failed row, CSV): {client.absolute(run['errorReportUrl'])}", markup=False)


def import_file(
    *,
    path: str,
    mode: str,
    dry_run: bool,
    url: str,
    key: str | None,
    kind: str = "ACCOUNTS",
    show_errors: int = DEFAULT_SHOWN_ERRORS,
    console=None,
) -> int:
    """The `import` command; its exit code. RemoteError for a refusal (exit 2)."""
    key = api_key(key)
    console = console or make_console()
    file = Path(path)
    if not file.is_file():
        raise RemoteError(f"{path}: no such file" if not file.exists() else f"{path} is not a file")
    with ServiceClient(url, key) as client:
        started = client.start_import(file, mode, dry_run, kind)
        run_id = started["id"]
        what = f"{'dry run of ' if dry_run else ''}{mode.upper()}{' invoice' if kind == 'INVOICES' else ''} import"
        console.print(
            f"Uploaded {printable(file.name)} ({started['totalRows']} rows): {what}, run {run_id}", markup=False
        )
        name = f"Import {run_id[:8]}"
        progress = (
            BarProgress(console, name, started["totalRows"]) if console.is_terminal else PlainProgress(console, name)
        )
        try:
            with progress:
                run = follow(client, run_id, progress)
        except KeyboardInterrupt:
            console.print(f"Stopped following import run {run_id}; it goes on in the service.", markup=False)
            return EXIT_INTERRUPTED
        console.print(summary_line(run, dry_run), markup=False)
        if run["failedCount"]:
            print_row_errors(console, client, run_id, run, show_errors)
        if run["status"] == "FAILED":
            console.print(
                "The run stopped on an unexpected error in the service (see the service's log).", markup=False
            )
            return EXIT_ROWS_FAILED
        return EXIT_ROWS_FAILED if run["failedCount"] else EXIT_OK


def export_file(
    *, path: str, params: dict[str, str | None], url: str, key: str | None, invoices: bool = False, console=None
) -> int:
    """The `export` command (accounts, or `invoices`): the file is written whole or not at all (`-`: stdout)."""
    key = api_key(key)
    console = console or make_console()
    query = {name: value for name, value in params.items() if value}
    what = "invoices" if invoices else "accounts"
    export_path = INVOICE_EXPORT_PATH if invoices else EXPORT_PATH
    with ServiceClient(url, key) as client:
        if path == "-":
            count = client.export(sys.stdout.buffer, query, export_path)
            sys.stdout.flush()
            make_console(sys.stderr).print(f"Exported {count} {what}.", markup=False)
            return EXIT_OK
        target = Path(path)
        directory = target.parent
        if not directory.is_dir():
            raise RemoteError(f"cannot write {path}: {directory} is not a directory")
        try:
            handle = tempfile.NamedTemporaryFile(
                "wb", dir=directory, prefix=f".{target.name}.", suffix=".part", delete=False
            )
        except OSError as exc:
            raise RemoteError(f"cannot write {path}: {exc.strerror or exc}") from None
        try:
            with handle:
                count = client.export(handle, query, export_path)
            os.replace(handle.name, target)
        except OSError as exc:
            raise RemoteError(f"cannot write {path}: {exc.strerror or exc}") from None
        finally:
            if os.path.exists(handle.name):
                os.unlink(handle.name)
    console.print(f"Exported {count} {what} to {path}", markup=False)
    return EXIT_OK
