"""`customer-credit import` and `customer-credit export`: the client side, over HTTP.

These commands talk to a running service, like any other client: GraphQL (the multipart
request spec for the upload) and `GET /accounts/export.csv`, with an API key. Nothing here
touches the database; the service applies its own rules and limits.

Exit codes, for scripts:
  0  every row was good (import), or the file was written (export)
  1  the import ran but some rows failed, or the run ended FAILED
  2  nothing was done: the file or the call was refused (a file-level error such as NOT_CSV
     or UNKNOWN_COLUMN, HTTP 401/403, a bad argument, the service unreachable, a file that
     cannot be read or written); also when contact is lost while following an accepted run
     (its id is printed, so that it can be looked up: the run goes on in the service)
  130 interrupted (Ctrl-C); an accepted import goes on in the service

The import is followed by polling `importRun(id)` every POLL_SECONDS (not the
`importRunProgress` subscription: plain HTTP works through every proxy, and a lost poll is
simply retried). Progress is a rich progress bar on a terminal and plain lines otherwise.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import httpx

DEFAULT_URL = "http://127.0.0.1:8000"
URL_VARIABLE = "CUSTOMER_CREDIT_URL"
KEY_VARIABLE = "CUSTOMER_CREDIT_KEY"

EXIT_OK = 0
EXIT_ROWS_FAILED = 1
EXIT_REFUSED = 2
EXIT_INTERRUPTED = 130

POLL_SECONDS = 0.3
# While following a run, how long the service may be unreachable (a restart, say) before giving up.
RECONNECT_SECONDS = 60.0
PLAIN_PROGRESS_SECONDS = 1.0  # at most one plain progress line per second (plus status changes)
ERROR_PAGE_SIZE = 100  # the service's largest page
DEFAULT_SHOWN_ERRORS = 20

TERMINAL_STATUSES = frozenset({"SUCCEEDED", "COMPLETED_WITH_ERRORS", "FAILED"})

IMPORT_CSV = """
mutation ImportCsv($file: Upload!, $mode: ImportMode!, $dryRun: Boolean!) {
  importCsv(file: $file, mode: $mode, dryRun: $dryRun) {
    importRun { id totalRows }
    errors { code message }
  }
}
"""

IMPORT_RUN = """
query ImportRun($id: ID!) {
  importRun(id: $id) {
    status totalRows processedRows createdCount updatedCount unchangedCount failedCount errorReportUrl
  }
}
"""

IMPORT_ROW_ERRORS = """
query ImportRowErrors($id: ID!, $first: Int!, $after: String) {
  importRun(id: $id) {
    errors(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { row column code message }
    }
  }
}
"""

EXPORT_PATH = "/accounts/export.csv"


def printable(text: Any) -> str:
    """Service-supplied text (a message may quote a cell of the file) as one safe line: control
    characters such as ESC, which a terminal would obey, are shown escaped."""
    return "".join(
        " " if char in "\r\n\t" else f"\\x{ord(char):02x}" if unicodedata.category(char) == "Cc" else char
        for char in str(text)
    )


class RemoteError(Exception):
    """A failure to report in one line on stderr, with the command's exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Unreachable(RemoteError):
    """The service could not be reached or did not answer (transient while following a run)."""


def version() -> str:
    try:
        from importlib.metadata import version as installed

        return installed("customer-credit")
    except Exception:  # running from a source tree that is not installed
        return "dev"


