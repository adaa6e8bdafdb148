"""The compliance controls demo step: about 25 controls of the Beijing and Shanghai data
centres, implemented once and meeting many requirements.

Each control meets an ISO/IEC 27001:2022 Annex A control and, through the shipped
ISO-to-MLPS mapping set, the MLPS 2.0 Class III control points it maps to; it protects a
few assets of its site and reduces some of the site's risk scenarios (the assets and risks
steps run first). Implemented controls have a test plan, their last tests done (one of
them failed, with its nonconformity, one left overdue) and the coming ones scheduled.
Deterministic from the context's seed; written through the services, so audited.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from garrison.assets.models import Asset
from garrison.compliance.models import (
    FREQUENCY_MONTHS,
    AppliedControl,
    ControlCategory,
    ControlStatus,
    ControlTest,
    RequirementMapping,
    RequirementNode,
    TestFrequency,
    TestMethod,
    TestResult,
)
from garrison.compliance.services.controls import create_control
from garrison.compliance.services.testing import complete_test, schedule_tests
from garrison.core.demo.registry import DemoContext, register_step
from garrison.core.models import OrgUnit, Person
from garrison.core.services.notifications import muted
from garrison.core.services.records import create_record
from garrison.library.shipped import load_shipped_libraries
from garrison.risks.models import RiskScenario

ISO_REQUIREMENT_URN = "urn:garrison:req:iso27001-2022:{}"
MAPPING_SET_URN = "urn:garrison:mapping:iso27001-2022-to-mlps2-class3"
SITE_CODES = ("bj", "sh")
PAST_TESTS_KEPT = 2


@dataclass(frozen=True)
class ControlTemplate:
    annex: str
    name: str
    category: str
    frequency: str
    method: str
    criteria: str


ORG, PEOPLE, PHYS, TECH = (
    ControlCategory.ORGANISATIONAL,
    ControlCategory.PEOPLE,
    ControlCategory.PHYSICAL,
    ControlCategory.TECHNOLOGICAL,
)
MONTHLY, QUARTERLY, HALF_YEARLY, YEARLY = (
    TestFrequency.MONTHLY,
    TestFrequency.QUARTERLY,
    TestFrequency.SEMIANNUALLY,
    TestFrequency.ANNUALLY,
)

TEMPLATES: tuple[ControlTemplate, ...] = (
    ControlTemplate(
        "a.5.1",
        "Site security policy review",
        ORG,
        YEARLY,
        TestMethod.INSPECTION,
        "Policy approved by the site director within the last 12 months.",
    ),
    ControlTemplate(
        "a.5.15",
        "Machine-room access control rules",
        ORG,
        HALF_YEARLY,
        TestMethod.INSPECTION,
        "Every access rule has an owner and a documented business need.",
    ),
    ControlTemplate(
        "a.5.18",
        "Quarterly access rights review",
        ORG,
        QUARTERLY,
        TestMethod.REPERFORMANCE,
        "All accounts of leavers removed within 24 hours; review minutes signed.",
    ),
    ControlTemplate(
        "a.5.19",
        "Supplier security clauses in contracts",
        ORG,
        YEARLY,
        TestMethod.INSPECTION,
        "A sample of 10 contracts all hold the security annex.",
    ),
    ControlTemplate(
        "a.5.24",
        "Incident response runbook",
        ORG,
        HALF_YEARLY,
        TestMethod.OBSERVATION,
        "Tabletop exercise completed; actions logged.",
    ),
    ControlTemplate(
        "a.5.30",
        "Disaster recovery failover drill",
        ORG,
        HALF_YEARLY,
        TestMethod.REPERFORMANCE,
        "Failover within the 4-hour recovery time objective.",
    ),
    ControlTemplate(
        "a.6.1",
        "Background screening of operators",
        PEOPLE,
        YEARLY,
        TestMethod.INSPECTION,
        "Screening record present for every new operator.",
    ),
    ControlTemplate(
        "a.6.3",
        "Annual security awareness training",
        PEOPLE,
        YEARLY,
        TestMethod.INSPECTION,
        "At least 95% of staff completed the course.",
    ),
    ControlTemplate(
        "a.7.1",
        "Perimeter fence and gate inspection",
        PHYS,
        QUARTERLY,
        TestMethod.OBSERVATION,
        "No breach in the fence; gates lock.",
    ),
    ControlTemplate(
        "a.7.2",
        "Visitor log and badge control",
        PHYS,
        MONTHLY,
        TestMethod.INSPECTION,
        "Every visitor logged, escorted and badge returned.",
    ),
    ControlTemplate(
        "a.7.4",
        "CCTV coverage and retention",
        PHYS,
        MONTHLY,
        TestMethod.OBSERVATION,
        "All cameras recording; 90 days of footage retained.",
    ),
    ControlTemplate(
        "a.7.5",
        "Fire suppression system maintenance",
        PHYS,
        HALF_YEARLY,
        TestMethod.INSPECTION,
        "Gas pressure in range; maintenance certificate valid.",
    ),
    ControlTemplate(
        "a.7.11",
        "UPS and generator load test",
        PHYS,
        QUARTERLY,
        TestMethod.REPERFORMANCE,
        "Generator takes the full load within 15 seconds.",
    ),
    ControlTemplate(
        "a.8.2",
        "Privileged account vault",
        TECH,
        QUARTERLY,
        TestMethod.AUTOMATED,
        "No privileged login outside the vault in the period.",
    ),
    ControlTemplate(
        "a.8.5",
        "Multi-factor authentication for remote access",
        TECH,
        QUARTERLY,
        TestMethod.AUTOMATED,
        "Every remote access account enrolled in MFA.",
    ),
    ControlTemplate(
        "a.8.7",
        "Endpoint anti-malware coverage",
        TECH,
        MONTHLY,
        TestMethod.AUTOMATED,
        "Signatures up to date on 100% of managed hosts.",
    ),
    ControlTemplate(
        "a.8.8",
        "Monthly vulnerability scanning",
        TECH,
        MONTHLY,
        TestMethod.AUTOMATED,
        "No critical finding older than 15 days.",
    ),
    ControlTemplate(
        "a.8.9",
        "Configuration baseline for network devices",
        TECH,
        QUARTERLY,
        TestMethod.AUTOMATED,
        "No drift from the approved baseline.",
    ),
    ControlTemplate(
        "a.8.13",
        "Backup and restore test",
        TECH,
        QUARTERLY,
        TestMethod.REPERFORMANCE,
        "A sampled backup restores completely and within 2 hours.",
    ),
    ControlTemplate(
        "a.8.15",
        "Central log collection",
        TECH,
        MONTHLY,
        TestMethod.AUTOMATED,
        "All in-scope systems sent logs in the last 24 hours.",
    ),
    ControlTemplate(
        "a.8.16",
        "Security monitoring alerts triage",
        TECH,
        QUARTERLY,
        TestMethod.INSPECTION,
        "Every high alert triaged within 1 hour.",
    ),
    ControlTemplate(
        "a.8.20",
        "Network segmentation of the management plane",
        TECH,
        HALF_YEARLY,
        TestMethod.REPERFORMANCE,
        "Management network unreachable from customer VLANs.",
    ),
    ControlTemplate(
        "a.8.24",
        "Encryption of data at rest",
        TECH,
        YEARLY,
        TestMethod.INSPECTION,
        "All storage arrays holding customer data encrypted.",
    ),
    ControlTemplate(
        "a.8.32",
        "Change advisory board approval",
        ORG,
        QUARTERLY,
        TestMethod.INSPECTION,
        "Every production change in the sample has an approved ticket.",
    ),
    ControlTemplate(
        "a.5.23",
        "Cloud service security review",
        ORG,
        YEARLY,
        TestMethod.INQUIRY,
        "Each cloud service used has a completed security review.",
    ),
)


@register_step("compliance-controls", order=400)
def seed_controls(context: DemoContext) -> None:
    for _path, result in load_shipped_libraries(by=context.actor):
        if result.is_refused:
            raise RuntimeError(f"shipped library refused: {result.errors}")
    sites = [context.units[code] for code in SITE_CODES if code in context.units]
    if not sites:
        return
    rng = context.random("compliance-controls")
    today = timezone.localdate()
    people = list(context.people.values())
    compliance_people = [person for key, person in context.people.items() if key == "compliance"]
    controls: list[AppliedControl] = []
    with muted():
        for index, template in enumerate(TEMPLATES):
            site = sites[index % len(sites)]
            units = list(OrgUnit.objects.filter(path__startswith=site.path))
            unit = rng.choice(units)
            in_site = [person for person in people if person.unit_id in {item.pk for item in units}]
            owner = rng.choice(in_site or people)
            tester = rng.choice(compliance_people or in_site or people)
            status = ControlStatus.IMPLEMENTED if index % 6 else ControlStatus.IN_PROGRESS
            if index == len(TEMPLATES) - 1:
                status = ControlStatus.PLANNED
            months_ago = rng.randint(13, 30)
            control = create_control(
                by=context.actor,
                name=f"{template.name} ({site.name})",
                description=template.criteria,
                unit=unit,
                owner=owner,
                category=template.category,
                status=status,
                implemented_on=(today - relativedelta(months=months_ago))
                if status == ControlStatus.IMPLEMENTED
                else None,
                test_frequency=template.frequency,
                test_method=template.method,
                test_success_criteria=template.criteria,
                tester=tester,
                requirements=_requirements(template.annex),
                assets=_assets(rng, units),
                risks=_risks(rng, units),
            )
            controls.append(control)
        past = _past_tests(context, controls, today)
        scheduled = schedule_tests(today, by=context.actor)
    context.count("applied controls", len(controls))
    context.count("control tests", past + len(scheduled))


def _requirements(annex: str) -> list[RequirementNode]:
    """The Annex A control and the MLPS control points the shipped mapping relates it to."""
    iso = RequirementNode.objects.filter(urn=ISO_REQUIREMENT_URN.format(annex)).first()
    if iso is None:
        return []
    mapped = RequirementNode.objects.filter(
        pk__in=RequirementMapping.objects.filter(mapping_set__urn=MAPPING_SET_URN, source=iso).values(
            "target_id"
        )
    ).order_by("order")
    return [iso, *mapped]


def _assets(rng: random.Random, units: list[OrgUnit]) -> list[Asset]:
    candidates = list(Asset.objects.filter(unit__in=units).order_by("pk")[:40])
    count = min(len(candidates), 1 + rng.randrange(3))
    return rng.sample(candidates, count) if count else []


def _risks(rng: random.Random, units: list[OrgUnit]) -> list[RiskScenario]:
    candidates = list(RiskScenario.objects.filter(unit__in=units).order_by("pk")[:40])
    count = min(len(candidates), rng.randrange(3))
    return rng.sample(candidates, count) if count else []


def _past_tests(context: DemoContext, controls: list[AppliedControl], today: dt.date) -> int:
    """The last tests of each implemented control, done: passed, but the first tested
    control's latest one failed (opening its nonconformity) and the second's is overdue."""
    created = 0
    tested = [
        control
        for control in controls
        if control.status == ControlStatus.IMPLEMENTED and control.test_frequency in FREQUENCY_MONTHS
    ]
    for position, control in enumerate(tested):
        step = relativedelta(months=FREQUENCY_MONTHS[control.test_frequency])
        due_dates: list[dt.date] = []
        due = (control.implemented_on or today) + step
        while due < today:
            due_dates.append(due)
            due += step
        for number, due_on in enumerate(due_dates[-PAST_TESTS_KEPT:]):
            test = create_record(
                ControlTest,
                by=context.actor,
                control=control,
                due_on=due_on,
                tester=control.tester,
                method=control.test_method,
                success_criteria=control.test_success_criteria,
            )
            created += 1
            is_latest = number == len(due_dates[-PAST_TESTS_KEPT:]) - 1
            if position == 1 and is_latest:
                continue  # left undone: overdue
            failed = position == 0 and is_latest
            tester = control.tester or control.owner
            complete_test(
                test,
                by=tester if isinstance(tester, Person) else context.actor,
                result=TestResult.FAILED if failed else TestResult.PASSED,
                performed_on=min(due_on + dt.timedelta(days=2), today),
                notes=(
                    "Two of the sampled items did not meet the success criteria."
                    if failed
                    else "Sample checked against the success criteria; no exception."
                ),
            )
    return created
