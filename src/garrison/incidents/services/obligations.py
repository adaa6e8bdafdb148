"""A case's reporting obligations, kept in step with its grade, status and facts.

`recompute_obligations` asks the rules (garrison.incidents.obligations) what the case
owes now and brings the rows in line: pending rows follow the rules, rows the rules
dropped become "no longer required" with the reason, rows the rules derive again come
back; submitted and waived rows are history and never change. Every change is audited,
so the audit trail shows how a re-grade moved the clocks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.scoping import require, restrict
from garrison.core.services.records import update_record
from garrison.incidents import obligations as rules
from garrison.incidents.models import (
    FINISHED_STATUSES,
    CustomReportingRule,
    Grade,
    Incident,
    IncidentStatus,
    ObligationKind,
    ObligationStatus,
    ReportingObligation,
)
from garrison.incidents.services.profile import get_profile, recipient_names

# Fields of a row that follow the rules while it is pending.
DERIVED_FIELDS = ("kind", "recipient", "due_at", "without_delay", "content", "basis", "grade")


def custom_rules() -> list[rules.CustomRule]:
    return [
        rules.CustomRule(
            id=rule.pk,
            name=rule.name,
            recipient=rule.recipient,
            minimum_grade=rule.minimum_grade,
            deadline_hours=rule.deadline_hours,
            only_with_personal_information_breach=rule.only_with_personal_information_breach,
            content=rule.content,
            basis=rule.basis,
            is_active=rule.is_active,
        )
        for rule in CustomReportingRule.objects.filter(is_active=True)
    ]


def facts_of(incident: Incident, operator_kind: str) -> rules.CaseFacts:
    return rules.CaseFacts(
        operator_kind=operator_kind,
        grade=incident.effective_grade,
        status=incident.status,
        discovered_at=incident.discovered_at,
        handling_ended_at=incident.handling_ended_at,
        personal_information_breach=incident.personal_information_breach,
        personal_information_people=incident.personal_information_people,
    )


def derive_for(incident: Incident) -> list[rules.ObligationSpec]:
    """What the rules derive for the case now, with the profile's recipient names."""
    profile = get_profile()
    return rules.derive(facts_of(incident, profile.operator_kind), recipient_names(profile), custom_rules())


def _values(spec: rules.ObligationSpec, grade: str) -> dict[str, Any]:
    return {
        "kind": spec.kind,
        "recipient": spec.recipient[:300],
        "due_at": spec.due_at,
        "without_delay": spec.without_delay,
        "content": spec.content,
        "basis": spec.basis[:300],
        "grade": grade,
    }


def _situation(incident: Incident) -> str:
    """The grade and status, in the words of a superseded row's reason."""
    grade = incident.effective_grade
    grade_label = Grade(grade).label if grade in Grade.values else _("not graded")
    return _("Not required at grade %(grade)s, status %(status)s.") % {
        "grade": grade_label,
        "status": IncidentStatus(incident.status).label,
    }


@transaction.atomic
def recompute_obligations(incident: Incident, *, by: Any, now: dt.datetime | None = None) -> None:
    """Bring the case's reporting obligations in step with its grade, status and facts."""
    specs = {spec.code: spec for spec in derive_for(incident)}
    grade = incident.effective_grade
    rows = list(incident.obligations.select_for_update().order_by("pk"))
    by_code: dict[str, list[ReportingObligation]] = {}
    for row in rows:
        by_code.setdefault(row.code, []).append(row)
    reason = _("Recomputed from the case: grade %(grade)s, status %(status)s.") % {
        "grade": Grade(grade).label if grade in Grade.values else _("not graded"),
        "status": IncidentStatus(incident.status).label,
    }
    for code, spec in specs.items():
        existing = by_code.get(code, [])
        if any(row.status in (ObligationStatus.SUBMITTED, ObligationStatus.WAIVED) for row in existing):
            continue  # done with: a later re-grade does not reopen it
        values = _values(spec, grade)
        live = next((row for row in existing if row.status == ObligationStatus.PENDING), None)
        if live is None and existing:
            live = existing[-1]
            values.update(status=ObligationStatus.PENDING, status_reason="")
        if live is None:
            created = ReportingObligation(incident=incident, code=code, **values)
            created.full_clean()
            created.save()
            audit.record(
                created,
                AuditAction.CREATE,
                by=by,
                changes=audit.diff({}, audit.snapshot(created)),
                reason=reason,
            )
            continue
        if live.due_at != values["due_at"]:
            # A moved deadline starts its reminders and escalations afresh.
            values.update(overdue_notified_at=None, escalation_level=0)
        update_record(live, by=by, reason=reason, **values)
    superseded_reason = _situation(incident)
    for row in rows:
        if (
            row.status == ObligationStatus.PENDING
            and row.code not in specs
            and not row.code.startswith(rules.MANUAL_CODE_PREFIX)
        ):
            update_record(
                row,
                by=by,
                reason=reason,
                status=ObligationStatus.SUPERSEDED,
                status_reason=superseded_reason,
            )


