"""Import run types: the run, its row errors and the history connection."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from customer_credit.csv.errors import ImportCsvErrorCode
from customer_credit.csv.rows import ImportRowErrorCode
from customer_credit.domain.imports import ImportKind as DomainImportKind
from customer_credit.domain.imports import ImportMode as DomainImportMode
from customer_credit.domain.imports import ImportRun as ImportRunRecord
from customer_credit.domain.imports import ImportStatus
from customer_credit.domain.messages import Message
from customer_credit.graphql.core.connection import Connection
from customer_credit.graphql.core.errors import rendered
from customer_credit.graphql.core.pagination import check_page_size, decode_cursor
from customer_credit.graphql.core.time import from_epoch_ms

strawberry.enum(ImportCsvErrorCode, name="ImportCsvErrorCode")
ImportCsvErrorCodeEnum = ImportCsvErrorCode
strawberry.enum(ImportRowErrorCode, name="ImportRowErrorCode")
ImportRowErrorCodeEnum = ImportRowErrorCode


strawberry.enum(DomainImportMode, name="ImportMode")
ImportMode = DomainImportMode
strawberry.enum(DomainImportKind, name="ImportKind", description="What the rows of a file change.")
ImportKind = DomainImportKind
strawberry.enum(ImportStatus, name="ImportRunStatus")
ImportRunStatus = ImportStatus


@strawberry.type
class ImportRowError:
    row: int = strawberry.field(description="Spreadsheet row number: the header is row 1.")
    column: str | None = strawberry.field(description="The column's header as written in the file.")
    code: ImportRowErrorCodeEnum
    text: strawberry.Private[Message]
    account_id: strawberry.ID | None

    @strawberry.field
    def message(self, info: Info) -> str:
        return rendered(info, self.text)


def optional_time(value: int | None) -> datetime | None:
    return from_epoch_ms(value) if value else None


@strawberry.type
class ImportRun:
    id: strawberry.ID
    mode: ImportMode
    kind: ImportKind = strawberry.field(description="Runs stored before kinds existed read as ACCOUNTS.")
    dry_run: bool
    file_name: str
    file_size: int
    file_sha256: str
    status: ImportRunStatus
    total_rows: int | None = strawberry.field(description="Data rows, once known.")
    processed_rows: int
    created_count: int
    updated_count: int
    unchanged_count: int
    failed_count: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error_report_url: str | None = strawberry.field(description="CSV of the failed rows with an error column.")

    @classmethod
    def of(cls, run: ImportRunRecord) -> ImportRun:
        counters = run.counters
        return cls(
            id=strawberry.ID(run.id),
            mode=run.mode,
            kind=run.kind,
            dry_run=run.dry_run,
            file_name=run.file_name,
            file_size=run.file_size,
            file_sha256=run.file_sha256,
            status=run.status,
            total_rows=run.total_rows,
            processed_rows=counters.processed_rows,
            created_count=counters.created_count,
            updated_count=counters.updated_count,
            unchanged_count=counters.unchanged_count,
            failed_count=counters.failed_count,
            created_at=from_epoch_ms(run.created_at_ms),
            started_at=optional_time(run.started_at_ms),
            finished_at=optional_time(run.finished_at_ms),
            error_report_url=f"/imports/{run.id}/errors.csv" if counters.failed_count else None,
        )

    @strawberry.field
    async def errors(self, info: Info, first: int | None = 50, after: str | None = None) -> Connection[ImportRowError]:
        context = info.context
        first = check_page_size(first, context.settings.max_page_size, default=50)
        scope = f"import-errors:{self.id}"
        position = tuple(decode_cursor(after, scope, int, int)) if after is not None else None
        runs = context.services.imports
        errors = await runs.row_errors_page(str(self.id), limit=first + 1, after=position) if first else []
        page = [
            (
                [error.row, error.seq],
                ImportRowError(
                    row=error.row,
                    column=error.column,
                    code=ImportRowErrorCode(error.code),
                    text=error.message,
                    account_id=strawberry.ID(error.account_id) if error.account_id else None,
                ),
            )
            for error in errors[:first]
        ]

        async def counter(limit: int | None) -> int:
            return await runs.count_row_errors(str(self.id), limit)

        return Connection.of(page, scope=scope, has_next_page=len(errors) > first, after=after, counter=counter)


@strawberry.input
class ImportRunFilter:
    status: ImportRunStatus | None = None
    mode: ImportMode | None = None
    kind: ImportKind | None = None


@strawberry.type
class ImportCsvError:
    code: ImportCsvErrorCodeEnum
    text: strawberry.Private[Message]

    @strawberry.field
    def message(self, info: Info) -> str:
        return rendered(info, self.text)


@strawberry.type
class ImportCsvPayload:
    import_run: ImportRun | None
    errors: list[ImportCsvError]
