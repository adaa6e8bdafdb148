"""Periodic jobs: period keys, the JobRun ledger that makes them idempotent, the core jobs."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from garrison.core import scheduling
from garrison.core.models import AuditEvent, JobRun, LoginFailure
from garrison.core.models.jobs import JobStatus
from garrison.core.scheduling import Period, RunStatus, crontab, period_key, periodic_job, run_job

calls: list[dt.datetime] = []
failures_left: list[int] = [0]


@periodic_job("tests.counting", crontab(hour="4", minute="30"), period=Period.DAILY)
def counting_job(now: dt.datetime) -> str:
    """Counts its runs; fails while `failures_left` says so."""
    if failures_left[0]:
        failures_left[0] -= 1
        raise RuntimeError("disk full")
    calls.append(now)
    return f"run {len(calls)}"


@pytest.fixture(autouse=True)
def fresh_counters() -> None:
    calls.clear()
    failures_left[0] = 0


NOON = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("period", "moment", "key"),
    [
        (Period.FIVE_MINUTES, NOON, "2026-11-29T12:00"),
        (Period.FIVE_MINUTES, dt.datetime(2026, 11, 29, 12, 9, 59, tzinfo=dt.UTC), "2026-11-29T12:05"),
        (Period.HOURLY, NOON, "2026-11-29T12"),
        (Period.DAILY, NOON, "2026-11-29"),
        (Period.WEEKLY, NOON, "2026-W48"),
        (Period.MONTHLY, NOON, "2026-11"),
        # ISO weeks belong to the ISO year: 1 January 2027 is in week 53 of 2026.
        (Period.WEEKLY, dt.datetime(2027, 1, 1, tzinfo=dt.UTC), "2026-W53"),
        (Period.WEEKLY, dt.datetime(2027, 1, 4, tzinfo=dt.UTC), "2027-W01"),
        # Keys are taken in UTC: 02:00 in Shanghai on the 30th is still the 29th in UTC.
        (
            Period.DAILY,
            dt.datetime(2026, 11, 30, 2, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")),
            "2026-11-29",
        ),
        (Period.DAILY, dt.datetime(2026, 11, 29, 23, 59), "2026-11-29"),
    ],
)
def test_it_derives_the_period_key_from_the_time(period: Period, moment: dt.datetime, key: str) -> None:
    assert period_key(period, moment) == key


def test_its_crontab_matches_like_hueys_and_reads_back_as_an_expression() -> None:
    schedule = crontab(hour="3", minute="0")
    assert str(schedule) == "0 3 * * *"
    assert schedule(dt.datetime(2026, 11, 29, 3, 0))
    assert not schedule(dt.datetime(2026, 11, 29, 3, 1))


def test_it_rejects_a_malformed_crontab_when_declared() -> None:
    with pytest.raises(ValueError, match="25 is not a valid input"):
        crontab(hour="25")


def test_it_refuses_two_jobs_with_the_same_name() -> None:
    with pytest.raises(ValueError, match="already registered"):
        periodic_job("tests.counting", crontab(minute="0"), period=Period.HOURLY)(counting_job)


@pytest.mark.django_db
def test_it_runs_a_job_once_and_records_the_outcome() -> None:
    outcome = run_job("tests.counting", now=NOON)

    assert outcome.status is RunStatus.SUCCEEDED
    assert outcome.period_key == "2026-11-29"
    assert calls == [NOON]
    run = JobRun.objects.get(job_name="tests.counting")
    assert (run.period_key, run.status, run.detail) == ("2026-11-29", JobStatus.SUCCEEDED, "run 1")
    assert run.finished_at is not None


@pytest.mark.django_db
def test_a_second_run_in_the_same_period_does_nothing() -> None:
    run_job("tests.counting", now=NOON)
    outcome = run_job("tests.counting", now=NOON + dt.timedelta(hours=11))

    assert outcome.status is RunStatus.SKIPPED
    assert len(calls) == 1
    assert JobRun.objects.filter(job_name="tests.counting").count() == 1


@pytest.mark.django_db
def test_the_next_period_runs_again() -> None:
    run_job("tests.counting", now=NOON)
    outcome = run_job("tests.counting", now=NOON + dt.timedelta(days=1))

    assert outcome.status is RunStatus.SUCCEEDED
    assert len(calls) == 2
    assert sorted(JobRun.objects.values_list("period_key", flat=True)) == ["2026-11-29", "2026-11-30"]


@pytest.mark.django_db
def test_a_failed_run_is_recorded_and_can_be_retried() -> None:
    failures_left[0] = 1

    failed = run_job("tests.counting", now=NOON)
    assert failed.status is RunStatus.FAILED
    assert "disk full" in failed.detail
    run = JobRun.objects.get(job_name="tests.counting")
    assert run.status == JobStatus.FAILED
    assert "RuntimeError: disk full" in run.detail
    assert run.finished_at is not None

    retried = run_job("tests.counting", now=NOON)
    assert retried.status is RunStatus.SUCCEEDED
    run.refresh_from_db()
    assert (run.status, run.detail) == (JobStatus.SUCCEEDED, "run 1")
    assert calls == [NOON]


@pytest.mark.django_db
def test_a_run_still_in_progress_is_left_alone_but_a_stale_one_is_taken_over() -> None:
    run = JobRun.objects.create(job_name="tests.counting", period_key="2026-11-29", status=JobStatus.RUNNING)

    assert run_job("tests.counting", now=NOON).status is RunStatus.SKIPPED
    assert calls == []

    JobRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - dt.timedelta(hours=3))
    assert run_job("tests.counting", now=NOON).status is RunStatus.SUCCEEDED
    assert calls == [NOON]
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED


@pytest.mark.django_db
def test_the_worker_task_raises_on_failure_so_huey_retries_in_the_same_period() -> None:
    failures_left[0] = 1
    scheduled = "2026-11-29T04:30:00+00:00"

    with pytest.raises(scheduling.JobFailed, match="2026-11-29"):
        scheduling.run_scheduled_job.call_local("tests.counting", scheduled)
    assert scheduling.run_scheduled_job.call_local("tests.counting", scheduled) == "succeeded"
    assert calls == [dt.datetime(2026, 11, 29, 4, 30, tzinfo=dt.UTC)]


def test_running_an_unknown_job_names_the_problem() -> None:
    with pytest.raises(scheduling.UnknownJob):
        run_job("tests.no-such-job")


@pytest.mark.django_db
def test_the_registry_lists_jobs_with_schedule_and_last_run() -> None:
    run_job("tests.counting", now=NOON)

    jobs = {info.name: info for info in scheduling.list_jobs()}
    assert {"core.purge-login-failures", "core.api-token-expiry-reminders", "tests.counting"} <= set(jobs)
    assert jobs["core.purge-login-failures"].schedule == "0 3 * * *"
    assert jobs["core.purge-login-failures"].last_run is None
    counting = jobs["tests.counting"]
    assert counting.schedule == "30 4 * * *"
    assert counting.description == "Counts its runs; fails while `failures_left` says so."
    assert counting.last_run is not None
    assert counting.last_run.status == JobStatus.SUCCEEDED


@pytest.mark.django_db
def test_the_run_job_command_runs_then_skips_the_same_period() -> None:
    out = StringIO()
    call_command("run_job", "tests.counting", "--at", "2026-11-29T12:00:00", stdout=out)
    call_command("run_job", "tests.counting", "--at", "2026-11-29T18:00:00+00:00", stdout=out)

    assert out.getvalue().splitlines() == [
        "tests.counting [2026-11-29] succeeded: run 1",
        "tests.counting [2026-11-29] skipped",
    ]


@pytest.mark.django_db
def test_the_run_job_command_fails_loudly() -> None:
    failures_left[0] = 1
    with pytest.raises(CommandError, match="failed: RuntimeError: disk full"):
        call_command("run_job", "tests.counting", stdout=StringIO())
    with pytest.raises(CommandError, match="No job named 'nope'"):
        call_command("run_job", "nope", stdout=StringIO())
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("run_job", "tests.counting", "--at", "yesterday", stdout=StringIO())


@pytest.mark.django_db
def test_the_run_job_command_lists_the_registered_jobs() -> None:
    out = StringIO()
    call_command("run_job", "--list", stdout=out)

    lines = out.getvalue().splitlines()
    assert any(line.startswith("core.purge-login-failures\t0 3 * * *\tdaily\tnever run") for line in lines)


@pytest.mark.django_db
def test_the_purge_job_deletes_only_failed_logins_older_than_thirty_days() -> None:
    old = LoginFailure.objects.create(username="mallory", source_ip="192.0.2.1")
    recent = LoginFailure.objects.create(username="mallory", source_ip="192.0.2.1")
    LoginFailure.objects.filter(pk=old.pk).update(occurred_at=NOON - dt.timedelta(days=31))
    LoginFailure.objects.filter(pk=recent.pk).update(occurred_at=NOON - dt.timedelta(days=29))

    outcome = run_job("core.purge-login-failures", now=NOON)

    assert outcome.detail == "1 failed-login records deleted"
    assert list(LoginFailure.objects.values_list("pk", flat=True)) == [recent.pk]
    event = AuditEvent.objects.get(object_type="core.loginfailure")
    assert event.action == "delete"
    assert event.changes["deleted"] == 1
    assert event.actor_label == "system: scheduled job"


@pytest.mark.django_db
def test_the_worker_firing_a_job_runs_it_for_the_current_period() -> None:
    scheduling.get_job("tests.counting").task.call_local()
    scheduling.get_job("tests.counting").task.call_local()

    assert len(calls) == 1
    run = JobRun.objects.get(job_name="tests.counting")
    assert run.period_key == period_key(Period.DAILY, timezone.now())
    assert run.status == JobStatus.SUCCEEDED
