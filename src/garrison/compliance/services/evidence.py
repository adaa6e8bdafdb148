"""Evidence and evidence requests (issue 4): every write goes through here.

A piece of evidence is kept in versions. A file version is stored through the
content-addressed store (`garrison.core.services.files`) as an attachment of the
evidence, in the evidence's unit, and its SHA-256 is recorded on the version as well
as on the blob, so that `garrison evidence verify` can compare the two. A link version
holds an http(s) address. The evidence mirrors its newest version's validity period.

Decisions:
- A version is of the evidence's kind: file evidence takes files, link evidence links.
- Moving evidence to another unit moves its files' attachments with it (they must stay
  in the unit of the object they are evidence for), each move audited.
- Evidence used by an assessment result or a control test cannot be deleted; deleting
  unused evidence removes its attachments (and a blob no other attachment names).
- Everything is checked before a file is stored, so refused input stores nothing; if the
  database write still fails after the blob was written, the blob is removed again
  unless a committed row names it (`_removing_unreferenced_blobs`).

With `by=None` or a text actor (the console, jobs, the demo) the reach checks are
skipped and the owner is recorded as the uploader.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.compliance import notifications_evidence as kinds
from garrison.compliance.models import (
    AppliedControl,
    Evidence,
    EvidenceKind,
    EvidenceRequest,
    EvidenceVersion,
    RequestStatus,
    RequirementResult,
)
from garrison.core import audit
from garrison.core.models import Attachment, OrgUnit, Person, StoredFile
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import can, has_grant, restrict
from garrison.core.services import files as file_services
from garrison.core.services import notifications
from garrison.core.services.records import create_record, delete_record, update_record
from garrison.core.services.references import create_numbered_record
from garrison.core.workflow import StateMachine, Transition
from garrison.web.links import object_url

REFERENCE_PREFIX = "EVD-"
EXPIRING_WITHIN_DAYS = 30
CONTROL_CHANGES = "control_references"
EVIDENCE_FIELDS = frozenset({"name", "description", "owner", "unit"})
URL_SCHEMES = ("http", "https")


class Validity(models.TextChoices):
    VALID = "valid", gettext_lazy("Valid")
    EXPIRING = "expiring", gettext_lazy("Expiring within 30 days")
    EXPIRED = "expired", gettext_lazy("Expired")


def validity_of(valid_until: dt.date | None, today: dt.date | None = None) -> str:
    """Valid (no end, or ending after 30 days), expiring (within 30 days) or expired."""
    today = today or timezone.localdate()
    if valid_until is None or valid_until > today + dt.timedelta(days=EXPIRING_WITHIN_DAYS):
        return Validity.VALID
    if valid_until < today:
        return Validity.EXPIRED
    return Validity.EXPIRING


def with_validity(
    queryset: models.QuerySet[Evidence], state: str, today: dt.date | None = None
) -> models.QuerySet[Evidence]:
    """The evidence of `queryset` in validity `state`."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=EXPIRING_WITHIN_DAYS)
    if state == Validity.EXPIRED:
        return queryset.filter(valid_until__lt=today)
    if state == Validity.EXPIRING:
        return queryset.filter(valid_until__gte=today, valid_until__lte=horizon)
    if state == Validity.VALID:
        return queryset.filter(models.Q(valid_until__isnull=True) | models.Q(valid_until__gt=horizon))
    return queryset


