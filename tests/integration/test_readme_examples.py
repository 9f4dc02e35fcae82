"""The README's account examples work when followed in order on a fresh service: the quick start's
curl, the GraphQL examples (open, change, close, read, list) and the REST example, with the keys the
README tells the reader to create, each example with its own email and CPF. They are read from
README.md itself, so the README cannot drift from the service."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.clients import http_client, make_key

pytestmark = pytest.mark.integration

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
PLACEHOLDER_ID = "3f0c…"
ACCOUNT_FIELDS = ("openOrChangeAccount", "openOrChangeAccount", "closeAccount", "account", "accounts")
EMAIL = re.compile(r"[\w.+-]+@example\.com")
CPF = re.compile(r"\d{3}\.\d{3}\.\d{3}-\d{2}")


def section(title: str) -> str:
    start = README.index(f"\n## {title}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def quick_start_curl() -> str:
    [block] = [b for b in blocks(section("Quick start"), "sh") if "curl" in b]
    return block


def account_examples() -> list[str]:
    """The GraphQL examples on accounts, in README order: open, change, close, read, list."""
    found = []
    for block in blocks(section("GraphQL examples"), "graphql"):
        first = re.match(r"\s*(?:query|mutation)\s*\{\s*(\w+)", block)
        if first and first.group(1) in ACCOUNT_FIELDS:
            found.append((first.group(1), block))
    assert tuple(name for name, _ in found) == ACCOUNT_FIELDS, [name for name, _ in found]
    return [block for _, block in found]


def rest_curl() -> str:
    """The REST section's account example (its credit examples come after it and are not run here)."""
    [block, *_] = [b for b in blocks(section("REST compatibility API"), "sh") if "/api/creditcontrol/accounts" in b]
    return block


def partner_scopes() -> set[str]:
    """The scopes the README says to give the key named `partner`, which $PARTNER_SECRET is the secret of."""
    match = re.search(r"api-keys create --name partner --scopes ([\w:,]+)", README)
    assert match, "the README must say how to create the key named partner (the REST example's $PARTNER_SECRET)"
    return set(match.group(1).split(","))


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None


def curl_calls(block: str, variables: dict[str, str]) -> Iterator[Call]:
    """Each `curl` command of a shell block, with its $VARIABLES filled in, as a request to make."""
    for line in block.replace("\\\n", " ").splitlines():
        if not line.strip().startswith("curl "):
            continue
        for name, value in variables.items():
            line = line.replace(f"${name}", value)
        args = shlex.split(line)[1:]
        call = Call(method="", path="")
        while args:
            arg = args.pop(0)
            if arg == "-s":
                continue
            if arg == "-X":
                call.method = args.pop(0)
            elif arg == "-H":
                name, _, value = args.pop(0).partition(":")
                call.headers[name.strip()] = value.strip()
            elif arg == "-d":
                call.body = args.pop(0)
            elif arg.startswith("http"):
                url = urlsplit(arg)
                call.path = url.path + (f"?{url.query}" if url.query else "")
            else:
                raise AssertionError(f"the README's curl uses an option this test does not know: {arg}")
        call.method = call.method or ("POST" if call.body is not None else "GET")
        yield call


async def send(app, call: Call) -> httpx.Response:
    async with http_client(app, None) as client:
        return await client.request(call.method, call.path, headers=call.headers, content=call.body)


def payload_errors(data: object) -> Iterator[object]:
    """Every non-empty `errors` list inside a GraphQL `data` (the payloads' expected failures)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "errors" and value:
                yield value
            else:
                yield from payload_errors(value)
    elif isinstance(data, list):
        for item in data:
            yield from payload_errors(item)


def assert_graphql_ok(response: httpx.Response, example: str) -> dict:
    assert response.status_code == 200, (example, response.text)
    body = response.json()
    assert "errors" not in body, (example, body["errors"])
    assert list(payload_errors(body["data"])) == [], (example, body["data"])
    return body["data"]


async def test_the_readme_account_examples_run_in_order_without_errors(app, database):
    key = await make_key(database, "admin", {"admin"})
    partner = await make_key(database, "partner", partner_scopes())
    variables = {"KEY": key, "PARTNER_SECRET": partner}

    [quick_start] = curl_calls(quick_start_curl(), variables)
    data = assert_graphql_ok(await send(app, quick_start), "quick start")
    assert data["openOrChangeAccount"]["created"] is True

    open_, *others = account_examples()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    opened = assert_graphql_ok(
        await send(app, Call("POST", "/graphql", headers, json.dumps({"query": open_}))), "open an account"
    )
    assert opened["openOrChangeAccount"]["created"] is True
    account_id = opened["openOrChangeAccount"]["account"]["id"]
    for example in others:
        query = example.replace(PLACEHOLDER_ID, account_id)
        assert_graphql_ok(await send(app, Call("POST", "/graphql", headers, json.dumps({"query": query}))), example)

    for call in curl_calls(rest_curl(), variables):
        response = await send(app, call)
        assert response.status_code in (200, 201), (call, response.text)


async def test_every_readme_example_that_opens_an_account_has_its_own_email_and_cpf(app, database):
    async with http_client(app, await make_key(database, "reader", {"accounts:read"})) as client:
        template = (await client.get("/imports/template.csv")).text
    examples = {
        "quick start": quick_start_curl(),
        "open an account": account_examples()[0],
        "REST": rest_curl(),
        "CSV template": template,
    }

    for pattern in (EMAIL, CPF):
        seen: dict[str, str] = {}
        for name, text in examples.items():
            for value in set(pattern.findall(text)):
                assert value not in seen, f"{value} is in both the {seen[value]} and the {name} examples"
                seen[value] = name
        assert len({seen[value] for value in seen}) == len(examples), (pattern.pattern, seen)
