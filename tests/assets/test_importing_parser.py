"""Reading inventory files into rows of text, on plain bytes (no database)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from garrison.assets import importing
from garrison.assets.importing import Problem, TableError

HEADERS = {"reference": "reference", "name": "name", "ref": "reference", "c": "confidentiality"}


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()


def test_a_csv_file_with_a_byte_order_mark_reads_with_spreadsheet_row_numbers() -> None:
    data = '\ufeffReference,Name\r\nAST-1,Core switch\r\n,\r\nAST-2,"Billing, ""prod""\nsecond line"\r\n'
    table = importing.parse_table(data.encode("utf-8"), HEADERS)
    assert table.columns == ("reference", "name")
    assert [(row.number, dict(row.cells)) for row in table.rows] == [
        (2, {"reference": "AST-1", "name": "Core switch"}),
        (4, {"reference": "AST-2", "name": 'Billing, "prod"\nsecond line'}),
    ]


def test_headers_match_whatever_their_case_spacing_or_punctuation() -> None:
    table = importing.parse_table(b"  REF ,C:\nAST-1,3\n", HEADERS)
    assert table.columns == ("reference", "confidentiality")


def test_unknown_columns_are_reported_and_left_out() -> None:
    table = importing.parse_table(b"reference,notes,name\nAST-1,ask Li,Core\n", HEADERS)
    assert table.ignored_headers == ("notes",)
    assert dict(table.rows[0].cells) == {"reference": "AST-1", "name": "Core"}


def test_short_rows_read_as_empty_cells() -> None:
    table = importing.parse_table(b"reference,name\nAST-1\n", HEADERS)
    assert dict(table.rows[0].cells) == {"reference": "AST-1", "name": ""}


def test_the_exports_formula_marker_is_taken_off_again() -> None:
    table = importing.parse_table(b"reference,name\nAST-1,'=SUM(A1)\nAST-2,'plain\nAST-3,''=x\n", HEADERS)
    assert [row.cells["name"] for row in table.rows] == ["=SUM(A1)", "'plain", "'=x"]


@pytest.mark.parametrize("text", ["=SUM(A1)", "'=x", "''", "'plain", "plain", "-3", "'", "'@home"])
def test_quoting_for_export_and_unquoting_on_import_give_the_text_back(text: str) -> None:
    exported = importing.quote(text)
    # garrison.core.exports.neutralise adds one quote before a formula character.
    if exported.startswith(importing.FORMULA_PREFIXES):
        exported = "'" + exported
    assert importing.unquote(exported) == text


def test_an_xlsx_workbook_reads_its_first_sheet_with_whole_numbers_as_written() -> None:
    data = xlsx([["Reference", "C", "Name"], ["AST-1", 3, None], [None, None, None], ["AST-2", 2.0, "Rack"]])
    table = importing.parse_table(data, HEADERS)
    assert [(row.number, dict(row.cells)) for row in table.rows] == [
        (2, {"reference": "AST-1", "confidentiality": "3", "name": ""}),
        (4, {"reference": "AST-2", "confidentiality": "2", "name": "Rack"}),
    ]


def test_a_required_column_missing_refuses_the_file_naming_it() -> None:
    with pytest.raises(TableError) as refused:
        importing.parse_table(b"name\nCore\n", HEADERS, required=("reference",))
    assert refused.value.problem == Problem.MISSING_COLUMNS
    assert refused.value.details == {"columns": ["reference"]}


def test_the_same_column_twice_refuses_the_file() -> None:
    with pytest.raises(TableError) as refused:
        importing.parse_table(b"reference,ref\nA,B\n", HEADERS)
    assert refused.value.problem == Problem.DUPLICATE_COLUMN
    assert refused.value.details == {"header": "ref"}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", Problem.EMPTY),
        (b"\n,,\n", Problem.EMPTY),
        ("reference\n张伟\n".encode("gb18030"), Problem.NOT_UTF8),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest of an old workbook", Problem.LEGACY_XLS),
        (b"PK\x03\x04 not really a zip archive", Problem.UNREADABLE_XLSX),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_the_reason(data: bytes, problem: Problem) -> None:
    with pytest.raises(TableError) as refused:
        importing.parse_table(data, HEADERS)
    assert refused.value.problem == problem


def test_a_file_over_the_row_limit_is_refused() -> None:
    data = b"reference\n" + b"".join(f"AST-{number}\n".encode() for number in range(11))
    with pytest.raises(TableError) as refused:
        importing.parse_table(data, HEADERS, max_rows=10)
    assert refused.value.problem == Problem.TOO_MANY_ROWS
    assert refused.value.details == {"limit": 10}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yes", True),
        ("是", True),
        ("x", True),
        ("1", True),
        ("no", False),
        ("", False),
        ("否", False),
        ("maybe", None),
    ],
)
def test_yes_no_cells_read_in_english_chinese_or_as_a_mark(text: str, expected: bool | None) -> None:
    assert importing.parse_yes_no(text) == expected
