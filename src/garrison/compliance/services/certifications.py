"""The certification register (issue 4): certificates, their files, their renewals and the
surveillance audits they depend on. Every write goes through here.

Every write is validated in full before anything is saved, runs in one transaction and
appends its audit event. With `by=None` (or an actor label such as "seed-demo") the system
acts and the reach checks are skipped; a person may only use units, owners, frameworks
and assessments within their reach.

A renewal is a new certificate of the same lineage (scheme, unit and scope, see
garrison.compliance.certs); the years held in a row are computed from the lineage.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from garrison.compliance import certs
from garrison.compliance.models import (
    Assessment,
    Certification,
    CertificationStatus,
    Framework,
    SurveillanceAudit,
)
from garrison.core.models import Attachment, Person
from garrison.core.roles import Action, Domain
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import all_visible, has_grant, is_system
from garrison.core.services import files as file_services
from garrison.core.services.records import create_record, delete_record, update_record

# Fields a caller may set on a certification; the file changes through attach_certificate_file.
CHANGEABLE_FIELDS = frozenset(
    {
        "scheme",
        "name",
        "scope_description",
        "body",
        "number",
        "issued_on",
        "expires_on",
        "status",
        "unit",
        "owner",
        "framework",
        "assessment",
        "notes",
    }
)
SURVEILLANCE_FIELDS = frozenset({"kind", "due_on", "completed_on", "outcome", "audit"})


# Checks ----------------------------------------------------------------------------------------


def _may_use_unit(certification: Certification, by: Any, action: Action) -> bool:
    return has_grant(by, Domain.COMPLIANCE, action, certification.unit.path)


def _check(certification: Certification, *, by: Any, action: Action, changed: Iterable[str]) -> None:
    """Dates in order, and units, owners, frameworks and assessments within the person's
    reach, each refusal naming its field; the system (`by` None) is not limited in reach."""
    errors: dict[str, list[str]] = {}
    issued, expires = certification.issued_on, certification.expires_on
    if isinstance(issued, dt.date) and isinstance(expires, dt.date) and expires <= issued:
        errors["expires_on"] = [_("The expiry date must be after the issue date.")]
    changed = set(changed)
    if not is_system(by):
        # Each check runs only for a field that changes.
        reach: tuple[tuple[str, Callable[[], bool]], ...] = (
            (
                "unit",
                lambda: certification.unit_id is not None and not _may_use_unit(certification, by, action),
            ),
            ("owner", lambda: not all_visible(Person, by, [certification.owner_id])),
            ("framework", lambda: not all_visible(Framework, by, [certification.framework_id])),
            ("assessment", lambda: not all_visible(Assessment, by, [certification.assessment_id])),
        )
        messages = {
            "unit": _("You do not manage compliance in this unit."),
            "owner": _("Person not found."),
            "framework": _("Framework not found."),
            "assessment": _("Assessment not found."),
        }
        for field, refused in reach:
            if field in changed and refused():
                errors[field] = [messages[field]]
    if errors:
        raise ValidationError(errors)


def _check_surveillance(item: SurveillanceAudit) -> None:
    certification = item.certification
    errors: dict[str, list[str]] = {}
    if isinstance(item.due_on, dt.date) and not (
        certification.issued_on <= item.due_on <= certification.expires_on
    ):
        errors["due_on"] = [
            _("The planned date must lie within the certificate's period, %(start)s to %(end)s.")
            % {"start": certification.issued_on.isoformat(), "end": certification.expires_on.isoformat()}
        ]
    if item.completed_on is not None and item.completed_on > organisation_today():
        errors["completed_on"] = [_("An audit cannot be completed in the future.")]
    if errors:
        raise ValidationError(errors)


# Certifications --------------------------------------------------------------------------------


@transaction.atomic
def create_certification(*, by: Any, reason: str = "", **fields: Any) -> Certification:
    """Record a certificate, report or filing the organisation holds."""
    unknown = set(fields) - CHANGEABLE_FIELDS
    if unknown:
        raise TypeError(f"create_certification() got unexpected fields {sorted(unknown)}")
    _check(Certification(**fields), by=by, action=Action.ADD, changed=fields)
    return create_record(Certification, by=by, reason=reason, **fields)


@transaction.atomic
def update_certification(
    certification: Certification, *, by: Any, reason: str = "", **fields: Any
) -> Certification:
    """Change a certificate's details; the file changes through attach_certificate_file."""
    unknown = set(fields) - CHANGEABLE_FIELDS
    if unknown:
        raise TypeError(f"update_certification() got unexpected fields {sorted(unknown)}")
    changed = [name for name, value in fields.items() if getattr(certification, name) != value]
    candidate = Certification(**{**_values(certification), **fields})
    _check(candidate, by=by, action=Action.CHANGE, changed=changed)
    if {"issued_on", "expires_on"} & set(changed):
        _check_planned_audits(certification, candidate.issued_on, candidate.expires_on)
    return update_record(certification, by=by, reason=reason, **fields)


