"""The monthly coverage notice: each Security Officer is told, once a month, which critical
information systems of the units they hold the role over were not scanned within the
policy's window or have had no penetration test within its period. One notice per person
lists all their systems; nothing is sent to whoever has none (the dedupe key holds the
month, so a second run in the same month sends nothing more)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from garrison.core.models import Person, RoleAssignment
from garrison.core.roles import Role
from garrison.core.scheduling import Period, crontab, organisation_today, periodic_job
from garrison.core.services import notifications
from garrison.vulns import notifications_coverage as kinds
from garrison.vulns.services.coverage import CoverageReport, SystemCoverage, coverage_report

JOB_NAME = "vulns.coverage-report"
# The notice names this many systems; the coverage page has the rest.
LISTED_SYSTEMS = 25


@periodic_job(
    JOB_NAME,
    crontab(day="1", hour="2", minute="40"),
    period=Period.MONTHLY,
    description="Tell Security Officers which critical systems were not scanned or penetration-tested",
)
def send_coverage_report(now: dt.datetime) -> str:
    systems, people, sent = notify_coverage_gaps(organisation_today(now))
    return f"{sent} notices to {people} Security Officers about {systems} critical systems not covered"


def officers_by_system(items: list[SystemCoverage]) -> dict[int, list[SystemCoverage]]:
    """For each Security Officer (by id), the systems of `items` in the units under the unit
    they hold the role on (a role on the root covers every system)."""
    assignments = RoleAssignment.objects.filter(role=Role.SECURITY_OFFICER).values_list(
        "person_id", "unit__path"
    )
    paths_by_person: dict[int, set[str]] = defaultdict(set)
    for person_id, path in assignments:
        paths_by_person[person_id].add(path)
    found: dict[int, list[SystemCoverage]] = {}
    for person_id, paths in paths_by_person.items():
        mine = [item for item in items if any(item.system.unit.path.startswith(path) for path in paths)]
        if mine:
            found[person_id] = mine
    return found


def _line(item: SystemCoverage) -> str:
    problems = []
    if item.needs_scan:
        if item.last_scanned_at is None:
            problems.append(_("never scanned"))
        else:
            problems.append(
                _("last scanned on %(date)s") % {"date": organisation_today(item.last_scanned_at).isoformat()}
            )
    if item.needs_test:
        if item.last_tested_on is None:
            problems.append(_("never penetration-tested"))
        else:
            problems.append(
                _("last penetration-tested on %(date)s") % {"date": item.last_tested_on.isoformat()}
            )
    return f"- {item.system.reference} {item.system.name}: {'; '.join(problems)}"


def _message(items: list[SystemCoverage], report: CoverageReport) -> tuple[str, str]:
    count = len(items)
    title = ngettext(
        "%(count)d critical system not scanned or not penetration-tested in time",
        "%(count)d critical systems not scanned or not penetration-tested in time",
        count,
    ) % {"count": count}
    intro = _(
        "The policy asks for a scan of every critical information system (or of what it runs on) "
        "within %(scan)d days and a penetration test within %(test)d days. These systems are behind:"
    ) % {"scan": report.scan_window_days, "test": report.penetration_test_period_days}
    lines = [_line(item) for item in items[:LISTED_SYSTEMS]]
    if count > LISTED_SYSTEMS:
        lines.append(_("… and %(more)d more on the coverage page.") % {"more": count - LISTED_SYSTEMS})
    return title, "\n".join([intro, *lines])


def notify_coverage_gaps(today: dt.date) -> tuple[int, int, int]:
    """Send this month's notices; returns (systems not covered, officers concerned, notices sent)."""
    report = coverage_report(today=today)
    uncovered = report.uncovered
    if not uncovered:
        return 0, 0, 0
    by_person = officers_by_system(uncovered)
    people = Person.objects.in_bulk(list(by_person))
    link = notifications.url_or_blank("vulns:coverage")
    sent = 0
    for person_id in sorted(by_person):
        person = people[person_id]
        with translation.override(notifications.language_of(person)):
            title, body = _message(by_person[person_id], report)
        notification = notifications.notify(
            person,
            kinds.COVERAGE_GAPS.code,
            title=title,
            body=body,
            link=f"{link}?coverage=uncovered" if link else "",
            dedupe_key=f"{kinds.COVERAGE_GAPS.code}:{person_id}:{today:%Y-%m}",
        )
        sent += notification is not None
    return len(uncovered), len(by_person), sent