def annotate_validity(
    queryset: models.QuerySet[Evidence], today: dt.date | None = None
) -> models.QuerySet[Evidence]:
    """Each row with `validity_state` (valid, expiring or expired), for badges and exports."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=EXPIRING_WITHIN_DAYS)
    return queryset.annotate(
        validity_state=models.Case(
            models.When(valid_until__lt=today, then=models.Value(Validity.EXPIRED.value)),
            models.When(valid_until__lte=horizon, then=models.Value(Validity.EXPIRING.value)),
            default=models.Value(Validity.VALID.value),
            output_field=models.CharField(),
        )
    )


def overdue_requests(today: dt.date | None = None) -> models.QuerySet[EvidenceRequest]:
    today = today or timezone.localdate()
    return EvidenceRequest.objects.filter(status=RequestStatus.OPEN, due_on__lt=today)


# Checks --------------------------------------------------------------------------------------


def _person(by: Any) -> Person | None:
    return by if isinstance(by, Person) else None


def _check_period(valid_from: dt.date | None, valid_until: dt.date | None) -> None:
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationError({"valid_until": [_("The end of validity cannot come before its start.")]})


def _check_content(kind: str, file: Any, url: str) -> None:
    """A file version needs a non-empty file under the upload limit, a link one an http(s) URL."""
    if kind == EvidenceKind.FILE:
        if url:
            raise ValidationError({"url": [_("This evidence is kept as files: upload a file, not a link.")]})
        if file is None:
            raise ValidationError({"file": [_("Upload the file.")]})
        size = getattr(file, "size", None)
        if size == 0:
            raise ValidationError({"file": [_("The file is empty.")]})
        if size is not None and size > file_services.upload_limit_bytes():
            raise ValidationError(
                {
                    "file": [
                        _("The file is larger than the upload limit of %(limit)s MB.")
                        % {"limit": file_services.upload_limit_bytes() // (1024 * 1024)}
                    ]
                }
            )
        return
    if file is not None:
        raise ValidationError({"file": [_("This evidence is a link: give its address, not a file.")]})
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in URL_SCHEMES or not parts.netloc:
        raise ValidationError({"url": [_("Give an http:// or https:// address.")]})


def _check_reach(
    by: Any,
    *,
    unit: OrgUnit | None = None,
    action: Action = Action.ADD,
    owner: Person | None = None,
    owner_field: str = "owner",
    objects: Iterable[tuple[str, models.Model | None]] = (),
) -> None:
    """Refuse a unit, person or linked object beyond the acting person's reach, by field."""
    person = _person(by)
    if person is None:
        return
    errors: dict[str, list[str]] = {}
    if unit is not None and not has_grant(person, Domain.COMPLIANCE, action, unit.path):
        errors["unit"] = [_("You do not manage compliance in this unit.")]
    if owner is not None and not can(person, Action.VIEW, owner):
        errors[owner_field] = [_("Person not found.")]
    for field, obj in objects:
        if obj is not None and not can(person, Action.VIEW, obj):
            errors[field] = [_("Not found.")]
    if errors:
        raise ValidationError(errors)


def _check_controls(by: Any, controls: list[AppliedControl]) -> None:
    person = _person(by)
    if person is None or not controls:
        return
    visible = set(
        restrict(AppliedControl.objects.filter(pk__in=[item.pk for item in controls]), person).values_list(
            "pk", flat=True
        )
    )
    missing = sorted(item.reference for item in controls if item.pk not in visible)
    if missing:
        raise ValidationError(
            {"controls": [_("Control not found: %(controls)s.") % {"controls": ", ".join(missing)}]}
        )


def _references(objects: Iterable[Any]) -> str:
    return ", ".join(sorted(str(getattr(item, "reference", item)) for item in objects))


