"""The exported SDL in the repository is the schema the code serves."""

from pathlib import Path

from customer_credit.graphql.schema import build_schema
from customer_credit.settings import Settings

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_schema_graphql_matches_the_code():
    exported = build_schema(Settings()).as_str() + "\n"
    assert SCHEMA_FILE.read_text(encoding="utf-8") == exported, "schema.graphql is stale: run `make schema`"


def test_schema_keeps_the_contract_names():
    sdl = SCHEMA_FILE.read_text(encoding="utf-8")
    for name in (
        "openOrChangeAccount(input: OpenOrChangeAccountInput!): OpenOrChangeAccountPayload!",
        "closeAccount(id: ID!): CloseAccountPayload!",
        "importCsv(file: Upload!, mode: ImportMode!, dryRun: Boolean! = false, kind: ImportKind = ACCOUNTS): ImportCsvPayload!",
        "importRunProgress(id: ID!): ImportRun!",
        "enum AccountOrderField",
        "scalar Decimal",
        "scalar DateTime",
    ):
        assert name in sdl
