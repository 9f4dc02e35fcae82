"""Starting an import: check the file, store it, queue the run.

The whole file is read once here (in a thread: it is CPU work) to refuse a
bad file before anything is stored, and to know its row count; then it is
stored in chunks and the run is queued for the background worker.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass
from typing import BinaryIO

from customer_credit.csv.columns import ACCOUNT_COLUMNS, INVOICE_COLUMNS, Column
from customer_credit.csv.errors import CsvFileError, ImportCsvErrorCode
from customer_credit.csv.reader import CsvScan, scan_csv
from customer_credit.domain.clock import now_ms
from customer_credit.domain.imports import CsvLayout, ImportCounters, ImportKind, ImportMode, ImportRun, ImportStatus
from customer_credit.domain.messages import message
from customer_credit.persistence.imports import ImportRunRepository

READ_SIZE = 256 * 1024
CHUNKS_PER_WRITE = 8
REQUIRED_COLUMNS = {ImportMode.CREATE: (Column.EMAIL,), ImportMode.UPDATE: ()}
_last_created_at = 0


def next_created_at() -> int:
    """Now in epoch ms, but strictly after the previous run of this process, so that the history's
    newest-first order (created_at, then _id) never puts two runs uploaded one after the other in
    the same millisecond in random order."""
    global _last_created_at
    _last_created_at = max(now_ms(), _last_created_at + 1)
    return _last_created_at


@dataclass(frozen=True)
class UploadedFile:
    name: str
    stream: BinaryIO


def pieces(stream: BinaryIO):
    stream.seek(0)
    return iter(lambda: stream.read(READ_SIZE), b"")


def file_size(stream: BinaryIO) -> int:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def scan(upload: UploadedFile, mode: ImportMode, kind: ImportKind, max_rows: int) -> CsvScan:
    if kind is ImportKind.INVOICES:
        return scan_csv(
            pieces(upload.stream), required=(Column.INVOICE_ID,), max_rows=max_rows, vocabulary=INVOICE_COLUMNS
        )
    result = scan_csv(
        pieces(upload.stream), required=REQUIRED_COLUMNS[mode], max_rows=max_rows, vocabulary=ACCOUNT_COLUMNS
    )
    if mode is ImportMode.UPDATE and not ({Column.ID, Column.EMAIL} & set(result.header.columns)):
        raise CsvFileError(
            ImportCsvErrorCode.MISSING_REQUIRED_COLUMN,
            message("MISSING_REQUIRED_COLUMN.update"),
        )
    return result


async def start_import(
    runs: ImportRunRepository,
    upload: UploadedFile,
    *,
    mode: ImportMode,
    dry_run: bool,
    actor: str,
    max_bytes: int,
    max_rows: int,
    kind: ImportKind = ImportKind.ACCOUNTS,
) -> ImportRun:
    """Store the file and queue its run; raises CsvFileError for a file that cannot be imported."""
    if kind is ImportKind.INVOICES and mode is not ImportMode.UPDATE:
        raise CsvFileError(ImportCsvErrorCode.UNSUPPORTED_MODE, message("UNSUPPORTED_MODE"))
    size = file_size(upload.stream)
    if size > max_bytes:
        raise CsvFileError(ImportCsvErrorCode.TOO_LARGE, message("TOO_LARGE", size=size, max=max_bytes))
    result = await asyncio.to_thread(scan, upload, mode, kind, max_rows)
    run_id = str(uuid.uuid4())
    sha256 = hashlib.sha256()
    buffer: list[bytes] = []
    stored = 0
    for piece in pieces(upload.stream):
        sha256.update(piece)
        buffer.append(piece)
        if len(buffer) == CHUNKS_PER_WRITE:
            await runs.store_chunks(run_id, buffer, stored)
            stored += len(buffer)
            buffer = []
    await runs.store_chunks(run_id, buffer, stored)
    run = ImportRun(
        id=run_id,
        mode=mode,
        kind=kind,
        dry_run=dry_run,
        file_name=upload.name,
        file_size=size,
        file_sha256=sha256.hexdigest(),
        status=ImportStatus.QUEUED,
        total_rows=result.total_rows,
        counters=ImportCounters(),
        created_at_ms=next_created_at(),
        actor=actor,
        layout=CsvLayout(
            encoding=result.format.encoding,
            delimiter=result.format.delimiter,
            columns={column.value: index for column, index in result.header.columns.items()},
            header=tuple(result.header.headers),
        ),
    )
    await runs.create(run)
    return run
