"""Watch lists imported from CSV: import (or replace), switch on and off, delete.

The CSV format (UTF-8, with or without a byte-order mark; the first row names the columns,
in any order and any letter case):

    name         required: the listed company's name, in any script
    identifiers  unified social credit codes or registration numbers, separated by ";"
    country      two-letter ISO 3166 code (CN, HK, DE …)
    reason       why the company is listed
    reference    the list's own reference for the entry

Only `name` is required as a column and in every row. Every row is checked before anything
is written; a file with a bad row is refused whole, each problem named with its line
("Line 14: the name is empty."). Re-importing under the same name replaces the list's
entries in one transaction: an entry present before and after (same name, identifiers,
country and reference) is kept with its decided matches, the others are removed and added.
Added entries are then screened against every supplier at once (a 100,000-name list
takes a few seconds; no background job needed).

The blacklist is not imported, switched off or deleted here: blacklisting suppliers feeds it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant_everywhere, is_system
from garrison.suppliers.models import (
    ScreeningRun,
    ScreeningTrigger,
    Supplier,
    WatchList,
    WatchListEntry,
    WatchListKind,
)
from garrison.suppliers.names import normalise_name
from garrison.suppliers.services.screening import BATCH_SIZE, run_screening

COLUMNS = ("name", "identifiers", "country", "reason", "reference")
REQUIRED_COLUMNS = ("name",)
UTF8_BOM = "\ufeff"
IDENTIFIER_SEPARATOR = ";"
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ERRORS_SHOWN = 50
LIMITS = {"name": 500, "reason": 500, "reference": 200}
IDENTIFIER_MAX_LENGTH = 100
LIST_NAME_MAX_LENGTH = 200
SOURCE_MAX_LENGTH = 500
_COUNTRY = re.compile(r"[A-Z]{2}")
LIST_REFUSAL = gettext_lazy(
    "Only Procurement Officers and Administrators of the whole organisation manage watch lists."
)


def may_manage_watch_lists(person: Any, action: Action = Action.CHANGE) -> bool:
    """Watch lists serve the whole organisation: supplier rights over all of it."""
    return is_system(person) or has_grant_everywhere(person, Domain.SUPPLIERS, action)


def _require(by: Any, action: Action = Action.CHANGE) -> None:
    if not may_manage_watch_lists(by, action):
        raise PermissionDenied(LIST_REFUSAL)


@dataclass(frozen=True)
class ParsedEntry:
    """One row of the file, checked."""

    line: int
    name: str
    identifiers: tuple[str, ...]
    country: str
    reason: str
    reference: str

    @property
    def key(self) -> tuple[str, tuple[str, ...], str, str]:
        return (self.name, self.identifiers, self.country, self.reference)


@dataclass(frozen=True)
class ImportResult:
    watch_list: WatchList
    added: int
    removed: int
    kept: int
    run: ScreeningRun | None


# Reading the file --------------------------------------------------------------------------------


def _text(file: IO[bytes] | IO[str] | bytes | str) -> str:
    data: Any = file if isinstance(file, bytes | str) else file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError({"file": [_("The file is larger than 50 MB; split the list.")]})
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(
                {"file": [_("The file is not UTF-8 text; save it as CSV UTF-8.")]}
            ) from None
    return data.removeprefix(UTF8_BOM)


def _header(row: list[str]) -> tuple[dict[str, int], list[str]]:
    positions: dict[str, int] = {}
    errors: list[str] = []
    for position, cell in enumerate(row):
        column = cell.strip().lower()
        if not column:
            continue
        if column not in COLUMNS:
            errors.append(
                _("Line 1: unknown column “%(column)s”; the columns are %(columns)s.")
                % {"column": cell.strip(), "columns": ", ".join(COLUMNS)}
            )
        elif column in positions:
            errors.append(_("Line 1: the column “%(column)s” appears twice.") % {"column": column})
        else:
            positions[column] = position
    for column in REQUIRED_COLUMNS:
        if column not in positions:
            errors.append(_("Line 1: the file has no “%(column)s” column.") % {"column": column})
    return positions, errors


def _row(
    line: int, row: list[str], positions: dict[str, int], width: int
) -> tuple[ParsedEntry | None, list[str]]:
    errors: list[str] = []
    if len(row) > width and any(cell.strip() for cell in row[width:]):
        errors.append(
            _("Line %(line)d: the row has more cells than the header has columns.") % {"line": line}
        )

    def cell(column: str) -> str:
        position = positions.get(column)
        return row[position].strip() if position is not None and position < len(row) else ""

    values = {column: cell(column) for column in COLUMNS}
    if not values["name"]:
        errors.append(_("Line %(line)d: the name is empty.") % {"line": line})
    for column, limit in LIMITS.items():
        if len(values[column]) > limit:
            errors.append(
                _("Line %(line)d: the %(column)s is longer than %(limit)d characters.")
                % {"line": line, "column": column, "limit": limit}
            )
    country = values["country"].upper()
    if country and not _COUNTRY.fullmatch(country):
        errors.append(
            _("Line %(line)d: the country “%(country)s” is not a two-letter code such as CN or DE.")
            % {"line": line, "country": values["country"]}
        )
    identifiers = tuple(
        dict.fromkeys(
            part.strip() for part in values["identifiers"].split(IDENTIFIER_SEPARATOR) if part.strip()
        )
    )
    for identifier in identifiers:
        if len(identifier) > IDENTIFIER_MAX_LENGTH:
            errors.append(
                _("Line %(line)d: the identifier “%(identifier)s…” is longer than %(limit)d characters.")
                % {"line": line, "identifier": identifier[:20], "limit": IDENTIFIER_MAX_LENGTH}
            )
    if "\x00" in "".join(values.values()):
        errors.append(_("Line %(line)d: the row holds a NUL character.") % {"line": line})
    if errors:
        return None, errors
    parsed = ParsedEntry(line, values["name"], identifiers, country, values["reason"], values["reference"])
    return parsed, []


def parse_watch_list(file: IO[bytes] | IO[str] | bytes | str) -> list[ParsedEntry]:
    """The file's entries, or a ValidationError on "file" naming every bad line (the first 50)."""
    reader = csv.reader(io.StringIO(_text(file), newline=""))
    errors: list[str] = []
    entries: list[ParsedEntry] = []
    try:
        header = next(reader, None)
        if header is None:
            raise ValidationError({"file": [_("The file is empty; the first line names the columns.")]})
        positions, errors = _header(header)
        if not errors:
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                parsed, problems = _row(reader.line_num, row, positions, len(header))
                errors.extend(problems)
                if parsed is not None:
                    entries.append(parsed)
    except csv.Error as error:
        errors.append(
            _("Line %(line)d: the CSV cannot be read (%(error)s).")
            % {"line": reader.line_num, "error": error}
        )
    if not errors and not entries:
        errors.append(_("The file has no entries below its header."))
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        if len(errors) > MAX_ERRORS_SHOWN:
            shown.append(_("… and %(count)d more problems.") % {"count": len(errors) - MAX_ERRORS_SHOWN})
        raise ValidationError({"file": shown})
    return entries


