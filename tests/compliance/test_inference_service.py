"""Inferring an assessment's results from an assessment of a mapped framework: what is written,
what is never touched, what is refused, and what the audit trail keeps."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from garrison.compliance.models import Framework, MappingSet, RequirementMapping, RequirementResult, Result
from garrison.compliance.services.inference import infer_results, mapped_framework_ids
from garrison.core.models import AuditEvent
from tests.compliance.framework_library import Library, build_library
from tests.compliance.reports_support import make_assessment, result_of, set_result


@pytest.fixture
def library(db: Any) -> Library:
    return build_library()


@pytest.fixture
def iso_assessment(library: Library, organisation: Any, compliance_manager: Any) -> Any:
    return make_assessment(library.iso, organisation.beijing, compliance_manager, "ASM-ISO")


@pytest.fixture
def mlps_assessment(library: Library, organisation: Any, compliance_manager: Any) -> Any:
    return make_assessment(library.mlps, organisation.beijing, compliance_manager, "ASM-MLPS")


def test_results_are_proposed_through_the_mapping_and_marked_inferred(
    library: Library, iso_assessment: Any, mlps_assessment: Any, compliance_manager: Any
) -> None:
    source_policy = set_result(
        iso_assessment, library.policy_document, Result.COMPLIANT, by=compliance_manager
    )
    source_review = set_result(iso_assessment, library.policy_review, Result.COMPLIANT, by=compliance_manager)

    summary = infer_results(mlps_assessment, iso_assessment, by=compliance_manager)

    assert (summary.proposed, summary.skipped_assessed, summary.unchanged) == (2, 0, 0)
    equal = result_of(mlps_assessment, library.security_policy)
    assert (equal.result, equal.is_inferred, equal.inferred_from_id) == (
        Result.COMPLIANT,
        True,
        source_policy.pk,
    )
    assert equal.assessed_by is None
    assert "ASM-ISO" in equal.justification
    assert "A.5.1" in equal.justification
    assert "equal" in equal.justification
    subset = result_of(mlps_assessment, library.management_system)
    assert (subset.result, subset.inferred_from_id) == (Result.PARTIAL, source_review.pk)
    assert "subset" in subset.justification


def test_each_changed_result_has_its_own_audit_event_naming_the_source(
    library: Library, iso_assessment: Any, mlps_assessment: Any, compliance_manager: Any
) -> None:
    set_result(iso_assessment, library.policy_document, Result.NON_COMPLIANT, by=compliance_manager)
    before = AuditEvent.objects.count()

    infer_results(mlps_assessment, iso_assessment, by=compliance_manager)

    events = list(AuditEvent.objects.order_by("sequence")[before:])
    row = result_of(mlps_assessment, library.security_policy)
    assert [(event.action, event.object_id) for event in events] == [("update", str(row.pk))]
    assert events[0].actor_id == compliance_manager.pk
    assert events[0].changes["result"] == ["not_assessed", "non_compliant"]
    assert events[0].changes["is_inferred"] == [False, True]
    assert "ASM-ISO" in events[0].reason


def test_a_result_a_person_set_is_never_overwritten(
    library: Library, iso_assessment: Any, mlps_assessment: Any, compliance_manager: Any
) -> None:
    set_result(iso_assessment, library.policy_document, Result.COMPLIANT, by=compliance_manager)
    own = set_result(
        mlps_assessment,
        library.security_policy,
        Result.NON_COMPLIANT,
        by=compliance_manager,
        justification="Seen.",
    )

    summary = infer_results(mlps_assessment, iso_assessment, by=compliance_manager)

    assert (summary.proposed, summary.skipped_assessed) == (0, 1)
    own.refresh_from_db()
    assert (own.result, own.is_inferred, own.justification) == (Result.NON_COMPLIANT, False, "Seen.")


def test_an_earlier_inferred_result_is_replaced_and_the_same_proposal_is_left_unchanged(
    library: Library, iso_assessment: Any, mlps_assessment: Any, compliance_manager: Any
) -> None:
    set_result(iso_assessment, library.policy_document, Result.COMPLIANT, by=compliance_manager)
    infer_results(mlps_assessment, iso_assessment, by=compliance_manager)
    set_result(iso_assessment, library.policy_document, Result.PARTIAL, by=compliance_manager)

    replaced = infer_results(mlps_assessment, iso_assessment, by=compliance_manager)
    events = AuditEvent.objects.count()
    again = infer_results(mlps_assessment, iso_assessment, by=compliance_manager)

    assert replaced.proposed == 1
    assert result_of(mlps_assessment, library.security_policy).result == Result.PARTIAL
    assert (again.proposed, again.unchanged) == (0, 1)
    assert AuditEvent.objects.count() == events


def test_unconfirmed_inferred_source_results_are_not_carried_further(
    library: Library, iso_assessment: Any, mlps_assessment: Any, compliance_manager: Any
) -> None:
    set_result(iso_assessment, library.policy_document, Result.COMPLIANT, is_inferred=True)

    summary = infer_results(mlps_assessment, iso_assessment, by=compliance_manager)

    assert summary.proposed == 0
    assert result_of(mlps_assessment, library.security_policy).result == Result.NOT_ASSESSED


def test_a_mapping_set_written_the_other_way_is_used_with_the_inverse_relation(
    library: Library, iso_assessment: Any, mlps_assessment: Any, compliance_manager: Any
) -> None:
    # ISO → MLPS says A.5.2 is a subset of 8.1.6.2; from MLPS, 8.1.6.2 is a superset of A.5.2.
    set_result(mlps_assessment, library.management_system, Result.COMPLIANT, by=compliance_manager)
    set_result(mlps_assessment, library.security_policy, Result.NOT_APPLICABLE, by=compliance_manager)

    summary = infer_results(iso_assessment, mlps_assessment, by=compliance_manager)

    assert summary.proposed == 2
    assert result_of(iso_assessment, library.policy_review).result == Result.COMPLIANT
    assert result_of(iso_assessment, library.policy_document).result == Result.NOT_APPLICABLE
    assert result_of(iso_assessment, library.screening).result == Result.NOT_ASSESSED


def test_inferring_an_assessment_from_itself_is_refused(iso_assessment: Any, compliance_manager: Any) -> None:
    with pytest.raises(ValidationError) as refusal:
        infer_results(iso_assessment, iso_assessment, by=compliance_manager)
    assert "itself" in refusal.value.message_dict["source_assessment"][0]


def test_inferring_between_unmapped_frameworks_is_refused_and_writes_nothing(
    library: Library, iso_assessment: Any, organisation: Any, compliance_manager: Any
) -> None:
    soc = Framework.objects.create(urn="urn:test:framework:soc2", reference="SOC 2", name="SOC 2")
    soc_assessment = make_assessment(soc, organisation.beijing, compliance_manager, "ASM-SOC")
    set_result(iso_assessment, library.policy_document, Result.COMPLIANT, by=compliance_manager)
    events = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as refusal:
        infer_results(soc_assessment, iso_assessment, by=compliance_manager)

    assert "No mapping set links ISO 27001 and SOC 2" in refusal.value.message_dict["source_assessment"][0]
    assert AuditEvent.objects.count() == events
    assert mapped_framework_ids(soc) == set()
    assert mapped_framework_ids(library.iso) == {library.mlps.pk}


def test_two_assessments_of_one_framework_are_refused(
    library: Library, iso_assessment: Any, organisation: Any, compliance_manager: Any
) -> None:
    other = make_assessment(library.iso, organisation.shanghai, compliance_manager, "ASM-ISO-2")
    with pytest.raises(ValidationError):
        infer_results(other, iso_assessment, by=compliance_manager)


def test_a_failure_half_way_leaves_nothing_written(
    library: Library, iso_assessment: Any, mlps_assessment: Any, compliance_manager: Any, monkeypatch: Any
) -> None:
    set_result(iso_assessment, library.policy_document, Result.COMPLIANT, by=compliance_manager)
    set_result(iso_assessment, library.policy_review, Result.COMPLIANT, by=compliance_manager)
    events = AuditEvent.objects.count()

    def broken(_events: Any) -> None:
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr("garrison.compliance.services.inference.audit.record_many", broken)
    with pytest.raises(RuntimeError):
        infer_results(mlps_assessment, iso_assessment, by=compliance_manager)

    assert not RequirementResult.objects.filter(assessment=mlps_assessment, is_inferred=True).exists()
    assert AuditEvent.objects.count() == events


def test_several_mapping_sets_between_the_frameworks_are_all_used(
    library: Library, iso_assessment: Any, mlps_assessment: Any, compliance_manager: Any
) -> None:
    reverse = MappingSet.objects.create(
        urn="urn:test:mapping:mlps-iso",
        name="MLPS to ISO",
        source_framework=library.mlps,
        target_framework=library.iso,
    )
    RequirementMapping.objects.create(
        mapping_set=reverse, source=library.security_policy, target=library.screening, relation="intersect"
    )
    set_result(iso_assessment, library.policy_document, Result.COMPLIANT, by=compliance_manager)
    set_result(iso_assessment, library.screening, Result.NON_COMPLIANT, by=compliance_manager)

    infer_results(mlps_assessment, iso_assessment, by=compliance_manager)

    # A.5.1 (equal, compliant) and A.6.1 (intersect, non-compliant): the weakest wins.
    row = result_of(mlps_assessment, library.security_policy)
    assert row.result == Result.NON_COMPLIANT
    assert row.inferred_from_id == result_of(iso_assessment, library.screening).pk
