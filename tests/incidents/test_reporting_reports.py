"""Reports drafted from the case, partial reports, and the PDF."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.http import Http404

from garrison.core.audit import history_of
from garrison.incidents.models import Grade, ReportKind, TimelineEvent, TimelineKind
from garrison.incidents.reports_pdf import report_pdf
from garrison.incidents.services import profile as profile_services
from garrison.incidents.services import reports as services
from tests.incidents.conftest import shanghai


@pytest.fixture
def incident(make_incident: Any, categories: Any) -> Any:
    case = make_incident(
        title="Ransomware on the billing servers",
        category=categories["MP"],
        subcategory=categories["MP-RW"],
        proposed_grade=Grade.MAJOR,
        occurred_at=shanghai(2026, 3, 2, 7, 45),
        discovered_at=shanghai(2026, 3, 2, 9, 0),
        personal_information_people=1_200_000,
        personal_information_breach=True,
        service_outage_minutes=180,
        direct_loss_cny=Decimal("2500000.00"),
    )
    TimelineEvent.objects.create(
        incident=case,
        kind=TimelineKind.CONTAINMENT,
        occurred_at=shanghai(2026, 3, 2, 9, 40),
        description="Billing VLAN isolated",
    )
    TimelineEvent.objects.create(
        incident=case, kind=TimelineKind.NOTE, occurred_at=shanghai(2026, 3, 2, 9, 50), description="Coffee"
    )
    return case


def test_a_report_is_drafted_from_the_case(incident: Any, handler: Any) -> None:
    profile = profile_services.get_profile()
    profile.reporting_unit_name = "Example Payments Ltd"
    profile.save()
    report = services.draft_report(incident, kind=ReportKind.INITIAL, by=handler)
    assert "Example Payments Ltd" in report.reporting_unit
    assert "2026-03-02 09:00 (UTC+8)" in report.occurrence
    assert "2026-03-02 07:45 (UTC+8)" in report.occurrence
    assert "MP-RW" in report.occurrence
    assert "1,200,000" in report.impact
    assert "180 minutes" in report.impact
    assert "2,500,000.00" in report.impact
    assert "Billing VLAN isolated" in report.measures
    assert "Coffee" not in report.measures
    assert report.created_by == handler
    assert history_of(report).filter(action="create").exists()


def test_a_report_without_cause_is_partial_until_the_cause_is_known(incident: Any, handler: Any) -> None:
    report = services.draft_report(incident, kind=ReportKind.INITIAL, by=handler)
    assert report.cause == ""
    assert report.is_partial
    report = services.update_report(
        report, by=handler, cause="Phishing e-mail opened on a billing workstation"
    )
    assert not report.is_partial
    report = services.update_report(report, by=handler, impact="")
    assert report.is_partial


def test_a_person_outside_the_case_cannot_draft(incident: Any, outsider: Any) -> None:
    with pytest.raises(Http404):
        services.draft_report(incident, kind=ReportKind.INITIAL, by=outsider)
    assert not incident.reports.exists()


def test_the_report_prints_as_pdf_with_chinese_text(incident: Any, handler: Any) -> None:
    report = services.draft_report(incident, kind=ReportKind.INITIAL, by=handler)
    report = services.update_report(report, by=handler, trend="预计24小时内恢复")
    content = report_pdf(report)
    assert content.startswith(b"%PDF")
    assert b"STSong-Light" in content
