"""Recording what was sent to whom: the proof that a case was reported on time.

A submission names its recipient, channel, the time it was sent, the receipt or
reference the recipient gave, and the file sent (kept in the evidence store with its
SHA-256). Recording one against an obligation marks the obligation submitted at the
time sent; on time means sent no later than the obligation was due.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.scoping import require
from garrison.core.services import files as file_services
from garrison.core.services.records import update_record
from garrison.incidents.models import (
    Channel,
    Incident,
    IncidentReport,
    ObligationStatus,
    ReportingObligation,
    Submission,
    TimelineKind,
)
from garrison.incidents.services import timeline

MISSING_TIME_OR_RECIPIENT = "A submission needs the time it was sent and its recipient."


def _check(
    incident: Incident,
    *,
    recipient: str,
    channel: str,
    sent_at: dt.datetime | None,
    obligation: ReportingObligation | None,
    report: IncidentReport | None,
    now: dt.datetime,
) -> None:
    errors: dict[str, list[str]] = {}
    if not (recipient or "").strip():
        errors["recipient"] = [_(MISSING_TIME_OR_RECIPIENT)]
    if sent_at is None:
        errors["sent_at"] = [_(MISSING_TIME_OR_RECIPIENT)]
    elif timezone.is_naive(sent_at):
        errors["sent_at"] = [_("Give the time it was sent with its time zone.")]
    elif sent_at > now:
        errors["sent_at"] = [_("A submission cannot be sent in the future.")]
    if channel not in Channel.values:
        errors["channel"] = [_("Choose how it was sent.")]
    if obligation is not None:
        if obligation.incident_id != incident.pk:
            errors["obligation"] = [_("This obligation belongs to another case.")]
        elif obligation.status in (ObligationStatus.SUPERSEDED, ObligationStatus.WAIVED):
            errors["obligation"] = [_("This obligation is no longer pending.")]
    if report is not None and report.incident_id != incident.pk:
        errors["report"] = [_("This report belongs to another case.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def record_submission(
    incident: Incident,
    *,
    by: Any,
    recipient: str,
    channel: str,
    sent_at: dt.datetime | None,
    obligation: ReportingObligation | None = None,
    receipt: str = "",
    upload: Any = None,
    report: IncidentReport | None = None,
    notes: str = "",
    now: dt.datetime | None = None,
) -> Submission:
    """Record a report sent; with an obligation, mark it submitted at the time sent.
    Everything is checked before anything (the file included) is stored."""
    require(by, Action.CHANGE, incident)
    _check(
        incident,
        recipient=recipient,
        channel=channel,
        sent_at=sent_at,
        obligation=obligation,
        report=report,
        now=now or timezone.now(),
    )
    assert sent_at is not None
    attachment = None
    if upload is not None:
        attachment = file_services.store_file(
            upload,
            filename=getattr(upload, "name", "") or "",
            by=by,
            unit=incident.unit,
            target=incident,
            content_type=getattr(upload, "content_type", "") or "",
            description=_("Sent to %(recipient)s") % {"recipient": recipient.strip()},
        )
    submission = Submission(
        incident=incident,
        obligation=obligation,
        report=report,
        recipient=recipient.strip(),
        channel=channel,
        sent_at=sent_at,
        receipt=(receipt or "").strip(),
        file=attachment,
        notes=notes or "",
        recorded_by=by,
    )
    submission.full_clean()
    submission.save()
    changes = audit.diff({}, audit.snapshot(submission))
    if attachment is not None:
        changes["sha256"] = [None, attachment.stored_file.sha256]
    if obligation is not None:
        changes["due_at"] = [None, obligation.due_at]
        changes["on_time"] = [None, on_time(obligation, sent_at)]
    audit.record(submission, AuditAction.CREATE, by=by, changes=changes)
    if obligation is not None and obligation.status == ObligationStatus.PENDING:
        update_record(
            obligation,
            by=by,
            reason=_("Submitted to %(recipient)s.") % {"recipient": submission.recipient},
            status=ObligationStatus.SUBMITTED,
            satisfied_at=sent_at,
            status_reason="",
        )
    description = _("Sent to %(recipient)s (%(channel)s)") % {
        "recipient": submission.recipient,
        "channel": Channel(channel).label,
    }
    if obligation is not None:
        description += ": " + str(obligation.get_kind_display())
    if submission.receipt:
        description += " — " + _("receipt %(receipt)s") % {"receipt": submission.receipt}
    timeline.note(incident, TimelineKind.COMMUNICATION, description, by=by, at=sent_at)
    return submission


def on_time(obligation: ReportingObligation, sent_at: dt.datetime) -> bool | None:
    """Whether a report sent at `sent_at` met the obligation's deadline (None: no deadline)."""
    if obligation.due_at is None:
        return None
    return sent_at <= obligation.due_at
