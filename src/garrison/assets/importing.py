"""Reading an asset inventory file (CSV or XLSX) into rows of text. Pure module: no Django
import, no database.

The file has one header row and one asset per row, in the columns the inventory
export writes (garrison.assets.tables.IMPORT_COLUMNS). The parser only finds the
columns and reads the cells as text; what the text means (which person, which unit,
whether a rating is in range) is decided by garrison.assets.services.imports.

Errors are raised as `TableError` with a `Problem` code and its details, so that the
caller can word them in the reader's language.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from openpyxl import load_workbook

MAX_ROWS = 50_000
XLSX_SIGNATURE = b"PK\x03\x04"
LEGACY_XLS_SIGNATURE = b"\xd0\xcf\x11\xe0"
UTF8_BOM = "\ufeff"
# Spreadsheet exports put a quote before text that would read as a formula
# (garrison.core.exports.neutralise); a quote followed by one of these is that marker.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"

# Words accepted for a yes/no cell in any language, besides the translated Yes/No the
# caller adds.
YES_WORDS = frozenset({"yes", "y", "true", "1", "x", "是", "有"})
NO_WORDS = frozenset({"no", "n", "false", "0", "", "否", "无"})


class Problem(StrEnum):
    EMPTY = "empty"
    NOT_UTF8 = "not_utf8"
    LEGACY_XLS = "legacy_xls"
    UNREADABLE_XLSX = "unreadable_xlsx"
    TOO_MANY_ROWS = "too_many_rows"
    DUPLICATE_COLUMN = "duplicate_column"
    MISSING_COLUMNS = "missing_columns"


class TableError(ValueError):
    """The file as a whole cannot be read; `details` name what (columns, a limit)."""

    def __init__(self, problem: Problem, **details: Any) -> None:
        super().__init__(f"{problem}: {details}" if details else str(problem))
        self.problem = problem
        self.details = details


@dataclass(frozen=True)
class RawRow:
    """One data row: its number as the spreadsheet shows it, and its cells by column key."""

    number: int
    cells: Mapping[str, str]

    def has(self, key: str) -> bool:
        return key in self.cells


@dataclass(frozen=True)
class ParsedTable:
    """The recognised columns (keys, in file order), the data rows, and headers not recognised."""

    columns: tuple[str, ...]
    rows: tuple[RawRow, ...]
    ignored_headers: tuple[str, ...] = field(default=())


def normalise_header(text: str) -> str:
    """How headers are compared: case, spacing, punctuation and a formula marker do not count."""
    text = unquote(text.strip()).casefold()
    # Fullwidth colon and parentheses too, as Chinese headers write them.
    text = re.sub("[\\s_\\-:()\uff1a\uff08\uff09]+", " ", text)
    return text.strip()


def unquote(text: str) -> str:
    """Undo the export's formula marker: ``'=x`` was ``=x``, ``''x`` was ``'x`` when x starts
    with a marker character (see `quote`)."""
    if len(text) > 1 and text[0] == QUOTE and (text[1] in FORMULA_PREFIXES or text[1] == QUOTE):
        return text[1:]
    return text


def quote(text: str) -> str:
    """The other half of `unquote` for text the export would not mark itself: a value that
    starts with a quote followed by a marker character gets one more quote, so that
    reading it back gives the value unchanged."""
    if len(text) > 1 and text[0] == QUOTE and (text[1] in FORMULA_PREFIXES or text[1] == QUOTE):
        return QUOTE + text
    return text


def parse_yes_no(text: str, yes: Iterable[str] = (), no: Iterable[str] = ()) -> bool | None:
    """True or False for a yes/no cell, None when the text is neither."""
    word = text.strip().casefold()
    if word in YES_WORDS or word in {item.casefold() for item in yes}:
        return True
    if word in NO_WORDS or word in {item.casefold() for item in no}:
        return False
    return None


def cell_text(value: Any) -> str:
    """A spreadsheet cell as text: whole numbers without ".0", times in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _csv_records(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise TableError(Problem.NOT_UTF8) from None
    yield from csv.reader(io.StringIO(text.removeprefix(UTF8_BOM), newline=""))


def _xlsx_records(data: bytes) -> Iterator[list[str]]:
    # A damaged or hostile workbook makes openpyxl raise many kinds of errors (bad zip,
    # missing parts, malformed XML refused by defusedxml); each one means "unreadable".
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise TableError(Problem.UNREADABLE_XLSX) from None
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        # Some writers record a wrong sheet size; reading to the real end needs this.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception:
                raise TableError(Problem.UNREADABLE_XLSX) from None
            yield [cell_text(value) for value in values]
    finally:
        workbook.close()


def records(data: bytes) -> Iterator[list[str]]:
    """The file's rows as lists of cell texts, XLSX or CSV told apart by their content."""
    if data.startswith(LEGACY_XLS_SIGNATURE):
        raise TableError(Problem.LEGACY_XLS)
    if data.startswith(XLSX_SIGNATURE):
        return _xlsx_records(data)
    return _csv_records(data)


def parse_table(
    data: bytes,
    header_keys: Mapping[str, str],
    *,
    required: Sequence[str] = (),
    max_rows: int = MAX_ROWS,
) -> ParsedTable:
    """Read `data` (CSV in UTF-8, a byte-order mark tolerated, or XLSX).

    `header_keys` maps each accepted header, as `normalise_header` writes it, to its
    column key. The first non-empty row is the header; empty rows are skipped; row
    numbers are those a spreadsheet program shows (the header on row 1 makes the
    first asset row 2). Unknown headers are reported, not refused, so that a sheet
    with a column of notes still imports.
    """
    columns: dict[int, str] = {}
    ignored: list[str] = []
    rows: list[RawRow] = []
    header_seen = False
    for number, record in enumerate(records(data), start=1):
        if not any(cell.strip() for cell in record):
            continue
        if not header_seen:
            header_seen = True
            for index, header in enumerate(record):
                if not header.strip():
                    continue
                key = header_keys.get(normalise_header(header))
                if key is None:
                    ignored.append(header.strip())
                elif key in columns.values():
                    raise TableError(Problem.DUPLICATE_COLUMN, header=header.strip())
                else:
                    columns[index] = key
            missing = [key for key in required if key not in columns.values()]
            if missing:
                raise TableError(Problem.MISSING_COLUMNS, columns=missing)
            continue
        if len(rows) >= max_rows:
            raise TableError(Problem.TOO_MANY_ROWS, limit=max_rows)
        cells = {key: unquote(record[index]) if index < len(record) else "" for index, key in columns.items()}
        rows.append(RawRow(number=number, cells=cells))
    if not header_seen:
        raise TableError(Problem.EMPTY)
    return ParsedTable(columns=tuple(columns.values()), rows=tuple(rows), ignored_headers=tuple(ignored))
