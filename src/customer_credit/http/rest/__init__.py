"""REST compatibility with the original Customer Credit API, under `/api/creditcontrol`.

A thin adapter: it translates JSON in that API's shape to the same resolver calls the
GraphQL schema makes (`resolvers/accounts.py`), and the domain's errors back to
`{code, message, field}` with 4xx statuses. No business rule lives here.

- `mapping`  the JSON shapes: account fields, request fields, errors, an exact-decimal encoder
- `spec`     the registry of operations (path, method, parameters, schemas, statuses)
- `routes`   the handlers, registered in the registry, and `rest_routes()` for the app
- `openapi`  the OpenAPI 3.1 document, generated from the registry and the mapping's field lists

Imported as `from .rest.routes import rest_routes` (not re-exported here: `exports` uses `rest.spec`
and `rest.mapping`, and `rest.routes` imports `exports`).
"""
