"""Assessments (issue 4): a framework assessed over a unit, one result per assessable
requirement, and the coverage and score of every node of the framework's tree.

Every write is validated, atomic and audited. With `by=None` or a string the system acts
(the demo, the console, mapping inference) and the reach checks are skipped; a person is
held to their reach, and an object out of it answers Http404 exactly like a missing one.

Other parts call these functions (mapping inference confirms results through
`confirm_inferred`; the reports read `coverage`): their names and keywords are stable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from garrison.compliance import scoring
from garrison.compliance.models import (
    AppliedControl,
    Assessment,
    AssessmentStatus,
    Evidence,
    Framework,
    RequirementNode,
    RequirementResult,
    Result,
)
from garrison.core import audit
from garrison.core.models import OrgUnit, Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, is_system, require, restrict
from garrison.core.services.records import delete_record, update_record
from garrison.core.services.references import save_numbered
from garrison.core.workflow import StateMachine, Transition

REFERENCE_PREFIX = "ASM-"
BULK_BATCH_SIZE = 1000
# Fields `update_assessment` may change: the framework decided which results exist, the
# status moves only through the workflow.
CHANGEABLE_FIELDS = frozenset({"name", "unit", "scope_description", "lead", "starts_on", "due_on"})
# Audit keys of the many-to-many links of a result: not field names, because the history
# page reads a field's values as the ids of single objects.
CONTROL_CHANGES = "control_references"
EVIDENCE_CHANGES = "evidence_references"


def _person(by: Any) -> Person | None:
    return by if isinstance(by, Person) else None


def _refuse_if_completed(assessment: Assessment) -> None:
    if assessment.status == AssessmentStatus.COMPLETED:
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("This assessment is completed; reopen it to change it.")]},
            code="completed",
        )


# The workflow -----------------------------------------------------------------------------------


def unassessed_count(assessment: Assessment) -> int:
    """Results not assessed yet, inferred results waiting for a confirmation included."""
    rows = RequirementResult.objects.filter(assessment=assessment)
    return rows.filter(models.Q(result=Result.NOT_ASSESSED) | models.Q(is_inferred=True)).count()


def _all_assessed(assessment: Assessment, by: Any) -> bool | str:
    missing = unassessed_count(assessment)
    if not missing:
        return True
    return ngettext(
        "%(count)d requirement is not assessed yet (unconfirmed inferred results count as not assessed).",
        "%(count)d requirements are not assessed yet (unconfirmed inferred results count as not assessed).",
        missing,
    ) % {"count": missing}


class AssessmentWorkflow(StateMachine):
    """Planned → in progress → completed, and back to in progress to correct it. The
    services check the person's reach themselves, since the system may act too."""

    states = AssessmentStatus
    field = "status"
    transitions = (
        Transition(
            "start",
            source=[AssessmentStatus.PLANNED],
            target=AssessmentStatus.IN_PROGRESS,
            label=gettext_lazy("Start"),
            permission=None,
        ),
        Transition(
            "complete",
            source=[AssessmentStatus.IN_PROGRESS],
            target=AssessmentStatus.COMPLETED,
            label=gettext_lazy("Complete"),
            guard=_all_assessed,
            permission=None,
        ),
        Transition(
            "reopen",
            source=[AssessmentStatus.COMPLETED],
            target=AssessmentStatus.IN_PROGRESS,
            label=gettext_lazy("Reopen"),
            requires_reason=True,
            permission=None,
        ),
    )


# Assessments ------------------------------------------------------------------------------------


