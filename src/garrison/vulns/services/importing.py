"""Importing scanner files into findings: the front door of the import, for the upload
page and API (start_import, then run_import in the background), the command line
(import_file) and the demo and tests (import_records).

An import is all or nothing. The file is read first, to the end, into a spool on disk
(garrison.vulns.services.import_reading), the progress written as it goes; a file that
cannot be read fails there, before anything is written. Then everything is written in
one transaction (hosts matched or discovered, findings upserted, absent ones fixed) by
garrison.vulns.services.import_writing; a failure there rolls it all back. A failed
import keeps its row, status "failed", with the error naming the file, where and why.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models import OrgUnit, Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import can, has_grant
from garrison.core.services import files
from garrison.core.services.notifications import language_of
from garrison.core.services.references import save_numbered
from garrison.vulns.models import ImportFormat, ImportStatus, PenetrationTest, ScanImport
from garrison.vulns.parsers.base import ParseError, Record
from garrison.vulns.services.bulk_rows import bulk_writing
from garrison.vulns.services.hosts import resolve_hosts
from garrison.vulns.services.import_reading import (
    Spool,
    max_import_bytes,
    problem_reason,
    read_file,
    spool_records,
)
from garrison.vulns.services.import_writing import FindingWriter
from garrison.vulns.services.policy import sla_days

logger = logging.getLogger(__name__)

REFERENCE_PREFIX = "IMP-"
COUNT_FIELDS = (
    "new_count",
    "open_count",
    "reopened_count",
    "fixed_count",
    "unchanged_count",
    "rejected_count",
    "host_count",
    "discovered_asset_count",
)


class ImportRejected(ValidationError):
    """A file that cannot be imported; the message names the file, where and why, in the
    active language. `scan_import` is the failed import, when one was recorded."""

    def __init__(self, message: str, *, scan_import: ScanImport | None = None) -> None:
        super().__init__(message, code="import_rejected")
        self.scan_import = scan_import


def _require_may_import(by: Any, unit: OrgUnit, penetration_test: PenetrationTest | None) -> None:
    errors: dict[str, list[str]] = {}
    if not has_grant(by, Domain.VULNERABILITIES, Action.ADD, unit.path):
        errors["unit"] = [_("Choose a unit whose vulnerabilities you manage.")]
    if penetration_test is not None and not can(by, Action.VIEW, penetration_test):
        errors["penetration_test"] = [_("Penetration test not found.")]
    if errors:
        raise ValidationError(errors)


def _check_format(requested_format: str) -> str:
    requested_format = requested_format or ImportFormat.AUTO
    if requested_format not in ImportFormat.values:
        raise ValidationError({"requested_format": [_("Choose one of the formats offered.")]})
    return requested_format


def _new_import(
    *,
    filename: str,
    by: Person,
    unit: OrgUnit,
    requested_format: str,
    scan_scope: str,
    penetration_test: PenetrationTest | None,
    size: int = 0,
) -> ScanImport:
    scan_import = ScanImport(
        filename=(filename or _("unnamed file"))[:255],
        requested_format=requested_format,
        scan_scope=(scan_scope or "").strip()[:100],
        unit=unit,
        penetration_test=penetration_test,
        size=size,
        created_by=by,
    )
    save_numbered(scan_import, REFERENCE_PREFIX)
    return scan_import


def _file_message(filename: str, error: ParseError, file_format: str = "") -> str:
    label = str(ImportFormat(file_format).label) if file_format in ImportFormat.values else file_format
    reason = problem_reason(error.problem, error.detail, file_format=label)
    where = error.where if error.where and error.where != filename else ""
    if where:
        return _("%(file)s, %(where)s: %(reason)s.") % {"file": filename, "where": where, "reason": reason}
    return _("%(file)s: %(reason)s.") % {"file": filename, "reason": reason}


def _fail(scan_import: ScanImport, message: str) -> ScanImport:
    """Record that the import failed and why; nothing else was written."""
    scan_import.status = ImportStatus.FAILED
    scan_import.error = message
    scan_import.finished_at = timezone.now()
    scan_import.save(update_fields=["status", "error", "finished_at"])
    _audit(scan_import, reason=message)
    return scan_import


def _audit(scan_import: ScanImport, reason: str = "") -> None:
    """The import's one audit event, with its outcome and counts. An upload was recorded
    when it was queued; its outcome is an update of that record."""
    action = AuditAction.UPDATE if scan_import.source_file_id else AuditAction.CREATE
    changes = audit.diff({}, audit.snapshot(scan_import))
    audit.record(scan_import, action, by=scan_import.created_by, changes=changes, reason=reason)


def _report_progress(scan_import: ScanImport) -> Any:
    def report(percent: int) -> None:
        ScanImport.objects.filter(pk=scan_import.pk).update(progress=percent)

    return report


def _read(scan_import: ScanImport, stream: IO[bytes], size: int) -> Spool | str:
    """The file's spool, or the message saying why it cannot be imported."""
    scan_import.status = ImportStatus.READING
    scan_import.started_at = timezone.now()
    scan_import.size = size
    scan_import.save(update_fields=["status", "started_at", "size"])
    try:
        return read_file(
            stream,
            filename=scan_import.filename,
            size=size,
            requested_format=scan_import.requested_format,
            report=_report_progress(scan_import),
        )
    except ParseError as error:
        chosen = "" if scan_import.requested_format == ImportFormat.AUTO else scan_import.requested_format
        return _file_message(scan_import.filename, error, chosen)
    except Exception as error:  # a parser's own bug must fail the import, not the worker
        logger.exception("Reading %s failed", scan_import.reference)
        return _("%(file)s: the file cannot be read (%(detail)s).") % {
            "file": scan_import.filename,
            "detail": error.__class__.__name__,
        }


