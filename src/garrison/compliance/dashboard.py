"""The compliance figures on the home dashboard and the queries of the compliance
dashboard page: assessments under way, overdue control tests and evidence, certificates
by expiry. Every query is scoped to what the person may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models import (
    Assessment,
    AssessmentStatus,
    Certification,
    CertificationStatus,
    ControlTest,
    Evidence,
    EvidenceRequest,
    RequestStatus,
    TestResult,
)
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.web.dashboard import Tile, register_tiles

EXPIRY_HORIZON_DAYS = 90


def overdue_tests(person: Any, today: dt.date) -> models.QuerySet[ControlTest]:
    """Scheduled control tests whose due date has passed."""
    tests = ControlTest.objects.filter(result=TestResult.SCHEDULED, due_on__lt=today)
    return restrict(tests, person, Action.VIEW)


def expired_evidence(person: Any, today: dt.date) -> models.QuerySet[Evidence]:
    return restrict(Evidence.objects.filter(valid_until__lt=today), person, Action.VIEW)


def overdue_requests(person: Any, today: dt.date) -> models.QuerySet[EvidenceRequest]:
    requests = EvidenceRequest.objects.filter(status=RequestStatus.OPEN, due_on__lt=today)
    return restrict(requests, person, Action.VIEW)


def held_certifications(person: Any) -> models.QuerySet[Certification]:
    """Certificates not withdrawn, soonest expiry first."""
    certifications = Certification.objects.exclude(status=CertificationStatus.WITHDRAWN)
    return restrict(certifications, person, Action.VIEW).order_by("expires_on", "name", "pk")


def assessment_tiles(person: Any) -> list[Tile]:
    if not has_grant(person, Domain.COMPLIANCE, Action.VIEW):
        return []
    today = timezone.localdate()
    dashboard = reverse("compliance:dashboard")
    running = restrict(Assessment.objects.filter(status=AssessmentStatus.IN_PROGRESS), person, Action.VIEW)
    expiring = held_certifications(person).filter(
        expires_on__lte=today + dt.timedelta(days=EXPIRY_HORIZON_DAYS)
    )
    return [
        Tile(
            _("Compliance assessments in progress"),
            running.count(),
            f"{reverse('compliance:assessment-list')}?{urlencode({'status': AssessmentStatus.IN_PROGRESS})}",
        ),
        Tile(
            _("Overdue control tests"),
            overdue_tests(person, today).count(),
            f"{dashboard}#overdue-tests",
            True,
        ),
        Tile(
            _("Certificates expiring within 90 days"),
            expiring.count(),
            f"{dashboard}#certificates",
            is_warning=True,
        ),
    ]


register_tiles("compliance-assessments", assessment_tiles)
