"""The assessments demo step: ISO and MLPS assessments of the Beijing data center."""

from __future__ import annotations

from typing import Any

import pytest

from garrison.compliance.models import Assessment, AssessmentStatus, RequirementResult, Result
from garrison.compliance.services import assessments as services
from garrison.core.demo.runner import seed_demo_data

pytestmark = pytest.mark.django_db


def test_the_demo_has_two_assessments_in_progress_with_inferred_results(db: Any) -> None:
    # The organisation and this step alone: the step loads the shipped frameworks it needs.
    seed_demo_data(scale=1, seed=1, only={"organisation", "compliance-assessments"})
    iso = Assessment.objects.get(framework__urn="urn:garrison:framework:iso27001-2022")
    mlps = Assessment.objects.get(framework__urn="urn:garrison:framework:mlps2-class3")
    assert {iso.status, mlps.status} == {AssessmentStatus.IN_PROGRESS}
    assert iso.unit.code == "bj"
    total = services.assessment_coverage(iso).total
    assert 0.5 <= total.assessed / total.assessable <= 0.7
    assert total.not_applicable > 0
    assert not RequirementResult.objects.filter(
        assessment=iso, result=Result.NOT_APPLICABLE, justification=""
    ).exists()
    assert RequirementResult.objects.filter(assessment=mlps, is_inferred=True).exists()
    assert RequirementResult.objects.filter(
        assessment=mlps, is_inferred=False, inferred_from__isnull=False
    ).exists()
