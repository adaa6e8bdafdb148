"""Supplier access: starting an application on the standard or express path, recording
each stage of the full chain, the shortlist's publicity period and its objections, and
the decision. Every write to an application goes through here; the configuration of the
paths is in garrison.suppliers.services.access_config, and the reminders and lapse of
express access whose complete review was not done in time in
garrison.suppliers.services.access_express.

Each verb checks the person's reach (`require`: out of reach answers as missing), then
every rule at once, and writes in one transaction with its audit events; the refusals of
starting, moving on, approving and lodging an objection are kept in the audit trail
(`refusals_recorded`). Stage steps and decisions go through
garrison.suppliers.workflows_access.AccessWorkflow, whose guards say what stands in the way.
An approval qualifies the supplier through garrison.suppliers.services.classification.

With `by=None` (or an actor label such as "seed-demo") the system acts and the reach
checks are skipped; a stage outcome and an objection's resolution are always a person's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import is_system, require
from garrison.core.services import files as file_services
from garrison.core.services.notifications import notify
from garrison.core.services.references import save_numbered
from garrison.suppliers import notifications_access as kinds
from garrison.suppliers.models import (
    ACTIVE_APPLICATION_STATUSES,
    SUBSTANDARD_STATUSES,
    AccessApplication,
    AccessPath,
    AccessPathConfig,
    AccessStage,
    Objection,
    ObjectionStatus,
    StageOutcome,
    StageRecord,
    StatusChangeSource,
    Supplier,
    SupplierStatus,
)
from garrison.suppliers.services import classification
from garrison.suppliers.workflows_access import (
    AccessWorkflow,
    moment_text,
    next_stage,
    stage_label,
    step_name,
)
from garrison.web.links import object_url

REFERENCE_PREFIX = "ACC-"
# Clocks differ a little between the person's device and the server.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
TEXT_LIMIT = 300


def _application_url(application: AccessApplication) -> str:
    return object_url("suppliers.accessapplication", application.pk) or ""


def path_config(path: str) -> AccessPathConfig | None:
    return AccessPathConfig.objects.filter(path=path).first()


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _status_text(supplier: Supplier) -> str:
    return str(supplier.get_status_display()).lower()


# Starting ----------------------------------------------------------------------------------------


def active_application(supplier: Supplier) -> AccessApplication | None:
    return supplier.access_applications.filter(status__in=ACTIVE_APPLICATION_STATUSES).first()


def start_blockers(supplier: Supplier) -> list[str]:
    """Why `supplier` may not start any application now (for the supplier page's button)."""
    refusals = []
    running = active_application(supplier)
    if running is not None:
        refusals.append(
            _(
                "%(supplier)s already has an access application under way (%(reference)s); "
                "finish or withdraw it first."
            )
            % {"supplier": supplier.display_name, "reference": running.reference}
        )
    if supplier.status in SUBSTANDARD_STATUSES:
        refusals.append(
            _("%(supplier)s is %(status)s and cannot apply for access until its status changes.")
            % {"supplier": supplier.display_name, "status": _status_text(supplier)}
        )
    return refusals


def _check_start(
    supplier: Supplier,
    path: str,
    config: AccessPathConfig | None,
    justification: str,
    value: Any,
) -> None:
    errors: dict[str, list[str]] = {}
    blockers = start_blockers(supplier)
    if blockers:
        errors["supplier"] = blockers
    if path not in AccessPath.values:
        errors["path"] = [_("Choose standard or express access.")]
    elif config is None or not config.stages:
        errors["path"] = [
            _("%(path)s has no stages configured; ask whoever configures access paths.")
            % {"path": AccessPath(path).label}
        ]
    amount = _decimal(value)
    if value not in (None, "") and amount is None:
        errors["contract_value_cny"] = [_("Enter the expected contract value as a number.")]
    elif amount is not None and amount < 0:
        errors["contract_value_cny"] = [_("Enter zero or more.")]
    if path == AccessPath.EXPRESS and config is not None:
        if not justification:
            errors["justification"] = [
                _("Say why express access is needed: it is for urgent or low-value needs.")
            ]
        if supplier.status == SupplierStatus.QUALIFIED:
            errors.setdefault("path", []).append(
                _("%(supplier)s is already qualified; express access is for suppliers not yet qualified.")
                % {"supplier": supplier.display_name}
            )
        limit = config.value_limit_cny
        if limit is not None and "contract_value_cny" not in errors:
            if amount is None:
                errors["contract_value_cny"] = [
                    _("Give the expected contract value: express access is limited to %(limit)s CNY.")
                    % {"limit": _money(limit)}
                ]
            elif amount > limit:
                errors["contract_value_cny"] = [
                    _(
                        "Express access is limited to contracts up to %(limit)s CNY; %(value)s CNY is "
                        "above it. Use standard access."
                    )
                    % {"limit": _money(limit), "value": _money(amount)}
                ]
    if errors:
        raise ValidationError(errors)


def start_application(
    supplier: Supplier,
    *,
    by: Any,
    path: str,
    justification: str = "",
    contract_value_cny: Any = None,
    reason: str = "",
) -> AccessApplication:
    """Start `supplier` on `path`: the application copies the path's stages and required
    documents and stands at the first stage (ACC-000001 …)."""
    with audit.refusals_recorded(supplier, by=by, attempted="start access application"):
        return _start(
            supplier,
            by=by,
            path=path,
            justification=(justification or "").strip(),
            contract_value_cny=contract_value_cny,
            reason=reason,
        )


@transaction.atomic
def _start(
    supplier: Supplier, *, by: Any, path: str, justification: str, contract_value_cny: Any, reason: str
) -> AccessApplication:
    require(by, Action.CHANGE, supplier)
    # Lock the supplier: two applications started at once serialise, the second is refused.
    supplier = Supplier.objects.select_for_update(of=("self",)).select_related("unit").get(pk=supplier.pk)
    config = path_config(path)
    _check_start(supplier, path, config, justification, contract_value_cny)
    assert config is not None
    application = AccessApplication(
        supplier=supplier,
        path=path,
        status=config.stages[0],
        stages=list(config.stages),
        required_documents=list(config.required_documents or []),
        justification=justification,
        contract_value_cny=_decimal(contract_value_cny),
        requested_by=None if is_system(by) else by,
    )
    save_numbered(application, REFERENCE_PREFIX)
    audit.record(
        application,
        AuditAction.CREATE,
        by=by,
        changes=audit.diff({}, audit.snapshot(application)),
        reason=reason,
    )
    return application


# Stages ------------------------------------------------------------------------------------------


def _check_uploads(files: list[Any]) -> list[str]:
    refusals = []
    limit = file_services.upload_limit_bytes()
    for upload in files:
        name = getattr(upload, "name", "") or _("(no name)")
        size = getattr(upload, "size", None)
        if size == 0:
            refusals.append(_("%(file)s is empty.") % {"file": name})
        elif size is not None and size > limit:
            refusals.append(
                _("%(file)s is larger than the upload limit of %(limit)s MB.")
                % {"file": name, "limit": limit // (1024 * 1024)}
            )
    return refusals


def _ensure_active(application: AccessApplication, field: str = NON_FIELD_ERRORS) -> None:
    if application.status not in ACTIVE_APPLICATION_STATUSES:
        raise ValidationError(
            {
                field: [
                    _("%(reference)s is %(status)s; nothing more can be recorded on it.")
                    % {
                        "reference": application.reference,
                        "status": str(application.get_status_display()).lower(),
                    }
                ]
            }
        )


@transaction.atomic
def record_stage(
    application: AccessApplication,
    *,
    by: Any,
    outcome: str,
    notes: str = "",
    score: Any = None,
    evidence_files: Iterable[Any] = (),
) -> StageRecord:
    """Record the outcome of the application's current stage, once: who decided, when, on
    what evidence (files kept in the evidence store against the supplier). A failed stage
    needs its findings; it leaves only rejection open. Correcting a recorded outcome means
    rejecting and starting again."""
    require(by, Action.CHANGE, application)
    if is_system(by):
        raise ValidationError(_("A stage outcome is recorded by a person."))
    application = (
        AccessApplication.objects.select_for_update(of=("self",))
        .select_related("supplier__unit")
        .get(pk=application.pk)
    )
    _ensure_active(application)
    stage = application.status
    files = list(evidence_files or [])
    notes = (notes or "").strip()
    errors: dict[str, list[str]] = {}
    existing = application.stage_records.filter(stage=stage).select_related("decided_by").first()
    if existing is not None:
        errors[NON_FIELD_ERRORS] = [
            _("The outcome of %(stage)s is already recorded (%(outcome)s by %(person)s).")
            % {
                "stage": stage_label(stage),
                "outcome": str(existing.get_outcome_display()).lower(),
                "person": existing.decided_by,
            }
        ]
    if outcome not in StageOutcome.values:
        errors["outcome"] = [_("Choose passed or failed.")]
    elif outcome == StageOutcome.FAILED and not notes:
        errors["notes"] = [_("Say what the stage found: a failed stage needs its findings.")]
    amount = _decimal(score)
    if score not in (None, "") and (amount is None or not 0 <= amount <= 100):
        errors["score"] = [_("A score is a number from 0 to 100.")]
    upload_refusals = _check_uploads(files)
    if upload_refusals:
        errors["evidence_files"] = upload_refusals
    if errors:
        raise ValidationError(errors)
    supplier = application.supplier
    attachments = [
        file_services.store_file(
            upload,
            filename=getattr(upload, "name", "") or "",
            by=by,
            unit=supplier.unit,
            target=supplier,
            content_type=getattr(upload, "content_type", "") or "",
            description=_("Evidence of %(stage)s, %(reference)s")
            % {"stage": stage_label(stage), "reference": application.reference},
        )
        for upload in files
    ]
    record = StageRecord(
        application=application,
        stage=stage,
        outcome=outcome,
        notes=notes,
        score=amount,
        decided_by=by,
        decided_at=timezone.now(),
    )
    record.full_clean()
    record.save()
    record.evidence.set(attachments)
    changes = audit.diff({}, audit.snapshot(record))
    if attachments:
        changes["evidence"] = [None, [attachment.pk for attachment in attachments]]
    audit.record(record, AuditAction.CREATE, by=by, changes=changes)
    return record


def _publicity(application: AccessApplication, days: int, now: dt.datetime) -> None:
    application.publicity_starts_at = now
    application.publicity_ends_at = now + dt.timedelta(days=days)


def advance(application: AccessApplication, *, by: Any) -> AccessApplication:
    """Move the application on to the next stage configured for it; entering the
    shortlist announcement opens its publicity period (the path's publicity days)."""
    with audit.refusals_recorded(application, by=by, attempted="advance access application"):
        return _advance(application, by=by, publicity_days=None, shortlist_only=False)


def announce_shortlist(
    application: AccessApplication, *, by: Any, publicity_days: int | None = None
) -> AccessApplication:
    """Move on to the shortlist announcement, its publicity period lasting `publicity_days`
    (the path's configured days when not given)."""
    with audit.refusals_recorded(application, by=by, attempted="announce shortlist"):
        return _advance(application, by=by, publicity_days=publicity_days, shortlist_only=True)


@transaction.atomic
def _advance(
    application: AccessApplication, *, by: Any, publicity_days: int | None, shortlist_only: bool
) -> AccessApplication:
    require(by, Action.CHANGE, application)
    application.refresh_from_db()
    _ensure_active(application)
    target = next_stage(application)
    if target is None:
        raise ValidationError(
            _("%(stage)s is the last stage; approve or reject the application.")
            % {"stage": stage_label(application.status)}
        )
    announcing = target == AccessStage.SHORTLIST_ANNOUNCEMENT
    if shortlist_only and not announcing:
        raise ValidationError(
            _("The next stage is %(stage)s, not the shortlist announcement.") % {"stage": stage_label(target)}
        )
    if announcing:
        if publicity_days is None:
            config = path_config(application.path)
            publicity_days = config.publicity_days if config is not None else 0
        elif publicity_days < 1:
            raise ValidationError({"publicity_days": [_("A publicity period lasts at least one day.")]})
    AccessWorkflow.apply(application, step_name(target), by=by)
    if announcing:
        before = audit.snapshot(application)
        _publicity(application, int(publicity_days or 0), timezone.now())
        application.save(update_fields=["publicity_starts_at", "publicity_ends_at", "updated_at"])
        audit.record(
            application, AuditAction.UPDATE, by=by, changes=audit.diff(before, audit.snapshot(application))
        )
    return application


# Objections --------------------------------------------------------------------------------------


def lodge_objection(
    application: AccessApplication,
    *,
    by: Any,
    objector: str,
    grounds: str,
    contact: str = "",
    lodged_at: dt.datetime | None = None,
) -> Objection:
    """Record an objection lodged during the shortlist's publicity period; it must be
    resolved before final selection. The applicant's requester is told."""
    with audit.refusals_recorded(application, by=by, attempted="lodge objection"):
        return _lodge(
            application, by=by, objector=objector, grounds=grounds, contact=contact, lodged_at=lodged_at
        )


@transaction.atomic
def _lodge(
    application: AccessApplication,
    *,
    by: Any,
    objector: str,
    grounds: str,
    contact: str,
    lodged_at: dt.datetime | None,
) -> Objection:
    require(by, Action.CHANGE, application)
    application.refresh_from_db()
    now = timezone.now()
    moment = lodged_at or now
    objector, grounds, contact = (objector or "").strip(), (grounds or "").strip(), (contact or "").strip()
    errors: dict[str, list[str]] = {}
    if not objector:
        errors["objector"] = [_("Name who lodged the objection.")]
    if not grounds:
        errors["grounds"] = [_("Give the grounds of the objection.")]
    if timezone.is_naive(moment):
        errors["lodged_at"] = [_("Give the date and time of the objection with its time zone.")]
    elif moment > now + FUTURE_TOLERANCE:
        errors["lodged_at"] = [_("An objection cannot be lodged in the future.")]
    elif application.status != AccessStage.SHORTLIST_ANNOUNCEMENT:
        errors[NON_FIELD_ERRORS] = [
            _(
                "Objections are lodged during the shortlist announcement's publicity period; "
                "%(reference)s is at %(status)s."
            )
            % {"reference": application.reference, "status": application.get_status_display()}
        ]
    else:
        starts, ends = application.publicity_starts_at, application.publicity_ends_at
        if starts is None or ends is None or not starts <= moment <= ends:
            errors["lodged_at"] = [
                _(
                    "Objections are lodged during the publicity period (%(start)s to %(end)s); "
                    "this one is outside it."
                )
                % {
                    "start": moment_text(starts) if starts else "—",
                    "end": moment_text(ends) if ends else "—",
                }
            ]
    if len(objector) > TEXT_LIMIT:
        errors["objector"] = [_("At most %(limit)d characters.") % {"limit": TEXT_LIMIT}]
    if len(contact) > TEXT_LIMIT:
        errors["contact"] = [_("At most %(limit)d characters.") % {"limit": TEXT_LIMIT}]
    if errors:
        raise ValidationError(errors)
    objection = Objection(
        application=application,
        objector=objector,
        contact=contact,
        grounds=grounds,
        lodged_at=moment,
        recorded_by=None if is_system(by) else by,
    )
    objection.full_clean()
    objection.save()
    audit.record(objection, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(objection)))
    requester = application.requested_by
    if requester is not None and getattr(by, "pk", None) != requester.pk:
        notify(
            requester,
            kinds.OBJECTION_LODGED.code,
            title=format_lazy(
                gettext_lazy("Objection to the shortlist of {application}"), application=application.reference
            ),
            body=grounds,
            link=_application_url(application),
            target=application,
        )
    return objection


@transaction.atomic
def resolve_objection(objection: Objection, *, by: Any, upheld: bool, resolution: str) -> Objection:
    """Uphold or dismiss an open objection, saying why. An upheld objection means the
    application cannot be approved: it is to be rejected."""
    require(by, Action.CHANGE, objection)
    if is_system(by):
        raise ValidationError(_("An objection is resolved by a person."))
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    resolution = (resolution or "").strip()
    errors: dict[str, list[str]] = {}
    if objection.status != ObjectionStatus.OPEN:
        errors[NON_FIELD_ERRORS] = [
            _("This objection is already resolved (%(status)s).")
            % {"status": str(objection.get_status_display()).lower()}
        ]
    if not resolution:
        errors["resolution"] = [_("Say how the objection was resolved and why.")]
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(objection)
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.resolution = resolution
    objection.resolved_by = by
    objection.resolved_at = timezone.now()
    objection.save()
    audit.record(objection, AuditAction.UPDATE, by=by, changes=audit.diff(before, audit.snapshot(objection)))
    return objection


# Decisions ---------------------------------------------------------------------------------------


def _tell_decision(application: AccessApplication, by: Any, title: Any, body: str = "") -> None:
    recipients = {
        person.pk: person
        for person in (application.requested_by, application.supplier.manager)
        if person is not None and person.pk != getattr(by, "pk", None)
    }
    for person in recipients.values():
        notify(
            person,
            kinds.ACCESS_DECIDED.code,
            title=title,
            body=body,
            link=_application_url(application),
            target=application,
        )


def approve_application(application: AccessApplication, *, by: Any, reason: str = "") -> AccessApplication:
    """Approve an application whose final selection passed: the supplier is qualified on
    its path (express until the complete review is due; a standard approval completes the
    review of a supplier on express access)."""
    with audit.refusals_recorded(application, by=by, attempted="approve access application"):
        return _approve(application, by=by, reason=(reason or "").strip())


@transaction.atomic
def _approve(application: AccessApplication, *, by: Any, reason: str) -> AccessApplication:
    require(by, Action.CHANGE, application)
    AccessWorkflow.apply(application, "approve", by=by, reason=reason)
    application.refresh_from_db()
    now = timezone.now()
    today = organisation_today(now)
    before = audit.snapshot(application)
    application.decided_at = now
    if application.path == AccessPath.EXPRESS:
        config = path_config(AccessPath.EXPRESS)
        days = config.full_review_days if config is not None and config.full_review_days else 90
        application.full_review_due = today + dt.timedelta(days=days)
    application.save(update_fields=["decided_at", "full_review_due", "updated_at"])
    audit.record(
        application, AuditAction.UPDATE, by=by, changes=audit.diff(before, audit.snapshot(application))
    )

    supplier = Supplier.objects.select_for_update().get(pk=application.supplier_id)
    supplier_before = audit.snapshot(supplier)
    supplier.access_path = application.path
    supplier.qualified_at = now
    supplier.full_review_due = application.full_review_due if application.path == AccessPath.EXPRESS else None
    supplier.save(update_fields=["access_path", "qualified_at", "full_review_due", "updated_at"])
    audit.record(
        supplier,
        AuditAction.UPDATE,
        by=by,
        changes=audit.diff(supplier_before, audit.snapshot(supplier)),
        reason=_("Access approved: %(reference)s") % {"reference": application.reference},
    )
    if supplier.status != SupplierStatus.QUALIFIED:
        classification.set_status_by_system(
            supplier,
            SupplierStatus.QUALIFIED,
            source=StatusChangeSource.ACCESS,
            reason=_("%(path)s approved: %(reference)s")
            % {"path": application.get_path_display(), "reference": application.reference},
            by=by,
        )
    application.supplier = supplier
    _tell_decision(
        application,
        by,
        format_lazy(
            gettext_lazy("Access approved: {application} for {supplier}"),
            application=application.reference,
            supplier=supplier.display_name,
        ),
        reason,
    )
    return application


@transaction.atomic
def _decide(application: AccessApplication, step: str, *, by: Any, reason: str) -> AccessApplication:
    require(by, Action.CHANGE, application)
    AccessWorkflow.apply(application, step, by=by, reason=reason)
    before = audit.snapshot(application)
    application.decided_at = timezone.now()
    application.save(update_fields=["decided_at", "updated_at"])
    audit.record(
        application, AuditAction.UPDATE, by=by, changes=audit.diff(before, audit.snapshot(application))
    )
    return application


def reject_application(application: AccessApplication, *, by: Any, reason: str) -> AccessApplication:
    """Reject an application under way (a failed stage, an upheld objection …), saying why."""
    application = _decide(application, "reject", by=by, reason=reason)
    _tell_decision(
        application,
        by,
        format_lazy(gettext_lazy("Access rejected: {application}"), application=application.reference),
        reason,
    )
    return application


def withdraw_application(application: AccessApplication, *, by: Any, reason: str) -> AccessApplication:
    """Withdraw an application under way (the need went away), saying why."""
    return _decide(application, "withdraw", by=by, reason=reason)
