"""Reports written from an assessment: the Statement of Applicability (XLSX, `soa`) and the
OSCAL assessment-results document (JSON, `oscal_results`).

Reads only, apart from the EXPORT event each report appends to the audit trail. The
controls and evidence a report names are those the person exporting it may see.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Prefetch
from django.utils import translation

from garrison.compliance.models import AppliedControl, Assessment, Evidence, RequirementResult
from garrison.core import audit
from garrison.core.models import OrgUnit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.scoping import restrict


def localised(obj: Any, field: str = "name") -> str:
    """A library text in the active language: the Chinese text when the person reads Chinese."""
    language = translation.get_language() or ""
    if language.startswith("zh"):
        chinese = getattr(obj, f"{field}_zh", "")
        if chinese:
            return str(chinese)
    return str(getattr(obj, field, "") or "")


def result_rows(assessment: Assessment, *, person: Any) -> models.QuerySet[RequirementResult]:
    """The assessment's results in reading order, each with the controls and evidence linked
    to it that `person` may see (prefetched as `visible_controls` and `visible_evidence`)."""
    controls = restrict(AppliedControl.objects.all(), person, Action.VIEW).order_by("reference")
    evidence = (
        restrict(Evidence.objects.all(), person, Action.VIEW)
        .select_related("current_version")
        .order_by("reference")
    )
    return (
        RequirementResult.objects.filter(assessment=assessment)
        .select_related("requirement", "assessed_by")
        .prefetch_related(
            Prefetch("controls", queryset=controls, to_attr="visible_controls"),
            Prefetch("evidence", queryset=evidence, to_attr="visible_evidence"),
        )
        .order_by("requirement__order", "pk")
    )


def organisation_of(assessment: Assessment) -> OrgUnit:
    """The root unit of the organisation tree the assessment's unit belongs to."""
    unit = assessment.unit
    root_id = unit.path.strip("/").split("/")[0]
    return OrgUnit.objects.filter(pk=int(root_id)).first() or unit if root_id.isdigit() else unit


def version_of(assessment: Assessment) -> str:
    """The version a report states: when the assessment or one of its results last changed."""
    latest = (
        RequirementResult.objects.filter(assessment=assessment)
        .aggregate(latest=models.Max("updated_at"))
        .get("latest")
    )
    moments = [moment for moment in (assessment.updated_at, latest) if moment is not None]
    return max(moments).strftime("%Y%m%d%H%M%S") if moments else "1"


def record_report(assessment: Assessment, *, by: Any, report: str, rows: int) -> None:
    """Append the EXPORT event of one report written from the assessment."""
    audit.record(assessment, AuditAction.EXPORT, by=by, changes={"report": report, "rows": rows})
