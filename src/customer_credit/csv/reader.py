"""Streaming CSV reading: detects encoding and delimiter, and turns raw byte chunks into records.

Everything here is pure (no I/O): callers hand in the bytes, in chunks of any size.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass

from customer_credit.csv.columns import (
    ACCOUNT_COLUMNS,
    Column,
    HeaderMap,
    Vocabulary,
    column_for_header,
    map_header,
)
from customer_credit.csv.errors import CsvFileError, ImportCsvErrorCode
from customer_credit.domain.messages import message

# Bounds the memory one record can take; below csv's default field size limit (131072).
MAX_RECORD_CHARS = 100_000

_UTF8_BOM = codecs.BOM_UTF8
_FOREIGN_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another ZIP archive"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls)"),
    (b"%PDF-", "a PDF document"),
)
_HEAD_BYTES = 8

# ASCII control bytes mean the same in UTF-8, Windows-1252 and Latin-1, so they are checked on raw bytes.
# Substring tests and translate() beat a regex character class tenfold; the regex only locates the culprit.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_CONTROL_BYTE = re.compile(b"[" + re.escape(_CONTROL_BYTES) + b"]")
_CP1252_UNDEFINED = tuple(bytes([b]) for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D))
# str.splitlines() breaks lines at these too; CSV only at CR and LF.
_NON_CSV_BREAKS = tuple("\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_LINE_BREAK = re.compile(r"\r\n?|\n")
_QUOTED = re.compile(r'"(?:[^"]|"")*"?')
_BLANK = " \t\r\n"


@dataclass(frozen=True)
class CsvFormat:
    encoding: str
    delimiter: str


@dataclass(frozen=True)
class CsvScan:
    format: CsvFormat
    header: HeaderMap
    total_rows: int


@dataclass(frozen=True, slots=True)
class Record:
    row: int
    cells: tuple[str, ...]


def _quote_patterns(delimiter: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Patterns that fully match a physical line iff it ends outside quotes, read the way csv.reader reads it.

    The first applies to a line that starts a record, the second to one that continues a quoted field.
    Counting quotes is not enough: a `"` inside an unquoted field (`27" monitor`) is a literal character.
    """
    d = re.escape(delimiter)
    field = rf'(?:"(?:[^"]++|"")*+"[^{d}]*+|[^"{d}][^{d}]*+|)'
    more_fields = rf"(?:{d}{field})*+"
    return (
        re.compile(field + more_fields),
        re.compile(rf'(?:[^"]++|"")*+"[^{d}]*+' + more_fields),
    )


def _rejoin(lines: list[str]) -> list[str]:
    joined: list[str] = []
    pending = ""
    for line in lines:
        if line[-1] in "\r\n":
            joined.append(pending + line)
            pending = ""
        else:
            pending += line
    if pending:
        joined.append(pending)
    return joined


class RecordReader:
    """Incremental: feed raw byte chunks, get back complete records.

    Memory stays bounded by one chunk plus one record (at most MAX_RECORD_CHARS). Row numbers are spreadsheet
    rows: one per record (a quoted field may span lines), blank records included though they are not
    returned. The header is always row 1: blank lines before it are not counted. A record is blank when
    every cell is empty or ASCII whitespace, which reads the same in every accepted encoding.
    """

    def __init__(self, fmt: CsvFormat) -> None:
        # A BOM is dropped by hand rather than by utf-8-sig, whose error offsets skip the BOM's 3 bytes.
        self.format = fmt
        self._strip_bom = fmt.encoding == "utf-8-sig"
        self._encoding = "utf-8" if self._strip_bom else fmt.encoding
        self._decoder = codecs.getincrementaldecoder(self._encoding)()
        self._ends_outside, self._closes = _quote_patterns(fmt.delimiter)
        self._tail = ""
        self._open: list[str] = []  # the lines so far of a record whose quoted field is still open
        self._open_size = 0
        self._row = 0
        self._offset = 0

    def feed(self, chunk: bytes) -> list[Record]:
        return self._records(self._decode(chunk, final=False), final=False)

    def close(self) -> list[Record]:
        records = self._records(self._decode(b"", final=True), final=True)
        if self._open:
            raise CsvFileError(
                ImportCsvErrorCode.NOT_CSV,
                message("NOT_CSV.unclosed", row=self._row + 1),
            )
        return records

    def _decode(self, chunk: bytes, *, final: bool) -> str:
        buffered = len(self._decoder.getstate()[0])
        try:
            text = self._decoder.decode(chunk, final)
        except UnicodeDecodeError as exc:
            at = self._offset - buffered + exc.start
            bad = exc.object[exc.start : exc.start + 1].hex().upper()
            what = message("BYTE.value", value=f"0x{bad}") if bad else message("BYTE.cut")
            raise CsvFileError(
                ImportCsvErrorCode.ENCODING,
                message("ENCODING.invalid", encoding=self._encoding, what=what, offset=at),
            ) from None
        self._offset += len(chunk)
        if self._strip_bom and text:
            self._strip_bom = False
            if text[0] == "\ufeff":
                text = text[1:]
        return text

    def _records(self, text: str, *, final: bool) -> list[Record]:
        text = self._tail + text
        lines = text.splitlines(True)
        if any(c in text for c in _NON_CSV_BREAKS):
            lines = _rejoin(lines)
        # A last line without LF may be incomplete, or a CR whose LF is in the next chunk.
        self._tail = lines.pop() if lines and not final and lines[-1][-1] != "\n" else ""
        records = self._assemble(lines) if self._open or '"' in text else lines

        found: list[Record] = []
        row = self._row
        try:
            for cells in csv.reader(records, delimiter=self.format.delimiter):
                if "".join(cells).strip(_BLANK):
                    row += 1
                    found.append(Record(row, tuple(cells)))
                elif row:
                    row += 1
        except csv.Error as exc:
            raise CsvFileError(
                ImportCsvErrorCode.NOT_CSV, message("NOT_CSV.unreadable", row=row + 1, reason=str(exc))
            ) from None
        self._row = row
        if len(self._tail) + self._open_size > MAX_RECORD_CHARS:
            raise CsvFileError(
                ImportCsvErrorCode.NOT_CSV,
                message("NOT_CSV.tooLongOpen" if self._open else "NOT_CSV.tooLong", row=row + 1, max=MAX_RECORD_CHARS),
            )
        return found

    def _assemble(self, lines: list[str]) -> list[str]:
        """Joins the lines of records whose quoted fields hold line breaks."""
        records: list[str] = []
        for line in lines:
            if self._open:
                self._open.append(line)
                self._open_size += len(line)
                if '"' in line and self._closes.fullmatch(line):
                    records.append("".join(self._open))
                    self._open.clear()
                    self._open_size = 0
                elif self._open_size > MAX_RECORD_CHARS:
                    raise CsvFileError(
                        ImportCsvErrorCode.NOT_CSV,
                        message("NOT_CSV.unclosedWithin", row=self._row + len(records) + 1, max=MAX_RECORD_CHARS),
                    )
            elif '"' in line and not self._ends_outside.fullmatch(line):
                self._open.append(line)
                self._open_size = len(line)
            else:
                records.append(line)
        return records


