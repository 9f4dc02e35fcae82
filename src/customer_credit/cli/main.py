"""The `customer-credit` command: serve, manage API keys, export the schema, and import or export
accounts through a running service."""

from __future__ import annotations

import argparse
import os
import sys

from customer_credit.cli.check import check_command
from customer_credit.cli.errors import CommandError
from customer_credit.cli.keys import create_key, list_keys, revoke_key
from customer_credit.cli.schema import export_schema
from customer_credit.cli.serve import serve


def remote_command(action):
    """Run an `import`/`export` action (transfer.py), its refusals as one line and exit 2."""

    def handler(args: argparse.Namespace) -> int:
        from customer_credit.cli.client import RemoteError
        from customer_credit.cli.transfer import EXIT_INTERRUPTED

        try:
            return action(args)
        except RemoteError as exc:
            raise CommandError(str(exc), exc.exit_code) from None
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED

    return handler


ACCOUNT_STATUSES = ("OPEN", "CLOSED")
INVOICE_STATUSES = ("OPEN", "PAID", "CANCELLED")
ACCOUNT_FILTERS = ("search", "email", "document", "document_type")
INVOICE_FILTERS = ("account_id", "due_from", "due_to")


@remote_command
def import_command(args: argparse.Namespace) -> int:
    from customer_credit.cli.transfer import import_file

    invoices = args.kind == "INVOICES"
    if args.mode is None and not invoices:
        raise CommandError("--mode is required for an account import (create or update)", 2)
    return import_file(
        path=args.file,
        mode=args.mode or "UPDATE",
        kind=args.kind,
        dry_run=args.dry_run,
        url=args.url,
        key=args.key,
        show_errors=args.show_errors,
    )


@remote_command
def export_command(args: argparse.Namespace) -> int:
    """Accounts, or with --invoices the invoices; each with the filters of its export."""
    from customer_credit.cli.transfer import export_file

    statuses, filters, other = (
        (INVOICE_STATUSES, INVOICE_FILTERS, ACCOUNT_FILTERS)
        if args.invoices
        else (ACCOUNT_STATUSES, ACCOUNT_FILTERS, INVOICE_FILTERS)
    )
    misplaced = [f"--{name.replace('_', '-')}" for name in other if getattr(args, name)]
    if misplaced:
        raise CommandError(f"{', '.join(misplaced)}: not a filter of this export", 2)
    if args.status is not None and args.status not in statuses:
        raise CommandError(f"--status must be one of {', '.join(s.lower() for s in statuses)}", 2)
    names = {
        "search": "search",
        "email": "email",
        "document": "document",
        "document_type": "documentType",
        "account_id": "accountId",
        "due_from": "dueFrom",
        "due_to": "dueTo",
    }
    params = {"status": args.status, **{names[name]: getattr(args, name) for name in filters}}
    return export_file(path=args.file, params=params, url=args.url, key=args.key, invoices=args.invoices)


def add_remote_options(command: argparse.ArgumentParser) -> None:
    from_env = os.environ.get("CUSTOMER_CREDIT_URL")
    command.add_argument(
        "--url",
        default=from_env or "http://127.0.0.1:8000",
        help="the running service (default: $CUSTOMER_CREDIT_URL or http://127.0.0.1:8000)",
    )
    command.add_argument(
        "--key",
        default=os.environ.get("CUSTOMER_CREDIT_KEY"),
        help="API key secret (default: $CUSTOMER_CREDIT_KEY, which keeps it out of the process list)",
    )


def upper_choice(choices: tuple[str, ...]):
    def parse(text: str) -> str:
        value = text.upper()
        if value not in choices:
            raise argparse.ArgumentTypeError(f"one of {', '.join(c.lower() for c in choices)}")
        return value

    return parse


def error_count(text: str) -> int:
    count = int(text)
    if count < 0:
        raise argparse.ArgumentTypeError("0 or more")
    return count


