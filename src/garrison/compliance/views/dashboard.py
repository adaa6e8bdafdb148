"""The compliance dashboard: per framework the coverage and score of its current
assessment, the gaps, overdue control tests and evidence, and certificates by expiry.

Everything is read through scoping: a person sees the figures of what they may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.compliance import dashboard as figures
from garrison.compliance.models import (
    Assessment,
    AssessmentStatus,
    Certification,
    RequirementResult,
    Result,
)
from garrison.compliance.tables_assessments import with_figures
from garrison.compliance.views.assessments import result_badge
from garrison.core.roles import Action
from garrison.core.scoping import restrict

SHOWN_AT_MOST = 20
GAP_RESULTS = (Result.NON_COMPLIANT, Result.PARTIAL)


@dataclass(frozen=True)
class CertificateLine:
    certification: Certification
    days_left: int

    @property
    def is_expired(self) -> bool:
        return self.days_left < 0


def current_assessments(person: Any) -> list[Assessment]:
    """For each framework, its latest assessment not completed, else its latest one."""
    assessments = with_figures(
        restrict(Assessment.objects.select_related("framework", "unit"), person, Action.VIEW)
    ).order_by("framework__reference", "framework_id", "-created_at", "-pk")
    chosen: dict[int, Assessment] = {}
    for assessment in assessments:
        current = chosen.get(assessment.framework_id)
        if current is None or (
            current.status == AssessmentStatus.COMPLETED and assessment.status != AssessmentStatus.COMPLETED
        ):
            chosen[assessment.framework_id] = assessment
    return list(chosen.values())


@login_required
def compliance_dashboard(request: HttpRequest) -> HttpResponse:
    person = request.user
    today = timezone.localdate()
    gaps = (
        restrict(RequirementResult.objects.all(), person, Action.VIEW)
        .filter(result__in=GAP_RESULTS, is_inferred=False)
        .select_related("assessment__framework", "requirement")
        .order_by("-assessment__created_at", "assessment_id", "requirement__order", "pk")
    )
    overdue_tests = (
        figures.overdue_tests(person, today).select_related("control", "tester").order_by("due_on", "pk")
    )
    expired = figures.expired_evidence(person, today).select_related("owner").order_by("valid_until", "pk")
    requests = figures.overdue_requests(person, today).select_related("assignee").order_by("due_on", "pk")
    certificates = figures.held_certifications(person).select_related("unit")
    context = {
        "title": _("Compliance dashboard"),
        "today": today,
        "frameworks": current_assessments(person),
        "gaps": [(row, result_badge(row.result)) for row in gaps[:SHOWN_AT_MOST]],
        "gap_count": gaps.count(),
        "overdue_tests": list(overdue_tests[:SHOWN_AT_MOST]),
        "overdue_test_count": overdue_tests.count(),
        "expired_evidence": list(expired[:SHOWN_AT_MOST]),
        "expired_evidence_count": expired.count(),
        "overdue_requests": list(requests[:SHOWN_AT_MOST]),
        "overdue_request_count": requests.count(),
        "certificates": [
            CertificateLine(certification, (certification.expires_on - today).days)
            for certification in certificates[:SHOWN_AT_MOST]
        ],
        "certificate_count": certificates.count(),
        "shown_at_most": SHOWN_AT_MOST,
        "expiry_horizon": figures.EXPIRY_HORIZON_DAYS,
    }
    return render(request, "compliance/dashboard.html", context)


urlpatterns: list[URLPattern] = [
    path("dashboard/", compliance_dashboard, name="dashboard"),
]