def _values(certification: Certification) -> dict[str, Any]:
    values = {}
    for name in CHANGEABLE_FIELDS:
        attname = Certification._meta.get_field(name).attname  # type: ignore[union-attr]
        values[attname] = getattr(certification, attname)
    return values


def _check_planned_audits(certification: Certification, issued_on: Any, expires_on: Any) -> None:
    if not isinstance(issued_on, dt.date) or not isinstance(expires_on, dt.date):
        return
    outside = certification.surveillance_audits.exclude(due_on__range=(issued_on, expires_on))
    dates = [item.isoformat() for item in outside.values_list("due_on", flat=True)[:5]]
    if dates:
        raise ValidationError(
            {
                "expires_on": [
                    _("Surveillance audits planned on %(dates)s would fall outside the new period.")
                    % {"dates": ", ".join(dates)}
                ]
            }
        )


@transaction.atomic
def delete_certification(certification: Certification, *, by: Any, reason: str = "") -> None:
    """Remove a certificate recorded by mistake, with its surveillance audits and files.
    A certificate that ended is kept (withdrawn or expired): it counts in the years held."""
    for item in certification.surveillance_audits.all():
        delete_record(item, by=by, reason=reason)
    attachments = list(attachments_of(certification))
    delete_record(certification, by=by, reason=reason)
    for attachment in attachments:
        file_services.delete_attachment(attachment, by=by, reason=reason)


def attachments_of(certification: Certification) -> models.QuerySet[Attachment]:
    """Every file uploaded for the certificate, newest first (the current one and earlier ones)."""
    from django.contrib.contenttypes.models import ContentType

    return (
        Attachment.objects.filter(
            object_type=ContentType.objects.get_for_model(Certification), object_id=str(certification.pk)
        )
        .select_related("stored_file", "uploaded_by")
        .order_by("-uploaded_at", "-pk")
    )


@transaction.atomic
def attach_certificate_file(
    certification: Certification,
    fileobj: Any,
    *,
    by: Any,
    filename: str,
    content_type: str = "",
    reason: str = "",
) -> Certification:
    """Keep the certificate's file in the evidence store and make it the current one.

    A replaced file stays in the store, attached to the certificate; the audit trail
    records which file was current when."""
    if not filename:
        raise ValidationError({"file": [_("Choose a file to upload.")]})
    attachment = file_services.store_file(
        fileobj,
        filename=filename,
        by=by,
        unit=certification.unit,
        target=certification,
        content_type=content_type,
        description=_("Certificate file of %(name)s") % {"name": certification.name},
    )
    return update_record(certification, by=by, reason=reason, certificate_file=attachment)


@transaction.atomic
def renew_certification(
    certification: Certification,
    *,
    by: Any,
    issued_on: dt.date,
    expires_on: dt.date,
    number: str = "",
    file: Any = None,
    filename: str = "",
    content_type: str = "",
    reason: str = "",
) -> Certification:
    """The next certificate of the lineage: same scheme, name, scope, body, unit, owner and
    framework, for the new period; the new certificate's file when one is given."""
    errors: dict[str, list[str]] = {}
    if isinstance(issued_on, dt.date) and issued_on <= certification.issued_on:
        errors["issued_on"] = [
            _("A renewal is issued after the certificate it renews (issued on %(date)s).")
            % {"date": certification.issued_on.isoformat()}
        ]
    if isinstance(expires_on, dt.date) and expires_on <= certification.expires_on:
        errors["expires_on"] = [
            _("A renewal expires after the certificate it renews (expiring on %(date)s).")
            % {"date": certification.expires_on.isoformat()}
        ]
    if errors:
        raise ValidationError(errors)
    renewed = create_certification(
        by=by,
        reason=reason or _("Renewal of %(name)s") % {"name": certification.name},
        scheme=certification.scheme,
        name=certification.name,
        scope_description=certification.scope_description,
        body=certification.body,
        number=number,
        issued_on=issued_on,
        expires_on=expires_on,
        status=CertificationStatus.ACTIVE,
        unit=certification.unit,
        owner=certification.owner,
        framework=certification.framework,
    )
    if file is not None:
        renewed = attach_certificate_file(
            renewed,
            file,
            by=by,
            filename=filename or getattr(file, "name", "") or "",
            content_type=content_type,
        )
    return renewed


# Surveillance audits ---------------------------------------------------------------------------


