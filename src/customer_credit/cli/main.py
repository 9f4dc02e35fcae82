"""The `customer-credit` command: serve, manage API keys, export the schema, and import or export
accounts through a running service."""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
import signal
import socket
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from customer_credit.settings import Settings

# Under Docker's default 10 s between SIGTERM and SIGKILL, with time left to stop the store.
GRACEFUL_SHUTDOWN_SECONDS = 5


class CommandError(Exception):
    """A failure the user can act on: one line on stderr and an exit code, no traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def settings_for(args: argparse.Namespace) -> Settings:
    """--data-dir beats CUSTOMER_CREDIT_DATA_DIR. Settings(data_dir=...) would be ignored:
    the field is read through its alias only."""
    settings = Settings()
    data_dir = getattr(args, "data_dir", None)
    return settings.model_copy(update={"data_dir": Path(data_dir)}) if data_dir else settings


def check_data_dir(path: Path) -> None:
    """Fail before anything starts, in one line, rather than in the embedded server's log."""
    if path.exists() and not path.is_dir():
        raise CommandError(f"data directory {path} is not usable: it is not a directory", 2)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise CommandError(f"data directory {path} is not usable: {exc.strerror or exc}", 2) from None


def export_schema(args: argparse.Namespace) -> int:
    from customer_credit.graphql.schema import build_schema

    sdl = build_schema(Settings()).as_str() + "\n"
    if args.output:
        Path(args.output).write_text(sdl, encoding="utf-8")
    else:
        sys.stdout.write(sdl)
    return 0


