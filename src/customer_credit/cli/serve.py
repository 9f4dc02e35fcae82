"""`customer-credit serve`: bind the port, start the app (and its store) under uvicorn, and turn the
known reasons for a failed start into one line and an exit code."""

from __future__ import annotations

import argparse
import asyncio
import errno
import gc
import signal
import socket
import sys

from customer_credit.cli.errors import CommandError
from customer_credit.cli.store import check_data_dir, settings_for, startup_error

# Under Docker's default 10 s between SIGTERM and SIGKILL, with time left to stop the store.
GRACEFUL_SHUTDOWN_SECONDS = 5
# Allocations of containers between two young-generation collections (CPython's default is 700).
GC_YOUNG_THRESHOLD = 10_000


def tune_garbage_collector() -> None:
    """Fewer, cheaper garbage collections for a process that imports.

    An import keeps a batch of rows (tens of thousands of small containers) alive until it is written,
    so with CPython's defaults the collector ran about 1,400 young and a dozen full collections per
    50,000 rows: 0.96 s, 15% of the service's CPU during the import, most of it on the event loop
    between two database commands. Freezing what start-up built (modules, the schema) keeps it out
    of every later collection, and a young generation of 10,000 allocations leaves 0.2 s. Only cyclic
    garbage waits longer to be freed; everything else is still freed by reference counting at once."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)


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
    tune_garbage_collector()
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