def recompute_open_cases(*, by: Any) -> int:
    """Recompute every case not finished, and every case with a pending obligation
    (after a change of the profile or of the organisation's own rules)."""
    incidents = Incident.objects.filter(
        models.Q(status__in=[status for status in IncidentStatus if status not in FINISHED_STATUSES])
        | models.Q(obligations__status=ObligationStatus.PENDING)
    ).distinct()
    count = 0
    for incident in incidents.iterator(chunk_size=500):
        recompute_obligations(incident, by=by)
        count += 1
    return count


def _next_supplementary_code(incident: Incident) -> str:
    codes = incident.obligations.filter(code__startswith=rules.MANUAL_CODE_PREFIX).values_list(
        "code", flat=True
    )
    numbers = [int(code.removeprefix(rules.MANUAL_CODE_PREFIX)) for code in codes if code[-1:].isdigit()]
    return f"{rules.MANUAL_CODE_PREFIX}{max(numbers, default=0) + 1}"


@transaction.atomic
def add_supplementary_obligation(
    incident: Incident,
    *,
    by: Any,
    recipient: str,
    due_at: dt.datetime | None,
    content: str,
    basis: str = "",
) -> ReportingObligation:
    """A supplementary report owed because material new facts emerged (added by hand;
    recomputation never supersedes it)."""
    require(by, Action.CHANGE, incident)
    errors: dict[str, list[str]] = {}
    if not (recipient or "").strip():
        errors["recipient"] = [_("Name the recipient of the supplementary report.")]
    if due_at is None:
        errors["due_at"] = [_("Give the time the supplementary report is due.")]
    if not (content or "").strip():
        errors["content"] = [_("Say which new facts the supplementary report covers.")]
    if errors:
        raise ValidationError(errors)
    obligation = ReportingObligation(
        incident=incident,
        code=_next_supplementary_code(incident),
        kind=ObligationKind.SUPPLEMENTARY,
        recipient=recipient.strip(),
        due_at=due_at,
        content=content.strip(),
        basis=basis or f"{rules.MEASURES}, supplementary report",
        grade=incident.effective_grade,
    )
    obligation.full_clean()
    obligation.save()
    audit.record(obligation, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(obligation)))
    return obligation


@transaction.atomic
def waive_obligation(obligation: ReportingObligation, *, by: Any, reason: str) -> ReportingObligation:
    """Record that a pending obligation is not to be met, and why (the reason is required)."""
    require(by, Action.CHANGE, obligation.incident)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the obligation is waived.")]})
    if obligation.status != ObligationStatus.PENDING:
        raise ValidationError({"status": [_("Only a pending obligation can be waived.")]})
    return update_record(
        obligation,
        by=by,
        reason=reason.strip(),
        status=ObligationStatus.WAIVED,
        status_reason=reason.strip(),
    )


def obligations_due(
    person: Any, *, within: dt.timedelta | None = dt.timedelta(hours=24), now: dt.datetime | None = None
) -> models.QuerySet[ReportingObligation]:
    """Pending obligations the person may see that are due within `within` of now, the
    overdue ones included, soonest first (`within` None: every pending one with a due time)."""
    moment = now or timezone.now()
    queryset = ReportingObligation.objects.filter(status=ObligationStatus.PENDING, due_at__isnull=False)
    if within is not None:
        queryset = queryset.filter(due_at__lte=moment + within)
    return restrict(queryset, person, Action.VIEW).select_related("incident").order_by("due_at", "pk")


def is_overdue(obligation: ReportingObligation, now: dt.datetime) -> bool:
    return (
        obligation.status == ObligationStatus.PENDING
        and obligation.due_at is not None
        and obligation.due_at < now
    )


def was_on_time(obligation: ReportingObligation) -> bool | None:
    """For a submitted obligation: whether it was sent by its due time (None: no deadline)."""
    if obligation.satisfied_at is None or obligation.due_at is None:
        return None
    return obligation.satisfied_at <= obligation.due_at
