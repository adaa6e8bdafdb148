"""The people's side of the vulnerability demo, done with the services of the domain after
the scans are in (garrison.vulns.demo):

- last quarter's red-team test of the Blue Cloud console by the Vulnerability Management
  team: four findings entered by hand, three fixed and confirmed by the retest, one whose
  retest failed, and the test closed;
- an external test of the colocation customer portal by a qualified security supplier,
  now in reporting, with four findings entered by hand and one retest requested;
- an approved risk acceptance, expiring in three months, of a finding on a server that a
  risk scenario of the register covers, and a false positive waiting for its decision;
- links from findings to the risk scenarios of their assets and to the incidents they
  explain.

Work done in the past is backdated with `garrison.vulns.demo.backdated`; a closed test's
completion date is set directly (see `close_last_quarter`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import Q

from garrison.assets.models import Asset, AssetType
from garrison.core.models import OrgUnit, Person
from garrison.core.scheduling import organisation_today
from garrison.incidents.models import Incident
from garrison.risks.models import RiskScenario
from garrison.suppliers.models import Supplier, SupplierStatus
from garrison.vulns.demo import backdated
from garrison.vulns.models import (
    ExceptionKind,
    Finding,
    FindingStatus,
    PenetrationTest,
    PenetrationTestStatus,
    Severity,
    Source,
    TesterKind,
)

RED_TEAM = "Red team, Vulnerability Management"
# (title, severity, CVSS v3.1 vector, CWE, where, description)
CONSOLE_FINDINGS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "Server-side request forgery in the image-import URL fetcher reaches the metadata service",
        "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:N",
        "CWE-918",
        "POST /api/v1/images/import",
        "The fetcher follows redirects to 169.254.169.254; the testers read the control plane's "
        "instance credentials.",
    ),
    (
        "Insecure direct object reference exposes other tenants' instance metadata",
        "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:N/A:N",
        "CWE-639",
        "GET /api/v1/instances/{id}",
        "Changing the instance id returns the metadata of instances of other tenants.",
    ),
    (
        "Stored cross-site scripting in instance tag names on the console dashboard",
        "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N",
        "CWE-79",
        "/console/dashboard",
        "Tag names are rendered without escaping in the dashboard's instance cards.",
    ),
    (
        "Session cookie set without the Secure attribute on the legacy login page",
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N",
        "CWE-614",
        "/legacy/login",
        "console_session is set without Secure and can travel over plain HTTP.",
    ),
)
PORTAL_FINDINGS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "Broken access control: customers can download other customers' cross-connect orders",
        "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:L/A:N",
        "CWE-639",
        "GET /orders/{number}/pdf",
        "Order numbers are sequential and the download does not check the customer account.",
    ),
    (
        "Account enumeration through the password-reset responses",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
        "CWE-204",
        "POST /account/password-reset",
        "Known and unknown e-mail addresses get different messages and response times.",
    ),
    (
        "Outdated jQuery 1.12.4 with known cross-site scripting weaknesses",
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:L/I:L/A:N",
        "CWE-79",
        "/static/js/jquery-1.12.4.min.js",
        "jQuery before 3.5.0 is affected by CVE-2020-11022 and CVE-2020-11023.",
    ),
    (
        "Missing Content-Security-Policy and X-Frame-Options headers",
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:N/I:L/A:N",
        "CWE-1021",
        "all pages",
        "The portal can be framed by another site and loads scripts from any origin.",
    ),
)
INCIDENT_LINKS = (
    ("189463", "Suspicious outbound traffic from a build server"),
    ("158800", "Cryptominer on a Shanghai test virtual machine"),
)


def seed_engagements(officer: Person, approver: Person | None, root: OrgUnit) -> dict[str, int]:
    unit = OrgUnit.objects.filter(code="security-vuln").first() or root
    tests = [
        test for test in (red_team_test(officer, unit), supplier_test(officer, unit)) if test is not None
    ]
    exceptions = seed_exceptions(officer, approver)
    links = seed_links(officer)
    return {"penetration tests": len(tests), "finding exceptions": exceptions, "finding links": links}


def _system_scope(name: str) -> list[Asset]:
    """The first critical system of that name and the applications it runs."""
    system = Asset.objects.filter(name=name, is_critical_system=True).order_by("pk").first()
    if system is None:
        return []
    applications = Asset.objects.filter(
        dependents__dependent=system, asset_type=AssetType.APPLICATION
    ).order_by("pk")
    return [system, *applications]


def _add_findings(test: PenetrationTest, officer: Person, scope: list[Asset], rows: Any) -> list[Finding]:
    from garrison.vulns.services.pentests import add_finding

    return [
        add_finding(
            test,
            by=officer,
            title=title,
            cvss_vector=vector,
            cwe_ids=[cwe],
            asset=scope[0],
            location=where,
            description=description,
        )
        for title, vector, cwe, where, description in rows
    ]


def red_team_test(officer: Person, unit: OrgUnit) -> PenetrationTest | None:
    from garrison.vulns.services import findings as finding_services
    from garrison.vulns.services.pentests import (
        create_penetration_test,
        record_retest,
        transition_penetration_test,
    )

    scope = _system_scope("Blue Cloud console")
    if not scope:
        return None
    today = organisation_today()
    quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    starts = quarter - relativedelta(months=3) + dt.timedelta(days=14)
    ends, retested, closed = (starts + dt.timedelta(days=days) for days in (11, 40, 47))
    test = create_penetration_test(
        by=officer,
        title="Red-team test of the Blue Cloud console",
        scope_description="Console web front end and API from the internet with two tenant accounts; "
        "no denial of service, no social engineering.",
        tester_kind=TesterKind.INTERNAL,
        tester_team=RED_TEAM,
        starts_on=starts,
        ends_on=ends,
        unit=unit,
        assets=scope,
    )
    transition_penetration_test(test, "start", by=officer)

    def report() -> list[Finding]:
        found = _add_findings(test, officer, scope, CONSOLE_FINDINGS)
        transition_penetration_test(test, "report", by=officer)
        return found

    found = backdated((today - ends).days, report)

    def retest() -> None:
        for finding in found[:3]:
            finding_services.mark_fixed(finding, by=officer, reason="Fixed in console release 2.13.0.")
        transition_penetration_test(test, "retest", by=officer)
        for finding in found[:3]:
            record_retest(finding, by=officer, passed=True)
        record_retest(
            found[3],
            by=officer,
            passed=False,
            note="The legacy login page still sets console_session without Secure.",
        )
        transition_penetration_test(test, "close", by=officer, reason="Report delivered and retest done.")

    backdated((today - retested).days, retest)
    close_last_quarter(test, closed)
    return test


def close_last_quarter(test: PenetrationTest, completed: dt.date) -> None:
    """Closing records today as the completion date, and a closed test is kept as it was;
    the demo's test closed last quarter, so its date is set directly (demo data only)."""
    PenetrationTest.objects.filter(pk=test.pk).update(completed_on=completed)
    test.completed_on = completed


