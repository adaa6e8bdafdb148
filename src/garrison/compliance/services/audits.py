"""Audits, findings and corrective actions (issue 4): every write goes through here.

An audit (AUD-) moves through `AuditWorkflow`; its findings (NC-) through
`FindingWorkflow`, whose status follows the corrective actions: the first action
plans the finding, the last one done sends it to verification, and verification of
effectiveness closes it or opens it again. `open_nonconformity` is also how a failed
control test raises its nonconformity.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.compliance import notifications_audits as kinds
from garrison.compliance.models import (
    OPEN_CORRECTIVE_STATUSES,
    Audit,
    AuditStatus,
    ControlTest,
    CorrectiveAction,
    CorrectiveActionStatus,
    Finding,
    FindingKind,
    FindingStatus,
)
from garrison.compliance.workflows import AuditWorkflow, FindingWorkflow
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import can, has_grant, is_system, restrict
from garrison.core.services.notifications import notify
from garrison.core.services.records import create_record, delete_record, update_record
from garrison.core.services.references import create_numbered_record
from garrison.web.links import object_url

AUDIT_REFERENCE_PREFIX = "AUD-"
FINDING_REFERENCE_PREFIX = "NC-"

AUDIT_FIELDS = frozenset(
    {
        "title",
        "kind",
        "unit",
        "lead",
        "auditing_body",
        "framework",
        "assessment",
        "scope_description",
        "starts_on",
        "ends_on",
        "summary",
    }
)
FINDING_FIELDS = frozenset(
    {"title", "description", "kind", "owner", "requirement", "control", "root_cause", "due_on"}
)
ACTION_FIELDS = frozenset({"title", "description", "owner", "due_on", "status"})


# Checks shared by the writes --------------------------------------------------------------------


def _check_person(person: Person | None, *, by: Any, field: str) -> None:
    """A person picked by `by` must be one they may see (so no id can be probed)."""
    if person is None or is_system(by):
        return
    if not restrict(Person.objects.filter(pk=person.pk), by, Action.VIEW).exists():
        raise ValidationError({field: [_("Person not found.")]})


def _check_unit(unit: OrgUnit | None, *, by: Any, action: Action) -> None:
    if unit is None or is_system(by):
        return
    if not has_grant(by, Domain.COMPLIANCE, action, unit.path):
        raise ValidationError({"unit": [_("Unit not found.")]})


def _check_dates(starts_on: dt.date | None, ends_on: dt.date | None) -> None:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": [_("The audit cannot end before it starts.")]})


def _unknown(fields: dict[str, Any], allowed: frozenset[str], function: str) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"{function}() got unexpected fields {sorted(unknown)}")


# Audits ----------------------------------------------------------------------------------------


@transaction.atomic
def create_audit(*, by: Any, reason: str = "", reference: str = "", **fields: Any) -> Audit:
    """Plan an audit of a unit, led by `lead`; numbered AUD-000001 unless a reference is given."""
    _unknown(fields, AUDIT_FIELDS, "create_audit")
    _check_unit(fields.get("unit"), by=by, action=Action.ADD)
    _check_person(fields.get("lead"), by=by, field="lead")
    _check_dates(fields.get("starts_on"), fields.get("ends_on"))
    return create_numbered_record(
        Audit, AUDIT_REFERENCE_PREFIX, by=by, reason=reason, reference=reference, **fields
    )


@transaction.atomic
def update_audit(audit: Audit, *, by: Any, reason: str = "", **fields: Any) -> Audit:
    """Change what an audit covers, who leads it and when; its status moves only by
    `transition_audit`."""
    _unknown(fields, AUDIT_FIELDS, "update_audit")
    if not is_system(by) and not can(by, Action.CHANGE, audit):
        raise Http404
    if "unit" in fields and fields["unit"] is not None and fields["unit"].pk != audit.unit_id:
        _check_unit(fields["unit"], by=by, action=Action.CHANGE)
    if "lead" in fields and fields["lead"] is not None and fields["lead"].pk != audit.lead_id:
        _check_person(fields["lead"], by=by, field="lead")
    _check_dates(fields.get("starts_on", audit.starts_on), fields.get("ends_on", audit.ends_on))
    return update_record(audit, by=by, reason=reason, **fields)


@transaction.atomic
def delete_audit(audit: Audit, *, by: Any, reason: str = "") -> None:
    """Delete an audit planned by mistake. An audit with findings stays on record."""
    if not is_system(by) and not can(by, Action.DELETE, audit):
        raise Http404
    count = audit.findings.count()
    if count:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _("This audit has %(count)d findings and stays on record; close it instead.")
                    % {"count": count}
                ]
            }
        )
    delete_record(audit, by=by, reason=reason)


def transition_audit(audit: Audit, name: str, *, by: Any, reason: str = "") -> Audit:
    """Take a step of the audit's workflow: start, report, resume or close."""
    AuditWorkflow.apply(audit, name, by=by, reason=reason)
    return audit


