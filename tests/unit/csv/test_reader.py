import codecs
import csv
import io

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from customer_credit.csv import reader as reader_module
from customer_credit.csv.columns import Column
from customer_credit.csv.errors import CsvFileError, ImportCsvErrorCode
from customer_credit.csv.reader import CsvFormat, CsvScan, Record, RecordReader, scan_csv

UTF8 = CsvFormat("utf-8", ",")
HEADER = "Id,Email,Credit Limit,Description"


def scan(data: bytes, *, max_rows: int = 1000, required=(Column.EMAIL,)) -> CsvScan:
    return scan_csv([data], required=required, max_rows=max_rows)


def scan_error(data: bytes, **kwargs) -> CsvFileError:
    with pytest.raises(CsvFileError) as caught:
        scan(data, **kwargs)
    return caught.value


def read(data: bytes, fmt: CsvFormat = UTF8, *, splits: tuple[int, ...] = ()) -> list[Record]:
    reader = RecordReader(fmt)
    records: list[Record] = []
    bounds = (0, *splits, len(data))
    for start, end in zip(bounds, bounds[1:]):
        records += reader.feed(data[start:end])
    return records + reader.close()


def cells(records: list[Record]) -> list[tuple[str, ...]]:
    return [record.cells for record in records]


# Format detection


def test_plain_utf8_comma_file():
    result = scan(f"{HEADER}\n1,a@b.com,10,x\n".encode())
    assert result.format == CsvFormat("utf-8", ",")
    assert result.total_rows == 1
    assert result.header.columns[Column.EMAIL] == 1


def test_utf8_bom_is_detected_and_dropped():
    data = codecs.BOM_UTF8 + f"{HEADER}\n1,a@b.com,10,São Paulo\n".encode()
    result = scan(data)
    assert result.format == CsvFormat("utf-8-sig", ",")
    assert result.header.headers[0] == "Id"
    assert cells(read(data, result.format)) == [
        ("Id", "Email", "Credit Limit", "Description"),
        ("1", "a@b.com", "10", "São Paulo"),
    ]


def test_utf8_with_accents_is_utf8():
    data = "Email;Limite de Crédito;Descrição\na@b.com;1.500,00;Açúcar\n".encode()
    assert scan(data).format == CsvFormat("utf-8", ";")


def test_cp1252_file_with_portuguese_headers():
    data = "Email;Limite de Crédito;Descrição\r\na@b.com;1.500,00;Ação “especial” …\r\n".encode("cp1252")
    result = scan(data)
    assert result.format == CsvFormat("cp1252", ";")
    assert result.header.columns == {Column.EMAIL: 0, Column.CREDIT_LIMIT: 1, Column.DESCRIPTION: 2}
    assert result.header.label(Column.CREDIT_LIMIT) == "Limite de Crédito"
    assert result.header.label(Column.DESCRIPTION) == "Descrição"
    assert cells(read(data, result.format))[1] == ("a@b.com", "1.500,00", "Ação “especial” …")


def test_bytes_undefined_in_cp1252_fall_back_to_latin1():
    data = b"Email,Description\na@b.com,caf\xe9 \x81\n"
    result = scan(data)
    assert result.format.encoding == "latin-1"
    assert cells(read(data, result.format))[1] == ("a@b.com", "café \x81")


def test_utf8_header_with_cp1252_body_is_read_as_cp1252():
    data = b"Email,Description\n" + "a@b.com,Descrição\n".encode("cp1252")
    assert scan(data).format.encoding == "cp1252"


def test_semicolon_delimiter_is_detected():
    assert scan(b"Id;Email;Credit Limit\n1;a@b.com;1,50\n").format.delimiter == ";"


def test_commas_inside_quoted_header_cells_do_not_count():
    data = b'"Email";"Description";"Status"\na@b.com;"a, b, c, d";Open\n'
    assert scan(data).format.delimiter == ";"