def security_supplier() -> Supplier | None:
    """A qualified supplier that sells penetration testing, else one of security services,
    else any qualified supplier."""
    qualified = Supplier.objects.filter(status=SupplierStatus.QUALIFIED).order_by("pk")
    security = qualified.filter(categories__code="security-services")
    return security.filter(services__icontains="penetration").first() or security.first() or qualified.first()


def supplier_test(officer: Person, unit: OrgUnit) -> PenetrationTest | None:
    from garrison.vulns.services import findings as finding_services
    from garrison.vulns.services.pentests import (
        create_penetration_test,
        request_retest,
        transition_penetration_test,
    )

    supplier = security_supplier()
    scope = _system_scope("Colocation customer portal")
    if supplier is None or not scope:
        return None
    today = organisation_today()
    test = create_penetration_test(
        by=officer,
        title="External penetration test of the colocation customer portal",
        scope_description="Grey-box test of the customer portal with one customer account per role; "
        "annual test required by the customer contracts.",
        tester_kind=TesterKind.SUPPLIER,
        supplier=supplier,
        starts_on=today - dt.timedelta(days=24),
        ends_on=today - dt.timedelta(days=10),
        unit=unit,
        assets=scope,
    )
    transition_penetration_test(test, "start", by=officer)

    def report() -> list[Finding]:
        found = _add_findings(test, officer, scope, PORTAL_FINDINGS)
        transition_penetration_test(test, "report", by=officer)
        return found

    found = backdated(10, report)
    finding_services.mark_fixed(
        found[0], by=officer, reason="Portal release 4.2.1 checks the customer account on every download."
    )
    request_retest(found[0], by=officer, note="Please confirm the fix in release 4.2.1.")
    assert test.status == PenetrationTestStatus.REPORTING
    return test


