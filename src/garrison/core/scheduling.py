"""Periodic jobs: how apps register work with the Huey worker, run once per period.

An app declares a job in its `tasks.py`::

    @periodic_job("core.purge-login-failures", crontab(hour="3", minute="0"), period=Period.DAILY)
    def purge_login_failures(now: datetime) -> str:
        ...

The worker fires the job on its schedule (times in UTC, as Huey evaluates them).
Each run claims a row of the JobRun ledger for its period (the day, ISO week, month
or hour of the scheduled time, in UTC): a period that already succeeded is skipped,
a failed one, or one left "running" longer than `stale_after`, is run again. So a
job is safe to fire twice, retry, or run by hand (`garrison run-job NAME`).

The job function receives the scheduled time and returns a short summary for the
ledger; it must itself be idempotent within its period (dedupe keys, upserts),
because a failed run is retried from the start.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from huey import crontab as huey_crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from garrison.core.models import JobRun
from garrison.core.models.jobs import JobStatus

logger = logging.getLogger(__name__)

DETAIL_LENGTH = 4000

JobFunction = Callable[[dt.datetime], str | None]


class Period(StrEnum):
    FIVE_MINUTES = "five_minutes"
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


def organisation_zone() -> zoneinfo.ZoneInfo:
    """The time zone where the organisation works (its default one)."""
    return zoneinfo.ZoneInfo(settings.DEFAULT_PERSON_TIME_ZONE)


def organisation_today(now: dt.datetime | None = None) -> dt.date:
    """The date at `now` (default: now) where the organisation works, its default time zone:
    due dates and expiry dates are calendar dates there, not in UTC nor in a viewer's zone."""
    moment = now if now is not None else timezone.now()
    return moment.astimezone(organisation_zone()).date()


def period_key(period: Period | str, moment: dt.datetime) -> str:
    """The ledger key of the period containing `moment`, taken in UTC.

    Every five minutes ``2026-11-29T03:05``, hourly ``2026-11-29T03``, daily
    ``2026-11-29``, weekly ``2026-W48`` (ISO week, so the year is the ISO year), monthly
    ``2026-11``. Naive times are taken as UTC.
    """
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC)
    period = Period(period)
    if period is Period.FIVE_MINUTES:
        return f"{moment:%Y-%m-%dT%H}:{moment.minute // 5 * 5:02d}"
    if period is Period.HOURLY:
        return moment.strftime("%Y-%m-%dT%H")
    if period is Period.DAILY:
        return moment.strftime("%Y-%m-%d")
    if period is Period.WEEKLY:
        year, week, _weekday = moment.isocalendar()
        return f"{year}-W{week:02d}"
    return moment.strftime("%Y-%m")


@dataclass(frozen=True)
class Crontab:
    """A crontab schedule Huey can evaluate, which also reads back as ``"0 3 * * *"``."""

    minute: str = "*"
    hour: str = "*"
    day: str = "*"
    month: str = "*"
    day_of_week: str = "*"
    _matches: Callable[[dt.datetime], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        matcher = huey_crontab(
            minute=self.minute,
            hour=self.hour,
            day=self.day,
            month=self.month,
            day_of_week=self.day_of_week,
            strict=True,
        )
        object.__setattr__(self, "_matches", matcher)

    def __call__(self, moment: dt.datetime) -> bool:
        return self._matches(moment)

    def __str__(self) -> str:
        return f"{self.minute} {self.hour} {self.day} {self.month} {self.day_of_week}"


def crontab(
    minute: str = "*", hour: str = "*", day: str = "*", month: str = "*", day_of_week: str = "*"
) -> Crontab:
    """Huey's crontab (day_of_week 0 = Sunday), checked strictly when declared."""
    return Crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week)


@dataclass(frozen=True)
class PeriodicJob:
    """A registered job: its name, when it fires, which period makes it run once."""

    name: str
    function: JobFunction
    schedule: Crontab
    period: Period
    description: str
    stale_after: dt.timedelta
    task: Any = field(repr=False, compare=False)  # the Huey periodic task that fires it


class RunStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class JobOutcome:
    """What one attempt to run a job did."""

    job_name: str
    period_key: str
    status: RunStatus
    detail: str = ""


@dataclass(frozen=True)
class JobInfo:
    """A registered job with its latest ledger entry, for listings."""

    name: str
    schedule: str
    period: Period
    description: str
    last_run: JobRun | None