class _ByteChecks:
    """What can only be known from the raw bytes: control characters and which encodings still fit."""

    def __init__(self, bom: bool) -> None:
        self._bom = bom
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._utf8_valid = True
        self._cp1252_valid = True
        self._offset = 0
        self._line = 1

    @property
    def encoding(self) -> str:
        if self._utf8_valid:
            return "utf-8-sig" if self._bom else "utf-8"
        return "cp1252" if self._cp1252_valid else "latin-1"

    def feed(self, chunk: bytes) -> None:
        has_control = len(chunk.translate(None, _CONTROL_BYTES)) != len(chunk)
        control = _CONTROL_BYTE.search(chunk) if has_control else None
        if control is not None:
            at = control.start()
            line = self._line + chunk.count(b"\n", 0, at)
            offset = self._offset + at
            if chunk[at] == 0:
                text = message("NOT_CSV.nul", offset=offset, line=line)
            else:
                text = message("NOT_CSV.control", char=f"0x{chunk[at]:02X}", offset=offset, line=line)
            raise CsvFileError(ImportCsvErrorCode.NOT_CSV, text)
        self._validate_utf8(chunk, final=False)
        if self._cp1252_valid and any(b in chunk for b in _CP1252_UNDEFINED):
            self._cp1252_valid = False
        self._offset += len(chunk)
        self._line += chunk.count(b"\n")

    def close(self) -> None:
        self._validate_utf8(b"", final=True)

    def _validate_utf8(self, chunk: bytes, *, final: bool) -> None:
        if not self._utf8_valid:
            return
        buffered = len(self._utf8.getstate()[0])
        try:
            self._utf8.decode(chunk, final)
        except UnicodeDecodeError as exc:
            self._utf8_valid = False
            if self._bom:
                line = self._line + chunk.count(b"\n", 0, max(exc.start - buffered, 0))
                bad = exc.object[exc.start : exc.start + 1].hex().upper()
                what = message("BYTE.value", value=f"0x{bad}") if bad else message("BYTE.cut")
                offset = self._offset - buffered + exc.start
                raise CsvFileError(
                    ImportCsvErrorCode.ENCODING, message("ENCODING.badBom", what=what, offset=offset, line=line)
                ) from None


def _check_head(head: bytes) -> bool:
    """Rejects a file that announces itself as something else; True if it starts with a UTF-8 BOM."""
    for bom, name in _FOREIGN_BOMS:
        if head.startswith(bom):
            raise CsvFileError(
                ImportCsvErrorCode.ENCODING,
                message("ENCODING.foreignBom", name=name),
            )
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            raise CsvFileError(
                ImportCsvErrorCode.NOT_CSV,
                message("NOT_CSV.kind", kind=kind),
            )
    return head.startswith(_UTF8_BOM)