def port_number(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("a port is 0 to 65535 (0: any free port)")
    return port


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="customer-credit", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    data_dir_help = "embedded store's directory (default: $CUSTOMER_CREDIT_DATA_DIR or ./data)"

    serve_cmd = commands.add_parser("serve", help="serve the GraphQL API")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=port_number, default=8000, help="default 8000; 0: any free port")
    serve_cmd.add_argument("--data-dir", help=data_dir_help)
    serve_cmd.set_defaults(handler=serve)

    keys_cmd = commands.add_parser("api-keys", help="create, list or revoke API keys")
    keys_cmd.add_argument("--data-dir", help=data_dir_help)
    keys = keys_cmd.add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", help="create a key and print its secret once (creates the store if needed)")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", required=True, help="comma-separated, e.g. accounts:read,pii:read")
    create.set_defaults(handler=create_key)
    list_cmd = keys.add_parser("list", help="list keys (never their secrets)")
    list_cmd.set_defaults(handler=list_keys)
    revoke = keys.add_parser("revoke", help="revoke a key by name")
    revoke.add_argument("name")
    revoke.set_defaults(handler=revoke_key)
    for sub in (create, list_cmd, revoke):
        # Accepted after the subcommand too; SUPPRESS keeps it from overwriting the one before.
        sub.add_argument("--data-dir", default=argparse.SUPPRESS, help=data_dir_help)

    check_cmd = commands.add_parser(
        "check",
        help="check every account's ledger against the contract's invariants (read only)",
        description="Prints each drift found and exits 1 if there is any, 0 when every account adds up.",
    )
    check_cmd.add_argument("--data-dir", help=data_dir_help)
    check_cmd.set_defaults(handler=check_command)

    schema_cmd = commands.add_parser("export-schema", help="print the GraphQL SDL")
    schema_cmd.add_argument("--output", help="write to this file instead of stdout")
    schema_cmd.set_defaults(handler=export_schema)

    import_cmd = commands.add_parser(
        "import",
        help="import a CSV file into a running service and follow the run",
        description="Upload FILE to the service (importCsv), follow the run with a progress bar, then print "
        "its counts and row errors. Exit status: 0 every row good, 1 some rows failed (or the run failed), "
        "2 the file or the call was refused.",
    )
    import_cmd.add_argument("file", metavar="FILE")
    import_cmd.add_argument(
        "--mode",
        type=upper_choice(("CREATE", "UPDATE")),
        metavar="{create,update}",
        help="create: every row opens an account; update: every row changes one (required for accounts; "
        "an invoice import is always update)",
    )
    import_cmd.add_argument(
        "--kind",
        type=upper_choice(("ACCOUNTS", "INVOICES")),
        default="ACCOUNTS",
        metavar="{accounts,invoices}",
        help="accounts (default), or invoices: Status Paid/Cancelled (Paga/Cancelada) pays or cancels each "
        "invoice (an invoice export edited); needs invoices:write",
    )
    import_cmd.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    import_cmd.add_argument(
        "--show-errors",
        type=error_count,
        default=20,
        metavar="N",
        help="row errors to list at the end (default 20; the error report has all)",
    )
    add_remote_options(import_cmd)
    import_cmd.set_defaults(handler=import_command)

    export_cmd = commands.add_parser(
        "export",
        help="export accounts (or invoices) from a running service to a CSV file",
        description="Download GET /accounts/export.csv to FILE ('-': stdout), in the import template's columns, "
        "so the file can be edited and imported back with --mode update. Needs accounts:read and pii:read. "
        "With --invoices, GET /invoices/export.csv instead (needs credit:read; Email masked without pii:read), "
        "to mark invoices Paid or Cancelled and import back with --kind invoices. "
        "Exit status: 0 written, 2 refused (nothing is left at FILE).",
    )
    export_cmd.add_argument("file", metavar="FILE")
    export_cmd.add_argument("--invoices", action="store_true", help="export invoices rather than accounts")
    export_cmd.add_argument(
        "--status",
        type=upper_choice(tuple(dict.fromkeys((*ACCOUNT_STATUSES, *INVOICE_STATUSES)))),
        metavar="STATUS",
        help="accounts: open or closed; invoices: open, paid or cancelled",
    )
    export_cmd.add_argument("--account-id", help="invoices: only this account's")
    export_cmd.add_argument("--due-from", help="invoices: due on or after this day (YYYY-MM-DD)")
    export_cmd.add_argument("--due-to", help="invoices: due on or before this day (YYYY-MM-DD)")
    export_cmd.add_argument("--search", help="case-insensitive prefix of id, email or document")
    export_cmd.add_argument("--email", help="exact email, case-insensitive")
    export_cmd.add_argument("--document", help="exact document, punctuation ignored")
    export_cmd.add_argument("--document-type", type=upper_choice(("CPF", "CNPJ", "OTHER")), metavar="{cpf,cnpj,other}")
    add_remote_options(export_cmd)
    export_cmd.set_defaults(handler=export_command)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