def _scenario_of(finding: Finding) -> RiskScenario | None:
    if finding.asset_id is None:
        return None
    return RiskScenario.objects.filter(assets=finding.asset_id).order_by("pk").first()


def accepted_candidate() -> tuple[Finding, RiskScenario | None] | None:
    """An open finding on a server that a risk scenario covers: the IPMI weakness of a
    hypervisor first (no vendor fix exists), else any open high one."""
    candidates = Finding.objects.filter(source=Source.NESSUS, status=FindingStatus.OPEN).order_by("pk")
    for finding in [*candidates.filter(rule_id="80101"), *candidates.filter(severity=Severity.HIGH)[:200]]:
        scenario = _scenario_of(finding)
        if scenario is not None:
            return finding, scenario
    first = candidates.filter(rule_id="80101").first()
    return (first, RiskScenario.objects.order_by("pk").first()) if first is not None else None


def seed_exceptions(officer: Person, approver: Person | None) -> int:
    from garrison.vulns.services.exceptions import approve_exception, request_exception

    made = 0
    today = organisation_today()
    chosen = accepted_candidate()
    if chosen is not None and approver is not None:
        finding, scenario = chosen
        acceptance = request_exception(
            finding,
            by=officer,
            kind=ExceptionKind.RISK_ACCEPTANCE,
            justification="The BMC interfaces sit on the out-of-band management network, reachable only "
            "through the bastion hosts; IPMI 2.0 itself has no fix. The hypervisors are replaced "
            "with the hardware refresh next quarter.",
            expires_on=today + relativedelta(months=3),
            risk=scenario,
        )
        approve_exception(acceptance, by=approver, comment="Accepted until the hardware refresh.")
        made += 1
    zlib = Finding.objects.filter(
        source=Source.TRIVY, cve="CVE-2023-45853", status=FindingStatus.OPEN
    ).first()
    if zlib is not None:
        request_exception(
            zlib,
            by=officer,
            kind=ExceptionKind.FALSE_POSITIVE,
            justification="Alpine's zlib package does not build the MiniZip contrib code: "
            "zipOpenNewFileInZip4_6 is not in the image.",
        )
        made += 1
    return made


def seed_links(officer: Person) -> int:
    from garrison.vulns.services.findings import set_links

    made = 0
    critical = Finding.objects.filter(
        source=Source.NESSUS, status=FindingStatus.OPEN, severity=Severity.CRITICAL
    ).order_by("pk")
    for finding in critical[:50]:
        scenario = _scenario_of(finding)
        if scenario is not None:
            set_links(finding, by=officer, risks=[scenario])
            made += 1
            if made == 3:
                break
    for rule, title in INCIDENT_LINKS:
        scanned = Finding.objects.filter(rule_id=rule).order_by("pk").first()
        incident = Incident.objects.filter(title=title).first()
        if scanned is not None and incident is not None:
            set_links(scanned, by=officer, incidents=[incident])
            made += 1
    enumeration = Finding.objects.filter(
        Q(title__startswith="Account enumeration"), penetration_test__isnull=False
    ).first()
    stuffing = Incident.objects.filter(title="Credential stuffing against the customer portal").first()
    if enumeration is not None and stuffing is not None:
        set_links(enumeration, by=officer, incidents=[stuffing])
        made += 1
    return made
