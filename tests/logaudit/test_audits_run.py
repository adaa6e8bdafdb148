"""Running a weekly audit over sealed batches: the week's batches only, matches grouped by
rule into findings with accounts and samples, suppressed matches counted on their
suppression, every match kept in a file, the tree head recorded, the reviewer told; and a
run that fails records nothing but the reason."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from typing import Any

import orjson
import pytest
from django.core.files.storage import default_storage

from garrison.core.models import Notification
from garrison.logaudit.models import (
    AuditFinding,
    AuditReport,
    LogAuditPolicy,
    LogFormat,
    ReportStatus,
    Suppression,
    SuppressionKind,
)
from garrison.logaudit.notifications_audits import AUDIT_FAILED, REPORT_AWAITING_SIGN_OFF
from garrison.logaudit.services import audits
from garrison.logaudit.services.audits import request_audit, run_audit
from garrison.logaudit.services.ingest import ingest_batch
from garrison.logaudit.services.rules import add_rule
from garrison.logaudit.services.sealing import tree_head_for
from garrison.logaudit.services.sources import create_source
from garrison.logaudit.services.suppressions import create_suppression

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
WEEK_START = dt.datetime(2026, 2, 23, tzinfo=SHANGHAI)  # a Monday
WEEK_END = WEEK_START + dt.timedelta(days=7)

PROCESS_RULE = """
title: {title}
id: {rule_id}
status: test
description: Hand-written for the audit tests.
author: Garrison tests
logsource:
    product: linux
    category: process_creation
detection:
    selection:
        CommandLine|{modifier}: '{value}'
    condition: selection
level: {level}
"""
AUDITD_RULE = """
title: Audit rules deleted
id: 5a0e4d8e-6c1f-4a43-9d55-31c2a7f3b801
status: test
author: Garrison tests
logsource:
    product: linux
    service: auditd
detection:
    selection:
        type: SYSCALL
        a0: auditctl
        a1: '-D'
    condition: selection