@contextlib.contextmanager
def _removing_unreferenced_blobs() -> Iterator[list[str]]:
    """Collects the SHA-256 of files stored inside the block; when the block fails after
    the store wrote a blob, the blob is removed unless a row (already committed, or of
    another upload of the same content) still names it."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for sha256 in stored:
            if not StoredFile.objects.filter(sha256=sha256).exists():
                name = StoredFile(sha256=sha256, size=0).storage_name
                with contextlib.suppress(OSError):
                    default_storage.delete(name)
        raise


# Evidence ------------------------------------------------------------------------------------


def create_evidence(
    *,
    by: Any,
    name: str,
    unit: OrgUnit,
    owner: Person,
    kind: str = EvidenceKind.FILE,
    file: Any = None,
    filename: str = "",
    content_type: str = "",
    url: str = "",
    note: str = "",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    controls: Iterable[AppliedControl] = (),
    description: str = "",
    reference: str = "",
    reason: str = "",
    reach_checked: bool = False,
) -> Evidence:
    """Record a new piece of evidence with its version 1 (a stored file or a link).

    `reach_checked` is for callers that already decided the person may (the person asked
    by an evidence request creates the evidence the request is for)."""
    with _removing_unreferenced_blobs() as stored:
        return _create_evidence(
            stored,
            by=by,
            check_by=None if reach_checked else by,
            name=name,
            unit=unit,
            owner=owner,
            kind=kind,
            file=file,
            filename=filename,
            content_type=content_type,
            url=url,
            note=note,
            valid_from=valid_from,
            valid_until=valid_until,
            controls=list(controls),
            description=description,
            reference=reference,
            reason=reason,
        )


@transaction.atomic
def _create_evidence(
    stored: list[str],
    *,
    by: Any,
    check_by: Any,
    controls: list[AppliedControl],
    kind: str,
    file: Any,
    filename: str,
    content_type: str,
    url: str,
    note: str,
    valid_from: dt.date | None,
    valid_until: dt.date | None,
    reason: str,
    **fields: Any,
) -> Evidence:
    if kind not in EvidenceKind.values:
        raise ValidationError({"kind": [_("Choose a file or a link.")]})
    _check_content(kind, file, url)
    _check_period(valid_from, valid_until)
    _check_reach(check_by, unit=fields["unit"], owner=fields["owner"])
    _check_controls(check_by, controls)
    # The evidence row is validated and saved before its file is stored.
    evidence = create_numbered_record(Evidence, REFERENCE_PREFIX, by=by, reason=reason, kind=kind, **fields)
    if controls:
        evidence.controls.set(controls)
        audit.record(
            evidence, AuditAction.UPDATE, by=by, changes={CONTROL_CHANGES: [None, _references(controls)]}
        )
    _new_version(
        evidence,
        stored,
        by=by,
        file=file,
        filename=filename,
        content_type=content_type,
        url=url,
        note=note,
        valid_from=valid_from,
        valid_until=valid_until,
        number=1,
    )
    return evidence


def _new_version(
    evidence: Evidence,
    stored: list[str],
    *,
    by: Any,
    file: Any,
    filename: str,
    content_type: str,
    url: str,
    note: str,
    valid_from: dt.date | None,
    valid_until: dt.date | None,
    number: int,
) -> EvidenceVersion:
    added_by = _person(by) or evidence.owner
    attachment: Attachment | None = None
    sha256 = ""
    if evidence.kind == EvidenceKind.FILE:
        attachment = file_services.store_file(
            file,
            filename=filename or getattr(file, "name", "") or "",
            by=added_by,
            unit=evidence.unit,
            target=evidence,
            content_type=content_type or getattr(file, "content_type", "") or "",
            description=_("Version %(number)s of %(reference)s")
            % {"number": number, "reference": evidence.reference},
        )
        sha256 = attachment.stored_file.sha256
        stored.append(sha256)
    version = create_record(
        EvidenceVersion,
        by=by,
        evidence=evidence,
        number=number,
        attachment=attachment,
        sha256=sha256,
        url=(url or "").strip() if evidence.kind == EvidenceKind.LINK else "",
        note=note,
        valid_from=valid_from,
        valid_until=valid_until,
        added_by=added_by,
    )
    update_record(
        evidence,
        by=by,
        current_version=version,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    return version


def add_version(
    evidence: Evidence,
    *,
    by: Any,
    file: Any = None,
    filename: str = "",
    content_type: str = "",
    url: str = "",
    note: str = "",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> EvidenceVersion:
    """Add the next version of `evidence` (numbered under a row lock); it becomes the
    current one and its validity the evidence's."""
    _check_content(evidence.kind, file, url)
    _check_period(valid_from, valid_until)
    with _removing_unreferenced_blobs() as stored, transaction.atomic():
        locked = Evidence.objects.select_for_update().select_related("unit", "owner").get(pk=evidence.pk)
        last = locked.versions.aggregate(last=models.Max("number"))["last"] or 0
        version = _new_version(
            locked,
            stored,
            by=by,
            file=file,
            filename=filename,
            content_type=content_type,
            url=url,
            note=note,
            valid_from=valid_from,
            valid_until=valid_until,
            number=last + 1,
        )
    for name in ("current_version_id", "valid_from", "valid_until", "updated_at"):
        setattr(evidence, name, getattr(locked, name))
    return version


