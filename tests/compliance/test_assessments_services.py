"""The assessment services: bulk creation, results, inferred results, status steps,
coverage, and the reach of the person acting."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from garrison.compliance.models import Assessment, AssessmentStatus, RequirementResult, Result
from garrison.compliance.services import assessments as services
from garrison.core.models import AuditEvent
from tests.compliance import assessments_support as support
from tests.compliance.assessments_support import make_control, make_evidence, result_of

pytestmark = pytest.mark.django_db

# The shared fixtures, made visible to this module's tests.
assessment = support.assessment
library = support.library
manager = support.manager
shanghai_manager = support.shanghai_manager


def test_it_creates_one_result_per_assessable_requirement_and_one_event(
    library: Any, organisation: Any, manager: Any
) -> None:
    before = AuditEvent.objects.count()
    created = services.create_assessment(
        by=manager, framework=library.iso, unit=organisation.beijing, lead=manager, name="ISO"
    )
    assert created.reference == f"ASM-{created.pk:06d}"
    assert set(created.results.values_list("requirement_id", flat=True)) == {
        library.policy_document.pk,
        library.policy_review.pk,
        library.screening.pk,
    }
    assert set(created.results.values_list("result", flat=True)) == {Result.NOT_ASSESSED}
    events = AuditEvent.objects.order_by("sequence")[before:]
    assert [(event.object_type, event.changes["result_count"][1]) for event in events] == [
        ("compliance.assessment", 3)
    ]
    assert events[0].changes["reference"][1] == created.reference


def test_it_refuses_a_unit_beyond_the_managers_reach(library: Any, organisation: Any, manager: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.create_assessment(
            by=manager, framework=library.iso, unit=organisation.shanghai, lead=manager, name="ISO"
        )
    assert "unit" in error.value.message_dict
    assert not Assessment.objects.exists()


def test_not_applicable_needs_a_justification(assessment: Any, library: Any, manager: Any) -> None:
    row = result_of(assessment, library.screening)
    with pytest.raises(ValidationError) as error:
        services.set_result(row, by=manager, result=Result.NOT_APPLICABLE, justification="  ")
    assert "justification" in error.value.message_dict
    row.refresh_from_db()
    assert row.result == Result.NOT_ASSESSED
    services.set_result(row, by=manager, result=Result.NOT_APPLICABLE, justification="No hiring here.")
    row.refresh_from_db()
    assert (row.result, row.justification, row.assessed_by) == (
        Result.NOT_APPLICABLE,
        "No hiring here.",
        manager,
    )


def test_setting_a_result_links_visible_controls_and_evidence_and_is_audited(
    assessment: Any, library: Any, organisation: Any, manager: Any
) -> None:
    control = make_control(organisation.beijing, manager, "CTL-1")
    evidence = make_evidence(organisation.beijing_ops, manager, "EVD-1")
    row = result_of(assessment, library.policy_document)
    row.is_inferred = True
    row.save()
    services.set_result(
        row, by=manager, result=Result.COMPLIANT, controls=[control], evidence=[evidence], reason="Checked."
    )
    row.refresh_from_db()
    assert row.is_inferred is False
    assert list(row.controls.all()) == [control]
    assert list(row.evidence.all()) == [evidence]
    event = AuditEvent.objects.filter(object_type="compliance.requirementresult").latest("sequence")
    assert event.changes["result"] == [Result.NOT_ASSESSED, Result.COMPLIANT]
    assert event.changes["control_references"] == [None, "CTL-1"]
    assert event.reason == "Checked."


def test_it_refuses_controls_and_evidence_the_person_cannot_see(
    assessment: Any, library: Any, organisation: Any, manager: Any, shanghai_manager: Any
) -> None:
    foreign_control = make_control(organisation.shanghai, shanghai_manager, "CTL-SH")
    foreign_evidence = make_evidence(organisation.shanghai, shanghai_manager, "EVD-SH")
    row = result_of(assessment, library.policy_document)
    with pytest.raises(ValidationError) as error:
        services.set_result(
            row, by=manager, result=Result.COMPLIANT, controls=[foreign_control], evidence=[foreign_evidence]
        )
    assert set(error.value.message_dict) == {"controls", "evidence"}
    assert "CTL-SH" in error.value.message_dict["controls"][0]
    row.refresh_from_db()
    assert row.result == Result.NOT_ASSESSED
    assert not row.controls.exists()


def test_a_change_keeps_links_the_person_cannot_see(
    assessment: Any, library: Any, organisation: Any, manager: Any, shanghai_manager: Any
) -> None:
    foreign = make_control(organisation.shanghai, shanghai_manager, "CTL-SH")
    own = make_control(organisation.beijing, manager, "CTL-BJ")
    row = result_of(assessment, library.policy_document)
    row.controls.add(foreign)
    services.set_result(row, by=manager, result=Result.PARTIAL, controls=[own])
    assert set(row.controls.values_list("reference", flat=True)) == {"CTL-SH", "CTL-BJ"}


def test_a_person_out_of_reach_cannot_set_a_result(
    assessment: Any, library: Any, shanghai_manager: Any
) -> None:
    row = result_of(assessment, library.policy_document)
    with pytest.raises(Http404):
        services.set_result(row, by=shanghai_manager, result=Result.COMPLIANT)
    row.refresh_from_db()
    assert row.result == Result.NOT_ASSESSED


def test_confirming_an_inferred_result_makes_it_count(assessment: Any, library: Any, manager: Any) -> None:
    row = result_of(assessment, library.policy_document)
    RequirementResult.objects.filter(pk=row.pk).update(result=Result.COMPLIANT, is_inferred=True)
    assert services.assessment_coverage(assessment).total.compliant == 0
    row.refresh_from_db()
    services.confirm_inferred(row, by=manager)
    row.refresh_from_db()
    assert (row.is_inferred, row.assessed_by) == (False, manager)
    assert services.assessment_coverage(assessment).total.compliant == 1
    with pytest.raises(ValidationError):
        services.confirm_inferred(row, by=manager)


def test_confirm_all_confirms_every_inferred_result_except_unjustified_not_applicable(
    assessment: Any, library: Any, manager: Any
) -> None:
    rows = assessment.results.order_by("requirement__order")
    RequirementResult.objects.filter(pk=rows[0].pk).update(result=Result.COMPLIANT, is_inferred=True)
    RequirementResult.objects.filter(pk=rows[1].pk).update(result=Result.PARTIAL, is_inferred=True)
    RequirementResult.objects.filter(pk=rows[2].pk).update(result=Result.NOT_APPLICABLE, is_inferred=True)
    before = AuditEvent.objects.count()
    assert services.confirm_all_inferred(assessment, by=manager) == 2
    assert AuditEvent.objects.count() == before + 2
    assert list(assessment.results.filter(is_inferred=True).values_list("result", flat=True)) == [
        Result.NOT_APPLICABLE
    ]


def test_completing_refuses_while_results_are_not_assessed(assessment: Any, manager: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.complete_assessment(assessment, by=manager)
    assert "3 requirements are not assessed yet" in " ".join(error.value.messages)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.IN_PROGRESS
    for row in assessment.results.all():
        services.set_result(row, by=manager, result=Result.COMPLIANT)
    services.complete_assessment(assessment, by=manager)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.COMPLETED
    assert assessment.completed_at is not None
    row = assessment.results.first()
    with pytest.raises(ValidationError):
        services.set_result(row, by=manager, result=Result.PARTIAL)
    services.reopen_assessment(assessment, by=manager, reason="A finding came in.")
    assessment.refresh_from_db()
    assert (assessment.status, assessment.completed_at) == (AssessmentStatus.IN_PROGRESS, None)


def test_coverage_reads_plain_values_in_two_queries(assessment: Any, library: Any, manager: Any) -> None:
    services.set_result(result_of(assessment, library.policy_document), by=manager, result=Result.COMPLIANT)
    services.set_result(result_of(assessment, library.policy_review), by=manager, result=Result.NON_COMPLIANT)
    with CaptureQueriesContext(connection) as queries:
        nodes = services.coverage(assessment)
    assert len(queries) == 2
    assert nodes[library.policies.pk].score == pytest.approx(50.0)
    assert nodes[library.organisational.pk].assessed == 2
    assert nodes[library.people.pk].assessable == 1
    assert nodes[library.people.pk].assessed == 0


def test_update_refuses_fields_and_units_out_of_reach(
    assessment: Any, organisation: Any, manager: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        services.update_assessment(assessment, by=manager, unit=organisation.shanghai)
    assert "unit" in error.value.message_dict
    services.update_assessment(assessment, by=manager, name="Renamed", reason="Clearer.")
    assessment.refresh_from_db()
    assert assessment.name == "Renamed"
    with pytest.raises(TypeError):
        services.update_assessment(assessment, by=manager, status=AssessmentStatus.COMPLETED)
