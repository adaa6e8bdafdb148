"""The weekly audit of a log source: which week, queueing it, and running it.

A week is the seven days ending at 00:00 of the policy's audit weekday in the
organisation's time zone (settings.DEFAULT_PERSON_TIME_ZONE). Each enabled source gets one
report per week (a unique constraint), queued by the scheduler or by "audit now" and run
in the background (garrison.logaudit.tasks_audits) once the queueing transaction commits.

A run reads the source's batches received in the week (not pruned), runs every enabled
rule over them with the engine, keeps matches that an active suppression covers out of the
findings (counted on the suppression instead), groups the rest by rule into findings on the
source's asset, and stores every match as a JSON-lines file. It records the head of the
source's Merkle tree as it stood at the end of the week: `tree_size` is one more than the
highest sequence of the batches received before `period_end` (so it covers every batch the
audit read, and the batches before them), `tree_head` its root. The findings and the
report's outcome are written in one transaction: a run that fails leaves no finding, only
the report marked failed with the reason, and the reviewer told.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models import StoredFile
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.scheduling import organisation_zone
from garrison.core.scoping import require
from garrison.core.services import files, notifications
from garrison.core.services.references import save_numbered
from garrison.logaudit import notifications_audits as kinds
from garrison.logaudit.models import (
    AuditFinding,
    AuditReport,
    DetectionRule,
    LogBatch,
    LogSource,
    ReportStatus,
    Suppression,
)
from garrison.logaudit.services import rules
from garrison.logaudit.services.ingest import open_batch
from garrison.logaudit.services.policy import current_policy
from garrison.logaudit.services.rules import enabled_rules
from garrison.logaudit.services.sealing import tree_head_for
from garrison.logaudit.services.sources import reviewer_of
from garrison.logaudit.services.suppressions import (
    active_suppressions,
    count_suppressed,
    matching_suppression,
)

logger = logging.getLogger(__name__)

REFERENCE_PREFIX = "LA-"
WEEK = dt.timedelta(days=7)
TOP_ACCOUNTS = 20
CHUNK_SIZE = 1024 * 1024
# A queued report nobody ran within this long (the worker lost it) is queued again.
LOST_AFTER = dt.timedelta(hours=1)
# The outcome fields a run writes, audited together.
OUTCOME_FIELDS = (
    "status",
    "tree_size",
    "tree_head",
    "first_sequence",
    "batch_count",
    "event_count",
    "malformed_count",
    "match_count",
    "suppressed_count",
    "rule_count",
    "rule_problems",
    "matches_file",
    "error",
    "finished_at",
)


# The week ------------------------------------------------------------------------------------


def audit_period(moment: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The last full audit week at `moment` (default: now): [start, end), where `end` is
    00:00 of the latest policy audit weekday on or before `moment`, in the organisation's
    time zone, and `start` seven calendar days before it (a week with a clock change lasts
    167 or 169 hours)."""
    moment = moment or timezone.now()
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=dt.UTC)
    zone = organisation_zone()
    local_day = moment.astimezone(zone).date()
    weekday = current_policy().audit_weekday
    end_day = local_day - dt.timedelta(days=(local_day.weekday() - weekday) % 7)
    start_day = end_day - WEEK
    return (
        dt.datetime.combine(start_day, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end_day, dt.time.min, tzinfo=zone),
    )


def last_day(report: AuditReport) -> dt.date:
    """The last calendar day of the report's week, where the organisation works."""
    return report.period_end.astimezone(organisation_zone()).date() - dt.timedelta(days=1)


# Queueing -----------------------------------------------------------------------------------


def _queue(report: AuditReport) -> None:
    """Run the report in the background once the transaction that queued it commits."""
    from garrison.logaudit import tasks_audits

    primary_key = report.pk
    transaction.on_commit(lambda: tasks_audits.run_audit_report(primary_key))


