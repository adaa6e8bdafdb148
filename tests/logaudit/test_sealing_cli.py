"""`garrison logaudit ingest|verify|prune`: sealing files into a source with their counts,
verifying signed reports (exit status 1 when one fails) and pruning past retention."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from garrison.core.models import Person
from garrison.logaudit.models import LogBatch, LogSource, ReportStatus
from tests.logaudit.test_sealing_services import *  # noqa: F403
from tests.logaudit.test_sealing_services import make_report, three_batches
from tests.logaudit.test_sources_services import *  # noqa: F403
from tests.logaudit.test_sources_services import seal

pytestmark = pytest.mark.django_db


def run(*arguments: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("logaudit", *arguments, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing(*arguments: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("logaudit", *arguments, stdout=out, stderr=err)
    return failed.value.returncode, out.getvalue(), err.getvalue()


def test_ingest_seals_each_file_and_prints_its_counts(
    log_source: LogSource, security_officer: Person, tmp_path: Path
) -> None:
    good = tmp_path / "monday.jsonl"
    good.write_bytes(b'{"a": 1}\nnot json\n{"b": 2}\n{oops\n')
    second = tmp_path / "tuesday.jsonl"
    second.write_bytes(b'{"c": 3}\n')
    out, _err = run(
        "ingest", "--source", log_source.reference.lower(), str(good), str(second), "--as", "secofficer"
    )
    assert f"monday.jsonl: batch 0 of {log_source.reference}, 2 events, 2 malformed lines (lines 2, 4)" in out
    assert f"tuesday.jsonl: batch 1 of {log_source.reference}, 1 events, 0 malformed lines" in out
    assert list(LogBatch.objects.values_list("received_by", flat=True)) == [security_officer.pk] * 2


def test_ingest_names_a_refused_file_seals_the_others_and_exits_1(
    log_source: LogSource, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    good = tmp_path / "good.jsonl"
    good.write_bytes(b'{"a": 1}\n')
    status, out, err = failing(
        "ingest", "--source", log_source.reference, str(empty), str(tmp_path / "gone.log"), str(good)
    )
    assert status == 1
    assert "empty.log: refused: The file is empty" in err
    assert "gone.log: refused: No such file or directory" in err
    assert "2 of 3 files refused" in err
    assert "good.jsonl: batch 0" in out
    assert LogBatch.objects.count() == 1


def test_ingest_refuses_a_source_out_of_the_persons_reach(
    log_source: LogSource, outsider: Person, tmp_path: Path
) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": 1}\n')
    with pytest.raises(CommandError, match="no log source"):
        run("ingest", "--source", log_source.reference, str(path), "--as", "outsider")
    with pytest.raises(CommandError, match="no log source"):
        run("ingest", "--source", "LS-999999", str(path))
    assert not LogBatch.objects.exists()


def test_verify_prints_ok_for_untouched_reports(log_source: LogSource) -> None:
    three_batches(log_source)
    report = make_report(log_source, 3)
    out, _err = run("verify")
    assert f"{report.reference} ({log_source.reference}, " in out
    assert ": OK, 3 batches re-hashed, 0 deleted under retention" in out
    assert "1 reports verified, 0 failed" in out


def test_verify_names_what_differs_and_exits_1(log_source: LogSource, tamper: Any) -> None:
    batches = three_batches(log_source)
    report = make_report(log_source, 3)
    make_report(log_source, 1)
    tamper(batches[2], b"changed\n")
    status, out, _err = failing("verify")
    assert status == 1
    assert f"{report.reference} ({log_source.reference}" in out
    assert ": FAILED" in out
    assert "  - batch 2 (day2.jsonl): its content now hashes to " in out
    assert "2 reports verified, 1 failed" in out


def test_verify_one_report_whatever_its_status(log_source: LogSource) -> None:
    three_batches(log_source)
    make_report(log_source, 3)
    pending = make_report(log_source, 2, status=ReportStatus.AWAITING_SIGN_OFF)
    out, _err = run("verify", "--report", pending.reference)
    assert "1 reports verified, 0 failed" in out
    with pytest.raises(CommandError, match="no audit report"):
        run("verify", "--report", "LAR-NONE")


def test_verify_with_no_signed_reports_says_so(db: Any) -> None:
    out, _err = run("verify")
    assert out.strip() == "No signed reports to verify."


def test_prune_deletes_old_content_and_refuses_inside_retention(log_source: LogSource) -> None:
    batch = seal(log_source)
    LogBatch.objects.filter(pk=batch.pk).update(received_at=timezone.now() - dt.timedelta(days=300))
    status, _out, err = failing(
        "prune", "--before", (timezone.now() - dt.timedelta(days=30)).strftime("%Y-%m-%d")
    )
    assert status == 1
    assert "refused: Logs are kept for 180 days" in err
    day = (timezone.now() - dt.timedelta(days=200)).strftime("%Y-%m-%d")
    out, _err = run("prune", "--before", day, "--as", "secofficer")
    assert out.strip() == f"1 batches received before {day} deleted under retention"
    batch.refresh_from_db()
    assert batch.pruned_at is not None


def test_prune_needs_a_real_date(db: Any) -> None:
    with pytest.raises(CommandError, match="not a date"):
        run("prune", "--before", "last week")
