"""An assessment exported as OSCAL assessment-results, read back through compliance-trestle."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from trestle.oscal.assessment_results import AssessmentResults

from garrison.compliance.models import Evidence, EvidenceVersion, Result
from garrison.compliance.reports.oscal_results import assessment_results_json, oscal_filename, oscal_id
from garrison.core.models import AuditEvent
from garrison.core.services.files import store_file
from tests.compliance.framework_library import Library, build_library
from tests.compliance.reports_support import make_assessment, set_result

SAMPLE = Path("/work/shared/samples/oscal/basic-catalog.json")


@pytest.fixture
def library(db: Any) -> Library:
    return build_library()


@pytest.fixture
def assessment(library: Library, organisation: Any, compliance_manager: Any) -> Any:
    return make_assessment(library.iso, organisation.beijing, compliance_manager, "ASM-0007")


def evidence_with_file(organisation: Any, person: Any) -> tuple[Evidence, str]:
    evidence = Evidence.objects.create(
        reference="EVD-000003", name="Policy catalogue", unit=organisation.beijing, owner=person
    )
    with SAMPLE.open("rb") as handle:
        attachment = store_file(handle, filename=SAMPLE.name, by=person, unit=organisation.beijing)
    sha256 = attachment.stored_file.sha256
    version = EvidenceVersion.objects.create(
        evidence=evidence, number=1, attachment=attachment, sha256=sha256, added_by=person
    )
    evidence.current_version = version
    evidence.save()
    return evidence, sha256


def export(assessment: Any, person: Any, tmp_path: Path) -> AssessmentResults:
    """Write the export to a file and read it back the way trestle reads any OSCAL file."""
    path = tmp_path / oscal_filename(assessment)
    path.write_text(assessment_results_json(assessment, by=person), encoding="utf-8")
    document = AssessmentResults.oscal_read(path)
    assert isinstance(document, AssessmentResults)
    return document


def test_the_export_loads_back_through_trestle_with_one_finding_per_assessed_requirement(
    library: Library, assessment: Any, compliance_manager: Any, tmp_path: Path
) -> None:
    set_result(
        assessment, library.policy_document, Result.COMPLIANT, by=compliance_manager, justification="Done."
    )
    set_result(assessment, library.policy_review, Result.NON_COMPLIANT, by=compliance_manager)
    set_result(assessment, library.screening, Result.PARTIAL, is_inferred=True)

    document = export(assessment, compliance_manager, tmp_path)

    assert document.metadata.title == "Assessment results: ASM-0007 Assessment ASM-0007"
    assert document.metadata.oscal_version.root.root.startswith("1.")
    assert document.import_ap.href == "#"
    (result,) = document.results
    selection = result.reviewed_controls.control_selections[0]
    assert [item.control_id for item in selection.include_controls] == ["a.5.1", "a.5.2", "a.6.1"]
    findings = {finding.target.target_id: finding for finding in result.findings or []}
    assert set(findings) == {"a.5.1", "a.5.2"}
    compliant = findings["a.5.1"]
    assert compliant.target.type.value == "objective-id"
    assert compliant.target.status is not None
    assert compliant.target.status.state.value == "satisfied"
    assert compliant.description == "Done."
    assert {(prop.name, prop.value) for prop in compliant.props or []} >= {("result", "compliant")}
    failed = findings["a.5.2"].target.status
    assert failed is not None
    assert failed.state.value == "not-satisfied"


def test_linked_evidence_becomes_an_observation_carrying_its_sha256(
    library: Library, assessment: Any, organisation: Any, compliance_manager: Any, tmp_path: Path
) -> None:
    evidence, sha256 = evidence_with_file(organisation, compliance_manager)
    row = set_result(assessment, library.policy_document, Result.COMPLIANT, by=compliance_manager)
    row.evidence.add(evidence)

    document = export(assessment, compliance_manager, tmp_path)

    assert sha256 == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    (observation,) = document.results[0].observations or []
    assert observation.title == "EVD-000003 Policy catalogue"
    assert ("sha256", sha256) in {(prop.name, prop.value) for prop in observation.props or []}
    (finding,) = document.results[0].findings or []
    assert [related.observation_uuid for related in finding.related_observations or []] == [observation.uuid]


def test_an_assessment_with_nothing_assessed_still_exports_a_valid_document(
    assessment: Any, compliance_manager: Any, tmp_path: Path
) -> None:
    document = export(assessment, compliance_manager, tmp_path)
    assert document.results[0].findings is None
    raw = json.loads((tmp_path / oscal_filename(assessment)).read_text(encoding="utf-8"))
    assert list(raw) == ["assessment-results"]


def test_the_export_is_recorded_in_the_audit_trail(
    library: Library, assessment: Any, compliance_manager: Any
) -> None:
    set_result(assessment, library.policy_document, Result.COMPLIANT, by=compliance_manager)
    assessment_results_json(assessment, by=compliance_manager)
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event is not None
    assert (event.action, event.object_id) == ("export", str(assessment.pk))
    assert event.changes == {"report": "oscal-assessment-results", "rows": 1}


@pytest.mark.parametrize(
    ("reference", "token"),
    [("A.5.1", "a.5.1"), ("4.1", "req-4.1"), ("CC 6.1", "cc-6.1"), ("", "req-9"), ("AC-2(1)", "ac-2-1")],
)
def test_requirement_references_become_oscal_tokens(reference: str, token: str) -> None:
    assert oscal_id(reference, "req-9") == token
