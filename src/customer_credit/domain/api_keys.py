"""API keys and scopes: who is calling and what they may do."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from customer_credit.domain.messages import message

ADMIN = "admin"
SCOPES = (
    "accounts:read",
    "accounts:write",
    "imports:read",
    "imports:write",
    "pii:read",
    "metrics:read",
    "credit:read",
    "credit:write",
    "invoices:write",
    ADMIN,
)
SECRET_PREFIX = "cc_"
KEY_NAME_PATTERN = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


@dataclass(frozen=True)
class ApiKey:
    """A key as listed: never its secret, of which only a hash is stored."""

    name: str
    scopes: tuple[str, ...]
    created_at_ms: int
    revoked: bool


@dataclass(frozen=True)
class Caller:
    """The authenticated key behind a request."""

    name: str
    scopes: frozenset[str]

    def has(self, scope: str) -> bool:
        return ADMIN in self.scopes or scope in self.scopes

    def effective_scopes(self) -> tuple[str, ...]:
        """Every scope the key has, in SCOPES order: all of them for an admin key."""
        return tuple(scope for scope in SCOPES if self.has(scope))


def generate_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """Secrets are random and long, so a plain SHA-256 is enough (no password stretching needed)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def parse_scopes(text: str) -> frozenset[str]:
    scopes = frozenset(s.strip() for s in text.split(",") if s.strip())
    unknown = sorted(scopes - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    if not scopes:
        raise ValueError("at least one scope is required")
    return scopes


def validate_key_name(name: str) -> str:
    if not KEY_NAME_PATTERN.fullmatch(name):
        raise ValueError("a key name is 1 to 64 characters of letters, digits, '_', '.', '@' or '-'")
    return name


class MissingScope(Exception):
    """The scope check every transport makes (GraphQL's permission classes, the REST operations and
    the plain routes); each answers it as FORBIDDEN in its own envelope."""

    def __init__(self, scope: str) -> None:
        self.text = message("FORBIDDEN", scope=scope)
        super().__init__(self.text.english)
        self.scope = scope


def check_scopes(caller: Caller | None, scopes: Iterable[str]) -> MissingScope | None:
    """The first of `scopes` the caller lacks, as the error to answer with; None if it has them all.
    A request without a key lacks every scope."""
    for scope in scopes:
        if caller is None or not caller.has(scope):
            return MissingScope(scope)
    return None
