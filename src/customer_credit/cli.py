"""The `customer-credit` command: serve, manage API keys, export the schema."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from .settings import Settings


def export_schema(args: argparse.Namespace) -> int:
    from .schema import build_schema

    sdl = build_schema(Settings()).as_str() + "\n"
    if args.output:
        Path(args.output).write_text(sdl, encoding="utf-8")
    else:
        sys.stdout.write(sdl)
    return 0


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    overrides = {"data_dir": Path(args.data_dir)} if args.data_dir else {}
    settings = Settings(**overrides)

    def announce(secret: str) -> None:
        print("Created the first API key, 'admin' (all scopes). It is shown only this once:", flush=True)
        print(secret, flush=True)

    app = create_app(settings, announce_admin_key=announce)
    uvicorn.run(app, host=args.host, port=args.port, log_level=settings.log_level.lower())
    return 0


async def with_key_store(settings: Settings, action):
    """Run `action(ApiKeyRepository)` against the configured store, reusing a running embedded server."""
    from .persistence.api_keys import ApiKeyRepository
    from .persistence.database import connect
    from .persistence.embedded import embedded_store

    async def run(uri: str):
        database = connect(uri, settings.mongodb_database, timeout_ms=settings.mongodb_timeout_ms)
        try:
            await database.create_indexes()
            return await action(ApiKeyRepository(database))
        finally:
            database.close()

    if settings.mongodb_uri:
        return await run(settings.mongodb_uri)
    async with embedded_store(settings.data_dir) as uri:
        return await run(uri)


def api_keys(args: argparse.Namespace) -> int:
    from .domain.keys import parse_scopes, validate_key_name
    from .persistence.api_keys import KeyNameTaken

    overrides = {"data_dir": Path(args.data_dir)} if args.data_dir else {}
    settings = Settings(**overrides)
    if args.keys_command == "create":
        try:
            name, scopes = validate_key_name(args.name), parse_scopes(args.scopes)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        try:
            secret = asyncio.run(with_key_store(settings, lambda keys: keys.create(name, scopes)))
        except KeyNameTaken:
            print(f"error: a key named {name!r} already exists", file=sys.stderr)
            return 2
        print(f"Created key {name!r} with scopes {', '.join(sorted(scopes))}. Its secret, shown only once:")
        print(secret)
        return 0
    if args.keys_command == "list":
        keys = asyncio.run(with_key_store(settings, lambda keys: keys.list()))
        for key in keys:
            state = "revoked" if key.revoked else "active"
            print(f"{key.name}\t{state}\t{','.join(key.scopes)}")
        return 0
    revoked = asyncio.run(with_key_store(settings, lambda keys: keys.revoke(args.name)))
    if not revoked:
        print(f"error: no active key named {args.name!r}", file=sys.stderr)
        return 1
    print(f"Revoked key {args.name!r}.")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="customer-credit", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    serve_cmd = commands.add_parser("serve", help="serve the GraphQL API")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument("--data-dir", help="embedded store's directory (default: $CUSTOMER_CREDIT_DATA_DIR or ./data)")
    serve_cmd.set_defaults(handler=serve)

    keys_cmd = commands.add_parser("api-keys", help="create, list or revoke API keys")
    keys_cmd.add_argument("--data-dir")
    keys = keys_cmd.add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", help="create a key and print its secret once")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", required=True, help="comma-separated, e.g. accounts:read,pii:read")
    keys.add_parser("list", help="list keys (never their secrets)")
    revoke = keys.add_parser("revoke", help="revoke a key by name")
    revoke.add_argument("name")
    keys_cmd.set_defaults(handler=api_keys)

    schema_cmd = commands.add_parser("export-schema", help="print the GraphQL SDL")
    schema_cmd.add_argument("--output", help="write to this file instead of stdout")
    schema_cmd.set_defaults(handler=export_schema)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