def base_url(url: str) -> str:
    """`http://host:port`, also when given the GraphQL endpoint the service announces."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RemoteError(f"--url must be an http:// or https:// address, not {url!r}")
    path = parts.path.rstrip("/")
    if path.endswith("/graphql"):
        path = path[: -len("/graphql")]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def api_key(key: str | None) -> str:
    key = (key or "").strip()
    if not key:
        raise RemoteError(f"no API key: pass --key or set {KEY_VARIABLE}")
    return key


def describe_transport_error(exc: httpx.TransportError, url: str) -> str:
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect to the service at {url}: {exc or 'connection refused'}"
    if isinstance(exc, httpx.TimeoutException):
        return f"the service at {url} did not answer in time"
    return f"the connection to the service at {url} failed: {exc or type(exc).__name__}"


def refusal_message(response: httpx.Response) -> str:
    """A one-line reason for a refused call: the service's `{code, message}` when it sent one."""
    status = response.status_code
    if status == 401:
        return f"the service refused the API key (HTTP 401): check --key or {KEY_VARIABLE}"
    detail = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        code = body.get("code")
        detail = f": {printable(code)}: {printable(body['message'])}" if code else f": {printable(body['message'])}"
    if status == 403:
        return f"the API key is not allowed to do this (HTTP 403){detail}"
    if status == 413:
        return f"the request is larger than the service accepts (HTTP 413){detail}"
    if status == 404:
        return f"not found (HTTP 404): is {response.request.url.copy_with(query=None)} a Customer Credit service?"
    return f"the service refused the call (HTTP {status}){detail}"


@dataclass
class RowErrors:
    total: int
    shown: list[dict[str, Any]]


class ServiceClient:
    """A Customer Credit service at `url`, called with one API key over one connection pool."""

    def __init__(self, url: str, key: str, *, timeout: float = 30.0, transport: httpx.BaseTransport | None = None):
        self.url = base_url(url)
        self.http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {api_key(key)}", "User-Agent": f"customer-credit-cli/{version()}"},
            timeout=httpx.Timeout(timeout, connect=10.0),
            transport=transport,
        )

    def __enter__(self) -> ServiceClient:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def absolute(self, path: str) -> str:
        return path if "://" in path else self.url + path

    # --- GraphQL --------------------------------------------------------------------------------

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise Unreachable(describe_transport_error(exc, self.url)) from None

    def graphql_response(self, response: httpx.Response) -> dict[str, Any]:
        """`data` of a GraphQL response; any refusal or top-level error is a RemoteError."""
        if response.status_code >= 500:
            raise Unreachable(f"the service failed to answer (HTTP {response.status_code})")
        if response.status_code != 200:
            raise RemoteError(refusal_message(response))
        try:
            body = response.json()
        except ValueError:
            raise RemoteError(
                f"{self.url}/graphql did not answer with GraphQL (is it a Customer Credit service?)"
            ) from None
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors:
            first = errors[0] if isinstance(errors[0], dict) else {}
            code = (first.get("extensions") or {}).get("code")
            message = printable(first.get("message", "unknown error"))
            if code == "DATABASE_UNAVAILABLE":
                raise Unreachable(f"the service's database is unavailable: {message}")
            raise RemoteError(
                f"the service refused the call: {printable(code)}: {message}"
                if code
                else f"the service refused the call: {message}"
            )
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise RemoteError(f"{self.url}/graphql did not answer with GraphQL (is it a Customer Credit service?)")
        return body["data"]

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        return self.graphql_response(self.send("POST", "/graphql", json={"query": query, "variables": variables}))

    # --- import ---------------------------------------------------------------------------------

    def start_import(self, path: Path, mode: str, dry_run: bool) -> dict[str, Any]:
        """Upload the file (GraphQL multipart request spec); the new run's `{id, totalRows}`.

        A file-level refusal (NOT_CSV, UNKNOWN_COLUMN, ...) raises RemoteError with the codes."""
        operations = {"query": IMPORT_CSV, "variables": {"file": None, "mode": mode.upper(), "dryRun": dry_run}}
        try:
            stream = path.open("rb")
        except OSError as exc:
            raise RemoteError(f"cannot read {path}: {exc.strerror or exc}") from None
        with stream:
            try:
                # The file object is streamed in chunks, never read whole; the service checks the
                # whole file before it answers, hence the longer read timeout.
                response = self.http.post(
                    "/graphql",
                    data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
                    files={"0": (path.name, stream, "text/csv")},
                    headers={"Apollo-Require-Preflight": "true"},
                    timeout=httpx.Timeout(300.0, connect=10.0),
                )
            except httpx.WriteError:
                raise RemoteError(
                    "the service closed the connection while the file was being sent "
                    "(it may be larger than the service accepts)"
                ) from None
            except httpx.TransportError as exc:
                raise RemoteError(describe_transport_error(exc, self.url)) from None
        try:
            payload = self.graphql_response(response)["importCsv"]
        except Unreachable as exc:
            raise RemoteError(str(exc)) from None
        if payload["errors"]:
            reasons = "; ".join(
                f"{printable(error['code'])}: {printable(error['message'])}" for error in payload["errors"]
            )
            raise RemoteError(f"the service refused {printable(path.name)}: {reasons}")
        return payload["importRun"]

    def import_run(self, run_id: str) -> dict[str, Any]:
        run = self.graphql(IMPORT_RUN, id=run_id)["importRun"]
        if run is None:
            raise RemoteError(f"the service has no import run {run_id!r}")
        return run

    def row_errors(self, run_id: str, limit: int) -> RowErrors:
        """The first `limit` row errors (in row order) and how many there are in all."""
        shown: list[dict[str, Any]] = []
        after = None
        total = 0
        while True:
            run = self.graphql(
                IMPORT_ROW_ERRORS, id=run_id, first=min(ERROR_PAGE_SIZE, max(limit - len(shown), 1)), after=after
            )["importRun"]
            if run is None:
                raise RemoteError(f"the service has no import run {run_id!r}")
            connection = run["errors"]
            total = connection["totalCount"]
            shown.extend(connection["nodes"][: limit - len(shown)])
            if len(shown) >= limit or not connection["pageInfo"]["hasNextPage"]:
                return RowErrors(total=total, shown=shown)
            after = connection["pageInfo"]["endCursor"]

    # --- export ---------------------------------------------------------------------------------

    def export(self, target: IO[bytes], params: dict[str, str]) -> int:
        """Stream the export into `target`; the number of accounts (data rows) written."""
        counter = CsvRecordCounter()
        try:
            with self.http.stream(
                "GET", EXPORT_PATH, params=params, timeout=httpx.Timeout(120.0, connect=10.0)
            ) as response:
                if response.status_code != 200:
                    response.read()
                    raise RemoteError(refusal_message(response))
                if not response.headers.get("content-type", "").startswith("text/csv"):
                    raise RemoteError(
                        f"{self.url}{EXPORT_PATH} did not answer with CSV (is it a Customer Credit service?)"
                    )
                for chunk in response.iter_bytes():
                    counter.feed(chunk)
                    target.write(chunk)
        except httpx.TransportError as exc:
            raise RemoteError(
                describe_transport_error(exc, self.url) + " (the export was cut short; nothing was kept)"
            ) from None
        return max(counter.records() - 1, 0)