# Findings --------------------------------------------------------------------------------------


@transaction.atomic
def raise_finding(*, by: Any, reason: str = "", **fields: Any) -> Finding:
    """Create a finding (an audit's, or one on its own) and give it its NC- reference."""
    fields.setdefault("raised_on", timezone.localdate())
    return create_numbered_record(Finding, FINDING_REFERENCE_PREFIX, by=by, reason=reason, **fields)


@transaction.atomic
def raise_audit_finding(audit: Audit, *, by: Any, reason: str = "", **fields: Any) -> Finding:
    """Record what an audit found, in the audit's unit unless another is given; the
    owner is told. Findings are raised during fieldwork and reporting only."""
    _unknown(fields, FINDING_FIELDS | {"unit", "raised_on", "reference"}, "raise_audit_finding")
    if not is_system(by) and not can(by, Action.CHANGE, audit):
        raise Http404
    if audit.status not in (AuditStatus.IN_PROGRESS, AuditStatus.REPORTING):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _("Findings are raised while the audit is in progress or reporting; it is %(status)s.")
                    % {"status": audit.get_status_display()}
                ]
            }
        )
    unit = fields.pop("unit", None) or audit.unit
    if unit.pk != audit.unit_id:
        _check_unit(unit, by=by, action=Action.ADD)
    _check_person(fields.get("owner"), by=by, field="owner")
    finding = raise_finding(by=by, reason=reason, audit=audit, unit=unit, **fields)
    if finding.owner_id != getattr(by, "pk", None):
        notify(
            finding.owner,
            kinds.FINDING_ASSIGNED.code,
            title=format_lazy(gettext_lazy("Audit finding for you: {finding}"), finding=str(finding)),
            body=finding.description,
            link=_finding_link(finding),
            target=finding,
            dedupe_key=f"compliance.finding-assigned:{finding.pk}",
        )
    return finding


@transaction.atomic
def open_nonconformity(test: ControlTest, *, by: Any, due_on: dt.date | None = None) -> Finding:
    """The minor nonconformity a failed control test opens, owned by the control's owner
    in the control's unit; returns the existing one when the test already has it."""
    existing = Finding.objects.filter(control_test=test).first()
    if existing is not None:
        return existing
    control = test.control
    return raise_finding(
        by=by,
        title=f"{control.reference} {control.name}"[:300],
        description=test.notes,
        kind=FindingKind.MINOR,
        unit=control.unit,
        owner=control.owner,
        control=control,
        control_test=test,
        due_on=due_on,
    )


@transaction.atomic
def update_finding(finding: Finding, *, by: Any, reason: str = "", **fields: Any) -> Finding:
    """Change a finding's wording, kind, owner, root cause or due date (not once closed)."""
    _unknown(fields, FINDING_FIELDS, "update_finding")
    if not is_system(by) and not can(by, Action.CHANGE, finding):
        raise Http404
    if finding.status == FindingStatus.CLOSED:
        raise ValidationError({NON_FIELD_ERRORS: [_("A closed finding is kept as it was closed.")]})
    if "owner" in fields and fields["owner"] is not None and fields["owner"].pk != finding.owner_id:
        _check_person(fields["owner"], by=by, field="owner")
    return update_record(finding, by=by, reason=reason, **fields)