def test_comma_wins_when_more_frequent():
    data = b"Email,Description,Status\na@b.com,x;y,Open\n"
    assert scan(data).format.delimiter == ","


def test_semicolon_without_comma_in_a_single_column_header_stays_comma():
    assert scan(b"Email\na@b.com\n").format.delimiter == ","


# Records


def test_quoted_field_with_embedded_newline_is_one_record():
    data = f'{HEADER}\n1,a@b.com,10,"first line\nsecond line"\n2,c@d.com,20,x\n'.encode()
    records = read(data)
    assert records[1] == Record(2, ("1", "a@b.com", "10", "first line\nsecond line"))
    assert records[2].row == 3
    assert scan(data).total_rows == 2


def test_quoted_field_with_delimiter_and_doubled_quotes():
    data = f'{HEADER}\n1,a@b.com,10,"Monitor 27"", preto"\n'.encode()
    assert read(data)[1].cells[3] == 'Monitor 27", preto'


def test_quote_inside_unquoted_field_is_a_literal_character():
    data = f'{HEADER}\n1,a@b.com,10,Monitor 27" preto\n2,c@d.com,20,x\n'.encode()
    records = read(data)
    assert cells(records)[1:] == [("1", "a@b.com", "10", 'Monitor 27" preto'), ("2", "c@d.com", "20", "x")]


def test_crlf_lf_and_cr_line_endings_give_the_same_records():
    text = f'{HEADER}\n1,a@b.com,10,"two\nlines"\n2,c@d.com,20,x\n'
    expected = cells(read(text.encode()))
    assert cells(read(text.replace("\n", "\r\n").encode())) == [
        tuple(cell.replace("\n", "\r\n") for cell in row) for row in expected
    ]
    assert cells(read(text.replace("\n", "\r").encode())) == [
        tuple(cell.replace("\n", "\r") for cell in row) for row in expected
    ]


def test_crlf_split_between_chunks_is_one_line_break():
    data = f"{HEADER}\r\n1,a@b.com,10,x\r\n\r\n2,c@d.com,20,y\r\n".encode()
    cut = data.index(b"\r\n") + 1
    assert [r.row for r in read(data, splits=(cut,))] == [1, 2, 4]


def test_blank_lines_are_skipped_but_counted_as_rows():
    data = f'{HEADER}\n\n1,a@b.com,10,x\n  \n,,,\n" ","",,\t\n2,c@d.com,20,y\n\n'.encode()
    records = read(data)
    assert [(r.row, r.cells[0]) for r in records] == [(1, "Id"), (3, "1"), (7, "2")]
    assert scan(data).total_rows == 2


def test_rows_whose_id_starts_with_a_hash_are_notes_not_counted_as_data():
    data = f"{HEADER}\n#example,a@b.com,10,x\n \t#2,c@d.com,,\n3,e@f.com,,\n".encode()
    assert scan(data).total_rows == 1


def test_a_hash_elsewhere_or_in_a_file_without_an_id_column_is_data():
    assert scan(f"{HEADER}\n1,#a@b.com,10,#1\n".encode()).total_rows == 1
    assert scan(b"Email,Description\n#a@b.com,x\n").total_rows == 1


def test_a_file_of_notes_only_is_empty():
    error = scan_error(f"{HEADER}\n#example,a@b.com,10,x\n".encode())
    assert error.code == ImportCsvErrorCode.EMPTY_FILE
    assert "only example rows" in error.message.english


def test_blank_lines_before_the_header_are_not_rows():
    data = f"\n ,,\n{HEADER}\n\n1,a@b.com,10,x\n".encode()
    assert [r.row for r in read(data)] == [1, 3]
    assert scan(data).total_rows == 1


def test_cells_are_returned_as_written():
    data = f"{HEADER}\n 1 , a@b.com ,10,x,extra\n".encode()
    assert read(data)[1].cells == (" 1 ", " a@b.com ", "10", "x", "extra")


