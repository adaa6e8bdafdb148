"""The log-audit demo step: weekly audits of three critical information systems over three
weeks of logs, run through the same services as production, so that every seal, count,
finding and signature is the one a real week gives.

- the Garrison rule pack is loaded into the rule library;
- log sources: the bastion host's command log of "Billing and invoicing", the auditd log
  of "Identity and access management", the syslog of "Blue Cloud console", and the syslog
  of "Building management system", which stopped sending logs ten days ago;
- logs generated in Python (garrison.logaudit.demo_logs) for every day since the start
  of the third-last audit week, one sealed batch a day: routine work, the nightly database
  backup under its service account, and a handful of sensitive operations (sudo to a
  root shell, iptables -F, history -c, mysqldump, reading /etc/shadow, commands at night,
  root logins);
- one suppression: the backup service account on the billing system, every rule, so its
  nightly dump is counted on the suppression rather than reported;
- the three last audit weeks audited synchronously: the two older weeks triaged (an
  incident opened for a cleared shell history when the incident categories are loaded)
  and signed by the reviewer; the latest week awaiting sign-off, its findings untriaged.

The work is done by the Chief Information Security Officer, who owns the sources; another
Security Officer of the Group reviews and signs. The step adds nothing when log sources
exist already.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable

from django.utils import timezone

from garrison.assets.models import Asset
from garrison.core.demo.registry import DemoContext, register_step
from garrison.core.models import EmploymentStatus, Person
from garrison.core.roles import Role
from garrison.core.scheduling import organisation_today, organisation_zone
from garrison.logaudit.demo_logs import BACKUP_ACCOUNT, Planted, auditd_day, bastion_day, syslog_day
from garrison.logaudit.models import AuditReport, LogFormat, LogSource, SuppressionKind

DAY = dt.timedelta(days=1)
WEEKS_AUDITED = 3
SILENT_FOR_DAYS = 10
BILLING = "Billing and invoicing"
IDENTITY = "Identity and access management"
CONSOLE = "Blue Cloud console"
BUILDING = "Building management system"

# (week index from the oldest, day of the week from its first day, hour, minute, what, who)
BASTION_PLAN = (
    (0, 1, 10, 12, "sudo_root", "ops-zhang"),
    (0, 3, 23, 40, "iptables_flush", "ops-chen"),
    (1, 2, 15, 20, "read_shadow", "dba-wang"),
    (1, 4, 16, 5, "history_clear", "ops-li"),
    (2, 1, 14, 5, "mysqldump", "dba-wang"),
    (2, 2, 2, 14, "sudo_su_night", "ops-chen"),
    (2, 3, 23, 52, "iptables_flush", "ops-chen"),
    (2, 5, 11, 30, "history_clear", "ops-li"),
)
AUDITD_PLAN = (
    (0, 2, 11, 0, "read_shadow", ""),
    (1, 3, 22, 10, "iptables_flush", ""),
    (2, 1, 10, 40, "read_shadow", ""),
    (2, 4, 21, 15, "iptables_flush", ""),
)
SYSLOG_PLAN = (
    (0, 1, 9, 30, "sudo_iptables", ""),
    (1, 4, 20, 5, "root_login", ""),
    (2, 2, 3, 12, "root_login", ""),
    *((2, 2, 3, minute, "failed_login", "") for minute in range(1, 8)),
    (2, 5, 10, 45, "sudo_iptables", ""),
)
BUILDING_PLAN = ((0, 2, 4, 2, "failed_login", ""),)

# Triage of the older weeks, by a word of the rule's title (first match wins).
TRUE_POSITIVE_WORDS = ("history", "credential", "root login")
FALSE_POSITIVE_WORDS = ("failed ssh",)


def log_officers() -> tuple[Person | None, Person | None]:
    """The Chief Information Security Officer (owns the sources, runs the audits) and
    another Security Officer over the whole Group (reviews and signs)."""
    officers = (
        Person.objects.filter(
            roles__role=Role.SECURITY_OFFICER,
            roles__unit__parent__isnull=True,
            employment_status=EmploymentStatus.ACTIVE,
        )
        .distinct()
        .order_by("username")
    )
    chief = officers.filter(job_title="Chief Information Security Officer").first() or officers.first()
    if chief is None:
        return None, None
    return chief, officers.exclude(pk=chief.pk).first() or chief


def critical_system(name: str) -> Asset | None:
    return Asset.objects.filter(name__startswith=name, is_critical_system=True).order_by("pk").first()


@register_step("logaudit", order=800)
def seed_logaudit(context: DemoContext) -> None:
    if LogSource.objects.exists():
        return
    officer, reviewer = log_officers()
    systems = {name: critical_system(name) for name in (BILLING, IDENTITY, CONSOLE, BUILDING)}
    if officer is None or reviewer is None or any(asset is None for asset in systems.values()):
        return  # the organisation or the inventory is missing: nothing to audit
    from garrison.logaudit.services.audits import audit_period
    from garrison.logaudit.services.rules import sync_rule_pack

    sync_rule_pack(by=None)
    now = timezone.now()
    latest_start, _latest_end = audit_period(now)
    first_week = latest_start - (WEEKS_AUDITED - 1) * 7 * DAY
    seeder = LogSeeder(context.random("logaudit"), first_week, now, officer)
    sources = seeder.register(systems, owner=officer, reviewer=reviewer)  # type: ignore[arg-type]
    suppress_backups(officer, systems[BILLING])  # type: ignore[arg-type]
    seeder.deliver(sources)
    reports = audit_weeks(sources, first_week, officer)
    triage_and_sign(reports[: (WEEKS_AUDITED - 1) * len(sources)], reviewer)
    context.count("log sources", len(sources))
    context.count("log batches", seeder.batches)
    context.count("audit reports", len(reports))


class LogSeeder:
    """Registers the sources and delivers their daily logs through the ingestion service."""

    def __init__(
        self, rng: random.Random, first_week: dt.datetime, now: dt.datetime, officer: Person
    ) -> None:
        self.rng = rng
        self.zone = organisation_zone()
        self.first_day = first_week.astimezone(self.zone).date()
        self.now = now
        self.officer = officer
        self.batches = 0
        self.serial = 4000

    def register(self, systems: dict[str, Asset], *, owner: Person, reviewer: Person) -> list[LogSource]:
        from garrison.logaudit.services.sources import create_source

        made = [
            (BILLING, "Bastion command log", LogFormat.BASTION, "Commands run through the bastion host."),
            (IDENTITY, "auditd on the directory servers", LogFormat.AUDITD, "Linux audit records."),
            (CONSOLE, "Console syslog", LogFormat.SYSLOG, "Syslog of the console's hosts."),
            (BUILDING, "BMS gateway syslog", LogFormat.SYSLOG, "Syslog of the building-management gateway."),
        ]
        return [
            create_source(
                by=self.officer,
                name=name,
                asset=systems[system],
                log_format=log_format,
                owner=owner,
                reviewer=reviewer,
                description=description,
            )
            for system, name, log_format, description in made
        ]

    def planted(self, plan: tuple[tuple[int, int, int, int, str, str], ...], day: dt.date) -> list[Planted]:
        found = []
        for week, weekday, hour, minute, what, who in plan:
            if self.first_day + dt.timedelta(days=7 * week + weekday) == day:
                moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.zone)
                found.append(Planted(moment, what, who))
        return found

    def deliver(self, sources: list[LogSource]) -> None:
        from garrison.logaudit.services.ingest import ingest_batch

        bastion, auditd, console, building = sources
        today = self.now.astimezone(self.zone).date()
        writers: list[tuple[LogSource, Callable[[dt.date], bytes], str, dt.date]] = [
            (bastion, self.bastion, "bastion-{day}.csv", today),
            (auditd, self.auditd, "audit-{day}.log", today),
            (console, self.console, "syslog-{day}.log", today),
            (building, self.building, "syslog-{day}.log", today - SILENT_FOR_DAYS * DAY),
        ]
        day = self.first_day
        while day < today:
            # Each day's logs arrive twenty minutes after midnight.
            received = dt.datetime.combine(day + DAY, dt.time(0, 20), tzinfo=self.zone)
            for source, write, filename, until in writers:
                if day >= until or received >= self.now:
                    continue
                ingest_batch(
                    source,
                    io.BytesIO(write(day)),
                    filename=filename.format(day=day.isoformat()),
                    by=self.officer,
                    received_at=received,
                )
                self.batches += 1
            day += DAY

    def bastion(self, day: dt.date) -> bytes:
        host = "billing-db-01 (10.20.3.8)"
        return bastion_day(day, self.zone, host, self.rng, self.planted(BASTION_PLAN, day))

    def console(self, day: dt.date) -> bytes:
        return syslog_day(day, self.zone, "console-web-01", self.rng, self.planted(SYSLOG_PLAN, day))

    def building(self, day: dt.date) -> bytes:
        return syslog_day(day, self.zone, "bms-gw-01", self.rng, self.planted(BUILDING_PLAN, day))

    def auditd(self, day: dt.date) -> bytes:
        content, self.serial = auditd_day(
            day, self.zone, "iam-dir-01", self.rng, self.planted(AUDITD_PLAN, day), self.serial
        )
        return content


def suppress_backups(officer: Person, billing: Asset) -> None:
    from garrison.logaudit.services.suppressions import create_suppression

    create_suppression(
        by=officer,
        kind=SuppressionKind.ACCOUNT,
        asset=billing,
        account=BACKUP_ACCOUNT,
        reason=(
            "The nightly database backup runs mysqldump at 01:30 under its service account "
            "(change CHG-2026-0107)."
        ),
        expires_on=organisation_today() + dt.timedelta(days=90),
        owner=officer,
    )


def audit_weeks(sources: list[LogSource], first_week: dt.datetime, officer: Person) -> list[AuditReport]:
    """Audit every source for each of the weeks, oldest first, in this process."""
    from garrison.logaudit.services.audits import request_audit, run_audit

    reports = []
    for week in range(WEEKS_AUDITED):
        start = first_week + week * 7 * DAY
        for source in sources:
            reports.append(run_audit(request_audit(source, by=officer, period_start=start)))
    return reports


def _decision(title: str) -> str:
    lowered = title.lower()
    if any(word in lowered for word in TRUE_POSITIVE_WORDS):
        return "true_positive"
    if any(word in lowered for word in FALSE_POSITIVE_WORDS):
        return "false_positive"
    return "expected"


def triage_and_sign(reports: list[AuditReport], reviewer: Person) -> None:
    """Triage every finding of the older weeks and sign their reports; the first cleared
    shell history gets an incident when the incident categories are loaded."""
    from garrison.incidents.models import IncidentCategory
    from garrison.logaudit.services import triage

    may_open = IncidentCategory.objects.filter(code__in=triage.INCIDENT_CATEGORY_CODES).exists()
    tickets = iter(range(201, 10_000))
    for report in reports:
        if report.status != "awaiting_sign_off":
            continue
        for finding in report.findings.order_by("pk"):
            decision = _decision(finding.title)
            if decision == "true_positive" and may_open and "history" in finding.title.lower():
                triage.open_incident(finding, by=reviewer)
                may_open = False
                continue
            triage.triage_finding(
                finding,
                by=reviewer,
                triage=decision,
                change_ticket=f"CHG-2026-{next(tickets):04d}" if decision == "expected" else "",
                note={
                    "true_positive": "Not covered by any change: raised with the operator's manager.",
                    "false_positive": "Scanners trying common passwords; the host only accepts keys.",
                    "expected": "Planned work under the change ticket.",
                }[decision],
            )
        triage.sign_report(report, by=reviewer, note="Every finding reviewed.")
