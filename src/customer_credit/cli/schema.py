"""`customer-credit export-schema`: the GraphQL SDL, which schema.graphql keeps in the repository."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from customer_credit.settings import Settings


def export_schema(args: argparse.Namespace) -> int:
    from customer_credit.graphql.schema import build_schema

    sdl = build_schema(Settings()).as_str() + "\n"
    if args.output:
        Path(args.output).write_text(sdl, encoding="utf-8")
    else:
        sys.stdout.write(sdl)
    return 0
