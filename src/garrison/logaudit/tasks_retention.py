"""The daily retention job: the content of log batches past the policy's retention period
is deleted (their hashes stay, so signed reports still verify). Safe to run twice: a
pruned batch is not pruned again."""

from __future__ import annotations

import datetime as dt

from garrison.core.scheduling import Period, crontab, periodic_job
from garrison.logaudit.services.retention import prune_expired

JOB_NAME = "logaudit.prune-expired-logs"


@periodic_job(
    JOB_NAME,
    crontab(hour="3", minute="35"),
    period=Period.DAILY,
    description="Delete the content of log batches past the log-audit retention period",
)
def prune_expired_logs(now: dt.datetime) -> str:
    pruned = prune_expired(now)
    return f"{pruned} log batches deleted under retention"
