"""Sealing deliveries of logs into a source: each upload becomes a batch, stored byte for
byte in the content-addressed store and numbered as the next leaf of the source's Merkle
tree.

The upload is streamed to a local file (never held in memory), checked (not empty, not
binary, not over GARRISON_LOGAUDIT_MAX_BATCH_MB), counted by the engine's reader in the
source's format, and only then stored: a refused file leaves nothing behind. Malformed
lines never refuse a batch; they are counted and their first line numbers kept. A batch
is never changed once stored (retention may later delete its content, see
garrison.logaudit.services.retention).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models import Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.scheduling import organisation_zone
from garrison.core.scoping import require
from garrison.core.services import files
from garrison.logaudit.engine.inputs import InputFormat, InputReport, inspect
from garrison.logaudit.models import LogBatch, LogSource

# The malformed lines a batch keeps with their reason; the count covers them all.
MALFORMED_KEPT = 100
# A NUL byte in the first bytes marks a binary file (compressed, an executable …), not a log.
BINARY_SNIFF_BYTES = 8192
CHUNK_SIZE = files.CHUNK_SIZE
FILENAME_LENGTH = LogBatch._meta.get_field("filename").max_length or 255


def max_batch_megabytes() -> int:
    return int(settings.LOGAUDIT_MAX_BATCH_MEGABYTES)


def max_batch_bytes() -> int:
    return max_batch_megabytes() * 1024 * 1024


def too_large_message() -> str:
    return _("The file is larger than the limit of %(limit)s MB for a batch of logs.") % {
        "limit": max_batch_megabytes()
    }


def clean_filename(filename: str) -> str:
    """The file's own name, without any folder a client sent and without NUL characters."""
    name = Path(str(filename or "").replace("\\", "/")).name.replace("\x00", "").strip()
    return name[:FILENAME_LENGTH]


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def _chunks(fileobj: Any) -> Iterator[bytes]:
    if hasattr(fileobj, "chunks"):
        yield from fileobj.chunks(CHUNK_SIZE)
        return
    while chunk := fileobj.read(CHUNK_SIZE):
        yield chunk


@contextlib.contextmanager
def _local_copy(fileobj: Any) -> Iterator[tuple[str, int]]:
    """A path on local disk holding the upload, and its size. An upload Django already
    spooled to a temporary file is read where it lies; anything else is copied in chunks,
    refused as soon as it passes the limit."""
    limit = max_batch_bytes()
    declared = getattr(fileobj, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise _refuse(too_large_message())
    if hasattr(fileobj, "temporary_file_path"):
        path = fileobj.temporary_file_path()
        size = os.path.getsize(path)
        if size > limit:
            raise _refuse(too_large_message())
        yield path, size
        return
    descriptor, path = tempfile.mkstemp(prefix="garrison-logbatch-")
    try:
        size = 0
        with os.fdopen(descriptor, "wb") as spool:
            for chunk in _chunks(fileobj):
                size += len(chunk)
                if size > limit:
                    raise _refuse(too_large_message())
                spool.write(chunk)
        yield path, size
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _check_content(path: str, size: int) -> None:
    if size == 0:
        raise _refuse(_("The file is empty: there are no logs to seal."))
    with open(path, "rb") as head:
        start = head.read(BINARY_SNIFF_BYTES)
    if b"\x00" in start:
        raise _refuse(_("The file is binary (compressed or not text): upload the log file itself."))


def _malformed_lines(report: InputReport) -> list[dict[str, Any]]:
    return [{"line": item.line, "reason": item.reason} for item in report.malformed[:MALFORMED_KEPT]]


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """Event times without a zone are taken as UTC, as the readers write them."""
    if moment is not None and timezone.is_naive(moment):
        return moment.replace(tzinfo=dt.UTC)
    return moment


def _next_sequence(source: LogSource) -> int:
    """The next leaf of the source's tree. Call with the source's row locked, so that
    concurrent deliveries to one source get distinct leaves."""
    last = LogBatch.objects.filter(source=source).aggregate(last=Max("sequence"))["last"]
    return 0 if last is None else last + 1


def ingest_batch(
    source: LogSource,
    fileobj: Any,
    *,
    filename: str,
    by: Any,
    received_at: dt.datetime | None = None,
) -> LogBatch:
    """Seal one delivery of logs (a file object or upload) into `source` as its next batch.

    Refused whole, with nothing stored, when the file is empty, binary or over the size
    limit; malformed lines are counted and kept with their line numbers (the first
    MALFORMED_KEPT), never refused."""
    require(by, Action.CHANGE, source)
    name = clean_filename(filename)
    if not name:
        raise ValidationError({"filename": [_("Name the file the logs came in.")]})
    with _local_copy(fileobj) as (path, size):
        _check_content(path, size)
        received = received_at or timezone.now()
        # Lines without a year (RFC 3164) are dated from the delivery, and times without a
        # zone are wall-clock time where the organisation works, as the audits read them.
        report = inspect(
            path, InputFormat(source.log_format), reference_time=received, naive_tz=organisation_zone()
        )
        with transaction.atomic():
            with open(path, "rb") as content:
                # The store names the blob by its SHA-256: the batch's leaf hash.
                stored = files.store_blob(content, limit_megabytes=max_batch_megabytes())
            # The lock is taken last and held briefly: only the numbering needs it.
            locked = LogSource.objects.select_for_update().get(pk=source.pk)
            batch = LogBatch(
                source=locked,
                sequence=_next_sequence(locked),
                filename=name,
                stored_file=stored,
                sha256=stored.sha256,
                size=size,
                line_count=report.line_count,
                event_count=report.event_count,
                malformed_count=report.malformed_count,
                malformed_lines=_malformed_lines(report),
                first_event_at=_aware(report.first_time),
                last_event_at=_aware(report.last_time),
                received_at=received,
                received_by=by if isinstance(by, Person) else None,
            )
            batch.save()
            audit.record(batch, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(batch)))
    return batch


def open_batch(batch: LogBatch) -> IO[bytes]:
    """The batch's logs as received, opened for reading in binary mode. Refused once
    retention has deleted them (the batch's hash stays in the tree)."""
    stored = batch.stored_file
    if batch.pruned_at is not None or stored is None:
        raise ValidationError(
            _("The logs of batch %(sequence)d (%(file)s) were deleted under retention.")
            % {"sequence": batch.sequence, "file": batch.filename}
        )
    return default_storage.open(stored.storage_name, "rb")