def _header_delimiter(text: str, *, final: bool) -> str | None:
    """The delimiter, from the first line that is more than separators: `;` when it outnumbers `,`.

    None while that line is not complete yet.
    """
    lines = _LINE_BREAK.split(text)
    for index, line in enumerate(lines):
        if line.strip(' \t,;"'):
            if index == len(lines) - 1 and not final:
                return None
            outside = _QUOTED.sub("", line)
            return ";" if outside.count(";") > outside.count(",") else ","
    return None


def _header(cells: tuple[str, ...], encoding: str, required: tuple[Column, ...], vocabulary: Vocabulary) -> HeaderMap:
    # Cells were read as Latin-1, which maps bytes to characters one to one; this recovers the real text.
    decoded = [cell.encode("latin-1").decode(encoding, "replace") for cell in cells]
    if not any(column_for_header(cell, vocabulary) for cell in decoded):
        shown = ", ".join(f'"{cell.strip()[:40]}"' for cell in decoded[:3] if cell.strip())
        raise CsvFileError(
            ImportCsvErrorCode.NOT_CSV,
            message("NOT_CSV.noHeader", shown=f" ({shown})" if shown else "", template=",".join(vocabulary.template)),
        )
    return map_header(decoded, required=required, vocabulary=vocabulary)


def scan_csv(
    chunks: Iterable[bytes],
    *,
    required: Iterable[Column],
    max_rows: int,
    vocabulary: Vocabulary = ACCOUNT_COLUMNS,
) -> CsvScan:
    """One pass over the whole file: its format, its header and how many data rows it has.

    `chunks` is read once, so a one-shot iterator is fine. The structure is read as Latin-1 while the
    encoding is still open: CR, LF, `"` and the delimiters are the same bytes in every accepted encoding,
    so rows and cells come out the same as when the file is read again with the final encoding.
    Errors come as soon as they are found: header errors before the rows are counted, TOO_MANY_ROWS
    without reading further. Notes (`HeaderMap.is_note`, the template's example row) are not counted.
    A header with no data row (notes aside) is EMPTY_FILE.
    """
    required = tuple(required)
    iterator = iter(chunks)
    head = b""
    for chunk in iterator:
        head += chunk
        if len(head) >= _HEAD_BYTES:
            break
    bom = _check_head(head)

    checks = _ByteChecks(bom)
    prefix = b""  # bytes read before the delimiter is known
    reader: RecordReader | None = None
    header: HeaderMap | None = None
    header_cells: tuple[str, ...] = ()
    header_encoding = ""
    delimiter = ","
    total_rows = 0
    notes = 0

    def count(records: list[Record]) -> None:
        nonlocal header, header_cells, header_encoding, total_rows, notes
        if header is None and records:
            header_cells, header_encoding = records[0].cells, checks.encoding
            header = _header(header_cells, header_encoding, required, vocabulary)
            records = records[1:]
        if header is not None and Column.ID in header.columns:
            skipped = sum(1 for record in records if header.is_note(record.cells))
            notes += skipped
            total_rows += len(records) - skipped
        else:
            total_rows += len(records)
        if total_rows > max_rows:
            raise CsvFileError(
                ImportCsvErrorCode.TOO_MANY_ROWS,
                message("TOO_MANY_ROWS", max=max_rows),
            )

    def start(final: bool) -> RecordReader | None:
        nonlocal delimiter
        body = prefix[len(_UTF8_BOM) :] if bom else prefix
        found = _header_delimiter(body.decode("latin-1"), final=final)
        if found is None:
            if len(body) > MAX_RECORD_CHARS:
                raise CsvFileError(
                    ImportCsvErrorCode.NOT_CSV,
                    message("NOT_CSV.noHeaderWithin", max=MAX_RECORD_CHARS),
                )
            return None
        delimiter = found
        started = RecordReader(CsvFormat("latin-1", delimiter))
        count(started.feed(body))
        return started

    for chunk in _chain(head, iterator):
        checks.feed(chunk)
        if reader is not None:
            count(reader.feed(chunk))
        else:
            prefix += chunk
            if b"\n" in chunk or b"\r" in chunk or len(prefix) > MAX_RECORD_CHARS:
                reader = start(final=False)
    checks.close()
    if reader is None:
        reader = start(final=True)
    if reader is not None:
        count(reader.close())

    if header is None:
        raise CsvFileError(ImportCsvErrorCode.EMPTY_FILE, message("EMPTY_FILE"))
    encoding = checks.encoding
    if encoding != header_encoding:
        header = _header(header_cells, encoding, required, vocabulary)
    if total_rows == 0 and notes:
        raise CsvFileError(
            ImportCsvErrorCode.EMPTY_FILE,
            message("EMPTY_FILE.onlyExamples"),
        )
    if total_rows == 0:
        raise CsvFileError(ImportCsvErrorCode.EMPTY_FILE, message("EMPTY_FILE.noData"))
    return CsvScan(format=CsvFormat(encoding, delimiter), header=header, total_rows=total_rows)


def _chain(head: bytes, rest: Iterable[bytes]) -> Iterable[bytes]:
    if head:
        yield head
    for chunk in rest:
        if chunk:
            yield chunk
