"""The Customer Credit service as `import` and `export` call it: over HTTP, like any other client.

GraphQL (the multipart request spec for the upload) and `GET /accounts/export.csv`, with an API key.
Nothing here touches the database; the service applies its own rules and limits.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from customer_credit.cli.csv_records import CsvRecordCounter

KEY_VARIABLE = "CUSTOMER_CREDIT_KEY"

EXIT_REFUSED = 2  # a RemoteError's exit status: nothing was done

ERROR_PAGE_SIZE = 100  # the service's largest page

IMPORT_CSV = """
mutation ImportCsv($file: Upload!, $mode: ImportMode!, $dryRun: Boolean!, $kind: ImportKind) {
  importCsv(file: $file, mode: $mode, dryRun: $dryRun, kind: $kind) {
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
INVOICE_EXPORT_PATH = "/invoices/export.csv"


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

    def start_import(self, path: Path, mode: str, dry_run: bool, kind: str = "ACCOUNTS") -> dict[str, Any]:
        """Upload the file (GraphQL multipart request spec); the new run's `{id, totalRows}`.

        A file-level refusal (NOT_CSV, UNKNOWN_COLUMN, ...) raises RemoteError with the codes."""
        variables = {"file": None, "mode": mode.upper(), "dryRun": dry_run, "kind": kind.upper()}
        operations = {"query": IMPORT_CSV, "variables": variables}
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

    def export(self, target: IO[bytes], params: dict[str, str], path: str = EXPORT_PATH) -> int:
        """Stream the export at `path` into `target`; the number of data rows written."""
        counter = CsvRecordCounter()
        try:
            with self.http.stream("GET", path, params=params, timeout=httpx.Timeout(120.0, connect=10.0)) as response:
                if response.status_code != 200:
                    response.read()
                    raise RemoteError(refusal_message(response))
                if not response.headers.get("content-type", "").startswith("text/csv"):
                    raise RemoteError(f"{self.url}{path} did not answer with CSV (is it a Customer Credit service?)")
                for chunk in response.iter_bytes():
                    counter.feed(chunk)
                    target.write(chunk)
        except httpx.TransportError as exc:
            raise RemoteError(
                describe_transport_error(exc, self.url) + " (the export was cut short; nothing was kept)"
            ) from None
        return max(counter.records() - 1, 0)