def listen(host: str, port: int) -> socket.socket:
    """Bind before anything else starts, so a taken port is one clear line and exit 2,
    not an embedded server started and stopped for nothing."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror}", 2) from None
    sock = socket.socket(family, kind, proto)
    try:
        # As uvicorn does: a restart must not wait for the old connections' TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = "the port is already in use" if exc.errno == errno.EADDRINUSE else exc.strerror or str(exc)
        raise CommandError(f"cannot listen on {host}:{port}: {reason}", 2) from None
    return sock


class StartupGuard:
    """ASGI wrapper that catches the known reasons for a failed lifespan startup (the data
    directory held by another serve, the database unreachable), so that `serve` reports
    them in one line instead of uvicorn logging a traceback. Starlette sends
    `lifespan.*.failed` from inside its `except` block, where the exception is still
    current; anything unexpected keeps its traceback."""

    def __init__(self, app) -> None:
        self.app = app
        self.error: CommandError | None = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def guarded_send(message) -> None:
            if message["type"] == "lifespan.startup.failed":
                self.error = startup_error(sys.exc_info()[1])
                if self.error is not None:
                    message = {**message, "message": ""}
            elif message["type"] == "lifespan.shutdown.failed" and isinstance(
                sys.exc_info()[1], asyncio.CancelledError
            ):
                # A second Ctrl-C cancels the lifespan instead of shutting it down; the
                # store is still stopped (see EmbeddedMongo.start), so no traceback.
                message = {**message, "message": ""}
            await send(message)

        await self.app(scope, receive, guarded_send)


def startup_error(exc: BaseException | None) -> CommandError | None:
    from customer_credit.persistence.database import DatabaseError
    from customer_credit.persistence.embedded import DataDirInUse, EmbeddedServerError

    if isinstance(exc, DataDirInUse):
        return CommandError(str(exc), 2)
    if isinstance(exc, EmbeddedServerError):
        return CommandError(f"the embedded database did not start: {exc}")
    if isinstance(exc, DatabaseError):
        # Its message is a long topology description; the first clause says what failed.
        return CommandError(f"cannot use the database: {str(exc).split(', Timeout:')[0]}")
    return None


def serving_url(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    return f"http://[{host}]:{port}/graphql" if ":" in host else f"http://{host}:{port}/graphql"


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from customer_credit.http.app import create_app
    from customer_credit.observability.logs import configure_logging, uvicorn_log_config

    settings = settings_for(args)
    # JSON lines on stderr: stdout carries the announcement only, so that a script can
    # take the admin secret from its last line.
    configure_logging(settings.log_level)
    sock = listen(args.host, args.port)
    if settings.mongodb_uri is None:
        check_data_dir(settings.data_dir)
    admin_secrets: list[str] = []
    app = StartupGuard(create_app(settings, announce_admin_key=admin_secrets.append))

    def announce() -> None:
        """Once the app is up: where it serves, on what data, and a new admin secret last."""
        print(f"Customer Credit is serving GraphQL at {serving_url(sock, args.host)}")
        if settings.mongodb_uri is None:
            print(f"Data directory: {settings.data_dir.resolve()} (embedded nx-27017 store)")
        else:
            print(f"Database: {settings.mongodb_database!r} on the MongoDB of MONGODB_URI")
        for secret in admin_secrets:
            print("Created the first API key, 'admin' (all scopes). It is shown only this once:")
            print(secret)
        sys.stdout.flush()

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            announce()

    config = uvicorn.Config(
        app,
        log_config=uvicorn_log_config(settings.log_level),
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        access_log=False,  # it would print raw paths with their query strings (`?email=...`)
        ws_max_size=settings.max_body_bytes,  # a WebSocket message is capped like a JSON body
    )
    # uvicorn handles SIGINT/SIGTERM while it runs: it shuts down in order (the lifespan
    # stops the embedded server), restores these handlers and raises the signal again.
    # Here that, and a signal before uvicorn takes over, end the process with status 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop_quietly)
    try:
        Server(config).run(sockets=[sock])
    except SystemExit as exit_:
        if app.error is not None:
            raise app.error from None
        if exit_.code:
            raise CommandError("the service did not start (see the log above)") from None
    return 0


def stop_quietly(signum: int, frame) -> None:
    raise SystemExit(0)


async def with_key_store(settings: Settings, action):
    """Run `action(ApiKeyRepository)` against the configured store, reusing a running embedded server."""
    from customer_credit.persistence.api_keys import ApiKeyRepository
    from customer_credit.persistence.database import DatabaseError, connect
    from customer_credit.persistence.embedded import EmbeddedServerError, embedded_store

    async def run(uri: str):
        database = connect(uri, settings.mongodb_database, timeout_ms=settings.mongodb_timeout_ms)
        try:
            await database.create_indexes()
            return await action(ApiKeyRepository(database))
        finally:
            database.close()

    try:
        if settings.mongodb_uri:
            return await run(settings.mongodb_uri)
        async with embedded_store(settings.data_dir) as uri:
            return await run(uri)
    except (EmbeddedServerError, DatabaseError) as exc:
        error = startup_error(exc)
        if error is None:
            raise
        raise error from None


def api_keys(args: argparse.Namespace) -> int:
    from customer_credit.domain.api_keys import parse_scopes, validate_key_name
    from customer_credit.persistence.api_keys import KeyNameTaken

    settings = settings_for(args)
    if args.keys_command == "create":
        try:
            name, scopes = validate_key_name(args.name), parse_scopes(args.scopes)
        except ValueError as exc:
            raise CommandError(str(exc), 2) from None
    if settings.mongodb_uri is None:
        check_data_dir(settings.data_dir)

    if args.keys_command == "create":
        try:
            secret = asyncio.run(with_key_store(settings, lambda keys: keys.create(name, scopes)))
        except KeyNameTaken:
            raise CommandError(f"a key named {name!r} already exists", 2) from None
        print(f"Created key {name!r} with scopes {', '.join(sorted(scopes))}. Its secret, shown only once:")
        print(secret)
        return 0
    if args.keys_command == "list":
        keys = asyncio.run(with_key_store(settings, lambda keys: keys.list()))
        if not keys:
            print("No API keys.")
            return 0
        width = max(len("NAME"), *(len(key.name) for key in keys))
        print(f"{'NAME':<{width}}  STATUS   CREATED (UTC)     SCOPES")
        for key in keys:
            created = datetime.fromtimestamp(key.created_at_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")
            status = "revoked" if key.revoked else "active"
            print(f"{key.name:<{width}}  {status:<7}  {created}  {','.join(key.scopes)}")
        return 0
    if not asyncio.run(with_key_store(settings, lambda keys: keys.revoke(args.name))):
        raise CommandError(f"no active key named {args.name!r}")
    print(f"Revoked key {args.name!r}.")
    return 0


def remote_command(action):
    """Run an `import`/`export` action (remote.py), its refusals as one line and exit 2."""

    def handler(args: argparse.Namespace) -> int:
        from customer_credit.cli.remote import EXIT_INTERRUPTED, RemoteError

        try:
            return action(args)
        except RemoteError as exc:
            raise CommandError(str(exc), exc.exit_code) from None
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED

    return handler


@remote_command
def import_command(args: argparse.Namespace) -> int:
    from customer_credit.cli.remote import import_file

    return import_file(
        path=args.file, mode=args.mode, dry_run=args.dry_run, url=args.url, key=args.key, show_errors=args.show_errors
    )


@remote_command
def export_command(args: argparse.Namespace) -> int:
    from customer_credit.cli.remote import export_file

    params = {
        "status": args.status,
        "search": args.search,
        "email": args.email,
        "document": args.document,
        "documentType": args.document_type,
    }
    return export_file(path=args.file, params=params, url=args.url, key=args.key)


def add_remote_options(command: argparse.ArgumentParser) -> None:
    from_env = os.environ.get("CUSTOMER_CREDIT_URL")
    command.add_argument(
        "--url",
        default=from_env or "http://127.0.0.1:8000",
        help="the running service (default: $CUSTOMER_CREDIT_URL or http://127.0.0.1:8000)",
    )
    command.add_argument(
        "--key",
        default=os.environ.get("CUSTOMER_CREDIT_KEY"),
        help="API key secret (default: $CUSTOMER_CREDIT_KEY, which keeps it out of the process list)",
    )


def upper_choice(choices: tuple[str, ...]):
    def parse(text: str) -> str:
        value = text.upper()
        if value not in choices:
            raise argparse.ArgumentTypeError(f"one of {', '.join(c.lower() for c in choices)}")
        return value

    return parse


def error_count(text: str) -> int:
    count = int(text)
    if count < 0:
        raise argparse.ArgumentTypeError("0 or more")
    return count


def port_number(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("a port is 0 to 65535 (0: any free port)")
    return port


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="customer-credit", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    data_dir_help = "embedded store's directory (default: $CUSTOMER_CREDIT_DATA_DIR or ./data)"

    serve_cmd = commands.add_parser("serve", help="serve the GraphQL API")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=port_number, default=8000, help="default 8000; 0: any free port")
    serve_cmd.add_argument("--data-dir", help=data_dir_help)
    serve_cmd.set_defaults(handler=serve)

    keys_cmd = commands.add_parser("api-keys", help="create, list or revoke API keys")
    keys_cmd.add_argument("--data-dir", help=data_dir_help)
    keys = keys_cmd.add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", help="create a key and print its secret once")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", required=True, help="comma-separated, e.g. accounts:read,pii:read")
    list_cmd = keys.add_parser("list", help="list keys (never their secrets)")
    revoke = keys.add_parser("revoke", help="revoke a key by name")
    revoke.add_argument("name")
    for sub in (create, list_cmd, revoke):
        # Accepted after the subcommand too; SUPPRESS keeps it from overwriting the one before.
        sub.add_argument("--data-dir", default=argparse.SUPPRESS, help=data_dir_help)
    keys_cmd.set_defaults(handler=api_keys)

    schema_cmd = commands.add_parser("export-schema", help="print the GraphQL SDL")
    schema_cmd.add_argument("--output", help="write to this file instead of stdout")
    schema_cmd.set_defaults(handler=export_schema)

    import_cmd = commands.add_parser(
        "import",
        help="import a CSV file into a running service and follow the run",
        description="Upload FILE to the service (importCsv), follow the run with a progress bar, then print "
        "its counts and row errors. Exit status: 0 every row good, 1 some rows failed (or the run failed), "
        "2 the file or the call was refused.",
    )
    import_cmd.add_argument("file", metavar="FILE")
    import_cmd.add_argument(
        "--mode",
        required=True,
        type=upper_choice(("CREATE", "UPDATE")),
        metavar="{create,update}",
        help="create: every row opens an account; update: every row changes one",
    )
    import_cmd.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    import_cmd.add_argument(
        "--show-errors",
        type=error_count,
        default=20,
        metavar="N",
        help="row errors to list at the end (default 20; the error report has all)",
    )
    add_remote_options(import_cmd)
    import_cmd.set_defaults(handler=import_command)

    export_cmd = commands.add_parser(
        "export",
        help="export accounts from a running service to a CSV file",
        description="Download GET /accounts/export.csv to FILE ('-': stdout), in the import template's columns, "
        "so the file can be edited and imported back with --mode update. Needs accounts:read and pii:read. "
        "Exit status: 0 written, 2 refused (nothing is left at FILE).",
    )
    export_cmd.add_argument("file", metavar="FILE")
    export_cmd.add_argument("--status", type=upper_choice(("OPEN", "CLOSED")), metavar="{open,closed}")
    export_cmd.add_argument("--search", help="case-insensitive prefix of id, email or document")
    export_cmd.add_argument("--email", help="exact email, case-insensitive")
    export_cmd.add_argument("--document", help="exact document, punctuation ignored")
    export_cmd.add_argument("--document-type", type=upper_choice(("CPF", "CNPJ", "OTHER")), metavar="{cpf,cnpj,other}")
    add_remote_options(export_cmd)
    export_cmd.set_defaults(handler=export_command)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
