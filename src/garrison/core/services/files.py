"""The evidence store: content-addressed blobs and the attachments that name them.

A blob is stored once under its SHA-256 (StoredFile.storage_name) however many
times it is uploaded; each upload is an Attachment with its own name, owning
unit and target object. The hash is computed while the upload streams through,
so no file is ever held in memory whole, and it can be re-verified at any time.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models import Attachment, OrgUnit, Person, StoredFile
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Domain
from garrison.core.services.org import domain_of, owning_unit

CHUNK_SIZE = 1024 * 1024
# For blobs Garrison writes itself (an audit's matches): a tebibyte, in megabytes.
SYSTEM_BLOB_LIMIT_MEGABYTES = 1024 * 1024


@dataclass(frozen=True)
class FileProblem:
    """A stored blob that is missing or whose content no longer matches its hash."""

    sha256: str
    storage_name: str
    reason: str


def upload_limit_bytes() -> int:
    return int(settings.MAX_UPLOAD_MEGABYTES) * 1024 * 1024


def _chunks(fileobj: Any) -> Iterator[bytes]:
    if hasattr(fileobj, "chunks"):
        yield from fileobj.chunks(CHUNK_SIZE)
        return
    while chunk := fileobj.read(CHUNK_SIZE):
        yield chunk


def store_blob(fileobj: Any, *, limit_megabytes: int | None = None) -> StoredFile:
    """Stream `fileobj` to a spool file while hashing it, then keep it once in the store.

    Refused with a ValidationError when it is larger than `limit_megabytes` (default: the
    upload limit). Callers that keep a blob without an attachment (sealed log batches, an
    audit's matches) name their own limit."""
    limit_mb = int(settings.MAX_UPLOAD_MEGABYTES) if limit_megabytes is None else limit_megabytes
    limit = limit_mb * 1024 * 1024
    digest = hashlib.sha256()
    size = 0
    with tempfile.TemporaryFile() as spool:
        for chunk in _chunks(fileobj):
            size += len(chunk)
            if size > limit:
                raise ValidationError(
                    {
                        "file": [
                            _("The file is larger than the upload limit of %(limit)s MB.")
                            % {"limit": limit_mb}
                        ]
                    }
                )
            digest.update(chunk)
            spool.write(chunk)
        sha256 = digest.hexdigest()
        existing = StoredFile.objects.filter(sha256=sha256).first()
        if existing is not None and default_storage.exists(existing.storage_name):
            return existing
        stored = existing or StoredFile(sha256=sha256, size=size)
        if not default_storage.exists(stored.storage_name):
            spool.seek(0)
            default_storage.save(stored.storage_name, File(spool, name=stored.storage_name))
    if stored.pk is None:
        try:
            with transaction.atomic():
                stored.save()
        except IntegrityError:
            # A concurrent upload of the same content registered it first.
            stored = StoredFile.objects.get(sha256=sha256)
    return stored


@transaction.atomic
def store_file(
    fileobj: Any,
    *,
    filename: str,
    by: Person,
    unit: OrgUnit,
    target: models.Model | None = None,
    content_type: str = "",
    description: str = "",
) -> Attachment:
    """Keep an uploaded file as evidence owned by `unit`, optionally attached to `target`.

    Evidence for an object belongs to that object's unit and domain, so that it is read by
    whoever may read the object; `unit` must then be the object's own unit.
    """
    domain = Domain.ORGANISATION.value
    if target is not None:
        if owning_unit(target).pk != unit.pk:
            raise ValidationError({"unit": [_("Evidence belongs to the unit of the object it is for.")]})
        domain = domain_of(target)
    stored = store_blob(fileobj)
    attachment = Attachment(
        stored_file=stored,
        filename=(filename or stored.sha256)[:255],
        content_type=(content_type or "")[:100],
        description=description,
        object_type=ContentType.objects.get_for_model(target) if target is not None else None,
        object_id=str(target.pk) if target is not None else "",
        unit=unit,
        domain=domain,
        uploaded_by=by,
    )
    attachment.full_clean()
    attachment.save()
    changes = audit.diff({}, audit.snapshot(attachment))
    changes["sha256"] = [None, stored.sha256]
    changes["size"] = [None, stored.size]
    audit.record(attachment, AuditAction.CREATE, by=by, changes=changes)
    return attachment


def open_file(attachment: Attachment) -> IO[bytes]:
    """The attachment's content, opened for reading in binary mode."""
    return default_storage.open(attachment.stored_file.storage_name, "rb")


@transaction.atomic
def delete_attachment(attachment: Attachment, *, by: Any, reason: str = "") -> None:
    """Remove an attachment; its blob goes too unless another attachment still names it."""
    stored = attachment.stored_file
    event = audit.pending_for(
        attachment,
        AuditAction.DELETE,
        by=by,
        changes={**audit.diff(audit.snapshot(attachment), {}), "sha256": [stored.sha256, None]},
        reason=reason,
    )
    attachment.delete()
    audit.record_many([event])
    if not Attachment.objects.filter(stored_file=stored).exists():
        storage_name = stored.storage_name
        stored.delete()
        # Only once the rows are gone for good: a rolled-back delete must keep its blob.
        transaction.on_commit(lambda: default_storage.delete(storage_name))


def blob_sha256(storage_name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(storage_name, "rb") as blob:
        while chunk := blob.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def verify_stored_files() -> list[FileProblem]:
    """Re-hash every stored blob; the problems found (missing blob, hash mismatch)."""
    problems: list[FileProblem] = []
    for stored in StoredFile.objects.order_by("pk").iterator(chunk_size=1000):
        name = stored.storage_name
        if not default_storage.exists(name):
            problems.append(FileProblem(stored.sha256, name, _("the stored file is missing")))
            continue
        actual = blob_sha256(name)
        if actual != stored.sha256:
            problems.append(
                FileProblem(
                    stored.sha256,
                    name,
                    _("its content does not match its hash (it now hashes to %(actual)s)")
                    % {"actual": actual},
                )
            )
    return problems
