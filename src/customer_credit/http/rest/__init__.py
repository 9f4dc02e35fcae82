"""REST compatibility with the original Customer Credit API, under `/api/creditcontrol`.

A thin adapter: it translates JSON in that API's shape to the same use cases the GraphQL
schema calls, and the domain's errors back to `{code, message, field}` with 4xx statuses.
No business rule lives here.

- `errors`           the error codes, their statuses, `ApiError`, and the exception handlers every route takes
- `exact_json`       JSON with exact decimals, both ways
- `bodies`           request bodies in (listed members only, JSON types checked) and parameter values
- `accounts_json`    an account out, a request body in; their field lists feed the OpenAPI schemas
- `credit_json`      transactions, invoices, statement entries, the store configuration, and the credit bodies
- `spec`             the registry of operations (path, method, parameters, schemas, statuses, scopes)
- `requests`         what every handler reads: services, path ids, store settings, the Idempotency-Key header
- `routes`           the account handlers, and `rest_routes()` for the app (every operation of the registry)
- `credit_routes`    transactions, invoices and statements
- `settings_routes`  an account's credit limit and tolerance, and the store configuration
- `export`           the CSV export, an operation of the registry outside the prefix
- `openapi`          the OpenAPI 3.1 document, generated from the registry and the field lists

Imported as `from .rest.routes import rest_routes` (not re-exported here: `export` uses `rest.spec`
and `rest.errors`, and `rest.routes` imports `export`).
"""