@transaction.atomic
def update_evidence(
    evidence: Evidence,
    *,
    by: Any,
    reason: str = "",
    controls: Iterable[AppliedControl] | None = None,
    **fields: Any,
) -> Evidence:
    """Change the name, description, owner or unit (the files' attachments move with the
    evidence), and replace the linked controls when `controls` is given."""
    unknown = set(fields) - EVIDENCE_FIELDS
    if unknown:
        raise TypeError(f"update_evidence() got unexpected fields {sorted(unknown)}")
    old_unit_id = evidence.unit_id
    new_unit = fields.get("unit")
    moving = new_unit is not None and new_unit.pk != old_unit_id
    new_owner = fields.get("owner")
    _check_reach(
        by,
        unit=new_unit if moving else None,
        action=Action.CHANGE,
        owner=new_owner if new_owner is not None and new_owner.pk != evidence.owner_id else None,
    )
    wanted = _with_hidden_controls(evidence, controls, by=by)
    if wanted is not None:
        linked = set(evidence.controls.values_list("pk", flat=True))
        _check_controls(by, [item for item in wanted if item.pk not in linked])
    evidence = update_record(evidence, by=by, reason=reason, **fields)
    if wanted is not None:
        current = list(evidence.controls.all())
        if {item.pk for item in current} != {item.pk for item in wanted}:
            evidence.controls.set(wanted)
            audit.record(
                evidence,
                AuditAction.UPDATE,
                by=by,
                changes={CONTROL_CHANGES: [_references(current) or None, _references(wanted) or None]},
                reason=reason,
            )
    if moving:
        attachment_ids = evidence.versions.exclude(attachment=None).values_list("attachment_id", flat=True)
        for attachment in Attachment.objects.filter(pk__in=list(attachment_ids)):
            update_record(attachment, by=by, reason=reason, unit=evidence.unit)
    return evidence


def _with_hidden_controls(
    evidence: Evidence, wanted: Iterable[AppliedControl] | None, *, by: Any
) -> list[AppliedControl] | None:
    """The controls to link: those given, plus linked ones the person cannot see (they
    could not have listed them, so they cannot mean to unlink them)."""
    if wanted is None:
        return None
    wanted = list(wanted)
    person = _person(by)
    if person is None:
        return wanted
    existing = list(evidence.controls.all())
    visible = set(
        restrict(AppliedControl.objects.filter(pk__in=[item.pk for item in existing]), person).values_list(
            "pk", flat=True
        )
    )
    given = {item.pk for item in wanted}
    return wanted + [item for item in existing if item.pk not in visible and item.pk not in given]


def usage_of(evidence: Evidence) -> tuple[int, int]:
    """(requirement results, control tests) that cite the evidence."""
    return evidence.requirement_results.count(), evidence.control_tests.count()


@transaction.atomic
def delete_evidence(evidence: Evidence, *, by: Any, reason: str = "") -> None:
    """Delete evidence recorded by mistake with its versions and files; refused while an
    assessment result or a control test cites it (the record would lose its proof)."""
    results, tests = usage_of(evidence)
    if results or tests:
        raise ValidationError(
            _(
                "%(evidence)s is cited by %(results)d assessment results and %(tests)d control tests; "
                "it cannot be deleted. Add a new version instead."
            )
            % {"evidence": evidence.reference, "results": results, "tests": tests}
        )
    versions = list(evidence.versions.select_related("attachment__stored_file"))
    attachments = [version.attachment for version in versions if version.attachment is not None]
    events = [
        audit.pending_for(
            item, AuditAction.DELETE, by=by, changes=audit.diff(audit.snapshot(item), {}), reason=reason
        )
        for item in versions
    ]
    audit.record_many(events)
    delete_record(evidence, by=by, reason=reason)
    for attachment in attachments:
        file_services.delete_attachment(attachment, by=by, reason=reason)


# Requests ------------------------------------------------------------------------------------


class RequestWorkflow(StateMachine):
    """An evidence request is open until fulfilled (by the person asked, or a manager) or
    cancelled (by whoever may delete it: the requesting side, not the person asked)."""

    states = RequestStatus
    field = "status"
    transitions = [
        Transition(
            "fulfil",
            source=[RequestStatus.OPEN],
            target=RequestStatus.FULFILLED,
            label=gettext_lazy("Fulfil"),
            permission=None,
        ),
        Transition(
            "cancel",
            source=[RequestStatus.OPEN],
            target=RequestStatus.CANCELLED,
            label=gettext_lazy("Cancel"),
            permission=None,
        ),
    ]


def _request_link(request: EvidenceRequest) -> str:
    return object_url("compliance.evidencerequest", request.pk) or ""


