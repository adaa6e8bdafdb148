"""The incidents demo step: open cases with running clocks, exactly one overdue initial
report, the PIPL case, a closed case with its completed review, a false positive."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from garrison.core.demo.runner import seed_demo_data
from garrison.core.models import OrgUnit, Person
from garrison.incidents.models import (
    OPEN_STATUSES,
    EscalationStep,
    Grade,
    Incident,
    IncidentStatus,
    ObligationKind,
    ObligationStatus,
    OperatorKind,
    ReportingObligation,
    ReviewStatus,
)
from garrison.incidents.services.profile import get_profile
from garrison.library.shipped import load_shipped_libraries
from tests.incidents.reviews_support import make_control, make_risk


@pytest.fixture
def demo(db: Any) -> None:
    """The organisation, one risk scenario and one control in Beijing (standing in for the
    risk and control steps, which need the whole inventory), then the incidents step."""
    for _path, result in load_shipped_libraries(by="test"):
        assert not result.is_refused
    seed_demo_data(scale=1, seed=1, only={"organisation"})
    beijing = OrgUnit.objects.get(code="bj")
    owner = Person.objects.get(username="secofficer")
    make_risk(beijing, owner, "Website defacement")
    make_control(beijing, owner, "Patch management")
    seed_demo_data(scale=1, seed=1, only={"incidents"})


def test_open_cases_have_running_clocks_one_report_is_overdue_and_the_pi_leak_was_notified(
    demo: None,
) -> None:
    now = timezone.now()
    open_cases = Incident.objects.filter(status__in=OPEN_STATUSES)
    assert open_cases.count() == 5
    pending = ReportingObligation.objects.filter(status=ObligationStatus.PENDING, due_at__isnull=False)
    overdue = pending.filter(due_at__lt=now)
    assert [(item.kind, item.incident.title) for item in overdue] == [
        (ObligationKind.INITIAL, "DDoS attack on the customer portal")
    ]
    running = pending.filter(
        kind=ObligationKind.INITIAL, due_at__gt=now, due_at__lt=now + dt.timedelta(hours=4)
    )
    assert sorted(item.incident.title for item in running) == [
        "Customer database exposed: 1.2 million records",
        "Ransomware encrypting the Beijing file servers",
    ]

    leak = Incident.objects.get(personal_information_people=1_200_000)
    assert leak.personal_information_breach
    assert leak.effective_grade == Grade.RELATIVELY_MAJOR
    pipl = leak.obligations.filter(kind__in=[ObligationKind.PIPL_AUTHORITY, ObligationKind.PIPL_INDIVIDUALS])
    assert sorted(pipl.values_list("kind", "status")) == [
        (ObligationKind.PIPL_AUTHORITY, ObligationStatus.SUBMITTED),
        (ObligationKind.PIPL_INDIVIDUALS, ObligationStatus.SUBMITTED),
    ]
    assert leak.tasks.count() == 4


def test_a_closed_case_has_its_completed_review_and_the_rest_is_as_planned(demo: None) -> None:
    closed = Incident.objects.get(status=IncidentStatus.CLOSED)
    review = closed.review
    assert review.status == ReviewStatus.COMPLETED
    assert review.root_cause
    assert review.lessons_learned
    actions = list(review.actions.order_by("pk"))
    assert [(action.risks.count(), action.controls.count()) for action in actions] == [(1, 1), (0, 1)]
    assert (
        Incident.objects.get(status=IncidentStatus.POST_INCIDENT_REVIEW).review.status == ReviewStatus.DRAFT
    )

    assert get_profile().operator_kind == OperatorKind.OTHER_OPERATOR
    assert "Beijing" in get_profile().provincial_cyberspace_administration
    assert sorted(EscalationStep.objects.values_list("level", flat=True)) == [1, 2, 3]
    # Nothing is random: the same cases every time, whatever the seed.
    assert sorted(Incident.objects.values_list("title", "status", "grade", "unit__code")) == [
        ("Credential stuffing against the customer portal", "post_incident_review", "relatively_major", "bj"),
        ("Cryptominer on a Shanghai test virtual machine", "eradication", "general", "sh"),
        ("Customer database exposed: 1.2 million records", "containment", "relatively_major", "bj"),
        ("DDoS attack on the customer portal", "containment", "relatively_major", "bj"),
        ("Defacement of the corporate website", "closed", "relatively_major", "bj"),
        ("Phishing e-mails impersonating the IT helpdesk", "triage", "general", "bj"),
        ("Ransomware encrypting the Beijing file servers", "containment", "major", "bj"),
        ("Suspicious outbound traffic from a build server", "false_positive", "", "bj"),
    ]
