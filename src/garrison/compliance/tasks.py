"""Periodic jobs of the compliance app: the control-testing calendar.

Runs once a day (the JobRun ledger skips a day that already succeeded) and is safe to
run again: scheduling follows each control's latest test (and the unique constraint
holds one test per control and date), and every reminder carries a dedupe key.
"""

from __future__ import annotations

import datetime as dt

from garrison.compliance.services.testing import remind_testers, schedule_tests
from garrison.core import audit
from garrison.core.scheduling import Period, crontab, organisation_today, periodic_job


@periodic_job(
    "compliance.schedule-control-tests",
    crontab(hour="1", minute="0"),
    period=Period.DAILY,
    description="Plan control tests due within 60 days; remind testers of tests due soon or overdue",
)
def schedule_control_tests(now: dt.datetime) -> str:
    today = organisation_today(now)
    created = schedule_tests(today, by=audit.SYSTEM_ACTOR)
    reminders = remind_testers(today)
    return (
        f"{len(created)} control tests scheduled; {reminders.sent} reminders for "
        f"{reminders.due} tests due within a week and {reminders.overdue} overdue"
    )