@transaction.atomic
def delete_finding(finding: Finding, *, by: Any, reason: str = "") -> None:
    """Delete a finding raised by mistake: only while open and without corrective actions."""
    if not is_system(by) and not can(by, Action.DELETE, finding):
        raise Http404
    if finding.status != FindingStatus.OPEN or finding.corrective_actions.exists():
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("Only an open finding without corrective actions can be deleted.")]}
        )
    delete_record(finding, by=by, reason=reason)


def _record_verification(
    finding: Finding, *, by: Any, is_effective: bool | None, notes: str, reason: str
) -> None:
    update_record(
        finding,
        by=by,
        reason=reason,
        verified_on=timezone.localdate(),
        verified_by=by if isinstance(by, Person) else None,
        is_effective=is_effective,
        verification_notes=notes,
    )


def verify_finding(finding: Finding, *, by: Any, effective: bool, notes: str = "") -> Finding:
    """Record whether the corrective actions worked. Effective: the finding closes.
    Not effective (say why in `notes`): it opens again and its owner is told."""
    notes = (notes or "").strip()
    if not effective and not notes:
        raise ValidationError({"notes": [_("Say why the corrective actions were not effective.")]})
    with transaction.atomic():
        FindingWorkflow.apply(finding, "verify" if effective else "reopen", by=by, reason=notes)
        finding.refresh_from_db()
        _record_verification(finding, by=by, is_effective=effective, notes=notes, reason=notes)
    return finding


def close_finding(finding: Finding, *, by: Any, notes: str) -> Finding:
    """Close an observation or an opportunity for improvement with a note, without
    corrective actions (or once they are all done or cancelled)."""
    notes = (notes or "").strip()
    if not notes:
        raise ValidationError({"notes": [_("Say why the finding is closed.")]})
    with transaction.atomic():
        FindingWorkflow.apply(finding, "close", by=by, reason=notes)
        finding.refresh_from_db()
        _record_verification(finding, by=by, is_effective=None, notes=notes, reason=notes)
    return finding


def _settle_finding(finding_id: int, *, by: Any) -> None:
    """Move the finding as its corrective actions stand: planned while one is open,
    to verification once every action is done or cancelled with at least one done,
    back to open when every action was cancelled."""
    finding = Finding.objects.select_related("audit__lead", "control_test", "owner").get(pk=finding_id)
    if finding.status == FindingStatus.CLOSED:
        return
    statuses = set(finding.corrective_actions.values_list("status", flat=True))
    has_open = bool(statuses & set(OPEN_CORRECTIVE_STATUSES))
    has_done = CorrectiveActionStatus.DONE in statuses
    step = None
    if has_open and finding.status in (FindingStatus.OPEN, FindingStatus.VERIFYING):
        step = "plan"
    elif not has_open and has_done and finding.status == FindingStatus.ACTION_PLANNED:
        step = "submit"
    elif not has_open and not has_done and finding.status == FindingStatus.ACTION_PLANNED:
        step = "unplan"
    if step is not None:
        FindingWorkflow.apply(finding, step, by=by)


def _finding_link(finding: Finding) -> str:
    return object_url("compliance.finding", finding.pk) or ""


# Corrective actions ----------------------------------------------------------------------------


def _settle_completion(status: str, completed_on: dt.date | None) -> dt.date | None:
    if status == CorrectiveActionStatus.DONE:
        completed_on = completed_on or timezone.localdate()
        if completed_on > timezone.localdate():
            raise ValidationError({"completed_on": [_("An action cannot be completed in the future.")]})
        return completed_on
    return None