@transaction.atomic
def request_evidence(
    *,
    by: Any,
    assignee: Person,
    title: str,
    due_on: dt.date,
    unit: OrgUnit,
    description: str = "",
    control: AppliedControl | None = None,
    evidence: Evidence | None = None,
    requirement_result: RequirementResult | None = None,
    requested_by: Person | None = None,
    reason: str = "",
) -> EvidenceRequest:
    """Ask `assignee` for evidence by `due_on` (for a control, a new version of existing
    evidence, or a requirement result); the assignee is told."""
    requester = _person(by) or requested_by
    if requester is None:
        raise ValidationError({"requested_by": [_("Name who asks for the evidence.")]})
    if due_on is not None and _person(by) is not None and due_on < timezone.localdate():
        raise ValidationError({"due_on": [_("The due date cannot be in the past.")]})
    _check_reach(
        by,
        unit=unit,
        owner=assignee,
        owner_field="assignee",
        objects=[("control", control), ("evidence", evidence), ("requirement_result", requirement_result)],
    )
    request = create_record(
        EvidenceRequest,
        by=by,
        reason=reason,
        title=title,
        description=description,
        unit=unit,
        assignee=assignee,
        requested_by=requester,
        due_on=due_on,
        control=control,
        evidence=evidence,
        requirement_result=requirement_result,
    )
    notifications.notify(
        assignee,
        kinds.EVIDENCE_REQUESTED.code,
        title=format_lazy(gettext_lazy("Evidence requested: {title}"), title=request.title),
        body=format_lazy(
            gettext_lazy("{requester} asks you for evidence by {date}."),
            requester=requester.full_name,
            date=due_on.isoformat(),
        ),
        link=_request_link(request),
        target=request,
        dedupe_key=f"compliance.evidence-requested:{request.pk}",
    )
    return request


def fulfil_request(
    request: EvidenceRequest,
    *,
    by: Any,
    file: Any = None,
    filename: str = "",
    content_type: str = "",
    url: str = "",
    note: str = "",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    name: str = "",
    reason: str = "",
) -> EvidenceVersion:
    """Answer a request with a file or a link: a new version of the request's evidence, or
    new evidence (owned by the assignee, in the request's unit, linked to its control and
    requirement result). The request is then fulfilled and the requester told."""
    if request.status != RequestStatus.OPEN:
        raise ValidationError(_("This request is no longer open."))
    with transaction.atomic():
        evidence = request.evidence
        if evidence is not None:
            version = add_version(
                evidence,
                by=by,
                file=file,
                filename=filename,
                content_type=content_type,
                url=url,
                note=note,
                valid_from=valid_from,
                valid_until=valid_until,
            )
        else:
            evidence = create_evidence(
                by=by,
                name=(name or request.title).strip(),
                unit=request.unit,
                owner=request.assignee,
                kind=EvidenceKind.FILE if file is not None else EvidenceKind.LINK,
                file=file,
                filename=filename,
                content_type=content_type,
                url=url,
                note=note,
                valid_from=valid_from,
                valid_until=valid_until,
                controls=[request.control] if request.control is not None else [],
                description=request.description,
                reason=reason,
                reach_checked=True,
            )
            version = evidence.current_version  # type: ignore[assignment]
        if (
            request.requirement_result is not None
            and not request.requirement_result.evidence.filter(pk=evidence.pk).exists()
        ):
            request.requirement_result.evidence.add(evidence)
            audit.record(
                request.requirement_result,
                AuditAction.UPDATE,
                by=by,
                changes={"evidence_references": [None, evidence.reference]},
                reason=reason,
            )
        RequestWorkflow.apply(request, "fulfil", by=by, reason=reason)
        update_record(request, by=by, reason=reason, evidence=evidence, fulfilled_at=timezone.now())
    notifications.notify(
        request.requested_by,
        kinds.EVIDENCE_REQUEST_FULFILLED.code,
        title=format_lazy(gettext_lazy("Evidence delivered: {title}"), title=request.title),
        body=format_lazy(
            gettext_lazy("{assignee} delivered {evidence} version {number}."),
            assignee=request.assignee.full_name,
            evidence=evidence.reference,
            number=version.number,
        ),
        link=_request_link(request),
        target=request,
        dedupe_key=f"compliance.evidence-request-fulfilled:{request.pk}",
    )
    return version


@transaction.atomic
def cancel_request(request: EvidenceRequest, *, by: Any, reason: str = "") -> EvidenceRequest:
    """Withdraw an open request; the person asked is told."""
    if request.status != RequestStatus.OPEN:
        raise ValidationError(_("This request is no longer open."))
    RequestWorkflow.apply(request, "cancel", by=by, reason=reason)
    notifications.notify(
        request.assignee,
        kinds.EVIDENCE_REQUEST_CANCELLED.code,
        title=format_lazy(gettext_lazy("Evidence request cancelled: {title}"), title=request.title),
        body=reason,
        link=_request_link(request),
        target=request,
        dedupe_key=f"compliance.evidence-request-cancelled:{request.pk}",
    )
    return request
