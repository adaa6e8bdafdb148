"""Triaging the findings of a weekly report: the three decisions, the change ticket an
expected operation names, no change once the report is signed, and opening an incident
for a finding in one step."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from garrison.core.audit import history_of
from garrison.incidents.models import Incident, IncidentCategory, IncidentStatus
from garrison.logaudit.models import (
    AuditFinding,
    AuditReport,
    DetectionRule,
    LogFormat,
    ReportStatus,
    Triage,
)
from garrison.logaudit.services.sources import create_source
from garrison.logaudit.services.triage import open_incident, triage_finding

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


@pytest.fixture
def source(security_officer: Any, critical_system: Any) -> Any:
    return create_source(
        by=security_officer, name="billing-db commands", asset=critical_system, log_format=LogFormat.BASTION
    )


@pytest.fixture
def rule(db: Any) -> DetectionRule:
    return DetectionRule.objects.create(
        rule_id="t-firewall-flush",
        title="Firewall rules flushed",
        level="high",
        author="Garrison tests",
        text="title: Firewall rules flushed",
    )


def make_report(source: Any, **fields: Any) -> AuditReport:
    number = next(_numbers)
    start = dt.datetime(2026, 2, 23, tzinfo=dt.UTC) - dt.timedelta(days=7 * number)
    fields.setdefault("status", ReportStatus.AWAITING_SIGN_OFF)
    fields.setdefault("finished_at", timezone.now())
    return AuditReport.objects.create(
        reference=f"LA-T{number:05d}",
        source=source,
        period_start=start,
        period_end=start + dt.timedelta(days=7),
        reviewer=source.reviewer,
        **fields,
    )


@pytest.fixture
def finding(source: Any, rule: DetectionRule) -> AuditFinding:
    report = make_report(source)
    return AuditFinding.objects.create(
        report=report,
        rule=rule,
        asset=source.asset,
        title=rule.title,
        level=rule.level,
        match_count=3,
        first_match_at=dt.datetime(2026, 2, 17, 1, 5, tzinfo=dt.UTC),
        last_match_at=dt.datetime(2026, 2, 19, 22, 40, tzinfo=dt.UTC),
        accounts=["zhang.wei", "root"],
        samples=[
            {"batch": 0, "line": 4, "event": {"user": "zhang.wei", "command": "iptables -F"}},
            {"batch": 1, "line": 2, "event": {"user": "root", "command": "iptables -F INPUT"}},
        ],
    )


@pytest.fixture
def categories(db: Any) -> dict[str, IncidentCategory]:
    made = {}
    for order, (code, name) in enumerate([("AB", "Abnormal behaviour incident"), ("OTH", "Other incident")]):
        made[code] = IncidentCategory.objects.create(
            urn=f"urn:test:incident-category:{code.lower()}", code=code, name=name, order=order
        )
    return made


def test_a_finding_is_triaged_and_the_decision_audited(finding: AuditFinding, security_officer: Any) -> None:
    triaged = triage_finding(finding, by=security_officer, triage=Triage.FALSE_POSITIVE, note=" backup job ")
    triaged.refresh_from_db()
    assert (triaged.triage, triaged.triage_note, triaged.triaged_by) == (
        Triage.FALSE_POSITIVE,
        "backup job",
        security_officer,
    )
    assert triaged.triaged_at is not None
    event = history_of(triaged).get()
    assert event.changes["triage"] == [Triage.UNTRIAGED, Triage.FALSE_POSITIVE]
    assert event.actor == security_officer


def test_an_expected_operation_names_its_change_ticket(finding: AuditFinding, security_officer: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        triage_finding(finding, by=security_officer, triage=Triage.EXPECTED, change_ticket="  ")
    assert "change_ticket" in refused.value.message_dict
    finding.refresh_from_db()
    assert finding.triage == Triage.UNTRIAGED
    triaged = triage_finding(
        finding, by=security_officer, triage=Triage.EXPECTED, change_ticket=" CHG-2026-0142 "
    )
    assert (triaged.triage, triaged.change_ticket) == (Triage.EXPECTED, "CHG-2026-0142")
    # Another decision forgets the ticket.
    again = triage_finding(triaged, by=security_officer, triage=Triage.TRUE_POSITIVE, change_ticket="CHG-1")
    assert (again.triage, again.change_ticket) == (Triage.TRUE_POSITIVE, "")


@pytest.mark.parametrize("choice", [Triage.UNTRIAGED, "maybe", ""])
def test_only_the_three_decisions_are_accepted(
    finding: AuditFinding, security_officer: Any, choice: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        triage_finding(finding, by=security_officer, triage=choice)
    assert "triage" in refused.value.message_dict


def test_triage_is_refused_once_the_report_is_signed(finding: AuditFinding, security_officer: Any) -> None:
    AuditReport.objects.filter(pk=finding.report_id).update(status=ReportStatus.SIGNED)
    with pytest.raises(ValidationError) as refused:
        triage_finding(finding, by=security_officer, triage=Triage.FALSE_POSITIVE)
    assert "is signed" in str(refused.value)
    finding.refresh_from_db()
    assert finding.triage == Triage.UNTRIAGED


def test_triage_is_refused_outside_the_persons_reach(
    finding: AuditFinding, outsider: Any, colleague: Any, auditor: Any
) -> None:
    for person in (outsider, colleague, auditor):
        with pytest.raises(Http404):
            triage_finding(finding, by=person, triage=Triage.FALSE_POSITIVE)
    finding.refresh_from_db()
    assert finding.triage == Triage.UNTRIAGED
    assert not history_of(finding).exists()


def test_an_incident_is_opened_in_one_step(
    finding: AuditFinding, security_officer: Any, categories: dict[str, IncidentCategory]
) -> None:
    incident = open_incident(finding, by=security_officer)
    incident.refresh_from_db()
    assert incident.reference.startswith("INC-")
    assert incident.title == "Firewall rules flushed on billing-db"
    assert (incident.category, incident.handler, incident.unit) == (
        categories["AB"],
        security_officer,
        finding.asset.unit,
    )
    assert list(incident.assets.all()) == [finding.asset]
    assert incident.occurred_at == finding.first_match_at
    assert "found 3 events on billing-db" in incident.description
    assert "Accounts: zhang.wei, root." in incident.description
    assert "- batch 0, line 4: user=zhang.wei, command=iptables -F" in incident.description
    assert "Rule author: Garrison tests." in incident.description
    finding.refresh_from_db()
    assert (finding.incident, finding.triage, finding.triaged_by) == (
        incident,
        Triage.TRUE_POSITIVE,
        security_officer,
    )
    assert history_of(finding).get().reason == f"Incident {incident.reference} opened."


def test_a_second_incident_is_refused_while_the_first_is_open(
    finding: AuditFinding, security_officer: Any, categories: dict[str, IncidentCategory]
) -> None:
    first = open_incident(finding, by=security_officer)
    with pytest.raises(ValidationError) as refused:
        open_incident(finding, by=security_officer)
    assert first.reference in str(refused.value)
    assert Incident.objects.count() == 1
    with pytest.raises(ValidationError) as away:
        triage_finding(finding, by=security_officer, triage=Triage.FALSE_POSITIVE)
    assert first.reference in str(away.value)
    Incident.objects.filter(pk=first.pk).update(status=IncidentStatus.CLOSED)
    second = open_incident(finding, by=security_officer)
    finding.refresh_from_db()
    assert finding.incident == second != first


def test_no_incident_without_the_incident_categories(finding: AuditFinding, security_officer: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        open_incident(finding, by=security_officer)
    assert "category" in refused.value.message_dict
    assert not Incident.objects.exists()
    finding.refresh_from_db()
    assert (finding.incident, finding.triage) == (None, Triage.UNTRIAGED)


def test_no_incident_outside_the_persons_reach(
    finding: AuditFinding, outsider: Any, auditor: Any, categories: dict[str, IncidentCategory]
) -> None:
    for person in (outsider, auditor):
        with pytest.raises(Http404):
            open_incident(finding, by=person)
    assert not Incident.objects.exists()


def test_an_incident_for_a_false_positive_of_a_signed_report_is_refused(
    finding: AuditFinding, security_officer: Any, categories: dict[str, IncidentCategory]
) -> None:
    triage_finding(finding, by=security_officer, triage=Triage.FALSE_POSITIVE)
    AuditReport.objects.filter(pk=finding.report_id).update(status=ReportStatus.SIGNED)
    with pytest.raises(ValidationError):
        open_incident(finding, by=security_officer)
    assert not Incident.objects.exists()