@transaction.atomic
def add_corrective_action(
    finding: Finding,
    *,
    by: Any,
    title: str,
    owner: Person,
    due_on: dt.date,
    description: str = "",
    status: str = CorrectiveActionStatus.PLANNED,
    reason: str = "",
) -> CorrectiveAction:
    """Plan a corrective action for a finding, owed by `owner` by `due_on`; the first
    one moves the finding to "action planned"."""
    if not is_system(by) and not can(by, Action.CHANGE, finding):
        raise Http404
    if finding.status == FindingStatus.CLOSED:
        raise ValidationError({NON_FIELD_ERRORS: [_("The finding is closed; it needs no more actions.")]})
    if status not in OPEN_CORRECTIVE_STATUSES:
        raise ValidationError({"status": [_("A new corrective action is planned or in progress.")]})
    if due_on is None:
        raise ValidationError({"due_on": [_("Give the date the action is due.")]})
    _check_person(owner, by=by, field="owner")
    action = create_record(
        CorrectiveAction,
        by=by,
        reason=reason,
        finding=finding,
        title=title,
        description=description,
        owner=owner,
        due_on=due_on,
        status=status,
    )
    _settle_finding(finding.pk, by=by)
    finding.refresh_from_db()
    if owner.pk != getattr(by, "pk", None):
        notify(
            owner,
            kinds.CORRECTIVE_ACTION_ASSIGNED.code,
            title=format_lazy(gettext_lazy("Corrective action for you: {action}"), action=title),
            body=format_lazy(
                gettext_lazy("For the finding {finding}, due on {date}."),
                finding=str(finding),
                date=due_on.isoformat(),
            ),
            link=_finding_link(finding),
            target=action,
            dedupe_key=f"compliance.corrective-action-assigned:{action.pk}",
        )
    return action


def _check_changeable(action: CorrectiveAction, *, by: Any) -> None:
    if not is_system(by) and not can(by, Action.CHANGE, action):
        raise Http404
    if action.status not in OPEN_CORRECTIVE_STATUSES:
        raise ValidationError(
            {
                "status": [
                    _("This action is %(status)s and stays so.") % {"status": action.get_status_display()}
                ]
            }
        )


@transaction.atomic
def update_corrective_action(
    action: CorrectiveAction, *, by: Any, reason: str = "", **fields: Any
) -> CorrectiveAction:
    """Change an open action: its wording, owner, due date, or planned ↔ in progress.
    Completing and cancelling have their own verbs."""
    _unknown(fields, ACTION_FIELDS, "update_corrective_action")
    _check_changeable(action, by=by)
    if "status" in fields and fields["status"] not in OPEN_CORRECTIVE_STATUSES:
        raise ValidationError(
            {"status": [_("Here an action is planned or in progress; mark it done or cancel it instead.")]}
        )
    if "owner" in fields and fields["owner"] is not None and fields["owner"].pk != action.owner_id:
        _check_person(fields["owner"], by=by, field="owner")
    if "due_on" in fields and fields["due_on"] is None:
        raise ValidationError({"due_on": [_("Give the date the action is due.")]})
    return update_record(action, by=by, reason=reason, **fields)


@transaction.atomic
def complete_corrective_action(
    action: CorrectiveAction, *, by: Any, completed_on: dt.date | None = None, reason: str = ""
) -> CorrectiveAction:
    """Mark an action done (today unless another day is given); the last one done
    sends the finding to verification and its verifier is told."""
    _check_changeable(action, by=by)
    update_record(
        action,
        by=by,
        reason=reason,
        status=CorrectiveActionStatus.DONE,
        completed_on=_settle_completion(CorrectiveActionStatus.DONE, completed_on),
    )
    _settle_finding(action.finding_id, by=by)
    return action


@transaction.atomic
def cancel_corrective_action(action: CorrectiveAction, *, by: Any, reason: str) -> CorrectiveAction:
    """Drop an action that is no longer needed, saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the action is cancelled.")]})
    _check_changeable(action, by=by)
    update_record(action, by=by, reason=reason, status=CorrectiveActionStatus.CANCELLED, completed_on=None)
    _settle_finding(action.finding_id, by=by)
    return action
