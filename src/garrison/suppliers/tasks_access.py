"""The daily express-access job: remind supplier managers two weeks before an express
supplier's complete review is due, and lapse the express access of suppliers whose review
is overdue (back to prospective). Both are safe to run twice: reminders carry a dedupe
key per due date, and a lapsed supplier has no review due any more."""

from __future__ import annotations

import datetime as dt

from garrison.core.scheduling import Period, crontab, organisation_today, periodic_job
from garrison.suppliers.services.access_express import (
    lapse_overdue_express_access,
    remind_express_reviews_due,
)

JOB_NAME = "suppliers.express-access-lapse"


@periodic_job(
    JOB_NAME,
    crontab(hour="1", minute="40"),
    period=Period.DAILY,
    description="Remind express-access reviews due and lapse overdue express access of suppliers",
)
def run_express_access_job(now: dt.datetime) -> str:
    today = organisation_today(now)
    reminded = remind_express_reviews_due(today=today)
    lapsed = lapse_overdue_express_access(today=today)
    return f"{reminded} express reviews reminded, {lapsed} express access lapsed"