class UnknownJob(LookupError):
    """No job is registered under this name."""


class JobFailed(Exception):
    """Raised to the worker so that Huey retries the run."""


_jobs: dict[str, PeriodicJob] = {}


def periodic_job(
    name: str,
    schedule: Crontab,
    *,
    period: Period | str,
    description: str = "",
    stale_after: dt.timedelta = dt.timedelta(hours=2),
) -> Callable[[JobFunction], JobFunction]:
    """Register `function(now)` as a periodic job run at most once per `period`."""

    def decorator(function: JobFunction) -> JobFunction:
        if name in _jobs:
            raise ValueError(f"A periodic job named {name!r} is already registered")

        def fire() -> None:
            # The scheduled time travels with the run, so retries stay in the same period.
            scheduled = timezone.now().replace(second=0, microsecond=0)
            run_scheduled_job(name, scheduled.isoformat())

        _jobs[name] = PeriodicJob(
            name=name,
            function=function,
            schedule=schedule,
            period=Period(period),
            description=description or (function.__doc__ or "").strip().split("\n")[0],
            stale_after=stale_after,
            task=db_periodic_task(schedule, name=f"periodic:{name}")(fire),
        )
        return function

    return decorator


@db_task(retries=2, retry_delay=300, name="garrison.run-scheduled-job")
def run_scheduled_job(name: str, scheduled_iso: str) -> str:
    outcome = run_job(name, now=dt.datetime.fromisoformat(scheduled_iso))
    if outcome.status is RunStatus.FAILED:
        raise JobFailed(f"{name} [{outcome.period_key}]: {outcome.detail}")
    return outcome.status.value


def registered_jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def get_job(name: str) -> PeriodicJob:
    try:
        return _jobs[name]
    except KeyError:
        raise UnknownJob(name) from None


def list_jobs() -> list[JobInfo]:
    """Every registered job with its schedule and latest run, for operators."""
    return [
        JobInfo(
            name=job.name,
            schedule=str(job.schedule),
            period=job.period,
            description=job.description,
            last_run=JobRun.objects.filter(job_name=job.name).order_by("-started_at", "-id").first(),
        )
        for job in registered_jobs()
    ]


def run_job(name: str, *, now: dt.datetime | None = None) -> JobOutcome:
    """Run job `name` for the period containing `now` (default: this moment), unless
    that period already succeeded or is being run elsewhere."""
    job = get_job(name)
    moment = now or timezone.now()
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=dt.UTC)
    key = period_key(job.period, moment)
    run = _claim(job, key)
    if run is None:
        return JobOutcome(job.name, key, RunStatus.SKIPPED)
    try:
        detail = job.function(moment) or ""
    except Exception as error:
        logger.exception("Periodic job %s failed for %s", job.name, key)
        summary = "".join(traceback.format_exception_only(type(error), error)).strip()
        _finish(run, JobStatus.FAILED, f"{summary}\n\n{traceback.format_exc()}")
        return JobOutcome(job.name, key, RunStatus.FAILED, summary)
    _finish(run, JobStatus.SUCCEEDED, detail)
    return JobOutcome(job.name, key, RunStatus.SUCCEEDED, detail)


def _claim(job: PeriodicJob, key: str) -> JobRun | None:
    """Take the ledger row for (job, period), or None when the period is not to run."""
    with transaction.atomic():
        run = JobRun.objects.select_for_update().filter(job_name=job.name, period_key=key).first()
        if run is None:
            try:
                with transaction.atomic():
                    return JobRun.objects.create(job_name=job.name, period_key=key, status=JobStatus.RUNNING)
            except IntegrityError:
                return None  # another worker claimed the period a moment ago
        if run.status == JobStatus.SUCCEEDED:
            return None
        started = timezone.now()
        if run.status == JobStatus.RUNNING and run.started_at > started - job.stale_after:
            return None
        # A failed run, or one whose worker died: take it over.
        JobRun.objects.filter(pk=run.pk).update(
            status=JobStatus.RUNNING, started_at=started, finished_at=None, detail=""
        )
        run.refresh_from_db()
        return run


def _finish(run: JobRun, status: JobStatus, detail: str) -> None:
    JobRun.objects.filter(pk=run.pk).update(
        status=status, finished_at=timezone.now(), detail=detail[:DETAIL_LENGTH]
    )