# Importing -----------------------------------------------------------------------------------------


def _check_list_fields(name: str, source: str, existing: WatchList | None, replace: bool) -> None:
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Name the watch list.")]
    elif len(name) > LIST_NAME_MAX_LENGTH:
        errors["name"] = [_("Keep the name under %(limit)d characters.") % {"limit": LIST_NAME_MAX_LENGTH}]
    elif existing is not None and existing.kind == WatchListKind.BLACKLIST:
        errors["name"] = [
            _("The blacklist is fed by blacklisting suppliers, not imported. Choose another name.")
        ]
    elif existing is not None and not replace:
        errors["name"] = [
            _("A watch list named “%(name)s” exists. Choose to replace it, or give another name.")
            % {"name": name}
        ]
    if len(source) > SOURCE_MAX_LENGTH:
        errors["source"] = [_("Keep the source under %(limit)d characters.") % {"limit": SOURCE_MAX_LENGTH}]
    if errors:
        raise ValidationError(errors)


def _entry(watch_list: WatchList, parsed: ParsedEntry) -> WatchListEntry:
    return WatchListEntry(
        watch_list=watch_list,
        name=parsed.name,
        normalised_name=normalise_name(parsed.name)[:500],
        identifiers=list(parsed.identifiers),
        country=parsed.country,
        reason=parsed.reason,
        reference=parsed.reference,
    )


