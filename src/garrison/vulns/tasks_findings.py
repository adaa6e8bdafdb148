"""Daily jobs on findings: expire accepted risks past their date, and tell people about
findings that passed their due date.

Expiry runs first so that a finding whose acceptance ended is counted overdue the same
day. Both are safe to run again within a day: an expired acceptance is no longer
approved, and each finding remembers the due date it was reported overdue for.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from garrison.core.models import EmploymentStatus, OrgUnit, Person, RoleAssignment
from garrison.core.roles import Role
from garrison.core.scheduling import Period, crontab, organisation_today, periodic_job
from garrison.core.scoping import ancestor_paths
from garrison.core.services import notifications
from garrison.vulns import notifications_findings as kinds
from garrison.vulns.models import Finding, FindingStatus
from garrison.vulns.services.exceptions import expire_exceptions


@periodic_job(
    "vulns.expire-exceptions",
    crontab(hour="0", minute="50"),
    period=Period.DAILY,
    description="Expire accepted finding risks past their date; their findings are open again",
)
def expire_finding_exceptions(now: dt.datetime) -> str:
    expired = expire_exceptions(organisation_today(now))
    return f"{expired} risk acceptances expired"


@periodic_job(
    "vulns.sla-reminders",
    crontab(hour="1", minute="5"),
    period=Period.DAILY,
    description="Tell asset owners (or the unit's Security Officers) how many findings became overdue",
)
def send_sla_reminders(now: dt.datetime) -> str:
    findings, sent = remind_overdue_findings(organisation_today(now))
    return f"{sent} reminders for {findings} newly overdue findings"


def security_officers_for(unit_ids: set[int]) -> dict[int, list[Person]]:
    """For each unit, the active Security Officers of the nearest unit (itself, or the
    closest above it) that has any."""
    units = OrgUnit.objects.in_bulk(unit_ids)
    chains = {unit_id: list(reversed(ancestor_paths(unit.path))) for unit_id, unit in units.items()}
    paths = {path for chain in chains.values() for path in chain}
    holders: defaultdict[str, list[Person]] = defaultdict(list)
    assignments = (
        RoleAssignment.objects.filter(role=Role.SECURITY_OFFICER, unit__path__in=paths)
        .exclude(person__employment_status=EmploymentStatus.LEFT)
        .select_related("person", "unit")
        .order_by("person_id")
    )
    for assignment in assignments:
        if assignment.person not in holders[assignment.unit.path]:
            holders[assignment.unit.path].append(assignment.person)
    return {
        unit_id: next((holders[path] for path in chain if holders[path]), [])
        for unit_id, chain in chains.items()
    }


def remind_overdue_findings(today: dt.date) -> tuple[int, int]:
    """Tell each person, once for the run, how many open findings became overdue since they
    were last told: the asset's owner, or for a finding without an asset (or whose owner
    left) the Security Officers of its unit. Returns (findings reported, reminders sent).

    Counted and marked set-based: there may be thousands of findings."""
    pending = Finding.objects.filter(status=FindingStatus.OPEN, due_on__lt=today).exclude(
        overdue_notified_on=F("due_on")
    )
    link = f"{reverse('vulns:finding-list')}?{urlencode({'overdue': 'yes'})}"
    with transaction.atomic():
        groups = list(pending.values("asset__owner_id", "unit_id").annotate(count=Count("pk")).order_by())
        owners = Person.objects.in_bulk({row["asset__owner_id"] for row in groups if row["asset__owner_id"]})
        per_person: Counter[int] = Counter()
        unowned: Counter[int] = Counter()
        for row in groups:
            owner = owners.get(row["asset__owner_id"])
            if owner is not None and owner.is_active:
                per_person[owner.pk] += row["count"]
            else:
                unowned[row["unit_id"]] += row["count"]
        people = dict(owners)
        for unit_id, officers in security_officers_for(set(unowned)).items():
            for officer in officers:
                people[officer.pk] = officer
                per_person[officer.pk] += unowned[unit_id]
        sent = 0
        for person_id, count in sorted(per_person.items()):
            person = people[person_id]
            with translation.override(notifications.language_of(person)):
                title = ngettext(
                    "%(count)d finding is past its due date",
                    "%(count)d findings are past their due date",
                    count,
                ) % {"count": count}
                body = _(
                    "Fix them or ask for an exception. The list shows every overdue finding you can see."
                )
            notification = notifications.notify(
                person,
                kinds.FINDINGS_OVERDUE.code,
                title=title,
                body=body,
                link=link,
                dedupe_key=f"vulns.findings-overdue:{person_id}:{today.isoformat()}",
            )
            sent += notification is not None
        reported = pending.update(overdue_notified_on=F("due_on"))
    return reported, sent