def _new_report(source: LogSource, start: dt.datetime, end: dt.datetime, *, by: Any) -> AuditReport | None:
    """Create the queued report of `source` for the week, or None when it already has one."""
    report = AuditReport(source=source, period_start=start, period_end=end, reviewer=reviewer_of(source))
    try:
        with transaction.atomic():
            save_numbered(report, REFERENCE_PREFIX)
            audit.record(report, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(report)))
    except (IntegrityError, ValidationError):
        # The week's report exists already (or was created a moment ago by another run).
        if AuditReport.objects.filter(source=source, period_start=start).exists():
            return None
        raise
    _queue(report)
    return report


def schedule_weekly_audits(now: dt.datetime | None = None) -> list[AuditReport]:
    """Queue the report of the last full week for every source with the weekly audit on
    that has none yet; returns the reports queued. Safe to run any number of times: a
    week's report is created once. Reports still queued long after they were (their job
    was lost) are queued again."""
    start, end = audit_period(now)
    done = set(AuditReport.objects.filter(period_start=start).values_list("source_id", flat=True))
    sources = LogSource.objects.filter(audit_enabled=True).exclude(pk__in=done)
    sources = sources.select_related("owner", "reviewer").order_by("pk")
    if sources.exists():
        # The rule pack of this release, in place before the first audit that reads it.
        rules.sync_rule_pack()
    queued: list[AuditReport] = []
    with transaction.atomic():
        for source in sources:
            report = _new_report(source, start, end, by=None)
            if report is not None:
                queued.append(report)
        lost = AuditReport.objects.filter(
            status=ReportStatus.QUEUED, created_at__lt=(now or timezone.now()) - LOST_AFTER
        ).exclude(pk__in=[report.pk for report in queued])
        for report in lost.order_by("pk"):
            _queue(report)
    return queued


def request_audit(source: LogSource, *, by: Any, period_start: dt.datetime | None = None) -> AuditReport:
    """Audit `source` now, in the background: over the last full week, or over the audit
    week containing `period_start`. A week already queued or running is returned as it is;
    a failed one is run again; one that already ran is refused (its report is to be signed,
    or signed)."""
    require(by, Action.CHANGE, source)
    now = timezone.now()
    if period_start is None:
        start, end = audit_period(now)
    else:
        start, end = audit_period(period_start + WEEK)
        if end > now:
            raise ValidationError({"period_start": [_("That week is not over yet: audit a past week.")]})
    with transaction.atomic():
        existing = AuditReport.objects.select_for_update().filter(source=source, period_start=start).first()
        if existing is None:
            report = _new_report(source, start, end, by=by)
            if report is None:  # created concurrently
                return AuditReport.objects.get(source=source, period_start=start)
            return report
        if existing.status in (ReportStatus.QUEUED, ReportStatus.RUNNING):
            return existing
        if existing.status != ReportStatus.FAILED:
            raise ValidationError(
                _("The audit of %(source)s for that week has already run: see report %(report)s.")
                % {"source": source.name, "report": existing.reference}
            )
        before = audit.snapshot(existing)
        existing.status = ReportStatus.QUEUED
        existing.error = ""
        existing.started_at = None
        existing.finished_at = None
        existing.reviewer = reviewer_of(source)
        existing.save(update_fields=["status", "error", "started_at", "finished_at", "reviewer"])
        audit.record(
            existing,
            AuditAction.UPDATE,
            by=by,
            changes=audit.diff(before, audit.snapshot(existing)),
            reason=_("Audit requested again after it failed."),
        )
        _queue(existing)
        return existing


# Collecting matches -------------------------------------------------------------------------


def _moment(value: str | None) -> dt.datetime | None:
    """An event time as the pipelines normalise it (ISO 8601); a time without a zone is
    wall-clock time where the organisation works."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=organisation_zone())
    return moment


def _jsonable(event: dict[str, Any]) -> dict[str, Any]:
    """The event as stored in a sample: JSON values only, without the engine's own fields."""
    kept = {key: value for key, value in event.items() if not key.startswith("_")}
    loaded: dict[str, Any] = orjson.loads(orjson.dumps(kept, default=str))
    return loaded