@transaction.atomic
def add_surveillance_audit(
    certification: Certification, *, by: Any, due_on: dt.date, reason: str = "", **fields: Any
) -> SurveillanceAudit:
    """Plan an audit the certificate depends on, within the certificate's period."""
    unknown = set(fields) - SURVEILLANCE_FIELDS
    if unknown:
        raise TypeError(f"add_surveillance_audit() got unexpected fields {sorted(unknown)}")
    _check_surveillance(SurveillanceAudit(certification=certification, due_on=due_on, **fields))
    return create_record(
        SurveillanceAudit, by=by, reason=reason, certification=certification, due_on=due_on, **fields
    )


@transaction.atomic
def update_surveillance_audit(
    item: SurveillanceAudit, *, by: Any, reason: str = "", **fields: Any
) -> SurveillanceAudit:
    unknown = set(fields) - SURVEILLANCE_FIELDS
    if unknown:
        raise TypeError(f"update_surveillance_audit() got unexpected fields {sorted(unknown)}")
    candidate = SurveillanceAudit(
        certification=item.certification,
        due_on=fields.get("due_on", item.due_on),
        completed_on=fields.get("completed_on", item.completed_on),
    )
    _check_surveillance(candidate)
    return update_record(item, by=by, reason=reason, **fields)


def complete_surveillance_audit(
    item: SurveillanceAudit,
    *,
    by: Any,
    completed_on: dt.date | None = None,
    outcome: str = "",
    reason: str = "",
) -> SurveillanceAudit:
    """Record that the audit took place (today unless another day is given) and its outcome."""
    if item.completed_on is not None:
        raise ValidationError({"completed_on": [_("This audit is already completed.")]})
    fields: dict[str, Any] = {"completed_on": completed_on or organisation_today()}
    if outcome:
        fields["outcome"] = outcome
    return update_surveillance_audit(item, by=by, reason=reason, **fields)


@transaction.atomic
def delete_surveillance_audit(item: SurveillanceAudit, *, by: Any, reason: str = "") -> None:
    delete_record(item, by=by, reason=reason)


# Lineages and years held -----------------------------------------------------------------------


def _period(certification: Certification) -> certs.Period:
    return certs.Period(certification.issued_on, certification.expires_on, certification.status)


def _key(certification: Certification) -> tuple[str, str, str]:
    return certs.lineage_key(certification.scheme, certification.unit_id, certification.scope_description)


def lineage_of(certification: Certification) -> list[Certification]:
    """The certificates of the lineage, the given one included, earliest first."""
    candidates = Certification.objects.filter(
        scheme=certification.scheme, unit_id=certification.unit_id
    ).order_by("issued_on", "pk")
    key = _key(certification)
    return [item for item in candidates if _key(item) == key]


def holdings_for(
    certifications: Iterable[Certification], today: dt.date | None = None
) -> dict[int, certs.Holding]:
    """The run of coverage of each certificate's lineage, by certificate id, in two queries
    whatever the number of certificates (for list pages and exports)."""
    today = today or organisation_today()
    items = list(certifications)
    pairs = {(item.scheme, item.unit_id) for item in items}
    if not pairs:
        return {}
    condition = models.Q()
    for scheme, unit_id in pairs:
        condition |= models.Q(scheme=scheme, unit_id=unit_id)
    periods: dict[tuple[str, str, str], list[certs.Period]] = defaultdict(list)
    rows = Certification.objects.filter(condition).only(
        "scheme", "unit_id", "scope_description", "issued_on", "expires_on", "status"
    )
    for row in rows:
        periods[_key(row)].append(_period(row))
    return {item.pk: certs.consecutive_years(periods[_key(item)], today) for item in items}


def holding_of(certification: Certification, today: dt.date | None = None) -> certs.Holding:
    return holdings_for([certification], today)[certification.pk]


def successor_of(certification: Certification) -> Certification | None:
    """The active certificate of the lineage that follows this one (it expires later)."""
    later = [
        item
        for item in lineage_of(certification)
        if item.pk != certification.pk
        and item.status == CertificationStatus.ACTIVE
        and item.expires_on > certification.expires_on
    ]
    return later[0] if later else None


def renewed_ids(certifications: Iterable[Certification]) -> set[int]:
    """Ids of those certificates whose lineage holds a later active certificate."""
    items = list(certifications)
    pairs = {(item.scheme, item.unit_id) for item in items}
    if not pairs:
        return set()
    condition = models.Q()
    for scheme, unit_id in pairs:
        condition |= models.Q(scheme=scheme, unit_id=unit_id)
    latest: dict[tuple[str, str, str], dt.date] = {}
    active = Certification.objects.filter(condition, status=CertificationStatus.ACTIVE).only(
        "scheme", "unit_id", "scope_description", "expires_on"
    )
    for row in active:
        key = _key(row)
        latest[key] = max(latest.get(key, row.expires_on), row.expires_on)
    return {item.pk for item in items if latest.get(_key(item), item.expires_on) > item.expires_on}
