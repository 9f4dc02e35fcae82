"""storeSettings and updateStoreSettings: defaults, partial updates, ranges, the admin scope, persistence.

And the scopes the credit contract adds, which `api-keys create --scopes` accepts.
"""

from __future__ import annotations

from customer_credit.domain.api_keys import parse_scopes


def test_api_keys_create_accepts_the_credit_scopes():
    assert parse_scopes("credit:read,credit:write,invoices:write") == {"credit:read", "credit:write", "invoices:write"}
