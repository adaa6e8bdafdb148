"""Retention: nothing received inside the policy's period (180 days by default) can be
deleted; older batches lose their content (the blob, unless something else still uses it)
and keep their row and hash; each prune is in the audit trail; the daily job prunes what
expired and is safe to run twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from garrison.core.models import AuditEvent, Person, StoredFile
from garrison.core.scheduling import RunStatus, run_job
from garrison.logaudit.models import LogAuditPolicy, LogBatch, LogSource
from garrison.logaudit.services.retention import prune_batches, prune_expired, retention_cutoff
from garrison.logaudit.tasks_retention import JOB_NAME
from tests.logaudit.test_sources_services import *  # noqa: F403
from tests.logaudit.test_sources_services import seal

pytestmark = pytest.mark.django_db


def received_days_ago(batch: LogBatch, days: int) -> LogBatch:
    LogBatch.objects.filter(pk=batch.pk).update(received_at=timezone.now() - dt.timedelta(days=days))
    batch.refresh_from_db()
    return batch


def test_it_refuses_to_delete_logs_inside_the_retention_period(log_source: LogSource) -> None:
    batch = received_days_ago(seal(log_source), 179)
    with pytest.raises(ValidationError) as refused:
        prune_batches(before=timezone.now() - dt.timedelta(days=170), by=None)
    [message] = refused.value.message_dict["before"]
    assert message.startswith("Logs are kept for 180 days: only logs received before ")
    batch.refresh_from_db()
    assert batch.pruned_at is None
    assert batch.stored_file_id is not None


def test_a_longer_policy_moves_the_limit(log_source: LogSource) -> None:
    LogAuditPolicy.objects.update(retention_days=365)
    with pytest.raises(ValidationError):
        prune_batches(before=timezone.now() - dt.timedelta(days=200), by=None)
    assert retention_cutoff() < timezone.now() - dt.timedelta(days=364)


def test_it_deletes_old_content_and_keeps_the_rows_and_hashes(
    log_source: LogSource, security_officer: Person
) -> None:
    old = received_days_ago(seal(log_source, b'{"old": 1}\n'), 200)
    recent = received_days_ago(seal(log_source, b'{"recent": 1}\n'), 10)
    assert old.stored_file is not None
    old_blob, old_sha = old.stored_file.storage_name, old.sha256
    pruned = prune_batches(before=timezone.now() - dt.timedelta(days=181), by=security_officer)
    assert pruned == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.pruned_at is not None
    assert old.stored_file_id is None
    assert old.sha256 == old_sha
    assert recent.pruned_at is None
    assert recent.stored_file_id is not None
    assert not StoredFile.objects.filter(sha256=old_sha).exists()
    assert default_storage.exists(old_blob)  # removed on commit, which this test never reaches
    [event] = AuditEvent.objects.filter(
        object_type="logaudit.logbatch", object_id=str(old.pk), action="update"
    )
    assert event.actor == security_officer
    assert event.changes["stored_file"][1] is None
    assert event.reason.startswith("Retention: logs received before ")


def test_a_blob_another_batch_still_uses_is_kept(log_source: LogSource) -> None:
    old = received_days_ago(seal(log_source), 200)
    recent = seal(log_source)
    assert recent.stored_file_id == old.stored_file_id
    assert prune_batches(before=timezone.now() - dt.timedelta(days=190), by=None) == 1
    assert recent.stored_file is not None
    assert StoredFile.objects.filter(pk=recent.stored_file.pk).exists()


def test_people_prune_only_within_their_reach(
    log_source: LogSource, outsider: Person, auditor: Person
) -> None:
    batch = received_days_ago(seal(log_source), 200)
    before = timezone.now() - dt.timedelta(days=190)
    assert prune_batches(before=before, by=outsider) == 0
    assert prune_batches(before=before, by=auditor) == 0
    batch.refresh_from_db()
    assert batch.pruned_at is None


def test_the_daily_job_prunes_what_expired_once(log_source: LogSource) -> None:
    received_days_ago(seal(log_source, b'{"a": 1}\n'), 400)
    received_days_ago(seal(log_source, b'{"b": 1}\n'), 181)
    received_days_ago(seal(log_source, b'{"c": 1}\n'), 100)
    assert prune_expired() == 2
    assert prune_expired() == 0
    assert LogBatch.objects.filter(pruned_at__isnull=True).count() == 1


def test_the_job_never_reaches_inside_the_period_whatever_time_it_is_given(log_source: LogSource) -> None:
    received_days_ago(seal(log_source), 100)
    assert prune_expired(timezone.now() + dt.timedelta(days=365)) == 0


def test_the_periodic_job_is_registered_and_runs(log_source: LogSource) -> None:
    received_days_ago(seal(log_source), 300)
    outcome = run_job(JOB_NAME, now=timezone.now())
    assert outcome.status is RunStatus.SUCCEEDED
    assert outcome.detail == "1 log batches deleted under retention"
    assert run_job(JOB_NAME, now=timezone.now()).status is RunStatus.SKIPPED


def test_naive_moments_are_read_in_the_current_zone(log_source: Any) -> None:
    with pytest.raises(ValidationError):
        prune_batches(before=dt.datetime.now() - dt.timedelta(days=1), by=None)
