"""Helpers the tests share, each defined once; the conftests hold only fixtures.

- graphql: GraphQL calls (in process and over HTTP) and reading their errors
- clients: API keys and in-process HTTP clients that carry them
- accounts: the account operations as query constants, and calls that use them
- documents: valid CPF/CNPJ documents, and the same in look-alike digits
- imports: the import mutation and run query, uploads, waiting for a run to end, its counts
- csv_files: CSV files built from rows
- mongomock: the in-process store (mongomock-motor that yields to the event loop)
- races: spies that show a race between writers really happened
- processes: the service and its database as subprocesses (ports, environment, launcher)
- observed_cli: the CLI run with a recorder of its account updates (to see stale writes)
- served: checks against a service running as a subprocess
- waiting: polling until a condition holds
- logs: the service's log as JSON lines
- faults: what the driver says in an outage (no client may see it)
- browser: Playwright helpers for the e2e tests
"""