@dataclass
class RuleGroup:
    """The matches of one rule kept for its finding."""

    rule: DetectionRule
    count: int = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    accounts: Counter[str] = field(default_factory=Counter)
    samples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Collector:
    """Receives the engine's matches one by one: suppressed ones are counted per
    suppression, the others grouped by rule; every match is written to `out`."""

    rules: dict[str, DetectionRule]
    suppressions: list[Suppression]
    samples_per_finding: int
    out: IO[bytes]
    groups: dict[str, RuleGroup] = field(default_factory=dict)
    suppressed: Counter[int] = field(default_factory=Counter)
    unknown_rules: set[str] = field(default_factory=set)

    def __call__(self, match: Any) -> None:

        rule = self.rules.get(match.rule_id)
        if rule is None:
            self.unknown_rules.add(match.rule_id)
            return
        suppression = matching_suppression(self.suppressions, rule=rule, account=match.user or "")
        batch = int(match.file_label) if str(match.file_label).isdigit() else match.file_label
        event = _jsonable(match.event)
        self.out.write(
            orjson.dumps(
                {
                    "rule_id": match.rule_id,
                    "title": match.title,
                    "level": match.level,
                    "author": match.author,
                    "batch": batch,
                    "line": match.line,
                    "time": match.time,
                    "host": match.host,
                    "user": match.user,
                    "suppressed_by": suppression.reference if suppression is not None else None,
                    "event": event,
                }
            )
            + b"\n"
        )
        if suppression is not None:
            self.suppressed[suppression.pk] += 1
            return
        group = self.groups.get(match.rule_id)
        if group is None:
            group = self.groups[match.rule_id] = RuleGroup(rule=rule)
        group.count += 1
        moment = _moment(match.time)
        if moment is not None:
            group.first = moment if group.first is None else min(group.first, moment)
            group.last = moment if group.last is None else max(group.last, moment)
        if match.user:
            group.accounts[match.user] += 1
        if len(group.samples) < self.samples_per_finding:
            group.samples.append({"batch": batch, "line": match.line, "event": event})


# Running ------------------------------------------------------------------------------------


@contextmanager
def _batch_path(batch: LogBatch, workdir: str) -> Iterator[str]:
    """A file path holding the batch's bytes, for DuckDB: the blob itself when the store
    keeps it as a local file byte for byte, else a copy spooled into `workdir`."""

    stored = batch.stored_file
    if stored is not None and stored.sha256 == batch.sha256:
        try:
            path = default_storage.path(stored.storage_name)
        except NotImplementedError:
            path = ""
        if path and os.path.isfile(path):
            yield path
            return
    spooled = os.path.join(workdir, f"batch-{batch.sequence}")
    with open_batch(batch) as blob, open(spooled, "wb") as copy:
        shutil.copyfileobj(blob, copy, CHUNK_SIZE)
    try:
        yield spooled
    finally:
        os.unlink(spooled)


def _store_blob(path: str) -> StoredFile:
    """Keep the file at `path` in the content store (once per content)."""
    with open(path, "rb") as handle:
        return files.store_blob(handle, limit_megabytes=files.SYSTEM_BLOB_LIMIT_MEGABYTES)


def _problems(*lists: Any) -> list[dict[str, str]]:
    """Rules that could not run, each once, as the report keeps them."""
    seen: set[tuple[str, str]] = set()
    kept: list[dict[str, str]] = []
    for problems in lists:
        for problem in problems:
            key = (problem.rule or problem.path, problem.reason)
            if key not in seen:
                seen.add(key)
                kept.append({"rule": key[0], "reason": problem.reason})
    return kept


@dataclass
class Outcome:
    """What a run found, before it is written."""

    tree_size: int
    tree_head: str
    first_sequence: int
    batch_count: int
    event_count: int
    malformed_count: int
    rule_count: int
    rule_problems: list[dict[str, str]]
    collector: Collector
    matches_path: str