class CsvRecordCounter:
    """Counts CSV records in a byte stream: line ends outside quotes (a quoted cell may hold
    line breaks; `""` inside quotes toggles twice). `"`, CR and LF are single bytes in UTF-8."""

    def __init__(self) -> None:
        self.quoted = False
        self.count = 0
        self.pending = False  # bytes since the last record end

    def feed(self, chunk: bytes) -> None:
        quoted, count, pending = self.quoted, self.count, self.pending
        start = 0
        while True:
            quote = chunk.find(b'"', start)
            end = len(chunk) if quote < 0 else quote
            if not quoted:
                segment = chunk[start:end]
                lines = segment.count(b"\n")
                if lines:
                    count += lines
                    pending = bool(segment[segment.rfind(b"\n") + 1 :])
                elif segment:
                    pending = True
            if quote < 0:
                break
            quoted = not quoted
            pending = True
            start = quote + 1
        self.quoted, self.count, self.pending = quoted, count, pending

    def records(self) -> int:
        return self.count + (1 if self.pending else 0)


# --- the commands ---------------------------------------------------------------------------------


# Off a terminal (a pipe, a log, a captured subprocess) lines are never wrapped: a table is as
# wide as its content, up to this, and a line can be read (and grepped) whole.
PLAIN_WIDTH = 240


