"""Findings worked by people through the services: entered by hand with an SLA due date,
changed, marked fixed and reopened with a reason, linked to risks and incidents, and due
dates recomputed when the policy changes."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from garrison.core.models import AuditEvent, OrgUnit
from garrison.core.scheduling import organisation_today
from garrison.vulns.models import Finding, FindingEventKind, FindingSighting, FindingStatus, Severity, Source
from garrison.vulns.services import findings as services
from garrison.vulns.services.policy import current_policy
from tests.incidents.reviews_support import make_risk

_numbers = itertools.count(1)
CRITICAL_VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def make_finding(unit: OrgUnit, **fields: Any) -> Finding:
    """A finding straight in the database, as an import leaves it (a Nessus finding, open)."""
    number = next(_numbers)
    now = timezone.now()
    fields.setdefault("fingerprint", f"{number:064x}")
    fields.setdefault("title", f"Finding {number}")
    fields.setdefault("source", Source.NESSUS)
    fields.setdefault("severity", Severity.MEDIUM)
    fields.setdefault("first_seen_at", now)
    fields.setdefault("opened_at", now)
    fields.setdefault("due_on", organisation_today() + dt.timedelta(days=90))
    finding = Finding.objects.create(unit=unit, **fields)
    FindingSighting.objects.create(finding=finding, last_seen_at=now)
    return finding


def make_incident(unit: OrgUnit, owner: Any, reference: str) -> Any:
    from garrison.incidents.models import Incident, IncidentCategory

    category, _created = IncidentCategory.objects.get_or_create(
        urn="urn:test:incident-category:na", defaults={"code": "NA", "name": "Network attack incident"}
    )
    return Incident.objects.create(
        reference=reference,
        title=f"Incident {reference}",
        category=category,
        discovered_at=timezone.now(),
        handler=owner,
        unit=unit,
    )


def actions_of(finding: Finding) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="vulns.finding", object_id=str(finding.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )


# Entering a finding by hand ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "days"),
    [
        (Severity.CRITICAL, 7),
        (Severity.HIGH, 30),
        (Severity.MEDIUM, 90),
        (Severity.LOW, 180),
        (Severity.INFO, None),
    ],
)
def test_a_manual_finding_is_due_by_the_policy_for_its_severity(
    security_officer: Any, organisation: Any, severity: int, days: int | None
) -> None:
    finding = services.create_finding(
        by=security_officer,
        unit=organisation.beijing,
        title="Default credentials on the admin page",
        severity=severity,
    )
    assert finding.source == Source.MANUAL
    assert finding.status == FindingStatus.OPEN
    assert len(finding.fingerprint) == 64
    expected = organisation_today() + dt.timedelta(days=days) if days is not None else None
    assert finding.due_on == expected
    assert [(event.kind, event.actor) for event in finding.events.all()] == [
        (FindingEventKind.OPENED, security_officer.full_name)
    ]
    assert actions_of(finding) == ["create"]
    # Seen when entered, by no import.
    sighting = FindingSighting.objects.get(finding=finding)
    assert (sighting.last_seen_at, sighting.last_import) == (finding.first_seen_at, None)


def test_two_manual_findings_alike_are_never_merged(security_officer: Any, organisation: Any) -> None:
    first = services.create_finding(by=security_officer, unit=organisation.beijing, title="Same", severity=2)
    second = services.create_finding(by=security_officer, unit=organisation.beijing, title="Same", severity=2)
    assert first.fingerprint != second.fingerprint


def test_the_cvss_vector_gives_the_severity_and_score(security_officer: Any, organisation: Any) -> None:
    finding = services.create_finding(
        by=security_officer,
        unit=organisation.beijing,
        title="Remote code execution",
        severity=Severity.LOW,
        cvss_vector=CRITICAL_VECTOR,
        cve_ids="cve-2021-44228, CVE-2021-45046",
        cwe_ids=["CWE-502"],
        references="https://logging.apache.org/security.html\n\nhttps://nvd.nist.gov/",
    )
    finding.refresh_from_db()
    assert finding.severity == Severity.CRITICAL
    assert finding.cvss_score == Decimal("9.8")
    assert finding.cvss_version == "3.1"
    assert finding.cve_ids == ["CVE-2021-44228", "CVE-2021-45046"]
    assert finding.cve == "CVE-2021-44228"
    assert finding.cwe_ids == ["CWE-502"]
    assert finding.references == ["https://logging.apache.org/security.html", "https://nvd.nist.gov/"]
    assert finding.due_on == organisation_today() + dt.timedelta(days=7)


def test_a_manual_finding_names_every_mistake_and_writes_nothing(
    security_officer: Any, organisation: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.create_finding(
            by=security_officer, unit=organisation.beijing, title=" ", cve_ids="CVE-21", port=70000
        )
    assert set(refused.value.message_dict) == {"title", "severity", "cve_ids", "port"}
    with pytest.raises(ValidationError) as refused:
        services.create_finding(by=security_officer, unit=organisation.beijing, title="X", cvss_vector="AV:Q")
    assert set(refused.value.message_dict) == {"cvss_vector"}
    assert Finding.objects.count() == 0


def test_a_finding_on_an_asset_belongs_to_the_asset_unit(
    security_officer: Any, organisation: Any, make_asset: Any
) -> None:
    asset = make_asset(unit=organisation.beijing_ops)
    finding = services.create_finding(
        by=security_officer, unit=organisation.beijing, title="Weak TLS", severity=2, asset=asset
    )
    assert finding.unit == organisation.beijing_ops
    assert finding.asset == asset


def test_only_who_manages_vulnerabilities_of_the_unit_enters_findings(
    colleague: Any, outsider: Any, auditor: Any, organisation: Any, make_asset: Any
) -> None:
    asset = make_asset()
    for person in (colleague, outsider, auditor):
        with pytest.raises(ValidationError) as refused:
            services.create_finding(by=person, unit=organisation.beijing, title="X", severity=2)
        assert set(refused.value.message_dict) == {"unit"}
    with pytest.raises(ValidationError) as refused:
        services.create_finding(by=outsider, unit=organisation.shanghai, title="X", severity=2, asset=asset)
    assert refused.value.message_dict == {"asset": ["Asset not found."]}
    assert Finding.objects.count() == 0


# Changing one ------------------------------------------------------------------------------------


def test_a_new_severity_moves_the_due_date_from_the_same_clock(
    security_officer: Any, organisation: Any
) -> None:
    finding = services.create_finding(by=security_officer, unit=organisation.beijing, title="XSS", severity=1)
    services.update_finding(
        finding, by=security_officer, reason="Exploitable", severity=Severity.HIGH, title="XSS"
    )
    assert finding.severity == Severity.HIGH
    assert finding.due_on == organisation_today() + dt.timedelta(days=30)
    assert actions_of(finding) == ["create", "update"]
    assert AuditEvent.objects.filter(action="update").get().changes["severity"] == [1, 3]


def test_imported_findings_are_not_edited(security_officer: Any, organisation: Any) -> None:
    finding = make_finding(organisation.beijing, title="From Nessus")
    with pytest.raises(ValidationError):
        services.update_finding(finding, by=security_officer, title="Mine now")
    finding.refresh_from_db()
    assert finding.title == "From Nessus"


def test_people_out_of_reach_cannot_change_a_finding(
    colleague: Any, outsider: Any, auditor: Any, organisation: Any, security_officer: Any
) -> None:
    finding = services.create_finding(by=security_officer, unit=organisation.beijing, title="XSS", severity=1)
    for person in (colleague, outsider, auditor):
        with pytest.raises(Http404):
            services.update_finding(finding, by=person, title="Changed")
        with pytest.raises(Http404):
            services.mark_fixed(finding, by=person, reason="Patched")
    finding.refresh_from_db()
    assert (finding.title, finding.status) == ("XSS", FindingStatus.OPEN)


# Status ------------------------------------------------------------------------------------------


def test_marking_fixed_needs_a_reason(security_officer: Any, organisation: Any) -> None:
    finding = make_finding(organisation.beijing)
    with pytest.raises(ValidationError) as refused:
        services.mark_fixed(finding, by=security_officer, reason="  ")
    assert set(refused.value.message_dict) == {"reason"}
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    assert finding.events.count() == 0


def test_fixed_then_reopened_starts_a_new_clock(security_officer: Any, organisation: Any) -> None:
    long_ago = timezone.now() - dt.timedelta(days=200)
    finding = make_finding(
        organisation.beijing, severity=Severity.HIGH, opened_at=long_ago, due_on=dt.date(2020, 1, 1)
    )
    services.mark_fixed(finding, by=security_officer, reason="Patched in the March window")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.FIXED
    assert finding.fixed_at is not None
    services.reopen_finding(finding, by=security_officer, reason="Still vulnerable after the patch")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    assert finding.fixed_at is None
    assert finding.reopened_count == 1
    assert finding.opened_at > long_ago
    assert finding.due_on == organisation_today() + dt.timedelta(days=30)
    assert [(event.kind, event.status, event.note) for event in finding.events.order_by("at", "id")] == [
        (FindingEventKind.STATUS, FindingStatus.FIXED, "Patched in the March window"),
        (FindingEventKind.STATUS, FindingStatus.OPEN, "Still vulnerable after the patch"),
    ]
    assert actions_of(finding) == ["transition", "update", "transition", "update"]


def test_an_open_finding_cannot_be_reopened(security_officer: Any, organisation: Any) -> None:
    finding = make_finding(organisation.beijing)
    with pytest.raises(ValidationError) as refused:
        services.reopen_finding(finding, by=security_officer, reason="Again")
    assert set(refused.value.message_dict) == {"status"}


# Links -------------------------------------------------------------------------------------------


def test_links_only_to_risks_and_incidents_the_person_sees(
    security_officer: Any, organisation: Any, owner: Any, outsider: Any
) -> None:
    finding = make_finding(organisation.beijing)
    risk = make_risk(organisation.beijing, owner)
    incident = make_incident(organisation.beijing, owner, "INC-F0001")
    far_risk = make_risk(organisation.shanghai, outsider)
    far_incident = make_incident(organisation.shanghai, outsider, "INC-F0002")

    services.set_links(finding, by=security_officer, risks=[risk], incidents=[incident.pk])
    assert list(finding.risks.all()) == [risk]
    assert list(finding.incidents.all()) == [incident]

    with pytest.raises(ValidationError) as refused:
        services.set_links(finding, by=security_officer, risks=[risk, far_risk], incidents=[far_incident])
    assert refused.value.message_dict == {
        "risks": [f"Risk scenario not found: {far_risk.reference}."],
        "incidents": ["Incident not found: INC-F0002."],
    }
    assert list(finding.risks.all()) == [risk]
    assert list(finding.incidents.all()) == [incident]


def test_unlinking_keeps_the_links_the_person_cannot_see(
    security_officer: Any, organisation: Any, owner: Any, outsider: Any
) -> None:
    finding = make_finding(organisation.beijing)
    risk = make_risk(organisation.beijing, owner)
    far_risk = make_risk(organisation.shanghai, outsider)
    finding.risks.set([risk, far_risk])
    services.set_links(finding, by=security_officer, risks=[])
    assert list(finding.risks.all()) == [far_risk]
    event = AuditEvent.objects.get(object_type="vulns.finding", action="update")
    assert event.changes == {"risks": [sorted([risk.pk, far_risk.pk]), [far_risk.pk]]}


# The policy changes ------------------------------------------------------------------------------


def test_recomputing_due_dates_follows_the_policy_for_open_findings_only(organisation: Any) -> None:
    opened = dt.datetime(2026, 3, 1, 20, 30, tzinfo=dt.UTC)  # 2 March 04:30 in Shanghai
    critical = make_finding(organisation.beijing, severity=Severity.CRITICAL, opened_at=opened)
    low = make_finding(organisation.beijing, severity=Severity.LOW, opened_at=opened)
    info = make_finding(organisation.beijing, severity=Severity.INFO, opened_at=opened)
    fixed = make_finding(
        organisation.beijing, severity=Severity.CRITICAL, opened_at=opened, status=FindingStatus.FIXED
    )
    policy = current_policy()
    policy.critical_days = 3
    policy.low_days = 365
    policy.save()

    assert services.recompute_due_dates(policy) == 3
    for finding in (critical, low, info, fixed):
        finding.refresh_from_db()
    assert critical.due_on == dt.date(2026, 3, 5)
    assert low.due_on == dt.date(2027, 3, 2)
    assert info.due_on is None
    assert fixed.due_on == organisation_today() + dt.timedelta(days=90)


def test_recording_an_event_keeps_the_status_and_who(organisation: Any, security_officer: Any) -> None:
    finding = make_finding(organisation.beijing)
    moment = timezone.now() - dt.timedelta(hours=1)
    event = services.record_event(
        finding, FindingEventKind.RETEST, actor=security_officer, note="Passed", at=moment
    )
    assert (event.status, event.actor, event.note, event.at) == (
        FindingStatus.OPEN,
        security_officer.full_name,
        "Passed",
        moment,
    )
    assert services.record_event(finding, FindingEventKind.STATUS, actor="seed-demo").actor == "seed-demo"
