"""CSV and XLSX exports of any list, shared by the web lists and the API.

An export is a sequence of columns (label and accessor) applied to every row of a
queryset; labels and choice values come out in the language active for the
request. Every export is recorded in the audit trail, because exporting data is
the moment it leaves Garrison's control.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django_filters.widgets import SuffixedMultiWidget
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from garrison.core import audit
from garrison.core.models.audit import AuditAction

FORMATS = ("csv", "xlsx")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel only reads a CSV file as UTF-8 (and so shows Chinese correctly) when it starts with a BOM.
UTF8_BOM = "\ufeff"
# A cell starting with one of these is read as a formula by spreadsheet programs
# (CSV/formula injection); tab and carriage return are included as OWASP advises.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ITERATOR_CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Column:
    """One column of a list or export: a header label and how to read the value.

    `accessor` is a dotted path of attributes from the row object
    (``"unit.name"``, ``"get_employment_status_display"``); callables met on the
    way are called without arguments. A missing link in the chain gives None.
    """

    label: str | Promise
    accessor: str

    def value(self, obj: Any) -> Any:
        target = obj
        for part in self.accessor.split("."):
            if target is None:
                return None
            target = getattr(target, part, None)
            if callable(target) and not isinstance(target, models.Model):
                target = target()
        return target


def neutralise(text: str) -> str:
    """Make a text cell inert for spreadsheet programs."""
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _local_naive(value: dt.datetime) -> dt.datetime:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None, microsecond=0)


def cell_text(value: Any) -> str:
    """A value as the text written to a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return _local_naive(value).isoformat(sep=" ")
    if isinstance(value, dt.date | int | float):
        return str(value)
    return neutralise(str(value))


def cell_value(value: Any) -> Any:
    """A value as written to an XLSX cell: numbers and times stay typed."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        # Spreadsheets have no time zones: write the time as the person reads it.
        return _local_naive(value)
    if isinstance(value, dt.date | int | float):
        return value
    # XLSX cannot hold most control characters (openpyxl refuses the whole cell); they are
    # dropped before neutralising, so a formula hidden behind one is still caught.
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def iterate(queryset: models.QuerySet[Any]) -> Iterator[Any]:
    """Rows in bounded memory; chunked iteration keeps select_related working."""
    return queryset.iterator(chunk_size=ITERATOR_CHUNK_SIZE)


def header_labels(columns: Sequence[Column]) -> list[str]:
    return [neutralise(capfirst(str(column.label))) for column in columns]


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def csv_lines(columns: Sequence[Column], rows: Iterable[Any]) -> Iterator[str]:
    """The CSV document, line by line, starting with the UTF-8 byte-order mark."""
    writer = csv.writer(_Echo())
    yield UTF8_BOM + writer.writerow(header_labels(columns))
    for row in rows:
        yield writer.writerow([cell_text(column.value(row)) for column in columns])


def write_xlsx(columns: Sequence[Column], rows: Iterable[Any], target: Any, *, title: str = "") -> None:
    """Write an XLSX workbook to the file object `target`, reading rows one at a time."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.append(header_labels(columns))
    for row in rows:
        sheet.append([cell_value(column.value(row)) for column in columns])
    workbook.save(target)


def _sheet_title(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip()
    return cleaned[:31] or "Export"


def filename_for(base: str, file_format: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", base).strip("-") or "export"
    return f"{safe}-{stamp}.{file_format}"


def record_export(
    model: type[models.Model],
    *,
    by: Any,
    file_format: str,
    filters: Mapping[str, Any],
    rows: int,
) -> None:
    """Append the EXPORT event: what was exported, with which filters, how many rows."""
    scope_path = getattr(getattr(by, "unit", None), "path", "") or ""
    audit.record_many(
        [
            audit.PendingEvent(
                action=AuditAction.EXPORT,
                object_type=model._meta.label_lower,
                object_id="*",
                object_repr=str(model._meta.verbose_name_plural)[:300],
                changes={"filters": dict(filters), "rows": rows, "format": file_format},
                scope_path=scope_path,
                actor=by,
            )
        ]
    )


def export_response(
    queryset: models.QuerySet[Any],
    columns: Sequence[Column],
    file_format: str,
    *,
    by: Any,
    filters: Mapping[str, Any],
    name: str,
    rows: Callable[[models.QuerySet[Any]], Iterable[Any]] = iterate,
) -> StreamingHttpResponse | FileResponse:
    """Record the export and answer with the file of every row of `queryset`."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown export format {file_format!r}")
    record_export(queryset.model, by=by, file_format=file_format, filters=filters, rows=queryset.count())
    filename = filename_for(name, file_format)
    if file_format == "csv":
        response = StreamingHttpResponse(csv_lines(columns, rows(queryset)), content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    # XLSX is a zip archive, written whole before it can be sent; a temporary file
    # keeps memory bounded for large exports.
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_xlsx(columns, rows(queryset), target, title=str(queryset.model._meta.verbose_name_plural))
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def filters_from(
    params: Mapping[str, Any], *, ignore: Iterable[str] = (), keep: Iterable[str] | None = None
) -> dict[str, Any]:
    """The query parameters that shaped an export, for its audit event.

    With `keep`, only those parameters are recorded: anything else in the address
    changed nothing and would let a caller write arbitrary text into the trail.
    NUL characters are dropped, since PostgreSQL's JSON type cannot store them.
    """
    skipped = {"page", "page_size", "export", "file_format", *ignore}
    kept = None if keep is None else set(keep)
    getlist = getattr(params, "getlist", None)
    found: dict[str, Any] = {}
    for key in params:
        if key in skipped or (kept is not None and key not in kept):
            continue
        values = getlist(key) if getlist else [params[key]]
        values = [_without_nul(value) for value in values if value not in ("", None)]
        if values:
            found[_without_nul(key)] = values[0] if len(values) == 1 else values
    return found


def filterset_parameters(filterset: Any) -> set[str]:
    """The query parameters a django-filter FilterSet reads (range filters read two)."""
    names: set[str] = set()
    for name, list_filter in (filterset.filters if filterset is not None else {}).items():
        widget = list_filter.field.widget
        if isinstance(widget, SuffixedMultiWidget):
            names.update(widget.suffixed(name, suffix) for suffix in widget.suffixes)
        else:
            names.add(name)
    return names


def _without_nul(value: Any) -> Any:
    return value.replace("\x00", "") if isinstance(value, str) else value
