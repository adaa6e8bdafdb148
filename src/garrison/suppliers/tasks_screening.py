"""The daily re-screening job.

`suppliers.rescreen` (02:30 UTC, once a day): screens every supplier against the active
watch lists (trigger "schedule"). Imports and blacklisting already screen at once; the
daily run catches what changed without a trigger: suppliers added or renamed, a screening
threshold changed in the supplier policy. Daily rather than weekly because a run over
2,623 suppliers and 100,000 entries takes seconds. Safe to run twice: a known
(supplier, entry) pair is never stored again, a decided one never reopened.
"""

from __future__ import annotations

import datetime as dt

from garrison.core.scheduling import Period, crontab, periodic_job
from garrison.suppliers.models import ScreeningTrigger
from garrison.suppliers.services.screening import screen_suppliers

JOB_NAME = "suppliers.rescreen"
SYSTEM = "system: scheduled job"


@periodic_job(
    JOB_NAME,
    crontab(hour="2", minute="30"),
    period=Period.DAILY,
    description="Screen every supplier against the active watch lists",
)
def rescreen_suppliers(now: dt.datetime) -> str:
    run = screen_suppliers(trigger=ScreeningTrigger.SCHEDULE, by=SYSTEM)
    return (
        f"{run.suppliers_screened} suppliers screened against {run.entries_compared} entries, "
        f"{run.new_matches} new candidate matches"
    )
