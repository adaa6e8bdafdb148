"""The audits demo step: last year's internal ISMS audit, closed with its findings
verified; this year's internal audit in reporting, with a major and two minor
nonconformities, two observations and an opportunity whose corrective actions are in
several states (one overdue); and the external ISO/IEC 27001 surveillance audit,
planned. Written through the services (so every record has its history), acting as
the Compliance Manager, with notifications muted. Deterministic: dates are counted
from today and nothing is drawn at random.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from garrison.compliance.models import (
    Audit,
    AuditKind,
    CorrectiveActionStatus,
    Finding,
    FindingKind,
    Framework,
)
from garrison.compliance.services import audits as services
from garrison.core.demo.registry import DemoContext, register_step
from garrison.core.models import OrgUnit, Person
from garrison.core.services.notifications import muted

ISO27001_URN = "urn:garrison:framework:iso27001-2022"


@register_step("compliance-audits", order=430)
def seed_audits(context: DemoContext) -> None:
    manager = context.people.get("compliance")
    if manager is None:
        return
    root = context.units.get(context.root_code) or OrgUnit.objects.get(parent__isnull=True)
    officer = context.people.get("secofficer", manager)
    risk_owner = context.people.get("riskowner", manager)
    framework = Framework.objects.filter(urn=ISO27001_URN).first()
    today = timezone.localdate()
    with muted():
        audits = [
            _last_year(manager, officer, risk_owner, root, framework, today),
            _this_year(manager, officer, risk_owner, root, framework, today),
            services.create_audit(
                by=manager,
                title="ISO/IEC 27001 surveillance audit",
                kind=AuditKind.SURVEILLANCE,
                unit=root,
                lead=manager,
                auditing_body="China Quality Certification Centre",
                framework=framework,
                scope_description="Second surveillance audit of the ISMS certificate: all data-center sites.",
                starts_on=today + dt.timedelta(days=60),
                ends_on=today + dt.timedelta(days=62),
            ),
        ]
    context.count("audits", len(audits))
    context.count("findings", sum(audit.findings.count() for audit in audits))


def _last_year(
    manager: Person,
    officer: Person,
    risk_owner: Person,
    root: OrgUnit,
    framework: Framework | None,
    today: dt.date,
) -> Audit:
    started = today - dt.timedelta(days=365)
    audit = services.create_audit(
        by=manager,
        title=f"Internal ISMS audit {started.year}",
        kind=AuditKind.INTERNAL,
        unit=root,
        lead=manager,
        framework=framework,
        scope_description="The information security management system of every site.",
        starts_on=started,
        ends_on=started + dt.timedelta(days=5),
        summary="The ISMS is effective; one minor nonconformity on access reviews.",
    )
    services.transition_audit(audit, "start", by=manager)
    minor = services.raise_audit_finding(
        audit,
        by=manager,
        title="Quarterly access reviews skipped for two quarters",
        description="The reviews of privileged access for Q2 and Q3 have no record.",
        kind=FindingKind.MINOR,
        owner=officer,
        raised_on=started + dt.timedelta(days=3),
        due_on=started + dt.timedelta(days=90),
    )
    action = services.add_corrective_action(
        minor,
        by=manager,
        title="Schedule access reviews in the testing calendar",
        owner=officer,
        due_on=started + dt.timedelta(days=60),
    )
    services.complete_corrective_action(action, by=manager, completed_on=started + dt.timedelta(days=50))
    minor.refresh_from_db()
    services.verify_finding(minor, by=manager, effective=True, notes="Two later reviews done on time.")
    observation = services.raise_audit_finding(
        audit,
        by=manager,
        title="Visitor log kept on paper at one site",
        kind=FindingKind.OBSERVATION,
        owner=risk_owner,
        raised_on=started + dt.timedelta(days=4),
    )
    services.close_finding(
        observation, by=manager, notes="Accepted: the electronic log is planned for next year."
    )
    services.transition_audit(audit, "report", by=manager)
    services.transition_audit(audit, "close", by=manager)
    return audit


def _this_year(
    manager: Person,
    officer: Person,
    risk_owner: Person,
    root: OrgUnit,
    framework: Framework | None,
    today: dt.date,
) -> Audit:
    started = today - dt.timedelta(days=30)
    audit = services.create_audit(
        by=manager,
        title=f"Internal ISMS audit {started.year}",
        kind=AuditKind.INTERNAL,
        unit=root,
        lead=manager,
        framework=framework,
        scope_description="The ISMS, with a focus on supplier security and operations.",
        starts_on=started,
        ends_on=started + dt.timedelta(days=7),
    )
    services.transition_audit(audit, "start", by=manager)
    raised = started + dt.timedelta(days=5)

    def finding(title: str, kind: str, owner: Person, due_days: int | None = None) -> Finding:
        return services.raise_audit_finding(
            audit,
            by=manager,
            title=title,
            kind=kind,
            owner=owner,
            raised_on=raised,
            due_on=raised + dt.timedelta(days=due_days) if due_days else None,
        )

    major = finding(
        "No supplier security assessments since the policy changed", FindingKind.MAJOR, officer, 60
    )
    first = services.add_corrective_action(
        major,
        by=manager,
        title="Assess the ten critical suppliers",
        owner=officer,
        due_on=today - dt.timedelta(days=10),
    )
    services.update_corrective_action(first, by=manager, status=CorrectiveActionStatus.IN_PROGRESS)
    services.add_corrective_action(
        major,
        by=manager,
        title="Add the assessment to onboarding",
        owner=risk_owner,
        due_on=today + dt.timedelta(days=30),
    )
    backup = finding("Restore tests not recorded for the archive storage", FindingKind.MINOR, officer, 45)
    done = services.add_corrective_action(
        backup,
        by=manager,
        title="Record the quarterly restore test",
        owner=officer,
        due_on=today - dt.timedelta(days=5),
    )
    services.complete_corrective_action(done, by=manager, completed_on=today - dt.timedelta(days=6))
    change = finding(
        "Emergency changes approved after the fact without review", FindingKind.MINOR, risk_owner, 45
    )
    services.add_corrective_action(
        change,
        by=manager,
        title="Review emergency changes weekly",
        owner=risk_owner,
        due_on=today + dt.timedelta(days=5),
    )
    noted = finding(
        "Clean-desk reminders not posted in the Shanghai office", FindingKind.OBSERVATION, risk_owner
    )
    services.close_finding(noted, by=manager, notes="Posted during the audit.")
    finding("Screen locks set to 15 minutes on some kiosks", FindingKind.OBSERVATION, officer)
    opportunity = finding("Automate the collection of firewall evidence", FindingKind.OPPORTUNITY, officer)
    services.add_corrective_action(
        opportunity,
        by=manager,
        title="Export firewall rules to the evidence store nightly",
        owner=officer,
        due_on=today + dt.timedelta(days=90),
    )
    services.transition_audit(audit, "report", by=manager)
    return audit
