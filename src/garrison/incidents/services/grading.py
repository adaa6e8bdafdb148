"""The grading assistant and the grade decision of a case, and the grading thresholds.

`apply_proposal` derives the proposed grade and its basis from the case's facts with the
thresholds in force on the day the case was discovered (in the organisation's time
zone); the handler then confirms the proposal or overrides it with a reason
(`confirm_grade`), and the case's reporting obligations follow.

Thresholds are organisation-wide settings: only an Administrator (CHANGE on the
organisation over every tree) adds, changes, retires or deletes one. After any change,
open cases whose grade is not confirmed yet are graded again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import has_grant_everywhere, is_system, require
from garrison.core.services.records import create_record, delete_record, update_record
from garrison.incidents import grading
from garrison.incidents.models import (
    ADMINISTRATOR_SCOPE,
    OPEN_STATUSES,
    Grade,
    GradingMetric,
    GradingThreshold,
    Incident,
    TimelineKind,
)
from garrison.incidents.services import obligations, timeline

LOCAL_URN_PREFIX = "urn:garrison:local:grading-threshold"
THRESHOLD_FIELDS = frozenset(
    {"metric", "threshold", "grade", "source", "effective_from", "effective_until", "notes"}
)


# The proposal ----------------------------------------------------------------------------------


def facts_of(incident: Incident) -> dict[str, Decimal]:
    """The case's facts the grading guide sets thresholds on, by metric."""
    return {metric: Decimal(str(getattr(incident, metric) or 0)) for metric in grading.METRICS}


def grading_date(incident: Incident) -> dt.date:
    """The day whose thresholds apply: the discovery date where the organisation works."""
    return organisation_today(incident.discovered_at) if incident.discovered_at else organisation_today()


def thresholds_in_force(on: dt.date) -> list[grading.Threshold]:
    rows = GradingThreshold.objects.filter(effective_from__lte=on).filter(
        Q(effective_until__isnull=True) | Q(effective_until__gte=on)
    )
    return [
        grading.Threshold(
            metric=row.metric,
            threshold=row.threshold,
            grade=row.grade,
            source=row.source,
            effective_from=row.effective_from,
            effective_until=row.effective_until,
        )
        for row in rows.order_by("metric", "threshold", "pk")
    ]


def proposal_for(incident: Incident) -> grading.Proposal:
    on = grading_date(incident)
    return grading.propose_grade(facts_of(incident), thresholds_in_force(on), on)


def apply_proposal(incident: Incident) -> None:
    """Set `incident.proposed_grade` and `grading_basis` from its facts (not saved)."""
    proposal = proposal_for(incident)
    incident.proposed_grade = proposal.grade
    incident.grading_basis = proposal.basis_data()


def basis_lines(incident: Incident) -> list[dict[str, Any]]:
    """The stored basis with the metric and grade labels a person reads."""
    metrics = dict(GradingMetric.choices)
    grades = dict(Grade.choices)
    lines = []
    for line in incident.grading_basis or []:
        if not isinstance(line, dict):
            continue
        lines.append(
            {
                **line,
                "metric_label": metrics.get(line.get("metric", ""), line.get("metric", "")),
                "grade_label": grades.get(line.get("grade", ""), line.get("grade", "")),
            }
        )
    return lines


# The grade decision ----------------------------------------------------------------------------


def _grade_label(grade: str) -> str:
    return str(dict(Grade.choices).get(grade, grade))


@transaction.atomic
def confirm_grade(
    incident: Incident, *, grade: str, by: Any, reason: str = "", now: dt.datetime | None = None
) -> Incident:
    """The handler confirms the proposed grade, or overrides it, giving a reason.

    The proposal is brought up to date with the facts first, so that "override" means a
    grade other than the one the facts reach now."""
    require(by, Action.CHANGE, incident)
    reason = (reason or "").strip()
    if grade not in Grade.values:
        raise ValidationError({"grade": [_("Choose one of the four grades.")]})
    apply_proposal(incident)
    proposed = incident.proposed_grade
    if grade != proposed and not reason:
        raise ValidationError(
            {
                "reason": [
                    _("Give the reason for a grade other than the proposed one (%(grade)s).")
                    % {"grade": _grade_label(proposed)}
                ]
            }
        )
    moment = now or timezone.now()
    # Fetch the stored values first: the proposal set above must show in the audit diff.
    stored = Incident.objects.get(pk=incident.pk)
    update_record(
        stored,
        by=by,
        reason=reason,
        proposed_grade=incident.proposed_grade,
        grading_basis=incident.grading_basis,
        grade=grade,
        grade_reason=reason,
        grade_confirmed_by=None if is_system(by) else by,
        grade_confirmed_at=moment,
    )
    for name in ("grade", "grade_reason", "grade_confirmed_by", "grade_confirmed_at", "updated_at"):
        setattr(incident, name, getattr(stored, name))
    if grade == proposed:
        description = _("Grade confirmed: %(grade)s.") % {"grade": _grade_label(grade)}
    else:
        description = _("Grade set to %(grade)s instead of the proposed %(proposed)s: %(reason)s") % {
            "grade": _grade_label(grade),
            "proposed": _grade_label(proposed),
            "reason": reason,
        }
    timeline.note(incident, TimelineKind.DECISION, description, by=by, at=moment)
    obligations.recompute_obligations(incident, by=by, now=moment)
    return incident


