"""An assessment as an OSCAL assessment-results document (JSON, OSCAL 1.x), built with
compliance-trestle's models so that what is written is what trestle reads back.

The document holds one result for the assessment:

- `reviewed-controls` selects every assessable requirement of the framework;
- one finding per requirement a person assessed (inferred results still waiting for
  confirmation are left out: they do not count yet), targeting the requirement as an
  `objective-id` with the state `satisfied` (compliant, not applicable) or `not-satisfied`
  (partially compliant, non-compliant); Garrison's own result is the `result` property and
  the justification the finding's description;
- one observation per piece of evidence linked to an assessed requirement, with the SHA-256
  of its current version as the `sha256` property, related to the findings it supports.

`import-ap` must name an assessment plan; Garrison keeps none apart from the assessment
itself, so its href is `#`, the URI-reference of this very document (said in its remarks).
OSCAL identifiers are tokens (a letter first): `oscal_id` turns a requirement reference into
one (`4.1` becomes `req-4.1`). trestle is imported inside the functions (ADR 0011).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.compliance.models import Assessment, RequirementNode, RequirementResult, Result
from garrison.compliance.reports import record_report, result_rows, version_of

if TYPE_CHECKING:
    from trestle.oscal.assessment_results import AssessmentResults

GARRISON_NAMESPACE = "https://garrison.invalid/ns/oscal"
UUID_NAMESPACE = uuid.UUID("6c1f3d2e-9a4b-5c7d-8e0f-1a2b3c4d5e6f")
PLAN_PLACEHOLDER_HREF = "#"
SATISFIED = frozenset({Result.COMPLIANT, Result.NOT_APPLICABLE})
REASONS = {
    Result.COMPLIANT: "pass",
    Result.NOT_APPLICABLE: "other",
    Result.PARTIAL: "other",
    Result.NON_COMPLIANT: "fail",
}
TOKEN_INVALID = re.compile(r"[^A-Za-z0-9._-]+")


def oscal_id(reference: str, fallback: str) -> str:
    """A requirement reference as an OSCAL token: letters, digits, `.`, `-`, `_`, a letter first."""
    token = TOKEN_INVALID.sub("-", reference.strip()).strip("-").lower() or fallback
    if not (token[0].isalpha() or token[0] == "_"):
        token = f"req-{token}"
    return token


def _stable_uuid(*parts: object) -> str:
    return str(uuid.uuid5(UUID_NAMESPACE, "/".join(str(part) for part in parts)))


def _moment(value: dt.date | dt.datetime | None, default: dt.datetime) -> dt.datetime:
    if value is None:
        return default
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def _time(value: dt.datetime) -> str:
    return value.isoformat()


def build_assessment_results(assessment: Assessment, *, person: Any) -> AssessmentResults:
    """The assessment as a trestle `AssessmentResults` model, validated by trestle from the
    OSCAL JSON shape (hyphenated names) built here."""
    from trestle.oscal import OSCAL_VERSION
    from trestle.oscal import assessment_results as ar

    def prop(name: str, value: str) -> dict[str, str]:
        return {"name": name, "value": value, "ns": GARRISON_NAMESPACE}

    now = timezone.now()
    requirements = RequirementNode.objects.filter(
        framework=assessment.framework, is_assessable=True
    ).order_by("order")
    selected = [{"control-id": oscal_id(node.reference, f"req-{node.pk}")} for node in requirements]
    assessed: list[RequirementResult] = [
        row
        for row in result_rows(assessment, person=person)
        if row.result != Result.NOT_ASSESSED and not row.is_inferred
    ]

    observations: dict[int, dict[str, Any]] = {}
    findings = []
    for row in assessed:
        linked = list(row.visible_evidence)  # type: ignore[attr-defined]
        for evidence in linked:
            if evidence.pk in observations:
                continue
            version = evidence.current_version
            props = [prop("evidence-reference", evidence.reference)]
            if version is not None and version.sha256:
                props.append(prop("sha256", version.sha256))
            relevant: dict[str, Any] = {
                "description": f"{evidence.reference} {evidence.name}",
                "props": props,
            }
            if version is not None and version.url:
                relevant["href"] = version.url
            observation: dict[str, Any] = {
                "uuid": _stable_uuid("evidence", evidence.pk, getattr(version, "pk", 0)),
                "title": f"{evidence.reference} {evidence.name}"[:500],
                "description": evidence.description or evidence.name,
                "methods": ["EXAMINE"],
                "props": props,
                "relevant-evidence": [relevant],
                "collected": _time(
                    _moment(version.added_at if version else None, _moment(evidence.created_at, now))
                ),
            }
            if evidence.valid_until:
                observation["expires"] = _time(_moment(evidence.valid_until, now))
            observations[evidence.pk] = observation
        outcome = Result(row.result)
        requirement = row.requirement
        finding: dict[str, Any] = {
            "uuid": _stable_uuid("finding", assessment.pk, row.pk),
            "title": f"{requirement.reference} {requirement.name}".strip()[:500] or requirement.urn,
            "description": row.justification or str(outcome.label),
            "props": [prop("result", outcome.value), prop("requirement-urn", requirement.urn)],
            "target": {
                "type": "objective-id",
                "target-id": oscal_id(requirement.reference, f"req-{requirement.pk}"),
                "status": {
                    "state": "satisfied" if outcome in SATISFIED else "not-satisfied",
                    "reason": REASONS[outcome],
                    "remarks": str(outcome.label),
                },
            },
            "remarks": _("Assessed by %(person)s on %(date)s.")
            % {"person": row.assessed_by or "-", "date": row.assessed_at.date() if row.assessed_at else "-"},
        }
        if linked:
            finding["related-observations"] = [
                {"observation-uuid": observations[evidence.pk]["uuid"]} for evidence in linked
            ]
        findings.append(finding)

    start = _moment(assessment.starts_on, _moment(assessment.created_at, now))
    end = max(_moment(assessment.completed_at, now), start)
    result: dict[str, Any] = {
        "uuid": _stable_uuid("result", assessment.pk),
        "title": f"{assessment.reference} {assessment.name}",
        "description": assessment.scope_description or str(assessment.unit),
        "start": _time(start),
        "end": _time(end),
        "props": [
            prop("assessment-reference", assessment.reference),
            prop("framework-urn", assessment.framework.urn),
        ],
        "reviewed-controls": {
            "control-selections": [{"include-controls": selected}] if selected else [{"include-all": {}}]
        },
    }
    if observations:
        result["observations"] = list(observations.values())
    if findings:
        result["findings"] = findings
    document = {
        "uuid": str(uuid.uuid4()),
        "metadata": {
            "title": _("Assessment results: %(assessment)s")
            % {"assessment": f"{assessment.reference} {assessment.name}"},
            "last-modified": _time(now),
            "version": version_of(assessment),
            "oscal-version": OSCAL_VERSION,
        },
        "import-ap": {
            "href": PLAN_PLACEHOLDER_HREF,
            "remarks": _("Garrison keeps no separate assessment plan: this document itself stands for it."),
        },
        "results": [result],
    }
    return ar.AssessmentResults.model_validate(document)


def assessment_results_json(assessment: Assessment, *, by: Any) -> str:
    """The OSCAL JSON document (wrapped in `assessment-results`); records the export."""
    document = build_assessment_results(assessment, person=by)
    findings = document.results[0].findings or []
    record_report(assessment, by=by, report="oscal-assessment-results", rows=len(findings))
    return document.oscal_serialize_json(pretty=True)


def oscal_filename(assessment: Assessment) -> str:
    safe = "".join(
        character if character.isalnum() or character in "-_" else "-" for character in assessment.reference
    )
    return f"{safe}-assessment-results.json"