def test_file_without_final_line_break():
    assert cells(read(b"Email\na@b.com"))[1] == ("a@b.com",)


def test_line_separator_characters_inside_a_cell_do_not_break_the_row():
    data = f"{HEADER}\n1,a@b.com,10,a\u2028b\x0cc\u0085d\n".encode()
    assert read(data)[1].cells[3] == "a\u2028b\x0cc\u0085d"


SAMPLE = (
    codecs.BOM_UTF8
    + 'Id;Email;Limite de Crédito;Descrição\r\n1;ação@b.com;1.500,00;"linha\r\ncom ; e ""aspas"""\r\n\r\n'
    "2;c@d.com;€ 10;日本語 ✓\n3;e@f.com;1;fim".encode()
)


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (SAMPLE, CsvFormat("utf-8-sig", ";")),
        (SAMPLE[3:].decode().replace("日本語 ✓", "Não").encode("cp1252"), CsvFormat("cp1252", ";")),
    ],
)
def test_every_chunk_boundary_gives_the_same_records(data, fmt):
    expected = read(data, fmt)
    assert [r.row for r in expected] == [1, 2, 4, 5]
    assert expected[1].cells[3] == 'linha\r\ncom ; e "aspas"'
    for cut in range(len(data) + 1):
        assert read(data, fmt, splits=(cut,)) == expected, cut
    for cut in range(0, len(data) - 2, 3):
        assert read(data, fmt, splits=(cut, cut + 1, cut + 2)) == expected, cut


def test_one_byte_chunks_give_the_same_records():
    expected = read(SAMPLE, CsvFormat("utf-8-sig", ";"))
    assert read(SAMPLE, CsvFormat("utf-8-sig", ";"), splits=tuple(range(1, len(SAMPLE)))) == expected


def test_scan_result_does_not_depend_on_chunking():
    expected = scan(SAMPLE)
    for cut in range(len(SAMPLE) + 1):
        assert scan_csv([SAMPLE[:cut], SAMPLE[cut:]], required=[Column.EMAIL], max_rows=10) == expected


def test_reader_reports_invalid_bytes_with_their_offset():
    with pytest.raises(CsvFileError) as caught:
        read(b"Email\n\xff\n")
    assert caught.value.code is ImportCsvErrorCode.ENCODING
    assert "offset 6" in caught.value.message.english


def test_unclosed_quote_at_end_of_file_is_not_csv():
    with pytest.raises(CsvFileError) as caught:
        read(f'{HEADER}\n1,a@b.com,10,x\n2,c@d.com,20,"never closed\n3,e@f.com,30,x\n'.encode())
    assert caught.value.code is ImportCsvErrorCode.NOT_CSV
    assert "Row 3" in caught.value.message.english


def test_unclosed_quote_stops_at_the_record_size_limit(monkeypatch):
    monkeypatch.setattr(reader_module, "MAX_RECORD_CHARS", 100)
    data = (f'{HEADER}\n1,a@b.com,10,"open\n' + "2,c@d.com,20,x\n" * 50).encode()
    with pytest.raises(CsvFileError) as caught:
        read(data, splits=(40,))
    assert caught.value.code is ImportCsvErrorCode.NOT_CSV
    assert "Row 2" in caught.value.message.english


def test_line_longer_than_the_record_size_limit_is_not_csv(monkeypatch):
    monkeypatch.setattr(reader_module, "MAX_RECORD_CHARS", 100)
    data = f"{HEADER}\n1,a@b.com,10,{'x' * 200}".encode()
    with pytest.raises(CsvFileError) as caught:
        read(data, splits=tuple(range(10, len(data), 10)))
    assert "Row 2 is longer than" in caught.value.message.english


# File errors