@transaction.atomic
def import_watch_list(
    file: IO[bytes] | IO[str] | bytes | str,
    *,
    by: Any,
    name: str,
    source: str = "",
    description: str = "",
    replace: bool = True,
) -> ImportResult:
    """Import a watch list from CSV (see the module docs for the format), or replace the
    entries of the imported list of that name, then screen every supplier against the
    entries added. All or nothing."""
    _require(by, Action.ADD)
    name, source = (name or "").strip(), (source or "").strip()
    existing = WatchList.objects.select_for_update().filter(name=name).first() if name else None
    _check_list_fields(name, source, existing, replace)
    parsed = parse_watch_list(file)
    now = timezone.now()
    if existing is None:
        watch_list = WatchList(name=name, kind=WatchListKind.IMPORTED)
        before: dict[str, Any] = {}
    else:
        watch_list = existing
        before = audit.snapshot(watch_list)
    watch_list.source = source
    watch_list.description = (description or "").strip()
    watch_list.imported_at = now
    watch_list.imported_by = None if is_system(by) else by
    watch_list.save()

    wanted: dict[tuple[str, tuple[str, ...], str, str], ParsedEntry] = {}
    for item in parsed:
        wanted.setdefault(item.key, item)
    kept = removed = 0
    stale: list[int] = []
    if existing is not None:
        rows = WatchListEntry.objects.filter(watch_list=watch_list).values_list(
            "pk", "name", "identifiers", "country", "reference"
        )
        for pk, entry_name, identifiers, country, reference in rows.iterator(chunk_size=BATCH_SIZE):
            key = (entry_name, tuple(identifiers or ()), country, reference)
            if key in wanted:
                wanted.pop(key)
                kept += 1
            else:
                stale.append(pk)
        for start in range(0, len(stale), BATCH_SIZE):
            WatchListEntry.objects.filter(pk__in=stale[start : start + BATCH_SIZE]).delete()
        removed = len(stale)
    # Entries are numbered in order: those added are the ones numbered after this.
    last_before = WatchListEntry.objects.aggregate(last=Max("pk"))["last"] or 0
    created = WatchListEntry.objects.bulk_create(
        (_entry(watch_list, item) for item in wanted.values()), batch_size=BATCH_SIZE
    )
    watch_list.entry_count = kept + len(created)
    watch_list.save(update_fields=["entry_count"])
    changes = audit.diff(before, audit.snapshot(watch_list))
    changes.update({"entries_added": [None, len(created)], "entries_removed": [None, removed]})
    audit.record(watch_list, AuditAction.UPDATE if before else AuditAction.CREATE, by=by, changes=changes)
    run = None
    if watch_list.is_active and created:
        run = run_screening(
            Supplier.objects.all(),
            WatchListEntry.objects.filter(watch_list=watch_list, pk__gt=last_before),
            trigger=ScreeningTrigger.LIST_CHANGED,
            by=by,
        )
    return ImportResult(watch_list, len(created), removed, kept, run)


# Switching on and off, deleting ---------------------------------------------------------------------


def _refuse_blacklist(watch_list: WatchList, message: str) -> None:
    if watch_list.kind == WatchListKind.BLACKLIST:
        raise ValidationError(message)


@transaction.atomic
def set_watch_list_active(watch_list: WatchList, *, by: Any, is_active: bool, reason: str = "") -> WatchList:
    """Switch a list on (its entries are screened against every supplier at once) or off
    (it is left out of screening; its matches stay for the record)."""
    _require(by)
    _refuse_blacklist(watch_list, _("The blacklist is always screened; it cannot be switched off."))
    if watch_list.is_active == is_active:
        return watch_list
    before = audit.snapshot(watch_list)
    watch_list.is_active = is_active
    watch_list.save(update_fields=["is_active"])
    audit.record(
        watch_list,
        AuditAction.UPDATE,
        by=by,
        changes=audit.diff(before, audit.snapshot(watch_list)),
        reason=reason,
    )
    if is_active:
        run_screening(
            Supplier.objects.all(),
            WatchListEntry.objects.filter(watch_list=watch_list),
            trigger=ScreeningTrigger.LIST_CHANGED,
            by=by,
        )
    return watch_list


@transaction.atomic
def delete_watch_list(watch_list: WatchList, *, by: Any, reason: str = "") -> None:
    """Remove an imported list with its entries and their matches (the audit trail keeps
    the decisions)."""
    _require(by, Action.DELETE)
    _refuse_blacklist(watch_list, _("The blacklist cannot be deleted: blacklisting suppliers feeds it."))
    event = audit.pending_for(
        watch_list,
        AuditAction.DELETE,
        by=by,
        changes=audit.diff(audit.snapshot(watch_list), {}),
        reason=reason,
    )
    watch_list.delete()
    audit.record_many([event])
