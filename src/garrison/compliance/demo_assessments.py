"""The assessments demo step: an ISO/IEC 27001:2022 assessment and an MLPS 2.0 Class III
assessment of the Beijing data center, both in progress.

About 60 % of the ISO requirements have a result (mostly compliant, some partial or
non-compliant, a few not applicable with a justification), linked to the demo controls
of step 400 that meet them and to the evidence of step 410 behind those controls, when
those steps made any. The MLPS results are then proposed from the ISO ones through the
shipped mapping (mapping inference), and a third of the proposals confirmed, so the page
shows both confirmed and still inferred results.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from garrison.compliance.models import (
    AppliedControl,
    Assessment,
    Evidence,
    Framework,
    RequirementResult,
    Result,
)
from garrison.compliance.services import assessments as services
from garrison.core.demo.registry import DemoContext, register_step
from garrison.library.shipped import load_shipped_libraries

ISO_URN = "urn:garrison:framework:iso27001-2022"
MLPS_URN = "urn:garrison:framework:mlps2-class3"
SITE_CODE = "bj"
LEAD_USERNAME = "compliance"
ASSESSED_SHARE = 0.6
CONFIRMED_SHARE = 1 / 3
RESULTS: tuple[str, ...] = (Result.COMPLIANT, Result.PARTIAL, Result.NON_COMPLIANT, Result.NOT_APPLICABLE)
RESULT_WEIGHTS: tuple[float, ...] = (60, 20, 12, 8)
NOT_APPLICABLE_REASONS = (
    "The Beijing data center develops no software in-house; development is out of scope.",
    "No outsourced development takes place at this site.",
    "Teleworking is not permitted for data-center operations staff.",
    "The site holds no customer data on removable media; media handling is done by the customer.",
)
PARTIAL_NOTES = (
    "Procedure written, not yet applied at every shift.",
    "Implemented for the main hall; the new hall follows next quarter.",
    "Records kept, but the last review is overdue.",
)
NON_COMPLIANT_NOTES = (
    "No documented procedure yet; a corrective action is planned.",
    "Control designed but not implemented.",
)


def _frameworks(context: DemoContext) -> tuple[Framework, Framework]:
    """The two shipped frameworks (loaded by the risks step; loaded here if it did not run)."""
    if Framework.objects.filter(urn__in=[ISO_URN, MLPS_URN]).count() != 2:
        for _path, result in load_shipped_libraries(by=context.actor):
            if result.is_refused:
                raise RuntimeError(f"shipped library refused: {result.errors}")
    return Framework.objects.get(urn=ISO_URN), Framework.objects.get(urn=MLPS_URN)


@register_step("compliance-assessments", order=420)
def seed_assessments(context: DemoContext) -> None:
    site = context.units.get(SITE_CODE)
    lead = context.people.get(LEAD_USERNAME)
    if site is None or lead is None:
        return
    iso, mlps = _frameworks(context)
    rng = context.random("compliance-assessments")
    today = timezone.localdate()
    iso_assessment = services.create_assessment(
        by=context.actor,
        framework=iso,
        unit=site,
        lead=lead,
        name=f"ISO/IEC 27001:2022 — {site.name}",
        scope_description="The ISMS of the data center: machine halls, power and cooling, operations shifts.",
        starts_on=today - dt.timedelta(days=45),
        due_on=today + dt.timedelta(days=75),
    )
    # What step 400 and 410 made, when they ran: controls by the requirement they meet,
    # evidence by the control it supports.
    controls = AppliedControl.objects.filter(unit__path__startswith=site.path)
    controls_by_requirement: dict[int, list[AppliedControl]] = defaultdict(list)
    for control in controls.prefetch_related("requirements").order_by("reference"):
        for requirement in control.requirements.all():
            controls_by_requirement[requirement.pk].append(control)
    evidence_by_control: dict[int, list[Evidence]] = defaultdict(list)
    for evidence in Evidence.objects.filter(unit__path__startswith=site.path).prefetch_related("controls"):
        for control in evidence.controls.all():
            evidence_by_control[control.pk].append(evidence)

    rows = list(
        RequirementResult.objects.filter(assessment=iso_assessment)
        .select_related("requirement")
        .order_by("requirement__order", "pk")
    )
    chosen = rng.sample(rows, k=round(len(rows) * ASSESSED_SHARE))
    for row in sorted(chosen, key=lambda item: item.requirement.order):
        result = rng.choices(RESULTS, weights=RESULT_WEIGHTS)[0]
        linked = controls_by_requirement.get(row.requirement_id, [])
        if result == Result.NOT_APPLICABLE:
            justification, linked = rng.choice(NOT_APPLICABLE_REASONS), []
        elif result == Result.PARTIAL:
            justification = rng.choice(PARTIAL_NOTES)
        elif result == Result.NON_COMPLIANT:
            justification = rng.choice(NON_COMPLIANT_NOTES)
        else:
            justification = ""
        backing = [item for control in linked for item in evidence_by_control.get(control.pk, [])]
        services.set_result(
            row,
            by=context.actor,
            result=result,
            justification=justification,
            controls=linked,
            evidence=list(dict.fromkeys(backing))[:3],
        )
    # The lead assessor gave these results; the trail records the demo as the actor.
    RequirementResult.objects.filter(assessment=iso_assessment, assessed_at__isnull=False).update(
        assessed_by=lead
    )

    mlps_assessment = services.create_assessment(
        by=context.actor,
        framework=mlps,
        unit=site,
        lead=lead,
        name=f"MLPS 2.0 Class III — {site.name}",
        scope_description="The Class III filing of the data center's cloud hosting platform.",
        starts_on=today - dt.timedelta(days=20),
        due_on=today + dt.timedelta(days=100),
    )
    inferred = _infer(context, mlps_assessment, iso_assessment)
    context.count("compliance assessments", 2)
    context.count("requirement results given", len(chosen))
    context.count("requirement results inferred", inferred)


def _infer(context: DemoContext, target: Assessment, source: Assessment) -> int:
    """Propose the MLPS results from the ISO ones and confirm a third of them."""
    from garrison.compliance.services.inference import infer_results

    summary = infer_results(target, source, by=context.actor)
    rng = context.random("compliance-assessments-confirm")
    proposals = list(
        RequirementResult.objects.filter(assessment=target, is_inferred=True)
        .exclude(result=Result.NOT_APPLICABLE, justification="")
        .order_by("pk")
    )
    for row in rng.sample(proposals, k=round(len(proposals) * CONFIRMED_SHARE)):
        services.confirm_inferred(row, by=context.actor)
    RequirementResult.objects.filter(assessment=target, is_inferred=False, assessed_at__isnull=False).update(
        assessed_by=target.lead
    )
    return summary.proposed