@pytest.mark.parametrize(
    "data",
    [b"", codecs.BOM_UTF8, b"   \r\n\n\t\n", b",,,\n;;\n", f"{HEADER}\n".encode(), f"{HEADER}\n\n ,,, \n".encode()],
    ids=["no bytes", "only a BOM", "whitespace", "only separators", "header only", "header and blank lines"],
)
def test_empty_file(data):
    assert scan_error(data).code is ImportCsvErrorCode.EMPTY_FILE


def test_nul_byte_is_not_csv():
    data = f"{HEADER}\n1,a@b.com,10,x\x00y\n".encode()
    error = scan_error(data)
    assert error.code is ImportCsvErrorCode.NOT_CSV
    assert f"NUL byte at byte offset {data.index(0)} (line 2)" in error.message.english


def test_png_is_not_csv():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"
    assert scan_error(png).code is ImportCsvErrorCode.NOT_CSV


def test_xlsx_is_not_csv_and_says_so():
    error = scan_error(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 30)
    assert error.code is ImportCsvErrorCode.NOT_CSV
    assert "Excel" in error.message.english


def test_control_character_is_not_csv():
    error = scan_error(f"{HEADER}\n1,a@b.com,10,\x1b[0m\n".encode())
    assert error.code is ImportCsvErrorCode.NOT_CSV
    assert "0x1B" in error.message.english


def test_prose_is_not_csv():
    error = scan_error(b"Dear customer, this is a letter.\nRegards\n")
    assert error.code is ImportCsvErrorCode.NOT_CSV
    assert "not a header" in error.message.english


def test_utf8_bom_followed_by_invalid_utf8_is_an_encoding_error():
    data = codecs.BOM_UTF8 + f"{HEADER}\n1,a@b.com,10,caf".encode() + b"\xe9\n"
    error = scan_error(data)
    assert error.code is ImportCsvErrorCode.ENCODING
    assert f"byte 0xE9 at byte offset {len(data) - 2} (line 2)" in error.message.english


def test_utf8_bom_with_character_cut_short_at_the_end_is_an_encoding_error():
    data = codecs.BOM_UTF8 + f"{HEADER}\n1,a@b.com,10,x".encode() + "é".encode()[:1]
    assert scan_error(data).code is ImportCsvErrorCode.ENCODING


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_and_utf32_are_encoding_errors(encoding):
    error = scan_error(f"{HEADER}\n1,a@b.com,10,x\n".encode(encoding))
    assert error.code is ImportCsvErrorCode.ENCODING
    assert encoding.upper() in error.message.english


def test_too_many_rows_stops_reading_early():
    consumed = 0

    def chunks():
        nonlocal consumed
        yield f"{HEADER}\n".encode()
        while True:
            consumed += 1
            yield b"1,a@b.com,10,x\n" * 10

    with pytest.raises(CsvFileError) as caught:
        scan_csv(chunks(), required=[Column.EMAIL], max_rows=25)
    assert caught.value.code is ImportCsvErrorCode.TOO_MANY_ROWS
    assert "25" in caught.value.message.english
    assert consumed == 3


def test_exactly_max_rows_is_accepted():
    data = (f"{HEADER}\n" + "1,a@b.com,10,x\n" * 5).encode()
    assert scan(data, max_rows=5).total_rows == 5


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Id,Email,Apelido", ImportCsvErrorCode.UNKNOWN_COLUMN),
        ("Id,Email,E-mail", ImportCsvErrorCode.DUPLICATE_COLUMN),
        ("Id,Credit Limit", ImportCsvErrorCode.MISSING_REQUIRED_COLUMN),
    ],
)
def test_header_errors_come_from_the_scan(header, code):
    assert scan_error(f"{header}\n1,2,3\n".encode()).code is code


def test_header_error_is_raised_before_the_rows_are_read():
    def chunks():
        yield b"Id,Apelido\n"
        raise AssertionError("read past the header")

    with pytest.raises(CsvFileError) as caught:
        scan_csv(chunks(), required=[], max_rows=10)
    assert caught.value.code is ImportCsvErrorCode.UNKNOWN_COLUMN


