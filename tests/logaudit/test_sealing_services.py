"""Proving the logs behind a report unchanged: a report whose tree head was taken from the
batches verifies; a blob changed on disk, a blob gone, or a hash changed in the database
is named with its batch; batches deleted under retention still verify by their hash; each
blob is hashed once per run however many reports stand on it."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.files.storage import default_storage

from garrison.core.services import files
from garrison.logaudit.engine.merkle import tree_head
from garrison.logaudit.models import AuditReport, LogBatch, LogSource, ReportStatus
from garrison.logaudit.services.retention import prune_batches
from garrison.logaudit.services.sealing import (
    current_tree,
    tree_head_for,
    verify_report,
    verify_signed_reports,
)
from tests.logaudit.test_sources_services import *  # noqa: F403
from tests.logaudit.test_sources_services import EVENTS, seal

pytestmark = pytest.mark.django_db

__all__ = ["tamper"]

_weeks = itertools.count()
LONG_AGO = dt.datetime(2025, 1, 6, tzinfo=dt.UTC)


def make_report(source: LogSource, size: int, *, status: str = ReportStatus.SIGNED) -> AuditReport:
    """A report as an audit leaves it, sealed over the source's first `size` batches."""
    week = next(_weeks)
    start = LONG_AGO + dt.timedelta(weeks=week)
    return AuditReport.objects.create(
        reference=f"LAR-T{week:04d}",
        source=source,
        period_start=start,
        period_end=start + dt.timedelta(weeks=1),
        status=status,
        tree_size=size,
        tree_head=tree_head_for(source, size),
    )


@pytest.fixture
def tamper() -> Any:
    """`tamper(batch, content)` overwrites a batch's blob on disk; the blob is put back
    afterwards, since the file store outlives each test's database."""
    originals: dict[str, bytes] = {}

    def overwrite(batch: LogBatch, content: bytes) -> None:
        assert batch.stored_file is not None
        path = default_storage.path(batch.stored_file.storage_name)
        with open(path, "rb") as blob:
            originals.setdefault(path, blob.read())
        with open(path, "wb") as blob:
            blob.write(content)

    yield overwrite
    for path, content in originals.items():
        with open(path, "wb") as blob:
            blob.write(content)


def three_batches(source: LogSource) -> list[LogBatch]:
    return [
        seal(source, EVENTS + f'{{"day": {day}}}\n'.encode(), filename=f"day{day}.jsonl") for day in range(3)
    ]


def test_the_tree_head_is_the_merkle_root_of_the_batch_hashes(log_source: LogSource) -> None:
    batches = three_batches(log_source)
    assert tree_head_for(log_source, 2) == tree_head([batches[0].sha256, batches[1].sha256])
    assert current_tree(log_source) == (3, tree_head([batch.sha256 for batch in batches]))
    assert tree_head_for(log_source, 0) == tree_head([])
    with pytest.raises(ValueError, match="no complete run of batches"):
        tree_head_for(log_source, 4)


def test_an_untouched_report_verifies(log_source: LogSource) -> None:
    three_batches(log_source)
    report = make_report(log_source, 3)
    check = verify_report(report)
    assert check.ok, check.problems
    assert (check.batches_checked, check.batches_pruned) == (3, 0)


def test_a_later_batch_does_not_disturb_an_earlier_report(log_source: LogSource) -> None:
    three_batches(log_source)
    report = make_report(log_source, 2)
    seal(log_source, b'{"late": true}\n')
    check = verify_report(report)
    assert check.ok
    assert check.batches_checked == 2


def test_a_blob_changed_on_disk_is_named_with_its_batch(log_source: LogSource, tamper: Any) -> None:
    batches = three_batches(log_source)
    report = make_report(log_source, 3)
    tamper(batches[1], b'{"time": "2026-01-05T10:00:00Z", "CommandLine": "nothing to see"}\n')
    check = verify_report(report)
    assert not check.ok
    [problem] = check.problems
    assert problem.startswith("batch 1 (day1.jsonl): its content now hashes to ")
    assert f"sealed as {batches[1].sha256}" in problem


def test_a_missing_blob_and_a_rewritten_hash_are_both_reported(log_source: LogSource, tamper: Any) -> None:
    batches = three_batches(log_source)
    report = make_report(log_source, 3)
    missing, forged = batches[0].stored_file, batches[2].stored_file
    assert missing is not None
    assert forged is not None
    default_storage.delete(missing.storage_name)
    # Someone rewrites a hash in the database to match content they changed.
    tamper(batches[2], b"forged\n")
    LogBatch.objects.filter(pk=batches[2].pk).update(sha256=files.blob_sha256(forged.storage_name))
    check = verify_report(report)
    assert not check.ok
    assert check.problems[0] == "batch 0 (day0.jsonl): the stored file is missing"
    assert check.problems[-1].startswith("the tree head over 3 batches is ")
    assert report.tree_head in check.problems[-1]


def test_pruned_batches_still_verify_by_their_hash(log_source: LogSource) -> None:
    batches = three_batches(log_source)
    LogBatch.objects.filter(pk__in=[batches[0].pk, batches[1].pk]).update(received_at=LONG_AGO)
    report = make_report(log_source, 3)
    assert prune_batches(before=LONG_AGO + dt.timedelta(days=1), by=None) == 2
    check = verify_report(report)
    assert check.ok, check.problems
    assert (check.batches_checked, check.batches_pruned) == (1, 2)


def test_a_deleted_batch_row_is_reported(log_source: LogSource) -> None:
    batches = three_batches(log_source)
    report = make_report(log_source, 3)
    LogBatch.objects.filter(pk=batches[2].pk).delete()
    check = verify_report(report)
    assert "batch 2 is missing" in check.problems


def test_every_signed_report_is_verified_and_each_blob_hashed_once(
    log_source: LogSource, monkeypatch: Any
) -> None:
    three_batches(log_source)
    first = make_report(log_source, 2)
    second = make_report(log_source, 3)
    make_report(log_source, 3, status=ReportStatus.AWAITING_SIGN_OFF)
    hashed: list[str] = []
    real_hash = files.blob_sha256

    def counting(name: str) -> str:
        hashed.append(name)
        return real_hash(name)

    monkeypatch.setattr(files, "blob_sha256", counting)
    checks = verify_signed_reports()
    assert [check.report for check in checks] == [first, second]
    assert all(check.ok for check in checks)
    assert len(hashed) == len(set(hashed)) == 3


def test_a_report_without_a_tree_head_fails(log_source: LogSource) -> None:
    report = make_report(log_source, 0)
    AuditReport.objects.filter(pk=report.pk).update(tree_head="")
    report.refresh_from_db()
    assert verify_report(report).problems == ["the report records no tree head"]
