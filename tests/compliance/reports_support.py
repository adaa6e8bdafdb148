"""Helpers for the report and inference tests: assessments built with the ORM (one result row
per assessable requirement, as an assessment holds), the shipped ISO/IEC 27001 and MLPS
libraries, and people holding the compliance roles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import garrison.compliance
from garrison.compliance.models import Assessment, Framework, RequirementNode, RequirementResult
from garrison.core.models import OrgUnit, Person
from garrison.library.services import load_library

DATA = Path(garrison.compliance.__file__).parent / "data"
ISO27001 = "urn:garrison:framework:iso27001-2022"
MLPS = "urn:garrison:framework:mlps2-class3"


def load_iso_and_mlps() -> tuple[Framework, Framework]:
    for name in ("iso27001-2022.yaml", "mlps2-class3.yaml", "mapping-iso27001-mlps2.yaml"):
        result = load_library(DATA / name, by=None)
        assert not result.is_refused, result.errors
    return Framework.objects.get(urn=ISO27001), Framework.objects.get(urn=MLPS)


def make_assessment(
    framework: Framework, unit: OrgUnit, lead: Person, reference: str, **fields: Any
) -> Assessment:
    """An assessment opened through the assessment service by `lead`, one result per requirement."""
    from garrison.compliance.services.assessments import create_assessment

    return create_assessment(
        by=lead,
        framework=framework,
        unit=unit,
        lead=lead,
        name=f"Assessment {reference}",
        reference=reference,
        **fields,
    )


def result_of(assessment: Assessment, requirement: RequirementNode | str) -> RequirementResult:
    if isinstance(requirement, str):
        return RequirementResult.objects.get(assessment=assessment, requirement__reference=requirement)
    return RequirementResult.objects.get(assessment=assessment, requirement=requirement)


def set_result(
    assessment: Assessment,
    requirement: RequirementNode | str,
    result: str,
    *,
    by: Person | None = None,
    justification: str = "",
    is_inferred: bool = False,
) -> RequirementResult:
    """A result as a person (or an earlier inference) left it, written directly."""
    from django.utils import timezone

    row = result_of(assessment, requirement)
    row.result = result
    row.justification = justification
    row.is_inferred = is_inferred
    row.assessed_by = None if is_inferred else by
    row.assessed_at = None if is_inferred or by is None else timezone.now()
    row.save()
    return row
