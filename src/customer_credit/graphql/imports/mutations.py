"""`importCsv`: a file-level problem comes back in the payload and creates no run."""

from __future__ import annotations

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload
from strawberry.types import Info

from customer_credit.csv.errors import CsvFileError, ImportCsvErrorCode
from customer_credit.domain.messages import message
from customer_credit.graphql.core.permissions import check_scope, requires
from customer_credit.graphql.imports.types import ImportCsvError, ImportCsvPayload, ImportKind, ImportMode, ImportRun
from customer_credit.usecases.imports import UploadedFile, start_import


@strawberry.type
class ImportMutations:
    @strawberry.mutation(permission_classes=[requires("imports:write")])
    async def import_csv(
        self,
        info: Info,
        file: Upload,
        mode: ImportMode,
        dry_run: bool = False,
        kind: ImportKind | None = ImportKind.ACCOUNTS,
    ) -> ImportCsvPayload:
        """An invoice import (kind INVOICES) pays and cancels invoices, so it also needs `invoices:write`."""
        context = info.context
        kind = kind or ImportKind.ACCOUNTS
        if kind is ImportKind.INVOICES:
            check_scope(info, "invoices:write")
        if not isinstance(file, UploadFile):
            return ImportCsvPayload(
                import_run=None,
                errors=[
                    ImportCsvError(
                        code=ImportCsvErrorCode.NOT_CSV,
                        text=message("NOT_CSV.notUpload"),
                    )
                ],
            )
        settings = context.settings
        try:
            run = await start_import(
                context.services.imports,
                UploadedFile(name=file.filename or "upload.csv", stream=file.file),
                mode=mode,
                kind=kind,
                dry_run=dry_run,
                actor=context.caller.name,
                max_bytes=settings.max_upload_bytes,
                max_rows=settings.max_import_rows,
            )
        except CsvFileError as error:
            return ImportCsvPayload(import_run=None, errors=[ImportCsvError(code=error.code, text=error.message)])
        worker = context.services.import_worker
        if worker is not None:
            worker.wake()
        return ImportCsvPayload(import_run=ImportRun.of(run), errors=[])
