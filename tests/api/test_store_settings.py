"""storeSettings and updateStoreSettings: defaults, partial updates, ranges, the admin scope, persistence.

And the scopes the credit contract adds, which `api-keys create --scopes` accepts.
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from customer_credit.domain.api_keys import ADMIN, SCOPES, parse_scopes
from customer_credit.http.app import create_app
from customer_credit.persistence.database import STORE_SETTINGS
from tests.support.clients import http_client, make_key
from tests.support.graphql import error_codes, graphql, payload_of

SETTINGS_FIELDS = """
  invoiceDueDays maxInstallments authorizationTtlHours toleranceEnabled postponementEnabled maxPostponementDays
  updatedAt updatedBy
"""

STORE_SETTINGS_QUERY = f"""
query Settings {{ storeSettings {{ {SETTINGS_FIELDS} }} }}
"""

UPDATE_STORE_SETTINGS = f"""
mutation Update($input: StoreSettingsInput!) {{
  updateStoreSettings(input: $input) {{
    errors {{ field code message }}
    settings {{ {SETTINGS_FIELDS} }}
  }}
}}
"""

DEFAULTS = {
    "invoiceDueDays": 30,
    "maxInstallments": 12,
    "authorizationTtlHours": 120,
    "toleranceEnabled": True,
    "postponementEnabled": True,
    "maxPostponementDays": 30,
    "updatedAt": None,
    "updatedBy": None,
}

# field, lowest, highest
RANGES = [
    ("invoiceDueDays", 1, 120),
    ("maxInstallments", 1, 48),
    ("authorizationTtlHours", 1, 720),
    ("maxPostponementDays", 0, 180),
]
IN_RANGE = [(field, value) for field, lowest, highest in RANGES for value in (lowest, highest)]
OUT_OF_RANGE = [(field, value) for field, lowest, highest in RANGES for value in (lowest - 1, highest + 1)]


async def read_settings(client) -> dict:
    return payload_of(await graphql(client, STORE_SETTINGS_QUERY), "storeSettings")


async def update_settings(client, **input) -> dict:
    return payload_of(await graphql(client, UPDATE_STORE_SETTINGS, input=input), "updateStoreSettings")


async def stored_settings(database) -> list[dict]:
    return await database.collection(STORE_SETTINGS).find({}).to_list(length=None)


def epoch_ms(text: str) -> int:
    return round(datetime.fromisoformat(text).timestamp() * 1000)


def test_api_keys_create_accepts_the_credit_scopes():
    assert parse_scopes("credit:read,credit:write,invoices:write") == {"credit:read", "credit:write", "invoices:write"}


@pytest.mark.parametrize("scope", SCOPES)
async def test_defaults_are_read_by_any_key(client_with, scope):
    reader = await client_with(scope)

    assert await read_settings(reader) == DEFAULTS


async def test_update_by_admin_changes_only_the_given_fields_and_records_who_and_when(client):
    before_ms = int(time.time() * 1000)
    payload = await update_settings(client, invoiceDueDays=45, toleranceEnabled=False)
    after_ms = int(time.time() * 1000)

    assert payload["errors"] == []
    settings = payload["settings"]
    assert {**settings, "updatedAt": None} == {
        **DEFAULTS,
        "invoiceDueDays": 45,
        "toleranceEnabled": False,
        "updatedBy": "tester",
    }
    assert before_ms <= epoch_ms(settings["updatedAt"]) <= after_ms
    assert await read_settings(client) == settings


async def test_later_update_keeps_the_earlier_changes(client):
    await update_settings(client, maxInstallments=6)

    payload = await update_settings(client, postponementEnabled=False)

    assert payload["errors"] == []
    settings = await read_settings(client)
    assert (settings["maxInstallments"], settings["postponementEnabled"]) == (6, False)


async def test_null_leaves_a_setting_unchanged(client):
    await update_settings(client, maxPostponementDays=10)

    payload = await update_settings(client, maxPostponementDays=None, authorizationTtlHours=24)

    assert payload["errors"] == []
    assert (payload["settings"]["maxPostponementDays"], payload["settings"]["authorizationTtlHours"]) == (10, 24)


@pytest.mark.parametrize(("field", "value"), IN_RANGE, ids=[f"{f}={v}" for f, v in IN_RANGE])
async def test_value_at_the_edge_of_its_range_is_accepted(client, field, value):
    payload = await update_settings(client, **{field: value})

    assert payload["errors"] == []
    assert payload["settings"][field] == value
    assert (await read_settings(client))[field] == value


@pytest.mark.parametrize(("field", "value"), OUT_OF_RANGE, ids=[f"{f}={v}" for f, v in OUT_OF_RANGE])
async def test_value_just_outside_its_range_is_invalid_setting_and_writes_nothing(client, database, field, value):
    await update_settings(client, toleranceEnabled=False)  # something stored to be kept
    before, stored_before = await read_settings(client), await stored_settings(database)

    payload = await update_settings(client, **{field: value})

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, "INVALID_SETTING")]
    assert payload["settings"] is None
    assert await read_settings(client) == before
    assert await stored_settings(database) == stored_before


async def test_out_of_range_update_of_the_defaults_stores_nothing(client, database):
    payload = await update_settings(client, invoiceDueDays=0)

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("invoiceDueDays", "INVALID_SETTING")]
    assert await read_settings(client) == DEFAULTS
    assert await stored_settings(database) == []


async def test_several_bad_fields_are_reported_at_once_and_none_applied(client):
    payload = await update_settings(
        client,
        invoiceDueDays=121,
        maxInstallments=0,
        authorizationTtlHours=721,
        maxPostponementDays=-1,
        toleranceEnabled=False,
    )

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("invoiceDueDays", "INVALID_SETTING"),
        ("maxInstallments", "INVALID_SETTING"),
        ("authorizationTtlHours", "INVALID_SETTING"),
        ("maxPostponementDays", "INVALID_SETTING"),
    ]
    assert all(e["message"] for e in payload["errors"])
    assert await read_settings(client) == DEFAULTS


async def test_key_without_admin_is_forbidden_and_changes_nothing(client, client_with, database):
    every_other_scope = [s for s in SCOPES if s != ADMIN]
    caller = await client_with(*every_other_scope)

    result = await graphql(caller, UPDATE_STORE_SETTINGS, input={"invoiceDueDays": 10})

    assert result["data"] is None
    assert error_codes(result) == ["FORBIDDEN"]
    assert "'admin'" in result["errors"][0]["message"]
    assert await read_settings(client) == DEFAULTS
    assert await stored_settings(database) == []


async def test_key_with_accounts_and_credit_write_is_forbidden(client_with):
    caller = await client_with("accounts:write", "credit:write")

    result = await graphql(caller, UPDATE_STORE_SETTINGS, input={"maxInstallments": 3})

    assert error_codes(result) == ["FORBIDDEN"]
    assert (await read_settings(caller))["maxInstallments"] == 12


async def test_settings_persist_across_a_new_app_instance(client, settings, database):
    saved = (await update_settings(client, invoiceDueDays=60, maxInstallments=24, postponementEnabled=False))[
        "settings"
    ]

    restarted = create_app(settings, database=database)
    async with http_client(restarted, await make_key(database, "after-restart", {"accounts:read"})) as reader:
        assert await read_settings(reader) == saved