def _scan(report: AuditReport, workdir: str) -> Outcome:
    """Read the week's batches through every enabled rule; writes nothing to the database."""
    from garrison.logaudit.engine.inputs import InputFormat
    from garrison.logaudit.engine.runner import EventFile, scan

    source = report.source
    policy = current_policy()
    received = LogBatch.objects.filter(source=source, received_at__lt=report.period_end)
    highest = received.aggregate(highest=Max("sequence"))["highest"]
    tree_size = 0 if highest is None else highest + 1
    batches = list(
        received.filter(received_at__gte=report.period_start, pruned_at__isnull=True)
        .select_related("stored_file")
        .order_by("sequence")
    )
    compiled, rows = enabled_rules()
    collector = Collector(
        rules=rows,
        # The suppressions in force on the week's last day (an audit run again later reads
        # the week as it was).
        suppressions=active_suppressions(source.asset, on=last_day(report)),
        samples_per_finding=policy.samples_per_finding,
        out=open(os.path.join(workdir, "matches.jsonl"), "wb"),  # noqa: SIM115 (closed below)
    )
    events = malformed = 0
    scan_problems: list[Any] = []
    try:
        if batches:
            with _batch_paths(batches, workdir) as paths:
                files = [
                    EventFile(path, InputFormat(source.log_format), label=str(batch.sequence))
                    for batch, path in zip(batches, paths, strict=True)
                ]
                result = scan(compiled, files, on_match=collector, workdir=workdir)
            events, malformed, scan_problems = result.events, result.malformed, list(result.problems)
    finally:
        collector.out.close()
    # Enabled rules stored as not runnable are left out of the compiled set: named here.
    not_runnable = DetectionRule.objects.filter(enabled=True, runnable=False).order_by("title", "pk")
    problems = [{"rule": rule.title, "reason": rule.problem} for rule in not_runnable]
    problems += _problems(compiled.problems, scan_problems)
    for rule_id in sorted(collector.unknown_rules):
        problems.append({"rule": rule_id, "reason": _("The rule matched but is no longer enabled.")})
    return Outcome(
        tree_size=tree_size,
        tree_head=tree_head_for(source, tree_size),
        first_sequence=batches[0].sequence if batches else tree_size,
        batch_count=len(batches),
        event_count=events,
        malformed_count=malformed,
        rule_count=len(compiled.rules),
        rule_problems=problems,
        collector=collector,
        matches_path=collector.out.name,
    )


@contextmanager
def _batch_paths(batches: list[LogBatch], workdir: str) -> Iterator[list[str]]:
    with ExitStack() as stack:
        yield [stack.enter_context(_batch_path(batch, workdir)) for batch in batches]


def _findings(report: AuditReport, collector: Collector) -> list[AuditFinding]:
    return [
        AuditFinding(
            report=report,
            rule=group.rule,
            asset=report.source.asset,
            title=group.rule.title[:500],
            level=group.rule.level,
            match_count=group.count,
            first_match_at=group.first,
            last_match_at=group.last,
            accounts=[account for account, _count in group.accounts.most_common(TOP_ACCOUNTS)],
            samples=group.samples,
        )
        for group in sorted(collector.groups.values(), key=lambda item: (item.rule.title, item.rule.pk))
    ]


