"""`customer-credit api-keys create|list|revoke`, straight on the store: the commands that make the
first keys, before any service runs. `create` makes the store if there is none; `list` and `revoke`
refuse to (see store.require_store)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from customer_credit.cli.errors import CommandError
from customer_credit.cli.store import check_data_dir, require_store, settings_for, with_database
from customer_credit.settings import Settings


async def with_key_store(settings: Settings, action):
    """Run `action(ApiKeyRepository)` against the configured store, reusing a running embedded server."""
    from customer_credit.persistence.api_keys import ApiKeyRepository

    return await with_database(settings, lambda database: action(ApiKeyRepository(database)))


def create_key(args: argparse.Namespace) -> int:
    from customer_credit.domain.api_keys import parse_scopes, validate_key_name
    from customer_credit.persistence.api_keys import KeyNameTaken

    settings = settings_for(args)
    try:
        name, scopes = validate_key_name(args.name), parse_scopes(args.scopes)
    except ValueError as exc:
        raise CommandError(str(exc), 2) from None
    if settings.mongodb_uri is None:
        check_data_dir(settings.data_dir)
    try:
        secret = asyncio.run(with_key_store(settings, lambda keys: keys.create(name, scopes)))
    except KeyNameTaken:
        raise CommandError(f"a key named {name!r} already exists", 2) from None
    print(f"Created key {name!r} with scopes {', '.join(sorted(scopes))}. Its secret, shown only once:")
    print(secret)
    return 0


def list_keys(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    require_store(settings)
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


def revoke_key(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    require_store(settings)
    if not asyncio.run(with_key_store(settings, lambda keys: keys.revoke(args.name))):
        raise CommandError(f"no active key named {args.name!r}")
    print(f"Revoked key {args.name!r}.")
    return 0