def _write(
    scan_import: ScanImport, spool: Spool, source: str, scanned_at: dt.datetime | None = None
) -> ScanImport:
    """Write the spooled records in one transaction; on failure nothing is written. The
    findings, their history and the assets covered are stamped `scanned_at` (default: now)."""
    scan_import.status = ImportStatus.SAVING
    scan_import.detected_format = source
    scan_import.progress = 100
    scan_import.save(update_fields=["status", "detected_format", "progress"])
    by = scan_import.created_by
    try:
        with bulk_writing(), transaction.atomic():
            now = scanned_at or timezone.now()
            resolution = resolve_hosts(
                spool.hosts, by=by, unit=scan_import.unit, scan_import=scan_import, source=source, now=now
            )
            writer = FindingWriter(
                scan_import_id=scan_import.pk,
                source=source,
                scan_scope=scan_import.scan_scope,
                unit_id=scan_import.unit_id,
                penetration_test_id=scan_import.penetration_test_id,
                actor=str(by),
                now=now,
                days_by_severity=sla_days(),
                hosts=spool.hosts,
            )
            writer.add_all(spool.batches())
            counts = writer.finish()
            scan_import.new_count = counts.new
            scan_import.open_count = counts.open
            scan_import.reopened_count = counts.reopened
            scan_import.fixed_count = counts.fixed
            scan_import.unchanged_count = counts.unchanged
            scan_import.rejected_count = spool.rejected
            scan_import.rejections = spool.rejections
            scan_import.host_count = resolution.hosts
            scan_import.discovered_asset_count = resolution.discovered
            scan_import.status = ImportStatus.DONE
            scan_import.finished_at = scanned_at or timezone.now()
            scan_import.save(update_fields=[*COUNT_FIELDS, "rejections", "status", "finished_at"])
            _audit(scan_import)
    except Exception as error:
        logger.exception("Saving %s failed", scan_import.reference)
        scan_import.refresh_from_db()
        return _fail(
            scan_import,
            _("%(file)s: the findings could not be saved, nothing was changed (%(detail)s).")
            % {"file": scan_import.filename, "detail": error.__class__.__name__},
        )
    return scan_import


def _run(scan_import: ScanImport, stream: IO[bytes], size: int) -> ScanImport:
    spool = _read(scan_import, stream, size)
    if isinstance(spool, str):
        return _fail(scan_import, spool)
    with spool:
        return _write(scan_import, spool, spool.file_format)


# The front door -----------------------------------------------------------------------


def start_import(
    fileobj: Any,
    *,
    filename: str,
    by: Person,
    unit: OrgUnit,
    requested_format: str = "auto",
    scan_scope: str = "",
    penetration_test: PenetrationTest | None = None,
) -> ScanImport:
    """Keep an uploaded scanner file and queue its import; returns the queued import.

    The upload is stored as an attachment of the import; the background job
    (garrison.vulns.tasks_imports) runs it once this transaction commits.
    """
    requested_format = _check_format(requested_format)
    _require_may_import(by, unit, penetration_test)
    size = getattr(fileobj, "size", None)
    if size is not None and size > max_import_bytes():
        raise ImportRejected(
            _("%(file)s: %(reason)s.") % {"file": filename, "reason": problem_reason("too_large")}
        )
    from garrison.vulns import tasks_imports

    with transaction.atomic():
        scan_import = _new_import(
            filename=filename,
            by=by,
            unit=unit,
            requested_format=requested_format,
            scan_scope=scan_scope,
            penetration_test=penetration_test,
        )
        attachment = files.store_file(fileobj, filename=filename, by=by, unit=unit, target=scan_import)
        scan_import.source_file = attachment
        scan_import.size = attachment.stored_file.size
        scan_import.save(update_fields=["source_file", "size"])
        audit.record(
            scan_import, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(scan_import))
        )
        primary_key = scan_import.pk
        transaction.on_commit(lambda: tasks_imports.run_scan_import(primary_key))
    return scan_import