level: high
"""
HEADER = "user,asset,account,command,time,session\n"


def process_rule(title: str, rule_id: str, modifier: str, value: str, level: str = "high") -> Any:
    text = PROCESS_RULE.format(title=title, rule_id=rule_id, modifier=modifier, value=value, level=level)
    return add_rule(text, by=None)


@pytest.fixture
def rules(db: Any) -> dict[str, Any]:
    return {
        "flush": process_rule(
            "Firewall rules flushed", "0c3f6a52-1f0e-4c39-8f0e-2b7c1d3e9a01", "contains", "iptables -F"
        ),
        "sudo": process_rule(
            "Shell as root through sudo",
            "1d4a7b63-2a1f-4d4a-9a1f-3c8d2e4f0b12",
            "startswith",
            "sudo su",
            "medium",
        ),
        "mkfs": process_rule(
            "File system created", "2e5b8c74-3b20-4e5b-8b20-4d9e3f5a1c23", "contains", "mkfs", "low"
        ),
    }


def csv_batch(*rows: tuple[str, str, str]) -> bytes:
    """Bastion command log rows (user, command, local time)."""
    lines = [f"{user},billing-db,root,{command},{time}+08:00,s1\n" for user, command, time in rows]
    return (HEADER + "".join(lines)).encode()


def seal(source: Any, content: bytes, name: str, received_at: dt.datetime, by: Any) -> Any:
    return ingest_batch(source, io.BytesIO(content), filename=name, by=by, received_at=received_at)


@pytest.fixture
def bastion(security_officer: Any, critical_system: Any) -> Any:
    """A bastion source with a batch before the week, two in it and one after it."""
    source = create_source(
        by=security_officer, name="billing-db commands", asset=critical_system, log_format=LogFormat.BASTION
    )
    by = security_officer
    seal(
        source,
        csv_batch(("zhang.wei", "iptables -F", "2026-02-20T09:00:00")),
        "before.csv",
        WEEK_START - dt.timedelta(hours=2),
        by,
    )
    seal(
        source,
        csv_batch(
            ("zhang.wei", "iptables -F", "2026-02-24T10:15:00"),
            ("li.na", "sudo su -", "2026-02-24T11:00:00"),
            ("zhang.wei", "ls -la /var/log", "2026-02-24T11:05:00"),
        ),
        "mon.csv",
        WEEK_START + dt.timedelta(days=1, hours=1),
        by,
    )
    seal(
        source,
        csv_batch(
            ("wang.fang", "iptables -F INPUT", "2026-02-26T22:40:00"),
            ("zhang.wei", "iptables -F", "2026-02-27T08:00:00"),
        ),
        "thu.csv",
        WEEK_END - dt.timedelta(seconds=1),
        by,
    )
    seal(source, csv_batch(("mallory", "iptables -F", "2026-03-02T08:00:00")), "after.csv", WEEK_END, by)
    return source


def queued_report(source: Any, by: Any) -> AuditReport:
    return request_audit(source, by=by, period_start=WEEK_START)


def matches_of(report: AuditReport) -> list[dict[str, Any]]:
    assert report.matches_file is not None
    with default_storage.open(report.matches_file.storage_name, "rb") as blob:
        return [orjson.loads(line) for line in blob.read().splitlines()]


def test_an_audit_groups_the_weeks_matches_by_rule(
    bastion: Any, rules: dict[str, Any], security_officer: Any
) -> None:
    LogAuditPolicy.objects.update(samples_per_finding=2)
    report = run_audit(queued_report(bastion, security_officer))
    assert report.status == ReportStatus.AWAITING_SIGN_OFF, report.error
    assert (report.batch_count, report.first_sequence, report.event_count, report.malformed_count) == (
        2,
        1,
        5,
        0,
    )
    # The tree as it stood at the end of the week: the batch before it and the two in it.
    assert (report.tree_size, report.tree_head) == (3, tree_head_for(bastion, 3))
    assert (report.rule_count, report.match_count, report.suppressed_count) == (3, 4, 0)
    assert report.rule_problems == []
    assert report.started_at is not None
    assert report.finished_at is not None

    findings = {finding.rule.rule_id: finding for finding in report.findings.all()}
    assert set(findings) == {rules["flush"].rule_id, rules["sudo"].rule_id}
    flush = findings[rules["flush"].rule_id]
    assert (flush.asset, flush.title, flush.level, flush.match_count) == (
        bastion.asset,
        "Firewall rules flushed",
        "high",
        3,
    )
    assert flush.accounts == ["zhang.wei", "wang.fang"]
    assert flush.first_match_at == dt.datetime(2026, 2, 24, 10, 15, tzinfo=SHANGHAI)
    assert flush.last_match_at == dt.datetime(2026, 2, 27, 8, 0, tzinfo=SHANGHAI)
    assert [(sample["batch"], sample["line"]) for sample in flush.samples] == [(1, 2), (2, 2)]
    assert flush.samples[1]["event"]["command"] == "iptables -F INPUT"
    assert findings[rules["sudo"].rule_id].accounts == ["li.na"]

    matches = matches_of(report)
    assert len(matches) == 4
    assert {(match["batch"], match["line"]) for match in matches} == {(1, 2), (1, 3), (2, 2), (2, 3)}
    assert all(match["suppressed_by"] is None and match["author"] == "Garrison tests" for match in matches)

    told = Notification.objects.get(recipient=security_officer, kind=REPORT_AWAITING_SIGN_OFF.code)
    assert (
        told.title
        == f"Log audit {report.reference} of billing-db commands (2026-02-23 to 2026-03-01) is ready to sign"
    )
    assert "2 findings with 4 matches" in told.body


def test_suppressed_matches_stay_out_of_the_findings_and_are_counted(
    bastion: Any, rules: dict[str, Any], security_officer: Any, organisation: Any
) -> None:
    expires = dt.date.today() + dt.timedelta(days=30)
    for_account = create_suppression(
        by=security_officer,
        kind=SuppressionKind.ACCOUNT,
        reason="Wang Fang maintains the firewall.",
        expires_on=expires,
        asset=bastion.asset,
        account="wang.fang",
        rule=rules["flush"],
    )
    for_site = create_suppression(
        by=security_officer,
        kind=SuppressionKind.SITE,
        reason="Operators become root by sudo at Beijing.",
        expires_on=expires,
        unit=organisation.beijing,
        rule=rules["sudo"],
    )
    report = run_audit(queued_report(bastion, security_officer))
    assert (report.match_count, report.suppressed_count) == (2, 2)
    finding = report.findings.get()
    assert (finding.rule, finding.match_count, finding.accounts) == (rules["flush"], 2, ["zhang.wei"])
    assert Suppression.objects.get(pk=for_account.pk).match_count == 1
    assert Suppression.objects.get(pk=for_site.pk).match_count == 1
    suppressed = {
        match["user"]: match["suppressed_by"] for match in matches_of(report) if match["suppressed_by"]
    }
    assert suppressed == {"wang.fang": for_account.reference, "li.na": for_site.reference}


def test_a_week_without_matches_still_awaits_sign_off(bastion: Any, security_officer: Any) -> None:
    process_rule("File system created", "2e5b8c74-3b20-4e5b-8b20-4d9e3f5a1c23", "contains", "mkfs", "low")
    report = run_audit(queued_report(bastion, security_officer))
    assert (report.status, report.match_count, report.findings.count()) == (
        ReportStatus.AWAITING_SIGN_OFF,
        0,
        0,
    )
    assert matches_of(report) == []
    assert Notification.objects.filter(
        recipient=security_officer, kind=REPORT_AWAITING_SIGN_OFF.code
    ).exists()


def test_a_week_without_batches_records_the_tree_before_it(
    security_officer: Any, critical_system: Any, rules: dict[str, Any]
) -> None:
    source = create_source(
        by=security_officer, name="quiet host", asset=critical_system, log_format=LogFormat.BASTION
    )
    seal(
        source,
        csv_batch(("zhang.wei", "iptables -F", "2026-02-20T09:00:00")),
        "old.csv",
        WEEK_START - dt.timedelta(days=1),
        security_officer,
    )
    report = run_audit(queued_report(source, security_officer))
    assert (report.status, report.batch_count, report.event_count) == (ReportStatus.AWAITING_SIGN_OFF, 0, 0)
    assert (report.tree_size, report.first_sequence, report.tree_head) == (1, 1, tree_head_for(source, 1))


def test_sysmon_json_lines_with_a_malformed_line(
    security_officer: Any, critical_system: Any, rules: dict[str, Any]
) -> None:
    source = create_source(
        by=security_officer, name="billing-db sysmon", asset=critical_system, log_format=LogFormat.JSONL
    )
    events = [
        {"UtcTime": "2026-02-24T02:00:00Z", "EventID": 1, "Computer": "billing-db", "User": "root",
         "Image": "/usr/sbin/iptables", "CommandLine": "iptables -F", "ParentImage": "/usr/bin/bash"},
        {"UtcTime": "2026-02-24T02:01:00Z", "EventID": 1, "Computer": "billing-db", "User": "ops1",
         "Image": "/usr/bin/ls", "CommandLine": "ls -la", "ParentImage": "/usr/bin/bash"},
    ]  # fmt: skip
    content = orjson.dumps(events[0]) + b"\n{not json\n" + orjson.dumps(events[1]) + b"\n"
    seal(source, content, "sysmon.jsonl", WEEK_START + dt.timedelta(days=2), security_officer)
    report = run_audit(queued_report(source, security_officer))
    assert (report.status, report.event_count, report.malformed_count) == (
        ReportStatus.AWAITING_SIGN_OFF,
        2,
        1,
    )
    finding = report.findings.get()
    assert (finding.rule, finding.match_count, finding.accounts) == (rules["flush"], 1, ["root"])
    assert finding.samples[0]["line"] == 1
    assert finding.first_match_at == dt.datetime(2026, 2, 24, 2, 0, tzinfo=dt.UTC)


def test_auditd_records_joined_by_serial(security_officer: Any, critical_system: Any) -> None:
    rule = add_rule(AUDITD_RULE, by=None)
    source = create_source(
        by=security_officer, name="billing-db auditd", asset=critical_system, log_format=LogFormat.AUDITD
    )
    content = (
        b"type=SYSCALL msg=audit(1771900000.100:501): arch=c000003e syscall=59 success=yes exit=0 "
        b'ppid=100 pid=200 auid=1000 uid=0 comm="auditctl" exe="/usr/sbin/auditctl" key="audit_tamper"\n'
        b'type=EXECVE msg=audit(1771900000.100:501): argc=2 a0="auditctl" a1="-D"\n'
        b"type=SYSCALL msg=audit(1771900100.200:502): arch=c000003e syscall=59 success=yes exit=0 "
        b'ppid=100 pid=201 auid=1000 uid=0 comm="ls" exe="/usr/bin/ls" key="exec"\n'
        b'type=EXECVE msg=audit(1771900100.200:502): argc=1 a0="ls"\n'
    )
    seal(source, content, "audit.log", WEEK_START + dt.timedelta(days=3), security_officer)
    report = run_audit(queued_report(source, security_officer))
    assert (report.status, report.event_count) == (ReportStatus.AWAITING_SIGN_OFF, 2), report.error
    finding = report.findings.get()
    assert (finding.rule, finding.match_count) == (rule, 1)
    assert finding.samples[0]["line"] == 1


def test_the_background_job_runs_the_audit_after_commit(
    bastion: Any, rules: dict[str, Any], security_officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        queued = queued_report(bastion, security_officer)
    report = AuditReport.objects.get(pk=queued.pk)
    assert (report.status, report.match_count) == (ReportStatus.AWAITING_SIGN_OFF, 4)
    # Run again, it changes nothing.
    assert run_audit(report).finished_at == report.finished_at
    assert report.findings.count() == 2


def test_a_run_that_cannot_read_a_batch_fails_and_records_nothing(
    bastion: Any, rules: dict[str, Any], security_officer: Any
) -> None:
    batch = bastion.batches.get(sequence=2)
    default_storage.delete(batch.stored_file.storage_name)
    report = run_audit(queued_report(bastion, security_officer))
    assert report.status == ReportStatus.FAILED
    assert report.error.startswith("The audit could not run, nothing was recorded:")
    assert not AuditFinding.objects.exists()
    assert report.matches_file is None
    told = Notification.objects.get(recipient=security_officer, kind=AUDIT_FAILED.code)
    assert told.title == "The log audit of billing-db commands (2026-02-23 to 2026-03-01) failed"
    assert told.body == report.error


def test_a_failure_while_writing_leaves_no_finding_half_written(
    bastion: Any, rules: dict[str, Any], security_officer: Any, monkeypatch: Any, organisation: Any
) -> None:
    create_suppression(
        by=security_officer,
        kind=SuppressionKind.SITE,
        reason="Operators become root by sudo at Beijing.",
        expires_on=dt.date.today() + dt.timedelta(days=30),
        unit=organisation.beijing,
        rule=rules["sudo"],
    )

    def broken(counts: dict[int, int]) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("garrison.logaudit.services.audits.count_suppressed", broken)
    report = run_audit(queued_report(bastion, security_officer))
    assert (report.status, report.error) == (
        ReportStatus.FAILED,
        "The audit could not run, nothing was recorded: the database went away",
    )
    assert not AuditFinding.objects.exists()
    assert report.match_count == 0
    assert Suppression.objects.get().match_count == 0
    # Asked again, the failed week runs again.
    monkeypatch.undo()
    again = run_audit(request_audit(bastion, by=security_officer, period_start=WEEK_START))
    assert (again.pk, again.status, again.match_count) == (report.pk, ReportStatus.AWAITING_SIGN_OFF, 3)


def test_batch_paths_spool_a_blob_the_store_cannot_name(
    bastion: Any, monkeypatch: Any, tmp_path: Any
) -> None:
    batch = bastion.batches.get(sequence=1)

    # As with a remote store: no local file to hand to DuckDB.
    monkeypatch.setattr(audits.os.path, "isfile", lambda path: False)
    with audits._batch_path(batch, str(tmp_path)) as path:
        assert path.startswith(str(tmp_path))
        with open(path, "rb") as copy:
            assert b"sudo su -" in copy.read()
    assert list(tmp_path.iterdir()) == []


def test_rules_that_cannot_run_are_named_in_the_report(
    bastion: Any, rules: dict[str, Any], security_officer: Any
) -> None:
    windows = add_rule(
        PROCESS_RULE.format(
            title="Windows only",
            rule_id="3f6c9d85-4c31-4f6c-9c31-5eaf4a6b2d34",
            modifier="contains",
            value="net user",
            level="high",
        ).replace("product: linux", "product: windows"),
        by=None,
    )
    assert not windows.runnable
    report = run_audit(queued_report(bastion, security_officer))
    assert report.rule_count == 3
    assert report.rule_problems == [{"rule": "Windows only", "reason": windows.problem}]
    assert "no pipeline covers" in windows.problem
