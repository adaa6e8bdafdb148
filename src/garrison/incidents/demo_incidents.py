"""The incidents demo step: the reporting profile of an "other network operator", emergency
contacts, a three-level escalation chain, two playbooks, and eight cases at every stage.

Everything goes through the services of the incidents app, so the obligations, timeline,
tasks and audit trail are those a real case would have: the system keeps the profile,
contacts and playbooks, and each case is worked by its handler. Times are counted back from the
moment of seeding (nothing is random), so the demo always shows:

- two open cases discovered an hour or two ago whose initial-report clocks are running;
- exactly one case whose initial report is overdue (discovered six hours ago);
- a 1.2-million-person personal-information leak with its PIPL notifications made;
- a closed case with its completed post-incident review, whose corrective actions link
  to a demo risk scenario and applied control (when the risk and control steps ran);
- a case in post-incident review with a draft review, a general case, a false positive
  and a general case in Shanghai.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from garrison.compliance.models import AppliedControl
from garrison.core.demo.registry import DemoContext, register_step
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.incidents.models import (
    Channel,
    ContactKind,
    Grade,
    Incident,
    IncidentCategory,
    ObligationKind,
    ObligationStatus,
    OperatorKind,
    Playbook,
    TimelineKind,
)
from garrison.incidents.services import cases, contacts, grading, playbooks, profile, reviews, submissions
from garrison.incidents.services import tasks as task_services
from garrison.incidents.services import timeline as timeline_services
from garrison.risks.models import RiskScenario

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

PROFILE = {
    "operator_kind": OperatorKind.OTHER_OPERATOR,
    "reporting_unit_name": "Blue Cloud Data Centers Co., Ltd. (蓝云数据中心有限公司)",
    "provincial_cyberspace_administration": "Beijing Municipal Cyberspace Administration (北京市委网信办)",
    "public_security_body": "Beijing Public Security Bureau, Cybersecurity Corps (北京市公安局网安总队)",
    "personal_information_authority": "Beijing Municipal Cyberspace Administration (北京市委网信办)",
}
CONTACTS = (
    (
        "Incident reporting desk",
        "Beijing Municipal Cyberspace Administration (北京市委网信办)",
        "Receives incident reports of Beijing operators",
        ContactKind.REGULATOR,
        "010-5555-0101",
        "report@bj-cac.example.cn",
    ),
    (
        "Incident reporting desk",
        "Shanghai Municipal Cyberspace Administration (上海市委网信办)",
        "Receives incident reports of the Shanghai site",
        ContactKind.REGULATOR,
        "021-5555-0102",
        "report@sh-cac.example.cn",
    ),
    (
        "Duty officer",
        "Beijing Municipal Public Security Bureau, Cybersecurity Corps (北京市公安局网安总队)",
        "Cybercrime reports and evidence preservation",
        ContactKind.LAW_ENFORCEMENT,
        "010-5555-0110",
        "",
    ),
    (
        "Emergency response hotline",
        "Red Lantern Security Services (红灯笼安全服务)",
        "Retained incident-response and forensics provider",
        ContactKind.EXPERT,
        "400-555-0199",
        "ir@redlantern.example.cn",
    ),
)
PLAYBOOKS = (
    (
        "Ransomware response",
        "勒索软件事件处置",
        "MP",
        (
            ("Isolate the infected hosts from the network", "隔离受感染主机", 1),
            ("Preserve memory images and logs before any clean-up", "在清理前保全内存镜像和日志", 2),
            ("Identify the strain and the way in", "识别勒索软件家族及入侵途径", 8),
            ("Check that offline backups are intact", "确认离线备份完好", 12),
            ("Restore from clean backups and reset credentials", "从干净备份恢复并重置凭据", 48),
        ),
    ),
    (
        "Personal-information leak response",
        "个人信息泄露事件处置",
        "DS",
        (
            ("Close the exposure and revoke leaked credentials", "封堵泄露途径并吊销泄露的凭据", 1),
            ("Establish whose information and which kinds leaked", "确定涉及的个人及信息种类", 4),
            (
                "Notify the authority and the individuals (PIPL art. 57)",
                "通知主管部门和个人 (个保法第57条)",
                4,
            ),
            ("Monitor for misuse of the leaked data", "监测泄露数据的滥用情况", 72),
        ),
    ),
)


@dataclass
class Demo:
    """What the step works with: the actor, the people and places, the moment of seeding."""

    by: str
    now: dt.datetime
    handler: Person
    reporter: Person
    unit: OrgUnit
    shanghai: OrgUnit
    shanghai_handler: Person
    categories: dict[str, IncidentCategory] = field(default_factory=dict)
    playbooks: dict[str, Playbook] = field(default_factory=dict)


def _person(context: DemoContext, *usernames: str) -> Person:
    for username in usernames:
        person = context.people.get(username) or Person.objects.filter(username=username).first()
        if person is not None:
            return person
    return Person.objects.order_by("pk").first()  # type: ignore[return-value]


def _unit(context: DemoContext, *codes: str) -> OrgUnit:
    for code in codes:
        unit = context.units.get(code) or OrgUnit.objects.filter(code=code).first()
        if unit is not None:
            return unit
    return OrgUnit.objects.filter(parent__isnull=True).order_by("pk").get()


def _setup(context: DemoContext, demo: Demo) -> None:
    profile.update_profile(by=demo.by, **PROFILE)
    for name, organisation, role, kind, phone, email in CONTACTS:
        contacts.create_contact(
            by=demo.by, name=name, organisation=organisation, role=role, kind=kind, phone=phone, email=email
        )
    security = [
        person
        for person in Person.objects.filter(unit__code="security").order_by("username")
        if person.is_active and person.pk not in (demo.handler.pk,)
    ]
    admin = _person(context, "admin")
    third = next((person for person in security if person.pk != admin.pk), admin)
    for level, person, minutes, note in (
        (1, demo.handler, 0, "Mobile, 24/7 on-duty rota"),
        (2, admin, 60, "Mobile; escalate by phone, then e-mail"),
        (3, third, 180, "Head of security; phone only"),
    ):
        contacts.create_escalation_step(
            by=demo.by, level=level, person=person, after_minutes=minutes, contact_note=note
        )
    for name, name_zh, category_code, steps in PLAYBOOKS:
        playbook = playbooks.create_playbook(
            by=demo.by,
            name=name,
            name_zh=name_zh,
            description=f"Garrison demo playbook: {name.lower()}.",
            category=demo.categories.get(category_code),
        )
        for order, (title, title_zh, hours) in enumerate(steps, start=1):
            playbooks.add_step(
                playbook, by=demo.by, order=order, title=title, title_zh=title_zh, due_after_hours=hours
            )
        demo.playbooks[category_code] = playbook


def _case(demo: Demo, *, category: str, subcategory: str = "", **fields: Any) -> Incident:
    fields.setdefault("handler", demo.handler)
    fields.setdefault("unit", demo.unit)
    fields.setdefault("reported_by", demo.reporter)
    return cases.create_incident(
        by=fields["handler"],
        category=demo.categories[category],
        subcategory=demo.categories.get(subcategory),
        **fields,
    )


def _grade(demo: Demo, incident: Incident, grade: str, at: dt.datetime) -> None:
    grading.confirm_grade(
        incident,
        grade=grade,
        by=incident.handler,
        reason="Graded by the handler in the first triage call.",
        now=at,
    )


def _step(demo: Demo, incident: Incident, *names_at: tuple[str, dt.datetime], reason: str = "") -> None:
    for name, at in names_at:
        cases.transition_incident(incident, name, by=incident.handler, reason=reason, now=at)


def _submit(demo: Demo, incident: Incident, kind: str, sent_at: dt.datetime, receipt: str) -> None:
    obligations = incident.obligations.filter(kind=kind, status=ObligationStatus.PENDING).order_by("pk")
    for obligation in obligations:
        submissions.record_submission(
            incident,
            by=incident.handler,
            recipient=obligation.recipient,
            channel=Channel.ONLINE_PLATFORM if kind != ObligationKind.PIPL_INDIVIDUALS else Channel.EMAIL,
            sent_at=sent_at,
            obligation=obligation,
            receipt=receipt,
        )


def _events(demo: Demo, incident: Incident, *events: tuple[dt.datetime, str, str]) -> None:
    for occurred_at, kind, description in events:
        timeline_services.add_event(
            incident,
            by=incident.handler,
            occurred_at=occurred_at,
            kind=kind,
            description=description,
            now=demo.now,
        )


# The cases ---------------------------------------------------------------------------------------


def _ransomware(demo: Demo) -> Incident:
    """Open, major, discovered an hour ago: the initial report is due in three hours."""
    discovered = demo.now - HOUR
    incident = _case(
        demo,
        title="Ransomware encrypting the Beijing file servers",
        description="File shares of the Beijing site show encrypted files and a ransom note (LockBit-like).",
        category="MP",
        subcategory="MP-RW",
        occurred_at=discovered - 2 * HOUR,
        discovered_at=discovered,
        service_outage_minutes=60,
        direct_loss_cny=800000,
        tags=["ransomware"],
    )
    _grade(demo, incident, Grade.MAJOR, discovered + 10 * dt.timedelta(minutes=1))
    _step(demo, incident, ("triage", discovered + 5 * dt.timedelta(minutes=1)))
    _step(demo, incident, ("contain", discovered + 20 * dt.timedelta(minutes=1)))
    playbooks.apply_playbook(
        incident, demo.playbooks["MP"], by=incident.handler, now=discovered + 25 * dt.timedelta(minutes=1)
    )
    _events(
        demo,
        incident,
        (discovered, TimelineKind.DETECTION, "EDR alert: mass file renames on FS-BJ-01 and FS-BJ-02."),
        (discovered + 30 * dt.timedelta(minutes=1), TimelineKind.CONTAINMENT, "Both file servers isolated."),
    )
    return incident


def _data_leak(demo: Demo) -> Incident:
    """Open, 1.2 million people's personal information leaked: PIPL notices made, the
    initial report to the provincial administration due in two hours."""
    discovered = demo.now - 2 * HOUR
    incident = _case(
        demo,
        title="Customer database exposed: 1.2 million records",
        description="A misconfigured storage bucket exposed a customer export with names and phone numbers.",
        category="DS",
        subcategory="DS-LK",
        occurred_at=discovered - 3 * DAY,
        discovered_at=discovered,
        personal_information_people=1_200_000,
        personal_information_breach=True,
    )
    _grade(demo, incident, Grade.RELATIVELY_MAJOR, discovered + 15 * dt.timedelta(minutes=1))
    _step(demo, incident, ("triage", discovered + 5 * dt.timedelta(minutes=1)))
    _step(demo, incident, ("contain", discovered + 20 * dt.timedelta(minutes=1)))
    playbooks.apply_playbook(
        incident, demo.playbooks["DS"], by=incident.handler, now=discovered + 25 * dt.timedelta(minutes=1)
    )
    _submit(
        demo, incident, ObligationKind.PIPL_AUTHORITY, discovered + 40 * dt.timedelta(minutes=1), "BJ-PI-0412"
    )
    _submit(
        demo,
        incident,
        ObligationKind.PIPL_INDIVIDUALS,
        discovered + 50 * dt.timedelta(minutes=1),
        "SMS batch 1",
    )
    return incident


def _overdue(demo: Demo) -> Incident:
    """Open, relatively major, discovered six hours ago: the initial report is two hours late."""
    discovered = demo.now - 6 * HOUR
    incident = _case(
        demo,
        title="DDoS attack on the customer portal",
        description="A volumetric attack keeps the customer portal down despite upstream scrubbing.",
        category="NA",
        subcategory="NA-DOS",
        occurred_at=discovered - 10 * dt.timedelta(minutes=1),
        discovered_at=discovered,
        service_outage_minutes=300,
    )
    _grade(demo, incident, Grade.RELATIVELY_MAJOR, discovered + 30 * dt.timedelta(minutes=1))
    _step(demo, incident, ("contain", discovered + 45 * dt.timedelta(minutes=1)))
    task_services.create_task(
        incident,
        by=incident.handler,
        title="Agree emergency scrubbing capacity with the upstream carrier",
        owner=demo.handler,
        due_at=demo.now + 2 * HOUR,
    )
    return incident


def _general(demo: Demo) -> Incident:
    """Open, general: a phishing wave reported by staff, being triaged; nothing to report."""
    discovered = demo.now - 5 * HOUR
    incident = _case(
        demo,
        title="Phishing e-mails impersonating the IT helpdesk",
        description="Staff reported e-mails asking them to 're-validate' their VPN password.",
        category="NA",
        subcategory="NA-PH",
        discovered_at=discovered,
    )
    _grade(demo, incident, Grade.GENERAL, discovered + HOUR)
    _step(demo, incident, ("triage", discovered + HOUR))
    return incident


def _false_positive(demo: Demo) -> Incident:
    discovered = demo.now - 2 * DAY
    incident = _case(
        demo,
        title="Suspicious outbound traffic from a build server",
        description="NDR flagged large uploads to an unknown host.",
        category="NA",
        discovered_at=discovered,
    )
    _step(demo, incident, ("triage", discovered + HOUR))
    _step(
        demo,
        incident,
        ("false_positive", discovered + 3 * HOUR),
        reason="The host is the new artefact mirror; the uploads were a scheduled sync.",
    )
    return incident


def _shanghai(demo: Demo) -> Incident:
    """A general case of the Shanghai site, in eradication."""
    discovered = demo.now - 3 * DAY
    incident = _case(
        demo,
        title="Cryptominer on a Shanghai test virtual machine",
        description="Monitoring showed sustained CPU use by an unknown process on a test VM.",
        category="MP",
        discovered_at=discovered,
        occurred_at=discovered - DAY,
        unit=demo.shanghai,
        handler=demo.shanghai_handler,
    )
    _grade(demo, incident, Grade.GENERAL, discovered + HOUR)
    _step(demo, incident, ("contain", discovered + HOUR), ("eradicate", discovered + 3 * HOUR))
    return incident


def _in_review(demo: Demo) -> Incident:
    """Relatively major, handled, reported on time: the review is still a draft, so the
    case cannot close yet."""
    discovered = demo.now - 4 * DAY
    incident = _case(
        demo,
        title="Credential stuffing against the customer portal",
        description="40,000 login attempts an hour with leaked password lists; 312 accounts taken over.",
        category="NA",
        discovered_at=discovered,
        occurred_at=discovered - 6 * HOUR,
        direct_loss_cny=6_000_000,
    )
    _grade(demo, incident, Grade.RELATIVELY_MAJOR, discovered + HOUR)
    _submit(demo, incident, ObligationKind.INITIAL, discovered + 3 * HOUR, "BJCAC-2026-0311")
    _step(
        demo,
        incident,
        ("contain", discovered + HOUR),
        ("recover", discovered + 10 * HOUR),
        ("review", discovered + 2 * DAY),
    )
    review = reviews.start_review(incident, by=incident.handler)
    reviews.update_review(
        review,
        by=incident.handler,
        summary="Taken over accounts were locked and their owners told within a day.",
        root_cause="The portal had no rate limiting and no second factor for customers.",
    )
    return incident


def _closed(demo: Demo, risk: RiskScenario | None, control: AppliedControl | None) -> Incident:
    """Relatively major, closed three days ago after a completed review whose corrective
    actions link to a risk scenario and a control."""
    discovered = demo.now - 20 * DAY
    incident = _case(
        demo,
        title="Defacement of the corporate website",
        description="The public website showed a banner for 50 minutes after a CMS plug-in was exploited.",
        category="NA",
        discovered_at=discovered,
        occurred_at=discovered - 40 * dt.timedelta(minutes=1),
        service_outage_minutes=50,
    )
    _grade(demo, incident, Grade.RELATIVELY_MAJOR, discovered + 30 * dt.timedelta(minutes=1))
    _submit(demo, incident, ObligationKind.INITIAL, discovered + 2 * HOUR, "BJCAC-2026-0288")
    _events(
        demo,
        incident,
        (discovered, TimelineKind.DETECTION, "A customer reported the banner by phone."),
        (discovered + HOUR, TimelineKind.CONTAINMENT, "Website switched to the static maintenance page."),
    )
    _step(
        demo,
        incident,
        ("contain", discovered + 20 * dt.timedelta(minutes=1)),
        ("eradicate", discovered + HOUR),
        ("recover", discovered + 6 * HOUR),
        ("review", discovered + 3 * DAY),
    )
    _submit(demo, incident, ObligationKind.FINAL, discovered + 10 * DAY, "BJCAC-2026-0288-F")
    review = reviews.start_review(incident, by=incident.handler)
    reviews.update_review(
        review,
        by=incident.handler,
        review_date=(discovered + 12 * DAY).date(),
        participants=[demo.handler, demo.reporter],
        summary="Detected by a customer, not by monitoring; contained in one hour.",
        root_cause="An outdated CMS plug-in with a known remote-code-execution flaw, outside any patching.",
        lessons_learned="Patch plug-ins like the CMS itself; page-integrity monitoring must alert us first.",
        what_went_well="The maintenance page and the reporting desk contact worked as planned.",
        what_to_improve="Nobody owned the website's plug-ins.",
    )
    reviews.add_action(
        review,
        by=incident.handler,
        title="Put CMS plug-ins under the monthly patch process",
        owner=demo.handler,
        due_on=(demo.now - 5 * DAY).date(),
        risks=[risk] if risk is not None else [],
        controls=[control] if control is not None else [],
    )
    done = reviews.add_action(
        review,
        by=incident.handler,
        title="Monitor the integrity of public web pages",
        owner=demo.handler,
        due_on=(demo.now + 14 * DAY).date(),
        controls=[control] if control is not None else [],
    )
    reviews.complete_action(done, by=incident.handler, completed_on=(demo.now - 4 * DAY).date())
    reviews.complete_review(review, by=incident.handler)
    _step(demo, incident, ("close", demo.now - 3 * DAY))
    return incident


def _demo_risk(demo: Demo) -> RiskScenario | None:
    """The first risk scenario of the site the handler may see (none before the risk step ran)."""
    within = RiskScenario.objects.filter(unit__path__startswith=demo.unit.path)
    return restrict(within, demo.handler, Action.VIEW).order_by("reference").first()


def _demo_control(demo: Demo) -> AppliedControl | None:
    within = AppliedControl.objects.filter(unit__path__startswith=demo.unit.path)
    return restrict(within, demo.handler, Action.VIEW).order_by("reference").first()


@register_step("incidents", order=500)
def seed_incidents(context: DemoContext) -> None:
    demo = Demo(
        by=context.actor,
        now=timezone.now().replace(microsecond=0),
        handler=_person(context, "secofficer"),
        reporter=_person(context, "employee"),
        unit=_unit(context, "bj", context.root_code),
        shanghai=_unit(context, "sh", context.root_code),
        shanghai_handler=_person(context, "admin"),
        categories={category.code: category for category in IncidentCategory.objects.all()},
    )
    if not {"MP", "NA", "DS"} <= set(demo.categories):
        # The incident library was not loaded: there is nothing to classify cases with.
        return
    _setup(context, demo)
    made = [
        _ransomware(demo),
        _data_leak(demo),
        _overdue(demo),
        _general(demo),
        _false_positive(demo),
        _shanghai(demo),
        _in_review(demo),
        _closed(demo, _demo_risk(demo), _demo_control(demo)),
    ]
    context.count("incidents", len(made))