@transaction.atomic
def repropose_open_cases(*, by: Any) -> list[Incident]:
    """Grade again every open case whose grade is not confirmed; the cases whose proposal
    changed are saved (audited, with a timeline note) and their obligations recomputed."""
    changed = []
    for incident in Incident.objects.filter(status__in=OPEN_STATUSES, grade="").order_by("pk"):
        before = (incident.proposed_grade, incident.grading_basis)
        previous_grade = incident.proposed_grade
        apply_proposal(incident)
        if (incident.proposed_grade, incident.grading_basis) == before:
            continue
        incident.save(update_fields=["proposed_grade", "grading_basis", "updated_at"])
        audit.record(
            incident,
            AuditAction.UPDATE,
            by=by,
            changes={
                "proposed_grade": [before[0], incident.proposed_grade],
                "grading_basis": [before[1], incident.grading_basis],
            },
            reason=_("The grading thresholds changed."),
        )
        if incident.proposed_grade != previous_grade:
            timeline.note(
                incident,
                TimelineKind.DECISION,
                _("Proposed grade changed from %(before)s to %(after)s: the grading thresholds changed.")
                % {
                    "before": _grade_label(previous_grade) or "—",
                    "after": _grade_label(incident.proposed_grade),
                },
                by=by,
            )
        obligations.recompute_obligations(incident, by=by)
        changed.append(incident)
    return changed


# Thresholds ------------------------------------------------------------------------------------


def may_edit_thresholds(person: Any) -> bool:
    """Whether `person` may add, change, retire or delete grading thresholds: an
    organisation-wide setting, so the CHANGE grant over every organisation tree."""
    return is_system(person) or has_grant_everywhere(person, ADMINISTRATOR_SCOPE.domain, Action.CHANGE)


def _require_editor(by: Any) -> None:
    if not may_edit_thresholds(by):
        raise PermissionDenied(_("Only an Administrator changes the grading thresholds."))


def _check(item: GradingThreshold) -> None:
    errors: dict[str, list[str]] = {}
    if isinstance(item.threshold, Decimal | int | float) and Decimal(str(item.threshold)) <= 0:
        errors["threshold"] = [_("The threshold must be greater than zero.")]
    if item.grade == Grade.GENERAL:
        errors["grade"] = [_("A threshold raises a case above General: choose a higher grade.")]
    start, end = item.effective_from, item.effective_until
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        errors["effective_until"] = [_("The end date cannot be before the date the threshold takes effect.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_threshold(*, by: Any, reason: str = "", **fields: Any) -> GradingThreshold:
    """Add a threshold of the organisation's own (not from a library)."""
    _require_editor(by)
    unknown = set(fields) - THRESHOLD_FIELDS
    if unknown:
        raise TypeError(f"create_threshold() got unexpected fields {sorted(unknown)}")
    _check(GradingThreshold(**fields))
    item = create_record(
        GradingThreshold, by=by, reason=reason, urn=f"{LOCAL_URN_PREFIX}:{uuid.uuid4().hex}", **fields
    )
    repropose_open_cases(by=by)
    return item


@transaction.atomic
def update_threshold(item: GradingThreshold, *, by: Any, reason: str = "", **fields: Any) -> GradingThreshold:
    """Change a threshold. A threshold of a library keeps the change until a newer version
    of the library is loaded (retire it and add your own to change it for good)."""
    _require_editor(by)
    unknown = set(fields) - THRESHOLD_FIELDS
    if unknown:
        raise TypeError(f"update_threshold() got unexpected fields {sorted(unknown)}")
    values = {name: getattr(item, name) for name in THRESHOLD_FIELDS}
    _check(GradingThreshold(**{**values, **fields}))
    before = audit.snapshot(item)
    update_record(item, by=by, reason=reason, **fields)
    if audit.snapshot(item) != before:
        repropose_open_cases(by=by)
    return item


def retire_threshold(
    item: GradingThreshold, *, by: Any, effective_until: dt.date, reason: str = ""
) -> GradingThreshold:
    """End a threshold: it applies to cases discovered up to and including `effective_until`."""
    return update_threshold(item, by=by, reason=reason, effective_until=effective_until)


@transaction.atomic
def delete_threshold(item: GradingThreshold, *, by: Any, reason: str = "") -> None:
    """Remove a threshold added in Garrison by mistake; a library's threshold is retired instead."""
    _require_editor(by)
    if item.library_urn:
        raise ValidationError(
            {
                "effective_until": [
                    _("A threshold of a library is retired (give it an end date), not deleted.")
                ]
            }
        )
    delete_record(item, by=by, reason=reason)
    repropose_open_cases(by=by)