def run_import(scan_import: ScanImport) -> ScanImport:
    """Run a queued import of an uploaded file (the background job calls this); safe to
    call twice: an import already started or finished is returned as it is. Messages are
    written in the importer's language."""
    claimed = ScanImport.objects.filter(pk=scan_import.pk, status=ImportStatus.QUEUED).update(
        status=ImportStatus.READING
    )
    scan_import.refresh_from_db()
    if not claimed:
        return scan_import
    with translation.override(language_of(scan_import.created_by)):
        if scan_import.source_file is None:
            return _fail(
                scan_import, _("%(file)s: the uploaded file is missing.") % {"file": scan_import.filename}
            )
        try:
            stream = files.open_file(scan_import.source_file)
        except OSError as error:
            return _fail(
                scan_import,
                _("%(file)s: the uploaded file cannot be opened (%(detail)s).")
                % {"file": scan_import.filename, "detail": error.strerror or error.__class__.__name__},
            )
        with stream:
            return _run(scan_import, stream, scan_import.source_file.stored_file.size)


def import_file(
    path: str | Path,
    *,
    by: Person,
    unit: OrgUnit,
    requested_format: str = "auto",
    scan_scope: str = "",
    penetration_test: PenetrationTest | None = None,
) -> ScanImport:
    """Import a scanner file on disk now (the command line). Raises ImportRejected, with the
    failed import recorded, when the file cannot be imported."""
    requested_format = _check_format(requested_format)
    _require_may_import(by, unit, penetration_test)
    path = Path(path)
    scan_import = _new_import(
        filename=path.name,
        by=by,
        unit=unit,
        requested_format=requested_format,
        scan_scope=scan_scope,
        penetration_test=penetration_test,
    )
    try:
        stream = path.open("rb")
    except OSError as error:
        message = _("%(file)s: the file cannot be opened (%(detail)s).") % {
            "file": path.name,
            "detail": error.strerror or error.__class__.__name__,
        }
        raise ImportRejected(message, scan_import=_fail(scan_import, message)) from None
    with stream:
        size = path.stat().st_size
        result = _run(scan_import, stream, size)
    if result.status == ImportStatus.FAILED:
        raise ImportRejected(result.error, scan_import=result)
    return result


def import_records(
    records: Any,
    *,
    source: str,
    by: Person,
    unit: OrgUnit,
    scan_scope: str = "",
    penetration_test: PenetrationTest | None = None,
    filename: str = "",
    scanned_at: dt.datetime | None = None,
) -> ScanImport:
    """Write records already parsed (ParsedFinding, ScannedHost, RejectedRecord) as an import
    from the scanner `source` (a format key). Raises ImportRejected when they cannot be.

    `scanned_at` (default: now) is when the scan ran: the import's times, the assets it
    covered, when its findings were first and last seen, opened or fixed, their due dates
    and their history are taken at that moment (a scan imported after the fact, the demo's
    older scans). The audit trail keeps the real moment."""
    if source not in ImportFormat.values or source == ImportFormat.AUTO:
        raise ValidationError({"source": [_("Choose one of the formats offered.")]})
    _require_may_import(by, unit, penetration_test)
    scan_import = _new_import(
        filename=filename or _("records of %(source)s") % {"source": ImportFormat(source).label},
        by=by,
        unit=unit,
        requested_format=source,
        scan_scope=scan_scope,
        penetration_test=penetration_test,
    )
    scan_import.status = ImportStatus.READING
    scan_import.started_at = scanned_at or timezone.now()
    scan_import.save(update_fields=["status", "started_at"])
    if scanned_at is not None:
        # Stamped on creation whatever it was given: moved to the scan's time afterwards.
        ScanImport.objects.filter(pk=scan_import.pk).update(created_at=scanned_at)
        scan_import.created_at = scanned_at
    parsed: list[Record] | Any = records
    try:
        spool = spool_records(parsed)
    except ParseError as error:
        result = _fail(scan_import, _file_message(scan_import.filename, error, source))
        raise ImportRejected(result.error, scan_import=result) from None
    with spool:
        result = _write(scan_import, spool, source, scanned_at)
    if result.status == ImportStatus.FAILED:
        raise ImportRejected(result.error, scan_import=result)
    return result