def test_export_columns_are_accepted():
    data = b"Id,Email,Created At,Updated At\n1,a@b.com,2026-01-01T00:00:00Z,2026-01-02T00:00:00Z\n"
    assert scan(data).header.columns == {Column.ID: 0, Column.EMAIL: 1}


# Properties


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=1, max_value=64))
def test_arbitrary_bytes_scan_to_a_result_or_a_file_error(data, chunk_size):
    chunks = [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)]
    try:
        result = scan_csv(chunks, required=[], max_rows=20)
    except CsvFileError as exc:
        assert exc.message.english
    else:
        assert isinstance(result, CsvScan)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([b"Email,Id\n", b"Email;Id\r\n", codecs.BOM_UTF8 + b"email\n", b'Id,"Email\n']),
    st.binary(max_size=200),
)
def test_arbitrary_bytes_after_a_header_scan_to_a_result_or_a_file_error(header, body):
    try:
        assert isinstance(scan_csv([header + body], required=[], max_rows=20), CsvScan)
    except CsvFileError:
        pass


@settings(deadline=None)
@given(
    st.binary(max_size=200),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1"]),
    st.sampled_from([",", ";"]),
)
def test_arbitrary_bytes_read_to_records_or_a_file_error(data, encoding, delimiter):
    try:
        read(data, CsvFormat(encoding, delimiter), splits=(len(data) // 2,))
    except CsvFileError:
        pass


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(['"', ",", "a", " ", "\n", "\r", "\r\n", "\u2028", "\x85"]), max_size=60).map("".join),
    st.integers(min_value=1, max_value=7),
)
def test_reader_splits_records_like_the_csv_module(text, chunk_size):
    data = text.encode()
    try:
        records = read(data, splits=tuple(range(chunk_size, len(data), chunk_size)))
    except CsvFileError as exc:
        assert "never closed" in exc.message.english
        assume(False)
    expected = []
    row = 0
    for found in csv.reader(io.StringIO(text, newline="")):
        if "".join(found).strip(" \t\r\n"):
            row += 1
            expected.append((row, tuple(found)))
        elif row:
            row += 1
    assert [(r.row, r.cells) for r in records] == expected


CELL = st.lists(
    st.one_of(
        st.sampled_from([",", ";", '"', "\n", "\r", "\r\n", " ", "\t"]),
        st.characters(codec="cp1252", exclude_categories=("Cc", "Cs")),
        st.characters(exclude_categories=("Cc", "Cs")),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.lists(CELL, min_size=1, max_size=4), min_size=1, max_size=8),
    delimiter=st.sampled_from([",", ";"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    chunk_size=st.integers(min_value=1, max_value=40),
)
def test_csv_written_by_python_reads_back_the_same(rows, delimiter, encoding, chunk_size):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(["Id", "Email", "Description"])
    writer.writerows(rows)
    try:
        data = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    if encoding == "cp1252" and not data.isascii():
        # Valid UTF-8 is read as UTF-8 by design, so such a cp1252 file cannot round-trip.
        try:
            data.decode("utf-8")
            assume(False)
        except UnicodeDecodeError:
            pass
    expected = [tuple(row) for row in rows if "".join(row).strip(" \t\r\n")]
    # A row whose Id starts with # is a note: read like any row, but not counted as data.
    data_rows = [row for row in expected if not row[0].lstrip(" \t").startswith("#")]
    assume(data_rows)

    chunks = [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)]
    result = scan_csv(chunks, required=[Column.EMAIL], max_rows=100)
    assert result.format.delimiter == delimiter
    assert result.total_rows == len(data_rows)
    records = read(data, result.format, splits=tuple(range(chunk_size, len(data), chunk_size)))
    assert [r.cells for r in records] == [("Id", "Email", "Description"), *expected]