def _write(report: AuditReport, outcome: Outcome) -> AuditReport:
    """The findings and the report's outcome, in one transaction."""

    stored = _store_blob(outcome.matches_path)
    with transaction.atomic():
        before = audit.snapshot(report)
        report.findings.all().delete()
        findings = _findings(report, outcome.collector)
        AuditFinding.objects.bulk_create(findings)
        count_suppressed(dict(outcome.collector.suppressed))
        report.tree_size = outcome.tree_size
        report.tree_head = outcome.tree_head
        report.first_sequence = outcome.first_sequence
        report.batch_count = outcome.batch_count
        report.event_count = outcome.event_count
        report.malformed_count = outcome.malformed_count
        report.match_count = sum(finding.match_count for finding in findings)
        report.suppressed_count = sum(outcome.collector.suppressed.values())
        report.rule_count = outcome.rule_count
        report.rule_problems = outcome.rule_problems
        report.matches_file = stored
        report.error = ""
        report.status = ReportStatus.AWAITING_SIGN_OFF
        report.finished_at = timezone.now()
        report.save(update_fields=list(OUTCOME_FIELDS))
        audit.record(report, AuditAction.UPDATE, by=None, changes=audit.diff(before, audit.snapshot(report)))
        _tell_reviewer(report)
    return report


def _fail(report: AuditReport, message: str) -> AuditReport:
    with transaction.atomic():
        report.refresh_from_db()
        before = audit.snapshot(report)
        report.status = ReportStatus.FAILED
        report.error = message
        report.finished_at = timezone.now()
        report.save(update_fields=["status", "error", "finished_at"])
        audit.record(
            report,
            AuditAction.UPDATE,
            by=None,
            changes=audit.diff(before, audit.snapshot(report)),
            reason=message,
        )
        _tell_reviewer(report)
    return report


def report_link(report: AuditReport) -> str:
    try:
        return reverse("logaudit:report-detail", kwargs={"pk": report.pk})
    except NoReverseMatch:
        return ""


def _tell_reviewer(report: AuditReport) -> None:
    person = report.reviewer
    if person is None:
        return
    source = report.source
    zone = organisation_zone()
    week = {
        "source": source.name,
        "start": report.period_start.astimezone(zone).date().isoformat(),
        "end": last_day(report).isoformat(),
        "report": report.reference,
    }
    with translation.override(notifications.language_of(person)):
        if report.status == ReportStatus.FAILED:
            kind = kinds.AUDIT_FAILED.code
            title = _("The log audit of %(source)s (%(start)s to %(end)s) failed") % week
            body = report.error
        else:
            kind = kinds.REPORT_AWAITING_SIGN_OFF.code
            title = _("Log audit %(report)s of %(source)s (%(start)s to %(end)s) is ready to sign") % week
            body = _(
                "%(batches)d batches, %(events)d events read; %(findings)d findings with %(matches)d matches "
                "to triage, %(suppressed)d matches suppressed. Triage every finding, then sign the report."
            ) % {
                "batches": report.batch_count,
                "events": report.event_count,
                "findings": report.findings.count(),
                "matches": report.match_count,
                "suppressed": report.suppressed_count,
            }
    notifications.notify(
        person,
        kind,
        title=title,
        body=body,
        link=report_link(report),
        target=report,
        dedupe_key=f"{kind}:{report.pk}:{report.finished_at.isoformat() if report.finished_at else ''}",
    )


def run_audit(report: AuditReport) -> AuditReport:
    """Run a queued audit (the background job calls this). Safe to call twice: a report
    that is not queued any more is returned as it is."""
    claimed = AuditReport.objects.filter(pk=report.pk, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RUNNING, started_at=timezone.now(), error=""
    )
    report.refresh_from_db()
    if not claimed:
        return report
    report = AuditReport.objects.select_related("source__asset", "reviewer").get(pk=report.pk)
    language = notifications.language_of(report.reviewer) if report.reviewer else settings.LANGUAGE_CODE
    with translation.override(language):
        workdir = tempfile.mkdtemp(prefix="garrison-audit-")
        try:
            outcome = _scan(report, workdir)
            return _write(report, outcome)
        except Exception as error:
            logger.exception("The audit %s failed", report.reference)
            if isinstance(error, ValidationError):
                detail = " ".join(str(message) for message in error.messages)
            else:
                detail = str(error).strip() or error.__class__.__name__
            return _fail(
                report, _("The audit could not run, nothing was recorded: %(detail)s") % {"detail": detail}
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