def _check_reach(
    by: Any, *, action: Action, unit: OrgUnit | None, lead: Person | None, framework: Framework | None
) -> None:
    """Refuse a unit, lead or framework beyond the person's reach, naming each field."""
    if is_system(by):
        return
    errors: dict[str, list[str]] = {}
    if unit is not None and not has_grant(by, Domain.COMPLIANCE, action, unit.path):
        errors["unit"] = [_("Unit not found.")]
    if lead is not None and not restrict(Person.objects.filter(pk=lead.pk), by).exists():
        errors["lead"] = [_("Person not found.")]
    if framework is not None and not restrict(Framework.objects.filter(pk=framework.pk), by).exists():
        errors["framework"] = [_("Framework not found.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_assessment(
    *,
    by: Any,
    framework: Framework,
    unit: OrgUnit,
    name: str,
    lead: Person,
    scope_description: str = "",
    status: str = AssessmentStatus.IN_PROGRESS,
    starts_on: dt.date | None = None,
    due_on: dt.date | None = None,
    reference: str = "",
    reason: str = "",
) -> Assessment:
    """Open an assessment of `framework` over `unit`, with one not-assessed result per
    assessable requirement (written in bulk) and one audit event saying how many."""
    _check_reach(by, action=Action.ADD, unit=unit, lead=lead, framework=framework)
    if status == AssessmentStatus.COMPLETED:
        raise ValidationError({"status": [_("A new assessment is planned or in progress.")]})
    _check_dates(starts_on, due_on)
    assessment = Assessment(
        reference=reference or "",
        name=name,
        framework=framework,
        unit=unit,
        lead=lead,
        scope_description=scope_description,
        status=status,
        starts_on=starts_on,
        due_on=due_on,
    )
    save_numbered(assessment, REFERENCE_PREFIX)
    requirement_ids = list(
        RequirementNode.objects.filter(framework=framework, is_assessable=True)
        .order_by("order", "pk")
        .values_list("pk", flat=True)
    )
    RequirementResult.objects.bulk_create(
        [RequirementResult(assessment=assessment, requirement_id=pk) for pk in requirement_ids],
        batch_size=BULK_BATCH_SIZE,
    )
    changes = audit.diff({}, audit.snapshot(assessment))
    changes["result_count"] = [None, len(requirement_ids)]
    audit.record(assessment, AuditAction.CREATE, by=by, changes=changes, reason=reason)
    return assessment


def _check_dates(starts_on: dt.date | None, due_on: dt.date | None) -> None:
    if starts_on and due_on and due_on < starts_on:
        raise ValidationError({"due_on": [_("The due date cannot come before the start.")]})


@transaction.atomic
def update_assessment(assessment: Assessment, *, by: Any, reason: str = "", **fields: Any) -> Assessment:
    """Change an assessment's name, unit, scope, lead or dates (not while completed)."""
    unknown = set(fields) - CHANGEABLE_FIELDS
    if unknown:
        raise TypeError(f"update_assessment() got unexpected fields {sorted(unknown)}")
    require(by, Action.CHANGE, assessment)
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _refuse_if_completed(locked)
    unit = fields.get("unit")
    lead = fields.get("lead")
    _check_reach(
        by,
        action=Action.CHANGE,
        unit=unit if unit is not None and unit.pk != assessment.unit_id else None,
        lead=lead if lead is not None and lead.pk != assessment.lead_id else None,
        framework=None,
    )
    _check_dates(fields.get("starts_on", assessment.starts_on), fields.get("due_on", assessment.due_on))
    return update_record(assessment, by=by, reason=reason, **fields)


def _transition(assessment: Assessment, name: str, *, by: Any, reason: str = "") -> Assessment:
    require(by, Action.CHANGE, assessment)
    AssessmentWorkflow.apply(assessment, name, by=by, reason=reason)
    return assessment


def start_assessment(assessment: Assessment, *, by: Any, reason: str = "") -> Assessment:
    return _transition(assessment, "start", by=by, reason=reason)


@transaction.atomic
def complete_assessment(assessment: Assessment, *, by: Any, reason: str = "") -> Assessment:
    """Complete the assessment; refused, saying how many, while results are not assessed."""
    _transition(assessment, "complete", by=by, reason=reason)
    assessment.completed_at = timezone.now()
    Assessment.objects.filter(pk=assessment.pk).update(completed_at=assessment.completed_at)
    return assessment


@transaction.atomic
def reopen_assessment(assessment: Assessment, *, by: Any, reason: str) -> Assessment:
    _transition(assessment, "reopen", by=by, reason=reason)
    assessment.completed_at = None
    Assessment.objects.filter(pk=assessment.pk).update(completed_at=None)
    return assessment


STATUS_CHANGES = {
    "start": start_assessment,
    "complete": complete_assessment,
    "reopen": reopen_assessment,
}


def change_status(assessment: Assessment, transition: str, *, by: Any, reason: str = "") -> Assessment:
    """Take the workflow step named `transition` (start, complete, reopen)."""
    step = STATUS_CHANGES.get(transition)
    if step is None:
        AssessmentWorkflow.transition_named(transition)  # raises the translated error
        raise Http404
    return step(assessment, by=by, reason=reason)


def delete_assessment(assessment: Assessment, *, by: Any, reason: str = "") -> None:
    """Delete an assessment with its results (certificates keep their record, unlinked)."""
    require(by, Action.DELETE, assessment)
    delete_record(assessment, by=by, reason=reason)


# Results ----------------------------------------------------------------------------------------


def _links_snapshot(row: RequirementResult) -> dict[str, Any]:
    values = audit.snapshot(row)
    if row.pk is not None:
        values[CONTROL_CHANGES] = ", ".join(sorted(row.controls.values_list("reference", flat=True))) or None
        values[EVIDENCE_CHANGES] = ", ".join(sorted(row.evidence.values_list("reference", flat=True))) or None
    return values


def _invisible(model: type[models.Model], by: Any, objects: list[Any]) -> list[str]:
    """The objects among `objects` the person may not see, by name (sorted)."""
    wanted = {obj.pk: obj for obj in objects}
    if not wanted or is_system(by):
        return []
    seen = set(
        restrict(model._default_manager.filter(pk__in=wanted), by, Action.VIEW).values_list("pk", flat=True)
    )
    return sorted(str(getattr(obj, "reference", obj)) for pk, obj in wanted.items() if pk not in seen)


@transaction.atomic
def set_result(
    result_row: RequirementResult,
    *,
    by: Any,
    result: str,
    justification: str = "",
    controls: Iterable[AppliedControl] | None = None,
    evidence: Iterable[Evidence] | None = None,
    reason: str = "",
) -> RequirementResult:
    """Give a requirement its result, with the controls and evidence behind it.

    Not applicable needs a justification; the controls and evidence must be visible to
    the person (None leaves the links as they are). A result set by a person is theirs:
    it is no longer an inferred proposal.
    """
    require(by, Action.CHANGE, result_row)
    row = RequirementResult.objects.select_for_update().select_related("assessment").get(pk=result_row.pk)
    _refuse_if_completed(row.assessment)
    justification = (justification or "").strip()
    errors: dict[str, list[str]] = {}
    if result not in Result.values:
        errors["result"] = [_("Choose one of the results offered.")]
    elif result == Result.NOT_APPLICABLE and not justification:
        errors["justification"] = [_("Say why this requirement does not apply.")]
    control_list = list(controls) if controls is not None else None
    evidence_list = list(evidence) if evidence is not None else None
    missing = _invisible(AppliedControl, by, control_list or [])
    if missing:
        errors["controls"] = [_("Control not found: %(controls)s.") % {"controls": ", ".join(missing)}]
    missing = _invisible(Evidence, by, evidence_list or [])
    if missing:
        errors["evidence"] = [_("Evidence not found: %(evidence)s.") % {"evidence": ", ".join(missing)}]
    if errors:
        raise ValidationError(errors)
    before = _links_snapshot(row)
    row.result = result
    row.justification = justification
    row.is_inferred = False
    assessed = result != Result.NOT_ASSESSED
    row.assessed_by = _person(by) if assessed else None
    row.assessed_at = timezone.now() if assessed else None
    row.full_clean()
    row.save()
    if control_list is not None:
        row.controls.set([*control_list, *_hidden_links(row.controls.all(), by)])
    if evidence_list is not None:
        row.evidence.set([*evidence_list, *_hidden_links(row.evidence.all(), by)])
    changes = audit.diff(before, _links_snapshot(row))
    changes.pop("assessed_at", None)
    if changes:
        audit.record(row, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    _copy_fields(row, result_row)
    return result_row


def _hidden_links(linked: models.QuerySet[Any], by: Any) -> list[Any]:
    """The linked objects the person may not see: a change they make keeps them."""
    if is_system(by):
        return []
    visible = restrict(linked.model._default_manager.filter(pk__in=linked.values("pk")), by, Action.VIEW)
    return list(linked.exclude(pk__in=visible.values("pk")))


def _copy_fields(source: RequirementResult, target: RequirementResult) -> None:
    for name in ("result", "justification", "is_inferred", "assessed_by_id", "assessed_at", "updated_at"):
        setattr(target, name, getattr(source, name))


@transaction.atomic
def confirm_inferred(result_row: RequirementResult, *, by: Any, reason: str = "") -> RequirementResult:
    """Accept an inferred result as the person's own: it counts from now on."""
    require(by, Action.CHANGE, result_row)
    row = RequirementResult.objects.select_for_update().select_related("assessment").get(pk=result_row.pk)
    _refuse_if_completed(row.assessment)
    if not row.is_inferred:
        raise ValidationError({NON_FIELD_ERRORS: [_("This result is not an inferred one.")]})
    if row.result == Result.NOT_APPLICABLE and not row.justification.strip():
        raise ValidationError(
            {"justification": [_("Say why this requirement does not apply before confirming it.")]}
        )
    before = audit.snapshot(row)
    row.is_inferred = False
    row.assessed_by = _person(by)
    row.assessed_at = timezone.now()
    row.save(update_fields=["is_inferred", "assessed_by", "assessed_at", "updated_at"])
    changes = audit.diff(before, audit.snapshot(row))
    changes.pop("assessed_at", None)
    note = reason or _("Inferred result confirmed.")
    audit.record(row, AuditAction.UPDATE, by=by, changes=changes, reason=note)
    _copy_fields(row, result_row)
    return result_row


@transaction.atomic
def confirm_all_inferred(assessment: Assessment, *, by: Any, reason: str = "") -> int:
    """Confirm every inferred result of the assessment the person may change; returns
    how many. Not-applicable proposals without a justification stay to be looked at."""
    require(by, Action.CHANGE, assessment)
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _refuse_if_completed(locked)
    rows = RequirementResult.objects.filter(assessment=assessment, is_inferred=True)
    if not is_system(by):
        rows = restrict(rows, by, Action.CHANGE)
    rows = rows.exclude(result=Result.NOT_APPLICABLE, justification="")
    confirmed = list(rows.select_related("requirement", "assessment__unit").order_by("pk"))
    if not confirmed:
        return 0
    now = timezone.now()
    person = _person(by)
    RequirementResult.objects.filter(pk__in=[row.pk for row in confirmed]).update(
        is_inferred=False, assessed_by=person, assessed_at=now, updated_at=now
    )
    note = reason or _("Inferred result confirmed with all others of the assessment.")
    events = []
    for row in confirmed:
        changes: dict[str, Any] = {"is_inferred": [True, False]}
        if row.assessed_by_id != (person.pk if person else None):
            changes["assessed_by"] = [row.assessed_by_id, person.pk if person else None]
        events.append(audit.pending_for(row, AuditAction.UPDATE, by=by, changes=changes, reason=note))
    audit.record_many(events)
    return len(confirmed)


# Coverage ---------------------------------------------------------------------------------------


def assessment_coverage(assessment: Assessment) -> scoring.Coverage:
    """Every node's coverage and score, and the whole framework's: two queries of plain
    values, however many requirements (the benchmark times this)."""
    tree = RequirementNode.objects.filter(framework_id=assessment.framework_id).values_list(
        "pk", "parent_id", "is_assessable"
    )
    results = {
        requirement_id: (result, is_inferred)
        for requirement_id, result, is_inferred in RequirementResult.objects.filter(
            assessment_id=assessment.pk
        ).values_list("requirement_id", "result", "is_inferred")
    }
    return scoring.roll_up(tree.iterator(chunk_size=5000), results)


def coverage(assessment: Assessment) -> dict[int, scoring.NodeScore]:
    """Each requirement node's figures by node id (see garrison.compliance.scoring)."""
    return assessment_coverage(assessment).nodes
