"""Periodic jobs of the risk register: the daily reminders and the recurring campaigns.

Both run once a day (the JobRun ledger skips a day that already succeeded) and are
safe to run again within a day: every message carries a dedupe key, and a recurring
campaign gets its next round only while it has none.
"""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from garrison.core import audit
from garrison.core.scheduling import Period, crontab, organisation_today, periodic_job
from garrison.core.services import notifications
from garrison.risks import notifications as risk_notifications
from garrison.risks.models import (
    OPEN_ACTION_STATUSES,
    AcceptanceStatus,
    RiskAcceptance,
    TreatmentAction,
)
from garrison.risks.services.campaigns import open_due_rounds
from garrison.web.links import object_url

# Days before an approved acceptance expires on which its scenario's owner is reminded.
EXPIRY_REMINDER_DAYS = (30, 7, 1)


@periodic_job(
    "risks.daily-reminders",
    crontab(hour="0", minute="30"),
    period=Period.DAILY,
    description="Remind owners of overdue treatment actions and expiring acceptances; expire acceptances",
)
def send_daily_reminders(now: dt.datetime) -> str:
    from garrison.risks.services.acceptance import expire_acceptances

    today = organisation_today(now)
    overdue, overdue_sent = remind_overdue_actions(today)
    expiring, expiring_sent = remind_expiring_acceptances(today)
    expired = expire_acceptances(today)
    return (
        f"{overdue_sent} reminders for {overdue} overdue treatment actions; "
        f"{expiring_sent} reminders for {expiring} acceptances expiring in "
        f"{'/'.join(str(days) for days in EXPIRY_REMINDER_DAYS)} days; "
        f"{expired} acceptances expired"
    )


def remind_overdue_actions(today: dt.date) -> tuple[int, int]:
    """Tell each owner of an open action past its due date, once per action and day;
    returns (actions overdue, reminders sent)."""
    actions = (
        TreatmentAction.objects.filter(status__in=OPEN_ACTION_STATUSES, due_on__lt=today)
        .select_related("owner", "scenario")
        .order_by("due_on", "pk")
    )
    found = sent = 0
    for action in actions.iterator(chunk_size=500):
        found += 1
        owner = action.owner
        days = (today - action.due_on).days
        with translation.override(notifications.language_of(owner)):
            title = ngettext(
                "Treatment action overdue by %(days)d day: %(action)s",
                "Treatment action overdue by %(days)d days: %(action)s",
                days,
            ) % {"days": days, "action": action.title}
            body = _("It was due on %(date)s for the risk %(scenario)s. Complete it or agree a new date.") % {
                "date": action.due_on.isoformat(),
                "scenario": action.scenario,
            }
        notification = notifications.notify(
            owner,
            risk_notifications.TREATMENT_OVERDUE.code,
            title=title,
            body=body,
            link=_scenario_link(action.scenario_id),
            target=action,
            # Once a day per action, however often the job runs that day.
            dedupe_key=f"risks.treatment-overdue:{action.pk}:{today.isoformat()}",
        )
        sent += notification is not None
    return found, sent


def remind_expiring_acceptances(today: dt.date) -> tuple[int, int]:
    """Tell the owner of each scenario whose approved acceptance expires in exactly 30,
    7 or 1 days; returns (acceptances found, reminders sent)."""
    dates = {today + dt.timedelta(days=days): days for days in EXPIRY_REMINDER_DAYS}
    acceptances = (
        RiskAcceptance.objects.filter(status=AcceptanceStatus.APPROVED, expires_on__in=list(dates))
        .select_related("scenario__owner")
        .order_by("expires_on", "pk")
    )
    found = sent = 0
    for acceptance in acceptances.iterator(chunk_size=500):
        found += 1
        days = dates[acceptance.expires_on]
        scenario = acceptance.scenario
        owner = scenario.owner
        with translation.override(notifications.language_of(owner)):
            title = ngettext(
                "Risk acceptance expires in %(days)d day: %(scenario)s",
                "Risk acceptance expires in %(days)d days: %(scenario)s",
                days,
            ) % {"days": days, "scenario": scenario}
            body = _(
                "The acceptance ends on %(date)s; then the risk goes back for review. "
                "Ask for a new acceptance or plan its treatment."
            ) % {"date": acceptance.expires_on.isoformat()}
        notification = notifications.notify(
            owner,
            risk_notifications.ACCEPTANCE_EXPIRING.code,
            title=title,
            body=body,
            link=_scenario_link(scenario.pk),
            target=acceptance,
            dedupe_key=f"risks.acceptance-expiring:{acceptance.pk}:{days}",
        )
        sent += notification is not None
    return found, sent


def _scenario_link(scenario_id: int) -> str:
    return object_url("risks.riskscenario", scenario_id) or ""


@periodic_job(
    "risks.recurring-campaigns",
    crontab(hour="0", minute="45"),
    period=Period.DAILY,
    description="Open and start the next round of recurring assessment campaigns",
)
def open_recurring_campaigns(now: dt.datetime) -> str:
    rounds = open_due_rounds(organisation_today(now), by=audit.SYSTEM_ACTOR)
    started = [item for item in rounds if item.started]
    lines = [f"{len(rounds)} rounds opened, {len(started)} started"]
    lines.extend(
        f"{item.campaign.name} left as a draft: {item.problem}" for item in rounds if not item.started
    )
    return "\n".join(lines)