def make_console(file: IO[str] | None = None):
    from rich.console import Console

    # No markup or emoji codes: what is printed is service and file text, shown as it is.
    console = Console(file=file or sys.stdout, highlight=False, markup=False, emoji=False, soft_wrap=True)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = PLAIN_WIDTH
    return console


class PlainProgress:
    """Progress as plain lines, for a log or a pipe: on a status change, and at most once a
    second while rows are processed."""

    def __init__(self, console, name: str) -> None:
        self.console = console
        self.name = name
        self.last: tuple[str, int] | None = None
        self.printed_at = 0.0

    def update(self, run: dict[str, Any], *, final: bool = False) -> None:
        state = (run["status"], run["processedRows"])
        if state == self.last:
            return
        now = time.monotonic()
        if (
            not final
            and self.last is not None
            and state[0] == self.last[0]
            and now - self.printed_at < PLAIN_PROGRESS_SECONDS
        ):
            return
        self.last, self.printed_at = state, now
        self.console.print(f"{self.name}: {progress_text(run)}", markup=False)

    def note(self, text: str) -> None:
        self.console.print(f"{self.name}: {text}", markup=False)

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        pass


class BarProgress:
    """A rich progress bar, for a terminal."""

    def __init__(self, console, name: str, total: int | None) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rows"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[status]}"),
            console=console,
        )
        self.task = self.progress.add_task(name, total=total, status="QUEUED")

    def update(self, run: dict[str, Any], *, final: bool = False) -> None:
        self.progress.update(self.task, completed=run["processedRows"], total=run["totalRows"], status=run["status"])

    def note(self, text: str) -> None:
        self.progress.console.print(text, markup=False)

    def __enter__(self) -> BarProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.progress.stop()


def progress_text(run: dict[str, Any]) -> str:
    total, done = run.get("totalRows"), run["processedRows"]
    if total:
        return f"{run['status']}, {done}/{total} rows ({done * 100 // total}%)"
    return f"{run['status']}, {done} rows"


def follow(
    client: ServiceClient, run_id: str, progress, *, sleep: Callable[[float], None] = time.sleep
) -> dict[str, Any]:
    """Poll the run until it ends; the service may be unreachable for a while (a restart)."""
    unreachable_since: float | None = None
    while True:
        try:
            run = client.import_run(run_id)
        except Unreachable as exc:
            now = time.monotonic()
            if unreachable_since is None:
                unreachable_since = now
                progress.note(f"{exc}; retrying")
            elif now - unreachable_since > RECONNECT_SECONDS:
                raise RemoteError(
                    f"{exc}. Gave up following import run {run_id}; it goes on in the service "
                    f'(look it up with importRun(id: "{run_id}")).'
                ) from None
            sleep(1.0)
            continue
        unreachable_since = None
        final = run["status"] in TERMINAL_STATUSES
        progress.update(run, final=final)
        if final:
            return run
        sleep(POLL_SECONDS)


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
        started = client.start_import(file, mode, dry_run)
        run_id = started["id"]
        what = f"{'dry run of ' if dry_run else ''}{mode.upper()} import"
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


def export_file(*, path: str, params: dict[str, str | None], url: str, key: str | None, console=None) -> int:
    """The `export` command: the file is written whole or not at all (`-`: stdout)."""
    key = api_key(key)
    console = console or make_console()
    query = {name: value for name, value in params.items() if value}
    with ServiceClient(url, key) as client:
        if path == "-":
            count = client.export(sys.stdout.buffer, query)
            sys.stdout.flush()
            make_console(sys.stderr).print(f"Exported {count} accounts.", markup=False)
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
                count = client.export(handle, query)
            os.replace(handle.name, target)
        except OSError as exc:
            raise RemoteError(f"cannot write {path}: {exc.strerror or exc}") from None
        finally:
            if os.path.exists(handle.name):
                os.unlink(handle.name)
    console.print(f"Exported {count} accounts to {path}", markup=False)
    return EXIT_OK
