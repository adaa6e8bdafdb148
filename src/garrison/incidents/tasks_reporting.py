"""The reporting clocks: every five minutes, remind and escalate.

For each pending obligation:
- one hour before it is due, its handler is reminded (once);
- once it is overdue, its handler is told (once, `overdue_notified_at`), then every
  Security Officer holding the role on the case's unit or a unit above it (once,
  escalation level 1), then each active step of the escalation chain whose
  `after_minutes` have passed since the deadline (escalation level 1 + the step's level).

Every message carries a dedupe key of the obligation, its due time and the recipient,
so a run repeated, retried or run by hand sends nothing twice; a moved deadline starts
afresh (the recomputation resets `overdue_notified_at` and the level).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from garrison.core.models import Person, RoleAssignment
from garrison.core.roles import Role
from garrison.core.scheduling import Period, crontab, periodic_job
from garrison.core.services import notifications
from garrison.incidents import notifications_reporting as kinds
from garrison.incidents.models import EscalationStep, ObligationStatus, ReportingObligation
from garrison.web.links import object_url

JOB_NAME = "incidents.reporting-deadlines"
REMINDER_AHEAD = dt.timedelta(hours=1)
SECURITY_OFFICERS_LEVEL = 1


@periodic_job(
    JOB_NAME,
    crontab(minute="*/5"),
    period=Period.FIVE_MINUTES,
    description="Remind handlers of reports due within the hour; notify and escalate overdue reports",
    stale_after=dt.timedelta(minutes=15),
)
def check_reporting_deadlines(now: dt.datetime) -> str:
    reminders = remind_due_soon(now)
    overdue, escalations = escalate_overdue(now)
    return f"{reminders} reminders, {overdue} overdue notices, {escalations} escalations sent"


def _link(obligation: ReportingObligation) -> str:
    return object_url("incidents.incident", obligation.incident_id) or ""


def _key(kind: str, obligation: ReportingObligation, person: Person) -> str:
    due = obligation.due_at.isoformat() if obligation.due_at else ""
    return f"{kind}:{obligation.pk}:{due}:{person.pk}"


def _describe(obligation: ReportingObligation, person: Person) -> tuple[str, str]:
    """Title and body in the recipient's language and time zone."""
    incident = obligation.incident
    zone = notifications.zone_of(person)
    due = obligation.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if obligation.due_at else "—"
    with translation.override(notifications.language_of(person)):
        title = _("%(kind)s to %(recipient)s due %(due)s: %(case)s") % {
            "kind": obligation.get_kind_display(),
            "recipient": obligation.recipient,
            "due": due,
            "case": incident.reference,
        }
        body = _("%(case)s — %(title)s. Handler: %(handler)s. Record the submission once sent.") % {
            "case": incident.reference,
            "title": incident.title,
            "handler": incident.handler.full_name or incident.handler.username,
        }
    return title, body


def _send(kind: str, obligation: ReportingObligation, people: Iterable[Person]) -> int:
    sent = 0
    for person in people:
        title, body = _describe(obligation, person)
        notification = notifications.notify(
            person,
            kind,
            title=title,
            body=body,
            link=_link(obligation),
            target=obligation.incident,
            dedupe_key=_key(kind, obligation, person),
        )
        sent += notification is not None
    return sent


def _pending() -> Q:
    return Q(status=ObligationStatus.PENDING, due_at__isnull=False)


def remind_due_soon(now: dt.datetime) -> int:
    """Remind handlers of obligations due within the hour (once per deadline)."""
    due_soon = ReportingObligation.objects.filter(
        _pending(), due_at__gt=now, due_at__lte=now + REMINDER_AHEAD
    ).select_related("incident__handler")
    return sum(_send(kinds.OBLIGATION_DUE_SOON.code, item, [item.incident.handler]) for item in due_soon)


def security_officers_over(unit_path: str) -> list[Person]:
    """Security Officers holding the role on the unit at `unit_path` or a unit above it."""
    assignments = RoleAssignment.objects.filter(role=Role.SECURITY_OFFICER).select_related("person", "unit")
    people = {
        assignment.person.pk: assignment.person
        for assignment in assignments
        if unit_path.startswith(assignment.unit.path)
    }
    return [people[pk] for pk in sorted(people)]


def escalate_overdue(now: dt.datetime) -> tuple[int, int]:
    """Tell handlers about overdue obligations and escalate; returns (notices, escalations)."""
    steps = list(EscalationStep.objects.filter(is_active=True).select_related("person"))
    highest = max((SECURITY_OFFICERS_LEVEL + step.level for step in steps), default=SECURITY_OFFICERS_LEVEL)
    # Obligations whose every notice and escalation is sent are not read again.
    overdue = list(
        ReportingObligation.objects.filter(_pending(), due_at__lte=now)
        .filter(Q(overdue_notified_at__isnull=True) | Q(escalation_level__lt=highest))
        .select_related("incident__handler", "incident__unit")
        .order_by("due_at", "pk")
    )
    officers_by_path: dict[str, list[Person]] = {}
    notices = escalations = 0
    for obligation in overdue:
        assert obligation.due_at is not None
        updates: dict[str, object] = {}
        if obligation.overdue_notified_at is None:
            notices += _send(kinds.OBLIGATION_OVERDUE.code, obligation, [obligation.incident.handler])
            updates["overdue_notified_at"] = now
        level = obligation.escalation_level
        if level < SECURITY_OFFICERS_LEVEL:
            path = obligation.incident.unit.path
            if path not in officers_by_path:
                officers_by_path[path] = security_officers_over(path)
            escalations += _send(kinds.OBLIGATION_ESCALATED.code, obligation, officers_by_path[path])
            level = SECURITY_OFFICERS_LEVEL
        overdue_minutes = (now - obligation.due_at).total_seconds() / 60
        for step in steps:
            step_level = SECURITY_OFFICERS_LEVEL + step.level
            if overdue_minutes >= step.after_minutes and step_level > obligation.escalation_level:
                escalations += _send(kinds.OBLIGATION_ESCALATED.code, obligation, [step.person])
                level = max(level, step_level)
        if level != obligation.escalation_level:
            updates["escalation_level"] = level
        if updates:
            # Bookkeeping of the clock, not a change of the obligation: not audited.
            ReportingObligation.objects.filter(pk=obligation.pk).update(**updates)
    return notices, escalations
