"""Evidence of a case: files kept in the content-addressed evidence store with the chain
of custody (collected when, by whom, from where).

The file is stored as an attachment of the case, in the case's unit, so whoever may read
the case may read it; its SHA-256 and size are the store's. `verify_evidence` hashes the
stored blob again and compares. Every check runs before the file is stored, so refused
input stores nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.core.models import Person
from garrison.core.roles import Action
from garrison.core.scoping import require
from garrison.core.services import files as file_services
from garrison.core.services.records import create_record
from garrison.incidents.models import Incident, IncidentEvidence


@dataclass(frozen=True)
class Verification:
    """The outcome of hashing a piece of evidence again."""

    expected: str
    actual: str | None

    @property
    def is_intact(self) -> bool:
        return self.actual == self.expected


def _check(upload: Any, collected_at: Any, now: dt.datetime) -> None:
    errors: dict[str, list[str]] = {}
    if upload is None:
        errors["upload"] = [_("Choose the file to keep as evidence.")]
    elif getattr(upload, "size", None) == 0:
        errors["upload"] = [_("The file is empty.")]
    elif (getattr(upload, "size", None) or 0) > file_services.upload_limit_bytes():
        errors["upload"] = [
            _("The file is larger than the upload limit of %(limit)s MB.")
            % {"limit": file_services.upload_limit_bytes() // (1024 * 1024)}
        ]
    if not isinstance(collected_at, dt.datetime) or timezone.is_naive(collected_at):
        errors["collected_at"] = [_("Give the date and time of collection with its time zone.")]
    elif collected_at > now:
        errors["collected_at"] = [_("Evidence cannot be collected in the future.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_evidence(
    incident: Incident,
    *,
    by: Any,
    upload: Any,
    description: str = "",
    source: str = "",
    collected_at: dt.datetime | None = None,
    filename: str = "",
    content_type: str = "",
    reason: str = "",
    now: dt.datetime | None = None,
) -> IncidentEvidence:
    """Keep `upload` as evidence of the case, collected at `collected_at` (default now)
    from `source` by the acting person (the handler when the system acts)."""
    require(by, Action.CHANGE, incident)
    moment = now or timezone.now()
    collected_at = collected_at or moment
    _check(upload, collected_at, moment)
    collector = by if isinstance(by, Person) else incident.handler
    attachment = file_services.store_file(
        upload,
        filename=filename or getattr(upload, "name", "") or "",
        by=collector,
        unit=incident.unit,
        target=incident,
        content_type=content_type or getattr(upload, "content_type", "") or "",
        description=description or _("Evidence of %(reference)s") % {"reference": incident.reference},
    )
    return create_record(
        IncidentEvidence,
        by=by,
        reason=reason,
        incident=incident,
        attachment=attachment,
        description=description,
        source=source,
        collected_at=collected_at,
        collected_by=collector,
    )


def verify_evidence(evidence: IncidentEvidence) -> Verification:
    """Hash the stored file again: intact when it still hashes to the recorded SHA-256
    (`actual` is None when the file is missing from the store)."""
    stored = evidence.attachment.stored_file
    try:
        actual: str | None = file_services.blob_sha256(stored.storage_name)
    except FileNotFoundError:
        actual = None
    return Verification(expected=stored.sha256, actual=actual)
